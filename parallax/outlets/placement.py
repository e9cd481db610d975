"""Which country an outlet speaks for, from the registry's evidence, explained.

Pure: no I/O, no clock, no network. Evidence is tried in a fixed order and every step tried is
written to ``evidence``, so a reader can see why an outlet got its country, or why not:

1. **domain**: the publisher host (``source_url`` may be a URL or a bare host) in the registry;
   the exact host first, then parents down to the registrable domain.
2. **name**: the ``<source>`` name in the registry after normalisation; also names that are host
   names ("Bloomberg.com", "newsus.cgtn.com") and the parts of "Headline | Site" style names.
3. **cctld**: the country-code TLD of the host (or of a name that is a host), e.g. ``.pk`` -> PK,
   ``.co.uk`` -> GB; ccTLDs sold as generic names (.co .io .tv .me .ai .fm ...) tell nothing.
4. **fallback** (optional, e.g. a language model): asked only when 1-3 found nothing.
5. **none**: country unknown, kind unknown.

Aggregators and platforms never get a country: they relay other outlets' stories. Steps 1-3 of
an outlet are worked out once per registry and process (`registry_placement`): dedupe and
classify both place the same day's outlets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from parallax.outlets.registry import (
    ISO_COUNTRIES,
    NO_COUNTRY_KINDS,
    Outlet,
    OutletRegistry,
    is_idn,
    normalize_host,
    normalize_name,
    split_host,
)
from parallax.records import UNKNOWN, OutletClassification

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


@functools.lru_cache(maxsize=65536)
def registry_placement(
    source_name: str | None, source_url: str | None, registry: OutletRegistry
) -> tuple[OutletClassification | None, tuple[str, ...]]:
    """Steps 1-3 for one outlet: its classification when the registry's evidence places it, and
    the evidence of every step tried."""
    evidence: list[str] = []

    # 1. registry by publisher domain
    host, reason = _host_or_reason(source_url)
    if host is not None:
        hit = registry.by_host(host)
        if hit is not None:
            outlet, matched = hit
            via = f"host {host}" if matched == host else f"host {host} falls under {matched}"
            evidence.append(f"domain: {via}, registry domain of {_describe(outlet)}")
            return _from_outlet(outlet, "domain", CONFIDENCE_DOMAIN, evidence), tuple(evidence)
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
            return _from_outlet(named, "name", CONFIDENCE_NAME, evidence), tuple(evidence)
        evidence.append(f"name: {what}")

    # 3. country-code TLD of the host, else of a name that is itself a host name
    tld_host = host or (_name_as_host(source_name) if name_ok else None)
    if tld_host is not None:
        country, why = cctld_country(tld_host)
        evidence.append(f"cctld: {why}")
        if country is not None:
            found = OutletClassification(
                country=country,
                kind="outlet",
                method="cctld",
                confidence=CONFIDENCE_CCTLD,
                evidence="; ".join(evidence),
            )
            return found, tuple(evidence)
    else:
        evidence.append("cctld: no host name to read a TLD from")
    return None, tuple(evidence)


def classify_outlet(
    source_name: str | None,
    source_url: str | None,
    registry: OutletRegistry,
    fallback: Fallback | None = None,
) -> OutletClassification:
    """Country, kind, method, confidence and evidence for one outlet. Never raises on bad input."""
    source_name = source_name if isinstance(source_name, str) else None
    source_url = source_url if isinstance(source_url, str) else None
    placed, steps = registry_placement(source_name, source_url, registry)
    if placed is not None:
        return placed
    evidence = list(steps)

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
