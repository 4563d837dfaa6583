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

latest_health_week as (
    select max(week_start) as week_start,
    from account_health
),

latest_health as (
    select
        account_health.account_id,
        account_health.health_score,
        account_health.health_band,
        account_health.health_score_change,
        account_health.alert_dimensions,
    from account_health
    inner join latest_health_week
        on account_health.week_start = latest_health_week.week_start
),

latest_score_date as (
    select max(as_of_date) as as_of_date,
    from churn_risk_scores
    where split = 'score'
),

latest_risk as (
    select
        churn_risk_scores.account_id,
        churn_risk_scores.churn_probability,
        churn_risk_scores.risk_band,
        churn_risk_scores.driver_1,
        churn_risk_scores.driver_2,
        churn_risk_scores.driver_3,
    from churn_risk_scores
    inner join latest_score_date
        on churn_risk_scores.as_of_date = latest_score_date.as_of_date
    where churn_risk_scores.split = 'score'
),

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
