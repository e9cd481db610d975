"""The lake backend end to end (DuckLake on a real PostgreSQL catalog the tests start): the
same pages as the DuckDB file, re-runs that duplicate nothing, one snapshot per topic-day run,
replay, and writers in several processes at once while a reader attaches the lake."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from parallax import storage
from parallax.cli.demo import SAMPLE_DATE, SampleFeedServer
from parallax.settings import Settings

pytestmark = pytest.mark.slow

TOPICS = ["us-china", "venezuela"]
COUNTED = ("runs", "stage_runs", "raw_fetches", "articles", "duplicates", "story_clusters",
           "article_perspectives", "selections", "summaries", "digests")  # fmt: skip


def _counts(db: str | Path) -> dict[str, int]:
    with storage.connect(db, read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in COUNTED}


def _view_docs(db: str | Path) -> tuple[list[tuple], list[tuple]]:
    """The analyst views with their descriptions, and their columns' (rows on both backends:
    a lake keeps no comment on a view's column)."""
    with storage.connect(db, read_only=True) as con:
        views = con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE database_name = "
            "current_database() AND NOT internal ORDER BY ALL"
        ).fetchall()
        columns = con.execute("SELECT * FROM schema_view_columns ORDER BY ALL").fetchall()
    assert len(views) == 11 and len(columns) > 100
    return views, columns


def _daily(monkeypatch: pytest.MonkeyPatch, content: Path) -> dict[str, bytes]:
    from flows.daily import daily_digest

    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(content))
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        results = daily_digest(topics=TOPICS, date=SAMPLE_DATE)
    assert [r.status for r in results] == ["succeeded"] * len(TOPICS), results
    return {r.topic: Path(r.page).read_bytes() for r in results if r.page}


def test_the_lake_publishes_the_same_pages_once_per_run(
    prefect_harness, lake_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from flows.replay import ReplayError, replay

    monkeypatch.setenv("PARALLAX_FETCH_RETRY_DELAY_S", "0")
    monkeypatch.delenv("PARALLAX_LLM_MODEL", raising=False)
    on_lake = _daily(monkeypatch, tmp_path / "lake-pages")
    first = _counts(lake_url)
    assert first["runs"] == 2 and first["digests"] == 2 and first["articles"] > 0

    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "file.duckdb"))
    on_file = _daily(monkeypatch, tmp_path / "file-pages")
    assert on_lake == on_file  # byte for byte
    assert {t: n for t, n in _counts(tmp_path / "file.duckdb").items()} == first
    assert _view_docs(lake_url) == _view_docs(tmp_path / "file.duckdb")

    monkeypatch.setenv("PARALLAX_DB", lake_url)
    again = _daily(monkeypatch, tmp_path / "lake-pages")
    assert again == on_lake
    second = _counts(lake_url)
    # A re-run replaces its days: only the history (ledger, fetch log) grows.
    assert {t: second[t] for t in COUNTED if t not in ("runs", "stage_runs", "raw_fetches")} == {
        t: first[t] for t in COUNTED if t not in ("runs", "stage_runs", "raw_fetches")
    }
    assert second["runs"] == 4

    with storage.connect(lake_url, read_only=True) as con:
        run_ids = {r for (r,) in con.execute("SELECT run_id FROM runs").fetchall()}
        messages = [m for (m,) in con.execute(
            "SELECT commit_message FROM lake.snapshots() WHERE commit_message IS NOT NULL"
        ).fetchall()]  # fmt: skip
    # One snapshot per topic-day run, named after it.
    assert sorted(m.rsplit(" ", 1)[1] for m in messages) == sorted(run_ids)
    assert all(m.startswith("daily ") for m in messages)

    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(tmp_path / "lake-pages"))
    replayed = replay(topic="us-china", date=SAMPLE_DATE)
    assert replayed.status == "succeeded" and replayed.diff == ""
    assert _counts(lake_url)["digests"] == 2

    # Replay reads a past snapshot: the first daily run's, or one from before the day existed.
    with storage.connect(lake_url, read_only=True) as con:
        snapshots = con.execute(
            "SELECT snapshot_id, commit_message FROM lake.snapshots() ORDER BY snapshot_id"
        ).fetchall()
    first_us_china = next(i for i, m in snapshots if m and m.startswith("daily us-china"))
    past = replay(topic="us-china", date=SAMPLE_DATE, snapshot=first_us_china)
    assert past.status == "succeeded" and past.diff == ""
    with pytest.raises(ReplayError, match="as of snapshot"):
        replay(topic="us-china", date=SAMPLE_DATE, snapshot=first_us_china - 1)


def _write_days(url: str, data_path: str, worker: int, days: int) -> None:
    """One writer process: its own topic's days, each replaced as a run would (with retries)."""
    from parallax.storage import lake

    storage.configure(lake_data_path=data_path)
    for i in range(days):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i)
        with storage.connect(url) as con:

            def replace(con: Any = con, day: dt.date = day) -> None:
                with storage.transaction(con):
                    con.execute("DELETE FROM selection_shortfalls WHERE topic = ? AND "
                                "logical_date = ?", [f"t{worker}", day])  # fmt: skip
                    con.execute(
                        "INSERT INTO selection_shortfalls (topic, logical_date, side, run_id, "
                        "quota, available, selected, shortfall) SELECT ?, ?, 'side' || range, "
                        "'r', 1, 1, 1, 0 FROM range(3)",
                        [f"t{worker}", day],
                    )

            lake.retry_conflicts(replace, "test write")


