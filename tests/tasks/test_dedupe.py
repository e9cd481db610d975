"""Dedupe: exact and near copies, hard non-duplicates, representatives, clusters, recency."""

from __future__ import annotations

import csv
import itertools
import random

import pandas as pd
import pytest

from parallax.headlines import normalize_title
from parallax.records import DUPLICATE_COLUMNS
from tasks.dedupe import (
    DedupeSettings,
    also_carried_by,
    cluster_stories,
    duplicates_and_stories,
    find_duplicates,
    similar_sets,
    story_coverage,
    titles_match,
)
from tasks.publish.page import format_carried_by
from tests.support.paths import DATA

PAIRS = DATA / "dedupe_pairs.csv"
T0 = pd.Timestamp("2026-03-02 08:00", tz="UTC")


def article(
    article_id: str,
    title: str,
    source: str = "Outlet",
    *,
    link: str | None = None,
    guid: str | None = None,
    hours: float = 0,
    side: str | None = None,
    wire: bool = False,
) -> dict[str, object]:
    return {
        "article_id": article_id,
        "guid": guid if guid is not None else f"guid-{article_id}",
        "link": link
        if link is not None
        else f"https://{source.lower().replace(' ', '')}.example/{article_id}",
        "title": title,
        "source_name": source,
        "source_domain": None,
        "published_at": T0 + pd.Timedelta(hours=hours),
        "side": side,
        "wire": wire,
    }


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def as_tuples(duplicates: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(
        duplicates[["article_id", "kept_article_id", "method"]].itertuples(index=False, name=None)
    )


# --- normalize_title -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        ("Xi meets Putin in Beijing - Reuters", "Reuters", "xi meets putin in beijing"),
        (
            "Tokyo protests drills near Senkaku - China Daily",
            "Global Edition",
            "tokyo protests drills near senkaku",
        ),
        ("UPDATE 2-China's exports jump 8.5% in May", None, "china exports jump 8.5 in may"),
        ("Exclusive: U.S. weighs curbs on SMIC", None, "us weighs curbs on smic"),
        ("“Candid” talks: China, US meet | Taipei Times", None, "candid talks china us meet"),
        ("Pakistan’s inflation eases to 4.1pc", None, "pakistan inflation eases to 4.1"),
        ("US to send 10,000 troops", None, "us to send 10000 troops"),
        ("Pakistan reports three new polio cases", None, "pakistan reports 3 new polio cases"),
        ("Delcy Rodríguez asume la presidencia", None, "delcy rodriguez asume la presidencia"),
        ("ＣＨＩＮＡ  and\tJAPAN", None, "china and japan"),
        ("Xi meets Biden - what we know", None, "xi meets biden what we know"),
        ("", None, ""),
    ],
    ids=[
        "source-suffix",
        "unlisted-suffix",
        "update-prefix",
        "exclusive-abbrev",
        "quotes-pipe",
        "pc",
        "thousands",
        "number-word",
        "accent",
        "nfkc-space",
        "lowercase-suffix-kept",
        "empty",
    ],
)
def test_normalize_title(title: str, source: str | None, expected: str) -> None:
    assert normalize_title(title, source) == expected


def test_normalize_title_tolerates_non_strings() -> None:
    assert normalize_title(None) == ""  # type: ignore[arg-type]


# --- pairwise rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Xi meets Biden on sidelines of APEC summit in Lima",
            "Xi meets Putin on sidelines of APEC summit in Lima",
        ),
        ("China & Taiwan Update, February 5", "China & Taiwan Update, February 6"),
        (
            "Taiwan detects 21 Chinese aircraft and 7 ships around island",
            "Taiwan detects 14 Chinese aircraft and 7 ships around island",
        ),
        (
            "India beat Pakistan by six wickets in Champions Trophy",
            "Pakistan beat India by six wickets in Champions Trophy",
        ),
        (
            "Sensex falls 400 points as foreign investors sell stocks",
            "Sensex rises 400 points as foreign investors sell stocks",
        ),
        (
            "China and Japan hold talks on seafood imports",
            "China, Japan, South Korea hold talks on seafood imports",
        ),
        ("EDITORIAL CARTOON", "EDITORIAL CARTOON"),
        ("Xi meets Biden", "Xi meets Putin"),
    ],
    ids=[
        "counterpart",
        "template-date",
        "template-count",
        "order",
        "direction",
        "inserted",
        "short-label",
        "short",
    ],
)
def test_hard_non_duplicates(a: str, b: str) -> None:
    assert titles_match(a, b) is None


