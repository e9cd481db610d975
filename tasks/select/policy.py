"""Which on-topic articles a page shows: story first, balanced per side, a few per outlet.

Per side, candidates are ranked by how many distinct outlets (of any side) carry their story,
then by how sure the relevance stage is that they are about the topic, then by freshness; an
article already on a recent page goes after every fresh one. A first pass takes one article per
story, a second fills the quota from the rest; no outlet gets more than ``max_per_outlet``
articles on a side. Sides short of their quota are topped up from the sides with the most left
over, under the same outlet cap. Articles of outlets from countries on no side are listed apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from parallax.records import INTERNATIONAL

SELECTION_COLUMNS = ("article_id", "side", "number", "rank_in_side", "continuing")
SHORTFALL_COLUMNS = (
    "side", "quota", "available", "selected", "shortfall", "off_topic", "outlet_capped",
)  # fmt: skip
RANKING = (  # column, ascending
    ("recently_published", True),
    ("breadth", False),
    ("relevance", False),
    ("published_at", False),
    ("feed_position", True),
    ("article_id", True),
)


@dataclass(frozen=True)
class SelectionPolicy:
    sides: tuple[str, ...]
    max_total: int
    quota: int
    top_up: bool
    international_max: int = 0  # listed apart, after the sides; 0 = none
    max_per_outlet: int = 2  # articles of one outlet on one side


class _Side:
    """One side's ranked pool and what it has taken so far."""

    def __init__(self, pool: pd.DataFrame, cap: int) -> None:
        self.pool = pool
        self.cap = cap
        self.taken: list[str] = []
        self.outlets: Counter[str] = Counter()
        self.capped: set[str] = set()
        # (article_id, story, outlet) in ranking order: read once, walked at every take
        self.ranking = list(
            pool[["article_id", "story", "outlet"]].itertuples(index=False, name=None)
        )

    def take(self, limit: int) -> None:
        """Up to ``limit`` more articles: new stories first, then the rest of the ranking."""
        by_id = dict(zip(self.pool["article_id"], self.pool["story"], strict=True))
        taken = set(self.taken)
        stories = {by_id[a] for a in taken if a in by_id}
        for first_pass in (True, False):
            for article_id, story, outlet in self.ranking:
                if len(self.taken) >= limit:
                    return
                if article_id in taken or (first_pass and story in stories):
                    continue
                if self.outlets[outlet] >= self.cap:
                    self.capped.add(article_id)
                    continue
                self.taken.append(article_id)
                taken.add(article_id)
                self.outlets[outlet] += 1
                stories.add(story)

    @property
    def left(self) -> int:
        return len(self.pool) - len(self.taken) - len(self.capped - set(self.taken))


def rank(candidates: pd.DataFrame) -> pd.DataFrame:
    frame = candidates.copy()
    defaults = {"recently_published": False, "breadth": 1, "relevance": 1.0, "story": None}
    for column, value in defaults.items():
        if column not in frame:
            frame[column] = value
    if "outlet" not in frame:
        frame["outlet"] = (
            frame["article_id"] if "source_name" not in frame else frame["source_name"]
        )
    frame["story"] = frame["story"].where(frame["story"].notna(), frame["article_id"])
    frame["outlet"] = frame["outlet"].where(frame["outlet"].notna(), frame["article_id"])
    columns, ascending = zip(*RANKING, strict=True)
    return frame.sort_values(list(columns), ascending=list(ascending), kind="stable")


def select_articles(
    candidates: pd.DataFrame, policy: SelectionPolicy
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The page's articles and each side's shortfall.

    ``candidates``: one row per article that may be published: article_id, side,
    published_at, feed_position and, when known, on_topic, relevance (score), story (cluster
    id), breadth (distinct outlets carrying the story), outlet and recently_published. Articles
    judged off-topic are never selected (they are counted per side). Page numbers run side by
    side block, in config order, then the other countries' block.
    """
    placed = candidates[candidates["side"].isin([*policy.sides, INTERNATIONAL])]
    on_topic = placed["on_topic"].astype(bool) if "on_topic" in placed else True
    off_topic = Counter(placed.loc[~on_topic, "side"]) if "on_topic" in placed else Counter()
    ordered = rank(placed[on_topic] if "on_topic" in placed else placed)
    sides = {
        side: _Side(ordered[ordered["side"] == side], policy.max_per_outlet)
        for side in (*policy.sides, INTERNATIONAL)
    }
    for side in policy.sides:
        sides[side].take(policy.quota)
    room = policy.max_total - sum(len(sides[s].taken) for s in policy.sides)
    if policy.top_up:
        # Fill from the sides with the most left over first, as the old system did.
        for side in sorted(policy.sides, key=lambda s: (-sides[s].left, s)):
            before = len(sides[side].taken)
            sides[side].take(before + max(room, 0))
            room -= len(sides[side].taken) - before
    sides[INTERNATIONAL].take(policy.international_max)
    recent = set(ordered.loc[ordered["recently_published"].astype(bool), "article_id"])
    rows, number = [], 0
    for side in (*policy.sides, INTERNATIONAL):
        for position, article_id in enumerate(sides[side].taken, start=1):
            number += 1
            rows.append((article_id, side, number, position, article_id in recent))
    shortfalls = [
        (
            side,
            policy.quota,
            len(sides[side].pool),
            len(sides[side].taken),
            max(policy.quota - len(sides[side].taken), 0),
            off_topic.get(side, 0),
            len(sides[side].capped - set(sides[side].taken)),
        )
        for side in policy.sides
    ]
    return (
        pd.DataFrame(rows, columns=list(SELECTION_COLUMNS)),
        pd.DataFrame(shortfalls, columns=list(SHORTFALL_COLUMNS)),
    )
