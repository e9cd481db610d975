"""The entity lexicon (config/lexicon.yaml): how a headline names a country or a topic's subject.

For each country, in the feeds' languages: names, demonyms, capitals, leaders and officials,
institutions and places; for each topic, the key subjects whose mention by itself points at the
relationship (Kashmir, the Taiwan Strait, PDVSA, ...), the marks of stories that are not about
it (a baseball final on the Venezuela page), names a country goes by in that topic only
("the mainland" on the China vs Taiwan page), a few short searches that describe it (for the
embedding model) and two short descriptions of what is and is not about it; and, for every
topic, the words of one state dealing with another ("warns", "制裁", "talks"). Data, not code:
adding a country or a leader changes no code.

Matching: Latin-script terms match case-insensitively on word boundaries, except short all-caps
acronyms (US, PLA, PDVSA), which match as written; Chinese, Japanese, Hindi and Urdu terms
match as substrings (those scripts do not separate words the way the matcher could rely on).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

CATEGORIES = ("names", "demonyms", "capitals", "leaders", "institutions", "places")
_ACRONYM = re.compile(r"^[A-Z][A-Z.]{0,5}$")
# libyaml's loader (in PyYAML's wheels) reads the 120 KB lexicon in 19 ms instead of 140 ms,
# which every backfill worker process pays once.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_loading = threading.Lock()


class LexiconError(ValueError):
    """The lexicon file is missing or invalid; the message says where."""


@dataclass(frozen=True)
class Mention:
    """One lexicon term found in a headline."""

    key: str  # a country code, "subject", "off_subject" or "relation"
    category: str
    term: str
    start: int = 0  # where its first occurrence is in the (NFKC-normalised) text
    end: int = 0

    def inside(self, other: Mention) -> bool:
        """Part of a longer term found in the same place ("Mainland" in "Mainland Affairs
        Council")."""
        return (
            other.start <= self.start
            and self.end <= other.end
            and (other.end - other.start) > (self.end - self.start)
        )


@dataclass(frozen=True)
class TopicLexicon:
    subjects: tuple[str, ...]
    off_subjects: tuple[str, ...]  # marks of a story that is not about the relationship
    aliases: Mapping[str, tuple[str, ...]]  # country code -> names it goes by in this topic
    queries: tuple[str, ...]  # short searches describing the topic, for the embedding model
    about: str  # what an on-topic headline is about, in prose (for a model judge)
    not_about: str


class _Matcher:
    """Finds the terms of one group (a country, or a topic's subjects) in a text."""

    def __init__(self, key: str, terms: Iterable[tuple[str, str]]) -> None:
        self.key = key
        self._category: dict[str, str] = {}
        words: list[str] = []
        acronyms: list[str] = []
        substrings: list[str] = []
        for category, term in terms:
            term = unicodedata.normalize("NFKC", term).strip()
            if not term:
                continue
            if _is_latin(term):
                exact = bool(_ACRONYM.match(term))
                (acronyms if exact else words).append(term)
                self._category.setdefault(term if exact else term.casefold(), category)
            else:
                substrings.append(term)
                self._category.setdefault(term, category)
        # A term right before "$" is a currency ("US$26 million", "HK$10,000"), not the country.
        self._words = _alternation(words, r"(?<!\w)(?:{})(?![\w$])", re.IGNORECASE)
        self._acronyms = _alternation(acronyms, r"(?<![\w.])(?:{})(?![\w$])", 0)
        self._substrings = _alternation(substrings, r"(?:{})", 0)

    def find(self, text: str) -> list[Mention]:
        found: dict[str, Mention] = {}
        for pattern, fold in (
            (self._words, True),
            (self._acronyms, False),
            (self._substrings, False),
        ):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                term = match.group(0)
                lookup = term.casefold() if fold else term
                found.setdefault(
                    lookup,
                    Mention(
                        self.key,
                        self._category.get(lookup, ""),
                        term,
                        match.start(),
                        match.end(),
                    ),
                )
        return list(found.values())


def _is_latin(term: str) -> bool:
    return all(
        ch.isascii() or unicodedata.name(ch, "").startswith("LATIN") or not ch.isalpha()
        for ch in term
    )


def _alternation(terms: list[str], template: str, flags: int) -> re.Pattern[str] | None:
    if not terms:
        return None
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))  # longest first: "South China Sea"
    return re.compile(template.format("|".join(re.escape(t) for t in ordered)), flags)


