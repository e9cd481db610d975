"""Dedupe that understands news: identical items, syndicated copies, and story clusters.

Pure functions over DataFrames, then the Prefect task that stores the decisions.

- ``find_duplicates``: one row per article dropped as a copy of another (``DUPLICATE_COLUMNS``).
  Evidence, strongest first: same guid, same link, same canonical URL (Google News tokens decoded
  where possible), same normalized title, near-identical normalized title. Near-duplicate
  candidates come from prefix-filter blocking on content-token sets, which is exact for Jaccard
  (every pair at or above the threshold shares a token in its rarest-token prefix), so no pair is
  lost and no O(n^2) loop runs; rapidfuzz then scores the few candidates in C++, and a
  differing-token check rejects "Xi meets Biden" vs "Xi meets Putin" and template headlines whose
  numbers or names differ.
- ``cluster_stories`` / ``story_coverage``: looser groups of articles about one event across
  sides, and which sides covered each ("covered by both" / "blindspots").
- ``recently_published`` / ``deprioritize_recent``: articles shown on previous pages go last.

Every result is a function of the set of input rows, not of their order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from rapidfuzz import fuzz, process

from parallax import storage
from parallax.links import article_url
from parallax.outlets import OutletRegistry, load_registry
from parallax.records import DUPLICATE_COLUMNS, INTERNATIONAL, UNKNOWN
from parallax.storage.ledger import RunRef, save_day, stage
from parallax.topics import Topic
from parallax.window import within_window


@dataclass(frozen=True)
class DedupeSettings:
    """Thresholds of the dedupe and clustering decisions, each with the reason for its value."""

    # Copies share most content words; below 55% shared it is another outlet's own headline.
    near_title_jaccard: float = 0.55
    # rapidfuzz token_sort_ratio (0-100) a copy must reach: tolerates a clause added or dropped.
    near_title_ratio: float = 80.0
    # One name inserted mid-headline ("against US dollar") is an edit only in a long headline;
    # in a short one it changes who is involved ("Xi meets Biden, Putin in Lima").
    inserted_name_jaccard: float = 0.85
    # Shorter normalized titles ("editorial cartoon", "china economy") are labels, not identity.
    min_title_tokens: int = 3
    # Near matching needs 4 content words a side: in shorter titles one word is the whole news.
    min_near_title_tokens: int = 4
    # ...unless published within 12 hours: a bare label ("China Economy") carried by several
    # papers at once is one wire item; the same label on another day is another item.
    short_title_max_days_apart: float = 0.5
    # The same headline more than 3 days apart is a recurring template, not a syndicated copy.
    max_days_apart: float = 3.0
    # Cluster: key terms in more than 5% of the batch are topic words ("china", "taiwan").
    cluster_topic_term_share: float = 0.05
    # ...yet in a small batch a term must be in over 10 titles before it is called a topic word.
    cluster_topic_term_min_df: int = 10
    # Cluster: two articles must share 3 event terms; 2 can be "Xi meets" (Biden / Putin).
    cluster_min_shared_terms: int = 3
    # Cluster: shared event terms / event terms of the sparser title; half of what is specific
    # to the story must be shared (a 2-word coincidence in long headlines stays apart).
    cluster_min_overlap: float = 0.5
    # Cluster: both sides' coverage of one event usually lands within two days.
    cluster_max_days_apart: float = 2.0
    # Issue 4 point 4: an article shown on one of the previous 3 days' pages is not shown again.
    recent_days: int = 3


DEFAULT_SETTINGS = DedupeSettings()

METHODS = ("guid", "link", "canonical_url", "title_exact", "near_title")  # strongest first
_METHOD_RANK = {method: len(METHODS) - i for i, method in enumerate(METHODS)}
_NO_PREFERENCE = 1 << 30

# Function words carry no identity: they are left out of similarity and never make two
# headlines different stories. English and Spanish (the corpus languages). Negations are
# not in the list: "will not attend" is another story than "will attend".
_STOPWORD_TEXT = """a an the and or but nor of in on at to for from by with as is are was were
    be been being
    it its this that these those over after before amid about into onto than then up down out off
    will would could should may might can must yes vs via per his her their our your my we
    they he she you i who whom what when where why how all also just more most very so if while
    says say said report reports reportedly
    el la los las lo un una unos unas y e o u de del al en por para con sin sobre tras ante que
    se su sus es fue ser ha han como mas más ya"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Leading labels wires and outlets put on their copies ("UPDATE 2-", "Exclusive:").
