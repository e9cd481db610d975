"""Classify outlets by country and assign each article to a topic side, explaining every decision.

Pure functions: no I/O, no clock, no network. Evidence is tried in a fixed order and every step
tried is written to ``evidence``, so a reader can see why an outlet got its country, or why not:

1. **domain**: the publisher host (``source_url`` may be a URL or a bare host) in the registry;
   the exact host first, then parents down to the registrable domain.
2. **name**: the ``<source>`` name in the registry after normalisation; also names that are host
   names ("Bloomberg.com", "newsus.cgtn.com") and the parts of "Headline | Site" style names.
3. **cctld**: the country-code TLD of the host (or of a name that is a host), e.g. ``.pk`` -> PK,
   ``.co.uk`` -> GB; ccTLDs sold as generic names (.co .io .tv .me .ai .fm ...) tell nothing.
4. **fallback** (optional; e.g. an LLM, wired in later): asked only when 1-3 found nothing.
5. **none**: country unknown, kind unknown.

Aggregators and platforms never get a country: they relay other outlets' stories.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.outlets import (
    ISO_COUNTRIES,
    NO_COUNTRY_KINDS,
    Outlet,
    OutletRegistry,
    is_idn,
    load_registry,
    normalize_host,
    normalize_name,
    split_host,
)
from parallax.records import CLASSIFICATION_COLUMNS, INTERNATIONAL, UNKNOWN, OutletClassification
from parallax.storage.ledger import RunRef, stage
from parallax.topics import Topic

# Confidence per method: how often the evidence alone names the right country.
# domain: a registrable domain is controlled by one publisher; residual risk is a stale row.
CONFIDENCE_DOMAIN = 0.99
# name: exact match after normalisation, ambiguous names refused; an unlisted homonym remains.
CONFIDENCE_NAME = 0.95
# publisher named in an aggregator item's title suffix: a claim in someone else's text.
CONFIDENCE_RECOVERED = 0.9
# cctld: outlets mostly use their home ccTLD, but some run foreign editions on local ccTLDs.
CONFIDENCE_CCTLD = 0.7

# Longer names are not real outlet names (Google News names are < 100 chars); not looked up.
MAX_NAME_CHARS = 300

# ccTLDs marketed worldwide as generic names: a site under them says nothing about its country.
# Only the bare TLD is generic: 'com.co' or 'gov.tv' are registered through the national registry.
_GENERIC_CCTLD_CODES = "ac ad ag ai am as bz cc cd cf co dj fm ga gg gl gq gs io im"
_GENERIC_CCTLD_CODES += " je la ly me ml ms mu nu sh so st tk tm to tv vg ws"
GENERIC_CCTLDS = frozenset(_GENERIC_CCTLD_CODES.split())
# gTLDs restricted to one country's institutions.
RESTRICTED_GTLDS = {"gov": "US", "mil": "US"}
# ccTLDs whose code differs from the ISO-3166 alpha-2 code.
CCTLD_TO_ISO = {"uk": "GB"}

Fallback = Callable[[str | None, str | None], OutletClassification | None]

_SEGMENT_SPLIT = re.compile(r"\s+[|–—·-]\s+|\s*\|\s*|:\s+")
_PAREN = re.compile(r"\s*\([^)]*\)\s*")


def _describe(outlet: Outlet) -> str:
    where = outlet.country or "no country"
    return f"{outlet.name} [{outlet.kind}, {where}, {outlet.ownership}; basis: {outlet.basis}]"


def _from_outlet(
    outlet: Outlet, method: str, confidence: float, evidence: list[str]
) -> OutletClassification:
    if outlet.kind in NO_COUNTRY_KINDS:
        evidence.append(f"{outlet.name} is an {outlet.kind}: it has no country of its own")
        country = None
    else:
        country = outlet.country
    kind = "outlet" if outlet.kind == "wire" else outlet.kind
    return OutletClassification(
        country=country,
        kind=kind,
        method=method,
        confidence=confidence,
        evidence="; ".join(evidence),
        outlet_name=outlet.name,
        ownership=outlet.ownership,
    )


def cctld_country(host: str) -> tuple[str | None, str]:
    """(ISO country or None, reason) from the public suffix of a normalised host."""
    suffix = split_host(host)[1]
    if not suffix:
        return None, f"{host!r} has no known public suffix"
    labels = suffix.split(".")
    tld = labels[-1]
    if tld in RESTRICTED_GTLDS:
        return RESTRICTED_GTLDS[
            tld
        ], f".{tld} is restricted to {RESTRICTED_GTLDS[tld]} institutions"
    if len(tld) != 2:
        return None, f".{suffix} is a generic TLD"
    if tld in GENERIC_CCTLDS and len(labels) == 1:
        return None, f".{tld} is a ccTLD sold as a generic name; it says nothing about the country"
    code = CCTLD_TO_ISO.get(tld, tld.upper())
    if code not in ISO_COUNTRIES:
        return None, f".{tld} is not an ISO-3166 country code"
    return code, f".{suffix} is the ccTLD of {code}"


def _host_or_reason(source_url: str | None) -> tuple[str | None, str]:
    if source_url is None or not source_url.strip():
        return None, "no publisher URL given"
    if is_idn(source_url):
        return None, f"{source_url[:80]!r} is an internationalized domain name (not covered)"
    host = normalize_host(source_url)
    if host is None:
        return None, f"{source_url[:80]!r} is not a usable host name"
    return host, ""


def _name_lookup(name: str, registry: OutletRegistry) -> tuple[Outlet | None, str]:
    """Registry outlet for a source name, and what matched (or why nothing did)."""
    stripped = name.strip().strip("-–—|·:").strip()
    outlet = registry.by_name(stripped)
    if outlet is not None:
        return outlet, f"name {stripped!r} is a name/alias of"
    ambiguous = registry.ambiguous(stripped)
    if ambiguous:
        names = ", ".join(f"{o.name} ({o.country or o.kind})" for o in ambiguous)
        return None, f"name {stripped!r} is ambiguous: {names}; not guessed"
    host = normalize_host(stripped) if "." in stripped and " " not in stripped else None
    if host is not None:
        hit = registry.by_host(host)
        if hit is not None:
            return hit[0], f"name {stripped!r} is host {host}, registry domain {hit[1]} of"
    candidates = []
    unparenthesised = _PAREN.sub(" ", stripped).strip()
    if unparenthesised and unparenthesised != stripped:
        candidates.append(unparenthesised)
    candidates.extend(p.strip() for p in _SEGMENT_SPLIT.split(stripped) if p.strip() != stripped)
    for part in candidates:
        if not part or registry.ambiguous(part):
            continue
        part_outlet = registry.by_name(part)
        if part_outlet is not None:
            return part_outlet, f"part {part!r} of name {stripped!r} is a name/alias of"
        part_host = normalize_host(part) if "." in part and " " not in part else None
        if part_host is not None:
            hit = registry.by_host(part_host)
            if hit is not None:
                return hit[0], f"part {part!r} of name {stripped!r} is registry domain {hit[1]} of"
    return None, f"name {stripped[:80]!r} not in registry"


def _name_as_host(name: str | None) -> str | None:
    if not name:
        return None
    stripped = name.strip().strip("-–—|·:").strip()
    if len(stripped) > MAX_NAME_CHARS or " " in stripped or "." not in stripped:
        return None
    return normalize_host(stripped)


def classify_outlet(
    source_name: str | None,
    source_url: str | None,
    registry: OutletRegistry,
    fallback: Fallback | None = None,
) -> OutletClassification:
    """Country, kind, method, confidence and evidence for one outlet. Never raises on bad input."""
    evidence: list[str] = []
    source_name = source_name if isinstance(source_name, str) else None
    source_url = source_url if isinstance(source_url, str) else None

    # 1. registry by publisher domain
    host, reason = _host_or_reason(source_url)
    if host is not None:
        hit = registry.by_host(host)
        if hit is not None:
            outlet, matched = hit
            via = f"host {host}" if matched == host else f"host {host} falls under {matched}"
            evidence.append(f"domain: {via}, registry domain of {_describe(outlet)}")
            return _from_outlet(outlet, "domain", CONFIDENCE_DOMAIN, evidence)
        evidence.append(f"domain: {host} not in registry")
    else:
        evidence.append(f"domain: {reason}")

    # 2. registry by normalised name / alias
    name_ok = False
    if source_name is None or not source_name.strip():
        evidence.append("name: no source name given")
    elif len(source_name) > MAX_NAME_CHARS:
        evidence.append(f"name: {len(source_name)} characters, too long to be an outlet name")
    elif not normalize_name(source_name):
        evidence.append(f"name: {source_name[:80]!r} has no letters or digits")
    else:
        name_ok = True
        named, what = _name_lookup(source_name, registry)
        if named is not None:
            evidence.append(f"name: {what} {_describe(named)}")
            return _from_outlet(named, "name", CONFIDENCE_NAME, evidence)
        evidence.append(f"name: {what}")

    # 3. country-code TLD of the host, else of a name that is itself a host name
    tld_host = host or (_name_as_host(source_name) if name_ok else None)
    if tld_host is not None:
        country, why = cctld_country(tld_host)
        evidence.append(f"cctld: {why}")
        if country is not None:
            return OutletClassification(
                country=country,
                kind="outlet",
                method="cctld",
                confidence=CONFIDENCE_CCTLD,
                evidence="; ".join(evidence),
            )
    else:
        evidence.append("cctld: no host name to read a TLD from")

    # 4. optional fallback (e.g. an LLM): only for outlets still unknown
    if fallback is not None:
        try:
            answer = fallback(source_name, source_url)
        except Exception as exc:  # a failing fallback must not fail the run
            evidence.append(f"fallback: failed ({type(exc).__name__}: {str(exc)[:120]})")
        else:
            if answer is not None:
                country = None if answer.kind in NO_COUNTRY_KINDS else answer.country
                if country is not None and country not in ISO_COUNTRIES:
                    evidence.append(f"fallback: answered {country!r}, not an ISO code; ignored")
                else:
                    evidence.append(f"{answer.method}: {answer.evidence}")
                    return OutletClassification(
                        country=country,
                        kind=answer.kind,
                        method=answer.method,
                        confidence=answer.confidence,
                        evidence="; ".join(evidence),
                        outlet_name=answer.outlet_name,
                        ownership=answer.ownership,
                    )
            else:
                evidence.append("fallback: no answer")

    evidence.append("none: no evidence for a country")
    return OutletClassification(
        country=None, kind=UNKNOWN, method="none", confidence=0.0, evidence="; ".join(evidence)
    )


# --- DataFrames ----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A cell as str, or None for None/NaN/NA/empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value)
    return text if text.strip() else None


def _column(values: Any, index: pd.Index, dtype: type) -> pd.Series:
    """Object columns keep None as None (pandas' default string dtype would turn it into NaN)."""
    return pd.Series(list(values), index=index, dtype=dtype)


_TITLE_SUFFIX = re.compile(r"\s(?:-|–|—|\|)\s+([^-–—|]{2,80})$")


def publisher_from_title(title: str | None) -> str | None:
    """'Headline - Reuters' -> 'Reuters': the publisher an aggregator item credits, if any."""
    if not title or len(title) > 2000:
        return None
    match = _TITLE_SUFFIX.search(title.strip())
    return match.group(1).strip() if match else None


def _recover_publisher(
    base: OutletClassification, title: str | None, registry: OutletRegistry
) -> OutletClassification | None:
    publisher = publisher_from_title(title)
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
            (_text(name), _text(domain) or _text(url))
            for name, url, domain in zip(names, urls, domains, strict=True)
        }
        outlets.update(_ask_fallback(sorted(keys - set(outlets), key=str), registry, fallback))
    recovered: dict[tuple[str | None, str | None], OutletClassification | None] = {}
    rows = []
    for article_id, name, url, domain, title in zip(
        column("article_id"), names, urls, domains, titles, strict=True
    ):
        key = (_text(name), _text(domain) or _text(url))
        result = outlets.get(key)
        if result is None:
            result = outlets[key] = classify_outlet(key[0], key[1], registry, fallback)
        if result.kind in NO_COUNTRY_KINDS:
            suffix = publisher_from_title(_text(title))
            rkey = (result.outlet_name, suffix)
            if rkey not in recovered:
                recovered[rkey] = _recover_publisher(result, _text(title), registry)
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
            name: _column(values, articles.index, float if name == "confidence" else object)
            for name, values in zip(CLASSIFICATION_COLUMNS, columns, strict=True)
        },
        index=articles.index,
    )


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
        key = (_text(name), _text(url) or _text(domain))
        result = cache.get(key)
        if result is None:
            result = cache[key] = classify_outlet(key[0], key[1], registry)
        results.append(result)
    out = df.copy()
    for name in TABLE_COLUMNS:
        values = [getattr(r, name) for r in results]
        out[name] = _column(values, df.index, float if name == "confidence" else object)
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
        (_text(name), _text(domain) or _text(url))
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
        with storage.connect(db) as con:
            storage.replace_day(
                con, "article_perspectives", run.topic, run.logical_date, run.run_id, result
            )
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
