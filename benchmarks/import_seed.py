"""Parse every published page of the old system and check it against the corpus tables.

    python benchmarks/import_seed.py [--corpus ../shared/corpus]

Reads <corpus>/pages (913 digests), compares each parsed page with <corpus>/digests.jsonl
(format, counts, highlights, perspective bullets, prose, differences) and every listed article
with <corpus>/articles.csv (all columns). Prints mismatches, totals and timing; exits 1 on any
mismatch, 0 when everything agrees or when the corpus is absent (with a message).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.cli.seed.parse import parse_seed_dir
from parallax.cli.seed.records import SeedDigest

DEFAULT_CORPUS = Path(
    os.environ.get(
        "PARALLAX_SEED_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
)
MAX_SHOWN = 20


def page_figures(d: SeedDigest) -> dict[str, Any]:
    row = d.digest_row()
    return {
        "format": row["format"],
        "articleCount": row["article_count"],
        "article_count_listed": row["article_count_listed"],
        "sources": row["sources"],
        "perspective_counts": row["perspective_counts"],
        "highlights": len(row["highlights"]),
        "perspective_bullets": {k: len(v) for k, v in row["perspective_bullets"].items()},
        "summary_paragraphs": len(row["summary_paragraphs"]),
        "perspective_paragraphs": {k: len(v) for k, v in row["perspective_paragraphs"].items()},
        "key_differences": len(row["key_differences"]),
        "perspective_basis": row["perspective_basis"] or "",
    }


def expected_figures(j: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": j["format"],
        "articleCount": j["articleCount"],
        "article_count_listed": j["article_count_listed"],
        "sources": j["sources"],
        "perspective_counts": j["perspective_counts"],
        "highlights": len(j["highlights"]),
        "perspective_bullets": {k: len(v) for k, v in j["perspective_bullets"].items()},
        "summary_paragraphs": len(j["summary_paragraphs"]),
        "perspective_paragraphs": {k: len(v) for k, v in j["perspective_paragraphs"].items()},
        "key_differences": len(j["key_differences"]),
        "perspective_basis": j["perspective_basis"] or "",
    }


def article_key(row: dict[str, Any]) -> tuple[str, str, int]:
    return (row["topic"], str(row["digest_date"]), int(row["position"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    pages = args.corpus / "pages"
    if not pages.is_dir():
        print(f"SKIP: no seed pages at {pages} (pass --corpus or set PARALLAX_SEED_CORPUS)")
        return 0

    started = time.perf_counter()
    digests = list(parse_seed_dir(pages))
    parse_seconds = time.perf_counter() - started

    expected = {}
    with (args.corpus / "digests.jsonl").open(encoding="utf-8") as f:
        for line in f:
            j = json.loads(line)
            expected[(j["topic"], j["digest_date"])] = j
    with (args.corpus / "articles.csv").open(encoding="utf-8", newline="") as f:
        expected_articles = {article_key(r): r for r in csv.DictReader(f)}

    problems: list[str] = []
    fields: Counter[str] = Counter()
    parsed_keys = set()
    for d in digests:
        key = (d.topic, d.digest_date.isoformat())
        parsed_keys.add(key)
        if key not in expected:
            problems.append(f"{key}: parsed but not in digests.jsonl")
            continue
        got, want = page_figures(d), expected_figures(expected[key])
        for name in want:
            if got[name] != want[name]:
                fields[f"page.{name}"] += 1
                problems.append(f"{key}: {name} parsed {got[name]!r}, expected {want[name]!r}")
    for key in sorted(set(expected) - parsed_keys):
        problems.append(f"{key}: in digests.jsonl but not parsed")

    parsed_articles = {article_key(r): r for d in digests for r in d.article_rows()}
    for akey in sorted(set(expected_articles) | set(parsed_articles)):
        got_row, want_row = parsed_articles.get(akey), expected_articles.get(akey)
        if got_row is None or want_row is None:
            problems.append(f"article {akey}: {'missing' if got_row is None else 'unexpected'}")
            continue
        for name, want_value in want_row.items():
            value = got_row[name]
            got_value = "" if value is None else str(value)
            if got_value != want_value:
                fields[f"article.{name}"] += 1
                problems.append(f"article {akey}: {name} {got_value!r} != {want_value!r}")

    formats = Counter(d.format for d in digests)
    bases = Counter(r["perspective_basis"] or "empty" for d in digests for r in d.article_rows())
    n_articles = sum(len(d.articles) for d in digests)
    print(f"pages parsed:      {len(digests)} (expected {len(expected)})")
    print(f"articles parsed:   {n_articles} (expected {len(expected_articles)})")
    print(f"formats:           {dict(sorted(formats.items()))}")
    print(f"perspective basis: {dict(sorted(bases.items()))}")
    print(f"highlights:        {sum(len(d.highlights) for d in digests)}")
    per_page_ms = parse_seconds / max(len(digests), 1) * 1000
    print(f"parse time:        {parse_seconds:.2f} s ({per_page_ms:.2f} ms/page)")
    if problems:
        print(f"\nMISMATCHES: {len(problems)} ({dict(fields)})")
        for p in problems[:MAX_SHOWN]:
            print("  " + p)
        if len(problems) > MAX_SHOWN:
            print(f"  … {len(problems) - MAX_SHOWN} more")
        return 1
    print("\nOK: every page and every article agrees with digests.jsonl and articles.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
