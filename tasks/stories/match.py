"""Which headlines report the same event, whatever their language.

The multilingual model alone does not separate them: two reports of one event in two languages
score about as close as two reports of neighbouring events in one (the same ministers' next
meeting, last month's trade figures). So the cosine of the two titles' vectors is one term of
a score, beside evidence that does not depend on the language:

- figures: a number, date or designation both titles state ("32 aircraft" / "共機32架次") is
  evidence for; titles that both state figures and share none are evidence against
  (``tasks.stories.figures``);
- names: a Latin-script name or acronym both titles carry (Chevron, OFAC, DGMO) is evidence for;
- third countries (named by the lexicon in any of its languages, leaving out the topic's own
  countries): one both titles name is evidence for, one named by only one title against
  ("Xi meets Carney" / "Xi meets Putin");
- time: reports of one event land within a day or two; each day beyond that counts against.

The pair is one event when the score reaches a threshold, one for titles in the same language
and one across languages (a same-language pair scores higher on the cosine alone). All numbers
are in ``MatchSettings``; ``benchmarks/stories.py --fit`` fits them on the labelled pairs'
``dev`` split. Everything is pairwise (no statistic of the batch), so a pair's decision does
not change with the other headlines of the day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from parallax.headlines import IDENTITY_STOPWORDS, normalize, stem
from parallax.lexicon import Lexicon
from tasks.stories.figures import figures


@dataclass(frozen=True)
class Headline:
    title: str
    language: str  # "es", "zh-TW", "en-IN": only the part before the "-" is compared
    published_at: dt.datetime | dt.date | None = None


@dataclass(frozen=True)
class MatchSettings:
    """The weights and thresholds of the same-event score, fit on the dev split by
    ``benchmarks/stories.py --fit --target-precision 0.9``. At the issue's 0.95 the fit finds
    no threshold that keeps any pair across scripts (English / Chinese, ...) on dev, so the
    stage could not join them at all; 0.9 keeps them. A weight the fit set to 0 is evidence
    that did not help on dev; it stays here so a refit on more pairs can use it."""

    # Score a same-language pair must reach: the cosine of one language runs higher.
    same_language_threshold: float = 0.864
    # Score a pair in two languages of one script must reach (English / Spanish).
    same_script_threshold: float = 0.861
    # Score a pair in two scripts must reach: the model puts them further apart
    # (English / Chinese scores lower than English / Spanish for one story).
    cross_script_threshold: float = 0.813
    # Both titles state a figure (a number, a date, a designation): the same event's reports
    # repeat one; neighbouring events (next month's data, the next drill) differ in one.
    shared_figure_bonus: float = 0.0
    conflicting_figures_penalty: float = 0.03
    # A Latin-script name, acronym or rare word both titles carry.
    shared_name_bonus: float = 0.0
    # A country outside the topic named by both titles, or by only one of them.
    shared_third_country_bonus: float = 0.0
    unshared_third_country_penalty: float = 0.02
    # Reports of one event land within this many days of each other ...
    grace_days: float = 1.0
    # ... and each day beyond costs this much (publication time unknown: no cost).
    penalty_per_day: float = 0.02


DEFAULT_SETTINGS = MatchSettings()

# The script each feed language is written in (Chinese and Japanese share Han characters).
SCRIPTS = {"en": "latin", "es": "latin", "zh": "han", "ja": "han", "hi": "devanagari",
           "ur": "arabic"}  # fmt: skip


@dataclass(frozen=True)
class TitleEvidence:
    """What one headline states that does not depend on its language."""

    language: str
    figures: frozenset[str]
    names: frozenset[str]
    third_countries: frozenset[str]
    day: float  # days since the epoch, NaN when unknown


@dataclass(frozen=True)
class PairVerdict:
    same_event: bool
    score: float
    evidence: str  # one line saying what counted, for tests and debugging


def title_evidence(
    headline: Headline,
    lexicon: Lexicon,
    topic_countries: Iterable[str] = (),
    topic: str | None = None,
) -> TitleEvidence:
    return _title_evidence(headline, lexicon, frozenset(topic_countries), topic)


# The stories stage compares each day with the previous days' titles again: read each once.
@functools.lru_cache(maxsize=1 << 15)
def _title_evidence(
    headline: Headline, lexicon: Lexicon, own: frozenset[str], topic: str | None
) -> TitleEvidence:
    mentions = lexicon.country_mentions(headline.title, topic=topic)
    named = {word for m in mentions for word in normalize(m.term, None, casefold=True).split()}
    return TitleEvidence(
        language=language_of(headline.language),
        figures=figures(headline.title, language_of(headline.language)),
        names=_names(headline.title) - named,
        third_countries=frozenset(m.key for m in mentions if m.key not in own),
        day=_day(headline.published_at),
    )


def same_event(
    headlines: Sequence[Headline],
    vectors: np.ndarray,
    lexicon: Lexicon,
    topic_countries: Iterable[str] = (),
    topic: str | None = None,
    settings: MatchSettings = DEFAULT_SETTINGS,
) -> tuple[np.ndarray, np.ndarray]:
    """(decided, score): n x n arrays for n headlines and their L2-normalised vectors (one row
    each, in order). ``decided[i, j]`` says headlines i and j report the same event; both arrays
    are symmetric and a headline is the same event as itself. ``topic_countries`` are the
    topic's own countries (named by most of its headlines, so no evidence either way)."""
    if len(headlines) != len(vectors):
        raise ValueError(f"{len(headlines)} headlines but {len(vectors)} vectors")
    evidence = [title_evidence(h, lexicon, topic_countries, topic) for h in headlines]
    score = score_matrix(evidence, np.asarray(vectors, dtype=np.float32), settings)
    decided = score >= thresholds([e.language for e in evidence], settings)
    np.fill_diagonal(decided, True)
    return decided, score


