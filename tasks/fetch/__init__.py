"""Fetch: Google News RSS search feeds over HTTP, every answer stored before parsing.

Core: ``build_search_url``, ``fetch_url``/``assess_feed`` and ``next_retry_delay`` are plain
functions. The task stores each attempt in ``raw_fetches`` (the record replay reads) and retries
retryable failures itself, because the wait must honour the server's ``Retry-After`` (Prefect's
task retries have fixed delays). Each request waits for a slot of the feed-request limit.

Conditional fetch: the task sends the ETag / Last-Modified the URL last answered with
(``feed_validators``); a 304 is a success that reuses the stored body (the 304 attempt is
recorded with ``reused_fetch_id`` pointing at that body).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import duckdb
import feedparser
import requests
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import limits, storage
from parallax.feeddoc import fast_items, parse_document
from parallax.retry import retry_after_seconds
from parallax.storage.ledger import RunRef
from parallax.topics import Feed

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
MAX_RETRY_AFTER_S = 120.0  # a longer Retry-After fails the feed instead of stalling the run


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
class Validators:
    """What a feed URL last answered with, for a conditional request."""

    etag: str | None
    last_modified: str | None
    fetch_id: str  # the raw_fetches row holding the body
    body: bytes

    def headers(self) -> dict[str, str]:
        sent = {}
        if self.etag:
            sent["If-None-Match"] = self.etag
        if self.last_modified:
            sent["If-Modified-Since"] = self.last_modified
        return sent


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


def network_error(exc: requests.RequestException, url: str, timeout_s: float) -> str:
    """One short line for a request that got no HTTP answer (requests' own message repeats the
    whole URL and the pool internals)."""
    host = urlsplit(url).netloc or url
    if isinstance(exc, requests.Timeout):
        return f"{type(exc).__name__}: no answer from {host} within {timeout_s:g} s"
    if isinstance(exc, requests.ConnectionError):
        reason = str(exc)
        for known in (
            "Connection refused",
            "Name or service not known",
            "Network is unreachable",
            "No route to host",
            "Connection reset",
            "certificate verify failed",
        ):
            if known.lower() in reason.lower():
                return f"ConnectionError: cannot reach {host} ({known.lower()})"
        return f"ConnectionError: cannot reach {host}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def fetch_url(
    session: requests.Session,
    url: str,
    timeout_s: float,
    user_agent: str,
    headers: Mapping[str, str] | None = None,
) -> FetchResponse:
    """GET ``url``; HTTP errors are answers, not exceptions. Network failures become ``error``."""
    started = time.perf_counter()
    try:
        resp = session.get(
            url, timeout=timeout_s, headers={"User-Agent": user_agent, **(headers or {})}
        )
    except requests.RequestException as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return FetchResponse(url, None, {}, b"", elapsed, network_error(exc, url, timeout_s))
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
    items = fast_items(response.body)
    if items is not None:  # a well-formed RSS 2.0 feed of the Google News shape
        return FeedAssessment(True, len(items), None, False)
    parsed = parse_document(response.body)
    if parsed.get("bozo") and not _harmless(parsed, response.body):
        reason = parsed.get("bozo_exception")
        # A truncated or broken document is usually a transient server fault: retry it.
        return FeedAssessment(False, len(parsed.entries), f"malformed feed: {reason}", True)
    if parsed.get("version", "") == "" and not parsed.entries:
        return FeedAssessment(False, 0, "not an RSS/Atom document", False)
    return FeedAssessment(True, len(parsed.entries), None, False)


_CLOSING_ROOT = (b"</rss>", b"</feed>", b"</rdf:rdf>")


def _harmless(parsed: feedparser.FeedParserDict, body: bytes) -> bool:
    """feedparser flags documents it could read completely but not strictly: a declared
    encoding that was wrong, an XML content type it did not expect, an HTML entity such as
    &nbsp;. Such a feed is usable; a document cut short (no closing root element) is not."""
    if isinstance(
        parsed.get("bozo_exception"),
        (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType),
    ):
        return True
    return bool(parsed.entries) and body.rstrip()[-16:].lower().endswith(_CLOSING_ROOT)


def next_retry_delay(
    response: FetchResponse,
    attempt: int,
    base_delay_s: float,
    now: dt.datetime | None = None,
) -> float:
    """Wait before the next attempt: the server's ``Retry-After`` (seconds or an HTTP date)
    when it sent one, else ``base_delay_s`` doubled per attempt."""
    wait = retry_after_seconds(response.headers.get("retry-after"), now or dt.datetime.now(dt.UTC))
    if wait is not None:
        return wait
    return base_delay_s * 2 ** (attempt - 1)


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
        "reused_fetch_id": None,
    }


def load_validators(db: Path, url: str) -> Validators | None:
    with storage.connect(db) as con:
        rows = con.execute(storage.query("feed_validator"), [url]).fetchall()
        if not rows:
            return None
        etag, last_modified, fetch_id = rows[0]
        bodies = con.execute(
            "SELECT body FROM raw_fetches WHERE fetch_id = ?", [fetch_id]
        ).fetchall()
    if not bodies:  # the answer it describes is gone: fetch unconditionally
        return None
    return Validators(etag, last_modified, fetch_id, bytes(bodies[0][0] or b""))


def _save_validators(con: duckdb.DuckDBPyConnection, run: RunRef, row: dict) -> None:
    headers: dict[str, str] = json.loads(row["headers"])
    if row["status_code"] != 200 or not row["ok"]:
        return
    if not (headers.get("etag") or headers.get("last-modified")):
        return
    storage.merge_row(
        con,
        "feed_validators",
        ("url",),
        {
            "url": row["url"],
            "topic": run.topic,
            "feed_index": row["feed_index"],
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "fetch_id": row["fetch_id"],
            "updated_at": row["fetched_at"],
        },
    )


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
    retries: int = 0,
    retry_delay_s: float = 0.0,
    conditional: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchOutcome:
    """Fetch one feed (up to ``retries`` more tries), storing every attempt. Raises
    `FeedFetchError` when the last try failed in a retryable way."""
    cached = load_validators(db, url) if conditional else None
    with requests.Session() as session:
        for attempt in range(1, retries + 2):
            with limits.slot(limits.FEED_REQUESTS):
                response = fetch_url(
                    session, url, timeout_s, user_agent, cached.headers() if cached else None
                )
            if response.status_code == 304 and cached is not None:
                assessment = assess_feed(replace(response, status_code=200, body=cached.body))
            else:
                assessment = assess_feed(response)
            row = raw_fetch_row(
                run, feed, feed_index, attempt, response, assessment, storage.utcnow()
            )
            if response.status_code == 304 and cached is not None:
                row["reused_fetch_id"] = cached.fetch_id
            with storage.connect(db) as con:
                storage.insert_row(con, "raw_fetches", row)
                _save_validators(con, run, row)
            if assessment.ok or not assessment.retryable:
                return FetchOutcome(
                    feed.perspective,
                    feed_index,
                    row["fetch_id"],
                    assessment.ok,
                    assessment.item_count,
                    assessment.error,
                )
            if attempt <= retries:
                wait = next_retry_delay(response, attempt, retry_delay_s)
                if wait > MAX_RETRY_AFTER_S:
                    raise FeedFetchError(f"{assessment.error}, Retry-After {wait:.0f} s")
                sleep(wait)
    raise FeedFetchError(assessment.error)
