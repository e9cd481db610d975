"""Running topic-days on a thread pool: the unit of work of a backfill, in one process.

Each topic-day runs the whole chain (``run_topic(direct=True)``): fetch with day-bounded
``after:``/``before:`` operators, parse, dedupe, classify, select, summarize, publish. A day
commits on its own, so a crash or Ctrl-C loses nothing already done. A topic's days judge
relevance, group stories and select in date order (`DayOrder`); the stages before run ahead.

Topic-days are not Prefect task runs: a task run per day adds API bookkeeping to every day
(and a CLI run's temporary server keeps no task runs to look at). Each day is in the run
ledger (`parallax runs`) and the flow's summary artifact.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace

from flows.topic_day import run_topic
from flows.topic_run import FEEDS_CUT, PipelineConfig, RunPlan
from parallax.topics import Topic

# Days in flight at once in one process. Enough to keep its feed and model slots busy while
# other days parse (CPU-bound, one core under the GIL); more only queue on the slots.
THREADS = 8


@dataclass(frozen=True)
class DayOutcome:
    topic: str
    day: dt.date
    status: str  # done | skipped | failed
    run_id: str | None = None
    reason: str | None = None
    seconds: float = 0.0
    fallback: str | None = None  # why the page has the extractive summary (a model configured)
    cut_feeds: bool = False  # the per-feed limits cut a feed of the day


# Observers of finished topic-days (the CLI's progress bar); called from worker threads.
_observers: list[Callable[[DayOutcome], None]] = []


@contextmanager
def observe(callback: Callable[[DayOutcome], None]) -> Iterator[None]:
    _observers.append(callback)
    try:
        yield
    finally:
        _observers.remove(callback)


def notify(outcome: DayOutcome) -> None:
    for callback in list(_observers):
        callback(outcome)


class DayOrder:
    """Makes a topic's days judge, group and select in date order while the stages before run
    ahead.

    A page avoids articles already on the previous ``recent_days`` pages, so day d's select
    must see day d-1's final selections: without this, a day running beside its predecessor
    picked articles from a partial history, and a later replay of it gave another page. Days
    are submitted in date order to a FIFO pool, so the day waited on is always already running.
    """

    def __init__(self, todo: list[tuple[Topic, dt.date]]) -> None:
        self._selected = {(topic.id, day): threading.Event() for topic, day in todo}

    def wait_for_previous(self, topic: str, day: dt.date) -> None:
        previous = self._selected.get((topic, day - dt.timedelta(days=1)))
        if previous is not None:
            previous.wait()

    def selected(self, topic: str, day: dt.date) -> None:
        """The day's selections are final (or it ended without them): the next day may select."""
        self._selected[(topic, day)].set()


def backfill_day(
    topic: Topic,
    day: dt.date,
    config: PipelineConfig,
    order: DayOrder,
    on_outcome: Callable[[DayOutcome], None],
    flow_run_id: str | None = None,
) -> DayOutcome:
    started = time.perf_counter()
    try:
        result = run_topic(
            topic,
            day,
            config,
            RunPlan(kind="backfill", artifacts=False, flow_run_id=flow_run_id),
            direct=True,
            await_previous_day=lambda: order.wait_for_previous(topic.id, day),
            release_next_day=lambda: order.selected(topic.id, day),
        )
        status = "done" if result.status == "succeeded" else "failed"
        outcome = DayOutcome(
            topic=topic.id,
            day=day,
            status=status,
            run_id=result.run_id,
            reason=result.error,
            fallback=result.fallback,
            cut_feeds=any(note.startswith(FEEDS_CUT) for note in result.notes),
        )
    except Exception as exc:  # e.g. the ledger itself failed: the other days go on
        outcome = DayOutcome(
            topic=topic.id, day=day, status="failed", reason=f"{type(exc).__name__}: {exc}"
        )
    finally:
        order.selected(topic.id, day)
    outcome = replace(outcome, seconds=time.perf_counter() - started)
    on_outcome(outcome)
    return outcome


def run_days(
    todo: list[tuple[Topic, dt.date]],
    config: PipelineConfig,
    threads: int,
    on_outcome: Callable[[DayOutcome], None] = notify,
    flow_run_id: str | None = None,
) -> list[DayOutcome]:
    """Run the topic-days on a thread pool, in submission (date) order; on Ctrl-C, days not
    started are dropped and the ones running are finished (each commits on its own)."""
    order = DayOrder(todo)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="backfill")
    try:
        # Each day runs in a copy of this context, so it sees the flow run (runs.flow_run_id).
        futures = [
            pool.submit(ctx.run, backfill_day, topic, day, config, order, on_outcome, flow_run_id)
            for topic, day in todo
            for ctx in [contextvars.copy_context()]
        ]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
