"""Operations without Prefect: conditional fetch, Retry-After, backfill planning, ledger, CLI."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.backfill import DayOutcome, days_between, plan_days
from flows.report import page_diff
from parallax import storage
from parallax.cli.app import app
from parallax.settings import Settings
from parallax.storage.ledger import (
    RunRef,
    abandon_unfinished,
    completed_days,
    finish_run,
    stage,
    start_run,
)
from parallax.topics import Feed, load_topics
from tasks.fetch import FeedFetchError, FetchResponse, fetch_feed, next_retry_delay
from tasks.parse import parse_feeds
from tests.conftest import DATA

FEED_XML = (DATA / "feeds" / "gnews_sample.xml").read_bytes()
FEED = Feed(perspective="us", query="China")
DAY = dt.date(2026, 2, 7)


class ConditionalServer:
    """Answers with an ETag and Last-Modified; 304 when the client sends them back. A scripted
    list of (status, headers) replies can come first (429 with Retry-After, ...)."""

    ETAG = '"v1"'
    MODIFIED = "Sat, 07 Feb 2026 06:00:00 GMT"

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.before: list[tuple[int, dict[str, str]]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.seen.append({k.lower(): v for k, v in self.headers.items()})
                if server.before:
                    status, headers = server.before.pop(0)
                    body = b"slow down"
                elif self.headers.get("If-None-Match") == server.ETAG:
                    status, headers, body = 304, {"ETag": server.ETAG}, b""
                else:
                    status, body = 200, FEED_XML
                    headers = {"ETag": server.ETAG, "Last-Modified": server.MODIFIED,
                               "Content-Type": "application/rss+xml"}  # fmt: skip
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/rss/search?q=China"

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def cserver():
    s = ConditionalServer()
    yield s
    s.close()


def _fetch(db: Path, url: str, run: RunRef, **kw):
    return fetch_feed.fn(run, FEED, 0, url, db, 5, "test-agent", **kw)


def test_304_reuses_the_stored_body_and_is_recorded(cserver, db_path):
    first, second = RunRef.new("t", DAY), RunRef.new("t", DAY + dt.timedelta(days=1))
    for run in (first, second):
        start_run(db_path, run, "extractive")
    one = _fetch(db_path, cserver.url, first)
    two = _fetch(db_path, cserver.url, second)

    assert "if-none-match" not in cserver.seen[0]
    assert cserver.seen[1]["if-none-match"] == ConditionalServer.ETAG
    assert cserver.seen[1]["if-modified-since"] == ConditionalServer.MODIFIED
    assert one.ok and two.ok and two.item_count == one.item_count > 0
    with storage.connect(db_path) as con:
        rows = con.execute(
            "SELECT run_id, status_code, ok, octet_length(body), reused_fetch_id FROM raw_fetches"
            " ORDER BY fetched_at"
        ).fetchall()
        (kept,) = con.execute("SELECT count(*) FROM feed_validators").fetchone()
    assert rows[0] == (first.run_id, 200, True, len(FEED_XML), None)
    assert rows[1] == (second.run_id, 304, True, 0, one.fetch_id)  # no second copy of the body
    assert kept == 1
    # The 304 run parses the reused body into the same articles as the 200 run.
    parsed = [parse_feeds.fn(r, db_path, {0: ("en", "US")}) for r in (first, second)]
    assert parsed[0]["articles"] == parsed[1]["articles"] == one.item_count


def test_unconditional_fetch_sends_no_validators(cserver, db_path):
    run = RunRef.new("t", DAY)
    start_run(db_path, run, "extractive")
    _fetch(db_path, cserver.url, run)
    _fetch(db_path, cserver.url, run, conditional=False)
    assert "if-none-match" not in cserver.seen[1]


def test_429_waits_for_retry_after_then_succeeds(cserver, db_path):
    run = RunRef.new("t", DAY)
    start_run(db_path, run, "extractive")
    cserver.before = [(429, {"Retry-After": "7"}), (503, {})]
    waits: list[float] = []
    outcome = _fetch(
        db_path, cserver.url, run, retries=3, retry_delay_s=0.5, sleep=waits.append,
        conditional=False,
    )  # fmt: skip
    assert outcome.ok and waits == [7.0, 1.0]  # Retry-After, then the doubled base delay
    with storage.connect(db_path) as con:
        attempts = con.execute(
            "SELECT attempt, status_code, json_extract_string(headers, '$.retry-after')"
            " FROM raw_fetches ORDER BY attempt"
        ).fetchall()
    assert attempts == [(1, 429, "7"), (2, 503, None), (3, 200, None)]


def test_a_retry_after_too_long_fails_the_feed_at_once(cserver, db_path):
    run = RunRef.new("t", DAY)
    start_run(db_path, run, "extractive")
    cserver.before = [(429, {"Retry-After": "3600"})]
    with pytest.raises(FeedFetchError, match="HTTP 429, Retry-After 3600 s"):
        _fetch(db_path, cserver.url, run, retries=2, sleep=lambda s: None, conditional=False)


@pytest.mark.parametrize(
    ("headers", "attempt", "expected"),
    [
        ({}, 1, 2.0),
        ({}, 3, 8.0),
        ({"retry-after": "30"}, 1, 30.0),
        ({"retry-after": "Sat, 07 Feb 2026 12:00:45 GMT"}, 1, 45.0),
        ({"retry-after": "soon"}, 2, 4.0),
    ],
    ids=["base", "doubles", "seconds", "http-date", "garbage"],
)
def test_next_retry_delay(headers, attempt, expected):
    response = FetchResponse("u", 429, headers, b"", 1.0)
    now = dt.datetime(2026, 2, 7, 12, 0, tzinfo=dt.UTC)
    assert next_retry_delay(response, attempt, 2.0, now) == expected


def test_plan_skips_succeeded_days_unless_forced():
    topics = load_topics(Settings().topics_file).select(["us-china", "venezuela"])
    days = days_between(DAY, DAY + dt.timedelta(days=2))
    done = {("us-china", DAY), ("venezuela", DAY + dt.timedelta(days=1))}
    todo, skipped = plan_days(topics, days, done, force=False)
    assert [(t.id, d.day) for t, d in todo] == [
        ("venezuela", 7), ("us-china", 8), ("us-china", 9), ("venezuela", 9)
    ]  # fmt: skip
    assert {(o.topic, o.day) for o in skipped} == done
    assert all(isinstance(o, DayOutcome) and o.status == "skipped" for o in skipped)
    todo, skipped = plan_days(topics, days, done, force=True)
    assert len(todo) == 6 and not skipped
    with pytest.raises(ValueError, match="before start"):
        days_between(DAY, DAY - dt.timedelta(days=1))


def test_ledger_completed_days_and_abandoned_runs(db_path):
    ok, killed = RunRef.new("a", DAY, "backfill"), RunRef.new("b", DAY, "backfill")
    start_run(db_path, ok, "extractive")
    finish_run(db_path, ok, "succeeded", {})
    start_run(db_path, killed, "extractive")  # the process died here
    assert completed_days(db_path, DAY, DAY) == {("a", DAY)}
    assert abandon_unfinished(db_path, "b", DAY, "process ended") == 1
    assert abandon_unfinished(db_path, "b", DAY, "process ended") == 0
    with storage.connect(db_path) as con:
        assert (
            con.execute("SELECT status FROM runs WHERE run_id = ?", [killed.run_id]).fetchone()[0]
            == "abandoned"
        )


def test_runs_command_lists_the_ledger(db_path, monkeypatch):
    monkeypatch.setenv("PARALLAX_DB", str(db_path))
    good, bad = RunRef.new("us-china", DAY), RunRef.new("venezuela", DAY, "backfill")
    child = RunRef.new("us-china", DAY, "replay")
    start_run(db_path, good, "extractive")
    finish_run(db_path, good, "succeeded", {})
    start_run(db_path, bad, "extractive")
    with pytest.raises(RuntimeError), stage(db_path, bad, "fetch"):
        raise RuntimeError("every feed failed: HTTP 503")
    finish_run(db_path, bad, "failed", {}, "NoFeedsError: every feed failed: HTTP 503")
    start_run(db_path, child, "extractive", parent_run_id=good.run_id)
    finish_run(db_path, child, "succeeded", {})

    runner = CliRunner()
    result = runner.invoke(app, ["runs"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["started", "(UTC)", "run", "topic"]
    assert [line.split()[2] for line in lines[1:]] == [child.run_id, bad.run_id, good.run_id]
    assert "replay   succeeded" in lines[1] and good.run_id in lines[1].split()[-1]

    failed = runner.invoke(app, ["runs", "--failed"]).output.splitlines()
    assert len(failed) == 2 and bad.run_id in failed[1]
    assert "[fetch] NoFeedsError: every feed failed: HTTP 503" in failed[1]
    one = runner.invoke(app, ["runs", "--topic", "us-china", "--limit", "1"]).output
    assert [line.split()[2] for line in one.splitlines()[1:]] == [child.run_id]


def test_runs_command_without_a_database(tmp_path, monkeypatch):
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "none.duckdb"))
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 0 and "no runs yet" in result.output


def test_page_diff_is_empty_for_identical_pages():
    assert page_diff("a\nb\n", "a\nb\n", "x", "y") == ""
    diff = page_diff("a\nb\n", "a\nc\n", "published", "replay")
    assert diff.splitlines()[:2] == ["--- published", "+++ replay"]
    assert "-b" in diff and "+c" in diff


def test_keep_open_reuses_one_connection_and_the_validator_merge_upserts(db_path):
    with storage.keep_open(db_path):
        with storage.connect(db_path) as a:
            storage.migrate(a)
        with storage.connect(db_path) as b:
            assert a is b
            row = {"url": "u", "topic": "t", "feed_index": 0, "etag": "1", "last_modified": None,
                   "fetch_id": "f1", "updated_at": storage.utcnow()}  # fmt: skip
            b.execute(storage.query("feed_validator_merge"), row)
            b.execute(storage.query("feed_validator_merge"), {**row, "etag": "2"})
    with duckdb.connect(str(db_path), read_only=True) as con:  # closed: others can open it
        assert con.execute("SELECT url, etag FROM feed_validators").fetchall() == [("u", "2")]


@pytest.mark.parametrize(
    "args",
    [
        ["backfill", "--start", "2026-02-01", "--end", "2026-02-01", "--topic", "us-china"],
        ["run", "--date", "2026-02-01", "--topic", "us-china"],
    ],
)
def test_a_temporary_api_that_does_not_start_is_one_clear_line(args, tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from parallax.cli import runtime as prefect_api

    monkeypatch.setattr(prefect_api, "APP", "parallax_no_such_module:create_app")
    monkeypatch.setattr(prefect_api.TemporaryAPI, "_running", None)
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "p.duckdb"))
    # A one-shot run with no server configured (another test in this process may have one).
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(
        "error: Prefect's temporary API did not start (the server exited with code 3: "
    ) and errors[0].endswith("); retry, or set PREFECT_API_URL to a running Prefect server")
    assert "parallax_no_such_module" in errors[0]
    assert "Traceback" not in result.output
