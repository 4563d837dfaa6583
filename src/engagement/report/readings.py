"""One-line readings of the charts, computed from the data the chart shows (pure functions)."""

from __future__ import annotations

import math

import pandas as pd


def label(name: str) -> str:
    """A code name for reading: ``not_activated`` -> ``not activated``."""
    return str(name).replace("_", " ")


def pct(value: float, digits: int = 0) -> str:
    """A share as a percentage: 0.123 -> ``12%``."""
    return f"{value * 100:.{digits}f}%"


def signed_pct(value: float, digits: int = 0) -> str:
    return f"{value * 100:+.{digits}f}%"


def points(value: float, digits: int = 1) -> str:
    """A difference of two shares in percentage points: 0.031 -> ``+3.1 pts``."""
    return f"{value * 100:+.{digits}f} pts"


def number(value: float) -> str:
    """A value the way a reader wants it: thousands separated, shares as %, small values with decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3f}"


def metric_value(metric: str, value: float | None) -> str:
    """A scorecard value: shares (``*_rate``) as %, the rest as numbers."""
    if value is None or pd.isna(value):
        return "n/a"
    if metric.endswith("_rate"):
        return pct(float(value), 1)
    return number(float(value))


def segment_sizes_reading(sizes: pd.DataFrame) -> str:
    """sizes: one row per week (sorted), one column per segment (members)."""
    if len(sizes) < 2:
        return "Only one week of segment membership so far: no week-over-week change to read."
    last, before = sizes.iloc[-1], sizes.iloc[-2]
    change = (last - before).abs().sort_values(ascending=False, kind="stable")
    segment = str(change.index[0])
    now, then = int(last[segment]), int(before[segment])
    total = int(last.sum())
    if now == then:
        return f"No segment changed size week over week ({total:,} users)."
    verb = "grew" if now > then else "shrank"
    rate = f" {abs(now - then) / then:.0%}" if then else ""
    return (
        f"{label(segment).capitalize()} users {verb}{rate} week over week ({then:,} → {now:,}), "
        f"the largest move of any segment; {total:,} users in all."
    )


def matrix_reading(counts: pd.DataFrame) -> str:
    """counts: from-segment rows x to-segment columns (members), '(entered)' allowed as a row."""
    known = counts.drop(index="(entered)", errors="ignore")
    total = float(known.to_numpy().sum())
    if total == 0:
        return "Nobody moved between segments in the as-of week."
    stayed = {seg: float(known.loc[seg, seg]) if seg in known.columns else 0.0 for seg in known.index}
    sizes = known.sum(axis=1)
    rates = pd.Series({seg: stayed[seg] / sizes[seg] for seg in known.index if sizes[seg] > 0})
    stayed_rate = sum(stayed.values()) / total
    # the most fluid segment among those with enough members to say so
    sizable = rates[sizes[rates.index] >= max(10.0, 0.02 * total)]
    pool = sizable if len(sizable) else rates
    fluid = str(pool.idxmin())
    return (
        f"{pct(stayed_rate)} of members stayed in their segment in the as-of week; "
        f"{label(fluid)} was the most fluid ({pct(1 - float(pool[fluid]))} moved out)."
    )


def flows_reading(transitions: pd.DataFrame) -> str:
    """transitions: from_segment, to_segment, members, transition_rate, direction (one week)."""
    moves = transitions[transitions["direction"].isin(["progressed", "regressed"])]
    if moves.empty:
        return "Nobody changed segment in the as-of week."
    progressed = int(moves.loc[moves["direction"] == "progressed", "members"].sum())
    regressed = int(moves.loc[moves["direction"] == "regressed", "members"].sum())
    top = moves.sort_values(["members", "from_segment"], ascending=[False, True]).iloc[0]
    balance = (
        "more regressed than progressed"
        if regressed > progressed
        else (
            "more progressed than regressed" if progressed > regressed else "as many progressed as regressed"
        )
    )
    return (
        f"{progressed:,} members progressed and {regressed:,} regressed ({balance}); the biggest flow was "
        f"{label(top['from_segment'])} → {label(top['to_segment'])} ({int(top['members']):,}, "
        f"{pct(float(top['transition_rate']))} of {label(top['from_segment'])})."
    )


def attainment(value: float, target: float, direction: str) -> float:
    """How far a value is towards its target, 1 = exactly on target, above 1 = better than target."""
    if direction == "at_most":
        if value <= 0:
            return math.inf if target > 0 else 1.0
        return target / value
    if target == 0:
        return math.inf if value > 0 else 1.0
    return value / target


def scorecard_reading(scorecard: pd.DataFrame, min_sample: int = 30) -> str:
    """scorecard: metric, value, target, target_direction, status, sample_size of one week (segment all).

    The metric furthest off target is picked among those measured on at least ``min_sample`` units.
    """
    targeted = scorecard[scorecard["status"].isin(["on_target", "off_target"])]
    if targeted.empty:
        return "No scorecard metric with a target has a value this week."
    on = int((targeted["status"] == "on_target").sum())
    text = f"{on} of {len(targeted)} targeted metrics on target"
    small = targeted[targeted["sample_size"] < min_sample]
    if not small.empty:
        text += f" ({len(small)} on fewer than {min_sample} units)"
    off = targeted[(targeted["status"] == "off_target") & (targeted["sample_size"] >= min_sample)]
    if off.empty:
        return text + "."
    scores = off.apply(
        lambda row: attainment(float(row["value"]), float(row["target"]), str(row["target_direction"])),
        axis=1,
    )
    worst = off.loc[scores.idxmin()]
    sign = "≥" if worst["target_direction"] == "at_least" else "≤"
    return (
        f"{text}; furthest off: {label(worst['metric'])} at {metric_value(worst['metric'], worst['value'])} "
        f"against a target of {sign} {metric_value(worst['metric'], worst['target'])}."
    )


def activation_reading(cohorts: pd.DataFrame, window_days: int, recent: int = 4, trailing: int = 12) -> str:
    """cohorts: window_closed_week, signups, activation_rate of the closed cohorts, sorted by week.

    Compares the ``recent`` latest closed cohorts (pooled) with the ``trailing`` cohorts before them.
    """
    if cohorts.empty or cohorts["signups"].sum() == 0:
        return f"No signup cohort has completed its {window_days}-day activation window yet."

    def pooled(part: pd.DataFrame) -> float:
        return float((part["activation_rate"] * part["signups"]).sum() / part["signups"].sum())

    latest = cohorts.iloc[-recent:]
    before = cohorts.iloc[-(recent + trailing) : -recent]
    weeks = latest["window_closed_week"]
    first, last = pd.Timestamp(weeks.iloc[0]), pd.Timestamp(weeks.iloc[-1])
    text = (
        f"{pct(pooled(latest))} of the {len(latest)} latest closed cohorts "
        f"({first:%Y-%m-%d} to {last:%Y-%m-%d}, "
        f"{int(latest['signups'].sum()):,} signups) activated within {window_days} days"
    )
    if before.empty or before["signups"].sum() == 0:
        return text + "."
    return text + f", against {pct(pooled(before))} for the {len(before)} cohorts before."


def retention_reading(curves: pd.DataFrame) -> str:
    """curves: lifecycle_segment, weeks_after, retention_rate (and users)."""
    if curves.empty:
        return "Not enough history to follow users for a retention curve yet."
    horizon = int(curves["weeks_after"].max())
    last = curves[curves["weeks_after"] == horizon].set_index("lifecycle_segment")["retention_rate"]
    last = last.drop(index="churned", errors="ignore").dropna()
    if last.empty:
        return "No retention measurable at the curve's horizon."
    best, worst = str(last.idxmax()), str(last.idxmin())
    return (
        f"{horizon} weeks on, {pct(float(last[best]))} of {label(best)} users still take a key action, "
        f"against {pct(float(last[worst]))} of {label(worst)} users."
    )


def calibration_reading(metrics: pd.DataFrame | None, calibration: pd.DataFrame, main_model: str) -> str:
    """Main model's calibration error from churn_model_metrics, else from the bins themselves."""
    row = None
    if metrics is not None and not metrics.empty:
        main = metrics[(metrics["model_name"] == main_model) & (metrics["label"] == "churn")]
        row = main.iloc[0] if not main.empty else None
    if row is not None and pd.notna(row.get("ece")):
        method = row.get("calibration_method")
        method_text = f", {method} calibration" if isinstance(method, str) else ""
        return (
            f"The main churn model ({label(main_model)}{method_text}) is off by {pct(float(row['ece']), 1)} "
            f"on average (ECE) on {int(row['n_test']):,} held-out account snapshots "
            f"({int(row['n_test_positive']):,} churned); Brier {float(row['brier']):.3f}."
        )
    bins = calibration[(calibration["model_name"] == main_model) & (calibration["n_rows"] > 0)]
    if bins.empty:
        return "No held-out rows to judge calibration on."
    gap = (bins["mean_predicted"] - bins["observed_rate"]).abs()
    ece = float((gap * bins["n_rows"]).sum() / bins["n_rows"].sum())
    return f"The main churn model is off by {pct(ece, 1)} on average (ECE) on the held-out snapshots."


