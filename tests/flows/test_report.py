"""The page diff a replay prints."""

from __future__ import annotations

import datetime as dt

from flows.report import page_diff
from parallax.topics import Feed
from tests.support.paths import DATA

FEED_XML = (DATA / "feeds" / "gnews_sample.xml").read_bytes()
FEED = Feed(perspective="us", query="China")
DAY = dt.date(2026, 2, 7)


def test_page_diff_is_empty_for_identical_pages():
    assert page_diff("a\nb\n", "a\nb\n", "x", "y") == ""
    diff = page_diff("a\nb\n", "a\nc\n", "published", "replay")
    assert diff.splitlines()[:2] == ["--- published", "+++ replay"]
    assert "-b" in diff and "+c" in diff
