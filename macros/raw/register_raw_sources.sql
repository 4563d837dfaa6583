{#
    Registers every source table of this project as a view `raw_<source>.<table>` over the Parquet files
    under var('raw_root'), after checking the files against the contract written in the sources YAML and
    in RAW_DATA_CONTRACT.md (table present, every contract column present with a compatible type, tables
    marked meta.required_non_empty not empty).
    Optional parts of the contract (meta.optional on a table or a column) may be absent: an absent
    optional table becomes an empty view with the contract's columns and types, an absent optional column
    reads as null; the log says so.
    All problems are reported at once, each naming the file or column and the fix, first as log lines and
    then as the error that stops the run. Extra columns are ignored; every contract column is cast to its
    contract type.
#}
{% macro register_raw_sources() %}
    {{ return(adapter.dispatch('register_raw_sources', 'engagement')()) }}
{% endmacro %}

{% macro default__register_raw_sources() %}
    {# Other warehouses land the raw tables themselves: nothing to register. #}
    {{ return('select 1') }}
{% endmacro %}

{% macro duckdb__register_raw_sources() %}
    {% if not execute %}
        {{ return('select 1') }}
    {% endif %}
    {% set root = (var('raw_root') | string).rstrip('/') %}
    {% set problems = [] %}
    {% set notes = [] %}
    {% set views = [] %}
    {% for source_node in graph.sources.values() | sort(attribute='unique_id')
        if source_node.package_name == project_name %}
        {% set table_path = source_node.source_name ~ '/' ~ source_node.name %}
        {% set table_meta = engagement.raw_meta(source_node) %}
        {% set single_file = root ~ '/' ~ table_path ~ '.parquet' %}
        {% set folder_glob = root ~ '/' ~ table_path ~ '/**/*.parquet' %}
        {% set found = run_query(
            "select (select count(*) from glob('" ~ single_file | replace("'", "''") ~ "')), "
            ~ "(select count(*) from glob('" ~ folder_glob | replace("'", "''") ~ "'))"
        ).rows[0] %}
        {% if found[0] > 0 and found[1] > 0 %}
            {% do problems.append(table_path ~ ': both ' ~ single_file ~ ' and a folder of Parquet files exist;'
                ~ ' keep exactly one of them.') %}
        {% elif found[0] == 0 and found[1] == 0 and table_meta.get('optional') %}
            {% set empty_list = [] %}
            {% for column in source_node.columns.values() %}
                {% do empty_list.append('cast(null as ' ~ column.data_type | lower ~ ') as ' ~ column.name) %}
            {% endfor %}
            {% do notes.append(table_path ~ ': optional table absent (no ' ~ single_file ~ ' nor '
                ~ folder_glob ~ '); registered raw_' ~ source_node.source_name ~ '.' ~ source_node.name
                ~ ' as an empty table with the contract columns.') %}
            {% do views.append('create or replace view raw_' ~ source_node.source_name ~ '.' ~ source_node.name
                ~ ' as select ' ~ empty_list | join(', ') ~ ' where false') %}
        {% elif found[0] == 0 and found[1] == 0 %}
            {% do problems.append(table_path ~ ': no Parquet found at ' ~ single_file ~ ' nor ' ~ folder_glob
                ~ '. Fix: export the table there, or point ENGAGEMENT_RAW_ROOT (var raw_root) at the folder'
                ~ ' that holds app/, crm/, billing/ and support/ (currently ' ~ root ~ ').') %}
        {% else %}
            {% set location = single_file if found[0] > 0 else folder_glob %}
            {% set reader = "read_parquet('" ~ location | replace("'", "''") ~ "', union_by_name = true"
                ~ (", hive_partitioning = true" if found[1] > 0 else "") ~ ")" %}
            {% set described = run_query("describe select * from " ~ reader) %}
            {% set actual = {} %}
            {% for row in described.rows %}
                {#- an all-null column describes as "NULL", quotes included -#}
                {% do actual.update({row[0] | lower: row[1] | upper | replace('"', '')}) %}
            {% endfor %}
            {% set select_list = [] %}
            {% for column in source_node.columns.values() %}
                {% set contract_type = column.data_type | lower %}
                {% set actual_type = actual.get(column.name | lower) %}
                {% if actual_type is none and engagement.raw_meta(column).get('optional') %}
                    {% do notes.append(table_path ~ ': optional column "' ~ column.name ~ '" absent from '
                        ~ location ~ '; it reads as null.') %}
                    {% do select_list.append('cast(null as ' ~ contract_type ~ ') as ' ~ column.name) %}
                {% elif actual_type is none %}
                    {% do problems.append(table_path ~ ': contract column "' ~ column.name ~ '" (' ~ contract_type
                        ~ ') is missing from ' ~ location ~ ' (columns found: ' ~ actual.keys() | sort | join(', ')
                        ~ '). Fix: export it under that name (null values are allowed where the contract says so).') %}
                {% elif not engagement.raw_type_is_compatible(contract_type, actual_type) %}
                    {% do problems.append(table_path ~ ': column "' ~ column.name ~ '" is ' ~ actual_type
                        ~ ' in ' ~ location ~ ' but the contract says ' ~ contract_type
                        ~ '. Fix: export it as ' ~ contract_type ~ '.') %}
                {% elif actual_type == 'TIMESTAMP WITH TIME ZONE' %}
                    {% do select_list.append("timezone('UTC', \"" ~ column.name ~ "\") as " ~ column.name) %}
                {% else %}
                    {% do select_list.append('cast("' ~ column.name ~ '" as ' ~ contract_type ~ ') as ' ~ column.name) %}
                {% endif %}
            {% endfor %}
            {% set conflicts = table_meta.get('conflicting_duplicates') %}
            {% if conflicts and select_list | length == source_node.columns | length %}
                {% do problems.extend(engagement.raw_conflicting_duplicates(
                    table_path, reader, conflicts, source_node.columns, actual)) %}
            {% endif %}
            {% set non_empty = table_meta.get('required_non_empty') %}
            {% if non_empty and select_list %}
                {% set row_count = run_query('select count(*) from ' ~ reader).rows[0][0] %}
                {% if row_count == 0 %}
                    {% do problems.append(table_path ~ ': ' ~ location ~ ' has no rows; the build needs at least one'
                        ~ ((' (' ~ non_empty ~ ')') if non_empty is string else '')
                        ~ '. Fix: export a non-empty feed.') %}
                {% endif %}
            {% endif %}
            {% do views.append('create or replace view raw_' ~ source_node.source_name ~ '.' ~ source_node.name
                ~ ' as select ' ~ select_list | join(', ') ~ ' from ' ~ reader) %}
        {% endif %}
    {% endfor %}
    {% set salt_problem = engagement.email_salt_check() %}
    {% for note in notes %}
        {% do log('Raw data contract: ' ~ note, info=true) %}
    {% endfor %}
    {% if problems or salt_problem %}
        {% set lines = [] %}
        {% if problems %}
            {% do lines.append('Raw data contract: the feed under ' ~ root ~ ' breaks the contract in '
                ~ problems | length ~ ' place' ~ ('s' if problems | length > 1 else '')
                ~ ' (read RAW_DATA_CONTRACT.md at the root of this dbt project). Nothing was built.\n  - '
                ~ problems | join('\n  - ')) %}
        {% endif %}
        {% if salt_problem %}
            {% do lines.append('E-mail salt: ' ~ salt_problem ~ ' Nothing was built.') %}
        {% endif %}
        {% set message = lines | join('\n')
            ~ '\n(Reported by the on-run-start hook register_raw_sources, which dbt names'
            ~ ' "operation engagement-on-run-start-0 (./dbt_project.yml)"; dbt_project.yml itself is fine.)' %}
        {% do log(message, info=true) %}
        {% do exceptions.raise_compiler_error(message) %}
    {% endif %}
    {% for source_name in graph.sources.values() | selectattr('package_name', 'equalto', project_name)
        | map(attribute='source_name') | unique %}
        {% do run_query('create schema if not exists raw_' ~ source_name) %}
    {% endfor %}
    {% for statement in views %}
        {% do run_query(statement) %}
    {% endfor %}
    {{ return('select 1') }}
{% endmacro %}

{#
    Rows of one raw table that share a key but disagree on what it means: the contract makes the key a
    primary key, and keeping one of them by a tie-break would change the numbers silently. `spec` is the
    table's meta.conflicting_duplicates: {key: SQL expression of the normalised key, key_name: its name,
    columns: the columns that must agree (absent optional ones are skipped), show_values: whether the
    message may quote their values (not for personal data), fix: the fix}. Returns the problems (one).
#}
{% macro raw_conflicting_duplicates(table_path, reader, spec, contract_columns, actual) %}
    {% set present = [] %}
    {% set labelled = [] %}
    {% set differing = [] %}
    {% for name in spec['columns'] if name | lower in actual %}
        {% do present.append(name) %}
        {% if contract_columns[name].data_type | lower == 'boolean' %}
            {% set normalised = "cast(coalesce(\"" ~ name ~ "\", false) as varchar)" %}
        {% else %}
            {% set normalised = "coalesce(nullif(lower(trim(cast(\"" ~ name ~ "\" as varchar))), ''), 'null')" %}
        {% endif %}
        {% do labelled.append("'" ~ name ~ "=' || " ~ normalised) %}
        {% do differing.append("case when count(distinct " ~ normalised ~ ") > 1 then '" ~ name ~ "' end") %}
    {% endfor %}
    {% set query %}
        with keyed as (
            select
                {{ spec['key'] }} as conflict_key,
                {{ labelled | join(" || '; ' || ") }} as definition,
                *,
            from {{ reader }}
            where coalesce(length(ltrim(cast({{ spec['key'] }} as varchar))), 0) > 0
        ),
        conflicting as (
            select
                conflict_key,
                count(*) as rows_with_key,
                count(distinct definition) as definitions,
                string_agg(distinct definition, ' | ' order by definition) as shown,
                concat_ws(', ', {{ differing | join(', ') }}) as differing_columns,
            from keyed
            group by conflict_key
            having count(distinct definition) > 1
        )
        select
            count(*) over () as keys_in_conflict,
            sum(rows_with_key) over () as rows_in_conflict,
            conflict_key,
            definitions,
            shown,
            differing_columns,
        from conflicting
        order by conflict_key
        limit 5
    {% endset %}
    {% set found = run_query(query).rows %}
    {% if found | length == 0 %}
        {{ return([]) }}
    {% endif %}
    {% set examples = [] %}
    {% for row in found %}
        {% do examples.append("'" ~ row[2] ~ "' (" ~ row[3] ~ " versions"
            ~ ((': ' ~ row[4]) if spec.get('show_values') else (' differing in ' ~ row[5])) ~ ")") %}
    {% endfor %}
    {{ return([table_path ~ ': ' ~ found[0][0] ~ ' ' ~ spec['key_name'] ~ ' value(s) appear on '
        ~ found[0][1] ~ ' rows that disagree on ' ~ present | join(', ')
        ~ ', e.g. ' ~ examples | join(', ') ~ '. ' ~ spec['fix']]) }}
{% endmacro %}

{# The meta of a source table or column, whether written as `meta:` or `config: {meta: ...}`. #}
{% macro raw_meta(node) %}
    {% set merged = {} %}
    {% do merged.update(node.meta or {}) %}
    {% if node.config is defined and node.config is not none and node.config.meta is defined %}
        {% do merged.update(node.config.meta or {}) %}
    {% endif %}
    {{ return(merged) }}
{% endmacro %}

{#
    True when a raw Parquet column of DuckDB type `actual_type` can be cast to the contract type without
    loss of meaning. Ids and text accept any scalar; an all-null column (type NULL) fits anything.
#}
{% macro raw_type_is_compatible(contract_type, actual_type) %}
    {% set integer_types = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT',
                            'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'] %}
    {% if actual_type == 'NULL' %}
        {{ return(true) }}
    {% elif contract_type == 'varchar' %}
        {{ return(not (actual_type.endswith(']') or actual_type.startswith('STRUCT')
                       or actual_type.startswith('MAP') or actual_type.startswith('UNION'))) }}
    {% elif contract_type in ['integer', 'bigint'] %}
        {{ return(actual_type in integer_types or (actual_type.startswith('DECIMAL') and actual_type.endswith(',0)'))) }}
    {% elif contract_type == 'timestamp' %}
        {{ return(actual_type.startswith('TIMESTAMP') or actual_type == 'DATE') }}
    {% elif contract_type == 'boolean' %}
        {{ return(actual_type == 'BOOLEAN') }}
    {% else %}
        {{ return(actual_type == contract_type | upper) }}
    {% endif %}
{% endmacro %}
