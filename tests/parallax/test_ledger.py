"""The run ledger: completed days, and runs a killed process left running."""

from __future__ import annotations

import datetime as dt

from parallax import storage
from parallax.storage.ledger import (
    RunRef,
    abandon_unfinished,
    completed_days,
    finish_run,
    start_run,
)

DAY = dt.date(2026, 2, 7)


def test_ledger_completed_days_and_abandoned_runs(db_path):
    ok, killed = RunRef.new("a", DAY, "backfill"), RunRef.new("b", DAY, "backfill")
    start_run(db_path, ok, "extractive")
    finish_run(db_path, ok, "succeeded", {})
    start_run(db_path, killed, "extractive")  # the process died here
    assert completed_days(db_path, DAY, DAY) == {("a", DAY)}
    assert abandon_unfinished(db_path, "b", DAY, "process ended") == 1
    assert abandon_unfinished(db_path, "b", DAY, "process ended") == 0
    with storage.connect(db_path) as con:
        assert (
            con.execute("SELECT status FROM runs WHERE run_id = ?", [killed.run_id]).fetchone()[0]
            == "abandoned"
        )
