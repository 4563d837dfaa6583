"""Accounts and users: firmographics, signups, roles, archetypes and activation schedules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engagement.generate import catalog as cat
from engagement.generate.archetypes import (
    ARCHETYPE_SHARES,
    EARLY_ADOPTER,
    EXPLORER,
    NO_ACCOUNT_SHARES,
    PROFILES,
    RENEWER,
    event_weight_matrix,
    feature_of_event,
)
from engagement.generate.arrays import arrow_take, prefixed_ids, ranks_within, sample_categorical, to_object
from engagement.generate.config import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, GeneratorConfig, days_to_us
from engagement.generate.experiments import ACTIVATION_EXPERIMENT, EXPERIMENTS, TREATMENT_SPEEDUP

BASE_ACCOUNTS = 250
BASE_USERS = 2000
NO_ACCOUNT_SHARE = 0.05
PRE_START_SHARE = 0.35
NEVER = np.iinfo(np.int32).max
"""Milestone day of a milestone never reached."""

START_TRIAL, START_FREE, START_PAID = range(3)

FUNNEL_DROPOFF_MILESTONE = "integration_connected"
"""Planted funnel drop-off: the onboarding step users of accounts that start on the free plan drop at."""
FUNNEL_DROPOFF_FACTOR = 0.3
"""Their conversion into that step (given the step before) is this share of their archetype's."""


@dataclass
class Accounts:
    """Customer accounts (one element per account)."""

    account_id: np.ndarray
    name: np.ndarray
    domain: np.ndarray
    industry: np.ndarray
    employee_count: np.ndarray
    band: np.ndarray
    region: np.ndarray
    csm_owner: np.ndarray
    created_us: np.ndarray
    currency: np.ndarray
    interval: np.ndarray
    start_mode: np.ndarray
    paid_tier: np.ndarray
    health_mu: np.ndarray
    n_users: np.ndarray
    first_user: np.ndarray

    @property
    def n(self) -> int:
        """Number of accounts."""
        return int(self.account_id.size)

    def to_arrow(self) -> pa.Table:
        """The ``crm/accounts`` table."""
        emp = self.employee_count
        return pa.table(
            {
                "account_id": pa.array(self.account_id, type=pa.string()),
                "account_name": pa.array(self.name, type=pa.string()),
                "domain": pa.array(self.domain, type=pa.string()),
                "industry": arrow_take(cat.INDUSTRIES, self.industry),
                "employee_count": pa.array(np.where(emp < 0, 0, emp).astype(np.int32), mask=emp < 0),
                "region": arrow_take(cat.REGIONS, self.region),
                "csm_owner": pa.array(self.csm_owner, type=pa.string()),
                "created_at": pa.array(self.created_us, type=pa.int64()).cast(pa.timestamp("us")),
            }
        )


@dataclass
class Users:
    """Product users (account users ordered by account then signup; users without account last)."""

    user_id: np.ndarray
    account: np.ndarray
    email: np.ndarray
    role: np.ndarray
    created_us: np.ndarray
    invited_by: np.ndarray
    opt_in: np.ndarray
    archetype: np.ndarray
    tz_hours: np.ndarray
    pref_hour: np.ndarray
    p_mult: np.ndarray
    session_mult: np.ndarray
    event_mult: np.ndarray
    web_share: np.ndarray
    mobile_os: np.ndarray
    weights: np.ndarray
    signup_day: np.ndarray
    signup_hour: np.ndarray
    milestone_day: np.ndarray
    account_ids: np.ndarray

    @property
    def n(self) -> int:
        """Number of users."""
        return int(self.user_id.size)

    def to_arrow(self) -> pa.Table:
        """The ``app/users`` table."""
        inviter = self.invited_by
        return pa.table(
            {
                "user_id": pa.array(self.user_id, type=pa.string()),
                "account_id": pa.array(self.account_id_strings(), type=pa.string()),
                "email": pa.array(self.email, type=pa.string()),
                "role": arrow_take(cat.USER_ROLES, self.role),
                "created_at": pa.array(self.created_us, type=pa.int64()).cast(pa.timestamp("us")),
                "invited_by_user_id": arrow_take(pa.array(self.user_id, type=pa.string()), inviter),
                "marketing_opt_in": pa.array(self.opt_in == 1, mask=self.opt_in < 0),
            }
        )

    def account_id_strings(self) -> np.ndarray:
        """Account id of every user (None when not in a workspace)."""
        out = np.full(self.n, None, dtype=object)
        has = self.account >= 0
        out[has] = self.account_ids[self.account[has]]
        return out


