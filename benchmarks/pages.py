"""What readers get: a 30-day x 5-topic corpus backfill, its pages checked against the labels.

Backfills DAYS days (default 2026-03-01..2026-03-30, the evaluation window of
tests/data/relevance_labelled.csv) of every active topic against ../shared/tools/gnews_server.py
with the default settings (no model: the local relevance scorer and the extractive summary),
then prints:

- of the articles listed on a side of a page whose headline the labelled set judges, the share
  it calls off-topic (target <= 10%), per topic and overall;
- pages with a side below its quota and no sentence on the page saying so (target 0);
- sides of a page with more than max_per_outlet articles of one outlet (target 0);
- the share of Venezuela's multi-article stories that hold both sides (the old system: 2.4%);
- pages with blindspots of both sides whose headlines are close enough to be one event
  (embedding cosine >= 0.85; target 0), with the closest pairs to read;
- side articles on a page that were on the previous day's page without a "continuing" mark
  (target 0);
- how many pages carry coverage notes, and the wall time.

    .venv/bin/python benchmarks/pages.py [--end 2026-03-30] [--days 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from parallax.headlines import normalize_title  # noqa: E402
from parallax.settings import Settings  # noqa: E402
from parallax.topics import load_topics  # noqa: E402

SHARED = REPO.parent / "shared"
GNEWS = SHARED / "tools" / "gnews_server.py"
CORPUS = SHARED / "corpus"
LABELS = REPO / "tests" / "data" / "relevance_labelled.csv"
TARGET_OFF_TOPIC = 0.10


def backfill(work: Path, first: dt.date, last: dt.date) -> float:
    gnews = subprocess.Popen(
        [sys.executable, str(GNEWS), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert gnews.stdout is not None
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARALLAX_")},
        "PARALLAX_DB": str(work / "p.duckdb"),
        "PARALLAX_CONTENT_DIR": str(work / "content"),
        "PARALLAX_CHARTS_DIR": str(work / "charts"),
        "PARALLAX_GOOGLE_NEWS_URL": gnews.stdout.readline().split()[-1],
    }
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "parallax.cli", "backfill", "--start", first.isoformat(),
             "--end", last.isoformat()],
            env=env, cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        gnews.terminate()
    if done.returncode not in (0, 3):
        raise SystemExit(f"backfill failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def labels() -> dict[tuple[str, str], int]:
    """(topic, normalised headline) -> label; a headline labelled twice keeps its first label."""
    keys = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    articles = pd.read_csv(CORPUS / "articles.csv", dtype=str, keep_default_na=False)
    rows = keys.merge(articles, on=["topic", "digest_date", "position"])
    found: dict[tuple[str, str], int] = {}
    for topic, title, label in zip(rows["topic"], rows["title"], rows["label"], strict=True):
        found.setdefault((topic, normalize_title(title)), int(label))
    return found


def page_rows(db: Path) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """
            SELECT s.topic, s.logical_date, s.side, a.title,
                   coalesce(p.outlet_name, a.source_name) AS outlet
            FROM page_articles s
            JOIN articles a USING (topic, logical_date, article_id)
            LEFT JOIN article_perspectives p USING (topic, logical_date, article_id)
            WHERE s.side <> 'international'
            """
        ).df()


def shortfalls(db: Path) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT topic, logical_date, side, quota, selected FROM selection_shortfalls"
            " WHERE selected < quota"
        ).df()


def unexplained_short_sides(content: Path, short: pd.DataFrame, names: dict) -> list[str]:
    """Short sides whose page has no sentence saying so (and no shortSides entry)."""
    missing = []
    for r in short.itertuples():
        page = content / r.topic / f"{r.logical_date:%Y-%m-%d}.md"
        text = page.read_text(encoding="utf-8") if page.exists() else ""
        front = yaml.safe_load(text.split("---\n", 2)[1]) if text.startswith("---\n") else {}
        listed = {s["side"] for s in (front or {}).get("shortSides", [])}
        name = names[r.topic].get(r.side, r.side)
        said = re.search(rf"on-topic articles? from {re.escape(name)} outlets today", text)
        if r.side not in listed or not said:
            missing.append(f"{r.topic} {r.logical_date:%Y-%m-%d} {r.side}")
    return missing


def story_checks(db: Path, pages: list[Path]) -> None:
    import duckdb
    import numpy as np

    from parallax.embeddings import embed_texts, shared_embedder

    with duckdb.connect(str(db), read_only=True) as con:
        both, multi = con.execute(
            "SELECT count(*) FILTER (WHERE len(sides) = 2), count(*) FROM stories"
            " WHERE topic = 'venezuela' AND articles > 1"
        ).fetchall()[0]
        repeated = con.execute(
            """
            SELECT count(*) FILTER (WHERE NOT p.continuing), count(*)
            FROM page_articles p JOIN articles a USING (topic, logical_date, article_id)
            WHERE p.side <> 'international' AND EXISTS (
                SELECT 1 FROM page_articles q
                JOIN articles b USING (topic, logical_date, article_id)
                WHERE q.topic = p.topic AND q.logical_date = p.logical_date - 1
                  AND coalesce(b.link, b.title) = coalesce(a.link, a.title))
            """
        ).fetchall()[0]
    share = both / multi if multi else 0.0
    print(
        f"venezuela stories of several articles holding both sides: {both} of {multi} ({share:.1%})"
    )
    print(f"side articles repeated from the previous day's page: {repeated[1]}, "
          f"of them without a continuing mark: {repeated[0]}")  # fmt: skip
    pairs = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("---\n", 2)[1]) or {}
        spots = front.get("blindspots") or []
        for i, a in enumerate(spots):
            for b in spots[i + 1 :]:
                if a["side"] != b["side"]:
                    pairs.append((page.parent.name, page.stem, a["title"], b["title"]))
    close = []
    if pairs:
        vectors, _ = embed_texts(None, [t for p in pairs for t in p[2:]], shared_embedder(2))
        cosines = np.sum(vectors[0::2] * vectors[1::2], axis=1)
        close = sorted(zip(cosines.tolist(), pairs, strict=True), reverse=True)
    one_event = {(p[0], p[1]) for c, p in close if c >= 0.85}
    print(
        f"pages with blindspots of both sides that may be one event: {len(one_event)} "
        f"({len(pairs)} pairs of opposite blindspots on {len({p[:2] for p in pairs})} pages)"
    )
    for cosine, (topic, day, a, b) in close[:5]:
        print(f"  {cosine:.3f} {topic} {day}: {a[:60]!r} / {b[:60]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 3, 30))
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--keep", type=Path, help="backfill into DIR and keep it (default: a temp dir)")
    args = ap.parse_args()
    if not (CORPUS / "articles.csv").exists() or not GNEWS.exists():
        print(f"skipped: the shared corpus and its feed server are not in {SHARED}")
        return
    first = args.end - dt.timedelta(days=args.days - 1)
    work = args.keep or Path(tempfile.mkdtemp(prefix="parallax-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    wall = backfill(work, first, args.end)
    settings = Settings()
    topics = load_topics(settings.topics_file).select(None)
    names = {t.id: {p.id: p.name for p in t.perspectives} for t in topics}
    caps = {t.id: t.settings.max_per_outlet for t in topics}
    db = work / "p.duckdb"
    pages = sorted((work / "content").glob("*/20*.md"))
    print(f"backfill {first}..{args.end}, {len(topics)} topics: {len(pages)} pages in {wall:.0f} s")

    listed = page_rows(db)
    known = labels()
    pairs = zip(listed["topic"], listed["title"], strict=True)
    listed["label"] = [known.get((t, normalize_title(title))) for t, title in pairs]
    judged = listed[listed["label"].notna()]
    print("\nside articles on the pages that the labelled set judges (labels by reading):")
    print(f"  {'topic':<16}{'listed':>8}{'labelled':>10}{'off-topic':>11}{'share':>8}")
    for topic, group in [*judged.groupby("topic"), ("overall", judged)]:
        total = listed if topic == "overall" else listed[listed["topic"] == topic]
        off = int((group["label"] == 0).sum())
        share = off / len(group) if len(group) else 0.0
        print(f"  {topic:<16}{len(total):>8}{len(group):>10}{off:>11}{share:>8.1%}")
    overall = float((judged["label"] == 0).mean()) if len(judged) else 0.0

    missing = unexplained_short_sides(work / "content", shortfalls(db), names)
    short_sides = len(shortfalls(db))
    print(f"\nsides below their quota: {short_sides}; without a sentence saying so: {len(missing)}")
    for line in missing[:10]:
        print(f"  {line}")

    per_outlet = listed.groupby(["topic", "logical_date", "side", "outlet"]).size()
    over = [(k, n) for k, n in per_outlet.items() if n > caps[k[0]]]
    print(f"sides with more than max_per_outlet articles of one outlet: {len(over)}")
    story_checks(db, pages)
    noted = sum("## Coverage Notes" in p.read_text(encoding="utf-8") for p in pages)
    print(f"pages with coverage notes: {noted} of {len(pages)}")
    ok = overall <= TARGET_OFF_TOPIC and not missing and not over
    print(
        f"\ntargets: off-topic share <= {TARGET_OFF_TOPIC:.0%} ({overall:.1%}), 0 short sides "
        f"unsaid ({len(missing)}), 0 outlets over the cap ({len(over)}): "
        + ("met" if ok else "NOT met")
    )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
