"""`parallax demo` writes only its own folder; the live site never shows its sample pages, the
demo site marks every page as sample data, and titles are text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parallax.cli.app import app
from parallax.cli.demo import SAMPLE_DATE
from parallax.cli.hugo import HugoError, build_site
from parallax.settings import demo_paths
from tests.support.sitebuild import BASE_URL, FIXTURE_PAGES, Page, make_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Path:
    """A copy of site/ with the fixture pages as its live content, and the demo run beside it
    in demo/ (where site/config/demo/hugo.toml looks)."""
    root = tmp_path_factory.mktemp("demo")
    make_site(root / "site")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("PARALLAX_DB", "PARALLAX_CONTENT_DIR", "PARALLAX_CHARTS_DIR"):
            patch.setenv(name, str(root / "not-the-demo" / name))  # what the demo must not use
        # The demo sets these two for its flows: set here, they are undone with the rest.
        patch.setenv("PARALLAX_SAMPLE_DATA", "false")
        patch.setenv("PARALLAX_GOOGLE_NEWS_URL", "http://127.0.0.1:9")
        result = CliRunner().invoke(app, ["demo", "--out", str(root / "demo")])
    assert result.exit_code == 0, result.output
    assert "Sample pages (invented headlines, marked as such)" in result.output
    (root / "demo-output.txt").write_text(result.output, encoding="utf-8")
    return root


def test_the_hint_names_make_demo_site_only_for_the_folder_it_builds(demo_run: Path) -> None:
    printed = (demo_run / "demo-output.txt").read_text(encoding="utf-8")
    assert "make demo-site" not in printed  # it builds demo/ only, not --out


def test_the_demo_writes_only_its_own_folder(demo_run: Path) -> None:
    demo = demo_run / "demo"
    pages = sorted(p.relative_to(demo) for p in demo.rglob(f"{SAMPLE_DATE}.md"))
    assert len(pages) == 5 and all(p.parts[:2] == ("content", "summaries") for p in pages)
    assert (demo / "parallax.duckdb").is_file()
    assert sorted(p.name for p in (demo / "charts").iterdir())[0].endswith(".svg")
    assert not (demo_run / "not-the-demo").exists()
    for page in demo.rglob(f"{SAMPLE_DATE}.md"):
        text = page.read_text(encoding="utf-8")
        assert "\nsample: true\n" in text and "(sample data)" in text.split("\n", 3)[1]
        assert "**Sample data.**" in text


def test_the_live_site_has_no_sample_page(demo_run: Path) -> None:
    public = demo_run / "public"
    build_site(demo_run / "site", public, base_url=BASE_URL, fail_on_warnings=True)
    digests = sorted(
        p.parent.relative_to(public / "summaries").as_posix()
        for p in (public / "summaries").glob("*/*/index.html")
    )
    fixtures = sorted(p.with_suffix("").relative_to(FIXTURE_PAGES).as_posix()
                      for p in FIXTURE_PAGES.glob("*/20*.md"))  # fmt: skip
    assert digests == fixtures  # the live pages, none of the demo's
    for path in [*public.rglob("*.html"), *public.rglob("*.xml")]:
        text = path.read_text(encoding="utf-8")
        assert "sample data" not in text.lower(), path
        assert str(SAMPLE_DATE) not in text, path
    assert not list(public.rglob("charts/*.svg"))  # the demo's charts neither


def test_the_demo_site_marks_every_page_and_shows_titles_as_text(demo_run: Path) -> None:
    public = demo_run / "demo" / "public"
    build_site(demo_run / "site", public, environment="demo", fail_on_warnings=True)
    html_pages = list(public.rglob("*.html"))
    digests = list(public.glob(f"summaries/*/{SAMPLE_DATE}/index.html"))
    assert len(digests) == 5 and len(html_pages) > 10
    for path in html_pages:
        assert 'class="sample-banner"' in path.read_text(encoding="utf-8"), path
    assert not list(public.glob("summaries/*/2026-02-*"))  # none of the live pages
    feed = (public / "index.xml").read_text(encoding="utf-8")
    assert feed.count("(sample data)</title>") == 5
    us_china = Page((public / f"summaries/us-china/{SAMPLE_DATE}/index.html").read_text("utf-8"))
    titles = [us_china.text(f"source-{n}") for n in range(1, 14)]
    assert any(t.startswith("Breaking: senators _demand_ [hearing] on TikTok deal") for t in titles)
    assert not any("<b>" in t for t in titles)
    assert (public / "charts" / "us-china.svg").is_file()


def test_a_sample_page_in_the_live_content_fails_the_live_build(demo_run: Path) -> None:
    site = demo_run / "site-with-a-sample"
    shutil.copytree(demo_run / "site", site)
    sample = demo_run / "demo" / "content" / "summaries" / "us-china" / f"{SAMPLE_DATE}.md"
    shutil.copy(sample, site / "content" / "summaries" / "us-china")
    with pytest.raises(HugoError, match="is sample data written by `parallax demo`"):
        build_site(site, demo_run / "public-with-a-sample")


def test_a_demo_day_replays_only_as_sample_data(
    demo_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = demo_paths(demo_run / "demo")
    live = demo_run / "live"  # where a replay with the default settings would write
    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(live / "content"))
    monkeypatch.setenv("PARALLAX_CHARTS_DIR", str(live / "charts"))
    monkeypatch.delenv("PARALLAX_SAMPLE_DATA", raising=False)
    day = ["-t", "india-pakistan", "-d", str(SAMPLE_DATE)]
    result = CliRunner().invoke(app, ["replay", "--db", str(demo.db), *day])
    assert result.exit_code == 1
    command = (
        f"PARALLAX_SAMPLE_DATA=true PARALLAX_CONTENT_DIR={demo.content} "
        f"PARALLAX_CHARTS_DIR={demo.charts} parallax replay --db {demo.db} {' '.join(day)}"
    )
    assert result.output.strip() == (
        f"error: india-pakistan {SAMPLE_DATE} in {demo.db} is the demo's sample data (invented "
        f"headlines); replay it marked as such into the demo's folders: {command}"
    )
    assert not [p for p in live.rglob("*") if p.is_file()]

    # The command it names reproduces the sample page, marks and all.
    monkeypatch.setenv("PARALLAX_SAMPLE_DATA", "true")
    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(demo.content))
    monkeypatch.setenv("PARALLAX_CHARTS_DIR", str(demo.charts))
    result = CliRunner().invoke(app, ["replay", "--db", str(demo.db), *day])
    assert result.exit_code == 0, result.output
    assert "identical, the page is reproduced byte for byte" in result.output
    assert not [p for p in live.rglob("*") if p.is_file()]