def _n_sizes(cfg: GeneratorConfig) -> tuple[int, int]:
    n_accounts = max(6, round(BASE_ACCOUNTS * cfg.scale))
    n_users = max(n_accounts + 8, round(BASE_USERS * cfg.scale))
    return n_accounts, n_users


def build_accounts(cfg: GeneratorConfig, rng: np.random.Generator) -> Accounts:
    """Customer accounts: firmographics, creation time, billing preferences and latent health level."""
    n, _ = _n_sizes(cfg)
    band = sample_categorical(rng, cat.SIZE_BAND_PROBS, n).astype(np.int8)
    lo = np.array([b[0] for b in cat.SIZE_BANDS])[band]
    hi = np.array([b[1] for b in cat.SIZE_BANDS])[band]
    employees = np.exp(rng.uniform(np.log(lo), np.log(hi + 1))).astype(np.int64)
    employees = np.clip(employees, lo, hi)
    employees[rng.random(n) < 0.07] = -1
    region = sample_categorical(rng, cat.REGION_PROBS, n).astype(np.int8)
    industry = rng.integers(0, len(cat.INDUSTRIES), size=n).astype(np.int8)

    # names and domains
    a = rng.integers(0, len(cat.COMPANY_WORDS_A), size=n)
    b = rng.integers(0, len(cat.COMPANY_WORDS_B), size=n)
    base_names = pc.binary_join_element_wise(
        arrow_take(cat.COMPANY_WORDS_A, a), arrow_take(cat.COMPANY_WORDS_B, b), " "
    )
    dup_rank = (
        pd.Series(base_names.to_numpy(zero_copy_only=False))
        .groupby(base_names.to_numpy(zero_copy_only=False))
        .cumcount()
        .to_numpy()
    )
    suffix = np.where(dup_rank > 0, np.char.add(" ", (dup_rank + 1).astype(str)), "")
    names = to_object(pc.binary_join_element_wise(base_names, pa.array(suffix, type=pa.string()), ""))
    slug = pc.replace_substring(pc.utf8_lower(pa.array(names, type=pa.string())), " ", "")
    tld_choice = rng.random(n)
    tlds = np.empty(n, dtype=object)
    for r, options in enumerate(cat.REGION_TLDS):
        sel = region == r
        tlds[sel] = np.array(options, dtype=object)[(tld_choice[sel] * len(options)).astype(int)]
    domain = to_object(pc.binary_join_element_wise(slug, pa.array(tlds, type=pa.string()), "."))
    domain[rng.random(n) < 0.08] = None

    csm_p = np.array([0.0, 0.05, 0.4, 0.9, 1.0])[band]
    csm = np.array(cat.CSM_OWNERS, dtype=object)[rng.integers(0, len(cat.CSM_OWNERS), size=n)]
    csm_owner = np.where(rng.random(n) < csm_p, csm, None)

    # creation: some before the start (older customers), the rest over the first 85% of the period
    pre = rng.random(n) < PRE_START_SHARE
    offset_days = np.where(pre, -rng.uniform(7, 730, size=n), rng.uniform(0, 0.85 * cfg.n_days, size=n))
    tz = np.array(cat.REGION_UTC_OFFSET_HOURS)[region]
    local_hour = rng.uniform(8, 18, size=n)
    created_us = (
        cfg.start_us + days_to_us(np.floor(offset_days)) + ((local_hour - tz) * US_PER_HOUR).astype(np.int64)
    )

    # billing preferences
    currency = np.zeros(n, dtype=np.int8)
    for r, probs in enumerate(cfg.catalog.region_currency_probs):
        sel = region == r
        currency[sel] = sample_categorical(rng, probs, int(sel.sum()))
    interval = (rng.random(n) < np.array([0.15, 0.2, 0.3, 0.45, 0.6])[band]).astype(np.int8)
    mode_trial = np.where(pre, 0.0, 0.45)
    mode_free = np.where(pre, 0.2, 0.25)
    u = rng.random(n)
    start_mode = np.where(
        u < mode_trial, START_TRIAL, np.where(u < mode_trial + mode_free, START_FREE, START_PAID)
    ).astype(np.int8)
    tier_probs = np.array(
        [[0.7, 0.28, 0.02], [0.45, 0.48, 0.07], [0.2, 0.6, 0.2], [0.05, 0.5, 0.45], [0.02, 0.3, 0.68]]
    )
    paid_tier = (1 + (rng.random((n, 1)) > np.cumsum(tier_probs[band], axis=1)).sum(axis=1)).astype(np.int8)
    paid_tier = np.minimum(paid_tier, cat.ENTERPRISE).astype(np.int8)
    health_mu = rng.normal(0.9, 0.8, size=n) + np.where(pre, 0.3, 0.0)

    return Accounts(
        account_id=prefixed_ids(rng, n, "acc_", 10),
        name=names,
        domain=domain,
        industry=industry,
        employee_count=employees,
        band=band,
        region=region,
        csm_owner=csm_owner,
        created_us=created_us,
        currency=currency,
        interval=interval,
        start_mode=start_mode,
        paid_tier=paid_tier,
        health_mu=health_mu,
        n_users=np.zeros(n, dtype=np.int64),
        first_user=np.zeros(n, dtype=np.int64),
    )


