"""Are two headlines copies of one story? The rule, on one pair of titles.

Copies add or drop words; they do not swap them (see `match_score`). `titles_match` applies
the rule to two titles; the copies module applies it to a day's candidate pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from parallax.headlines import IDENTITY_STOPWORDS, normalize, normalize_title, stem
from tasks.dedupe.settings import DEFAULT_SETTINGS, DedupeSettings


@dataclass(frozen=True)
class AnalysedTitle:
    tokens: frozenset[str]  # content tokens
    order: tuple[str, ...]  # stems of the content tokens, in headline order
    critical: frozenset[str]  # stems of names and numbers: tokens that make a story different


def analyse(title: object, source_name: str | None) -> AnalysedTitle:
    cased = normalize(title, source_name, casefold=False).split()
    content = [(c, c.casefold()) for c in cased if c.casefold() not in IDENTITY_STOPWORDS]
    alpha = [c for c, _ in content[1:] if c[:1].isalpha()]
    # In Title Case or ALL CAPS headlines capitals do not mark names, so every content word
    # counts as one; that only makes the checks below stricter.
    title_case = bool(alpha) and sum(1 for w in alpha if w[:1].isupper()) / len(alpha) > 0.6
    critical = {
        stem(f)
        for position, (c, f) in enumerate(content)
        if title_case or position == 0 or c[:1].isupper() or any(ch.isdigit() for ch in f)
    }
    return AnalysedTitle(
        tokens=frozenset(f for _, f in content),
        order=tuple(stem(f) for _, f in content),
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
    for i, token in enumerate(order):
        positions.setdefault(token, i)
    return positions


def match_score(
    a: AnalysedTitle, b: AnalysedTitle, ratio: float, settings: DedupeSettings
) -> float | None:
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
    score = match_score(analyse(title_a, source_a), analyse(title_b, source_b), ratio, settings)
    return None if score is None else ("near_title", score)
