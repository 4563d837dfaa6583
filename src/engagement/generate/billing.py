"""Subscription billing: a week-by-week state machine per account, its change log and invoices."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from engagement.generate import catalog as cat
from engagement.generate.arrays import arrow_take, prefixed_ids, timestamps
from engagement.generate.config import US_PER_DAY, US_PER_MINUTE, GeneratorConfig, add_months
from engagement.generate.health import churn_probability, sigmoid, usage_decline
from engagement.generate.population import START_FREE, START_PAID, START_TRIAL, Accounts

NONE, TRIALING, ACTIVE, CANCELING, ENDED = range(5)
TRIAL_DAYS = 14
MIN_TENURE_WEEKS_AT_RISK = 3


@dataclass
class _Log:
    """Append-only column buffers."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **cols: np.ndarray) -> None:
        for name, values in cols.items():
            self.columns.setdefault(name, []).append(np.asarray(values))

    def concat(self, name: str, dtype: type | str) -> np.ndarray:
        parts = self.columns.get(name, [])
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


@dataclass
class WeekDrivers:
    """What the churn model sees of one account-week (all arrays over accounts)."""

    health: np.ndarray
    joined_users: np.ndarray
    active_users: np.ndarray
    weekly_key_actions: np.ndarray
    urgent_open: np.ndarray
    nps: np.ndarray


