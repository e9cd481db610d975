"""Topics config: which feeds to read and which countries each side of a topic speaks for.

Loaded from YAML (``config/topics.yaml`` by default) into frozen pydantic models, so a typo in
the file fails at start with the field that is wrong instead of deep inside a run.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_ID = r"^[a-z0-9][a-z0-9-]*$"
_ISO_ALPHA2 = re.compile(r"^[A-Z]{2}$")


class ConfigError(ValueError):
    """The topics file is missing or invalid; the message says where."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TopicSettings(_Frozen):
    max_articles: int = Field(20, ge=1, le=200)
    max_age_days: int = Field(5, ge=1, le=60)
    per_side_quota: int | None = Field(None, ge=1, description="default: max_articles / sides")
    top_up: bool = True
    show_international: bool = True
    international_max: int = Field(5, ge=0, le=50, description="articles listed apart when shown")
    recent_days: int = Field(3, ge=0, le=30, description="days whose pages' articles go last")
    max_per_outlet: int = Field(2, ge=1, le=50, description="articles of one outlet on one side")


class Perspective(_Frozen):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    countries: tuple[str, ...] = Field(min_length=1)

    @field_validator("countries")
    @classmethod
    def _iso_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in value if not _ISO_ALPHA2.match(c)]
        if bad:
            raise ValueError(f"not ISO-3166 alpha-2 codes: {bad}")
        return value


class Feed(_Frozen):
    """One Google News search: its side, query (in the edition's language) and edition."""

    perspective: str
    query: str = Field(min_length=1)
    language: str = Field("en", pattern=r"^[a-z]{2,3}$")
    region: str = Field("US", pattern=r"^[A-Z]{2}$")
    # Google News edition parameters when they differ from language-REGION / REGION:language,
    # e.g. Chinese editions: hl zh-CN, ceid CN:zh-Hans; Latin American Spanish: hl es-419.
    hl: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$")
    ceid: str | None = Field(None, pattern=r"^[A-Z]{2}:[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$")

    @property
    def locale(self) -> str:
        """The articles' language and region, e.g. zh-TW: what the page tags them with."""
        return f"{self.language}-{self.region}"

    @property
    def edition(self) -> dict[str, str]:
        """Google News' hl, gl and ceid parameters of this feed."""
        return {
            "hl": self.hl or self.locale,
            "gl": self.region,
            "ceid": self.ceid or f"{self.region}:{self.language}",
        }


class Topic(_Frozen):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    active: bool = True
    perspectives: tuple[Perspective, ...] = Field(min_length=1)
    feeds: tuple[Feed, ...] = Field(min_length=1)
    # A side whose country's own affairs are the topic (Venezuela's politics, economy, ...),
    # not only its relationship with the other side.
    focus: str | None = None
    settings: TopicSettings = TopicSettings()

    @model_validator(mode="after")
    def _consistent(self) -> Topic:
        ids = [p.id for p in self.perspectives]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate perspective ids: {ids}")
        if self.focus is not None and self.focus not in ids:
            raise ValueError(f"focus {self.focus!r} is not a perspective; known: {ids}")
        unknown = {f.perspective for f in self.feeds} - set(ids)
        if unknown:
            raise ValueError(f"feeds name unknown perspectives {sorted(unknown)}; known: {ids}")
        owners: dict[str, str] = {}
        for p in self.perspectives:
            for country in p.countries:
                if country in owners:
                    raise ValueError(
                        f"country {country} is on two sides: {owners[country]}, {p.id}"
                    )
                owners[country] = p.id
        return self

    @property
    def side_quota(self) -> int:
        return self.settings.per_side_quota or max(
            1, self.settings.max_articles // len(self.perspectives)
        )

    def perspective(self, perspective_id: str) -> Perspective:
        for p in self.perspectives:
            if p.id == perspective_id:
                return p
        raise KeyError(perspective_id)

    def side_of_country(self, country: str | None) -> str | None:
        """The perspective whose countries include ``country``, else None."""
        for p in self.perspectives:
            if country in p.countries:
                return p.id
        return None


class TopicsConfig(_Frozen):
    topics: tuple[Topic, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> TopicsConfig:
        ids = [t.id for t in self.topics]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate topic ids: {ids}")
        return self

    def get(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        known = ", ".join(t.id for t in self.topics)
        raise ConfigError(f"unknown topic {topic_id!r}; configured topics: {known}")

    def select(self, topic_ids: list[str] | None) -> list[Topic]:
        """The named topics, or every active topic when none are named."""
        if topic_ids:
            return [self.get(t) for t in topic_ids]
        return [t for t in self.topics if t.active]


def parse_topics(raw: dict, source: str = "<topics>") -> TopicsConfig:
    """Validate a loaded YAML document; top-level ``settings`` are defaults for every topic."""
    if not isinstance(raw, dict) or "topics" not in raw:
        raise ConfigError(f"{source}: expected a mapping with a 'topics' list")
    defaults = raw.get("settings") or {}
    topics = []
    for entry in raw.get("topics") or []:
        if isinstance(entry, dict):
            entry = {**entry, "settings": {**defaults, **(entry.get("settings") or {})}}
        topics.append(entry)
    try:
        return TopicsConfig(topics=topics)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{source}: {where}: {first['msg']} ({exc.error_count()} error(s))"
        ) from exc


def load_topics(path: Path) -> TopicsConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"topics file not found: {path} (set PARALLAX_TOPICS_FILE)") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    return parse_topics(raw, str(path))