def lift_reading(deciles: pd.DataFrame) -> str:
    """deciles: decile (1 = riskiest), accounts, churned, churn_rate, lift."""
    total, churned = int(deciles["accounts"].sum()), int(deciles["churned"].sum())
    if total == 0 or churned == 0:
        return "No held-out account churned, so lift cannot be measured."
    top = deciles.sort_values("decile").iloc[0]
    overall = churned / total
    verdict = "concentrates churners" if float(top["lift"]) >= 1.5 else "does not concentrate churners yet"
    return (
        f"The riskiest 10% of held-out accounts churned at {pct(float(top['churn_rate']))}, "
        f"{float(top['lift']):.1f}× the average of {pct(overall)}: the ranking {verdict}."
    )


def clusters_reading(profiles: pd.DataFrame) -> str:
    """profiles: cluster_archetype, share, retention_rate."""
    if profiles.empty:
        return "No behavioural cluster this week."
    largest = profiles.sort_values("share", ascending=False).iloc[0]
    text = (
        f"{len(profiles)} behavioural clusters; the largest is {label(largest['cluster_archetype'])} "
        f"({pct(float(largest['share']))} of recently active users)"
    )
    retained = profiles.dropna(subset=["retention_rate"])
    if len(retained) >= 2:
        low = retained.loc[retained["retention_rate"].idxmin()]
        high = retained.loc[retained["retention_rate"].idxmax()]
        text += (
            f"; retention ranges from {pct(float(low['retention_rate']))} "
            f"({label(low['cluster_archetype'])}) "
            f"to {pct(float(high['retention_rate']))} ({label(high['cluster_archetype'])})"
        )
    return text + "."


