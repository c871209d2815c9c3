"""What readers meet in a real browser: accessibility, keyboard, print, weight, screenshots.

axe-core (npm, pinned in scripts/install-node-tools.sh) is injected into Debian's
Chromium over every page type of the sample site, served on 127.0.0.1 with a 404
page as a static host serves it. Every request elsewhere is aborted.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import SAMPLE_NOW
from shelfpost import load_library
from shelfpost.site.docs import ACCESSIBLE_PRIMARY
from test_browser import ARGS, CHROMIUM, block_outside, type_chinese, wait_for_search_ready

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("a11y")]

REPO = Path(__file__).resolve().parents[1]
INSTALLER = REPO / "scripts/install-node-tools.sh"

# Every page type of the sample site, by the URL a reader opens.
PAGES = {
    "home": "/",
    "type section": "/news/",
    "tag page": "/tags/" + quote("繪本") + "/",
    "tags index": "/tags/",
    "archive": "/archive/",
    "archive month": "/archive/2026/10/",
    "post with image": "/posts/autumn-poetry-picks/",
    "event post": "/posts/digital-skills-for-seniors/",
    "partners": "/partners/",
    "events section": "/events/",
    "about": "/about/",
    "digest archive": "/newsletter/",
    "404": "/no-such-page/",
}
POST_WITH_IMAGE = "posts/autumn-poetry-picks"
EVENT_POST = "posts/digital-skills-for-seniors"

# axe violations allowed through, by rule id, each with the reason. Serious and
# critical ones are never allowed. None is needed today: the contrast of the
# sample's teal, the tab labels, the footer, links in grey lines, and the name of
# Material's search dialog are fixed in shelfpost.css and main.html.
ALLOWED_MODERATE: dict[str, str] = {}

# Bytes a first visit to a post page transfers (HTML, CSS, JS, the search index, the
# image), read to the end, uncompressed as the test server sends them. Measured:
# 483,360 bytes in 9 files (docs/reader-experience.md); the budget leaves ~15%.
PAGE_WEIGHT_BUDGET = 560_000

# Material asks its own site_url for the sitemap (same origin once deployed).
OWN_SITE = "https://library.example.org/"


# --- the npm tools ------------------------------------------------------------------------


def pinned_versions() -> dict[str, str]:
    """The versions scripts/install-node-tools.sh installs (one place to bump them)."""
    text = INSTALLER.read_text("utf-8")
    found = dict(re.findall(r"^([A-Z_]+_VERSION)=(\S+)$", text, re.MULTILINE))
    return {"axe-core": found["AXE_CORE_VERSION"], "vnu-jar": found["VNU_JAR_VERSION"]}


def node_tools() -> Path:
    """``node_modules`` of the pinned tools: $SHELFPOST_NODE_TOOLS, else the installer's cache path."""
    if os.environ.get("SHELFPOST_NODE_TOOLS"):
        folder = Path(os.environ["SHELFPOST_NODE_TOOLS"])
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shelfpost"
        v = pinned_versions()
        folder = cache / "npm" / f"axe-core-{v['axe-core']}+vnu-jar-{v['vnu-jar']}"
    modules = folder / "node_modules"
    assert modules.is_dir(), f"{modules} is missing: run `make node-tools` (scripts/install-node-tools.sh)"
    return modules


# --- the served site ----------------------------------------------------------------------


class Host(ThreadingHTTPServer):
    sent: list[tuple[str, int]]  # (path, bytes of the body) of every response, in order


class StaticHost(SimpleHTTPRequestHandler):
    """Serves files as GitHub Pages and most static hosts do: 404.html for what is missing.

    Records the size of every body it sends, so a test can weigh a page as the
    server sees it (requests a worker makes included, which the page's events miss).
    """

    server: Host

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        f = super().send_head()
        if f is not None and hasattr(f, "fileno"):
            self.server.sent.append((self.path, os.fstat(f.fileno()).st_size))
        return f

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.server.sent.append((self.path, len(body)))
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def site(sample_site: Path) -> Path:
    return sample_site


