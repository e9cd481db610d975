"""benchmarks/prompt_size.py: the old layout is reproduced, and ours costs fewer tokens."""

from __future__ import annotations

import pytest

from benchmarks.prompt_size import DEFAULT_CORPUS, corpus_digests, measure, old_layout_prompt
from tests.support.digests import DIGEST


def test_old_layout_prompt_shape() -> None:
    first = old_layout_prompt(DIGEST).split("\n\n")[0]
    assert first == (
        "Article 1:\n"
        "Title: US weighs new chip export limits on China\n"
        "Source: Reuters\n"
        "Published: 2026-07-30T12:00:00Z\n"
        "Description: N/A\n"
        "---"
    )


def test_our_prompt_is_not_larger_than_the_old_layout() -> None:
    (row,) = measure([DIGEST])
    assert row.ours_block <= row.old_block
    assert row.ours_full <= row.old_full


@pytest.mark.corpus
@pytest.mark.skipif(not DEFAULT_CORPUS.exists(), reason="../shared/corpus absent")
def test_corpus_day_prompt_sizes() -> None:
    rows = measure(corpus_digests(DEFAULT_CORPUS))
    assert [r.topic for r in rows] == [
        "venezuela", "us-china", "china-japan", "china-taiwan", "india-pakistan"
    ]  # fmt: skip
    assert all(r.articles == 20 and r.ours_full <= r.old_full for r in rows)