def test_concurrent_writers_conflict_retry_and_write_once_while_a_reader_attaches(
    lake_url: str, tmp_path: Path
):
    with storage.connect(lake_url) as con:
        storage.migrate(con)
    context = multiprocessing.get_context("spawn")
    data_path = str(tmp_path / "lake-data") + "/"
    writers = [context.Process(target=_write_days, args=(lake_url, data_path, w, 8))
               for w in range(3)]  # fmt: skip
    for writer in writers:
        writer.start()
    reads = 0
    while any(w.is_alive() for w in writers):
        with storage.connect(lake_url, read_only=True) as con:  # an analyst, meanwhile
            con.execute("SELECT count(*) FROM selection_shortfalls").fetchall()
            reads += 1
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert reads > 0
    with storage.connect(lake_url, read_only=True) as con:
        rows = con.execute(
            "SELECT topic, count(*), count(DISTINCT (logical_date, side)) FROM "
            "selection_shortfalls GROUP BY topic ORDER BY topic"
        ).fetchall()
    assert rows == [("t0", 24, 24), ("t1", 24, 24), ("t2", 24, 24)]  # nothing lost or doubled


def test_a_lake_backfill_matches_the_file_and_resumes_without_doubling(
    prefect_harness, lake_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from flows.backfill import backfill

    monkeypatch.setenv("PARALLAX_FETCH_RETRY_DELAY_S", "0")
    monkeypatch.delenv("PARALLAX_LLM_MODEL", raising=False)
    first_day = SAMPLE_DATE - dt.timedelta(days=2)
    pages = {}
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        for name, db in (("lake", lake_url), ("file", str(tmp_path / "file.duckdb"))):
            monkeypatch.setenv("PARALLAX_DB", db)
            monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(tmp_path / name))
            # The lake gets its days in two goes, as after a worker was killed mid-backfill.
            if name == "lake":
                part = backfill(start=first_day, end=first_day, topics=TOPICS)
                assert part.count("done") == 2
            report = backfill(start=first_day, end=SAMPLE_DATE, topics=TOPICS)
            assert report.count("failed") == 0
            assert report.count("done") == (4 if name == "lake" else 6)
            pages[name] = {p.relative_to(tmp_path / name): p.read_bytes()
                           for p in sorted((tmp_path / name).rglob("*.md"))}  # fmt: skip
    assert pages["lake"] == pages["file"] and len(pages["lake"]) >= 6
    counts = _counts(lake_url)
    assert counts == _counts(tmp_path / "file.duckdb")  # nothing lost or written twice
    assert counts["runs"] == 6


def test_a_lake_backfill_fans_out_to_the_workers_of_the_pool(
    lake_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Where the Prefect server has the backfill-topics deployment, a backfill on a lake starts
    one run of it per topic group and the pool's worker runs them: every topic-day is in the
    lake once, written by those flow runs."""
    from tests.support.paths import REPO
    from tests.support.prefect_server import deployment_runs, prefect_server, start_worker, stop

    monkeypatch.delenv("PARALLAX_LLM_MODEL", raising=False)
    days = [SAMPLE_DATE - dt.timedelta(days=1), SAMPLE_DATE]
    cli = [sys.executable, "-m", "parallax.cli"]
    with SampleFeedServer(Settings().topics_file) as feeds, prefect_server(tmp_path) as env:
        env.update(PARALLAX_GOOGLE_NEWS_URL=feeds.base_url, PARALLAX_FETCH_RETRY_DELAY_S="0",
                   PARALLAX_CONTENT_DIR=str(tmp_path / "pages"))  # fmt: skip
        subprocess.run([*cli, "migrate"], env=env, cwd=REPO, check=True, capture_output=True)
        worker = start_worker(env, tmp_path / "worker.log", limit=2)
        try:
            backfill = subprocess.run(
                [*cli, "backfill", "--start", str(days[0]), "--end", str(days[1]),
                 *(arg for topic in TOPICS for arg in ("--topic", topic))],
                env=env, cwd=REPO, capture_output=True, text=True, timeout=900,
            )  # fmt: skip
        finally:
            stop(worker)
        runs = deployment_runs(env, "backfill-topics")
    assert backfill.returncode == 0, backfill.stderr[-2000:]
    assert sorted(r["parameters"]["topics"] for r in runs) == [[t] for t in sorted(TOPICS)]
    assert [r["state"] for r in runs] == ["COMPLETED"] * len(TOPICS)
    flow_run_of = {r["parameters"]["topics"][0]: r["id"] for r in runs}
    with storage.connect(lake_url, read_only=True) as con:
        done = con.execute(
            "SELECT topic, logical_date, flow_run_id FROM runs WHERE status = 'succeeded' "
            "ORDER BY ALL"
        ).fetchall()
    assert done == [(t, d, flow_run_of[t]) for t in sorted(TOPICS) for d in days]
    assert "Traceback" not in (tmp_path / "worker.log").read_text(errors="replace")
