"""BI never locked out: dbt builds a working file, `python -m engagement.publish` swaps the marts into the
file BI tools read. A reader holding that file for the whole build neither blocks the build nor sees a
half-built state; a failed build publishes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, REPO, DbtProject, copy_of_build, generate

from engagement.publish import PublishError, check_run_results, publish

pytestmark = pytest.mark.slow

# What a reader sees of the marts: row count and an order-free checksum of segment_membership.
MEMBERS_SQL = (
    "select count(*), sum(hash(grain, user_id, account_id, week_start, lifecycle_segment)) "
    "from marts.segment_membership"
)

# A BI-like reader: one read-only connection held until told to reconnect; prints what it sees as JSON lines.
READER = textwrap.dedent(
    """
    import json, sys, time, pathlib
    import duckdb

    published, flag, done = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])

    def snapshot(con, phase):
        invocation = con.execute("select dbt_invocation_id from _publish.publication").fetchone()[0]
        members, checksum = con.execute(sys.argv[4]).fetchone()
        print(json.dumps({"phase": phase, "invocation": invocation, "members": members,
                          "checksum": str(checksum), "t": time.time()}), flush=True)

    con = duckdb.connect(published, read_only=True)
    while not flag.exists():
        snapshot(con, "held")
        time.sleep(0.2)
    snapshot(con, "held")          # the old connection after the swap: still the old, complete snapshot
    con.close()
    con = duckdb.connect(published, read_only=True)
    snapshot(con, "reconnected")
    con.close()
    done.touch()
    """
)


def _publish_cli(project: DbtProject, published: Path, *args: str) -> subprocess.CompletedProcess:
    env = project.env() | {"ENGAGEMENT_PUBLISHED_DUCKDB_PATH": str(published)}
    return subprocess.run(
        [str(BIN / "python"), "-m", "engagement.publish", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _working_snapshot(project: DbtProject) -> tuple[int, str]:
    members, checksum = project.query(MEMBERS_SQL)[0]
    return members, str(checksum)


def _invocation_id(project: DbtProject) -> str:
    return json.loads((project.work / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]


@pytest.fixture(scope="module")
def published_project(demo_build, tmp_path_factory) -> tuple[DbtProject, Path, Path]:
    """A working warehouse built from data set A (a copy of the demo build) and published; data set B
    ready for the next build."""
    work = tmp_path_factory.mktemp("publish")
    generate(work / "raw_b", work / "truth_b", scale=0.1, seed=8)
    project = copy_of_build(demo_build, work)
    published = work / "bi" / "engagement_bi.duckdb"
    proc = _publish_cli(project, published)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("published "), proc.stdout
    return project, published, work / "raw_b"


def test_reader_holding_published_file_during_build_sees_old_then_new(published_project, tmp_path):
    project, published, raw_b = published_project
    first_invocation = _invocation_id(project)
    first_snapshot = _working_snapshot(project)

    flag, done = tmp_path / "reconnect", tmp_path / "done"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published), str(flag), str(done), MEMBERS_SQL],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = reader.stdout.readline()
        assert line, f"the reader could not read the published file: {reader.stderr.read()}"
        first_line = json.loads(line)
        assert first_line["invocation"] == first_invocation

        # The next day's build (another data set, so every mart changes) while the reader holds the file.
        project.raw_root = raw_b
        build = subprocess.Popen(
            [str(BIN / "dbt"), "build", "--full-refresh"],
            cwd=REPO,
            env=project.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # A new BI connection during the build opens the published file at once (the build never blocks it).
        time.sleep(5)
        fresh = subprocess.run(
            [
                sys.executable,
                "-c",
                "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
                "print(con.execute('select dbt_invocation_id from _publish.publication').fetchone()[0])",
                str(published),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        build_output, _ = build.communicate(timeout=900)
        assert build.returncode == 0, (
            f"the build failed while a reader held the published file:\n{build_output}"
        )
        assert fresh.returncode == 0, fresh.stderr
        assert fresh.stdout.strip() == first_invocation

        second_invocation = _invocation_id(project)
        second_snapshot = _working_snapshot(project)
        assert second_invocation != first_invocation
        assert second_snapshot != first_snapshot

        proc = _publish_cli(project, published)
        assert proc.returncode == 0, proc.stderr
        flag.touch()
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err
    finally:
        if reader.poll() is None:
            reader.kill()
    lines = [first_line] + [json.loads(line) for line in out.splitlines()]
    held = [line for line in lines if line["phase"] == "held"]
    reconnected = [line for line in lines if line["phase"] == "reconnected"]
    # The reader read the whole time, every read the previous, complete publication (also after the swap).
    assert len(held) >= 10
    assert {(line["invocation"], line["members"], line["checksum"]) for line in held} == {
        (first_invocation, *first_snapshot)
    }
    # On reconnect: the new publication, equal to what the build wrote.
    assert len(reconnected) == 1
    assert (reconnected[0]["invocation"], reconnected[0]["members"], reconnected[0]["checksum"]) == (
        second_invocation,
        *second_snapshot,
    )
    # The swap left no temporary file or WAL beside the published file.
    assert sorted(path.name for path in published.parent.iterdir()) == [
        ".engagement_bi.duckdb.publish.lock",
        "engagement_bi.duckdb",
    ]


def test_failed_build_publishes_nothing(published_project):
    project, published, _ = published_project
    before = (published.stat().st_ino, published.stat().st_mtime_ns)
    with duckdb.connect(str(published), read_only=True) as con:
        published_invocation = con.execute("select dbt_invocation_id from _publish.publication").fetchone()[0]

    # A quarantine gate that every demo feed fails: the build stops with a failed test.
    failed = project.dbt("build", vars={"max_quarantine_rate": 0}, check=False)
    assert failed.returncode != 0
    proc = _publish_cli(project, published)
    assert proc.returncode == 2
    assert "publish refused, nothing published" in proc.stderr
    assert "the dbt build did not pass" in proc.stderr
    assert (published.stat().st_ino, published.stat().st_mtime_ns) == before
    with duckdb.connect(str(published), read_only=True) as con:
        assert (
            con.execute("select dbt_invocation_id from _publish.publication").fetchone()[0]
            == published_invocation
        )


def test_publish_refuses_while_the_working_file_is_written(tmp_path):
    working, published = tmp_path / "working.duckdb", tmp_path / "published.duckdb"
    with duckdb.connect(str(working)) as con:
        con.execute("create schema marts; create table marts.t as select 1 as x")
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "time.sleep(60)",
            str(working),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(PublishError, match="is a dbt run still writing it"):
            publish(working, published)
    finally:
        writer.kill()
        writer.wait()
    assert not published.exists()
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")] == []


def test_run_results_gate(tmp_path):
    results = tmp_path / "run_results.json"
    with pytest.raises(PublishError, match="no dbt run results"):
        check_run_results(results)
    results.write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "abc"},
                "results": [
                    {"unique_id": "model.engagement.a", "status": "success"},
                    {"unique_id": "test.engagement.b", "status": "warn"},
                ],
            }
        )
    )
    assert check_run_results(results) == "abc"
    results.write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "abc"},
                "results": [
                    {"unique_id": "test.engagement.b", "status": "fail"},
                    {"unique_id": "model.engagement.c", "status": "skipped"},
                ],
            }
        )
    )
    with pytest.raises(PublishError, match=r"2 nodes failed or skipped: test\.engagement\.b \(fail\)"):
        check_run_results(results)


def test_publish_never_overwrites_the_working_file(tmp_path):
    working = tmp_path / "w.duckdb"
    with duckdb.connect(str(working)) as con:
        con.execute("create schema marts; create table marts.t as select 1 as x")
    with pytest.raises(PublishError, match="must differ"):
        publish(working, working)
    with pytest.raises(PublishError, match="schema 'other' has no tables"):
        publish(working, tmp_path / "p.duckdb", schemas=("other",))
    assert not (tmp_path / "p.duckdb").exists()
