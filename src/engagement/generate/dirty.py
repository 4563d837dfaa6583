"""Dirty-data injection: every class the raw contract says a build must survive, logged as truth.

``--dirty-rate`` is the share of rows of a table that get a dirty class, split over that table's
classes by the weights below; every class is forced at least once whatever the rate (and the scale).
Injection draws from its own random streams, so the clean part of a data set does not depend on
the rate. Each injected row is logged as ``(table_name, row_key, dirty_class)``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engagement.generate import catalog as cat
from engagement.generate.activity import PROPS_EMPTY, EventBatch
from engagement.generate.arrays import prefixed_ids, timestamps, to_object
from engagement.generate.config import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND

# ---------------------------------------------------------------------------------------------- classes
EVENT_CLASSES: tuple[tuple[str, float], ...] = (
    ("duplicate_event_id", 0.22),
    ("null_event_id", 0.05),
    ("blank_event_id", 0.05),
    ("missing_user_and_anonymous_id", 0.05),
    ("blank_user_id", 0.05),
    ("future_occurred_at", 0.10),
    ("occurred_before_signup", 0.06),
    ("late_arrival", 0.18),
    ("unknown_event_name", 0.08),
    ("malformed_properties", 0.07),
    ("empty_properties", 0.04),
    ("unknown_platform", 0.05),
)
EVENT_CLASS_NAMES: tuple[str, ...] = tuple(name for name, _ in EVENT_CLASSES)
(
    DUPLICATE,
    NULL_ID,
    BLANK_ID,
    MISSING_IDS,
    BLANK_USER,
    FUTURE,
    BEFORE_SIGNUP,
    LATE,
    UNKNOWN_NAME,
    MALFORMED,
    EMPTY_PROPS,
    UNKNOWN_PLATFORM,
) = range(len(EVENT_CLASSES))
NEEDS_USER = (BLANK_USER, BEFORE_SIGNUP)
FORCE_FROM_DAY = 3
"""Classes not yet seen are forced from this simulated day on."""

MESSY_EMAIL = "messy_email"
UNKNOWN_ROLE = "unknown_role"
CUSTOMER_MISSING_ACCOUNT = "customer_missing_account_id"
UNKNOWN_CHANGE_TYPE = "unknown_change_type"
INVOICE_OTHER_CURRENCY = "invoice_other_currency"
INVOICE_NEGATIVE = "invoice_negative_amount"
TICKET_UNKNOWN_EMAIL_DOMAIN = "ticket_unknown_email_account_domain"
TICKET_UNKNOWN_EMAIL_NO_MATCH = "ticket_unknown_email_no_match"
UNKNOWN_TICKET_CATEGORY = "unknown_ticket_category"
DUPLICATE_ASSIGNMENT = "duplicate_assignment"

TABLE_CLASSES: dict[str, tuple[tuple[str, float], ...]] = {
    "app/events": EVENT_CLASSES,
    "app/users": ((MESSY_EMAIL, 1.0), (UNKNOWN_ROLE, 0.3)),
    "app/experiment_assignments": ((DUPLICATE_ASSIGNMENT, 1.0),),
    "billing/customers": ((CUSTOMER_MISSING_ACCOUNT, 5 / 3), (MESSY_EMAIL, 1.0)),
    "billing/subscription_changes": ((UNKNOWN_CHANGE_TYPE, 0.3),),
    "billing/invoices": ((INVOICE_OTHER_CURRENCY, 0.5), (INVOICE_NEGATIVE, 1.0)),
    "support/tickets": (
        (MESSY_EMAIL, 1.0),
        (TICKET_UNKNOWN_EMAIL_DOMAIN, 1.0),
        (TICKET_UNKNOWN_EMAIL_NO_MATCH, 1.0),
        (UNKNOWN_TICKET_CATEGORY, 0.5),
    ),
    "support/nps_responses": ((MESSY_EMAIL, 1.0),),
}
"""Every dirty class per table with its weight (multiplied by the dirty rate)."""


@dataclass
class DirtyLog:
    """The ``dirty_rows`` truth: one entry per injected dirty row."""

    tables: list[np.ndarray] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)
    classes: list[np.ndarray] = field(default_factory=list)

    def add(self, table: str, keys: np.ndarray | list[object], dirty_class: str | np.ndarray) -> None:
        """Log rows of ``table`` identified by ``keys`` (None allowed) as ``dirty_class``."""
        keys = np.asarray(keys, dtype=object)
        self.tables.append(np.full(keys.size, table, dtype=object))
        self.keys.append(keys)
        cls = np.asarray(dirty_class, dtype=object)
        self.classes.append(np.broadcast_to(cls, keys.shape).astype(object))

    def to_arrow(self) -> pa.Table:
        """The log as a table (table_name, row_key, dirty_class)."""
        cols = [
            np.concatenate(p) if p else np.zeros(0, dtype=object)
            for p in (self.tables, self.keys, self.classes)
        ]
        return pa.table(
            {
                "table_name": pa.array(cols[0], type=pa.string()),
                "row_key": pa.array(cols[1], type=pa.string()),
                "dirty_class": pa.array(cols[2], type=pa.string()),
            }
        )

    def counts(self) -> dict[str, int]:
        """Rows per ``table_name/dirty_class``."""
        out: Counter[str] = Counter()
        for t, c in zip(self.tables, self.classes, strict=True):
            out.update(f"{a}:{b}" for a, b in zip(t.tolist(), c.tolist(), strict=True))
        return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------- events
class EventDirt:
    """Injects the event classes day by day and forces every class to appear at least once."""

    def __init__(self, rate: float, signup_us: np.ndarray, product: cat.Product = cat.DEMO) -> None:
        self.rate = rate
        self.signup_us = signup_us
        self.n_catalog = len(product.tracking_plan)
        self.n_unknown = len(product.unknown_event_names)
        self.injected = np.zeros(len(EVENT_CLASSES), dtype=np.int64)

    def inject(self, batch: EventBatch, day: int, rng: np.random.Generator) -> EventBatch:
        """Return ``batch`` with dirty rows (modified in place, duplicates appended)."""
        n = batch.size
        if n == 0:
            return batch
        cum = np.cumsum([w for _, w in EVENT_CLASSES]) * self.rate
        cls = np.searchsorted(cum, rng.random(n), side="right")
        cls = np.where(cls < len(EVENT_CLASSES), cls, -1)
        identified = batch.user >= 0
        for c in NEEDS_USER:
            cls[(cls == c) & ~identified] = -1
        if day >= FORCE_FROM_DAY:
            for c in np.flatnonzero(self.injected == 0):
                if (cls == c).any():
                    continue
                cand = np.flatnonzero((cls < 0) & (identified if c in NEEDS_USER else True))
                if cand.size:
                    cls[cand[rng.integers(0, cand.size)]] = c
        self.injected += np.bincount(cls[cls >= 0], minlength=len(EVENT_CLASSES))

        def rows(c: int) -> np.ndarray:
            return np.flatnonzero(cls == c)

        r = rows(NULL_ID)
        batch.id_kind[r] = 1
        r = rows(BLANK_ID)
        batch.id_kind[r] = rng.integers(2, 4, size=r.size)
        r = rows(MISSING_IDS)
        batch.user[r] = -1
        batch.anon[r] = -1
        r = rows(BLANK_USER)
        batch.user_kind[r] = rng.integers(1, 3, size=r.size)
        r = rows(FUTURE)
        batch.occurred[r] = batch.received[r] + (rng.uniform(2, 96, size=r.size) * US_PER_HOUR).astype(
            np.int64
        )
        r = rows(BEFORE_SIGNUP)
        batch.occurred[r] = self.signup_us[batch.user[r]] - (
            rng.uniform(1, 20 * 24, size=r.size) * US_PER_HOUR
        ).astype(np.int64)
        r = rows(LATE)
        batch.received[r] = np.maximum(batch.received[r], batch.occurred[r]) + (
            rng.uniform(1, 10, size=r.size) * US_PER_DAY
        ).astype(np.int64)
        r = rows(UNKNOWN_NAME)
        batch.code[r] = self.n_catalog + rng.integers(0, self.n_unknown, size=r.size)
        r = rows(MALFORMED)
        batch.props_kind[r] = 2 + rng.integers(0, len(cat.MALFORMED_PROPERTIES), size=r.size)
        r = rows(EMPTY_PROPS)
        batch.props_kind[r] = PROPS_EMPTY
        r = rows(UNKNOWN_PLATFORM)
        batch.platform[r] = cat.DESKTOP
        flagged = (cls >= 0) & (cls != DUPLICATE)
        batch.dirty[flagged] = cls[flagged]

        r = rows(DUPLICATE)
        if r.size == 0:
            return batch
        dup = batch.take(r)
        later = rng.random(r.size) < 0.3
        shift = np.where(
            later,
            rng.uniform(1, 3, size=r.size) * US_PER_DAY,
            rng.uniform(1, 7200, size=r.size) * US_PER_SECOND,
        ).astype(np.int64)
        dup.received = dup.received + shift
        dup.dirty[:] = DUPLICATE
        return EventBatch.concat([batch, dup])


# ---------------------------------------------------------------------------------------------- helpers
def _pick(
    rng: np.random.Generator, eligible: np.ndarray, share: float, taken: np.ndarray | None = None
) -> np.ndarray:
    """Random rows among ``eligible`` (and not ``taken``): about ``share`` of them, at least one."""
    cand = np.flatnonzero(eligible if taken is None else eligible & ~taken)
    if cand.size == 0:
        return cand
    k = min(cand.size, max(1, int(rng.binomial(cand.size, min(share, 1.0)))))
    return np.sort(rng.choice(cand, size=k, replace=False))


def messy_emails(emails: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mixed-case copies of ``emails`` with surrounding whitespace (normalise back with trim+lower)."""
    if emails.size == 0:
        return emails
    arr = pa.array(emails, type=pa.string())
    variants = np.stack(
        [to_object(pc.utf8_upper(arr)), to_object(pc.utf8_capitalize(arr)), to_object(pc.utf8_title(arr))]
    )
    cased = variants[rng.integers(0, 3, size=emails.size), np.arange(emails.size)]
    pads = np.array([(" ", ""), ("", " "), (" ", " "), ("  ", " "), ("", "  ")], dtype=object)
    pad = pads[rng.integers(0, len(pads), size=emails.size)]
    return pad[:, 0] + cased + pad[:, 1]