@pytest.fixture(scope="module")
def host(site: Path) -> Iterator[Host]:
    server = Host(("127.0.0.1", 0), functools.partial(StaticHost, directory=str(site)))
    server.sent = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def served(host: Host) -> str:
    return f"http://127.0.0.1:{host.server_port}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert shutil.which(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, served: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-TW")
    tab = context.new_page()
    outside = block_outside(tab, served)
    yield tab
    context.close()
    assert {u for u in outside if not u.startswith(OWN_SITE)} == set(), outside


def axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations for the page as it is now (WCAG 2.x A and AA, and best practices)."""
    settle(page)
    page.add_script_tag(path=str(node_tools() / "axe-core/axe.min.js"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return list(result["violations"])


def open_search_results(page: Any, served: str) -> None:
    page.goto(served + "/")
    page.locator("input.md-search__input").click()
    wait_for_search_ready(page)
    type_chinese(page, "蝴蝶")
    page.locator(".md-search-result__item a").first.wait_for(timeout=15000)
    settle(page)


def settle(page: Any) -> None:
    """Wait for running transitions: text fading in is not the contrast readers get."""
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")


# --- accessibility ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*PAGES, "search results"])
def test_axe_finds_no_serious_violations(page: Any, served: str, name: str) -> None:
    if name == "search results":
        open_search_results(page, served)
    else:
        response = page.goto(served + PAGES[name])
        assert response.status == (404 if name == "404" else 200)
    found = axe(page)
    summary = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in found
        if v["id"] not in ALLOWED_MODERATE or v["impact"] in ("serious", "critical")
    ]
    assert summary == [], summary


def test_accessible_primary_colours_pass_aa_with_white_text() -> None:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for name, shade in ACCESSIBLE_PRIMARY.items():
        ratio = 1.05 / (luminance(shade) + 0.05)
        assert ratio >= 4.5, (name, shade, round(ratio, 2))


VISIBLE_FOCUS = """async () => {
  const e = document.activeElement;
  await Promise.all(e.getAnimations().map(a => a.finished.catch(() => null)));
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {
    tag: e.tagName, href: e.getAttribute("href") || "", cls: String(e.className),
    text: (e.innerText || e.getAttribute("aria-label") || "").trim().slice(0, 40),
    ring: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== "none",
    shown: r.width > 0 && r.height > 0 && s.visibility === "visible" && parseFloat(s.opacity) > 0,
  };
}"""


def tab_until(page: Any, wanted: str, limit: int = 60) -> list[dict[str, Any]]:
    """Press Tab until the focused element matches the CSS selector ``wanted``.

    Every stop on the way must show a focus ring and be visible: a keyboard user
    always sees where they are.
    """
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(VISIBLE_FOCUS)
        stops.append(focus)
        assert focus["ring"] and focus["shown"], f"focus not visible at stop {len(stops)}: {focus}"
        if page.evaluate("s => document.activeElement.matches(s)", wanted):
            return stops
    raise AssertionError(f"{wanted} not reached in {limit} Tab presses: {stops}")


def test_keyboard_alone_from_home_to_a_post_and_into_search(page: Any, served: str) -> None:
    page.goto(served + "/")
    # The first stop is the skip link, then the header; a post of the latest list comes soon.
    stops = tab_until(page, "article a[href^='posts/']")
    assert stops[0]["href"].startswith("#") and stops[0]["text"] == "跳轉到"
    target = stops[-1]["href"]
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{target}")
    assert page.locator("article h1").count() == 1

    # On the post, Tab reaches the search box; type a word, arrows walk the results.
    tab_until(page, "input.md-search__input", limit=10)
    wait_for_search_ready(page)
    type_chinese(page, "蝴蝶")
    page.locator(".md-search-result__item a").first.wait_for(timeout=15000)
    page.keyboard.press("ArrowDown")
    focus = page.evaluate(VISIBLE_FOCUS)
    assert "natural-history-picks" in focus["href"] and focus["ring"] and focus["shown"], focus
    page.keyboard.press("Enter")
    page.wait_for_url("**/posts/natural-history-picks/**")
    assert "走進自然史" in page.locator("article h1").inner_text()


def test_images_carry_the_posts_alt_text_and_pages_say_their_language(
    page: Any, served: str, sample_copy: Path
) -> None:
    library = load_library(sample_copy)
    post = next(p for p in library.posts if p.slug == POST_WITH_IMAGE.split("/")[1])
    page.goto(f"{served}/{POST_WITH_IMAGE}/")
    assert page.evaluate("document.documentElement.lang") == "zh-TW"
    image = page.locator("article figure.shelfpost-image img")
    assert image.get_attribute("alt") == post.image_alt
    # Every image on the page has alt text (axe checks it too); none is empty by accident.
    alts = page.locator("img").evaluate_all("els => els.map(e => e.getAttribute('alt'))")
    assert alts and all(alts), alts


def test_print_keeps_event_details_and_writes_out_the_registration_address(page: Any, served: str) -> None:
    page.goto(f"{served}/{EVENT_POST}/")
    page.emulate_media(media="print")
    details = page.locator("article dl.shelfpost-event")
    assert details.is_visible()
    box = details.bounding_box()
    assert box and box["height"] > 40
    assert details.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    assert details.inner_text().count("\n") >= 2 and "時間" in details.inner_text()
    after = page.locator("dl.shelfpost-event a").evaluate("e => getComputedStyle(e, '::after').content")
    assert "https://library.example.org/register/senior-digital" in after
    # The header and the sidebars are not printed (Material); the event stays.
    assert not page.locator("header.md-header").is_visible()


def test_post_page_weight_stays_under_budget(page: Any, served: str, host: Host) -> None:
    """Everything a first visit to a post fetches, read to the end (the image is lazy)."""
    host.sent.clear()
    page.goto(f"{served}/{POST_WITH_IMAGE}/")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    sent = dict(host.sent)
    total = sum(sent.values())
    assert any(p.endswith(".png") and "/media/" in p for p in sent), sent  # the post's image
    assert any("search_index.json" in p for p in sent), sent  # and the search index
    print(f"post page weight: {total} bytes in {len(sent)} files")
    assert total < PAGE_WEIGHT_BUDGET, sorted(sent.items(), key=lambda kv: -kv[1])


def test_404_page_is_served_with_the_site_look(page: Any, served: str) -> None:
    response = page.goto(served + "/posts/no-such-post/")
    assert response.status == 404
    assert "404" in page.locator("article h1").inner_text()
    # Styles load from the site root, so the page looks like the site at any depth.
    assert page.locator("header.md-header").evaluate("e => getComputedStyle(e).position") == "sticky"
    page.locator("a.md-header__button.md-logo").click()
    page.wait_for_url(served + "/")


# --- lists with thumbnails (issue 13, item 12) ---------------------------------------------

THUMBNAILS = "/assets/thumbnails/"


@pytest.mark.parametrize(("path", "least"), [("/", 1), ("/archive/2026/10/", 4)])
def test_list_page_weight_with_every_thumbnail_stays_under_budget(
    page: Any, served: str, host: Host, path: str, least: int
) -> None:
    """A list scrolled to the end, so every lazy thumbnail has loaded: the 1x files on an
    ordinary screen, never a post's full image."""
    host.sent.clear()
    page.goto(served + path)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.locator(".shelfpost-thumb img").evaluate_all("els => Promise.all(els.map(i => i.decode()))")
    page.wait_for_load_state("networkidle")
    sent = dict(host.sent)
    thumbs = {p: n for p, n in sent.items() if p.startswith(THUMBNAILS)}
    shown = page.locator(".shelfpost-thumb img").count()
    assert shown >= least and len(thumbs) == shown, (shown, sorted(thumbs))
    assert all(p.endswith("-160w.webp") for p in thumbs), sorted(thumbs)
    assert not [p for p in sent if p.startswith("/media/")], sent
    total = sum(sent.values())
    print(
        f"{path} weight: {total} bytes in {len(sent)} files, {shown} thumbnails {sum(thumbs.values())} bytes"
    )
    assert total < PAGE_WEIGHT_BUDGET, sorted(sent.items(), key=lambda kv: -kv[1])