def experiments_reading(readout: pd.DataFrame) -> str:
    """readout: the treatment rows of segment 'all' with lifts, intervals and significance flags."""
    if readout.empty:
        return "No experiment has a treatment variant with a control to compare with."
    findings = []
    for measure, name in (("activation", "activation"), ("retention_4w", "4-week retention")):
        flag = f"is_{measure}_lift_significant"
        significant = readout[readout[flag].fillna(False).astype(bool)]
        for _, row in significant.iterrows():
            lift = float(row[f"{measure}_lift"])
            findings.append(
                f"{row['experiment_id']} / {row['variant']} moves {name} by {points(lift)} "
                f"[{points(float(row[f'{measure}_lift_ci_lower']))}, "
                f"{points(float(row[f'{measure}_lift_ci_upper']))}]"
            )
    naive = 0
    for measure in ("activation", "retention_4w"):
        flag = f"is_{measure}_lift_significant_unadjusted"
        if flag in readout:
            unadjusted = readout[flag].fillna(False).astype(bool)
            adjusted = readout[f"is_{measure}_lift_significant"].fillna(False).astype(bool)
            naive += int((unadjusted & ~adjusted).sum())
    caveat = (
        f" {naive} lift(s) whose 95% interval excludes 0 are not significant once the experiment's many "
        f"comparisons are adjusted for."
        if naive
        else ""
    )
    if not findings:
        return (
            f"None of the {len(readout)} treatment variants moves activation or 4-week retention "
            f"significantly after false-discovery control.{caveat}"
        )
    return "; ".join(findings) + f" (95% intervals; significant after false-discovery control).{caveat}"


