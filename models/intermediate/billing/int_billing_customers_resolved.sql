with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

unique_domains as (
    select * from {{ ref('int_account_domains') }}
),

resolved as (
    select
        customers.customer_id,
        coalesce(customers.account_id, unique_domains.account_id) as account_id,
        case
            when customers.account_id is not null then 'billing_metadata'
            when unique_domains.account_id is not null then 'email_domain'
            else 'unresolved'
        end as account_resolution,
        customers.email,
    from customers
    left join unique_domains
        on customers.email_domain = unique_domains.domain
)

select * from resolved
