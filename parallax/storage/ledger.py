"""The run ledger: one `runs` row per topic-day run, one `stage_runs` row per stage."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parallax import storage
from parallax.storage import shards

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RunRef:
    """Identity of one topic-day run, passed to every stage."""

    run_id: str
    topic: str
    logical_date: dt.date
    kind: str = "daily"

    @classmethod
    def new(cls, topic: str, logical_date: dt.date, kind: str = "daily") -> RunRef:
        return cls(uuid.uuid4().hex[:16], topic, logical_date, kind)


def save_day(db: Path, run: RunRef, tables: Mapping[str, pd.DataFrame]) -> None:
    """Replace the run's topic-day rows of these stage tables by a stage's output, together."""
    with storage.connect(db) as con:
        storage.replace_days(con, run.topic, run.logical_date, run.run_id, tables)


def start_run(
    db: Path,
    run: RunRef,
    summarizer: str,
    flow_run_id: str | None = None,
    parent_run_id: str | None = None,
) -> None:
    with storage.connect(db) as con:
        storage.ensure_migrated(con)
        storage.insert_row(
            con,
            "runs",
            {
                "run_id": run.run_id,
                "topic": run.topic,
                "logical_date": run.logical_date,
                "kind": run.kind,
                "status": "running",
                "started_at": storage.utcnow(),
                "flow_run_id": flow_run_id,
                "parent_run_id": parent_run_id,
                "summarizer": summarizer,
            },
        )


def finish_run(
    db: Path, run: RunRef, status: str, counts: Mapping[str, Any], error: str | None = None
) -> None:
    with storage.connect(db) as con:
        storage.update_row(
            con,
            "runs",
            {"run_id": run.run_id},
            {
                "status": status,
                "finished_at": storage.utcnow(),
                "counts": storage.to_json(dict(counts)),
                "error": error,
            },
        )


@contextmanager
def stage(db: Path, run: RunRef, name: str) -> Iterator[dict[str, Any]]:
    """Record a stage's timing, counts and outcome; the body fills the yielded counts dict."""
    counts: dict[str, Any] = {}
    started_at, started = storage.utcnow(), time.perf_counter()
    status, error = "succeeded", None
    try:
        yield counts
    except BaseException as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with storage.connect(db) as con:
            storage.insert_row(
                con,
                "stage_runs",
                {
                    "run_id": run.run_id,
                    "stage": name,
                    "status": status,
                    "started_at": started_at,
                    "finished_at": storage.utcnow(),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "counts": storage.to_json(counts),
                    "error": error,
                },
            )


def completed_days(db: Path, first: dt.date, last: dt.date) -> set[tuple[str, dt.date]]:
    """(topic, day) pairs between two dates that already have a succeeded run."""
    with storage.connect(db) as con:
        storage.migrate(con)
        rows = con.execute(storage.query("completed_days"), [first, last]).fetchall()
    return {(topic, day) for topic, day in rows}


def abandon_unfinished(db: Path, topic: str, day: dt.date, reason: str) -> int:
    """Mark runs of a topic-day left 'running' by a process that ended (killed, Ctrl-C) as
    'abandoned', before the day is run again; returns how many."""
    with storage.connect(db) as con:
        storage.ensure_migrated(con)
        (n,) = storage.first_row(
            con,
            "SELECT count(*) FROM runs WHERE topic = ? AND logical_date = ? AND status = 'running'",
            [topic, day],
        ) or (0,)
        if n:
            con.execute(
                "UPDATE runs SET status = 'abandoned', error = ? "
                "WHERE topic = ? AND logical_date = ? AND status = 'running'",
                [reason, topic, day],
            )
    return int(n)


def list_runs(db: Path, topic: str | None, failed_only: bool, limit: int) -> list[dict[str, Any]]:
    """The run ledger, newest first (``parallax runs``)."""
    with storage.connect(db, read_only=True) as con:
        cursor = con.execute(storage.query("list_runs"), [topic, failed_only, limit])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find_published_run(db: Path, topic: str, day: dt.date) -> tuple[str, str, str] | None:
    """(run_id of the published page, its content, run_id whose raw responses it parsed)."""
    with storage.connect(db, read_only=True) as con:
        row = storage.first_row(
            con,
            "SELECT d.run_id, d.content, r.kind, r.parent_run_id,"
            " json_extract_string(r.counts, '$.fetch_run_id')"
            " FROM digests d LEFT JOIN runs r USING (run_id)"
            " WHERE d.topic = ? AND d.logical_date = ?",
            [topic, day],
        )
    if row is None:
        return None
    run_id, content, kind, parent, fetch_run_id = row
    if fetch_run_id is None:  # a run from before the ledger kept it: it fetched itself,
        fetch_run_id = parent if kind == "replay" and parent else run_id  # or replayed one
    return run_id, content, fetch_run_id


class RunInProgressError(RuntimeError):
    """Another Parallax run (daily, backfill or replay) is using the same database."""


@contextmanager
def exclusive_run(db: Path) -> Iterator[None]:
    """Hold the database's run lock for a whole flow run.

    Two runs interleaving their short write sessions could mix one run's rows with the other's
    for the same day, so only one run at a time may use a database (analysts' read-only access
    is not affected). While we hold the lock no other run is alive, so runs still marked
    'running' were left by a process that died: they are marked 'abandoned'. Shards a killed
    backfill left (tasks/shards.py) are merged first.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(f"{db}.run-lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RunInProgressError(
            f"another Parallax run is using {db} (lock {db}.run-lock); let it finish, then retry"
        ) from None
    try:
        with storage.connect(db) as con:
            storage.migrate(con)
        shards.merge_leftovers(db)  # a killed backfill's finished days, before marking its runs
        with storage.connect(db) as con:
            con.execute(
                "UPDATE runs SET status = 'abandoned', finished_at = ?, error = ? "
                "WHERE status = 'running'",
                [storage.utcnow(), "the process ended before the run finished"],
            ).fetchall()
        yield
    finally:
        lock.release()
