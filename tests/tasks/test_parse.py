import datetime as dt

import pandas as pd
import pytest

from parallax.headlines import title_text
from parallax.records import ARTICLE_COLUMNS
from tasks.parse import clean_text, parse_feed, publisher_domain, split_title
from tests.support.paths import DATA

FEED_XML = (DATA / "feeds" / "gnews_sample.xml").read_bytes()


def _parse(body=FEED_XML):
    return parse_feed(
        body, fetch_id="f1", perspective="us", feed_index=0, language="en", region="US"
    )


def test_parse_google_news_items():
    rows = _parse()
    assert list(rows.columns) == list(ARTICLE_COLUMNS)
    first = rows.iloc[0]
    assert first.title == "Navy tracks carrier group in Western Pacific"
    assert first.source_name == "Example Times"
    assert first.source_domain == "example-times.com"
    assert first.guid == "TEST-aaa"
    assert first.published_at == pd.Timestamp("2026-02-07 03:15", tz="UTC")
    assert first.description == "Navy tracks carrier group in Western Pacific Example Times"


def test_source_names_containing_dashes_are_stripped_whole():
    second = _parse().iloc[1]
    assert second.title == "Talks - and tariffs - dominate summit agenda"
    assert second.source_name == "Daily Wire Service - Asia Edition"
    assert second.source_domain == "news.dailywire.example.co.uk"
    # +0800 is converted to UTC.
    assert second.published_at == pd.Timestamp("2026-02-06 14:00", tz="UTC")


def test_a_title_is_text_on_one_line_its_markup_dropped():
    third = _parse().iloc[2]
    assert "\n" not in third.title
    assert third.title.startswith("**Bold** [link](javascript:x)")  # the script and its content
    assert third.raw_title.startswith("<script>alert(1)</script> **Bold**")  # as served
    assert pd.isna(third.source_name) and pd.isna(third.source_domain)


@pytest.mark.parametrize(
    ("served", "text"),
    [
        ("<b>Breaking</b>: senators demand hearing", "Breaking: senators demand hearing"),
        ("Inflation &lt;2% in March", "Inflation <2% in March"),
        ("AT&amp;T and   Verizon", "AT&T and Verizon"),
        ("<style>p{}</style>Plain <i>words</i>", "Plain words"),
        ("No markup at all", "No markup at all"),
    ],
)
def test_title_text(served, text):
    assert title_text(served) == text


def test_repeated_item_gets_distinct_stable_ids():
    rows = _parse()
    assert rows["article_id"].is_unique
    assert rows.iloc[0].guid == rows.iloc[3].guid
    assert list(_parse()["article_id"]) == list(rows["article_id"])


def test_ids_differ_per_feed_so_cross_feed_copies_reach_dedupe():
    a = parse_feed(
        FEED_XML, fetch_id="f", perspective="us", feed_index=0, language="en", region="US"
    )
    b = parse_feed(
        FEED_XML, fetch_id="g", perspective="china", feed_index=1, language="en", region="US"
    )
    assert set(a["article_id"]).isdisjoint(b["article_id"])


def test_malformed_and_empty_documents_give_rows_not_exceptions():
    assert len(_parse(b"")) == 0
    truncated = _parse(FEED_XML[: len(FEED_XML) // 2])
    assert list(truncated.columns) == list(ARTICLE_COLUMNS)


def test_helpers():
    assert split_title("A - B - Source", "Source") == "A - B"
    assert split_title("Headline", "Other") == "Headline"
    assert publisher_domain("https://WWW.Dawn.com/news") == "dawn.com"
    assert publisher_domain("not a url") is None
    assert publisher_domain("http://[::1") is None
    assert clean_text("a&amp;b\x00\n c") == "a&b c"
    assert isinstance(dt.date.today(), dt.date)
