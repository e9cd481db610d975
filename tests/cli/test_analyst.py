"""`parallax sql`, `parallax export`, `parallax import-seed` (parallax/cli/analyst.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from parallax import storage
from parallax.cli.app import app
from tests.support.paths import DATA
from tests.support.processes import holding_database

runner = CliRunner()
SEED_PAGES = DATA / "seed_pages"
SEED_EXPECTED = DATA / "seed_expected"
D = dt.date(2026, 2, 7)


@pytest.fixture
def small_db(db_path: Path) -> Path:
    with storage.connect(db_path) as con:
        storage.migrate(con)
        con.execute(
            "INSERT INTO runs (run_id, topic, logical_date, kind, status, started_at, counts)"
            " VALUES ('r1', 'us-china', ?, 'daily', 'succeeded', ?, '{\"articles\": 2}'),"
            " ('r2', 'venezuela', ?, 'daily', 'failed', ?, NULL)",
            [
                D,
                dt.datetime(2026, 2, 7, 4, tzinfo=dt.UTC),
                D,
                dt.datetime(2026, 2, 7, 5, tzinfo=dt.UTC),
            ],
        )
    return db_path


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


# --- sql ----------------------------------------------------------------------------------------

QUERY = "SELECT run_id, topic, logical_date, status, counts FROM runs ORDER BY run_id"


def test_sql_prints_a_table(small_db: Path):
    code, out = invoke("sql", QUERY, "--db", str(small_db))
    assert code == 0, out
    lines = out.splitlines()
    header = next(line for line in lines if "run_id" in line)
    assert all(c in header for c in ("topic", "logical_date", "status", "counts"))
    r1 = next(line for line in lines if "r1" in line)
    assert "us-china" in r1 and "2026-02-07" in r1 and "succeeded" in r1
    assert lines[-1] == "2 rows"


def test_sql_csv(small_db: Path):
    code, out = invoke("sql", QUERY, "--db", str(small_db), "--csv")
    assert code == 0, out
    assert list(csv.reader(io.StringIO(out))) == [
        ["run_id", "topic", "logical_date", "status", "counts"],
        ["r1", "us-china", "2026-02-07", "succeeded", '{"articles": 2}'],
        ["r2", "venezuela", "2026-02-07", "failed", ""],
    ]


def test_sql_json_keeps_types(small_db: Path):
    code, out = invoke("sql", QUERY + " LIMIT 1", "--db", str(small_db), "--json")
    assert code == 0, out
    assert json.loads(out) == [
        {
            "run_id": "r1",
            "topic": "us-china",
            "logical_date": "2026-02-07",
            "status": "succeeded",
            "counts": {"articles": 2},  # a JSON column is JSON, not a string of JSON
        }
    ]


def test_sql_reads_the_views(small_db: Path):
    code, out = invoke(
        "sql", "SELECT count(*) AS n FROM perspective_purity", "--db", str(small_db), "--csv"
    )
    assert (code, out) == (0, "n\n0\n")


def test_sql_is_read_only(small_db: Path):
    code, out = invoke("sql", "DELETE FROM runs", "--db", str(small_db))
    assert code == 1
    assert "read-only" in out.lower() and "Traceback" not in out
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)


def test_sql_bad_query_and_missing_db_are_one_line(small_db: Path, tmp_path: Path):
    code, out = invoke("sql", "SELEC 1", "--db", str(small_db))
    assert code == 1 and out.startswith("error: ParserException") and len(out.splitlines()) == 1
    code, out = invoke("sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and "does not exist" in out and len(out.splitlines()) == 1


@pytest.fixture
def writer_holding(small_db: Path) -> Iterator[int]:
    """Another process with the database open for writing, as during a pipeline run."""
    with holding_database(small_db) as holder:
        yield holder.pid


def test_sql_while_a_run_writes_fails_with_one_clear_line(small_db: Path, writer_holding: int):
    code, out = invoke("sql", "SELECT 1", "--db", str(small_db), "--wait", "0.3")
    assert code == 1
    (line,) = out.splitlines()
    assert line.startswith(f"error: {small_db} is in use by process {writer_holding}: ")
    assert "import duckdb" in line  # who holds it: the holder's command line
    assert line.endswith(
        "(a pipeline run, or a duckdb shell open for writing); DuckDB lets no reader in while a "
        "writer holds the file. Re-run when it has finished, or add --wait SECONDS."
    )
    code, out = invoke("export", "--out", str(small_db.parent / "x"), "--db", str(small_db))
    assert code == 1 and "is in use by process" in out


# --- export -------------------------------------------------------------------------------------


def test_export_parquet_matches_the_database(small_db: Path, tmp_path: Path):
    with storage.connect(small_db) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    out = tmp_path / "export"
    code, output = invoke("export", "--format", "parquet", "--out", str(out), "--db", str(small_db))
    assert code == 0, output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "parquet"
    assert sorted(e["table"] for e in manifest["tables"]) == sorted(tables)
    with storage.connect(small_db, read_only=True) as con:
        for entry in manifest["tables"]:
            table = pq.read_table(out / entry["file"])
            expected = con.execute(f'SELECT count(*) FROM "{entry["table"]}"').fetchone()[0]  # type: ignore[index]
            assert table.num_rows == entry["rows"] == expected
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    assert sorted(r["run_id"] for r in runs) == ["r1", "r2"]
    assert f"exported {len(tables)} tables" in output


def test_export_writes_every_view_with_its_docs(small_db: Path, tmp_path: Path):
    with storage.connect(small_db, read_only=True) as con:
        views = [r[0] for r in con.execute(storage.query("export_views")).fetchall()]
    assert "enriched_articles" in views and "article_days" in views
    out = tmp_path / "export"
    code, output = invoke("export", "--out", str(out), "--db", str(small_db))
    assert code == 0, output
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(e["view"] for e in manifest["views"]) == sorted(views)
    runs = next(e for e in manifest["views"] if e["view"] == "enriched_articles")
    assert runs["file"] == "enriched_articles.parquet" and runs["rows"] == 0
    assert runs["description"].startswith("Every article once")
    assert runs["columns"]["first_seen"] == "first digest day that fetched it"
    assert pq.read_table(out / "enriched_articles.parquet").column_names[:2] == [
        "topic",
        "article_key",
    ]
    assert f"and {len(views)} views to" in output


def test_export_csv(small_db: Path, tmp_path: Path):
    out = tmp_path / "csv"
    code, output = invoke("export", "--format", "csv", "--out", str(out), "--db", str(small_db))
    assert code == 0, output
    with (out / "runs.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["run_id"] for r in rows] == ["r1", "r2"]
    entry = next(
        e for e in json.loads((out / "manifest.json").read_text())["tables"] if e["table"] == "runs"
    )
    assert entry == {
        "table": "runs",
        "file": "runs.csv",
        "rows": 2,
        "bytes": (out / "runs.csv").stat().st_size,
    }


# --- import-seed --------------------------------------------------------------------------------


def seed_counts(db: Path) -> tuple:
    with storage.connect(db, read_only=True) as con:
        return con.execute(
            "SELECT (SELECT count(*) FROM seed_digests), (SELECT count(*) FROM seed_articles),"
            " (SELECT count(DISTINCT import_id) FROM seed_articles)"
        ).fetchone()  # type: ignore[return-value]


def test_import_seed_fixtures_and_reimport_replaces(db_path: Path, tmp_path: Path):
    code, out = invoke("import-seed", str(SEED_PAGES), "--db", str(db_path))
    assert code == 0, out
    assert "imported 5 pages, 16 articles" in out and "0 page(s) failed" in out
    assert "import-seed 5/5 pages read" in out
    assert seed_counts(db_path) == (5, 16, 1)
    with storage.connect(db_path, read_only=True) as con:
        expected = json.loads((SEED_EXPECTED / "us-china" / "2026-02-07.json").read_text())
        got = con.execute(
            "SELECT format, source_file, perspective_counts, highlights, sources"
            " FROM seed_digests WHERE topic = 'us-china'"
        ).fetchone()
        assert got is not None
        assert got[:2] == ("current", "us-china/2026-02-07.md")
        assert (
            json.loads(got[2]) == expected["digest"]["perspective_counts"] == {"us": 2, "china": 2}
        )
        assert got[3] == expected["digest"]["highlights"]
        assert got[4] == expected["digest"]["sources"]
        assert con.execute(
            "SELECT position, feed_perspective, perspective_basis, locale FROM seed_articles"
            " WHERE topic = 'venezuela' AND digest_date = '2025-10-12' ORDER BY position"
        ).fetchall() == [
            (1, "venezuelan", "locale", "es-VE"),
            (2, "international", "locale", "en-US"),
            (3, "venezuelan", "locale", "es-VE"),
            (4, "international", "locale", "en-US"),
        ]

    # The same folder again: same rows, now all from the second import.
    code, out = invoke("import-seed", str(SEED_PAGES), "--db", str(db_path))
    assert code == 0 and seed_counts(db_path) == (5, 16, 1)

    # A page that now lists fewer articles leaves none of its old rows behind.
    pages = tmp_path / "pages"
    shutil.copytree(SEED_PAGES / "us-china", pages / "us-china")
    page = pages / "us-china" / "2026-02-07.md"
    text = page.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("4. ")) + "\n"
    for old, new in [
        ("chinaSources: 2", "chinaSources: 1"),
        ('name: "China"\n    count: 2', 'name: "China"\n    count: 1'),
        ("articleCount: 4", "articleCount: 3"),
    ]:
        assert old in text
        text = text.replace(old, new)
    page.write_text(text, encoding="utf-8")
    code, out = invoke("import-seed", str(pages), "--db", str(db_path))
    assert code == 0, out
    assert "imported 1 pages, 3 articles" in out
    assert seed_counts(db_path) == (5, 15, 2)
    with storage.connect(db_path, read_only=True) as con:
        assert con.execute(
            "SELECT max(position), count(*) FROM seed_articles WHERE topic = 'us-china'"
        ).fetchone() == (3, 3)


def test_import_seed_publishes_the_analysts_copy(db_path: Path):
    code, out = invoke("import-seed", str(SEED_PAGES))  # PARALLAX_DB is db_path
    assert code == 0, out
    code, out = invoke("sql", "SELECT count(*) AS n FROM seed_articles", "--csv")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("(analysts' copy ")  # what analysts read, not the main file
    assert lines[1:] == ["n", "16"]


def test_import_seed_reports_a_bad_page_and_imports_the_rest(db_path: Path, tmp_path: Path):
    pages = tmp_path / "pages"
    shutil.copytree(SEED_PAGES, pages)
    bad = pages / "us-china" / "2026-02-08.md"
    bad.write_text("## Overall Highlights\n\n- no front matter here\n", encoding="utf-8")
    code, out = invoke("import-seed", str(pages), "--db", str(db_path))
    assert code == 1
    assert f"skipped {bad}: no YAML front matter between '---' lines at the top" in out
    assert "imported 5 pages, 16 articles" in out and "1 page(s) failed" in out
    assert "Traceback" not in out
    assert seed_counts(db_path)[:2] == (5, 16)


def test_import_seed_missing_folder_is_one_line(db_path: Path, tmp_path: Path):
    code, out = invoke("import-seed", str(tmp_path / "absent"), "--db", str(db_path))
    assert code == 1 and out.strip() == f"error: seed pages folder not found: {tmp_path / 'absent'}"


@pytest.mark.corpus
@pytest.mark.slow
def test_import_seed_whole_corpus_without_loss(corpus_dir: Path, db_path: Path):
    code, out = invoke("import-seed", str(corpus_dir / "pages"), "--db", str(db_path))
    assert code == 0, out
    assert "imported 913 pages, 18,220 articles" in out
    with storage.connect(db_path, read_only=True) as con:
        con.execute(
            "CREATE TEMP TABLE expected AS SELECT * FROM read_csv(?, all_varchar = true)",
            [str(corpus_dir / "articles.csv")],
        )
        assert con.execute(
            "SELECT count(*), count(DISTINCT (topic, digest_date)) FROM seed_articles"
        ).fetchone() == (18_220, 913)
        # Every corpus row is in the database with the same values.
        missing = con.execute(
            "SELECT count(*) FROM expected e ANTI JOIN seed_articles s"
            " ON s.topic = e.topic AND s.digest_date::VARCHAR = e.digest_date"
            " AND s.position::VARCHAR = e.position AND s.link = e.link"
            " AND s.source_name = e.source_name AND s.title = e.title"
            " AND coalesce(s.feed_perspective, '') = coalesce(e.feed_perspective, '')"
        ).fetchone()
        assert missing == (0,)


def test_sql_reads_the_analysts_copy_while_a_writer_holds_the_database(small_db: Path):
    from parallax.storage.analyst_copy import publish_analyst_copy

    publish_analyst_copy(small_db)  # what every run does when it ends
    with storage.connect(small_db) as con:  # a run writing the system of record right now
        con.execute("UPDATE runs SET status = 'running' WHERE run_id = 'r1'")
        holder = subprocess.Popen(
            [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(small_db)!r});"
             " print('ready', flush=True); time.sleep(30)"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, out = invoke("sql", "SELECT run_id, status FROM runs ORDER BY run_id", "--csv")
    finally:
        holder.kill()
        holder.wait()
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("(analysts' copy ") and "published 20" in lines[0]
    assert lines[1:] == ["run_id,status", "r1,succeeded", "r2,failed"]  # as of the copy
