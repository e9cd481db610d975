"""Records passed between stages.

Stages exchange pandas DataFrames for row sets (articles, decisions) and these small frozen
dataclasses for the digest itself. The column lists below are the contract: a stage may add
columns, never rename these.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class RunRef:
    """Identity of one topic-day run, passed to every stage."""

    run_id: str
    topic: str
    logical_date: dt.date
    kind: str = "daily"

    @classmethod
    def new(cls, topic: str, logical_date: dt.date, kind: str = "daily") -> RunRef:
        return cls(run_id=uuid.uuid4().hex[:16], topic=topic, logical_date=logical_date, kind=kind)


# Columns of the `articles` table / DataFrame produced by tasks.parse.
ARTICLE_COLUMNS = (
    "article_id",  # stable id: hash of the guid (else link); same item -> same id on every run
    "fetch_id",  # raw_fetches row it was parsed from
    "feed_perspective",  # perspective id of the feed that returned it (NOT the outlet's side)
    "language",
    "region",
    "feed_position",  # 0-based order in the feed
    "guid",
    "link",
    "title",  # headline without the " - Source" suffix
    "raw_title",  # item title as served
    "description",  # plain text
    "source_name",  # <source> text
    "source_url",  # <source url="..."> attribute, if any
    "source_domain",  # host of source_url without "www.", lower case; None when absent
    "published_at",  # tz-aware UTC timestamp, None when the feed had none
)

# Columns of a dedupe decision (one row per article dropped as a duplicate).
DUPLICATE_COLUMNS = ("article_id", "kept_article_id", "method", "score")

# Columns of a classification (one row per article).
CLASSIFICATION_COLUMNS = (
    "article_id",
    "country",  # ISO-3166 alpha-2 of the outlet, None when unknown
    "outlet_kind",  # outlet | aggregator | platform | unknown
    "outlet_name",  # canonical registry name, None when not in the registry
    "ownership",  # state | public | private | unknown, None when not in the registry
    "method",  # domain | name | cctld | llm | none
    "confidence",  # 0..1
    "evidence",  # human-readable reason
    "perspective",  # topic side id, or "international" / "unknown"
)

UNKNOWN = "unknown"  # no country could be established (aggregators, unlisted outlets)
INTERNATIONAL = "international"  # a known country that is on no side of the topic


@dataclass(frozen=True)
class OutletClassification:
    """What we know about one outlet, and why."""

    country: str | None
    kind: str  # outlet | aggregator | platform | unknown
    method: str  # domain | name | cctld | llm | none
    confidence: float
    evidence: str
    outlet_name: str | None = None
    ownership: str | None = None  # state | public | private | unknown


@dataclass(frozen=True)
class DigestArticle:
    """A selected article as the summarizer and the page see it."""

    number: int  # 1-based position in the page's Sources list; citations refer to it
    article_id: str
    side: str  # perspective id, or "international"
    title: str
    link: str
    source_name: str
    published_at: dt.datetime | None
    language: str
    region: str
    country: str | None = None
    source_domain: str | None = None
    description: str = ""
    ownership: str | None = None
    also_carried_by: tuple[str, ...] = ()  # outlets whose copies were dropped as duplicates
    continuing: bool = False  # already on one of the previous days' pages (nothing fresher)
    translation: str | None = None  # its English rendering, when not in English and a model ran

    @property
    def locale(self) -> str:
        return f"{self.language}-{self.region}"


@dataclass(frozen=True)
class Story:
    """Articles of the digest about one event, and which sides' press covered it."""

    story_id: str
    numbers: tuple[int, ...]  # selected articles in the story
    sides: tuple[str, ...]  # topic sides with an on-topic article on it in the window
    loose_sides: tuple[str, ...] = ()  # ... and the sides with one that may report it


@dataclass(frozen=True)
class DigestInput:
    topic_id: str
    topic_name: str
    logical_date: dt.date
    sides: tuple[tuple[str, str], ...]  # (perspective id, display name) in config order
    articles: tuple[DigestArticle, ...]
    stories: tuple[Story, ...] = ()  # multi-article stories and one-side exclusives

    def side_articles(self, side: str) -> tuple[DigestArticle, ...]:
        return tuple(a for a in self.articles if a.side == side)

    def one_sided_stories(self) -> list[tuple[str, tuple[int, ...]]]:
        """(side, its articles on the page) for stories only that side's press covered, with no
        article of another side that may report the same event; a story whose articles on the
        page are all from other countries is left out."""
        if len(self.sides) < 2:
            return []
        side_of = {a.number: a.side for a in self.articles}
        found = []
        for story in self.stories:
            if len(story.sides) == 1 and set(story.loose_sides) <= set(story.sides):
                own = tuple(n for n in story.numbers if side_of.get(n) == story.sides[0])
                if own:
                    found.append((story.sides[0], own))
        return found


@dataclass(frozen=True)
class Bullet:
    text: str
    citations: tuple[int, ...] = ()  # DigestArticle.number values


@dataclass(frozen=True)
class DigestSummary:
    summarizer: str  # "extractive" or "llm:<model>"
    highlights: tuple[Bullet, ...]
    sides: Mapping[str, tuple[Bullet, ...]]  # perspective id -> bullets
    differences: tuple[Bullet, ...] = ()
    note: str | None = None  # e.g. why an LLM answer was rejected and we fell back
    translation_note: str | None = None  # why non-English headlines are left untranslated
    extra: Mapping[str, object] = field(default_factory=dict)


class Summarizer(Protocol):
    """Turns the selected articles of one digest into a summary. Must not touch storage."""

    name: str

    def summarize(self, digest: DigestInput) -> DigestSummary: ...
