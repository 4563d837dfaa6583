"""The orchestrator: population -> week-by-week simulation (events, support, billing) -> files."""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from engagement import __version__
from engagement.generate import catalog as cat
from engagement.generate import config as C
from engagement.generate.activity import DayState, build_anonymous_traffic, simulate_day, weekly_burst
from engagement.generate.archetypes import ARCHETYPES
from engagement.generate.arrays import arrow_take, chars_to_arrow, timestamps, uuid_chars
from engagement.generate.billing import ACTIVE, CANCELING, TRIALING, BillingBook, WeekDrivers
from engagement.generate.campaigns import build_touches
from engagement.generate.campaigns import truth_manifest as campaign_manifest
from engagement.generate.defects import FeedDefects
from engagement.generate.dirty import (
    TABLE_CLASSES,
    DirtyLog,
    EventDirt,
    inject_assignments,
    inject_customers,
    inject_invoices,
    inject_nps,
    inject_subscription_changes,
    inject_tickets,
    inject_users,
)
from engagement.generate.experiments import (
    ACTIVATION_EXPERIMENT,
    EFFECT_DEFINITIONS,
    EXPERIMENTS,
    RETENTION_EXPERIMENT,
    Assignments,
    assign,
    retention_multiplier,
    true_effects,
)
from engagement.generate.health import CHURN, HealthModel
from engagement.generate.population import (
    FUNNEL_DROPOFF_FACTOR,
    FUNNEL_DROPOFF_MILESTONE,
    Accounts,
    Users,
    build_accounts,
    build_users,
    funnel_dropoff_users,
    schedule_milestones,
)
from engagement.generate.support import SupportDesk
from engagement.generate.writer import EventSink, prepare_output, write_parquet, write_table

ACCOUNT_FACTOR_FLOOR = 0.25
"""Usage multiplier of an account at zero health (it rises linearly to 1.25 at full health)."""


@dataclass
class Summary:
    """What a run produced."""

    row_counts: dict[str, int]
    event_files: int
    wall_seconds: float
    peak_rss_mib: float

    notes: tuple[str, ...] = ()
    """Non-default product and feed defects, one phrase each."""

    def line(self) -> str:
        """One-line human summary."""
        counts = " ".join(f"{k.split('/')[-1]}={v}" for k, v in self.row_counts.items())
        notes = "".join(f" | {n}" for n in self.notes)
        return (
            f"generated {counts} (events in {self.event_files} files){notes} | wall {self.wall_seconds:.1f} s"
            f" | peak RSS {self.peak_rss_mib:.0f} MiB"
        )


def tracking_plan_table(product: cat.Product = cat.DEMO) -> pa.Table:
    """The ``app/tracking_plan`` table of ``product``."""
    plan = product.tracking_plan
    return pa.table(
        {
            "event_name": [e.event_name for e in plan],
            "feature": [e.feature for e in plan],
            "feature_tier": [product.feature_tier(e) for e in plan],
            "is_key_action": [e.is_key_action for e in plan],
            "is_value_outcome": [e.is_value_outcome for e in plan],
            "milestone": [e.milestone for e in plan],
            "is_self_serve_help": [e.is_self_serve_help for e in plan],
        }
    )


def assignments_table(cfg: C.GeneratorConfig, a: Assignments, users: Users) -> pa.Table:
    """The ``app/experiment_assignments`` table (before dirty duplicates)."""
    keep = np.flatnonzero(a.assigned_us < cfg.end_us)
    keep = keep[np.lexsort((a.user[keep], a.assigned_us[keep]))]
    exp_ids = tuple(e.experiment_id for e in EXPERIMENTS)
    treatments = np.array([e.treatment for e in EXPERIMENTS], dtype=object)
    variant = np.where(a.treated[keep], treatments[a.experiment[keep]], "control")
    return pa.table(
        {
            "experiment_id": arrow_take(exp_ids, a.experiment[keep]),
            "user_id": pa.array(users.user_id[a.user[keep]], type=pa.string()),
            "variant": pa.array(variant, type=pa.string()),
            "assigned_at": timestamps(a.assigned_us[keep]),
        }
    )


