{#- Every segment the playbook (seed segment_playbook) acts on is a value of its governed list
    (marts.governed_values): a renamed or misspelt segment would silently never get its action.
    Returns the playbook rows whose segment is unknown. -#}

with

playbook as (
    select * from {{ ref('segment_playbook') }}
),

governed_values as (
    select * from {{ ref('governed_values') }}
),

unknown as (
    select
        playbook.grain,
        playbook.segment_type,
        playbook.segment,
        playbook.action,
    from playbook
    left join governed_values
        on
            playbook.segment_type = governed_values.list_name
            and playbook.segment = governed_values.value
    where governed_values.value is null
)

select * from unknown
