"""Pages say what they lack: a short side, a failed feed and what was done, a summary or a
relevance judgement that fell back from the model, the articles left out as off-topic."""

from __future__ import annotations

import datetime as dt

import yaml

from parallax.records import Bullet, DigestSummary
from tasks.publish import PageCounts, render_page
from tasks.publish.notes import (
    FeedProblem,
    PageFacts,
    SideShortfall,
    notes_front_matter,
    page_notes,
)
from tests.support.digests import SAMPLE

NAMES = {"us": "United States", "china": "China"}
SUMMARY = DigestSummary(
    summarizer="extractive",
    highlights=(Bullet("Both sides cover the chip export curbs.", (1, 4)),),
    sides={},
)


def _front(page: str) -> dict:
    _, front, _ = page.split("---\n", 2)
    return yaml.safe_load(front)


def test_a_complete_page_has_no_notes():
    facts = PageFacts(shortfalls=(SideShortfall("us", 5, 5, 0, 0),), side_names=NAMES)
    assert page_notes(facts) == [] and notes_front_matter(facts) == {}
    page = render_page(SAMPLE, SUMMARY, PageCounts(0, 0), facts)
    assert "Coverage Notes" not in page


def test_a_short_side_says_how_many_of_its_quota_and_why():
    facts = PageFacts(
        shortfalls=(SideShortfall("china", 10, 4, 7, 2), SideShortfall("us", 10, 0, 3, 0)),
        side_names=NAMES,
        max_per_outlet=2,
    )
    china, us = page_notes(facts)
    assert china.startswith("Only 4 on-topic articles from China outlets today; the quota is 10")
    assert "7 more were about other subjects" in china
    assert "2 were left out so that no outlet has more than 2" in china
    assert us.startswith("No on-topic articles from United States outlets today")
    assert notes_front_matter(facts)["shortSides"] == [
        {"side": "china", "onTopic": 4, "quota": 10, "offTopic": 7},
        {"side": "us", "onTopic": 0, "quota": 10, "offTopic": 3},
    ]


def test_a_failed_feed_says_what_was_done():
    reused = FeedProblem("china", "zh-CN", "HTTP 503", 4, dt.datetime(2026, 2, 7, 6, 30))
    lost = FeedProblem("us", "en-US", "timed out", 1, None)
    notes = page_notes(PageFacts(feed_problems=(reused, lost), side_names=NAMES))
    assert notes[0] == (
        "The China (zh-CN) feed failed today (HTTP 503, 4 tries); this page uses the answer it "
        "gave on 2026-02-07 06:30 UTC."
    )
    assert notes[1].startswith("The United States (en-US) feed failed today (timed out, 1 try)")
    assert "United States articles come only from the other feeds" in notes[1]


def test_fallbacks_and_off_topic_counts_are_said_in_words_and_front_matter():
    facts = PageFacts(
        off_topic=12,
        summary_fallback="the model's answer cited unknown sources",
        relevance_fallback="the model's answer was not valid JSON",
        side_names=NAMES,
    )
    page = render_page(SAMPLE, SUMMARY, PageCounts(0, 0), facts)
    front = _front(page)
    assert front["offTopicCount"] == 12
    assert front["summaryFallback"] == "the model's answer cited unknown sources"
    assert front["relevanceFallback"] == "the model's answer was not valid JSON"
    body = page.split("---\n", 2)[2]
    notes = body.split("## Overall Highlights")[0]  # the notes come first
    assert "## Coverage Notes" in notes
    assert "12 articles of the day about other subjects were left out" in notes
    assert "decided by the local scorer, not the model" in notes
    assert "not written by the model: the model" in notes


# --- what changed since yesterday ---------------------------------------------------------------


def test_what_changed_since_yesterday_is_a_section_after_the_highlights():
    from tasks.publish.changes import StoryChanges

    changes = StoryChanges(
        had_page=True,
        new=(Bullet("New: Talks resume in Geneva", (1,)),),
        picked_up=(Bullet("Now covered by China too (yesterday United States only): X", (4,)),),
        dropped=(Bullet("Nothing new today: Yesterday's summit"),),
    )
    page = render_page(SAMPLE, SUMMARY, PageCounts(0, 0), changes=changes)
    body = page.split("\n---\n", 1)[1]
    section = body.split("## What Changed Since Yesterday\n\n", 1)[1].split("\n## ", 1)[0]
    assert body.index("## Overall Highlights") < body.index("## What Changed Since Yesterday")
    assert section.splitlines() == [
        "- New: Talks resume in Geneva [\\[1\\]](#source-1)",
        "- Now covered by China too (yesterday United States only): X [\\[4\\]](#source-4)",
        "- Nothing new today: Yesterday's summit",
    ]
    assert _front(page)["changes"] == {"new": 1, "pickedUp": 1, "dropped": 1}


def test_no_section_without_a_previous_page():
    from tasks.publish.changes import StoryChanges

    page = render_page(SAMPLE, SUMMARY, PageCounts(0, 0), changes=StoryChanges(had_page=False))
    assert "What Changed" not in page and "changes:" not in page
