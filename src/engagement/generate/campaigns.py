"""CRM campaign touches (``crm/campaign_touches``): sends and holdouts with a planted lift.

Every ``SEND_EVERY_WEEKS`` weeks each campaign picks its audience among the users in its target stratum as
of the start of the send week (``not_activated``: not activated yet; ``dormant``: activated, no key action
in the ``DORMANT_DAYS`` days before; ``active``: the other activated users), holds back ``HOLDOUT_SHARE``
of it and contacts the rest. Marketing channels reach only users with marketing consent, and a user who
unsubscribed from a channel is never in its audience again.

The planted lift is on re-engagement: a key action on one of the ``REENGAGE_DAYS`` days after the send day.
It is planted through the holdout draw: given each member's simulated outcome ``y``, the holdout is drawn
so that its outcome rate is the contacted rate minus the planted lift of the campaign's action, channel
and stratum (zero for ``send_onboarding_checklist``). Activation and 28-day retention get no planted lift.
The truth records each cell's planted lift; dirty rows (retry duplicates, an unknown channel and action,
unknown users and accounts) are counted in the manifest.

Account-level outreach (``ACCOUNT_CAMPAIGNS``: customer-success calls, ``user_id`` null) works the same way
on accounts, from their own random stream: an account's stratum and outcome are those of its members taken
together (activated when a member is, a key action when a member has one), so its planted lift is on the
account's re-engagement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from engagement.generate.arrays import timestamps
from engagement.generate.config import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, GeneratorConfig

STREAM_CAMPAIGN = 10
"""Random stream of the campaign touches (after the generator's nine)."""
HOLDOUT_SHARE = 0.5
"""Half of each audience is held back: the most lift a low-rate stratum can show is 2 x its rate."""
AUDIENCE_SHARE = 1.0
"""Share of the eligible users of a campaign's stratum in its audience at each send."""
SEND_EVERY_WEEKS = 2
FIRST_SEND_WEEK = 6
DORMANT_DAYS = 28
"""The generator's dormancy (seed segment_thresholds.dormant_days)."""
REENGAGE_DAYS = 7
"""Re-engagement: a key action on day 1..REENGAGE_DAYS after the send day (var campaign_reengagement_days)."""
MARKETING_CHANNELS = ("email", "push")
DUPLICATE_RATE = 0.02
UNKNOWN_CHANNEL_RATE = 0.01
UNKNOWN_ACTION_RATE = 0.01
UNKNOWN_USER_RATE = 0.005
UNKNOWN_ACCOUNT_RATE = 0.01
"""Share of the account-level calls whose account_id crm/accounts does not know."""
UNKNOWN_CHANNEL = "whatsapp"
UNKNOWN_ACTION = "legacy_newsletter"

# per channel: P(open | sent), P(click | opened), P(unsubscribe | sent); nan = the channel has no such step
CHANNEL_FUNNEL: dict[str, tuple[float, float, float]] = {
    "email": (0.42, 0.25, 0.02),
    "push": (0.18, float("nan"), 0.01),
    "in_app": (0.55, 0.35, 0.0),
}


@dataclass(frozen=True)
class Campaign:
    """One recurring campaign: a playbook action on a channel for the users of one or more strata."""

    campaign_id: str
    action: str
    channel: str
    lifts: tuple[tuple[str, float], ...]
    """(stratum, planted absolute re-engagement lift) per targeted stratum."""


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("cmp_reactivation_email", "send_reactivation_campaign", "email", (("dormant", 0.12),)),
    Campaign("cmp_reactivation_push", "send_reactivation_campaign", "push", (("dormant", 0.04),)),
    Campaign("cmp_use_case_tips", "send_use_case_tips", "email", (("active", 0.12), ("dormant", 0.02))),
    Campaign("cmp_whats_new", "show_whats_new", "in_app", (("active", 0.06),)),
    Campaign("cmp_onboarding_checklist", "send_onboarding_checklist", "email", (("not_activated", 0.0),)),
)
STRATA = ("not_activated", "dormant", "active")
ACCOUNT_CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("cmp_executive_outreach", "executive_outreach", "csm_call", (("dormant", 0.05),)),
    Campaign("cmp_health_review_call", "schedule_health_review", "csm_call", (("active", 0.08),)),
    Campaign("cmp_plan_upgrade_call", "propose_plan_upgrade", "csm_call", (("active", 0.0),)),
)
"""Account-level calls (``user_id`` null): a planted lift on dormant accounts, zero on active ones."""


