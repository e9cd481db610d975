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

# (headlines, their vectors) -> the pairs of the batch that are, or may be, the same event
# (decided: margin >= 0).
Matcher = Callable[[Sequence[Headline], np.ndarray], ScoredPairs]

CLUSTER_COLUMNS = ("article_id", "cluster_id", "story_id", "side", "score")
DAY_STORY_COLUMNS = (
    "story_id", "first_seen", "articles", "new_articles", "sides", "loose_sides", "languages",
    "headline",
)  # fmt: skip


@dataclass(frozen=True)
class DayInput:
    """What the stage read: the day's usable articles (article_id, title, item, language,
    published_at, side, on_topic), the day's copies (article_id -> kept_article_id), and the
    earlier days' story members (story_id, item, first_seen); ``vectors`` holds one row per
    article, then one per earlier member (one array: a day's vectors are not copied again);
    ``yesterday_items`` are the feed items of the previous day's stories."""

    topic: str
    day: str
    sides: Collection[str]  # the topic's sides
    articles: pd.DataFrame
    copies: dict[str, str]
    earlier: pd.DataFrame
    vectors: np.ndarray
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
    n = len(articles)
    if n == 0:
        return _empty(CLUSTER_COLUMNS), _empty(DAY_STORY_COLUMNS)
    together = pd.concat([articles, day.earlier], ignore_index=True)
    pairs = matcher(_headlines(together), day.vectors)
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
    groups = _members(labels)
    ids = articles["article_id"].to_numpy()
    story_of_group = {
        group: continued.get(group) or new_story_id(day.topic, day.day, ids[members].tolist())
        for group, members in groups
    }
    clusters = _cluster_rows(articles, labels, groups, decided, story_of_group)
    first_seen = dict(zip(day.earlier["story_id"], day.earlier["first_seen"], strict=True))
    stories = _day_story_rows(day, articles, clusters, today, first_seen)
    return clusters, stories


def _members(labels: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Each group number (in order) with the positions of its articles (ascending), in one
    sort rather than a scan of all positions per group."""
    if not len(labels):
        return []
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    return list(zip(ordered[np.r_[0, cuts]].tolist(), np.split(order, cuts), strict=True))


def _cluster_rows(
    articles: pd.DataFrame,
    labels: np.ndarray,
    groups: list[tuple[int, np.ndarray]],
    decided: ScoredPairs,
    story_of: dict[int, str],
) -> pd.DataFrame:
    """One row per article, group by group; ``score``: its strongest decided pair inside its
    story."""
    best = np.zeros(len(articles))
    inside = labels[decided.first] == labels[decided.second]
    for ends in (decided.first[inside], decided.second[inside]):
        np.maximum.at(best, ends, decided.score[inside])
    ids = articles["article_id"].to_numpy(dtype=object)
    cluster_of = np.empty(len(articles), dtype=object)
    story = np.empty(len(articles), dtype=object)
    for group, members in groups:
        key = "\n".join(sorted(ids[members].tolist()))
        cluster_of[members] = "c" + hashlib.sha1(key.encode()).hexdigest()[:12]
        story[members] = story_of[group]
    order = np.concatenate([members for _, members in groups]) if groups else np.zeros(0, int)
    return pd.DataFrame(
        {
            "article_id": ids[order].tolist(),
            "cluster_id": cluster_of[order].tolist(),
            "story_id": story[order].tolist(),
            "side": articles["side"].to_numpy(dtype=object)[order].tolist(),
            "score": [round(x, 4) for x in best[order].tolist()],
        },
        columns=list(CLUSTER_COLUMNS),
    )


def _day_story_rows(
    day: DayInput,
    articles: pd.DataFrame,
    clusters: pd.DataFrame,
    today: ScoredPairs,
    first_seen: dict[str, object],
) -> pd.DataFrame:
    """One row per story of the day, each figure gathered for all stories at once."""
    story = clusters.set_index("article_id").loc[articles["article_id"], "story_id"].to_numpy()
    code, story_ids = pd.factorize(story, sort=True)
    k = len(story_ids)
    side = articles["side"].to_numpy(dtype=object)
    on_side = (articles["on_topic"].astype(bool) & articles["side"].isin(day.sides)).to_numpy()
    own = np.flatnonzero(on_side)
    # A side also reaches a story through a loose pair between one of its on-topic articles
    # and a member of the story.
    loose = today.where(today.margin >= day.loose_score)
    a, b = loose.first, loose.second
    reach_story = np.concatenate([code[own], code[a][on_side[b]], code[b][on_side[a]]])
    reach_side = np.concatenate([side[own], side[b][on_side[b]], side[a][on_side[a]]])
    language = articles["language"]
    known = language.notna().to_numpy()
    is_new = (~articles["item"].isin(day.yesterday_items)).to_numpy()
    published = pd.to_datetime(articles["published_at"], utc=True).astype("int64").to_numpy()
    by_lead = np.lexsort(
        (np.arange(len(code)), published, ~articles["on_topic"].to_numpy(dtype=bool), code)
    )  # per story: on-topic first, then the earliest
    lead = by_lead[np.r_[0, np.flatnonzero(np.diff(code[by_lead])) + 1]] if k else by_lead
    titles = articles["title"].to_numpy(dtype=object)
    opened = pd.Timestamp(day.day).date()
    return pd.DataFrame(
        {
            "story_id": story_ids.tolist(),
            "first_seen": [first_seen.get(s, opened) for s in story_ids.tolist()],
            "articles": np.bincount(code, minlength=k).tolist(),
            "new_articles": np.bincount(code[is_new], minlength=k).tolist(),
            "sides": _sorted_sets(code[own], side[own], k),
            "loose_sides": _sorted_sets(reach_story, reach_side, k),
            "languages": _sorted_sets(
                code[known], language[known].astype(str).to_numpy(dtype=object), k
            ),
            "headline": [str(titles[i]) for i in lead.tolist()],
        },
        columns=list(DAY_STORY_COLUMNS),
    )


def _sorted_sets(keys: np.ndarray, values: np.ndarray, k: int) -> list[list[object]]:
    """For each key 0..k-1, the sorted distinct values paired with it."""
    found: list[list[object]] = [[] for _ in range(k)]
    for key, value in sorted(set(zip(keys.tolist(), values.tolist(), strict=True))):
        found[key].append(value)
    return found


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
