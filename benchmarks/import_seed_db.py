"""`parallax import-seed` on the whole corpus: every page and article reaches DuckDB, no loss.

    python benchmarks/import_seed_db.py [--corpus ../shared/corpus]

Imports <corpus>/pages into a temporary database with the real command (twice: the second run
must replace, not add), then compares seed_digests with <corpus>/digests.jsonl and seed_articles
with <corpus>/articles.csv (every column) in SQL. Prints figures and timing; exits 1 on any
difference, 0 when all agree or when the corpus is absent (with a message).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from typer.testing import CliRunner

from parallax import storage
from parallax.cli.app import app

DEFAULT_CORPUS = Path(
    os.environ.get(
        "PARALLAX_SEED_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
)
ARTICLE_COLUMNS = [
    "topic",
    "digest_date",
    "position",
    "feed_perspective",
    "locale",
    "title",
    "link",
    "source_name",
    "published_date",
    "perspective_basis",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    pages = args.corpus / "pages"
    if not pages.is_dir():
        print(f"SKIP: no seed pages at {pages} (pass --corpus or set PARALLAX_SEED_CORPUS)")
        return 0

    runner = CliRunner()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "seed.duckdb"
        for attempt in ("first import", "re-import"):
            started = time.perf_counter()
            result = runner.invoke(app, ["import-seed", str(pages), "--db", str(db)])
            seconds = time.perf_counter() - started
            summary = result.output.strip().splitlines()[-1]
            print(f"{attempt:<13} {seconds:5.2f} s  exit {result.exit_code}  {summary}")
            if result.exit_code != 0:
                problems.append(f"{attempt} exited {result.exit_code}")

        with storage.connect(db, read_only=True) as con:
            con.execute(
                "CREATE TEMP TABLE want_articles AS SELECT * FROM read_csv(?, all_varchar=true)",
                [str(args.corpus / "articles.csv")],
            )
            con.execute(
                "CREATE TEMP TABLE want_digests AS SELECT * FROM read_json(?, format="
                "'newline_delimited', columns={topic: 'VARCHAR', digest_date: 'VARCHAR',"
                " format: 'VARCHAR', articleCount: 'INTEGER', article_count_listed: 'INTEGER',"
                " perspective_counts: 'JSON'})",
                [str(args.corpus / "digests.jsonl")],
            )
            figures = {
                "pages in digests.jsonl": "SELECT count(*) FROM want_digests",
                "pages in seed_digests": "SELECT count(*) FROM seed_digests",
                "articles in articles.csv": "SELECT count(*) FROM want_articles",
                "articles in seed_articles": "SELECT count(*) FROM seed_articles",
            }
            values = {}
            for label, sql in figures.items():
                values[label] = con.execute(sql).fetchone()[0]  # type: ignore[index]
                print(f"{label:<26} {values[label]:>7,}")
            got = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '') AS {c}" for c in ARTICLE_COLUMNS)
            want = ", ".join(f"coalesce({c}, '') AS {c}" for c in ARTICLE_COLUMNS)
            checks = {
                "articles.csv rows missing from seed_articles": (
                    f"SELECT count(*) FROM (SELECT {want} FROM want_articles"
                    f" EXCEPT ALL SELECT {got} FROM seed_articles)"
                ),
                "seed_articles rows not in articles.csv": (
                    f"SELECT count(*) FROM (SELECT {got} FROM seed_articles"
                    f" EXCEPT ALL SELECT {want} FROM want_articles)"
                ),
                "digests differing from digests.jsonl": (
                    "SELECT count(*) FROM want_digests w FULL JOIN seed_digests s"
                    " ON s.topic = w.topic AND CAST(s.digest_date AS VARCHAR) = w.digest_date"
                    " WHERE s.topic IS NULL OR w.topic IS NULL OR s.format <> w.format"
                    " OR s.article_count <> w.articleCount"
                    " OR s.article_count_listed <> w.article_count_listed"
                    " OR json(s.perspective_counts) <> json(w.perspective_counts)"
                ),
            }
            for label, sql in checks.items():
                n = con.execute(sql).fetchone()[0]  # type: ignore[index]
                print(f"{label:<46} {n}")
                if n:
                    problems.append(f"{n} {label}")
            by_format = con.execute(
                "SELECT format, count(*) FROM seed_digests GROUP BY ALL ORDER BY ALL"
            ).fetchall()
            print("formats: " + ", ".join(f"{f} {n}" for f, n in by_format))
            print(f"database: {db.stat().st_size / 1e6:.1f} MB")
        if values["pages in seed_digests"] != values["pages in digests.jsonl"]:
            problems.append("page count differs")
        if values["articles in seed_articles"] != values["articles in articles.csv"]:
            problems.append("article count differs")

    if problems:
        print("\nFAILED: " + "; ".join(problems))
        return 1
    print("\nOK: every page and every article of the corpus is in DuckDB, once, unchanged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
