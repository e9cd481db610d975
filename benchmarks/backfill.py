"""Backfill throughput against local servers; prints measured figures.

Starts ../shared/tools/gnews_server.py (the corpus as Google News) and a stub model server
(tests/llm_stub.py in a child process, fixed 300 ms per answer), then:

1. backfills DAYS days x every active topic into a fresh database with `parallax backfill` and
   prints the wall time, the concurrency floor (model calls x latency / allowed concurrency)
   and their ratio: "cold", every distinct title embedded by the bundled model during the run,
   then "warm", the same backfill with --force on a copy of that database without its model
   answers and relevance judgements (the same model calls, every title's vector kept; target
   wall <= 1.5 x floor), and
   the cold run's extra time against 1.2 x embedded titles x measured cost per title / cores;
2. repeats into another fresh database, kills the backfill (SIGKILL) halfway, resumes it, and
   checks: no duplicate rows, no topic-day done twice;
3. times the daily run of every topic in one flow against the sum of each topic run alone;
4. replays a sample of the backfilled topic-days with both servers stopped and counts the pages
   that come out byte for byte identical (a page depends on the previous days' pages, so this
   also checks that concurrent days selected in date order), and the model calls they made;
5. measures what relevance with the local scorer (lexicon + bundled embedding model) adds,
   with no model configured: a RELEVANCE_DAYS backfill into a fresh database ("cold": every
   distinct title embedded and scored once), then the same backfill again with --force
   ("warm": every judgement reused); cold - warm against the bound 1.2 x distinct titles x
   measured cost per title / cores, and each run's relevance share of the stage time.

It also prints the CPU the machine was busy meanwhile: wall time cannot go below CPU / cores.

    .venv/bin/python benchmarks/backfill.py [--days 180] [--start 2026-01-01] [--skip-kill]
    .venv/bin/python benchmarks/backfill.py --only-relevance [--relevance-days 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GNEWS = REPO.parent / "shared" / "tools" / "gnews_server.py"
LATENCY_S = 0.3


def serve_llm() -> None:  # child process: the stub model server
    sys.path.insert(0, str(REPO))
    from tests.support.llm_stub import LLMStub, ReceivedRequest, StubReply, any_answer

    def answer(request: ReceivedRequest) -> StubReply:
        # Summaries, relevance batches and outlet questions alike (an outlet it does not know
        # is answered "unknown", as an honest model would).
        return StubReply(content=any_answer(request).content, delay_s=LATENCY_S)

    stub = LLMStub()
    stub.responder = answer
    stub.start()
    print(stub.api_base, flush=True)
    while True:
        time.sleep(3600)


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all processes: the backfill, its workers,
    its Prefect server and the two local servers). A backfill's workers are children of
    multiprocessing's fork server, which the backfill never waits for, so their CPU never
    shows in the backfill's own rusage."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def start(cmd: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    """Start a server; its stderr goes to ``log`` (the SIGKILL in step 2 resets connections,
    which http.server reports with a traceback)."""
    with log.open("w") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    return proc, line.split()[-1]


def env_for(db: Path, content: Path, gnews: str, llm: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PARALLAX_DB": str(db),
        "PARALLAX_CONTENT_DIR": str(content),
        "PARALLAX_GOOGLE_NEWS_URL": gnews,
        "PARALLAX_LLM_MODEL": "openai/stub-model",
        "PARALLAX_LLM_API_BASE": llm,
        "OPENAI_API_KEY": "sk-bench",
        "PARALLAX_LLM_INPUT_COST_PER_TOKEN": "0.00000015",
        "PARALLAX_LLM_OUTPUT_COST_PER_TOKEN": "0.0000006",
    }


def backfill_cmd(first: dt.date, last: dt.date) -> list[str]:
    return [sys.executable, "-m", "parallax.cli", "backfill",
            "--start", first.isoformat(), "--end", last.isoformat()]  # fmt: skip


def query(db: Path, sql: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def checks(db: Path) -> dict[str, int]:
    dup_articles = query(
        db,
        "SELECT count(*) FROM (SELECT topic, logical_date, article_id FROM articles"
        " GROUP BY ALL HAVING count(*) > 1)",
    )[0][0]
    dup_digests = query(
        db,
        "SELECT count(*) FROM (SELECT topic, logical_date FROM digests"
        " GROUP BY ALL HAVING count(*) > 1)",
    )[0][0]
    twice = query(
        db,
        "SELECT count(*) FROM (SELECT topic, logical_date FROM runs WHERE status = 'succeeded'"
        " GROUP BY ALL HAVING count(*) > 1)",
    )[0][0]
    done = query(db, "SELECT count(*) FROM runs WHERE status = 'succeeded'")[0][0]
    abandoned = query(db, "SELECT count(*) FROM runs WHERE status = 'abandoned'")[0][0]
    return {"succeeded": done, "done twice": twice, "duplicate article rows": dup_articles,
            "duplicate digests": dup_digests, "abandoned runs": abandoned}  # fmt: skip


def done_in_shards(db: Path) -> set[str]:
    """Succeeded runs in the shard files a killed backfill left (parallax/storage/shards.py) that
    the database does not have yet (a shard also holds copies of earlier days it reads)."""
    sql = "SELECT run_id FROM runs WHERE status = 'succeeded'"
    found = {r[0] for shard in Path(f"{db}.shards").glob("*.duckdb") for r in query(shard, sql)}
    return found - {r[0] for r in query(db, sql)}


def stage_times(db: Path) -> str:
    rows = query(
        db,
        "SELECT stage, avg(duration_ms) FROM stage_runs GROUP BY stage ORDER BY min(started_at)",
    )
    return ", ".join(f"{stage} {ms:.0f} ms" for stage, ms in rows)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    ap.add_argument("--skip-kill", action="store_true")
    ap.add_argument("--replays", type=int, default=20, help="topic-days to replay (step 4)")
    ap.add_argument("--relevance-days", type=int, default=30, help="days of step 5 (0: skip)")
    ap.add_argument("--only-relevance", action="store_true", help="run step 5 only")
    ap.add_argument("--serve-llm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_llm:
        serve_llm()
        return
    first, last = args.start, args.start + dt.timedelta(days=args.days - 1)
    work = Path(tempfile.mkdtemp(prefix="parallax-bench-"))
    gnews, gnews_url = start([sys.executable, str(GNEWS), "--port", "0"], work / "gnews.log")
    llm, llm_url = start([sys.executable, __file__, "--serve-llm"], work / "llm-stub.log")
    try:
        if args.only_relevance:
            relevance_cost(work, gnews_url, first, args.relevance_days)
            return
        sys.path.insert(0, str(REPO))
        from parallax.settings import Settings

        concurrency = Settings().llm_max_concurrency
        db = work / "full.duckdb"
        cold = timed_backfill(db, work / "content", gnews_url, llm_url, first, last, concurrency)
        report_backfill("cold (every distinct title embedded now)", cold)
        print("checks:", checks(db))
        print("mean stage time per topic-day (concurrent days wait on each other):")
        print("  " + stage_times(db))
        warm_db = work / "warm-vectors.duckdb"
        keep_vectors(db, warm_db)
        warm = timed_backfill(warm_db, work / "content-w", gnews_url, llm_url, first, last,
                              concurrency, force=True)  # fmt: skip
        report_backfill("warm (--force on a copy with only the vectors kept)", warm)
        report_embedding(db, cold, warm)
        wall = cold.wall

        if not args.skip_kill:
            db2 = work / "killed.duckdb"
            env2 = env_for(db2, work / "content2", gnews_url, llm_url)
            proc = subprocess.Popen(
                backfill_cmd(first, last),
                env=env2,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own group: the kill reaches Prefect's server too
            )
            time.sleep(wall / 2)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            time.sleep(2)  # the workers notice their parent died and exit
            in_db = checks(db2)["succeeded"]
            in_shards = done_in_shards(db2)
            t1 = time.perf_counter()
            subprocess.run(backfill_cmd(first, last), env=env2, cwd=REPO, check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            resumed_s = time.perf_counter() - t1
            kept = in_shards & {
                r[0] for r in query(db2, "SELECT run_id FROM runs WHERE status = 'succeeded'")
            }
            print(f"killed at {wall / 2:.0f} s with {in_db + len(in_shards)} topic-days done "
                  f"({len(in_shards)} of them in worker shards; {len(kept)} of those kept by "
                  f"the resume, not redone); resume took {resumed_s:.1f} s")  # fmt: skip
            print("after resume:", checks(db2))

        daily_vs_sequential(work, gnews_url, llm_url, last)
        if args.relevance_days:
            relevance_cost(work, gnews_url, first, args.relevance_days)
    finally:
        gnews.terminate()
        llm.terminate()
    if args.replays:
        replay_sample(db, work, args.replays)


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float
    calls: int
    concurrency: int
    topic_days: int

    @property
    def floor(self) -> float:
        return self.calls * LATENCY_S / self.concurrency


def timed_backfill(
    db: Path, content: Path, gnews_url: str, llm_url: str, first: dt.date, last: dt.date,
    concurrency: int, force: bool = False,
) -> Timed:  # fmt: skip
    runs_before = query(db, "SELECT count(*) FROM runs")[0][0] if db.exists() else 0
    t0, cpu0 = time.perf_counter(), busy_cpu_s()
    cmd = [*backfill_cmd(first, last), *(["--force"] if force else [])]
    subprocess.run(cmd, env=env_for(db, content, gnews_url, llm_url),
                   cwd=REPO, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    wall, cpu = time.perf_counter() - t0, busy_cpu_s() - cpu0
    calls = query(db, "SELECT count(*) FROM llm_calls WHERE attempt > 0")[0][0]
    topic_days = query(db, "SELECT count(*) FROM runs")[0][0] - runs_before
    return Timed(wall, cpu, calls, concurrency, topic_days)


def report_backfill(name: str, run: Timed) -> None:
    cores = os.cpu_count() or 1
    print(f"backfill, {name}: {run.topic_days} topic-days in {run.wall:.1f} s wall "
          f"(including Prefect start)")  # fmt: skip
    print(
        f"  model calls {run.calls} x {LATENCY_S * 1000:.0f} ms / concurrency "
        f"{run.concurrency} = floor {run.floor:.1f} s; "
        f"wall / floor = {run.wall / max(run.floor, 1e-9):.2f} (target <= 1.5)"
    )
    print(
        f"  CPU busy on the machine (servers included): {run.cpu:.1f} s = "
        f"{run.cpu / max(run.topic_days, 1) * 1000:.0f} ms per topic-day; "
        f"{run.cpu / run.wall:.2f} of {cores} cores busy; CPU bound: {run.cpu / cores:.1f} s"
    )


def keep_vectors(source: Path, target: Path) -> None:
    """A copy of ``source`` that keeps every title's vector and nothing the model said: no
    model answers and no relevance judgements (a backfill reuses them, and would ask the model
    less). A backfill with --force into it runs every topic-day again and makes the same model
    calls as the cold run; only embedding is saved."""
    import shutil

    import duckdb

    shutil.copyfile(source, target)
    with duckdb.connect(str(target)) as con:
        con.execute("DELETE FROM llm_calls")
        con.execute("DELETE FROM article_relevance")


def report_embedding(db: Path, cold: Timed, warm: Timed) -> None:
    """Each distinct title embedded once; the cold run's extra time against its bound."""
    titles = query(db, "SELECT count(DISTINCT title) FROM articles")[0][0]
    embedded = query(db, "SELECT count(*) FROM title_embeddings")[0][0]
    per_title = embed_cost_ms(db)
    cores = os.cpu_count() or 1
    bound = 1.2 * embedded * per_title / 1000 / cores
    print(f"embedding: {titles} distinct article titles, {embedded} vectors kept (each text "
          f"once); {per_title:.1f} ms per title on one core")  # fmt: skip
    print(f"  cold - warm = {cold.wall - warm.wall:.1f} s; bound 1.2 x {embedded} x "
          f"{per_title:.1f} ms / {cores} cores = {bound:.1f} s")  # fmt: skip


