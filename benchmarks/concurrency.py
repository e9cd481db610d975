"""Analysts, schedules and backfills at once; prints measured figures.

Starts ../shared/tools/gnews_server.py (the corpus as Google News) and, for the backfills, the
stub model of benchmarks/backfill.py (300 ms per answer), then:

a. embedded backend: a DAYS_A-day backfill of every active topic while one analyst process
   queries the analysts' copy every 0.2 s and another holds a read-only connection to it open
   throughout: failed topic-days, failed analyst queries, analyst latency (p50, p95);
b. a local Prefect server and one worker: the daily, backfill and replay deployments triggered
   together on one database: every flow run's final state, and tracebacks in the worker log;
c. lake backend (DuckLake, PostgreSQL catalog started here): a DAYS_C-day backfill of every
   active topic with 1, 2 and 4 workers serving the work pool (one flow run at a time each),
   against the embedded backend's pages (byte for byte) and rows (no duplicates): wall times,
   speed-up over 1 worker, and the machine's busy CPU (every process: flow runs, Prefect server,
   PostgreSQL) with the speed-up the cores allow at most, 1-worker wall / (busy CPU / cores);
d. on the lake again: kill -9 one of 2 workers mid-backfill, then resume with a new worker:
   every topic-day succeeded exactly once, no duplicate rows, the same pages.

    .venv/bin/python benchmarks/concurrency.py [--days-a 30] [--days-c 180] [--parts abcd]

Timings depend on what else the machine runs: on a shared 2-core machine they are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from backfill import GNEWS, busy_cpu_s, start  # noqa: E402 (benchmarks/backfill.py)

from tests.support.prefect_server import prefect_server, start_worker, stop  # noqa: E402

START = dt.date(2026, 1, 1)
BIN = Path(sys.executable).parent


def env_for(db: str, content: Path, gnews: str, llm: str | None, **extra: str) -> dict[str, str]:
    # A loaded machine starts a CLI run's temporary Prefect API slowly: give it time.
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
           "PYTHONPATH": str(REPO), "PARALLAX_DB": db,
           "PARALLAX_CONTENT_DIR": str(content), "PARALLAX_CHARTS_DIR": str(content / "charts"),
           "PARALLAX_GOOGLE_NEWS_URL": gnews, **extra}  # fmt: skip
    if llm:
        env.update(PARALLAX_LLM_MODEL="openai/stub-model", PARALLAX_LLM_API_BASE=llm,
                   OPENAI_API_KEY="sk-bench", PARALLAX_LLM_INPUT_COST_PER_TOKEN="0.00000015",
                   PARALLAX_LLM_OUTPUT_COST_PER_TOKEN="0.0000006")  # fmt: skip
    return env


def parallax(*args: str) -> list[str]:
    return [sys.executable, "-m", "parallax.cli", *args]


def pages(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.md"))
    }


def rows(db: str, sql: str) -> list[tuple]:
    from parallax import storage

    with storage.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def integrity(db: str) -> dict[str, int]:
    dupes = 0
    for table, key in (("articles", "article_id"), ("selections", "article_id"),
                       ("digests", "1"), ("summaries", "1")):  # fmt: skip
        dupes += rows(db, f"SELECT count(*) FROM (SELECT topic, logical_date, {key} FROM "
                          f"{table} GROUP BY ALL HAVING count(*) > 1)")[0][0]  # fmt: skip
    twice = rows(db, "SELECT count(*) FROM (SELECT topic, logical_date FROM runs WHERE status ="
                     " 'succeeded' GROUP BY ALL HAVING count(*) > 1)")[0][0]  # fmt: skip
    done = rows(db, "SELECT count(*) FROM runs WHERE status = 'succeeded'")[0][0]
    failed = rows(db, "SELECT count(*) FROM runs WHERE status = 'failed'")[0][0]
    return {"succeeded": done, "failed": failed, "succeeded twice": twice,
            "duplicate rows": dupes}  # fmt: skip


# --- a ------------------------------------------------------------------------------------------

ANALYST = """
import json, os, sys, time, duckdb
path, stop = sys.argv[1], sys.argv[2]
ok, failed, latencies, errors = 0, 0, [], []
while not os.path.exists(stop):
    t = time.perf_counter()
    try:
        with duckdb.connect(path, read_only=True) as con:
            con.execute("SELECT topic, count(*) FROM enriched_articles GROUP BY ALL").fetchall()
        ok += 1
        latencies.append(time.perf_counter() - t)
    except Exception as exc:
        failed += 1
        errors.append(str(exc).splitlines()[0][:160])
    time.sleep(0.2)
