"""Parquet output: the contract's schemas, table files and the day-by-day event files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engagement.generate import catalog as cat
from engagement.generate.activity import PROP_PAGE, PROPS_EMPTY, EventBatch
from engagement.generate.arrays import arrow_take, chars_to_arrow, timestamps
from engagement.generate.config import US_PER_DAY, GeneratorConfig
from engagement.generate.dirty import EVENT_CLASS_NAMES, DirtyLog

STRING = pa.string()
TIMESTAMP = pa.timestamp("us")

CONTRACT: dict[str, pa.Schema] = {
    "app/users": pa.schema(
        [
            ("user_id", STRING),
            ("account_id", STRING),
            ("email", STRING),
            ("role", STRING),
            ("created_at", TIMESTAMP),
            ("invited_by_user_id", STRING),
            ("marketing_opt_in", pa.bool_()),
        ]
    ),
    "app/events": pa.schema(
        [
            ("event_id", STRING),
            ("user_id", STRING),
            ("anonymous_id", STRING),
            ("account_id", STRING),
            ("event_name", STRING),
            ("occurred_at", TIMESTAMP),
            ("received_at", TIMESTAMP),
            ("platform", STRING),
            ("properties", STRING),
        ]
    ),
    "app/tracking_plan": pa.schema(
        [
            ("event_name", STRING),
            ("feature", STRING),
            ("feature_tier", STRING),
            ("is_key_action", pa.bool_()),
            ("is_value_outcome", pa.bool_()),
            ("milestone", STRING),
            ("is_self_serve_help", pa.bool_()),
        ]
    ),
    "app/experiment_assignments": pa.schema(
        [
            ("experiment_id", STRING),
            ("user_id", STRING),
            ("variant", STRING),
            ("assigned_at", TIMESTAMP),
        ]
    ),
    "crm/campaign_touches": pa.schema(
        [
            ("touch_id", STRING),
            ("campaign_id", STRING),
            ("action", STRING),
            ("channel", STRING),
            ("user_id", STRING),
            ("account_id", STRING),
            ("is_holdout", pa.bool_()),
            ("sent_at", TIMESTAMP),
            ("opened_at", TIMESTAMP),
            ("clicked_at", TIMESTAMP),
            ("unsubscribed_at", TIMESTAMP),
        ]
    ),
    "crm/accounts": pa.schema(
        [
            ("account_id", STRING),
            ("account_name", STRING),
            ("domain", STRING),
            ("industry", STRING),
            ("employee_count", pa.int32()),
            ("region", STRING),
            ("csm_owner", STRING),
            ("created_at", TIMESTAMP),
        ]
    ),
    "billing/customers": pa.schema(
        [
            ("customer_id", STRING),
            ("account_id", STRING),
            ("email", STRING),
            ("created_at", TIMESTAMP),
        ]
    ),
    "billing/plans": pa.schema(
        [
            ("plan_id", STRING),
            ("plan_name", STRING),
            ("tier", STRING),
            ("billing_interval", STRING),
            ("unit_amount", pa.int64()),
            ("currency", STRING),
        ]
    ),
    "billing/subscription_changes": pa.schema(
        [
            ("change_id", STRING),
            ("subscription_id", STRING),
            ("customer_id", STRING),
            ("change_type", STRING),
            ("plan_id", STRING),
            ("seats", pa.int32()),
            ("effective_at", TIMESTAMP),
            ("cancel_at_period_end", pa.bool_()),
        ]
    ),
    "billing/invoices": pa.schema(
        [
            ("invoice_id", STRING),
            ("customer_id", STRING),
            ("subscription_id", STRING),
            ("period_start", TIMESTAMP),
            ("period_end", TIMESTAMP),
            ("amount_due", pa.int64()),
            ("amount_paid", pa.int64()),
            ("currency", STRING),
            ("status", STRING),
            ("created_at", TIMESTAMP),
        ]
    ),
    "support/tickets": pa.schema(
        [
            ("ticket_id", STRING),
            ("requester_email", STRING),
            ("created_at", TIMESTAMP),
            ("first_response_at", TIMESTAMP),
            ("solved_at", TIMESTAMP),
            ("status", STRING),
            ("priority", STRING),
            ("channel", STRING),
            ("category", STRING),
            ("csat_score", pa.int32()),
        ]
    ),
    "support/nps_responses": pa.schema(
        [
            ("response_id", STRING),
            ("respondent_email", STRING),
            ("submitted_at", TIMESTAMP),
            ("score", pa.int32()),
        ]
    ),
}
"""Every table of the raw data contract with its Arrow schema (column order as in the contract)."""

SOURCES = ("app", "crm", "billing", "support")
TRUTH_FILES = (
    "user_archetypes",
    "account_weekly_churn_probability",
    "account_churn_events",
    "experiment_effects",
    "dirty_rows",
)


def prepare_output(cfg: GeneratorConfig) -> None:
    """Remove what a previous run wrote (source folders and truth files) so a re-run is clean."""
    out = cfg.out.resolve()
    if out == Path(out.anchor) or out == Path.home().resolve():
        raise ValueError(f"refusing to write into {out}")
    for source in SOURCES:
        shutil.rmtree(out / source, ignore_errors=True)
        (out / source).mkdir(parents=True, exist_ok=True)
    (out / "app" / "events").mkdir(parents=True, exist_ok=True)
    truth = cfg.truth.resolve()
    truth.mkdir(parents=True, exist_ok=True)
    for name in TRUTH_FILES:
        (truth / f"{name}.parquet").unlink(missing_ok=True)
    (truth / "manifest.json").unlink(missing_ok=True)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write one Parquet file (zstd, deterministic content)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def write_table(cfg: GeneratorConfig, name: str, table: pa.Table) -> int:
    """Write contract table ``name`` (``source/table``) as ``<out>/<source>/<table>.parquet``."""
    table = conform(name, table)
    write_parquet(table, cfg.out / f"{name}.parquet")
    return table.num_rows


def conform(name: str, table: pa.Table) -> pa.Table:
    """Select and cast the contract's columns in the contract's order."""
    schema = CONTRACT[name]
    return table.select(schema.names).cast(schema)


def events_path(cfg: GeneratorConfig, day: int) -> Path:
    """File of the events received on simulated day ``day`` for the configured layout."""
    date = cfg.day(day).isoformat()
    root = cfg.out / "app" / "events"
    if cfg.layout == "hive":
        return root / f"date={date}" / "part-0.parquet"
    return root / f"events_{date}.parquet"


class EventSink:
    """Buffers events by the UTC day they were received and writes one file per day.

    Rows received before the first day or after the last simulated day are dropped (nothing is
    received after the as-of date). Dirty rows are logged when their file is written.
    """

    def __init__(
        self,
        cfg: GeneratorConfig,
        user_ids: pa.Array,
        account_ids: pa.Array,
        anon_ids: pa.Array,
        log: DirtyLog,
    ) -> None:
        self.cfg = cfg
        self.user_ids = user_ids
        self.account_ids = account_ids
        self.anon_ids = anon_ids
        self.log = log
        self.pending: dict[int, list[EventBatch]] = {}
        self.written_until = -1
        self.rows = 0
        self.files = 0

    def add(self, batch: EventBatch) -> None:
        """Queue a batch; rows go to the buffer of their received day."""
        day = np.floor_divide(batch.received - self.cfg.start_us, US_PER_DAY)
        keep = np.flatnonzero((day >= 0) & (day < self.cfg.n_days))
        if keep.size == 0:
            return
        order = keep[np.argsort(day[keep], kind="stable")]
        days, starts = np.unique(day[order], return_index=True)
        bounds = np.append(starts, order.size)
        for i, d in enumerate(days.tolist()):
            if d <= self.written_until:
                raise RuntimeError(f"event received on day {d} arrived after its file was written")
            self.pending.setdefault(d, []).append(batch.take(order[bounds[i] : bounds[i + 1]]))

    def flush(self, up_to_day: int) -> None:
        """Write every day up to ``up_to_day`` (inclusive), also days without events."""
        for d in range(self.written_until + 1, min(up_to_day, self.cfg.n_days - 1) + 1):
            batches = self.pending.pop(d, [])
            table = self.to_arrow(EventBatch.concat(batches) if batches else None)
            write_parquet(table, events_path(self.cfg, d))
            self.rows += table.num_rows
            self.files += 1
            self.written_until = d

    def close(self) -> None:
        """Write all remaining days."""
        self.flush(self.cfg.n_days - 1)

    def to_arrow(self, batch: EventBatch | None) -> pa.Table:
        """Events as a contract table, ordered by received_at; logs the dirty rows."""
        schema = CONTRACT["app/events"]
        if batch is None or batch.size == 0:
            return schema.empty_table()
        order = np.lexsort((batch.occurred, batch.received))
        b = batch.take(order)
        event_id = chars_to_arrow(b.id_chars)
        event_id = pc.if_else(pa.array(b.id_kind == 2), pa.scalar(""), event_id)
        event_id = pc.if_else(pa.array(b.id_kind == 3), pa.scalar("  "), event_id)
        event_id = pc.if_else(pa.array(b.id_kind == 1), pa.scalar(None, STRING), event_id)
        user_id = arrow_take(self.user_ids, b.user)
        user_id = pc.if_else(pa.array(b.user_kind == 1), pa.scalar(""), user_id)
        user_id = pc.if_else(pa.array(b.user_kind == 2), pa.scalar(" "), user_id)
        table = pa.table(
            {
                "event_id": event_id,
                "user_id": user_id,
                "anonymous_id": arrow_take(self.anon_ids, b.anon),
                "account_id": arrow_take(self.account_ids, b.account),
                "event_name": arrow_take(self.cfg.catalog.all_event_names, b.code),
                "occurred_at": timestamps(b.occurred),
                "received_at": timestamps(b.received),
                "platform": arrow_take(cat.PLATFORMS, b.platform),
                "properties": self._properties(b),
            },
            schema=schema,
        )
        dirty = np.flatnonzero(b.dirty >= 0)
        if dirty.size:
            keys = np.asarray(event_id.take(pa.array(dirty)).to_numpy(zero_copy_only=False), dtype=object)
            self.log.add("app/events", keys, np.array(EVENT_CLASS_NAMES, dtype=object)[b.dirty[dirty]])
        return table

    @staticmethod
    def _properties(b: EventBatch) -> pa.Array:
        is_page = b.prop_key == PROP_PAGE
        prefix = pc.if_else(pa.array(is_page), pa.scalar('{"page":"'), pa.scalar('{"plan":"'))
        value = pc.if_else(
            pa.array(is_page),
            arrow_take(cat.PAGE_PATHS, np.where(is_page, b.prop_value, 0)),
            arrow_take(cat.PLAN_VALUES, np.where(is_page, 0, b.prop_value)),
        )
        duration = pc.cast(pa.array(b.duration), STRING)
        props = pc.binary_join_element_wise(
            prefix, value, pa.scalar('","duration_ms":'), duration, pa.scalar("}"), ""
        )
        props = pc.if_else(pa.array(b.props_kind == PROPS_EMPTY), pa.scalar(""), props)
        bad = b.props_kind > PROPS_EMPTY
        if bad.any():
            malformed = arrow_take(cat.MALFORMED_PROPERTIES, np.where(bad, b.props_kind - 2, 0))
            props = pc.if_else(pa.array(bad), malformed, props)
        return props
