"""Static catalogues of the simulated product: the tracking plan, the billing plans and value lists.

Everything here is plain data. The tracking plan is written to ``app/tracking_plan`` as is; the
simulation only adds sampling hints (``unlock_stage``, ``weight``, ``server_side``) that never reach the
raw files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------------------------------
# Tracking plan
# --------------------------------------------------------------------------------------------------

MILESTONES: tuple[str, ...] = (
    "setup_complete",
    "first_key_action",
    "teammate_invited",
    "integration_connected",
    "first_value_outcome",
)
"""The activation milestones, in the order a user reaches them."""

FEATURES: dict[str, str] = {
    "workspace": "core",
    "projects": "core",
    "collaboration": "core",
    "dashboards": "core",
    "reports": "advanced",
    "integrations": "advanced",
    "exports": "advanced",
    "automations": "premium",
    "forecasting": "premium",
    "admin_security": "premium",
}
"""Product features and their tier (core, advanced, premium)."""

NON_FEATURE = "_none"
"""Pseudo feature key used for the archetype weights of non-feature events (page views, logins)."""


@dataclass(frozen=True)
class TrackedEvent:
    """One row of the tracking plan plus simulation hints.

    ``unlock_stage`` is the number of milestones a user must have reached (on an earlier day) before the
    event can be sampled as ordinary usage; milestone events themselves are emitted on schedule.
    ``weight`` is the event's relative frequency within its feature; ``server_side`` events are sent
    by the backend (platform ``api``, no device id).
    """

    event_name: str
    feature: str | None
    is_key_action: bool
    is_value_outcome: bool = False
    milestone: str | None = None
    unlock_stage: int = 2
    weight: float = 1.0
    server_side: bool = False

    @property
    def feature_tier(self) -> str | None:
        """Tier of the event's feature, null for non-feature events."""
        return FEATURES[self.feature] if self.feature is not None else None


TRACKING_PLAN: tuple[TrackedEvent, ...] = (
    # non-feature events
    TrackedEvent("session_started", None, False, unlock_stage=0, weight=0.0),
    TrackedEvent("signup_completed", None, False, unlock_stage=0, weight=0.0),
    TrackedEvent("login", None, False, unlock_stage=0, weight=0.35),
    TrackedEvent("page_viewed", None, False, unlock_stage=0, weight=3.0),
    TrackedEvent("notification_clicked", None, False, unlock_stage=0, weight=0.6),
    # workspace (core): setup, not usage
    TrackedEvent(
        "workspace_configured", "workspace", False, milestone="setup_complete", unlock_stage=1, weight=0.3
    ),
    TrackedEvent("workspace_settings_updated", "workspace", False, unlock_stage=1, weight=1.0),
    # projects (core)
    TrackedEvent("project_created", "projects", True, milestone="first_key_action", weight=0.7),
    TrackedEvent("project_updated", "projects", True, weight=1.2),
    TrackedEvent("task_created", "projects", True, weight=2.5),
    TrackedEvent("task_completed", "projects", True, weight=2.0),
    # collaboration (core)
    TrackedEvent(
        "user_invited", "collaboration", True, milestone="teammate_invited", unlock_stage=3, weight=0.3
    ),
    TrackedEvent("comment_added", "collaboration", True, weight=2.0),
    TrackedEvent("file_shared", "collaboration", True, weight=1.0),
    # dashboards (core)
    TrackedEvent("dashboard_viewed", "dashboards", True, weight=3.0),
    TrackedEvent("dashboard_created", "dashboards", True, weight=0.5),
    # reports (advanced)
    TrackedEvent("report_created", "reports", True, weight=1.0),
    TrackedEvent("report_scheduled", "reports", True, weight=0.5),
    TrackedEvent(
        "report_delivered",
        "reports",
        True,
        is_value_outcome=True,
        milestone="first_value_outcome",
        unlock_stage=5,
        weight=1.2,
        server_side=True,
    ),
    # integrations (advanced)
    TrackedEvent(
        "integration_connected",
        "integrations",
        True,
        milestone="integration_connected",
        unlock_stage=4,
        weight=0.2,
    ),
    TrackedEvent("data_sync_completed", "integrations", True, unlock_stage=4, weight=2.0, server_side=True),
    TrackedEvent("webhook_configured", "integrations", True, unlock_stage=4, weight=0.3),
    # exports (advanced)
    TrackedEvent("data_exported", "exports", True, weight=1.5),
    TrackedEvent("export_scheduled", "exports", True, weight=0.4),
    # automations (premium)
    TrackedEvent("automation_created", "automations", True, weight=0.6),
    TrackedEvent(
        "automation_ran",
        "automations",
        True,
        is_value_outcome=True,
        unlock_stage=5,
        weight=2.0,
        server_side=True,
    ),
    # forecasting (premium)
    TrackedEvent("forecast_created", "forecasting", True, weight=0.8),
    TrackedEvent(
        "forecast_generated", "forecasting", True, is_value_outcome=True, unlock_stage=5, weight=1.0
    ),
    # admin & security (premium)
    TrackedEvent("sso_configured", "admin_security", True, weight=0.2),
    TrackedEvent("audit_log_viewed", "admin_security", True, weight=1.0),
    TrackedEvent("permissions_updated", "admin_security", True, weight=0.6),
)
"""The company's tracking plan (31 events over 10 features)."""

