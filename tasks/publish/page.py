"""The page of a topic-day, as Markdown with YAML front matter.

The page keeps the old system's layout (front matter keys, Overall Highlights, one section per
side, numbered Sources with [lang-REGION] tags) so existing readers and the site carry over.
Every string that came from a feed is escaped for Markdown, HTML and Hugo shortcodes; the front
matter is written by a YAML library.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import yaml

from parallax.headlines import display_text, display_title
from parallax.records import INTERNATIONAL, Bullet, DigestArticle, DigestInput, DigestSummary
from parallax.topics import Topic
from tasks.publish.changes import StoryChanges
from tasks.publish.notes import PageFacts, notes_front_matter, page_notes

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_LIST_MARKER = re.compile(r"^(\d+)([.)])")


@dataclass(frozen=True)
class PageCounts:
    """Articles of the day that are on no side, for the front matter."""

    international: int = 0
    unknown: int = 0
    total: int = 0  # recent, non-duplicate articles of the day, placed or not


def md_text(value: str) -> str:
    """Inline Markdown that shows ``value`` literally: no HTML, links, emphasis or shortcodes."""
    text = html.escape(display_text(value), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text).replace("{", "&#123;").replace("}", "&#125;")
    text = _LIST_MARKER.sub(r"\1\\\2", text)
    return "\\" + text if text[:1] in ("-", "+") else text


def safe_url(url: str) -> str | None:
    """An http(s) URL fit for a Markdown link target, or None."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    return quote(url, safe=":/?&=#%+,;@$'*~._-!")


def page_path(content_dir: Path, topic_id: str, day: dt.date) -> Path:
    return content_dir / topic_id / f"{day.isoformat()}.md"


# libyaml's emitter is much faster than PyYAML's pure-Python one (front matter is written for
# every topic-day of a backfill) and writes the same text for ordinary text, but not for
# characters outside the Basic Multilingual Plane (emoji), NEL, line/paragraph separators or
# other control characters. Those (rare) documents keep the Python emitter, so page bytes
# never depend on the emitter (a test checks both).
_C_DUMPER: type | None = getattr(yaml, "CSafeDumper", None)
_NOT_FOR_C = re.compile("[^\u0020-\u007e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")


def _c_safe(value: object) -> bool:
    if isinstance(value, str):
        return not _NOT_FOR_C.search(value)
    if isinstance(value, dict):
        return all(_c_safe(k) and _c_safe(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_c_safe(v) for v in value)
    return value is None or isinstance(value, bool | int | float)


def dump_yaml(data: object, width: int | None = None, dumper: type | None = None) -> str:
    """Front matter as YAML: keys in insertion order, Unicode kept."""
    if dumper is None:
        dumper = _C_DUMPER if _C_DUMPER is not None and _c_safe(data) else yaml.SafeDumper
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=width)


SAMPLE_NOTE = (
    "**Sample data.** The headlines on this page are invented for Parallax's offline demo; "
    "they are not news, and the outlets named never published them."
)


def render_page(
    digest: DigestInput,
    summary: DigestSummary,
    counts: PageCounts,
    facts: PageFacts | None = None,
    sample: bool = False,
    changes: StoryChanges | None = None,
) -> str:
    """The page of a digest; ``facts`` say what it lacks (a short side, a failed feed, ...).
    ``sample``: the page is the demo's invented data, and says so (front matter and text).
    ``changes``: what changed since the previous day's page (no section without one)."""
    facts = facts or PageFacts(side_names=dict(digest.sides))
    notes = page_notes(facts)
    front = {**_front_matter(digest, summary, counts), **notes_front_matter(facts)}
    if notes:
        front["notes"] = notes
    if sample:
        front["title"] += " (sample data)"
        front["sample"] = True
    if changes is not None and changes.had_page:
        front["changes"] = changes.counts()
    front["draft"] = front.pop("draft")  # last, as the old system wrote it
    body = [
        *([_notes_section(notes)] if notes else []),
        _section(
            "Overall Highlights", summary.highlights, "No articles were available for this period."
        ),
        "<!--more-->",
    ]
    if changes is not None and changes.had_page:
        body.append(
            _section(
                "What Changed Since Yesterday",
                changes.bullets(),
                "No story is new, newly covered by another side, or gone quiet since yesterday.",
            )
        )
    for side, name in digest.sides:
        body.append(
            _section(
                f"{name} Perspective ({name} Sources)",
                summary.sides.get(side, ()),
                f"No {name} sources available for this time period.",
            )
        )
    international = digest.side_articles(INTERNATIONAL)
    if international:
        body.append(
            _section(
                "Coverage from Other Countries",
                tuple(
                    Bullet(
                        text=f"{a.source_name} ({a.country or 'unknown country'}): {a.title}",
                        citations=(a.number,),
                    )
                    for a in international
                ),
                "",
            )
        )
    if summary.differences:
        body.append(_section("Where They Differ", summary.differences, ""))
    body.append(_sources(digest.articles))
    if sample:
        body.insert(0, SAMPLE_NOTE)
    yaml_text = dump_yaml(front, width=1000)
    return f"---\n{yaml_text}---\n\n" + "\n\n".join(body) + "\n"


