{#- One row per account per complete week: the account health score (0-100), the weighted mean of the
    dimension scores with the weights of seed health_score_weights renormalised over the dimensions that
    have a score, its band, its change on last week, and a worst-of alert (any dimension red). -#}

{%- set dimensions = ['engagement', 'value', 'retention_risk', 'support', 'billing'] -%}

with

account_weeks_scored as (
    select * from {{ ref('int_account_weeks_health_scored') }}
),

health_score_weights as (
    select * from {{ ref('health_score_weights') }}
),

governed as (
    select
        {%- for dimension in dimensions %}
            max(case when dimension = '{{ dimension }}' then weight end) as {{ dimension }}_weight,
            max(case when dimension = '{{ dimension }}' then red_below end) as {{ dimension }}_red_below,
        {%- endfor %}
        max(case when dimension = 'overall' then red_below end) as overall_red_below,
        max(case when dimension = 'overall' then green_from end) as overall_green_from,
    from health_score_weights
),

weighted as (
    select
        account_weeks_scored.*,
        {%- for dimension in dimensions %}
            coalesce(account_weeks_scored.{{ dimension }}_score * governed.{{ dimension }}_weight, 0)
            {%- if not loop.last %} +{% endif %}
        {%- endfor %} as weighted_score_sum,
        {%- for dimension in dimensions %}
            case
                when account_weeks_scored.{{ dimension }}_score is not null
                    then coalesce(governed.{{ dimension }}_weight, 0)
                else 0
            end
            {%- if not loop.last %} +{% endif %}
        {%- endfor %} as scored_weight,
        {%- for dimension in dimensions %}
            coalesce(
                account_weeks_scored.{{ dimension }}_score < governed.{{ dimension }}_red_below, false
            ) as is_{{ dimension }}_red,
        {%- endfor %}
        {%- for dimension in dimensions %}
            case when account_weeks_scored.{{ dimension }}_score is not null then 1 else 0 end
            {%- if not loop.last %} +{% endif %}
        {%- endfor %} as dimensions_scored,
        governed.overall_red_below,
        governed.overall_green_from,
    from account_weeks_scored
    cross join governed
),

-- the weights renormalised over the dimensions that have a score
renormalised as (
    select
        *,
        round(weighted_score_sum / nullif(scored_weight, 0), 1) as health_score,
    from weighted
),

banded as (
    select
        *,
        {{ score_band('health_score', 'overall_red_below', 'overall_green_from') }} as health_band,
        trim(
            {%- for dimension in dimensions %}
                case when is_{{ dimension }}_red then ' {{ dimension }}' else '' end
                {%- if not loop.last %} ||{% endif %}
            {%- endfor %}
        ) as red_dimensions,
    from renormalised
),

account_health as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(week_start as date) as week_start,
        cast(health_score as {{ type_double() }}) as health_score,
        cast(health_band as {{ dbt.type_string() }}) as health_band,
        cast(
            round(health_score - lag(health_score) over (partition by account_id order by week_start), 1)
            as {{ type_double() }}
        ) as health_score_change,
        cast(
            coalesce(health_band = 'red', false)
            {%- for dimension in dimensions %}
                or is_{{ dimension }}_red
            {%- endfor %}
            as {{ dbt.type_boolean() }}
        ) as is_alert,
        cast(nullif({{ dbt.replace('red_dimensions', "' '", "', '") }}, '') as {{ dbt.type_string() }})
            as alert_dimensions,
        cast(dimensions_scored as {{ dbt.type_int() }}) as dimensions_scored,
        {%- for dimension in dimensions %}
            cast({{ dimension }}_score as {{ type_double() }}) as {{ dimension }}_score,
        {%- endfor %}
        cast(subscription_status as {{ dbt.type_string() }}) as subscription_status,
        cast(users as {{ dbt.type_bigint() }}) as users,
        cast(active_users_l28 as {{ dbt.type_bigint() }}) as active_users_l28,
        cast(seats as {{ dbt.type_bigint() }}) as seats,
        cast(seat_utilisation_rate as {{ type_double() }}) as seat_utilisation_rate,
        cast(key_action_trend_rate as {{ type_double() }}) as key_action_trend_rate,
        cast(days_to_renewal as {{ dbt.type_bigint() }}) as days_to_renewal,
        cast(open_urgent_tickets as {{ dbt.type_bigint() }}) as open_urgent_tickets,
    from banded
)

select * from account_health