def _set(table: pa.Table, name: str, values: np.ndarray | pa.Array) -> pa.Table:
    idx = table.schema.get_field_index(name)
    typ = table.schema.field(name).type
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=typ)
    return table.set_column(idx, name, arr)


def _col(table: pa.Table, name: str) -> np.ndarray:
    return to_object(table.column(name).combine_chunks())


def _share(table: str, dirty_class: str, rate: float) -> float:
    return rate * dict(TABLE_CLASSES[table])[dirty_class]


# ---------------------------------------------------------------------------------------------- tables
def inject_users(users: pa.Table, rate: float, rng: np.random.Generator, log: DirtyLog) -> pa.Table:
    """Messy e-mails and an unknown role (``owner``)."""
    n = users.num_rows
    ids = _col(users, "user_id")
    email = _col(users, "email")
    messy = _pick(rng, np.ones(n, bool), _share("app/users", MESSY_EMAIL, rate))
    email[messy] = messy_emails(email[messy], rng)
    role = _col(users, "role")
    owner = _pick(rng, role == "admin", _share("app/users", UNKNOWN_ROLE, rate) * 3)
    role[owner] = "owner"
    log.add("app/users", ids[messy], MESSY_EMAIL)
    log.add("app/users", ids[owner], UNKNOWN_ROLE)
    return _set(_set(users, "email", email), "role", role)


