"""From pair decisions to stories: the day's events, and the earlier story each one continues.

Pure functions over arrays of pairs: ``first``/``second`` (positions of two articles) decided
the same event, ``strength`` how sure (match.py). Grouping is average linkage: two groups join
when at least half of their cross pairs are decided the same event, strongest pairs first, so
one loose link cannot chain two events into one story. Copies (dedupe's decisions) are always
one story. Pairs not listed are not the same event.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

LINKAGE = 0.5  # share of cross pairs that must be the same event for two groups to join


class _Groups:
    """Union-find over articles that also counts the decided pairs between any two groups."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        self.links: dict[int, Counter[int]] = {}

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def link(self, a: int, b: int) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.links.setdefault(ra, Counter())[rb] += 1
            self.links.setdefault(rb, Counter())[ra] += 1

    def linkage(self, ra: int, rb: int) -> float:
        return self.links.get(ra, Counter())[rb] / (self.size[ra] * self.size[rb])

    def join(self, a: int, b: int) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        moved = self.links.pop(rb, Counter())
        moved.pop(ra, None)
        mine = self.links.setdefault(ra, Counter())
        mine.pop(rb, None)
        for other, count in moved.items():
            mine[other] += count
            theirs = self.links[other]
            theirs[ra] += theirs.pop(rb)


def group_events(
    n: int,
    first: np.ndarray,
    second: np.ndarray,
    strength: np.ndarray,
    copies: Iterable[tuple[int, int]] = (),
) -> np.ndarray:
    """A group number per article (0..k-1, in order of first member): average linkage over
    the decided pairs, copies joined first."""
    groups = _Groups(n)
    for a, b in copies:
        groups.join(a, b)
    for start in range(0, len(first), 65536):
        for a, b in zip(
            first[start : start + 65536].tolist(),
            second[start : start + 65536].tolist(),
            strict=True,
        ):
            groups.link(a, b)
    order = np.lexsort((second, first, -strength))  # strongest first, ties by position
    for start in range(0, len(order), 65536):  # a slice at a time: Python ints are 32 bytes
        part = order[start : start + 65536]
        for a, b in zip(first[part].tolist(), second[part].tolist(), strict=True):
            ra, rb = groups.root(a), groups.root(b)
            if ra != rb and groups.linkage(ra, rb) >= LINKAGE:
                groups.join(a, b)
    labels = np.empty(n, dtype=np.int64)
    numbers: dict[int, int] = {}
    for i in range(n):
        labels[i] = numbers.setdefault(groups.root(i), len(numbers))
    return labels


def continued_stories(
    labels: np.ndarray,
    decided: Iterable[tuple[int, int]],
    earlier_story: Sequence[str],
    same_item: Iterable[tuple[int, int]],
) -> dict[int, str]:
    """For each group of the day that continues an earlier story, that story's id.

    ``decided``: pairs (a day's article, an article of the earlier days' stories, whose ids
    are ``earlier_story``) decided the same event; ``same_item``: pairs that are the same feed
    item seen again (its link), which continues its story by itself. A group continues the
    earlier story with which at least half of its cross pairs are decided (the best one when
    several; ties: the first story id in sorted order).
    """
    if not len(earlier_story) or not len(labels):
        return {}
    group_size = Counter(labels.tolist())
    story_size = Counter(earlier_story)
    shared: Counter[tuple[int, str]] = Counter(
        (int(labels[i]), earlier_story[j]) for i, j in decided
    )
    again = {(int(labels[i]), earlier_story[j]) for i, j in same_item}
    ranked = []
    for group, story in set(shared) | again:
        share = shared[(group, story)] / (group_size[group] * story_size[story])
        rank = 1.0 + share if (group, story) in again else share  # the same item ranks first
        ranked.append((group, -rank, story))
    found: dict[int, str] = {}
    for group, negative_rank, story in sorted(ranked):  # best first, then story id
        if group not in found and -negative_rank >= LINKAGE:
            found[group] = story
    return found


def new_story_id(topic: str, day: str, members: Iterable[str]) -> str:
    """A story first seen on ``day``: named by its topic, day and first members, so a re-run
    of the day names it the same."""
    key = "\n".join([topic, day, *sorted(members)])
    return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
