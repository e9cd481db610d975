"""Relevance without a model service: the lexicon's evidence and the bundled embedding model,
weighed by the topic's weights (scorer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parallax.embeddings import Embedder, embed_texts
from parallax.lexicon import Lexicon
from parallax.outlets.registry import OutletRegistry
from parallax.topics import Topic
from tasks.relevance.features import Evidence, describe, evidence_for, feature_vector
from tasks.relevance.scorer import ScoringConfig

_QUERY_VECTORS: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}


@dataclass(frozen=True)
class LocalScorer:
    lexicon: Lexicon
    scoring: ScoringConfig
    embedder: Embedder
    registry: OutletRegistry  # outlet names in a headline name no country

    @property
    def method(self) -> str:
        """Names the lexicon and weights: decisions made with others are not reused."""
        return f"local:{self.lexicon.version}.{self.scoring.version}"

    def similarities(
        self, db: Path | None, topic: Topic, titles: Sequence[str]
    ) -> tuple[np.ndarray, int]:
        """Mean similarity of each title to the topic's searches (lexicon `queries`), and how
        many titles had to be embedded."""
        lexicon = self.lexicon.topics.get(topic.id)
        if lexicon is None or not lexicon.queries:
            return np.zeros(len(titles)), 0
        queries = self._queries(lexicon.queries)
        vectors, new = embed_texts(db, list(titles), self.embedder)
        return (vectors @ queries.T).mean(axis=1), new

    def _queries(self, queries: tuple[str, ...]) -> np.ndarray:
        # A handful of fixed texts: embedded once per process, never stored.
        cached = _QUERY_VECTORS.get((self.embedder.model_id, queries))
        if cached is None:
            cached = _QUERY_VECTORS[(self.embedder.model_id, queries)] = self.embedder.embed(
                queries, as_queries=True
            )
        return cached

    def features(
        self, topic: Topic, title: str, side: str | None, similarity: float
    ) -> tuple[np.ndarray, Evidence]:
        evidence = evidence_for(title, topic, self.lexicon, similarity, self.registry)
        return feature_vector(evidence, side, topic), evidence

    def score(
        self,
        topic: Topic,
        titles: Sequence[str],
        sides: Sequence[str | None],
        similarities: np.ndarray,
    ) -> list[tuple[float, bool, str]]:
        """(score, on-topic, evidence) per title."""
        weights = self.scoring.for_topic(topic.id)
        results = []
        for title, side, similarity in zip(titles, sides, similarities, strict=True):
            features, evidence = self.features(topic, title, side, float(similarity))
            score = weights.score(features)
            results.append(
                (round(score, 4), score >= weights.threshold, describe(evidence, side, topic))
            )
        return results