def campaigns_reading(readout: pd.DataFrame) -> str:
    """readout: campaign_readout rows (status ok) with p-values, adjusted decisions and audiences."""
    if readout.empty:
        return "The feed has no campaign data (crm/campaign_touches is absent or empty)."
    tested = readout[readout["p_value"].notna()]
    raw = int(tested["is_lift_significant"].astype(bool).sum())
    adjusted = tested[tested["is_lift_significant_adjusted"].astype(bool)]
    head = (
        f"Of {len(tested)} comparisons (grain x action x channel x segment x outcome), {raw} are significant "
        f"unadjusted and {len(adjusted)} after the false-discovery adjustment"
    )
    recommended = adjusted[adjusted["is_recommended"].astype(bool) & (adjusted["segment"] != "all")]
    if recommended.empty:
        return head + "; no action is recommended for any segment."
    best = recommended.sort_values(
        ["lift", "grain", "action", "channel", "segment"], ascending=[False, False, True, True, True]
    )
    top = best.iloc[0]
    members = "users" if top["grain"] == "user" else "accounts"
    return (
        f"{head}. Strongest: {top['action']} by {top['channel']} for {label(top['segment'])} moves "
        f"{top['outcome']} by {points(float(top['lift']))} [{points(float(top['lift_ci_lower']))}, "
        f"{points(float(top['lift_ci_upper']))}], reachable now: "
        f"{int(top['eligible_members_now']):,} {members} (consent and unsubscribes respected)."
    )


def ltv_reading(ltv: pd.DataFrame, curves: pd.DataFrame, min_months: int = 30, min_accounts: int = 5) -> str:
    """ltv: segment_ltv rows of one segment type; curves: revenue_retention_by_segment rows of that type.

    Names the segments with the highest and lowest LTV among those resting on at least ``min_months``
    paying account-months, whether their intervals overlap, and the revenue each kept at the curve's last
    month observed for at least ``min_accounts`` accounts of both.
    """
    solid = ltv[(ltv["paying_account_months"] >= min_months) & ltv["ltv_usd"].notna()]
    solid = solid.sort_values(["ltv_usd", "segment"], ascending=[False, True], kind="stable")
    if solid.empty:
        return (
            f"No usage segment rests on {min_months} paying account-months yet: "
            "LTV by segment is not readable."
        )
    best = solid.iloc[0]

    def estimate(row: pd.Series) -> str:
        return (
            f"${float(row['ltv_usd']):,.0f} [${float(row['ltv_ci_lower_usd']):,.0f}, "
            f"${float(row['ltv_ci_upper_usd']):,.0f}] ({int(row['accounts']):,} accounts, "
            f"{int(row['paying_account_months']):,} account-months)"
        )

    text = f"Accounts that started as {label(best['segment'])} have the highest LTV, {estimate(best)}"
    if len(solid) > 1:
        worst = solid.iloc[-1]
        text += f"; {label(worst['segment'])} the lowest, {estimate(worst)}"
        if float(worst["ltv_ci_upper_usd"]) >= float(best["ltv_ci_lower_usd"]):
            text += " - the intervals overlap, so the gap is not yet clear"
        both = curves[
            curves["segment"].isin([best["segment"], worst["segment"]]) & (curves["accounts"] >= min_accounts)
        ]
        common = both.groupby("months_since_start")["segment"].nunique()
        common = common[common == 2]
        if not common.empty:
            month = int(common.index.max())
            at = both[both["months_since_start"] == month].set_index("segment")["revenue_retention_rate"]
            text += (
                f". After {month} months they keep {pct(float(at[best['segment']]))} vs "
                f"{pct(float(at[worst['segment']]))} of their starting MRR"
            )
    return text + "."


def drift_reading(alerts: pd.DataFrame, as_of_week: object) -> str:
    """alerts: segment_size_alerts rows of the as-of week (any grain); names collapses first."""
    if alerts.empty:
        return f"No segment's size moved past the governed drift thresholds in the week of {as_of_week}."
    ordered = alerts.assign(rank=(~alerts["is_collapse"].astype(bool)).astype(int)).sort_values(
        ["rank", "grain", "segment_type", "segment"], kind="stable"
    )
    top = ordered.iloc[0]
    collapses = int(alerts["is_collapse"].astype(bool).sum())
    text = (
        f"{len(alerts)} segment-size alert(s) in the week of {as_of_week}, {collapses} of them collapse(s). "
        f"{label(top['segment'])} ({top['grain']} grain) holds {pct(float(top['share_rate']), 1)} of members"
    )
    if pd.notna(top["baseline_share_rate"]):
        text += f" against a baseline of {pct(float(top['baseline_share_rate']), 1)}"
    if bool(top["is_collapse"]):
        text += ": likely a tracking or definition problem, not behaviour"
    return text + "."


