"""The Google News fast path of parallax/feeddoc.py reads exactly what feedparser reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from parallax.feeddoc import _fast_item, fast_items, feedparser_items, read_feed, read_items
from tasks.fetch import FetchResponse, assess_feed
from tasks.parse import item_rows
from tests.support.paths import REPO

ROOT = REPO
FEEDS = sorted([*ROOT.glob("samples/feeds/*/*.xml"), *ROOT.glob("tests/data/feeds/*.xml")])


def rows(items: list) -> pd.DataFrame:
    return item_rows(items, fetch_id="f", perspective="p", feed_index=0, language="en", region="US")


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_rows_equal_feedparser_rows(path: Path) -> None:
    body = path.read_bytes()
    pd.testing.assert_frame_equal(rows(read_items(body)), rows(feedparser_items(body)))


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_item_the_fast_path_accepts_reads_as_feedparser_reads_it(path: Path) -> None:
    """Item by item, also in the samples with deliberately odd items (those send their whole
    document to feedparser): every item of the Google News shape gives feedparser's row."""
    body = path.read_bytes()
    elements = list(ET.fromstring(body).iter("item"))
    slow = feedparser_items(body)
    assert len(elements) == len(slow)
    accepted = 0
    for element, reference in zip(elements, slow, strict=True):
        item = _fast_item(element)
        if item is not None:
            accepted += 1
            pd.testing.assert_frame_equal(rows([item]), rows([reference]))
    assert accepted >= len(elements) - 2


def test_most_bundled_feeds_take_the_fast_path() -> None:
    fast = [p for p in FEEDS if fast_items(p.read_bytes()) is not None]
    assert len(FEEDS) >= 10 and len(fast) >= len(FEEDS) - 3


def _google_news(item: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"{item}</channel></rss>"
    ).encode()


GOOD_ITEM = (
    "<item><title>Headline - Outlet</title><link>https://news.google.com/a?oc=5</link>"
    '<guid isPermaLink="false">a</guid><pubDate>Sat, 07 Feb 2026 03:15:00 GMT</pubDate>'
    "<description>&lt;a href=&quot;https://x&quot;&gt;Headline&lt;/a&gt;</description>"
    '<source url="https://outlet.example">Outlet</source></item>'
)


@pytest.mark.parametrize(
    "body",
    [
        _google_news(GOOD_ITEM.replace("</item>", "<media:x xmlns:media='m'/></item>")),
        _google_news(GOOD_ITEM.replace("Headline - Outlet", "A &amp;lt;b&amp;gt; B")),
        _google_news(GOOD_ITEM.replace("GMT", "PST")),
        _google_news(GOOD_ITEM.replace("&lt;a href", "&lt;script&gt;x&lt;/script&gt;&lt;a href")),
        _google_news(GOOD_ITEM.replace(' isPermaLink="false"', "")),
        _google_news(GOOD_ITEM)[:-20],  # truncated
        _google_news(GOOD_ITEM).replace(b"<rss", b"<!DOCTYPE rss><rss"),
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
        _google_news(GOOD_ITEM + "<item><title>x</item>"),  # mismatched tag
    ],
)
def test_anything_else_goes_to_feedparser(body: bytes) -> None:
    assert fast_items(body) is None
    pd.testing.assert_frame_equal(rows(read_items(body)), rows(feedparser_items(body)))


def test_fast_path_item_matches_feedparser() -> None:
    body = _google_news(GOOD_ITEM)
    assert fast_items(body) == feedparser_items(body)


def test_assess_feed_agrees_on_both_paths() -> None:
    good = FetchResponse("u", 200, {}, _google_news(GOOD_ITEM), 1.0)
    assert assess_feed(good).ok and assess_feed(good).item_count == 1
    truncated = FetchResponse("u", 200, {}, _google_news(GOOD_ITEM)[:-20], 1.0)
    assert not assess_feed(truncated).ok and assess_feed(truncated).retryable


def test_source_without_url_stays_on_the_fast_path() -> None:
    body = _google_news(GOOD_ITEM.replace(' url="https://outlet.example"', ""))
    fast = fast_items(body)
    assert fast is not None and fast[0].source_href is None
    pd.testing.assert_frame_equal(rows(fast), rows(feedparser_items(body)))


# --- bounded reading -------------------------------------------------------------------------


def _items(n: int) -> str:
    return "".join(GOOD_ITEM.replace(">a<", f">a{i}<") for i in range(n))


def test_a_capped_read_keeps_the_first_items_and_counts_them_all() -> None:
    body = _google_news(_items(30))
    read = read_feed(body, 5)
    assert read.total == 30 and read.google_news_shape
    assert read.items == read_items(body)[:5] == feedparser_items(body)[:5]


@pytest.mark.parametrize("shape", ["google-news", "other"])
def test_a_body_cut_at_the_size_limit_gives_the_items_that_end_before_the_cut(shape: str) -> None:
    body = _google_news(_items(10))
    if shape == "other":  # a doctype sends the document to feedparser
        body = body.replace(b"<rss", b"<!DOCTYPE rss><rss")
    cut = body[: body.index(b"</item>", len(body) // 2) + 20]  # inside the item after the 5th
    items = read_items(cut, cut=True)
    ends = cut.count(b"</item>")
    assert len(items) == ends and items == feedparser_items(body)[:ends]
    assessed = assess_feed(FetchResponse("u", 200, {}, cut, 1.0, body_cut=True))
    assert assessed.ok and assessed.item_count == ends


def test_a_cut_body_without_a_complete_item_is_a_failure_not_worth_retrying() -> None:
    cut = _google_news(_items(3))[:300]
    assessed = assess_feed(FetchResponse("u", 200, {}, cut, 1.0, body_cut=True))
    assert not assessed.ok and not assessed.retryable
    assert "PARALLAX_FEED_MAX_BYTES" in (assessed.error or "")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_feed_in_another_unicode_encoding_is_a_feed(encoding: str) -> None:
    body = _google_news(GOOD_ITEM).decode().replace("UTF-8", encoding.upper()).encode(encoding)
    assessed = assess_feed(FetchResponse("u", 200, {}, body, 1.0))
    assert assessed.ok and assessed.item_count == 1
