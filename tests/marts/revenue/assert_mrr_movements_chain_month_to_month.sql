{#- The MRR bridge chains: each month's closing MRR and customers are the next month's opening ones, and no
    month between the first and the last is missing. Returns the months that break the chain. -#}

with

mrr_movements as (
    select * from {{ ref('mrr_movements') }}
),

chained as (
    select
        month_start,
        closing_mrr_usd,
        closing_customers,
        lead(month_start) over (order by month_start) as next_month_start,
        lead(opening_mrr_usd) over (order by month_start) as next_opening_mrr_usd,
        lead(opening_customers) over (order by month_start) as next_opening_customers,
    from mrr_movements
),

broken as (
    select * from chained
    where
        next_month_start is not null
        and (
            next_month_start != {{ dbt.dateadd('month', 1, 'month_start') }}
            or next_opening_mrr_usd != closing_mrr_usd
            or next_opening_customers != closing_customers
        )
)

select * from broken
