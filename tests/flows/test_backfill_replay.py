"""Backfill, replay and artifacts under Prefect against local servers (marked slow)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from parallax.cli.demo import SAMPLE_DATE, SampleFeedServer
from parallax.settings import Settings
from parallax.storage.ledger import RunRef, start_run
from tests.support.llm_stub import SENTINEL_KEY, STUB_MODEL, LLMStub, any_answer

pytestmark = pytest.mark.slow
pytest_plugins = ["tests.support.llm_fixtures"]

DAY_TABLES = {  # table -> its key within a topic-day
    "articles": "article_id",
    "duplicates": "article_id",
    "article_perspectives": "article_id",
    "selections": "article_id",
    "selection_shortfalls": "side",
    "summaries": "1",
    "digests": "1",
}
TOPICS = ["us-china", "venezuela"]
FIRST = SAMPLE_DATE - dt.timedelta(days=1)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "p.duckdb"))
    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("PARALLAX_CHARTS_DIR", str(tmp_path / "charts"))
    monkeypatch.setenv("PARALLAX_FETCH_RETRY_DELAY_S", "0")
    monkeypatch.delenv("PARALLAX_LLM_MODEL", raising=False)
    return tmp_path


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _no_duplicate_rows(db: Path) -> None:
    for table, key in DAY_TABLES.items():
        (dupes,) = _query(
            db,
            f"SELECT count(*) FROM (SELECT topic, logical_date, {key} FROM {table}"
            " GROUP BY ALL HAVING count(*) > 1)",
        )[0]
        assert dupes == 0, table


def test_backfill_resumes_skips_and_forces(prefect_harness, env, monkeypatch):
    from flows.backfill import backfill

    db = env / "p.duckdb"
    killed = RunRef.new("us-china", SAMPLE_DATE, "backfill")
    start_run(db, killed, "extractive")  # a previous backfill was killed during this day
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        first = backfill(start=FIRST, end=SAMPLE_DATE, topics=TOPICS)
        requests_first = len(server.requests)
        charts = {t: (env / "charts" / f"{t}.svg").read_bytes() for t in TOPICS}
        again = backfill(start=FIRST, end=SAMPLE_DATE, topics=TOPICS)
        requests_again = len(server.requests)
        forced = backfill(start=SAMPLE_DATE, end=SAMPLE_DATE, topics=TOPICS, force=True)

    assert [(o.topic, o.day, o.status) for o in first.outcomes] == [
        ("us-china", FIRST, "done"), ("venezuela", FIRST, "done"),
        ("us-china", SAMPLE_DATE, "done"), ("venezuela", SAMPLE_DATE, "done"),
    ]  # fmt: skip
    assert requests_first == 10  # 2 days x (3 us-china feeds + 2 venezuela feeds)
    assert all("after:" in unquote(r) and "before:" in unquote(r) for r in server.requests)
    assert (again.count("skipped"), again.count("done"), requests_again) == (4, 0, 10)
    assert (forced.count("done"), forced.count("skipped")) == (2, 0)
    runs = _query(
        db, "SELECT topic, logical_date, status, count(*) FROM runs GROUP BY ALL ORDER BY ALL"
    )
    assert runs == [
        ("us-china", FIRST, "succeeded", 1),
        ("us-china", SAMPLE_DATE, "abandoned", 1),
        ("us-china", SAMPLE_DATE, "succeeded", 2),  # the first backfill, then --force
        ("venezuela", FIRST, "succeeded", 1),
        ("venezuela", SAMPLE_DATE, "succeeded", 2),
    ]
    _no_duplicate_rows(db)
    # Each day's run names the backfill's flow run (the days run on threads of the flow).
    assert _query(
        db, "SELECT count(*) FROM runs WHERE status = 'succeeded' AND flow_run_id IS NULL"
    ) == [(0,)]
    # A backfill draws each topic's chart once, after its last day: what a redraw gives now.
    from parallax import storage
    from parallax.topics import load_topics
    from tasks.publish import write_chart

    with storage.connect(db) as con:
        for topic in TOPICS:
            assert charts[topic].startswith(b"<svg")
            assert not write_chart(
                con, load_topics(Settings().topics_file).get(topic), env / "charts"
            )
    # Every day table holds the rows of the day's latest run only.
    latest = dict(
        ((t, d), r)
        for t, d, r in _query(
            db,
            "SELECT topic, logical_date, arg_max(run_id, started_at) FROM runs"
            " WHERE status = 'succeeded' GROUP BY ALL",
        )
    )
    for t, d, r in _query(db, "SELECT DISTINCT topic, logical_date, run_id FROM articles"):
        assert latest[(t, d)] == r


def test_worker_processes_store_what_one_process_stores(prefect_harness, env, monkeypatch):
    """Topics in worker processes, each writing a shard merged back, give the same pages and
    rows as every topic in the backfill's own process."""
    from flows.backfill import backfill

    stored = {}
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        for processes in ("2", "1"):
            monkeypatch.setenv("PARALLAX_BACKFILL_PROCESSES", processes)
            monkeypatch.setenv("PARALLAX_DB", str(env / processes / "p.duckdb"))
            monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(env / processes / "content"))
            report = backfill(start=FIRST, end=SAMPLE_DATE, topics=TOPICS)
            assert report.count("done") == 4
            db = env / processes / "p.duckdb"
            stored[processes] = {
                "pages": {
                    p.relative_to(env / processes).as_posix(): p.read_bytes()
                    for p in sorted((env / processes / "content").rglob("*.md"))
                },
                "articles": _query(db, "SELECT topic, logical_date, article_id, title, "
                                   "source_name FROM articles ORDER BY ALL"),
                "selections": _query(db, "SELECT topic, logical_date, article_id, side, number "
                                     "FROM selections ORDER BY ALL"),
                "perspectives": _query(db, "SELECT topic, logical_date, article_id, perspective "
                                       "FROM article_perspectives ORDER BY ALL"),
                "runs": _query(db, "SELECT topic, logical_date, status, flow_run_id IS NOT NULL "
                               "FROM runs ORDER BY ALL"),
                "stage_runs": _query(db, "SELECT count(*) FROM stage_runs"),
                "fetches": _query(db, "SELECT count(*) FROM raw_fetches"),
            }  # fmt: skip
            assert not list((env / processes).glob("p.duckdb.shards/*.duckdb"))
    assert len(stored["2"]["pages"]) == 6  # 4 pages and 2 topic index pages
    assert stored["2"] == stored["1"]


