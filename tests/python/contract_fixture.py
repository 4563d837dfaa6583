"""A hand-made raw data set that follows the contract, with one planted row per dirty-data class.

Every planted row's id says what it is, so tests can assert exactly where each row ended up
(staged and cleaned, de-duplicated, or quarantined with a given reason).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

T0 = datetime(2025, 3, 3, 9, 0, 0)  # a Monday

SCHEMAS: dict[str, dict[str, pa.DataType]] = {
    "app/users": {
        "user_id": pa.string(),
        "account_id": pa.string(),
        "email": pa.string(),
        "role": pa.string(),
        "created_at": pa.timestamp("us"),
        "invited_by_user_id": pa.string(),
        "marketing_opt_in": pa.bool_(),
    },
    "app/events": {
        "event_id": pa.string(),
        "user_id": pa.string(),
        "anonymous_id": pa.string(),
        "account_id": pa.string(),
        "event_name": pa.string(),
        "occurred_at": pa.timestamp("us"),
        "received_at": pa.timestamp("us"),
        "platform": pa.string(),
        "properties": pa.string(),
    },
    "app/tracking_plan": {
        "event_name": pa.string(),
        "feature": pa.string(),
        "feature_tier": pa.string(),
        "is_key_action": pa.bool_(),
        "is_value_outcome": pa.bool_(),
        "milestone": pa.string(),
    },
    "app/experiment_assignments": {
        "experiment_id": pa.string(),
        "user_id": pa.string(),
        "variant": pa.string(),
        "assigned_at": pa.timestamp("us"),
    },
    "crm/accounts": {
        "account_id": pa.string(),
        "account_name": pa.string(),
        "domain": pa.string(),
        "industry": pa.string(),
        "employee_count": pa.int32(),
        "region": pa.string(),
        "csm_owner": pa.string(),
        "created_at": pa.timestamp("us"),
    },
    "billing/customers": {
        "customer_id": pa.string(),
        "account_id": pa.string(),
        "email": pa.string(),
        "created_at": pa.timestamp("us"),
    },
    "billing/plans": {
        "plan_id": pa.string(),
        "plan_name": pa.string(),
        "tier": pa.string(),
        "billing_interval": pa.string(),
        "unit_amount": pa.int64(),
        "currency": pa.string(),
    },
    "billing/subscription_changes": {
        "change_id": pa.string(),
        "subscription_id": pa.string(),
        "customer_id": pa.string(),
        "change_type": pa.string(),
        "plan_id": pa.string(),
        "seats": pa.int32(),
        "effective_at": pa.timestamp("us"),
        "cancel_at_period_end": pa.bool_(),
    },
    "billing/invoices": {
        "invoice_id": pa.string(),
        "customer_id": pa.string(),
        "subscription_id": pa.string(),
        "period_start": pa.timestamp("us"),
        "period_end": pa.timestamp("us"),
        "amount_due": pa.int64(),
        "amount_paid": pa.int64(),
        "currency": pa.string(),
        "status": pa.string(),
        "created_at": pa.timestamp("us"),
    },
    "support/tickets": {
        "ticket_id": pa.string(),
        "requester_email": pa.string(),
        "created_at": pa.timestamp("us"),
        "first_response_at": pa.timestamp("us"),
        "solved_at": pa.timestamp("us"),
        "status": pa.string(),
        "priority": pa.string(),
        "channel": pa.string(),
        "category": pa.string(),
        "csat_score": pa.int32(),
    },
    "support/nps_responses": {
        "response_id": pa.string(),
        "respondent_email": pa.string(),
        "submitted_at": pa.timestamp("us"),
        "score": pa.int32(),
    },
}


def _day(n: int, hours: float = 0.0) -> datetime:
    return T0 + timedelta(days=n, hours=hours)


def _event(
    event_id,
    user_id,
    anonymous_id,
    name,
    day,
    hours=0.0,
    received_delay_h=0.001,
    properties='{"source": "fixture"}',
    platform="web",
    occurred=None,
):
    occurred_at = occurred if occurred is not None else _day(day, hours)
    return {
        "event_id": event_id,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "account_id": None,
        "event_name": name,
        "occurred_at": occurred_at,
        "received_at": _day(day, hours + received_delay_h),
        "platform": platform,
        "properties": properties,
    }


def tables() -> dict[str, list[dict]]:
    """The fixture's rows per table (`<source>/<table>` -> rows)."""
    users = [
        {
            "user_id": "u1",
            "account_id": "a1",
            "email": "  Ada@Acme.COM ",
            "role": "admin",
            "created_at": _day(0),
            "invited_by_user_id": None,
            "marketing_opt_in": True,
        },
        {
            "user_id": "u2",
            "account_id": "a1",
            "email": "bob@acme.com",
            "role": "owner",  # new role value
            "created_at": _day(1),
            "invited_by_user_id": "u1",
            "marketing_opt_in": None,
        },
        {
            "user_id": "u3",
            "account_id": None,
            "email": "cy@globex.io",
            "role": "member",
            "created_at": _day(2),
            "invited_by_user_id": None,
            "marketing_opt_in": False,
        },
        {
            "user_id": "  ",
            "account_id": "a1",
            "email": "blank@acme.com",
            "role": "viewer",  # blank id
            "created_at": _day(2),
            "invited_by_user_id": None,
            "marketing_opt_in": False,
        },
    ]
    events = [
        _event("e_anon", None, "anon1", "page_viewed", 0, -1),  # pre-signup, stitched to u1
        _event("e_setup", "u1", "anon1", "workspace_configured", 0, 1),
        _event("e_key", "u1", None, "report_created", 1, 2),
        _event("e_dup", "u1", None, "report_created", 2, 3),
        _event("e_dup", "u1", None, "report_created", 2, 3, received_delay_h=5),  # retry, later copy
        _event(
            "e_future", "u2", None, "report_created", 3, 1, occurred=_day(30)
        ),  # client clock in the future
        _event(
            "e_before_signup", "u2", None, "report_created", 1, 0, occurred=_day(-20)
        ),  # occurred before signup
        _event("e_late", "u2", None, "report_delivered", 4, 1, received_delay_h=24 * 5),  # late arrival
        _event("e_unmapped", "u1", None, "brand_new_event", 5, 1),  # not in the tracking plan
        _event("e_badjson", "u1", None, "report_created", 5, 2, properties="{not json"),
        _event("e_emptyjson", "u1", None, "report_created", 5, 3, properties=""),
        _event("e_desktop", "u3", None, "report_created", 6, 1, platform="desktop"),  # new platform
        _event(None, "u1", None, "report_created", 6, 2),  # null event_id
        _event("   ", "u1", None, "report_created", 6, 3),  # blank event_id
        _event("e_noident", None, None, "report_created", 6, 4),  # neither user nor anonymous id
        _event("e_blankuser", " ", "anon9", "page_viewed", 6, 5),  # blank user_id, anonymous kept
    ]
    tracking_plan = [
        {
            "event_name": "page_viewed",
            "feature": None,
            "feature_tier": None,
            "is_key_action": False,
            "is_value_outcome": False,
            "milestone": None,
        },
        {
            "event_name": "workspace_configured",
            "feature": "workspace",
            "feature_tier": "core",
            "is_key_action": True,
            "is_value_outcome": False,
            "milestone": "setup_complete",
        },
        {
            "event_name": "report_created",
            "feature": "reports",
            "feature_tier": "core",
            "is_key_action": True,
            "is_value_outcome": False,
            "milestone": "first_key_action",
        },
        {
            "event_name": "report_delivered",
            "feature": "reports",
            "feature_tier": "core",
            "is_key_action": True,
            "is_value_outcome": True,
            "milestone": "first_value_outcome",
        },
    ]
    experiment_assignments = [
        {"experiment_id": "x1", "user_id": "u1", "variant": "control", "assigned_at": _day(0)},
        {"experiment_id": "x1", "user_id": "u2", "variant": "new_onboarding", "assigned_at": _day(1)},
        {"experiment_id": "x1", "user_id": "u2", "variant": "new_onboarding", "assigned_at": _day(2)},  # dup
    ]
    accounts = [
        {
            "account_id": "a1",
            "account_name": "Acme",
            "domain": "acme.com",
            "industry": "software",
            "employee_count": 40,
            "region": "EMEA",
            "csm_owner": "jo",
            "created_at": _day(-10),
        },
        {
            "account_id": "a2",
            "account_name": "Globex",
            "domain": "globex.io",
            "industry": "retail",
            "employee_count": None,
            "region": "NA",
            "csm_owner": None,
            "created_at": _day(-5),
        },
    ]
    customers = [
        {"customer_id": "cus_1", "account_id": "a1", "email": "billing@acme.com", "created_at": _day(0)},
        {
            "customer_id": "cus_2",
            "account_id": None,
            "email": " AP@Globex.io",
            "created_at": _day(2),
        },  # no account
    ]
    plans = [
        {
            "plan_id": "p_growth_m",
            "plan_name": "Growth",
            "tier": "growth",
            "billing_interval": "month",
            "unit_amount": 2000,
            "currency": "usd",
        },
        {
            "plan_id": "p_growth_y_jpy",
            "plan_name": "Growth JP",
            "tier": "growth",
            "billing_interval": "year",
            "unit_amount": 36000,
            "currency": "JPY",
        },
    ]
    subscription_changes = [
        {
            "change_id": "c1",
            "subscription_id": "s1",
            "customer_id": "cus_1",
            "change_type": "created",
            "plan_id": "p_growth_m",
            "seats": 5,
            "effective_at": _day(0),
            "cancel_at_period_end": False,
        },
        {
            "change_id": "c2",
            "subscription_id": "s2",
            "customer_id": "cus_2",
            "change_type": "created",
            "plan_id": "p_growth_y_jpy",
            "seats": 3,
            "effective_at": _day(2),
            "cancel_at_period_end": False,
        },
        {
            "change_id": "c3",
            "subscription_id": "s1",
            "customer_id": "cus_1",
            "change_type": "paused",  # unknown
            "plan_id": "p_growth_m",
            "seats": 5,
            "effective_at": _day(4),
            "cancel_at_period_end": False,
        },
    ]
    invoices = [
        {
            "invoice_id": "in_1",
            "customer_id": "cus_1",
            "subscription_id": "s1",
            "period_start": _day(0),
            "period_end": _day(30),
            "amount_due": 10000,
            "amount_paid": 10000,
            "currency": "USD",
            "status": "paid",
            "created_at": _day(0),
        },
        {
            "invoice_id": "in_2",
            "customer_id": "cus_2",
            "subscription_id": "s2",
            "period_start": _day(2),
            "period_end": _day(367),
            "amount_due": 108000,
            "amount_paid": 108000,
            "currency": "JPY",
            "status": "paid",
            "created_at": _day(2),
        },
        {
            "invoice_id": "in_credit",
            "customer_id": "cus_1",
            "subscription_id": "s1",
            "period_start": _day(0),
            "period_end": _day(30),
            "amount_due": -2000,
            "amount_paid": -2000,
            "currency": "EUR",
            "status": "paid",
            "created_at": _day(5),
        },
    ]
    tickets = [
        {
            "ticket_id": "t_user",
            "requester_email": "ADA@acme.com ",
            "created_at": _day(3),
            "first_response_at": _day(3, 1),
            "solved_at": _day(4),
            "status": "solved",
            "priority": "urgent",
            "channel": "email",
            "category": "bug",
            "csat_score": 4,
        },
        {
            "ticket_id": "t_domain",
            "requester_email": "someone@globex.io",
            "created_at": _day(4),
            "first_response_at": None,
            "solved_at": None,
            "status": "open",
            "priority": "high",
            "channel": "chat",
            "category": "security",
            "csat_score": None,
        },
        {
            "ticket_id": "t_unknown",
            "requester_email": "who@nowhere.example",
            "created_at": _day(5),
            "first_response_at": None,
            "solved_at": None,
            "status": "new",
            "priority": "low",
            "channel": "web",
            "category": "how_to",
            "csat_score": None,
        },
    ]
    nps = [
        {"response_id": "n1", "respondent_email": "ada@acme.com", "submitted_at": _day(6), "score": 9},
        {"response_id": "n2", "respondent_email": "bob@acme.com", "submitted_at": _day(6), "score": 3},
        {"response_id": "n_bad", "respondent_email": "cy@globex.io", "submitted_at": _day(6), "score": 11},
    ]
    return {
        "app/users": users,
        "app/events": events,
        "app/tracking_plan": tracking_plan,
        "app/experiment_assignments": experiment_assignments,
        "crm/accounts": accounts,
        "billing/customers": customers,
        "billing/plans": plans,
        "billing/subscription_changes": subscription_changes,
        "billing/invoices": invoices,
        "support/tickets": tickets,
        "support/nps_responses": nps,
    }


def write(root: Path, events_as_folder: bool = True) -> Path:
    """Write the fixture under `root` (events as one file per received day when `events_as_folder`)."""
    for name, rows in tables().items():
        schema = pa.schema(list(SCHEMAS[name].items()))
        table = pa.Table.from_pylist(rows, schema=schema)
        if name == "app/events" and events_as_folder:
            folder = root / name
            folder.mkdir(parents=True, exist_ok=True)
            days = sorted({row["received_at"].date() for row in rows})
            for day in days:
                part = [row for row in rows if row["received_at"].date() == day]
                pq.write_table(pa.Table.from_pylist(part, schema=schema), folder / f"events_{day}.parquet")
        else:
            path = root / f"{name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, path)
    return root
