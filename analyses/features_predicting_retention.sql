{#- Which milestone or feature predicts retention: the candidates of milestone_retention_signal ranked by
    phi (the correlation of reaching the candidate in the first window_days days with being retained in
    week retention_horizon_weeks, which weighs lift and reach together). Candidates reached, or missed,
    by fewer than var analysis_min_users users (default 30) are left out: their lift is noise. -#}

with

signal as (
    select * from {{ ref('milestone_retention_signal') }}
),

ranked as (
    select
        rank() over (order by phi_coefficient desc) as predictive_rank,
        candidate_type,
        candidate,
        min_uses,
        window_days,
        retention_horizon_weeks,
        is_activation_requirement,
        users_eligible,
        users_reaching,
        reaching_rate,
        retention_with_rate,
        retention_without_rate,
        retention_lift,
        phi_coefficient,
    from signal
    where
        phi_coefficient is not null
        and users_reaching >= {{ var('analysis_min_users', 30) }}
        and users_eligible - users_reaching >= {{ var('analysis_min_users', 30) }}
)

select * from ranked
order by predictive_rank asc, candidate_type asc, candidate asc, min_uses asc
