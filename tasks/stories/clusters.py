"""From pair decisions to stories: the day's events, and the earlier story each one continues.

Pure functions over arrays. ``decided`` (n x n, bool) says which pairs of articles report the
same event and ``score`` (n x n) how sure that is (match.py). Grouping is average linkage: two
groups join when at least half of their cross pairs are decided the same event, strongest pairs
first, so one loose link cannot chain two events into one story. Copies (dedupe's decisions)
are always one story.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

LINKAGE = 0.5  # share of cross pairs that must be the same event for two groups to join


class _Groups:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] += self.members.pop(rb)


def group_events(
    decided: np.ndarray, score: np.ndarray, copies: Iterable[tuple[int, int]] = ()
) -> np.ndarray:
    """A group number per article (0..k-1, in order of first member): average linkage over
    the decided pairs, copies joined first."""
    n = len(decided)
    groups = _Groups(n)
    for a, b in copies:
        groups.join(a, b)
    rows, cols = np.nonzero(np.triu(decided, k=1))
    order = np.lexsort((cols, rows, -score[rows, cols]))  # strongest first, ties by position
    for a, b in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        ra, rb = groups.root(a), groups.root(b)
        if ra == rb:
            continue
        cross = decided[np.ix_(groups.members[ra], groups.members[rb])]
        if cross.mean() >= LINKAGE:
            groups.join(a, b)
    labels = np.empty(n, dtype=np.int64)
    numbers: dict[int, int] = {}
    for i in range(n):
        labels[i] = numbers.setdefault(groups.root(i), len(numbers))
    return labels


def continued_stories(
    labels: np.ndarray,
    decided_earlier: np.ndarray,
    earlier_story: Sequence[str],
    same_item: np.ndarray,
) -> dict[int, str]:
    """For each group of the day that continues an earlier story, that story's id.

    ``decided_earlier`` (n x m): the day's articles against the m articles of the earlier days'
    stories (``earlier_story`` their ids); ``same_item`` (n x m): the same feed item seen
    again (its link), which continues its story by itself. A group continues the earlier story
    with which at least half of its cross pairs are decided (the best one when several).
    """
    if not len(earlier_story) or not len(labels):
        return {}
    story_ids, story_of = np.unique(np.asarray(earlier_story, dtype=str), return_inverse=True)
    in_group = np.eye(int(labels.max()) + 1)[labels]  # n x g
    in_story = np.eye(len(story_ids))[story_of]  # m x s
    pairs = np.outer(in_group.sum(axis=0), in_story.sum(axis=0))
    share = (in_group.T @ decided_earlier.astype(float) @ in_story) / pairs
    seen_again = (in_group.T @ same_item.astype(float) @ in_story) > 0
    rank = np.where(seen_again, 1.0 + share, share)  # the same item again ranks first
    found: dict[int, str] = {}
    for group, row in enumerate(rank):
        best = int(np.argmax(row))  # ties: the first story id in sorted order
        if row[best] >= LINKAGE:
            found[group] = str(story_ids[best])
    return found


def new_story_id(topic: str, day: str, members: Iterable[str]) -> str:
    """A story first seen on ``day``: named by its topic, day and first members, so a re-run
    of the day names it the same."""
    key = "\n".join([topic, day, *sorted(members)])
    return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