@dataclass(frozen=True)
class PairTerms:
    """The evidence of every pair, each an array of the same shape (n x n for a batch)."""

    cosine: np.ndarray
    shared_figures: np.ndarray  # bool: a figure in both titles
    conflicting_figures: np.ndarray  # bool: figures in both, none shared
    shared_names: np.ndarray  # count
    shared_third_country: np.ndarray  # bool
    unshared_third_country: np.ndarray  # bool: a third country named by one title only
    days_apart: np.ndarray  # NaN when a publication time is unknown


def pair_terms(evidence: Sequence[TitleEvidence], vectors: np.ndarray) -> PairTerms:
    """The evidence of every pair of a batch, as n x n arrays."""
    shared_figures, figures_a, figures_b = _overlap([e.figures for e in evidence])
    shared_names, _, _ = _overlap([e.names for e in evidence])
    shared_third, third_a, third_b = _overlap([e.third_countries for e in evidence])
    days = np.array([e.day for e in evidence], dtype=np.float64)
    return PairTerms(
        cosine=(vectors @ vectors.T).astype(np.float64),
        shared_figures=shared_figures > 0,
        conflicting_figures=(shared_figures == 0) & (figures_a > 0) & (figures_b > 0),
        shared_names=shared_names,
        shared_third_country=shared_third > 0,
        unshared_third_country=(third_a > shared_third) | (third_b > shared_third),
        days_apart=np.abs(days[:, None] - days[None, :]),
    )


def combined_score(terms: PairTerms, settings: MatchSettings) -> np.ndarray:
    """The same-event score: cosine plus the weighted evidence (any shape, element-wise)."""
    apart = np.nan_to_num(terms.days_apart, nan=0.0)
    return (
        terms.cosine
        + settings.shared_figure_bonus * terms.shared_figures
        - settings.conflicting_figures_penalty * terms.conflicting_figures
        + settings.shared_name_bonus * np.minimum(terms.shared_names, 2)
        + settings.shared_third_country_bonus * terms.shared_third_country
        - settings.unshared_third_country_penalty * terms.unshared_third_country
        - settings.penalty_per_day * np.maximum(apart - settings.grace_days, 0.0)
    )


def thresholds(languages: Sequence[str], settings: MatchSettings) -> np.ndarray:
    """The threshold of every pair of a batch: by language, then by script."""
    language = np.array([language_of(x) for x in languages])
    script = np.array([SCRIPTS.get(x, x) for x in language])
    return np.where(
        language[:, None] == language[None, :],
        settings.same_language_threshold,
        np.where(
            script[:, None] == script[None, :],
            settings.same_script_threshold,
            settings.cross_script_threshold,
        ),
    )


