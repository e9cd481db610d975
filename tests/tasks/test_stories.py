"""The stories stage: events grouped in any language, followed across days, and who covered
them (the blindspot rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from tasks.stories.build import DayInput, build_stories
from tasks.stories.clusters import continued_stories, group_events, new_story_id
from tasks.stories.match import Headline
from tasks.stories.pairs import ScoredPairs

# --- grouping and continuation (pure) ----------------------------------------------------------


def _pairs(same: Sequence[tuple[int, int]], ordered: bool = False):
    """Decided pairs, all as strong (taken in order of position) or, ``ordered``, strongest
    first as listed."""
    first, second = (np.array(x, dtype=np.int64) for x in zip(*same, strict=True))
    strength = np.linspace(0.2, 0.1, len(first)) if ordered else np.full(len(first), 0.05)
    return first, second, strength


def test_one_loose_link_does_not_chain_two_events():
    # 0-1-2 one event, 3-4-5 another, and a single pair (2, 3) decided across them.
    labels = group_events(6, *_pairs([(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5)]))
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_groups_join_when_half_their_cross_pairs_are_the_same_event():
    # {0, 1} and {2, 3}: two of their four cross pairs decided (half) join them; then {4} has
    # one of four pairs with the joined group and stays apart.
    pairs = [(0, 1), (2, 3), (0, 2), (1, 3), (3, 4)]
    assert group_events(5, *_pairs(pairs, ordered=True)).tolist() == [0, 0, 0, 0, 1]
    # one cross pair of four: {0, 1} and {2, 3} stay apart, and {4} joins {2, 3} (one of two)
    fewer = [(0, 1), (2, 3), (0, 2), (3, 4)]
    assert group_events(5, *_pairs(fewer, ordered=True)).tolist() == [0, 0, 1, 1, 1]


def _dense_average_linkage(n, first, second, strength, copies):
    """The rule written out on an n x n matrix: the reference the sparse grouping must equal."""
    decided = np.zeros((n, n), dtype=bool)
    decided[first, second] = decided[second, first] = True
    group = list(range(n))

    def members(g):
        return [i for i in range(n) if group[i] == g]

    def join(a, b):
        ga, gb = group[a], group[b]
        for i in range(n):
            if group[i] == gb:
                group[i] = ga

    for a, b in copies:
        join(a, b)
    for k in np.lexsort((second, first, -strength)):
        a, b = int(first[k]), int(second[k])
        cross = decided[np.ix_(members(group[a]), members(group[b]))]
        if group[a] != group[b] and cross.mean() >= 0.5:
            join(a, b)
    numbers = {}
    return [numbers.setdefault(g, len(numbers)) for g in group]


def test_grouping_equals_average_linkage_written_out():
    rng = np.random.default_rng(15)
    for _ in range(200):
        n = int(rng.integers(1, 25))
        a, b = rng.integers(0, n, (2, int(rng.integers(0, 3 * n + 1))))
        pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], 1)[a != b], axis=0)
        first, second = pairs[:, 0], pairs[:, 1]
        strength = np.round(rng.random(len(first)), 1)  # ties too
        copies = [tuple(map(int, c)) for c in rng.integers(0, n, (int(rng.integers(0, 3)), 2))]
        expected = _dense_average_linkage(n, first, second, strength, copies)
        assert group_events(n, first, second, strength, copies).tolist() == expected


def test_copies_are_one_story_whatever_the_scores():
    none = np.zeros(0, dtype=np.int64)
    assert group_events(3, none, none, np.zeros(0), copies=[(0, 2)]).tolist() == [0, 1, 0]


def test_a_group_continues_the_story_it_mostly_matches_or_shares_an_item_with():
    labels = np.array([0, 0, 1, 2])
    earlier = ["sA", "sA", "sB"]
    decided = [(0, 0), (0, 1), (1, 0)]  # 3 of group 0's 4 pairs with sA
    same_item = [(2, 2)]  # the same feed item seen again
    assert continued_stories(labels, decided, earlier, same_item) == {0: "sA", 1: "sB"}
    assert continued_stories(labels, decided[:1], earlier, []) == {}  # 1 of 4: not enough


def test_a_new_story_is_named_the_same_on_a_rerun():
    assert new_story_id("t", "2026-03-01", ["b", "a"]) == new_story_id(
        "t", "2026-03-01", ["a", "b"]
    )
    assert new_story_id("t", "2026-03-01", ["a"]) != new_story_id("t", "2026-03-02", ["a"])


# --- a story followed across three days ----------------------------------------------------------

EVENT, OTHER = np.eye(4)[0], np.eye(4)[1]


def _exact_matcher(headlines: Sequence[Headline], vectors: np.ndarray):
    """Same event when the vectors are equal (cosine above 0.99): the test decides the events;
    pairs down to 0.1 below that are near misses."""
    score = vectors @ vectors.T
    first, second = np.nonzero(np.triu(score >= 0.89, k=1))
    pair_score = score[first, second]
    return ScoredPairs(first, second, pair_score, pair_score - 0.99)


def _day(day: str, rows: list[tuple], earlier: pd.DataFrame, yesterday: set[str]) -> DayInput:
    articles = pd.DataFrame(
        rows, columns=["article_id", "title", "item", "language", "side", "on_topic", "vector"]
    ).assign(published_at=pd.Timestamp(day, tz="UTC"))
    return DayInput(
        topic="venezuela",
        day=day,
        sides=["venezuelan", "us"],
        articles=articles.drop(columns="vector"),
        copies={},
        earlier=earlier.drop(columns="vector"),
        vectors=np.vstack([*articles["vector"], *earlier["vector"]])
        if len(articles) + len(earlier)
        else np.zeros((0, 4)),
        yesterday_items=yesterday,
        loose_score=-0.05,
    )


def _earlier(days: list[tuple[str, pd.DataFrame, pd.DataFrame, np.ndarray]]) -> pd.DataFrame:
    rows = []
    for day, clusters, stories, vectors in days:
        first = dict(zip(stories["story_id"], stories["first_seen"], strict=True))
        for (_, c), vector in zip(clusters.iterrows(), vectors, strict=True):
            rows.append(
                {
                    "logical_date": pd.Timestamp(day).date(),
                    "article_id": c["article_id"],
                    "story_id": c["story_id"],
                    "title": c["article_id"],
                    "item": c["article_id"],
                    "first_seen": first[c["story_id"]],
                    "vector": vector,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["logical_date", "article_id", "story_id", "title", "item", "first_seen", "vector"],
    )


def test_a_story_continuing_over_three_days_keeps_its_id_and_first_day():
    d1 = _day(
        "2026-03-01",
        [
            ("v1", "Gobierno anuncia", "v1", "es", "venezuelan", True, EVENT),
            ("x1", "Unrelated", "x1", "en", "us", True, OTHER),
        ],
        _earlier([]),
        set(),
    )
    c1, s1 = build_stories(d1, _exact_matcher)
    story = c1.set_index("article_id").at["v1", "story_id"]
    d2 = _day(
        "2026-03-02",
        [("u2", "US responds", "u2", "en", "us", True, EVENT)],
        _earlier([("2026-03-01", c1, s1, np.vstack([EVENT, OTHER]))]),
        {"v1", "x1"},
    )
    c2, s2 = build_stories(d2, _exact_matcher)
    assert c2.set_index("article_id").at["u2", "story_id"] == story
    d3 = _day(
        "2026-03-03",
        [("v3", "Nueva fase", "v3", "es", "venezuelan", True, EVENT)],
        _earlier(
            [
                ("2026-03-01", c1, s1, np.vstack([EVENT, OTHER])),
                ("2026-03-02", c2, s2, np.vstack([EVENT])),
            ]
        ),
        {"u2"},
    )
    c3, s3 = build_stories(d3, _exact_matcher)
    assert c3.set_index("article_id").at["v3", "story_id"] == story
    row = s3.set_index("story_id").loc[story]
    assert str(row["first_seen"]) == "2026-03-01" and row["new_articles"] == 1


def test_sides_count_on_topic_articles_and_loose_matches_rule_out_a_blindspot():
    near = EVENT * 0.95 + OTHER * np.sqrt(1 - 0.95**2)  # cosine 0.95 to EVENT: a loose match
    day = _day(
        "2026-03-01",
        [
            ("v1", "a", "v1", "es", "venezuelan", True, EVENT),
            ("v2", "b", "v2", "es", "venezuelan", True, EVENT),
            ("u1", "c", "u1", "en", "us", False, EVENT),  # off-topic: not the US side's coverage
            ("u2", "d", "u2", "en", "us", True, near),
        ],
        _earlier([]),
        set(),
    )
    clusters, stories = build_stories(day, _exact_matcher)
    story = stories.set_index("story_id").loc[clusters.set_index("article_id").at["v1", "story_id"]]
    assert story["sides"] == ["venezuelan"]
    assert story["loose_sides"] == ["us", "venezuelan"]  # u2 may report it: no blindspot
    assert story["languages"] == ["en", "es"] and story["articles"] == 3


def test_an_empty_day_has_no_stories():
    clusters, stories = build_stories(_day("2026-03-01", [], _earlier([]), set()), _exact_matcher)
    assert clusters.empty and stories.empty


@pytest.fixture(scope="module")
def embedder():
    from parallax.embeddings import shared_embedder

    return shared_embedder(1)


def test_the_same_event_in_four_languages_is_one_story(embedder):
    """Our own headlines: one event (a chip-export rule) in en/es/zh/ja, and two others."""
    from parallax.embeddings import embed_texts
    from parallax.lexicon import load_lexicon
    from parallax.settings import Settings
    from tasks.stories.pairs import scored_pairs

    titles = [
        ("en", "US tightens export controls on advanced AI chips to China"),
        ("es", "Estados Unidos endurece los controles a la exportación de chips de IA a China"),
        ("zh", "美国收紧对华先进人工智能芯片出口管制"),
        ("ja", "米国、中国向け先端AI半導体の輸出規制を強化"),
        ("en", "Venezuela's opposition calls for protests in Caracas"),
        ("es", "Fuerte sismo sacude el norte de Chile sin víctimas"),
    ]
    vectors, _ = embed_texts(None, [t for _, t in titles], embedder)
    lexicon = load_lexicon(Settings().lexicon_file)
    rows = [
        (f"a{i}", title, f"a{i}", lang, "us" if lang == "en" else "china", True, vectors[i])
        for i, (lang, title) in enumerate(titles)
    ]
    day = _day("2026-03-01", rows, _earlier([]), set())
    day = DayInput(**{**day.__dict__, "topic": "us-china", "sides": ["us", "china"]})
    clusters, _ = build_stories(day, lambda h, v: scored_pairs(h, v, lexicon, floor=-0.03))
    story_of = clusters.set_index("article_id")["story_id"]
    assert story_of[["a0", "a1", "a2", "a3"]].nunique() == 1
    assert story_of["a4"] != story_of["a0"] and story_of["a5"] != story_of["a0"]
    assert story_of["a4"] != story_of["a5"]


def test_dates_as_first_seen_are_dates():
    day = _day(
        "2026-03-01", [("v1", "a", "v1", "es", "venezuelan", True, EVENT)], _earlier([]), set()
    )
    _, stories = build_stories(day, _exact_matcher)
    assert stories["first_seen"].iloc[0] == dt.date(2026, 3, 1)