_LEADING_LABEL = re.compile(
    r"^\s*(?:(?:exclusive|breaking(?:\s+news)?|update(?:\s*\d+)?|updated|refile|corrected|"
    r"live(?:\s+updates)?|watch|video|urgent|flash|analysis|factbox|explainer)\s*[:|\-–—]+\s*)+",
    re.IGNORECASE,
)
_SUFFIX_SPLIT = re.compile(r"\s+[-–—|]\s+")
_DOMAIN = re.compile(r"[\w.-]+\.[a-z]{2,}")
_ABBREVIATION_DOT = re.compile(r"\b([^\W\d_])\.")  # U.S. -> US, U.N. -> UN
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
# One spelling for words outlets write two ways: "three"/"3", "first"/"1st", "mln"/"million".
_NUMBER_WORDS = "one two three four five six seven eight nine ten eleven twelve"
_ORDINAL_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth"
_WORD_FORMS = {
    **{word: str(i) for i, word in enumerate(_NUMBER_WORDS.split(), start=1)},
    **{
        word: f"{i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'}"
        for i, word in enumerate(_ORDINAL_WORDS.split(), start=1)
    },
    "mln": "million",
    "bln": "billion",
    "bn": "billion",
    "trln": "trillion",
}
# "4.1pc", "30 pct", "15 per cent" are the "%" that punctuation removal drops anyway.
_PERCENT_WORD = re.compile(r"(?<=\d)\s?(?:pc|pct|per\s?cent|percent|por\s?ciento)\b", re.IGNORECASE)
_PUNCT = re.compile(r"(?!(?<=\d)\.(?=\d))\.")  # full stops, except the decimal point


# --------------------------------------------------------------------------------------------
# Titles


def _strip_source_suffix(title: str, source_name: str | None) -> str:
    parts = _SUFFIX_SPLIT.split(title)
    if len(parts) < 2:
        return title
    suffix = parts[-1].strip()
    head = title[: title.rfind(suffix)].rstrip(" -–—|")
    if source_name and suffix.casefold() == source_name.strip().casefold():
        return head
    # A trailing publisher we were not told about: short, capitalized or a domain, no digits,
    # after a headline long enough to stand alone ("... - China Daily", "... | Taipei Times").
    words = suffix.split()
    looks_like_outlet = (
        0 < len(words) <= 4
        and not any(ch.isdigit() for ch in suffix)
        and (all(w[:1].isupper() for w in words) or _DOMAIN.fullmatch(suffix) is not None)
    )
    if looks_like_outlet and len(head.split()) >= 4:
        return head
    return title


def _punctuation_table() -> dict[int, str]:
    """Every punctuation or symbol character (Unicode P* and S*) up to CJK to a space; the
    full stop is left to ``_PUNCT`` so decimals survive. Built once: str.translate is many
    times faster than a regex over each headline."""
    table = {}
    for code in range(0x3100):
        if unicodedata.category(chr(code))[0] in "PS" and chr(code) != ".":
            table[code] = " "
    table[ord("_")] = " "
    return table


_PUNCTUATION = _punctuation_table()
# Accents dropped: copies of Spanish wire stories differ in them ("Rodríguez" / "Rodriguez").
_COMBINING_MARKS = {code: None for code in range(0x3100) if unicodedata.combining(chr(code))}


