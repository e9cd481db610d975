"""Fetch: Google News RSS search feeds over HTTP, every answer stored before parsing.

Core: ``build_search_url`` and ``fetch_url``/``assess_feed`` are plain functions. The task
stores each attempt in ``raw_fetches`` (the record replay reads) and raises on a retryable
failure so that Prefect's task retries apply.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import feedparser
import requests
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from parallax.topics import Feed
from tasks import storage
from tasks.runs import RunRef

# Headers kept with each raw response: enough to replay, audit and make conditional requests.
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "etag",
    "last-modified",
    "retry-after",
    "date",
    "cache-control",
    "content-encoding",
)
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class FeedFetchError(RuntimeError):
    """A retryable feed failure (5xx, 429, timeout, truncated document)."""


@dataclass(frozen=True)
class FetchResponse:
    url: str
    status_code: int | None
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float
    error: str | None = None  # network-level failure


@dataclass(frozen=True)
class FeedAssessment:
    ok: bool
    item_count: int
    error: str | None
    retryable: bool


@dataclass(frozen=True)
class FetchOutcome:
    perspective: str
    feed_index: int
    fetch_id: str
    ok: bool
    item_count: int
    error: str | None


def build_search_url(
    base_url: str, feed: Feed, window: tuple[dt.date, dt.date] | None = None
) -> str:
    """Google News RSS search URL; ``window`` adds day-bounded after:/before: operators."""
    query = feed.query
    if window is not None:
        first, last = window
        query = (
            f"{query} after:{first.isoformat()} before:{(last + dt.timedelta(days=1)).isoformat()}"
        )
    params = {
        "q": query,
        "hl": f"{feed.language}-{feed.region}",
        "gl": feed.region,
        "ceid": f"{feed.region}:{feed.language}",
    }
    return f"{base_url.rstrip('/')}/rss/search?{urlencode(params, quote_via=quote)}"


def fetch_url(
    session: requests.Session, url: str, timeout_s: float, user_agent: str
) -> FetchResponse:
    """GET ``url``; HTTP errors are answers, not exceptions. Network failures become ``error``."""
    started = time.perf_counter()
    try:
        resp = session.get(url, timeout=timeout_s, headers={"User-Agent": user_agent})
    except requests.RequestException as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return FetchResponse(url, None, {}, b"", elapsed, f"{type(exc).__name__}: {exc}")
    elapsed = (time.perf_counter() - started) * 1000
    headers = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
    return FetchResponse(url, resp.status_code, headers, resp.content, elapsed)


def assess_feed(response: FetchResponse) -> FeedAssessment:
    """Is this answer a usable RSS feed? Says why not, and whether trying again may help."""
    if response.error:
        return FeedAssessment(False, 0, response.error, True)
    status = response.status_code or 0
    if not 200 <= status < 300:
        return FeedAssessment(False, 0, f"HTTP {status}", status in RETRYABLE_STATUS)
    head = response.body.lstrip()[:200].lower()
    if not head:
        return FeedAssessment(False, 0, "empty body", True)
    if not head.startswith(b"<") and not head.startswith(b"\xef\xbb\xbf<"):
        return FeedAssessment(False, 0, "not an RSS/Atom document", False)
    if head.startswith((b"<!doctype html", b"<html")):
        return FeedAssessment(False, 0, "HTML page instead of an RSS feed", False)
    parsed = feedparser.parse(response.body)
    if parsed.get("bozo"):
        reason = parsed.get("bozo_exception")
        # A truncated or broken document is usually a transient server fault: retry it.
        return FeedAssessment(False, len(parsed.entries), f"malformed feed: {reason}", True)
    if parsed.get("version", "") == "" and not parsed.entries:
        return FeedAssessment(False, 0, "not an RSS/Atom document", False)
    return FeedAssessment(True, len(parsed.entries), None, False)


def raw_fetch_row(
    run: RunRef,
    feed: Feed,
    feed_index: int,
    attempt: int,
    response: FetchResponse,
    assessment: FeedAssessment,
    fetched_at: dt.datetime,
) -> dict:
    return {
        "fetch_id": uuid.uuid4().hex,
        "run_id": run.run_id,
        "topic": run.topic,
        "logical_date": run.logical_date,
        "perspective": feed.perspective,
        "feed_index": feed_index,
        "url": response.url,
        "attempt": attempt,
        "status_code": response.status_code,
        "headers": storage.to_json(response.headers),
        "body": response.body,
        "fetched_at": fetched_at,
        "elapsed_ms": round(response.elapsed_ms, 1),
        "ok": assessment.ok,
        "item_count": assessment.item_count,
        "error": assessment.error,
    }


@task(
    name="fetch-feed", cache_policy=NO_CACHE, task_run_name="fetch {run.topic}/{feed.perspective}"
)
def fetch_feed(
    run: RunRef,
    feed: Feed,
    feed_index: int,
    url: str,
    db: Path,
    timeout_s: float,
    user_agent: str,
) -> FetchOutcome:
    ctx = TaskRunContext.get()
    attempt = ctx.task_run.run_count if ctx else 1
    with requests.Session() as session:
        response = fetch_url(session, url, timeout_s, user_agent)
    assessment = assess_feed(response)
    row = raw_fetch_row(run, feed, feed_index, attempt, response, assessment, storage.utcnow())
    with storage.connect(db) as con:
        storage.insert_row(con, "raw_fetches", row)
    if not assessment.ok and assessment.retryable:
        raise FeedFetchError(assessment.error)
    return FetchOutcome(
        feed.perspective,
        feed_index,
        row["fetch_id"],
        assessment.ok,
        assessment.item_count,
        assessment.error,
    )
