"""Static catalogues of the simulated products: tracking plans, billing plans and value lists.

Everything here is plain data. A :class:`Product` bundles what differs from one company to another
(tracking plan, features, currencies, price list); ``PRODUCTS`` holds the demo product and ``alt``, a
second company following the same contract with other event and feature names and no USD plans. The
tracking plan is written to ``app/tracking_plan`` as is; the simulation only adds sampling hints
(``unlock_stage``, ``weight``, ``server_side``, a feature's ``like``) that never reach the raw files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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
ACTIVATION_MILESTONES = 2
"""The first this many milestones are the demo's activation requirement (seeds/activation_milestones.csv)."""

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
    is_self_serve_help: bool = False
    """The tracking plan's optional ``is_self_serve_help``: help-centre article, in-app guide, docs search."""


TRACKING_PLAN: tuple[TrackedEvent, ...] = (
    # non-feature events
    TrackedEvent("session_started", None, False, unlock_stage=0, weight=0.0),
    TrackedEvent("signup_completed", None, False, unlock_stage=0, weight=0.0),
    TrackedEvent("login", None, False, unlock_stage=0, weight=0.35),
    TrackedEvent("page_viewed", None, False, unlock_stage=0, weight=3.0),
    TrackedEvent("notification_clicked", None, False, unlock_stage=0, weight=0.6),
    TrackedEvent("help_center_searched", None, False, unlock_stage=0, weight=0.25, is_self_serve_help=True),
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

UNKNOWN_EVENT_NAMES: tuple[str, ...] = (
    "legacy_export_clicked",
    "ProjectCreated",
    "test_event",
    "debug_ping",
    "checkout_v2_viewed",
)
"""Names outside the catalogue, injected as dirty data (codes follow the catalogue's)."""

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

FX_TO_USD: dict[str, float] = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "JPY": 0.0066, "CHF": 1.13}
"""Approximate value of one major unit in USD (used to convert invoices billed in another currency)."""
MINOR_DIGITS: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "CHF": 2}

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


# --------------------------------------------------------------------------------------------------
# Products: what differs from one company to another
# --------------------------------------------------------------------------------------------------

ARCHETYPE_FEATURES: tuple[str, ...] = tuple(FEATURES)
"""The feature keys of the archetype profiles' weights (the demo's features); another product's feature
borrows the weights of the one it is ``like``."""


