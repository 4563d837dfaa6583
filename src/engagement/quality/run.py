"""Build the suites for a data set, validate them with Great Expectations and write the results.

``run_quality`` reads the raw Parquet (in-memory DuckDB) and the marts (the warehouse file, read-only),
validates every suite through an ephemeral GX context with the pandas datasource, and writes one JSON
file per suite, ``summary.json`` and ``index.html`` to the output folder. ``raise_for_critical`` turns
failed critical expectations into :class:`CriticalExpectationFailed`, whose message names the table, the
expectation and sample failing values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from engagement.quality import data, suites
from engagement.quality.contract import find_project_dir, load_contract, project_vars
from engagement.quality.suites import Layer, SuiteSpec, Thresholds

LAYERS: tuple[Layer, ...] = ("raw", "marts")
_SAMPLE_SIZE = 10


@dataclass
class Check:
    """One evaluated expectation (or a table that could not be read at all)."""

    suite: str
    table: str
    expectation: str
    kwargs: dict[str, Any]
    severity: str
    success: bool
    why: str = ""
    observed: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    sample: list[Any] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")

    def describe(self) -> str:
        """``table: expectation(args) - what failed, with sample failing values``."""
        args = ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items() if key not in {"batch_id"})
        text = f"{self.table}: {self.expectation}({args}) [{self.severity}]"
        if self.error:
            return f"{text} could not be evaluated: {self.error}"
        if self.unexpected_count is not None:
            text += (
                f" - {self.unexpected_count} of {self.element_count} values unexpected"
                f" ({self.unexpected_percent or 0:.2f}%); sample failing values: {self.sample!r}"
            )
        elif self.missing_columns:
            text += f" - missing columns: {self.missing_columns!r} (columns found: {self.observed!r})"
        elif self.observed is not None:
            text += f" - observed {self.observed!r}"
        return text


@dataclass
class SuiteResult:
    """The outcome of one suite: its checks, the rows validated and GX's own result document."""

    name: str
    layer: str
    table: str
    rows: int | None
    checks: list[Check]
    gx_result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def success(self) -> bool:
        return all(check.success for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.name,
            "layer": self.layer,
            "table": self.table,
            "rows_validated": self.rows,
            "success": self.success,
            "critical_failed": sum(1 for c in self.checks if not c.success and c.severity == "critical"),
            "warning_failed": sum(1 for c in self.checks if not c.success and c.severity != "critical"),
            "error": self.error,
            "validation_result": self.gx_result,
        }


@dataclass
class QualityRun:
    """Every suite's result plus the run's context (as-of date, skipped checks)."""

    suites: list[SuiteResult]
    notes: list[str]
    as_of: dt.date | None
    out_dir: Path | None = None

    @property
    def checks(self) -> list[Check]:
        return [check for suite in self.suites for check in suite.checks]

    @property
    def critical_failures(self) -> list[Check]:
        return [check for check in self.checks if not check.success and check.severity == "critical"]

    def summary(self) -> dict[str, Any]:
        checks = self.checks
        failed = [check for check in checks if not check.success]
        return {
            "as_of_date": self.as_of.isoformat() if self.as_of else None,
            "suites": len(self.suites),
            "evaluated": len(checks),
            "passed": len(checks) - len(failed),
            "failed": len(failed),
            "critical_failed": len(self.critical_failures),
            "warning_failed": len(failed) - len(self.critical_failures),
            "success": not self.critical_failures,
            "notes": self.notes,
            "failures": [
                {"suite": c.suite, "severity": c.severity, "message": c.describe()} for c in failed
            ],
            "by_suite": {
                suite.name: {
                    "table": suite.table,
                    "evaluated": len(suite.checks),
                    "passed": sum(1 for c in suite.checks if c.success),
                    "failed": sum(1 for c in suite.checks if not c.success),
                }
                for suite in self.suites
            },
        }