def inject_customers(
    customers: pa.Table, domains: np.ndarray, rate: float, rng: np.random.Generator, log: DirtyLog
) -> pa.Table:
    """Customers without account_id (e-mail on the account's domain) and messy e-mails.

    ``domains`` is the domain of each customer's account (None when unknown).
    """
    n = customers.num_rows
    ids = _col(customers, "customer_id")
    email = _col(customers, "email")
    has_domain = np.array([d is not None for d in domains], dtype=bool)
    orphan = _pick(rng, has_domain, _share("billing/customers", CUSTOMER_MISSING_ACCOUNT, rate))
    on_domain = np.array(
        [str(e).endswith("@" + str(d)) for e, d in zip(email[orphan], domains[orphan], strict=True)],
        dtype=bool,
    )
    billing = "billing@" + domains[orphan].astype(object)
    email[orphan] = np.where(on_domain & (rng.random(orphan.size) < 0.5), email[orphan], billing)
    account = _col(customers, "account_id")
    account[orphan] = None
    taken = np.zeros(n, dtype=bool)
    taken[orphan] = True
    messy = _pick(rng, np.ones(n, bool), _share("billing/customers", MESSY_EMAIL, rate), taken)
    email[messy] = messy_emails(email[messy], rng)
    log.add("billing/customers", ids[orphan], CUSTOMER_MISSING_ACCOUNT)
    log.add("billing/customers", ids[messy], MESSY_EMAIL)
    return _set(_set(customers, "email", email), "account_id", account)