@dataclass(frozen=True)
class Product:
    """One company's catalogue: tracking plan, features, currencies and price list.

    The simulation machinery (archetypes, churn, billing, support) is the same for every product; it
    only reads the catalogue through this object. ``features`` maps each feature to its tier, core
    features first; ``feature_like`` maps each feature to the archetype-weight key it behaves like.
    ``session_event``, ``signup_event`` and ``page_event`` are the non-feature events the simulation
    emits itself (first event of a session, the signup, a marketing-site page view).
    """

    name: str
    features: dict[str, str]
    feature_like: dict[str, str]
    tracking_plan: tuple[TrackedEvent, ...]
    session_event: str
    signup_event: str
    page_event: str
    unknown_event_names: tuple[str, ...]
    currencies: tuple[str, ...]
    region_currency_probs: tuple[tuple[float, ...], ...]
    """Per region (``REGIONS`` order): the probability of each currency (``currencies`` order)."""
    monthly_price_minor: dict[str, tuple[int, int, int, int]]
    """Per currency: the per-seat monthly price of each tier (``TIERS`` order) in minor units."""
    yearly_months_charged: int
    plan_id_format: str
    plan_name_format: str
    """``str.format`` templates over ``tier``, ``Tier``, ``interval``, ``currency``, ``CURRENCY``."""

    def __post_init__(self) -> None:
        names = [e.event_name for e in self.tracking_plan]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate event names in the tracking plan")
        tiers = list(self.features.values())
        if tiers != sorted(tiers, key=("core", "advanced", "premium").index):
            raise ValueError(f"{self.name}: features must be listed core first, then advanced, premium")
        if set(self.feature_like) != set(self.features) or not set(self.feature_like.values()) <= set(
            ARCHETYPE_FEATURES
        ):
            raise ValueError(f"{self.name}: every feature needs an archetype-weight key it is like")
        for m in MILESTONES:
            if not any(e.milestone == m for e in self.tracking_plan):
                raise ValueError(f"{self.name}: no event is mapped to milestone {m}")
        for e in self.tracking_plan:
            if e.feature is not None and e.feature not in self.features:
                raise ValueError(f"{self.name}: {e.event_name} has unknown feature {e.feature}")
        for special in (self.session_event, self.signup_event, self.page_event):
            if special not in names:
                raise ValueError(f"{self.name}: {special} is not in the tracking plan")
        if set(self.monthly_price_minor) != set(self.currencies):
            raise ValueError(f"{self.name}: one price list per currency")
        if len(self.region_currency_probs) != len(REGIONS) or any(
            len(p) != len(self.currencies) for p in self.region_currency_probs
        ):
            raise ValueError(f"{self.name}: one currency distribution per region")

    def feature_tier(self, event: TrackedEvent) -> str | None:
        """Tier of the event's feature, null for non-feature events."""
        return self.features[event.feature] if event.feature is not None else None

    @cached_property
    def event_names(self) -> tuple[str, ...]:
        """The tracking plan's event names (an event's code is its index)."""
        return tuple(e.event_name for e in self.tracking_plan)

    @cached_property
    def event_code(self) -> dict[str, int]:
        """Event name -> code."""
        return {name: i for i, name in enumerate(self.event_names)}

    @cached_property
    def all_event_names(self) -> tuple[str, ...]:
        """Catalogue names, then the names outside it (codes follow the catalogue's)."""
        return self.event_names + self.unknown_event_names

    @cached_property
    def milestone_event_codes(self) -> np.ndarray:
        """Code of the event emitted when a user reaches each milestone (the first mapped), in order."""
        return np.array(
            [
                next(self.event_code[e.event_name] for e in self.tracking_plan if e.milestone == m)
                for m in MILESTONES
            ],
            dtype=np.int16,
        )

    def milestone_events(self, milestone: str) -> tuple[str, ...]:
        """Every event the tracking plan maps to ``milestone``."""
        return tuple(e.event_name for e in self.tracking_plan if e.milestone == milestone)

    @cached_property
    def is_key_action(self) -> np.ndarray:
        """Per code (catalogue, then unknown names): is the event a key action?"""
        return np.array(
            [e.is_key_action for e in self.tracking_plan] + [False] * len(self.unknown_event_names)
        )

    @cached_property
    def server_side(self) -> np.ndarray:
        """Per catalogue code: is the event sent by the backend?"""
        return np.array([e.server_side for e in self.tracking_plan])

    @cached_property
    def stage_allowed(self) -> np.ndarray:
        """``[stage, event]``: may the event be sampled as ordinary usage after ``stage`` milestones?"""
        unlock = np.array([e.unlock_stage for e in self.tracking_plan])
        return np.arange(len(MILESTONES) + 1)[:, None] >= unlock[None, :]

    @cached_property
    def n_core_features(self) -> int:
        """Number of core features (listed first)."""
        return sum(t == "core" for t in self.features.values())

    @cached_property
    def plans(self) -> tuple[Plan, ...]:
        """Every plan: each tier x interval x currency (free plans are monthly only)."""
        return build_plans(self)

    @cached_property
    def plan_index(self) -> np.ndarray:
        """Array ``[tier, interval, currency] -> index into plans`` (free yearly maps to free monthly)."""
        table = np.full((len(TIERS), len(INTERVALS), len(self.currencies)), -1, dtype=np.int16)
        for idx, plan in enumerate(self.plans):
            table[
                TIERS.index(plan.tier),
                INTERVALS.index(plan.billing_interval),
                self.currencies.index(plan.currency),
            ] = idx
        table[FREE, YEAR, :] = table[FREE, MONTH, :]
        return table

    @cached_property
    def plan_tier(self) -> np.ndarray:
        """Tier code of each plan."""
        return np.array([TIERS.index(p.tier) for p in self.plans], dtype=np.int8)

    @cached_property
    def plan_interval(self) -> np.ndarray:
        """Interval code of each plan."""
        return np.array([INTERVALS.index(p.billing_interval) for p in self.plans], dtype=np.int8)

    @cached_property
    def plan_currency(self) -> np.ndarray:
        """Currency code (index into ``currencies``) of each plan."""
        return np.array([self.currencies.index(p.currency) for p in self.plans], dtype=np.int8)

    @cached_property
    def plan_amount(self) -> np.ndarray:
        """Price per seat per interval of each plan (minor units)."""
        return np.array([p.unit_amount for p in self.plans], dtype=np.int64)


