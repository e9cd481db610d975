"""Conditional fetch (ETag / Last-Modified, 304) and Retry-After, against a local server."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest

from parallax import storage
from parallax.storage.ledger import (
    RunRef,
    start_run,
)
from parallax.topics import Feed
from tasks.fetch import FeedFetchError, FetchResponse, fetch_feed, next_retry_delay
from tasks.parse import parse_feeds
from tests.support.paths import DATA

FEED_XML = (DATA / "feeds" / "gnews_sample.xml").read_bytes()
FEED = Feed(perspective="us", query="China")
DAY = dt.date(2026, 2, 7)


class ConditionalServer:
    """Answers with an ETag and Last-Modified; 304 when the client sends them back. A scripted
    list of (status, headers) replies can come first (429 with Retry-After, ...)."""

    ETAG = '"v1"'
    MODIFIED = "Sat, 07 Feb 2026 06:00:00 GMT"

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.before: list[tuple[int, dict[str, str]]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.seen.append({k.lower(): v for k, v in self.headers.items()})
                if server.before:
                    status, headers = server.before.pop(0)
                    body = b"slow down"
                elif self.headers.get("If-None-Match") == server.ETAG:
                    status, headers, body = 304, {"ETag": server.ETAG}, b""
                else:
                    status, body = 200, FEED_XML
                    headers = {"ETag": server.ETAG, "Last-Modified": server.MODIFIED,
                               "Content-Type": "application/rss+xml"}  # fmt: skip
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/rss/search?q=China"

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def cserver():
    s = ConditionalServer()
    yield s
    s.close()


def _fetch(db: Path, url: str, run: RunRef, **kw):
    return fetch_feed.fn(run, FEED, 0, url, db, 5, "test-agent", **kw)


def test_304_reuses_the_stored_body_and_is_recorded(cserver, db_path):
    first, second = RunRef.new("t", DAY), RunRef.new("t", DAY + dt.timedelta(days=1))
    for run in (first, second):
        start_run(db_path, run, "extractive")
    one = _fetch(db_path, cserver.url, first)
    two = _fetch(db_path, cserver.url, second)

    assert "if-none-match" not in cserver.seen[0]
    assert cserver.seen[1]["if-none-match"] == ConditionalServer.ETAG
    assert cserver.seen[1]["if-modified-since"] == ConditionalServer.MODIFIED
    assert one.ok and two.ok and two.item_count == one.item_count > 0
    with storage.connect(db_path) as con:
        rows = con.execute(
            "SELECT run_id, status_code, ok, octet_length(body), reused_fetch_id FROM raw_fetches"
            " ORDER BY fetched_at"
        ).fetchall()
        (kept,) = con.execute("SELECT count(*) FROM feed_validators").fetchone()
    assert rows[0] == (first.run_id, 200, True, len(FEED_XML), None)
    assert rows[1] == (second.run_id, 304, True, 0, one.fetch_id)  # no second copy of the body
    assert kept == 1
    # The 304 run parses the reused body into the same articles as the 200 run.
    parsed = [parse_feeds.fn(r, db_path, {0: ("en", "US")}) for r in (first, second)]
    assert parsed[0]["articles"] == parsed[1]["articles"] == one.item_count


def test_unconditional_fetch_sends_no_validators(cserver, db_path):
    run = RunRef.new("t", DAY)
    start_run(db_path, run, "extractive")
    _fetch(db_path, cserver.url, run)
    _fetch(db_path, cserver.url, run, conditional=False)
    assert "if-none-match" not in cserver.seen[1]


def test_429_waits_for_retry_after_then_succeeds(cserver, db_path):
    run = RunRef.new("t", DAY)
    start_run(db_path, run, "extractive")
    cserver.before = [(429, {"Retry-After": "7"}), (503, {})]
    waits: list[float] = []
    outcome = _fetch(
        db_path, cserver.url, run, retries=3, retry_delay_s=0.5, sleep=waits.append,
        conditional=False,
    )  # fmt: skip
    assert outcome.ok and waits == [7.0, 1.0]  # Retry-After, then the doubled base delay
    with storage.connect(db_path) as con:
        attempts = con.execute(
            "SELECT attempt, status_code, json_extract_string(headers, '$.retry-after')"
            " FROM raw_fetches ORDER BY attempt"
        ).fetchall()
    assert attempts == [(1, 429, "7"), (2, 503, None), (3, 200, None)]


def test_a_retry_after_too_long_fails_the_feed_at_once(cserver, db_path):
    run = RunRef.new("t", DAY)
    start_run(db_path, run, "extractive")
    cserver.before = [(429, {"Retry-After": "3600"})]
    with pytest.raises(FeedFetchError, match="HTTP 429, Retry-After 3600 s"):
        _fetch(db_path, cserver.url, run, retries=2, sleep=lambda s: None, conditional=False)


@pytest.mark.parametrize(
    ("headers", "attempt", "expected"),
    [
        ({}, 1, 2.0),
        ({}, 3, 8.0),
        ({"retry-after": "30"}, 1, 30.0),
        ({"retry-after": "Sat, 07 Feb 2026 12:00:45 GMT"}, 1, 45.0),
        ({"retry-after": "soon"}, 2, 4.0),
    ],
    ids=["base", "doubles", "seconds", "http-date", "garbage"],
)
def test_next_retry_delay(headers, attempt, expected):
    response = FetchResponse("u", 429, headers, b"", 1.0)
    now = dt.datetime(2026, 2, 7, 12, 0, tzinfo=dt.UTC)
    assert next_retry_delay(response, attempt, 2.0, now) == expected
