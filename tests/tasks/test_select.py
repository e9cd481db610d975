import pandas as pd
import pytest

from tasks.select import SelectionPolicy, published_keys, recently_published, select_articles


def _candidates(counts: dict[str, int]) -> pd.DataFrame:
    rows = []
    for side, n in counts.items():
        for i in range(n):
            rows.append(
                {
                    "article_id": f"{side}{i:02d}",
                    "side": side,
                    "feed_position": i,
                    "published_at": pd.Timestamp("2026-02-07", tz="UTC") - pd.Timedelta(hours=i),
                }
            )
    return pd.DataFrame(rows)


POLICY = SelectionPolicy(("us", "china"), max_total=20, quota=10, top_up=True)


def test_balanced_when_both_sides_have_enough():
    sel, short = select_articles(_candidates({"us": 15, "china": 12}), POLICY)
    assert sel["side"].value_counts().to_dict() == {"us": 10, "china": 10}
    assert short["shortfall"].tolist() == [0, 0]
    # Page order: side blocks in config order, newest first, numbered from 1.
    assert sel["number"].tolist() == list(range(1, 21))
    assert sel["article_id"].head(3).tolist() == ["us00", "us01", "us02"]
    assert sel.iloc[10].article_id == "china00"


def test_shortfall_recorded_and_topped_up_from_other_side():
    sel, short = select_articles(_candidates({"us": 4, "china": 30}), POLICY)
    assert sel["side"].value_counts().to_dict() == {"china": 16, "us": 4}
    assert short.set_index("side")["shortfall"].to_dict() == {"us": 6, "china": 0}
    assert short.set_index("side")["available"].to_dict() == {"us": 4, "china": 30}


def test_no_top_up_keeps_sides_balanced():
    policy = SelectionPolicy(("us", "china"), 20, 10, top_up=False)
    sel, _ = select_articles(_candidates({"us": 4, "china": 30}), policy)
    assert sel["side"].value_counts().to_dict() == {"china": 10, "us": 4}


def test_international_and_unknown_are_never_selected():
    cands = pd.concat([_candidates({"us": 2}), _candidates({"international": 5, "unknown": 5})])
    sel, _ = select_articles(cands, POLICY)
    assert set(sel["side"]) == {"us"}


def test_empty_input():
    sel, short = select_articles(
        _candidates({}).reindex(columns=["article_id", "side", "feed_position", "published_at"]),
        POLICY,
    )
    assert sel.empty and short["shortfall"].tolist() == [10, 10]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_deterministic_under_row_order(seed):
    cands = _candidates({"us": 12, "china": 7})
    expected, _ = select_articles(cands, POLICY)
    shuffled, _ = select_articles(cands.sample(frac=1, random_state=seed), POLICY)
    pd.testing.assert_frame_equal(expected, shuffled)


def test_international_outlets_are_listed_apart_up_to_their_limit():
    policy = SelectionPolicy(("us", "china"), 20, 10, top_up=True, international_max=2)
    sel, short = select_articles(_candidates({"us": 3, "china": 30, "international": 5}), policy)
    counts = sel["side"].value_counts().to_dict()
    assert counts == {"us": 3, "china": 17, "international": 2}  # sides fill max_total alone
    assert sel.tail(2)["side"].tolist() == ["international"] * 2  # numbered after the sides
    assert "international" not in set(short["side"])


# --- across days -----------------------------------------------------------------------------


def test_recently_published_by_link_or_title() -> None:
    previous = pd.DataFrame(
        {
            "link": ["https://www.dawn.com/news/1?utm_source=rss", "https://example.com/x"],
            "title": ["Pakistan budget passes - Dawn", "EDITORIAL CARTOON"],
            "source_name": ["Dawn", "Taipei Times"],
        }
    )
    keys = published_keys(previous)
    candidates = pd.DataFrame(
        {
            "link": [
                "https://dawn.com/news/1/",
                "https://other.example/2",
                "https://other.example/3",
                "https://other.example/4",
            ],
            "title": [
                "Budget: a new headline",
                "Pakistan budget passes",
                "EDITORIAL CARTOON",
                "Fresh story about India",
            ],
            "source_name": ["Dawn", "Geo", "Taipei Times", "NDTV"],
        },
        index=[10, 11, 12, 13],
    )
    flags = recently_published(candidates, keys)
    assert flags.to_dict() == {10: True, 11: True, 12: False, 13: False}


def test_articles_on_earlier_pages_go_last():
    """Taken only when the side has nothing fresher, whatever their date."""
    candidates = _candidates({"us": 4}).assign(recently_published=[True, False, True, False])
    policy = SelectionPolicy(("us",), max_total=4, quota=4, top_up=True)
    sel, _ = select_articles(candidates, policy)
    assert sel["article_id"].tolist() == ["us01", "us03", "us00", "us02"]
    assert "recently_published" in candidates.columns  # the input is not modified


# --- story first, on-topic only, a few per outlet ----------------------------------------------


def _side(n: int, **columns) -> pd.DataFrame:
    return _candidates({"us": n}).assign(**columns)


ONE_SIDE = SelectionPolicy(("us",), max_total=4, quota=4, top_up=True)


def test_off_topic_articles_are_never_selected_and_are_counted():
    candidates = _side(6, on_topic=[False, True, False, True, True, False])
    sel, short = select_articles(candidates, ONE_SIDE)
    assert sel["article_id"].tolist() == ["us01", "us03", "us04"]
    [row] = short.to_dict("records")
    assert (row["selected"], row["shortfall"], row["off_topic"]) == (3, 1, 3)


def test_no_outlet_has_more_than_its_cap_on_a_side():
    outlets = ["Daily", "Daily", "Daily", "Daily", "Herald", "Times"]
    sel, short = select_articles(_side(6, outlet=outlets), ONE_SIDE)
    assert sel["article_id"].tolist() == ["us00", "us01", "us04", "us05"]
    sel, short = select_articles(_side(4, outlet=["Daily"] * 4), ONE_SIDE)
    assert sel["article_id"].tolist() == ["us00", "us01"]
    [row] = short.to_dict("records")
    assert (row["shortfall"], row["outlet_capped"]) == (2, 2)


def test_the_cap_holds_when_a_side_is_topped_up():
    candidates = pd.concat(
        [_candidates({"us": 1}), _candidates({"china": 8}).assign(outlet="Xinhua")]
    )
    sel, _ = select_articles(candidates, SelectionPolicy(("us", "china"), 4, 2, top_up=True))
    assert sel["side"].value_counts().to_dict() == {"china": 2, "us": 1}


def test_one_article_per_story_before_a_second_of_any():
    stories = ["s1", "s1", "s1", "s2", "s3", "s4"]
    sel, _ = select_articles(_side(6, story=stories), ONE_SIDE)
    assert sel["article_id"].tolist() == ["us00", "us03", "us04", "us05"]


def test_broad_stories_then_sure_ones_then_fresh_ones_first():
    candidates = _side(4, breadth=[1, 3, 1, 1], relevance=[0.6, 0.7, 0.9, 0.6])
    sel, _ = select_articles(candidates, ONE_SIDE)
    assert sel["article_id"].tolist() == ["us01", "us02", "us00", "us03"]


def test_articles_from_earlier_pages_are_marked_continuing():
    candidates = _side(3, recently_published=[True, False, False])
    sel, _ = select_articles(candidates, ONE_SIDE)
    assert sel.set_index("article_id")["continuing"].to_dict() == {
        "us01": False,
        "us02": False,
        "us00": True,
    }
