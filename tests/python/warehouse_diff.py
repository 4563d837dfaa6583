"""Compare two warehouses built by the project: decisions exactly, measures within a tolerance.

Every base table of the compared schemas is compared, so a new model is covered without a change here.
Columns are split by their DuckDB type:

- decisions: every column that is not a floating-point number (segments, tiers, risk bands, cluster ids,
  crossings, actions, ids, dates, booleans, integer counts, decimals, lists): compared exactly;
- measures: ``DOUBLE`` / ``FLOAT`` columns, equal when both are null, both NaN, or
  ``|a - b| <= REL_TOL * max(|a|, |b|, 1)`` (relative above 1, absolute below it).

Rows are paired by their decision columns (a multiset: a decision value that occurs twice must occur
twice on the other side); within equal decision values they are paired in order of their measures.
A row whose decision columns have no partner counts as a differing decision; a paired row whose
measures differ beyond the tolerance counts as a differing measure.

Command line: ``python tests/python/warehouse_diff.py A.duckdb B.duckdb`` prints one line per table
that differs and exits 1 when any does.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SCHEMAS: tuple[str, ...] = ("staging", "intermediate", "marts", "ml")
# Measures are equal within this relative tolerance (absolute below 1). The features that feed the ML
# fits and every threshold comparison are rounded or exact upstream (see engagement.ml.config
# FEATURE_DECIMALS), so two builds agree far inside it; float sums and averages of the same values in
# another order differ by ~1e-15 relative, which it absorbs.
REL_TOL = 1e-9
FLOAT_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL"})
# Run provenance, not data: the clustering note says whether the previous run's profiles were matched
# (stable ids), which a fresh warehouse by design has none of. That clause is dropped before comparing;
# the rest of the note (the fit's own fallbacks) is compared like any decision.
_MATCHED = (
    "nullif(regexp_replace(note, '(; )?[0-9]+ of [0-9]+ clusters matched to previous profiles', '', 'g'), '')"
)
PROVENANCE_COLUMNS: dict[str, dict[str, str]] = {
    "marts.cluster_model_metrics": {"note": _MATCHED},
    "ml.cluster_model_outputs": {"note": _MATCHED},
}
# The run that last wrote a row (macro run_processed_at, the incremental high-water mark of the models
# downstream) differs between an incremental run and a full refresh by design; in every table.
PROVENANCE_ANY_TABLE: dict[str, str] = {"processed_at": "null"}


@dataclass
class TableDiff:
    """How one table differs: rows whose decisions have no partner, paired rows whose measures differ."""

    table: str
    rows_a: int
    rows_b: int
    decisions_only_a: int = 0
    decisions_only_b: int = 0
    measures_differing: int = 0
    max_abs_diff: dict[str, float] = field(default_factory=dict)

    @property
    def differs(self) -> bool:
        return bool(self.decisions_only_a or self.decisions_only_b or self.measures_differing)

    def __str__(self) -> str:
        moved = ", ".join(f"{c} by up to {v:.3g}" for c, v in sorted(self.max_abs_diff.items()) if v)
        return (
            f"{self.table}: {self.rows_a} vs {self.rows_b} rows; decisions differ in "
            f"{self.decisions_only_a} rows only in A / {self.decisions_only_b} only in B; "
            f"measures differ in {self.measures_differing} paired rows" + (f" ({moved})" if moved else "")
        )


@dataclass
class WarehouseDiff:
    """Per-table comparison of two warehouses."""

    tables: list[str]
    only_in_a: list[str]
    only_in_b: list[str]
    diffs: list[TableDiff]

    @property
    def differing(self) -> list[TableDiff]:
        return [d for d in self.diffs if d.differs]

    def summary(self) -> str:
        lines = [f"tables only in A: {self.only_in_a}"] if self.only_in_a else []
        lines += [f"tables only in B: {self.only_in_b}"] if self.only_in_b else []
        lines += [str(d) for d in self.differing]
        return "\n".join(lines) or f"{len(self.tables)} tables equal"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> dict[str, list]:
    """``schema.table`` -> [(column, data_type), ...] of every base table of the schemas."""
    rows = con.execute(
        "select c.table_schema, c.table_name, c.column_name, c.data_type "
        "from information_schema.columns as c "
        "inner join information_schema.tables as t "
        "on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema "
        "and c.table_name = t.table_name "
        "where t.table_type = 'BASE TABLE' and c.table_catalog = ? "
        f"and c.table_schema in ({', '.join('?' for _ in schemas)}) "
        "order by c.table_schema, c.table_name, c.ordinal_position",
        [catalog, *schemas],
    ).fetchall()
    tables: dict[str, list] = {}
    for schema, table, column, data_type in rows:
        tables.setdefault(f"{schema}.{table}", []).append((column, data_type))
    return tables


def _compare_table(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], rel_tol: float
) -> TableDiff:
    normalised = {**PROVENANCE_ANY_TABLE, **PROVENANCE_COLUMNS.get(table, {})}
    decisions = [normalised.get(c, _quote(c)) for c, t in columns if t.upper() not in FLOAT_TYPES]
    measures = [c for c, t in columns if t.upper() in FLOAT_TYPES]
    schema, name = table.split(".", 1)
    relation = f"{_quote(schema)}.{_quote(name)}"
    # One hash of every decision column (types included) pairs rows; the row number inside equal
    # hashes, in order of the measures, pairs duplicates.
    key = f"hash({', '.join(decisions)})" if decisions else "0"
    order = ", ".join(f"{_quote(c)} nulls last" for c in measures) or "1"
    sides = {
        side: (
            f"select {key} as _key, row_number() over (partition by {key} order by {order}) as _n"
            + "".join(f", {_quote(c)}" for c in measures)
            + f" from {side}.{relation}"
        )
        for side in ("a", "b")
    }
    measure_differs = [
        f"not (a.{_quote(c)} is null and b.{_quote(c)} is null "
        f"or isnan(a.{_quote(c)}) and isnan(b.{_quote(c)}) "
        f"or abs(a.{_quote(c)} - b.{_quote(c)}) "
        f"<= {rel_tol!r} * greatest(abs(a.{_quote(c)}), abs(b.{_quote(c)}), 1.0))"
        for c in measures
    ]
    max_diffs = [
        f"max(abs(a.{_quote(c)} - b.{_quote(c)})) filter (where a._key is not null and b._key is not null)"
        for c in measures
    ]
    sql = f"""
        with a as ({sides["a"]}), b as ({sides["b"]})
        select
            count(*) filter (where b._key is null),
            count(*) filter (where a._key is null),
            count(*) filter (where a._key is not null and b._key is not null
                and ({" or ".join(f"coalesce({m}, true)" for m in measure_differs) or "false"})),
            (select count(*) from a),
            (select count(*) from b)
            {"".join(", " + m for m in max_diffs)}
        from a full outer join b on a._key = b._key and a._n = b._n
    """
    only_a, only_b, differing, rows_a, rows_b, *maxima = con.execute(sql).fetchone()
    return TableDiff(
        table=table,
        rows_a=rows_a,
        rows_b=rows_b,
        decisions_only_a=only_a,
        decisions_only_b=only_b,
        measures_differing=differing,
        max_abs_diff={c: float(v) for c, v in zip(measures, maxima, strict=True) if v is not None},
    )


def compare_warehouses(
    path_a: Path, path_b: Path, schemas: tuple[str, ...] = SCHEMAS, rel_tol: float = REL_TOL
) -> WarehouseDiff:
    """Compare every base table of ``schemas`` in two DuckDB files (opened read-only)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{path_a}' as a (read_only)")
        con.execute(f"attach '{path_b}' as b (read_only)")
        tables_a, tables_b = _tables(con, "a", schemas), _tables(con, "b", schemas)
        common = sorted(tables_a.keys() & tables_b.keys())
        diffs = []
        for table in common:
            if tables_a[table] != tables_b[table]:
                diffs.append(TableDiff(table, -1, -1, decisions_only_a=1))  # schemas differ
                continue
            diffs.append(_compare_table(con, table, tables_a[table], rel_tol))
        return WarehouseDiff(
            tables=common,
            only_in_a=sorted(tables_a.keys() - tables_b.keys()),
            only_in_b=sorted(tables_b.keys() - tables_a.keys()),
            diffs=diffs,
        )


if __name__ == "__main__":
    result = compare_warehouses(Path(sys.argv[1]), Path(sys.argv[2]))
    print(result.summary())
    print(f"{len(result.tables)} tables compared, {len(result.differing)} differ")
    sys.exit(1 if result.differing or result.only_in_a or result.only_in_b else 0)
