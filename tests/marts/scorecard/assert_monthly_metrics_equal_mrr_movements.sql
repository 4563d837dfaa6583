{#- One definition per metric: every value the balanced scorecard shows at month grain is the governed
    value of mrr_movements - the column named like the metric, for the month period_start names, over the
    same accounts - and every complete month some scorecard week ends in is shown. Returns the rows that
    differ, name no mrr_movements column, or are missing. -#}

{%- set monthly_columns = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(ref('mrr_movements')) -%}
        {%- do monthly_columns.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif -%}
{#- the mrr_movements column named like the scorecard metric, as a double -#}
{%- set whens = [] -%}
{%- for column in monthly_columns -%}
    {%- do whens.append(
        "when '" ~ column ~ "' then cast(mrr_movements." ~ column ~ " as " ~ type_double() ~ ")"
    ) -%}
{%- endfor -%}
{%- set monthly_column_list = "'" ~ monthly_columns | join("', '") ~ "'" -%}
{%- set month_over_by_week_end = dbt.dateadd(
    'month', -1, dbt.date_trunc('month', dbt.dateadd('day', 7, 'scorecard.week_start'))
) -%}

with

scorecard as (
    select * from {{ ref('balanced_scorecard') }}
),

mrr_movements as (
    select * from {{ ref('mrr_movements') }}
),

monthly_rows as (
    select
        scorecard.week_start,
        scorecard.metric,
        scorecard.period_start,
        scorecard.value,
        scorecard.sample_size,
        case scorecard.metric {{ whens | join(' ') }} end as governed_value,
        scorecard.metric in ({{ monthly_column_list }}) as names_a_governed_column,
        mrr_movements.month_start is not null as has_governed_month,
    from scorecard
    left join mrr_movements
        on
            scorecard.period_start = mrr_movements.month_start
            and not mrr_movements.is_partial_month
    where scorecard.period_grain = 'month'
),

differing as (
    select
        week_start,
        metric,
        period_start,
        value,
        governed_value,
        'value differs from mrr_movements' as failure,
    from monthly_rows
    where
        not names_a_governed_column
        or (has_governed_month and (
            (value is null) != (governed_value is null) or value != governed_value
        ))
        or (not has_governed_month and value is not null)
),

-- every monthly metric on the scorecard, for every complete month a scorecard week ends in
expected_months as (
    select distinct
        scorecard.metric,
        mrr_movements.month_start,
    from scorecard
    inner join mrr_movements
        on
            not mrr_movements.is_partial_month
            and mrr_movements.month_start = cast({{ month_over_by_week_end }} as date)
    where scorecard.period_grain = 'month'
),

missing as (
    select
        cast(null as date) as week_start,
        expected_months.metric,
        expected_months.month_start as period_start,
        cast(null as {{ type_double() }}) as value,
        cast(null as {{ type_double() }}) as governed_value,
        'month missing from the scorecard' as failure,
    from expected_months
    left join scorecard
        on
            expected_months.metric = scorecard.metric
            and expected_months.month_start = scorecard.period_start
    where scorecard.metric is null
)

select * from differing
union all
select * from missing