def _archetype_shares(accounts: Accounts, cfg: GeneratorConfig, rng: np.random.Generator) -> np.ndarray:
    """Per-account archetype mix: base shares tilted by size and age, plus an account-level tilt."""
    shares = np.tile(ARCHETYPE_SHARES, (accounts.n, 1))
    large = accounts.band >= 3
    small = accounts.band == 0
    old = accounts.created_us < cfg.start_us
    shares[large, RENEWER] *= 1.6
    shares[large, EXPLORER] *= 0.7
    shares[small, EARLY_ADOPTER] *= 1.4
    shares[small, RENEWER] *= 0.7
    shares[old, RENEWER] *= 1.5
    shares[old, EXPLORER] *= 0.7
    shares *= rng.gamma(4.0, 0.25, size=shares.shape)
    return shares / shares.sum(axis=1, keepdims=True)


def build_users(cfg: GeneratorConfig, accounts: Accounts, rng: np.random.Generator) -> Users:
    """Users of accounts (first one is the admin) and users without a workspace yet."""
    n_acc, n_users = _n_sizes(cfg)
    n_free = max(3, round(NO_ACCOUNT_SHARE * n_users))
    n_acc_users = n_users - n_free

    # users per account: at least one, proportional to a size-driven weight
    size_w = np.array([1.0, 2.2, 4.0, 7.0, 11.0])[accounts.band] * rng.lognormal(0.0, 0.5, size=n_acc)
    extra = rng.multinomial(n_acc_users - n_acc, size_w / size_w.sum())
    per_account = 1 + extra
    accounts.n_users = per_account.astype(np.int64)
    accounts.first_user = (np.cumsum(per_account) - per_account).astype(np.int64)

    account = np.repeat(np.arange(n_acc), per_account)
    rank = ranks_within(per_account)
    first = rank == 0

    # signup: first user just before the account exists, teammates join later (earlier is likelier)
    acc_created = accounts.created_us[account]
    remaining = np.maximum(cfg.end_us - acc_created - US_PER_HOUR, US_PER_HOUR)
    join = (rng.beta(1.0, 2.5, size=account.size) * remaining).astype(np.int64)
    created = np.where(
        first, acc_created - rng.integers(1, 10, size=account.size) * US_PER_MINUTE, acc_created + join
    )
    # keep signup order within each account
    order = np.lexsort((created, account))
    created = created[order]

    region_acc = accounts.region[account]
    free_region = sample_categorical(rng, cat.REGION_PROBS, n_free).astype(np.int8)
    free_created = (cfg.start_us + rng.uniform(-30, cfg.n_days - 0.5, size=n_free) * US_PER_DAY).astype(
        np.int64
    )

    account = np.concatenate([account, np.full(n_free, -1)]).astype(np.int32)
    rank = np.concatenate([rank, np.zeros(n_free, dtype=np.int64)])
    first = np.concatenate([first, np.zeros(n_free, dtype=bool)])
    created = np.concatenate([created, free_created])
    region = np.concatenate([region_acc, free_region])
    has_acc = account >= 0

    # archetypes
    shares = np.empty((n_users, len(PROFILES)))
    shares[has_acc] = _archetype_shares(accounts, cfg, rng)[account[has_acc]]
    shares[~has_acc] = NO_ACCOUNT_SHARES
    shares[first, EXPLORER] *= 0.5  # the person who set the workspace up is rarely a mere explorer
    shares /= shares.sum(axis=1, keepdims=True)
    archetype = (rng.random((n_users, 1)) > np.cumsum(shares, axis=1)).sum(axis=1)
    archetype = np.minimum(archetype, len(PROFILES) - 1).astype(np.int8)

    # roles and invitations
    role = np.where(first, 0, sample_categorical(rng, (0.1, 0.7, 0.2), n_users)).astype(np.int8)
    invited = ~first & has_acc & (rng.random(n_users) < 0.85)
    acc_first = np.where(has_acc, accounts.first_user[np.maximum(account, 0)], 0)
    inviter = acc_first + np.floor(rng.random(n_users) * np.maximum(rank, 1)).astype(np.int64)
    invited_by = np.where(invited, inviter, -1).astype(np.int64)
    opt_in = sample_categorical(rng, (0.40, 0.45, 0.15), n_users).astype(np.int8)  # F, T, null
    opt_in = np.where(opt_in == 2, -1, opt_in).astype(np.int8)

    email = _emails(accounts, account, rng)

    # behaviour noise
    product = cfg.catalog
    n_feat = len(product.features) + 1
    n_core = product.n_core_features
    feat_noise = rng.gamma(2.5, 1 / 2.5, size=(n_users, n_feat))
    renewer = archetype == RENEWER
    favoured = rng.random((n_users, n_core)) < 0.55  # renewers stick to some core features
    feat_noise[:, :n_core] *= np.where(renewer[:, None] & ~favoured, 0.25, 1.0)
    feat_noise[:, -1] = rng.gamma(6.0, 1 / 6.0, size=n_users)  # non-feature share varies less
    weights = event_weight_matrix(product)[archetype] * feat_noise[:, feature_of_event(product)]

    tz = np.array(cat.REGION_UTC_OFFSET_HOURS)[region]
    local_created = created + (tz * US_PER_HOUR).astype(np.int64)
    signup_day = np.floor_divide(local_created - cfg.start_us, US_PER_DAY).astype(np.int32)
    signup_hour = (local_created - cfg.start_us - signup_day.astype(np.int64) * US_PER_DAY) / US_PER_HOUR

    users = Users(
        user_id=prefixed_ids(rng, n_users, "usr_", 12),
        account=account,
        email=email,
        role=role,
        created_us=created,
        invited_by=invited_by,
        opt_in=opt_in,
        archetype=archetype,
        tz_hours=tz,
        pref_hour=np.clip(rng.normal(9.5, 1.3, size=n_users), 6.5, 14.0),
        p_mult=rng.lognormal(0.0, 0.3, size=n_users),
        session_mult=rng.lognormal(0.0, 0.25, size=n_users),
        event_mult=rng.lognormal(0.0, 0.25, size=n_users),
        web_share=rng.uniform(0.55, 0.98, size=n_users),
        mobile_os=np.where(rng.random(n_users) < 0.55, cat.IOS, cat.ANDROID).astype(np.int8),
        weights=weights,
        signup_day=signup_day,
        signup_hour=signup_hour,
        milestone_day=np.full((n_users, len(cat.MILESTONES)), NEVER, dtype=np.int32),
        account_ids=accounts.account_id,
    )
    return users


