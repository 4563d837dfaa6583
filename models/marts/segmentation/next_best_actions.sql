{#- This week's audience per recommended action: each current member whose segment has a playbook row
    gets its most urgent action. Marketing channels only reach users with marketing consent;
    customer-success actions only accounts with a CSM owner, who is named as the owner. -#}

with

membership as (
    select * from {{ ref('segment_membership') }}
    where is_current_week
),

playbook as (
    select * from {{ ref('segment_playbook') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

matched as (
    select
        membership.grain,
        membership.user_id,
        membership.account_id,
        playbook.segment_type,
        playbook.segment,
        playbook.objective,
        playbook.action,
        playbook.channel,
        playbook.owner_role,
        playbook.is_marketing,
        playbook.priority,
        playbook.success_metric,
        membership.is_marketing_opt_in,
        accounts.csm_owner,
    from membership
    inner join playbook
        on
            membership.grain = playbook.grain
            and (
                (playbook.segment_type = 'lifecycle_segment' and membership.lifecycle_segment = playbook.segment)
                or (playbook.segment_type = 'risk_band' and membership.risk_band = playbook.segment)
            )
    left join accounts
        on membership.account_id = accounts.account_id
),

eligible as (
    select
        *,
        row_number() over (
            partition by grain, user_id, account_id
            -- total order: one playbook row per grain, segment type and segment
            order by priority, action, segment_type, segment
        ) as action_rank,
    from matched
    where
        (not is_marketing or (grain = 'user' and is_marketing_opt_in))
        and (owner_role != 'customer_success' or csm_owner is not null)
),

actions as (
    select
        build_context.as_of_date,
        eligible.grain,
        eligible.user_id,
        eligible.account_id,
        eligible.action,
        eligible.channel,
        case when eligible.owner_role = 'customer_success' then eligible.csm_owner else eligible.owner_role end
            as owner,
        eligible.segment_type,
        eligible.segment,
        eligible.objective,
        eligible.priority,
        eligible.success_metric,
    from eligible
    cross join build_context
    where eligible.action_rank = 1
)

select * from actions
