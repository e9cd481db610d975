"""Backfill: every stage for each topic and past day in a date range, resumable.

Every stage runs for each topic-day (flows/parallel/threads.py). A day commits on its own, so a
crash or Ctrl-C loses nothing already done; a re-run skips topic-days that already have a
succeeded run unless ``force``. Feed requests and model calls are bounded by the Prefect
limits of parallax/limits.py.

With several topics the topics are dealt out to worker processes, each writing a shard file that is
merged back when it ends (flows/parallel/processes.py, parallax/storage/shards.py): one Python
process keeps about one core busy, and a backfill is CPU-bound. On a lake, the topic groups are
Prefect runs of ``backfill-topics`` instead, for the workers of the work pool, on any machine
(flows/parallel/fanout.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from prefect import flow

from flows.lake import draw_charts, run_days_on_lake
from flows.parallel.fanout import fan_out
from flows.parallel.processes import run_in_processes
from flows.parallel.threads import THREADS, DayOutcome, notify, observe, run_days
from flows.report import (
    ProgressArtifact,
    create_fallback_artifact,
    fallback_line,
    fell_back_state,
)
from flows.topic_run import PipelineConfig, run_limits
from parallax import limits, storage
from parallax.llm.preflight import check_model
from parallax.outlets.registry import load_registry
from parallax.settings import Settings
from parallax.storage.analyst_copy import publish_analyst_copy
from parallax.storage.ledger import completed_days, exclusive_run
from parallax.topics import Topic, load_topics
from parallax.window import refuse_future
from tasks.publish import remove_partial_writes

log = logging.getLogger("parallax.backfill")

# How often a single-process backfill republishes the analysts' copy (storage/analyst_copy.py)
# while it runs: often enough to watch it progress, rarely enough that copying costs nothing.
COPY_EVERY_S = 60.0


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

    @property
    def fell_back(self) -> list[DayOutcome]:
        """Days done with the extractive summary although a model is configured."""
        return [o for o in self.outcomes if o.status == "done" and o.fallback]


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
                skipped.append(
                    DayOutcome(
                        topic=topic.id, day=day, status="skipped", reason="already succeeded"
                    )
                )
            else:
                todo.append((topic, day))
    return todo, skipped


@flow(name="backfill", flow_run_name="backfill {start}..{end}")
def backfill(
    start: dt.date,
    end: dt.date,
    topics: list[str] | None = None,
    force: bool = False,
    allow_extractive: bool = False,
    allow_future: bool = False,
) -> BackfillReport:
    """Run every stage for each day from ``start`` to ``end`` (inclusive) and each topic
    (default: every active topic); topic-days that already succeeded are skipped unless
    ``force``. Before any fetch, an ``end`` after today is refused unless ``allow_future``, and
    a configured model that cannot answer stops the backfill unless ``allow_extractive``."""
    started = time.perf_counter()
    settings = Settings()
    refuse_future(end, allow_future)
    selected = load_topics(settings.topics_file).select(topics)
    load_registry(settings.outlets_file)  # a broken registry fails now, not after the fetches
    days = days_between(start, end)
    unusable = check_model(
        settings.llm_settings(),
        settings.llm_api_key_secret,
        allow_extractive or settings.allow_extractive,
    )
    # Past days always carry after:/before: operators, whatever today is.
    config = replace(PipelineConfig.from_settings(settings, end, unusable), day_bounded_search=True)
    # Each topic's chart ends at its latest published day and counts every stored day: redrawn
    # after each of hundreds of days its query (which grows with the database) would be paid
    # every day, so a backfill draws it once per topic after the last day.
    day_config = replace(config, charts_dir=None)
    storage.configure(settings.db_wait_s, settings.lake_data_path)
    if storage.is_lake(settings.db):
        report = BackfillReport(start=start, end=end)
        done = completed_days(settings.db, start, end)
        todo, skipped = plan_days(selected, days, done, force)
        report.outcomes += skipped
        for outcome in skipped:
            notify(outcome)
        progress = ProgressArtifact(
            "backfill-progress", len(todo), f"backfill {start}..{end}: topic-days done"
        )
        if todo:
            groups = topic_groups(todo, settings.backfill_processes)
            with observe(progress.advance):
                report.outcomes += fan_out(groups, todo, start, end, force, day_config)
            if config.charts_dir is not None:
                draw_charts(settings.db, [t for group in groups for t in group], config.charts_dir)
        return _finish(report, started, progress)
    with (
        # first: it merges what a killed backfill left in shards
        exclusive_run(settings.db, settings.run_wait_s),
        limits.hold(run_limits(settings), limits.scope_of(settings.db)) as taken,
        storage.keep_open(settings.db, threads=1),
    ):
        remove_partial_writes(settings.content_dir, settings.charts_dir)
        done = completed_days(settings.db, start, end)
        todo, skipped = plan_days(selected, days, done, force)
        report = BackfillReport(start=start, end=end, outcomes=list(skipped))
        for outcome in skipped:
            notify(outcome)
        progress = ProgressArtifact(
            "backfill-progress", len(todo), f"backfill {start}..{end}: topic-days done"
        )
        if todo:
            groups = topic_groups(todo, settings.backfill_processes)
            with observe(progress.advance):
                if len(groups) > 1:
                    report.outcomes += run_in_processes(groups, todo, day_config, taken)
                else:
                    report.outcomes += run_days(todo, day_config, THREADS, CopyEvery(settings.db))
            if config.charts_dir is not None:
                ran = sorted({topic.id: topic for topic, _ in todo}.values(), key=lambda t: t.id)
                draw_charts(settings.db, ran, config.charts_dir)
        publish_analyst_copy(settings.db)
    return _finish(report, started, progress)


def _finish(report: BackfillReport, started: float, progress: ProgressArtifact) -> BackfillReport:
    report.outcomes.sort(key=lambda o: (o.day, o.topic))
    report.wall_s = time.perf_counter() - started
    progress.finish()
    _summary_artifact(report)
    fell_back = [(f"{o.topic} {o.day}", o.fallback or "") for o in report.fell_back]
    if fell_back:
        summary = fallback_line(fell_back, report.count("done"), "topic-days")
        create_fallback_artifact(fell_back, summary)
        return fell_back_state(summary, report)  # type: ignore[return-value]
    return report


class CopyEvery:
    """Passes each finished day on (`notify`) and republishes the analysts' copy of ``db`` at
    most every `COPY_EVERY_S` seconds."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.last = time.monotonic()

    def __call__(self, outcome: DayOutcome) -> None:
        notify(outcome)
        if time.monotonic() - self.last >= COPY_EVERY_S:
            self.last = time.monotonic()
            publish_analyst_copy(self.db)


