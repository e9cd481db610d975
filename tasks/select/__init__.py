"""Select: the on-topic articles a page shows (policy.py), with each side's shortfall and why,
and the earlier-pages rule (earlier.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.records import RunRef
from parallax.storage import save_day
from parallax.storage.ledger import stage
from parallax.topics import Topic
from parallax.window import usable
from tasks.select.earlier import published_keys, recently_published
from tasks.select.policy import SelectionPolicy, select_articles

__all__ = ["SelectionPolicy", "policy_for", "select_articles", "select_day"]


def policy_for(topic: Topic) -> SelectionPolicy:
    settings = topic.settings
    return SelectionPolicy(
        sides=tuple(p.id for p in topic.perspectives),
        max_total=settings.max_articles,
        quota=topic.side_quota,
        top_up=settings.top_up,
        international_max=settings.international_max if settings.show_international else 0,
        max_per_outlet=settings.max_per_outlet,
    )


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
        counts.update(
            candidates=len(candidates),
            selected=len(selections),
            continuing=int(selections["continuing"].sum()),
            per_side=selections["side"].value_counts().to_dict(),
            shortfall=dict(zip(shortfalls["side"], shortfalls["shortfall"], strict=True)),
            off_topic=int(shortfalls["off_topic"].sum()),
        )
    return counts
