{#- One row per account per week (Monday), from the earliest of the account's creation and its users'
    signups to the as-of week: the calendar every account-week model is laid on. Users without an account
    are not here. -#}

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('int_users_stitched') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

first_signups as (
    select
        account_id,
        min(signed_up_at) as first_signup_at,
    from users
    where account_id is not null
    group by account_id
),

account_starts as (
    select
        accounts.account_id,
        least(
            coalesce(accounts.created_at, first_signups.first_signup_at),
            coalesce(first_signups.first_signup_at, accounts.created_at)
        ) as started_at,
    from accounts
    left join first_signups
        on accounts.account_id = first_signups.account_id
),

spine as (
    select
        account_starts.account_id,
        {{ period_starts_between('account_starts.started_at', 'build_context.as_of_week_start', 'week') }}
            as week_start,
    from account_starts
    cross join build_context
    where account_starts.started_at < build_context.as_of_cutoff_at
)

select * from spine