def _normalize(title: object, source_name: str | None, casefold: bool) -> str:
    # Each step runs only when its trigger character is present: this is the hot loop of a
    # batch (one call per distinct headline), so cheap `in` tests pay for themselves.
    text = unicodedata.normalize("NFKC", title if isinstance(title, str) else "").strip()
    if " - " in text or " | " in text or " – " in text or " — " in text:
        text = _strip_source_suffix(text, source_name)
    text = _LEADING_LABEL.sub("", text)
    if "&" in text:
        text = text.replace("&", " and ")
    if "." in text:
        text = _ABBREVIATION_DOT.sub(r"\1", text)
    if "'" in text or "’" in text:
        text = _POSSESSIVE.sub("", text)
        text = _APOSTROPHE.sub("", text)
    if "," in text:
        text = _THOUSANDS.sub("", text)
    if "p" in text:
        text = _PERCENT_WORD.sub("", text)
    text = text.translate(_PUNCTUATION)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)
    if "." in text:
        text = _PUNCT.sub(" ", text)
    if casefold:
        text = text.casefold()
        return " ".join(_WORD_FORMS.get(t, t) for t in text.split())
    return " ".join(_WORD_FORMS.get(t.casefold(), t) for t in text.split())


def normalize_title(title: str, source_name: str | None = None) -> str:
    """Headline reduced to what identifies the story.

    NFKC; drop a trailing " - Source" (the given source name, or a short capitalized
    publisher-like suffix after a headline of 4+ words), leading wire labels ("UPDATE 2-",
    "Exclusive:"), possessive 's, quotes and punctuation ("U.S." becomes "us", "1,000" "1000",
    "4.1pc" and "4.1%" "4.1", decimals survive), accents; casefold; collapse whitespace; number
    words as digits ("three" -> "3", "first" -> "1st") and "mln" as "million".
    """
    return _normalize(title, source_name, casefold=True)


def content_tokens(normalized: str) -> frozenset[str]:
    """Words of a normalized title that carry meaning (stopwords left out)."""
    return frozenset(normalized.split()) - STOPWORDS


