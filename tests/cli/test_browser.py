"""The built site in a real browser: layout, citations, chart, no console errors.

Serves the fixture site over http.server on 127.0.0.1 and drives Debian's chromium through
Playwright (its own browser download does not work here). Screenshots go to a temporary folder,
or to $PARALLAX_SCREENSHOT_DIR when set (CI artifacts); their paths are printed.

Without a Chromium that runs, the tests are skipped on a developer's machine and fail in CI
(CI=true, as .ci/run is started) or with PARALLAX_REQUIRE_BROWSER=1: CI installs Debian's
chromium, so a browser that does not run there is a broken check, not an optional one.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from parallax.cli.hugo import build_site
from tests.support.sitebuild import make_site

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("PARALLAX_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DIGEST = "/summaries/us-china/2026-02-07/"
SECTIONS = ["overall-highlights", "where-they-differ", "blindspots", "sources"]
SIDES = ["united-states-perspective-united-states-sources", "china-perspective-china-sources"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser-site")
    site = make_site(root / "site", with_chart=True)
    build_site(site, root / "public", base_url="http://127.0.0.1/", fail_on_warnings=True)
    handler = functools.partial(_QuietHandler, directory=str(root / "public"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def browser_required() -> bool:
    """CI (which installs chromium) must run these tests; elsewhere they may be skipped."""
    return any(
        os.environ.get(name, "").lower() in ("1", "true", "yes")
        for name in ("CI", "PARALLAX_REQUIRE_BROWSER")
    )


def no_browser(reason: str) -> None:
    """Skip, or fail where the browser is required (`browser_required`)."""
    if browser_required():
        pytest.fail(f"the browser test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        no_browser(f"{CHROMIUM} not found: apt-get install -y chromium (or set PARALLAX_CHROMIUM)")
    try:
        from playwright import sync_api
    except ImportError:
        no_browser("playwright is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:
            no_browser(f"{CHROMIUM} does not start: {type(exc).__name__}: {str(exc)[:300]}")
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("PARALLAX_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        return Path(target)
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class Visit:
    page: Any
    problems: list[str] = field(default_factory=list)  # console errors, failed/external requests


def visit(
    browser: Any, url: str, *, width: int, base_url: str, reduced_motion: str = "no-preference"
) -> Visit:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, reduced_motion=reduced_motion
    )
    page = context.new_page()
    v = Visit(page)

    def route(r: Any) -> None:
        if r.request.url.startswith(base_url):
            r.continue_()
        else:
            v.problems.append(f"external request: {r.request.url}")
            r.abort()

    def on_console(message: Any) -> None:
        if message.type == "error":
            v.problems.append(f"console: {message.text}")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            v.problems.append(f"HTTP {response.status}: {response.url}")

    page.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda e: v.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: v.problems.append(f"failed: {r.url}"))
    page.on("response", on_response)
    page.goto(url, wait_until="load")
    return v


def screenshot(v: Visit, shots: Path, name: str) -> Path:
    path = shots / name
    v.page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def box(page: Any, element_id: str) -> dict[str, float]:
    b = page.locator(f"section[aria-labelledby='{element_id}']").bounding_box()
    assert b is not None, element_id
    return dict(b)


def test_digest_on_a_wide_screen_shows_sides_side_by_side(
    browser: Any, base_url: str, shots: Path
) -> None:
    v = visit(browser, base_url + DIGEST, width=1280, base_url=base_url)
    for section in SECTIONS + SIDES:
        assert v.page.locator(f"section[aria-labelledby='{section}']").is_visible(), section
    left, right = box(v.page, SIDES[0]), box(v.page, SIDES[1])
    assert left["y"] == pytest.approx(right["y"], abs=1)
    assert left["x"] + left["width"] <= right["x"]
    assert left["width"] > 400
    assert screenshot(v, shots, "digest-1280.png").stat().st_size > 10_000
    # With smooth scrolling on (the default), one citation still ends on its entry.
    v.page.locator("section[aria-labelledby='where-they-differ'] a.cite").last.click()
    v.page.wait_for_function(
        "() => { const t = document.querySelector(':target');"
        " const r = t && t.getBoundingClientRect(); return t && t.id === 'source-5'"
        " && r.top >= 0 && r.bottom <= window.innerHeight; }",
        timeout=5000,
    )
    assert v.problems == []
    v.page.context.close()


def test_digest_on_a_phone_stacks_the_sides(browser: Any, base_url: str, shots: Path) -> None:
    v = visit(browser, base_url + DIGEST, width=390, base_url=base_url)
    first, second = box(v.page, SIDES[0]), box(v.page, SIDES[1])
    assert second["y"] >= first["y"] + first["height"]
    assert first["x"] == pytest.approx(second["x"], abs=1)
    scroll_width = v.page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, "page scrolls sideways on a phone"
    screenshot(v, shots, "digest-390.png")
    assert v.problems == []
    v.page.context.close()


def test_every_citation_lands_on_its_sources_entry(browser: Any, base_url: str) -> None:
    # Reduced motion turns smooth scrolling off (main.css honours it), so each jump completes
    # before the next click; with smooth scrolling, back-to-back clicks interrupt each other.
    v = visit(browser, base_url + DIGEST, width=1280, base_url=base_url, reduced_motion="reduce")
    page = v.page
    hrefs = page.eval_on_selector_all("a.cite", "els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) >= 10
    for i, href in enumerate(hrefs):
        page.locator("a.cite").nth(i).click()
        assert page.evaluate("location.hash") == href
        target = page.locator(f"li{href}")
        assert target.count() == 1
        assert page.evaluate("document.querySelector(':target').id") == href[1:]
        assert target.is_visible()
        page.wait_for_function(
            "id => { const r = document.getElementById(id).getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }",
            arg=href[1:],
            timeout=5000,
        )
        assert target.locator(".country").inner_text() != ""
        assert target.locator(".ownership").inner_text() != ""
    assert v.problems == []
    page.context.close()


def test_topic_page_chart_loads(browser: Any, base_url: str, shots: Path) -> None:
    v = visit(browser, base_url + "/summaries/us-china/", width=1280, base_url=base_url)
    img = v.page.locator("figure.chart img")
    assert img.get_attribute("alt")
    # The chart loads lazily: the page's load event does not wait for it.
    img.scroll_into_view_if_needed()
    v.page.wait_for_function(
        "el => el.complete && el.naturalWidth > 0", arg=img.element_handle(), timeout=15_000
    )
    screenshot(v, shots, "topic-1280.png")
    assert v.problems == []
    v.page.context.close()


@pytest.mark.parametrize("path", ["/", "/archive/", "/summaries/", "/about/", "/no-such-page/"])
def test_other_pages_render_without_errors(
    browser: Any, base_url: str, shots: Path, path: str
) -> None:
    v = visit(browser, base_url + path, width=1280, base_url=base_url)
    expected_404 = path == "/no-such-page/"
    if expected_404:  # http.server does not serve 404.html; open it directly
        v.problems.clear()
        v.page.goto(base_url + "/404.html")
    assert v.page.locator("main h1").is_visible()
    assert v.page.locator("a.skip-link").count() == 1
    if path == "/":
        screenshot(v, shots, "home-1280.png")
    assert v.problems == []
    v.page.context.close()


def test_skip_link_is_first_and_visible_on_focus(browser: Any, base_url: str) -> None:
    v = visit(browser, base_url + DIGEST, width=1280, base_url=base_url)
    v.page.keyboard.press("Tab")
    focused = v.page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    top = v.page.locator("a.skip-link").bounding_box()
    assert top is not None and top["y"] >= 0
    v.page.keyboard.press("Enter")
    assert v.page.evaluate("location.hash") == "#main"
    v.page.context.close()


def test_a_missing_browser_fails_in_ci_and_is_skipped_elsewhere(monkeypatch) -> None:
    monkeypatch.delenv("PARALLAX_REQUIRE_BROWSER", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="the browser test cannot run: no chromium"):
        no_browser("no chromium")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        no_browser("no chromium")
