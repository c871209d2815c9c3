"""Valid, shareable output: the Nu HTML Checker, offline feed rules, link previews, comforts.

The Nu HTML Checker (npm vnu-jar, pinned in scripts/install-node-tools.sh) runs
once, with Java, over every page of the built sample site, the pages of a small
library made to test escaping and languages, and the search results as the
browser shows them.
"""

from __future__ import annotations

import email.utils
import functools
import html
import json
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest

from conftest import Lib, post_text
from shelfpost import load_library
from shelfpost.site.build import build_site
from shelfpost.site.docs import PACKAGE_TEMPLATES, SHARE_CARD
from shelfpost.site.feeds import post_url
from shelfpost.site.meta import og_locale, reading_minutes
from test_a11y import Host, StaticHost, node_tools, open_search_results
from test_browser import ARGS, CHROMIUM, block_outside
from test_build import NOW, article

pytestmark = pytest.mark.xdist_group("validity")

BASE = "https://library.example.org/"
FEEDS = [
    f"{folder}{kind}.xml" for folder in ("", "news/", "resources/", "events/") for kind in ("feed", "atom")
]

# Nu checker errors and warnings that come from Material for MkDocs itself, not from
# shelfpost's templates or a library's content: (message pattern, text in the flagged
# markup or in the checked file's name, why). Each must still occur, or it is dropped.
SEARCH_DOM = "search-results.html"
THEME_MESSAGES = [
    (
        r"^Attribute “autocomplete” is only allowed when the input type is",
        'class="md-toggle"',
        "Material's base.html puts autocomplete=off on its drawer and search toggles (checkboxes) "
        "so that Firefox does not restore them open on reload; valid HTML has no other way to ask.",
    ),
    (
        r"^The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control",
        'for="__toc"',
        "Material's table-of-contents partial labels the __toc toggle, which Material renders only "
        "inside the navigation entry of the current page; posts, tag, month and later list pages are "
        "kept out of the navigation (not_in_nav: with every post in it the build turns quadratic).",
    ),
    (
        r"^The “list” role is unnecessary for element “ol”",
        'class="md-search-result__list" role="list"',
        "Material's search script sets role=list on the results list it fills (warning only).",
    ),
    (
        r"^Consider using the “h1” element as a top-level heading only",
        SEARCH_DOM,
        "Material's search script titles each result with an h1 inside an article (warning only); "
        "the page's own h1 is the only one in the page's HTML.",
    ),
]


# --- builds ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(sample_site: Path) -> Path:
    return sample_site


@pytest.fixture(scope="module")
def sample(sample_copy: Path):  # type: ignore[no-untyped-def]
    return load_library(sample_copy)


TRICKY_TITLE = 'Tom & Jerry "1<2>0" it\'s 50%'
TRICKY_SUMMARY = "A & B 'quoted' \"double\" 3 > 2 < 4"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library with an English post, a title full of HTML specials, and its own share card."""
    lib = Lib(tmp_path_factory.mktemp("small") / "library")
    lib.post(
        "2026-10-01-english-hour",
        post_text(
            title="English conversation hour",
            extra="lang: en\ntags: [English]\n",
            body="Practise English with our volunteers every Saturday.\n\n" + "Word " * 450 + "\n",
        ),
    )
    lib.post(
        "2026-10-02-tricky",
        "---\n"
        f"title: '{TRICKY_TITLE.replace(chr(39), chr(39) * 2)}'\n"
        "publish_at: 2026-10-02 10:00\ntype: news\n"
        f"summary: '{TRICKY_SUMMARY.replace(chr(39), chr(39) * 2)}'\n"
        "authors: [amy]\noriginal: true\n---\n" + "圖書館裡的舊書與新書" * 120 + "\n",
    )
    card = lib.image("content/media/pic.png")
    lib.write("templates/site/share-card.png", card.read_bytes())
    library = load_library(lib.root)
    assert library.ok, library.problems
    out = lib.root.parent / "site"
    build_site(library, NOW, out)
    return out


@pytest.fixture(scope="module")
def search_dom(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search results page as the browser shows it, serialised for the checker."""
    from playwright.sync_api import sync_playwright

    server = Host(("127.0.0.1", 0), functools.partial(StaticHost, directory=str(site)))
    server.sent = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            block_outside(page, served)
            open_search_results(page, served)
            dom = page.content()
            browser.close()
    finally:
        server.shutdown()
    path = tmp_path_factory.mktemp("search") / SEARCH_DOM
    path.write_text(dom, encoding="utf-8")
    return path