print(json.dumps({"ok": ok, "failed": failed, "latencies": latencies, "errors": errors[:3]}))
"""
HOLDER = """
import os, sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    con.execute("SELECT count(*) FROM runs").fetchall()
    time.sleep(0.5)
print("held to the end", flush=True)
"""


def part_a(work: Path, gnews: str, llm: str, days: int) -> None:
    db = work / "a.duckdb"
    env = env_for(str(db), work / "a-content", gnews, llm)
    subprocess.run(parallax("migrate"), env=env, cwd=REPO, check=True, capture_output=True)
    copy, stop = db.with_name("a.analyst.duckdb"), work / "a.stop"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(copy), str(stop)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(copy), str(stop)],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    end = START + dt.timedelta(days=days - 1)
    t0 = time.perf_counter()
    done = subprocess.run(parallax("backfill", "--start", str(START), "--end", str(end)),
                          env=env, cwd=REPO, capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - t0
    stop.touch()
    measured = json.loads(analyst.communicate()[0])
    held = holder.communicate()[0].strip()
    lat = sorted(measured["latencies"])
    p50 = statistics.median(lat) if lat else float("nan")
    p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
    failed_lines = [ln for ln in done.stderr.splitlines() if ln.startswith(("FAILED", "error"))]
    print(
        f"a. embedded backfill {START}..{end}: exit {done.returncode} in {wall:.1f} s; "
        f"{integrity(str(db))}; failure lines {len(failed_lines)} {failed_lines[:2]}"
    )
    print(f"   analyst every 0.2 s on the analysts' copy: {measured['ok']} queries ok, "
          f"{measured['failed']} failed {measured['errors']}; latency p50 {p50 * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms; read-only holder: {held or 'died'}")  # fmt: skip


# --- Prefect flow runs --------------------------------------------------------------------------


STATES = """
import json
from prefect.client.orchestration import get_client
with get_client(sync_client=True) as client:
    runs = client.read_flow_runs(limit=200)
print(json.dumps([[r.name, r.state.type.value if r.state else None,
                   (r.state.message or "")[:200] if r.state else ""] for r in runs]))
