"""What a page lacks, in words a reader sees: a side short of its quota, a feed that failed
and what was done about it, a summary or relevance judgement that fell back from the model,
and how many articles were left out as off-topic. A complete page has no notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from parallax import storage


@dataclass(frozen=True)
class SideShortfall:
    side: str
    quota: int
    selected: int
    off_topic: int
    outlet_capped: int


@dataclass(frozen=True)
class FeedProblem:
    side: str
    locale: str  # the feed's edition, e.g. zh-CN: a side may read several
    error: str
    attempts: int
    reused_from: dt.datetime | None  # the earlier stored answer used instead, if any


@dataclass(frozen=True)
class PageFacts:
    shortfalls: tuple[SideShortfall, ...] = ()
    feed_problems: tuple[FeedProblem, ...] = ()
    off_topic: int = 0
    summary_fallback: str | None = None
    relevance_fallback: str | None = None
    translation_fallback: str | None = None  # why non-English headlines are untranslated
    max_per_outlet: int = 2
    side_names: Mapping[str, str] = field(default_factory=dict)


def load_facts(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    day: dt.date,
    fetch_run_id: str,
    side_names: Mapping[str, str],
    feed_locales: Mapping[int, str],
    max_per_outlet: int,
    summary_note: str | None,
    translation_note: str | None = None,
) -> PageFacts:
    shortfalls = storage.load_day(con, "selection_shortfalls", topic, day)
    feeds = con.execute(storage.query("feed_outcomes"), [fetch_run_id]).fetchall()
    relevance = storage.first_row(con, storage.query("relevance_day_summary"), [topic, day])
    return PageFacts(
        shortfalls=tuple(
            SideShortfall(
                side=r.side,
                quota=int(r.quota),
                selected=int(r.selected),
                off_topic=int(r.off_topic or 0),
                outlet_capped=int(r.outlet_capped or 0),
            )
            for r in shortfalls.itertuples()
        ),
        feed_problems=tuple(
            FeedProblem(
                side=side,
                locale=feed_locales.get(int(index), "?"),
                error=error or "no usable answer",
                attempts=int(attempts),
                reused_from=reused_from,
            )
            for side, index, attempts, ok, error, reused_from in feeds
            if not ok
        ),
        off_topic=int(shortfalls["off_topic"].fillna(0).sum()) if len(shortfalls) else 0,
        summary_fallback=summary_note,
        translation_fallback=translation_note,
        relevance_fallback=relevance[0] if relevance else None,
        max_per_outlet=max_per_outlet,
        side_names=dict(side_names),
    )


def page_notes(facts: PageFacts) -> list[str]:
    """The sentences, most important first."""

    def name(side: str) -> str:
        return facts.side_names.get(side, side)

    notes = []
    for problem in facts.feed_problems:
        tries = f"{problem.attempts} {'try' if problem.attempts == 1 else 'tries'}"
        if problem.reused_from is not None:
            notes.append(
                f"The {name(problem.side)} ({problem.locale}) feed failed today ({problem.error}, "
                f"{tries}); this page "
                f"uses the answer it gave on {problem.reused_from:%Y-%m-%d %H:%M} UTC."
            )
        else:
            notes.append(
                f"The {name(problem.side)} ({problem.locale}) feed failed today ({problem.error}, "
                f"{tries}) and no "
                f"earlier answer was stored: {name(problem.side)} articles come only from the "
                "other feeds."
            )
    for short in facts.shortfalls:
        if short.selected >= short.quota:
            continue
        count = "no" if short.selected == 0 else f"only {short.selected}"
        articles = "article" if short.selected == 1 else "articles"
        sentence = (
            f"{count.capitalize()} on-topic {articles} from {name(short.side)} outlets today; "
            f"the quota is {short.quota}."
        )
        reasons = []
        if short.off_topic:
            reasons.append(f"{short.off_topic} more were about other subjects")
        if short.outlet_capped:
            reasons.append(
                f"{short.outlet_capped} were left out so that no outlet has more than "
                f"{facts.max_per_outlet}"
            )
        if reasons:
            sentence = sentence[:-1] + f" ({'; '.join(reasons)})."
        notes.append(sentence)
    if facts.off_topic:
        notes.append(
            f"{facts.off_topic} {'article' if facts.off_topic == 1 else 'articles'} of the day "
            "about other subjects were left out."
        )
    if facts.relevance_fallback:
        notes.append(
            f"Which articles are about the topic was decided by the local scorer, not the model: "
            f"{facts.relevance_fallback}."
        )
    if facts.translation_fallback:
        notes.append(
            "Headlines in other languages are shown as published, without an English "
            f"rendering: {facts.translation_fallback}."
        )
    if facts.summary_fallback:
        notes.append(
            f"The summary is built from the headlines, not written by the model: "
            f"{facts.summary_fallback}."
        )
    return notes


def notes_front_matter(facts: PageFacts) -> dict[str, object]:
    """The same facts, structured, for the front matter (empty for a complete page)."""
    front: dict[str, object] = {}
    short = [s for s in facts.shortfalls if s.selected < s.quota]
    if short:
        front["shortSides"] = [
            {"side": s.side, "onTopic": s.selected, "quota": s.quota, "offTopic": s.off_topic}
            for s in short
        ]
    if facts.feed_problems:
        front["feedProblems"] = [
            {
                "side": p.side,
                "error": p.error,
                "reusedFrom": p.reused_from.isoformat() if p.reused_from else None,
            }
            for p in facts.feed_problems
        ]
    if facts.off_topic:
        front["offTopicCount"] = facts.off_topic
    if facts.relevance_fallback:
        front["relevanceFallback"] = facts.relevance_fallback
    if facts.summary_fallback:
        front["summaryFallback"] = facts.summary_fallback
    if facts.translation_fallback:
        front["translationFallback"] = facts.translation_fallback
    return front
