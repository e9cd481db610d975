"""Analyst views (sql/views): kept equal to their files, documented with COMMENT ON, and
right on a hand-built database whose digest windows overlap.

Topic `t`, sides `a` (country AA) and `b` (BB). Each digest reads several days of news, so the
next days' digests fetch an article again: the per-article views must count it once. Feed
items (x), the article they are (their link, L), and what each digest day decided:

| item | link | feed | outlet (country)     | published | fetched  | a copy of | on the page of |
|------|------|------|----------------------|-----------|----------|-----------|----------------|
| x1   | L1   | a    | Alpha (AA) state     | D0        | D0 D1 D2 |           | D0 #1, D2 #1 a |
| x2   | L2   | a    | Beta (BB)            | D0        | D0 D1    |           | D0 #2 b        |
| x3   | L2   | b    | Beta (BB)            | D0        | D0 D1    | x2 (link) |                |
| x4   | L4   | b    | Beta (BB)            | D1        | D1 D2    |           | D1 #1 b        |
| x5   | L5   | b    | Alpha (AA) state     | D1        | D1 D2    | x1 (0.9)  |                |
| x6   | L6   | a    | Gamma (GB)           | D1        | D1 D2    |           | D1 #2 a (!)    |
| x7   | L7   | a    | Mystery: ?, AA on D2 | D1        | D1 D2    |           |                |
| x8   | L8   | b    | Beta (BB)            | D2        | D2       |           | D2 #2 b        |

(x7's outlet is unknown on D1; on D2 the model placed it in AA.)

x6 is deliberately listed under side a although its outlet is British: the purity view must
catch a page that breaks the country-true rule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from parallax import storage

D0 = dt.date(2026, 2, 7)
D1 = D0 + dt.timedelta(days=1)
D2 = D0 + dt.timedelta(days=2)
VIEWS = sorted(p.stem for p in storage.VIEWS_DIR.glob("*.sql"))

ALPHA = ("Alpha", "Alpha News", "AA", "state", "a", "domain")
BETA = ("Beta", "Beta Daily", "BB", "private", "b", "domain")
GAMMA = ("Gamma", "Gamma Times", "GB", "private", "international", "domain")
MYSTERY = (None, "Mystery", None, "unknown", "unknown", "none")
MYSTERY_PLACED = (None, "Mystery", "AA", "unknown", "a", "llm")
# item, link, feed, published, {day fetched: (outlet, source, country, ownership, side, method)}
ITEMS = [
    ("x1", "L1", "a", D0, {D0: ALPHA, D1: ALPHA, D2: ALPHA}),
    ("x2", "L2", "a", D0, {D0: BETA, D1: BETA}),
    ("x3", "L2", "b", D0, {D0: BETA, D1: BETA}),
    ("x4", "L4", "b", D1, {D1: BETA, D2: BETA}),
    ("x5", "L5", "b", D1, {D1: ALPHA, D2: ALPHA}),
    ("x6", "L6", "a", D1, {D1: GAMMA, D2: GAMMA}),
    ("x7", "L7", "a", D1, {D1: MYSTERY, D2: MYSTERY_PLACED}),
    ("x8", "L8", "b", D2, {D2: BETA}),
]
DUPLICATES = [  # item, day, kept item, method, score
    ("x3", D0, "x2", "link", 1.0),
    ("x3", D1, "x2", "link", 1.0),
    ("x5", D1, "x1", "title_fuzzy", 0.9),
    ("x5", D2, "x1", "title_fuzzy", 0.9),
]
SELECTIONS = [  # item, day, side, number, rank_in_side
    ("x1", D0, "a", 1, 1),
    ("x2", D0, "b", 2, 1),
    ("x4", D1, "b", 1, 1),
    ("x6", D1, "a", 2, 1),
    ("x1", D2, "a", 1, 1),
    ("x8", D2, "b", 2, 1),
]
RELEVANCE = [  # item, day, side, score, on_topic
    ("x1", D0, "a", 0.9, True),
    ("x2", D0, "b", 0.8, True),
    ("x3", D0, "b", 0.8, True),  # a copy of x2: not counted
    ("x4", D1, "b", 0.1, False),
    ("x4", D2, "b", 0.1, False),  # fetched again: counted on its first day only
    ("x6", D1, "international", 0.7, True),
    ("x7", D1, "unknown", 0.2, False),
    ("x8", D2, "b", 0.6, True),
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


def link(key: str) -> str:
    return f"https://news.example.org/{key}"


@pytest.fixture
def hand_built(con):
    common = {"topic": "t", "run_id": "r1"}
    fetched = [
        (item, key, feed, published, day, facts)
        for item, key, feed, published, days in ITEMS
        for day, facts in days.items()
    ]
    _insert(
        con,
        "articles",
        pd.DataFrame(
            [
                {
                    **common,
                    "logical_date": day,
                    "article_id": item,
                    "fetch_id": f"f-{feed}-{day}",
                    "feed_perspective": feed,
                    "link": link(key),
                    "title": f"title {key}",
                    "source_name": facts[1],
                    "published_at": dt.datetime.combine(published, dt.time(9), dt.UTC),
                }
                for item, key, feed, published, day, facts in fetched
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
                    "article_id": item,
                    "country": country,
                    "outlet_kind": "outlet" if outlet else "unknown",
                    "outlet_name": outlet,
                    "ownership": ownership,
                    "method": method,
                    "perspective": side,
                }
                for item, _, _, _, day, (outlet, _, country, ownership, side, method) in fetched
            ]
        ),
    )
    _insert(
        con,
        "duplicates",
        pd.DataFrame(
            [
                {**common, "logical_date": day, "article_id": item, "kept_article_id": kept}
                | {"method": method, "score": score}
                for item, day, kept, method, score in DUPLICATES
            ]
        ),
    )
    _insert(
        con,
        "selections",
        pd.DataFrame(
            [
                {**common, "logical_date": day, "article_id": item, "side": side}
                | {"number": number, "rank_in_side": rank}
                for item, day, side, number, rank in SELECTIONS
            ]
        ),
    )
    _insert(
        con,
        "article_relevance",
        pd.DataFrame(
            [
                {**common, "logical_date": day, "article_id": item, "title_key": f"k-{item}"}
                | {"side": side, "score": score, "on_topic": on, "method": "local:test"}
                | {"evidence": "names both sides", "reused": False}
                for item, day, side, score, on in RELEVANCE
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


def test_every_view_and_column_is_documented_in_the_database(con):
    """COMMENT ON for every view and column: `duckdb_views()` and `duckdb_columns()` (and any
    client reading them) show what each one holds; the file's header says what it answers."""
    existing = dict(con.execute("SELECT view_name, comment FROM duckdb_views()").fetchall())
    assert set(VIEWS) <= set(existing)
    assert len(VIEWS) == 11
    for name in VIEWS:
        assert existing[name] and len(existing[name]) > 40, f"{name} has no description"
        header = (storage.VIEWS_DIR / f"{name}.sql").read_text(encoding="utf-8")
        assert header.startswith(f"-- {name}: ") and "-- Answers: " in header
        columns = con.execute(storage.query("view_column_comments"), [name]).fetchall()
        undocumented = [column for column, comment in columns if not comment]
        assert columns and not undocumented, f"{name}: no COMMENT ON for {undocumented}"
        # The same descriptions as rows (a lake keeps none on a view's columns).
        rows = con.execute(
            "SELECT column_name, comment FROM schema_view_columns WHERE view_name = ?", [name]
        ).fetchall()
        assert sorted(rows) == sorted(columns)


