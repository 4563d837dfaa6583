{#
    The second on-run-start hook (after register_raw_sources, which registers raw_app.events): stops the
    run before any model when the events feed's time range is implausible or the var as_of_date lies
    outside it, with one message naming the table, the rows and the fix.
    - Span: app/events may cover at most var('feed_max_span_days') days from its first to its last
      received_at. Beyond that (e.g. rows dated centuries ahead on both clocks) every calendar spine would
      run to the stray rows' day; the message counts and quotes the rows farther than that from the
      feed's median received day.
    - var('as_of_date'), when set, must be a YYYY-MM-DD day from the first to the last received day:
      before it every mart would be empty, after it the build would invent weeks without data.
    One query of min/max over received_at (Parquet statistics make it cheap); the median and the stray
    rows are read only when the span is too long.
#}
{% macro check_feed_time_range() %}
    {{ return(adapter.dispatch('check_feed_time_range', 'engagement')()) }}
{% endmacro %}

{% macro default__check_feed_time_range() %}
    {% if not execute %}
        {{ return('select 1') }}
    {% endif %}
    {% set events = engagement.feed_events_relation() %}
    {% set problems = [] %}
    {% set bounds = run_query(
        'select cast(min(received_at) as ' ~ dbt.type_string() ~ '), cast(max(received_at) as '
        ~ dbt.type_string() ~ '), ' ~ dbt.datediff('min(received_at)', 'max(received_at)', 'day')
        ~ ', count(*) from ' ~ events ~ ' where received_at is not null'
    ).rows[0] %}
    {% set first_received, last_received, span_days, rows_received = bounds[0], bounds[1], bounds[2], bounds[3] %}
    {% if rows_received == 0 %}
        {#- register_raw_sources already stops a feed without events; nothing more to say here -#}
        {{ return('select 1') }}
    {% endif %}
    {% set first_day, last_day = first_received[:10], last_received[:10] %}
    {% set max_span = var('feed_max_span_days') | int %}
    {% if span_days > max_span %}
        {% do problems.append(engagement.feed_span_problem(events, first_received, last_received, span_days, max_span)) %}
    {% endif %}
    {% set as_of = var('as_of_date') %}
    {% if as_of %}
        {% set as_of = as_of | string %}
        {% if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of) %}
            {% do problems.append('var as_of_date is "' ~ as_of ~ '", not a day written YYYY-MM-DD. Fix: pass e.g.'
                ~ " --vars '{as_of_date: " ~ last_day ~ "}', or leave it unset to build the feed's last complete day.") %}
        {% elif as_of < first_day %}
            {% do problems.append('var as_of_date ' ~ as_of ~ ' is before the first day of app/events (first received_at '
                ~ first_received[:19] ~ '): no event had arrived by then, so every mart would be empty. Fix: pass an'
                ~ ' as_of_date from ' ~ first_day ~ ' to ' ~ last_day ~ ", or leave it unset to build the feed's"
                ~ ' last complete day.') %}
        {% elif as_of > last_day %}
            {% do problems.append('var as_of_date ' ~ as_of ~ ' is after the last day of app/events (last received_at '
                ~ last_received[:19] ~ '): the weeks after it hold no data, so every member would read as inactive there'
                ~ ' and the churn model would train on them. Fix: pass an as_of_date from ' ~ first_day ~ ' to '
                ~ last_day ~ ", or leave it unset to build the feed's last complete day.") %}
        {% endif %}
    {% endif %}
    {% if problems %}
        {% set message = 'Feed time range: app/events (' ~ rows_received ~ ' rows received from ' ~ first_day
            ~ ' to ' ~ last_day ~ ') cannot be built as asked; read "The as-of date and feed completeness"'
            ~ ' in RAW_DATA_CONTRACT.md at the root of this dbt project. Nothing was built.\n  - '
            ~ problems | join('\n  - ')
            ~ '\n(Reported by the on-run-start hook check_feed_time_range, which dbt names'
            ~ ' "operation engagement-on-run-start-1 (./dbt_project.yml)"; dbt_project.yml itself is fine.)' %}
        {% do log(message, info=true) %}
        {% do exceptions.raise_compiler_error(message) %}
    {% endif %}
    {{ return('select 1') }}
{% endmacro %}

{# The relation of the events source (its raw view), as the hook cannot call source(). #}
{% macro feed_events_relation() %}
    {% for source_node in graph.sources.values()
        if source_node.package_name == project_name
        and source_node.source_name == 'app' and source_node.name == 'events' %}
        {{ return(source_node.relation_name) }}
    {% endfor %}
    {% do exceptions.raise_compiler_error('check_feed_time_range: the source app.events is not declared.') %}
{% endmacro %}

{#
    The span problem of app/events: the rows farther than max_span days from the feed's median received
    day (the stray rows), how many of them are that far ahead on both clocks, and up to three examples.
#}
{% macro feed_span_problem(events, first_received, last_received, span_days, max_span) %}
    {% set query %}
        with

        median_day as (
            select percentile_disc(0.5) within group (order by received_at) as median_received_at
            from {{ events }}
            where received_at is not null
        ),

        stray as (
            select
                events.event_id,
                events.occurred_at,
                events.received_at,
                abs({{ dbt.datediff('median_day.median_received_at', 'events.received_at', 'day') }})
                    > {{ max_span }} as is_stray,
                {{ dbt.datediff('median_day.median_received_at', 'events.received_at', 'day') }} > {{ max_span }}
                and {{ dbt.datediff('median_day.median_received_at', 'events.occurred_at', 'day') }} > {{ max_span }}
                    as is_ahead_on_both_clocks
            from {{ events }} as events
            cross join median_day
            where events.received_at is not null
        ),

        counted as (
            select
                count(*) as stray_rows,
                sum(case when is_ahead_on_both_clocks then 1 else 0 end) as ahead_on_both_clocks,
                cast(min(received_at) as {{ dbt.type_string() }}) as first_stray_received_at,
                cast(max(received_at) as {{ dbt.type_string() }}) as last_stray_received_at
            from stray
            where is_stray
        ),

        examples as (
            select
                event_id,
                cast(occurred_at as {{ dbt.type_string() }}) as occurred_at,
                cast(received_at as {{ dbt.type_string() }}) as received_at
            from stray
            where is_stray
            order by received_at desc, event_id
            limit 3
        )

        select
            counted.stray_rows,
            counted.ahead_on_both_clocks,
            counted.first_stray_received_at,
            counted.last_stray_received_at,
            cast(median_day.median_received_at as {{ dbt.type_string() }}) as median_received_at,
            examples.event_id,
            examples.occurred_at,
            examples.received_at
        from counted
        cross join median_day
        left join examples
            on true
    {% endset %}
    {% set rows = run_query(query).rows %}
    {% set head = 'app/events spans ' ~ span_days ~ ' days (received_at from ' ~ first_received[:19] ~ ' to '
        ~ last_received[:19] ~ '), more than var feed_max_span_days (' ~ max_span ~ ')' %}
    {% if rows[0][0] == 0 %}
        {{ return(head ~ ', evenly enough that no rows stand apart. Fix: if the feed really covers that long,'
            ~ ' raise feed_max_span_days (or set event_retention_days); else correct its timestamps.') }}
    {% endif %}
    {% set examples = [] %}
    {% for row in rows[:2] if row[5] is not none %}
        {% do examples.append("event_id '" ~ row[5] ~ "' occurred_at " ~ row[6][:19] ~ ', received_at ' ~ row[7][:19]) %}
    {% endfor %}
    {{ return(head ~ ': ' ~ rows[0][0] ~ ' rows were received more than ' ~ max_span ~ ' days from the feed\'s'
        ~ ' median day ' ~ rows[0][4][:10] ~ ' (received ' ~ rows[0][2][:10] ~ ' to ' ~ rows[0][3][:10] ~ '; '
        ~ rows[0][1] ~ ' of them that far ahead on both clocks), e.g. ' ~ examples | join('; ')
        ~ '. Every calendar of the build would run to their day. Fix: correct the'
        ~ ' clocks of those rows in the export, or drop them; raise feed_max_span_days only if the feed'
        ~ ' really covers that long.') }}
{% endmacro %}
