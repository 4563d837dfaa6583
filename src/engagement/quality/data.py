"""DuckDB access for the quality suites: raw Parquet under the raw root, and the marts of a DuckDB file.

Every function opens its own connection and closes it before returning (the warehouse file read-only),
so no connection is left open while GX validates or while dbt runs next.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from engagement.quality.contract import ContractTable

#: Schemas whose tables are marts (dbt's `marts` folder and the ML outputs).
MART_SCHEMAS: tuple[str, ...] = ("marts", "ml")


class DataUnavailable(Exception):
    """A raw table or the DuckDB file cannot be read; the message names the path and the fix."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class RawTable:
    """Where a contract table's Parquet is, and the DuckDB expression that reads it."""

    table: ContractTable
    location: str
    is_folder: bool

    @property
    def reader(self) -> str:
        hive = ", hive_partitioning = true" if self.is_folder else ""
        return f"read_parquet({_quote(self.location)}, union_by_name = true{hive})"


def locate_raw(root: Path, table: ContractTable) -> RawTable:
    """The table's file ``<source>/<table>.parquet`` or its folder ``<source>/<table>/**/*.parquet``."""
    single = root / f"{table.path}.parquet"
    folder = root / table.path
    folder_files = sorted(folder.glob("**/*.parquet")) if folder.is_dir() else []
    if single.is_file() and folder_files:
        raise DataUnavailable(
            f"{table.path}: both {single} and a folder of Parquet files under {folder} exist; "
            "keep exactly one."
        )
    if single.is_file():
        return RawTable(table, str(single), is_folder=False)
    if folder_files:
        return RawTable(table, f"{folder}/**/*.parquet", is_folder=True)
    raise DataUnavailable(
        f"{table.path}: no Parquet found at {single} nor {folder}/**/*.parquet. Fix: export the table there, "
        f"or point --raw-root / ENGAGEMENT_RAW_ROOT at the folder that holds app/, crm/, billing/ and "
        f"support/ (currently {root})."
    )


def raw_frame(sql: str) -> pd.DataFrame:
    """Run ``sql`` (over ``read_parquet`` expressions) in an in-memory DuckDB and return the result."""
    with duckdb.connect() as con:
        return con.execute(sql).df()


def raw_as_of(events: RawTable) -> dt.date | None:
    """The day of the latest ``received_at`` in the events feed (the build's default as-of date)."""
    with duckdb.connect() as con:
        row = con.execute(f"select max(received_at) from {events.reader}").fetchone()
    latest = row[0] if row else None
    return latest.date() if isinstance(latest, dt.datetime) else None


def open_warehouse(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file, with a message naming the file and the fix."""
    if not db_path.is_file():
        raise DataUnavailable(
            f"DuckDB file {db_path} does not exist. Fix: run `dbt build` first, or point --duckdb / "
            "ENGAGEMENT_DUCKDB_PATH at the built warehouse."
        )
    try:
        return duckdb.connect(str(db_path), read_only=True)
    except duckdb.IOException as error:
        raise DataUnavailable(
            f"cannot open DuckDB file {db_path} read-only: {error}. Fix: wait for the process holding it "
            "(e.g. a running dbt build) to finish, then run the quality checks again."
        ) from error


def mart_columns(db_path: Path) -> dict[str, dict[str, str]]:
    """``{"<schema>.<table>": {column: duckdb type}}`` for every table and view of the mart schemas."""
    schemas = ", ".join(_quote(schema) for schema in MART_SCHEMAS)
    with open_warehouse(db_path) as con:
        rows = con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            f"where table_schema in ({schemas}) order by table_schema, table_name, ordinal_position"
        ).fetchall()
    catalog: dict[str, dict[str, str]] = {}
    for schema, table, column, data_type in rows:
        catalog.setdefault(f"{schema}.{table}", {})[column] = str(data_type)
    return catalog


def governed_values(db_path: Path) -> dict[str, list[str]]:
    """The governed value lists of the build (``marts.governed_values``): list name -> values in order.

    Empty when the warehouse has no such table (an older build): the checks that need it are skipped.
    """
    with open_warehouse(db_path) as con:
        present = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'governed_values'"
        ).fetchone()
        if not present or not present[0]:
            return {}
        rows = con.execute(
            "select list_name, value from marts.governed_values order by list_name, list_order"
        ).fetchall()
    lists: dict[str, list[str]] = {}
    for list_name, value in rows:
        lists.setdefault(str(list_name), []).append(str(value))
    return lists


def warehouse_frame(db_path: Path, sql: str) -> pd.DataFrame:
    """Run ``sql`` against the warehouse file (read-only) and return the result."""
    with open_warehouse(db_path) as con:
        return con.execute(sql).df()


def raw_columns(raw: RawTable) -> dict[str, str]:
    """``{column (lower case): DuckDB type}`` of the table's Parquet as DuckDB reads it."""
    with duckdb.connect() as con:
        rows = con.execute(f"describe select * from {raw.reader}").fetchall()
    return {str(row[0]).lower(): str(row[1]) for row in rows}
