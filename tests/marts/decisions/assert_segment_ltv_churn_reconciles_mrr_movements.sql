{#- One definition of churn: segment_ltv's 'all' row counts exactly the paying-at-start account-months and
    churned account-months that mrr_movements counts over its complete months (opening_customers,
    churned_customers), and each segment type splits the same totals. Fails with the differing counts. -#}

with

ltv as (
    select * from {{ ref('segment_ltv') }}
),

mrr_movements as (
    select * from {{ ref('mrr_movements') }}
),

governed as (
    select
        sum(opening_customers) as paying_account_months,
        sum(churned_customers) as churn_events,
    from mrr_movements
    where not is_partial_month
),

by_type as (
    select
        segment_type,
        sum(paying_account_months) as paying_account_months,
        sum(churn_events) as churn_events,
    from ltv
    group by segment_type
)

select
    by_type.segment_type,
    by_type.paying_account_months,
    governed.paying_account_months as governed_paying_account_months,
    by_type.churn_events,
    governed.churn_events as governed_churn_events,
from by_type
cross join governed
where
    by_type.paying_account_months != governed.paying_account_months
    or by_type.churn_events != governed.churn_events
