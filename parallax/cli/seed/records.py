"""The old system's pages as records: one `SeedDigest` per page, one `SeedArticle` per source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SeedFormat = Literal["current", "legacy-venezuela", "first-run"]
Basis = Literal["position", "locale"]

# The old generator took up to this many articles per perspective before topping up.
SEED_PER_PERSPECTIVE_QUOTA = 10

# Legacy Venezuela pages: section heading (before " (") -> perspective id. "international" is
# the en-US feed that later pages call "us"; the README keeps the legacy id, and so do we.
LEGACY_SECTIONS = {
    "Inside Venezuela": "venezuelan",
    "International Perspective": "international",
    "US Perspective": "international",
}
# Legacy pages whose lines are interleaved by date carry the feed in the locale tag.
LEGACY_LOCALES = {"es-VE": "venezuelan", "en-US": "international"}


class SeedParseError(ValueError):
    """A page does not match any known format; the message names the page and the problem."""


@dataclass(frozen=True)
class SeedPerspective:
    id: str
    name: str
    count: int


@dataclass(frozen=True)
class SeedArticle:
    position: int  # 1-based position in the Sources list
    locale: str | None  # "[en-US]" tag; None on the first-run page
    title: str
    link: str
    source_name: str
    published_date: dt.date
    feed_perspective: str | None  # perspective id of the feed; None where it cannot be derived
    perspective_basis: Basis | None  # how feed_perspective was obtained


@dataclass(frozen=True)
class SeedDigest:
    topic: str
    digest_date: dt.date
    format: SeedFormat
    title: str
    generated_at: dt.datetime | None  # front matter `date`, UTC
    topic_name: str
    sources: tuple[str, ...]  # front matter list of outlet names
    article_count: int  # front matter articleCount
    perspectives: tuple[SeedPerspective, ...] | None  # None where the page has no such list
    perspective_counts: Mapping[str, int]  # from the <id>Sources keys, in front matter order
    draft: bool
    highlights: tuple[str, ...] = ()
    perspective_bullets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    summary_paragraphs: tuple[str, ...] = ()
    perspective_paragraphs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    key_differences: tuple[str, ...] = ()
    stated_article_count: int | None = None  # "This summary is based on N articles"
    articles: tuple[SeedArticle, ...] = ()

    @property
    def perspective_basis(self) -> Basis | None:
        bases = {a.perspective_basis for a in self.articles}
        return bases.pop() if len(bases) == 1 else None

    def digest_row(self) -> dict[str, Any]:
        """One row for a digests table (lists and mappings kept as Python values)."""
        return {
            "topic": self.topic,
            "digest_date": self.digest_date,
            "format": self.format,
            "title": self.title,
            "generated_at": self.generated_at,
            "topic_name": self.topic_name,
            "sources": list(self.sources),
            "article_count": self.article_count,
            "perspectives": None
            if self.perspectives is None
            else [{"id": p.id, "name": p.name, "count": p.count} for p in self.perspectives],
            "perspective_counts": dict(self.perspective_counts),
            "draft": self.draft,
            "highlights": list(self.highlights),
            "perspective_bullets": {k: list(v) for k, v in self.perspective_bullets.items()},
            "summary_paragraphs": list(self.summary_paragraphs),
            "perspective_paragraphs": {k: list(v) for k, v in self.perspective_paragraphs.items()},
            "key_differences": list(self.key_differences),
            "article_count_listed": len(self.articles),
            "perspective_basis": self.perspective_basis,
        }

    def article_rows(self) -> list[dict[str, Any]]:
        """One row per listed article, with the columns of corpus/articles.csv."""
        return [
            {
                "topic": self.topic,
                "digest_date": self.digest_date,
                "position": a.position,
                "feed_perspective": a.feed_perspective,
                "locale": a.locale,
                "title": a.title,
                "link": a.link,
                "source_name": a.source_name,
                "published_date": a.published_date,
                "perspective_basis": a.perspective_basis,
            }
            for a in self.articles
        ]
