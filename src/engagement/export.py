"""CRM audience export: this week's ``next_best_actions``, one CSV and one Parquet file per action.

``python -m engagement.export --duckdb data/engagement.duckdb --out data/exports`` writes
``<out>/<as_of_date>/<action>.csv`` and ``.parquet`` (same rows, schema :data:`EXPORT_SCHEMA`) and a
``manifest.json``. Every action of the playbook gets its files, empty when nobody is in its audience this
week, so a CRM sync can clear an audience as well as fill it.

Privacy and consent, checked before anything is written (the run fails and writes nothing otherwise):

- members are matched by ``email_hash`` (salted SHA-256 from ``dim_users``); no value may look like an
  e-mail address;
- a marketing row (the playbook's ``is_marketing`` flag, or a channel in :data:`MARKETING_CHANNELS`) must
  be a user with ``is_marketing_opt_in`` true;
- the hashes must not be made with the public demo salt (:data:`DEMO_EMAIL_SALT`, used by the build when
  ``ENGAGEMENT_EMAIL_SALT`` is unset), which makes them reversible with a dictionary of e-mails. The
  export recognises such hashes the way anyone could: it recomputes them from the warehouse's e-mails
  (``intermediate.int_users_stitched``). It refuses them (exit 2) unless ``ENGAGEMENT_ENV=demo``; then it
  writes them, says so on every run and records ``email_salt`` in ``manifest.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

# The public salt of the demo (the same literal as the dbt macro demo_email_salt; a test keeps them equal).
DEMO_EMAIL_SALT = "engagement-demo-salt"

# Channels that are marketing whatever the playbook says (consent required).
MARKETING_CHANNELS: frozenset[str] = frozenset({"email", "sms", "push"})

# The stable contract of the exported files: names, order and types never change silently.
EXPORT_SCHEMA = pa.schema(
    [
        pa.field("as_of_date", pa.date32(), nullable=False),
        pa.field("grain", pa.string(), nullable=False),
        pa.field("user_id", pa.string()),
        pa.field("account_id", pa.string()),
        pa.field("email_hash", pa.string()),
        pa.field("account_name", pa.string()),
        pa.field("action", pa.string(), nullable=False),
        pa.field("channel", pa.string()),
        pa.field("owner", pa.string()),
        pa.field("segment_type", pa.string()),
        pa.field("segment", pa.string()),
        pa.field("objective", pa.string()),
        pa.field("priority", pa.int32()),
        pa.field("success_metric", pa.string()),
        pa.field("is_marketing", pa.bool_(), nullable=False),
        pa.field("is_marketing_opt_in", pa.bool_()),
    ]
)

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
ACTION_NAME = re.compile(r"^[a-z0-9_]+$")

AUDIENCE_SQL = """
select
    actions.as_of_date,
    actions.grain,
    actions.user_id,
    actions.account_id,
    users.email_hash,
    accounts.account_name,
    actions.action,
    actions.channel,
    actions.owner,
    actions.segment_type,
    actions.segment,
    actions.objective,
    actions.priority,
    actions.success_metric,
    {is_marketing} as is_marketing,
    users.is_marketing_opt_in,
from marts.next_best_actions as actions
left join marts.dim_users as users
    on actions.grain = 'user' and actions.user_id = users.user_id
