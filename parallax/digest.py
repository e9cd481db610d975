"""A digest between stages: what summarize reads, and what it hands publish.

`digest_rows` reads a topic-day's selected articles, their other outlets and their stories;
`digest_input` builds the `DigestInput` the summarizer and the page see. `summary_row` /
`summary_from_row` store a summary and read it back. `SummarizedDay` is what the summarize
stage hands publish, so publish need not read it back.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

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
            continuing=bool(r.continuing),
            translation=_opt(r.translation),
        )
        for r in rows.articles.itertuples()
    )
    stories = tuple(
        Story(
            story_id=story_id,
            numbers=tuple(numbers),
            sides=tuple(s for s in story_sides if s in sides),
            loose_sides=tuple(s for s in loose_sides if s in sides),
        )
        for story_id, numbers, story_sides, loose_sides, size in rows.stories
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


def summary_row(summary: DigestSummary) -> dict:
    bullets = lambda items: [asdict(b) for b in items]  # noqa: E731
    return {
        "summarizer": summary.summarizer,
        "highlights": json.dumps(bullets(summary.highlights), ensure_ascii=False),
        "sides": json.dumps({s: bullets(b) for s, b in summary.sides.items()}, ensure_ascii=False),
        "differences": json.dumps(bullets(summary.differences), ensure_ascii=False),
        "off_topic": "[]",  # older versions' summarizer could leave articles off; relevance does
        "note": summary.note,
        "translation_note": summary.translation_note,
    }


def summary_from_row(row: dict) -> DigestSummary:
    def load(items: list[dict]) -> tuple[Bullet, ...]:
        return tuple(Bullet(text=b["text"], citations=tuple(b["citations"])) for b in items)

    return DigestSummary(
        summarizer=row["summarizer"],
        highlights=load(json.loads(row["highlights"])),
        sides={s: load(b) for s, b in json.loads(row["sides"]).items()},
        differences=load(json.loads(row["differences"])),
        note=_opt(row["note"]),
        translation_note=_opt(row.get("translation_note")),
    )


@dataclass(frozen=True)
class SummarizedDay:
    """What the summarize stage stored, handed to publish so it need not read it back: the
    page's articles and the summary as stored."""

    page: DigestInput
    summary: DigestSummary
    counts: dict
