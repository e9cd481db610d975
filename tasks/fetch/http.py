"""One feed request, as plain functions: the search URL, the GET, whether the answer is a usable
feed, and how long to wait before trying again."""

from __future__ import annotations

import codecs
import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import feedparser
import requests
import urllib3

from parallax.feeddoc import closed_document, parse_document, read_feed
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
    body_cut: bool = False  # the body was longer than the size limit: this is its start


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


def network_error(exc: Exception, url: str, timeout_s: float) -> str:
    """One short line for a request that got no (complete) HTTP answer (requests' own message
    repeats the whole URL and the pool internals)."""
    host = urlsplit(url).netloc or url
    if isinstance(exc, SlowAnswer | urllib3.exceptions.ReadTimeoutError):
        return f"Timeout: no complete answer from {host} within {timeout_s:g} s"
    if isinstance(exc, urllib3.exceptions.HTTPError):  # the body broke off, or did not decode
        return f"ConnectionError: the answer from {host} broke off ({type(exc).__name__})"
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
    max_bytes: int | None = None,
) -> FetchResponse:
    """GET ``url``; HTTP errors are answers, not exceptions. Network failures become ``error``.

    The body is read as a stream and at most ``max_bytes`` of it are kept (``body_cut``): a
    feed is bounded by what we read, not by what a server sends. The whole answer must arrive
    within ``timeout_s``, so a server that trickles bytes cannot hold a run.
    """
    started = time.perf_counter()
    try:
        with session.get(
            url,
            timeout=timeout_s,
            headers={"User-Agent": user_agent, **(headers or {})},
            stream=True,
        ) as resp:
            body, cut = _read_body(resp, max_bytes, started + timeout_s)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
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
        body=body,
        elapsed_ms=elapsed,
        body_cut=cut,
    )


class SlowAnswer(requests.Timeout):
    """The answer kept arriving, too slowly to finish within the timeout."""


def _read_body(
    resp: requests.Response, max_bytes: int | None, deadline: float
) -> tuple[bytes, bool]:
    """The (decompressed) body, at most ``max_bytes`` of it, and whether it was cut."""
    chunks: list[bytes] = []
    size = 0
    # read1: whatever has arrived (decompressed), so the deadline is checked as bytes trickle
    # in; iter_content would block until a whole chunk had arrived.
    while chunk := resp.raw.read1(1 << 16, decode_content=True):
        chunks.append(chunk)
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            return b"".join(chunks)[:max_bytes], True
        if time.perf_counter() > deadline:
            raise SlowAnswer("the answer did not finish in time")
    return b"".join(chunks), False


def assess_feed(response: FetchResponse, max_items: int | None = None) -> FeedAssessment:
    """Is this answer a usable RSS feed? Says why not, and whether trying again may help.
    ``item_count`` counts every item of the document; ``max_items`` is how many parse will read
    (so the document is read once, for both)."""
    if response.error:
        return FeedAssessment(ok=False, item_count=0, error=response.error, retryable=True)
    status = response.status_code or 0
    if not 200 <= status < 300:
        return FeedAssessment(
            ok=False, item_count=0, error=f"HTTP {status}", retryable=status in RETRYABLE_STATUS
        )
    head = _document_head(response.body)
    if not head:
        return FeedAssessment(ok=False, item_count=0, error="empty body", retryable=True)
    if not head.startswith(b"<"):
        return FeedAssessment(
            ok=False, item_count=0, error="not an RSS/Atom document", retryable=False
        )
    if head.startswith((b"<!doctype html", b"<html")):
        return FeedAssessment(
            ok=False, item_count=0, error="HTML page instead of an RSS feed", retryable=False
        )
    if response.body_cut:  # cut by us at the size limit: its complete items are usable
        read = read_feed(response.body, max_items, cut=True)
        if not read.total:
            return FeedAssessment(
                ok=False,
                item_count=0,
                error=f"no complete item in the first {len(response.body):,} bytes of the "
                "answer (PARALLAX_FEED_MAX_BYTES)",
                retryable=False,
            )
        return FeedAssessment(ok=True, item_count=read.total, error=None, retryable=False)
    read = read_feed(response.body, max_items)
    if read.google_news_shape and not read.cut_short:  # well-formed, of the Google News shape
        return FeedAssessment(ok=True, item_count=read.total, error=None, retryable=False)
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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip (UTF-32 first: its LE BOM starts like UTF-16's)


def _document_head(body: bytes) -> bytes:
    """The first characters of the document, lower case, as ASCII-compatible bytes: a UTF-16 or
    UTF-32 document (announced by its byte-order mark) is a feed like any other."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            text = body[: 4 * 256].decode(encoding, errors="ignore")
            return text.lstrip().lstrip("\ufeff")[:200].lower().encode("utf-8", "replace")
    return body.lstrip()[:200].lower()


def _harmless(parsed: feedparser.FeedParserDict, body: bytes) -> bool:
    """feedparser flags documents it could read completely but not strictly: a declared
    encoding that was wrong, an XML content type it did not expect, an HTML entity such as
    &nbsp;. Such a feed is usable; a document cut short (no closing root element) is not."""
    if isinstance(
        parsed.get("bozo_exception"),
        (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType),
    ):
        return True
    return bool(parsed.entries) and closed_document(body)


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