class BillingBook:
    """Subscriptions of all accounts (one subscription per account, kept through reactivations)."""

    def __init__(self, cfg: GeneratorConfig, accounts: Accounts, rng: np.random.Generator) -> None:
        n = accounts.n
        self.cfg = cfg
        self.product = cfg.catalog
        self.accounts = accounts
        self.status = np.full(n, NONE, dtype=np.int8)
        self.plan = np.full(n, -1, dtype=np.int16)
        self.seats = np.maximum(1, np.round(accounts.n_users * rng.uniform(0.5, 1.0, size=n))).astype(
            np.int64
        )
        self.period_start = np.zeros(n, dtype=np.int64)
        self.period_end = np.zeros(n, dtype=np.int64)
        self.trial_end = np.zeros(n, dtype=np.int64)
        self.sub_start = np.zeros(n, dtype=np.int64)
        self.last_change = np.zeros(n, dtype=np.int64)
        self.customer_created = np.zeros(n, dtype=np.int64)
        self.open_churn = np.full(n, -1, dtype=np.int64)
        self.ended_by_churn = np.zeros(n, dtype=bool)
        self.subscription_id = prefixed_ids(rng, n, "sub_", 14, alphabet="alnum")
        self.customer_id = prefixed_ids(rng, n, "cus_", 14, alphabet="alnum")
        self.changes = _Log()
        self.invoices = _Log()
        self.churn_account: list[int] = []
        self.churn_at: list[int] = []
        self.reactivated_at: list[int] = []
        self.weekly = _Log()

    # ---------------------------------------------------------------- helpers
    @property
    def tier(self) -> np.ndarray:
        """Plan tier per account (-1 without a plan)."""
        return np.where(self.plan >= 0, self.product.plan_tier[np.maximum(self.plan, 0)], -1)

    def _plan_for(self, idx: np.ndarray, tier: np.ndarray | int) -> np.ndarray:
        acc = self.accounts
        return self.product.plan_index[tier, acc.interval[idx], acc.currency[idx]].astype(np.int16)

    def _months(self, idx: np.ndarray) -> np.ndarray:
        return np.where(self.product.plan_interval[self.plan[idx]] == cat.YEAR, 12, 1)

    def _change(self, idx: np.ndarray, ctype: int, at: np.ndarray, cancel: bool = False) -> None:
        if idx.size == 0:
            return
        self.changes.add(
            account=idx,
            change_type=np.full(idx.size, ctype, dtype=np.int8),
            plan=self.plan[idx].copy(),
            seats=self.seats[idx].copy(),
            effective_us=at,
            cancel=np.full(idx.size, cancel),
        )
        self.last_change[idx] = np.maximum(self.last_change[idx], at)

    def _start_period(
        self, idx: np.ndarray, start: np.ndarray, health: np.ndarray, rng: np.random.Generator
    ) -> None:
        """Open a billing period at ``start`` and invoice it (paid tiers only)."""
        self.period_start[idx] = start
        self.period_end[idx] = add_months(start, self._months(idx))
        paid = idx[self.product.plan_tier[self.plan[idx]] != cat.FREE]
        if paid.size == 0:
            return
        created = self.period_start[paid] + rng.integers(1, 120, size=paid.size) * US_PER_MINUTE
        amount = self.product.plan_amount[self.plan[paid]] * self.seats[paid]
        recent = created > self.cfg.end_us - 7 * US_PER_DAY
        u = rng.random(paid.size)
        p_unc = 0.01 + 0.12 * (1.0 - health[paid]) ** 2
        status = np.where(u < p_unc, cat.UNCOLLECTIBLE, np.where(u < p_unc + 0.015, cat.VOID, cat.PAID))
        status = np.where(recent & (rng.random(paid.size) < 0.7), cat.OPEN, status)
        self.invoices.add(
            account=paid,
            plan=self.plan[paid].copy(),
            period_start=self.period_start[paid].copy(),
            period_end=self.period_end[paid].copy(),
            amount_due=amount,
            amount_paid=np.where(status == cat.PAID, amount, 0),
            status=status.astype(np.int8),
            created_us=created,
        )

    def _in_week(self, lo: int, rng: np.random.Generator, idx: np.ndarray) -> np.ndarray:
        """A random moment of the week starting at ``lo``, after each account's last change."""
        at = lo + (rng.random(idx.size) * 7 * US_PER_DAY).astype(np.int64)
        return np.maximum(at, self.last_change[idx] + US_PER_MINUTE)

    # ---------------------------------------------------------------- history before the start
    def bootstrap(self, rng: np.random.Generator) -> None:
        """Subscriptions of accounts created before the period, with their invoice history."""
        acc = self.accounts
        idx = np.flatnonzero(acc.created_us < self.cfg.start_us)
        if idx.size == 0:
            return
        tier = np.where(acc.start_mode[idx] == START_FREE, cat.FREE, acc.paid_tier[idx])
        self.plan[idx] = self._plan_for(idx, tier)
        start = acc.created_us[idx] + rng.integers(2, 30, size=idx.size) * US_PER_MINUTE
        self.customer_created[idx] = start - US_PER_MINUTE
        self.sub_start[idx] = start
        self.status[idx] = ACTIVE
        self._change(idx, cat.CT_CREATED, start)
        healthy = np.ones(acc.n)
        pending = idx
        period = start
        while pending.size:
            self._start_period(pending, period, healthy, rng)
            keep = self.period_end[pending] <= self.cfg.start_us
            pending, period = pending[keep], self.period_end[pending][keep]

    # ---------------------------------------------------------------- one simulated week
    def step(self, week: int, drivers: WeekDrivers, rng: np.random.Generator) -> np.ndarray:
        """Advance all subscriptions through week ``week``; return accounts reactivated this week."""
        cfg, acc = self.cfg, self.accounts
        lo = cfg.start_us + week * 7 * US_PER_DAY
        hi = lo + 7 * US_PER_DAY
        health = drivers.health

        # 1. new accounts open a subscription (trial, free or paid)
        new = np.flatnonzero((self.status == NONE) & (acc.created_us < hi) & (self.sub_start == 0))
        if new.size:
            at = acc.created_us[new] + rng.integers(2, 30, size=new.size) * US_PER_MINUTE
            self.customer_created[new] = at - US_PER_MINUTE
            self.sub_start[new] = at
            mode = acc.start_mode[new]
            trial, free, paid = new[mode == START_TRIAL], new[mode == START_FREE], new[mode == START_PAID]
            self.plan[trial] = self._plan_for(trial, cat.GROWTH)
            self.plan[free] = self._plan_for(free, cat.FREE)
            self.plan[paid] = self._plan_for(paid, acc.paid_tier[paid])
            self.status[trial] = TRIALING
            self.trial_end[trial] = at[mode == START_TRIAL] + TRIAL_DAYS * US_PER_DAY
            self._change(trial, cat.CT_TRIAL_STARTED, at[mode == START_TRIAL])
            direct = new[mode != START_TRIAL]
            self.status[direct] = ACTIVE
            self._change(direct, cat.CT_CREATED, at[mode != START_TRIAL])
            self._start_period(direct, at[mode != START_TRIAL], health, rng)

        # 2. trials end: convert or end
        ending = np.flatnonzero((self.status == TRIALING) & (self.trial_end < hi))
        if ending.size:
            util = drivers.active_users[ending] / np.maximum(self.seats[ending], 1)
            p = sigmoid(0.2 + 3.0 * (health[ending] - 0.55) + 1.5 * (util - 0.3))
            conv = rng.random(ending.size) < p
            won, lost = ending[conv], ending[~conv]
            self.plan[won] = self._plan_for(won, acc.paid_tier[won])
            self.status[won] = ACTIVE
            self.sub_start[won] = self.trial_end[won]
            self._change(won, cat.CT_TRIAL_CONVERTED, self.trial_end[won])
            self._start_period(won, self.trial_end[won], health, rng)
            self.status[lost] = ENDED
            self._change(lost, cat.CT_ENDED, self.trial_end[lost])

        # 3. periods roll over: renew (and invoice) or end after a cancellation
        for _ in range(2):
            due = np.flatnonzero(np.isin(self.status, (ACTIVE, CANCELING)) & (self.period_end < hi))
            if due.size == 0:
                break
            ends = due[self.status[due] == CANCELING]
            self.status[ends] = ENDED
            self.ended_by_churn[ends] = True
            self._change(ends, cat.CT_ENDED, self.period_end[ends], cancel=True)
            renew = due[self.status[due] == ACTIVE]
            self.last_change[renew] = np.maximum(self.last_change[renew], self.period_end[renew])
            self._start_period(renew, self.period_end[renew].copy(), health, rng)

        # 4. churn: sample cancellations from the true weekly probability
        tenure_weeks = (hi - self.sub_start) / (7 * US_PER_DAY)
        at_risk = (self.status == ACTIVE) & (tenure_weeks >= MIN_TENURE_WEEKS_AT_RISK)
        util = drivers.active_users / np.maximum(self.seats, 1)
        p = churn_probability(
            usage_decline(drivers.weekly_key_actions, week),
            util,
            drivers.urgent_open,
            drivers.nps,
            np.maximum(self.tier, 0),
            tenure_weeks,
            rng,
        )
        p = np.where(at_risk, p, np.nan)
        exists = acc.created_us < hi
        self.weekly.add(
            account=np.flatnonzero(exists),
            week=np.full(int(exists.sum()), week, dtype=np.int32),
            p=p[exists],
            health=health[exists],
        )
        churned = np.flatnonzero(at_risk & (rng.random(acc.n) < np.nan_to_num(p)))
        if week == cfg.weeks // 2 and not self.churn_account and churned.size == 0 and at_risk.any():
            # a small data set still shows the whole churn path: force the riskiest account out
            churned = np.array([int(np.nanargmax(p))])
        if churned.size:
            at = self._in_week(lo, rng, churned)
            self.status[churned] = CANCELING
            self._change(churned, cat.CT_CANCELED, at, cancel=True)
            self.open_churn[churned] = len(self.churn_account) + np.arange(churned.size)
            self.churn_account.extend(churned.tolist())
            self.churn_at.extend(at.tolist())
            self.reactivated_at.extend([-1] * churned.size)

        # 5. reactivations: withdraw a cancellation, or come back after the end
        fresh = np.zeros(acc.n, dtype=bool)
        fresh[churned] = True
        undo = np.flatnonzero(
            (self.status == CANCELING) & ~fresh & (rng.random(acc.n) < np.where(health > 0.5, 0.03, 0.01))
        )
        back = np.flatnonzero((self.status == ENDED) & self.ended_by_churn & (rng.random(acc.n) < 0.006))
        if undo.size:
            at = self._in_week(lo, rng, undo)
            self.status[undo] = ACTIVE
            self._change(undo, cat.CT_REACTIVATED, at)
            self._close_churn(undo, at)
        if back.size:
            at = self._in_week(lo, rng, back)
            down = (rng.random(back.size) < 0.3) & (self.tier[back] > cat.STARTER)
            self.plan[back] = self._plan_for(back, self.tier[back] - down.astype(np.int8))
            self.status[back] = ACTIVE
            self.ended_by_churn[back] = False
            self.sub_start[back] = at
            self._change(back, cat.CT_REACTIVATED, at)
            self._start_period(back, at, health, rng)
            self._close_churn(back, at)

        # 6. plan changes: healthy accounts upgrade, unhealthy ones downgrade
        steady = (self.status == ACTIVE) & ~fresh & (self.sub_start < lo)
        tier = self.tier
        up_p = np.where(tier == cat.FREE, 0.02, 0.007)
        up = np.flatnonzero(steady & (tier < cat.ENTERPRISE) & (health > 0.65) & (rng.random(acc.n) < up_p))
        down = np.flatnonzero(steady & (tier > cat.FREE) & (health < 0.35) & (rng.random(acc.n) < 0.012))
        for idx, delta in ((up, 1), (down, -1)):
            if idx.size:
                self.plan[idx] = self._plan_for(idx, tier[idx] + delta)
                self._change(idx, cat.CT_PLAN_CHANGED, self._in_week(lo, rng, idx))

        # 7. seat changes: grow with the team, shrink when seats sit unused
        grow = np.flatnonzero(steady & (drivers.joined_users > self.seats) & (rng.random(acc.n) < 0.35))
        shrink = np.flatnonzero(
            steady & (util < 0.35) & (health < 0.45) & (self.seats > 1) & (rng.random(acc.n) < 0.03)
        )
        shrink = np.setdiff1d(shrink, grow)
        if grow.size:
            self.seats[grow] = drivers.joined_users[grow] + rng.integers(0, 3, size=grow.size)
            self._change(grow, cat.CT_SEATS_CHANGED, self._in_week(lo, rng, grow))
        if shrink.size:
            self.seats[shrink] = np.maximum(1, np.ceil(drivers.active_users[shrink] * 1.3)).astype(np.int64)
            self._change(shrink, cat.CT_SEATS_CHANGED, self._in_week(lo, rng, shrink))
        return back

    def customer_accounts(self) -> np.ndarray:
        """Accounts that have a billing customer by the end of the period (in customer-table order)."""
        return np.flatnonzero((self.customer_created > 0) & (self.customer_created < self.cfg.end_us))

    def _close_churn(self, idx: np.ndarray, at: np.ndarray) -> None:
        rows = self.open_churn[idx]
        for row, when in zip(rows.tolist(), at.tolist(), strict=True):
            if row >= 0:
                self.reactivated_at[row] = when
        self.open_churn[idx] = -1

    # ---------------------------------------------------------------- output
    def activity_factor(self) -> np.ndarray:
        """Usage multiplier by subscription status (cancelling accounts fade, ended ones stop)."""
        return np.array([1.0, 1.0, 1.0, 0.45, 0.03])[self.status]

    def tables(self, customer_email: np.ndarray, rng: np.random.Generator) -> dict[str, pa.Table]:
        """``billing/plans``, ``billing/customers``, ``billing/subscription_changes``, ``billing/invoices``.

        ``customer_email`` is the billing contact of every account (its admin, or billing@ its domain).
        """
        end = self.cfg.end_us
        acc = self.accounts
        cust = self.customer_accounts()
        product_plans = self.product.plans
        plans = pa.table(
            {
                "plan_id": [p.plan_id for p in product_plans],
                "plan_name": [p.plan_name for p in product_plans],
                "tier": [p.tier for p in product_plans],
                "billing_interval": [p.billing_interval for p in product_plans],
                "unit_amount": pa.array([p.unit_amount for p in product_plans], type=pa.int64()),
                "currency": [p.currency for p in product_plans],
            }
        )
        customers = pa.table(
            {
                "customer_id": pa.array(self.customer_id[cust], type=pa.string()),
                "account_id": pa.array(acc.account_id[cust], type=pa.string()),
                "email": pa.array(customer_email[cust], type=pa.string()),
                "created_at": timestamps(self.customer_created[cust]),
            }
        )

        ch_acc = self.changes.concat("account", np.int64)
        eff = self.changes.concat("effective_us", np.int64)
        keep = eff < end
        order = np.lexsort((ch_acc[keep], eff[keep]))
        sel = np.flatnonzero(keep)[order]
        ch_acc = ch_acc[sel]
        plan = self.changes.concat("plan", np.int64)[sel]
        changes = pa.table(
            {
                "change_id": pa.array(
                    prefixed_ids(rng, sel.size, "sc_", 16, alphabet="alnum"), type=pa.string()
                ),
                "subscription_id": pa.array(self.subscription_id[ch_acc], type=pa.string()),
                "customer_id": pa.array(self.customer_id[ch_acc], type=pa.string()),
                "change_type": arrow_take(
                    cat.CHANGE_TYPES, self.changes.concat("change_type", np.int64)[sel]
                ),
                "plan_id": arrow_take(tuple(p.plan_id for p in product_plans), plan),
                "seats": pa.array(self.changes.concat("seats", np.int32)[sel], type=pa.int32()),
                "effective_at": timestamps(eff[sel]),
                "cancel_at_period_end": pa.array(self.changes.concat("cancel", bool)[sel], type=pa.bool_()),
            }
        )

        inv_acc = self.invoices.concat("account", np.int64)
        created = self.invoices.concat("created_us", np.int64)
        keep = created < end
        order = np.lexsort((inv_acc[keep], created[keep]))
        sel = np.flatnonzero(keep)[order]
        inv_acc = inv_acc[sel]
        inv_plan = self.invoices.concat("plan", np.int64)[sel]
        invoices = pa.table(
            {
                "invoice_id": pa.array(
                    prefixed_ids(rng, sel.size, "in_", 16, alphabet="alnum"), type=pa.string()
                ),
                "customer_id": pa.array(self.customer_id[inv_acc], type=pa.string()),
                "subscription_id": pa.array(self.subscription_id[inv_acc], type=pa.string()),
                "period_start": timestamps(self.invoices.concat("period_start", np.int64)[sel]),
                "period_end": timestamps(self.invoices.concat("period_end", np.int64)[sel]),
                "amount_due": pa.array(self.invoices.concat("amount_due", np.int64)[sel], type=pa.int64()),
                "amount_paid": pa.array(self.invoices.concat("amount_paid", np.int64)[sel], type=pa.int64()),
                "currency": arrow_take(self.product.currencies, self.product.plan_currency[inv_plan]),
                "status": arrow_take(cat.INVOICE_STATUSES, self.invoices.concat("status", np.int64)[sel]),
                "created_at": timestamps(created[sel]),
            }
        )
        return {"plans": plans, "customers": customers, "subscription_changes": changes, "invoices": invoices}

    def churn_truth(self) -> pa.Table:
        """``account_churn_events``: every realised churn (cancellation) and its reactivation, if any."""
        acc = np.asarray(self.churn_account, dtype=np.int64)
        at = np.asarray(self.churn_at, dtype=np.int64)
        back = np.asarray(self.reactivated_at, dtype=np.int64)
        keep = at < self.cfg.end_us
        back_ok = (back >= 0) & (back < self.cfg.end_us)
        return pa.table(
            {
                "account_id": pa.array(self.accounts.account_id[acc[keep]], type=pa.string()),
                "churned_at": timestamps(at[keep]),
                "reactivated_at": pa.array(
                    np.where(back_ok, back, 0)[keep], type=pa.int64(), mask=~back_ok[keep]
                ).cast(pa.timestamp("us")),
            }
        )

    def weekly_truth(self) -> pa.Table:
        """``account_weekly_churn_probability``: health and churn probability per account-week."""
        acc = self.weekly.concat("account", np.int64)
        week = self.weekly.concat("week", np.int64)
        p = self.weekly.concat("p", np.float64)
        start = np.datetime64(self.cfg.start, "D")
        return pa.table(
            {
                "account_id": pa.array(self.accounts.account_id[acc], type=pa.string()),
                "week_start": pa.array(start + week * 7, type=pa.date32()),
                "churn_probability": pa.array(p, mask=np.isnan(p), type=pa.float64()),
                "health": pa.array(self.weekly.concat("health", np.float64), type=pa.float64()),
            }
        )
