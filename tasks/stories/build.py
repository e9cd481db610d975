"""A topic-day's stories from its articles: pure functions over DataFrames and vectors.

Articles reporting one event, in any language, form the day's group (`cluster_id`); a group
that continues a story of the previous days takes that story's id (`story_id`), else it starts
a new one. Each story of the day records who covered it: ``sides``, the sides whose outlets
carried it with an on-topic article, and ``loose_sides``, also the sides with an on-topic
article that may report it (a weaker match). A story is one side's alone, and the others'
blindspot, only when no other side is in ``loose_sides``: so one event never gives two
blindspots, one per side, on a page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.stories.clusters import continued_stories, group_events, new_story_id
from tasks.stories.match import Headline
from tasks.stories.pairs import ScoredPairs

# (headlines, their vectors) -> (same event: n x n bool, how sure: n x n float)
# The pairs of a batch that are, or may be, the same event (decided: margin >= 0).
Matcher = Callable[[Sequence[Headline], np.ndarray], ScoredPairs]

CLUSTER_COLUMNS = ("article_id", "cluster_id", "story_id", "side", "score")
DAY_STORY_COLUMNS = (
    "story_id", "first_seen", "articles", "new_articles", "sides", "loose_sides", "languages",
    "headline",
)  # fmt: skip


@dataclass(frozen=True)
class DayInput:
    """What the stage read: the day's usable articles (article_id, title, item, language,
    published_at, side, on_topic) with their vectors, the day's copies (article_id ->
    kept_article_id), and the earlier days' story members (story_id, item, first_seen) with
    theirs; ``yesterday_items`` are the feed items of the previous day's stories."""

    topic: str
    day: str
    sides: Collection[str]  # the topic's sides
    articles: pd.DataFrame
    vectors: np.ndarray
    copies: dict[str, str]
    earlier: pd.DataFrame
    earlier_vectors: np.ndarray
    yesterday_items: Collection[str]
    loose_score: float  # a pair whose margin reaches this may report one event


def _headlines(frame: pd.DataFrame) -> list[Headline]:
    return [
        Headline(
            title=str(t),
            language=lang if isinstance(lang, str) else "",
            published_at=None if pd.isna(p) else p,
        )
        for t, lang, p in zip(
            frame["title"], frame["language"], frame["published_at"].tolist(), strict=True
        )
    ]


def build_stories(day: DayInput, matcher: Matcher) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The day's `story_clusters` and `day_stories` rows."""
    articles = day.articles.reset_index(drop=True)
    n, m = len(articles), len(day.earlier)
    if n == 0:
        return _empty(CLUSTER_COLUMNS), _empty(DAY_STORY_COLUMNS)
    together = pd.concat([articles, day.earlier], ignore_index=True)
    pairs = matcher(
        _headlines(together), np.vstack([day.vectors, day.earlier_vectors]) if m else day.vectors
    )
    today = pairs.where(pairs.second < n)
    to_earlier = pairs.where((pairs.first < n) & (pairs.second >= n) & pairs.decided)
    index = {aid: i for i, aid in enumerate(articles["article_id"])}
    copies = [(index[a], index[b]) for a, b in day.copies.items() if a in index and b in index]
    decided = today.where(today.decided)
    labels = group_events(n, decided.first, decided.second, decided.margin, copies)
    earlier_at: dict[object, list[int]] = {}
    for j, item in enumerate(day.earlier["item"].tolist()):
        earlier_at.setdefault(item, []).append(j)
    same_item = [
        (i, j) for i, item in enumerate(articles["item"].tolist()) for j in earlier_at.get(item, [])
    ]
    continued = continued_stories(
        labels,
        zip(to_earlier.first.tolist(), (to_earlier.second - n).tolist(), strict=True),
        day.earlier["story_id"].tolist(),
        same_item,
    )
    story_of_group = {
        group: continued.get(group)
        or new_story_id(day.topic, day.day, articles.loc[labels == group, "article_id"])
        for group in np.unique(labels).tolist()
    }
    clusters = _cluster_rows(articles, labels, decided, story_of_group)
    first_seen = dict(zip(day.earlier["story_id"], day.earlier["first_seen"], strict=True))
    stories = _day_story_rows(day, articles, clusters, today, first_seen)
    return clusters, stories


def _cluster_rows(
    articles: pd.DataFrame, labels: np.ndarray, decided: ScoredPairs, story_of: dict[int, str]
) -> pd.DataFrame:
    """One row per article; ``score``: its strongest decided pair inside its story."""
    best = np.zeros(len(articles))
    inside = labels[decided.first] == labels[decided.second]
    for ends in (decided.first[inside], decided.second[inside]):
        np.maximum.at(best, ends, decided.score[inside])
    rows = []
    for group in np.unique(labels).tolist():
        members = np.flatnonzero(labels == group)
        ids = articles.loc[members, "article_id"].tolist()
        cluster_id = "c" + hashlib.sha1("\n".join(sorted(ids)).encode()).hexdigest()[:12]
        for i in members.tolist():
            rows.append(
                {
                    "article_id": articles.at[i, "article_id"],
                    "cluster_id": cluster_id,
                    "story_id": story_of[group],
                    "side": articles.at[i, "side"],
                    "score": round(float(best[i]), 4),
                }
            )
    return pd.DataFrame(rows, columns=list(CLUSTER_COLUMNS))


def _day_story_rows(
    day: DayInput,
    articles: pd.DataFrame,
    clusters: pd.DataFrame,
    today: ScoredPairs,
    first_seen: dict[str, object],
) -> pd.DataFrame:
    story = clusters.set_index("article_id").loc[articles["article_id"], "story_id"].to_numpy()
    on_side = (articles["on_topic"].astype(bool) & articles["side"].isin(day.sides)).to_numpy()
    loose = today.where(today.margin >= day.loose_score)
    near_of: dict[int, set[int]] = {}
    for a, b in zip(loose.first.tolist(), loose.second.tolist(), strict=True):
        near_of.setdefault(a, set()).add(b)
        near_of.setdefault(b, set()).add(a)
    rows = []
    for story_id in sorted(set(story.tolist())):
        members = np.flatnonzero(story == story_id)
        own = members[on_side[members]]
        near = [j for i in members.tolist() for j in near_of.get(i, ()) if on_side[j]]
        frame = articles.loc[members]
        lead = frame.sort_values(["on_topic", "published_at"], ascending=[False, True]).iloc[0]
        rows.append(
            {
                "story_id": story_id,
                "first_seen": first_seen.get(story_id, pd.Timestamp(day.day).date()),
                "articles": len(members),
                "new_articles": int((~frame["item"].isin(day.yesterday_items)).sum()),
                "sides": sorted(set(articles.loc[own, "side"])),
                "loose_sides": sorted(set(articles.loc[np.union1d(own, near), "side"])),
                "languages": sorted({str(x) for x in frame["language"].dropna()}),
                "headline": str(lead["title"]),
            }
        )
    return pd.DataFrame(rows, columns=list(DAY_STORY_COLUMNS))


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
