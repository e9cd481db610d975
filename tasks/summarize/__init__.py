"""Summarize: highlights and per-side bullets for the selected articles of a topic-day.

The default summarizer is extractive and deterministic: no network, no key. It ranks headlines
by how many other selected headlines share their key terms (the stories most of the press is
on) and quotes them with their outlet. An LLM summarizer implements the same
``Summarizer`` protocol and is chosen by settings.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.llm import LLMClient
from parallax.records import Bullet, DigestArticle, DigestInput, DigestSummary, Story, Summarizer
from parallax.storage.ledger import RunRef, stage
from parallax.topics import Topic

_POSSESSIVE = re.compile(r"['’]s$")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# Words that say nothing about which story a headline is about (English and Spanish feeds).
_STOPWORDS = frozenset(
    """
    a about after against al amid an and are as at be been by con de del el en for from has have
    he his in into is it its la las los more new news not of on or over para por que says say se
    she su than that the their this to un una was were what when who why will with y
    """.split()  # noqa: SIM905 - a word list reads better as text
)
MAX_HIGHLIGHTS = 4
MAX_SIDE_BULLETS = 5
_SIMILAR_TERMS = 2  # shared key terms for two headlines to count as the same story
_TOPIC_TERM_SHARE = 1 / 3  # a term in more headlines than this names the topic, not a story


def key_terms(title: str) -> frozenset[str]:
    words = (_POSSESSIVE.sub("", w.casefold()).strip("'’-") for w in _WORD.findall(title))
    return frozenset(w for w in words if len(w) > 2 and w not in _STOPWORDS)


def _story_terms(digest: DigestInput) -> dict[int, frozenset[str]]:
    """Key terms per article without the topic's own words (those in over a third of the
    headlines, like "China" on a China page): they say which story, not which topic."""
    terms = {a.number: key_terms(a.title) for a in digest.articles}
    counts: dict[str, int] = {}
    for ts in terms.values():
        for t in ts:
            counts[t] = counts.get(t, 0) + 1
    common = {t for t, n in counts.items() if n > max(2, len(terms) * _TOPIC_TERM_SHARE)}
    return {n: ts - common for n, ts in terms.items()}


def _sides_covering(story: Story | None) -> int:
    """Sides that covered a story when more than one did (what makes it a shared highlight)."""
    return len(story.sides) if story is not None and len(story.sides) > 1 else 0


class ExtractiveSummarizer:
    name = "extractive"

    def summarize(self, digest: DigestInput) -> DigestSummary:
        terms = _story_terms(digest)
        related = {
            a.number: [
                b
                for b in digest.articles
                if b.number != a.number and len(terms[a.number] & terms[b.number]) >= _SIMILAR_TERMS
            ]
            for a in digest.articles
        }
        # Stories found by clustering come first, by how many sides and articles carry them.
        clustered = {n: s for s in digest.stories for n in s.numbers}
        for number, story in clustered.items():
            extra = [b for b in digest.articles if b.number in story.numbers and b.number != number]
            related[number] = list({b.number: b for b in [*extra, *related[number]]}.values())
        ranked = sorted(
            digest.articles,
            key=lambda a: (
                -_sides_covering(clustered.get(a.number)),
                -len(related[a.number]),
                a.number,
            ),
        )
        highlights = tuple(
            self._highlight(a, related[a.number]) for a in _diverse(ranked, terms, MAX_HIGHLIGHTS)
        )
        sides = {
            side: tuple(
                Bullet(f"{a.source_name}: {a.title}", (a.number,))
                for a in _diverse([r for r in ranked if r.side == side], terms, MAX_SIDE_BULLETS)
            )
            for side, _ in digest.sides
        }
        return DigestSummary(self.name, highlights, sides, exclusives(digest))

    @staticmethod
    def _highlight(article: DigestArticle, related: list[DigestArticle]) -> Bullet:
        # Cite corroborating coverage, other sides first: that is what makes it a highlight.
        others = sorted(related, key=lambda b: (b.side == article.side, b.number))[:2]
        outlets = list(dict.fromkeys([article.source_name, *(b.source_name for b in others)]))
        text = f"{article.title} (reported by {_join(outlets)})"
        return Bullet(text, tuple(sorted({article.number, *(b.number for b in others)})))


MAX_EXCLUSIVES = 3


def exclusives(digest: DigestInput) -> tuple[Bullet, ...]:
    """ "Only X's press covered ..." for the biggest stories that a single side covered."""
    names = dict(digest.sides)
    by_number = {a.number: a for a in digest.articles}
    one_sided = sorted(digest.one_sided_stories(), key=lambda s: (-len(s[1]), s[1]))
    return tuple(
        Bullet(f"Only {names[side]} outlets covered this story: {by_number[nums[0]].title}", nums)
        for side, nums in one_sided[:MAX_EXCLUSIVES]
    )


def _diverse(
    ranked: list[DigestArticle], terms: dict[int, frozenset[str]], limit: int
) -> list[DigestArticle]:
    """The top of ``ranked``, skipping headlines about a story already picked."""
    picked: list[DigestArticle] = []
    for article in ranked:
        if len(picked) == limit:
            break
        if all(len(terms[article.number] & terms[p.number]) < _SIMILAR_TERMS for p in picked):
            picked.append(article)
    return picked


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def make_summarizer(client: LLMClient | None) -> Summarizer:
    """The extractive summarizer unless a model client is given; then the LLM summarizer, which
    falls back to the extractive one (and says why) when the model's answer fails validation."""
    if client is None:
        return ExtractiveSummarizer()
    from tasks.summarize.llm import LLMSummarizer

    return LLMSummarizer(client, fallback=ExtractiveSummarizer())


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) and value else default


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def load_digest_input(con: duckdb.DuckDBPyConnection, topic: Topic, day: dt.date) -> DigestInput:
    """The selected articles of a topic-day in page order, with their stories."""
    return digest_input(topic, day, digest_rows(con, topic, day))


