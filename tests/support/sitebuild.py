"""Helpers shared by tests/test_site.py and tests/test_browser.py (not a conftest: plain imports).

`make_site` copies the committed site/ (config, layouts, CSS, data; no generated content) into a
temporary folder and adds the fixture digest pages from tests/data/site_pages/.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

from tests.support.paths import REPO

SITE = REPO / "site"
FIXTURE_PAGES = REPO / "tests" / "data" / "site_pages"
FIXTURE_CHART = REPO / "tests" / "data" / "charts" / "us-china.svg"
BASE_URL = "https://parallax.test/"


def make_site(dest: Path, *, with_chart: bool = False) -> Path:
    """A buildable copy of site/ with the fixture pages (and optionally a chart) in it."""
    shutil.copytree(
        SITE,
        dest,
        # never build what a local publish left behind (pages are removed below, charts here)
        ignore=shutil.ignore_patterns("public", "resources", ".hugo_build.lock", "charts"),
    )
    summaries = dest / "content" / "summaries"
    for topic_dir in summaries.iterdir():  # never build whatever a local publish left behind
        if topic_dir.is_dir():
            shutil.rmtree(topic_dir)
    for topic_dir in FIXTURE_PAGES.iterdir():
        if topic_dir.is_dir():
            shutil.copytree(topic_dir, summaries / topic_dir.name)
    if with_chart:
        (dest / "static" / "charts").mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURE_CHART, dest / "static" / "charts" / FIXTURE_CHART.name)
    return dest


class Page(HTMLParser):
    """What the tests need from one HTML page: ids, links, and the text inside each id."""

    VOID = frozenset(
        (
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "wbr",
        )
    )

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[dict[str, str]] = []  # attributes of every <a href>
        self.tags: list[tuple[str, dict[str, str]]] = []  # every start tag
        self.text_by_id: dict[str, str] = defaultdict(str)
        self._open: list[tuple[str, str | None]] = []  # (tag, id) stack
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a)
        if tag not in self.VOID:
            key = a.get("id") or (f"~{a['aria-labelledby']}" if "aria-labelledby" in a else None)
            self._open.append((tag, key))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for _, open_id in self._open:
            if open_id:
                self.text_by_id[open_id] += data

    def text(self, element_id: str) -> str:
        """Text inside the element with this id, whitespace collapsed."""
        return " ".join(self.text_by_id[element_id].split())

    def section(self, heading_id: str) -> str:
        """Text of the element labelled by ``aria-labelledby=heading_id`` (a page section)."""
        return " ".join(self.text_by_id[f"~{heading_id}"].split())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]