def test_a_sharp_screen_gets_the_2x_thumbnails(browser: Any, served: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=2)
    tab = context.new_page()
    block_outside(tab, served)
    tab.goto(served + "/news/")
    first = tab.locator(".shelfpost-thumb img").first
    first.scroll_into_view_if_needed()
    first.evaluate("i => i.decode()")
    assert first.evaluate("i => i.currentSrc").endswith("-320w.webp")
    assert first.evaluate("i => i.clientWidth") == 160  # (naturalWidth is density-corrected: 160 too)
    context.close()


def test_thumbnails_keep_their_place_before_they_load(page: Any, served: str) -> None:
    """While the thumbnails are still on their way (held back here), each one's box already
    has its size, so nothing moves when they arrive (width and height on the img)."""
    held: list[Any] = []
    page.route("**/assets/thumbnails/**", lambda route: held.append(route))
    page.goto(served + "/archive/2026/10/")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    thumbs = page.locator(".shelfpost-thumb img")
    for _ in range(100):  # until the browser has asked for every lazy thumbnail
        if len(held) >= thumbs.count():
            break
        page.wait_for_timeout(50)
    measure = (
        "els => els.map(e => [e.complete, Math.round(e.getBoundingClientRect().width),"
        " Math.round(e.getBoundingClientRect().height)])"
    )
    waiting = thumbs.evaluate_all(measure)
    assert len(held) == len(waiting) > 0 and all(box == [False, 160, 84] for box in waiting), (
        len(held),
        waiting,
    )
    for route in held:
        route.continue_()
    thumbs.evaluate_all("els => Promise.all(els.map(i => i.decode()))")
    assert thumbs.evaluate_all(measure) == [[True, 160, 84]] * len(waiting)