def build_plans(product: Product) -> tuple[Plan, ...]:
    """Every plan of ``product``: each tier x interval x currency (free plans are monthly only)."""
    plans: list[Plan] = []
    for currency in product.currencies:
        for t, tier in enumerate(TIERS):
            for i, interval in enumerate(INTERVALS):
                if tier == "free" and interval == "year":
                    continue
                monthly = product.monthly_price_minor[currency][t]
                amount = monthly * (product.yearly_months_charged if i == YEAR else 1)
                names = {
                    "tier": tier,
                    "Tier": tier.capitalize(),
                    "interval": interval,
                    "currency": currency.lower(),
                    "CURRENCY": currency,
                }
                plans.append(
                    Plan(
                        plan_id=product.plan_id_format.format(**names),
                        plan_name=product.plan_name_format.format(**names),
                        tier=tier,
                        billing_interval=interval,
                        unit_amount=amount,
                        currency=currency,
                    )
                )
    return tuple(plans)


DEMO = Product(
    name="demo",
    features=FEATURES,
    feature_like={f: f for f in FEATURES},
    tracking_plan=TRACKING_PLAN,
    session_event="session_started",
    signup_event="signup_completed",
    page_event="page_viewed",
    unknown_event_names=UNKNOWN_EVENT_NAMES,
    currencies=CURRENCIES,
    region_currency_probs=((1.0, 0, 0, 0), (0.2, 0.5, 0.3, 0), (0.65, 0, 0, 0.35), (1.0, 0, 0, 0)),
    monthly_price_minor=MONTHLY_PRICE_MINOR,
    yearly_months_charged=YEARLY_MONTHS_CHARGED,
    plan_id_format="plan_{tier}_{interval}ly_{currency}",
    plan_name_format="{Tier} ({interval}ly, {CURRENCY})",
)
"""The demo product: a project-management SaaS billed mostly in USD."""

ALT_FEATURES: dict[str, str] = {
    "locations": "core",
    "rota": "core",
    "team_chat": "core",
    "time_clock": "core",
    "payroll": "advanced",
    "pos_sync": "advanced",
    "auto_scheduling": "premium",
    "demand_forecast": "premium",
    "compliance": "premium",
}
"""The alt product's features (9, tiers as the contract's)."""

