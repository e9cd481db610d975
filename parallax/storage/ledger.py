"""The run ledger: one `runs` row per topic-day run, one `stage_runs` row per stage; and the
run lock, which lets one run at a time use a database."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from parallax.records import RunRef
from parallax.storage import shards
from parallax.storage.connection import (
    check_database_path,
    connect,
    connect_snapshot,
    first_row,
    query,
    to_json,
    utcnow,
)
from parallax.storage.lake import is_lake
from parallax.storage.runlock import RunInProgressError, run_lock
from parallax.storage.schema import ensure_migrated, migrate

RUN_WAIT_S = 3600.0  # default wait for another run to finish (PARALLAX_RUN_WAIT_S)

__all__ = [
    "RunInProgressError", "RunRef", "abandon_unfinished", "completed_days", "exclusive_run",
    "find_published_run", "finish_run", "list_runs", "migrate_exclusively", "run_lock", "stage",
    "start_run",
]  # fmt: skip


def start_run(
    db: Path,
    run: RunRef,
    summarizer: str,
    flow_run_id: str | None = None,
    parent_run_id: str | None = None,
) -> None:
    with connect(db) as con:
        ensure_migrated(con)
        con.execute(
            query("run_start"),
            {
                "run_id": run.run_id,
                "topic": run.topic,
                "logical_date": run.logical_date,
                "kind": run.kind,
                "started_at": utcnow(),
                "flow_run_id": flow_run_id,
                "parent_run_id": parent_run_id,
                "summarizer": summarizer,
            },
        )


def finish_run(
    db: Path, run: RunRef, status: str, counts: Mapping[str, Any], error: str | None = None
) -> None:
    with connect(db) as con:
        con.execute(
            query("run_finish"),
            {
                "run_id": run.run_id,
                "status": status,
                "finished_at": utcnow(),
                "counts": to_json(dict(counts)),
                "error": error,
            },
        )


@contextmanager
def stage(db: Path, run: RunRef, name: str) -> Iterator[dict[str, Any]]:
    """Record a stage's timing, counts and outcome; the body fills the yielded counts dict."""
    counts: dict[str, Any] = {}
    started_at, started = utcnow(), time.perf_counter()
    status, error = "succeeded", None
    try:
        yield counts
    except BaseException as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with connect(db) as con:
            con.execute(
                query("stage_run_insert"),
                {
                    "run_id": run.run_id,
                    "stage": name,
                    "status": status,
                    "started_at": started_at,
                    "finished_at": utcnow(),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "counts": to_json(counts),
                    "error": error,
                },
            )


def completed_days(
    db: Path, first: dt.date, last: dt.date, migrated: bool = False
) -> set[tuple[str, dt.date]]:
    """(topic, day) pairs between two dates that already have a succeeded run. ``migrated``:
    the caller knows the schema is current (a backfill watching a lake every 2 s), so the
    migrations and views are not checked again."""
    with connect(db) as con:
        if not migrated:
            migrate(con)
        rows = con.execute(query("completed_days"), [first, last]).fetchall()
    return {(topic, day) for topic, day in rows}


def abandon_unfinished(db: Path, topic: str, day: dt.date, reason: str) -> int:
    """Mark runs of a topic-day left 'running' by a process that ended (killed, Ctrl-C) as
    'abandoned', before the day is run again; returns how many."""
    with connect(db) as con:
        ensure_migrated(con)
        (n,) = first_row(con, query("runs_running_topic_day"), [topic, day]) or (0,)
        if n:
            con.execute(query("runs_abandon_topic_day"), [reason, topic, day])
    return int(n)


def list_runs(db: Path, topic: str | None, failed_only: bool, limit: int) -> list[dict[str, Any]]:
    """The run ledger, newest first (``parallax runs``)."""
    with connect(db, read_only=True) as con:
        cursor = con.execute(query("list_runs"), [topic, failed_only, limit])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find_published_run(
    db: Path, topic: str, day: dt.date, snapshot: int | None = None
) -> tuple[str, str, str] | None:
    """(run_id of the published page, its content, run_id whose raw responses it parsed); on a
    lake, as of ``snapshot`` when given."""
    opened = (
        connect_snapshot(str(db), snapshot) if snapshot is not None else connect(db, read_only=True)
    )
    with opened as con:
        row = first_row(con, query("published_run"), [topic, day])
    if row is None:
        return None
    run_id, content, kind, parent, fetch_run_id = row
    if fetch_run_id is None:  # a run from before the ledger kept it: it fetched itself,
        fetch_run_id = parent if kind == "replay" and parent else run_id  # or replayed one
    return run_id, content, fetch_run_id


def migrate_exclusively(db: Path, wait_s: float = 0.0) -> list[str]:
    """`migrate` under the run lock, waiting up to ``wait_s`` for a run that holds it: a
    migration beside a run would change its tables under it. Returns the migrations applied.
    A lake has no run lock: concurrent migrations are retried (schema.py)."""
    if is_lake(db):
        with connect(db) as con:
            return migrate(con)
    check_database_path(db)
    with run_lock(db, wait_s), connect(db) as con:
        return migrate(con)


@contextmanager
def exclusive_run(db: Path, wait_s: float = RUN_WAIT_S) -> Iterator[None]:
    """Hold the database's run lock for a whole flow run, waiting up to ``wait_s`` for the run
    that holds it (runlock.py).

    Two runs interleaving their short write sessions could mix one run's rows with the other's
    for the same day, so only one run at a time may use a database file (analysts read the
    analysts' copy). While we hold the lock no other run is alive, so runs still marked
    'running' were left by a process that died: they are marked 'abandoned'. Shards a killed
    backfill left (shards.py) are merged first.

    A lake takes writers from many machines at once: each run writes its topic-days as whole
    snapshots (lake.py), so it needs no lock.
    """
    if is_lake(db):
        yield
        return
    check_database_path(db)
    with run_lock(db, wait_s):
        with connect(db) as con:
            migrate(con)
        shards.merge_leftovers(db)  # a killed backfill's finished days, before marking its runs
        with connect(db) as con:
            con.execute(
                query("runs_abandon_all"),
                [utcnow(), "the process ended before the run finished"],
            ).fetchall()
        yield
