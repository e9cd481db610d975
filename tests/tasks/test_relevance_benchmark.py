"""benchmarks/relevance.py's diagnoses: what they measure must hold, or the figures mislead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks import relevance as bench


def test_best_recall_is_the_best_one_threshold_gives():
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    labels = np.array([1, 1, 0, 1])
    assert bench.best_recall(scores, labels, 0.9) == 2 / 3  # cut below 0.8
    assert bench.best_recall(scores, labels, 0.75) == 1.0  # 3 of 4 on: precision 0.75


def test_best_recall_never_cuts_between_equal_scores():
    scores = np.array([0.9, 0.9, 0.5])
    labels = np.array([1, 0, 1])
    assert bench.best_recall(scores, labels, 0.9) == 0.0


def test_more_labels_judges_each_test_day_with_weights_fit_without_it(monkeypatch):
    rows = pd.DataFrame(
        {
            "split": ["dev"] * 4 + ["test"] * 6,
            "digest_date": ["2025-10-01"] * 4 + [f"2026-03-0{d}" for d in (1, 1, 2, 2, 3, 3)],
            "topic": ["a", "b"] * 5,
            "label": [0, 1] * 5,
        }
    )
    fits: list[np.ndarray] = []

    def fit_and_mark_its_rows(X, labels, train):  # "on" exactly where the fit saw the row
        fits.append(train.copy())
        return train.astype(int)

    monkeypatch.setattr(bench, "predicted", fit_and_mark_its_rows)
    test = (rows["split"] == "test").to_numpy()
    for per_topic in (False, True):
        fits.clear()
        on = bench.more_labels(rows, np.zeros((len(rows), 1)), per_topic)
        assert not on[test].any()  # no test row was judged by a fit that saw it
        assert len(fits) == (4 if per_topic else 2)
        for train in fits:
            assert (train & test).any()  # each fit saw half of the test days, and the dev rows
            assert train[~test].sum() == (2 if per_topic else 4)


def test_a_threshold_per_topic_can_find_what_one_threshold_cannot():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([1, 0, 1, 1, 1, 0])
    topic_of = np.array(["a", "a", "a", "b", "b", "b"])
    assert bench.best_recall(scores, labels, 0.9) == 0.25
    assert bench.best_recall_per_topic(scores, labels, topic_of, 0.9, 0.9) == 0.75
    # a looser bar per topic lets topic a take its second hit with its miss
    assert bench.best_recall_per_topic(scores, labels, topic_of, 0.75, 0.6) == 1.0
    assert bench.best_recall_per_topic(scores, labels, topic_of, 0.9, 0.6) == 0.75