EVENT_NAMES: tuple[str, ...] = tuple(e.event_name for e in TRACKING_PLAN)
EVENT_CODE: dict[str, int] = {name: i for i, name in enumerate(EVENT_NAMES)}

UNKNOWN_EVENT_NAMES: tuple[str, ...] = (
    "legacy_export_clicked",
    "ProjectCreated",
    "test_event",
    "debug_ping",
    "checkout_v2_viewed",
)
"""Names outside the catalogue, injected as dirty data (codes follow the catalogue's)."""

ALL_EVENT_NAMES: tuple[str, ...] = EVENT_NAMES + UNKNOWN_EVENT_NAMES

MILESTONE_EVENT_CODES: np.ndarray = np.array(
    [next(EVENT_CODE[e.event_name] for e in TRACKING_PLAN if e.milestone == m) for m in MILESTONES],
    dtype=np.int16,
)
"""Event code of each milestone, in milestone order."""

# --------------------------------------------------------------------------------------------------
# Small value lists
# --------------------------------------------------------------------------------------------------

PLATFORMS: tuple[str, ...] = ("web", "ios", "android", "api", "desktop")
"""Event platforms; ``desktop`` (code 4) is a value outside the contract list, injected as dirty data."""
WEB, IOS, ANDROID, API, DESKTOP = range(5)

PLAN_VALUES: tuple[str, ...] = ("free", "starter", "growth", "enterprise", "trial", "none")
"""Values of ``properties.plan`` on identified events (tier codes 0-3, then trial, no workspace)."""

PAGE_PATHS: tuple[str, ...] = (
    "/",
    "/pricing",
    "/features",
    "/blog/engagement-playbook",
    "/signup",
    "/customers",
    "/docs/getting-started",
)
"""Values of ``properties.page`` on anonymous marketing-site events."""

MALFORMED_PROPERTIES: tuple[str, ...] = (
    '{"plan":"growth","duration_ms":',
    "{'plan': 'starter', 'duration_ms': 530}",
    '{"plan":"growth" "duration_ms":88}',
    "plan=free&duration_ms=12",
    '{"plan":"enterprise","duration_ms":NaN',
)
"""Malformed JSON texts injected into ``properties``."""

REGIONS: tuple[str, ...] = ("NA", "EMEA", "APAC", "LATAM")
REGION_PROBS: tuple[float, ...] = (0.45, 0.30, 0.15, 0.10)
REGION_UTC_OFFSET_HOURS: tuple[float, ...] = (-5.0, 1.0, 8.0, -3.0)
REGION_TLDS: tuple[tuple[str, ...], ...] = (
    ("com", "io", "co"),
    ("de", "co.uk", "fr", "eu", "com"),
    ("com.au", "jp", "sg", "io"),
    ("com.br", "mx", "com"),
)

INDUSTRIES: tuple[str, ...] = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Media",
    "Professional Services",
    "Logistics",
    "Nonprofit",
)

