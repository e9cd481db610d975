"""Fetch: Google News RSS search feeds over HTTP, every answer stored before parsing.

The request itself is plain functions (http.py). The task stores each attempt in
``raw_fetches`` (the record replay reads) and retries retryable failures itself, because the
wait must honour the server's ``Retry-After`` (Prefect's task retries have fixed delays). Each
request waits for a slot of the feed-request limit.

Conditional fetch: the task sends the ETag / Last-Modified the URL last answered with
(``feed_validators``); a 304 is a success that reuses the stored body (the 304 attempt is
recorded with ``reused_fetch_id`` pointing at that body).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import requests
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import limits, storage
from parallax.records import RunRef
from parallax.topics import Feed
from tasks.fetch.http import (
    FeedAssessment,
    FetchResponse,
    assess_feed,
    build_search_url,
    fetch_url,
    next_retry_delay,
)

__all__ = [
    "FeedFetchError", "FetchOutcome", "FetchResponse", "build_search_url", "fetch_feed",
    "load_validators", "next_retry_delay",
]  # fmt: skip

MAX_RETRY_AFTER_S = 120.0  # a longer Retry-After fails the feed instead of stalling the run


class FeedFetchError(RuntimeError):
    """A retryable feed failure (5xx, 429, timeout, truncated document)."""


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
    body_cut: bool = False  # longer than the size limit: only its start was read
    items_cut: int = 0  # items past the item limit, not parsed


def raw_fetch_row(
    run: RunRef,
    feed: Feed,
    feed_index: int,
    attempt: int,
    response: FetchResponse,
    assessment: FeedAssessment,
    fetched_at: dt.datetime,
    max_items: int | None = None,
) -> dict:
    cut = max(0, assessment.item_count - max_items) if max_items is not None else 0
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
        "body_cut": response.body_cut,
        "items_cut": cut if assessment.ok else 0,
    }


def load_validators(db: Path, url: str) -> Validators | None:
    with storage.connect(db) as con:
        rows = con.execute(storage.query("feed_validator"), [url]).fetchall()
        if not rows:
            return None
        etag, last_modified, fetch_id = rows[0]
        bodies = con.execute(storage.query("raw_fetch_body"), [fetch_id]).fetchall()
    if not bodies:  # the answer it describes is gone: fetch unconditionally
        return None
    return Validators(
        etag=etag, last_modified=last_modified, fetch_id=fetch_id, body=bytes(bodies[0][0] or b"")
    )


def _save_validators(con: duckdb.DuckDBPyConnection, run: RunRef, row: dict) -> None:
    headers: dict[str, str] = json.loads(row["headers"])
    if row["status_code"] != 200 or not row["ok"] or row["body_cut"]:
        return  # a cut body is no answer to reuse on a 304
    if not (headers.get("etag") or headers.get("last-modified")):
        return
    con.execute(
        storage.query("feed_validator_merge"),
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
    max_bytes: int | None = None,
    max_items: int | None = None,
) -> FetchOutcome:
    """Fetch one feed (up to ``retries`` more tries), storing every attempt. Raises
    `FeedFetchError` when the last try failed in a retryable way. At most ``max_bytes`` of an
    answer are read and ``max_items`` of its items parsed; what was cut is in the row."""
    cached = load_validators(db, url) if conditional else None
    with requests.Session() as session:
        for attempt in range(1, retries + 2):
            with limits.slot(limits.FEED_REQUESTS):
                response = fetch_url(
                    session,
                    url,
                    timeout_s,
                    user_agent,
                    cached.headers() if cached else None,
                    max_bytes,
                )
            if response.status_code == 304 and cached is not None:
                assessment = assess_feed(
                    replace(response, status_code=200, body=cached.body), max_items
                )
            else:
                assessment = assess_feed(response, max_items)
            row = raw_fetch_row(
                run, feed, feed_index, attempt, response, assessment, storage.utcnow(), max_items
            )
            if response.status_code == 304 and cached is not None:
                row["reused_fetch_id"] = cached.fetch_id
            with storage.connect(db) as con:
                con.execute(storage.query("raw_fetch_insert"), row)
                _save_validators(con, run, row)
            if assessment.ok or not assessment.retryable:
                return FetchOutcome(
                    perspective=feed.perspective,
                    feed_index=feed_index,
                    fetch_id=row["fetch_id"],
                    ok=assessment.ok,
                    item_count=assessment.item_count,
                    error=assessment.error,
                    body_cut=row["body_cut"],
                    items_cut=row["items_cut"],
                )
            if attempt <= retries:
                wait = next_retry_delay(response, attempt, retry_delay_s)
                if wait > MAX_RETRY_AFTER_S:
                    raise FeedFetchError(f"{assessment.error}, Retry-After {wait:.0f} s")
                sleep(wait)
    raise FeedFetchError(assessment.error)
