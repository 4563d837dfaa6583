with

users as (
    select * from {{ source('app', 'users') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('app.users') }} as quarantine_reason,
    from users
),

cleaned as (
    select
        {{ clean_id('user_id') }} as user_id,
        {{ clean_id('account_id') }} as account_id,
        {{ normalize_email('email') }} as email,
        {{ email_domain('email') }} as email_domain,
        coalesce(lower(trim(role)), 'unknown') as role,
        created_at as signed_up_at,
        {{ clean_id('invited_by_user_id') }} as invited_by_user_id,
        {{ clean_id('invited_by_user_id') }} is not null as is_invited,
        coalesce(marketing_opt_in, false) as is_marketing_opt_in,
    from checked
    where quarantine_reason is null
)

select * from cleaned
