"""A digest between stages: what summarize reads, and what it hands publish.

`digest_rows` reads a topic-day's selected articles, their other outlets and their stories;
`digest_input` builds the `DigestInput` the summarizer and the page see. `summary_row` /
`summary_from_row` store a summary and read it back. `SummarizedDay` is what the summarize
stage hands publish, so publish need not read it back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace

import duckdb
import pandas as pd

from parallax import storage
from parallax.records import Bullet, DigestArticle, DigestInput, DigestSummary, Story
from parallax.topics import Topic


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) and value else default


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class DigestRows:
    """What `digest_input` is built from, as read from the database."""

    articles: pd.DataFrame
    carried: dict[str, list[str]]
    stories: list[tuple]


def digest_rows(con: duckdb.DuckDBPyConnection, topic: Topic, day: dt.date) -> DigestRows:
    return DigestRows(
        articles=con.execute(storage.query("digest_articles"), [topic.id, day]).df(),
        carried=dict(con.execute(storage.query("carried_by"), [topic.id, day]).fetchall()),
        stories=con.execute(storage.query("digest_stories"), [topic.id, day]).fetchall(),
    )


def digest_input(topic: Topic, day: dt.date, rows: DigestRows) -> DigestInput:
    """Build the digest from its rows (no database: callers release the connection first)."""
    carried = rows.carried
    sides = {p.id for p in topic.perspectives}
    articles = tuple(
        DigestArticle(
            number=int(r.number),
            article_id=r.article_id,
            side=r.side,
            title=_str(r.title),
            link=_str(r.link),
            source_name=_str(r.source_name, "unknown outlet"),
            published_at=None if pd.isna(r.published_at) else r.published_at.to_pydatetime(),
            language=_str(r.language, "en"),
            region=_str(r.region, "US"),
            country=_opt(r.country),
            source_domain=_opt(r.source_domain),
            description=_str(r.description),
            ownership=_opt(r.ownership),
            also_carried_by=tuple(o for o in carried.get(r.article_id, ()) if o != r.source_name),
        )
        for r in rows.articles.itertuples()
    )
    stories = tuple(
        Story(
            cluster_id=cluster_id,
            numbers=tuple(numbers),
            sides=tuple(s for s in story_sides if s in sides),
        )
        for cluster_id, numbers, story_sides, size in rows.stories
        if size > 1 or len(numbers) > 1
    )
    return DigestInput(
        topic_id=topic.id,
        topic_name=topic.name,
        logical_date=day,
        sides=tuple((p.id, p.name) for p in topic.perspectives),
        articles=articles,
        stories=stories,
    )


def without_off_topic(
    digest: DigestInput, summary: DigestSummary
) -> tuple[DigestInput, DigestSummary]:
    """Drop articles judged off-topic and renumber the rest, keeping citations pointing right."""
    if not summary.off_topic:
        return digest, summary
    dropped = set(summary.off_topic)
    kept = [a for a in digest.articles if a.number not in dropped]
    renumber = {a.number: i for i, a in enumerate(kept, start=1)}
    articles = tuple(replace(a, number=renumber[a.number]) for a in kept)

    def remap(bullets: tuple[Bullet, ...]) -> tuple[Bullet, ...]:
        out = []
        for b in bullets:
            cites = tuple(renumber[c] for c in b.citations if c in renumber)
            if cites or not b.citations:
                out.append(Bullet(text=b.text, citations=cites))
        return tuple(out)

    stories = tuple(
        replace(st, numbers=tuple(renumber[n] for n in st.numbers if n in renumber))
        for st in digest.stories
    )
    stories = tuple(st for st in stories if st.numbers)
    return replace(digest, articles=articles, stories=stories), replace(
        summary,
        highlights=remap(summary.highlights),
        sides={s: remap(b) for s, b in summary.sides.items()},
        differences=remap(summary.differences),
    )


def summary_row(summary: DigestSummary, off_topic_ids: list[str] | None = None) -> dict:
    bullets = lambda items: [asdict(b) for b in items]  # noqa: E731
    return {
        "summarizer": summary.summarizer,
        "highlights": json.dumps(bullets(summary.highlights), ensure_ascii=False),
        "sides": json.dumps({s: bullets(b) for s, b in summary.sides.items()}, ensure_ascii=False),
        "differences": json.dumps(bullets(summary.differences), ensure_ascii=False),
        "off_topic": json.dumps(off_topic_ids or []),
        "note": summary.note,
    }


def summary_from_row(row: dict) -> DigestSummary:
    def load(items: list[dict]) -> tuple[Bullet, ...]:
        return tuple(Bullet(text=b["text"], citations=tuple(b["citations"])) for b in items)

    return DigestSummary(
        summarizer=row["summarizer"],
        highlights=load(json.loads(row["highlights"])),
        sides={s: load(b) for s, b in json.loads(row["sides"]).items()},
        differences=load(json.loads(row["differences"])),
        off_topic=(),  # already removed from the selection by the summarize stage
        note=_opt(row["note"]),
    )


@dataclass(frozen=True)
class SummarizedDay:
    """What the summarize stage stored, handed to publish so it need not read it back: the
    page's articles (renumbered without the off-topic ones) and the summary as stored."""

    page: DigestInput
    summary: DigestSummary
    counts: dict


def page_articles(digest: DigestInput, left_off: Collection[str]) -> DigestInput:
    """The digest without the articles whose ids are in ``left_off`` (those the summarizer
    judged off-topic), renumbered as the page numbers them."""
    if not left_off:
        return digest
    kept = [a for a in digest.articles if a.article_id not in set(left_off)]
    renumber = {a.number: i for i, a in enumerate(kept, start=1)}
    stories = tuple(
        replace(st, numbers=tuple(renumber[n] for n in st.numbers if n in renumber))
        for st in digest.stories
    )
    return replace(
        digest,
        articles=tuple(replace(a, number=renumber[a.number]) for a in kept),
        stories=tuple(st for st in stories if st.numbers),
    )
