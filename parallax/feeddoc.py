"""Feed documents -> items: a fast path for Google News RSS, feedparser for everything else.

Fetch checks that an answer is a usable feed and parse turns it into rows; both need the parsed
document. feedparser is thorough and slow, and a backfill parses thousands of documents. Google News
always answers the same small shape (``title``, ``link``, ``guid``, ``pubDate``, ``description``,
``<source url>``), so `read_items` reads that shape with the stdlib's expat-based ElementTree (many
times faster) and hands any document that is not exactly a well-formed RSS 2.0 feed of that shape to
feedparser: malformed, truncated or odd feeds keep feedparser's leniency and its ``bozo``
diagnostics. A test checks that both paths give identical rows on the bundled feeds. Results are
shared through small LRUs keyed by the body; treat them as read-only.

The fast path reads the document as a stream of elements and lets go of each item once read, so
its memory follows the items kept (``max_items``), not the document; items past the cap are
only counted. A body that fetch cut at its size limit ends mid-document: its items that ended
before the cut are read, the one the cut went through is not.
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import feedparser


@dataclass(frozen=True)
class FeedItem:
    """What parse needs of one feed entry, as feedparser reports it."""

    title: str | None
    link: str | None
    guid: str | None
    summary: str  # HTML
    source_title: str | None
    source_href: str | None
    published: dt.datetime | None  # UTC, whole seconds


@dataclass(frozen=True)
class FeedRead:
    """What a document holds: its first items and how many there are."""

    items: list[FeedItem]  # the first ``max_items`` complete items
    total: int  # complete items in the document, kept or not
    cut_short: bool = False  # the document ends before its root element closes
    google_news_shape: bool = False  # read by the fast path


# Fetch's check and parse read the same few documents: a handful is cached. Only small ones,
# though: a big answer's items take several times its size, and would stay for the process's
# life; it is read twice instead.
_CACHED_DOCUMENTS = 16
_CACHED_BODY_BYTES = 1 << 20  # a Google News answer of 100 items is about 60 KB


def parse_document(body: bytes) -> feedparser.FeedParserDict:
    if len(body) > _CACHED_BODY_BYTES:
        return feedparser.parse(body)
    return _parse_document_cached(body)


@functools.lru_cache(maxsize=_CACHED_DOCUMENTS)
def _parse_document_cached(body: bytes) -> feedparser.FeedParserDict:
    return feedparser.parse(body)


def read_items(body: bytes, max_items: int | None = None, cut: bool = False) -> list[FeedItem]:
    """The first ``max_items`` items of a feed document (all without a cap). ``cut``: the body
    is the start of a longer answer (fetch's size limit); only items that end in it are read."""
    return read_feed(body, max_items, cut).items


def read_feed(body: bytes, max_items: int | None = None, cut: bool = False) -> FeedRead:
    """`read_items` with the number of items the document holds (the fast path when it
    applies, else feedparser)."""
    if len(body) > _CACHED_BODY_BYTES:
        return _read_feed(body, max_items, cut)
    return _read_feed_cached(body, max_items, cut)


def _read_feed(body: bytes, max_items: int | None, cut: bool) -> FeedRead:
    fast = _fast_read(body, max_items)
    if fast is not None and (cut or not fast.cut_short):
        return fast
    entries = parse_document(body).entries
    if cut and entries and not closed_document(body):
        entries = entries[:-1]  # the entry the cut went through
    return FeedRead(
        items=[_from_entry(entry) for entry in entries[:max_items]],
        total=len(entries),
        cut_short=not closed_document(body),
    )


_read_feed_cached = functools.lru_cache(maxsize=_CACHED_DOCUMENTS)(_read_feed)


def feedparser_items(body: bytes) -> list[FeedItem]:
    return [_from_entry(entry) for entry in parse_document(body).entries]


_CLOSING_ROOT = (b"</rss>", b"</feed>", b"</rdf:rdf>")


def closed_document(body: bytes) -> bool:
    """The document ends with the closing tag of a feed's root element."""
    return body.rstrip()[-16:].lower().endswith(_CLOSING_ROOT)


def _from_entry(entry: feedparser.FeedParserDict) -> FeedItem:
    source = entry.get("source") or {}
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return FeedItem(
        title=entry.get("title"),
        link=entry.get("link"),
        guid=entry.get("id"),
        summary=entry.get("summary", ""),
        source_title=source.get("title"),
        source_href=source.get("href"),
        published=(dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC) if parsed else None),
    )


# --- fast path ----------------------------------------------------------------------------