def _strata(
    active_days: np.ndarray, created_day: np.ndarray, activated_day: np.ndarray, day: int
) -> np.ndarray:
    """Stratum index per user at the start of ``day`` (-1: not signed up yet)."""
    recent = active_days[:, max(0, day - DORMANT_DAYS) : day].any(axis=1)
    out = np.where(activated_day < day, np.where(recent, 2, 1), 0)
    return np.where(created_day < day, out, -1)


def feasible_lift(y: np.ndarray, lift: float) -> float:
    """The planted lift a send can carry: at most what a holdout with no (or only) successes allows."""
    if y.size == 0:
        return 0.0
    r = float(y.mean())
    return min(lift, r / (1 - HOLDOUT_SHARE), (1 - r) / HOLDOUT_SHARE)


def _holdout(y: np.ndarray, lift: float, rng: np.random.Generator) -> np.ndarray:
    """Holdout of round(HOLDOUT_SHARE x n) members whose outcome rate is the contacted rate minus ``lift``.

    Exact allocation: of the holdout, round(k x (r - (1 - h) x lift)) members are drawn (without
    replacement) among those with ``y`` and the rest among those without (the count rounded at random, so
    unbiased), so the contacted-minus-holdout difference of the send equals ``lift`` in expectation, with
    little noise from the draw.
    """
    n = y.size
    k = round(HOLDOUT_SHARE * n)
    ones, zeros = np.flatnonzero(y), np.flatnonzero(~y)
    r = ones.size / n if n else 0.0
    rate = min(1.0, max(0.0, r - (1 - HOLDOUT_SHARE) * lift))
    x = k * rate
    k1 = min(ones.size, int(np.floor(x)) + int(rng.random() < x - np.floor(x)))
    k0 = min(zeros.size, k - k1)
    k1 = min(ones.size, k - k0)
    held = np.zeros(n, dtype=bool)
    held[rng.choice(ones, k1, replace=False)] = True
    held[rng.choice(zeros, k0, replace=False)] = True
    return held


def _sends(
    cfg: GeneratorConfig,
    campaigns: tuple[Campaign, ...],
    grain: str,
    active_days: np.ndarray,
    created_day: np.ndarray,
    activated_day: np.ndarray,
    consent: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, list[np.ndarray]], list[dict[str, object]]]:
    """Each send of ``campaigns`` to its strata (rows of ``active_days``: users or accounts)."""
    n_days = active_days.shape[1]
    rows: dict[str, list[np.ndarray]] = {
        k: [] for k in ("campaign", "user", "holdout", "sent", "open", "click", "unsub")
    }
    truth: list[dict[str, object]] = []
    unsubscribed = {ch: np.zeros(active_days.shape[0], dtype=bool) for ch in CHANNEL_FUNNEL}
    for week in range(FIRST_SEND_WEEK, cfg.weeks, SEND_EVERY_WEEKS):
        day = 7 * week
        if day + 3 + REENGAGE_DAYS + 1 > n_days:
            break
        strata = _strata(active_days, created_day, activated_day, day)
        for c, campaign in enumerate(campaigns):
            send_day = day + c % 3  # Monday to Wednesday of the week
            eligible = ~unsubscribed.get(campaign.channel, np.zeros(active_days.shape[0], dtype=bool))
            if campaign.channel in MARKETING_CHANNELS:
                eligible &= consent
            for stratum, lift in campaign.lifts:
                pool = np.flatnonzero((strata == STRATA.index(stratum)) & eligible)
                members = pool[rng.random(pool.size) < AUDIENCE_SHARE]
                y = active_days[members, send_day + 1 : send_day + 1 + REENGAGE_DAYS].any(axis=1)
                target = feasible_lift(y, lift)
                held = _holdout(y, target, rng)
                sent = (
                    cfg.start_us
                    + send_day * US_PER_DAY
                    + 9 * US_PER_HOUR
                    + rng.integers(0, 120, members.size) * US_PER_MINUTE
                )
                p_open, p_click, p_unsub = CHANNEL_FUNNEL.get(campaign.channel, (0.0, 0.0, 0.0))
                opened = ~held & (rng.random(members.size) < p_open)
                clicked = opened & (rng.random(members.size) < (0.0 if np.isnan(p_click) else p_click))
                unsub = ~held & (rng.random(members.size) < p_unsub)
                if campaign.channel in unsubscribed:
                    unsubscribed[campaign.channel][members[unsub]] = True
                lag = rng.integers(5, 600, members.size) * US_PER_MINUTE
                rows["campaign"].append(np.full(members.size, c))
                rows["user"].append(members)
                rows["holdout"].append(held)
                rows["sent"].append(sent)
                rows["open"].append(np.where(opened, sent + lag, -1))
                rows["click"].append(np.where(clicked, sent + 2 * lag, -1))
                rows["unsub"].append(np.where(unsub, sent + 3 * lag, -1))
                truth.append(
                    {
                        "grain": grain,
                        "campaign_id": campaign.campaign_id,
                        "action": campaign.action,
                        "channel": campaign.channel,
                        "stratum": stratum,
                        "send_week_start": cfg.day(day).isoformat(),
                        "members": int(members.size),
                        "holdout_members": int(held.sum()),
                        "planted_lift": lift,
                        "true_reengagement_lift": round(target, 6),
                        "contacted_reengaged": int(y[~held].sum()),
                        "holdout_reengaged": int(y[held].sum()),
                    }
                )
    return rows, truth


