"""Readers, runs and the database on one machine: the analysts' copy, bounded waits that say who
holds the file, runs that queue on the run lock, limits scoped per database."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import duckdb
import pytest

from parallax import limits, storage
from parallax.storage.analyst_copy import analyst_copy_path, publish_analyst_copy
from parallax.storage.ledger import RunRef, exclusive_run, finish_run, start_run
from parallax.storage.runlock import RunInProgressError
from tests.support.processes import holding as _holding

DAY = dt.date(2026, 2, 7)


def _one_finished_run(db: Path) -> str:
    run = RunRef.new("us-china", DAY, "daily")
    start_run(db, run, "extractive")
    finish_run(db, run, "succeeded", {"selected": 3})
    return run.run_id


def test_the_analysts_copy_holds_the_rows_and_says_how_fresh_it_is(db_path: Path):
    run_id = _one_finished_run(db_path)
    copy = publish_analyst_copy(db_path)
    assert copy == analyst_copy_path(db_path) == db_path.with_name("parallax.analyst.duckdb")
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT run_id, status FROM runs").fetchall() == [(run_id, "succeeded")]
        (published, source, last_run, _) = con.execute("FROM analyst_copy").fetchall()[0]
        assert published is not None
        assert source == str(db_path) and last_run is not None
        views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        assert "enriched_articles" in views  # the same views as the database
    assert not list(db_path.parent.glob(".*.tmp"))  # no partial copy left behind


def test_a_reader_of_the_copy_never_blocks_the_pipeline(db_path: Path):
    _one_finished_run(db_path)
    copy = publish_analyst_copy(db_path)
    assert copy is not None
    reader = _holding(f"""
        import duckdb
        con = duckdb.connect({str(copy)!r}, read_only=True)
        print("ready", flush=True)
        import time; time.sleep(30)
    """)
    next(reader)
    try:
        started = time.perf_counter()
        second = _one_finished_run(db_path)  # writes the system of record at once
        publish_analyst_copy(db_path)  # and swaps in a new copy under the open reader
        assert time.perf_counter() - started < 5
        with duckdb.connect(str(copy), read_only=True) as con:
            assert (second,) in con.execute("SELECT run_id FROM runs").fetchall()
    finally:
        reader.close()


def test_a_run_waits_for_a_hand_opened_file_and_says_who_holds_it(
    db_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    _one_finished_run(db_path)
    holder = _holding(f"""
        import duckdb, time
        con = duckdb.connect({str(db_path)!r}, read_only=True)
        print("ready", flush=True)
        time.sleep(3)
    """)
    process = next(holder)
    monkeypatch.setattr(storage.connection, "WAIT_NOTICE_S", 0.5)
    try:
        with caplog.at_level(logging.WARNING, logger="parallax.progress"):
            _one_finished_run(db_path)  # waits ~3 s for the reader to go, then writes
        waits = [r.getMessage() for r in caplog.records if "waiting for" in r.getMessage()]
        assert waits, "the wait was not said"
        assert f"PID {process.pid}: " in waits[0] and "import duckdb" in waits[0]
    finally:
        holder.close()
    with storage.connect(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(2,)]


def test_the_wait_is_bounded_and_the_error_names_the_holder(db_path: Path):
    _one_finished_run(db_path)
    holder = _holding(f"""
        import duckdb, time
        con = duckdb.connect({str(db_path)!r}, read_only=True)
        print("ready", flush=True)
        time.sleep(30)
    """)
    process = next(holder)
    try:
        with (
            pytest.raises(storage.DatabaseBusyError, match=f"PID {process.pid}: .*import duckdb"),
            storage.connect(db_path, wait_s=0.5),
        ):
            pass
    finally:
        holder.close()


def test_runs_queue_on_the_run_lock_one_after_another(
    db_path: Path, caplog: pytest.LogCaptureFixture
):
    holder = _holding(f"""
        import time
        from pathlib import Path
        from parallax.storage.runlock import run_lock
        with run_lock(Path({str(db_path)!r}), wait_s=5):
            print("ready", flush=True)
            time.sleep(2)
    """)
    process = next(holder)
    try:
        started = time.perf_counter()
        with caplog.at_level(logging.WARNING, logger="parallax.progress"), exclusive_run(db_path):
            waited = time.perf_counter() - started
        assert 0.5 < waited < 10  # it waited for the other run, then ran
        notices = [r.getMessage() for r in caplog.records]
        assert any(f"PID {process.pid}" in m and "waiting for another run" in m for m in notices)
    finally:
        holder.close()


def test_a_run_that_waits_too_long_fails_in_one_line_naming_the_holder(db_path: Path):
    holder = _holding(f"""
        import time
        from pathlib import Path
        from parallax.storage.runlock import run_lock
        with run_lock(Path({str(db_path)!r}), wait_s=5):
            print("ready", flush=True)
            time.sleep(30)
    """)
    process = next(holder)
    try:
        with pytest.raises(RunInProgressError) as raised, exclusive_run(db_path, wait_s=0.3):
            pass
        message = str(raised.value)
        assert "\n" not in message and f"PID {process.pid}" in message
        assert "PARALLAX_RUN_WAIT_S" in message
    finally:
        holder.close()
    with exclusive_run(db_path, wait_s=5):  # a killed holder's lock is free at once
        pass


def test_limits_are_named_per_database():
    a = limits.scope_of(Path("/data/a/parallax.duckdb"))
    b = limits.scope_of(Path("/data/b/parallax.duckdb"))
    lake = limits.scope_of("ducklake:postgres:dbname=parallax host=db1")
    assert a != b and a.startswith("parallax-") and b.startswith("parallax-")
    assert lake.startswith("ducklake-postgres-dbname-parallax-host-db1"[:24])
    assert a == limits.scope_of(Path("/data/a/parallax.duckdb"))