class CriticalExpectationFailed(Exception):
    """At least one critical expectation failed; the message lists each with sample failing values."""

    def __init__(self, run: QualityRun) -> None:
        self.run = run
        lines = [f"{len(run.critical_failures)} critical data-quality expectation(s) failed:"]
        lines += [f"  - {check.describe()}" for check in run.critical_failures]
        if run.out_dir is not None:
            lines.append(f"Results: {run.out_dir / 'summary.json'}, report: {run.out_dir / 'index.html'}")
        super().__init__("\n".join(lines))


# ------------------------------------------------------------------------------------------ building


def _failed_load(name: str, layer: Layer, table: str, message: str) -> SuiteResult:
    check = Check(
        suite=name, table=table, expectation="table_is_readable", kwargs={}, severity="critical",
        success=False, why="the table must exist and be readable", error=message,
    )
    return SuiteResult(name=name, layer=layer, table=table, rows=None, checks=[check], error=message)


def build_raw_suites(
    raw_root: Path, project_dir: Path, as_of: dt.date | None = None
) -> tuple[list[SuiteSpec], list[SuiteResult], dt.date | None]:
    """Suites of every contract table found under ``raw_root``; unreadable tables become failed results."""
    thresholds = Thresholds.from_dbt_vars(project_vars(project_dir))
    located: list[data.RawTable] = []
    failures: list[SuiteResult] = []
    for table in load_contract(project_dir):
        try:
            located.append(data.locate_raw(raw_root, table))
        except data.DataUnavailable as error:
            if table.is_optional:
                continue  # the contract allows it: the dbt hook registers an empty view and logs it
            failures.append(_failed_load(f"raw.{table.source}.{table.name}", "raw", table.path, str(error)))
    if as_of is None:
        events = next((raw for raw in located if raw.table.path == "app/events"), None)
        as_of = data.raw_as_of(events) if events is not None else None
    specs: list[SuiteSpec] = []
    for raw in located:
        specs.append(suites.raw_schema_suite(raw))
        specs.append(suites.raw_data_suite(raw, data.raw_columns(raw), thresholds, as_of))
    return specs, failures, as_of


def build_mart_suites(duckdb_path: Path) -> tuple[list[SuiteSpec], list[SuiteResult], list[str]]:
    """Suites of every mart table in the warehouse file; an unreadable file becomes a failed result."""
    try:
        catalog = data.mart_columns(duckdb_path)
    except data.DataUnavailable as error:
        return [], [_failed_load("marts", "marts", str(duckdb_path), str(error))], []
    if not catalog:
        schemas = ", ".join(data.MART_SCHEMAS)
        message = f"no tables in schemas {schemas} of {duckdb_path}: run `dbt build` first"
        return [], [_failed_load("marts", "marts", str(duckdb_path), message)], []
    specs, notes = suites.mart_suites(catalog, data.governed_values(duckdb_path))
    return specs, [], notes


# ---------------------------------------------------------------------------------------- validating


def _context() -> Any:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _sample(values: Iterable[Any] | None) -> list[Any]:
    out: list[Any] = []
    for value in list(values or [])[:_SAMPLE_SIZE]:
        out.append(value.isoformat() if isinstance(value, dt.datetime | dt.date | pd.Timestamp) else value)
    return out


