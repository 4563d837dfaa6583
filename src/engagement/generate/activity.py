"""Product telemetry: sessions and events per user-day, driven by archetype x account health.

One call of :func:`simulate_day` produces every identified event of one simulated (local) day for all
users at once, fully vectorised: active users -> sessions -> events. Anonymous marketing-site traffic
(before signup, and from visitors who never sign up) is drawn once up front and sliced per day.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from engagement.generate import catalog as cat
from engagement.generate.archetypes import advanced_event_mask, profile_array
from engagement.generate.arrays import group_cumsum, ranks_within, uuid_chars
from engagement.generate.config import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND, GeneratorConfig
from engagement.generate.population import Users

ACTIVITY_SCALE = 0.43
"""Global calibration of daily activity (sets the overall event volume)."""
PROP_PLAN, PROP_PAGE = range(2)
PROPS_OK, PROPS_EMPTY = range(2)
"""``props_kind``: 0 valid JSON, 1 empty string, 2 + i the i-th malformed text."""

_P_ACTIVE = profile_array("p_active")
_WEEKEND = profile_array("weekend_factor")
_EXTRA_SESSIONS = profile_array("extra_sessions")
_EXTRA_EVENTS = profile_array("extra_events")
_BOOST = profile_array("early_advanced_boost")
_BOOST_TAU = profile_array("boost_tau_days")
_INTEREST_TAU = profile_array("interest_tau_days")
_INTEREST_FLOOR = profile_array("interest_floor")
BURST_SHAPE = profile_array("burst_shape")


@dataclass
class EventBatch:
    """Events as parallel arrays (strings are codes; see :mod:`engagement.generate.writer`)."""

    user: np.ndarray
    anon: np.ndarray
    account: np.ndarray
    code: np.ndarray
    occurred: np.ndarray
    received: np.ndarray
    platform: np.ndarray
    prop_key: np.ndarray
    prop_value: np.ndarray
    duration: np.ndarray
    id_chars: np.ndarray
    id_kind: np.ndarray
    user_kind: np.ndarray
    props_kind: np.ndarray
    dirty: np.ndarray

    @property
    def size(self) -> int:
        """Number of events."""
        return int(self.user.size)

    def take(self, idx: np.ndarray) -> EventBatch:
        """Rows ``idx`` (a copy)."""
        return EventBatch(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(batches: list[EventBatch]) -> EventBatch:
        """Rows of all batches, in order."""
        return EventBatch(
            **{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(EventBatch)}
        )

    @staticmethod
    def build(
        rng: np.random.Generator,
        user: np.ndarray,
        anon: np.ndarray,
        account: np.ndarray,
        code: np.ndarray,
        occurred: np.ndarray,
        received: np.ndarray,
        platform: np.ndarray,
        prop_key: np.ndarray,
        prop_value: np.ndarray,
    ) -> EventBatch:
        """A clean batch: fresh event ids, valid properties, no dirty flags."""
        n = user.size
        return EventBatch(
            user=user.astype(np.int64),
            anon=anon.astype(np.int64),
            account=account.astype(np.int64),
            code=code.astype(np.int16),
            occurred=occurred.astype(np.int64),
            received=received.astype(np.int64),
            platform=platform.astype(np.int8),
            prop_key=prop_key.astype(np.int8),
            prop_value=prop_value.astype(np.int16),
            duration=np.minimum(rng.lognormal(6.3, 1.1, size=n), 3_600_000).astype(np.int64),
            id_chars=uuid_chars(rng, n),
            id_kind=np.zeros(n, dtype=np.int8),
            user_kind=np.zeros(n, dtype=np.int8),
            props_kind=np.zeros(n, dtype=np.int8),
            dirty=np.full(n, -1, dtype=np.int8),
        )


@dataclass
class AnonymousTraffic:
    """Anonymous marketing-site events, sorted by ``occurred`` (device ids index the anon id table)."""

    anon: np.ndarray
    occurred: np.ndarray
    received: np.ndarray
    code: np.ndarray
    page: np.ndarray
    n_visitors: int

    def slice_day(self, day_start_us: int) -> np.ndarray:
        """Indices of the events that occurred within the UTC day starting at ``day_start_us``."""
        lo, hi = np.searchsorted(self.occurred, [day_start_us, day_start_us + US_PER_DAY])
        return np.arange(lo, hi)


def build_anonymous_traffic(cfg: GeneratorConfig, users: Users, rng: np.random.Generator) -> AnonymousTraffic:
    """Pre-signup visits of future users (same browser id as their first web session) plus visitors."""
    n = users.n
    n_visits = rng.choice(4, size=n, p=[0.30, 0.35, 0.20, 0.15])
    v_user = np.repeat(np.arange(n), n_visits)
    v_rank = ranks_within(n_visits)
    before = np.where(
        v_rank == 0,
        rng.uniform(3, 40, size=v_user.size) * US_PER_MINUTE,
        rng.uniform(1, 14, size=v_user.size) * US_PER_DAY,
    ).astype(np.int64)
    v_start = users.created_us[v_user] - before
    n_vis = max(1, round(0.4 * n))
    w_start = cfg.start_us + (rng.random(n_vis) * (cfg.end_us - cfg.start_us)).astype(np.int64)
    anon = np.concatenate([v_user, 2 * n + np.arange(n_vis)])
    start = np.concatenate([v_start, w_start])
    n_ev = 1 + np.minimum(rng.poisson(2.0, size=anon.size), 12)
    e_visit = np.repeat(np.arange(anon.size), n_ev)
    e_rank = ranks_within(n_ev)
    gap = np.where(e_rank == 0, 0, rng.exponential(40.0, size=e_visit.size) * US_PER_SECOND + US_PER_SECOND)
    offset = group_cumsum(gap.astype(np.int64), e_rank == 0)
    occurred = start[e_visit] + offset
    # the visit right before signup must end before the signup itself
    is_user = anon[e_visit] < n
    cap = np.where(is_user, users.created_us[np.minimum(anon[e_visit], n - 1)] - US_PER_SECOND, occurred)
    occurred = np.minimum(occurred, cap)
    received = occurred + (rng.exponential(1.5, size=occurred.size) * US_PER_SECOND).astype(np.int64) + 50_000
    product = cfg.catalog
    code = np.where(
        e_rank == 0, product.event_code[product.session_event], product.event_code[product.page_event]
    )
    page = rng.integers(0, len(cat.PAGE_PATHS), size=occurred.size)
    keep = occurred >= cfg.start_us - US_PER_DAY
    order = np.argsort(occurred[keep], kind="stable")
    sel = np.flatnonzero(keep)[order]
    return AnonymousTraffic(
        anon=anon[e_visit][sel],
        occurred=occurred[sel],
        received=received[sel],
        code=code[sel],
        page=page[sel],
        n_visitors=n_vis,
    )


@dataclass
class DayState:
    """Per-day inputs that come from the weekly simulation state."""

    account_factor: np.ndarray
    """Usage multiplier per account (health x subscription status)."""
    account_plan: np.ndarray
    """Code into ``catalog.PLAN_VALUES`` of each account's current plan."""
    burst: np.ndarray
    """This week's activity multiplier per user (irregularity)."""
    retention: np.ndarray
    """Experiment multiplier per user (retention experiment treatment after assignment)."""