def test_backfill_selects_a_topics_days_in_date_order(prefect_harness, env, monkeypatch):
    """A page avoids the previous pages' articles, so day d selects only after day d-1 has
    selected, even when d-1 is slow and d runs beside it; other stages may run ahead."""
    import threading
    import time

    import flows.parallel.threads as backfill_days
    from flows.backfill import backfill
    from flows.daily import TopicResult

    events: list[tuple[str, str, dt.date]] = []
    lock = threading.Lock()

    def fake_run_topic(topic, day, config, plan, direct, await_previous_day, release_next_day):
        with lock:
            events.append(("start", topic.id, day))
        if day == FIRST:
            time.sleep(0.5)  # the earlier day is slow
        await_previous_day()
        with lock:
            events.append(("select", topic.id, day))
        release_next_day()
        time.sleep(0.05)
        with lock:
            events.append(("end", topic.id, day))
        return TopicResult(topic.id, day, "run", status="succeeded")

    monkeypatch.setenv("PARALLAX_BACKFILL_PROCESSES", "1")  # the fake lives in this process
    monkeypatch.setattr(backfill_days, "run_topic", fake_run_topic)
    report = backfill(start=FIRST, end=SAMPLE_DATE, topics=TOPICS)

    assert report.count("done") == 4
    for topic in TOPICS:
        assert events.index(("start", topic, SAMPLE_DATE)) < events.index(("select", topic, FIRST))
        assert events.index(("select", topic, SAMPLE_DATE)) > events.index(("select", topic, FIRST))