def test_a_view_mentioning_another_in_its_text_does_not_depend_on_it(tmp_path: Path, con):
    views = tmp_path / "views"
    views.mkdir()
    (views / "v_first.sql").write_text(
        "-- v_first: unlike v_second, reads no view\n"
        "CREATE OR REPLACE VIEW v_first AS SELECT 1 AS x;\n"
        "COMMENT ON VIEW v_first IS 'see v_second';"
    )
    (views / "v_second.sql").write_text("CREATE OR REPLACE VIEW v_second AS SELECT x FROM v_first;")
    assert storage.apply_views(con, views) == ["v_first", "v_second"]  # no cycle


def test_views_survive_rerunning_migrations(con):
    described = con.execute("SELECT count(*) FROM schema_view_columns").fetchone()
    assert storage.migrate(con) == []
    assert storage.apply_views(con) == []  # unchanged files: nothing to do
    assert con.execute("SELECT count(*) FROM schema_view_columns").fetchone() == described
    assert con.execute("SELECT count(*) FROM enriched_articles").fetchone() == (0,)


def test_a_changed_view_file_is_reapplied_and_a_removed_one_dropped(tmp_path: Path, con):
    views = tmp_path / "views"
    views.mkdir()
    (views / "v_answer.sql").write_text("CREATE OR REPLACE VIEW v_answer AS SELECT 41 AS x;")
    assert storage.apply_views(con, views) == ["v_answer"]
    assert storage.apply_views(con, views) == []
    (views / "v_answer.sql").write_text(
        "CREATE OR REPLACE VIEW v_answer AS SELECT 42 AS x;\n"
        "COMMENT ON COLUMN v_answer.x IS 'the answer''s value';"
    )
    assert storage.apply_views(con, views) == ["v_answer"]
    assert con.execute("SELECT x FROM v_answer").fetchone() == (42,)
    assert con.execute("SELECT * FROM schema_view_columns").fetchall() == [
        ("v_answer", "x", "the answer's value")
    ]
    con.execute("DROP VIEW v_answer")  # dropped by hand: the next migrate puts it back
    assert storage.apply_views(con, views) == ["v_answer"]
    (views / "v_answer.sql").unlink()
    storage.apply_views(con, views)
    assert not con.execute("SELECT * FROM duckdb_views() WHERE view_name = 'v_answer'").fetchall()
    assert not con.execute("SELECT * FROM schema_view_columns").fetchall()


