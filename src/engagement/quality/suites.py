"""The Great Expectations suites, kept as code: raw inputs (per contract table) and marts.

Each :class:`SuiteSpec` is one GX expectation suite plus the DuckDB query that produces the batch it
validates. Every expectation is marked ``critical`` (a failure stops the pipeline: the command exits
non-zero) or ``warning`` (reported only), both in GX's own ``severity`` field and in ``meta.severity``.

Thresholds follow the dbt project where it has one: a key column may be null or blank in at most
``max_quarantine_rate`` of the rows (the share at which the dbt build calls a feed broken), and an event
is late when it arrives more than ``event_lookback_days`` after it occurred (the incremental models only
reprocess that window). Freshness is measured against the data's own as-of date, never the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from engagement.quality.data import RawTable

Severity = Literal["critical", "warning"]
Layer = Literal["raw", "marts"]

#: An e-mail address anywhere in a value (search, not full match): local part, @, domain with a TLD.
#: The look-behind starts a match only where the local part can begin
#: (value start, whitespace or '@'): the same matches as without it, in linear time. Without it Python's
#: ``re.search`` is quadratic on long strings without whitespace (8 s on a 40 KB base64 string; the ML
#: registry's model artifacts are megabytes, which stalled the marts validation for over 15 minutes).
EMAIL_REGEX = r"(?<![^@\s])[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"

#: Mart columns whose values come from a governed list (macro governed_values, built as the table
#: marts.governed_values): column name -> list name. The lists themselves are read from the warehouse.
GOVERNED_COLUMNS: dict[str, str] = {
    "lifecycle_segment": "lifecycle_segment",
    "previous_lifecycle_segment": "lifecycle_segment",
    "current_lifecycle_segment": "lifecycle_segment",
    "engagement_tier": "engagement_tier",
    "previous_engagement_tier": "engagement_tier",
    "current_engagement_tier": "engagement_tier",
    "risk_band": "risk_band",
    "churn_risk_band": "risk_band",
}

#: Key columns per raw table: null (or blank) values make the row unusable (quarantined by staging).
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "app/users": ("user_id",),
    "app/events": ("event_id", "received_at"),
    "app/tracking_plan": ("event_name",),
    "app/experiment_assignments": ("experiment_id", "user_id"),
    "crm/accounts": ("account_id",),
    "billing/customers": ("customer_id",),
    "billing/plans": ("plan_id",),
    "billing/subscription_changes": ("change_id", "subscription_id", "change_type"),
    "billing/invoices": ("invoice_id",),
    "support/tickets": ("ticket_id",),
    "support/nps_responses": ("response_id",),
}

#: Primary keys that should be unique in the raw export (events and assignments repeat by design).
UNIQUE_KEYS: dict[str, str] = {
    "app/users": "user_id",
    "app/tracking_plan": "event_name",
    "crm/accounts": "account_id",
    "billing/customers": "customer_id",
    "billing/plans": "plan_id",
    "billing/subscription_changes": "change_id",
    "billing/invoices": "invoice_id",
    "support/tickets": "ticket_id",
    "support/nps_responses": "response_id",
}

#: Value ranges of the contract: (min, max), None = unbounded. Nulls are allowed where the contract says.
VALUE_RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "support/tickets": {"csat_score": (1, 5)},
    "support/nps_responses": {"score": (0, 10)},
    "billing/subscription_changes": {"seats": (0, None)},
    "crm/accounts": {"employee_count": (0, None)},
}

#: Row-count bounds of the feeds the build cannot do without (critical); other tables warn when empty.
VOLUME_BOUNDS: dict[str, tuple[int, int]] = {
    "app/events": (1, 5_000_000_000),
    "app/users": (1, 100_000_000),
    "crm/accounts": (1, 10_000_000),
}


@dataclass(frozen=True)
class Thresholds:
    """Data-dependent thresholds; the defaults mirror the dbt vars (``dbt_project.yml``)."""

    critical_null_share: float = 0.10
    warning_null_share: float = 0.01
    late_after_hours: float = 72.0
    critical_late_share: float = 0.05
    warning_late_share: float = 0.01
    critical_staleness_days: int = 7
    warning_staleness_days: int = 2

    @classmethod
    def from_dbt_vars(cls, dbt_vars: Mapping[str, Any]) -> Thresholds:
        """Take ``max_quarantine_rate`` and ``event_lookback_days`` from the dbt vars when numeric."""
        values: dict[str, float] = {}
        rate = dbt_vars.get("max_quarantine_rate")
        if isinstance(rate, int | float) and 0 < rate < 1:
            values["critical_null_share"] = float(rate)
        lookback = dbt_vars.get("event_lookback_days")
        if isinstance(lookback, int | float) and lookback > 0:
            values["late_after_hours"] = float(lookback) * 24
        return cls(**values)


@dataclass
class SuiteSpec:
    """One expectation suite and the DuckDB query producing the batch it validates."""

    name: str
    layer: Layer
    table: str
    query: str
    expectations: list[gxe.Expectation] = field(default_factory=list)
    in_warehouse: bool = True


def mark(expectation: gxe.Expectation, severity: Severity, why: str) -> gxe.Expectation:
    """Set the expectation's severity (GX field and ``meta``) and a one-line reason."""
    expectation.severity = severity  # type: ignore[assignment]
    expectation.meta = {**(expectation.meta or {}), "severity": severity, "why": why}
    return expectation


