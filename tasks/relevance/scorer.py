"""The local relevance score: a logistic model over the features of features.py.

Each feature is standardised (``(value - center) / scale``) and weighted; the numbers live in
config/relevance.yaml: a `default` set, and optionally one per topic. They are fit by
`benchmarks/relevance.py --fit` on the "dev" split of tests/data/relevance_labelled.csv only;
the "test" split measures them. A headline is on-topic when its score reaches the threshold.

A set may name `vetoes`: features that make a headline off-topic (score 0) whatever else it
names. The fit picks them from the data: a yes/no feature seen on enough dev headlines, every
one of them off-topic (a mark of sport on the Venezuela page is off-topic however many
countries the match names; a weight could not say so without drowning the rest).
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from tasks.relevance.features import FEATURES


class RelevanceConfigError(ValueError):
    """config/relevance.yaml is missing or invalid; the message says where."""


@dataclass(frozen=True)
class Weights:
    bias: float
    weights: tuple[float, ...]  # in the order of FEATURES
    centers: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float
    vetoes: tuple[int, ...] = ()  # positions in FEATURES

    def score(self, features: np.ndarray) -> float:
        if any(features[i] > 0 for i in self.vetoes):
            return 0.0
        standard = (features - np.asarray(self.centers)) / np.asarray(self.scales)
        z = self.bias + float(np.dot(self.weights, standard))
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class ScoringConfig:
    version: str  # changes with the file: decisions of another version are not reused
    default: Weights
    topics: Mapping[str, Weights]

    def for_topic(self, topic_id: str) -> Weights:
        return self.topics.get(topic_id, self.default)


def _weights(raw: object, where: str) -> Weights:
    if not isinstance(raw, dict):
        raise RelevanceConfigError(f"{where}: expected bias, threshold and features")
    given = raw.get("features") or {}
    vetoes = raw.get("vetoes") or []
    unknown = (set(given) | set(vetoes)) - set(FEATURES)
    if unknown:
        raise RelevanceConfigError(f"{where}: unknown features {sorted(unknown)}")
    try:
        per = [given.get(name) or {} for name in FEATURES]
        weights = Weights(
            bias=float(raw.get("bias", 0.0)),
            weights=tuple(float(f.get("weight", 0.0)) for f in per),
            centers=tuple(float(f.get("center", 0.0)) for f in per),
            scales=tuple(float(f.get("scale", 1.0)) for f in per),
            threshold=float(raw.get("threshold", 0.5)),
            vetoes=tuple(FEATURES.index(name) for name in vetoes),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise RelevanceConfigError(f"{where}: {exc}") from None
    if any(scale <= 0 for scale in weights.scales):
        raise RelevanceConfigError(f"{where}: every scale must be positive")
    return weights


def load_scoring(path: Path) -> ScoringConfig:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RelevanceConfigError(f"relevance weights not found: {path}") from exc
    return _parse(data, str(path))


@functools.lru_cache(maxsize=4)
def _parse(data: bytes, source: str) -> ScoringConfig:
    try:
        raw = yaml.safe_load(data.decode("utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RelevanceConfigError(f"{source}: not valid UTF-8 YAML") from exc
    if "default" not in raw:
        raise RelevanceConfigError(f"{source}: needs a 'default' set of weights")
    return ScoringConfig(
        version=hashlib.sha256(data).hexdigest()[:12],
        default=_weights(raw["default"], f"{source}: default"),
        topics={
            str(t): _weights(w, f"{source}: topics.{t}")
            for t, w in (raw.get("topics") or {}).items()
        },
    )
