"""The fault suite: hostile and odd feeds, feeds over the limits, and runs killed at every
stage boundary of a run and of a backfill's merge.

Every fault ends in a finished run or one clear line (never a traceback), leaves no run
`running`, and a re-run afterwards gives byte-identical pages and no duplicate rows. Feeds are
invented (tests/support/hostile_feeds.py) and served from 127.0.0.1; kills are made by
tests/support/killer.py. Careless configuration is in tests/cli/test_checks.py, the command
killed as a whole in tests/cli/test_lifetime.py.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.topic_run import TopicResult
from parallax import storage
from parallax.settings import Settings
from parallax.topics import load_topics
from tests.support.faults import TOPIC, duplicate_rows, pages, run_day, serve, statuses
from tests.support.feedserver import Reply, ScriptedServer
from tests.support.hostile_feeds import DAY, FEEDS, normal, rss
from tests.support.paths import REPO

# The faults an answer can have and what the run does with it: None = the run succeeds (what
# it could read is used), else the one line's reason when every feed answers so.
OUTCOMES: dict[str, str | None] = {
    "no_pubdate": None,
    "odd_dates": None,
    "entity_expansion": None,
    "external_entity": None,
    "missing_fields": None,
    "atom_missing_fields": None,
    "hostile_text": None,
    "control_characters": None,
    "latin1": None,
    "utf16": None,
    "wrong_declared_encoding": None,
    "empty_channel": None,
    "truncated": "malformed feed",
    "html_page": "HTML page instead of an RSS feed",
    "empty_body": "empty body",
    "binary_garbage": "not an RSS/Atom document",
}


# --- hostile and odd feeds ------------------------------------------------------------------


def run_direct(root: Path, url: str) -> TopicResult:
    """The topic-day as the daily flow runs it, without Prefect (fast): under the run lock."""
    from tests.support.killer import config_for, run_days

    config = config_for(root, url)
    with storage.keep_open(config.db):  # one connection for the run: the suite's time
        (result,) = run_days([load_topics(Settings().topics_file).get(TOPIC)], [DAY], config)
    return result


@pytest.mark.parametrize("case", sorted(FEEDS))
def test_an_odd_feed_gives_a_finished_run_or_one_clear_reason(case, tmp_path, feed_server):
    serve(feed_server, *FEEDS[case]())
    first = run_direct(tmp_path, feed_server.url)
    reason = OUTCOMES[case]
    if reason is None:
        assert first.status == "succeeded", first.error
    else:
        assert first.status == "failed" and reason in (first.error or "")
        assert "\n" not in (first.error or "") and "Traceback" not in (first.error or "")
    assert "running" not in statuses(tmp_path / "p.duckdb")
    written = pages(tmp_path / "content")
    assert run_direct(tmp_path, feed_server.url).status == first.status
    assert pages(tmp_path / "content") == written
    assert set(duplicate_rows(tmp_path / "p.duckdb").values()) == {0}


@pytest.mark.slow
@pytest.mark.parametrize(("case", "code"), [("hostile_text", 0), ("truncated", 1)])
def test_the_command_says_an_odd_feed_in_one_line(case, code, prefect_harness, feed_server):
    serve(feed_server, *FEEDS[case]())
    exit_code, output = run_day()
    assert exit_code == code, output
    topic_lines = [
        line
        for line in output.splitlines()
        if line.startswith(("error", "ok")) and "topics published" not in line
    ]
    assert len(topic_lines) == 1, output
    assert topic_lines[0].startswith("ok" if code == 0 else "error: us-china failed"), output
    assert not [line for line in output.splitlines() if " ERROR " in line], output


def test_hostile_text_reaches_the_page_inert_cut_and_visible(tmp_path, feed_server):
    serve(feed_server, *FEEDS["hostile_text"]())
    assert run_direct(tmp_path, feed_server.url).status == "succeeded"
    page = (tmp_path / "content" / TOPIC / f"{DAY}.md").read_text(encoding="utf-8")
    body = page.split("\n---\n", 1)[1]  # the front matter is YAML data, quoted by the library
    # parse keeps a title's text and drops its markup (a script's content with it)
    assert "<script>" not in body and "alert(1)" not in body and "{{<" not in body
    assert "US-China talks: " in body and "**bold**" not in body
    for invisible in ("\u202e", "\u202c", "\u2066", "\u200b", "\ufeff", "\x07", "\x1b"):
        assert invisible not in page
    assert "Righttoleft override" in page
    assert max(len(line) for line in page.splitlines()) < 2000  # no 10,000-character title
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        (longest,) = con.execute("SELECT max(length(title)) FROM articles").fetchall()[0]
    assert longest > 9000  # the full title stays in DuckDB


@pytest.mark.parametrize("case", ["entity_expansion", "external_entity"])
def test_expanded_or_external_entities_never_reach_the_page(case, tmp_path, feed_server):
    serve(feed_server, *FEEDS[case]())
    assert run_direct(tmp_path, feed_server.url).status == "succeeded"
    page = (tmp_path / "content" / TOPIC / f"{DAY}.md").read_text(encoding="utf-8")
    assert "Invented harbour story number 2" in page
    assert "lollol" not in page and "root:" not in page


def test_items_without_dates_or_titles_are_counted_in_the_ledger(tmp_path, feed_server):
    serve(feed_server, *FEEDS["missing_fields"]())
    assert run_direct(tmp_path, feed_server.url).status == "succeeded"
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        run_counts, dedupe_counts = con.execute(
            "SELECT r.counts, s.counts FROM runs r JOIN stage_runs s USING (run_id) "
            "WHERE s.stage = 'dedupe'"
        ).fetchall()[0]
    # In each feed: item 1 and the empty item have no date, items 2 and 3 no title.
    feeds = len(load_topics(Settings().topics_file).get(TOPIC).feeds)
    expected = {"no_date": 2 * feeds, "outside_window": 0, "no_title": 2 * feeds}
    assert json.loads(run_counts)["dropped"] == expected
    assert json.loads(dedupe_counts)["dropped"] == expected


# --- per-feed limits -------------------------------------------------------------------------


@pytest.mark.slow
def test_feeds_over_the_limits_are_cut_recorded_and_said_once(
    prefect_harness, feed_server, monkeypatch
):
    settings = Settings()
    monkeypatch.setenv("PARALLAX_FEED_MAX_ITEMS", "10")
    monkeypatch.setenv("PARALLAX_FEED_MAX_BYTES", "20000")
    long_feed = normal(120)  # about 60 KB
    assert len(long_feed) > 40_000
    serve(feed_server, long_feed)
    code, output = run_day()
    assert code == 0, output
    notes = [line for line in output.splitlines() if "feeds cut at the limits" in line]
    assert len(notes) == 1, output
    assert "PARALLAX_FEED_MAX_ITEMS" in notes[0] and "PARALLAX_FEED_MAX_BYTES" in notes[0]
    with duckdb.connect(str(settings.db), read_only=True) as con:
        cuts = con.execute(
            "SELECT body_cut, items_cut, item_count, octet_length(body) FROM raw_fetches"
        ).fetchall()
        (articles,) = con.execute("SELECT count(*) FROM articles").fetchall()[0]
    for body_cut, items_cut, item_count, size in cuts:
        assert body_cut and size == 20_000
        assert item_count > 10 and items_cut == item_count - 10
    assert articles == 10 * len(cuts)


def test_a_server_that_trickles_its_answer_is_a_timeout_not_a_hang():
    import http.server
    import threading
    import time

    import requests

    from tasks.fetch.http import fetch_url

    class Trickle(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # headers at once, then 100 bytes every 0.2 s
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b" " * 100)
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass

    slow = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    slow.daemon_threads, slow.block_on_close = True, False
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{slow.server_address[1]}/rss/search"
        started = time.perf_counter()
        response = fetch_url(requests.Session(), url, 1.0, "t")
        elapsed = time.perf_counter() - started
    finally:
        slow.shutdown()
        slow.server_close()
    assert elapsed < 3
    assert response.status_code is None
    assert (
        response.error
        == f"Timeout: no complete answer from {url[7:22]}{url[22:].split('/')[0]} within 1 s"
    )


# --- the stored answer of an earlier run ------------------------------------------------------


def test_the_stored_answer_is_found_when_the_server_moved(tmp_path, feed_server):
    serve(feed_server, normal(6))
    assert run_direct(tmp_path, feed_server.url).status == "succeeded"
    first = pages(tmp_path / "content")
    moved = ScriptedServer()  # another port, answering 503 to everything
    try:
        for feed in load_topics(Settings().topics_file).get(TOPIC).feeds:
            moved.script(feed.query, Reply(503, b"down", {"Content-Type": "text/plain"}))
        again = run_direct(tmp_path, moved.url)
    finally:
        moved.close()
    assert again.status == "succeeded"
    feeds = len(load_topics(Settings().topics_file).get(TOPIC).feeds)
    assert sum(w.startswith("reusing the stored") for w in again.warnings) == feeds, again.warnings
    day_page = f"{TOPIC}/{DAY}.md"
    before, after = first[day_page], pages(tmp_path / "content")[day_page]
    sources = [page.decode().split("## Sources", 1)[1] for page in (before, after)]
    assert sources[0] == sources[1]  # the same articles, and the page says where they came from
    assert after.decode().split("\n---\n", 1)[1].count("feed failed today") == feeds


# --- killed at every stage boundary -------------------------------------------------------------


def _kill(kind: str, points: tuple[str, ...], url: str, root: Path, days: list[dt.date],
          topics: list[str]) -> dict[str, int]:  # fmt: skip
    spec = root / f"{kind}.json"
    spec.write_text(json.dumps({
        "kind": kind, "google_news_url": url, "topics": topics,
        "days": [d.isoformat() for d in days],
        "cases": [{"point": p, "root": str(root / p)} for p in points],
    }))  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.killer", str(spec)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return {c["point"]: c["signal"] for c in map(json.loads, done.stdout.splitlines())}


@pytest.mark.slow
def test_a_run_killed_at_any_stage_boundary_reruns_to_the_same_pages(tmp_path, feed_server):
    from tests.support.killer import RUN_POINTS, config_for, run_days

    topics = [load_topics(Settings().topics_file).get(TOPIC)]
    serve(feed_server, normal(8))
    reference = config_for(tmp_path / "reference", feed_server.url)
    run_days(topics, [DAY], reference)
    expected = pages(reference.content_dir)
    killed = _kill("run", RUN_POINTS, feed_server.url, tmp_path, [DAY], [TOPIC])
    assert killed == dict.fromkeys(RUN_POINTS, 9)
    for point in RUN_POINTS:
        config = config_for(tmp_path / point, feed_server.url)
        with storage.keep_open(config.db):  # one connection for the rerun: the suite's time
            results = run_days(topics, [DAY], config)
        assert [r.status for r in results] == ["succeeded"], (point, results)
        assert pages(config.content_dir) == expected, point
        assert set(duplicate_rows(config.db).values()) == {0}, point
        assert "running" not in statuses(config.db), point
        assert not list(config.content_dir.rglob("*.tmp")), point


@pytest.mark.slow
def test_a_backfill_killed_in_its_merge_reruns_to_the_same_pages(tmp_path, feed_server):
    from parallax.storage.ledger import completed_days, exclusive_run
    from tests.support.killer import MERGE_POINTS, backfill_in_processes, config_for, run_days

    catalog = load_topics(Settings().topics_file)
    topic_ids = ["us-china", "india-pakistan"]
    topics = [catalog.get(t) for t in topic_ids]
    for topic in topics:
        for feed in topic.feeds:
            feed_server.script(feed.query, Reply(200, rss([])))
    serve(feed_server, normal(8))
    days = [DAY - dt.timedelta(days=1), DAY]
    reference = config_for(tmp_path / "reference", feed_server.url)
    backfill_in_processes(topics, days, reference)
    expected = pages(reference.content_dir)
    assert len(expected) == 6  # 2 topics x (2 days + the section page)
    killed = _kill("backfill", MERGE_POINTS, feed_server.url, tmp_path, days, topic_ids)
    assert killed == dict.fromkeys(MERGE_POINTS, 9)
    for point in MERGE_POINTS:
        config = config_for(tmp_path / point, feed_server.url)
        with exclusive_run(config.db):  # as a backfill starts: merges what the kill left
            pass
        done = completed_days(config.db, days[0], days[-1])
        left = sorted({day for topic in topic_ids for day in days if (topic, day) not in done})
        with storage.keep_open(config.db):
            run_days(topics, left, config)  # the days the killed backfill did not finish
        assert pages(config.content_dir) == expected, point
        assert set(duplicate_rows(config.db).values()) == {0}, point
        assert "running" not in statuses(config.db), point
        assert not list(storage.shards.shard_paths(config.db)), point