def critical(expectation: gxe.Expectation, why: str) -> gxe.Expectation:
    return mark(expectation, "critical", why)


def warning(expectation: gxe.Expectation, why: str) -> gxe.Expectation:
    return mark(expectation, "warning", why)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------------- raw inputs


def raw_schema_suite(raw: RawTable) -> SuiteSpec:
    """Every required contract column is present (extra columns and absent optional ones are fine);
    validated on the file's header only."""
    table = raw.table
    required = sorted(column for column in table.columns if column not in table.optional_columns)
    return SuiteSpec(
        name=f"raw.{table.source}.{table.name}.schema",
        layer="raw",
        table=raw.location,
        query=f"select * from {raw.reader} limit 0",
        in_warehouse=False,
        expectations=[
            critical(
                gxe.ExpectTableColumnsToMatchSet(column_set=required, exact_match=False),
                f"every required contract column of {table.path} must be exported (extra ones are ignored)",
            )
        ],
    )


def raw_data_suite(
    raw: RawTable, present: Mapping[str, str], thresholds: Thresholds, as_of: dt.date | None
) -> SuiteSpec:
    """Volumes, null shares of key columns, uniqueness, value ranges and (events) freshness and lateness.

    Key ids are validated as staging reads them: trimmed, blank = null. Only the columns the expectations
    use are loaded; an expectation on a column missing from the file fails (the schema suite says why).
    """
    table = raw.table
    present_columns = {column.lower(): data_type.upper() for column, data_type in present.items()}
    expectations: list[gxe.Expectation] = []
    selected: dict[str, str] = {}

    def use(column: str) -> None:
        if column in present_columns and column not in selected:
            expression = _ident(column)
            if table.columns.get(column) == "varchar":
                expression = f"nullif(trim(cast({expression} as varchar)), '')"
            elif present_columns[column] == "TIMESTAMP WITH TIME ZONE":
                expression = f"timezone('UTC', {expression})"
            selected[column] = f"{expression} as {_ident(column)}"

    low, high = VOLUME_BOUNDS.get(table.path, (1, None))
    if table.path in VOLUME_BOUNDS or table.required_non_empty:
        expectations.append(critical(
            gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high),
            f"the build needs a non-empty {table.path} of a sane size",
        ))
    else:
        expectations.append(warning(
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            f"an empty {table.path} export is allowed but usually a broken feed",
        ))

    for column in KEY_COLUMNS.get(table.path, ()):
        use(column)
        expectations.append(critical(
            gxe.ExpectColumnValuesToNotBeNull(column=column, mostly=1 - thresholds.critical_null_share),
            f"more than {thresholds.critical_null_share:.0%} null/blank {column} fails the dbt build "
            "(var max_quarantine_rate)",
        ))
        expectations.append(warning(
            gxe.ExpectColumnValuesToNotBeNull(column=column, mostly=1 - thresholds.warning_null_share),
            f"more than {thresholds.warning_null_share:.0%} null/blank {column} is unusually dirty",
        ))

    if table.path in UNIQUE_KEYS:
        column = UNIQUE_KEYS[table.path]
        use(column)
        expectations.append(warning(
            gxe.ExpectColumnValuesToBeUnique(column=column),
            f"{column} is the primary key of {table.path}",
        ))

    for column, (min_value, max_value) in VALUE_RANGES.get(table.path, {}).items():
        use(column)
        why = f"{column} in the contract range [{min_value}, {'' if max_value is None else max_value}]"
        expectations.append(critical(
            gxe.ExpectColumnValuesToBeBetween(
                column=column, min_value=min_value, max_value=max_value,
                mostly=1 - thresholds.critical_null_share,
            ),
            why + f"; above {thresholds.critical_null_share:.0%} out of range the feed is broken",
        ))
        expectations.append(warning(
            gxe.ExpectColumnValuesToBeBetween(column=column, min_value=min_value, max_value=max_value),
            why + "; out-of-range rows are quarantined or nulled by staging",
        ))

    if table.path == "app/events":
        expectations.extend(_event_timeliness(thresholds, as_of))
        use("received_at")
        if {"received_at", "occurred_at"} <= present_columns.keys():
            selected["arrival_delay_hours"] = (
                "date_diff('second', occurred_at, received_at) / 3600.0 as arrival_delay_hours"
            )

    select_list = ", ".join(selected.values()) or "1 as no_column_checked"
    return SuiteSpec(
        name=f"raw.{table.source}.{table.name}",
        layer="raw",
        table=raw.location,
        query=f"select {select_list} from {raw.reader}",
        in_warehouse=False,
        expectations=expectations,
    )


