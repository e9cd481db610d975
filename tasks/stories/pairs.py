"""The same-event pairs of a whole day, in memory linear in its articles: each title is
compared with its nearest titles only (by cosine, a block of rows at a time), and match.py's
evidence is scored on those pairs. The decisions are ``same_event``'s for the batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np

from parallax.lexicon import Lexicon
from tasks.stories.match import (
    DEFAULT_SETTINGS,
    SCRIPTS,
    Headline,
    MatchSettings,
    PairTerms,
    TitleEvidence,
    combined_score,
    language_of,
    title_evidence,
)

# One event rarely has more reports in a day than this.
NEIGHBOURS = 50
BLOCK_CELLS = 1 << 21  # cosines computed at a time: a block of rows x the day's titles
CHUNK = 8192  # pairs whose evidence is scored at a time (two 384-float rows each)


@dataclass(frozen=True)
class ScoredPairs:
    """Pairs of a batch (``first`` < ``second``, positions in the batch) with their score and
    margin: the score minus the threshold of the pair's languages, so pairs of any languages
    compare on one scale; a margin >= 0 is decided the same event."""

    first: np.ndarray
    second: np.ndarray
    score: np.ndarray
    margin: np.ndarray

    @property
    def decided(self) -> np.ndarray:
        return self.margin >= 0

    def where(self, keep: np.ndarray) -> ScoredPairs:
        if keep.all():  # no copy of what a day of many articles holds several million of
            return self
        return ScoredPairs(self.first[keep], self.second[keep], self.score[keep], self.margin[keep])


def scored_pairs(
    headlines: Sequence[Headline],
    vectors: np.ndarray,
    lexicon: Lexicon,
    topic_countries: Iterable[str] = (),
    topic: str | None = None,
    floor: float = 0.0,
    settings: MatchSettings = DEFAULT_SETTINGS,
    neighbours: int = NEIGHBOURS,
) -> ScoredPairs:
    """The pairs whose margin reaches ``floor`` (below 0: near misses too), among each title's
    ``neighbours`` nearest: the decisions of ``same_event`` for a batch of any size, in memory
    linear in it."""
    if len(headlines) != len(vectors):
        raise ValueError(f"{len(headlines)} headlines but {len(vectors)} vectors")
    vectors = np.asarray(vectors, dtype=np.float32)
    evidence = [title_evidence(h, lexicon, topic_countries, topic) for h in headlines]
    most_bonus = (
        settings.shared_figure_bonus
        + 2 * settings.shared_name_bonus
        + settings.shared_third_country_bonus
    )
    lowest = min(
        settings.same_language_threshold,
        settings.same_script_threshold,
        settings.cross_script_threshold,
    )
    first, second = nearest_pairs(vectors, lowest + floor - most_bonus, neighbours)
    thresholds = _PairThresholds([e.language for e in evidence], settings)
    batch = _BatchEvidence(evidence)
    kept = []
    for start in range(0, max(len(first), 1), CHUNK):  # only the pairs kept outlive a chunk
        a, b = first[start : start + CHUNK], second[start : start + CHUNK]
        score = combined_score(batch.terms_at(vectors, a, b), settings)
        margin = score - thresholds.at(a, b)
        kept.append(ScoredPairs(a, b, score, margin).where(margin >= floor))
    return ScoredPairs(
        *(np.concatenate([getattr(k, f.name) for k in kept]) for f in fields(ScoredPairs))
    )


def nearest_pairs(
    vectors: np.ndarray, cutoff: float, neighbours: int
) -> tuple[np.ndarray, np.ndarray]:
    """(first, second), first < second: each row's ``neighbours`` nearest rows whose cosine
    reaches ``cutoff``, computed a block of rows at a time."""
    n = len(vectors)
    k = min(neighbours, n - 1)
    if k <= 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    rows_per_block = max(1, BLOCK_CELLS // n)
    found = []
    for start in range(0, n, rows_per_block):
        block = vectors[start : start + rows_per_block] @ vectors.T
        rows = np.arange(start, start + len(block))
        block[np.arange(len(block)), rows] = -np.inf  # not its own neighbour
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(block, top, axis=1) >= cutoff
        a, b = np.broadcast_to(rows[:, None], top.shape)[near], top[near]
        found.append(np.minimum(a, b) * n + np.maximum(a, b))  # one key per unordered pair
        del block, top
    keys = np.unique(np.concatenate(found))
    return (keys // n).astype(np.int32), (keys % n).astype(np.int32)


class _BatchEvidence:
    """The evidence of a batch's titles as arrays, so the terms of many pairs are computed at
    once (no Python loop per pair)."""

    def __init__(self, evidence: Sequence[TitleEvidence]) -> None:
        self.figures = _TermSets([e.figures for e in evidence])
        self.names = _TermSets([e.names for e in evidence])
        self.third = _TermSets([e.third_countries for e in evidence])
        self.day = np.array([e.day for e in evidence], dtype=np.float64)

    def terms_at(self, vectors: np.ndarray, first: np.ndarray, second: np.ndarray) -> PairTerms:
        """The evidence of the listed pairs, as 1-d arrays in their order."""
        figures_shared = self.figures.shared(first, second)
        third_shared = self.third.shared(first, second)
        return PairTerms(
            cosine=np.einsum("ij,ij->i", vectors[first], vectors[second]).astype(np.float64),
            shared_figures=figures_shared > 0,
            conflicting_figures=(figures_shared == 0)
            & (self.figures.sizes[first] > 0)
            & (self.figures.sizes[second] > 0),
            shared_names=self.names.shared(first, second),
            shared_third_country=third_shared > 0,
            unshared_third_country=(self.third.sizes[first] > third_shared)
            | (self.third.sizes[second] > third_shared),
            days_apart=np.abs(self.day[first] - self.day[second]),
        )


class _TermSets:
    """One set of terms per title, kept as the sorted keys title x width + term: the number of
    terms two titles share is a lookup of one title's terms among the other's keys."""

    def __init__(self, sets: Sequence[frozenset[str]]) -> None:
        ids: dict[str, int] = {}
        terms = [[ids.setdefault(term, len(ids)) for term in sorted(one)] for one in sets]
        self.sizes = np.array([len(t) for t in terms], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self.terms = np.array([t for one in terms for t in one], dtype=np.int64)
        self.width = max(len(ids), 1)
        owners = np.repeat(np.arange(len(sets), dtype=np.int64), self.sizes)
        self.keys = np.sort(owners * self.width + self.terms)

    def shared(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """How many terms each pair's two titles have in common (float64, in pair order)."""
        if len(self.keys) == 0 or len(first) == 0:
            return np.zeros(len(first), dtype=np.float64)
        counts = self.sizes[first]
        pair = np.repeat(np.arange(len(first)), counts)
        offsets = np.arange(len(pair)) - np.repeat(np.cumsum(counts) - counts, counts)
        terms = self.terms[self.starts[first][pair] + offsets]
        wanted = second[pair].astype(np.int64) * self.width + terms
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = self.keys[at] == wanted
        return np.bincount(pair[found], minlength=len(first)).astype(np.float64)


class _PairThresholds:
    """The threshold of each pair: by whether its titles share a language, or a script."""

    def __init__(self, languages: Sequence[str], settings: MatchSettings) -> None:
        self.language = np.array([language_of(x) for x in languages] or [""])
        self.script = np.array([SCRIPTS.get(x, x) for x in self.language])
        self.settings = settings

    def at(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return np.where(
            self.language[first] == self.language[second],
            self.settings.same_language_threshold,
            np.where(
                self.script[first] == self.script[second],
                self.settings.same_script_threshold,
                self.settings.cross_script_threshold,
            ),
        )
