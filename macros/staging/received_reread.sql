{% macro received_reread_predicate(feed, lookback_days, usable='1 = 1') -%}
    {#- The rows of `feed` an incremental staging model re-reads: those received since its high-water mark
        minus `lookback_days` (a literal, so files outside that window are skipped by their statistics),
        and every received day before that with usable rows (`usable`) whose event_id {{ this }} lacks (a
        day's file delivered after the window had passed it; logged by name). Only days {{ this }} holds no
        row of are checked row by row, so a normal run pays one scan of received_at in the feed and one in
        {{ this }}. Every row when {{ this }} is empty. -#}
    {%- set high_water_mark = run_query(
        'select cast(' ~ dbt.dateadd('day', -lookback_days, 'max(received_at)') ~ ' as '
        ~ dbt.type_string() ~ ') from ' ~ this
    ).columns[0].values()[0] -%}
    {%- if high_water_mark is none -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set reprocess_from = "cast('" ~ high_water_mark ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set received_date = 'cast(cast(received_at as date) as ' ~ dbt.type_string() ~ ')' -%}
    {%- set unseen_days = run_query(
        'select distinct ' ~ received_date ~ ' as received_date from ' ~ feed
        ~ ' where received_at < ' ~ reprocess_from
        ~ ' except select distinct ' ~ received_date ~ ' as received_date from ' ~ this
    ).columns[0].values() -%}
    {%- set day_ranges = {} -%}
    {%- for day in unseen_days -%}
        {%- set day_start = "cast('" ~ day ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
        {%- do day_ranges.update({
            day: '(received_at >= ' ~ day_start ~ ' and received_at < ' ~ dbt.dateadd('day', 1, day_start) ~ ')'
        }) -%}
    {%- endfor -%}
    {#- a day of nothing but copies of stored events (a file sent twice) or of unusable rows is not
        missing; only the days {{ this }} holds no row of are read beyond received_at -#}
    {%- set missing_days = run_query(
        'select distinct ' ~ received_date ~ ' as received_date from ' ~ feed ~ ' as feed'
        ~ ' where (' ~ (day_ranges.values() | join(' or ')) ~ ') and ' ~ usable
        ~ ' and not exists (select 1 from ' ~ this ~ ' as stored where stored.event_id = trim(feed.event_id))'
        ~ ' order by received_date'
    ).columns[0].values() if day_ranges else [] -%}
    {%- set conditions = ['received_at >= ' ~ reprocess_from] -%}
    {%- for day in missing_days -%}
        {%- do conditions.append(day_ranges[day]) -%}
    {%- endfor -%}
    {%- if missing_days -%}
        {%- do log(this.identifier ~ ': re-reading ' ~ missing_days | length ~ ' received day(s) the feed'
            ~ ' delivered after the look-back window had passed them: ' ~ missing_days | join(', '), info=true) -%}
    {%- endif -%}
    {{ return('(' ~ conditions | join(' or ') ~ ')') }}
{%- endmacro %}
