"""What a headline says about its topic, as numbers: the evidence the relevance score weighs.

For a topic with two sides, the decisive question is whether the headline names the *other*
side: a Japanese paper naming China, a Pakistani one naming India. Naming only one's own side
is weak evidence (unless the topic is that side's own affairs: the topic's `focus`); naming a
third country as well suggests a story in which the two are not the central pair. A topic's
key subjects (Kashmir, the Taiwan Strait, PDVSA) point at the relationship by themselves; the
marks of a story of another kind (a baseball final, an earthquake) point away from it. A word
of one state dealing with another ("warns", "talks", "制裁") next to the other side's name
suggests the relationship is the subject. The
embedding model's similarity to a few searches describing the topic weighs what the lexicon
cannot see. Outlet names in a headline ("Global Times
editorial", "- Xinhua") name no country.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parallax.headlines import trailing_publisher
from parallax.lexicon import Lexicon, Mention
from parallax.outlets.registry import OutletRegistry
from parallax.topics import Topic

# The features in the order the weights use them.
FEATURES = (
    "names_other_side",  # the outlet's side is known and the headline names another side
    "names_two_sides",  # it names countries of two sides (whoever the outlet is)
    "names_own_side_only",  # the outlet's side is known and it names only that side
    "names_focus",  # it names the topic's focus country (a topic about one side's affairs)
    "names_no_side",  # it names no country of the topic
    "other_side_person_or_body",  # names another side through its leaders or institutions
    "subject",  # names a key subject of the topic
    "off_subject",  # names a mark of a story of another kind (sport, a disaster, a film)
    "relation_with_other_side",  # a word of states dealing with each other, and another side
    "third_countries",  # countries on no side it names (0, 1 or 2 and more)
    "similarity",  # the embedding model's similarity to the topic's searches
)


@dataclass(frozen=True)
class Evidence:
    """What one headline names, kept for the evidence text."""

    by_side: dict[str, list[Mention]]
    third: list[Mention]
    subjects: list[Mention]
    off_subjects: list[Mention]
    relations: list[Mention]
    similarity: float


def _without_outlet_names(title: str, registry: OutletRegistry | None) -> str:
    publisher = trailing_publisher(title)
    if registry is not None and publisher and registry.by_name(publisher) is not None:
        return title[: title.rfind(publisher)].rstrip(" -–—|")
    return title


def evidence_for(
    title: str,
    topic: Topic,
    lexicon: Lexicon,
    similarity: float,
    registry: OutletRegistry | None = None,
) -> Evidence:
    text = _without_outlet_names(title, registry)
    found = [
        m
        for m in lexicon.country_mentions(text, topic=topic.id)
        if registry is None or registry.by_name(m.term) is None  # "Xinhua" is not China
    ]
    sides = {p.id: set(p.countries) for p in topic.perspectives}
    by_side = {side: [m for m in found if m.key in countries] for side, countries in sides.items()}
    on_sides = set().union(*sides.values())
    return Evidence(
        by_side={s: ms for s, ms in by_side.items() if ms},
        third=[m for m in found if m.key not in on_sides],
        subjects=lexicon.subject_mentions(topic.id, text),
        off_subjects=lexicon.off_subject_mentions(topic.id, text),
        relations=lexicon.relation_mentions(text),
        similarity=similarity,
    )


def feature_vector(evidence: Evidence, outlet_side: str | None, topic: Topic) -> np.ndarray:
    named = set(evidence.by_side)
    own = outlet_side if outlet_side in {p.id for p in topic.perspectives} else None
    others = named - {own} if own else named
    other_side_named = bool(others) if own else len(named) >= 2  # whose side is unknown: two
    people = {
        side
        for side, mentions in evidence.by_side.items()
        if side != own and any(m.category in ("leaders", "institutions") for m in mentions)
    }
    values = {
        "names_other_side": float(own is not None and bool(named - {own})),
        "names_two_sides": float(len(named) >= 2),
        "names_own_side_only": float(own is not None and named == {own}),
        "names_focus": float(topic.focus is not None and topic.focus in named),
        "names_no_side": float(not named),
        "other_side_person_or_body": float(bool(people & others)),
        "subject": float(bool(evidence.subjects)),
        "off_subject": float(bool(evidence.off_subjects)),
        "relation_with_other_side": float(bool(evidence.relations) and other_side_named),
        "third_countries": float(min(len({m.key for m in evidence.third}), 2)),
        "similarity": evidence.similarity,
    }
    return np.array([values[name] for name in FEATURES], dtype=np.float64)


def describe(evidence: Evidence, outlet_side: str | None, topic: Topic) -> str:
    """The evidence in words, e.g. "names Japan (Tokyo, Takaichi); outlet: China side; …"."""
    names = {p.id: p.name for p in topic.perspectives}
    parts = [
        f"names {names[side]} ({', '.join(sorted({m.term for m in ms})[:3])})"
        for side, ms in evidence.by_side.items()
    ] or ["names neither side"]
    if evidence.subjects:
        parts.append(f"subject: {', '.join(sorted({m.term for m in evidence.subjects})[:3])}")
    if evidence.off_subjects:
        parts.append(f"but: {', '.join(sorted({m.term for m in evidence.off_subjects})[:3])}")
    if evidence.relations and evidence.by_side:
        words = sorted({m.term for m in evidence.relations})[:3]
        parts.append(f"relation words: {', '.join(words)}")
    if evidence.third:
        parts.append(f"also names {', '.join(sorted({m.key for m in evidence.third}))}")
    parts.append(f"outlet: {names.get(outlet_side or '', outlet_side or 'unknown')} side")
    parts.append(f"model similarity {evidence.similarity:+.3f}")
    return "; ".join(parts)