def _stem(token: str) -> str:
    """Crude plural folding, only for deciding whether a differing token matters."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@dataclass(frozen=True)
class _Title:
    tokens: frozenset[str]  # content tokens
    order: tuple[str, ...]  # stems of the content tokens, in headline order
    critical: frozenset[str]  # stems of names and numbers: tokens that make a story different


def _analyse(title: object, source_name: str | None) -> _Title:
    cased = _normalize(title, source_name, casefold=False).split()
    content = [(c, c.casefold()) for c in cased if c.casefold() not in STOPWORDS]
    alpha = [c for c, _ in content[1:] if c[:1].isalpha()]
    # In Title Case or ALL CAPS headlines capitals do not mark names, so every content word
    # counts as one; that only makes the checks below stricter.
    title_case = bool(alpha) and sum(1 for w in alpha if w[:1].isupper()) / len(alpha) > 0.6
    critical = {
        _stem(f)
        for position, (c, f) in enumerate(content)
        if title_case or position == 0 or c[:1].isupper() or any(ch.isdigit() for ch in f)
    }
    return _Title(
        tokens=frozenset(f for _, f in content),
        order=tuple(_stem(f) for _, f in content),
        critical=frozenset(critical),
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _spelling_variants(x: str, y: str) -> bool:
    """Two spellings of one word ("defence"/"defense", "Japan"/"Japanese"), not two words.
    Numbers are never variants of each other: "1000" is not "10000"."""
    if not (x.isalpha() and y.isalpha()):
        return False
    shorter = min(len(x), len(y))
    prefix = next((i for i in range(shorter) if x[i] != y[i]), shorter)
    return prefix >= 5 or (prefix >= 4 and shorter <= 5) or fuzz.ratio(x, y) >= 85


def _first_positions(order: tuple[str, ...]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, stem in enumerate(order):
        positions.setdefault(stem, i)
    return positions


def _match_score(a: _Title, b: _Title, ratio: float, settings: DedupeSettings) -> float | None:
    """Score in (0, 1] when two analysed titles are copies of one headline, else None.

    Copies add or drop words; they do not swap them. So after pairing off spelling variants, a
    word only one title has and a word only the other has mean different stories ("sixth" /
    "seventh", "Biden" / "Putin", "lifts" / "imposes"); a name or number only one title has must
    sit in an appended or prefixed clause (", White House says"), not inside the shared part
    ("China, Japan, South Korea hold talks"; one is tolerated in a long headline: "against US
    dollar"); and shared names keep their order ("India beat
    Pakistan" / "Pakistan beat India").
    """
    if min(len(a.tokens), len(b.tokens)) < settings.min_near_title_tokens:
        return None
    jaccard = _jaccard(a.tokens, b.tokens)
    if jaccard < settings.near_title_jaccard or ratio < settings.near_title_ratio:
        return None
    set_a, set_b = set(a.order), set(b.order)
    only_a, only_b = sorted(set_a - set_b), sorted(set_b - set_a)
    for x in list(only_a):
        match = next((y for y in only_b if _spelling_variants(x, y)), None)
        if match is not None:
            only_a.remove(x)
            only_b.remove(match)
    if only_a and only_b:
        return None  # a word was swapped for another
    longer, extra = (a, only_a) if only_a else (b, only_b)
    added = [t for t in extra if t in longer.critical]
    if added:
        positions = _first_positions(longer.order)
        shared = [positions[t] for t in set_a & set_b]
        inserted = [t for t in added if shared and min(shared) < positions[t] < max(shared)]
        if len(inserted) > 1 or (inserted and jaccard < settings.inserted_name_jaccard):
            return None  # a name or number inserted inside the shared headline
    pos_a, pos_b = _first_positions(a.order), _first_positions(b.order)
    names = (a.critical | b.critical) & set_a & set_b
    if sorted(names, key=pos_a.__getitem__) != sorted(names, key=pos_b.__getitem__):
        return None  # the same names in another order: who did what to whom changed
    return round((jaccard + ratio / 100.0) / 2.0, 4)


def titles_match(
    title_a: str,
    title_b: str,
    source_a: str | None = None,
    source_b: str | None = None,
    settings: DedupeSettings = DEFAULT_SETTINGS,
) -> tuple[str, float] | None:
    """(method, score) when two headlines are copies of one story, else None.

    Exactly the rule ``find_duplicates`` applies to a pair of titles, dates aside: without
    dates a title shorter than ``min_title_tokens`` is never evidence.
    """
    norm_a, norm_b = normalize_title(title_a, source_a), normalize_title(title_b, source_b)
    if norm_a == norm_b:
        return ("title_exact", 1.0) if len(norm_a.split()) >= settings.min_title_tokens else None
    ratio = fuzz.token_sort_ratio(norm_a, norm_b)
    score = _match_score(_analyse(title_a, source_a), _analyse(title_b, source_b), ratio, settings)
    return None if score is None else ("near_title", score)


# --------------------------------------------------------------------------------------------
# Blocking


def _block_pairs(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, j), i < j, of every two postings with the same key: a vectorized self-join.

    ``keys`` must be sorted (ties by doc), so i < j also means docs[i] < docs[j].
    """
    n = len(keys)
    if n < 2:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], n]
    block_end = np.repeat(ends, ends - starts)
    later = block_end - np.arange(n) - 1  # postings after each one in its block
    first = np.repeat(np.arange(n), later)
    block_offset = np.repeat(np.cumsum(later) - later, later)
    second = first + 1 + (np.arange(len(first)) - block_offset)
    return first, second


