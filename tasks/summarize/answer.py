"""Is a model's summary usable? Every check a page relies on, with messages the repair turn
quotes back to the model."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from parallax.llm import extract_json_object
from parallax.records import Bullet, DigestInput, DigestSummary
from tasks.summarize.prompt import (
    DIFFERENCES,
    HIGHLIGHTS,
    MIN_HIGHLIGHT_CITATIONS,
    SIDE_BULLETS,
    active_sides,
)

# English check (cheap, documented heuristic): a text is rejected when fewer than 80% of its
# letters are ASCII (CJK, Cyrillic, Arabic, heavily accented text), or when it has at least 3
# Spanish function words and more of them than English ones (Spanish is the other source
# language of our feeds). Names like "Banco de la Nación" in an English sentence pass.
_MIN_ASCII_LETTER_SHARE = 0.8
_SPANISH = frozenset(
    {
        "de", "la", "el", "los", "las", "del", "que", "y", "en", "un", "una", "por", "con",
        "para", "es", "se", "al", "lo", "como", "más", "pero", "sus", "este", "esta", "entre",
        "sobre", "también", "fue", "han", "ha", "muy", "según", "tras",
    }
)  # fmt: skip
_ENGLISH = frozenset(
    {
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "by",
        "at", "from", "its", "are", "was", "were", "has", "have", "be", "it", "this", "their",
        "over", "after", "says", "said",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def looks_english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    ascii_share = sum(1 for c in letters if c.isascii()) / len(letters)
    if ascii_share < _MIN_ASCII_LETTER_SHARE:
        return False
    words = [w.casefold() for w in _WORD.findall(text)]
    spanish = sum(1 for w in words if w in _SPANISH)
    english = sum(1 for w in words if w in _ENGLISH)
    return not (spanish >= 3 and spanish > english)


def _parse_bullets(value: Any, where: str, errors: list[str]) -> list[Bullet]:
    if not isinstance(value, list):
        errors.append(f"{where} must be a list of bullets")
        return []
    bullets = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            errors.append(f"{at} must be an object with text and citations")
            continue
        text = item.get("text")
        cites = item.get("citations")
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{at} has empty text")
            text = ""
        elif not looks_english(text):
            errors.append(f"{at} is not in English: {text[:60]!r}")
        if not isinstance(cites, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in cites
        ):
            errors.append(f"{at}.citations must be a list of article ids (integers)")
            cites = []
        elif not cites:
            errors.append(f"{at} cites no article")
        bullets.append(Bullet(text=text.strip(), citations=tuple(dict.fromkeys(cites))))
    return bullets


def _count(
    bullets: Sequence[Bullet], where: str, bounds: tuple[int, int], errors: list[str]
) -> None:
    low, high = bounds
    if not low <= len(bullets) <= high:
        errors.append(f"{where} has {len(bullets)} bullets; expected {low}-{high}")


def check_summary(payload: Any, digest: DigestInput) -> tuple[DigestSummary | None, list[str]]:
    """Parse and validate; the summary is only returned when there are no errors."""
    errors: list[str] = []
    if isinstance(payload, str):
        try:
            payload = extract_json_object(payload)
        except ValueError as exc:
            return None, [f"invalid JSON: {exc}"]
    if not isinstance(payload, Mapping):
        return None, ["the answer must be a JSON object"]
    missing = [k for k in ("highlights", "sides", "differences") if k not in payload]
    if missing:
        errors.append(f"missing keys: {', '.join(missing)}")

    side_of = {a.number: a.side for a in digest.articles}
    ids = f"{min(side_of)}-{max(side_of)}" if side_of else "none"

    active = active_sides(digest)

    def check_citations(bullets: Sequence[Bullet], where: str) -> None:
        for i, bullet in enumerate(bullets):
            for cite in bullet.citations:
                if cite not in side_of:
                    errors.append(f"{where}[{i}] cites {cite}, which is not an article id ({ids})")

    highlights = _parse_bullets(payload.get("highlights", []), "highlights", errors)
    _count(highlights, "highlights", HIGHLIGHTS, errors)
    check_citations(highlights, "highlights")
    for i, bullet in enumerate(highlights):
        if len(bullet.citations) < MIN_HIGHLIGHT_CITATIONS:
            errors.append(
                f"highlights[{i}] cites {len(bullet.citations)} article(s); "
                f"needs at least {MIN_HIGHLIGHT_CITATIONS} different ones"
            )

    sides_raw = payload.get("sides", {})
    sides: dict[str, tuple[Bullet, ...]] = {side: () for side, _ in digest.sides}
    if not isinstance(sides_raw, Mapping):
        errors.append("sides must be an object keyed by side id")
        sides_raw = {}
    for key in sides_raw:
        if key not in sides:
            errors.append(f"sides.{key} is not a side of this topic ({', '.join(sides)})")
    for side in sides:
        where = f"sides.{side}"
        bullets = _parse_bullets(sides_raw.get(side, []), where, errors)
        if side in active:
            _count(bullets, where, SIDE_BULLETS, errors)
        elif bullets:
            errors.append(f"{where} must be empty: the side has no (on-topic) articles")
        check_citations(bullets, where)
        for i, bullet in enumerate(bullets):
            for cite in bullet.citations:
                if cite in side_of and side_of[cite] != side:
                    errors.append(
                        f"{where}[{i}] cites {cite}, an article of {side_of[cite]}, not {side}"
                    )
        sides[side] = tuple(bullets)

    differences = _parse_bullets(payload.get("differences", []), "differences", errors)
    # Differences need two sides to compare; with fewer, none are required (but at most 4).
    bounds = DIFFERENCES if len(active) >= 2 else (0, DIFFERENCES[1])
    _count(differences, "differences", bounds, errors)
    check_citations(differences, "differences")
    if len(active) >= 2:
        for i, bullet in enumerate(differences):
            cited = {side_of.get(c) for c in bullet.citations}
            # with two sides: both; with more: at least two of them
            needed = active if len(active) == 2 else None
            if needed is not None and not set(needed) <= cited:
                lacking = ", ".join(s for s in needed if s not in cited)
                errors.append(f"differences[{i}] cites no article of {lacking}")
            elif needed is None and len(cited & set(active)) < 2:
                errors.append(f"differences[{i}] must cite articles of at least two sides")

    if errors:
        return None, errors
    return (
        DigestSummary(
            summarizer="",
            highlights=tuple(highlights),
            sides=sides,
            differences=tuple(differences),
        ),
        [],
    )


def validate_summary(payload: Any, digest: DigestInput) -> list[str]:
    """Everything wrong with a model answer (text or parsed object) for this digest; [] = ok.

    Checks: JSON object with the three keys; counts in range (sides without articles: no bullets);
    every citation an existing article id; side bullets cite only that side; highlights cite >=
    2 distinct articles; each difference cites both sides when two sides have articles (>= 2
    sides when more); non-empty English text.
    """
    return check_summary(payload, digest)[1]
