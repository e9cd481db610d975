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
    kept = []
    for start in range(0, max(len(first), 1), CHUNK):  # only the pairs kept outlive a chunk
        a, b = first[start : start + CHUNK], second[start : start + CHUNK]
        score = combined_score(pair_terms_at(evidence, vectors, a, b), settings)
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


def pair_terms_at(
    evidence: Sequence[TitleEvidence], vectors: np.ndarray, first: np.ndarray, second: np.ndarray
) -> PairTerms:
    """The evidence of the listed pairs, as 1-d arrays in their order."""
    pairs = list(zip(first.tolist(), second.tolist(), strict=True))

    def shared(attr: str) -> np.ndarray:
        return np.array(
            [len(getattr(evidence[a], attr) & getattr(evidence[b], attr)) for a, b in pairs],
            dtype=np.float64,
        )

    def size(attr: str, ends: np.ndarray) -> np.ndarray:
        return np.array([len(getattr(evidence[i], attr)) for i in ends.tolist()], dtype=np.float64)

    figures_shared, third_shared = shared("figures"), shared("third_countries")
    third_a, third_b = size("third_countries", first), size("third_countries", second)
    days_a = np.array([evidence[i].day for i in first.tolist()], dtype=np.float64)
    days_b = np.array([evidence[i].day for i in second.tolist()], dtype=np.float64)
    return PairTerms(
        cosine=np.einsum("ij,ij->i", vectors[first], vectors[second]).astype(np.float64),
        shared_figures=figures_shared > 0,
        conflicting_figures=(figures_shared == 0)
        & (size("figures", first) > 0)
        & (size("figures", second) > 0),
        shared_names=shared("names"),
        shared_third_country=third_shared > 0,
        unshared_third_country=(third_a > third_shared) | (third_b > third_shared),
        days_apart=np.abs(days_a - days_b),
    )


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
