"""Which headlines report the same event: for now the cosine of their multilingual embeddings
alone (a baseline; evidence from numbers, names and dates is to join it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Headline:
    title: str
    language: str | None = None
    published_at: dt.datetime | None = None


def same_event(
    headlines: Sequence[Headline], vectors: np.ndarray, lexicon: object = None
) -> tuple[np.ndarray, np.ndarray]:
    """(decided: n x n, score: n x n) for n headlines and their L2-normalised vectors."""
    score = vectors @ vectors.T
    decided = score >= 0.9
    np.fill_diagonal(decided, False)
    return decided, score
