"""Print how well the outlet classifier does: on our labelled outlets and on the shared corpus.

    PYTHONPATH=. python benchmarks/classify_accuracy.py

1. Labelled set (tests/data/outlets_labelled.csv, labelled by hand with a basis per row):
   precision among answered, coverage, confidently-wrong count, for names + domains and for
   names only; aggregators/platforms given a country (must be 0).
2. Shared corpus (../shared/corpus, read at run time, skipped when absent): share of article rows
   answered, and per topic and feed perspective how many rows our classification puts on another
   side than the feed that returned them (e.g. Dawn under india).
3. Speed: 5,000 distinct rows through classify_table.

Targets: precision >= 98%, coverage >= 90% (names + domains), >= 85% (names only).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parallax.outlets.registry import NO_COUNTRY_KINDS, OutletRegistry, load_registry
from parallax.topics import load_topics
from tasks.classify import classify_articles, classify_table

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "outlets_labelled.csv"
CORPUS = ROOT.parent / "shared" / "corpus"
CONFIDENT = 0.9  # a wrong answer at or above this confidence is "confidently wrong"


@dataclass(frozen=True)
class Score:
    rows: int
    known: int  # rows whose truth is a country or an aggregator/platform
    answered: int
    correct: int
    confidently_wrong: int
    aggregators_with_country: int
    wrong: tuple[str, ...]

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    @property
    def coverage(self) -> float:
        return self.answered_known / self.known if self.known else 0.0

    answered_known: int = 0


def load_labelled(path: Path = LABELLED) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def score(labelled: pd.DataFrame, registry: OutletRegistry, use_domains: bool = True) -> Score:
    """Compare classify_table with the labels. Truth kind 'unknown' rows must stay unanswered."""
    table = labelled[["source_name"]].copy()
    if use_domains:
        table["domain"] = labelled["domain"]
    out = classify_table(table, registry)
    answered = correct = confidently_wrong = agg_country = known = answered_known = 0
    wrong: list[str] = []
    for truth, pred in zip(labelled.itertuples(), out.itertuples(), strict=True):
        truth_country = truth.country or None
        is_known = truth.kind != "unknown"
        known += is_known
        if pred.kind in NO_COUNTRY_KINDS and pred.country is not None:
            agg_country += 1
        if pred.kind == "unknown":
            continue
        answered += 1
        answered_known += is_known
        if truth.kind in NO_COUNTRY_KINDS:
            ok = pred.kind == truth.kind and pred.country is None
        elif truth.kind == "unknown":
            ok = False
        else:
            ok = pred.country == truth_country
        if ok:
            correct += 1
            continue
        if pred.confidence >= CONFIDENT:
            confidently_wrong += 1
        wrong.append(
            f"{truth.source_name!r} [{truth.domain}]: labelled {truth_country or truth.kind}, "
            f"got {pred.country or pred.kind} by {pred.method} ({pred.confidence})"
        )
    return Score(
        rows=len(labelled),
        known=known,
        answered=answered,
        correct=correct,
        confidently_wrong=confidently_wrong,
        aggregators_with_country=agg_country,
        wrong=tuple(wrong),
        answered_known=answered_known,
    )


def _print_score(title: str, s: Score) -> None:
    print(f"{title}:")
    print(f"  rows {s.rows} (known truth {s.known}), answered {s.answered}, correct {s.correct}")
    print(f"  precision (among answered) {s.precision:.1%}")
    print(f"  coverage (answered / known)  {s.coverage:.1%}")
    print(f"  confidently wrong (conf >= {CONFIDENT}) {s.confidently_wrong}")
    print(f"  aggregators/platforms given a country {s.aggregators_with_country}")
    for line in s.wrong:
        print(f"    wrong: {line}")


def corpus_report(registry: OutletRegistry, corpus: Path = CORPUS) -> None:
    articles_path, domains_path = corpus / "articles.csv", corpus / "source_domains.csv"
    if not (articles_path.exists() and domains_path.exists()):
        print(f"corpus: skipped, {articles_path} or {domains_path} not found")
        return
    articles = pd.read_csv(articles_path, dtype=str, keep_default_na=False)
    domains = pd.read_csv(domains_path, dtype=str, keep_default_na=False)
    domain_of = dict(zip(domains["source_name"], domains["domain"], strict=True))
    topics = load_topics(ROOT / "config" / "topics.yaml")
    frame = pd.DataFrame(
        {
            "article_id": articles.index.astype(str),
            "source_name": articles["source_name"],
            "source_url": None,
            "source_domain": articles["source_name"].map(domain_of),
            "title": articles["title"],
        }
    )
    started = time.perf_counter()
    parts = []
    for topic_id, rows in articles.groupby("topic", sort=True):
        result = classify_articles(frame.loc[rows.index], topics.get(str(topic_id)), registry)
        parts.append(result.assign(topic=topic_id, feed=rows["feed_perspective"]))
    elapsed = time.perf_counter() - started
    res = pd.concat(parts)
    answered = (res["outlet_kind"] != "unknown").sum()
    with_country = res["country"].notna().sum()
    print(f"corpus: {len(res)} article rows classified in {elapsed:.2f} s")
    print(f"  answered (outlet, aggregator or platform) {answered / len(res):.1%}")
    print(f"  with a country {with_country / len(res):.1%}")
    print(f"  by method {res['method'].value_counts().to_dict()}")
    # The legacy Venezuela 'international' feed is the en-US feed later called 'us'.
    feed = res["feed"].where(
        ~((res["topic"] == "venezuela") & (res["feed"] == "international")), "us"
    )
    res = res.assign(feed=feed)
    print(
        "  per topic / feed perspective: rows; ours same side / other side / international"
        " / unknown"
    )
    for (topic_id, feed_id), grp in res.groupby(["topic", "feed"], sort=True):
        side = grp["perspective"]
        sides = {p.id for p in topics.get(str(topic_id)).perspectives}
        same = (side == feed_id).sum()
        other = (side.isin(sides) & (side != feed_id)).sum()
        intl = (side == "international").sum()
        unk = (side == "unknown").sum()
        label = feed_id or "(empty)"
        print(
            f"    {topic_id:15} {label:11} {len(grp):5}; {same:5} / {other:4} / {intl:4} / {unk:4}"
        )
    contradicted = res[
        res["perspective"].ne(res["feed"])
        & res["perspective"].isin([p.id for t in topics.topics for p in t.perspectives])
    ]
    top = contradicted.groupby(["topic", "feed", "outlet_name", "perspective"]).size()
    print("  most frequent contradictions (topic, feed, outlet, our side):")
    for key, n in top.sort_values(ascending=False).head(12).items():
        print(f"    {n:4}  {' / '.join(map(str, key))}")


def timing(registry: OutletRegistry, labelled: pd.DataFrame, n: int = 5000) -> float:
    """Seconds for n distinct rows (no cache hits: worst case) through classify_table."""
    names = labelled["source_name"].tolist()
    doms = labelled["domain"].tolist()
    table = pd.DataFrame(
        {
            "source_name": [f"{names[i % len(names)]} {i}" for i in range(n)],
            "domain": [f"s{i}.{doms[i % len(doms)] or 'example.com'}" for i in range(n)],
        }
    )
    started = time.perf_counter()
    classify_table(table, registry)
    return time.perf_counter() - started


def main() -> None:
    started = time.perf_counter()
    registry = load_registry()
    print(
        f"registry: {len(registry)} outlets, version {registry.version[:12]} "
        f"(loaded in {time.perf_counter() - started:.2f} s)"
    )
    labelled = load_labelled()
    _print_score("labelled set, names + domains", score(labelled, registry, use_domains=True))
    _print_score("labelled set, names only", score(labelled, registry, use_domains=False))
    corpus_report(registry)
    print(
        f"speed: 5,000 distinct rows through classify_table in {timing(registry, labelled):.3f} s"
    )


if __name__ == "__main__":
    main()