def funnel_reading(dropoff: pd.DataFrame) -> str:
    """dropoff: onboarding_funnel_dropoff rows flagged is_largest_gap; per group type, the group whose
    conversion falls furthest below the rest (plan first: it is fixed before onboarding, while the current
    lifecycle segment, tier and cluster partly result from it, e.g. not activated)."""
    gaps = dropoff[dropoff["conversion_gap"].notna() & (dropoff["conversion_gap"] < 0)]
    if gaps.empty:
        return "No group is large enough, or drops off more than the rest, to single out."
    order = {"plan_tier": 0, "engagement_tier": 1, "cluster_archetype": 2, "lifecycle_segment": 3}
    parts = []
    for group_type in sorted(gaps["group_type"].unique(), key=lambda g: (order.get(g, 9), g)):
        worst = gaps[gaps["group_type"] == group_type].sort_values(
            ["conversion_gap", "group_value"], kind="stable"
        ).iloc[0]
        parts.append(
            f"{label(group_type)} {label(worst['group_value'])} at {label(worst['step'])} "
            f"({pct(float(worst['step_conversion_rate']))} vs "
            f"{pct(float(worst['rest_step_conversion_rate']))}, "
            f"{points(float(worst['conversion_gap']))}, z {float(worst['conversion_gap_z_score']):.1f})"
        )
    return "Largest drop-off below the rest, per group type: " + "; ".join(parts) + "."

def rubric_reading(rubric: pd.DataFrame) -> str:
    """rubric: segment_scoring_rubric rows of one segment type with a score_rank."""
    ranked = rubric[rubric["score_rank"].notna()].sort_values("score_rank", kind="stable")
    if ranked.empty:
        return "No segment is large enough to score."
    top = ranked.iloc[0]
    text = (
        f"{label(top['segment'])} scores highest ({float(top['composite_score']):.2f}): "
        f"{int(top['members']):,} users ({pct(float(top['member_share_rate']), 1)}), "
        f"{pct(float(top['mrr_share_rate'] or 0), 1)} of MRR"
    )
    if pd.notna(top["retention_lift"]):
        text += f", retention {points(float(top['retention_lift']))} vs all members"
    if len(ranked) > 1:
        last = ranked.iloc[-1]
        text += f"; {label(last['segment'])} lowest ({float(last['composite_score']):.2f})"
    return text + "."


def help_reliance_reading(groups: pd.DataFrame, channels: pd.DataFrame) -> str:
    """groups: onboarding_help_reliance rows of segment 'all' and support_channel 'all' (both grains);
    channels: the user rows of help_reliance 'all' per first-ticket channel."""
    users = groups[groups["grain"] == "user"].set_index("help_reliance") if not groups.empty else groups
    if users.empty or "all" not in users.index:
        return "No user has signed up yet: no onboarding to read."
    total = users.loc["all"]
    parts = []
    helped = users[(users.index != "all") & ~users["is_small_group"].astype(bool)]
    if int(total["self_serve_help_events"]) == 0:
        parts.append(
            "No self-serve help event before activation (the tracking plan flags none, or nobody used one)"
        )
    for name in ("self_serve_only", "live_support_only", "both", "neither"):
        if name in helped.index and pd.notna(helped.loc[name, "activation_rate"]):
            row = helped.loc[name]
            parts.append(
                f"{label(name)}: {int(row['members']):,} users ({pct(float(row['member_share']), 1)}) "
                f"activate at {pct(float(row['activation_rate']), 1)} "
                f"({points(float(row['activation_rate_vs_all']))} vs all)"
                + (
                    f", median {float(row['median_days_to_activation']):.2f} days"
                    if pd.notna(row["median_days_to_activation"])
                    else ""
                )
            )
    text = "; ".join(parts) if parts else "Every help group is too small to read"
    overall = (
        f". Overall {pct(float(total['activation_rate']), 1)} of "
        f"{int(total['activation_observed_members']):,} users activate within the window; "
    )
    if pd.notna(total["self_serve_share"]):
        share = pct(float(total["self_serve_share"]), 0)
        text += overall + f"self-serve is {share} of the help used before activating"
    else:
        text += overall + "none used any help before activating"
    if not channels.empty:
        top = channels.iloc[0]
        text += (
            f"; the most common first ticket channel is {top['support_channel']} "
            f"({int(top['members']):,} users)"
        )
    return text + "."
