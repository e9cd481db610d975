"""Big feeds: peak memory and time of a daily run whose feeds hold thousands of items per side.

Serves one Google-News-shaped feed per side of a topic from a local server (invented
headlines: a few templates filled from small word lists, so many near-identical titles and
shared words, the worst case for dedupe and story clustering) and runs `parallax run` on it in
a fresh database, once per size. The per-feed limits are raised through the settings
(PARALLAX_FEED_MAX_ITEMS, PARALLAX_FEED_MAX_BYTES) so the whole feed goes through the
pipeline. Prints, per size: items per side, the feed's size, the run's wall time, the peak RSS
of the largest process (the command; its temporary Prefect API is a separate, smaller one) and
each stage's time.

    .venv/bin/python benchmarks/big_feed.py [--sizes 1000 5000 25000] [--topic us-china]

Target: 25,000 items per side with peak RSS <= 1 GB, time growing linearly with items.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 2, 7)

# Words of invented headlines; nothing here comes from a real feed.
SUBJECTS = ["Harbor council", "Grain board", "Rail union", "Port authority", "Shipping guild",
            "Trade office", "River commission", "Canal board", "Customs bureau", "Fishing league",
            "Textile group", "Steel forum", "Chip makers", "Solar alliance",
            "Coastal guard"]  # fmt: skip
VERBS = ["weighs", "approves", "delays", "rejects", "extends", "reviews", "expands", "cuts",
         "doubles", "pauses", "revives", "audits"]  # fmt: skip
OBJECTS = ["tariff plan", "export quota", "ferry subsidy", "dock upgrade", "import ban",
           "safety code", "fuel levy", "cargo limit", "pilot program", "water deal",
           "price cap", "labor pact", "loan scheme", "border toll"]  # fmt: skip
PLACES = ["north bay", "east port", "river delta", "old harbor", "west coast", "lake district",
          "south pier", "capital region", "island ports", "mountain pass"]  # fmt: skip


def outlets(country: str, limit: int = 40) -> list[tuple[str, str]]:
    """(name, domain) of registry outlets of one country: the feed's sources."""
    import csv

    with (REPO / "config" / "outlets.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["country"] == country and r["domains"]]
    return [(r["name"], r["domains"].split(";")[0]) for r in rows[:limit]]


def feed(n: int, side: str, sources: list[tuple[str, str]], seed: int) -> bytes:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        name, domain = sources[i % len(sources)]
        title = (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in "
            f"{rng.choice(PLACES)} after {rng.randint(2, 60)} days"
        )
        minute = i % (24 * 60)
        items.append(
            f"<item><title>{title} - {name}</title>"
            f"<link>https://news.example.org/rss/articles/BIG-{side}-{i}?oc=5</link>"
            f'<guid isPermaLink="false">BIG-{side}-{i}</guid>'
            f"<pubDate>{DAY:%a, %d %b %Y} {minute // 60:02d}:{minute % 60:02d}:00 GMT</pubDate>"
            f"<description>&lt;a href=&quot;https://news.example.org/rss/articles/BIG-{side}-{i}"
            f"&quot;&gt;{title}&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color=&quot;#6f6f6f&quot;"
            f"&gt;{name}&lt;/font&gt;</description>"
            f'<source url="https://www.{domain}">{name}</source></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Invented big feed</title><link>https://news.example.org/</link>"
        "<description>benchmark</description>" + "".join(items) + "</channel></rss>"
    ).encode()


class FeedServer:
    """Answers each search with the feed of the side whose query it is."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
                body = next((b for q, b in bodies.items() if query.startswith(q)), b"")
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


# Runs the command and prints the peak RSS (KB) of its largest process: the children's
# rusage of this small wrapper covers exactly that one command.
_MEASURE = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"
)


def run_once(n: int, topic_id: str) -> dict:
    sys.path.insert(0, str(REPO))
    from parallax.settings import Settings
    from parallax.topics import load_topics

    topic = load_topics(Settings().topics_file).get(topic_id)
    bodies = {}
    for i, f in enumerate(topic.feeds):
        country = next(p.countries[0] for p in topic.perspectives if p.id == f.perspective)
        bodies[f.query] = feed(n, f.perspective, outlets(country), seed=i)
    server = FeedServer(bodies)
    work = Path(tempfile.mkdtemp(prefix="parallax-bigfeed-"))
    env = {
        **os.environ,
        "PARALLAX_DB": str(work / "p.duckdb"),
        "PARALLAX_CONTENT_DIR": str(work / "content"),
        "PARALLAX_CHARTS_DIR": str(work / "charts"),
        "PARALLAX_GOOGLE_NEWS_URL": server.url,
        "PARALLAX_FEED_MAX_ITEMS": str(n + 1),
        "PARALLAX_FEED_MAX_BYTES": str(max(len(b) for b in bodies.values()) + 1),
    }
    env.pop("PARALLAX_LLM_MODEL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "parallax.cli", "run",
         "--date", DAY.isoformat(), "--topic", topic_id],
        env=env, cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    server.close()
    peak_kb, code = done.stdout.split()[-2:]
    stages = _stage_times(work / "p.duckdb")
    return {
        "items": n,
        "feed_mb": max(len(b) for b in bodies.values()) / 1e6,
        "exit": int(code),
        "wall_s": wall,
        "peak_rss_mb": int(peak_kb) / 1024,
        "stages": stages,
        "stderr": done.stderr[-2000:] if int(code) else "",
    }


def _stage_times(db: Path) -> dict[str, float]:
    import duckdb

    if not db.exists():
        return {}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT stage, duration_ms FROM stage_runs ORDER BY started_at"
        ).fetchall()
    return {stage: ms / 1000 for stage, ms in rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 25000])
    ap.add_argument("--topic", default="us-china")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    results = []
    header = f"{'items/side':>10} {'feed MB':>8} {'exit':>4} {'wall s':>7} {'peak RSS MB':>11}"
    print(f"{header}  stages (s)")
    for n in args.sizes:
        r = run_once(n, args.topic)
        results.append(r)
        stages = " ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        print(f"{n:>10,} {r['feed_mb']:>8.1f} {r['exit']:>4} {r['wall_s']:>7.1f} "
              f"{r['peak_rss_mb']:>11.0f}  {stages}", flush=True)  # fmt: skip
        if r["exit"]:
            print(r["stderr"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