class Lexicon:
    """Countries' and topics' terms, with matchers built once."""

    def __init__(
        self,
        countries: Mapping[str, Mapping[str, Mapping[str, list[str]]]],
        topics: Mapping[str, TopicLexicon],
        version: str,
        relation_words: Iterable[str] = (),
    ) -> None:
        self.version = version
        self.topics = dict(topics)
        self._countries = {
            code: _Matcher(
                code,
                (
                    (category, term)
                    for by_category in languages.values()
                    for category, terms in by_category.items()
                    for term in terms or ()
                ),
            )
            for code, languages in countries.items()
        }
        self._subjects = {
            topic_id: _Matcher("subject", (("subject", t) for t in lexicon.subjects))
            for topic_id, lexicon in self.topics.items()
        }
        self._off_subjects = {
            topic_id: _Matcher("off_subject", (("off_subject", t) for t in lexicon.off_subjects))
            for topic_id, lexicon in self.topics.items()
        }
        self._aliases = {
            topic_id: [
                _Matcher(code, (("alias", t) for t in terms))
                for code, terms in lexicon.aliases.items()
            ]
            for topic_id, lexicon in self.topics.items()
        }
        self._relations = _Matcher("relation", (("relation", t) for t in relation_words))
        # Each title is matched against every country's terms (79 countries, ~0.3 ms a title),
        # and the stories stage asks again for the earlier days' titles it compares with.
        self._cached_country_mentions = functools.lru_cache(maxsize=1 << 15)(self._country_mentions)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(self._countries)

    def country_mentions(
        self, text: str, countries: Iterable[str] | None = None, topic: str | None = None
    ) -> list[Mention]:
        """Terms of the given countries (default: all) found in ``text``, with the names they
        go by in ``topic``; a term inside a longer one found in the same place is left out."""
        wanted = None if countries is None else tuple(countries)
        return list(self._cached_country_mentions(text, wanted, topic))

    def _country_mentions(
        self, text: str, countries: tuple[str, ...] | None, topic: str | None
    ) -> tuple[Mention, ...]:
        text = unicodedata.normalize("NFKC", text)
        wanted = (
            self._countries
            if countries is None
            else {c: self._countries[c] for c in countries if c in self._countries}
        )
        matchers = [*wanted.values(), *self._aliases.get(topic or "", ())]
        found = [m for matcher in matchers for m in matcher.find(text) if m.key in wanted]
        return tuple(m for m in found if not any(m.inside(other) for other in found))

    def subject_mentions(self, topic: str, text: str) -> list[Mention]:
        matcher = self._subjects.get(topic)
        return matcher.find(unicodedata.normalize("NFKC", text)) if matcher else []

    def off_subject_mentions(self, topic: str, text: str) -> list[Mention]:
        matcher = self._off_subjects.get(topic)
        return matcher.find(unicodedata.normalize("NFKC", text)) if matcher else []

    def relation_mentions(self, text: str) -> list[Mention]:
        return self._relations.find(unicodedata.normalize("NFKC", text))


def parse_lexicon(raw: object, source: str, version: str) -> Lexicon:
    if not isinstance(raw, dict) or not isinstance(raw.get("countries"), dict):
        raise LexiconError(f"{source}: expected a mapping with 'countries' and 'topics'")
    countries: dict[str, dict[str, dict[str, list[str]]]] = {}
    for code, entry in raw["countries"].items():
        terms = (entry or {}).get("terms") if isinstance(entry, dict) else None
        if not re.fullmatch(r"[A-Z]{2}", str(code)) or not isinstance(terms, dict):
            raise LexiconError(
                f"{source}: countries.{code}: needs an ISO code and 'terms' by language"
            )
        countries[str(code)] = {}
        for language, by_category in terms.items():
            if not isinstance(by_category, dict):
                raise LexiconError(
                    f"{source}: countries.{code}.terms.{language}: expected categories"
                )
            unknown = set(by_category) - set(CATEGORIES)
            if unknown:
                raise LexiconError(
                    f"{source}: countries.{code}.terms.{language}: unknown {sorted(unknown)}"
                )
            countries[str(code)][str(language)] = {
                c: [str(t) for t in (by_category.get(c) or [])] for c in CATEGORIES
            }
    topics = {}
    for topic_id, entry in (raw.get("topics") or {}).items():
        if not isinstance(entry, dict):
            raise LexiconError(f"{source}: topics.{topic_id}: expected subjects, about, not_about")
        aliases = entry.get("aliases") or {}
        if not isinstance(aliases, dict) or set(map(str, aliases)) - set(countries):
            raise LexiconError(
                f"{source}: topics.{topic_id}.aliases: expected lists of terms under country "
                f"codes listed in `countries`"
            )
        topics[str(topic_id)] = TopicLexicon(
            subjects=_terms(entry.get("subjects"), f"{source}: topics.{topic_id}.subjects"),
            off_subjects=_terms(
                entry.get("off_subjects"), f"{source}: topics.{topic_id}.off_subjects"
            ),
            aliases={str(code): tuple(map(str, terms or ())) for code, terms in aliases.items()},
            queries=tuple(str(q) for q in entry.get("queries") or ()),
            about=str(entry.get("about") or "").strip(),
            not_about=str(entry.get("not_about") or "").strip(),
        )
    relations = _terms(raw.get("relation_words"), f"{source}: relation_words")
    return Lexicon(countries, topics, version, relations)


def _terms(by_language: object, where: str) -> tuple[str, ...]:
    """The terms of a ``{language: [terms]}`` mapping, all languages together."""
    if by_language is None:
        return ()
    if not isinstance(by_language, dict):
        raise LexiconError(f"{where}: expected lists of terms by language")
    return tuple(str(t) for terms in by_language.values() for t in (terms or []))


def load_lexicon(path: Path) -> Lexicon:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise LexiconError(f"lexicon not found: {path} (set PARALLAX_LEXICON_FILE)") from exc
    with _loading:  # a backfill's threads start together: one parses, the rest reuse it
        return _load_bytes(data, str(path))


@functools.lru_cache(maxsize=4)
def _load_bytes(data: bytes, source: str) -> Lexicon:
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=_YAML_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{source}: not valid UTF-8 YAML: {str(exc).splitlines()[0]}") from exc
    return parse_lexicon(raw, source, hashlib.sha256(data).hexdigest()[:12])
