"""Kills runs at chosen points, for the fault suite: ``python -m tests.support.killer SPEC``.

SPEC is a JSON file: ``{"kind": "run" | "backfill", "cases": [{"point": ..., "root": ...}],
"google_news_url": ..., "topics": [...], "days": [...]}``. The driver imports the pipeline once,
then for each case forks a child (the driver is single-threaded, so forking is safe) that
runs the pipeline on the case's own database and folders under ``root`` and SIGKILLs itself at
``point``: after a stage of a run (``start``, a stage name, ``finish``), or at a backfill's merge
(``merge-before``, ``merge-committed``, ``merge-between``). It prints one JSON line per case:
the point and the signal that ended the child (9 when the kill happened).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flows import topic_day
from flows.parallel.processes import run_in_processes
from flows.topic_day import run_topic
from flows.topic_run import PipelineConfig, RunPlan
from parallax.settings import Settings
from parallax.storage import shards
from parallax.storage.ledger import exclusive_run
from parallax.topics import Topic, load_topics

RUN_POINTS = ("start", "fetch", "parse", "dedupe", "classify", "relevance", "stories", "select",
              "summarize", "publish", "finish")  # fmt: skip
MERGE_POINTS = ("merge-before", "merge-committed", "merge-between")
_STAGE_FUNCTIONS = {
    "parse": "parse_feeds", "dedupe": "dedupe_articles", "classify": "classify_day",
    "relevance": "relevance_day", "stories": "stories_day", "select": "select_day",
    "summarize": "summarize_day", "publish": "publish_day",
}  # fmt: skip


def config_for(root: Path, google_news_url: str) -> PipelineConfig:
    return replace(
        PipelineConfig.from_settings(Settings(), dt.date(2000, 1, 1)),
        db=root / "p.duckdb",
        content_dir=root / "content",
        charts_dir=None,
        google_news_url=google_news_url,
        fetch_timeout_s=10,
        fetch_retries=0,
        fetch_retry_delay_s=0,
        user_agent="parallax-fault-suite",
        day_bounded_search=True,
        llm=None,
    )


def run_days(topics: list[Topic], days: list[dt.date], config: PipelineConfig) -> list[Any]:
    """Each topic-day as the daily flow runs it: under the run lock, the whole chain."""
    results = []
    for day in days:
        with exclusive_run(config.db):
            results += [
                run_topic(t, day, config, RunPlan(kind="daily"), direct=True) for t in topics
            ]
    return results


def backfill_in_processes(
    topics: list[Topic], days: list[dt.date], config: PipelineConfig
) -> list[Any]:
    """A backfill's worker processes and shard merges (the flow without Prefect's parts)."""
    todo = [(t, day) for day in days for t in topics]
    with exclusive_run(config.db):
        return run_in_processes([[t] for t in topics], todo, config, {})


def _die(*args: Any, **kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _dying_after(function: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        _die()
        return result

    return wrapper


def _arm(point: str) -> None:
    """Patch the pipeline so that this process kills itself at ``point``."""
    if point in ("start", "finish", "fetch"):
        name = {"start": "start_run", "finish": "finish_run", "fetch": "_fetch"}[point]
        setattr(topic_day, name, _dying_after(getattr(topic_day, name)))
    elif point in _STAGE_FUNCTIONS:  # run_topic calls a stage's plain function, ``.fn``
        stage = getattr(topic_day, _STAGE_FUNCTIONS[point])
        setattr(topic_day, _STAGE_FUNCTIONS[point], SimpleNamespace(fn=_dying_after(stage.fn)))
    elif point == "merge-before":
        shards.merge_and_remove = _die
    elif point == "merge-committed":  # the merge committed, the shard not yet deleted
        shards.merge_shard = _dying_after(shards.merge_shard)
    elif point == "merge-between":  # one shard merged and deleted, the next not begun
        shards.merge_and_remove = _dying_after(shards.merge_and_remove)
    else:
        raise ValueError(f"unknown kill point {point!r}")


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    catalog = load_topics(Settings().topics_file)
    topics = [catalog.get(t) for t in spec["topics"]]
    days = [dt.date.fromisoformat(d) for d in spec["days"]]
    runner = backfill_in_processes if spec["kind"] == "backfill" else run_days
    for case in spec["cases"]:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _arm(case["point"])
                runner(topics, days, config_for(Path(case["root"]), spec["google_news_url"]))
            except BaseException:
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"point": case["point"], "signal": os.WTERMSIG(status)
                          if os.WIFSIGNALED(status) else 0}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1])
