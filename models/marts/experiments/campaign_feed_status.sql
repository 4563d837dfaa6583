{#- One row: whether the feed has campaign data (campaign_data_status 'ok' or 'no_campaign_data' when the
    optional table crm/campaign_touches is absent or empty) and how its raw rows (staged + quarantined, as
    row_count_reconciles proves) were handled: staged,
    retry duplicates, unknown users and unknown accounts quarantined, other quarantine reasons, channels outside the governed
    list, actions that are no playbook action, account-level touches (no user; read at grain account). -#}

with

touches as (
    select * from {{ ref('stg_crm__campaign_touches') }}
),

quarantine as (
    select * from {{ ref('stg_quarantine__rows') }}
),

playbook as (
    select * from {{ ref('segment_playbook') }}
),

playbook_actions as (
    select distinct action from playbook
),

quarantine_counts as (
    select
        count(*) as quarantined_rows,
        sum(case when quarantine_reason = 'duplicate_touch_id' then 1 else 0 end) as duplicate_rows,
        sum(case when quarantine_reason = 'unknown_user' then 1 else 0 end) as unknown_user_rows,
        sum(case when quarantine_reason = 'unknown_account' then 1 else 0 end) as unknown_account_rows,
        sum(
            case
                when quarantine_reason not in ('duplicate_touch_id', 'unknown_user', 'unknown_account') then 1
                else 0
            end
        ) as other_quarantined_rows,
    from quarantine
    where source_table = 'crm.campaign_touches'
),

staged_counts as (
    select
        count(*) as staged_touches,
        sum(case when touches.is_holdout then 1 else 0 end) as holdout_touches,
        sum(case when not touches.is_known_channel then 1 else 0 end) as unknown_channel_touches,
        sum(case when playbook_actions.action is null then 1 else 0 end) as unknown_action_touches,
        sum(case when touches.user_id is null then 1 else 0 end) as account_level_touches,
        min(touches.sent_at) as first_sent_at,
        max(touches.sent_at) as last_sent_at,
    from touches
    left join playbook_actions
        on touches.action = playbook_actions.action
),

final as (
    select
        cast(
            case
                when staged_counts.staged_touches + quarantine_counts.quarantined_rows = 0 then 'no_campaign_data'
                else 'ok'
            end as {{ dbt.type_string() }}
        ) as campaign_data_status,
        cast(staged_counts.staged_touches + quarantine_counts.quarantined_rows as {{ dbt.type_bigint() }})
            as raw_rows,
        cast(staged_counts.staged_touches as {{ dbt.type_bigint() }}) as staged_touches,
        cast(coalesce(staged_counts.holdout_touches, 0) as {{ dbt.type_bigint() }}) as holdout_touches,
        cast(coalesce(quarantine_counts.duplicate_rows, 0) as {{ dbt.type_bigint() }}) as duplicate_rows,
        cast(coalesce(quarantine_counts.unknown_user_rows, 0) as {{ dbt.type_bigint() }}) as unknown_user_rows,
        cast(coalesce(quarantine_counts.unknown_account_rows, 0) as {{ dbt.type_bigint() }})
            as unknown_account_rows,
        cast(coalesce(quarantine_counts.other_quarantined_rows, 0) as {{ dbt.type_bigint() }})
            as other_quarantined_rows,
        cast(coalesce(staged_counts.unknown_channel_touches, 0) as {{ dbt.type_bigint() }})
            as unknown_channel_touches,
        cast(coalesce(staged_counts.unknown_action_touches, 0) as {{ dbt.type_bigint() }})
            as unknown_action_touches,
        cast(coalesce(staged_counts.account_level_touches, 0) as {{ dbt.type_bigint() }})
            as account_level_touches,
        cast(staged_counts.first_sent_at as {{ dbt.type_timestamp() }}) as first_sent_at,
        cast(staged_counts.last_sent_at as {{ dbt.type_timestamp() }}) as last_sent_at,
    from staged_counts
    cross join quarantine_counts
)

select * from final
