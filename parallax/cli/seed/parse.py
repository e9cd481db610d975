"""Parse digest pages published by the system we replace (jspagnuolo/news-summarizer).

Pure: ``parse_seed_page`` turns the text of one ``hugo-site/content/summaries/<topic>/<date>.md``
into a ``SeedDigest``; ``parse_seed_dir`` walks a folder of them; store.py stores them.

Three page formats exist (see ../shared/corpus/README.md, "Format variants"):

* ``current``: front matter ``perspectives`` list and ``<id>Sources`` counts; "Overall
  Highlights"; one "<Name> Perspective (<Name> Sources)" section per perspective.
* ``legacy-venezuela``: ``venezuelanSources``/``internationalSources`` counts only; "Overall
  Summary" prose; "Inside Venezuela (…)" and "US Perspective (…)" / "International Perspective
  (…)" sections with "### Key Points" bullets then prose; "Key Differences in Coverage".
* ``first-run``: no counts; "Key Highlights" bullets and "Summary" prose; Sources lines without a
  ``[locale]`` tag.

Every page ends with a numbered Sources list. The feed perspective of each listed article is
derived from the per-perspective counts and the old generator's selection order (see
``derive_feed_perspectives``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from parallax.cli.seed.records import (
    LEGACY_LOCALES,
    LEGACY_SECTIONS,
    SEED_PER_PERSPECTIVE_QUOTA,
    Basis,
    SeedArticle,
    SeedDigest,
    SeedFormat,
    SeedParseError,
    SeedPerspective,
)

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_COUNT_KEY = re.compile(r"^([a-z][A-Za-z0-9]*)Sources$")
_SOURCE_LINE = re.compile(
    r"^(?P<position>\d+)\. (?:\[(?P<locale>[a-z]{2,3}-[A-Z]{2})\] )?"
    r"\[(?![a-z]{2,3}-[A-Z]{2}\] )(?P<title>.*)\]\((?P<link>\S*)\) - (?P<source>.*) "
    r"\((?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\)$"
)
_BASED_ON = re.compile(r"^This summary is based on (\d+) articles? from the following sources:$")
_FILE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\.md$")


@dataclass
class _Section:
    heading: str
    bullets: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # raw lines (the Sources list needs them)
    subheadings: list[str] = field(default_factory=list)


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise SeedParseError("no YAML front matter between '---' lines at the top")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise SeedParseError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise SeedParseError("front matter is not a mapping")
    return meta, text[match.end() :]


def _sections(body: str) -> list[_Section]:
    sections: list[_Section] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph and sections:
            sections[-1].paragraphs.append(" ".join(paragraph))
        paragraph.clear()

    for raw in body.split("\n"):
        line = raw.rstrip()
        if line.startswith("## "):
            flush()
            sections.append(_Section(line[3:].strip()))
            continue
        if not sections:
            if line.strip():
                raise SeedParseError(f"text before the first '## ' heading: {line[:60]!r}")
            continue
        section = sections[-1]
        section.lines.append(line)
        stripped = line.strip()
        if not stripped or stripped == "<!--more-->":
            flush()
        elif stripped.startswith("### "):
            flush()
            section.subheadings.append(stripped[4:].strip())
        elif stripped.startswith("- "):
            flush()
            section.bullets.append(stripped[2:].strip())
        else:
            paragraph.append(stripped)
    flush()
    return sections


def _parse_date(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise SeedParseError(f"front matter date {value!r} is not ISO 8601") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _sources_list(section: _Section) -> tuple[int | None, list[SeedArticle]]:
    stated: int | None = None
    articles: list[SeedArticle] = []
    for line in section.lines:
        stripped = line.strip()
        if not stripped:
            continue
        based = _BASED_ON.match(stripped)
        if based:
            stated = int(based.group(1))
            continue
        m = _SOURCE_LINE.match(stripped)
        if not m:
            raise SeedParseError(f"unrecognised line in Sources: {stripped[:80]!r}")
        position = int(m["position"])
        if position != len(articles) + 1:
            raise SeedParseError(f"Sources line {position} follows line {len(articles)}")
        articles.append(
            SeedArticle(
                position=position,
                locale=m["locale"],
                title=m["title"],
                link=m["link"],
                source_name=m["source"],
                published_date=dt.date(int(m["year"]), int(m["month"]), int(m["day"])),
                feed_perspective=None,
                perspective_basis=None,
            )
        )
    return stated, articles


def derive_feed_perspectives(
    counts: Mapping[str, int], n_listed: int, quota: int = SEED_PER_PERSPECTIVE_QUOTA
) -> list[str] | None:
    """Perspective of each listed position, from the old generator's selection order.

    It took up to ``quota`` articles of each perspective in order, then topped up with the
    remaining articles of each perspective in order. With counts (a, b) that is ``min(a, quota)``
    of the first, ``min(b, quota)`` of the second, then the rest. None when the counts do not add
    up to the number of listed articles.
    """
    if not counts or sum(counts.values()) != n_listed:
        return None
    order = list(counts)
    labels = [p for p in order for _ in range(min(counts[p], quota))]
    labels += [p for p in order for _ in range(max(counts[p] - quota, 0))]
    return labels


def _feed_perspectives(
    articles: list[SeedArticle], counts: Mapping[str, int], locale_map: Mapping[str, str]
) -> list[SeedArticle]:
    by_position = derive_feed_perspectives(counts, len(articles))
    by_locale: list[str] | None = None
    if locale_map and all(a.locale in locale_map for a in articles):
        by_locale = [locale_map[a.locale or ""] for a in articles]
        locale_counts = {p: by_locale.count(p) for p in counts}
        if locale_counts != dict(counts):
            by_locale = None
    labels: Sequence[str | None]
    basis: Basis | None
    if by_locale is not None and by_locale != by_position:
        # Early pages listed both feeds interleaved by date: the tag tells them apart.
        labels, basis = by_locale, "locale"
    elif by_position is not None:
        labels, basis = by_position, "position"
    else:
        labels, basis = [None] * len(articles), None
    return [
        replace(a, feed_perspective=p, perspective_basis=basis)
        for a, p in zip(articles, labels, strict=True)
    ]


def _detect_format(meta: Mapping[str, Any], counts: Mapping[str, int]) -> SeedFormat:
    if meta.get("perspectives"):
        return "current"
    if counts:
        return "legacy-venezuela"
    return "first-run"


def _side_of_heading(heading: str, fmt: SeedFormat, perspectives: Sequence[SeedPerspective]) -> str:
    if fmt == "legacy-venezuela":
        prefix = heading.split(" (", 1)[0].strip()
        if prefix in LEGACY_SECTIONS:
            return LEGACY_SECTIONS[prefix]
    else:
        for p in perspectives:
            if heading.startswith(f"{p.name} Perspective"):
                return p.id
    raise SeedParseError(f"section {heading!r} matches no perspective")


def parse_seed_page(text: str, topic: str, digest_date: dt.date) -> SeedDigest:
    """Parse one published page of the old system (any of its three formats)."""
    meta, body = _split_front_matter(text)
    counts: dict[str, int] = {}
    for key, value in meta.items():
        m = _COUNT_KEY.match(str(key))
        if m:
            counts[m.group(1)] = int(value)
    fmt = _detect_format(meta, counts)
    perspectives = tuple(
        SeedPerspective(id=str(p["id"]), name=str(p["name"]), count=int(p["count"]))
        for p in meta.get("perspectives") or ()
    )
    for p in perspectives:
        if counts.get(p.id, p.count) != p.count:
            raise SeedParseError(f"{p.id}Sources={counts[p.id]} but perspectives says {p.count}")

    highlights: list[str] = []
    summary: list[str] = []
    differences: list[str] = []
    bullets: dict[str, tuple[str, ...]] = {}
    side_paragraphs: dict[str, tuple[str, ...]] = {}
    stated: int | None = None
    articles: list[SeedArticle] | None = None
    for section in _sections(body):
        heading = section.heading
        if heading in ("Overall Highlights", "Key Highlights"):
            highlights += section.bullets
        elif heading in ("Overall Summary", "Summary"):
            summary += section.paragraphs
        elif heading == "Key Differences in Coverage":
            differences += section.bullets
        elif heading == "Sources":
            stated, articles = _sources_list(section)
        else:
            side = _side_of_heading(heading, fmt, perspectives)
            if side in bullets:
                raise SeedParseError(f"two sections for perspective {side!r}")
            bullets[side] = tuple(section.bullets)
            if section.paragraphs:
                side_paragraphs[side] = tuple(section.paragraphs)
    if articles is None:
        raise SeedParseError("no '## Sources' section")
    locale_map = LEGACY_LOCALES if fmt == "legacy-venezuela" else {}
    articles = _feed_perspectives(articles, counts, locale_map)

    return SeedDigest(
        topic=topic,
        digest_date=digest_date,
        format=fmt,
        title=str(meta.get("title", "")),
        generated_at=_parse_date(meta.get("date")),
        topic_name=str(meta.get("topicName", "")),
        sources=tuple(str(s) for s in meta.get("sources") or ()),
        article_count=int(meta.get("articleCount", len(articles))),
        perspectives=perspectives or None,
        perspective_counts=counts,
        draft=bool(meta.get("draft", False)),
        highlights=tuple(highlights),
        perspective_bullets=bullets,
        summary_paragraphs=tuple(summary),
        perspective_paragraphs=side_paragraphs,
        key_differences=tuple(differences),
        stated_article_count=stated,
        articles=tuple(articles),
    )


def parse_seed_dir(path: Path | str) -> Iterator[SeedDigest]:
    """Every digest under ``path`` (``<topic>/<YYYY-MM-DD>.md``), sorted by topic then date.

    Section pages (``_index.md``) and other files are skipped. A page that does not parse raises
    SeedParseError naming the file.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"seed pages folder not found: {root}")
    for file in sorted(root.glob("*/*.md")):
        if not _FILE_NAME.match(file.name):
            continue
        try:
            digest_date = dt.date.fromisoformat(file.stem)
        except ValueError:
            continue
        try:
            yield parse_seed_page(file.read_text(encoding="utf-8"), file.parent.name, digest_date)
        except SeedParseError as exc:
            raise SeedParseError(f"{file}: {exc}") from exc


# --- storing pages (``parallax import-seed``) ---------------------------------------------------


def seed_page_files(path: Path | str) -> list[Path]:
    """The digest pages under ``path`` (``<topic>/<YYYY-MM-DD>.md``), sorted; no section pages."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"seed pages folder not found: {root}")
    found = []
    for file in sorted(root.glob("*/*.md")):
        if not _FILE_NAME.match(file.name):
            continue
        try:
            dt.date.fromisoformat(file.stem)
        except ValueError:
            continue
        found.append(file)
    return found


def parse_seed_file(file: Path) -> SeedDigest:
    """Parse one page file; topic and date come from its path. Errors name the file."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedParseError(f"{file}: cannot read: {exc}") from exc
    try:
        return parse_seed_page(text, file.parent.name, dt.date.fromisoformat(file.stem))
    except SeedParseError as exc:
        raise SeedParseError(f"{file}: {exc}") from exc