def _customer_emails(accounts: Accounts, users: Users, rng: np.random.Generator) -> np.ndarray:
    """Billing contact per account: its admin, or ``billing@`` its domain."""
    admin = users.email[accounts.first_user]
    has_domain = np.array([d is not None for d in accounts.domain], dtype=bool)
    use_billing = has_domain & (rng.random(accounts.n) < 0.3)
    billing = np.array(["billing@" + str(d) for d in accounts.domain], dtype=object)
    return np.where(use_billing, billing, admin)


def generate(cfg: C.GeneratorConfig) -> Summary:
    """Generate the whole data set and the planted truth; return the run summary."""
    t0 = time.perf_counter()
    prepare_output(cfg)
    pop_rng = cfg.rng(C.STREAM_POPULATION)
    accounts = build_accounts(cfg, pop_rng)
    users = build_users(cfg, accounts, pop_rng)
    assignments = assign(cfg, users.created_us, users.account >= 0, pop_rng)
    schedule_milestones(users, accounts, assignments.treated_users(ACTIVATION_EXPERIMENT, users.n), pop_rng)
    digest_treated = assignments.treated_users(RETENTION_EXPERIMENT, users.n)
    digest_at = assignments.assigned_at(RETENTION_EXPERIMENT, users.n)
    anon = build_anonymous_traffic(cfg, users, pop_rng)
    anon_ids = chars_to_arrow(uuid_chars(pop_rng, 2 * users.n + anon.n_visitors))

    health = HealthModel(accounts.health_mu, cfg.rng(C.STREAM_HEALTH))
    billing = BillingBook(cfg, accounts, cfg.rng(C.STREAM_BILLING))
    billing.bootstrap(cfg.rng(C.STREAM_BILLING, C.SUB_BOOTSTRAP))
    support = SupportDesk(cfg, accounts, users)
    log = DirtyLog()
    product = cfg.catalog
    event_dirt = EventDirt(cfg.dirty_rate, users.created_us, product)
    defects = FeedDefects(cfg)
    sink = EventSink(
        cfg,
        pa.array(users.user_id, type=pa.string()),
        pa.array(accounts.account_id, type=pa.string()),
        anon_ids,
        log,
    )
    key_actions = np.zeros((accounts.n, cfg.weeks))
    active_days = np.zeros((users.n, 7 * cfg.weeks), dtype=bool)
    """Key action per user and simulated day (the campaign outcomes)."""
    has_acc = users.account >= 0
    health_rng = cfg.rng(C.STREAM_HEALTH, 1)

    weeks = tqdm(
        range(cfg.weeks),
        desc="simulating",
        unit="week",
        file=sys.stderr,
        disable=not cfg.progress,
        leave=False,
    )
    for week in weeks:
        week_rng = cfg.rng(C.STREAM_WEEK, week)
        h = health.step(health_rng)
        tier = billing.tier
        state = DayState(
            account_factor=(ACCOUNT_FACTOR_FLOOR + h) * billing.activity_factor(),
            account_plan=np.where(
                billing.status == TRIALING,
                cat.PLAN_VALUES.index("trial"),
                np.where(tier >= 0, tier, cat.PLAN_VALUES.index("none")),
            ),
            burst=weekly_burst(users, week_rng),
            retention=np.ones(users.n),
        )
        active = np.zeros(users.n, dtype=bool)
        for day in range(7 * week, 7 * week + 7):
            state.retention = retention_multiplier(
                digest_at, digest_treated, cfg.start_us + day * C.US_PER_DAY
            )
            result = simulate_day(day, cfg, users, anon, state, accounts.n, cfg.rng(C.STREAM_DAY, day))
            if defects.active:
                batch = defects.before_dirt(result.batch)
                batch = event_dirt.inject(batch, day, cfg.rng(C.STREAM_DIRTY_DAY, day))
                sink.add(defects.after_dirt(batch, day, cfg.rng(C.STREAM_OUTAGE, day)))
            else:
                sink.add(event_dirt.inject(result.batch, day, cfg.rng(C.STREAM_DIRTY_DAY, day)))
            active |= result.active_users
            active_days[:, day] = result.active_users
            key_actions[:, week] += result.account_key_actions
        week_end = cfg.start_us + (week + 1) * 7 * C.US_PER_DAY
        joined = np.bincount(users.account[has_acc & (users.created_us < week_end)], minlength=accounts.n)
        active_users = np.bincount(users.account[has_acc & active], minlength=accounts.n)
        live = np.isin(billing.status, (TRIALING, ACTIVE, CANCELING))
        support.step(week, h, joined, live, cfg.rng(C.STREAM_SUPPORT, week))
        drivers = WeekDrivers(
            health=h,
            joined_users=joined,
            active_users=active_users,
            weekly_key_actions=key_actions,
            urgent_open=support.urgent_open(week_end),
            nps=support.nps_ewma,
        )
        reactivated = billing.step(week, drivers, cfg.rng(C.STREAM_BILLING, week))
        health.reset(reactivated)
        sink.flush(7 * (week + 1) - 2)
    sink.close()

    # ------------------------------------------------------------------ tables with dirty data
    drng = cfg.rng(C.STREAM_DIRTY)
    rate = cfg.dirty_rate
    counts: dict[str, int] = {}
    counts["app/tracking_plan"] = write_table(cfg, "app/tracking_plan", tracking_plan_table(product))
    counts["crm/accounts"] = write_table(cfg, "crm/accounts", accounts.to_arrow())
    counts["app/users"] = write_table(cfg, "app/users", inject_users(users.to_arrow(), rate, drng, log))
    counts["app/events"] = sink.rows
    exp_table = inject_assignments(assignments_table(cfg, assignments, users), rate, cfg.end_us, drng, log)
    counts["app/experiment_assignments"] = write_table(cfg, "app/experiment_assignments", exp_table)

    brng = cfg.rng(C.STREAM_BILLING, C.SUB_OUTPUT)
    bill = billing.tables(_customer_emails(accounts, users, brng), brng)
    cust_domains = accounts.domain[billing.customer_accounts()]
    counts["billing/plans"] = write_table(cfg, "billing/plans", bill["plans"])
    counts["billing/customers"] = write_table(
        cfg, "billing/customers", inject_customers(bill["customers"], cust_domains, rate, drng, log)
    )
    counts["billing/subscription_changes"] = write_table(
        cfg,
        "billing/subscription_changes",
        inject_subscription_changes(bill["subscription_changes"], rate, cfg.end_us, drng, log),
    )
    counts["billing/invoices"] = write_table(
        cfg,
        "billing/invoices",
        inject_invoices(bill["invoices"], rate, cfg.end_us, drng, log, product.currencies),
    )

    sup, _, _ = support.tables(cfg.rng(C.STREAM_SUPPORT, C.SUB_OUTPUT))
    counts["support/tickets"] = write_table(
        cfg, "support/tickets", inject_tickets(sup["tickets"], accounts.domain, rate, drng, log)
    )
    counts["support/nps_responses"] = write_table(
        cfg, "support/nps_responses", inject_nps(sup["nps_responses"], rate, drng, log)
    )

    touches = build_touches(
        cfg,
        users.user_id,
        users.account_id_strings(),
        users.opt_in == 1,
        active_days,
        users.signup_day,
        users.milestone_day[:, : cat.ACTIVATION_MILESTONES].max(axis=1),
    )
    if cfg.campaign_touches:
        counts["crm/campaign_touches"] = write_table(cfg, "crm/campaign_touches", touches.table)

    # ------------------------------------------------------------------ planted truth
    truth = cfg.truth
    write_parquet(
        pa.table(
            {
                "user_id": pa.array(users.user_id, type=pa.string()),
                "archetype": arrow_take(ARCHETYPES, users.archetype),
            }
        ),
        truth / "user_archetypes.parquet",
    )
    write_parquet(billing.weekly_truth(), truth / "account_weekly_churn_probability.parquet")
    churn = billing.churn_truth()
    write_parquet(churn, truth / "account_churn_events.parquet")
    write_parquet(
        pa.Table.from_pylist(true_effects(assignments, users.archetype)), truth / "experiment_effects.parquet"
    )
    if cfg.campaign_touches:
        write_parquet(touches.truth, truth / "campaign_lifts.parquet")
    dirty_rows = log.to_arrow()
    write_parquet(dirty_rows, truth / "dirty_rows.parquet")

    order = [
        "app/tracking_plan",
        "crm/accounts",
        "app/users",
        "app/events",
        "app/experiment_assignments",
        "billing/plans",
        "billing/customers",
        "billing/subscription_changes",
        "billing/invoices",
        "support/tickets",
        "support/nps_responses",
        "crm/campaign_touches",
    ]
    counts = {k: counts[k] for k in order if k in counts}
    manifest = {
        "generator": "engagement.generate",
        "version": __version__,
        "seed": cfg.seed,
        "scale": cfg.scale,
        "args": cfg.as_dict(),
        "start_date": cfg.start.isoformat(),
        "as_of_date": cfg.as_of.isoformat(),
        "weeks": cfg.weeks,
        "row_counts": counts,
        "event_files": sink.files,
        "truth_row_counts": {
            "user_archetypes": users.n,
            "account_churn_events": churn.num_rows,
            "dirty_rows": dirty_rows.num_rows,
        },
        "dirty_classes": {t: [c for c, _ in classes] for t, classes in TABLE_CLASSES.items()},
        "dirty_class_counts": log.counts(),
        "product": {
            "name": product.name,
            "event_names": list(product.event_names),
            "features": product.features,
            "milestone_events": {m: list(product.milestone_events(m)) for m in cat.MILESTONES},
            "value_outcome_events": [e.event_name for e in product.tracking_plan if e.is_value_outcome],
            "unknown_event_names": list(product.unknown_event_names),
            "currencies": list(product.currencies),
            "plan_ids": [p.plan_id for p in product.plans],
        },
        "feed_defects": defects.manifest(),
        "funnel_dropoff": {
            "description": "users of accounts that start on the free plan convert into this milestone "
            "(given the one before) at conversion_factor of their archetype's rate; the plan tier in their "
            "signup week is free",
            "group_type": "plan_tier",
            "group_value": "free",
            "milestone": FUNNEL_DROPOFF_MILESTONE,
            "conversion_factor": FUNNEL_DROPOFF_FACTOR,
            "users": int(funnel_dropoff_users(users, accounts).sum()),
        },
        "campaign_touches": campaign_manifest(touches) if cfg.campaign_touches else None,
        "self_serve_help_events": [e.event_name for e in product.tracking_plan if e.is_self_serve_help],
        "archetypes": list(ARCHETYPES),
        "experiment_effect_definitions": EFFECT_DEFINITIONS,
        "churn_model": {
            "coefficients": asdict(CHURN),
            "drivers": "usage decline (last 2 vs prior 4 weeks of key actions), seat utilisation "
            "(weekly active users / seats), unresolved urgent tickets, smoothed NPS, "
            "plan tier, tenure, noise; churn_probability is null when the account "
            "is not at risk (no running paid/free subscription or < 3 weeks tenure)",
        },
    }
    (truth / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Summary(
        row_counts=counts,
        event_files=sink.files,
        wall_seconds=time.perf_counter() - t0,
        peak_rss_mib=peak,
        notes=_notes(cfg, defects),
    )


def _notes(cfg: C.GeneratorConfig, defects: FeedDefects) -> tuple[str, ...]:
    """The summary line's phrases for a non-default product and each feed defect."""
    notes: list[str] = []
    if cfg.product != "demo":
        notes.append(f"product {cfg.product}")
    if cfg.silent_milestone:
        names = ", ".join(cfg.catalog.milestone_events(cfg.silent_milestone))
        notes.append(
            f"silent milestone {cfg.silent_milestone}: {defects.withheld.get('silent_milestone', 0)} "
            f"events of {names} withheld"
        )
    if cfg.outage_start is not None:
        notes.append(
            f"outage from {cfg.outage_start} ({cfg.outage_days} days): "
            f"{defects.withheld.get('outage', 0)} events withheld, "
            f"{sum(defects.late_arrivals.values())} late arrivals during it"
        )
    if cfg.stop_event is not None:
        notes.append(
            f"{cfg.stop_event} stops after {cfg.stop_after}: {defects.withheld.get('stop_event', 0)} withheld"
        )
    return tuple(notes)
