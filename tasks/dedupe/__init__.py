"""Dedupe: which of the day's recent articles are copies of another (`duplicates`). The
decisions are pure functions over DataFrames (copies.py); the task below stores them. (Which
articles report one story is the stories stage's: tasks/stories.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.outlets.articles import outlet_sides
from parallax.outlets.registry import load_registry
from parallax.records import INTERNATIONAL, UNKNOWN, RunRef
from parallax.storage import save_day
from parallax.storage.ledger import stage
from parallax.topics import Topic
from parallax.window import dropped_counts, usable
from tasks.dedupe.copies import also_carried_by, connected_components, find_duplicates
from tasks.dedupe.settings import DEFAULT_SETTINGS, METHODS, DedupeSettings
from tasks.dedupe.simjoin import similar_sets
from tasks.dedupe.stories import cluster_stories, duplicates_and_stories, story_coverage
from tasks.dedupe.titles import titles_match

__all__ = [
    "DEFAULT_SETTINGS", "METHODS", "DedupeSettings", "also_carried_by", "cluster_stories",
    "connected_components", "dedupe_articles", "duplicates_and_stories", "find_duplicates",
    "side_preference", "similar_sets", "story_coverage", "titles_match",
]  # fmt: skip


def side_preference(topic: Topic) -> dict[str, int]:
    """Keep a copy from an outlet of one of the topic's sides over a foreign or unknown one."""
    return {**{p.id: 0 for p in topic.perspectives}, INTERNATIONAL: 1, UNKNOWN: 2}


@task(name="dedupe", cache_policy=NO_CACHE, task_run_name="dedupe {run.topic}")
def dedupe_articles(
    run: RunRef, db: Path, topic: Topic, window: tuple[dt.date, dt.date], outlets_file: Path
) -> dict:
    """Decide copies among the day's recent articles and group them into stories."""
    registry = load_registry(outlets_file)
    with stage(db, run, "dedupe") as counts:
        with storage.connect(db) as con:
            articles = storage.load_day(con, "articles", run.topic, run.logical_date)
        recent = articles[usable(articles, window)]
        framed = outlet_sides(recent, topic, registry)
        duplicates = find_duplicates(framed, side_preference(topic))
        save_day(db, run, "dedupe", {"duplicates": duplicates})
        counts.update(
            articles=len(articles),
            in_window=len(recent),
            dropped=dropped_counts(articles, window),
            duplicates=len(duplicates),
            by_method=duplicates["method"].value_counts().to_dict(),
        )
    return counts
