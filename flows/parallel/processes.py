"""A backfill on several worker processes: each runs a group of topics into its own shard.

Why processes: a backfill is CPU-bound (parsing, dedupe, pandas, DuckDB), and one Python process
keeps about one core busy. DuckDB lets one process write a database file, so each worker writes a
shard file (parallax/storage/shards.py) that this process seeded and merges back when the workers
end. Topics split cleanly: a topic-day reads its own topic's earlier days only.

What the workers share, through this process:
- the Prefect limits this flow holds (`limits.hold`), as semaphores every worker enforces,
  so all processes together stay within the run's share of feed requests and model calls;
- good model answers (`parallax.llm.SharingLLMStore`), so two groups never ask about the same
  unknown outlet twice;
- their finished topic-days, sent here for the progress bar and the final table.

Ctrl-C reaches every worker: each finishes the days it is running, then this process merges
the shards. A worker whose parent dies exits; its shard stays until the next run merges it.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from multiprocessing.context import ForkServerContext
from multiprocessing.managers import SyncManager
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from flows.parallel import forkserver
from flows.parallel.threads import DayOutcome, notify, run_days
from flows.topic_run import PipelineConfig
from parallax import limits, storage
from parallax.storage import shards
from parallax.storage.analyst_copy import publish_analyst_copy
from parallax.topics import Topic

# Days in flight per worker process: enough to keep its share of feed and model slots busy
# while its other days use the CPU. More only add GIL contention (60 days x 5 topics: 8 threads
# 55-58 s, 4 threads 53-54 s, 3 threads 50.5 s).
THREADS_PER_PROCESS = 4
_POLL_S = 0.2  # how often the parent looks for workers that died without a word


def run_in_processes(
    groups: list[list[Topic]],
    todo: list[tuple[Topic, dt.date]],
    config: PipelineConfig,
    taken: Mapping[str, int],
) -> list[DayOutcome]:
    """Run ``todo`` with one worker process per topic group; returns every day's outcome
    (days a dead worker never reported are failed, with the reason)."""
    ctx = forkserver.context(with_model=config.llm is not None)
    jobs = _seed(groups, todo, config)
    outcomes: list[DayOutcome] = []
    errors: dict[int, str] = {}
    interrupted = False
    with _answer_manager(ctx) as manager:
        shared = replace(
            config,
            shared_answers=manager.dict(),
            embedding_threads=config.embedding_threads or _cores_each(len(jobs)),
        )
        results: Any = ctx.Queue()
        semaphores = {name: ctx.BoundedSemaphore(n) for name, n in taken.items() if n}
        api_url = _prefect_api_url() if config.llm_api_key_secret else None
        run_id = _flow_run_id()
        workers = [
            ctx.Process(
                target=_worker,
                args=(i, days, replace(shared, db=shard), semaphores, results, run_id, api_url),
                name=f"parallax-backfill-{i}",
            )
            for i, (shard, days) in enumerate(jobs)
        ]
        for worker in workers:
            worker.start()
        merged: set[int] = set()

        def merge(index: int) -> None:  # as soon as a worker ends, while the others still run
            workers[index].join()
            if index not in merged:
                shards.merge_and_remove(config.db, jobs[index][0])
                merged.add(index)
                publish_analyst_copy(config.db)

        balance = _Balancer(workers, [len(days) for _, days in jobs])
        try:
            _collect(workers, results, outcomes, errors, merge, balance.day_done)
        except KeyboardInterrupt:
            interrupted = True
            for worker in workers:  # Ctrl-C in a terminal reached them too; `kill -INT` not
                if worker.is_alive() and worker.pid is not None:
                    os.kill(worker.pid, signal.SIGINT)
            _collect(workers, results, outcomes, errors, merge, interruptible=False)
    for index in range(len(jobs)):
        merge(index)
    if interrupted:
        raise KeyboardInterrupt
    return outcomes + _unreported(todo, outcomes, jobs, errors, workers)


def _cores_each(processes: int) -> int:
    """The embedding model's threads in each worker: the processes' share of the cores. More
    threads than cores spin: 3 processes of 2 threads on 2 cores spent twice the CPU per title
    of 3 processes of 1 thread, for half the titles a second."""
    return max(1, (os.cpu_count() or 1) // processes)


def _seed(
    groups: list[list[Topic]], todo: list[tuple[Topic, dt.date]], config: PipelineConfig
) -> list[tuple[Path, list[tuple[Topic, dt.date]]]]:
    """One shard per group, seeded with what its days read; returns (shard, days) per group."""
    stamp = uuid.uuid4().hex[:8]
    jobs = []
    with storage.connect(config.db) as con:
        for i, group in enumerate(groups):
            ids = {topic.id for topic in group}
            days = [(topic, day) for topic, day in todo if topic.id in ids]
            shard = shards.shard_dir(config.db) / f"{stamp}-{i}.duckdb"
            # A day reads the pages of its last recent_days days and counts its search window.
            context = max(max(t.settings.recent_days, t.settings.max_age_days) for t in group)
            shards.seed_shard(con, shard, [(t.id, day) for t, day in days], context)
            jobs.append((shard, days))
    return jobs


@contextmanager
def _answer_manager(ctx: ForkServerContext) -> Iterator[SyncManager]:
    manager = SyncManager(ctx=ctx)
    # Its server ignores SIGINT (Ctrl-C must not take the shared answers away) and, like a
    # worker, ends when this process dies: the fork server and its resource tracker stay up
    # as long as any process they served is alive.
    manager.start(initializer=_exit_with_parent)
    try:
        yield manager
    finally:
        manager.shutdown()


class _Balancer:
    """Lowers the CPU priority of workers ahead of the slowest, so that all finish together.

    Topics differ in work (one asks the model about more unknown outlets than another): with
    equal shares of the cores, the heaviest worker ends up running alone, on one core, at the
    end of a long backfill. Each second, a worker gets one step of niceness above the slowest
    running worker's per `LEAD` of its days it is ahead (at most `MAX_STEPS`). An unprivileged
    process can only raise niceness, so it never comes back down; only the workers' relative
    shares matter. Linux keeps niceness per thread, so every thread of the worker gets it;
    elsewhere this does nothing.
    """

    LEAD = 0.02
    MAX_STEPS = 8
    EVERY_S = 1.0

    def __init__(self, workers: Sequence[BaseProcess], totals: list[int]) -> None:
        self.workers, self.totals = workers, totals
        self.done = [0] * len(workers)
        self.nice = [0] * len(workers)
        self._next = time.monotonic() + self.EVERY_S

    def day_done(self, index: int) -> None:
        self.done[index] += 1
        if time.monotonic() >= self._next:
            self._next = time.monotonic() + self.EVERY_S
            self.rebalance()

    def rebalance(self) -> None:
        progress = {
            i: self.done[i] / self.totals[i]
            for i, worker in enumerate(self.workers)
            if worker.is_alive() and self.done[i] < self.totals[i]
        }
        if len(progress) < 2:
            return
        slowest = min(progress, key=lambda i: progress[i])
        for i, fraction in progress.items():
            steps = min(self.MAX_STEPS, int((fraction - progress[slowest]) / self.LEAD))
            wanted = min(19, self.nice[slowest] + steps)
            if wanted > self.nice[i]:
                self.nice[i] = wanted
                _renice(self.workers[i].pid, wanted)


def _renice(pid: int | None, nice: int) -> None:
    try:
        threads = os.listdir(f"/proc/{pid}/task")
        for thread in threads:
            os.setpriority(os.PRIO_PROCESS, int(thread), nice)
    except (OSError, AttributeError):  # ended meanwhile, or not Linux
        pass


def _collect(
    workers: Sequence[BaseProcess],
    results: Any,
    outcomes: list[DayOutcome],
    errors: dict[int, str],
    on_end: Callable[[int], None],
    on_day: Callable[[int], None] = lambda index: None,
    interruptible: bool = True,
) -> None:
    """Add the outcomes the workers send (passing each to the progress bar) and each worker's
    fatal error (by index) until every worker has ended; ``on_end(index)`` as each ends.
    KeyboardInterrupt when a worker says it was interrupted (``interruptible``)."""
    ended: set[int] = set()
    while len(ended) < len(workers):
        try:
            message = results.get(timeout=_POLL_S)
        except queue.Empty:
            dead = {i for i, w in enumerate(workers) if not w.is_alive()} - ended
            for index in sorted(dead):  # died without a word (killed)
                ended.add(index)
                on_end(index)
            continue
        kind, index, payload = message
        if kind == "day":
            outcomes.append(payload)
            notify(payload)
            on_day(index)
        elif kind == "error":
            errors[index] = payload
        elif kind == "interrupted":
            if interruptible:
                raise KeyboardInterrupt
        elif index not in ended:  # "end"
            ended.add(index)
            on_end(index)


def _unreported(
    todo: list[tuple[Topic, dt.date]],
    outcomes: list[DayOutcome],
    jobs: list[tuple[Path, list[tuple[Topic, dt.date]]]],
    errors: Mapping[int, str],
    workers: Sequence[BaseProcess],
) -> list[DayOutcome]:
    """Failed outcomes for days a worker never reported (it failed to start, or died)."""
    reported = {(o.topic, o.day) for o in outcomes}
    missing = []
    for i, (_, days) in enumerate(jobs):
        reason = errors.get(i) or f"worker process ended with exit code {workers[i].exitcode}"
        for topic, day in days:
            if (topic.id, day) not in reported:
                missing.append(
                    DayOutcome(topic=topic.id, day=day, status="failed", reason=f"{reason}; re-run")
                )
    return missing


def _flow_run_id() -> str | None:
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return str(ctx.flow_run.id) if ctx and ctx.flow_run else None


def _prefect_api_url() -> str | None:
    """The API this process talks to (a worker loads the model's Secret block from it)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url)


# --- in the worker process ------------------------------------------------------------------


def _worker(
    index: int,
    days: list[tuple[Topic, dt.date]],
    config: PipelineConfig,
    semaphores: Mapping[str, Any],
    results: Any,
    flow_run_id: str | None,
    api_url: str | None,
) -> None:
    # The heap forked from the server (the preloaded pipeline) is never garbage: frozen, the
    # collector stops walking it (and touching its pages, which are shared until written).
    gc.freeze()
    _exit_with_parent()
    _interrupt_once()
    try:
        with (
            _prefect_api(api_url),
            limits.enforce(semaphores),
            storage.keep_open(config.db, threads=1),
        ):
            run_days(
                days,
                config,
                THREADS_PER_PROCESS,
                lambda outcome: results.put(("day", index, outcome)),
                flow_run_id,
            )
    except KeyboardInterrupt:
        # The days that were running have finished; the parent merges what is done. It is told
        # too: its own Ctrl-C can be swallowed (DuckDB takes SIGINT as "cancel this query").
        results.put(("interrupted", index, None))
    except Exception as exc:  # reported as the reason its remaining days failed
        results.put(("error", index, f"worker {index}: {type(exc).__name__}: {exc}"))
    finally:
        results.put(("end", index, None))
        results.close()
        results.join_thread()


def _exit_with_parent() -> None:
    """End this process (a worker, the answer manager) when the backfill's process dies
    (killed): a worker's shard is merged by the next run, and a worker left running would hold
    the shard file. Not the parent-death signal: these are children of the fork server."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _interrupt_once() -> None:
    """The first SIGINT stops new days (KeyboardInterrupt); later ones (the parent passes a
    terminal's Ctrl-C on as well) are ignored, so the running days can finish."""

    def handler(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)


def _prefect_api(api_url: str | None) -> Any:
    if api_url is None:
        return nullcontext()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: api_url})