SIZE_BANDS: tuple[tuple[int, int], ...] = ((1, 10), (11, 50), (51, 200), (201, 1000), (1001, 20000))
"""Employee-count bands: 1-10, 11-50, 51-200, 201-1000, 1000+."""
SIZE_BAND_PROBS: tuple[float, ...] = (0.34, 0.30, 0.19, 0.11, 0.06)

CSM_OWNERS: tuple[str, ...] = (
    "Dana Whitfield",
    "Marco Ruiz",
    "Priya Natarajan",
    "Tom Becker",
    "Aiko Tanaka",
    "Sofia Lindqvist",
    "Kwame Mensah",
)

COMPANY_WORDS_A: tuple[str, ...] = (
    "Acme",
    "Blue",
    "Nova",
    "Apex",
    "Cedar",
    "Vertex",
    "Lumen",
    "Harbor",
    "Quartz",
    "Summit",
    "Orbit",
    "Pioneer",
    "Maple",
    "Silver",
    "North",
    "Atlas",
    "Crimson",
    "Delta",
    "Evergreen",
    "Falcon",
    "Granite",
    "Helix",
    "Ion",
    "Juniper",
    "Kestrel",
    "Lattice",
    "Meridian",
    "Nimbus",
    "Onyx",
    "Prism",
    "Redwood",
    "Sable",
    "Tidal",
    "Umbra",
    "Vivid",
    "Willow",
)
COMPANY_WORDS_B: tuple[str, ...] = (
    "Analytics",
    "Labs",
    "Systems",
    "Logistics",
    "Health",
    "Retail",
    "Capital",
    "Media",
    "Works",
    "Robotics",
    "Foods",
    "Energy",
    "Studio",
    "Partners",
    "Dynamics",
    "Software",
    "Networks",
    "Learning",
    "Bank",
    "Freight",
    "Clinic",
    "Designs",
    "Ventures",
    "Cloud",
)
FIRST_NAMES: tuple[str, ...] = (
    "anna",
    "ben",
    "carla",
    "david",
    "elena",
    "felix",
    "grace",
    "hiro",
    "ines",
    "jamal",
    "kate",
    "liam",
    "maria",
    "noah",
    "olga",
    "pedro",
    "quinn",
    "rosa",
    "sam",
    "tara",
    "umar",
    "vera",
    "wei",
    "ximena",
    "yusuf",
    "zoe",
    "lucas",
    "mia",
    "omar",
    "sara",
    "arjun",
    "chloe",
    "diego",
    "emma",
    "farah",
    "jonas",
)
LAST_NAMES: tuple[str, ...] = (
    "smith",
    "garcia",
    "muller",
    "rossi",
    "tanaka",
    "kim",
    "silva",
    "novak",
    "brown",
    "dubois",
    "jensen",
    "khan",
    "lopez",
    "martin",
    "nguyen",
    "okafor",
    "patel",
    "quist",
    "schmidt",
    "taylor",
    "ueda",
    "varga",
    "walsh",
    "yilmaz",
    "zhang",
    "ahmed",
    "berg",
    "costa",
    "evans",
    "fischer",
)
PERSONAL_EMAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "outlook.com", "yahoo.com", "proton.me")

USER_ROLES: tuple[str, ...] = ("admin", "member", "viewer", "owner")
"""User roles; ``owner`` (code 3) is outside the contract list, injected as dirty data."""

# support
TICKET_PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
URGENT = 3
TICKET_CHANNELS: tuple[str, ...] = ("email", "chat", "phone", "web")
TICKET_CHANNEL_PROBS: tuple[float, ...] = (0.45, 0.30, 0.10, 0.15)
TICKET_CATEGORIES: tuple[str, ...] = (
    "how_to",
    "bug",
    "billing",
    "integration",
    "feature_request",
    "security",
)
"""Ticket categories; ``security`` (code 5) is outside the contract list, injected as dirty data."""
TICKET_CATEGORY_PROBS: tuple[float, ...] = (0.35, 0.25, 0.12, 0.15, 0.13)
TICKET_STATUSES: tuple[str, ...] = ("new", "open", "pending", "solved", "closed")

# --------------------------------------------------------------------------------------------------
# Billing plans
# --------------------------------------------------------------------------------------------------