def _columns(rows: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    """The sends' rows as one array per column (empty arrays when a period is too short for any send)."""
    empty = {"holdout": np.zeros(0, dtype=bool)}
    cols = {k: np.concatenate(v) if v else empty.get(k, np.zeros(0, dtype=np.int64)) for k, v in rows.items()}
    order = np.lexsort((cols["user"], cols["campaign"], cols["sent"]))
    return {k: v[order] for k, v in cols.items()}


def _accounts(
    account_ids: np.ndarray, active_days: np.ndarray, created_day: np.ndarray, activated_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per account (members taken together): its id, key-action days, first signup and first activation."""
    has = np.flatnonzero(account_ids != None)  # noqa: E711 - an object array of ids and None
    ids, codes = np.unique(account_ids[has].astype(str), return_inverse=True)
    order = has[np.argsort(codes, kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(np.sort(codes)) != 0])
    if order.size == 0:
        return ids, np.zeros((0, active_days.shape[1]), dtype=bool), np.zeros(0), np.zeros(0)
    return (
        ids.astype(object),
        np.logical_or.reduceat(active_days[order], starts, axis=0),
        np.minimum.reduceat(created_day[order], starts),
        np.minimum.reduceat(activated_day[order], starts),
    )


def _account_table(
    account_ids: np.ndarray, cols: dict[str, np.ndarray], rng: np.random.Generator, dirty: dict[str, int]
) -> pa.Table:
    """The account-level touches: no user, the account's id (a few unknown ones), a call (no open, click or
    unsubscribe)."""
    n = cols["user"].size
    campaigns = [ACCOUNT_CAMPAIGNS[c] for c in cols["campaign"]]
    unknown = rng.random(n) < UNKNOWN_ACCOUNT_RATE
    dirty["unknown_account"] = int(unknown.sum())
    ghost = np.array([f"acc_unknown_{i:06d}" for i in range(n)], dtype=object)
    accounts = np.where(unknown, ghost, account_ids[cols["user"]])
    return pa.table(
        {
            "touch_id": pa.array([f"tch_acct_{i:08d}" for i in range(n)], type=pa.string()),
            "campaign_id": pa.array([c.campaign_id for c in campaigns], type=pa.string()),
            "action": pa.array([c.action for c in campaigns], type=pa.string()),
            "channel": pa.array([c.channel for c in campaigns], type=pa.string()),
            "user_id": pa.nulls(n, type=pa.string()),
            "account_id": pa.array(accounts, type=pa.string()),
            "is_holdout": pa.array(cols["holdout"], type=pa.bool_()),
            "sent_at": timestamps(cols["sent"]),
            "opened_at": pa.nulls(n, type=pa.timestamp("us")),
            "clicked_at": pa.nulls(n, type=pa.timestamp("us")),
            "unsubscribed_at": pa.nulls(n, type=pa.timestamp("us")),
        }
    )


@dataclass
class CampaignOutput:
    """The raw table (with its dirty rows), the planted truth per send and cell, the dirty-row counts."""

    table: pa.Table
    truth: pa.Table
    dirty_counts: dict[str, int]


def build_touches(
    cfg: GeneratorConfig,
    user_ids: np.ndarray,
    account_ids: np.ndarray,
    consent: np.ndarray,
    active_days: np.ndarray,
    created_day: np.ndarray,
    activated_day: np.ndarray,
) -> CampaignOutput:
    """Every touch (sends and holdouts) of every campaign, plus its dirty rows and the planted truth."""
    rng = cfg.rng(STREAM_CAMPAIGN)
    rows, truth = _sends(cfg, CAMPAIGNS, "user", active_days, created_day, activated_day, consent, rng)
    cols = _columns(rows)
    n = cols["user"].size
    touch_ids = np.array([f"tch_{i:08d}" for i in range(n)], dtype=object)
    action = np.array([CAMPAIGNS[c].action for c in cols["campaign"]], dtype=object)
    channel = np.array([CAMPAIGNS[c].channel for c in cols["campaign"]], dtype=object)
    campaign_id = np.array([CAMPAIGNS[c].campaign_id for c in cols["campaign"]], dtype=object)
    users = user_ids[cols["user"]].astype(object)
    accounts = account_ids[cols["user"]].astype(object)
    accounts = np.where(rng.random(n) < 0.5, None, accounts)  # null: the user's account applies

    dirty: dict[str, int] = {}
    unknown_channel = rng.random(n) < UNKNOWN_CHANNEL_RATE
    channel = np.where(unknown_channel, UNKNOWN_CHANNEL, channel)
    dirty["unknown_channel"] = int(unknown_channel.sum())
    unknown_action = ~unknown_channel & (rng.random(n) < UNKNOWN_ACTION_RATE)
    action = np.where(unknown_action, UNKNOWN_ACTION, action)
    dirty["unknown_action"] = int(unknown_action.sum())
    unknown_user = ~unknown_channel & ~unknown_action & (rng.random(n) < UNKNOWN_USER_RATE)
    ghost = np.array([f"usr_unknown_{i:06d}" for i in range(n)], dtype=object)
    users = np.where(unknown_user, ghost, users)
    dirty["unknown_user"] = int(unknown_user.sum())

    def ts(v: np.ndarray) -> pa.Array:
        return pa.array(np.where(v < 0, 0, v), mask=v < 0, type=pa.int64()).cast(pa.timestamp("us"))

    table = pa.table(
        {
            "touch_id": pa.array(touch_ids, type=pa.string()),
            "campaign_id": pa.array(campaign_id, type=pa.string()),
            "action": pa.array(action, type=pa.string()),
            "channel": pa.array(channel, type=pa.string()),
            "user_id": pa.array(users, type=pa.string()),
            "account_id": pa.array(accounts, type=pa.string()),
            "is_holdout": pa.array(cols["holdout"], type=pa.bool_()),
            "sent_at": timestamps(cols["sent"]),
            "opened_at": ts(cols["open"]),
            "clicked_at": ts(cols["click"]),
            "unsubscribed_at": ts(cols["unsub"]),
        }
    )
    dup = np.flatnonzero(rng.random(n) < DUPLICATE_RATE)
    dirty["duplicate_touch"] = int(dup.size)
    if dup.size:
        table = pa.concat_tables([table, table.take(pa.array(dup))])

    ids, *members = _accounts(account_ids, active_days, created_day, activated_day)
    everyone = np.ones(ids.size, dtype=bool)  # calls are no marketing: no consent needed
    acc_rng = cfg.rng(STREAM_CAMPAIGN, 1)
    acc_rows, acc_truth = _sends(cfg, ACCOUNT_CAMPAIGNS, "account", *members, everyone, acc_rng)
    table = pa.concat_tables([table, _account_table(ids, _columns(acc_rows), acc_rng, dirty)])
    return CampaignOutput(table, pa.Table.from_pylist(truth + acc_truth), dirty)


def truth_manifest(out: CampaignOutput) -> dict[str, object]:
    """The manifest entry: the planted lifts per action, channel and stratum and the dirty-row counts."""
    lifts = sorted(
        {("user", c.action, c.channel, s, lift) for c in CAMPAIGNS for s, lift in c.lifts}
        | {("account", c.action, c.channel, s, lift) for c in ACCOUNT_CAMPAIGNS for s, lift in c.lifts}
    )
    return {
        "table": "crm/campaign_touches",
        "outcome": f"re-engagement: a key action on day 1..{REENGAGE_DAYS} after the send day",
        "strata": {
            "not_activated": "not activated at the start of the send week",
            "dormant": f"activated, no key action in the {DORMANT_DAYS} days before the send week",
            "active": "the other activated users",
        },
        "holdout_share": HOLDOUT_SHARE,
        "true_lift_per_send": "campaign_lifts.parquet: true_reengagement_lift = planted_lift capped at "
        "what the send's outcome rate allows (2 x rate with a half holdout); members and holdouts per send",
        "marketing_channels_need_consent": list(MARKETING_CHANNELS),
        "account_level": "user_id null: the account's members taken together (stratum, outcome)",
        "planted_lifts": [
            {"grain": g, "action": a, "channel": ch, "stratum": s, "planted_lift": lift}
            for g, a, ch, s, lift in lifts
        ],
        "touch_rows": out.table.num_rows,
        "dirty_counts": out.dirty_counts,
    }
