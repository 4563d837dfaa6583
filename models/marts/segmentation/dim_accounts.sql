with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

size_bands as (
    select * from {{ ref('account_size_bands') }}
),

account_weeks as (
    select * from {{ ref('int_account_weeks_segmented') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

current_engagement as (
    select account_weeks.*,
    from account_weeks
    inner join build_context
        on account_weeks.week_start = build_context.as_of_week_start
),

current_billing as (
    select account_weeks_billed.*,
    from account_weeks_billed
    inner join build_context
        on account_weeks_billed.week_start = build_context.as_of_week_start
),

dim as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.domain,
        accounts.industry,
        accounts.employee_count,
        coalesce(size_bands.size_band, 'unknown') as size_band,
        accounts.region,
        accounts.csm_owner,
        accounts.has_csm_owner,
        accounts.created_at,
        coalesce(current_engagement.users, 0) as users,
        coalesce(current_engagement.active_users_l28, 0) as active_users_l28,
        current_engagement.lifecycle_segment as current_lifecycle_segment,
        current_engagement.engagement_tier as current_engagement_tier,
        current_billing.subscription_status as current_subscription_status,
        current_billing.plan_tier as current_plan_tier,
        coalesce(current_billing.mrr_usd, 0) as current_mrr_usd,
        coalesce(current_billing.seats, 0) as current_seats,
        current_billing.next_renewal_date,
        build_context.as_of_date,
    from accounts
    cross join build_context
    left join size_bands
        on
            accounts.employee_count >= size_bands.min_employees
            and (accounts.employee_count <= size_bands.max_employees or size_bands.max_employees is null)
    left join current_engagement
        on accounts.account_id = current_engagement.account_id
    left join current_billing
        on accounts.account_id = current_billing.account_id
)

select * from dim
