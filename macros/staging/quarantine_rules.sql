{#
    The one place that says which raw rows are unusable and why. Each source table lists its row key and
    ordered rules [reason_code, condition over the raw columns]; the first rule that holds gives the
    reason. Staging models keep rows with no reason (`quarantine_reason(...) is null`); the quarantine model
    keeps the others with their reason. Rows that are merely dirty are cleaned in staging instead (see each
    staging model's description).
    Duplicates of a key are quarantined here only when they agree on what matters: copies that disagree
    (a user_id with two e-mails, an event_name with two meanings) stop the build in the raw-source hook
    (meta.conflicting_duplicates in the sources YAML) before any model runs. Tracking-plan names are
    compared lower-cased, as staging lower-cases them. Negative seats cannot be "seats in force" (a feed
    sending seat deltas, or a sign error): the change is quarantined, and a warn-level test on the
    quarantine counts the rows and names the fix (an error above max_quarantine_rate like any reason).
#}
{% macro quarantine_rules() %}
    {#- blank: null or only spaces; ltrim stops at the first other character, so on 10M events this is
        2.3x faster than nullif(trim(x), '') is null, which builds every trimmed string -#}
    {% set blank = "coalesce(length(ltrim({0})), 0) = 0" %}
    {#- duplicate keys: the first row by the listed columns is kept; the list ends with every other contract
        column, so the order is total and two runs keep (and quarantine) the same rows -#}
    {% set duplicate = "row_number() over (partition by trim({0}) order by {1}) > 1" %}
    {{ return({
        'app.users': {'key': 'user_id', 'rules': [
            ['missing_user_id', blank.format('user_id')],
            ['missing_created_at', 'created_at is null'],
            ['duplicate_user_id', duplicate.format('user_id', 'created_at, email, account_id, '
                ~ 'role, invited_by_user_id, marketing_opt_in')],
        ]},
        'app.events': {'key': 'event_id', 'rules': [
            ['missing_event_id', blank.format('event_id')],
            ['missing_identity', blank.format('user_id') ~ ' and ' ~ blank.format('anonymous_id')],
            ['missing_event_name', blank.format('event_name')],
            ['missing_received_at', 'received_at is null'],
        ]},
        'app.tracking_plan': {'key': 'event_name', 'rules': [
            ['missing_event_name', blank.format('event_name')],
            ['duplicate_event_name', duplicate.format('lower(event_name)', 'feature, milestone, feature_tier, '
                ~ 'is_key_action, is_value_outcome, is_self_serve_help, event_name')],
        ]},
        'app.experiment_assignments': {'key': "experiment_id || ':' || user_id", 'rules': [
            ['missing_experiment_id', blank.format('experiment_id')],
            ['missing_user_id', blank.format('user_id')],
            ['missing_variant', blank.format('variant')],
        ]},
        'crm.accounts': {'key': 'account_id', 'rules': [
            ['missing_account_id', blank.format('account_id')],
            ['duplicate_account_id', duplicate.format('account_id', 'created_at, account_name, domain, '
                ~ 'industry, employee_count, region, csm_owner')],
        ]},
        'crm.campaign_touches': {'key': 'touch_id', 'rules': [
            ['missing_touch_id', blank.format('touch_id')],
            ['missing_sent_at', 'sent_at is null'],
            ['missing_member', blank.format('user_id') ~ ' and ' ~ blank.format('account_id')],
            ['unknown_user', 'not (' ~ blank.format('user_id') ~ ') and trim(user_id) not in (select trim(user_id) from '
                ~ source('app', 'users') ~ ' where user_id is not null)'],
            ['unknown_account', blank.format('user_id') ~ ' and trim(account_id) not in (select trim(account_id) from '
                ~ source('crm', 'accounts') ~ ' where account_id is not null)'],
            ['duplicate_touch_id', duplicate.format('touch_id', 'sent_at, campaign_id, action, channel, user_id, '
                ~ 'account_id, is_holdout, opened_at, clicked_at, unsubscribed_at')],
        ]},
        'billing.customers': {'key': 'customer_id', 'rules': [
            ['missing_customer_id', blank.format('customer_id')],
            ['duplicate_customer_id', duplicate.format('customer_id', 'created_at, email, account_id')],
        ]},
        'billing.plans': {'key': 'plan_id', 'rules': [
            ['missing_plan_id', blank.format('plan_id')],
            ['missing_price', 'unit_amount is null or ' ~ blank.format('currency')],
            ['duplicate_plan_id', duplicate.format('plan_id', 'plan_name, tier, '
                ~ 'billing_interval, unit_amount, currency')],
        ]},
        'billing.subscription_changes': {'key': 'change_id', 'rules': [
            ['missing_change_id', blank.format('change_id')],
            ['missing_subscription_id', blank.format('subscription_id')],
            ['missing_effective_at', 'effective_at is null'],
            ['unknown_change_type', "coalesce(lower(trim(change_type)), '') not in ("
                ~ "'" ~ engagement.known_change_types() | join("', '") ~ "')"],
            ['negative_seats', 'seats < 0'],
            ['duplicate_change_id', duplicate.format('change_id', 'effective_at, subscription_id, customer_id, '
                ~ 'change_type, plan_id, seats, cancel_at_period_end')],
        ]},
        'billing.invoices': {'key': 'invoice_id', 'rules': [
            ['missing_invoice_id', blank.format('invoice_id')],
            ['missing_currency', blank.format('currency')],
            ['duplicate_invoice_id', duplicate.format('invoice_id', 'created_at, customer_id, subscription_id, '
                ~ 'period_start, period_end, amount_due, amount_paid, currency, status')],
        ]},
        'support.tickets': {'key': 'ticket_id', 'rules': [
            ['missing_ticket_id', blank.format('ticket_id')],
            ['missing_created_at', 'created_at is null'],
            ['duplicate_ticket_id', duplicate.format('ticket_id', 'created_at, requester_email, first_response_at, '
                ~ 'solved_at, status, priority, channel, category, csat_score')],
        ]},
        'support.nps_responses': {'key': 'response_id', 'rules': [
            ['missing_response_id', blank.format('response_id')],
            ['score_out_of_range', 'score is null or score < 0 or score > 10'],
            ['duplicate_response_id', duplicate.format('response_id', 'submitted_at, '
                ~ 'respondent_email, score')],
        ]},
    }) }}
{% endmacro %}

{# The subscription change types whose meaning drives billing logic (raw contract); others are quarantined. #}
{% macro known_change_types() %}
    {{ return(engagement.governed_value_names('change_type')) }}
{% endmacro %}

{# A SQL case expression: the quarantine reason of a raw row of `source_table` ('app.events'), or null. #}
{% macro quarantine_reason(source_table) %}
    {%- set rules = engagement.quarantine_rules()[source_table]['rules'] -%}
    case
        {%- for rule in rules %}
            when {{ rule[1] }} then '{{ rule[0] }}'
        {%- endfor %}
    end
{%- endmacro %}
