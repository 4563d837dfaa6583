"""Read-only access to the marts of a built DuckDB file, tolerant of marts that are not built."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import duckdb
import pandas as pd


class MissingMartError(LookupError):
    """A mart the section needs is not in the DuckDB file (not built yet, or built elsewhere)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass
class Marts:
    """A read-only connection to a DuckDB warehouse and the relations it holds.

    Relations are named ``schema.table`` (``marts.segment_membership``, ``seeds.segment_thresholds``).
    Every relation read is recorded in :attr:`read`, so the report can list its sources.
    """

    path: Path
    con: duckdb.DuckDBPyConnection = field(init=False, repr=False)
    relations: frozenset[str] = field(init=False)
    read: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        if not Path(self.path).exists():
            raise FileNotFoundError(f"no DuckDB file at {self.path}; run `dbt build` first")
        self.con = duckdb.connect(str(self.path), read_only=True)
        rows = self.con.sql(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
        self.relations = frozenset(row[0] for row in rows)

    def __enter__(self) -> Marts:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def has(self, *names: str) -> bool:
        """True when every relation is present."""
        return all(name in self.relations for name in names)

    def require(self, *names: str) -> None:
        """Raise :class:`MissingMartError` naming the relations that are absent."""
        missing = [name for name in names if name not in self.relations]
        if missing:
            raise MissingMartError(missing)
        self.read.update(names)

    def df(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """Run a query and return a pandas DataFrame."""
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list[object] | None = None) -> object:
        """Run a query returning one value (None when it returns no row)."""
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]
