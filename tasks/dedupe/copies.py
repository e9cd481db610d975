"""Which articles of a day are copies of another: identical items, syndicated copies.

Evidence, strongest first: same guid, same link, same canonical URL (Google News tokens decoded
where possible), same normalized title, near-identical normalized title. Near-duplicate
candidates come from the similarity join (simjoin.py); rapidfuzz scores the few candidates, and
the title rule (titles.py) rejects "Xi meets Biden" vs "Xi meets Putin" and template headlines
whose numbers or names differ. Every result is a function of the set of input rows, not of
their order.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from parallax.headlines import content_tokens, normalize_title
from parallax.links import article_url
from parallax.records import DUPLICATE_COLUMNS
from tasks.dedupe.settings import DEFAULT_SETTINGS, METHODS, DedupeSettings
from tasks.dedupe.simjoin import similar_sets
from tasks.dedupe.titles import AnalysedTitle, analyse, match_score

_METHOD_RANK = {method: len(METHODS) - i for i, method in enumerate(METHODS)}
_NO_PREFERENCE = 1 << 30

_REQUIRED = ("article_id", "title", "source_name", "published_at")
_OPTIONAL = ("guid", "link")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def prepare(articles: pd.DataFrame) -> pd.DataFrame:
    """Needed columns, one row per article_id, sorted by article_id (the order of all work)."""
    missing = [c for c in _REQUIRED if c not in articles.columns]
    if missing:
        raise ValueError(f"articles lack columns {missing}")
    frame = articles.copy()
    frame["article_id"] = frame["article_id"].astype(str)
    frame = frame.sort_values("article_id", kind="stable").drop_duplicates("article_id")
    frame = frame.reset_index(drop=True)
    for column in _OPTIONAL:
        frame[column] = frame[column].map(_text) if column in frame.columns else ""
    frame["source_name"] = frame["source_name"].map(_text)
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True, errors="coerce")
    frame["side"] = frame["side"].where(frame["side"].notna(), None) if "side" in frame else None
    frame["wire"] = frame["wire"].fillna(False).astype(bool) if "wire" in frame else False
    normalized: dict[tuple[object, str], str] = {}
    norms = []
    for title, source in zip(frame["title"], frame["source_name"], strict=True):
        key = (title, source)
        if key not in normalized:
            normalized[key] = normalize_title(title if isinstance(title, str) else "", source)
        norms.append(normalized[key])
    # A list of str becomes pandas' str dtype; an empty one would be float64 and break `.str`
    # (a day whose window holds no article failed here).
    frame["norm"] = pd.Series(norms, index=frame.index, dtype="str")
    return frame


def epoch_seconds(published: pd.Series) -> np.ndarray:
    """UTC seconds as floats, NaN where the time is unknown."""
    naive = pd.to_datetime(published, utc=True, errors="coerce").dt.tz_localize(None)
    seconds = naive.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64) / 1e9
    seconds[naive.isna().to_numpy()] = np.nan
    return seconds


def within_days(seconds: np.ndarray, a: np.ndarray, b: np.ndarray, days: float) -> np.ndarray:
    """True where the two times are at most ``days`` apart, or either is unknown."""
    gap = np.abs(seconds[a] - seconds[b])
    return np.isnan(gap) | (gap <= days * 86400.0)


def _edge_frame(
    a: np.ndarray, b: np.ndarray, method: str, score: np.ndarray | float
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": np.minimum(a, b).astype(np.int64),
            "b": np.maximum(a, b).astype(np.int64),
            "method": method,
            "score": score,
        }
    )


def _key_edges(keys: pd.Series, method: str) -> pd.DataFrame:
    """Star edges from the first row (lowest article_id) of each equal, non-empty key."""
    # A dict beats a pandas groupby here: a day has ~100 rows, and this runs 3 times a day.
    first: dict[object, int] = {}
    a, b = [], []
    for row, key in enumerate(keys.tolist()):
        if key == "":
            continue
        if key in first:
            a.append(first[key])
            b.append(row)
        else:
            first[key] = row
    return _edge_frame(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64), method, 1.0)


def _title_exact_edges(
    frame: pd.DataFrame, seconds: np.ndarray, settings: DedupeSettings
) -> pd.DataFrame:
    """Consecutive (in time) articles with one normalized title, within the day window; bare
    labels shorter than ``min_title_tokens`` only when both times are known and close."""
    short = frame["norm"].str.count(" ") + 1 < settings.min_title_tokens
    rows = pd.DataFrame({"key": frame["norm"], "t": seconds, "b": np.arange(len(frame))})
    rows = rows[(frame["norm"] != "") & ~(short & np.isnan(seconds))]
    rows = rows.sort_values(["key", "t", "b"], kind="stable", na_position="first")
    previous = rows.groupby("key")["b"].shift()
    rows = rows[previous.notna()]
    a = previous[rows.index].to_numpy(dtype=np.int64)
    b = rows["b"].to_numpy(dtype=np.int64)
    is_short = short.to_numpy()[b]
    keep = np.where(
        is_short,
        within_days(seconds, a, b, settings.short_title_max_days_apart),
        within_days(seconds, a, b, settings.max_days_apart),
    )
    return _edge_frame(a[keep], b[keep], "title_exact", 1.0)


def _near_title_edges(
    frame: pd.DataFrame, seconds: np.ndarray, settings: DedupeSettings
) -> pd.DataFrame:
    """Near-identical titles: blocking and scoring on distinct titles, then back to rows."""
    codes, uniques = pd.factorize(frame["norm"], sort=False)  # first-seen order: deterministic
    token_sets = [content_tokens(u) for u in uniques]
    eligible = [t if len(t) >= settings.min_near_title_tokens else frozenset() for t in token_sets]
    pairs = similar_sets(
        eligible,
        settings.near_title_jaccard,
        settings.near_title_max_block,
        settings.near_title_window,
    )
    if pairs.empty:
        return _edge_frame(
            np.array([], dtype=np.int64),
            np.array([], dtype=np.int64),
            "near_title",
            np.array([], dtype=float),
        )
    u, v = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    strings = np.asarray(uniques, dtype=object)
    ratios = process.cpdist(
        strings[u].tolist(),
        strings[v].tolist(),
        scorer=fuzz.token_sort_ratio,
        # Threads on every core pay off for a corpus, not for a day's few pairs.
        workers=-1 if len(u) > 10_000 else 1,
    )
    keep = ratios >= settings.near_title_ratio
    u, v, ratios = u[keep], v[keep], ratios[keep]
    first_row = pd.Series(np.arange(len(frame))).groupby(codes).min()
    titles, sources = frame["title"].to_numpy(), frame["source_name"].to_numpy()
    analysed: dict[int, AnalysedTitle] = {}

    def analysis(code: int) -> AnalysedTitle:
        if code not in analysed:
            row = int(first_row[code])
            analysed[code] = analyse(titles[row], sources[row] or None)
        return analysed[code]

    accepted = []
    for x, y, ratio in zip(u.tolist(), v.tolist(), ratios.tolist(), strict=True):
        score = match_score(analysis(x), analysis(y), ratio, settings)
        if score is not None:
            accepted.append((x, y, score))
    title_pairs = pd.DataFrame(accepted, columns=["u", "v", "score"])
    a, b, scores = rows_of_title_pairs(
        title_pairs, codes, seconds, settings.max_days_apart, settings.max_row_pairs_per_title_pair
    )
    return _edge_frame(a, b, "near_title", scores)


def rows_of_title_pairs(
    title_pairs: pd.DataFrame,
    codes: np.ndarray,
    seconds: np.ndarray,
    days: float,
    max_row_pairs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row pairs (a, b, score) of title pairs (columns u, v, score; ``codes`` gives each row's
    title): every row of title u with every row of title v published within ``days`` of it.

    A title carried by hundreds of rows would make that product quadratic: past
    ``max_row_pairs`` for one title pair, each row is linked to the row of the other title
    closest to it in time instead, which joins the same groups (rows of one title within
    ``days`` of each other are already linked as exact copies).
    """
    sizes = np.bincount(codes, minlength=int(codes.max()) + 1 if len(codes) else 0)
    u, v = title_pairs["u"].to_numpy(dtype=np.int64), title_pairs["v"].to_numpy(dtype=np.int64)
    large = sizes[u] * sizes[v] > max_row_pairs if len(title_pairs) else np.zeros(0, dtype=bool)
    rows = pd.DataFrame({"code": codes, "row": np.arange(len(codes))})
    expanded = (
        title_pairs[~large]
        .merge(rows.rename(columns={"code": "u", "row": "a"}), on="u")
        .merge(rows.rename(columns={"code": "v", "row": "b"}), on="v")
    )
    parts = [
        (
            expanded["a"].to_numpy(dtype=np.int64),
            expanded["b"].to_numpy(dtype=np.int64),
            expanded["score"].to_numpy(dtype=float),
        )
    ]
    if large.any():
        by_title = rows.assign(t=seconds).sort_values(["code", "t", "row"], kind="stable")
        members = dict(iter(by_title.groupby("code")["row"]))
        for x, y, score in title_pairs[large].itertuples(index=False, name=None):
            for one, other in ((x, y), (y, x)):
                near = _closest_in_time(seconds, members[one].to_numpy(), members[other].to_numpy())
                parts.append((members[one].to_numpy(), near, np.full(len(near), score)))
    a = np.concatenate([p[0] for p in parts])
    b = np.concatenate([p[1] for p in parts])
    score = np.concatenate([p[2] for p in parts])
    keep = within_days(seconds, a, b, days)
    return a[keep], b[keep], score[keep]


