"""The earlier-pages rule: an article already on one of the topic's previous ``recent_days``
pages (same canonical URL, or same normalized headline when it is long enough to identify a
story) is taken only when its side has nothing fresher, and is then marked as continuing."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from parallax.headlines import MIN_IDENTIFYING_TOKENS, normalize_title
from parallax.links import article_url


def article_keys(
    link: object,
    title: object,
    source_name: str | None = None,
) -> frozenset[str]:
    """Identity keys of one article for cross-day checks: its canonical URL and, when long
    enough to identify a story, its normalized title."""
    keys = set()
    if isinstance(link, str) and link.strip():
        keys.add("url:" + article_url(link.strip()))
    norm = normalize_title(title if isinstance(title, str) else "", source_name)
    if norm and len(norm.split()) >= MIN_IDENTIFYING_TOKENS:
        keys.add("title:" + norm)
    return frozenset(keys)


def published_keys(
    pages: pd.DataFrame,
) -> frozenset[str]:
    """All keys of the articles listed on earlier pages (columns link, title, source_name).
    The caller passes the pages of the topic's previous ``recent_days`` days."""
    keys: set[str] = set()
    sources = pages["source_name"] if "source_name" in pages else [None] * len(pages)
    for link, title, source in zip(pages["link"], pages["title"], sources, strict=True):
        keys |= article_keys(link, title, source if isinstance(source, str) else None)
    return frozenset(keys)


def recently_published(
    candidates: pd.DataFrame,
    published: Collection[str],
) -> pd.Series:
    """True for candidates whose link or title was already on a page of the previous days;
    indexed like ``candidates``."""
    published = frozenset(published)
    sources = (
        candidates["source_name"]
        if "source_name" in candidates
        else pd.Series([None] * len(candidates), index=candidates.index)
    )
    flags = [
        not published.isdisjoint(
            article_keys(link, title, source if isinstance(source, str) else None)
        )
        for link, title, source in zip(
            candidates["link"], candidates["title"], sources, strict=True
        )
    ]
    return pd.Series(flags, index=candidates.index, dtype=bool, name="recently_published")
