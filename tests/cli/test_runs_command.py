"""`parallax runs`: the run ledger on the command line."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from parallax.cli.app import app
from parallax.storage.ledger import (
    RunRef,
    finish_run,
    stage,
    start_run,
)

DAY = dt.date(2026, 2, 7)


def test_runs_command_lists_the_ledger(db_path, monkeypatch):
    monkeypatch.setenv("PARALLAX_DB", str(db_path))
    good, bad = RunRef.new("us-china", DAY), RunRef.new("venezuela", DAY, "backfill")
    child = RunRef.new("us-china", DAY, "replay")
    start_run(db_path, good, "extractive")
    finish_run(db_path, good, "succeeded", {})
    start_run(db_path, bad, "extractive")
    with pytest.raises(RuntimeError), stage(db_path, bad, "fetch"):
        raise RuntimeError("every feed failed: HTTP 503")
    finish_run(db_path, bad, "failed", {}, "NoFeedsError: every feed failed: HTTP 503")
    start_run(db_path, child, "extractive", parent_run_id=good.run_id)
    finish_run(db_path, child, "succeeded", {})

    runner = CliRunner()
    result = runner.invoke(app, ["runs"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["started", "(UTC)", "run", "topic"]
    assert [line.split()[2] for line in lines[1:]] == [child.run_id, bad.run_id, good.run_id]
    assert lines[1].split()[5:7] == ["replay", "succeeded"]
    assert lines[1].split()[-1] == good.run_id  # the parent

    failed = runner.invoke(app, ["runs", "--failed"]).output.splitlines()
    assert len(failed) == 2 and bad.run_id in failed[1]
    assert "[fetch] NoFeedsError: every feed failed: HTTP 503" in failed[1]
    one = runner.invoke(app, ["runs", "--topic", "us-china", "--limit", "1"]).output
    assert [line.split()[2] for line in one.splitlines()[1:]] == [child.run_id]


def test_runs_command_without_a_database(tmp_path, monkeypatch):
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "none.duckdb"))
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 0 and "no runs yet" in result.output
