"""Shared fixtures: run the real dbt project in a subprocess against a temporary DuckDB file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).parent))


@dataclass
class DbtProject:
    """One raw data set + one DuckDB file + one dbt target folder."""

    raw_root: Path
    db_path: Path
    work: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DBT_PROFILES_DIR=str(self.work),
            DBT_TARGET_PATH=str(self.work / "target"),
            DBT_LOG_PATH=str(self.work / "logs"),
            ENGAGEMENT_RAW_ROOT=str(self.raw_root),
            ENGAGEMENT_DUCKDB_PATH=str(self.db_path),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        return env

    def dbt(self, *args: str, vars: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(BIN / "dbt"), *args]
        if vars:
            cmd += ["--vars", json.dumps(vars)]
        proc = subprocess.run(cmd, cwd=REPO, env=self.env(), capture_output=True, text=True, timeout=900)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
            )
        return proc

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.sql(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


def make_project(work: Path, raw_root: Path, db_name: str = "warehouse.duckdb") -> DbtProject:
    """A dbt project run in `work` (profiles copied from profiles.yml.example, as a user would)."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "profiles.yml.example", work / "profiles.yml")
    return DbtProject(raw_root=raw_root, db_path=work / db_name, work=work)


def copy_of_build(built: DbtProject, work: Path) -> DbtProject:
    """A project of its own on ``built``'s raw data, starting from a copy of its warehouse and of its
    run results (what the next scheduled run finds after that build): saves a build per test module."""
    project = make_project(work, built.raw_root)
    shutil.copy(built.db_path, project.db_path)
    (work / "target").mkdir(exist_ok=True)
    shutil.copy(built.work / "target" / "run_results.json", work / "target" / "run_results.json")
    return project


def generate(out: Path, truth: Path, scale: float = 0.2, seed: int = 7, extra: tuple[str, ...] = ()) -> None:
    subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "engagement.generate",
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--truth",
            str(truth),
            "--no-progress",
            *extra,
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> DbtProject:
    """The generator's demo data at a small scale, built once with `dbt build`."""
    work = tmp_path_factory.mktemp("demo")
    generate(work / "raw", work / "truth")
    project = make_project(work, work / "raw")
    project.build_output = project.dbt("build").stdout
    return project
