"""The daily digest: fetch -> parse -> dedupe -> classify -> select -> summarize -> publish,
one task chain per topic, topics concurrently."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from parallax.progress import report
from parallax.settings import Settings
from parallax.topics import Topic, load_topics
from tasks.classify import classify_day
from tasks.classify_llm import make_outlet_fallback
from tasks.dedupe import dedupe_articles
from tasks.fetch import FetchOutcome, build_search_url, fetch_feed
from tasks.llm import LLMSettings
from tasks.parse import parse_feeds
from tasks.publish import publish_day
from tasks.runs import RunRef, finish_run, stage, start_run
from tasks.select import select_day
from tasks.summarize import make_summarizer, summarize_day
from tasks.window import search_window


class NoFeedsError(RuntimeError):
    """Every feed of a topic failed: there is nothing to summarize."""


@dataclass(frozen=True)
class PipelineConfig:
    """What a topic run needs from the settings (no secrets)."""

    db: Path
    content_dir: Path
    charts_dir: Path
    outlets_file: Path
    google_news_url: str
    fetch_timeout_s: float
    fetch_retries: int
    fetch_retry_delay_s: float
    user_agent: str
    day_bounded_search: bool  # add after:/before: operators (past days, backfills)
    llm: LLMSettings | None = None  # None: the extractive summarizer
    llm_api_key_secret: str | None = None  # Prefect Secret block name, loaded at run time
    classify_with_llm: bool = False  # the LLM fallback for unknown outlets (needs llm)

    @classmethod
    def from_settings(cls, settings: Settings, day: dt.date) -> PipelineConfig:
        return cls(
            settings.db,
            settings.content_dir,
            settings.charts_dir,
            settings.outlets_file,
            settings.google_news_url,
            settings.fetch_timeout_s,
            settings.fetch_retries,
            settings.fetch_retry_delay_s,
            settings.user_agent,
            day_bounded_search=day < dt.datetime.now(dt.UTC).date(),
            llm=settings.llm_settings(),
            llm_api_key_secret=settings.llm_api_key_secret,
            classify_with_llm=settings.classify_with_llm,
        )


@dataclass
class TopicResult:
    topic: str
    logical_date: dt.date
    run_id: str
    status: str = "running"
    page: str | None = None
    per_side: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # something failed, e.g. one feed
    notes: list[str] = field(default_factory=list)  # worth knowing, e.g. a side's shortfall
    error: str | None = None


def _fetch(
    run: RunRef, topic: Topic, config: PipelineConfig, window: tuple[dt.date, dt.date]
) -> list[FetchOutcome]:
    delays = [config.fetch_retry_delay_s * 2**i for i in range(config.fetch_retries)]
    fetch = fetch_feed.with_options(retries=config.fetch_retries, retry_delay_seconds=delays)
    futures = [
        fetch.submit(
            run,
            feed,
            i,
            build_search_url(
                config.google_news_url, feed, window if config.day_bounded_search else None
            ),
            config.db,
            config.fetch_timeout_s,
            config.user_agent,
        )
        for i, feed in enumerate(topic.feeds)
    ]
    outcomes = []
    for i, future in enumerate(futures):
        result = future.result(raise_on_failure=False)
        if isinstance(result, FetchOutcome):
            outcomes.append(result)
        else:
            outcomes.append(
                FetchOutcome(
                    topic.feeds[i].perspective,
                    i,
                    "",
                    False,
                    0,
                    f"{result} (after {config.fetch_retries + 1} tries)",
                )
            )
    return outcomes


@flow(name="topic-digest", flow_run_name="{topic.id} {day}")
def topic_digest(
    topic: Topic, day: dt.date, config: PipelineConfig, kind: str = "daily"
) -> TopicResult:
    run = RunRef.new(topic.id, day, kind)
    summarizer = make_summarizer(config.llm, config.db, run.run_id, config.llm_api_key_secret)
    ctx = FlowRunContext.get()
    start_run(
        config.db, run, summarizer.name, str(ctx.flow_run.id) if ctx and ctx.flow_run else None
    )
    result = TopicResult(topic.id, day, run.run_id)
    window = search_window(day, topic.settings.max_age_days)
    try:
        with stage(config.db, run, "fetch") as counts:
            outcomes = _fetch(run, topic, config, window)
            ok = [o for o in outcomes if o.ok]
            counts.update(feeds=len(outcomes), ok=len(ok), items=sum(o.item_count for o in ok))
            result.warnings += [
                f"{o.perspective} feed failed: {o.error}" for o in outcomes if not o.ok
            ]
            if not ok:
                raise NoFeedsError("; ".join(result.warnings))
        report(topic.id, "fetch", f"{len(ok)}/{len(outcomes)} feeds, {counts['items']} items")
        parsed = parse_feeds(
            run, config.db, {i: (f.language, f.region) for i, f in enumerate(topic.feeds)}
        )
        deduped = dedupe_articles(run, config.db, topic, window, config.outlets_file)
        report(
            topic.id, "dedupe", f"{parsed['articles']} articles, {deduped['duplicates']} duplicates"
        )
        fallback = make_outlet_fallback(
            config.llm if config.classify_with_llm else None,
            config.db,
            run.run_id,
            config.llm_api_key_secret,
        )
        classified = classify_day(run, config.db, topic, config.outlets_file, fallback)
        report(
            topic.id,
            "classify",
            ", ".join(f"{k} {v}" for k, v in sorted(classified["by_perspective"].items())),
        )
        selected = select_day(run, config.db, topic, window)
        summarize_day(run, config.db, topic, summarizer)
        published = publish_day(
            run, config.db, topic, config.content_dir, window, config.charts_dir
        )
        result.status, result.page = "succeeded", published["path"]
        result.per_side = selected["per_side"]
        short = ", ".join(f"{side} {n}" for side, n in selected["shortfall"].items() if n)
        if short:
            result.notes.append(f"fewer articles than the per-side quota: {short} short")
        finish_run(
            config.db,
            run,
            "succeeded",
            {
                "selected": selected["selected"],
                "per_side": selected["per_side"],
                "page_changed": published["changed"],
            },
        )
    except Exception as exc:  # one topic failing must not stop the others
        result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
        finish_run(config.db, run, "failed", {}, result.error)
    return result


@task(name="topic", cache_policy=NO_CACHE, task_run_name="{topic.id}")
def _run_topic(topic: Topic, day: dt.date, config: PipelineConfig, kind: str) -> TopicResult:
    # A subflow blocks its caller; wrapping it in a task lets topics run concurrently.
    return topic_digest(topic, day, config, kind)


@flow(name="daily-digest", flow_run_name="daily {date}")
def daily_digest(topics: list[str] | None = None, date: dt.date | None = None) -> list[TopicResult]:
    """Build and publish the digest of each topic (default: every active topic) for ``date``
    (default: today, UTC)."""
    settings = Settings()
    day = date or dt.datetime.now(dt.UTC).date()
    selected = load_topics(settings.topics_file).select(topics)
    config = PipelineConfig.from_settings(settings, day)
    futures = [_run_topic.submit(t, day, config, "daily") for t in selected]
    return [f.result() for f in futures]
