"""A backfill on a lake, fanned out as Prefect runs to the workers of the work pool.

With the lake backend (parallax/storage/lake.py) any number of processes, on any machines, may
write topic-days at once. So the backfill deals its topics out in groups (`topic_groups`) and
starts one run of the ``backfill-topics`` deployment per group: whatever workers serve the
work pool pick them up. Each group runs its days in date order against a scratch file seeded
from the lake, and merges every finished day into the lake as it goes (flows/lake.py), so a
worker killed mid-way loses only the days it had not merged: the next backfill runs them.

The backfill waits for its groups, showing the days that reach the lake as they do (progress
bar, final table). Without a Prefect server that knows the deployment (a one-shot CLI run uses
a temporary API), the groups run here, one after another, the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flows.lake import run_days_on_lake
from flows.parallel.threads import DayOutcome, notify
from flows.topic_run import PipelineConfig
from parallax.storage.ledger import completed_days
from parallax.topics import Topic

DEPLOYMENT = "backfill-topics/backfill-topics"
POLL_S = 2.0  # how often the backfill looks for days its groups have put in the lake

log = logging.getLogger("parallax.backfill")


def fan_out(
    groups: list[list[Topic]],
    todo: list[tuple[Topic, dt.date]],
    start: dt.date,
    end: dt.date,
    force: bool,
    config: PipelineConfig,
) -> list[DayOutcome]:
    """Run ``todo`` on the lake, one Prefect run per topic group where a server has the
    deployment, else here; returns every day's outcome."""
    if not _deployment_available():
        log.info("no %s deployment on a Prefect server: running the groups here", DEPLOYMENT)
        return run_days_on_lake(todo, config)
    from prefect.deployments import run_deployment

    def one_group(group: list[Topic]) -> Any:
        return run_deployment(
            DEPLOYMENT,
            parameters={"topics": [t.id for t in group], "start": start, "end": end,
                        "force": force},
            timeout=None,
            poll_interval=POLL_S,
        )  # fmt: skip

    with ThreadPoolExecutor(len(groups), thread_name_prefix="fan-out") as pool:
        runs = [pool.submit(one_group, group) for group in groups]
        reported = _watch(config.db, todo, start, end, lambda: all(r.done() for r in runs))
        states = [run.result() for run in runs]
    reasons = {
        t.id: f"flow run {s.name} ended {s.state.name}: {s.state.message or ''}".strip()
        for group, s in zip(groups, states, strict=True)
        if s.state is not None and not s.state.is_completed()
        for t in group
    }
    done = completed_days(config.db, start, end, migrated=True)
    outcomes = []
    for topic, day in todo:
        if (topic.id, day) in done:
            outcome = reported.get((topic.id, day)) or DayOutcome(topic.id, day, "done")
        else:
            reason = reasons.get(topic.id, "no succeeded run in the lake")
            outcome = DayOutcome(topic=topic.id, day=day, status="failed", reason=reason)
            notify(outcome)
        outcomes.append(outcome)
    return outcomes


def _watch(
    db: Path,
    todo: list[tuple[Topic, dt.date]],
    start: dt.date,
    end: dt.date,
    finished: Any,
) -> dict[tuple[str, dt.date], DayOutcome]:
    """Until ``finished()``, pass on each day of ``todo`` that reaches the lake (`notify`)."""
    wanted = {(topic.id, day) for topic, day in todo}
    seen: dict[tuple[str, dt.date], DayOutcome] = {}
    while True:
        last_look = finished()
        for key in sorted((completed_days(db, start, end, migrated=True) & wanted) - set(seen)):
            seen[key] = DayOutcome(topic=key[0], day=key[1], status="done")
            notify(seen[key])
        if last_look:
            return seen
        time.sleep(POLL_S)


def _deployment_available() -> bool:
    """True when the Prefect API in use has the ``backfill-topics`` deployment (a one-shot CLI
    run's temporary API has none)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(DEPLOYMENT)
    except ObjectNotFound:
        return False
    return True