def test_a_screen_reader_hears_each_title_once_and_what_the_picture_shows(
    page: Any, served: str, sample_copy: Path
) -> None:
    library = load_library(sample_copy)
    page.goto(served + "/news/")
    tree = page.locator("article").aria_snapshot()
    lines = tree.splitlines()
    listed = [p for p in library.live_posts(SAMPLE_NOW) if p.type == "news"]
    for post in listed:
        # One link per post, its title (the heading's name is the same words, read as one).
        assert tree.count(f'link "{post.title}"') == 1, (post.title, tree)
        if post.image_alt:
            # The picture is read once, with its alt text, as a node of its own beside the
            # heading: not inside the title's link, and not a link of its own.
            [img] = [line for line in lines if f'img "{post.image_alt}"' in line]
            heading = next(line for line in lines if line.lstrip().startswith(f'- heading "{post.title}'))
            assert len(img) - len(img.lstrip()) == len(heading) - len(heading.lstrip()), (img, heading)
            assert tree.count(post.image_alt) == 1, (post.image_alt, tree)
    assert any(p.image_alt for p in listed) and any(not p.image for p in listed)


# --- screenshots --------------------------------------------------------------------------

GLYPHS_NOT_BOXES = """() => {
  // The same two characters drawn as the page's font draws them: a missing CJK font
  // draws both as the same empty box, a real one as different glyphs.
  const font = getComputedStyle(document.body).fontFamily;
  const draw = ch => {
    const c = document.createElement("canvas"); c.width = c.height = 64;
    const g = c.getContext("2d"); g.font = "48px " + font; g.fillText(ch, 4, 52);
    return g.getImageData(0, 0, 64, 64).data.join(",");
  };
  return [draw("圖") !== draw("書"), draw("圖") !== draw("")];
}"""


def test_screenshots_of_home_post_and_search_in_chinese(page: Any, served: str, tmp_path: Path) -> None:
    """Writes the screenshots kept in docs/screenshots/ (`make screenshots` sets the folder)."""
    folder = Path(os.environ.get("SHELFPOST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.goto(served + "/")
    assert page.evaluate(GLYPHS_NOT_BOXES) == [True, True], "Chinese renders as boxes: run `make browser`"
    page.screenshot(path=str(folder / "home.png"))
    page.goto(f"{served}/{POST_WITH_IMAGE}/")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight); window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / "post.png"))
    open_search_results(page, served)
    page.screenshot(path=str(folder / "search.png"))
    for name in ("home.png", "post.png", "search.png"):
        data = (folder / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, name