def embed_cost_ms(db: Path, n: int = 300) -> float:
    """Embedding one new title with the bundled model, on one core (model loaded first)."""
    from parallax.embeddings import Embedder

    titles = [r[0] for r in query(db, f"SELECT DISTINCT title FROM articles LIMIT {n}")]
    embedder = Embedder(threads=1)
    embedder.embed(titles[:1])
    started = time.perf_counter()
    embedder.embed(titles)
    return (time.perf_counter() - started) / len(titles) * 1000


def relevance_share(db: Path) -> tuple[float, float]:
    """Seconds in the relevance stage and in every stage, summed over topic-days (of the last
    run of each topic-day)."""
    [(relevance, total)] = query(
        db,
        "SELECT sum(duration_ms) FILTER (WHERE stage = 'relevance') / 1000,"
        " sum(duration_ms) / 1000 FROM stage_runs"
        " WHERE run_id IN"
        " (SELECT max_by(run_id, started_at) FROM runs GROUP BY topic, logical_date)",
    )
    return float(relevance or 0), float(total or 0)


def cost_per_title_ms(db: Path, n: int = 300) -> float:
    """Embedding and scoring one new title with the local scorer, on one core (fresh model)."""
    from parallax.embeddings import Embedder
    from parallax.lexicon import load_lexicon
    from parallax.outlets.registry import load_registry
    from parallax.settings import Settings
    from parallax.topics import load_topics
    from tasks.relevance.local import LocalScorer
    from tasks.relevance.scorer import load_scoring

    settings = Settings()
    titles = [r[0] for r in query(db, f"SELECT DISTINCT title FROM articles LIMIT {n}")]
    topic = load_topics(settings.topics_file).get("us-china")
    scorer = LocalScorer(load_lexicon(settings.lexicon_file), load_scoring(settings.relevance_file),
                         Embedder(threads=1), load_registry(settings.outlets_file))  # fmt: skip
    scorer.similarities(None, topic, titles[:1])  # load the model: not a per-title cost
    started = time.perf_counter()
    similarities, _ = scorer.similarities(None, topic, titles)
    scorer.score(topic, titles, [None] * len(titles), similarities)
    return (time.perf_counter() - started) / len(titles) * 1000


