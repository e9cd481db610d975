"""One feed request, as plain functions: the search URL, the GET, whether the answer is a usable
feed, and how long to wait before trying again."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import feedparser
import requests

from parallax.feeddoc import fast_items, parse_document
from parallax.retry import retry_after_seconds
from parallax.topics import Feed

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
    params = {"q": query, **feed.edition}
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
        return FetchResponse(
            url=url,
            status_code=None,
            headers={},
            body=b"",
            elapsed_ms=elapsed,
            error=network_error(exc, url, timeout_s),
        )
    elapsed = (time.perf_counter() - started) * 1000
    headers = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
    return FetchResponse(
        url=url,
        status_code=resp.status_code,
        headers=headers,
        body=resp.content,
        elapsed_ms=elapsed,
    )


def assess_feed(response: FetchResponse) -> FeedAssessment:
    """Is this answer a usable RSS feed? Says why not, and whether trying again may help."""
    if response.error:
        return FeedAssessment(ok=False, item_count=0, error=response.error, retryable=True)
    status = response.status_code or 0
    if not 200 <= status < 300:
        return FeedAssessment(
            ok=False, item_count=0, error=f"HTTP {status}", retryable=status in RETRYABLE_STATUS
        )
    head = response.body.lstrip()[:200].lower()
    if not head:
        return FeedAssessment(ok=False, item_count=0, error="empty body", retryable=True)
    if not head.startswith(b"<") and not head.startswith(b"\xef\xbb\xbf<"):
        return FeedAssessment(
            ok=False, item_count=0, error="not an RSS/Atom document", retryable=False
        )
    if head.startswith((b"<!doctype html", b"<html")):
        return FeedAssessment(
            ok=False, item_count=0, error="HTML page instead of an RSS feed", retryable=False
        )
    items = fast_items(response.body)
    if items is not None:  # a well-formed RSS 2.0 feed of the Google News shape
        return FeedAssessment(ok=True, item_count=len(items), error=None, retryable=False)
    parsed = parse_document(response.body)
    if parsed.get("bozo") and not _harmless(parsed, response.body):
        reason = parsed.get("bozo_exception")
        # A truncated or broken document is usually a transient server fault: retry it.
        return FeedAssessment(
            ok=False,
            item_count=len(parsed.entries),
            error=f"malformed feed: {reason}",
            retryable=True,
        )
    if parsed.get("version", "") == "" and not parsed.entries:
        return FeedAssessment(
            ok=False, item_count=0, error="not an RSS/Atom document", retryable=False
        )
    return FeedAssessment(ok=True, item_count=len(parsed.entries), error=None, retryable=False)


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
