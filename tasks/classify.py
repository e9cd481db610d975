"""Classify: which country each article's outlet speaks for, and so which side it is on.

First version: registry by publisher domain, then by outlet name. Articles whose outlet's
country is on no side are `international`; with no country they are `unknown`. Neither is ever
mixed into a side.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax.topics import Topic
from tasks import storage
from tasks.models import CLASSIFICATION_COLUMNS, INTERNATIONAL, UNKNOWN, OutletClassification
from tasks.outlets import Outlet, OutletRegistry, load_registry
from tasks.runs import RunRef, stage


def _from_outlet(
    outlet: Outlet, method: str, confidence: float, evidence: str
) -> OutletClassification:
    kind = "outlet" if outlet.kind == "wire" else outlet.kind
    return OutletClassification(
        outlet.country, kind, method, confidence, evidence, outlet.name, outlet.ownership
    )


def classify_outlet(
    source_name: str | None, source_url: str | None, registry: OutletRegistry
) -> OutletClassification:
    """Registry by publisher domain, then by name; unknown otherwise."""
    from tasks.parse import publisher_domain

    domain = publisher_domain(source_url) if source_url and "//" in source_url else source_url
    outlet = registry.find_domain(domain)
    if outlet:
        return _from_outlet(outlet, "domain", 0.99, f"publisher domain {domain} -> {outlet.name}")
    outlet = registry.find_name(source_name)
    if outlet:
        return _from_outlet(outlet, "name", 0.95, f"outlet name {source_name!r} -> {outlet.name}")
    return OutletClassification(
        None,
        "unknown",
        "none",
        0.0,
        f"no registry entry for {source_name!r} / {domain or 'no domain'}",
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def perspective_for(classification: OutletClassification, topic: Topic) -> str:
    if classification.country is None:
        return UNKNOWN
    return topic.side_of_country(classification.country) or INTERNATIONAL


def classify_articles(
    articles: pd.DataFrame, topic: Topic, registry: OutletRegistry
) -> pd.DataFrame:
    """One classification row per article (columns: CLASSIFICATION_COLUMNS)."""
    cache: dict[tuple[str | None, str | None], OutletClassification] = {}
    rows = []
    for art in articles.itertuples():
        key = (_text(art.source_name), _text(art.source_domain))
        if key not in cache:
            cache[key] = classify_outlet(key[0], key[1], registry)
        c = cache[key]
        rows.append(
            (
                art.article_id,
                c.country,
                c.kind,
                c.outlet_name,
                c.ownership,
                c.method,
                c.confidence,
                c.evidence,
                perspective_for(c, topic),
            )
        )
    return pd.DataFrame(rows, columns=list(CLASSIFICATION_COLUMNS))


@task(name="classify", cache_policy=NO_CACHE, task_run_name="classify {run.topic}")
def classify_day(run: RunRef, db: Path, topic: Topic, outlets_file: Path) -> dict:
    registry = load_registry(outlets_file)
    with stage(db, run, "classify") as counts, storage.connect(db) as con:
        articles = storage.load_day(con, "articles", run.topic, run.logical_date)
        result = classify_articles(articles, topic, registry)
        storage.replace_day(
            con, "article_perspectives", run.topic, run.logical_date, run.run_id, result
        )
        counts.update(
            articles=len(result),
            registry_version=registry.version,
            by_perspective=result["perspective"].value_counts().to_dict(),
        )
    return counts