def relevance_cost(work: Path, gnews_url: str, first: dt.date, days: int) -> None:
    """Step 5, with no model (extractive summaries): cold and warm then differ only in judging
    each title (embedding it and scoring it) or reusing the judgement."""
    last = first + dt.timedelta(days=days - 1)
    db = work / "relevance.duckdb"
    env = {
        k: v
        for k, v in env_for(db, work / "content5", gnews_url, "").items()
        if not k.startswith(("PARALLAX_LLM_", "OPENAI_"))
    }
    walls = []
    for extra in ([], ["--force"]):
        t0 = time.perf_counter()
        subprocess.run([*backfill_cmd(first, last), *extra], env=env, cwd=REPO, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        walls.append((time.perf_counter() - t0, *relevance_share(db)))
    titles = query(db, "SELECT count(DISTINCT title_key) FROM article_relevance")[0][0]
    embedded = query(db, "SELECT count(*) FROM title_embeddings")[0][0]
    per_title = cost_per_title_ms(db)
    cores = os.cpu_count() or 1
    bound = 1.2 * titles * per_title / 1000 / cores
    (cold_wall, cold_rel, cold_all), (warm_wall, warm_rel, warm_all) = walls
    print(f"relevance, local scorer, backfill {first}..{last}: {titles} distinct titles, "
          f"{embedded} embedded once; one new title: {per_title:.1f} ms on one core")  # fmt: skip
    print(f"  cold: wall {cold_wall:.1f} s; relevance {cold_rel:.1f} s of {cold_all:.1f} s stage "
          f"time ({cold_rel / cold_all:.0%}), about {cold_wall * cold_rel / cold_all:.1f} s of "
          f"wall; bound 1.2 x titles x cost / {cores} cores = {bound:.1f} s")  # fmt: skip
    print(f"  cold - warm = {cold_wall - warm_wall:.1f} s: the extra time of judging every "
          f"title once; bound {bound:.1f} s")  # fmt: skip
    print(f"  warm (--force, judgements reused): wall {warm_wall:.1f} s; relevance "
          f"{warm_rel:.1f} s of {warm_all:.1f} s stage time ({warm_rel / warm_all:.0%}; "
          f"target <= 20%)")  # fmt: skip


def daily_vs_sequential(work: Path, gnews_url: str, llm_url: str, day: dt.date) -> None:
    """One process, one Prefect API: all topics in one daily flow vs each topic alone."""
    script = f"""
import os, time, datetime as dt
from parallax.quiet import configure_quiet_env; configure_quiet_env()
from parallax.settings import Settings
from parallax.topics import load_topics
from flows.daily import daily_digest
day = dt.date.fromisoformat("{day.isoformat()}")
topics = [t.id for t in load_topics(Settings().topics_file).select(None)]
os.environ["PARALLAX_DB"] = "{work}/warm.duckdb"
daily_digest(topics=topics[:1], date=day - dt.timedelta(days=1))  # start Prefect, import litellm
os.environ["PARALLAX_DB"] = "{work}/daily.duckdb"
t = time.perf_counter()
r = daily_digest(topics=topics, date=day)
together = time.perf_counter() - t
assert all(x.status == "succeeded" for x in r), r
os.environ["PARALLAX_DB"] = "{work}/alone.duckdb"
alone = []
for topic in topics:
    t = time.perf_counter()
    daily_digest(topics=[topic], date=day)
    alone.append(time.perf_counter() - t)
print(f"daily run of {{len(topics)}} topics: {{together:.2f}} s; topics one by one: "
      f"{{' + '.join(f'{{a:.2f}}' for a in alone)}} = {{sum(alone):.2f}} s "
      f"(ratio {{together / sum(alone):.2f}})")
"""
    env = env_for(work / "daily.duckdb", work / "content3", gnews_url, llm_url)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, text=True,
                         capture_output=True, check=False)  # fmt: skip
    print(out.stdout.strip() or out.stderr.strip()[-2000:])


