"""Prompt tokens per digest: our article layout vs the old system's, same articles.

For each topic of one corpus day (../shared/corpus, the replaced system's published digests)
this builds the DigestInput of the listed Sources (up to 20 articles) and counts, with
``litellm.token_counter`` (offline, the gpt-4o-mini tokenizer by default):

- block: the article data only: our one-line ``id|side|country|outlet|date|title|desc`` table
  vs the old "Article N:/Title:/Source:/Published:/Description:" layout;
- full: whole messages, both with our system rules, so only the article layout differs.

The corpus has no descriptions (the old layout then prints "N/A"; ours leaves the cell empty)
and no outlet country. Run: ``PYTHONPATH=. python benchmarks/prompt_size.py [--date D]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from parallax.records import DigestArticle, DigestInput
from tasks.summarize.llm import build_messages

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_MODEL = "openai/gpt-4o-mini"  # the old system's model


def old_layout_prompt(digest: DigestInput) -> str:
    """The old system's per-article user-prompt layout for the same articles."""
    blocks = []
    for i, a in enumerate(digest.articles, start=1):
        published = a.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if a.published_at else "N/A"
        blocks.append(
            f"Article {i}:\n"
            f"Title: {a.title}\n"
            f"Source: {a.source_name}\n"
            f"Published: {published}\n"
            f"Description: {a.description or 'N/A'}\n"
            "---"
        )
    return "\n\n".join(blocks)


def our_article_block(digest: DigestInput) -> str:
    user = build_messages(digest)[1]["content"]
    start = user.index("<articles>")
    return user[start:]


def old_layout_messages(digest: DigestInput) -> list[dict[str, str]]:
    """Our messages with the article block swapped for the old layout."""
    system, user = build_messages(digest)
    header = user["content"][: user["content"].index("<articles>")]
    return [system, {"role": "user", "content": header + old_layout_prompt(digest)}]


def corpus_digests(corpus: Path, day: dt.date | None = None) -> list[DigestInput]:
    """One DigestInput per topic of ``day`` (default: the last day every topic has)."""
    seed = json.loads((corpus / "seed-topics.json").read_text(encoding="utf-8"))
    topics = {t["id"]: t for t in seed["topics"]}
    rows: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    with (corpus / "articles.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rows[(row["digest_date"], row["topic"])].append(row)
    if day is None:
        per_day: dict[str, set[str]] = defaultdict(set)
        for d, topic in rows:
            per_day[d].add(topic)
        day = dt.date.fromisoformat(max(d for d, t in per_day.items() if t >= set(topics)))
    digests = []
    for topic_id, topic in topics.items():
        listed = sorted(rows.get((day.isoformat(), topic_id), []), key=lambda r: int(r["position"]))
        articles = tuple(
            DigestArticle(
                number=int(r["position"]),
                article_id=f"{topic_id}-{day}-{r['position']}",
                side=r["feed_perspective"] or "international",
                title=r["title"],
                link=r["link"],
                source_name=r["source_name"],
                published_at=(
                    dt.datetime.fromisoformat(r["published_date"]).replace(tzinfo=dt.UTC)
                    if r["published_date"]
                    else None
                ),
                language=(r["locale"] or "en-US").split("-")[0],
                region=(r["locale"] or "en-US").split("-")[-1],
            )
            for r in listed[:20]
        )
        sides = tuple((p["id"], p["name"]) for p in topic["perspectives"])
        digests.append(DigestInput(topic_id, topic["name"], day, sides, articles))
    return digests


@dataclass(frozen=True)
class Row:
    topic: str
    articles: int
    ours_block: int
    old_block: int
    ours_full: int
    old_full: int


def measure(digests: Sequence[DigestInput], model: str = DEFAULT_MODEL) -> list[Row]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    def count(text: str) -> int:
        return int(litellm.token_counter(model=model, text=text))

    def count_messages(messages: list[dict[str, str]]) -> int:
        return int(litellm.token_counter(model=model, messages=messages))

    return [
        Row(
            d.topic_id,
            len(d.articles),
            count(our_article_block(d)),
            count(old_layout_prompt(d)),
            count_messages(build_messages(d)),
            count_messages(old_layout_messages(d)),
        )
        for d in digests
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    digests = corpus_digests(args.corpus, args.date)
    rows = measure(digests, args.model)
    print(f"day {digests[0].logical_date}, tokenizer of {args.model}")
    print(
        f"{'topic':<16}{'n':>4}{'ours':>8}{'old':>8}{'ratio':>7}{'ours+':>8}{'old+':>8}{'ratio':>7}"
    )
    for r in rows:
        print(
            f"{r.topic:<16}{r.articles:>4}{r.ours_block:>8}{r.old_block:>8}"
            f"{r.ours_block / r.old_block:>7.2f}{r.ours_full:>8}{r.old_full:>8}"
            f"{r.ours_full / r.old_full:>7.2f}"
        )
    ours = sum(r.ours_block for r in rows)
    old = sum(r.old_block for r in rows)
    ours_full = sum(r.ours_full for r in rows)
    old_full = sum(r.old_full for r in rows)
    print(
        f"{'all':<16}{sum(r.articles for r in rows):>4}{ours:>8}{old:>8}{ours / old:>7.2f}"
        f"{ours_full:>8}{old_full:>8}{ours_full / old_full:>7.2f}"
    )
    print("block = article data only; + = whole messages with our rules (layout differs only)")
    return 0 if all(r.ours_full <= r.old_full for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
