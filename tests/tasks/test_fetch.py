import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from parallax.topics import Feed
from tasks.fetch import FetchResponse, assess_feed, build_search_url, fetch_url
from tests.support.feedserver import Reply, ScriptedServer
from tests.support.paths import DATA

FEED_XML = (DATA / "feeds" / "gnews_sample.xml").read_bytes()


@pytest.fixture
def server():
    s = ScriptedServer()
    yield s
    s.close()


def _response(status=200, body=FEED_XML, error=None) -> FetchResponse:
    return FetchResponse("http://x", status, {}, body, 1.0, error)


def test_search_url_carries_query_locale_and_day_bounds():
    feed = Feed(
        perspective="india",
        query='Pakistan ("Foreign policy" OR China)',
        language="en",
        region="IN",
    )
    url = build_search_url(
        "http://127.0.0.1:8765/", feed, (dt.date(2026, 2, 3), dt.date(2026, 2, 7))
    )
    parts = urlsplit(url)
    assert parts.path == "/rss/search"
    params = parse_qs(parts.query)
    assert params["q"] == [
        'Pakistan ("Foreign policy" OR China) after:2026-02-03 before:2026-02-08'
    ]
    assert (params["hl"], params["gl"], params["ceid"]) == (["en-IN"], ["IN"], ["IN:en"])
    assert " " not in url


def test_live_url_has_no_date_operators():
    url = build_search_url("https://news.google.com", Feed(perspective="a", query="China"))
    assert parse_qs(urlsplit(url).query)["q"] == ["China"]


@pytest.mark.parametrize(
    ("response", "ok", "retryable", "reason"),
    [
        (_response(), True, False, None),
        (_response(503, b"down"), False, True, "HTTP 503"),
        (_response(429, b""), False, True, "HTTP 429"),
        (_response(404, b"nope"), False, False, "HTTP 404"),
        (_response(200, b"<!DOCTYPE html><html>consent</html>"), False, False, "HTML page"),
        (_response(200, b""), False, True, "empty body"),
        (_response(200, FEED_XML[: len(FEED_XML) // 2]), False, True, "malformed feed"),
        (_response(None, b"", "ConnectTimeout: boom"), False, True, "ConnectTimeout"),
        (_response(200, b"just some text"), False, False, "not an RSS"),
    ],
    ids=["ok", "503", "429", "404", "html", "empty", "truncated", "timeout", "garbage"],
)
def test_assess_feed(response, ok, retryable, reason):
    result = assess_feed(response)
    assert result.ok is ok
    if not ok:
        assert result.retryable is retryable
        assert reason in result.error


def test_fetch_url_keeps_body_and_useful_headers(server):
    server.script(
        "/rss/search",
        Reply(200, FEED_XML, {"Content-Type": "application/xml", "ETag": '"v1"', "X-Noise": "1"}),
    )
    with requests.Session() as session:
        resp = fetch_url(session, server.url + "/rss/search?q=x", 5, "test-agent")
    assert resp.status_code == 200 and resp.body == FEED_XML
    assert resp.headers["etag"] == '"v1"' and "x-noise" not in resp.headers


def test_fetch_url_timeout_is_an_answer_not_an_exception(server):
    server.script("/rss/search", Reply(200, FEED_XML, delay_s=1.0))
    with requests.Session() as session:
        resp = fetch_url(session, server.url + "/rss/search", 0.2, "t")
    assert resp.status_code is None and "Timeout" in (resp.error or "")


def test_fetch_url_connection_refused(tmp_path: Path):
    with requests.Session() as session:
        resp = fetch_url(session, "http://127.0.0.1:9/rss/search", 1, "t")
    assert resp.status_code is None and resp.error


@pytest.mark.parametrize(
    "body",
    [
        FEED_XML.replace(b'encoding="UTF-8"', b'encoding="us-ascii"').replace(
            b"Western Pacific", "Western Pacífic".encode()
        ),
        FEED_XML.replace(b"Navy tracks", b"Navy&nbsp;tracks"),
    ],
    ids=["wrong-declared-encoding", "html-entity"],
)
def test_feeds_feedparser_reads_completely_are_usable(body):
    result = assess_feed(_response(200, body))
    assert result.ok and result.item_count == 4