@dataclass
class DayResult:
    """One day's events and the usage statistics the weekly step needs."""

    batch: EventBatch
    active_users: np.ndarray
    """Users with at least one key action today."""
    account_key_actions: np.ndarray
    """Key actions per account today."""


def simulate_day(
    day: int,
    cfg: GeneratorConfig,
    users: Users,
    anon: AnonymousTraffic,
    state: DayState,
    n_accounts: int,
    rng: np.random.Generator,
) -> DayResult:
    """Every event of simulated day ``day`` (identified sessions, milestones, anonymous visits)."""
    n = users.n
    product = cfg.catalog
    n_catalog = len(product.tracking_plan)
    arch = users.archetype.astype(np.int64)
    weekend = (cfg.start.weekday() + day) % 7 >= 5
    has_acc = users.account >= 0
    acc0 = np.maximum(users.account, 0)
    tenure = np.maximum(day - users.signup_day, 0).astype(np.float64)

    # 1. who is active today
    interest = np.where(
        _INTEREST_TAU[arch] > 0,
        _INTEREST_FLOOR[arch]
        + (1 - _INTEREST_FLOOR[arch]) * np.exp(-tenure / np.maximum(_INTEREST_TAU[arch], 1.0)),
        1.0,
    )
    p = (
        _P_ACTIVE[arch]
        * users.p_mult
        * (_WEEKEND[arch] if weekend else 1.0)
        * state.burst
        * interest
        * np.where(has_acc, state.account_factor[acc0], 0.8)
        * state.retention
        * ACTIVITY_SCALE
    )
    signed = users.signup_day <= day
    signup_today = users.signup_day == day
    ms_today = users.milestone_day == day
    active = signed & ((rng.random(n) < np.minimum(p, 0.97)) | signup_today | ms_today.any(axis=1))
    act = np.flatnonzero(active)
    n_act = act.size

    # 2. sessions
    a_arch = arch[act]
    n_sess = 1 + np.minimum(rng.poisson(_EXTRA_SESSIONS[a_arch] * users.session_mult[act]), 4)
    s_pos = np.repeat(np.arange(n_act), n_sess)
    s_rank = ranks_within(n_sess)
    n_ev = 1 + np.minimum(rng.poisson(_EXTRA_EVENTS[a_arch[s_pos]] * users.event_mult[act[s_pos]]), 30)
    e_sess = np.repeat(np.arange(s_pos.size), n_ev)
    e_rank = ranks_within(n_ev)
    gap = np.where(
        e_rank == 0, 0, np.clip(rng.exponential(45.0, size=e_sess.size), 2.0, 360.0) * US_PER_SECOND
    )
    e_off = group_cumsum(gap.astype(np.int64), e_rank == 0)
    s_dur = e_off[np.cumsum(n_ev) - 1]
    s_gap = (
        s_dur + 30 * US_PER_MINUTE + (rng.uniform(20, 180, size=s_pos.size) * US_PER_MINUTE).astype(np.int64)
    )
    s_off = group_cumsum(s_gap, s_rank == 0, inclusive=False)
    local_midnight = cfg.start_us + day * US_PER_DAY - (users.tz_hours[act] * US_PER_HOUR).astype(np.int64)
    h0 = np.clip(rng.normal(users.pref_hour[act], 0.8), 6.0, 16.0)
    first_start = np.where(
        signup_today[act], users.created_us[act], local_midnight + (h0 * US_PER_HOUR).astype(np.int64)
    )
    s_start = first_start[s_pos] + s_off
    s_platform = np.where(
        rng.random(s_pos.size) < users.web_share[act[s_pos]], cat.WEB, users.mobile_os[act[s_pos]]
    )
    s_platform = np.where(signup_today[act[s_pos]] & (s_rank == 0), cat.WEB, s_platform)

    # 3. what each event is: stage-gated, archetype- and user-weighted
    stage = (users.milestone_day[act] < day).sum(axis=1)
    w = users.weights[act] * product.stage_allowed[stage]
    boost = 1.0 + _BOOST[a_arch] * np.exp(-tenure[act] / _BOOST_TAU[a_arch])
    w[:, advanced_event_mask(product)] *= boost[:, None]
    cdf = np.cumsum(w, axis=1)
    cdf /= cdf[:, -1:]
    e_pos = s_pos[e_sess]
    pick = (rng.random((e_sess.size, 1)) >= cdf[e_pos]).sum(axis=1)
    code = np.where(e_rank == 0, product.event_code[product.session_event], np.minimum(pick, n_catalog - 1))
    occurred = s_start[e_sess] + e_off
    platform = s_platform[e_sess]

    # 4. signups and milestones happen in the first session of the day, in funnel order
    first_sess = np.flatnonzero(s_rank == 0)
    su = np.flatnonzero(signup_today[act])
    m_pos, m_idx = np.nonzero(ms_today[act])
    m_step = (rng.uniform(30, 150, size=m_pos.size) * US_PER_SECOND).astype(np.int64)
    m_first = ranks_within(np.bincount(m_pos, minlength=n_act)) == 0
    m_time = s_start[first_sess[m_pos]] + 20 * US_PER_SECOND + group_cumsum(m_step, m_first)
    su_time = users.created_us[act[su]] + (rng.uniform(1, 15, size=su.size) * US_PER_SECOND).astype(np.int64)
    pos = np.concatenate([e_pos, su, m_pos])
    code = np.concatenate(
        [
            code,
            np.full(su.size, product.event_code[product.signup_event]),
            product.milestone_event_codes[m_idx],
        ]
    )
    occurred = np.concatenate([occurred, su_time, m_time])
    platform = np.concatenate([platform, np.full(su.size, cat.WEB), s_platform[first_sess[m_pos]]])

    server = product.server_side[code]
    platform = np.where(server, cat.API, platform)
    user = act[pos]
    mobile = (platform == cat.IOS) | (platform == cat.ANDROID)
    anon_id = np.where(platform == cat.WEB, user, np.where(mobile, n + user, -1))
    account = np.where(has_acc[user], users.account[user], -1)
    account = np.where(mobile & (rng.random(user.size) < 0.25), -1, account)
    delay = np.where(
        platform == cat.API,
        rng.exponential(0.3, size=user.size),
        np.where(mobile, rng.exponential(25.0, size=user.size), rng.exponential(1.2, size=user.size)),
    )
    received = occurred + (delay * US_PER_SECOND).astype(np.int64) + 20_000
    plan = np.where(has_acc[user], state.account_plan[acc0[user]], cat.PLAN_VALUES.index("none"))
    identified = EventBatch.build(
        rng, user, anon_id, account, code, occurred, received, platform, np.full(user.size, PROP_PLAN), plan
    )

    key = product.is_key_action[code]
    active_users = np.zeros(n, dtype=bool)
    active_users[user[key]] = True
    # key actions per account (events with a null account_id count for the user's account)
    k_user = user[key]
    account_keys = np.bincount(users.account[k_user][users.account[k_user] >= 0], minlength=n_accounts)

    # 5. anonymous marketing-site traffic of this (UTC) day
    a = anon.slice_day(cfg.start_us + day * US_PER_DAY)
    anonymous = EventBatch.build(
        rng,
        np.full(a.size, -1),
        anon.anon[a],
        np.full(a.size, -1),
        anon.code[a],
        anon.occurred[a],
        anon.received[a],
        np.full(a.size, cat.WEB),
        np.full(a.size, PROP_PAGE),
        anon.page[a],
    )
    return DayResult(
        batch=EventBatch.concat([identified, anonymous]),
        active_users=active_users,
        account_key_actions=account_keys.astype(np.float64),
    )


def weekly_burst(users: Users, rng: np.random.Generator) -> np.ndarray:
    """Per-user activity multiplier for one week (gamma with mean 1; archetype-specific regularity)."""
    shape = BURST_SHAPE[users.archetype]
    return rng.gamma(shape, 1.0 / shape)
