"""A fingerprint of what a backfill publishes and stores, to compare two versions of the code.

Backfills DAYS days x every active topic against ../shared/tools/gnews_server.py (and, with
--llm, the local stub model of tests/support/llm_stub.py) into a fresh database, then writes a
JSON file with the sha256 of every page and chart and the row count of every table and view.
Run it on two checkouts and compare: a refactoring must leave pages byte-identical and row
counts unchanged.

    .venv/bin/python benchmarks/fingerprint.py out.json [--llm] [--days 10] [--end 2026-02-10]
    .venv/bin/python benchmarks/fingerprint.py --compare before.json after.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GNEWS = REPO.parent / "shared" / "tools" / "gnews_server.py"


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def counts(db: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1"
            ).fetchall()
        ]
        views = [
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
            ).fetchall()
        ]
        found = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
        found |= {
            f"view:{v}": con.execute(f'SELECT count(*) FROM "{v}"').fetchall()[0][0] for v in views
        }
    return found


def fingerprint(out: Path, days: int, end: dt.date, llm: bool) -> None:
    sys.path.insert(0, str(REPO))
    work = Path(tempfile.mkdtemp(prefix="parallax-fingerprint-"))
    gnews = subprocess.Popen(
        [sys.executable, str(GNEWS), "--port", "0", "--today", end.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert gnews.stdout is not None
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PARALLAX_DB": str(work / "p.duckdb"),
        "PARALLAX_CONTENT_DIR": str(work / "content"),
        "PARALLAX_CHARTS_DIR": str(work / "charts"),
        "PARALLAX_GOOGLE_NEWS_URL": gnews.stdout.readline().split()[-1],
    }
    stub = None
    if llm:
        from tests.support.llm_stub import LLMStub, any_answer

        stub = LLMStub()
        stub.responder = any_answer
        stub.start()
        env |= {"PARALLAX_LLM_MODEL": "openai/stub-model", "PARALLAX_LLM_API_BASE": stub.api_base,
                "OPENAI_API_KEY": "sk-fingerprint", "PARALLAX_LLM_INPUT_COST_PER_TOKEN": "1e-7",
                "PARALLAX_LLM_OUTPUT_COST_PER_TOKEN": "1e-7"}  # fmt: skip
    first = end - dt.timedelta(days=days - 1)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "parallax.cli", "backfill", "--start", first.isoformat(),
         "--end", end.isoformat()],
        env=env, cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    gnews.terminate()
    if stub is not None:
        stub.stop()
    print(
        f"backfill {first}..{end}: exit {done.returncode} in {time.perf_counter() - started:.1f} s"
    )
    if done.returncode:
        print(done.stderr[-3000:])
    result = {"pages": hashes(work / "content"), "charts": hashes(work / "charts"),
              "rows": counts(work / "p.duckdb")}  # fmt: skip
    out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(result['pages'])} pages, {len(result['rows'])} tables and views -> {out}")


def compare(before: Path, after: Path) -> int:
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (before, after))
    differences = 0
    for kind in ("pages", "charts", "rows"):
        for key in sorted(set(a[kind]) | set(b[kind])):
            if a[kind].get(key) != b[kind].get(key):
                differences += 1
                print(f"{kind}: {key}: {a[kind].get(key)} -> {b[kind].get(key)}")
    same = {k: sum(a[k].get(x) == b[k].get(x) for x in a[k]) for k in ("pages", "charts", "rows")}
    print(f"identical: {same['pages']} pages, {same['charts']} charts, {same['rows']} row counts; "
          f"{differences} difference(s)")  # fmt: skip
    return 1 if differences else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", type=Path)
    ap.add_argument("--llm", action="store_true", help="summarize with the local stub model")
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 2, 10))
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    if args.compare:
        raise SystemExit(compare(*args.compare))
    if args.out is None:
        ap.error("give an output file, or --compare BEFORE AFTER")
    fingerprint(args.out, args.days, args.end, args.llm)


if __name__ == "__main__":
    main()