"""


def flow_runs(env: dict[str, str]) -> list[list[str]]:
    out = subprocess.run([sys.executable, "-c", STATES], env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    return json.loads(out.stdout)


def part_b(work: Path, gnews: str, server_env: dict[str, str]) -> None:
    db = work / "b.duckdb"
    day = dt.date(2026, 2, 7)
    env = env_for(str(db), work / "b-content", gnews, None)
    cli_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    first = subprocess.run(parallax("run", "--date", str(day - dt.timedelta(days=4))),
                           env=cli_env, cwd=REPO, capture_output=True, text=True)  # fmt: skip
    if first.returncode:  # the day to replay
        raise RuntimeError(f"parallax run failed: {first.stderr.strip()[-400:]}")
    worker = start_worker({**server_env, **env, "PREFECT_API_URL": server_env["PREFECT_API_URL"]},
                          work / "b-worker.log", None)  # fmt: skip
    prefect = [str(BIN / "prefect"), "deployment", "run"]
    t0 = time.perf_counter()
    for args in (["daily-digest/daily", "--param", f"date={day}"],
                 ["backfill/backfill", "--param", f"start={day - dt.timedelta(days=3)}",
                  "--param", f"end={day - dt.timedelta(days=1)}"],
                 ["replay/replay", "--param", "topic=us-china", "--param",
                  f"date={day - dt.timedelta(days=4)}"]):  # fmt: skip
        subprocess.run(prefect + args, env=server_env, check=True, capture_output=True)
    final = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
    while True:
        runs = [r for r in flow_runs(server_env) if not r[0].startswith(("us-", "india", "china",
                                                                          "venez"))]  # fmt: skip
        parents = [r for r in runs if r[0].startswith(("daily ", "backfill ", "replay "))]
        if len(parents) == 3 and all(r[1] in final for r in parents):
            break
        if time.perf_counter() - t0 > 1800:
            break
        time.sleep(2)
    wall = time.perf_counter() - t0
    stop(worker)
    log = (work / "b-worker.log").read_text(errors="replace")
    print(f"b. daily + backfill + replay deployments triggered together, one worker: "
          f"{wall:.1f} s; " + "; ".join(f"{n}: {s}" for n, s, _ in sorted(parents)) +
          f"; tracebacks in the worker log: {log.count('Traceback')}; "
          f"'waiting for another run' lines: {log.count('waiting for another run')}")  # fmt: skip


# --- c, d: the lake ------------------------------------------------------------------------------


def lake_backfill(work: Path, name: str, pg: object, server_env: dict[str, str], gnews: str,
                  llm: str, days: int, workers: int) -> tuple[str, Path, float, float]:  # fmt: skip
    """A backfill on a new lake with ``workers`` workers; returns (lake url, pages, wall s,
    the machine's busy CPU s during it)."""
    pg.create_database(name)  # type: ignore[attr-defined]
    url = pg.lake_url(name)  # type: ignore[attr-defined]
    content = work / f"{name}-content"
    env = {
        **server_env,
        **env_for(
            url, content, gnews, llm, PARALLAX_LAKE_DATA_PATH=str(work / f"{name}-data") + "/"
        ),
    }
    env["PREFECT_API_URL"] = server_env["PREFECT_API_URL"]
    subprocess.run(parallax("migrate"), env=env, cwd=REPO, check=True, capture_output=True)
    running = [start_worker(env, work / f"{name}-worker{i}.log", 1) for i in range(workers)]
    end = START + dt.timedelta(days=days - 1)
    t0, cpu0 = time.perf_counter(), busy_cpu_s()
    done = subprocess.run(parallax("backfill", "--start", str(START), "--end", str(end)),
                          env=env, cwd=REPO, capture_output=True, text=True)  # fmt: skip
    wall, cpu = time.perf_counter() - t0, busy_cpu_s() - cpu0
    for worker in running:
        stop(worker)
    if done.returncode:
        print(f"   ({name}: backfill exit {done.returncode}: {done.stderr.strip()[-300:]})")
    return url, content, wall, cpu


def part_c(work: Path, pg: object, server_env: dict[str, str], gnews: str, llm: str,
           days: int) -> dict[str, str]:  # fmt: skip
    end = START + dt.timedelta(days=days - 1)
    db = work / "c-file.duckdb"
    env = env_for(str(db), work / "c-file-content", gnews, llm)
    t0 = time.perf_counter()
    subprocess.run(parallax("backfill", "--start", str(START), "--end", str(end)), env=env,
                   cwd=REPO, check=False, capture_output=True)  # fmt: skip
    embedded_s = time.perf_counter() - t0
    reference = pages(work / "c-file-content")
    print(
        f"c. embedded backend, {days} days x every topic: {embedded_s:.1f} s, "
        f"{len(reference)} pages; {integrity(str(db))}"
    )
    walls = {}
    cores = os.cpu_count() or 1
    for workers in (1, 2, 4):
        url, content, wall, cpu = lake_backfill(work, f"lake_c{workers}", pg, server_env, gnews,
                                                llm, days, workers)  # fmt: skip
        walls[workers] = wall
        same = pages(content) == reference
        print(f"   lake, {workers} worker(s): {wall:.1f} s (speed-up over 1 worker "
              f"{walls[1] / wall:.2f}x); pages byte-identical to the embedded backend: {same}; "
              f"{integrity(url)}")  # fmt: skip
        print(
            f"      machine busy {cpu:.1f} CPU s ({cpu / wall:.2f} of {cores} cores); "
            f"at most {walls[1] / (cpu / cores):.2f}x over 1 worker on {cores} cores"
        )
    return reference


def embedded_pages(work: Path, gnews: str, llm: str, days: int) -> dict[str, str]:
    """The pages a DuckDB-file backfill publishes (part d's reference without part c)."""
    end = START + dt.timedelta(days=days - 1)
    env = env_for(str(work / "d-file.duckdb"), work / "d-file-content", gnews, llm)
    subprocess.run(parallax("backfill", "--start", str(START), "--end", str(end)), env=env,
                   cwd=REPO, check=False, capture_output=True)  # fmt: skip
    return pages(work / "d-file-content")


def part_d(work: Path, pg: object, server_env: dict[str, str], gnews: str, llm: str, days: int,
           reference: dict[str, str]) -> None:  # fmt: skip
    name = "lake_d"
    pg.create_database(name)  # type: ignore[attr-defined]
    url = pg.lake_url(name)  # type: ignore[attr-defined]
    content = work / f"{name}-content"
    env = {
        **server_env,
        **env_for(
            url, content, gnews, llm, PARALLAX_LAKE_DATA_PATH=str(work / f"{name}-data") + "/"
        ),
    }
    env["PREFECT_API_URL"] = server_env["PREFECT_API_URL"]
    subprocess.run(parallax("migrate"), env=env, cwd=REPO, check=True, capture_output=True)
    workers = [start_worker(env, work / f"{name}-worker{i}.log", 1) for i in range(2)]
    end = START + dt.timedelta(days=days - 1)
    backfill = subprocess.Popen(parallax("backfill", "--start", str(START), "--end", str(end)),
                                env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    total = days * len(reference_topics(reference))
    while integrity(url)["succeeded"] < total // 4:
        time.sleep(1)
    running = descendants(workers[0].pid)  # the flow run it runs is in a session of its own
    for pid in [workers[0].pid, *running]:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    workers[0].wait()
    at_kill = integrity(url)["succeeded"]
    last, still = -1, 0
    while still < 20:  # the other worker finishes its groups; the killed run never reports
        now = integrity(url)["succeeded"]
        still = still + 1 if now == last else 0
        last = now
        time.sleep(1)
    stop(backfill, signal.SIGKILL)
    before_resume = integrity(url)["succeeded"]
    workers.append(start_worker(env, work / f"{name}-worker2.log", 1))
    t0 = time.perf_counter()
    resumed = subprocess.run(parallax("backfill", "--start", str(START), "--end", str(end)),
                             env=env, cwd=REPO, capture_output=True, text=True)  # fmt: skip
    resume_s = time.perf_counter() - t0
    for worker in workers[1:]:
        stop(worker)
    print(
        f"d. lake, 2 workers, one killed with the flow run it ran (SIGKILL to "
        f"{len(running) + 1} processes) with {at_kill} of {total} topic-days in the lake; "
        f"{before_resume} in it when the other worker had finished; resume (exit "
        f"{resumed.returncode}) took {resume_s:.1f} s; after it: {integrity(url)}; pages "
        f"byte-identical to the embedded backend: {pages(content) == reference}"
    )


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def reference_topics(reference: dict[str, str]) -> set[str]:
    return {name.split("/", 1)[0] for name in reference if "/" in name}


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    ap = argparse.ArgumentParser()
    ap.add_argument("--days-a", type=int, default=30)
    ap.add_argument("--days-c", type=int, default=180)
    ap.add_argument("--parts", default="abcd")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="parallax-concurrency-"))
    gnews, gnews_url = start([sys.executable, str(GNEWS), "--port", "0"], work / "gnews.log")
    llm, llm_url = start([sys.executable, str(REPO / "benchmarks" / "backfill.py"),
                          "--serve-llm"], work / "llm-stub.log")  # fmt: skip
    print(f"work folder {work}")
    try:
        if "a" in args.parts:
            part_a(work, gnews_url, llm_url, args.days_a)
        if set(args.parts) & set("bcd"):
            from tests.support.postgres import running_postgres

            with prefect_server(work) as server_env:
                if "b" in args.parts:
                    part_b(work, gnews_url, server_env)
                if set(args.parts) & set("cd"):
                    with running_postgres() as pg:
                        reference = (
                            part_c(work, pg, server_env, gnews_url, llm_url, args.days_c)
                            if "c" in args.parts
                            else embedded_pages(work, gnews_url, llm_url, args.days_c)
                        )
                        if "d" in args.parts and reference:
                            part_d(work, pg, server_env, gnews_url, llm_url, args.days_c,
                                   reference)  # fmt: skip
    finally:
        gnews.terminate()
        llm.terminate()


if __name__ == "__main__":
    main()
