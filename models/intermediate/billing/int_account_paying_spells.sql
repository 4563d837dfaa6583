with

subscription_states as (
    select * from {{ ref('int_subscription_changes_priced') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

-- subscription states with MRR, cut at the as-of: a state still in force then is open-ended
paying_states as (
    select
        subscription_states.account_id,
        subscription_states.effective_at as paid_from_at,
        case
            when subscription_states.valid_to_at < build_context.as_of_cutoff_at
                then subscription_states.valid_to_at
        end as paid_until_at,
    from subscription_states
    cross join build_context
    where
        subscription_states.account_id is not null
        and subscription_states.mrr_usd > 0
        and subscription_states.effective_at < build_context.as_of_cutoff_at
        and (
            subscription_states.valid_to_at is null
            or subscription_states.valid_to_at > subscription_states.effective_at
        )
),

-- gaps and islands: a state that starts after every earlier state of the account has ended opens a spell
spell_starts as (
    select
        *,
        max(paid_until_at) over earlier_states as earlier_paid_until_at,
        max(case when paid_until_at is null then 1 else 0 end) over earlier_states as has_earlier_open_state,
    from paying_states
    window earlier_states as (
        partition by account_id order by paid_from_at, paid_until_at
        rows between unbounded preceding and 1 preceding
    )
),

numbered as (
    select
        *,
        sum(
            case
                when
                    coalesce(has_earlier_open_state, 0) = 0
                    and (earlier_paid_until_at is null or earlier_paid_until_at < paid_from_at)
                    then 1
                else 0
            end
        ) over (
            partition by account_id order by paid_from_at, paid_until_at
            rows between unbounded preceding and current row
        ) as spell_number,
    from spell_starts
),

spells as (
    select
        account_id,
        cast(spell_number as {{ dbt.type_int() }}) as spell_number,
        min(paid_from_at) as paid_from_at,
        case when max(case when paid_until_at is null then 1 else 0 end) = 0 then max(paid_until_at) end
            as paid_until_at,
    from numbered
    group by 1, 2
)

select * from spells