def test_replay_reproduces_the_page_with_servers_stopped(prefect_harness, env, monkeypatch):
    from flows.backfill import backfill
    from flows.replay import replay

    db = env / "p.duckdb"
    stub = LLMStub().start()
    stub.responder = any_answer  # relevance, outlets and the summary
    monkeypatch.setenv("PARALLAX_LLM_MODEL", STUB_MODEL)
    monkeypatch.setenv("PARALLAX_LLM_API_BASE", stub.api_base)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (done,) = backfill(start=SAMPLE_DATE, end=SAMPLE_DATE, topics=["us-china"]).outcomes
    stub.stop()  # from here on, any feed or model request would fail
    calls, fetched = stub.calls, _query(db, "SELECT count(*) FROM raw_fetches")[0][0]
    page_path = env / "content" / "us-china" / f"{SAMPLE_DATE}.md"
    published = page_path.read_bytes()
    purposes = {p.split(":")[0] for (p,) in _query(db, "SELECT purpose FROM llm_calls")}
    assert done.status == "done" and {"relevance", "summarize"} <= purposes
    assert b"summarizer: llm:" in published

    same = replay(topic="us-china", date=SAMPLE_DATE)
    assert same.status == "succeeded" and same.diff == ""
    assert page_path.read_bytes() == published
    assert (stub.calls, _query(db, "SELECT count(*) FROM raw_fetches")[0][0]) == (calls, fetched)
    assert same.parent_run_id == same.fetch_run_id == done.run_id
    lineage = _query(
        db,
        "SELECT r.kind, r.parent_run_id, json_extract_string(s.counts, '$.replayed_from')"
        " FROM runs r JOIN stage_runs s ON s.run_id = r.run_id AND s.stage = 'fetch'"
        " WHERE r.run_id = ?",
        [same.run_id],
    )
    assert lineage == [("replay", done.run_id, done.run_id)]
    (hits,) = _query(
        db, "SELECT count(*) FROM llm_calls WHERE run_id = ? AND cache_hit", [same.run_id]
    )[0]
    assert hits == 2  # the summary and the Chinese headlines' translation, from the cache
    assert "identical" in (
        _latest_artifacts("replay-us-china")["replay-us-china"].description or ""
    )

    # Another summarizer from the summarize stage on: a diff; back to the model: free, identical.
    other = replay(topic="us-china", date=SAMPLE_DATE, from_stage="summarize", model="extractive")
    assert other.parent_run_id == same.run_id and other.fetch_run_id == done.run_id
    assert "-summarizer: llm:openai/stub-model" in other.diff
    assert "+summarizer: extractive" in other.diff
    differs = _latest_artifacts("replay-us-china")["replay-us-china"]
    assert "the page differs" in (differs.description or "")
    assert "```diff" in differs.data and "+summarizer: extractive" in differs.data
    back = replay(topic="us-china", date=SAMPLE_DATE, from_stage="summarize", model=STUB_MODEL)
    assert back.status == "succeeded" and page_path.read_bytes() == published
    assert stub.calls == calls
    progress = _latest_artifacts("backfill-progress")["backfill-progress"]
    assert progress.data == 100.0  # the backfill's one topic-day, done