def _closest_in_time(seconds: np.ndarray, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each of ``rows``, the row of ``others`` (sorted by time, unknown times last)
    published closest to it; the first of ``others`` for a row of unknown time."""
    times = seconds[others]
    known = others[~np.isnan(times)]
    if not len(known):
        return np.full(len(rows), others[0])
    known_times = seconds[known]
    t = seconds[rows]
    after = np.clip(np.searchsorted(known_times, t), 0, len(known) - 1)
    before = np.clip(after - 1, 0, len(known) - 1)
    closer = np.abs(known_times[before] - t) <= np.abs(known_times[after] - t)
    nearest = np.where(closer, known[before], known[after])
    return np.where(np.isnan(t), others[0], nearest)


def copy_edges(frame: pd.DataFrame, settings: DedupeSettings) -> pd.DataFrame:
    seconds = epoch_seconds(frame["published_at"])
    links = pd.unique(frame["link"])
    canonical = {link: article_url(link) if link else "" for link in links}
    parts = [
        _key_edges(frame["guid"], "guid"),
        _key_edges(frame["link"], "link"),
        _key_edges(frame["link"].map(canonical), "canonical_url"),
        _title_exact_edges(frame, seconds, settings),
        _near_title_edges(frame, seconds, settings),
    ]
    found = [p for p in parts if len(p)]
    if not found:
        return pd.DataFrame({"a": [], "b": [], "method": [], "score": []})
    return pd.concat(found, ignore_index=True)


def connected_components(n: int, a: Iterable[int], b: Iterable[int]) -> np.ndarray:
    """Union-find; each node's component is named by its lowest member."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a, b, strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    return np.fromiter((find(x) for x in range(n)), dtype=np.int64, count=n)


def _explain(root: int, edges: list[tuple[int, int, str, float]]) -> dict[int, tuple[str, float]]:
    """For each member, the weakest evidence on its strongest chain to the kept article
    (Prim's maximum spanning tree grown from the kept article)."""
    adjacency: dict[int, list[tuple[int, str, float]]] = defaultdict(list)
    for x, y, method, score in edges:
        adjacency[x].append((y, method, score))
        adjacency[y].append((x, method, score))
    best: dict[int, tuple[str, float]] = {}
    seen = {root}
    heap: list[tuple[int, float, int, str]] = []

    def push(node: int, bottleneck: tuple[str, float] | None) -> None:
        for other, method, score in adjacency[node]:
            if other in seen:
                continue
            link = (method, score)
            if bottleneck is not None and (_METHOD_RANK[bottleneck[0]], bottleneck[1]) < (
                _METHOD_RANK[method],
                score,
            ):
                link = bottleneck
            heapq.heappush(heap, (-_METHOD_RANK[link[0]], -link[1], other, link[0]))

    push(root, None)
    while heap:
        _, neg_score, node, method = heapq.heappop(heap)
        if node in seen:
            continue
        seen.add(node)
        best[node] = (method, -neg_score)
        push(node, best[node])
    return best


def empty_duplicates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": pd.Series(dtype=object),
            "kept_article_id": pd.Series(dtype=object),
            "method": pd.Series(dtype=object),
            "score": pd.Series(dtype=float),
        }
    )


