{#- Movement amounts are positive magnitudes: previous + new + expansion + reactivation - contraction - churned
    = current MRR. Churn and reactivation are decided before expansion and contraction. -#}

with

account_months as (
    select * from {{ ref('int_account_months_mrr') }}
),

classified as (
    select
        *,
        case
            when previous_mrr_usd > 0 and mrr_usd = 0 then 'churn'
            when previous_mrr_usd = 0 and mrr_usd > 0 and has_paid_before then 'reactivation'
            when previous_mrr_usd = 0 and mrr_usd > 0 then 'new'
            when mrr_usd > previous_mrr_usd then 'expansion'
            when mrr_usd < previous_mrr_usd then 'contraction'
            else 'flat'
        end as movement_type,
    from account_months
),

moved as (
    select
        account_id,
        month_start,
        previous_mrr_usd,
        mrr_usd,
        movement_type,
        case when movement_type = 'new' then mrr_usd else 0 end as new_mrr_usd,
        case when movement_type = 'expansion' then mrr_usd - previous_mrr_usd else 0 end as expansion_mrr_usd,
        case when movement_type = 'contraction' then previous_mrr_usd - mrr_usd else 0 end as contraction_mrr_usd,
        case when movement_type = 'churn' then previous_mrr_usd else 0 end as churned_mrr_usd,
        case when movement_type = 'reactivation' then mrr_usd else 0 end as reactivation_mrr_usd,
        previous_mrr_usd > 0 as is_paying_at_start,
        mrr_usd > 0 as is_paying_at_end,
    from classified
)

select * from moved