def threshold_of(language_a: str, language_b: str, settings: MatchSettings) -> float:
    return float(thresholds([language_a, language_b], settings)[0, 1])


def score_matrix(
    evidence: Sequence[TitleEvidence], vectors: np.ndarray, settings: MatchSettings
) -> np.ndarray:
    """The same-event score of every pair of a batch."""
    return combined_score(pair_terms(evidence, vectors), settings)


def explain_pair(
    a: Headline,
    b: Headline,
    vector_a: np.ndarray,
    vector_b: np.ndarray,
    lexicon: Lexicon,
    topic_countries: Iterable[str] = (),
    topic: str | None = None,
    settings: MatchSettings = DEFAULT_SETTINGS,
) -> PairVerdict:
    """The decision for one pair, with the evidence that counted in words."""
    countries = tuple(topic_countries)
    ea = title_evidence(a, lexicon, countries, topic)
    eb = title_evidence(b, lexicon, countries, topic)
    score = float(score_matrix([ea, eb], np.vstack([vector_a, vector_b]), settings)[0, 1])
    threshold = threshold_of(ea.language, eb.language, settings)
    cosine = float(np.dot(vector_a, vector_b))
    parts = [f"cosine {cosine:.3f}"]
    if ea.figures & eb.figures:
        parts.append("shared figures " + ", ".join(sorted(ea.figures & eb.figures)))
    elif ea.figures and eb.figures:
        parts.append(
            f"conflicting figures {', '.join(sorted(ea.figures))} / {', '.join(sorted(eb.figures))}"
        )
    if ea.names & eb.names:
        parts.append("shared names " + ", ".join(sorted(ea.names & eb.names)))
    if ea.third_countries & eb.third_countries:
        parts.append("both name " + ", ".join(sorted(ea.third_countries & eb.third_countries)))
    if ea.third_countries ^ eb.third_countries:
        parts.append("one names " + ", ".join(sorted(ea.third_countries ^ eb.third_countries)))
    if not np.isnan(ea.day) and not np.isnan(eb.day):
        parts.append(f"{abs(ea.day - eb.day):.1f} days apart")
    verdict = "same event" if score >= threshold else "different events"
    parts.append(f"score {score:.3f} vs {threshold:.3f}: {verdict}")
    return PairVerdict(score >= threshold, score, "; ".join(parts))


def _overlap(sets: Sequence[frozenset[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shared counts n x n, each row's size broadcast down, each column's across)."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for i, items in enumerate(sets):
        for item in items:
            rows.append(i)
            cols.append(vocabulary.setdefault(item, len(vocabulary)))
    incidence = np.zeros((len(sets), max(len(vocabulary), 1)), dtype=np.float32)
    incidence[rows, cols] = 1.0
    shared = incidence @ incidence.T
    sizes = incidence.sum(axis=1)
    return (
        shared,
        np.broadcast_to(sizes[:, None], shared.shape),
        np.broadcast_to(sizes[None, :], shared.shape),
    )


def _names(title: str) -> frozenset[str]:
    """Latin-script words of four letters or more that are not function words, casefolded and
    plural-folded: across languages these are names and acronyms, within one the shared
    vocabulary of two reports."""
    words = normalize(title, None, casefold=True).split()
    return frozenset(
        stem(w)
        for w in words
        if len(w) >= 4 and w.isascii() and w.isalpha() and w not in IDENTITY_STOPWORDS
    )


def language_of(language: str) -> str:
    """ "es-419" -> "es": the part of a language tag the thresholds compare."""
    return language.split("-")[0].strip().lower()


def _day(published: dt.datetime | dt.date | None) -> float:
    if published is None:
        return float("nan")
    if isinstance(published, dt.datetime):
        if published.tzinfo is None:
            published = published.replace(tzinfo=dt.UTC)
        return published.timestamp() / 86400.0
    return float(published.toordinal() - dt.date(1970, 1, 1).toordinal())
