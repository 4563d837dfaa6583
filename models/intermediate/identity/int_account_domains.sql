{#- One row per e-mail domain that belongs to exactly one CRM account: the lookup that resolves billing
    customers, users and support contacts without an account to one. Shared domains resolve nothing. -#}

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

unique_domains as (
    select
        domain,
        min(account_id) as account_id,
    from accounts
    where domain is not null
    group by domain
    having count(*) = 1
)

select * from unique_domains