def is_sample_page(page: str) -> bool:
    """Whether ``page`` (as render_page wrote it) is the demo's invented data: its front
    matter says ``sample: true``."""
    head, sep, _ = page.removeprefix("---\n").partition("\n---\n")
    if not page.startswith("---\n") or not sep:
        return False
    front = yaml.safe_load(head)
    return isinstance(front, dict) and front.get("sample") is True


def _front_matter(digest: DigestInput, summary: DigestSummary, counts: PageCounts) -> dict:
    per_side = {side: len(digest.side_articles(side)) for side, _ in digest.sides}
    front: dict = {
        "title": f"{digest.topic_name} News - {digest.logical_date.isoformat()}",
        "date": f"{digest.logical_date.isoformat()}T00:00:00Z",
        "topic": digest.topic_id,
        "topicName": digest.topic_name,
        "sources": list(dict.fromkeys(_one_line(a.source_name) for a in digest.articles)),
        "articleCount": len(digest.articles),
        "perspectives": [{"id": s, "name": n, "count": per_side[s]} for s, n in digest.sides],
    }
    front.update({f"{side}Sources": n for side, n in per_side.items()})
    front.update(
        {
            "internationalCount": counts.international,
            "unknownCount": counts.unknown,
            "summarizer": summary.summarizer,
            "articles": [_article_meta(a) for a in digest.articles],
        }
    )
    if counts.total:
        front["internationalShare"] = round(counts.international / counts.total, 3)
        front["unknownShare"] = round(counts.unknown / counts.total, 3)
    blindspots = _blindspots(digest)
    if blindspots:
        front["blindspots"] = blindspots
    front["draft"] = False
    return front


def _blindspots(digest: DigestInput) -> list[dict]:
    """Stories on the page that only one side's press covered that day."""
    titles = {a.number: display_title(a.title) for a in digest.articles}
    return [
        {"side": side, "title": titles[nums[0]], "n": list(nums)}
        for side, nums in digest.one_sided_stories()
    ]


def _one_line(value: str) -> str:
    return display_text(value)


def _article_meta(a: DigestArticle) -> dict:
    return {
        "n": a.number,
        "title": display_title(a.title),
        "link": safe_url(a.link) or "",
        "source": _one_line(a.source_name),
        "side": a.side,
        "country": a.country,
        "ownership": a.ownership,
        "locale": a.locale,
        "published": a.published_at.date().isoformat() if a.published_at else None,
        **({"alsoCarriedBy": list(a.also_carried_by)} if a.also_carried_by else {}),
        **({"continuing": True} if a.continuing else {}),
    }


def _notes_section(notes: list[str]) -> str:
    return "## Coverage Notes\n\n" + "\n".join(f"- {md_text(note)}" for note in notes)


def _section(heading: str, bullets: tuple[Bullet, ...], empty: str) -> str:
    lines = [f"- {_bullet(b)}" for b in bullets] or ([f"- {empty}"] if empty else [])
    return f"## {heading}\n\n" + "\n".join(lines)


def _bullet(bullet: Bullet) -> str:
    cites = " ".join(f"[\\[{n}\\]](#source-{n})" for n in bullet.citations)
    return f"{md_text(bullet.text)} {cites}".rstrip()


def _sources(articles: tuple[DigestArticle, ...]) -> str:
    lines = [f"This summary is based on {len(articles)} articles from the following sources:", ""]
    for a in articles:
        url = safe_url(a.link)
        title = display_title(a.title)
        title = f"[{md_text(title)}]({url})" if url else md_text(title)
        if a.translation:
            title += f" — English: “{md_text(display_title(a.translation))}”"
        when = (
            f" ({a.published_at.month}/{a.published_at.day}/{a.published_at.year})"
            if a.published_at
            else ""
        )
        extras = [format_carried_by(a.also_carried_by)]
        extras.append("continuing: already on an earlier page" if a.continuing else "")
        lines.append(
            f'{a.number}. <a id="source-{a.number}"></a>[{a.locale}] {title}'
            f" - {md_text(a.source_name)}{when}"
            + "".join(f" · {md_text(extra)}" for extra in extras if extra)
        )
    return "## Sources\n\n" + "\n".join(lines)


def topic_index(topic: Topic) -> str:
    """The topic's Hugo section page (its title is what the site lists)."""
    sides = " and ".join(p.name for p in topic.perspectives)
    front = {
        "title": topic.name,
        "topic": topic.id,
        "description": f"What the {sides} press report, side by side.",
    }
    return "---\n" + dump_yaml(front) + "---\n"


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