@flow(name="backfill-topics", flow_run_name="backfill {topics} {start}..{end}")
def backfill_topics(
    topics: list[str], start: dt.date, end: dt.date, force: bool = False
) -> dict[str, int]:
    """One group of a lake backfill: every stage for each day from ``start`` to ``end`` of
    ``topics``, each day merged into the lake as it ends. Returns how many days were done,
    skipped (already succeeded) and failed."""
    settings = Settings()
    storage.configure(settings.db_wait_s, settings.lake_data_path)
    if not storage.is_lake(settings.db):
        raise ValueError("backfill-topics runs on a lake: set PARALLAX_DB=ducklake:...")
    selected = load_topics(settings.topics_file).select(topics)
    config = replace(
        PipelineConfig.from_settings(settings, end), day_bounded_search=True, charts_dir=None
    )
    done = completed_days(settings.db, start, end)
    todo, skipped = plan_days(selected, days_between(start, end), done, force)
    outcomes: list[DayOutcome] = []
    if todo:
        with limits.hold(run_limits(settings), limits.scope_of(settings.db)):
            outcomes = run_days_on_lake(todo, config)
        if settings.charts_dir is not None:
            draw_charts(settings.db, selected, settings.charts_dir)
    counts = {"done": 0, "skipped": len(skipped), "failed": 0}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def topic_groups(todo: list[tuple[Topic, dt.date]], processes: int = 0) -> list[list[Topic]]:
    """The topics of ``todo`` dealt out to worker processes (one group each).

    ``processes`` 0 means one per topic, at most 4 per CPU core: a process keeps at most one
    core busy, and more processes than cores lets the OS even out unequal groups (5 topics in 4
    processes on 2 cores left one process with two topics running alone at the end).
    """
    topics = sorted({topic.id: topic for topic, _ in todo}.values(), key=lambda t: t.id)
    wanted = processes or 4 * (os.cpu_count() or 1)
    n = max(1, min(len(topics), wanted))
    return [topics[i::n] for i in range(n)]


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
