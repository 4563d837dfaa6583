{#
    Nothing is lost between a raw table and its staging model: rows in the raw table = rows staged
    + rows dropped as duplicates (sum of `duplicates_column`, when the model de-duplicates)
    + rows quarantined for that table. Fails with the four figures when the books do not balance.
    On stg_app__events a failure after an incremental run means raw rows arrived that its re-read window
    missed (part of a received day delivered after event_lookback_days; whole late days are re-read):
    `dbt build --full-refresh --select stg_app__events+` takes them in.
#}
{% test row_count_reconciles(model, raw_relation, quarantine_relation, source_table, duplicates_column=none) %}

with

raw_rows as (
    select count(*) as n from {{ raw_relation }}
),

staged_rows as (
    select
        count(*) as n,
        {% if duplicates_column %}coalesce(sum({{ duplicates_column }}), 0){% else %}0{% endif %} as n_duplicates,
    from {{ model }}
),

quarantined_rows as (
    select count(*) as n from {{ quarantine_relation }}
    where source_table = '{{ source_table }}'
),

books as (
    select
        raw_rows.n as rows_in,
        staged_rows.n as rows_staged,
        staged_rows.n_duplicates as rows_deduplicated,
        quarantined_rows.n as rows_quarantined,
    from raw_rows
    cross join staged_rows
    cross join quarantined_rows
)

select * from books
where rows_in != rows_staged + rows_deduplicated + rows_quarantined

{% endtest %}