def _error_of(info: dict[str, Any]) -> str | None:
    """GX's exception message: top level, or keyed by metric id for metric failures."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _check_from(spec: SuiteSpec, result: Any) -> Check:
    config = result.expectation_config
    meta = dict(config.meta or {})
    details = dict(result.result or {})
    error = _error_of(dict(result.exception_info or {}))
    kwargs = {key: value for key, value in dict(config.kwargs).items() if key not in {"batch_id"}}
    observed = details.get("observed_value")
    mismatched = dict(details.get("details") or {}).get("mismatched") or {}
    return Check(
        suite=spec.name,
        table=spec.table,
        expectation=config.type,
        kwargs=json.loads(json.dumps(kwargs, default=str)),
        severity=str(meta.get("severity", "critical")),
        success=bool(result.success),
        why=str(meta.get("why", "")),
        observed=json.loads(json.dumps(observed, default=str)) if observed is not None else None,
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        sample=json.loads(json.dumps(_sample(details.get("partial_unexpected_list")), default=str)),
        missing_columns=[str(column) for column in mismatched.get("missing") or []],
        error=error,
    )


def validate(specs: Iterable[SuiteSpec], duckdb_path: Path | None = None) -> list[SuiteResult]:
    """Load each suite's batch from DuckDB and validate it with GX (ephemeral context, pandas datasource)."""
    context = _context()
    source = context.data_sources.add_pandas("engagement_quality")
    results: list[SuiteResult] = []
    for spec in specs:
        try:
            if spec.in_warehouse:
                if duckdb_path is None:
                    raise data.DataUnavailable("no DuckDB file given")
                frame = data.warehouse_frame(duckdb_path, spec.query)
            else:
                frame = data.raw_frame(spec.query)
        except Exception as error:  # noqa: BLE001 - any read failure is reported as a failed suite
            message = f"{type(error).__name__}: {error}"
            results.append(_failed_load(spec.name, spec.layer, spec.table, message))
            continue
        batch = source.add_dataframe_asset(spec.name).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(gx.ExpectationSuite(name=spec.name, expectations=spec.expectations))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
        )
        outcome = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": _SAMPLE_SIZE},
        )
        results.append(
            SuiteResult(
                name=spec.name,
                layer=spec.layer,
                table=spec.table,
                rows=len(frame),
                checks=[_check_from(spec, result) for result in outcome.results],
                gx_result=json.loads(json.dumps(outcome.to_json_dict(), default=str)),
            )
        )
        del frame
    return results


# ------------------------------------------------------------------------------------------- writing


def write_results(run: QualityRun, out_dir: Path) -> None:
    """One JSON file per suite, ``summary.json`` and the self-contained ``index.html``."""
    from engagement.quality.report import render_html

    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("raw*.json"), *out_dir.glob("marts*.json")]:
        stale.unlink()
    for suite in run.suites:
        (out_dir / f"{suite.name}.json").write_text(json.dumps(suite.to_json(), indent=2, default=str))
    (out_dir / "summary.json").write_text(json.dumps(run.summary(), indent=2, default=str))
    (out_dir / "index.html").write_text(render_html(run))
    run.out_dir = out_dir


def run_quality(
    *,
    duckdb_path: Path | None,
    raw_root: Path | None,
    out_dir: Path | None = None,
    as_of: dt.date | None = None,
    layers: Iterable[Layer] = LAYERS,
    project_dir: Path | None = None,
) -> QualityRun:
    """Validate the raw inputs and/or the marts; write the results when ``out_dir`` is given.

    Does not raise on failed expectations: call :func:`raise_for_critical` (the CLI does).
    """
    wanted = set(layers)
    specs: list[SuiteSpec] = []
    failed_loads: list[SuiteResult] = []
    notes: list[str] = []
    if "raw" in wanted:
        if raw_root is None:
            raise ValueError("the raw layer needs raw_root")
        raw_specs, raw_failures, as_of = build_raw_suites(raw_root, find_project_dir(project_dir), as_of)
        specs += raw_specs
        failed_loads += raw_failures
    if "marts" in wanted:
        if duckdb_path is None:
            raise ValueError("the marts layer needs duckdb_path")
        mart_specs, mart_failures, mart_notes = build_mart_suites(duckdb_path)
        specs += mart_specs
        failed_loads += mart_failures
        notes += mart_notes
    run = QualityRun(suites=failed_loads + validate(specs, duckdb_path), notes=notes, as_of=as_of)
    if out_dir is not None:
        write_results(run, out_dir)
    return run


def raise_for_critical(run: QualityRun) -> None:
    """Raise :class:`CriticalExpectationFailed` when any critical expectation failed."""
    if run.critical_failures:
        raise CriticalExpectationFailed(run)