def _emails(accounts: Accounts, account: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique e-mails: first.last at the company domain (some personal addresses)."""
    n = account.size
    first = arrow_take(cat.FIRST_NAMES, rng.integers(0, len(cat.FIRST_NAMES), size=n))
    last = arrow_take(cat.LAST_NAMES, rng.integers(0, len(cat.LAST_NAMES), size=n))
    personal = np.array(cat.PERSONAL_EMAIL_DOMAINS, dtype=object)[
        rng.integers(0, len(cat.PERSONAL_EMAIL_DOMAINS), size=n)
    ]
    dom = np.where(account >= 0, accounts.domain[np.maximum(account, 0)], None)
    use_personal = (account < 0) | (rng.random(n) < 0.05)
    dom = np.where(use_personal | pd.isna(dom), personal, dom)
    local = pc.binary_join_element_wise(first, last, ".")
    key = pc.binary_join_element_wise(local, pa.array(dom, type=pa.string()), "@").to_numpy(
        zero_copy_only=False
    )
    dup = pd.Series(key).groupby(key).cumcount().to_numpy()
    suffix = np.where(dup > 0, (dup + 1).astype(str), "")
    local = pc.binary_join_element_wise(local, pa.array(suffix, type=pa.string()), "")
    return to_object(pc.binary_join_element_wise(local, pa.array(dom, type=pa.string()), "@"))


def funnel_dropoff_users(users: Users, accounts: Accounts) -> np.ndarray:
    """Mask of the users the planted funnel drop-off applies to: their account starts on the free plan."""
    has_account = users.account >= 0
    mode = accounts.start_mode[np.maximum(users.account, 0)]
    return has_account & (mode == START_FREE)


def schedule_milestones(
    users: Users, accounts: Accounts, treated: np.ndarray, rng: np.random.Generator
) -> None:
    """Draw how far each user gets in the activation funnel and on which day (in order).

    Planted drop-off: users of accounts that start on the free plan convert into
    ``FUNNEL_DROPOFF_MILESTONE`` at ``FUNNEL_DROPOFF_FACTOR`` of their archetype's rate (scaling the reach of
    that step and every later one keeps the other steps' conversions unchanged).
    """
    n = users.n
    reach = np.array([p.milestone_reach for p in PROFILES])[users.archetype]
    gaps = np.array([p.milestone_gap_days for p in PROFILES])[users.archetype]
    reach[treated, 1:] = np.minimum(
        1.0, reach[treated, 1:] + EXPERIMENTS[ACTIVATION_EXPERIMENT].activation_delta
    )
    gaps[treated] *= TREATMENT_SPEEDUP
    step_idx = cat.MILESTONES.index(FUNNEL_DROPOFF_MILESTONE)
    reach[funnel_dropoff_users(users, accounts), step_idx:] *= FUNNEL_DROPOFF_FACTOR
    u = rng.random((n, 1))
    reached = (u < reach).sum(axis=1)
    step = np.floor(rng.exponential(1.0, size=(n, 4)) * gaps).astype(np.int32)
    days = np.concatenate(
        [users.signup_day[:, None], users.signup_day[:, None] + np.cumsum(step, axis=1)], axis=1
    )
    days = np.where(np.arange(len(cat.MILESTONES))[None, :] < reached[:, None], days, NEVER)
    users.milestone_day = days.astype(np.int32)


def user_index_of_account(accounts: Accounts, account: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Pick a user of each given account: ``u`` in [0, 1) selects among its users."""
    return accounts.first_user[account] + np.floor(u * accounts.n_users[account]).astype(np.int64)
