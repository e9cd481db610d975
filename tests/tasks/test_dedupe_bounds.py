"""Dedupe's memory bounds: exact on a normal day's batch, linear on thousands of near-identical
headlines, and the same groups either way."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pandas as pd

from tasks.dedupe import DedupeSettings, connected_components, find_duplicates, similar_sets
from tasks.dedupe.simjoin import shared_counts

T0 = pd.Timestamp("2026-03-02 08:00", tz="UTC")


def _pairs(found: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(found["a"].tolist(), found["b"].tolist(), strict=True))


def test_bounded_join_is_exact_while_blocks_are_small() -> None:
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(3000)]
    sets = [frozenset(rng.sample(vocab, rng.randint(3, 9))) for _ in range(400)]
    sets += [s | {"extra"} for s in sets[:100]]  # near copies
    exact = similar_sets(sets, 0.55)
    assert len(exact) >= 100
    assert _pairs(similar_sets(sets, 0.55, max_block=32, window=8)) == _pairs(exact)


def test_bounded_join_is_linear_on_near_identical_sets_and_finds_the_same_groups() -> None:
    n = 1200
    sets = [
        frozenset({"harbor", "council", "weighs", "dock", "plan", f"n{i % 40}"}) for i in range(n)
    ]
    exact = similar_sets(sets, 0.55)
    bounded = similar_sets(sets, 0.55, max_block=32, window=8)
    assert len(exact) > n * n / 4  # every pair matches: quadratic
    assert len(bounded) <= n * 8 * 3  # window x prefix tokens per set: linear
    assert _pairs(bounded) <= _pairs(exact)
    groups = [
        len(set(connected_components(n, f["a"].tolist(), f["b"].tolist()).tolist()))
        for f in (exact, bounded)
    ]
    assert groups == [1, 1]


def test_shared_counts_counts_every_pair_sharing_keys() -> None:
    rng = random.Random(7)
    postings = [sorted(rng.sample(range(60), rng.randint(0, 12))) for _ in range(80)]
    expected = Counter(pair for docs in postings for pair in itertools.combinations(docs, 2))
    x, y, n = shared_counts(postings)
    assert dict(zip(zip(x.tolist(), y.tolist(), strict=True), n.tolist(), strict=True)) == expected
    assert list(zip(x.tolist(), y.tolist(), strict=True)) == sorted(expected)


def test_a_title_carried_hundreds_of_times_gives_the_same_duplicates_in_linear_work() -> None:
    rows = []
    for i in range(300):  # two wordings of one wire story, carried over two days
        title = "Port authority approves new dock upgrade plan for east harbor"
        if i % 2:
            title += " today"
        rows.append(
            {
                "article_id": f"a{i:04d}",
                "guid": f"g{i}",
                "link": f"https://outlet{i}.example/story",
                "title": title,
                "source_name": f"Outlet {i}",
                "published_at": T0 + pd.Timedelta(minutes=9 * i),
                "side": "us",
                "wire": False,
            }
        )
    articles = pd.DataFrame(rows)
    bounded = find_duplicates(articles)
    full = find_duplicates(articles, settings=DedupeSettings(max_row_pairs_per_title_pair=10**9))
    assert len(bounded) == len(full) == 299
    assert set(bounded["kept_article_id"]) == set(full["kept_article_id"]) == {"a0000"}
