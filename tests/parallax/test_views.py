"""Analyst views (sql/views): kept equal to their files, and right on a hand-built database.

The database below is small enough to count by hand. Topic `t`, sides `a` (country AA) and `b`
(BB), two days:

| id | day | feed | outlet (country) | side          | duplicate of   | page            |
|----|-----|------|------------------|---------------|----------------|-----------------|
| a1 | D   | a    | Alpha (AA) state | a             |                | #1 side a       |
| a2 | D   | a    | Beta (BB)        | b             |                | #3 side b       |
| a3 | D   | a    | Gamma (GB)       | international |                | #4 side a (!)   |
| a4 | D   | a    | "Mystery" (?)    | unknown       |                |                 |
| a5 | D   | b    | Beta (BB)        | b             |                | #2 side b       |
| a6 | D   | b    | Beta (BB)        | b             | a5 (link)      |                 |
| a7 | D   | b    | Alpha (AA)       | a             | a1 (fuzzy 0.9) |                 |
| b1 | D+1 | a    | Alpha (AA)       | a             |                | #1 side a       |

a3 is deliberately listed under side a although its outlet is British: the purity view must
catch a page that breaks the country-true rule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from parallax import storage

D = dt.date(2026, 2, 7)
D1 = D + dt.timedelta(days=1)
VIEWS = sorted(p.stem for p in storage.VIEWS_DIR.glob("*.sql"))

ARTICLES = [
    # id, day, feed, outlet_name, source_name, country, ownership, side
    ("a1", D, "a", "Alpha", "Alpha News", "AA", "state", "a"),
    ("a2", D, "a", "Beta", "Beta Daily", "BB", "private", "b"),
    ("a3", D, "a", "Gamma", "Gamma Times", "GB", "private", "international"),
    ("a4", D, "a", None, "Mystery", None, "unknown", "unknown"),
    ("a5", D, "b", "Beta", "Beta Daily", "BB", "private", "b"),
    ("a6", D, "b", "Beta", "Beta Daily", "BB", "private", "b"),
    ("a7", D, "b", "Alpha", "Alpha News", "AA", "state", "a"),
    ("b1", D1, "a", "Alpha", "Alpha News", "AA", "state", "a"),
]
DUPLICATES = [("a6", D, "a5", "link", 1.0), ("a7", D, "a1", "title_fuzzy", 0.9)]
SELECTIONS = [  # id, day, side, number, rank_in_side
    ("a1", D, "a", 1, 1),
    ("a5", D, "b", 2, 1),
    ("a2", D, "b", 3, 2),
    ("a3", D, "a", 4, 2),
    ("b1", D1, "a", 1, 1),
]
RELEVANCE = [  # id, day, side, score, on_topic
    ("a1", D, "a", 0.9, True),
    ("a2", D, "b", 0.8, True),
    ("a5", D, "b", 0.1, False),
    ("a6", D, "b", 0.1, False),  # a duplicate of a5: not counted
    ("a4", D, "unknown", 0.2, False),
    ("b1", D1, "a", 0.7, True),
]
NOON = dt.datetime(2026, 2, 7, 12, tzinfo=dt.UTC)
LLM_CALLS = [  # call_id, model, attempt, cache_hit, prompt, completion, cost, error, created_at
    ("c1", "m1", 1, False, 100, 20, 0.001, None, NOON),
    ("c2", "m1", 2, False, None, None, None, "timeout", NOON),
    ("c3", "m1", 0, True, None, None, 0.0, None, NOON),
    ("c4", "m1", 0, False, None, None, None, "budget: would exceed", NOON),
    ("c5", "m2", 1, False, 50, 5, None, None, NOON),
    ("c6", "m1", 1, False, 10, 10, 0.0005, None, NOON + dt.timedelta(days=1)),
]


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    con.register("_rows", frame)
    cols = ", ".join(frame.columns)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
    con.unregister("_rows")


@pytest.fixture
def hand_built(con):
    common = {"topic": "t", "run_id": "r1"}
    _insert(
        con,
        "articles",
        pd.DataFrame(
            [
                {
                    **common,
                    "logical_date": day,
                    "article_id": aid,
                    "fetch_id": f"f-{feed}",
                    "feed_perspective": feed,
                    "title": f"title {aid}",
                    "source_name": source,
                }
                for aid, day, feed, _, source, _, _, _ in ARTICLES
            ]
        ),
    )
    _insert(
        con,
        "article_perspectives",
        pd.DataFrame(
            [
                {
                    **common,
                    "logical_date": day,
                    "article_id": aid,
                    "country": country,
                    "outlet_kind": "outlet" if outlet else "unknown",
                    "outlet_name": outlet,
                    "ownership": ownership,
                    "method": "domain" if country else "none",
                    "perspective": side,
                }
                for aid, day, _, outlet, _, country, ownership, side in ARTICLES
            ]
        ),
    )
    _insert(
        con,
        "duplicates",
        pd.DataFrame(
            [
                {**common, "logical_date": day, "article_id": aid, "kept_article_id": kept}
                | {"method": method, "score": score}
                for aid, day, kept, method, score in DUPLICATES
            ]
        ),
    )
    _insert(
        con,
        "selections",
        pd.DataFrame(
            [
                {**common, "logical_date": day, "article_id": aid, "side": side}
                | {"number": number, "rank_in_side": rank}
                for aid, day, side, number, rank in SELECTIONS
            ]
        ),
    )
    _insert(
        con,
        "article_relevance",
        pd.DataFrame(
            [
                {**common, "logical_date": day, "article_id": aid, "side": side, "score": score}
                | {"on_topic": on, "title_key": f"k-{aid}", "method": "local:test"}
                | {"evidence": "names a", "reused": False}
                for aid, day, side, score, on in RELEVANCE
            ]
        ),
    )
    _insert(
        con,
        "llm_calls",
        pd.DataFrame(
            [
                {
                    "call_id": cid,
                    "run_id": "r1",
                    "purpose": "summarize:t:2026-02-07",
                    "model": model,
                    "request_key": "k",
                    "attempt": attempt,
                    "cache_hit": hit,
                    "messages": "[]",
                    "params": "{}",
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "cost_usd": cost,
                    "latency_ms": None if attempt == 0 else 100.0 * attempt,
                    "error": error,
                    "created_at": at,
                }
                for cid, model, attempt, hit, prompt, completion, cost, error, at in LLM_CALLS
            ]
        ),
    )
    return con


def rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


# --- views exist and follow their files -----------------------------------------------------


def test_every_view_file_is_a_view_with_a_documented_header(con):
    existing = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    assert set(VIEWS) <= existing
    assert len(VIEWS) == 8
    for name in VIEWS:
        text = (storage.VIEWS_DIR / f"{name}.sql").read_text(encoding="utf-8")
        header = text.split("CREATE OR REPLACE VIEW")[0]
        assert header.startswith(f"-- {name}: ")
        assert "-- Columns" in header
        columns = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
        for column in columns:  # every column of the view is named in its header
            assert column in header, f"{name}.{column} is not documented"


def test_views_survive_rerunning_migrations(con):
    assert storage.migrate(con) == []
    assert storage.apply_views(con) == []  # unchanged files: nothing to do
    assert con.execute("SELECT count(*) FROM enriched_articles").fetchone() == (0,)


def test_a_changed_view_file_is_reapplied_and_a_removed_one_dropped(tmp_path: Path, con):
    views = tmp_path / "views"
    views.mkdir()
    (views / "v_answer.sql").write_text("CREATE OR REPLACE VIEW v_answer AS SELECT 41 AS x;")
    assert storage.apply_views(con, views) == ["v_answer"]
    assert storage.apply_views(con, views) == []
    (views / "v_answer.sql").write_text("CREATE OR REPLACE VIEW v_answer AS SELECT 42 AS x;")
    assert storage.apply_views(con, views) == ["v_answer"]
    assert con.execute("SELECT x FROM v_answer").fetchone() == (42,)
    con.execute("DROP VIEW v_answer")  # dropped by hand: the next migrate puts it back
    assert storage.apply_views(con, views) == ["v_answer"]
    (views / "v_answer.sql").unlink()
    storage.apply_views(con, views)
    assert not con.execute("SELECT * FROM duckdb_views() WHERE view_name = 'v_answer'").fetchall()


def test_a_view_file_must_create_the_view_it_is_named_after(tmp_path: Path, con):
    (tmp_path / "v_one.sql").write_text("CREATE OR REPLACE VIEW v_other AS SELECT 1 AS x;")
    with pytest.raises(storage.MigrationError, match="must create the view 'v_one'"):
        storage.apply_views(con, tmp_path)


# --- the numbers ------------------------------------------------------------------------------


def test_enriched_articles(hand_built):
    got = {r["article_id"]: r for r in rows(hand_built, "SELECT * FROM enriched_articles")}
    assert len(got) == 8
    assert {k: got["a6"][k] for k in ("is_duplicate", "duplicate_of", "duplicate_method")} == {
        "is_duplicate": True,
        "duplicate_of": "a5",
        "duplicate_method": "link",
    }
    assert (got["a2"]["side"], got["a2"]["country"], got["a2"]["feed_perspective"]) == (
        "b",
        "BB",
        "a",
    )
    assert (got["a2"]["is_selected"], got["a2"]["number"], got["a2"]["rank_in_side"]) == (
        True,
        3,
        2,
    )
    assert (got["a4"]["outlet_name"], got["a4"]["source_name"], got["a4"]["side"]) == (
        None,
        "Mystery",
        "unknown",
    )
    assert got["a1"]["ownership"] == "state"
    assert [a for a, r in sorted(got.items()) if r["is_selected"]] == ["a1", "a2", "a3", "a5", "b1"]
    assert [a for a, r in sorted(got.items()) if r["is_duplicate"]] == ["a6", "a7"]


def test_daily_side_country_counts(hand_built):
    got = hand_built.execute(
        "SELECT logical_date, side, country, articles, unique_articles, duplicates, selected"
        " FROM daily_side_country_counts ORDER BY ALL"
    ).fetchall()
    assert got == [
        (D, "a", "AA", 2, 1, 1, 1),
        (D, "b", "BB", 3, 2, 1, 2),
        (D, "international", "GB", 1, 1, 0, 1),
        (D, "unknown", None, 1, 1, 0, 0),
        (D1, "a", "AA", 1, 1, 0, 1),
    ]


def test_perspective_purity(hand_built):
    got = rows(hand_built, "SELECT * FROM perspective_purity ORDER BY logical_date, side")
    assert got == [
        {
            "topic": "t",
            "logical_date": D,
            "side": "a",
            "placed": 2,  # a1 and the misplaced a3
            "placed_country_true": 1,
            "placed_purity": 0.5,
            "feed_articles": 4,  # a1..a4 (a7 is a duplicate)
            "feed_on_side": 1,
            "feed_other_side": 1,
            "feed_international": 1,
            "feed_unknown": 1,
            "feed_purity": 0.25,
            "international_share": 0.25,
            "unknown_share": 0.25,
            "side_judged": 1,  # a1 (a7, its copy, is not counted)
            "side_off_topic": 0,
            "off_topic_share": 0.0,
        },
        {
            "topic": "t",
            "logical_date": D,
            "side": "b",
            "placed": 2,
            "placed_country_true": 2,
            "placed_purity": 1.0,
            "feed_articles": 1,  # a5 (a6, a7 are duplicates)
            "feed_on_side": 1,
            "feed_other_side": 0,
            "feed_international": 0,
            "feed_unknown": 0,
            "feed_purity": 1.0,
            "international_share": 0.0,
            "unknown_share": 0.0,
            "side_judged": 2,  # a2 and a5 are Beta's, side b's own outlet
            "side_off_topic": 1,
            "off_topic_share": 0.5,
        },
        {
            "topic": "t",
            "logical_date": D1,
            "side": "a",
            "placed": 1,
            "placed_country_true": 1,
            "placed_purity": 1.0,
            "feed_articles": 1,
            "feed_on_side": 1,
            "feed_other_side": 0,
            "feed_international": 0,
            "feed_unknown": 0,
            "feed_purity": 1.0,
            "international_share": 0.0,
            "unknown_share": 0.0,
            "side_judged": 1,
            "side_off_topic": 0,
            "off_topic_share": 0.0,
        },
    ]


def test_relevance_decisions(hand_built):
    got = hand_built.execute(
        "SELECT article_id, side, on_topic, is_duplicate, is_listed FROM relevance_decisions"
        " ORDER BY logical_date, article_id"
    ).fetchall()
    assert got == [
        ("a1", "a", True, False, True),
        ("a2", "b", True, False, True),
        ("a4", "unknown", False, False, False),
        ("a5", "b", False, False, True),
        ("a6", "b", False, True, False),
        ("b1", "a", True, False, True),
    ]


def test_duplicates_removed(hand_built):
    got = hand_built.execute(
        "SELECT logical_date, method, removed, kept_articles, fetched, removed_share,"
        " avg_score, min_score FROM duplicates_removed ORDER BY ALL"
    ).fetchall()
    assert got == [
        (D, "link", 1, 1, 7, 0.1429, 1.0, 1.0),
        (D, "title_fuzzy", 1, 1, 7, 0.1429, 0.9, 0.9),
    ]


def test_llm_cost_daily(hand_built):
    got = rows(hand_built, "SELECT * FROM llm_cost_daily ORDER BY day, model")
    assert got == [
        {
            "day": D,
            "model": "m1",
            "calls": 2,
            "failed_calls": 1,
            "cache_hits": 1,
            "budget_stops": 1,
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "total_tokens": 120,
            "cost_usd": 0.001,
            "unpriced_calls": 0,
            "avg_latency_ms": 150.0,
        },
        {
            "day": D,
            "model": "m2",
            "calls": 1,
            "failed_calls": 0,
            "cache_hits": 0,
            "budget_stops": 0,
            "prompt_tokens": 50,
            "completion_tokens": 5,
            "total_tokens": 55,
            "cost_usd": 0.0,
            "unpriced_calls": 1,
            "avg_latency_ms": 100.0,
        },
        {
            "day": D1,
            "model": "m1",
            "calls": 1,
            "failed_calls": 0,
            "cache_hits": 0,
            "budget_stops": 0,
            "prompt_tokens": 10,
            "completion_tokens": 10,
            "total_tokens": 20,
            "cost_usd": 0.0005,
            "unpriced_calls": 0,
            "avg_latency_ms": 100.0,
        },
    ]


def test_outlet_leaderboard(hand_built):
    got = hand_built.execute(
        "SELECT rank, outlet, country, side, ownership, articles, selected, selected_share,"
        " days_seen, first_day, last_day FROM outlet_leaderboard WHERE topic = 't' ORDER BY rank"
    ).fetchall()
    assert got == [
        # Alpha and Beta tie on selected and articles: by name
        (1, "Alpha", "AA", "a", "state", 2, 2, 1.0, 2, D, D1),
        (2, "Beta", "BB", "b", "private", 2, 2, 1.0, 1, D, D),
        (3, "Gamma", "GB", "international", "private", 1, 1, 1.0, 1, D, D),
        (4, "Mystery", None, "unknown", "unknown", 1, 0, 0.0, 1, D, D),
    ]


def test_views_are_documented_in_the_readme():
    readme = (storage.SQL_DIR.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Analyst queries", 1)[1].split("\n## ", 1)[0]
    for name in VIEWS:
        assert f"`{name}`" in section