@pytest.mark.parametrize(
    ("a", "b", "method"),
    [
        ("Xi meets Biden in Lima - Reuters", "Xi meets Biden in Lima", "title_exact"),
        (
            "UPDATE 2-China's exports jump 8% in May as US demand holds up",
            "China’s exports jump 8% in May as U.S. demand holds up",
            "title_exact",
        ),
        (
            "Trump to meet Xi in South Korea later this month",
            "Trump to meet Xi in South Korea later this month, White House says",
            "near_title",
        ),
        (
            "Taiwan opposition passes bill to cut defense budget",
            "Taiwan Opposition Passes Bill To Cut Defence Budget",
            "near_title",
        ),
        (
            "Indian rupee falls to record low of 90.12 against dollar",
            "Indian rupee falls to record low of 90.12 against US dollar",
            "near_title",
        ),
    ],
    ids=[
        "suffix",
        "prefix-quotes-abbrev",
        "appended-clause",
        "title-case-spelling",
        "inserted-in-long",
    ],
)
def test_copies_match(a: str, b: str, method: str) -> None:
    found = titles_match(a, b)
    assert found is not None and found[0] == method
    assert 0 < found[1] <= 1


def _labelled_pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_labelled_pairs_file_is_well_formed() -> None:
    rows = _labelled_pairs()
    assert len(rows) >= 200
    labels = [row["label"] for row in rows]
    assert set(labels) == {"0", "1"} and labels.count("0") >= 80 and labels.count("1") >= 80


def test_labelled_pairs_precision_and_recall() -> None:
    tp = fp = fn = 0
    for row in _labelled_pairs():
        predicted = titles_match(row["title_a"], row["title_b"], row["source_a"], row["source_b"])
        actual = row["label"] == "1"
        tp += bool(predicted) and actual
        fp += bool(predicted) and not actual
        fn += (not predicted) and actual
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.90


def test_find_duplicates_agrees_with_pairwise_rule_on_labelled_pairs() -> None:
    rows = _labelled_pairs()[:60]
    for i, row in enumerate(rows):
        pair = frame(
            article(f"{i}a", row["title_a"], row["source_a"]),
            article(f"{i}b", row["title_b"], row["source_b"], hours=48),
        )
        expected = titles_match(row["title_a"], row["title_b"], row["source_a"], row["source_b"])
        assert (len(find_duplicates(pair)) == 1) == (expected is not None), row


# --- find_duplicates -------------------------------------------------------------------------


def test_exact_evidence_methods() -> None:
    articles = frame(
        article("a1", "Xi meets Putin in Moscow for talks", "Reuters", guid="g1"),
        article("a2", "Completely different headline about tariffs", "Yahoo", guid="g1"),
        article(
            "b1",
            "Japan lodges protest over radar lock-on",
            "Kyodo",
            link="https://kyodonews.net/news/1",
        ),
        article(
            "b2", "Radar incident: Japan protests", "Kyodo", link="https://kyodonews.net/news/1"
        ),
        article(
            "c1",
            "Taiwan holds Han Kuang drills",
            "Focus Taiwan",
            link="https://focustaiwan.tw/politics/202607?utm_source=rss",
        ),
        article(
            "c2",
            "Han Kuang drills begin",
            "Focus Taiwan",
            link="http://www.focustaiwan.tw/politics/202607/",
        ),
        article("d1", "Pakistan and Afghanistan agree ceasefire in Doha", "Dawn"),
        article("d2", "Pakistan and Afghanistan agree ceasefire in Doha - Reuters", "MSN"),
    )
    result = find_duplicates(articles)
    assert list(result.columns) == list(DUPLICATE_COLUMNS)
    assert as_tuples(result) == {
        ("a2", "a1", "guid"),
        ("b2", "b1", "link"),
        ("c2", "c1", "canonical_url"),
        ("d2", "d1", "title_exact"),
    }
    assert (result["score"] == 1.0).all()


def test_near_duplicates_and_hard_negatives_in_one_batch() -> None:
    articles = frame(
        article("n1", "Xi meets Biden on sidelines of APEC summit in Lima", "Reuters"),
        article("n2", "Xi meets Putin on sidelines of APEC summit in Lima", "Reuters"),
        article("n3", "Xi meets Biden on sidelines of APEC summit in Lima, Peru", "AP News"),
        article("t1", "China & Taiwan Update, February 5", "ISW"),
        article("t2", "China & Taiwan Update, February 6", "ISW", hours=24),
        article("s1", "EDITORIAL CARTOON", "Taipei Times"),
        article("s2", "EDITORIAL CARTOON", "Taipei Times", hours=24),
    )
    result = find_duplicates(articles)
    assert as_tuples(result) == {("n3", "n1", "near_title")}
    assert 0.5 < result["score"].iloc[0] < 1.0


