"""Publish the marts BI tools read: a consistent copy of the built warehouse, swapped in atomically.

DuckDB allows one writer per file, and a reader holding the file makes ``dbt build`` fail on its lock (and a
build makes every reader fail for its whole run). So BI tools never open the file dbt builds:

1. ``dbt build`` writes the *working* warehouse (``ENGAGEMENT_DUCKDB_PATH``, e.g. ``data/engagement.duckdb``);
2. when the build and its tests passed (dbt exit 0, and nothing failed, errored or was skipped in its
   ``run_results.json``), ``python -m engagement.publish`` copies the published schemas (``marts`` by default;
   views become tables) into a new DuckDB file beside the *published* one, writes it to disk, and
   ``os.replace()``-s it over the published file (``ENGAGEMENT_PUBLISHED_DUCKDB_PATH``, by default
   ``<working>_bi.duckdb``, e.g. ``data/engagement_bi.duckdb``).

What that promises:

- readers never block the build: they hold the published file, which dbt never opens;
- the build never blocks readers: the published file is never written in place, only replaced by a rename;
- readers never see a half-built state: a rename is atomic, so a new connection opens either the old file or
  the new one, each complete; a connection opened before the swap keeps reading the old file (its inode stays
  alive while it is open) until it reconnects;
- a failed build, a failed test or a failed copy publishes nothing: the previous published file stays.

Readers must open the published file read-only (``duckdb.connect(path, read_only=True)``,
``duckdb -readonly path``): a read-write connection's writes would be lost at the next swap. The published
file has a ``_publish.publication`` table (one row: when, from which dbt invocation, the as-of date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

DEFAULT_SCHEMAS: tuple[str, ...] = ("marts",)
# A dbt node with one of these statuses means the build did not pass: nothing is published.
FAILED_STATUSES: frozenset[str] = frozenset({"error", "fail", "runtime error", "skipped"})
METADATA_SCHEMA = "_publish"


class PublishError(RuntimeError):
    """The publish step refused or failed; the published file is unchanged."""


@dataclass(frozen=True)
class PublishResult:
    published: Path
    tables: dict[str, int]  # "schema.table" -> rows
    seconds: float
    invocation_id: str | None

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def default_published_path(working: Path) -> Path:
    """``ENGAGEMENT_PUBLISHED_DUCKDB_PATH``, else ``<working stem>_bi.duckdb`` beside the working file."""
    env = os.environ.get("ENGAGEMENT_PUBLISHED_DUCKDB_PATH")
    if env:
        return Path(env)
    return working.with_name(f"{working.stem}_bi{working.suffix or '.duckdb'}")


def default_run_results() -> Path:
    return Path(os.environ.get("DBT_TARGET_PATH", "target")) / "run_results.json"


def check_run_results(path: Path) -> str | None:
    """Raise unless the dbt invocation recorded in ``path`` passed; return its invocation id."""
    if not path.is_file():
        raise PublishError(
            f"no dbt run results at {path}: publish runs after a `dbt build` "
            "(give --run-results PATH, or --skip-run-results-check to publish the warehouse as it is)"
        )
    payload = json.loads(path.read_text(encoding="utf-8"))
    failed = [
        f"{result.get('unique_id')} ({result.get('status')})"
        for result in payload.get("results", [])
        if str(result.get("status", "")).lower() in FAILED_STATUSES
    ]
    if failed:
        shown = ", ".join(failed[:10]) + (f" and {len(failed) - 10} more" if len(failed) > 10 else "")
        raise PublishError(f"the dbt build did not pass ({len(failed)} nodes failed or skipped: {shown})")
    return payload.get("metadata", {}).get("invocation_id")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def _publish_lock(published: Path) -> Iterator[None]:
    """Serialise publishers of the same file (readers are never locked)."""
    lock_path = published.with_name(f".{published.name}.publish.lock")
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_schemas(con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> dict[str, int]:
    """Copy every table and view of ``schemas`` from ``src`` into ``dst`` (as tables, with their comments)."""
    copied: dict[str, int] = {}
    for schema in schemas:
        relations = con.execute(
            """
            select table_name, table_type, comment
            from (
                select table_name, 'table' as table_type, comment
                from duckdb_tables() where database_name = 'src' and schema_name = $schema
                union all
                select view_name, 'view', comment
                from duckdb_views() where database_name = 'src' and schema_name = $schema and not internal
            )
            order by table_name
            """,
            {"schema": schema},
        ).fetchall()
        if not relations:
            raise PublishError(
                f"schema {schema!r} has no tables in the working warehouse: run `dbt build` first"
            )
        con.execute(f"create schema dst.{_quote(schema)}")
        for name, _kind, comment in relations:
            source = f"src.{_quote(schema)}.{_quote(name)}"
            target = f"dst.{_quote(schema)}.{_quote(name)}"
            con.execute(f"create table {target} as select * from {source}")
            if comment:
                con.execute(f"comment on table {target} is {_literal(comment)}")
            columns = con.execute(
                """
                select column_name, comment from duckdb_columns()
                where database_name = 'src' and schema_name = $schema and table_name = $name
                    and comment is not null
                """,
                {"schema": schema, "name": name},
            ).fetchall()
            for column, column_comment in columns:
                con.execute(f"comment on column {target}.{_quote(column)} is {_literal(column_comment)}")
            copied[f"{schema}.{name}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
    return copied


def _as_of_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    try:
        row = con.execute("select max(as_of_date) from src.intermediate.int_build_context").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def publish(
    working: Path,
    published: Path,
    schemas: Sequence[str] = DEFAULT_SCHEMAS,
    run_results: Path | None = None,
) -> PublishResult:
    """Copy ``schemas`` of the working warehouse to a new file and swap it over ``published`` atomically.

    ``run_results`` (a dbt ``run_results.json``): refuse unless that invocation passed. Raises
    :class:`PublishError` (and leaves ``published`` untouched) on any refusal or failure.
    """
    started = time.perf_counter()
    working, published = Path(working), Path(published)
    invocation_id = check_run_results(run_results) if run_results is not None else None
    if not working.is_file():
        raise PublishError(f"no working warehouse at {working}: run `dbt build` first")
    if working.resolve() == published.resolve():
        raise PublishError("the published file must differ from the working warehouse dbt builds")
    published.parent.mkdir(parents=True, exist_ok=True)
    memory_limit = os.environ.get("ENGAGEMENT_DUCKDB_MEMORY_LIMIT", "3GB")
    with _publish_lock(published):
        tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)
        try:
            con = duckdb.connect(":memory:", config={"memory_limit": memory_limit})
            try:
                try:
                    con.execute(f"attach {_literal(str(working))} as src (read_only)")
                except duckdb.IOException as exc:
                    raise PublishError(
                        f"cannot read the working warehouse {working} (is a dbt run still writing it?): {exc}"
                    ) from exc
                con.execute(f"attach {_literal(str(tmp))} as dst")
                tables = _copy_schemas(con, schemas)
                con.execute(f"create schema dst.{METADATA_SCHEMA}")
                con.execute(
                    f"""
                    create table dst.{METADATA_SCHEMA}.publication as select
                        cast($published_at as timestamp) as published_at,
                        cast($as_of_date as date) as as_of_date,
                        cast($invocation_id as varchar) as dbt_invocation_id,
                        cast($working as varchar) as working_path,
                        cast($schemas as varchar) as schemas,
                        cast($tables as integer) as tables,
                        cast($rows as bigint) as total_rows
                    """,
                    {
                        "published_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                        "as_of_date": _as_of_date(con),
                        "invocation_id": invocation_id,
                        "working": str(working),
                        "schemas": ",".join(schemas),
                        "tables": len(tables),
                        "rows": sum(tables.values()),
                    },
                )
                note = "One row: when this file was published, from which dbt invocation, and its as-of date."
                con.execute(f"comment on table dst.{METADATA_SCHEMA}.publication is {_literal(note)}")
                con.execute("detach dst")  # checkpoints: the file is complete, no WAL beside it
                con.execute("detach src")
            finally:
                con.close()
            _fsync(tmp)
            # A WAL beside the published file belongs to the old file (a read-write reader): it must not be
            # replayed onto the new one.
            Path(f"{published}.wal").unlink(missing_ok=True)
            os.replace(tmp, published)
            _fsync(published.parent)
        finally:
            for leftover in (tmp, Path(f"{tmp}.wal")):
                leftover.unlink(missing_ok=True)
    return PublishResult(published, tables, time.perf_counter() - started, invocation_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engagement.publish",
        description=(
            "Publish the marts for BI: copy them from the working warehouse dbt built into a new DuckDB "
            "file and swap it atomically over the published file (readers keep their snapshot until they "
            "reconnect)."
        ),
    )
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=Path(os.environ.get("ENGAGEMENT_DUCKDB_PATH", "data/engagement.duckdb")),
        help="the working warehouse dbt builds (default: $ENGAGEMENT_DUCKDB_PATH)",
    )
    parser.add_argument(
        "--to",
        type=Path,
        default=None,
        help="the file BI tools read (default: $ENGAGEMENT_PUBLISHED_DUCKDB_PATH, else <working>_bi.duckdb)",
    )
    parser.add_argument(
        "--schema",
        action="append",
        dest="schemas",
        help=f"a schema to publish, repeatable (default: {', '.join(DEFAULT_SCHEMAS)})",
    )
    parser.add_argument(
        "--run-results",
        type=Path,
        default=None,
        help="dbt's run_results.json that must show a passing build (default: $DBT_TARGET_PATH/...)",
    )
    parser.add_argument(
        "--skip-run-results-check",
        action="store_true",
        help="publish without checking dbt's run results (the caller vouches for the build)",
    )
    args = parser.parse_args(argv)
    published = args.to or default_published_path(args.duckdb)
    run_results = None if args.skip_run_results_check else (args.run_results or default_run_results())
    try:
        result = publish(args.duckdb, published, tuple(args.schemas or DEFAULT_SCHEMAS), run_results)
    except PublishError as exc:
        print(f"publish refused, nothing published ({published} unchanged): {exc}", file=sys.stderr)
        return 2
    print(
        f"published {len(result.tables)} tables ({result.rows:,} rows) from {args.duckdb} to "
        f"{result.published} in {result.seconds:.1f} s; open read-only connections see it on reconnect"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
