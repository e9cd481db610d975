"""Nothing outlives the command: `parallax backfill` killed with SIGKILL leaves no process, and
the next command removes what it left on disk (its temporary folder, a partial page) and
merges its shards; `parallax run` stopped by SIGTERM says so and leaves nothing running."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from parallax.lifetime import temp_root
from parallax.settings import Settings
from parallax.topics import load_topics
from tests.support.feedserver import Reply, ScriptedServer
from tests.support.hostile_feeds import normal
from tests.support.paths import REPO

pytestmark = pytest.mark.slow

TOPICS = ("us-china", "india-pakistan")
DAYS = (dt.date(2026, 2, 6), dt.date(2026, 2, 7))


def session_processes(session: int) -> list[str]:
    """Command lines of the processes of a session (the killed command and its descendants)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(cmdline)
    return found


def dead_pid() -> int:
    """The id of a process that has ended (a writer killed mid-write)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _slow_feeds(tmp_path: Path) -> tuple[ScriptedServer, dict[str, str]]:
    """A server answering every feed of TOPICS after 1 s, and the command's environment."""
    server = ScriptedServer()
    catalog = load_topics(Settings().topics_file)
    for topic in TOPICS:
        for feed in catalog.get(topic).feeds:
            server.script(feed.query, Reply(200, normal(6), delay_s=1.0))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PARALLAX_"))},
        "PARALLAX_DB": str(tmp_path / "p.duckdb"),
        "PARALLAX_CONTENT_DIR": str(tmp_path / "content"),
        "PARALLAX_CHARTS_DIR": str(tmp_path / "charts"),
        "PARALLAX_GOOGLE_NEWS_URL": server.url,
        "PARALLAX_FETCH_RETRIES": "0",
    }
    return server, env


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_backfill_leaves_nothing_running_and_the_next_start_cleans_up(tmp_path):
    server, env = _slow_feeds(tmp_path)  # the kill finds days in flight
    topics = [arg for topic in TOPICS for arg in ("--topic", topic)]
    command = [sys.executable, "-m", "parallax.cli", "backfill", "--start", DAYS[0].isoformat(),
               "--end", DAYS[-1].isoformat(), *topics]  # fmt: skip
    log = (tmp_path / "killed.log").open("w")
    backfill = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the API server, fork server and workers are up
            running = session_processes(backfill.pid)
            if sum("uvicorn" in c for c in running) and sum("forkserver" in c for c in running) > 2:
                break
            assert backfill.poll() is None, (tmp_path / "killed.log").read_text()
            time.sleep(0.2)
        else:
            pytest.fail(f"the backfill did not start its processes: {running}")
        partial = tmp_path / "content" / TOPICS[0] / f".{DAYS[0]}.md.{dead_pid()}.x1y2z3.tmp"
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text("half a page")
        os.kill(backfill.pid, signal.SIGKILL)
        backfill.wait()
        deadline = time.monotonic() + 20
        while session_processes(backfill.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session_processes(backfill.pid) == []
        assert (temp_root() / str(backfill.pid)).is_dir()  # what the next start removes
    finally:
        if backfill.poll() is None:
            backfill.kill()
        log.close()

    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    server.close()
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Traceback" not in again.stdout + again.stderr
    assert not (temp_root() / str(backfill.pid)).exists()
    assert not partial.exists() and not list((tmp_path / "content").rglob("*.tmp"))
    assert not list(Path(f"{tmp_path / 'p.duckdb'}.shards").glob("*.duckdb"))
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT topic, logical_date, status FROM runs").fetchall()
    assert "running" not in {status for _, _, status in rows}
    done = {(topic, day) for topic, day, status in rows if status == "succeeded"}
    assert done == {(t, d) for t in TOPICS for d in DAYS}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_run_stopped_by_sigterm_says_so_leaves_nothing_running_and_reruns(tmp_path):
    """SIGTERM (a scheduler or `kill` stopping the command, not its group) stops `parallax run`
    like Ctrl-C: one line, exit 130, its temporary API gone, no run left `running`; the same
    command then publishes every topic."""
    server, env = _slow_feeds(tmp_path)  # the signal finds fetches in flight
    topics = [arg for topic in TOPICS for arg in ("--topic", topic)]
    command = [sys.executable, "-m", "parallax.cli", "run", "--date", DAYS[-1].isoformat(), *topics]
    run = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not server.hits and time.monotonic() < deadline:
            assert run.poll() is None, run.communicate()[0]
            time.sleep(0.1)
        assert server.hits, "the run never fetched"
        os.kill(run.pid, signal.SIGTERM)
        out, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130, out
    assert "interrupted: topics that finished are saved" in out
    assert "Traceback" not in out
    deadline = time.monotonic() + 20
    while session_processes(run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session_processes(run.pid) == []
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        statuses = {s for (s,) in con.execute("SELECT status FROM runs").fetchall()}
    assert "running" not in statuses

    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    server.close()
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Traceback" not in again.stdout + again.stderr
    assert all((tmp_path / "content" / t / f"{DAYS[-1]}.md").exists() for t in TOPICS)