def test_bare_label_is_a_copy_only_when_carried_at_the_same_time() -> None:
    articles = frame(
        article("p1", "China Economy", "Dayton Daily News"),
        article("p2", "China Economy", "The Herald Journal", hours=2),
        article("p3", "China Economy", "Journal-News", hours=30),
        article("p4", "China Economy", "Undated Paper"),
    )
    articles.loc[articles["article_id"] == "p4", "published_at"] = pd.NaT
    assert as_tuples(find_duplicates(articles)) == {("p2", "p1", "title_exact")}


def test_same_title_far_apart_is_a_template_not_a_copy() -> None:
    articles = frame(
        article("w1", "Week in review: China and Japan trade barbs", "SCMP"),
        article("w2", "Week in review: China and Japan trade barbs", "SCMP", hours=24 * 7),
    )
    assert find_duplicates(articles).empty
    assert len(find_duplicates(articles, settings=DedupeSettings(max_days_apart=10))) == 1


def test_representative_prefers_side_then_wire_then_earliest_then_id() -> None:
    title = "China sanctions US defense firms over Taiwan arms sale"
    rows = [
        article("z-early", title, "Yahoo", hours=-5, side="us"),
        article("y-wire", title, "Reuters", hours=0, side="us", wire=True),
        article("x-china", title, "Global Times", hours=3, side="china"),
        article("w-china", title, "CGTN", hours=3, side="china"),
    ]
    articles = frame(*rows)
    kept = find_duplicates(articles, side_preference={"china": 0, "us": 1})
    assert set(kept["kept_article_id"]) == {"w-china"}  # china side, same time: lower id
    kept = find_duplicates(articles, side_preference={"us": 0, "china": 1})
    assert set(kept["kept_article_id"]) == {"y-wire"}  # us side: the wire beats the earlier copy
    kept = find_duplicates(articles)
    assert set(kept["kept_article_id"]) == {"y-wire"}  # no side preference: wire first
    no_wire = frame(*[{**row, "wire": False} for row in rows])
    assert set(find_duplicates(no_wire)["kept_article_id"]) == {"z-early"}  # then earliest


def test_method_is_weakest_link_on_strongest_chain() -> None:
    articles = frame(
        article(
            "a", "Japan scrambles jets as Chinese drones fly near Yonaguni", "Kyodo", guid="same"
        ),
        article("b", "Unrelated wording of the aggregator item", "MSN", guid="same"),
        article("c", "Japan scrambles jets as Chinese drones fly near Yonaguni island", "NHK"),
    )
    result = find_duplicates(articles).set_index("article_id")
    assert result.loc["b", "method"] == "guid"
    assert result.loc["c", "method"] == "near_title"
    assert set(result["kept_article_id"]) == {"a"}


def test_deterministic_under_shuffled_rows_and_input_untouched() -> None:
    titles = [
        "Venezuela frees 10 Americans in prisoner swap with US",
        "Venezuela frees 10 Americans in prisoner swap with U.S.",
        "Venezuela frees 10 Americans in prisoner swap with US - AP News",
        "Venezuela frees 17 political prisoners ahead of talks",
        "Japan’s Takaichi says she will not retract Taiwan comments",
        "Japan's Takaichi says she will not retract Taiwan comments",
        "Taiwan detects 21 Chinese military aircraft around island",
        "Taiwan detects 14 Chinese military aircraft around island",
    ]
    articles = frame(
        *[article(f"id{i}", t, f"Outlet {i % 3}", hours=i) for i, t in enumerate(titles)]
    )
    snapshot = articles.copy()
    expected = find_duplicates(articles)
    assert len(expected) == 3
    rng = random.Random(7)
    for _ in range(5):
        shuffled = articles.sample(frac=1, random_state=rng.randrange(10**6))
        pd.testing.assert_frame_equal(find_duplicates(shuffled), expected)
        pd.testing.assert_frame_equal(cluster_stories(shuffled), cluster_stories(articles))
    pd.testing.assert_frame_equal(articles, snapshot)


def test_empty_and_missing_columns() -> None:
    empty = frame(article("only", "A single headline about Pakistan budget talks"))
    assert find_duplicates(empty).empty
    assert list(find_duplicates(empty).columns) == list(DUPLICATE_COLUMNS)
    with pytest.raises(ValueError, match="title"):
        find_duplicates(pd.DataFrame({"article_id": ["x"]}))


def test_also_carried_by() -> None:
    title = "Hong Kong fire kills at least 44 as blaze engulfs housing estate"
    articles = frame(
        article("k", title, "AP News", wire=True),
        article("d1", title + " - AP News", "WTOP"),
        article("d2", title, "Yahoo News"),
        article("d3", title, "AP News", hours=1),
    )
    carried = also_carried_by(articles, find_duplicates(articles))
    assert carried.to_dict("records") == [
        {"kept_article_id": "k", "carried_by": ("WTOP", "Yahoo News")}
    ]
    assert format_carried_by(("WTOP", "Yahoo News")) == "also carried by WTOP and Yahoo News"
    assert format_carried_by(["A"]) == "also carried by A"
    assert format_carried_by(["A", "B", "C", "D"], limit=2) == "also carried by A, B and 2 more"
    assert format_carried_by([]) == ""