def _event_timeliness(thresholds: Thresholds, as_of: dt.date | None) -> list[gxe.Expectation]:
    """Freshness against the as-of date and the share of events arriving later than the lookback."""
    expectations: list[gxe.Expectation] = []
    if as_of is not None:
        day_start = dt.datetime.combine(as_of, dt.time())
        expectations.append(critical(
            gxe.ExpectColumnMaxToBeBetween(
                column="received_at",
                min_value=day_start - dt.timedelta(days=thresholds.critical_staleness_days),
            ),
            f"latest received_at within {thresholds.critical_staleness_days} days of the as-of date "
            f"{as_of} (the feed stopped?)",
        ))
        expectations.append(warning(
            gxe.ExpectColumnMaxToBeBetween(
                column="received_at",
                min_value=day_start - dt.timedelta(days=thresholds.warning_staleness_days),
            ),
            f"latest received_at within {thresholds.warning_staleness_days} days of the as-of date {as_of}",
        ))
    late = f"{thresholds.late_after_hours:g} h (var event_lookback_days)"
    expectations.append(critical(
        gxe.ExpectColumnValuesToBeBetween(
            column="arrival_delay_hours", max_value=thresholds.late_after_hours,
            mostly=1 - thresholds.critical_late_share,
        ),
        f"at most {thresholds.critical_late_share:.0%} of events arrive later than {late}: "
        "incremental runs would miss them",
    ))
    expectations.append(warning(
        gxe.ExpectColumnValuesToBeBetween(
            column="arrival_delay_hours", max_value=thresholds.late_after_hours,
            mostly=1 - thresholds.warning_late_share,
        ),
        f"at most {thresholds.warning_late_share:.0%} of events arrive later than {late}",
    ))
    return expectations


# ------------------------------------------------------------------------------------------------- marts


def mart_suites(
    catalog: Mapping[str, Mapping[str, str]], governed: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[SuiteSpec], list[str]]:
    """One suite per mart table (schemas marts and ml), plus the marketing-consent audience suite.

    ``governed`` holds the governed value lists (``marts.governed_values``: list name -> values); each
    mart column of :data:`GOVERNED_COLUMNS` is checked against its list. Returns the suites and notes on
    checks skipped because their table is absent.
    """
    suites: list[SuiteSpec] = []
    notes: list[str] = []
    governed = governed or {}
    if not governed:
        notes.append("marts.governed_values is absent: governed value list checks skipped")
    probability_tables = [
        table for table, columns in catalog.items() if "churn_probability" in columns
    ]
    if not probability_tables:
        notes.append("no table with a churn_probability column in marts/ml: probability check skipped")
    for required in ("marts.segment_membership", "marts.balanced_scorecard", "marts.account_health"):
        if required not in catalog:
            notes.append(f"{required} is absent: its checks were skipped")

    for table, columns in sorted(catalog.items()):
        spec = _mart_suite(table, columns, governed)
        if spec.expectations:
            suites.append(spec)

    if {"marts.next_best_actions", "marts.dim_users"} <= set(catalog):
        suites.append(_marketing_consent_suite())
    else:
        notes.append("marts.next_best_actions or marts.dim_users is absent: marketing consent check skipped")
    return suites, notes


