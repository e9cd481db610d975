"""Topic-days on a lake (parallax/storage/lake.py): each run works in a local scratch file
seeded from the lake, and each finished topic-day goes into the lake as one snapshot.

The stages are the same code as on a DuckDB file: they read and write the scratch file, which
holds what their days read (earlier pages, stored feed answers, cached model answers; the same
seeding as a backfill shard). Charts read 90 days, so they are drawn from the lake itself once
the days are in. A worker killed mid-run loses only its scratch file: the days it had merged
are in the lake, the others have no succeeded run and are run again by the next backfill.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from flows.parallel.threads import THREADS, DayOutcome, notify, run_days
from flows.topic_day import run_topic
from flows.topic_run import PipelineConfig, RunPlan, TopicResult
from parallax import storage
from parallax.storage import shards
from parallax.topics import Topic
from tasks.publish import write_chart

log = logging.getLogger("parallax.lake")


def context_days(topics: list[Topic]) -> int:
    """How far back a topic-day reads earlier days: the pages it avoids repeating, the window
    its counts cover."""
    return max(max(t.settings.recent_days, t.settings.max_age_days) for t in topics)


@contextmanager
def scratch_for(
    db: Path, todo: list[tuple[Topic, dt.date]], snapshot: int | None = None
) -> Iterator[Path]:
    """A scratch DuckDB file seeded from the lake ``db`` (as of ``snapshot``, when given) for
    the topic-days ``todo``, kept open for the block and deleted after it."""
    folder = Path(tempfile.mkdtemp(prefix="parallax-scratch-"))
    path = folder / "scratch.duckdb"
    try:
        with storage.connect(db) as con:
            storage.migrate(con)
        source = (
            storage.connect_snapshot(str(db), snapshot)
            if snapshot is not None
            else storage.connect(db)
        )
        with source as con:
            topics = list({topic.id: topic for topic, _ in todo}.values())
            scope = [(topic.id, day) for topic, day in todo]
            shards.seed_shard(con, path, scope, context_days(topics))
        with storage.keep_open(path, threads=1):
            yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def merge_run(db: Path, scratch: Path, topic: str, day: dt.date, kind: str, run_id: str) -> None:
    """Put one finished topic-day run into the lake: one snapshot named after the run."""
    shards.merge_days(db, scratch, [(topic, day)], f"{kind} {topic} {day} run {run_id}")


def run_topic_on_lake(
    topic: Topic,
    day: dt.date,
    config: PipelineConfig,
    plan: RunPlan,
    snapshot: int | None = None,
) -> TopicResult:
    """`run_topic` for a daily run or a replay on a lake; a replay may read the lake as it was
    at a past ``snapshot`` (its result is written as a new snapshot, like any run)."""
    with scratch_for(config.db, [(topic, day)], snapshot) as path:
        result = run_topic(topic, day, replace(config, db=path, charts_dir=None), plan)
        try:
            merge_run(config.db, path, topic.id, day, plan.kind, result.run_id)
        except Exception as exc:  # the page is written, but the lake does not have the run
            result.status = "failed"
            result.error = f"the run could not be written to the lake: {type(exc).__name__}: {exc}"
    if result.status == "succeeded" and config.charts_dir is not None:
        draw_charts(config.db, [topic], config.charts_dir)
    return result


def run_days_on_lake(
    todo: list[tuple[Topic, dt.date]],
    config: PipelineConfig,
    on_outcome: Callable[[DayOutcome], None] = notify,
    flow_run_id: str | None = None,
) -> list[DayOutcome]:
    """A backfill's topic-days on threads (flows/parallel/threads.py) against one scratch file;
    finished days go into the lake as they end (`LakeWriter`)."""
    with scratch_for(config.db, todo) as path, LakeWriter(config.db, path, on_outcome) as writer:
        outcomes = run_days(todo, replace(config, db=path), THREADS, writer.put, flow_run_id)
    return [writer.failed.get((o.topic, o.day), o) for o in outcomes]


class LakeWriter:
    """Puts finished topic-days into the lake from one thread of its own, each time all the
    days that ended since the last time, in one snapshot.

    A lake commit costs about the same for one day as for several (catalog round trips, one
    Parquet file per table), and days end faster than one commit each would keep up with; the
    days go on running meanwhile. A day is passed on (``on_outcome``: the progress bar) once it
    is in the lake, so what the bar counts is what a resumed backfill would skip.
    """

    def __init__(self, db: Path, scratch: Path, on_outcome: Callable[[DayOutcome], None]):
        self.db, self.scratch, self.on_outcome = db, scratch, on_outcome
        self.failed: dict[tuple[str, dt.date], DayOutcome] = {}
        self._pending: queue.Queue[DayOutcome | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="lake-writer", daemon=True)

    def __enter__(self) -> LakeWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._pending.put(None)
        self._thread.join()

    def put(self, outcome: DayOutcome) -> None:
        self._pending.put(outcome)

    def _run(self) -> None:
        done = False
        while not done:
            batch = [self._pending.get()]
            while not self._pending.empty():
                batch.append(self._pending.get())
            done = None in batch
            self._write([o for o in batch if o is not None])

    def _write(self, batch: list[DayOutcome]) -> None:
        ran = [o for o in batch if o.run_id is not None]
        if ran:
            runs = " ".join(f"{o.topic} {o.day} run {o.run_id}" for o in ran)
            try:
                shards.merge_days(self.db, self.scratch, [(o.topic, o.day) for o in ran],
                                  f"backfill {runs}")  # fmt: skip
            except Exception as exc:  # these days are not in the lake: they are not done
                reason = f"not written to the lake: {type(exc).__name__}: {exc}"
                for o in ran:
                    self.failed[(o.topic, o.day)] = replace(o, status="failed", reason=reason)
        for outcome in batch:
            self.on_outcome(self.failed.get((outcome.topic, outcome.day), outcome))


def draw_charts(db: Path, topics: list[Topic], charts_dir: Path) -> None:
    for topic in topics:
        try:
            with storage.connect(db) as con:
                write_chart(con, topic, charts_dir)
        except Exception as exc:  # the days are stored; a chart is redrawn by the next run
            log.warning("chart of %s not redrawn: %s: %s", topic.id, type(exc).__name__, exc)
