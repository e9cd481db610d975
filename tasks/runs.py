"""The run ledger: one `runs` row per topic-day run, one `stage_runs` row per stage."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks import storage


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


def start_run(
    db: Path,
    run: RunRef,
    summarizer: str,
    flow_run_id: str | None = None,
    parent_run_id: str | None = None,
) -> None:
    with storage.connect(db) as con:
        storage.migrate(con)
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
