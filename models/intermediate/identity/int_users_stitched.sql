{#- One resolved identity per product user. The account comes from the app, else from the billing
    customer with the same e-mail, else from the CRM account whose domain is the e-mail's domain. -#}

with

users as (
    select * from {{ ref('stg_app__users') }}
),

unique_domains as (
    select * from {{ ref('int_account_domains') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers_resolved') }}
),

customers_by_email as (
    select
        email,
        min(account_id) as account_id,
    from billing_customers
    where
        email is not null
        and account_id is not null
    group by email
    having count(distinct account_id) = 1
),

resolved as (
    select
        users.user_id,
        coalesce(users.account_id, customers_by_email.account_id, unique_domains.account_id) as account_id,
        case
            when users.account_id is not null then 'app'
            when customers_by_email.account_id is not null then 'billing_customer'
            when unique_domains.account_id is not null then 'email_domain'
            else 'unresolved'
        end as account_resolution,
        users.email,
        {{ hash_email('users.email') }} as email_hash,
        users.email_domain,
        users.role,
        users.signed_up_at,
        cast({{ dbt.date_trunc('week', 'users.signed_up_at') }} as date) as signup_week,
        users.invited_by_user_id,
        users.is_invited,
        users.is_marketing_opt_in,
    from users
    left join customers_by_email
        on users.email = customers_by_email.email
    left join unique_domains
        on users.email_domain = unique_domains.domain
)

select * from resolved
