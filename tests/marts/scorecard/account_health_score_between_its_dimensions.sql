{#- A weighted mean lies between its parts: every health_score is within the lowest and highest of the
    account's dimension scores that week (0.1 of slack for rounding). -#}

{%- set dimensions = ['engagement', 'value', 'retention_risk', 'support', 'billing'] -%}

with

account_health as (
    select * from {{ ref('account_health') }}
),

dimension_scores as (
    {%- for dimension in dimensions %}
        select
            account_id,
            week_start,
            {{ dimension }}_score as score,
        from account_health
        where {{ dimension }}_score is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

dimension_ranges as (
    select
        account_id,
        week_start,
        min(score) as lowest_score,
        max(score) as highest_score,
    from dimension_scores
    group by
        account_id,
        week_start
),

out_of_range as (
    select
        account_health.account_id,
        account_health.week_start,
        account_health.health_score,
        dimension_ranges.lowest_score,
        dimension_ranges.highest_score,
    from account_health
    inner join dimension_ranges
        on
            account_health.account_id = dimension_ranges.account_id
            and account_health.week_start = dimension_ranges.week_start
    where
        account_health.health_score < dimension_ranges.lowest_score - 0.1
        or account_health.health_score > dimension_ranges.highest_score + 0.1
)

select * from out_of_range
