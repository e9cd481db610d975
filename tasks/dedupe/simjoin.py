"""All pairs of token sets at or above a Jaccard threshold, without comparing every pair.

Candidate pairs come from prefix-filter blocking, which is exact for Jaccard (every pair at or
above the threshold shares a token in its rarest-token prefix), so no pair is lost and no
O(n^2) loop runs.

Exact blocking still pairs every two sets of a block, and a block can hold most of a batch
(thousands of near-identical headlines share even their rarest words): its pairs grow with the
square of the batch. With ``max_block``, a block larger than that pairs each set only with the
``window`` sets after it in an order that puts sets with the same rare words side by side
(sorted neighbourhood, Hernandez and Stolfo 1995), so candidates grow linearly with the
number of sets; smaller blocks stay exact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd


def _block_pairs(
    keys: np.ndarray, max_block: int | None = None, window: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, j), i < j, of two postings with the same key: a vectorized self-join. Every
    two in a block; in a block of more than ``max_block`` postings, each with the next
    ``window`` only. ``keys`` must be sorted."""
    n = len(keys)
    if n < 2:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], n]
    block_end = np.repeat(ends, ends - starts)
    later = block_end - np.arange(n) - 1  # postings after each one in its block
    if max_block is not None:
        big = np.repeat(ends - starts > max_block, ends - starts)
        later = np.where(big, np.minimum(later, window), later)
    # int32 indices: candidates can run to millions, and these are most of dedupe's memory.
    first = np.repeat(np.arange(n, dtype=np.int32), later)
    block_offset = np.repeat(np.cumsum(later) - later, later)
    second = (first + 1 + (np.arange(len(first)) - block_offset)).astype(np.int32)
    return first, second


def _postings(
    token_sets: list[frozenset[str]], prefix_of: Callable[[int], int], neighbours: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key code, doc, position) of each set's first ``prefix_of(len)`` tokens, rarest first,
    sorted by key, then by doc; with ``neighbours``, by the doc's tokens rarest first instead
    (sets sharing rare tokens side by side)."""
    df = Counter(token for tokens in token_sets for token in tokens)
    ranked = {token: rank for rank, token in enumerate(sorted(df, key=lambda t: (df[t], t)))}
    codes_of = [sorted(ranked[t] for t in tokens) for tokens in token_sets]
    if neighbours:
        rank_of = np.empty(len(token_sets), dtype=np.int64)
        rank_of[sorted(range(len(token_sets)), key=codes_of.__getitem__)] = np.arange(
            len(token_sets)
        )
    else:
        rank_of = np.arange(len(token_sets), dtype=np.int64)
    keys: list[int] = []
    docs: list[int] = []
    positions: list[int] = []
    for i, codes in enumerate(codes_of):
        if not codes:
            continue
        prefix = codes[: prefix_of(len(codes))]
        keys.extend(prefix)
        docs.extend([i] * len(prefix))
        positions.extend(range(len(prefix)))
    key_array = np.asarray(keys, dtype=np.int64)
    doc_array = np.asarray(docs, dtype=np.int64)
    order = np.lexsort((rank_of[doc_array], key_array))
    return key_array[order], doc_array[order], np.asarray(positions, dtype=np.int64)[order]


def similar_sets(
    token_sets: list[frozenset[str]],
    threshold: float,
    max_block: int | None = None,
    window: int = 0,
) -> pd.DataFrame:
    """All pairs (a < b) of sets with Jaccard >= threshold: columns a, b, jaccard. With
    ``max_block``, blocks larger than it are searched by sorted neighbourhood (``window``
    sets ahead), which bounds the work per set: pairs from those blocks may be missed.

    Prefix filtering (Chaudhuri et al. 2006, with the positional bound of PPJoin, Xiao et al.
    2008): with tokens ordered rarest first, two sets reaching the threshold share a token within
    the first |x| - ceil(t|x|) + 1 tokens of each, so candidates come from a join on those short
    prefixes; the shared prefix tokens plus what can follow the last of them bound the overlap,
    and only survivors are intersected. Exact without ``max_block`` (no pair is missed),
    deterministic, vectorized.
    """
    sizes = np.fromiter((len(t) for t in token_sets), dtype=np.int64, count=len(token_sets))
    keys, docs, positions = _postings(
        token_sets,
        lambda size: size - math.ceil(threshold * size - 1e-9) + 1,
        neighbours=max_block is not None,
    )
    docs = docs.astype(np.int32)
    first, second = _block_pairs(keys, max_block, window)
    # Length filter: Jaccard >= t needs the smaller set to hold t of the larger one.
    size_a, size_b = sizes[docs[first]], sizes[docs[second]]
    keep = np.minimum(size_a, size_b) >= threshold * np.maximum(size_a, size_b) - 1e-9
    del size_a, size_b
    first, second = first[keep], second[keep]
    if max_block is not None:  # neighbours are in token order, not doc order: (lower, higher)
        swap = docs[first] > docs[second]
        first, second = np.where(swap, second, first), np.where(swap, first, second)
    a, b = docs[first], docs[second]
    if len(a) == 0:
        return pd.DataFrame({"a": a, "b": b, "jaccard": np.array([], dtype=float)})
    n = len(token_sets)
    code = a.astype(np.int64) * n + b
    del a, b
    order = np.argsort(code, kind="stable")
    code, first, second = code[order], first[order], second[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    shared = np.diff(np.r_[starts, len(code)])
    last_a = np.maximum.reduceat(positions[first], starts)
    last_b = np.maximum.reduceat(positions[second], starts)
    del first, second
    a, b = code[starts] // n, code[starts] % n
    bound = shared + np.minimum(sizes[a] - last_a - 1, sizes[b] - last_b - 1)
    keep = bound >= threshold / (1.0 + threshold) * (sizes[a] + sizes[b]) - 1e-9
    a, b = a[keep], b[keep]
    overlap = np.fromiter(
        (len(token_sets[x] & token_sets[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)),
        dtype=np.int64,
        count=len(a),
    )
    jaccard = overlap / (sizes[a] + sizes[b] - overlap)
    keep = jaccard >= threshold - 1e-9
    return pd.DataFrame({"a": a[keep], "b": b[keep], "jaccard": jaccard[keep]})


def shared_counts(postings: Iterable[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, n): every two docs (x < y) that share a key, and how many keys they share, from
    each key's ascending list of docs; pairs in ascending order. Counted in arrays, not in a
    dictionary of pairs (a tenth of the memory)."""
    lists = [np.asarray(docs, dtype=np.int64) for docs in postings if len(docs) > 1]
    if not lists:
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty
    docs = np.concatenate(lists)
    keys = np.repeat(np.arange(len(lists)), [len(d) for d in lists])
    first, second = _block_pairs(keys)
    n = int(docs.max()) + 1
    pair_codes, shared = np.unique(docs[first] * n + docs[second], return_counts=True)
    return pair_codes // n, pair_codes % n, shared