def _latest_artifacts(*keys: str) -> dict:
    """The latest artifact of each key, from the test's Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=list(keys)))
        )
    return {a.key: a for a in sorted(found, key=lambda a: a.created)}


def test_topic_runs_publish_page_and_counts_artifacts(prefect_harness, env, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.daily import daily_digest

    with SampleFeedServer(Settings().topics_file) as server:
        monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", server.base_url)
        (result,) = daily_digest(topics=["india-pakistan"], date=SAMPLE_DATE)
    page = Path(result.page).read_text(encoding="utf-8")
    keys = ["page-india-pakistan", "counts-india-pakistan"]
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))
        )
    latest = {}
    for artifact in sorted(found, key=lambda a: a.created):
        latest[artifact.key] = artifact
    assert latest["page-india-pakistan"].data == page
    assert result.run_id in (latest["page-india-pakistan"].description or "")
    table = latest["counts-india-pakistan"].data
    rows = {
        r["metric"]: r["value"] for r in (json.loads(table) if isinstance(table, str) else table)
    }
    selected = sum(v for k, v in rows.items() if k.startswith("selected "))
    assert selected == sum(result.per_side.values()) > 0
    assert any(k.startswith("selected india / IN") for k in rows)
    for metric in ("unknown share", "duplicates removed", "prompt tokens", "cost (USD)"):
        assert metric in rows
    assert rows["model calls"] == 0  # the extractive summarizer calls no model


def test_ctrl_c_keeps_finished_days_and_a_rerun_resumes(env, tmp_path):
    """A terminal's Ctrl-C reaches every process of the group (Prefect's temporary server and
    the workers too): the backfill exits with 130 and one line, keeps every day it finished,
    leaves no shard or running run behind, and the same command does the rest."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from dataclasses import replace

    stub = LLMStub().start()
    stub.responder = lambda request: replace(any_answer(request), delay_s=0.3)
    last = SAMPLE_DATE + dt.timedelta(days=8)
    with SampleFeedServer(Settings().topics_file) as server:
        run_env = {
            **os.environ,
            "PARALLAX_DB": str(env / "p.duckdb"),
            "PARALLAX_CONTENT_DIR": str(env / "content"),
            "PARALLAX_CHARTS_DIR": str(env / "charts"),
            "PARALLAX_GOOGLE_NEWS_URL": server.base_url,
            "PARALLAX_LLM_MODEL": STUB_MODEL,
            "PARALLAX_LLM_API_BASE": stub.api_base,
            "OPENAI_API_KEY": SENTINEL_KEY,
            "PARALLAX_LLM_MAX_CONCURRENCY": "1",  # one summary at a time: a long enough run
            "PARALLAX_CLASSIFY_WITH_LLM": "false",
            "PARALLAX_BACKFILL_PROCESSES": "2",
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            # A fresh Prefect home migrates its database as the API starts: on a busy machine
            # that takes longer than the default 20 s, which is not what this test is about.
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        }
        cmd = [sys.executable, "-m", "parallax.cli", "backfill", "--start", str(FIRST),
               "--end", str(last), *[a for t in TOPICS for a in ("--topic", t)]]  # fmt: skip
        proc = subprocess.Popen(
            cmd,
            env=run_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own group, as a terminal's foreground job
        )
        pages = env / "content"
        deadline = time.monotonic() + 90
        while not list(pages.glob("*/20*.md")) and time.monotonic() < deadline:
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)  # it used to hang, retrying a dead API
        assert proc.returncode == 130, out
        assert "interrupted: every topic-day finished so far is saved" in out
        assert "Traceback" not in out
        db = env / "p.duckdb"
        statuses = dict(_query(db, "SELECT status, count(*) FROM runs GROUP BY ALL"))
        kept = statuses.get("succeeded", 0)
        assert 0 < kept < 2 * 10 and set(statuses) == {"succeeded"}
        assert not list((env / "p.duckdb.shards").glob("*.duckdb"))

        again = subprocess.run(cmd, env=run_env, capture_output=True, text=True, timeout=300)
    stub.stop()
    assert again.returncode == 0, again.stdout + again.stderr
    assert _query(db, "SELECT status, count(*) FROM runs GROUP BY ALL") == [("succeeded", 20)]
