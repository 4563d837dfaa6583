"""Ways to build the same data differently, for the determinism tests: raw rows in another order, other
thread counts. A build must publish the same decisions under every one of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

DBT_THREADS_LINE = "threads: \"{{ env_var('ENGAGEMENT_DBT_THREADS', '1') | as_number }}\""
SETTINGS_ANCHOR = "        preserve_insertion_order: false"


def shuffle_rows(source: Path, target: Path, seed: int = 1) -> None:
    """A copy of a raw root with the rows of every Parquet file in another (seeded random) order."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    rng = np.random.default_rng(seed)
    for path in sorted(target.rglob("*.parquet")):
        table = pq.read_table(path)
        pq.write_table(table.take(rng.permutation(table.num_rows)), path)


def set_threads(profiles: Path, duckdb_threads: int, dbt_threads: int) -> None:
    """Pin DuckDB's and dbt's thread counts in a project's copy of profiles.yml."""
    text = profiles.read_text()
    assert DBT_THREADS_LINE in text and SETTINGS_ANCHOR in text, "profiles.yml.example changed"
    text = text.replace(DBT_THREADS_LINE, f"threads: {dbt_threads}")
    text = text.replace(SETTINGS_ANCHOR, f"{SETTINGS_ANCHOR}\n        threads: {duckdb_threads}")
    profiles.write_text(text)