TIERS: tuple[str, ...] = ("free", "starter", "growth", "enterprise")
FREE, STARTER, GROWTH, ENTERPRISE = range(4)
INTERVALS: tuple[str, ...] = ("month", "year")
MONTH, YEAR = range(2)
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "JPY")
USD, EUR, GBP, JPY = range(4)

MONTHLY_PRICE_MINOR: dict[str, tuple[int, int, int, int]] = {
    # per seat per month in minor units (JPY has no minor unit: the amount is in yen)
    "USD": (0, 1500, 3900, 8900),
    "EUR": (0, 1400, 3600, 8200),
    "GBP": (0, 1200, 3100, 7000),
    "JPY": (0, 2200, 5800, 13000),
}
YEARLY_MONTHS_CHARGED = 10
"""A yearly plan costs ten monthly prices (two months free)."""

FX_TO_USD: dict[str, float] = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "JPY": 0.0066}
"""Approximate value of one major unit in USD (used to convert invoices billed in another currency)."""
MINOR_DIGITS: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}

CHANGE_TYPES: tuple[str, ...] = (
    "created",
    "trial_started",
    "trial_converted",
    "plan_changed",
    "seats_changed",
    "canceled",
    "reactivated",
    "ended",
    "paused",
)
"""Subscription change types; ``paused`` (code 8) is unknown to the contract, injected as dirty data."""
(
    CT_CREATED,
    CT_TRIAL_STARTED,
    CT_TRIAL_CONVERTED,
    CT_PLAN_CHANGED,
    CT_SEATS_CHANGED,
    CT_CANCELED,
    CT_REACTIVATED,
    CT_ENDED,
    CT_PAUSED,
) = range(9)

INVOICE_STATUSES: tuple[str, ...] = ("paid", "open", "void", "uncollectible")
PAID, OPEN, VOID, UNCOLLECTIBLE = range(4)


@dataclass(frozen=True)
class Plan:
    """One billing plan (a price per seat per interval in one currency)."""

    plan_id: str
    plan_name: str
    tier: str
    billing_interval: str
    unit_amount: int
    currency: str


def build_plans() -> tuple[Plan, ...]:
    """Every plan: each tier x interval x currency (free plans are monthly only)."""
    plans: list[Plan] = []
    for currency in CURRENCIES:
        for t, tier in enumerate(TIERS):
            for i, interval in enumerate(INTERVALS):
                if tier == "free" and interval == "year":
                    continue
                monthly = MONTHLY_PRICE_MINOR[currency][t]
                amount = monthly * (YEARLY_MONTHS_CHARGED if i == YEAR else 1)
                plans.append(
                    Plan(
                        plan_id=f"plan_{tier}_{interval}ly_{currency.lower()}",
                        plan_name=f"{tier.capitalize()} ({interval}ly, {currency})",
                        tier=tier,
                        billing_interval=interval,
                        unit_amount=amount,
                        currency=currency,
                    )
                )
    return tuple(plans)


PLANS: tuple[Plan, ...] = build_plans()


def plan_index_table() -> np.ndarray:
    """Array ``[tier, interval, currency] -> index into PLANS`` (free yearly maps to free monthly)."""
    table = np.full((len(TIERS), len(INTERVALS), len(CURRENCIES)), -1, dtype=np.int16)
    for idx, plan in enumerate(PLANS):
        table[
            TIERS.index(plan.tier), INTERVALS.index(plan.billing_interval), CURRENCIES.index(plan.currency)
        ] = idx
    table[FREE, YEAR, :] = table[FREE, MONTH, :]
    return table


PLAN_INDEX: np.ndarray = plan_index_table()
PLAN_TIER: np.ndarray = np.array([TIERS.index(p.tier) for p in PLANS], dtype=np.int8)
PLAN_INTERVAL: np.ndarray = np.array([INTERVALS.index(p.billing_interval) for p in PLANS], dtype=np.int8)
PLAN_CURRENCY: np.ndarray = np.array([CURRENCIES.index(p.currency) for p in PLANS], dtype=np.int8)
PLAN_AMOUNT: np.ndarray = np.array([p.unit_amount for p in PLANS], dtype=np.int64)
