"""Careless configuration fails before any network work, in one line naming the setting or file
and what to do: the database path, the outlet registry, a full disk, the run lock."""

from __future__ import annotations

import duckdb
import pytest

from parallax.settings import Settings
from tests.support.faults import TOPIC, run_cli, run_day
from tests.support.paths import REPO


def _one_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: (d / "folder").mkdir() or d / "folder", "is a folder, not a DuckDB file"),
        (lambda d: (d / "x.duckdb").write_text("hello") and d / "x.duckdb", "not a DuckDB"),
        (lambda d: (d / "f").write_text("x") and d / "f" / "p.duckdb", "is a file, not a folder"),
    ],
    ids=["folder", "not-duckdb", "under-a-file"],
)
@pytest.mark.parametrize(
    "command",
    [["run", "--date", "2026-02-07", "--topic", TOPIC], ["migrate"],
     ["backfill", "--start", "2026-02-06", "--end", "2026-02-07"], ["sql", "SELECT 1"]],
    ids=["run", "migrate", "backfill", "sql"],
)  # fmt: skip
def test_a_bad_database_path_is_one_line_before_any_fetch(
    make, expected, command, tmp_path, feed_server, monkeypatch
):
    db = make(tmp_path)
    monkeypatch.setenv("PARALLAX_DB", str(db))
    if command[0] in ("run", "backfill"):
        monkeypatch.setattr("parallax.cli.pipeline.launch_temporary_api", lambda: None)
        monkeypatch.setattr("parallax.cli.ops.launch_temporary_api", lambda: None)
    code, output = run_cli(*command)
    assert code == 1 and expected in _one_error(output)
    assert feed_server.hits == []


def test_a_broken_outlet_registry_is_one_line_before_any_fetch(tmp_path, feed_server, monkeypatch):
    lines = (REPO / "config" / "outlets.csv").read_text(encoding="utf-8").splitlines(True)
    lines[10] = lines[10].replace(",", ',"', 1)  # a quote that is never closed
    broken = tmp_path / "outlets.csv"
    broken.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setenv("PARALLAX_OUTLETS_FILE", str(broken))
    monkeypatch.setattr("parallax.cli.pipeline.launch_temporary_api", lambda: None)
    code, output = run_day()
    line = _one_error(output)
    assert code == 1 and "line 11: a quote" in line and len(line) < 300
    assert feed_server.hits == []


def test_a_full_disk_is_one_line_before_any_fetch(feed_server, monkeypatch):
    monkeypatch.setattr("parallax.diskspace.free_bytes", lambda path: 10_000_000)
    monkeypatch.setattr("parallax.cli.pipeline.launch_temporary_api", lambda: None)
    code, output = run_day()
    assert code == 1 and "is full (10 MB free, a run needs 52 MB)" in _one_error(output)
    assert feed_server.hits == []


def test_a_full_disk_midway_is_said_as_such():
    from parallax.cli.checks import failure_line

    full = duckdb.IOException('Could not write file "x.duckdb": No space left on device')
    wrapped = RuntimeError("Server error '500 Internal Server Error'")
    wrapped.__cause__ = full
    line = failure_line("the run failed", wrapped, Settings())
    assert line.startswith("the run failed: the disk is full: free some space")


def test_migrate_waits_for_no_run_it_fails_at_once_while_one_holds_the_lock():
    from parallax.storage.ledger import run_lock

    with run_lock(Settings().db):
        code, output = run_cli("migrate")
    assert code == 1 and "another Parallax run is using" in _one_error(output)
    assert run_cli("migrate")[0] == 0
