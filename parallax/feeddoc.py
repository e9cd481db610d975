"""Feed documents -> items: a fast path for Google News RSS, feedparser for everything else.

Fetch checks that an answer is a usable feed and parse turns it into rows; both need the parsed
document. feedparser is thorough and slow, and a backfill parses thousands of documents. Google News
always answers the same small shape (``title``, ``link``, ``guid``, ``pubDate``, ``description``,
``<source url>``), so `read_items` reads that shape with the stdlib's expat-based ElementTree (many
times faster) and hands any document that is not exactly a well-formed RSS 2.0 feed of that shape to
feedparser: malformed, truncated or odd feeds keep feedparser's leniency and its ``bozo``
diagnostics. A test checks that both paths give identical rows on the bundled feeds. Results are
shared through small LRUs keyed by the body; treat them as read-only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

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


@functools.lru_cache(maxsize=64)
def parse_document(body: bytes) -> feedparser.FeedParserDict:
    return feedparser.parse(body)


def read_items(body: bytes) -> list[FeedItem]:
    """The items of a feed document (the fast path when it applies, else feedparser)."""
    items = fast_items(body)
    return items if items is not None else feedparser_items(body)


def feedparser_items(body: bytes) -> list[FeedItem]:
    return [_from_entry(entry) for entry in parse_document(body).entries]


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


@functools.lru_cache(maxsize=64)
def fast_items(body: bytes) -> list[FeedItem] | None:
    """Items of a well-formed RSS 2.0 document in the Google News shape, or None: not that
    shape, so feedparser must read it (and say what is wrong with it)."""
    head = body[:1024]
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in body:  # entities: feedparser's rules
        return None
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None
    if root.tag != "rss" or root.get("version") != "2.0":
        return None
    channels = [child for child in root if child.tag == "channel"]
    if len(channels) != 1 or len(root) != 1:
        return None
    items = []
    for element in channels[0]:
        if element.tag != "item":
            continue
        item = _fast_item(element)
        if item is None:
            return None
        items.append(item)
    return items


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