def inject_subscription_changes(
    changes: pa.Table, rate: float, end_us: int, rng: np.random.Generator, log: DirtyLog
) -> pa.Table:
    """A few rows with an unknown change type (``paused``) between two real changes."""
    ctype = _col(changes, "change_type")
    base = np.isin(ctype, ["created", "trial_converted", "plan_changed", "seats_changed", "reactivated"])
    eff = changes.column("effective_at").cast(pa.int64()).to_numpy()
    base &= eff < end_us - 2 * US_PER_DAY
    rows = _pick(rng, base, _share("billing/subscription_changes", UNKNOWN_CHANGE_TYPE, rate))
    extra = changes.take(pa.array(rows, type=pa.int64()))
    at = np.minimum(
        eff[rows] + (rng.uniform(1, 20, size=rows.size) * US_PER_DAY).astype(np.int64), end_us - US_PER_MINUTE
    )
    new_ids = prefixed_ids(rng, rows.size, "sc_", 16, alphabet="alnum")
    extra = _set(extra, "change_id", new_ids)
    extra = _set(extra, "change_type", np.full(rows.size, "paused", dtype=object))
    extra = _set(extra, "effective_at", timestamps(at))
    extra = _set(extra, "cancel_at_period_end", np.zeros(rows.size, dtype=bool))
    log.add("billing/subscription_changes", new_ids, UNKNOWN_CHANGE_TYPE)
    out = pa.concat_tables([changes, extra])
    return out.take(pc.sort_indices(out, [("effective_at", "ascending"), ("subscription_id", "ascending")]))


def inject_invoices(
    invoices: pa.Table,
    rate: float,
    end_us: int,
    rng: np.random.Generator,
    log: DirtyLog,
    currencies: tuple[str, ...] = cat.CURRENCIES,
) -> pa.Table:
    """Invoices billed in another currency than the plan's (one of the product's ``currencies``), and
    credit notes with negative amounts."""
    n = invoices.num_rows
    ids = _col(invoices, "invoice_id")
    currency = _col(invoices, "currency")
    due = invoices.column("amount_due").to_numpy().copy()
    paid = invoices.column("amount_paid").to_numpy().copy()
    other = _pick(rng, np.ones(n, bool), _share("billing/invoices", INVOICE_OTHER_CURRENCY, rate))
    target = np.empty(other.size, dtype=object)
    for i, src in enumerate(currency[other].tolist()):
        options = [c for c in currencies if c != src]
        target[i] = options[int(rng.integers(0, len(options)))]
    factor = np.array(
        [
            cat.FX_TO_USD[s] / cat.FX_TO_USD[t] * 10.0 ** (cat.MINOR_DIGITS[t] - cat.MINOR_DIGITS[s])
            for s, t in zip(currency[other].tolist(), target.tolist(), strict=True)
        ]
    )
    due[other] = np.round(due[other] * factor).astype(np.int64)
    paid[other] = np.round(paid[other] * factor).astype(np.int64)
    currency[other] = target
    out = _set(_set(_set(invoices, "currency", currency), "amount_due", due), "amount_paid", paid)

    created = invoices.column("created_at").cast(pa.int64()).to_numpy()
    src = _pick(
        rng,
        (_col(invoices, "status") == "paid") & (created < end_us - 2 * US_PER_DAY),
        _share("billing/invoices", INVOICE_NEGATIVE, rate),
    )
    notes = out.take(pa.array(src, type=pa.int64()))
    credit = -np.maximum(1, np.round(due[src] * rng.uniform(0.1, 1.0, size=src.size))).astype(np.int64)
    at = np.minimum(
        created[src] + (rng.uniform(1, 20, size=src.size) * US_PER_DAY).astype(np.int64),
        end_us - US_PER_MINUTE,
    )
    new_ids = prefixed_ids(rng, src.size, "cn_", 16, alphabet="alnum")
    notes = _set(notes, "invoice_id", new_ids)
    notes = _set(notes, "amount_due", credit)
    notes = _set(notes, "amount_paid", credit)
    notes = _set(notes, "created_at", timestamps(at))
    log.add("billing/invoices", ids[other], INVOICE_OTHER_CURRENCY)
    log.add("billing/invoices", new_ids, INVOICE_NEGATIVE)
    out = pa.concat_tables([out, notes])
    return out.take(pc.sort_indices(out, [("created_at", "ascending"), ("invoice_id", "ascending")]))