left join marts.dim_accounts as accounts
    on actions.account_id = accounts.account_id
{playbook_join}
order by actions.action, actions.grain, actions.account_id, actions.user_id
"""


class ExportError(RuntimeError):
    """The audience cannot be exported as it is (nothing was written)."""


class ConsentError(ExportError):
    """A marketing row targets someone without marketing consent."""


class RawEmailError(ExportError):
    """A value looks like a raw e-mail address."""


class DemoSaltError(ExportError):
    """The e-mail hashes were made with the public demo salt, outside a demo run."""


@dataclass(frozen=True)
class ExportResult:
    as_of_date: dt.date
    folder: Path
    rows_per_action: dict[str, int]
    email_salt: str = "unverified"

    @property
    def rows(self) -> int:
        return sum(self.rows_per_action.values())


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.sql("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {row[0] for row in rows}


def read_audience(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, list[str]]:
    """The audience as an Arrow table of :data:`EXPORT_SCHEMA`, and every action to write a file for."""
    relations = _relations(con)
    missing = [
        name
        for name in ("marts.next_best_actions", "marts.dim_users", "marts.dim_accounts")
        if name not in relations
    ]
    if missing:
        raise ExportError(f"not built: {', '.join(missing)} (run `dbt build` first)")
    marketing_channels = ", ".join(f"'{channel}'" for channel in sorted(MARKETING_CHANNELS))
    channel_rule = f"coalesce(actions.channel in ({marketing_channels}), false)"
    has_playbook = "seeds.segment_playbook" in relations
    if has_playbook:
        is_marketing = f"(coalesce(playbook.is_marketing, false) or {channel_rule})"
        playbook_join = (
            "left join (select action, bool_or(is_marketing) as is_marketing from seeds.segment_playbook "
            "group by action) as playbook on actions.action = playbook.action"
        )
    else:
        is_marketing, playbook_join = channel_rule, ""
    sql = AUDIENCE_SQL.format(is_marketing=is_marketing, playbook_join=playbook_join)
    table = con.sql(sql).arrow()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    audience = table.cast(EXPORT_SCHEMA)
    actions = set(audience.column("action").to_pylist())
    if has_playbook:
        playbook_actions = con.sql("select distinct action from seeds.segment_playbook").fetchall()
        actions |= {row[0] for row in playbook_actions}
    return audience, sorted(actions)


def check_consent(audience: pa.Table) -> None:
    """Raise :class:`ConsentError` when a marketing row is not a consenting user."""
    marketing = audience.filter(pc.equal(audience.column("is_marketing"), True))
    consenting = pc.and_(
        pc.equal(marketing.column("grain"), "user"),
        pc.fill_null(pc.equal(marketing.column("is_marketing_opt_in"), True), False),
    )
    offenders = marketing.filter(pc.invert(consenting))
    if offenders.num_rows:
        examples = ", ".join(
            f"{row['grain']} {row['user_id'] or row['account_id']} ({row['action']} via {row['channel']})"
            for row in offenders.slice(0, 5).to_pylist()
        )
        raise ConsentError(
            f"{offenders.num_rows} marketing row(s) without marketing consent, e.g. {examples}; "
            "nothing was exported. Fix next_best_actions (consent filter) before syncing."
        )


def check_no_raw_email(audience: pa.Table) -> None:
    """Raise :class:`RawEmailError` when any text value looks like an e-mail address."""
    for field in audience.schema:
        if not pa.types.is_string(field.type):
            continue
        values = audience.column(field.name).drop_null()
        hits = pc.sum(pc.match_substring_regex(values, EMAIL_PATTERN.pattern)).as_py() or 0
        if hits:
            raise RawEmailError(f"{hits} value(s) of column {field.name} look like e-mail addresses")


def email_salt_status(con: duckdb.DuckDBPyConnection) -> str:
    """``demo`` when dim_users' hashes equal the demo-salt hash of the user's e-mail, ``own`` when none do,
    ``unverified`` when the warehouse holds no e-mails to check them against."""
    relations = _relations(con)
    if not {"intermediate.int_users_stitched", "marts.dim_users"} <= relations:
        return "unverified"
    checked, demo = con.execute(
        "select count(*), count(*) filter (where users.email_hash = sha256(? || stitched.email)) "
        "from marts.dim_users as users inner join intermediate.int_users_stitched as stitched "
        "on users.user_id = stitched.user_id "
        "where users.email_hash is not null and stitched.email is not null",
        [DEMO_EMAIL_SALT],
    ).fetchone()
    if not checked:
        return "unverified"
    return "demo" if demo else "own"


def check_salt(status: str, audience: pa.Table, demo: bool) -> None:
    """Raise :class:`DemoSaltError` when demo-salt hashes would be published outside a demo run."""
    hashes = audience.num_rows - audience.column("email_hash").null_count
    if status == "demo" and hashes and not demo:
        raise DemoSaltError(
            f"{hashes} email_hash value(s) were made with the public demo salt {DEMO_EMAIL_SALT!r} "
            "(ENGAGEMENT_EMAIL_SALT was not set when dbt built the warehouse), so anyone can reverse them "
            "with a dictionary of e-mails; nothing was exported. Fix: set ENGAGEMENT_EMAIL_SALT to a "
            "secret of your own and run `dbt build` again. To export the demo data anyway, set "
            "ENGAGEMENT_ENV=demo (`make export` does for the demo warehouse)."
        )


def _as_of_date(con: duckdb.DuckDBPyConnection, audience: pa.Table) -> dt.date:
    dates = set(audience.column("as_of_date").to_pylist())
    if len(dates) > 1:
        raise ExportError(f"next_best_actions mixes as-of dates: {sorted(dates)}")
    if dates:
        return dates.pop()
    value = con.sql("select max(as_of_date) from marts.dim_users").fetchone()
    if value is None or value[0] is None:
        raise ExportError("no as-of date: next_best_actions and dim_users are empty")
    return value[0]


def _write(audience: pa.Table, actions: list[str], folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for action in actions:
        if not ACTION_NAME.match(action):
            raise ExportError(f"action {action!r} is not a safe file name (expected [a-z0-9_]+)")
        part = audience.filter(pc.equal(audience.column("action"), action))
        pq.write_table(part, folder / f"{action}.parquet")
        pa_csv.write_csv(part, folder / f"{action}.csv")
        counts[action] = part.num_rows
    return counts


SALT_NOTES = {
    "own": "own (ENGAGEMENT_EMAIL_SALT)",
    "demo": f"DEMO: public salt {DEMO_EMAIL_SALT!r}, hashes reversible; not for production",
    "unverified": "unverified (the warehouse holds no e-mails to check the hashes against)",
}


def is_demo_run() -> bool:
    """A demo run is declared with ``ENGAGEMENT_ENV=demo``; anything else is treated as production."""
    return os.environ.get("ENGAGEMENT_ENV", "").strip().lower() == "demo"


def export_audience(duckdb_path: Path, out: Path, demo: bool | None = None) -> ExportResult:
    """Check and write the audience under ``out/<as_of_date>/`` (replacing an earlier run of that date).

    ``demo`` (default: :func:`is_demo_run`) allows hashes made with the public demo salt.
    """
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        audience, actions = read_audience(con)
        as_of = _as_of_date(con, audience)
        salt = email_salt_status(con)
    check_no_raw_email(audience)
    check_consent(audience)
    check_salt(salt, audience, is_demo_run() if demo is None else demo)

    target = Path(out) / as_of.isoformat()
    staging = Path(out) / f".{as_of.isoformat()}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        counts = _write(audience, actions, staging)
        manifest = {
            "as_of_date": as_of.isoformat(),
            "source": "marts.next_best_actions + marts.dim_users + marts.dim_accounts",
            "columns": [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in EXPORT_SCHEMA],
            "files": {action: [f"{action}.csv", f"{action}.parquet"] for action in counts},
            "rows_per_action": counts,
            "rows": sum(counts.values()),
            "email_salt": SALT_NOTES[salt],
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(as_of, target, counts, salt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engagement.export",
        description="Export this week's next_best_actions audience for the CRM (CSV + Parquet per action).",
    )
    parser.add_argument("--duckdb", type=Path, required=True, help="the built warehouse (read-only)")
    parser.add_argument("--out", type=Path, required=True, help="export root; files go to OUT/<as_of_date>/")
    args = parser.parse_args(argv)
    try:
        result = export_audience(args.duckdb, args.out)
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 2
    for action, rows in result.rows_per_action.items():
        print(f"  {action:<32} {rows:>6} rows")
    print(f"wrote {result.rows} rows in {len(result.rows_per_action)} actions to {result.folder}")
    if result.email_salt == "demo":
        print(
            f"DEMO SALT: the email_hash values use the public demo salt {DEMO_EMAIL_SALT!r} "
            "(ENGAGEMENT_ENV=demo); anyone can reverse them. Not for a real CRM: set "
            "ENGAGEMENT_EMAIL_SALT and rebuild.",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
