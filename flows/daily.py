"""The daily digest: every active topic's chain (flows/topic_day.py) for one day, topics
concurrently, each as its own Prefect subflow."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.lake import run_topic_on_lake
from flows.report import create_fallback_artifact, fallback_line, fell_back_state
from flows.topic_day import run_topic
from flows.topic_run import PipelineConfig, RunPlan, TopicResult, run_limits
from parallax import limits, storage
from parallax.llm.preflight import check_model
from parallax.outlets.registry import load_registry
from parallax.settings import Settings
from parallax.storage.analyst_copy import publish_analyst_copy
from parallax.storage.ledger import exclusive_run
from parallax.topics import load_topics
from parallax.window import refuse_future
from tasks.publish import remove_partial_writes


@flow(name="topic-digest", flow_run_name="{topic} {day}")
def topic_digest(
    topic: str, day: dt.date, kind: str = "daily", llm_unusable: str | None = None
) -> TopicResult:
    """One topic-day. Its parameters are ids only: settings (which may hold a gateway URL with
    credentials) are read here, never recorded by Prefect as flow-run parameters.
    ``llm_unusable``: why the configured model is not used (the pre-flight check)."""
    settings = Settings()
    storage.configure(settings.db_wait_s, settings.lake_data_path)
    config = PipelineConfig.from_settings(settings, day, llm_unusable)
    chosen = load_topics(settings.topics_file).get(topic)
    if storage.is_lake(settings.db):
        return run_topic_on_lake(chosen, day, config, RunPlan(kind=kind))
    return run_topic(chosen, day, config, RunPlan(kind=kind))


@task(name="topic", cache_policy=NO_CACHE, task_run_name="{topic}")
def _run_topic(topic: str, day: dt.date, kind: str, llm_unusable: str | None) -> TopicResult:
    # A subflow blocks its caller; wrapping it in a task lets topics run concurrently.
    return topic_digest(topic, day, kind, llm_unusable)


class TopicsFailedError(RuntimeError):
    """Some topics failed; ``results`` holds every topic's outcome."""

    def __init__(self, results: list[TopicResult]) -> None:
        failed = [r for r in results if r.status != "succeeded"]
        super().__init__(
            f"{len(failed)} of {len(results)} topics failed: "
            + "; ".join(f"{r.topic}: {r.error}" for r in failed)
        )
        self.results = results


@flow(name="daily-digest", flow_run_name="daily {date}")
def daily_digest(
    topics: list[str] | None = None,
    date: dt.date | None = None,
    allow_extractive: bool = False,
    allow_future: bool = False,
) -> list[TopicResult]:
    """Build and publish the digest of each topic (default: every active topic) for ``date``
    (default: today, UTC). Before any fetch, a date after today is refused unless
    ``allow_future``, and a configured model that cannot answer stops the run unless
    ``allow_extractive`` (or the setting) allows the extractive summary instead."""
    settings = Settings()
    day = date or dt.datetime.now(dt.UTC).date()
    refuse_future(day, allow_future)
    selected = load_topics(settings.topics_file).select(topics)
    load_registry(settings.outlets_file)  # a broken registry fails now, not after the fetches
    unusable = check_model(
        settings.llm_settings(),
        settings.llm_api_key_secret,
        allow_extractive or settings.allow_extractive,
    )
    storage.configure(settings.db_wait_s, settings.lake_data_path)
    with (
        exclusive_run(settings.db, settings.run_wait_s),
        limits.hold(run_limits(settings), limits.scope_of(settings.db)),
    ):
        remove_partial_writes(settings.content_dir, settings.charts_dir)
        futures = [_run_topic.submit(t.id, day, "daily", unusable) for t in selected]
        results = [f.result() for f in futures]
        publish_analyst_copy(settings.db)
    log = get_run_logger()
    for r in results:
        (log.info if r.status == "succeeded" and not r.fallback else log.warning)(r.outcome())
    if any(r.status != "succeeded" for r in results):
        raise TopicsFailedError(results)  # so a scheduled run shows as Failed in Prefect
    fell_back = [(r.topic, r.fallback) for r in results if r.fallback]
    if fell_back:
        summary = fallback_line(fell_back, len(results))
        log.warning(summary)
        create_fallback_artifact(fell_back, summary)
        return fell_back_state(summary, results)  # type: ignore[return-value]
    return results
