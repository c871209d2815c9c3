"""A reader in a real browser: Debian's Chromium, driven by Playwright, on 127.0.0.1."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("engine")]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def served_site(sample_site: Path) -> Iterator[str]:
    out = sample_site
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert shutil.which(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def block_outside(page, served_site: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort (and record) every request that is not for the local server."""
    outside: list[str] = []

    def route(r):  # type: ignore[no-untyped-def]
        if r.request.url.startswith(served_site) or r.request.url.startswith("data:"):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    return outside


def wait_for_search_ready(page) -> None:  # type: ignore[no-untyped-def]
    """Typing while the index still loads can be lost; wait for the 'type to search' prompt."""
    meta = page.locator(".md-search-result__meta")
    for _ in range(150):
        if meta.inner_text().strip() == "打字進行搜尋":
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"search never became ready: {meta.inner_text()!r}")


def type_chinese(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a Chinese input method does: the text arrives committed, then a key
    goes up (Material reads the query on keyup; inserted text alone has none)."""
    page.keyboard.insert_text(text)
    page.keyboard.press("End")


def test_home_to_post_to_chinese_search(served_site: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside = block_outside(page, served_site)
    page.goto(served_site + "/")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "晴川市立圖書館"

    # From the home page's latest posts to a post.
    page.locator("article").get_by_role("link", name="冬天就是要煮一鍋：館員私房食譜書單").first.click()
    page.wait_for_url("**/posts/winter-cookbooks/")
    assert page.locator("article h1").inner_text().rstrip("¶") == "冬天就是要煮一鍋：館員私房食譜書單"

    # Search a two-character Chinese word that only one post holds.
    search = page.locator("input.md-search__input")
    search.click()
    assert search.evaluate("el => el === document.activeElement")
    wait_for_search_ready(page)
    type_chinese(page, "蝴蝶")
    result = page.locator(".md-search-result__item a").first
    result.wait_for(timeout=15000)
    assert "natural-history-picks" in (result.get_attribute("href") or "")
    assert page.locator(".md-search-result__item").count() >= 1
    hrefs = page.locator(".md-search-result__item a").evaluate_all("els => els.map(e => e.href)")
    assert all("natural-history-picks" in h for h in hrefs), hrefs
    page.screenshot(path=str(tmp_path / "search.png"))
    result.click()
    page.wait_for_url("**/posts/natural-history-picks/**")
    assert "走進自然史" in page.locator("article h1").inner_text()
    # Nothing leaves 127.0.0.1: no web fonts, no trackers. Material asks its own
    # site_url for the sitemap (same origin once deployed); that is all.
    assert {u for u in outside if not u.startswith("https://library.example.org/")} == set(), outside


def test_scheduled_post_is_not_found_by_search(served_site: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    block_outside(page, served_site)
    page.goto(served_site + "/")
    page.locator("input.md-search__input").click()
    wait_for_search_ready(page)
    type_chinese(page, "聖誕")
    meta = page.locator(".md-search-result__meta")
    for _ in range(100):
        if meta.inner_text().strip() != "打字進行搜尋":
            break
        page.wait_for_timeout(100)
    assert meta.inner_text().strip() == "沒有符合的項目"
    assert page.locator(".md-search-result__item").count() == 0


def test_pages_load_without_failed_requests_or_console_errors(served_site: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: Material fetched sitemap.xml beside every feed link, 404 on each section's."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside = block_outside(page, served_site)
    failed: list[str] = []
    errors: list[str] = []
    sitemaps: list[tuple[str, int]] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))

    def answered(r) -> None:  # type: ignore[no-untyped-def]
        if r.status >= 400:
            failed.append(f"{r.status} {r.url}")
        if r.url.endswith("sitemap.xml"):
            sitemaps.append((r.url.removeprefix(served_site), r.status))

    page.on("response", answered)
    for path in ("/", "/posts/winter-cookbooks/", "/news/", "/events/", "/tags/"):
        page.goto(served_site + path, wait_until="networkidle")
        feeds = page.locator('head link[rel="alternate"]').evaluate_all("els => els.map(e => e.href)")
        assert len(feeds) == 8, feeds
        for href in feeds:  # autodiscovery still finds every feed, on this server
            assert href.startswith(served_site), href
            assert page.request.get(href).status == 200, href
    assert failed == [] and errors == [] and outside == [], (failed, errors, outside)
    # Material did ask (so the test would see the 404s): one sitemap per feed folder.
    assert {"/sitemap.xml", "/news/sitemap.xml", "/events/sitemap.xml", "/resources/sitemap.xml"} <= {
        u for u, _ in sitemaps
    }
    assert {status for _, status in sitemaps} == {200}