def inject_tickets(
    tickets: pa.Table, account_domains: np.ndarray, rate: float, rng: np.random.Generator, log: DirtyLog
) -> pa.Table:
    """Messy requester e-mails, unknown requesters (at an account's domain or nowhere), new category."""
    table = "support/tickets"
    n = tickets.num_rows
    ids = _col(tickets, "ticket_id")
    email = _col(tickets, "requester_email")
    taken = np.zeros(n, dtype=bool)
    messy = _pick(rng, np.ones(n, bool), _share(table, MESSY_EMAIL, rate))
    taken[messy] = True
    email[messy] = messy_emails(email[messy], rng)
    known = np.array([d for d in account_domains if d is not None], dtype=object)
    at_domain = _pick(
        rng, np.ones(n, bool) & (known.size > 0), _share(table, TICKET_UNKNOWN_EMAIL_DOMAIN, rate), taken
    )
    taken[at_domain] = True
    roles = np.array(["it.helpdesk", "ops", "finance", "procurement", "office.manager"], dtype=object)
    email[at_domain] = (
        roles[rng.integers(0, roles.size, size=at_domain.size)]
        + "@"
        + known[rng.integers(0, max(known.size, 1), size=at_domain.size)]
    )
    nowhere = _pick(rng, np.ones(n, bool), _share(table, TICKET_UNKNOWN_EMAIL_NO_MATCH, rate), taken)
    hosts = np.array(["freemail.example", "unknown-corp.example", "mailinator.example"], dtype=object)
    email[nowhere] = (
        np.array(cat.FIRST_NAMES, dtype=object)[rng.integers(0, len(cat.FIRST_NAMES), nowhere.size)]
        + rng.integers(10, 999, size=nowhere.size).astype(str).astype(object)
        + "@"
        + hosts[rng.integers(0, hosts.size, size=nowhere.size)]
    )
    category = _col(tickets, "category")
    security = _pick(rng, np.ones(n, bool), _share(table, UNKNOWN_TICKET_CATEGORY, rate))
    category[security] = "security"
    log.add(table, ids[messy], MESSY_EMAIL)
    log.add(table, ids[at_domain], TICKET_UNKNOWN_EMAIL_DOMAIN)
    log.add(table, ids[nowhere], TICKET_UNKNOWN_EMAIL_NO_MATCH)
    log.add(table, ids[security], UNKNOWN_TICKET_CATEGORY)
    return _set(_set(tickets, "requester_email", email), "category", category)


def inject_nps(nps: pa.Table, rate: float, rng: np.random.Generator, log: DirtyLog) -> pa.Table:
    """Messy respondent e-mails."""
    email = _col(nps, "respondent_email")
    messy = _pick(rng, np.ones(nps.num_rows, bool), _share("support/nps_responses", MESSY_EMAIL, rate))
    email[messy] = messy_emails(email[messy], rng)
    log.add("support/nps_responses", _col(nps, "response_id")[messy], MESSY_EMAIL)
    return _set(nps, "respondent_email", email)


def inject_assignments(
    assignments: pa.Table, rate: float, end_us: int, rng: np.random.Generator, log: DirtyLog
) -> pa.Table:
    """Assignments that arrive twice (same experiment, user and variant; a later assigned_at)."""
    at = assignments.column("assigned_at").cast(pa.int64()).to_numpy()
    rows = _pick(
        rng, at < end_us - US_PER_DAY, _share("app/experiment_assignments", DUPLICATE_ASSIGNMENT, rate)
    )
    dup = assignments.take(pa.array(rows, type=pa.int64()))
    later = np.minimum(
        at[rows] + (rng.uniform(1, 3 * 24 * 60, size=rows.size) * US_PER_MINUTE).astype(np.int64),
        end_us - US_PER_SECOND,
    )
    dup = _set(dup, "assigned_at", timestamps(later))
    keys = _col(dup, "experiment_id") + ":" + _col(dup, "user_id")
    log.add("app/experiment_assignments", keys, DUPLICATE_ASSIGNMENT)
    out = pa.concat_tables([assignments, dup])
    return out.take(pc.sort_indices(out, [("assigned_at", "ascending"), ("user_id", "ascending")]))
