"""The Hugo site builds the publisher's pages into readable, linked, escaped HTML.

Builds site/ once with the fixture pages of tests/data/site_pages/ (hostile headlines included)
and checks the output files, not the templates.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from parallax.cli.hugo import build_site, warning_lines
from tests.support.paths import DATA
from tests.support.sitebuild import BASE_URL, Page, make_site

REPO_DATA = DATA

DIGEST = "summaries/us-china/2026-02-07/index.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("site")
    site = make_site(root / "site", with_chart=True)
    result = build_site(site, root / "public", base_url=BASE_URL)
    return root / "public", result.stdout + result.stderr


@pytest.fixture(scope="module")
def public(built: tuple[Path, str]) -> Path:
    return built[0]


def page(public: Path, rel: str) -> Page:
    return Page((public / rel).read_text(encoding="utf-8"))


def html_files(public: Path) -> list[Path]:
    return sorted(public.rglob("*.html"))


def test_build_prints_no_warning_or_error(built: tuple[Path, str]) -> None:
    _, output = built
    assert warning_lines(output) == []
    assert "ERROR" not in output
    assert re.search(r"Pages\s+│\s+\d+", output), output


@pytest.mark.parametrize(
    "rel",
    [
        "index.html",
        "index.xml",
        "404.html",
        "archive/index.html",
        "about/index.html",
        "summaries/index.html",
        "summaries/us-china/index.html",
        "summaries/us-china/index.xml",
        "summaries/venezuela/index.xml",
        "summaries/india-pakistan/index.xml",
        DIGEST,
        "summaries/us-china/2026-02-06/index.html",
        "summaries/venezuela/2026-01-31/index.html",
        "summaries/india-pakistan/2026-02-07/index.html",
    ],
)
def test_expected_output_exists(public: Path, rel: str) -> None:
    assert (public / rel).is_file()


def test_every_fragment_link_targets_an_id_on_the_same_page(public: Path) -> None:
    checked = 0
    for path in html_files(public):
        p = Page(path.read_text(encoding="utf-8"))
        assert len(p.ids) == len(set(p.ids)), f"duplicate ids in {path}"
        for link in p.links:
            if link["href"].startswith("#"):
                assert link["href"][1:] in p.ids, f"{path}: {link['href']} has no target"
                checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    ("rel", "expected_citations"),
    [
        (DIGEST, {1, 2, 3, 4, 5, 6}),
        ("summaries/venezuela/2026-01-31/index.html", {1, 2, 3}),
    ],
)
def test_citations_point_at_sources_entries(
    public: Path, rel: str, expected_citations: set[int]
) -> None:
    p = page(public, rel)
    cites = [a for a in p.links if "cite" in a.get("class", "").split()]
    assert {int(a["href"].removeprefix("#source-")) for a in cites} == expected_citations
    source_items = {a["id"] for a in p.find("li") if a.get("id", "").startswith("source-")}
    assert {a["href"][1:] for a in cites} <= source_items
    # Screen readers hear which article a bare number stands for.
    assert all(re.match(r"Source \d+: .+ \(.+\)$", a["aria-label"]) for a in cites)


@pytest.mark.parametrize(
    ("n", "country", "ownership", "side"),
    [
        (1, "Qatar (QA)", "State-owned", "Other countries"),
        (2, "United States (US)", "Private", "United States"),
        (3, "United Kingdom (GB)", "Private", "United States"),
        (5, "China (CN)", "State-owned", "China"),
        (7, "Country unknown", "Ownership unknown", "Side unknown"),
    ],
    ids=["state-intl", "private-us", "foreign-outlet-on-us-side", "state-cn", "unknown"],
)
def test_sources_show_country_ownership_and_side(
    public: Path, n: int, country: str, ownership: str, side: str
) -> None:
    text = page(public, DIGEST).text(f"source-{n}")
    assert country in text
    assert ownership in text
    assert side in text


def test_digest_sections_in_order_with_sides_in_a_grid(public: Path) -> None:
    html = (public / DIGEST).read_text(encoding="utf-8")
    order = [
        'id="overall-highlights"',
        'class="sides" data-sides="2"',
        'id="united-states-perspective-united-states-sources"',
        'id="china-perspective-china-sources"',
        'id="where-they-differ"',
        'id="blindspots"',
        'id="sources"',
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    p = Page(html)
    assert "monitors see no evidence" in p.section("overall-highlights")
    assert "treaty violation" in p.section("where-they-differ")
    blind = p.section("blindspots")
    assert "Covered only by United States outlets Tariff exemptions for chip makers 3 4" in blind
    assert "Covered only by China outlets" in blind
    # The body's own Sources list is replaced, not repeated.
    assert html.count('id="source-1"') == 1


def test_sides_follow_front_matter_order_not_a_fixed_pair(public: Path) -> None:
    html = (public / "summaries/venezuela/2026-01-31/index.html").read_text(encoding="utf-8")
    venezuelan = html.index('class="side side-1"')
    us = html.index('class="side side-2"')
    assert venezuelan < us
    assert html.index("Venezuelan</span>") < html.index("United States</span> <span")
    assert "summary written by a language model (gpt-4o-mini)" in html


def test_empty_side_keeps_the_publishers_placeholder(public: Path) -> None:
    p = page(public, "summaries/us-china/2026-02-06/index.html")
    assert "No United States sources available" in p.section(
        "united-states-perspective-united-states-sources"
    )


def test_differences_from_front_matter_when_the_body_has_none(public: Path) -> None:
    p = page(public, "summaries/india-pakistan/2026-02-07/index.html")
    assert "Pakistani outlets stress the water treaty" in p.section("where-they-differ")
    assert "blindspots" not in p.ids


def test_hostile_headlines_stay_text(public: Path) -> None:
    for path in html_files(public):
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), path
        assert "<b>hoy" not in html, path
        p = Page(html)
        assert not [a for a in p.links if a["href"].lower().startswith("javascript")], path
    p = page(public, DIGEST)
    assert "<script>alert('x')</script> & \"quoted\" tariffs" in p.text("source-2")
    assert "**Bold** claim [click](javascript:alert(1)) about chips" in p.text("source-3")
    assert "{{% shortcode %}}" in p.text("source-4")


def test_spanish_headlines_are_marked_as_spanish(public: Path) -> None:
    p = page(public, "summaries/venezuela/2026-01-31/index.html")
    titles = p.find("a", **{"class": "source-title"})
    assert [a["lang"] for a in titles] == ["es", "es", "en"]


def test_home_shows_the_latest_digest_per_topic_with_a_teaser(public: Path) -> None:
    p = page(public, "index.html")
    hrefs = [a["href"] for a in p.links]
    for latest in (
        "/summaries/us-china/2026-02-07/",
        "/summaries/venezuela/2026-01-31/",
        "/summaries/india-pakistan/2026-02-07/",
    ):
        assert latest in hrefs
    assert "/summaries/us-china/2026-02-06/" not in hrefs
    html = (public / "index.html").read_text(encoding="utf-8")
    assert "monitors see no evidence" in html
    assert "#source-" not in html  # teasers drop citations whose targets live on another page


def test_topic_page_lists_digests_newest_first_with_the_chart(public: Path) -> None:
    html = (public / "summaries/us-china/index.html").read_text(encoding="utf-8")
    assert html.index("/summaries/us-china/2026-02-07/") < html.index(
        "/summaries/us-china/2026-02-06/"
    )
    imgs = Page(html).find("img", src="/charts/us-china.svg")
    assert len(imgs) == 1
    assert "articles per day" in imgs[0]["alt"]


def test_topic_page_has_no_chart_when_none_was_generated(public: Path) -> None:
    assert Page((public / "summaries/venezuela/index.html").read_text()).find("img") == []


def test_archive_groups_every_digest_by_month(public: Path) -> None:
    html = (public / "archive/index.html").read_text(encoding="utf-8")
    assert html.index("February 2026") < html.index("January 2026")
    links = [a["href"] for a in Page(html).links if re.search(r"/\d{4}-\d\d-\d\d/$", a["href"])]
    assert sorted(links) == sorted(
        [
            "/summaries/india-pakistan/2026-02-07/",
            "/summaries/us-china/2026-02-06/",
            "/summaries/us-china/2026-02-07/",
            "/summaries/venezuela/2026-01-31/",
        ]
    )


@pytest.mark.parametrize(
    ("rel", "links"),
    [
        ("summaries/us-china/index.xml", ["us-china/2026-02-07/", "us-china/2026-02-06/"]),
        ("summaries/venezuela/index.xml", ["venezuela/2026-01-31/"]),
        ("index.xml", None),
    ],
)
def test_rss_feeds(public: Path, rel: str, links: list[str] | None) -> None:
    channel = ET.parse(public / rel).getroot().find("channel")
    assert channel is not None
    items = [item.findtext("link") for item in channel.iter("item")]
    if links is None:
        assert len(items) == 4
    else:
        assert items == [f"{BASE_URL}summaries/{link}" for link in links]
    for item in channel.iter("item"):
        assert "#source-" not in (item.findtext("description") or "")


def test_accessibility_basics(public: Path) -> None:
    for path in html_files(public):
        html = path.read_text(encoding="utf-8")
        assert re.search(r'<html lang="en"', html), path
        for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
            assert landmark in html, (path, landmark)
        assert '<a class="skip-link" href="#main">' in html, path
        assert html.count("<h1") == 1, path
    css = next(public.glob("css/main.min.*.css")).read_text()
    assert ":focus-visible" in css


def test_no_external_requests(public: Path) -> None:
    for path in html_files(public):
        for tag, attrs in Page(path.read_text(encoding="utf-8")).tags:
            if tag in {"link", "script", "img", "iframe", "source"}:
                url = attrs.get("src") or attrs.get("href") or ""
                if tag == "link" and attrs.get("rel") == "canonical":
                    continue
                assert not url.startswith(("http:", "https:", "//")), (path, tag, url)
    for css in public.glob("css/*.css"):
        assert "url(" not in css.read_text() and "@import" not in css.read_text()


def test_pager_links_older_and_newer_digests(public: Path) -> None:
    newest = page(public, DIGEST)
    assert newest.find("a", rel="prev")[0]["href"] == "/summaries/us-china/2026-02-06/"
    assert newest.find("a", rel="next") == []
    older = page(public, "summaries/us-china/2026-02-06/index.html")
    assert older.find("a", rel="next")[0]["href"] == "/summaries/us-china/2026-02-07/"


def test_old_system_pages_render_with_their_sides_in_the_grid(tmp_path: Path) -> None:
    # Imported history has no `articles`/`perspectives` front matter and legacy headings such
    # as "Inside Venezuela (Venezuelan Sources)": sides are still found, Sources kept as written.
    site = make_site(tmp_path / "site")
    seed = REPO_DATA / "seed_pages" / "venezuela" / "2025-10-20.md"
    (site / "content" / "summaries" / "venezuela" / seed.name).write_bytes(seed.read_bytes())
    result = build_site(site, tmp_path / "public")
    assert warning_lines(result.stdout + result.stderr) == []
    html = (tmp_path / "public/summaries/venezuela/2025-10-20/index.html").read_text()
    p = Page(html)
    assert 'class="sides" data-sides="2"' in html
    assert "increasing U.S. military presence" in p.section(
        "international-perspective-usinternational-sources"
    )
    assert "perceived threat" in p.section("inside-venezuela-venezuelan-sources")
    assert "Estados Unidos morderá el polvo" in p.section("sources")
