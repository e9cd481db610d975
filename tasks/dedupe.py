"""Dedupe: decide which articles are copies of another, and keep the decision.

First version: exact guid, exact link and identical normalized headline within one topic-day.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks import storage
from tasks.models import DUPLICATE_COLUMNS
from tasks.runs import RunRef, stage
from tasks.window import within_window

_NON_WORD = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DedupeSettings:
    pass


def normalize_title(title: str | None, source_name: str | None = None) -> str:
    """Case-, accent- and punctuation-insensitive form of a headline, without " - Source"."""
    text = unicodedata.normalize("NFKC", title or "")
    if source_name and text.endswith(f" - {source_name}"):
        text = text[: -len(source_name) - 3]
    text = _NON_WORD.sub(" ", text.casefold())
    return _SPACE.sub(" ", text).strip()


def find_duplicates(
    articles: pd.DataFrame,
    side_preference: Mapping[str, int] | None = None,
    settings: DedupeSettings = DedupeSettings(),
) -> pd.DataFrame:
    """One row per article that copies an earlier-ranked one (columns: DUPLICATE_COLUMNS).

    Articles are ranked by preferred side, then feed position, then id, so the decision does
    not depend on row order.
    """
    if articles.empty:
        return pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
    ranked = articles.assign(
        side_rank=articles.get("side", pd.Series(index=articles.index, dtype=object))
        .map(side_preference or {})
        .fillna(len(side_preference or {})),
        title_key=[
            normalize_title(t, s)
            for t, s in zip(articles["title"], articles["source_name"], strict=True)
        ],
    ).sort_values(["side_rank", "feed_position", "article_id"], kind="stable")
    kept_by: dict[tuple[str, str], str] = {}
    decisions = []
    for row in ranked.itertuples():
        keys = [("guid", row.guid), ("link", row.link), ("title_exact", row.title_key)]
        match = next(((m, kept_by[(m, k)]) for m, k in keys if k and (m, k) in kept_by), None)
        if match:
            decisions.append((row.article_id, match[1], match[0], 1.0))
            continue
        for method, key in keys:
            if key:
                kept_by[(method, key)] = row.article_id
    return pd.DataFrame(decisions, columns=list(DUPLICATE_COLUMNS))


@task(name="dedupe", cache_policy=NO_CACHE, task_run_name="dedupe {run.topic}")
def dedupe_articles(run: RunRef, db: Path, window: tuple[dt.date, dt.date]) -> dict:
    """Decide duplicates among the day's articles that are recent enough to be published."""
    with stage(db, run, "dedupe") as counts, storage.connect(db) as con:
        articles = storage.load_day(con, "articles", run.topic, run.logical_date)
        articles = articles[within_window(articles["published_at"], window)]
        duplicates = find_duplicates(articles)
        storage.replace_day(con, "duplicates", run.topic, run.logical_date, run.run_id, duplicates)
        counts.update(
            articles=len(articles),
            duplicates=len(duplicates),
            by_method=duplicates["method"].value_counts().to_dict(),
        )
    return counts
