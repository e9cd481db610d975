"""The same-event decision across languages (tasks/stories/match.py, figures.py).

Every headline here is written for these tests. The first tests use the bundled model
(loaded once per process, a few seconds); the rest use vectors built with a chosen cosine, so
each piece of evidence is checked on its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import numpy as np
import pytest

from parallax.embeddings import embed_texts, shared_embedder
from parallax.lexicon import Lexicon, load_lexicon
from parallax.settings import Settings
from tasks.stories.figures import figures
from tasks.stories.match import (
    DEFAULT_SETTINGS,
    Headline,
    MatchSettings,
    explain_pair,
    same_event,
)
from tasks.stories.pairs import nearest_pairs, scored_pairs

DAY = dt.date(2026, 5, 22)
CHINA_JAPAN = ["CN", "HK", "JP"]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(Settings().lexicon_file)


def _embed(headlines: list[Headline]) -> np.ndarray:
    vectors, _ = embed_texts(None, [h.title for h in headlines], shared_embedder(1))
    return vectors


# --- with the bundled model


def test_one_event_in_four_languages_is_matched(lexicon: Lexicon) -> None:
    titles = {
        "en": "China halts imports of Japanese seafood again over treated water release",
        "zh-CN": "中国再次暂停进口日本水产品",
        "ja": "中国、日本産水産物の輸入を再び停止　処理水巡り",
        "es-419": "China vuelve a suspender las importaciones de productos del mar japoneses",
    }
    headlines = [Headline(title, language, DAY) for language, title in titles.items()]
    vectors = _embed(headlines)
    decided, score = same_event(headlines, vectors, lexicon, CHINA_JAPAN, "china-japan")
    assert decided.all(), score
    assert np.allclose(score, score.T)


def test_a_different_count_on_the_same_day_is_another_event(lexicon: Lexicon) -> None:
    headlines = [
        Headline(
            "Taiwan detects 32 Chinese military aircraft and 9 ships around island", "en", DAY
        ),
        Headline("國防部：偵獲共機27架次、共艦8艘 台海周邊活動", "zh-TW", DAY),
    ]
    vectors = _embed(headlines)
    verdict = explain_pair(*headlines, vectors[0], vectors[1], lexicon, ["CN", "TW"])
    assert not verdict.same_event
    assert "conflicting figures n:32, n:9 / n:27, n:8" in verdict.evidence
    assert "different events" in verdict.evidence


def test_the_same_headline_a_month_later_is_another_event(lexicon: Lexicon) -> None:
    title = "China halts imports of Japanese seafood again over treated water release"
    headlines = [Headline(title, "en", DAY), Headline(title, "en", DAY + dt.timedelta(days=30))]
    decided, score = same_event(headlines, _embed(headlines), lexicon, CHINA_JAPAN)
    assert not decided[0, 1]
    assert score[0, 1] < 0.5  # cosine 1.0 less 29 days beyond the grace day


# --- with vectors of a chosen cosine


def _pair_vectors(cosine: float) -> np.ndarray:
    """Two unit vectors whose dot product is ``cosine``."""
    vectors = np.zeros((2, 384), dtype=np.float32)
    vectors[0, 0] = 1.0
    vectors[1, 0], vectors[1, 1] = cosine, np.sqrt(1.0 - cosine**2)
    return vectors


NEUTRAL = replace(
    DEFAULT_SETTINGS,
    shared_figure_bonus=0.05,
    conflicting_figures_penalty=0.05,
    shared_name_bonus=0.02,
    shared_third_country_bonus=0.02,
    unshared_third_country_penalty=0.03,
    grace_days=1.0,
    penalty_per_day=0.02,
)


def _score(a: Headline, b: Headline, lexicon: Lexicon, cosine: float = 0.8) -> float:
    _, score = same_event([a, b], _pair_vectors(cosine), lexicon, CHINA_JAPAN, settings=NEUTRAL)
    return float(score[0, 1])


@pytest.mark.parametrize(
    ("other", "change"),
    [
        pytest.param("日本の漁船2隻が拿捕される", +0.05, id="shared-figure"),
        pytest.param("日本の漁船3隻が拿捕される", -0.05, id="conflicting-figures"),
        pytest.param("日本の漁船が拿捕される", 0.0, id="figure-in-one-title-only"),
    ],
)
def test_figures_count_for_and_against(lexicon: Lexicon, other: str, change: float) -> None:
    base = Headline("China seizes 2 Japanese fishing boats", "en", DAY)
    assert _score(base, Headline(other, "ja", DAY), lexicon) == pytest.approx(0.8 + change)


def test_a_third_country_named_by_one_title_counts_against(lexicon: Lexicon) -> None:
    xi_meets = Headline("Xi meets Japanese prime minister in Beijing", "en", DAY)
    with_russia = Headline("Xi meets Japanese prime minister and Putin in Beijing", "en", DAY)
    both = Headline("Putin joins Xi and Japanese prime minister in Beijing", "en", DAY)
    alone = _score(xi_meets, xi_meets, lexicon)
    assert _score(xi_meets, with_russia, lexicon) == pytest.approx(alone - 0.03)
    # both name Russia: a shared third country, and "beijing" etc. are lexicon terms, not names
    assert _score(with_russia, both, lexicon) > alone


def test_days_beyond_the_grace_day_cost(lexicon: Lexicon) -> None:
    morning = dt.datetime(2026, 5, 22, 9, tzinfo=dt.UTC)
    report = "日本防卫省公布中国航母动向"
    a = Headline("防衛省が中国空母の動向を公表", "ja", morning)
    same_day = Headline(report, "zh", morning + dt.timedelta(hours=11))
    later = Headline(report, "zh", morning + dt.timedelta(days=4))
    unknown = Headline(report, "zh", None)
    assert _score(a, same_day, lexicon) == pytest.approx(0.8)
    assert _score(a, later, lexicon) == pytest.approx(0.8 - 3 * 0.02)
    assert _score(a, unknown, lexicon) == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("language_b", "threshold"),
    [
        pytest.param("en-IN", "same_language_threshold", id="same-language"),
        pytest.param("es", "same_script_threshold", id="same-script"),
        pytest.param("zh-CN", "cross_script_threshold", id="cross-script"),
    ],
)
def test_the_threshold_follows_the_languages(
    lexicon: Lexicon, language_b: str, threshold: str
) -> None:
    settings = MatchSettings(
        same_language_threshold=0.9, same_script_threshold=0.85, cross_script_threshold=0.8
    )
    limit = getattr(settings, threshold)
    headlines = [Headline("a headline", "en", DAY), Headline("another one", language_b, DAY)]
    just_above, _ = same_event(headlines, _pair_vectors(limit + 0.005), lexicon, settings=settings)
    just_below, _ = same_event(headlines, _pair_vectors(limit - 0.005), lexicon, settings=settings)
    assert just_above[0, 1] and not just_below[0, 1]


def test_decisions_are_deterministic_and_do_not_depend_on_order(lexicon: Lexicon) -> None:
    rng = np.random.default_rng(15)
    vectors = rng.normal(size=(6, 384)).astype(np.float32)
    vectors = vectors * 0.2 + vectors[0]  # close enough that some pairs are decided
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    headlines = [
        Headline(f"Headline {i} with {i * 10} ships", lang, DAY + dt.timedelta(days=i % 3))
        for i, lang in zip(range(6), itertools.cycle(["en", "zh", "ja"]), strict=False)
    ]
    decided, score = same_event(headlines, vectors, lexicon)
    again, score_again = same_event(headlines, vectors, lexicon)
    assert np.array_equal(decided, again) and np.array_equal(score, score_again)
    order = [5, 3, 1, 0, 2, 4]
    shuffled, shuffled_score = same_event([headlines[i] for i in order], vectors[order], lexicon)
    assert np.array_equal(shuffled, decided[np.ix_(order, order)])
    assert np.allclose(shuffled_score, score[np.ix_(order, order)])
    assert decided.diagonal().all()


def test_the_stage_s_pairs_are_the_batch_decisions(lexicon: Lexicon) -> None:
    """scored_pairs (what the stage uses: nearest neighbours, blocks of rows) decides as
    same_event does on the whole batch, and keeps the near misses down to its floor."""
    rng = np.random.default_rng(7)
    base = rng.normal(size=(4, 384)).astype(np.float32)
    noise = rng.uniform(0.2, 0.5, size=(40, 1)) * rng.normal(size=(40, 384))
    vectors = base[rng.integers(0, 4, size=40)] + noise  # cosines spread around the thresholds
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    headlines = [
        Headline(f"Headline {i} with {i % 5 * 10} ships", lang, DAY + dt.timedelta(days=i % 4))
        for i, lang in zip(range(40), itertools.cycle(["en", "zh", "ja", "es"]), strict=False)
    ]
    decided, score = same_event(headlines, vectors, lexicon)
    pairs = scored_pairs(headlines, vectors, lexicon, floor=-0.03)
    upper = np.triu(np.ones_like(decided), k=1)
    assert decided[upper].any() and not decided[upper].all()
    decided_pairs = pairs.where(pairs.decided)
    got = set(zip(decided_pairs.first.tolist(), decided_pairs.second.tolist(), strict=True))
    assert got == set(zip(*np.nonzero(decided & upper), strict=True))
    assert np.allclose(pairs.score, score[pairs.first, pairs.second])
    assert pairs.margin.min() >= -0.03 and (pairs.margin < 0).any()


def test_each_title_is_compared_with_its_nearest_only() -> None:
    vectors = np.ones((600, 4), dtype=np.float32) / 2  # all alike: every pair qualifies
    first, second = nearest_pairs(vectors, 0.5, neighbours=3)
    assert (first < second).all() and len(first) <= 600 * 3  # not 600 x 599 / 2
    assert np.bincount(np.concatenate([first, second]), minlength=600).min() >= 3


def test_vectors_must_match_the_headlines(lexicon: Lexicon) -> None:
    with pytest.raises(ValueError, match="3 headlines but 2 vectors"):
        same_event([Headline("x", "en")] * 3, _pair_vectors(0.5), lexicon)


# --- figures


@pytest.mark.parametrize(
    ("title", "language", "expected"),
    [
        ("China's exports jump 18.3% in Jan-Feb", "en", {"n:18.3"}),
        ("前2个月我国出口同比增长18.3%", "zh", {"n:2", "n:18.3"}),
        ("前两个月我国外贸开局平稳", "zh", {"n:2"}),
        ("US approves $1.1 billion arms sale to Taiwan", "en", {"n:1.1e+09"}),
        ("美宣布對台軍售11億美元", "zh", {"n:1.1e+09"}),
        ("Venezuela recibe 1.100 millones de dólares", "es", {"n:1.1e+09"}),
        ("Inflación de 4,5% en marzo", "es", {"n:4.5"}),
        ("Venezuela mobilizes 200,000 troops", "en", {"n:200000"}),
        ("共機32架次擾台 ９艘共艦在周邊", "zh", {"n:32", "n:9"}),
        ("三十二架共机", "zh", {"n:32"}),
        ("पाक जेल से रिहा २२ मछुआरे", "hi", {"n:22"}),
        ("Six killed in strike on boat", "en", {"n:6"}),
        ("Seis muertos en ataque a lancha", "es", {"n:6"}),
        ("Airspace closed to Indian airlines till July 3", "en", {"d:7-3"}),
        ("فضائی حدود کی پابندی 3 جولائی تک برقرار", "ur", {"d:7-3"}),
        ("2月27日中国海警舰艇编队巡航", "zh", {"d:2-27"}),
        ("Fijan el juicio para el 1 de junio de 2027", "es", {"d:6-1"}),
        ("「海峽雷霆-2026A」軍演", "zh", {"c:2026a"}),
        ("Pakistan tests 750-km range Fatah-4 missile", "en", {"c:fatah4", "n:750"}),
        ("懲役6年の判決", "ja", {"n:6"}),
    ],
)
def test_figures_read_in_every_language(title: str, language: str, expected: set[str]) -> None:
    assert figures(title, language) == expected


@pytest.mark.parametrize(
    "title",
    [
        "China sets 2026 growth target",  # a year
        "Trump's 5th strike on a boat",  # an ordinal
        "中国海警船が領海侵入、今年5回目",
        "第二次中日首脑会谈",
        "2026年对台工作会议召开",
        "一带一路 三中全会",  # characters that are numbers only before a counter
    ],
)
def test_years_ordinals_and_words_are_not_figures(title: str) -> None:
    assert figures(title) == frozenset()


def test_term_sets_count_what_two_titles_share_as_set_intersection_does() -> None:
    from tasks.stories.pairs import _TermSets

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(12)]
    sets = [frozenset(rng.choice(words, size=rng.integers(0, 5), replace=False)) for _ in range(40)]
    first, second = rng.integers(0, 40, size=300), rng.integers(0, 40, size=300)
    counted = _TermSets(sets).shared(first, second)
    assert counted.tolist() == [len(sets[a] & sets[b]) for a, b in zip(first, second, strict=True)]
    assert _TermSets([frozenset()] * 3).shared(first[:2] % 3, second[:2] % 3).tolist() == [0, 0]
