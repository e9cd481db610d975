"""The extractive summarizer: deterministic, no network, no key.

It ranks headlines by how many other selected headlines share their key terms (the stories
most of the press is on) and quotes them with their outlet.
"""

from __future__ import annotations

import re

from parallax.headlines import SUMMARY_STOPWORDS, in_english, language_name
from parallax.records import Bullet, DigestArticle, DigestInput, DigestSummary, Story

_POSSESSIVE = re.compile(r"['’]s$")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
MAX_HIGHLIGHTS = 4
MAX_SIDE_BULLETS = 5
_SIMILAR_TERMS = 2  # shared key terms for two headlines to count as the same story
_TOPIC_TERM_SHARE = 1 / 3  # a term in more headlines than this names the topic, not a story


def key_terms(title: str) -> frozenset[str]:
    words = (_POSSESSIVE.sub("", w.casefold()).strip("'’-") for w in _WORD.findall(title))
    return frozenset(w for w in words if len(w) > 2 and w not in SUMMARY_STOPWORDS)


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
                Bullet(text=f"{a.source_name}: {headline(a)}", citations=(a.number,))
                for a in _diverse([r for r in ranked if r.side == side], terms, MAX_SIDE_BULLETS)
            )
            for side, _ in digest.sides
        }
        return DigestSummary(
            summarizer=self.name, highlights=highlights, sides=sides, differences=exclusives(digest)
        )

    @staticmethod
    def _highlight(article: DigestArticle, related: list[DigestArticle]) -> Bullet:
        # Cite corroborating coverage, other sides first: that is what makes it a highlight.
        others = sorted(related, key=lambda b: (b.side == article.side, b.number))[:2]
        outlets = list(
            dict.fromkeys([article.source_name, *(_outlet_in(b, article.language) for b in others)])
        )
        text = f"{headline(article)} (reported by {_join(outlets)})"
        return Bullet(
            text=text, citations=tuple(sorted({article.number, *(b.number for b in others)}))
        )


MAX_EXCLUSIVES = 3


def exclusives(digest: DigestInput) -> tuple[Bullet, ...]:
    """ "Only X's press covered ..." for the biggest stories that a single side covered."""
    names = dict(digest.sides)
    by_number = {a.number: a for a in digest.articles}
    one_sided = sorted(digest.one_sided_stories(), key=lambda s: (-len(s[1]), s[1]))
    return tuple(
        Bullet(
            text=f"Only {names[side]} outlets covered this story: {headline(by_number[nums[0]])}",
            citations=nums,
        )
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


def headline(article: DigestArticle) -> str:
    """The title as published, and, when it is not in English, its language or its English
    rendering: a bullet never mixes languages without saying so."""
    if in_english(article.language):
        return article.title
    if article.translation:
        return f"{article.title} ({language_name(article.language)}: {article.translation})"
    return f"{article.title} (in {language_name(article.language)})"


def _outlet_in(article: DigestArticle, language: str) -> str:
    """An outlet cited beside a headline, with its own language when it differs."""
    if article.language.split("-")[0] == language.split("-")[0]:
        return article.source_name
    return f"{article.source_name} (in {language_name(article.language)})"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
