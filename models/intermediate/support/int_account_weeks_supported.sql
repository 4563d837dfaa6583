{#- Support load per account per week: tickets opened (urgent among them), urgent tickets still open at
    the week's end, median first-response and resolution hours of the week's tickets, CSAT, and NPS over
    the trailing 13 weeks (promoters minus detractors, -100..100). -#}

with

account_weeks as (
    select * from {{ ref('int_account_weeks_spined') }}
),

tickets as (
    select * from {{ ref('int_tickets_resolved') }}
    where account_id is not null
),

nps_responses as (
    select * from {{ ref('int_nps_responses_resolved') }}
    where account_id is not null
),

tickets_opened as (
    select
        account_id,
        created_week as week_start,
        count(*) as tickets_opened,
        cast(sum(case when is_urgent then 1 else 0 end) as {{ dbt.type_bigint() }}) as urgent_tickets_opened,
        percentile_cont(0.5) within group (order by first_response_hours) as median_first_response_hours,
        percentile_cont(0.5) within group (order by resolution_hours) as median_resolution_hours,
        avg(csat_score) as csat_avg,
        count(csat_score) as csat_responses,
    from tickets
    group by
        account_id,
        created_week
),

urgent_open as (
    select
        account_weeks.account_id,
        account_weeks.week_start,
        count(*) as open_urgent_tickets,
    from account_weeks
    inner join tickets
        on
            account_weeks.account_id = tickets.account_id
            and tickets.is_urgent
            and tickets.created_at < {{ dbt.dateadd('day', 7, 'account_weeks.week_start') }}
            and coalesce(tickets.solved_at >= {{ dbt.dateadd('day', 7, 'account_weeks.week_start') }}, true)
            and (tickets.solved_at is not null or tickets.status not in ('solved', 'closed'))
    group by
        account_weeks.account_id,
        account_weeks.week_start
),

nps_trailing as (
    select
        account_weeks.account_id,
        account_weeks.week_start,
        count(*) as nps_responses_13w,
        100.0 * (
            sum(case when nps_responses.nps_category = 'promoter' then 1 else 0 end)
            - sum(case when nps_responses.nps_category = 'detractor' then 1 else 0 end)
        ) / count(*) as nps_13w,
    from account_weeks
    inner join nps_responses
        on
            account_weeks.account_id = nps_responses.account_id
            and account_weeks.week_start >= nps_responses.submitted_week
            and {{ dbt.dateadd('week', -13, 'account_weeks.week_start') }} < nps_responses.submitted_week
    group by
        account_weeks.account_id,
        account_weeks.week_start
),

supported as (
    select
        account_weeks.account_id,
        account_weeks.week_start,
        coalesce(tickets_opened.tickets_opened, 0) as tickets_opened,
        coalesce(tickets_opened.urgent_tickets_opened, 0) as urgent_tickets_opened,
        coalesce(urgent_open.open_urgent_tickets, 0) as open_urgent_tickets,
        tickets_opened.median_first_response_hours,
        tickets_opened.median_resolution_hours,
        tickets_opened.csat_avg,
        coalesce(tickets_opened.csat_responses, 0) as csat_responses,
        coalesce(nps_trailing.nps_responses_13w, 0) as nps_responses_13w,
        nps_trailing.nps_13w,
    from account_weeks
    left join tickets_opened
        on
            account_weeks.account_id = tickets_opened.account_id
            and account_weeks.week_start = tickets_opened.week_start
    left join urgent_open
        on
            account_weeks.account_id = urgent_open.account_id
            and account_weeks.week_start = urgent_open.week_start
    left join nps_trailing
        on
            account_weeks.account_id = nps_trailing.account_id
            and account_weeks.week_start = nps_trailing.week_start
)

select * from supported
