{#
    For a singular test whose failing rows carry a `message` column: when the test runs (dbt build or
    dbt test), reads the failing rows' messages and prints each one in the run's output - as a dbt
    warning ("[WARNING]: ...") for a warn-level test, as a log line for an error-level one - right before
    dbt's own PASS/WARN/FAIL line; then returns the test's SQL unchanged, so dbt counts the rows as usual.
    Tests compile just before they run, after their parents are built, so the query sees this build's
    tables. Other commands (compile, docs generate, ls) print nothing.
#}
{% macro log_failing_messages(test_sql, severity='error') %}
    {% if execute and flags.WHICH in ['build', 'test'] %}
        {% set messages = run_query('select message from (' ~ test_sql ~ ') as failing').columns[0].values() %}
        {% for message in messages %}
            {% if severity == 'warn' %}
                {% do exceptions.warn(message) %}
            {% else %}
                {% do log(message, info=true) %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {{ return(test_sql) }}
{% endmacro %}