def find_duplicates(
    articles: pd.DataFrame,
    side_preference: Mapping[str, int] | None = None,
    settings: DedupeSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One row per article dropped as a copy of another, columns ``DUPLICATE_COLUMNS``.

    ``articles`` needs article_id, title, source_name, published_at, and normally guid and link;
    optional ``side`` (perspective id) and ``wire`` (original publisher or news agency) decide
    which copy of a group is kept: lowest ``side_preference`` value first (the side being
    summarized), then the wire, then the earliest published, then the lowest article_id.
    ``method`` is the weakest evidence on the strongest chain linking the dropped article to the
    kept one; ``score`` is 1.0 for exact evidence, the near-title similarity otherwise. Sorted by
    article_id; the input is not modified.
    """
    frame = prepare(articles)
    return duplicates_from_edges(frame, copy_edges(frame, settings), side_preference)


def duplicates_from_edges(
    frame: pd.DataFrame, edges: pd.DataFrame, side_preference: Mapping[str, int] | None
) -> pd.DataFrame:
    if edges.empty:
        return empty_duplicates()
    roots = connected_components(len(frame), edges["a"].tolist(), edges["b"].tolist())
    prefs = side_preference or {}
    order = pd.DataFrame(
        {
            "root": roots,
            "pref": [
                prefs.get(s, _NO_PREFERENCE) if isinstance(s, str) else _NO_PREFERENCE
                for s in frame["side"]
            ],
            "not_wire": ~frame["wire"].to_numpy(dtype=bool),
            "t": frame["published_at"],
            "n": np.arange(len(frame)),
        }
    ).sort_values(["root", "pref", "not_wire", "t", "n"], kind="stable", na_position="last")
    kept = order.groupby("root", sort=False)["n"].first()
    by_root: dict[int, list[tuple[int, int, str, float]]] = defaultdict(list)
    for edge in edges[["a", "b", "method", "score"]].itertuples(index=False, name=None):
        by_root[int(roots[edge[0]])].append(edge)
    ids = frame["article_id"].to_numpy()
    rows = []
    for root, group_edges in by_root.items():
        keep = int(kept[root])
        for node, (method, score) in _explain(keep, group_edges).items():
            rows.append((ids[node], ids[keep], method, float(score)))
    result = pd.DataFrame(rows, columns=list(DUPLICATE_COLUMNS))
    return result.sort_values("article_id", kind="stable").reset_index(drop=True)


def also_carried_by(articles: pd.DataFrame, duplicates: pd.DataFrame) -> pd.DataFrame:
    """Per kept article, the other outlets that carried it: columns kept_article_id,
    carried_by (tuple of source names sorted case-insensitively, the kept outlet left out)."""
    names = dict(
        zip(articles["article_id"].astype(str), articles["source_name"].map(_text), strict=True)
    )
    rows = []
    for kept, group in duplicates.groupby("kept_article_id", sort=True):
        own = names.get(str(kept), "")
        others = {names.get(str(a), "") for a in group["article_id"]} - {own, ""}
        rows.append((kept, tuple(sorted(others, key=lambda n: (n.casefold(), n)))))
    return pd.DataFrame(rows, columns=["kept_article_id", "carried_by"])