_ITEM_TAGS = frozenset({"title", "link", "guid", "pubDate", "description", "source"})
# Text feedparser would treat as HTML (markup or an entity reference) and rewrite.
_HTMLISH = re.compile(r"<|&#?\w+;")
# Markup Google News puts in descriptions; anything else (scripts, styles, …) goes to
# feedparser, whose sanitizer drops or rewrites it.
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)")
_DESCRIPTION_TAGS = frozenset({"a", "font", "b", "i", "strong", "em", "br", "p", "ol", "ul", "li"})
_ABSOLUTE = re.compile(r"https?://", re.IGNORECASE)


def fast_items(body: bytes) -> list[FeedItem] | None:
    """Items of a well-formed RSS 2.0 document in the Google News shape, or None: not that
    shape, so feedparser must read it (and say what is wrong with it)."""
    read = _fast_read(body, None)
    return None if read is None or read.cut_short else read.items


_CHUNK = 1 << 16  # bytes handed to the streaming parser at a time


def _fast_read(body: bytes, max_items: int | None) -> FeedRead | None:
    """The fast path as a stream: None when the document is not the Google News shape (or is
    malformed before its end); a document that merely stops early is ``cut_short``."""
    head = body[:1024]
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in body:  # entities: feedparser's rules
        return None
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start", "end"))
    shape = _RssShape(max_items)
    try:
        for offset in range(0, len(body), _CHUNK):
            parser.feed(body[offset : offset + _CHUNK])
            if not shape.take(parser.read_events()):
                return None
    except (ET.ParseError, ValueError):
        return None  # malformed inside the document: feedparser says what is wrong
    try:
        parser.close()
        cut_short = False
    except ET.ParseError:
        cut_short = True
    if not shape.take(parser.read_events()) or shape.channels != 1:
        return None
    return FeedRead(
        items=shape.items, total=shape.total, cut_short=cut_short, google_news_shape=True
    )


class _RssShape:
    """Checks the element stream of an RSS 2.0 document with one channel and keeps its items
    (each dropped from the tree once read)."""

    def __init__(self, max_items: int | None) -> None:
        self.max_items = max_items
        self.items: list[FeedItem] = []
        self.total = 0
        self.channels = 0
        self.depth = 0
        self.channel: ET.Element | None = None

    def take(self, events: Iterable[Any]) -> bool:
        """False as soon as the document is not the shape."""
        for event, element in events:
            if event == "start":
                if self.depth == 0 and (element.tag != "rss" or element.get("version") != "2.0"):
                    return False
                if self.depth == 1:
                    self.channels += 1
                    if element.tag != "channel" or self.channels > 1:
                        return False
                    self.channel = element
                self.depth += 1
                continue
            self.depth -= 1
            if self.depth == 2 and element.tag == "item":
                self.total += 1
                if self.max_items is None or len(self.items) < self.max_items:
                    item = _fast_item(element)
                    if item is None:
                        return False
                    self.items.append(item)
                assert self.channel is not None
                del self.channel[-1]  # read: the tree keeps no item
        return True


def _fast_item(element: ET.Element) -> FeedItem | None:
    fields: dict[str, ET.Element] = {}
    for child in element:
        if child.tag not in _ITEM_TAGS or child.tag in fields or len(child):
            return None  # another element, a repeated one or nested markup
        fields[child.tag] = child
    if set(fields) != _ITEM_TAGS:
        return None
    title = fields["title"].text or ""
    link = (fields["link"].text or "").strip()
    guid_el, source_el = fields["guid"], fields["source"]
    guid = (guid_el.text or "").strip()
    source_title = source_el.text or ""
    source_href = source_el.get("url")
    description = fields["description"].text or ""
    if (
        not title.strip()
        or _HTMLISH.search(title)
        or _HTMLISH.search(source_title)
        or not _ABSOLUTE.match(link)
        or not guid
        or guid_el.get("isPermaLink") != "false"
        or not source_title.strip()
        or (source_href is not None and not _ABSOLUTE.match(source_href.strip()))
        or element.attrib
        or len(guid_el.attrib) != 1
        or len(source_el.attrib) != (source_href is not None)
        or any(tag.lower() not in _DESCRIPTION_TAGS for tag in _TAG.findall(description))
    ):
        return None
    published = _rfc822(fields["pubDate"].text or "")
    if published is None:
        return None
    return FeedItem(
        title=title.strip(),
        link=link,
        guid=guid,
        summary=description,
        source_title=source_title.strip(),
        source_href=source_href,
        published=published,
    )


_RFC822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})"
)


def _rfc822(text: str) -> dt.datetime | None:
    """A strict RFC 822 date (the form Google News sends) in UTC; None for anything else."""
    text = text.strip()
    if not _RFC822.fullmatch(text):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC)
