{#- Warns, in one line naming the days, when the feed's latest days are incomplete (int_feed_days_completed):
    the as-of date then is the last complete day and those days are skipped. With var as_of_date set, warns
    when the chosen day is itself incomplete. -#}
{{ config(severity='warn', store_failures=true) }}

{%- set failing_sql %}
with

build_context as (
    select * from {{ ref('int_build_context') }}
),

feed_days as (
    select * from {{ ref('int_feed_days_completed') }}
),

skipped as (
    select
        count(*) as days_skipped,
        min(feed_days.feed_date) as first_skipped_date,
        max(feed_days.feed_date) as last_skipped_date,
        sum(feed_days.events_received) as events_received,
        sum(feed_days.events_on_time) as events_on_time,
        sum(coalesce(feed_days.norm_events_on_time, feed_days.events_on_time)) as norm_events_on_time
    from feed_days
    inner join build_context
        on feed_days.feed_date > build_context.as_of_date
    where not build_context.is_as_of_date_from_var
),

skipped_message as (
    select
        'feed_latest_days_incomplete' as check_name,
        {{ dbt.concat([
            "'Feed completeness: app/events is incomplete on its latest '",
            "cast(skipped.days_skipped as " ~ dbt.type_string() ~ ")",
            "' days, '",
            "cast(skipped.first_skipped_date as " ~ dbt.type_string() ~ ")",
            "' to '",
            "cast(skipped.last_skipped_date as " ~ dbt.type_string() ~ ")",
            "' ('",
            "cast(skipped.events_received as " ~ dbt.type_string() ~ ")",
            "' events received, '",
            "cast(skipped.events_on_time as " ~ dbt.type_string() ~ ")",
            "' of them on the day they happened, against a norm of about '",
            "cast(cast(round(skipped.norm_events_on_time, 0) as " ~ dbt.type_bigint() ~ ") as " ~ dbt.type_string() ~ ")",
            "'), so they are skipped: the as-of date is '",
            "cast(build_context.as_of_date as " ~ dbt.type_string() ~ ")",
            "', the last complete day, and every current-week figure (segments, scorecard, account health,'",
            "' crossings, next actions) uses it. Fix: deliver the missing events (the next build moves the'",
            "' as-of date forward by itself), or set var as_of_date to build a chosen day.'",
        ]) }} as message
    from skipped
    cross join build_context
    where skipped.days_skipped > 0
),

chosen_day_message as (
    select
        'feed_as_of_date_incomplete' as check_name,
        {{ dbt.concat([
            "'Feed completeness: var as_of_date '",
            "cast(build_context.as_of_date as " ~ dbt.type_string() ~ ")",
            "' is an incomplete day of app/events ('",
            "cast(feed_days.events_on_time as " ~ dbt.type_string() ~ ")",
            "' events received on the day they happened, against a norm of about '",
            "cast(cast(round(feed_days.norm_events_on_time, 0) as " ~ dbt.type_bigint() ~ ") as " ~ dbt.type_string() ~ ")",
            "'), so its current-week figures read a partial feed. Fix: build the last complete day '",
            "cast(build_context.last_complete_date as " ~ dbt.type_string() ~ ")",
            "' (leave as_of_date unset), or deliver the missing events.'",
        ]) }} as message
    from build_context
    inner join feed_days
        on build_context.as_of_date = feed_days.feed_date
    where
        build_context.is_as_of_date_from_var
        and not feed_days.is_complete
)

select * from skipped_message
union all
select * from chosen_day_message
{%- endset %}

{{ log_failing_messages(failing_sql, 'warn') }}
