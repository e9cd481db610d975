"""benchmarks/stories.py's search of weights and thresholds, which both the fit (on dev) and
the diagnosis (on test itself) use."""

from __future__ import annotations

import numpy as np

from benchmarks import stories as bench
from tasks.stories.match import Headline, PairTerms


def _pairs(labels: list[bool], split: str) -> list[bench.Pair]:
    return [
        bench.Pair("venezuela", Headline(f"a{i}", "en"), Headline(f"b{i}", "es"), label, split, "")
        for i, label in enumerate(labels)
    ]


def _terms(cosine: list[float], conflicting: list[bool]) -> PairTerms:
    n = len(cosine)
    return PairTerms(
        cosine=np.array(cosine),
        shared_figures=np.zeros(n, dtype=bool),
        conflicting_figures=np.array(conflicting),
        shared_names=np.zeros(n),
        shared_third_country=np.zeros(n, dtype=bool),
        unshared_third_country=np.zeros(n, dtype=bool),
        days_apart=np.zeros(n),
    )


def test_search_finds_the_weight_that_separates_the_split():
    # Same cosine for all; only the conflicting figures tell the different events apart.
    labels = [True, True, False, False]
    pairs = _pairs(labels, "test") + _pairs([False, True], "dev")
    terms = _terms([0.9] * 6, [False, False, True, True, False, True])
    (cross, same), settings = bench.search(pairs, terms, "test")
    assert (cross, same) == (2, 0)
    assert settings.conflicting_figures_penalty > 0
    assert settings.same_script_threshold < 0.9


def test_search_reads_only_the_split_it_is_given():
    pairs = _pairs([True, False], "dev") + _pairs([True, False], "test")
    terms = _terms([0.9, 0.8, 0.8, 0.9], [False] * 4)  # test ranks its pairs the other way
    assert bench.search(pairs, terms, "dev")[0] == (1, 0)
    assert bench.search(pairs, terms, "test")[0] == (0, 0)


def test_thresholds_never_cut_between_equal_scores():
    scores = [np.array([0.9, 0.9, 0.5])]
    labels = [np.array([True, False, True])]
    assert bench._thresholds(scores, labels)[1] == 0  # 0.9 takes both: precision 0.5