def _mart_suite(table: str, columns: Mapping[str, str], governed: Mapping[str, Sequence[str]]) -> SuiteSpec:
    expectations: list[gxe.Expectation] = []
    used: list[str] = []
    derived: dict[str, str] = {}

    def use(*names: str) -> None:
        used.extend(name for name in names if name not in used)

    for column, data_type in columns.items():
        if data_type.upper() == "VARCHAR":
            use(column)
            expectations.append(critical(
                gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=EMAIL_REGEX),
                "no raw e-mail may reach a mart (only the salted email_hash)",
            ))

    if table.endswith(".segment_membership"):
        grain = [name for name in ("grain", "week_start", "user_id", "account_id") if name in columns]
        use(*grain, "lifecycle_segment")
        expectations += [
            critical(
                gxe.ExpectCompoundColumnsToBeUnique(column_list=grain),
                "exactly one segment per member-week",
            ),
            critical(
                gxe.ExpectColumnValuesToNotBeNull(column="lifecycle_segment"),
                "every member-week has a lifecycle segment",
            ),
        ]

    for column in columns:
        list_name = GOVERNED_COLUMNS.get(column)
        if list_name and governed.get(list_name):
            use(column)
            expectations.append(critical(
                gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(governed[list_name])),
                f"{column} takes the governed {list_name} values (macro governed_values)",
            ))

    for column in columns:
        if column.endswith("_probability"):
            use(column)
            expectations.append(critical(
                gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1),
                "probabilities lie in [0, 1]",
            ))

    if table.endswith(".balanced_scorecard") and {"metric", "value"} <= set(columns):
        use("value")
        derived["is_rate_metric"] = "regexp_matches(metric, '_rate(_|$)')"
        expectations.append(critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="value", min_value=0, max_value=1, row_condition=Column("is_rate_metric") == True,  # noqa: E712
            ),
            "scorecard metrics named *_rate or *_rate_<grain> are shares in [0, 1]",
        ))

    if "health_score" in columns:
        use("health_score")
        expectations.append(critical(
            gxe.ExpectColumnValuesToBeBetween(column="health_score", min_value=0, max_value=100),
            "health_score is a 0-100 score",
        ))

    schema, name = table.split(".", 1)
    select_list = ", ".join(
        [_ident(column) for column in used] + [f"{sql} as {_ident(name)}" for name, sql in derived.items()]
    )
    return SuiteSpec(
        name=table,
        layer="marts",
        table=table,
        query=f"select {select_list} from {_ident(schema)}.{_ident(name)}",
        expectations=expectations,
    )


def _marketing_consent_suite() -> SuiteSpec:
    """Rows of marketing actions (segment_playbook.is_marketing) must be users who opted in."""
    query = """
        select
            coalesce(
                case when users.is_marketing_opt_in then 'opted_in' end,
                coalesce(actions.user_id, actions.account_id) || ': no marketing consent'
            ) as consent_status,
        from marts.next_best_actions as actions
        inner join seeds.segment_playbook as playbook
            on actions.grain = playbook.grain
            and actions.segment_type = playbook.segment_type
            and actions.segment = playbook.segment
            and actions.action = playbook.action
        left join marts.dim_users as users
            on actions.user_id = users.user_id
        where playbook.is_marketing
    """
    return SuiteSpec(
        name="marts.next_best_actions.marketing_consent",
        layer="marts",
        table="marts.next_best_actions",
        query=query,
        expectations=[
            critical(
                gxe.ExpectColumnValuesToBeInSet(column="consent_status", value_set=["opted_in"]),
                "marketing actions only reach users whose marketing_opt_in is true",
            )
        ],
    )