def test_a_view_file_must_create_the_view_it_is_named_after(tmp_path: Path, con):
    (tmp_path / "v_one.sql").write_text("CREATE OR REPLACE VIEW v_other AS SELECT 1 AS x;")
    with pytest.raises(storage.MigrationError, match="must create the view 'v_one'"):
        storage.apply_views(con, tmp_path)


# --- the numbers ------------------------------------------------------------------------------


def test_article_days_has_a_row_per_digest_day_that_read_the_article(hand_built):
    got = rows(hand_built, "SELECT * FROM article_days ORDER BY logical_date, article_id")
    assert len(got) == 16  # 8 items, fetched on 1 to 3 days each
    x3 = [r for r in got if r["article_id"] == "x3"]
    assert [(r["logical_date"], r["is_duplicate"], r["duplicate_of"]) for r in x3] == [
        (D0, True, "x2"),
        (D1, True, "x2"),
    ]
    assert {r["article_key"] for r in got if r["article_id"] in ("x2", "x3")} == {link("L2")}
    x1 = [r for r in got if r["article_id"] == "x1"]
    assert [(r["logical_date"], r["is_selected"], r["number"]) for r in x1] == [
        (D0, True, 1),
        (D1, False, None),
        (D2, True, 1),
    ]


def test_enriched_articles_has_every_article_once(hand_built):
    got = {
        r["article_key"].rsplit("/", 1)[1]: r
        for r in rows(hand_built, "SELECT * FROM enriched_articles WHERE topic = 't'")
    }
    assert sorted(got) == ["L1", "L2", "L4", "L5", "L6", "L7", "L8"]  # 16 rows of 8 items
    facts = {
        key: (r["first_seen"], r["last_seen"], r["days_seen"], r["is_duplicate"],
              r["days_on_page"], r["first_on_page"], r["last_on_page"])
        for key, r in got.items()
    }  # fmt: skip
    assert facts == {
        "L1": (D0, D2, 3, False, 2, D0, D2),
        "L2": (D0, D1, 2, False, 1, D0, D0),  # kept from feed a, a copy from feed b
        "L4": (D1, D2, 2, False, 1, D1, D1),
        "L5": (D1, D2, 2, True, 0, None, None),
        "L6": (D1, D2, 2, False, 1, D1, D1),
        "L7": (D1, D2, 2, False, 0, None, None),
        "L8": (D2, D2, 1, False, 1, D2, D2),
    }
    assert got["L2"]["feed_perspectives"] == ["a", "b"]
    assert (got["L2"]["side"], got["L2"]["country"]) == ("b", "BB")
    assert (got["L5"]["duplicate_of"], got["L5"]["duplicate_method"]) == (link("L1"), "title_fuzzy")
    assert got["L1"]["duplicate_of"] is None and got["L1"]["ownership"] == "state"
    # described as of the last day that read it: placed by the model on D2
    l7 = got["L7"]
    assert (l7["side"], l7["country"], l7["classify_method"]) == ("a", "AA", "llm")
    assert [k for k, r in sorted(got.items()) if r["on_page"]] == ["L1", "L2", "L4", "L6", "L8"]


