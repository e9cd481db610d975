"""Backfill: every stage for each topic and past day in a date range, resumable.

Each topic-day runs the whole chain (``run_topic(direct=True)``) on a thread of the flow:
fetch with day-bounded ``after:``/``before:`` operators, parse, dedupe, classify, select,
summarize, publish. A day commits on its own, so a crash or Ctrl-C loses nothing already done;
a re-run skips topic-days that already have a succeeded run unless ``force``. Feed requests and
model calls are bounded by the Prefect limits of tasks/limits.py.

Topic-days are not Prefect task runs: a task run per day adds API bookkeeping to every day on
the one core the pipeline's Python runs on (and a CLI run's temporary server keeps no task runs
to look at). Each day is in the run ledger (`parallax runs`) and the flow's summary artifact.
A topic's days select in date order (`DayOrder`); other stages run ahead.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from prefect import flow

from flows.daily import PipelineConfig, RunPlan, run_limits, run_topic
from parallax.settings import Settings
from parallax.topics import Topic, load_topics
from tasks import limits, storage
from tasks.publish import write_chart
from tasks.runs import abandon_unfinished, completed_days, exclusive_run

log = logging.getLogger("parallax.backfill")

# Days in flight at once. Enough to keep every feed and model slot busy while other days parse
# (CPU-bound, one core under the GIL); more threads only queue on the slots and the DB lock.
BACKFILL_WORKERS = 8


@dataclass(frozen=True)
class DayOutcome:
    topic: str
    day: dt.date
    status: str  # done | skipped | failed
    run_id: str | None = None
    reason: str | None = None
    seconds: float = 0.0


@dataclass
class BackfillReport:
    start: dt.date
    end: dt.date
    outcomes: list[DayOutcome] = field(default_factory=list)
    wall_s: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[DayOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def plan_days(
    topics: list[Topic],
    days: list[dt.date],
    completed: set[tuple[str, dt.date]],
    force: bool,
) -> tuple[list[tuple[Topic, dt.date]], list[DayOutcome]]:
    """Topic-days to run (day by day, every topic) and those skipped as already done."""
    todo, skipped = [], []
    for day in days:
        for topic in topics:
            if not force and (topic.id, day) in completed:
                skipped.append(DayOutcome(topic.id, day, "skipped", reason="already succeeded"))
            else:
                todo.append((topic, day))
    return todo, skipped


# Observers of finished topic-days (the CLI's progress bar); called from worker threads.
_observers: list[Callable[[DayOutcome], None]] = []


@contextmanager
def observe(callback: Callable[[DayOutcome], None]) -> Iterator[None]:
    _observers.append(callback)
    try:
        yield
    finally:
        _observers.remove(callback)


def _notify(outcome: DayOutcome) -> None:
    for callback in list(_observers):
        callback(outcome)


class DayOrder:
    """Makes a topic's days select in date order while other stages run ahead.

    A page avoids articles already on the previous ``recent_days`` pages, so day d's select
    must see day d-1's final selections: without this, a day running beside its predecessor
    picked articles from a partial history, and a later replay of it gave another page. Days
    are submitted in date order to a FIFO pool, so the day waited on is always already running.
    """

    def __init__(self, todo: list[tuple[Topic, dt.date]]) -> None:
        self._done = {(topic.id, day): threading.Event() for topic, day in todo}

    def wait_for_previous(self, topic: str, day: dt.date) -> None:
        previous = self._done.get((topic, day - dt.timedelta(days=1)))
        if previous is not None:
            previous.wait()

    def finished(self, topic: str, day: dt.date) -> None:
        self._done[(topic, day)].set()


def backfill_day(topic: Topic, day: dt.date, config: PipelineConfig, order: DayOrder) -> DayOutcome:
    started = time.perf_counter()
    try:
        abandon_unfinished(config.db, topic.id, day, "process ended before the run finished")
        result = run_topic(
            topic,
            day,
            config,
            RunPlan(kind="backfill", artifacts=False),
            direct=True,
            before_select=lambda: order.wait_for_previous(topic.id, day),
        )
        status = "done" if result.status == "succeeded" else "failed"
        outcome = DayOutcome(topic.id, day, status, result.run_id, result.error)
    except Exception as exc:  # e.g. the ledger itself failed: the other days go on
        outcome = DayOutcome(topic.id, day, "failed", reason=f"{type(exc).__name__}: {exc}")
    finally:
        order.finished(topic.id, day)
    outcome = replace(outcome, seconds=time.perf_counter() - started)
    _notify(outcome)
    return outcome


@flow(name="backfill", flow_run_name="backfill {start}..{end}")
def backfill(
    start: dt.date,
    end: dt.date,
    topics: list[str] | None = None,
    force: bool = False,
) -> BackfillReport:
    """Run every stage for each day from ``start`` to ``end`` (inclusive) and each topic
    (default: every active topic); topic-days that already succeeded are skipped unless
    ``force``."""
    started = time.perf_counter()
    settings = Settings()
    selected = load_topics(settings.topics_file).select(topics)
    days = days_between(start, end)
    todo, skipped = plan_days(selected, days, completed_days(settings.db, start, end), force)
    report = BackfillReport(start, end, list(skipped))
    for outcome in skipped:
        _notify(outcome)
    # Past days always carry after:/before: operators, whatever today is.
    config = replace(PipelineConfig.from_settings(settings, end), day_bounded_search=True)
    # Each topic's chart ends at its latest published day and counts every stored day: redrawn
    # after each of hundreds of days it was ~5% of a topic-day's CPU (and its query grows with
    # the database), so a backfill draws it once per topic after the last day.
    day_config = replace(config, charts_dir=None)
    if todo:
        with (
            exclusive_run(settings.db),
            limits.hold(run_limits(settings)),
            storage.keep_open(settings.db),
        ):
            report.outcomes += _run_days(todo, day_config)
            if config.charts_dir is not None:
                _write_charts(config, sorted({topic.id: topic for topic, _ in todo}.values(),
                                             key=lambda t: t.id))  # fmt: skip
    report.outcomes.sort(key=lambda o: (o.day, o.topic))
    report.wall_s = time.perf_counter() - started
    _summary_artifact(report)
    return report


def _run_days(todo: list[tuple[Topic, dt.date]], config: PipelineConfig) -> list[DayOutcome]:
    """Run the topic-days on a thread pool, in submission (date) order; on Ctrl-C, days not
    started are dropped and the ones running are finished (each commits on its own)."""
    order = DayOrder(todo)
    pool = ThreadPoolExecutor(BACKFILL_WORKERS, thread_name_prefix="backfill")
    try:
        # Each day runs in a copy of this context, so it sees the flow run (runs.flow_run_id).
        futures = [
            pool.submit(contextvars.copy_context().run, backfill_day, topic, day, config, order)
            for topic, day in todo
        ]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _write_charts(config: PipelineConfig, topics: list[Topic]) -> None:
    assert config.charts_dir is not None
    for topic in topics:
        try:
            with storage.connect(config.db) as con:
                write_chart(con, topic, config.charts_dir)
        except Exception as exc:  # the days are stored; a chart is redrawn by the next run
            log.warning("chart of %s not redrawn: %s: %s", topic.id, type(exc).__name__, exc)


def _summary_artifact(report: BackfillReport) -> None:
    from prefect.artifacts import create_table_artifact

    rows = [{"status": s, "topic-days": report.count(s)} for s in ("done", "skipped", "failed")] + [
        {"status": f"failed {o.topic} {o.day}", "topic-days": o.reason or ""} for o in report.failed
    ]
    create_table_artifact(
        table=rows,
        key="backfill-summary",
        description=f"backfill {report.start}..{report.end} in {report.wall_s:.1f} s",
    )
