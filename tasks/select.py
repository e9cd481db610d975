"""Select: the articles a page shows, balanced per side, with each side's shortfall recorded.

The earlier-pages rule lives here too: an article already on one of the previous
``recent_days`` pages (same canonical URL or same normalized headline) is taken only when a
side has nothing fresher."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.headlines import MIN_IDENTIFYING_TOKENS, normalize_title
from parallax.links import article_url
from parallax.records import INTERNATIONAL, RunRef
from parallax.storage import save_day
from parallax.storage.ledger import stage
from parallax.topics import Topic
from parallax.window import usable

SELECTION_COLUMNS = ("article_id", "side", "number", "rank_in_side")
SHORTFALL_COLUMNS = ("side", "quota", "available", "selected", "shortfall")


@dataclass(frozen=True)
class SelectionPolicy:
    sides: tuple[str, ...]
    max_total: int
    quota: int
    top_up: bool
    international_max: int = 0  # listed apart, after the sides; 0 = none


def select_articles(
    candidates: pd.DataFrame, policy: SelectionPolicy
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pick up to ``quota`` newest articles per side, then top up to ``max_total``.

    ``candidates`` holds one row per eligible article: article_id, side, published_at,
    feed_position, and optionally recently_published (already on a page of the previous days:
    taken only when a side has nothing fresher). Page numbers run side by side block (config
    order), newest first.
    """
    eligible = candidates[candidates["side"].isin([*policy.sides, INTERNATIONAL])]
    recent = (
        eligible["recently_published"].astype(bool)
        if "recently_published" in eligible
        else pd.Series(False, index=eligible.index)
    )
    ordered = eligible.assign(_recent=recent).sort_values(
        ["_recent", "published_at", "feed_position", "article_id"],
        ascending=[True, False, True, True],
        kind="stable",
    )
    pools = {
        side: list(ordered.loc[ordered["side"] == side, "article_id"]) for side in policy.sides
    }
    taken = {side: pool[: policy.quota] for side, pool in pools.items()}
    room = policy.max_total - sum(len(t) for t in taken.values())
    if policy.top_up:
        # Fill from the sides with the most left over first, as the old system did.
        for side in sorted(policy.sides, key=lambda s: (-(len(pools[s]) - len(taken[s])), s)):
            extra = pools[side][len(taken[side]) : len(taken[side]) + max(room, 0)]
            taken[side] += extra
            room -= len(extra)
    # Outlets of countries on no side are listed apart, never counted in a side's quota.
    intl = list(ordered.loc[ordered["side"] == INTERNATIONAL, "article_id"])
    taken[INTERNATIONAL] = intl[: policy.international_max]
    rows, number = [], 0
    for side in (*policy.sides, INTERNATIONAL):
        for rank, article_id in enumerate(taken[side], start=1):
            number += 1
            rows.append((article_id, side, number, rank))
    shortfalls = [
        (
            side,
            policy.quota,
            len(pools[side]),
            len(taken[side]),
            max(policy.quota - len(pools[side]), 0),
        )
        for side in policy.sides
    ]
    return (
        pd.DataFrame(rows, columns=list(SELECTION_COLUMNS)),
        pd.DataFrame(shortfalls, columns=list(SHORTFALL_COLUMNS)),
    )


def policy_for(topic: Topic) -> SelectionPolicy:
    return SelectionPolicy(
        sides=tuple(p.id for p in topic.perspectives),
        max_total=topic.settings.max_articles,
        quota=topic.side_quota,
        top_up=topic.settings.top_up,
        international_max=topic.settings.international_max
        if topic.settings.show_international
        else 0,
    )


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


@task(name="select", cache_policy=NO_CACHE, task_run_name="select {run.topic}")
def select_day(run: RunRef, db: Path, topic: Topic, window: tuple[dt.date, dt.date]) -> dict:
    """Pick the page's articles; ones already on the previous days' pages only as a last resort."""
    recent_days = topic.settings.recent_days
    with stage(db, run, "select") as counts:
        with storage.connect(db) as con:
            candidates = con.execute(
                storage.query("select_candidates"), [run.topic, run.logical_date]
            ).df()
            earlier = con.execute(
                storage.query("recent_page_articles"),
                [
                    run.topic,
                    run.logical_date - dt.timedelta(days=recent_days),
                    run.logical_date - dt.timedelta(days=1),
                ],
            ).df()
        candidates = candidates[usable(candidates, window)]
        candidates = candidates.assign(
            recently_published=recently_published(candidates, published_keys(earlier))
        )
        selections, shortfalls = select_articles(candidates, policy_for(topic))
        save_day(db, run, "select", {"selections": selections, "selection_shortfalls": shortfalls})
        reused = candidates.set_index("article_id")["recently_published"]
        counts.update(
            candidates=len(candidates),
            selected=len(selections),
            reused_from_recent_pages=int(reused.reindex(selections["article_id"]).sum()),
            per_side=selections["side"].value_counts().to_dict(),
            shortfall=dict(zip(shortfalls["side"], shortfalls["shortfall"], strict=True)),
        )
    return counts