def test_daily_side_country_counts_count_each_article_once(hand_built):
    got = hand_built.execute(
        "SELECT day, side, country, articles, unique_articles, duplicates, selected"
        " FROM daily_side_country_counts ORDER BY ALL"
    ).fetchall()
    assert got == [
        (D0, "a", "AA", 1, 1, 0, 1),
        (D0, "b", "BB", 1, 1, 0, 1),  # L2: two items, one article
        (D1, "a", "AA", 2, 1, 1, 0),  # L5 (a copy), L7
        (D1, "b", "BB", 1, 1, 0, 1),
        (D1, "international", "GB", 1, 1, 0, 1),
        (D2, "b", "BB", 1, 1, 0, 1),
    ]


def test_perspective_purity(hand_built):
    got = hand_built.execute(
        "SELECT logical_date, side, placed, placed_country_true, placed_purity, feed_articles,"
        " feed_on_side, feed_other_side, feed_international, feed_unknown, feed_purity,"
        " international_share, unknown_share FROM perspective_purity ORDER BY logical_date, side"
    ).fetchall()
    assert got == [
        (D0, "a", 1, 1, 1.0, 2, 1, 1, 0, 0, 0.5, 0.0, 0.0),  # L1, and L2 (a Beta) new in feed a
        (D0, "b", 1, 1, 1.0, 0, 0, 0, 0, 0, None, None, None),  # L2 from feed b is a copy
        # feed a's new articles L6 (GB) and L7 (unknown that day); the page breaks the rule
        (D1, "a", 1, 0, 0.0, 2, 0, 0, 1, 1, 0.0, 0.5, 0.5),
        (D1, "b", 1, 1, 1.0, 1, 1, 0, 0, 0, 1.0, 0.0, 0.0),
        (D2, "a", 1, 1, 1.0, 0, 0, 0, 0, 0, None, None, None),  # L1 again: not new
        (D2, "b", 1, 1, 1.0, 1, 1, 0, 0, 0, 1.0, 0.0, 0.0),
    ]


def test_duplicates_removed_counts_each_copy_once(hand_built):
    got = hand_built.execute(
        "SELECT logical_date, method, removed, kept_articles, fetched, removed_share,"
        " avg_score, min_score FROM duplicates_removed ORDER BY ALL"
    ).fetchall()
    assert got == [
        (D0, "link", 1, 1, 3, 0.3333, 1.0, 1.0),  # x3 (dropped again on D1); x1-x3 new
        (D1, "title_fuzzy", 1, 1, 4, 0.25, 0.9, 0.9),  # x5; x4-x7 new
    ]


