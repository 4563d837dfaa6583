{#- How one signup cohort moved through the lifecycle segments, week by week: for the users who signed up
    in the week var cohort_week (a Monday, e.g. --vars '{cohort_week: 2025-06-02}'; default: the week
    var analysis_cohort_weeks_back, 12, weeks before the as-of week), the (from -> to) segment flows of
    every week from the signup week on, with each flow's share of the cohort ('(entered)': first week seen). -#}

with

users as (
    select * from {{ ref('dim_users') }}
),

membership as (
    select * from {{ ref('segment_membership') }}
),

chosen_week as (
    {%- if var('cohort_week', none) %}
        select cast('{{ var("cohort_week") }}' as date) as cohort_week,
    {%- else %}
        select
            cast({{ dbt.dateadd(
                'week',
                -1 * var('analysis_cohort_weeks_back', 12),
                dbt.date_trunc('week', 'max(as_of_date)'),
            ) }} as date) as cohort_week,
        from users
    {%- endif %}
),

cohort as (
    select
        users.user_id,
        users.signup_week,
    from users
    inner join chosen_week
        on users.signup_week = chosen_week.cohort_week
),

cohort_weeks as (
    select
        cohort.signup_week,
        membership.week_start,
        membership.lifecycle_segment as to_segment,
        {{ dbt.datediff('cohort.signup_week', 'membership.week_start', 'week') }}
            as weeks_since_signup,
        coalesce(membership.previous_lifecycle_segment, '(entered)') as from_segment,
    from cohort
    inner join membership
        on
            cohort.user_id = membership.user_id
            and membership.grain = 'user'
            and cohort.signup_week <= membership.week_start
),

cohort_size as (
    select count(*) as cohort_users,
    from cohort
),

flows as (
    select
        cohort_weeks.signup_week,
        cohort_weeks.week_start,
        cohort_weeks.weeks_since_signup,
        cohort_weeks.from_segment,
        cohort_weeks.to_segment,
        count(*) as users,
        count(*) * 1.0 / max(cohort_size.cohort_users) as cohort_share,
    from cohort_weeks
    cross join cohort_size
    group by
        cohort_weeks.signup_week,
        cohort_weeks.week_start,
        cohort_weeks.weeks_since_signup,
        cohort_weeks.from_segment,
        cohort_weeks.to_segment
)

select * from flows
order by week_start asc, users desc, from_segment asc, to_segment asc
