"""Time every analyst view (sql/views) on a database of 1M synthetic articles.

    python benchmarks/views.py [--articles 1000000] [--db PATH] [--repeat 3]

Builds the schema with the real migrations and views, fills it in DuckDB SQL (INSERT … SELECT
from range(), no Python loops): article rows over 5 topics × 365 days, each article fetched by
the 5 digests whose window covers it (as the pipeline does: 1M rows are 200k articles), one
perspective row per article row, ~2% duplicates, 20 selections per topic-day, 3 LLM calls per
topic-day (one a cache hit), one run per topic-day. Then runs, per view, `SELECT count(*)` and a
typical analyst aggregate, and prints the median of --repeat runs. Target: < 1 s each. Exits 1
when a query misses it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from parallax import storage

TARGET_S = 1.0
TOPICS = 5
DAYS = 365
WINDOW = 5  # digest days that fetch each article (max_age_days)

# One typical question per view, as an analyst would ask it.
QUERIES: dict[str, list[str]] = {
    "article_days": [
        "SELECT count(*) FROM article_days",
        "SELECT * FROM article_days WHERE topic = 'topic-2' AND logical_date = DATE"
        " '2026-03-01' ORDER BY number NULLS LAST",
    ],
    "enriched_articles": [
        "SELECT count(*) FROM enriched_articles",
        "SELECT topic, side, country, count(*) AS n, count(*) FILTER (WHERE on_page) AS sel"
        " FROM enriched_articles WHERE NOT is_duplicate GROUP BY ALL ORDER BY n DESC LIMIT 20",
        "SELECT days_on_page, count(*) FROM enriched_articles GROUP BY ALL ORDER BY ALL",
    ],
    "daily_side_country_counts": [
        "SELECT count(*) FROM daily_side_country_counts",
        "SELECT day, side, sum(unique_articles) FROM daily_side_country_counts"
        " WHERE topic = 'topic-0' GROUP BY ALL ORDER BY 1, 2",
    ],
    "perspective_purity": [
        "SELECT count(*) FROM perspective_purity",
        "SELECT topic, side, sum(feed_on_side) / sum(feed_articles), min(placed_purity)"
        " FROM perspective_purity GROUP BY ALL ORDER BY ALL",
    ],
    "duplicates_removed": [
        "SELECT count(*) FROM duplicates_removed",
        "SELECT topic, method, sum(removed), avg(removed_share) FROM duplicates_removed"
        " GROUP BY ALL ORDER BY ALL",
    ],
    "llm_cost_daily": [
        "SELECT count(*) FROM llm_cost_daily",
        "SELECT model, sum(calls), sum(cache_hits), sum(total_tokens), sum(cost_usd)"
        " FROM llm_cost_daily GROUP BY ALL",
    ],
    "outlet_leaderboard": [
        "SELECT count(*) FROM outlet_leaderboard",
        "SELECT * FROM outlet_leaderboard WHERE rank <= 10 ORDER BY topic, rank",
    ],
}

FILL = [
    # articles: n rows; topic-day i // per_day; 2,000 outlets; feed side alternates. Row j of
    # a topic-day is an article published `j % window` days before it: each article (item)
    # is fetched by the `window` digests whose window covers it, as the same feed item.
    """
    INSERT INTO articles
    SELECT topic, logical_date, 'a' || item AS article_id, 'run-' || td AS run_id,
           'f-' || td || '-' || (item % 2) AS fetch_id,
           CASE WHEN item % 2 = 0 THEN 'side-a' ELSE 'side-b' END AS feed_perspective,
           'en', 'US', CAST(j AS INTEGER),
           'guid-' || item, 'https://news.example/' || item,
           'Headline number ' || item,
           'Headline number ' || item || ' - Outlet ' || (hash(item) % 2000),
           NULL,
           'Outlet ' || (hash(item) % 2000), NULL, 'outlet' || (hash(item) % 2000) || '.example',
           TIMESTAMPTZ '2025-08-01 00:00:00+00' + to_days(CAST(published_day AS INTEGER))
               + to_minutes(CAST(item % 1440 AS INTEGER))
    FROM (
        SELECT td, j, 'topic-' || (td % $topics) AS topic,
               DATE '2025-08-01' + CAST(td // $topics AS INTEGER) AS logical_date,
               td // $topics - j % $window AS published_day,
               ((td // $topics - j % $window) * $per_day + j // $window) * $topics
                   + td % $topics AS item
        FROM (SELECT range // $per_day AS td, range % $per_day AS j FROM range($n))
    )
    """,
    # one perspective row per article: country by outlet; 10% unknown, 15% international
    """
    INSERT INTO article_perspectives
    SELECT topic, logical_date, article_id, run_id,
           CASE WHEN o < 200 THEN NULL WHEN o < 500 THEN 'GB'
                WHEN o % 2 = 0 THEN 'AA' ELSE 'BB' END AS country,
           CASE WHEN o < 200 THEN 'unknown' ELSE 'outlet' END,
           CASE WHEN o < 200 THEN NULL ELSE source_name END,
           CASE WHEN o < 200 THEN 'unknown' WHEN o % 7 = 0 THEN 'state' ELSE 'private' END,
           CASE WHEN o < 200 THEN 'none' ELSE 'domain' END,
           CASE WHEN o < 200 THEN 0.0 ELSE 0.99 END,
           'synthetic',
           CASE WHEN o < 200 THEN 'unknown' WHEN o < 500 THEN 'international'
                WHEN o % 2 = 0 THEN 'side-a' ELSE 'side-b' END
    FROM (SELECT *, CAST(hash(CAST(substr(article_id, 2) AS BIGINT)) % 2000 AS INTEGER) AS o
          FROM articles)
    """,
    # ~2% duplicates of the previous article, three methods
    """
    INSERT INTO duplicates
    SELECT topic, logical_date, article_id, run_id,
           'a' || (CAST(substr(article_id, 2) AS BIGINT) - 1),
           ['guid', 'link', 'title_exact'][
               CAST(CAST(substr(article_id, 2) AS BIGINT) % 3 AS INTEGER) + 1],
           1.0
    FROM articles WHERE CAST(substr(article_id, 2) AS BIGINT) % 50 = 7
    """,
    # 20 selections per topic-day: the first 10 non-duplicate articles of each side
    """
    INSERT INTO selections
    SELECT topic, logical_date, article_id, run_id, side,
           CAST(row_number() OVER (PARTITION BY topic, logical_date ORDER BY side, r) AS INTEGER),
           CAST(r AS INTEGER)
    FROM (
        SELECT p.*, p.perspective AS side, row_number() OVER (
            PARTITION BY p.topic, p.logical_date, p.perspective ORDER BY p.article_id) AS r
        FROM article_perspectives p
        ANTI JOIN duplicates d USING (topic, logical_date, article_id)
        WHERE p.perspective IN ('side-a', 'side-b'))
    WHERE r <= 10
    """,
    """
    INSERT INTO runs
    SELECT DISTINCT run_id, topic, logical_date, 'daily', 'succeeded',
           logical_date::TIMESTAMPTZ, logical_date::TIMESTAMPTZ + INTERVAL 1 MINUTE,
           NULL, NULL, 'llm:openai/gpt-4o-mini', NULL, NULL
    FROM articles
    """,
    # 3 LLM events per topic-day: a call, a repair call (every 5th day fails), a cache hit
    """
    INSERT INTO llm_calls
    SELECT uuid()::VARCHAR, r.run_id, 'summarize:' || r.topic || ':' || r.logical_date || k.suffix,
           CASE WHEN hash(r.run_id) % 3 = 0 THEN 'openai/gpt-4o' ELSE 'openai/gpt-4o-mini' END,
           NULL, md5(r.run_id || k.suffix), k.attempt, k.hit, '[]', '{}', 'x', NULL,
           CASE WHEN k.attempt = 2 AND hash(r.run_id) % 5 = 0 THEN ['bad citation'] ELSE [] END,
           CASE WHEN k.hit THEN 0 ELSE 3000 END, CASE WHEN k.hit THEN 0 ELSE 500 END,
           CASE WHEN k.hit THEN 0 ELSE 0.00075 END, 1500.0, NULL,
           r.started_at + INTERVAL 10 SECOND
    FROM runs r,
         (VALUES ('', 1, false), (':repair', 2, false), ('', 0, true)) k(suffix, attempt, hit)
    """,
]


def build(path: Path, n: int) -> dict[str, int]:
    per_day = max(n // (TOPICS * DAYS), 1)
    with storage.connect(path) as con:
        storage.migrate(con)
        for sql in FILL:
            sql = (
                sql.replace("$topics", str(TOPICS))
                .replace("$per_day", str(per_day))
                .replace("$window", str(WINDOW))
                .replace("$n", str(n))
            )
            con.execute(sql)
        con.execute("CHECKPOINT")
        tables = ["articles", "article_perspectives", "duplicates", "selections", "runs"]
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in [*tables, "llm_calls"]
        }


def time_query(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> tuple[float, int]:
    times = []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(con.execute(sql).fetchall())
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="keep the database here (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "views-bench.duckdb"
        if path.exists():
            path.unlink()
        started = time.perf_counter()
        counts = build(path, args.articles)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s:")
        print("  " + ", ".join(f"{t} {c:,}" for t, c in counts.items()))
        print(f"  {path.stat().st_size / 1e6:.0f} MB; median of {args.repeat} runs per query\n")

        slow = 0
        worst = 0.0
        with storage.connect(path, read_only=True) as con:
            for view, queries in QUERIES.items():
                for sql in queries:
                    seconds, rows = time_query(con, sql, args.repeat)
                    worst = max(worst, seconds)
                    flag = "ok " if seconds < TARGET_S else "SLOW"
                    slow += seconds >= TARGET_S
                    short = sql if len(sql) <= 70 else sql[:67] + "..."
                    print(f"{flag} {seconds:6.3f} s  {rows:>7,} rows  {view:<26} {short}")
        print(
            f"\n{'OK' if not slow else 'FAILED'}: slowest query {worst:.3f} s, "
            f"{slow} over the {TARGET_S:.0f} s target"
        )
        return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
