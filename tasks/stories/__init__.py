"""Stories: the day's articles about one event, in any language, and the same story followed
across days (a story id that stays while the story continues).

After relevance (which decides which articles can count as a side's coverage) and before select
(which takes one article per story first). The vectors are the title embeddings the relevance
stage kept; the pair decisions are match.py's, the grouping clusters.py's, the rows build.py's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE

from parallax import storage
from parallax.embeddings import Embedder, embed_texts
from parallax.lexicon import Lexicon
from parallax.records import RunRef
from parallax.storage.ledger import stage
from parallax.topics import Topic
from parallax.window import usable
from tasks.stories.build import DayInput, build_stories
from tasks.stories.match import Headline
from tasks.stories.pairs import ScoredPairs, scored_pairs

# A pair this close below its threshold may still report one event: a story some other side
# reported that closely is not called a blindspot.
LOOSE_MARGIN = 0.03


@task(name="stories", cache_policy=NO_CACHE, task_run_name="stories {run.topic}")
def stories_day(
    run: RunRef,
    db: Path,
    topic: Topic,
    window: tuple[dt.date, dt.date],
    embedder: Embedder,
    lexicon: Lexicon,
) -> dict:
    """Group the day's articles into stories and link them to the previous days' stories."""
    day = run.logical_date
    with stage(db, run, "stories") as counts:
        with storage.connect(db) as con:
            articles = con.execute(storage.query("stories_day_articles"), [topic.id, day]).df()
            copies = storage.load_day(con, "duplicates", topic.id, day)
            earlier = con.execute(
                storage.query("stories_earlier"),
                [
                    topic.id,
                    day - dt.timedelta(days=topic.settings.recent_days),
                    day - dt.timedelta(days=1),
                ],
            ).df()
        articles = articles[usable(articles, window)].reset_index(drop=True)
        articles["item"] = articles["link"].where(articles["link"].notna(), articles["article_id"])
        titles = articles["title"].astype(str).tolist()
        vectors, embedded = embed_texts(
            db, titles + earlier["title"].astype(str).tolist(), embedder
        )
        yesterday = earlier.loc[earlier["logical_date"] == day - dt.timedelta(days=1), "item"]

        countries = [c for p in topic.perspectives for c in p.countries]

        def matcher(headlines: Sequence[Headline], vectors: np.ndarray) -> ScoredPairs:
            return scored_pairs(
                headlines, vectors, lexicon, countries, topic.id, floor=-LOOSE_MARGIN
            )

        clusters, stories = build_stories(
            DayInput(
                topic=topic.id,
                day=day.isoformat(),
                sides=[p.id for p in topic.perspectives],
                articles=articles,
                copies=dict(zip(copies["article_id"], copies["kept_article_id"], strict=True)),
                earlier=earlier,
                vectors=vectors,
                yesterday_items=set(yesterday),
                loose_score=-LOOSE_MARGIN,
            ),
            matcher,
        )
        storage.save_day(db, run, "stories", {"story_clusters": clusters, "day_stories": stories})
        sides = {p.id for p in topic.perspectives}
        multi = stories[stories["articles"] > 1]
        counts.update(
            articles=len(articles),
            stories=len(stories),
            multi_article=len(multi),
            both_sides=int(sum(len(set(s) & sides) > 1 for s in multi["sides"])),
            continued=int((stories["first_seen"].astype(str) < day.isoformat()).sum()),
            embedded=embedded,
        )
    return counts