# --- blocking --------------------------------------------------------------------------------


def test_similar_sets_is_exact_against_brute_force() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(40)]
    sets = [
        frozenset(rng.sample(vocab[: rng.randint(8, 40)], rng.randint(1, 8))) for _ in range(300)
    ] + [frozenset()]
    for threshold in (0.3, 0.55, 0.75):
        found = similar_sets(sets, threshold)
        expected = {
            (i, j)
            for i, j in itertools.combinations(range(len(sets)), 2)
            if sets[i] | sets[j]
            and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= threshold - 1e-9
        }
        assert set(zip(found["a"].tolist(), found["b"].tolist(), strict=True)) == expected


# --- clusters and coverage -------------------------------------------------------------------


def _story_batch() -> pd.DataFrame:
    return frame(
        article(
            "c1", "China sends letter to UN over Takaichi remarks on Taiwan", "Xinhua", side="china"
        ),
        article(
            "c2",
            "Takaichi remarks: Japan rejects China letter to UN chief",
            "Kyodo",
            side="japan",
            hours=5,
        ),
        article(
            "c3",
            "China sends letter to UN over Takaichi remarks on Taiwan - Xinhua",
            "news.cn",
            side="china",
            hours=1,
        ),
        article(
            "j1", "Japan lower house passes record 122 trillion yen budget", "NHK", side="japan"
        ),
        article("x1", "Pakistan beat South Africa in first ODI at Faisalabad", "Geo", side=None),
        article("k1", "Xi meets Biden in Lima", "Reuters", side="china"),
        article("k2", "Xi meets Putin in Moscow", "Reuters", side="japan"),
    )


def test_cluster_stories_groups_one_event_across_sides() -> None:
    clusters = cluster_stories(_story_batch())
    assert list(clusters.columns) == ["cluster_id", "article_id", "side", "score"]
    members = clusters.groupby("cluster_id")["article_id"].apply(frozenset)
    assert set(members) == {
        frozenset({"c1", "c2", "c3"}),
        frozenset({"j1"}),
        frozenset({"x1"}),
        frozenset({"k1"}),
        frozenset({"k2"}),
    }
    scores = clusters.set_index("article_id")["score"]
    assert scores["c3"] == 1.0 and scores["j1"] == 0.0 and 0.5 <= scores["c2"] < 1.0


def test_cluster_ids_are_hashes_of_members() -> None:
    first = cluster_stories(_story_batch())
    again = cluster_stories(_story_batch().iloc[::-1])
    pd.testing.assert_frame_equal(first, again)
    single = first.set_index("article_id").loc["j1", "cluster_id"]
    assert single == cluster_stories(_story_batch().iloc[[3]])["cluster_id"].iloc[0]


@pytest.mark.parametrize("rows", [slice(None), slice(3, 4), slice(0, 0)])
def test_duplicates_and_stories_equal_the_two_steps(rows: slice) -> None:
    batch = _story_batch().iloc[rows]
    prefs = {"china": 0, "japan": 1}
    duplicates, stories = duplicates_and_stories(batch, prefs)
    pd.testing.assert_frame_equal(duplicates, find_duplicates(batch, prefs))
    pd.testing.assert_frame_equal(stories, cluster_stories(batch))
    assert len(stories) == len(batch)


def test_story_coverage_both_sides_and_blindspots() -> None:
    coverage = story_coverage(cluster_stories(_story_batch())).set_index("cluster_id")
    clusters = cluster_stories(_story_batch()).set_index("article_id")["cluster_id"]
    assert coverage.loc[clusters["c1"]].to_dict() == {
        "sides": ("china", "japan"),
        "both_sides": True,
        "only_side": None,
        "n_articles": 3,
    }
    assert coverage.loc[clusters["j1"], "only_side"] == "japan"
    assert not coverage.loc[clusters["j1"], "both_sides"]
    assert coverage.loc[clusters["x1"], "sides"] == ()
    assert coverage.loc[clusters["x1"], "only_side"] is None
    strict = story_coverage(cluster_stories(_story_batch()), sides=["china", "japan", "us"])
    assert not strict["both_sides"].any()


def test_no_articles_no_duplicates_no_stories() -> None:
    """A day whose window holds no article (a backfill past the news host's archive)."""
    empty = pd.DataFrame(columns=list(article("a", "t")))
    assert find_duplicates(empty).empty
    assert list(find_duplicates(empty).columns) == list(DUPLICATE_COLUMNS)
    assert cluster_stories(empty).empty
