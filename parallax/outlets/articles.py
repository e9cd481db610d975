"""A day's articles placed by outlet: each one's country and topic side, with the evidence.

Shared by two stages: dedupe keeps a copy from a side's own outlet over a foreign one
(`outlet_sides`), classify records every article's side (`classify_articles`, with the model
fallback for outlets the registry cannot place).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from parallax.headlines import trailing_publisher
from parallax.outlets.placement import CONFIDENCE_RECOVERED, Fallback, classify_outlet
from parallax.outlets.registry import NO_COUNTRY_KINDS, OutletRegistry
from parallax.records import CLASSIFICATION_COLUMNS, INTERNATIONAL, UNKNOWN, OutletClassification
from parallax.topics import Topic


def text_or_none(value: Any) -> str | None:
    """A cell as str, or None for None/NaN/NA/empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value)
    return text if text.strip() else None


def object_column(values: Any, index: pd.Index, dtype: type) -> pd.Series:
    """Object columns keep None as None (pandas' default string dtype would turn it into NaN)."""
    return pd.Series(list(values), index=index, dtype=dtype)


def _recover_publisher(
    base: OutletClassification, title: str | None, registry: OutletRegistry
) -> OutletClassification | None:
    publisher = trailing_publisher(title)
    if publisher is None:
        return None
    found = classify_outlet(publisher, None, registry)
    if found.method != "name" or found.kind in NO_COUNTRY_KINDS or found.country is None:
        return None
    return OutletClassification(
        country=found.country,
        kind=found.kind,
        method="name",
        confidence=min(found.confidence, CONFIDENCE_RECOVERED),
        evidence=(
            f"{base.evidence}; recovered: title credits {publisher!r}, "
            f"the true publisher of this {base.kind} item; {found.evidence}"
        ),
        outlet_name=found.outlet_name,
        ownership=found.ownership,
    )


def perspective_for(country: str | None, topic: Topic) -> str:
    """Topic side whose countries include ``country``; 'international' or 'unknown' otherwise."""
    if country is None:
        return UNKNOWN
    return topic.side_of_country(country) or INTERNATIONAL


# Outlets of one day asked about at once. A model answers in hundreds of milliseconds: asked one
# after another, a day with ten outlets the registry cannot place waited seconds (the model
# limit of the run still bounds the calls in flight).
FALLBACK_THREADS = 4


def _ask_fallback(
    keys: list[tuple[str | None, str | None]], registry: OutletRegistry, fallback: Fallback
) -> dict[tuple[str | None, str | None], OutletClassification]:
    """`classify_outlet` of the outlets the registry cannot place, asking ``fallback`` about
    several at once."""
    unplaced = [k for k in keys if classify_outlet(k[0], k[1], registry).method == "none"]
    if not unplaced:
        return {}
    with ThreadPoolExecutor(min(FALLBACK_THREADS, len(unplaced))) as pool:
        results = pool.map(lambda k: classify_outlet(k[0], k[1], registry, fallback), unplaced)
        return dict(zip(unplaced, results, strict=True))


def classify_articles(
    articles: pd.DataFrame,
    topic: Topic,
    registry: OutletRegistry,
    fallback: Fallback | None = None,
    outlet_results: dict[tuple[str | None, str | None], OutletClassification] | None = None,
) -> pd.DataFrame:
    """One classification row per article (columns CLASSIFICATION_COLUMNS, input order).

    Each distinct (source name, publisher host) is classified once. Items of aggregators and
    platforms stay 'unknown' unless the title credits a publisher the registry knows.
    """
    missing = {"article_id", "source_name"} - set(articles.columns)
    if missing:
        raise ValueError(f"classify_articles: input lacks columns {sorted(missing)}")
    n = len(articles)

    def column(name: str) -> list[Any]:
        return articles[name].tolist() if name in articles.columns else [None] * n

    names, urls, domains, titles = (
        column(c) for c in ("source_name", "source_url", "source_domain", "title")
    )
    # Per outlet (name, host) before any publisher recovery; a caller may pass a dict to see it.
    outlets = outlet_results if outlet_results is not None else {}
    if fallback is not None:
        keys = {
            (text_or_none(name), text_or_none(domain) or text_or_none(url))
            for name, url, domain in zip(names, urls, domains, strict=True)
        }
        outlets.update(_ask_fallback(sorted(keys - set(outlets), key=str), registry, fallback))
    recovered: dict[tuple[str | None, str | None], OutletClassification | None] = {}
    rows = []
    for article_id, name, url, domain, title in zip(
        column("article_id"), names, urls, domains, titles, strict=True
    ):
        key = (text_or_none(name), text_or_none(domain) or text_or_none(url))
        result = outlets.get(key)
        if result is None:
            result = outlets[key] = classify_outlet(key[0], key[1], registry, fallback)
        if result.kind in NO_COUNTRY_KINDS:
            suffix = trailing_publisher(text_or_none(title))
            rkey = (result.outlet_name, suffix)
            if rkey not in recovered:
                recovered[rkey] = _recover_publisher(result, text_or_none(title), registry)
            result = recovered[rkey] or result
        rows.append(
            (
                article_id,
                result.country,
                result.kind,
                result.outlet_name,
                result.ownership,
                result.method,
                result.confidence,
                result.evidence,
                perspective_for(result.country, topic),
            )
        )
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(CLASSIFICATION_COLUMNS)
    return pd.DataFrame(
        {
            name: object_column(values, articles.index, float if name == "confidence" else object)
            for name, values in zip(CLASSIFICATION_COLUMNS, columns, strict=True)
        },
        index=articles.index,
    )


def outlet_sides(articles: pd.DataFrame, topic: Topic, registry: OutletRegistry) -> pd.DataFrame:
    """``articles`` plus each outlet's topic ``side`` and whether it is a ``wire``, from the
    registry alone (what dedupe needs to choose which copy of a story to keep)."""
    classified = classify_articles(articles, topic, registry)
    kinds = {o.name: o.kind for o in registry.outlets}
    return articles.assign(
        side=classified["perspective"].to_numpy(),
        wire=[
            kinds.get(name) == "wire" if isinstance(name, str) else False
            for name in classified["outlet_name"]
        ],
    )