# --- reading HTML back ----------------------------------------------------------------------


class Head(HTMLParser):
    """What a crawler reads from a page: meta, links, the language of the document."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.lang = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "meta" and "content" in a:
            key = a.get("property") or a.get("name") or ""
            self.meta.setdefault(key, []).append(a["content"])
        elif tag == "link":
            self.links.append(a)

    def one(self, key: str) -> str:
        (value,) = self.meta[key]
        return value


def head(path: Path) -> Head:
    return Head(path.read_text("utf-8"))


def site_file(site: Path, url: str) -> Path:
    """The built file behind an absolute URL of the site."""
    assert url.startswith(BASE), url
    rel = unquote(url[len(BASE) :])
    path = site / rel
    return path / "index.html" if rel.endswith("/") or rel == "" else path


# --- the Nu HTML Checker --------------------------------------------------------------------


def vnu(files: list[Path]) -> list[dict[str, Any]]:
    jar = node_tools() / "vnu-jar/build/dist/vnu.jar"
    result = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return list(json.loads(result.stderr)["messages"])


def from_theme(message: dict[str, Any]) -> bool:
    where = message.get("extract", "") + " " + message.get("url", "")
    return any(
        re.search(pattern, message.get("message", "")) and marker in where
        for pattern, marker, _ in THEME_MESSAGES
    )


def test_every_page_passes_the_nu_html_checker(site: Path, small: Path, search_dom: Path) -> None:
    pages = sorted(site.rglob("*.html")) + sorted(small.rglob("*.html")) + [search_dom]
    kinds = {"index.html", "404.html", "news", "tags", "archive", "posts", "partners", "events", "about"}
    assert kinds <= {p.relative_to(site).parts[0] for p in pages if p.is_relative_to(site)}
    messages = vnu(pages)
    theirs = [m for m in messages if from_theme(m)]
    ours = [
        (
            m["url"].rsplit("/site/", 1)[-1],
            m.get("firstLine", m.get("lastLine")),
            m["message"],
            m.get("extract"),
        )
        for m in messages
        if not from_theme(m) and (m["type"] == "error" or m.get("subType") == "warning")
    ]
    assert ours == [], ours
    # The filters are still needed (a Material upgrade that fixes them should drop them here).
    assert {p for p, _, _ in THEME_MESSAGES} == {
        next(p for p, marker, _ in THEME_MESSAGES if re.search(p, m["message"])) for m in theirs
    }


# --- feeds, offline, with the W3C validator's rules -----------------------------------------

RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
NS = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/"}


def rfc822(value: str | None) -> datetime:
    assert value and RFC822.match(value), value
    when = email.utils.parsedate_to_datetime(value)
    assert when.strftime("%a") == value[:3], f"{value}: the weekday does not match the date"
    return when


def rfc3339(value: str | None) -> datetime:
    assert value and RFC3339.match(value), value
    return datetime.fromisoformat(value)


def absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class Urls(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("href", "src")]


@pytest.mark.parametrize("name", FEEDS)
def test_feed_passes_the_offline_feed_check(site: Path, name: str) -> None:
    raw = (site / name).read_bytes()
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    root = ET.fromstring(raw)
    if name.endswith("feed.xml"):
        channel = root.find("channel")
        assert channel is not None and root.get("version") == "2.0"
        assert absolute(channel.findtext("link"))
        (self_link,) = channel.findall("atom:link[@rel='self']", NS)
        assert self_link.get("href") == BASE + name
        rfc822(channel.findtext("lastBuildDate"))
        items = channel.findall("item")
        guids = [item.findtext("guid") for item in items]
        for item in items:
            assert item.findtext("title") and absolute(item.findtext("link"))
            rfc822(item.findtext("pubDate"))
            guid = item.find("guid")
            assert guid is not None and (guid.get("isPermaLink") == "false" or absolute(guid.text))
            for enclosure in item.findall("enclosure"):
                assert absolute(enclosure.get("url")) and (enclosure.get("length") or "").isdigit()
                assert enclosure.get("type", "").startswith("image/")
            body = item.findtext("content:encoded", namespaces=NS) or ""
            assert all(absolute(u) for u in Urls(body).urls), Urls(body).urls
    else:
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        rfc3339(root.findtext("atom:updated", namespaces=NS))
        links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", NS)}
        assert links["self"] == BASE + name and absolute(links["alternate"])
        items = root.findall("atom:entry", NS)
        guids = [entry.findtext("atom:id", namespaces=NS) for entry in items]
        for entry in items:
            assert entry.findtext("atom:title", namespaces=NS)
            rfc3339(entry.findtext("atom:updated", namespaces=NS))
            rfc3339(entry.findtext("atom:published", namespaces=NS))
            # No author on the feed, so every entry names one (RFC 4287, 4.1.1).
            assert entry.findall("atom:author/atom:name", NS)
            assert all(absolute(link.get("href")) for link in entry.findall("atom:link", NS))
            content = entry.find("atom:content", NS)
            assert content is not None and content.get("type") == "html"
            assert all(absolute(u) for u in Urls(content.text or "").urls)
    assert items and all(guids) and len(set(guids)) == len(guids), Counter(guids).most_common(2)


# --- link previews --------------------------------------------------------------------------


def test_post_pages_carry_link_preview_meta(site: Path, sample) -> None:  # type: ignore[no-untyped-def]
    live = sample.live_posts(NOW)
    with_image = next(p for p in live if p.slug == "autumn-poetry-picks")
    without = next(p for p in live if p.image is None)
    for post in (with_image, without):
        page = site / "posts" / post.slug / "index.html"
        h = head(page)
        canonical = next(link["href"] for link in h.links if link.get("rel") == "canonical")
        assert h.one("og:type") == "article"
        assert h.one("og:title") == h.one("twitter:title") == post.title
        assert h.one("og:description") == h.one("twitter:description") == post.summary
        assert h.one("og:url") == canonical == post_url(sample.config, post)
        assert h.one("og:locale") == "zh_TW" and h.one("og:site_name") == "晴川市立圖書館"
        assert h.one("article:published_time") == post.publish_at.isoformat()
        assert datetime.fromisoformat(h.one("article:published_time")) == post.publish_at
        assert h.meta["article:tag"] == list(post.tags)
        assert h.one("twitter:card") == "summary_large_image"
        assert h.one("og:image") == h.one("twitter:image") and absolute(h.one("og:image"))
        assert site_file(site, h.one("og:image")).is_file()
        assert h.one("og:image:alt") == h.one("twitter:image:alt") != ""
        assert (h.one("og:image:width"), h.one("og:image:height")) == ("1200", "630")
    assert head(site / "posts/autumn-poetry-picks/index.html").one("og:image") == (
        BASE + "media/2026/autumn-poetry.png"
    )
    assert head(site / "posts/autumn-poetry-picks/index.html").one("og:image:alt") == with_image.image_alt
    # A post without an image gets the share card, named by the library's name.
    plain = head(site / "posts" / without.slug / "index.html")
    assert plain.one("og:image") == BASE + "assets/share-card.png"
    assert plain.one("og:image:alt") == "晴川市立圖書館"
    assert (site / "assets/share-card.png").read_bytes() == (PACKAGE_TEMPLATES / SHARE_CARD).read_bytes()
    # Other pages say they are the site's pages, not articles.
    home = head(site / "index.html")
    assert home.one("og:type") == "website" and home.one("og:url") == BASE
    assert "article:published_time" not in home.meta


def test_link_preview_values_are_escaped_and_read_back_exactly(small: Path) -> None:
    raw = (small / "posts/tricky/index.html").read_text("utf-8")
    h = Head(raw)
    assert h.one("og:title") == h.one("twitter:title") == TRICKY_TITLE
    assert h.one("og:description") == TRICKY_SUMMARY
    # Each preview tag is one element whose value holds no raw quote or angle bracket.
    lines = [line.strip() for line in raw.splitlines() if re.search(r'(property="og:|name="twitter:)', line)]
    assert len(lines) >= 15
    for line in lines:
        assert re.fullmatch(r'<meta (property|name)="[a-z:_]+" content="[^"<>]*">', line), line
    # The library's own share card replaced shelfpost's.
    assert (small / "assets/share-card.png").read_bytes() == (
        small.parent / "library/content/media/pic.png"
    ).read_bytes()


def test_a_post_in_another_language_says_so_and_the_site_keeps_its_own(small: Path) -> None:
    page = small / "posts/english-hour/index.html"
    h = head(page)
    assert h.lang == "zh-TW" and h.one("og:locale") == og_locale("en") == "en"
    content = article(page)
    wrapper = re.match(r'\s*<div lang="en">\s*<h1[^>]*>English conversation hour', content)
    assert wrapper, content[:300]
    assert content.index("Practise English") < content.rindex("</div>")
    # shelfpost's own words around the post stay in the site's language.
    assert re.search(r'<p class="shelfpost-meta" lang="zh-TW">', content)
    assert re.search(r'<p class="shelfpost-tags" lang="zh-TW">標籤', content)
    # A post in the site's language has no wrapper.
    assert '<div lang="' not in article(small / "posts/tricky/index.html")


# --- reader comforts ------------------------------------------------------------------------


def test_reading_time_counts_chinese_characters() -> None:
    chinese = "圖書館是每個人的" * 150  # 1,200 characters, no spaces
    assert len(chinese.split()) == 1  # what a word count by spaces sees
    assert reading_minutes(chinese) == 3  # ~400 characters a minute
    assert reading_minutes("word " * 400) == 2  # ~200 words a minute
    assert reading_minutes("字" * 400 + " word" * 200) == 2
    assert reading_minutes("") == reading_minutes("短") == 1
    # Code, tags and link targets are not read.
    assert reading_minutes("看[這裡](https://example.org/" + "a/" * 900 + ")\n") == 1
    assert reading_minutes("```\n" + "code " * 2000 + "\n```\n說明") == 1
    assert reading_minutes("<span lang='en'>" + "字" * 801 + "</span>") == 3


def test_post_pages_show_reading_time(site: Path, small: Path, sample) -> None:  # type: ignore[no-untyped-def]
    for post in sample.live_posts(NOW):
        content = article(site / "posts" / post.slug / "index.html")
        shown = re.search(r'<span class="shelfpost-reading-time">閱讀時間約 (\d+) 分鐘</span>', content)
        assert shown and int(shown.group(1)) == reading_minutes(post.body), post.slug
    # 1,200 Chinese characters take 3 minutes; 450 English words 3 as well.
    assert "閱讀時間約 3 分鐘" in article(small / "posts/tricky/index.html")
    assert "閱讀時間約 3 分鐘" in article(small / "posts/english-hour/index.html")


def test_every_page_links_to_every_feed_for_autodiscovery(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 60
    for page in pages:
        # Relative to the page (issue 13: Material fetches sitemap.xml beside each target), so
        # resolved against the page's URL on the live site.
        url = BASE + page.relative_to(site).as_posix().removesuffix("index.html")
        feeds = {
            (urljoin(url, link["href"]), link["type"])
            for link in head(page).links
            if link.get("rel") == "alternate"
        }
        expected = {
            (BASE + name, "application/rss+xml" if name.endswith("feed.xml") else "application/atom+xml")
            for name in FEEDS
        }
        assert feeds == expected, page
    for name in FEEDS:
        assert feedparser.parse(str(site_file(site, BASE + name))).entries, name


def test_events_section_links_to_the_calendar_subscription(site: Path) -> None:
    page = (site / "events/index.html").read_text("utf-8")
    links = re.findall(r'<a href="([^"]+)" type="text/calendar">([^<]+)</a>', page)
    assert [text for _, text in links] == ["訂閱活動行事曆（iCalendar）"]
    target = urljoin(BASE + "events/", html.unescape(links[0][0]))
    assert target == BASE + "events.ics"
    assert site_file(site, target).read_text("utf-8").startswith("BEGIN:VCALENDAR")


def test_sitemap_lists_every_live_post_and_nothing_else(site: Path, sample) -> None:  # type: ignore[no-untyped-def]
    root = ET.parse(site / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text or "" for loc in root.findall("s:url/s:loc", ns)]
    posts = {u for u in locs if "/posts/" in u}
    assert posts == {post_url(sample.config, p) for p in sample.live_posts(NOW)}
    assert all(absolute(u) and site_file(site, u).is_file() for u in locs)
    assert not any("share-card" in u or u.endswith(".png") for u in locs)
