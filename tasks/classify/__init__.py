"""Classify: every article of the day gets its outlet's country and topic side; every outlet
its decision (`outlet_classifications`). The rules are the ground floor's (parallax/outlets);
this stage adds the model fallback (tasks/classify/llm.py) and stores the results.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.outlets.articles import classify_articles, object_column, text_or_none
from parallax.outlets.placement import Fallback, classify_outlet
from parallax.outlets.registry import OutletRegistry, load_registry
from parallax.records import OutletClassification, RunRef
from parallax.storage.ledger import stage
from parallax.topics import Topic

TABLE_COLUMNS = ("country", "kind", "outlet_name", "method", "confidence", "evidence")


def classify_table(df: pd.DataFrame, registry: OutletRegistry) -> pd.DataFrame:
    """For the `classify` CLI: a copy of ``df`` with TABLE_COLUMNS added (or replaced).

    Input: ``source_name`` and optionally ``source_url`` and/or ``domain`` (a URL wins over a
    bare domain when a row has both). ``kind`` is outlet/aggregator/platform/unknown; wires are
    reported as outlets.
    """
    if "source_name" not in df.columns:
        raise ValueError(
            f"input needs a 'source_name' column (optional: 'source_url', 'domain'); "
            f"got columns {list(df.columns)}"
        )
    n = len(df)
    names = df["source_name"].tolist()
    urls = df["source_url"].tolist() if "source_url" in df.columns else [None] * n
    domains = df["domain"].tolist() if "domain" in df.columns else [None] * n
    cache: dict[tuple[str | None, str | None], OutletClassification] = {}
    results = []
    for name, url, domain in zip(names, urls, domains, strict=True):
        key = (text_or_none(name), text_or_none(url) or text_or_none(domain))
        result = cache.get(key)
        if result is None:
            result = cache[key] = classify_outlet(key[0], key[1], registry)
        results.append(result)
    out = df.copy()
    for name in TABLE_COLUMNS:
        values = [getattr(r, name) for r in results]
        out[name] = object_column(values, df.index, float if name == "confidence" else object)
    return out


def outlet_rows(
    outlet_results: dict[tuple[str | None, str | None], OutletClassification],
    articles: pd.DataFrame,
) -> pd.DataFrame:
    """One row per outlet (name + publisher host as the feed gave them) with the outlet's own
    decision (an aggregator stays an aggregator) and how many of the day's articles it has."""
    n = len(articles)
    domains = articles["source_domain"] if "source_domain" in articles else [None] * n
    urls = articles["source_url"] if "source_url" in articles else [None] * n
    counts = Counter(  # the same outlet key as classify_articles
        (text_or_none(name), text_or_none(domain) or text_or_none(url))
        for name, domain, url in zip(articles["source_name"], domains, urls, strict=True)
    )
    rows = [
        {
            "source_name": name or "",
            "source_domain": host or "",
            "country": c.country,
            "kind": c.kind,
            "outlet_name": c.outlet_name,
            "ownership": c.ownership,
            "method": c.method,
            "confidence": c.confidence,
            "evidence": c.evidence,
            "articles": counts[(name, host)],
        }
        for (name, host), c in sorted(
            outlet_results.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
        )
    ]
    columns = [
        "source_name",
        "source_domain",
        "country",
        "kind",
        "outlet_name",
        "ownership",
        "method",
        "confidence",
        "evidence",
        "articles",
    ]
    # object dtype keeps None as None (pandas would turn it into NaN, which DuckDB stores as
    # the string 'nan' in a text column).
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.astype({"confidence": "float64", "articles": "int64"})


@task(name="classify", cache_policy=NO_CACHE, task_run_name="classify {run.topic}")
def classify_day(
    run: RunRef, db: Path, topic: Topic, outlets_file: Path, fallback: Fallback | None = None
) -> dict:
    """Classify the day's articles: one perspective row per article, one decision per outlet.

    No database connection is held while classifying: the fallback may call a model.
    """
    registry = load_registry(outlets_file)
    with stage(db, run, "classify") as counts:
        with storage.connect(db) as con:
            storage.snapshot_registry(con, registry)
            articles = storage.load_day(con, "articles", run.topic, run.logical_date)
        outlet_results: dict[tuple[str | None, str | None], OutletClassification] = {}
        result = classify_articles(articles, topic, registry, fallback, outlet_results)
        storage.save_day(db, run, "classify", {"article_perspectives": result})
        with storage.connect(db) as con:
            storage.upsert_outlet_classifications(
                con, outlet_rows(outlet_results, articles), registry.version, run.run_id
            )
        counts.update(
            articles=len(result),
            registry_version=registry.version,
            by_perspective=result["perspective"].value_counts().to_dict(),
            by_method=result["method"].value_counts().to_dict(),
        )
    return counts
