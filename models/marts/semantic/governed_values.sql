{#- One row per governed list and value (macro governed_values): the lifecycle segments, engagement tiers,
    risk bands, subscription change types and MRR movement types with their governed order, so tools
    outside dbt (the quality suites, the report, BI) read the same lists as the SQL and the tests. -#}

{%- set lists = engagement.governed_values() -%}

with

governed as (
    {%- for list_name, entries in lists.items() | sort %}
        {%- set outer_loop = loop %}
        {%- for entry in entries %}
            select
                cast('{{ list_name }}' as {{ dbt.type_string() }}) as list_name,
                cast('{{ entry.value }}' as {{ dbt.type_string() }}) as value,
                cast({{ loop.index }} as {{ dbt.type_int() }}) as list_order,
                cast({{ entry.get('rank', 'null') }} as {{ dbt.type_int() }}) as ladder_rank,
                cast('{{ entry.description | replace("'", "''") }}' as {{ dbt.type_string() }}) as description,
            {%- if not (loop.last and outer_loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
)

select * from governed
