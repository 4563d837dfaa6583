{{
    config(
        materialized='incremental',
        unique_key=['user_id', 'feature', 'week_start'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- Adoption of each feature by each user, for every week in which the feature was used within the last
    adoption_window_weeks weeks: tried (at most adoption_tried_max_uses uses so far), habitual (used in
    at least adoption_habitual_min_weeks of the window), else occasional. Each used week is spread over
    the window weeks it counts for, so the table holds only weeks where the feature is in play (outside
    them it is not habitual and keeps its last tried/occasional state); never-used features have no rows.
    Incremental: a run rewrites, per user, the weeks from the first week of the user-days
    int_user_event_days_counted wrote since this table's latest processed_at, and for every user the weeks
    after the previous as-of week (a new week brings in-play rows for unchanged users); uses_to_date
    carries on from the stored rows before those weeks. All history is rewritten when the catalogue or the
    thresholds differ from those stored (definitions_version), so it equals a full refresh. -#}

with

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

current_definitions as (
    select
        {{ definitions_version([ref('int_feature_catalog'), ref('segment_thresholds')]) }} as definitions_version,
),

{% if is_incremental() %}
    previous as (
        select
            max(week_start) as as_of_week_start,
            max(definitions_version) as definitions_version,
        from {{ this }}
    ),

    touched_users as (
        select
            user_event_days.user_id,
            cast(min({{ dbt.date_trunc('week', 'user_event_days.activity_date') }}) as date) as reprocess_from,
        from user_event_days
        where {{ processed_since_last_run('user_event_days.processed_at') }}
        group by user_event_days.user_id
    ),

    scope as (
        {#- every user: the weeks after the previous as-of week (all weeks when the definitions changed) -#}
        select
            {{ reprocess_from_week(dbt.dateadd('day', 7, 'previous.as_of_week_start')) }} as reprocess_from,
        from previous
        cross join current_definitions
    ),

    scoped_days as (
        {#- the user-days whose used week's window reaches the user's first rewritten week -#}
        select
            user_event_days.*,
            least(coalesce(touched_users.reprocess_from, scope.reprocess_from), scope.reprocess_from)
                as reprocess_from,
        from user_event_days
        cross join scope
        cross join thresholds
        left join touched_users
            on user_event_days.user_id = touched_users.user_id
        where
            user_event_days.activity_date >= {{ dbt.dateadd(
                'day',
                '-7 * (thresholds.adoption_window_weeks - 1)',
                'least(coalesce(touched_users.reprocess_from, scope.reprocess_from), scope.reprocess_from)',
            ) }}
    ),

    carried as (
        {#- uses before the first rewritten week, from the stored rows (uses_to_date only grows) -#}
        select
            stored.user_id,
            stored.feature,
            max(stored.uses_to_date) as uses_to_date,
        from {{ this }} as stored
        inner join (select distinct user_id, reprocess_from from scoped_days) as rewritten
            on
                stored.user_id = rewritten.user_id
                and stored.week_start < rewritten.reprocess_from
        group by
            stored.user_id,
            stored.feature
    ),
{% else %}
    scoped_days as (
        select
            user_event_days.*,
            cast('1900-01-01' as date) as reprocess_from,
        from user_event_days
    ),

{% endif %}

weekly_uses as (
    select
        scoped_days.user_id,
        catalog.feature,
        min(catalog.feature_tier) as feature_tier,
        cast({{ dbt.date_trunc('week', 'scoped_days.activity_date') }} as date) as week_start,
        cast(sum(scoped_days.event_count) as {{ dbt.type_bigint() }}) as uses,
        min(scoped_days.reprocess_from) as reprocess_from,
    from scoped_days
    inner join catalog
        on scoped_days.event_name = catalog.event_name
    where catalog.feature is not null
    group by
        scoped_days.user_id,
        catalog.feature,
        cast({{ dbt.date_trunc('week', 'scoped_days.activity_date') }} as date)
),

in_window as (
    select
        weekly_uses.user_id,
        weekly_uses.feature,
        weekly_uses.feature_tier,
        weekly_uses.week_start as used_week_start,
        weekly_uses.uses,
        weekly_uses.reprocess_from,
        {{ period_starts_between(
            'weekly_uses.week_start',
            'least(' ~ dbt.dateadd('day', '7 * (thresholds.adoption_window_weeks - 1)', 'weekly_uses.week_start')
            ~ ', build_context.as_of_week_start)',
            'week',
        ) }} as week_start,
    from weekly_uses
    cross join thresholds
    cross join build_context
),

windowed as (
    select
        user_id,
        feature,
        min(feature_tier) as feature_tier,
        week_start,
        cast(sum(case when used_week_start = week_start then uses else 0 end) as {{ dbt.type_bigint() }}) as uses,
        count(*) as weeks_used_in_window,
    from in_window
    where week_start >= reprocess_from
    group by
        user_id,
        feature,
        week_start
),

cumulated as (
    select
        windowed.*,
        {% if is_incremental() %}coalesce(carried.uses_to_date, 0) + {% endif %}cast(sum(windowed.uses) over (
            partition by windowed.user_id, windowed.feature
            order by windowed.week_start
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as uses_to_date,
    from windowed
    {% if is_incremental() %}
        left join carried
            on
                windowed.user_id = carried.user_id
                and windowed.feature = carried.feature
    {% endif %}
),

adopted as (
    select
        windowed.user_id,
        windowed.feature,
        windowed.feature_tier,
        windowed.week_start,
        windowed.uses,
        windowed.uses_to_date,
        windowed.weeks_used_in_window,
        case
            when windowed.weeks_used_in_window >= thresholds.adoption_habitual_min_weeks then 'habitual'
            when windowed.uses_to_date <= thresholds.adoption_tried_max_uses then 'tried'
            else 'occasional'
        end as adoption_state,
        {{ run_processed_at() }} as processed_at,
        current_definitions.definitions_version,
    from cumulated as windowed
    cross join thresholds
    cross join current_definitions
)

select * from adopted