def test_llm_cost_daily(hand_built):
    got = rows(hand_built, "SELECT * FROM llm_cost_daily ORDER BY day, model")
    assert got == [
        {
            "day": D0,
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
            "day": D0,
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


def test_outlet_leaderboard_counts_each_article_once(hand_built):
    got = hand_built.execute(
        "SELECT rank, outlet, country, side, ownership, articles, selected, selected_share,"
        " pages, days_published, first_seen, last_seen FROM outlet_leaderboard"
        " WHERE topic = 't' ORDER BY rank"
    ).fetchall()
    assert got == [
        (1, "Beta", "BB", "b", "private", 3, 3, 1.0, 3, 3, D0, D2),  # L2, L4, L8
        # Alpha and Gamma tie on selected and articles: by name. Alpha: L1 on two pages
        (2, "Alpha", "AA", "a", "state", 1, 1, 1.0, 2, 1, D0, D2),
        (3, "Gamma", "GB", "international", "private", 1, 1, 1.0, 1, 1, D1, D2),
        (4, "Mystery", "AA", "a", "unknown", 1, 0, 0.0, 0, 1, D1, D2),
    ]


# What the views count, counted from the tables directly: each must be the distinct count.
DISTINCT = {
    "articles": "SELECT count(DISTINCT coalesce(link, guid, article_id)) FROM articles",
    "kept articles": """
        SELECT count(DISTINCT coalesce(a.link, a.guid, a.article_id)) FROM articles a
        ANTI JOIN duplicates d USING (topic, logical_date, article_id)""",
    "listed articles": """
        SELECT count(DISTINCT coalesce(a.link, a.guid, a.article_id)) FROM selections s
        JOIN articles a USING (topic, logical_date, article_id)""",
    "copies": "SELECT count(DISTINCT article_id) FROM duplicates",
}


@pytest.mark.parametrize(
    ("view_total", "distinct"),
    [
        ("SELECT count(*) FROM enriched_articles", "articles"),
        ("SELECT count(*) FILTER (WHERE on_page) FROM enriched_articles", "listed articles"),
        ("SELECT sum(articles) FROM daily_side_country_counts", "articles"),
        ("SELECT sum(unique_articles) FROM daily_side_country_counts", "kept articles"),
        ("SELECT sum(selected) FROM daily_side_country_counts", "listed articles"),
        ("SELECT sum(articles) FROM outlet_leaderboard", "kept articles"),
        ("SELECT sum(selected) FROM outlet_leaderboard", "listed articles"),
        ("SELECT sum(feed_articles) FROM perspective_purity", "kept articles"),
        ("SELECT sum(removed) FROM duplicates_removed", "copies"),
    ],
    ids=lambda v: v if " " not in v or len(v) < 20 else v.split(" FROM ")[1].split()[0],
)  # fmt: skip
def test_sums_over_overlapping_days_are_distinct_counts(hand_built, view_total, distinct):
    (total,) = hand_built.execute(f"SELECT sum(n) FROM ({view_total}) t(n)").fetchone()
    (expected,) = hand_built.execute(DISTINCT[distinct]).fetchone()
    assert total == expected


def test_views_are_documented_in_the_readme():
    readme = (storage.SQL_DIR.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Analyst queries", 1)[1].split("\n## ", 1)[0]
    for name in VIEWS:
        assert f"`{name}`" in section


def test_perspective_purity_counts_each_sides_off_topic_articles_once(hand_built):
    got = hand_built.execute(
        "SELECT logical_date, side, side_judged, side_off_topic, off_topic_share"
        " FROM perspective_purity WHERE side_judged > 0 ORDER BY logical_date, side"
    ).fetchall()
    assert got == [
        (D0, "a", 1, 0, 0.0),  # x1
        (D0, "b", 1, 0, 0.0),  # x2 (x3 is its copy)
        (D1, "b", 1, 1, 1.0),  # x4, first fetched on D1
        (D2, "b", 1, 0, 0.0),  # x8
    ]


def test_relevance_decisions(hand_built):
    got = hand_built.execute(
        "SELECT logical_date, article_id, side, on_topic, is_duplicate, is_listed"
        " FROM relevance_decisions ORDER BY logical_date, article_id"
    ).fetchall()
    assert got == [
        (D0, "x1", "a", True, False, True),
        (D0, "x2", "b", True, False, True),
        (D0, "x3", "b", True, True, False),
        (D1, "x4", "b", False, False, True),
        (D1, "x6", "international", True, False, True),
        (D1, "x7", "unknown", False, False, False),
        (D2, "x4", "b", False, False, False),
        (D2, "x8", "b", True, False, True),
    ]


def test_page_articles_marks_continuing_articles(hand_built):
    hand_built.execute(
        "UPDATE selections SET continuing = true WHERE article_id = 'x1' AND logical_date = ?",
        [D2],
    )
    got = hand_built.execute(
        "SELECT logical_date, article_id, continuing FROM page_articles"
        " WHERE article_id = 'x1' ORDER BY logical_date"
    ).fetchall()
    assert got == [(D0, "x1", False), (D2, "x1", True)]
