"""The lexical story rule the pipeline used before the stories stage (tasks/stories/): looser
groups of a day's articles by shared event words, one language at a time. No stage runs it
now; benchmarks/stories.py scores it beside the cross-lingual matcher as the baseline that
matcher must not lose to on same-language pairs."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping

import numpy as np
import pandas as pd

from parallax.headlines import content_tokens, stem
from tasks.dedupe.copies import (
    connected_components,
    copy_edges,
    duplicates_from_edges,
    empty_duplicates,
    epoch_seconds,
    prepare,
    rows_of_title_pairs,
)
from tasks.dedupe.settings import DEFAULT_SETTINGS, DedupeSettings
from tasks.dedupe.simjoin import shared_counts


def _cluster_id(members: Iterable[str]) -> str:
    return "c" + hashlib.sha1("\n".join(sorted(members)).encode()).hexdigest()[:12]


def cluster_stories(
    articles: pd.DataFrame, settings: DedupeSettings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Group articles about one event, across sides: columns cluster_id, article_id, side, score.

    Copies found by ``find_duplicates`` always share a cluster. Beyond them, two articles join
    when their titles share at least ``cluster_min_shared_terms`` event terms (key words that are
    not topic words, i.e. not in more than ``cluster_topic_term_share`` of the batch nor in
    more than ``cluster_topic_term_max_df`` titles, which bounds the pairs) making up
    ``cluster_min_overlap`` of the event terms of the sparser title, within
    ``cluster_max_days_apart``. Every article is in exactly one cluster (singletons included,
    score 0.0); score is the article's best link inside its cluster. cluster_id hashes the sorted
    member ids, so a re-run of the same day gives the same ids.
    """
    frame = prepare(articles)
    return _stories(frame, copy_edges(frame, settings) if len(frame) else None, settings)


def duplicates_and_stories(
    articles: pd.DataFrame,
    side_preference: Mapping[str, int] | None = None,
    settings: DedupeSettings = DEFAULT_SETTINGS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``find_duplicates`` and ``cluster_stories`` of the same articles, finding the copy
    evidence they share once (it was half of the stage's time)."""
    frame = prepare(articles)
    edges = copy_edges(frame, settings) if len(frame) else None
    duplicates = duplicates_from_edges(frame, edges, side_preference) if edges is not None else None
    return (
        empty_duplicates() if duplicates is None else duplicates,
        _stories(frame, edges, settings),
    )


def _stories(
    frame: pd.DataFrame, edges: pd.DataFrame | None, settings: DedupeSettings
) -> pd.DataFrame:
    n = len(frame)
    if n == 0 or edges is None:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=float if c == "score" else object)
                for c in ("cluster_id", "article_id", "side", "score")
            }
        )
    seconds = epoch_seconds(frame["published_at"])
    parts = [pd.DataFrame({"a": edges["a"], "b": edges["b"], "score": 1.0})] if len(edges) else []

    codes, uniques = pd.factorize(frame["norm"], sort=False)
    terms = [frozenset(stem(t) for t in content_tokens(u)) for u in uniques]
    df = Counter(t for ts in terms for t in ts)
    topic_df = min(
        max(settings.cluster_topic_term_min_df, settings.cluster_topic_term_share * len(terms)),
        settings.cluster_topic_term_max_df,
    )
    postings: dict[str, list[int]] = defaultdict(list)  # event term -> titles with it
    for i, ts in enumerate(terms):
        for t in ts:
            if df[t] <= topic_df:
                postings[t].append(i)
    x, y, shared = shared_counts(postings.values())  # (title, later title, shared terms)
    event_sizes = np.fromiter(
        (sum(1 for t in ts if df[t] <= topic_df) for ts in terms), dtype=np.int64, count=len(terms)
    )
    enough = shared >= settings.cluster_min_shared_terms
    x, y, shared = x[enough], y[enough], shared[enough]
    overlap = shared / np.minimum(event_sizes[x], event_sizes[y])
    close = overlap >= settings.cluster_min_overlap
    accepted = [
        (u, v, round(float(o), 4))
        for u, v, o in zip(x[close].tolist(), y[close].tolist(), overlap[close], strict=True)
    ]
    if accepted:
        title_pairs = pd.DataFrame(accepted, columns=["u", "v", "score"])
        a, b, score = rows_of_title_pairs(
            title_pairs,
            codes,
            seconds,
            settings.cluster_max_days_apart,
            settings.max_row_pairs_per_title_pair,
        )
        parts.append(pd.DataFrame({"a": a, "b": b, "score": score}))
    links = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"a": [], "b": [], "score": []})
    )
    a = links["a"].to_numpy(dtype=np.int64)
    b = links["b"].to_numpy(dtype=np.int64)
    scores = links["score"].to_numpy(dtype=float)
    roots = connected_components(n, a.tolist(), b.tolist())
    best = np.zeros(n)
    np.maximum.at(best, a, scores)
    np.maximum.at(best, b, scores)
    ids = frame["article_id"].to_numpy()
    members: dict[int, list[str]] = defaultdict(list)
    for node, root in enumerate(roots.tolist()):
        members[root].append(ids[node])
    cluster_of = {root: _cluster_id(m) for root, m in members.items()}
    result = pd.DataFrame(
        {
            "cluster_id": [cluster_of[r] for r in roots.tolist()],
            "article_id": ids,
            "side": pd.Series(frame["side"].to_numpy(dtype=object), dtype=object),
            "score": best.round(4),
        }
    )
    return result.sort_values(["cluster_id", "article_id"], kind="stable").reset_index(drop=True)


def story_coverage(clusters: pd.DataFrame, sides: Collection[str] | None = None) -> pd.DataFrame:
    """Which sides covered each story: columns cluster_id, sides (sorted tuple), both_sides,
    only_side, n_articles.

    ``both_sides`` is True when every side in ``sides`` covered it (default: at least two
    distinct sides did); ``only_side`` names the single side that covered it (a blindspot of
    the others), else None. Articles without a side are counted but name no side.
    """
    rows = []
    wanted = set(sides) if sides is not None else None
    members: dict[str, list[object]] = defaultdict(list)
    for cluster_id, side in zip(clusters["cluster_id"], clusters["side"], strict=True):
        members[cluster_id].append(side)
    for cluster_id in sorted(members):
        group = members[cluster_id]
        present = sorted({s for s in group if isinstance(s, str) and s})
        both = wanted <= set(present) if wanted else len(present) >= 2
        only = present[0] if len(present) == 1 else None
        rows.append((cluster_id, tuple(present), bool(both), only, len(group)))
    result = pd.DataFrame(
        rows, columns=["cluster_id", "sides", "both_sides", "only_side", "n_articles"]
    )
    # object dtype keeps None as None (a string dtype would turn it into NaN)
    result["only_side"] = pd.Series([row[3] for row in rows], dtype=object)
    return result