@dataclass(frozen=True)
class DigestRows:
    """What `digest_input` is built from, as read from the database."""

    articles: pd.DataFrame
    carried: dict[str, list[str]]
    stories: list[tuple]


def digest_rows(con: duckdb.DuckDBPyConnection, topic: Topic, day: dt.date) -> DigestRows:
    return DigestRows(
        con.execute(storage.query("digest_articles"), [topic.id, day]).df(),
        dict(con.execute(storage.query("carried_by"), [topic.id, day]).fetchall()),
        con.execute(storage.query("digest_stories"), [topic.id, day]).fetchall(),
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
        Story(cluster_id, tuple(numbers), tuple(s for s in story_sides if s in sides))
        for cluster_id, numbers, story_sides, size in rows.stories
        if size > 1 or len(numbers) > 1
    )
    return DigestInput(
        topic.id,
        topic.name,
        day,
        tuple((p.id, p.name) for p in topic.perspectives),
        articles,
        stories,
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
                out.append(Bullet(b.text, cites))
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


def page_selections(digest: DigestInput) -> pd.DataFrame:
    """`selections` rows for the articles a digest keeps, in its numbering."""
    ranks: dict[str, int] = {}
    rows = []
    for a in digest.articles:
        ranks[a.side] = ranks.get(a.side, 0) + 1
        rows.append((a.article_id, a.side, a.number, ranks[a.side]))
    return pd.DataFrame(rows, columns=["article_id", "side", "number", "rank_in_side"])


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
    load = lambda items: tuple(Bullet(b["text"], tuple(b["citations"])) for b in items)  # noqa: E731
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


@task(name="summarize", cache_policy=NO_CACHE, task_run_name="summarize {run.topic}")
def summarize_day(run: RunRef, db: Path, topic: Topic, summarizer: Summarizer) -> SummarizedDay:
    """Summarize the selection; articles the summarizer judges off-topic leave the selection
    (renumbered), so `selections` is exactly what the page lists."""
    with stage(db, run, "summarize") as counts:
        with storage.connect(db) as con:
            rows = digest_rows(con, topic, run.logical_date)
        digest = digest_input(topic, run.logical_date, rows)
        summary = summarizer.summarize(digest)  # may call a model: no DB connection held
        off_topic = [a.article_id for a in digest.articles if a.number in set(summary.off_topic)]
        page, summary = without_off_topic(digest, summary)
        row = summary_row(summary, off_topic)
        outputs = {"summaries": pd.DataFrame([row])}
        with storage.connect(db) as con:
            if off_topic:
                selections = page_selections(page)
                shortfalls = storage.load_day(
                    con, "selection_shortfalls", run.topic, run.logical_date
                )
                kept = selections["side"].value_counts()
                shortfalls["selected"] = [int(kept.get(s, 0)) for s in shortfalls["side"]]
                outputs |= {"selections": selections, "selection_shortfalls": shortfalls}
            storage.replace_days(con, run.topic, run.logical_date, run.run_id, outputs)
        counts.update(
            summarizer=summary.summarizer,
            highlights=len(summary.highlights),
            bullets={s: len(b) for s, b in summary.sides.items()},
            off_topic=len(off_topic),
            note=summary.note,
        )
    return SummarizedDay(page, summary_from_row(row), counts)
