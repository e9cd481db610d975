"""The chain of one topic-day: fetch -> parse -> dedupe -> classify -> relevance -> select ->
summarize -> publish, shared by the daily, backfill and replay flows (`run_topic`)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

from prefect.context import FlowRunContext

from flows.report import create_artifacts, load_per_side, load_report
from flows.stage_tools import fallback_reason, limits_note, local_scorer, model_users
from flows.topic_run import DAILY, STAGES, PipelineConfig, RunPlan, TopicResult
from parallax.diskspace import disk_full_message, is_disk_full
from parallax.progress import report
from parallax.records import RunRef
from parallax.storage.ledger import finish_run, stage, start_run
from parallax.topics import Feed, Topic
from parallax.window import search_window
from tasks.classify import classify_day
from tasks.dedupe import dedupe_articles
from tasks.fetch import FeedFetchError, FetchOutcome, build_search_url, fetch_feed
from tasks.parse import parse_feeds
from tasks.publish import publish_day
from tasks.relevance import relevance_day
from tasks.select import select_day
from tasks.stories import stories_day
from tasks.summarize import summarize_day


class NoFeedsError(RuntimeError):
    """Every feed of a topic failed: there is nothing to summarize."""


def _fetch(
    run: RunRef,
    topic: Topic,
    config: PipelineConfig,
    window: tuple[dt.date, dt.date],
    direct: bool = False,
) -> list[FetchOutcome]:
    def arguments(i: int, feed: Feed) -> dict[str, Any]:
        url = build_search_url(
            config.google_news_url, feed, window if config.day_bounded_search else None
        )
        return {
            "run": run, "feed": feed, "feed_index": i, "url": url, "db": config.db,
            "timeout_s": config.fetch_timeout_s, "user_agent": config.user_agent,
            "retries": config.fetch_retries, "retry_delay_s": config.fetch_retry_delay_s,
            "max_bytes": config.feed_max_bytes, "max_items": config.feed_max_items,
        }  # fmt: skip

    results: list[object] = []
    if direct:  # inside a backfill day task: no task run per feed
        for i, feed in enumerate(topic.feeds):
            try:
                results.append(fetch_feed.fn(**arguments(i, feed)))
            except FeedFetchError as exc:
                results.append(exc)
    else:
        futures = [fetch_feed.submit(**arguments(i, feed)) for i, feed in enumerate(topic.feeds)]
        results = [f.result(raise_on_failure=False) for f in futures]
    outcomes = []
    for i, result in enumerate(results):
        if isinstance(result, FetchOutcome):
            outcomes.append(result)
        else:
            outcomes.append(
                FetchOutcome(
                    perspective=topic.feeds[i].perspective,
                    feed_index=i,
                    fetch_id="",
                    ok=False,
                    item_count=0,
                    error=f"{result} (after {config.fetch_retries + 1} tries)",
                )
            )
    return outcomes


def run_topic(
    topic: Topic,
    day: dt.date,
    config: PipelineConfig,
    plan: RunPlan = DAILY,
    direct: bool = False,
    await_previous_day: Callable[[], None] | None = None,
    release_next_day: Callable[[], None] | None = None,
) -> TopicResult:
    """The stage chain of one topic-day, shared by the daily, backfill and replay flows.

    ``direct`` calls each stage's function without a Prefect task run: a backfill runs
    hundreds of topic-days, and a task run's bookkeeping per stage adds up over them.
    ``await_previous_day`` is called before the relevance stage, which reuses the previous
    days' judgements (and stories their stories, select their pages): a backfill waits there
    until the topic's previous day has selected, so a title is judged once and a replay finds
    the same judgements; ``release_next_day`` is called once this day's selections are stored.
    """
    run = RunRef.new(topic.id, day, plan.kind)
    result = TopicResult(topic=topic.id, logical_date=day, run_id=run.run_id)
    ctx = FlowRunContext.get()
    window = search_window(day, topic.settings.max_age_days)
    first = STAGES.index(plan.from_stage)

    def call(stage_task: Any, *args: Any) -> Any:
        return stage_task.fn(*args) if direct else stage_task(*args)

    def due(name: str) -> bool:
        return STAGES.index(name) >= first

    started = False
    try:
        users = model_users(config, run)
        summarizer = users.summarizer
        scorer = local_scorer(config)
        embedder, lexicon = scorer.embedder, scorer.lexicon  # the stories stage's too
        start_run(
            config.db,
            run,
            summarizer.name,
            plan.flow_run_id or (str(ctx.flow_run.id) if ctx and ctx.flow_run else None),
            plan.parent_run_id,
        )
        started = True
        if plan.fetch_run_id is None:
            with stage(config.db, run, "fetch") as counts:
                outcomes = _fetch(run, topic, config, window, direct)
                ok = [o for o in outcomes if o.ok]
                counts.update(feeds=len(outcomes), ok=len(ok), items=sum(o.item_count for o in ok))
                counts.update(
                    items_cut=sum(o.items_cut for o in ok), bodies_cut=sum(o.body_cut for o in ok)
                )
                result.warnings += [
                    f"{o.perspective} ({topic.feeds[o.feed_index].locale}) feed failed: {o.error}"
                    for o in outcomes
                    if not o.ok
                ]
                cut = limits_note(ok, config)
                if cut:
                    result.notes.append(cut)
                # With no usable answer now, parse falls back on earlier stored answers.
            report(topic.id, "fetch", f"{len(ok)}/{len(outcomes)} feeds, {counts['items']} items")
        elif due("parse"):
            with stage(config.db, run, "fetch") as counts:
                counts.update(replayed_from=plan.fetch_run_id, network_requests=0)
        if due("parse"):
            locales = {i: (f.language, f.region) for i, f in enumerate(topic.feeds)}
            parsed = call(
                parse_feeds, run, config.db, locales, plan.fetch_run_id, config.feed_max_items
            )
            if not parsed["feeds"]:
                raise NoFeedsError("; ".join(result.warnings) or "no usable feed response")
            result.warnings += [f"reusing the stored {r}" for r in parsed["reused_feeds"]]
            report(topic.id, "parse", f"{parsed['articles']} articles")
        dropped: dict[str, int] = {}
        if due("dedupe"):
            deduped = call(dedupe_articles, run, config.db, topic, window, config.outlets_file)
            dropped = deduped["dropped"]
            report(
                topic.id,
                "dedupe",
                f"{deduped['in_window']} recent articles, {deduped['duplicates']} duplicates",
            )
        if due("classify"):
            classified = call(
                classify_day, run, config.db, topic, config.outlets_file, users.outlet_fallback
            )
            report(
                topic.id,
                "classify",
                ", ".join(f"{k} {v}" for k, v in sorted(classified["by_perspective"].items())),
            )
        # Relevance reuses the previous days' judgements of a title; stories and select read
        # the previous days' stories and pages: a backfill runs them in date order per topic.
        if await_previous_day is not None and (due("relevance") or due("stories") or due("select")):
            await_previous_day()
        if due("relevance"):
            judged = call(
                relevance_day, run, config.db, topic, window, scorer, users.relevance_judge
            )
            report(
                topic.id,
                "relevance",
                f"{judged['on_topic']} on topic, {judged['off_topic']} off, "
                f"{judged['judged']} judged now ({judged['method']})",
            )
            if judged["fallback"]:
                result.warnings.append(f"relevance judged locally: {judged['fallback']}")
        if due("stories"):
            grouped = call(stories_day, run, config.db, topic, window, embedder, lexicon)
            report(
                topic.id,
                "stories",
                f"{grouped['stories']} stories, {grouped['multi_article']} of several articles, "
                f"{grouped['both_sides']} covered by both sides, {grouped['continued']} continued",
            )
        if due("select"):
            selected = call(select_day, run, config.db, topic, window)
            if release_next_day is not None:
                release_next_day()
            short = ", ".join(f"{side} {n}" for side, n in selected["shortfall"].items() if n)
            if short:
                result.notes.append(f"fewer articles than the per-side quota: {short} short")
            sides = ", ".join(f"{k} {v}" for k, v in sorted(selected["per_side"].items()))
            report(topic.id, "select", f"{selected['selected']} articles ({sides or 'none'})")
        summarized = None
        if due("summarize"):
            summarized = call(summarize_day, run, config.db, topic, summarizer, users.translator)
            result.fallback = fallback_reason(summarizer, summarized)
            if result.fallback:
                result.warnings.append(
                    f"extractive summary instead of the model's: {result.fallback}"
                )
            report(topic.id, "summarize", f"{summarized.summary.summarizer}, "
                   f"{len(summarized.summary.highlights)} highlights")  # fmt: skip
        published = call(
            publish_day,
            run,
            config.db,
            topic,
            config.content_dir,
            window,
            config.charts_dir,
            summarized,
            plan.fetch_run_id or run.run_id,
            config.sample_data,
        )
        report(topic.id, "publish", "page written" if published["changed"] else "page unchanged")
        artifacts = plan.artifacts and ctx is not None
        outcome = load_report(config.db, run, window) if artifacts else None
        per_side = outcome.per_side if outcome else load_per_side(config.db, run)
        result.status, result.page = "succeeded", published["path"]
        result.per_side = per_side
        finish_run(
            config.db,
            run,
            "succeeded",
            {
                "selected": sum(per_side.values()),
                "per_side": per_side,
                "page_changed": published["changed"],
                "fetch_run_id": plan.fetch_run_id or run.run_id,
                **({"dropped": dropped} if dropped else {}),
            },
        )
        if outcome is not None:
            create_artifacts(outcome)
    except Exception as exc:  # one topic failing must not stop the others
        result.status = "failed"
        result.error = disk_full_message() if is_disk_full(exc) else f"{type(exc).__name__}: {exc}"
        if started:
            try:
                finish_run(config.db, run, "failed", {}, result.error)
            except Exception as ledger_exc:  # e.g. the database is the problem
                result.error += f" (and the run ledger could not be updated: {ledger_exc})"
    except BaseException as exc:  # interrupted (SIGTERM, Ctrl-C): recorded, then passed on
        if started:
            with contextlib.suppress(Exception):  # else the next run marks it abandoned
                finish_run(config.db, run, "failed", {}, f"interrupted ({type(exc).__name__})")
        raise
    return result
