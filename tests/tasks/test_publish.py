import datetime as dt
import os
import re
from pathlib import Path

import pytest
import yaml

from parallax.records import Bullet, DigestSummary
from tasks.publish import PageCounts, page_path, render_page, write_if_changed
from tasks.publish.page import md_text, safe_url
from tests.support.digests import SAMPLE, article, digest
from tests.support.paths import DATA

GOLDEN = DATA / "golden" / "us-china-2026-02-07.md"

SUMMARY = DigestSummary(
    summarizer="extractive",
    highlights=(Bullet("Both sides cover the chip export curbs.", (1, 4)),),
    sides={
        "us": (Bullet("Associated Press: curbs widen.", (1,)),),
        "china": (Bullet("Global Times: curbs criticised.", (4,)),),
    },
)


def _front(page: str) -> dict:
    _, front, _ = page.split("---\n", 2)
    return yaml.safe_load(front)


def test_page_matches_golden_file():
    page = render_page(SAMPLE, SUMMARY, PageCounts(international=2, unknown=1))
    if os.environ.get("PARALLAX_UPDATE_GOLDEN"):
        GOLDEN.write_text(page, encoding="utf-8")
    assert page == GOLDEN.read_text(encoding="utf-8")


def test_front_matter_has_the_seed_keys_and_counts():
    front = _front(render_page(SAMPLE, SUMMARY, PageCounts(2, 1)))
    assert front["title"] == "US vs China News - 2026-02-07"
    assert front["topic"] == "us-china" and front["topicName"] == "US vs China"
    assert front["articleCount"] == 6
    assert front["perspectives"] == [
        {"id": "us", "name": "United States", "count": 3},
        {"id": "china", "name": "China", "count": 3},
    ]
    assert (front["usSources"], front["chinaSources"]) == (3, 3)
    assert front["sources"][:2] == ["Associated Press", "The New York Times"]
    assert (front["internationalCount"], front["unknownCount"]) == (2, 1)
    assert front["summarizer"] == "extractive" and front["draft"] is False
    assert front["articles"][3] == {
        "n": 4,
        "title": "China urges US to correct chip export curbs",
        "link": "https://news.example.org/a/4",
        "source": "Global Times",
        "side": "china",
        "country": "CN",
        "ownership": "state",
        "locale": "en-US",
        "published": "2026-02-07",
    }


HOSTILE = [
    "<script>alert('x')</script>",
    "**bold** _it_ [link](javascript:alert(1)) ![img](http://x/y.png)",
    "---\ntitle: pwned\ndraft: true\n---",
    "{{< youtube abc >}} {{% note %}}",
    "1. not a list",
    "- not a bullet",
    "# not a heading",
    "a | table | row",
]


@pytest.mark.parametrize("title", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_titles_stay_text(title):
    d = digest(article(1, "us", title, f"Outlet {title}", "US"))
    page = render_page(
        d, DigestSummary("extractive", (), {"us": (Bullet(title, (1,)),)}), PageCounts()
    )
    front = _front(page)
    assert front["draft"] is False and front["articles"][0]["title"] == " ".join(title.split())
    body = page.split("---\n", 2)[2]
    assert "<script" not in body and "{{<" not in body and "{{%" not in body
    assert not re.search(r"(?<!\\)\]\(javascript:", body)  # only escaped, never a link
    assert "\n# " not in body and "\ndraft: true" not in body
    for line in body.splitlines():
        if line.startswith("- "):
            assert not line.startswith(("- 1. ", "- - ", "- # "))


def test_unsafe_links_are_not_linked():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://a.example/x y(1)") == "https://a.example/x%20y%281%29"
    d = digest(article(1, "us", "T", "S", "US", link="javascript:alert(1)"))
    page = render_page(d, DigestSummary("extractive", (), {}), PageCounts())
    assert '1. <a id="source-1"></a>[en-US] T - S (2/7/2026)' in page


def test_md_text_escapes():
    assert md_text("a*b_c [d]") == "a\\*b\\_c \\[d\\]"
    assert md_text("<b>&") == "&lt;b&gt;&amp;"


def test_empty_side_gets_the_placeholder():
    d = digest(article(1, "us", "Only US", "AP", "US"))
    page = render_page(d, DigestSummary("extractive", (), {"us": (), "china": ()}), PageCounts())
    assert "- No China sources available for this time period." in page


def test_atomic_write_skips_identical_content(tmp_path: Path):
    path = page_path(tmp_path, "us-china", dt.date(2026, 2, 7))
    assert write_if_changed(path, "one\n") is True
    mtime = path.stat().st_mtime_ns
    assert write_if_changed(path, "one\n") is False
    assert path.stat().st_mtime_ns == mtime
    assert write_if_changed(path, "two\n") is True
    assert path.read_text() == "two\n"
    assert [p.name for p in path.parent.iterdir()] == ["2026-02-07.md"]  # no temp files left


def test_shares_carried_by_and_blindspots():
    from dataclasses import replace

    from parallax.records import Story

    first = replace(SAMPLE.articles[0], also_carried_by=("Yahoo News", "MSN"))
    d = replace(
        SAMPLE,
        articles=(first, *SAMPLE.articles[1:]),
        stories=(Story("c1", (1, 4), ("china", "us")), Story("c2", (3,), ("us",))),
    )
    page = render_page(d, SUMMARY, PageCounts(international=2, unknown=1, total=10))
    front = _front(page)
    assert (front["internationalShare"], front["unknownShare"]) == (0.2, 0.1)
    assert front["articles"][0]["alsoCarriedBy"] == ["Yahoo News", "MSN"]
    assert "alsoCarriedBy" not in front["articles"][1]
    assert front["blindspots"] == [
        {"side": "us", "title": "Pentagon report tracks China naval shipbuilding", "n": [3]}
    ]
    assert "- Associated Press (2/7/2026) · also carried by Yahoo News and MSN" in page
    assert list(front)[-1] == "draft"


def test_international_articles_get_their_own_section_not_a_side():
    d = digest(
        article(1, "us", "US story", "AP", "US"),
        article(2, "international", "Gulf view", "Al Jazeera", "QA"),
    )
    page = render_page(d, DigestSummary("extractive", (), {"us": (), "china": ()}), PageCounts())
    front = _front(page)
    assert [p["count"] for p in front["perspectives"]] == [1, 0]
    assert front["articleCount"] == 2
    assert (
        "## Coverage from Other Countries\n\n- Al Jazeera (QA): Gulf view [\\[2\\]](#source-2)"
        in page
    )


def test_partial_writes_of_ended_processes_are_removed(tmp_path):
    import subprocess

    from tasks.publish import remove_partial_writes

    ended = subprocess.Popen(["true"])
    ended.wait()
    folder = tmp_path / "topic"
    folder.mkdir()
    stale = folder / f".2026-02-07.md.{ended.pid}.k2j4h5.tmp"
    live = folder / f".2026-02-06.md.{os.getpid()}.q8w7e6.tmp"  # a write going on now
    other = folder / ".notes.tmp"  # not one of ours
    for path in (stale, live, other):
        path.write_text("half")
    assert remove_partial_writes(tmp_path, None) == 1
    assert not stale.exists() and live.exists() and other.exists()
    write_if_changed(folder / "2026-02-08.md", "page")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [live.name, other.name, "2026-02-08.md"]
    )