ALT_TRACKING_PLAN: tuple[TrackedEvent, ...] = (
    # non-feature events
    TrackedEvent("app_opened", None, False, unlock_stage=0, weight=0.0),
    TrackedEvent("account_registered", None, False, unlock_stage=0, weight=0.0),
    TrackedEvent("signed_in", None, False, unlock_stage=0, weight=0.4),
    TrackedEvent("screen_viewed", None, False, unlock_stage=0, weight=2.6),
    TrackedEvent("push_opened", None, False, unlock_stage=0, weight=0.8),
    TrackedEvent("help_article_read", None, False, unlock_stage=0, weight=0.3, is_self_serve_help=True),
    # locations (core): setup, not usage
    TrackedEvent(
        "location_added", "locations", False, milestone="setup_complete", unlock_stage=1, weight=0.3
    ),
    TrackedEvent("opening_hours_set", "locations", False, unlock_stage=1, weight=0.6),
    # rota (core)
    TrackedEvent("shift_published", "rota", True, milestone="first_key_action", weight=0.9),
    TrackedEvent("shift_edited", "rota", True, weight=1.8),
    TrackedEvent("shift_copied_forward", "rota", True, weight=0.7),
    TrackedEvent("open_shift_claimed", "rota", True, weight=1.2),
    TrackedEvent("time_off_approved", "rota", True, weight=0.6),
    # team_chat (core)
    TrackedEvent(
        "staff_member_added", "team_chat", True, milestone="teammate_invited", unlock_stage=3, weight=0.3
    ),
    TrackedEvent("message_sent", "team_chat", True, weight=2.8),
    # time_clock (core): attendance is routine, not a key action for this company
    TrackedEvent("clock_in_recorded", "time_clock", False, weight=2.4),
    TrackedEvent("clock_out_recorded", "time_clock", False, weight=2.1),
    TrackedEvent("timesheet_corrected", "time_clock", True, weight=0.5),
    # payroll (advanced)
    TrackedEvent("timesheet_approved", "payroll", True, weight=1.4),
    TrackedEvent(
        "payroll_run_completed",
        "payroll",
        True,
        is_value_outcome=True,
        milestone="first_value_outcome",
        unlock_stage=5,
        weight=0.8,
        server_side=True,
    ),
    # pos_sync (advanced)
    TrackedEvent(
        "pos_connected", "pos_sync", True, milestone="integration_connected", unlock_stage=4, weight=0.2
    ),
    TrackedEvent("sales_data_imported", "pos_sync", True, unlock_stage=4, weight=2.2, server_side=True),
    TrackedEvent("labour_cost_checked", "pos_sync", True, unlock_stage=4, weight=0.7),
    TrackedEvent("pos_mapping_updated", "pos_sync", True, unlock_stage=4, weight=0.2),
    # auto_scheduling (premium)
    TrackedEvent("schedule_rule_created", "auto_scheduling", True, weight=0.5),
    TrackedEvent(
        "auto_schedule_generated",
        "auto_scheduling",
        True,
        is_value_outcome=True,
        unlock_stage=5,
        weight=1.8,
        server_side=True,
    ),
    # demand_forecast (premium): a second event mapped to the first value outcome
    TrackedEvent(
        "staffing_forecast_applied",
        "demand_forecast",
        True,
        is_value_outcome=True,
        milestone="first_value_outcome",
        unlock_stage=5,
        weight=1.0,
    ),
    # compliance (premium)
    TrackedEvent("break_rule_configured", "compliance", True, weight=0.3),
    TrackedEvent("certification_tracked", "compliance", True, weight=0.7),
    TrackedEvent("compliance_alert_resolved", "compliance", True, weight=0.9),
)
"""The alt company's tracking plan (30 events over 9 features; two events reach the first value
outcome, attendance events are not key actions)."""

ALT = Product(
    name="alt",
    features=ALT_FEATURES,
    feature_like={
        "locations": "workspace",
        "rota": "projects",
        "team_chat": "collaboration",
        "time_clock": "dashboards",
        "payroll": "reports",
        "pos_sync": "integrations",
        "auto_scheduling": "automations",
        "demand_forecast": "forecasting",
        "compliance": "admin_security",
    },
    tracking_plan=ALT_TRACKING_PLAN,
    session_event="app_opened",
    signup_event="account_registered",
    page_event="screen_viewed",
    unknown_event_names=("legacy_rota_printed", "ShiftPublished", "qa_smoke_test", "kiosk_heartbeat"),
    currencies=("EUR", "GBP", "JPY", "CHF"),
    region_currency_probs=((0.5, 0.2, 0.3, 0), (0.5, 0.25, 0, 0.25), (0.1, 0, 0.9, 0), (0.6, 0, 0.4, 0)),
    monthly_price_minor={
        "EUR": (0, 600, 1900, 4900),
        "GBP": (0, 500, 1600, 4200),
        "JPY": (0, 900, 2800, 7200),
        "CHF": (0, 650, 2000, 5200),
    },
    yearly_months_charged=11,
    plan_id_format="{currency}-{tier}-{interval}",
    plan_name_format="Crew {Tier} ({CURRENCY} per {interval})",
)
"""A second company on the same contract: shift scheduling for shops and restaurants, billed in EUR,
GBP, JPY and CHF (no USD; JPY has no minor unit)."""

PRODUCTS: dict[str, Product] = {p.name: p for p in (DEMO, ALT)}