def _postings(
    token_sets: list[frozenset[str]], prefix_of: Callable[[int], int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key code, doc, position) of each set's first ``prefix_of(len)`` tokens, rarest first,
    sorted by key then doc."""
    df = Counter(token for tokens in token_sets for token in tokens)
    ranked = {token: rank for rank, token in enumerate(sorted(df, key=lambda t: (df[t], t)))}
    keys: list[int] = []
    docs: list[int] = []
    positions: list[int] = []
    for i, tokens in enumerate(token_sets):
        if not tokens:
            continue
        codes = sorted(ranked[t] for t in tokens)[: prefix_of(len(tokens))]
        keys.extend(codes)
        docs.extend([i] * len(codes))
        positions.extend(range(len(codes)))
    key_array = np.asarray(keys, dtype=np.int64)
    doc_array = np.asarray(docs, dtype=np.int64)
    order = np.lexsort((doc_array, key_array))
    return key_array[order], doc_array[order], np.asarray(positions, dtype=np.int64)[order]


def similar_sets(token_sets: list[frozenset[str]], threshold: float) -> pd.DataFrame:
    """All pairs (a < b) of sets with Jaccard >= threshold: columns a, b, jaccard.

    Prefix filtering (Chaudhuri et al. 2006, with the positional bound of PPJoin, Xiao et al.
    2008): with tokens ordered rarest first, two sets reaching the threshold share a token within
    the first |x| - ceil(t|x|) + 1 tokens of each, so candidates come from a join on those short
    prefixes; the shared prefix tokens plus what can follow the last of them bound the overlap,
    and only survivors are intersected. Exact (no pair is missed), deterministic, vectorized.
    """
    sizes = np.fromiter((len(t) for t in token_sets), dtype=np.int64, count=len(token_sets))
    keys, docs, positions = _postings(
        token_sets, lambda size: size - math.ceil(threshold * size - 1e-9) + 1
    )
    first, second = _block_pairs(keys, docs)
    a, b = docs[first], docs[second]
    size_a, size_b = sizes[a], sizes[b]
    # Length filter: Jaccard >= t needs the smaller set to hold t of the larger one.
    keep = np.minimum(size_a, size_b) >= threshold * np.maximum(size_a, size_b) - 1e-9
    first, second, a, b = first[keep], second[keep], a[keep], b[keep]
    if len(a) == 0:
        return pd.DataFrame({"a": a, "b": b, "jaccard": np.array([], dtype=float)})
    n = len(token_sets)
    code = a * n + b
    order = np.argsort(code, kind="stable")
    code, first, second = code[order], first[order], second[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    shared = np.diff(np.r_[starts, len(code)])
    last_a = np.maximum.reduceat(positions[first], starts)
    last_b = np.maximum.reduceat(positions[second], starts)
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


# --------------------------------------------------------------------------------------------
# find_duplicates

_REQUIRED = ("article_id", "title", "source_name", "published_at")
_OPTIONAL = ("guid", "link")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _prepare(articles: pd.DataFrame) -> pd.DataFrame:
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


def _epoch_seconds(published: pd.Series) -> np.ndarray:
    """UTC seconds as floats, NaN where the time is unknown."""
    naive = pd.to_datetime(published, utc=True, errors="coerce").dt.tz_localize(None)
    seconds = naive.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64) / 1e9
    seconds[naive.isna().to_numpy()] = np.nan
    return seconds


def _within_days(seconds: np.ndarray, a: np.ndarray, b: np.ndarray, days: float) -> np.ndarray:
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
        _within_days(seconds, a, b, settings.short_title_max_days_apart),
        _within_days(seconds, a, b, settings.max_days_apart),
    )
    return _edge_frame(a[keep], b[keep], "title_exact", 1.0)


def _near_title_edges(
    frame: pd.DataFrame, seconds: np.ndarray, settings: DedupeSettings
) -> pd.DataFrame:
    """Near-identical titles: blocking and scoring on distinct titles, then back to rows."""
    codes, uniques = pd.factorize(frame["norm"], sort=False)  # first-seen order: deterministic
    token_sets = [content_tokens(u) for u in uniques]
    eligible = [t if len(t) >= settings.min_near_title_tokens else frozenset() for t in token_sets]
    pairs = similar_sets(eligible, settings.near_title_jaccard)
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
    analysed: dict[int, _Title] = {}

    def analysis(code: int) -> _Title:
        if code not in analysed:
            row = int(first_row[code])
            analysed[code] = _analyse(titles[row], sources[row] or None)
        return analysed[code]

    accepted = []
    for x, y, ratio in zip(u.tolist(), v.tolist(), ratios.tolist(), strict=True):
        score = _match_score(analysis(x), analysis(y), ratio, settings)
        if score is not None:
            accepted.append((x, y, score))
    title_pairs = pd.DataFrame(accepted, columns=["u", "v", "score"])
    rows = pd.DataFrame({"code": codes, "row": np.arange(len(frame))})
    expanded = title_pairs.merge(rows.rename(columns={"code": "u", "row": "a"}), on="u").merge(
        rows.rename(columns={"code": "v", "row": "b"}), on="v"
    )
    a, b = expanded["a"].to_numpy(dtype=np.int64), expanded["b"].to_numpy(dtype=np.int64)
    keep = _within_days(seconds, a, b, settings.max_days_apart)
    return _edge_frame(a[keep], b[keep], "near_title", expanded["score"].to_numpy()[keep])


def _edges(frame: pd.DataFrame, settings: DedupeSettings) -> pd.DataFrame:
    seconds = _epoch_seconds(frame["published_at"])
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


def _empty_duplicates() -> pd.DataFrame:
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
    frame = _prepare(articles)
    return _duplicates(frame, _edges(frame, settings), side_preference)


def _duplicates(
    frame: pd.DataFrame, edges: pd.DataFrame, side_preference: Mapping[str, int] | None
) -> pd.DataFrame:
    if edges.empty:
        return _empty_duplicates()
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


def duplicate_edges(
    articles: pd.DataFrame, settings: DedupeSettings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """All evidence that two articles are copies: article_id_a < article_id_b, method, score
    (one row per pair and method; star-shaped within groups of equal keys)."""
    frame = _prepare(articles)
    edges = _edges(frame, settings)
    ids = frame["article_id"].to_numpy()
    return pd.DataFrame(
        {
            "article_id_a": ids[edges["a"].to_numpy(dtype=np.int64)],
            "article_id_b": ids[edges["b"].to_numpy(dtype=np.int64)],
            "method": edges["method"].to_numpy(dtype=object),
            "score": edges["score"].to_numpy(dtype=float),
        }
    )


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


def format_carried_by(names: Iterable[str], limit: int = 3) -> str:
    """'also carried by A, B and C' for the page; '' when there are none."""
    names = list(names)
    if not names:
        return ""
    shown, rest = names[:limit], len(names) - limit
    if rest > 0:
        return f"also carried by {', '.join(shown)} and {rest} more"
    if len(shown) == 1:
        return f"also carried by {shown[0]}"
    return f"also carried by {', '.join(shown[:-1])} and {shown[-1]}"


# --------------------------------------------------------------------------------------------
# Story clusters


def _cluster_id(members: Iterable[str]) -> str:
    return "c" + hashlib.sha1("\n".join(sorted(members)).encode()).hexdigest()[:12]


def cluster_stories(
    articles: pd.DataFrame, settings: DedupeSettings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Group articles about one event, across sides: columns cluster_id, article_id, side, score.

    Copies found by ``find_duplicates`` always share a cluster. Beyond them, two articles join
    when their titles share at least ``cluster_min_shared_terms`` event terms (key words that are
    not topic words, i.e. not in more than ``cluster_topic_term_share`` of the batch) making up
    ``cluster_min_overlap`` of the event terms of the sparser title, within
    ``cluster_max_days_apart``. Every article is in exactly one cluster (singletons included,
    score 0.0); score is the article's best link inside its cluster. cluster_id hashes the sorted
    member ids, so a re-run of the same day gives the same ids.
    """
    frame = _prepare(articles)
    return _stories(frame, _edges(frame, settings) if len(frame) else None, settings)


def duplicates_and_stories(
    articles: pd.DataFrame,
    side_preference: Mapping[str, int] | None = None,
    settings: DedupeSettings = DEFAULT_SETTINGS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``find_duplicates`` and ``cluster_stories`` of the same articles, finding the copy
    evidence they share once (it was half of the stage's time)."""
    frame = _prepare(articles)
    edges = _edges(frame, settings) if len(frame) else None
    duplicates = _duplicates(frame, edges, side_preference) if edges is not None else None
    return (
        _empty_duplicates() if duplicates is None else duplicates,
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
    seconds = _epoch_seconds(frame["published_at"])
    parts = [pd.DataFrame({"a": edges["a"], "b": edges["b"], "score": 1.0})] if len(edges) else []

    codes, uniques = pd.factorize(frame["norm"], sort=False)
    terms = [frozenset(_stem(t) for t in content_tokens(u)) for u in uniques]
    df = Counter(t for ts in terms for t in ts)
    topic_df = max(
        settings.cluster_topic_term_min_df, settings.cluster_topic_term_share * len(terms)
    )
    postings: dict[str, list[int]] = defaultdict(list)  # event term -> titles with it
    for i, ts in enumerate(terms):
        for t in ts:
            if df[t] <= topic_df:
                postings[t].append(i)
    pair_terms: Counter[tuple[int, int]] = Counter()  # (title, later title) -> shared terms
    for docs in postings.values():
        pair_terms.update(combinations(docs, 2))  # docs ascend: each pair is (lower, higher)
    event_sizes = np.fromiter(
        (sum(1 for t in ts if df[t] <= topic_df) for ts in terms), dtype=np.int64, count=len(terms)
    )
    accepted = []
    for (x, y), count in sorted(pair_terms.items()):
        if count < settings.cluster_min_shared_terms:
            continue
        overlap = count / min(event_sizes[x], event_sizes[y])
        if overlap >= settings.cluster_min_overlap:
            accepted.append((x, y, round(float(overlap), 4)))
    if accepted:
        title_pairs = pd.DataFrame(accepted, columns=["u", "v", "score"])
        rows = pd.DataFrame({"code": codes, "row": np.arange(n)})
        expanded = title_pairs.merge(rows.rename(columns={"code": "u", "row": "a"}), on="u")
        expanded = expanded.merge(rows.rename(columns={"code": "v", "row": "b"}), on="v")
        a, b = expanded["a"].to_numpy(dtype=np.int64), expanded["b"].to_numpy(dtype=np.int64)
        keep = _within_days(seconds, a, b, settings.cluster_max_days_apart)
        parts.append(
            pd.DataFrame({"a": a[keep], "b": b[keep], "score": expanded["score"].to_numpy()[keep]})
        )
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


# --------------------------------------------------------------------------------------------
# Across days


def article_keys(
    link: object,
    title: object,
    source_name: str | None = None,
    settings: DedupeSettings = DEFAULT_SETTINGS,
) -> frozenset[str]:
    """Identity keys of one article for cross-day checks: its canonical URL and, when long
    enough to identify a story, its normalized title."""
    keys = set()
    if isinstance(link, str) and link.strip():
        keys.add("url:" + article_url(link.strip()))
    norm = normalize_title(title if isinstance(title, str) else "", source_name)
    if norm and len(norm.split()) >= settings.min_title_tokens:
        keys.add("title:" + norm)
    return frozenset(keys)


def published_keys(
    pages: pd.DataFrame, settings: DedupeSettings = DEFAULT_SETTINGS
) -> frozenset[str]:
    """All keys of the articles listed on earlier pages (columns link, title, source_name).
    The caller passes the pages of the previous ``settings.recent_days`` days."""
    keys: set[str] = set()
    sources = pages["source_name"] if "source_name" in pages else [None] * len(pages)
    for link, title, source in zip(pages["link"], pages["title"], sources, strict=True):
        keys |= article_keys(link, title, source if isinstance(source, str) else None, settings)
    return frozenset(keys)


def recently_published(
    candidates: pd.DataFrame,
    published: Collection[str],
    settings: DedupeSettings = DEFAULT_SETTINGS,
) -> pd.Series:
    """True for candidates whose link or title was already on a page of the previous days;
    indexed like ``candidates``."""
    published = frozenset(published)
    sources = (
        candidates["source_name"]
        if "source_name" in candidates
        else pd.Series([None] * len(candidates), index=candidates.index)
    )
    flags = [
        not published.isdisjoint(
            article_keys(link, title, source if isinstance(source, str) else None, settings)
        )
        for link, title, source in zip(
            candidates["link"], candidates["title"], sources, strict=True
        )
    ]
    return pd.Series(flags, index=candidates.index, dtype=bool, name="recently_published")


def deprioritize_recent(
    candidates: pd.DataFrame,
    published: Collection[str],
    settings: DedupeSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Candidates with a ``recently_published`` column, fresh ones first (each part keeps its
    order), so a selection taking the top rows reuses an old article only when nothing else is
    left."""
    result = candidates.copy()
    result["recently_published"] = recently_published(candidates, published, settings)
    return result.sort_values("recently_published", kind="stable")


# --------------------------------------------------------------------------------------------
# The stage


def side_preference(topic: Topic) -> dict[str, int]:
    """Keep a copy from an outlet of one of the topic's sides over a foreign or unknown one."""
    return {**{p.id: 0 for p in topic.perspectives}, INTERNATIONAL: 1, UNKNOWN: 2}


def with_outlet_sides(
    articles: pd.DataFrame, topic: Topic, registry: OutletRegistry
) -> pd.DataFrame:
    """``articles`` plus each outlet's side and whether it is a wire (from the registry)."""
    from tasks.classify import classify_articles

    classified = classify_articles(articles, topic, registry)
    kinds = {o.name: o.kind for o in registry.outlets}
    return articles.assign(
        side=classified["perspective"].to_numpy(),
        wire=[
            kinds.get(name) == "wire" if isinstance(name, str) else False
            for name in classified["outlet_name"]
        ],
    )


@task(name="dedupe", cache_policy=NO_CACHE, task_run_name="dedupe {run.topic}")
def dedupe_articles(
    run: RunRef, db: Path, topic: Topic, window: tuple[dt.date, dt.date], outlets_file: Path
) -> dict:
    """Decide copies among the day's recent articles and group them into stories."""
    registry = load_registry(outlets_file)
    with stage(db, run, "dedupe") as counts:
        with storage.connect(db) as con:
            articles = storage.load_day(con, "articles", run.topic, run.logical_date)
        recent = articles[within_window(articles["published_at"], window)]
        framed = with_outlet_sides(recent, topic, registry)
        duplicates, clusters = duplicates_and_stories(framed, side_preference(topic))
        save_day(db, run, {"duplicates": duplicates, "story_clusters": clusters})
        coverage = story_coverage(clusters, [p.id for p in topic.perspectives])
        counts.update(
            articles=len(articles),
            in_window=len(recent),
            duplicates=len(duplicates),
            by_method=duplicates["method"].value_counts().to_dict(),
            stories=int((coverage["n_articles"] > 1).sum()),
            both_sides=int(coverage["both_sides"].sum()),
        )
    return counts
