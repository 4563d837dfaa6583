{#- Accounts to call this week: every account with a call action in next_best_actions (customer success
    or account management), with what the caller needs - owner, objective, MRR, plan, renewal date, the
    latest health score and alerts, the current churn risk and its top drivers - most urgent first. -#}

with

actions as (
    select * from {{ ref('next_best_actions') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

account_health as (
    select * from {{ ref('account_health') }}
),

churn_risk_scores as (
    select * from {{ ref('churn_risk_scores') }}
),

calls as (
    select
        account_id,
        action,
        owner,
        segment_type,
        segment,
        objective,
        priority,
        success_metric,
        as_of_date,
    from actions
    where
        grain = 'account'
        and channel = 'csm_call'
),

{{ latest_account_state_ctes() }}

call_list as (
    select
        calls.as_of_date,
        calls.priority,
        calls.account_id,
        accounts.account_name,
        calls.owner,
        calls.action,
        calls.objective,
        calls.segment_type,
        calls.segment,
        accounts.current_plan_tier,
        accounts.current_mrr_usd,
        accounts.next_renewal_date,
        accounts.users,
        accounts.active_users_l28,
        latest_health.health_score,
        latest_health.health_band,
        latest_health.health_score_change,
        latest_health.alert_dimensions,
        latest_risk.churn_probability,
        latest_risk.risk_band,
        latest_risk.driver_1,
        latest_risk.driver_2,
        latest_risk.driver_3,
        calls.success_metric,
    from calls
    inner join accounts
        on calls.account_id = accounts.account_id
    left join latest_health
        on calls.account_id = latest_health.account_id
    left join latest_risk
        on calls.account_id = latest_risk.account_id
)

select * from call_list
order by priority asc, churn_probability desc nulls last, current_mrr_usd desc nulls last, account_id asc