def replay_sample(db: Path, work: Path, n: int) -> None:
    """Replay ``n`` random backfilled topic-days (seeded) with no server listening."""
    script = f"""
import random
from parallax.quiet import configure_quiet_env; configure_quiet_env()
import duckdb
from flows.replay import replay
with duckdb.connect("{db}", read_only=True) as con:
    days = con.execute("SELECT topic, logical_date FROM digests ORDER BY ALL").fetchall()
sample = random.Random(7).sample(days, min({n}, len(days)))
results = [replay(topic=t, date=d) for t, d in sorted(sample, key=lambda x: (x[1], x[0]))]
same = sum(r.status == "succeeded" and not r.diff for r in results)
with duckdb.connect("{db}", read_only=True) as con:
    calls = con.execute("SELECT count(*) FROM llm_calls l JOIN runs r USING (run_id)"
                        " WHERE r.kind = 'replay' AND l.attempt > 0").fetchall()[0][0]
print(f"replayed {{len(results)}} backfilled topic-days with the servers stopped: "
      f"{{same}} byte for byte identical, {{calls}} model calls")
"""
    env = env_for(db, work / "content", "http://127.0.0.1:9", "http://127.0.0.1:9/v1")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, text=True,
                         capture_output=True, check=False)  # fmt: skip
    print(out.stdout.strip() or out.stderr.strip()[-2000:])


if __name__ == "__main__":
    main()
