"""The raw data contract as the project writes it: the staging sources YAML and the dbt vars.

The quality suites read the contract from the same files dbt does (``models/staging/*/_*__sources.yml``
and ``dbt_project.yml``), so a column added to the contract is checked here with no code change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: The repository root when the package runs from a checkout (``src/engagement/quality/`` -> repo).
_CHECKOUT_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class ContractTable:
    """One raw table of the contract (``<source>/<table>``) and its columns with their contract types."""

    source: str
    name: str
    columns: dict[str, str]
    loaded_at_field: str | None
    required_non_empty: bool
    #: an optional table (``meta: {optional: true}``) may be absent; optional columns may be missing
    is_optional: bool = False
    optional_columns: frozenset[str] = frozenset()

    @property
    def path(self) -> str:
        """``<source>/<table>``, as files and messages name it."""
        return f"{self.source}/{self.name}"


def find_project_dir(explicit: Path | None = None) -> Path:
    """The dbt project folder: ``explicit``, else the working directory or the checkout holding this file."""
    candidates = [explicit] if explicit is not None else [Path.cwd(), _CHECKOUT_ROOT]
    for candidate in candidates:
        if candidate is not None and (candidate / "dbt_project.yml").is_file():
            return candidate
    raise FileNotFoundError(
        f"no dbt_project.yml in {', '.join(str(c) for c in candidates)}; "
        "pass --project-dir pointing at the dbt project (the repository root)"
    )


def load_contract(project_dir: Path) -> list[ContractTable]:
    """Every source table of the project's staging sources YAML, sorted by ``<source>/<table>``."""
    tables: list[ContractTable] = []
    for yml in sorted((project_dir / "models" / "staging").glob("*/_*__sources.yml")):
        document = yaml.safe_load(yml.read_text()) or {}
        for source in document.get("sources", []):
            source_config = source.get("config") or {}
            for table in source.get("tables", []):
                table_config = table.get("config") or {}
                meta = {**(table.get("meta") or {}), **(table_config.get("meta") or {})}
                tables.append(
                    ContractTable(
                        source=source["name"],
                        name=table["name"],
                        columns={
                            column["name"]: str(column.get("data_type", "varchar")).lower()
                            for column in table.get("columns", [])
                        },
                        loaded_at_field=table_config.get(
                            "loaded_at_field", source_config.get("loaded_at_field")
                        ),
                        required_non_empty=bool(meta.get("required_non_empty", False)),
                        is_optional=bool(meta.get("optional", False)),
                        optional_columns=frozenset(
                            column["name"] for column in table.get("columns", []) if _is_optional(column)
                        ),
                    )
                )
    if not tables:
        raise FileNotFoundError(f"no sources YAML under {project_dir / 'models' / 'staging'}")
    return sorted(tables, key=lambda table: table.path)


def _is_optional(column: dict[str, Any]) -> bool:
    """A column marked ``meta: {optional: true}`` (directly or under ``config``) may be absent."""
    meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
    return bool(meta.get("optional", False))


def project_vars(project_dir: Path) -> dict[str, Any]:
    """The ``vars:`` of ``dbt_project.yml`` (literal values only; Jinja strings are returned as text)."""
    document = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    return dict(document.get("vars") or {})


def default_raw_root() -> Path:
    """``ENGAGEMENT_RAW_ROOT``, else ``data/raw`` (the dbt var ``raw_root``'s default)."""
    return Path(os.environ.get("ENGAGEMENT_RAW_ROOT", "data/raw"))


def default_duckdb_path() -> Path:
    """``ENGAGEMENT_DUCKDB_PATH``, else ``data/engagement.duckdb`` (the profile's default)."""
    return Path(os.environ.get("ENGAGEMENT_DUCKDB_PATH", "data/engagement.duckdb"))
