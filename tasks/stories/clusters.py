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
    """Union-find over articles, each article's group kept current in an array; the decided
    pairs between two groups are counted when asked, from the pairs' adjacency (a few bytes a
    pair, where counts kept per pair of groups took about 150)."""

    def __init__(self, n: int, first: np.ndarray, second: np.ndarray) -> None:
        self.group = np.arange(n)
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        ends = np.concatenate([first, second])
        order = np.argsort(ends, kind="stable")
        self.neighbours = np.concatenate([second, first])[order].astype(np.int32)
        self.starts = np.searchsorted(ends[order], np.arange(n + 1))

    def linkage(self, ra: int, rb: int) -> float:
        """Share of the cross pairs of groups ra and rb that are decided."""
        small, other = (ra, rb) if len(self.members[ra]) <= len(self.members[rb]) else (rb, ra)
        members = self.members[small]
        around = (
            self.neighbours[self.starts[members[0]] : self.starts[members[0] + 1]]
            if len(members) == 1
            else np.concatenate(
                [self.neighbours[self.starts[i] : self.starts[i + 1]] for i in members]
            )
        )
        shared = np.count_nonzero(self.group[around] == other)
        return shared / (len(self.members[ra]) * len(self.members[rb]))

    def join(self, ra: int, rb: int) -> None:
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        moved = self.members.pop(rb)
        self.group[moved] = ra
        self.members[ra] += moved


def group_events(
    n: int,
    first: np.ndarray,
    second: np.ndarray,
    strength: np.ndarray,
    copies: Iterable[tuple[int, int]] = (),
) -> np.ndarray:
    """A group number per article (0..k-1, in order of first member): average linkage over
    the decided pairs, copies joined first."""
    groups = _Groups(n, first, second)
    for a, b in copies:
        if groups.group[a] != groups.group[b]:
            groups.join(int(groups.group[a]), int(groups.group[b]))
    order = np.lexsort((second, first, -strength))  # strongest first, ties by position
    for start in range(0, len(order), 65536):  # a slice at a time: Python ints are 32 bytes
        part = order[start : start + 65536]
        for a, b in zip(first[part].tolist(), second[part].tolist(), strict=True):
            ra, rb = int(groups.group[a]), int(groups.group[b])
            if ra != rb and groups.linkage(ra, rb) >= LINKAGE:
                groups.join(ra, rb)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = np.unique(groups.group, return_inverse=True)
    first_member = np.full(labels.max() + 1, n)
    np.minimum.at(first_member, labels, np.arange(n))
    rank = np.argsort(np.argsort(first_member))  # numbered in order of first member
    return rank[labels].astype(np.int64)


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
