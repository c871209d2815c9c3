"""`shelfpost build`: real engine builds; only posts due by --now appear anywhere."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest

from conftest import SAMPLE_NOW, Lib, post_text, run_cli
from shelfpost import load_library
from shelfpost.site.build import build_site
from shelfpost.site.feeds import render_feeds

NOW = SAMPLE_NOW
LATER = datetime(2026, 12, 5, 12, 0, tzinfo=timezone(timedelta(hours=8)))

pytestmark = pytest.mark.xdist_group("engine")


def article(page_file: Path) -> str:
    """The page's main content with character references decoded."""
    page = page_file.read_text("utf-8")
    match = re.search(r"<article[^>]*>(.*)</article>", page, re.DOTALL)
    assert match, page_file
    return html.unescape(match.group(1))


def all_text(site: Path) -> str:
    return "\n".join(
        p.read_text("utf-8", errors="replace")
        for p in site.rglob("*")
        if p.is_file() and p.suffix in {".html", ".xml", ".json", ".txt"}
    )


@pytest.fixture(scope="session")
def sample_library(sample_copy: Path):  # type: ignore[no-untyped-def]
    return load_library(sample_copy)


def test_exactly_the_posts_due_by_now_are_built(sample_site: Path, sample_library) -> None:  # type: ignore[no-untyped-def]
    due = {p.slug for p in sample_library.posts if not p.draft and p.publish_at <= NOW}
    hidden = [p for p in sample_library.posts if p.slug not in due]
    assert len(due) == 33 and len(hidden) == 6
    assert {d.name for d in (sample_site / "posts").iterdir()} == due
    # Nowhere: pages, lists, tag pages, archive, search index, sitemap, feeds.
    text = all_text(sample_site)
    for post in hidden:
        assert f"posts/{post.slug}/" not in text, post.slug
        assert post.title not in text, post.title
    index = json.loads((sample_site / "search/search_index.json").read_text("utf-8"))
    assert {d["location"].split("/")[1] for d in index["docs"] if d["location"].startswith("posts/")} == due
    sitemap = (sample_site / "sitemap.xml").read_text("utf-8")
    assert sitemap.count("/posts/") == len(due)


def test_a_later_now_publishes_scheduled_posts_but_never_drafts(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "later"
    build_site(load_library(sample_copy), LATER, out)
    posts = {d.name for d in (out / "posts").iterdir()}
    assert {"christmas-story-party", "librarians-books-of-the-year"} <= posts
    assert "audiobook-collection" not in posts  # a draft dated before both builds
    assert "new-year-author-talk" not in posts  # due 12-22
    feed = feedparser.parse(str(out / "feed.xml"))
    assert feed.entries[0].link == "https://library.example.org/posts/librarians-books-of-the-year/"


def test_site_sections_tags_archive_and_home(sample_site: Path) -> None:
    for path in (
        "index.html",
        "news/index.html",
        "resources/index.html",
        "events/index.html",
        "tags/index.html",
        "archive/index.html",
        "archive/2026/10/index.html",
        "about/index.html",
        "feeds/index.html",
        "404.html",
    ):
        assert (sample_site / path).is_file(), path
    home = article(sample_site / "index.html")
    # Upcoming events as of NOW: the book club (11-28) and the exhibition (12-01), not past ones.
    assert "河岸書店冬季讀書會" in home and "老照片展" in home
    assert home.index("河岸書店冬季讀書會") < home.index("老照片展")
    assert "作家講座：許清禾" not in home.split("最新文章")[0]
    tag_page = (sample_site / "tags/繪本/index.html").read_text("utf-8")
    assert "posts/picture-books-with-grandparents/" in tag_page
    october = (sample_site / "archive/2026/10/index.html").read_text("utf-8")
    assert october.count("<h2 id=") == 11 and "posts/autumn-poetry-picks/" in october


def test_post_page_shows_local_time_authors_tags_and_image_alt(sample_site: Path) -> None:
    page = article(sample_site / "posts/author-talk-river-city/index.html")
    assert '<time datetime="2026-10-12T10:00:00+08:00">2026-10-12 10:00</time>' in page
    assert "林雅雯" in page
    assert 'rel="tag">講座</a>' in page
    assert 'src="../../media/2026/author-talk.png" alt="插圖：深綠色的講堂裡' in page
    assert (sample_site / "media/2026/author-talk.png").is_file()
    head = (sample_site / "posts/author-talk-river-city/index.html").read_text("utf-8")
    assert "<title>作家講座：許清禾談《河流記得的事》 - 晴川市立圖書館</title>" in head


def test_media_of_unpublished_posts_is_not_copied(sample_site: Path) -> None:
    assert not (sample_site / "media/2026/christmas-party.png").exists()


def test_links_between_posts_resolve_on_the_site(sample_site: Path) -> None:
    page = (sample_site / "posts/story-time-october/index.html").read_text("utf-8")
    assert 'href="../september-story-time/"' in page


def test_feeds_parse_without_bozo_and_are_absolute(sample_site: Path) -> None:
    for name in (
        "feed.xml",
        "atom.xml",
        "news/feed.xml",
        "news/atom.xml",
        "resources/feed.xml",
        "resources/atom.xml",
        "events/feed.xml",
        "events/atom.xml",
    ):
        feed = feedparser.parse(str(sample_site / name))
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert feed.entries, name
        for entry in feed.entries:
            assert entry.link.startswith("https://library.example.org/posts/")
            assert entry.id.startswith("urn:uuid:")
            assert "<p>" in entry.content[0].value
            assert 'src="../' not in entry.content[0].value and 'href="../' not in entry.content[0].value
    events = feedparser.parse(str(sample_site / "events/feed.xml"))
    assert {e.link.split("/")[-2] for e in events.entries} >= {"old-qingchuan-photo-exhibition"}
    assert all("/posts/" in e.link for e in events.entries)
    main = feedparser.parse(str(sample_site / "feed.xml"))
    assert main.feed.link == "https://library.example.org/"  # the site, not the feed itself
    assert len(main.entries) == 33
    # Newest first, and `updated` comes from the content, not the wall clock.
    dates = [e.published_parsed for e in main.entries]
    assert dates == sorted(dates, reverse=True)
    assert main.feed.updated == "Wed, 25 Nov 2026 10:00:00 +0800"
    link = next(e for e in main.entries if e.link.endswith("/story-time-october/"))
    assert 'href="https://library.example.org/posts/september-story-time/"' in link.content[0].value


def test_feed_enclosure_keeps_type_and_length(sample_site: Path) -> None:
    events = feedparser.parse(str(sample_site / "events/feed.xml"))
    entry = next(e for e in events.entries if e.link.endswith("/old-qingchuan-photo-exhibition/"))
    (enc,) = entry.enclosures
    assert enc.type == "image/png" and int(enc.length) > 1000
    assert enc.href == "https://library.example.org/media/2026/old-photos.png"


def test_feed_guid_survives_edits_and_feeds_are_reproducible(lib: Lib) -> None:
    lib.post("2026-10-01-stable", post_text(title="第一版"))
    first = render_feeds(load_library(lib.root), NOW)
    again = render_feeds(load_library(lib.root), NOW)
    assert first == again  # no wall clock inside
    lib.post(
        "2026-10-01-stable",
        post_text(title="第二版 edited", publish_at="2026-10-03 09:00", body="改過的內文\n"),
    )
    second = render_feeds(load_library(lib.root), NOW)
    a = feedparser.parse(first["feed.xml"]).entries[0]
    b = feedparser.parse(second["feed.xml"]).entries[0]
    assert a.title != b.title and a.id == b.id
    assert (
        feedparser.parse(first["atom.xml"]).entries[0].id
        == feedparser.parse(second["atom.xml"]).entries[0].id
    )


def test_feeds_hold_the_latest_fifty(lib: Lib) -> None:
    start = datetime(2026, 1, 1, 9, 0)
    for n in range(60):
        when = start + timedelta(days=n)
        lib.post(
            f"{when:%Y-%m-%d}-p{n:02d}", post_text(title=f"文章 {n}", publish_at=f"{when:%Y-%m-%d %H:%M}")
        )
    feeds = render_feeds(load_library(lib.root), NOW)
    entries = feedparser.parse(feeds["feed.xml"]).entries
    assert len(entries) == 50
    assert entries[0].title == "文章 59" and entries[-1].title == "文章 10"


def test_markdown_in_titles_is_shown_not_obeyed(lib: Lib, tmp_path: Path) -> None:
    title = "[點我](javascript:alert(1)) *粗體* <3 & \\`x`"
    lib.post("2026-10-01-tricky", post_text(title=f"'{title}'"))
    library = load_library(lib.root)
    assert library.ok, library.problems
    out = tmp_path / "out"
    build_site(library, NOW, out)
    raw = (out / "posts/tricky/index.html").read_text("utf-8")
    assert 'href="javascript' not in raw.lower()
    assert "<em>粗體</em>" not in raw and "<code>x</code>" not in raw
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", raw, re.DOTALL)
    assert heading and html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))) == title
    titles = re.findall(r"<title>(.*?)</title>", raw)
    assert titles and html.unescape(titles[0]).startswith(title)


def test_link_to_a_post_not_yet_live_keeps_words_drops_link(lib: Lib, tmp_path: Path) -> None:
    lib.post("2026-10-01-now", post_text(body="見 [下週預告](2026-12-24-future.md)。\n"))
    lib.post("2026-12-24-future", post_text(publish_at="2026-12-24 10:00"))
    out = tmp_path / "out"
    build_site(load_library(lib.root), NOW, out)
    page = (out / "posts/now/index.html").read_text("utf-8")
    assert "見 下週預告。" in page and "future" not in page


def test_preview_shows_drafts_with_a_banner_but_feeds_never(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    build_site(load_library(sample_copy), NOW, out, preview=True)
    draft = (out / "posts/audiobook-collection/index.html").read_text("utf-8")
    assert "草稿：尚未公開" in draft
    scheduled = (out / "posts/christmas-story-party/index.html").read_text("utf-8")
    assert "排程中" in scheduled
    assert "audiobook-collection" not in (out / "feed.xml").read_text("utf-8")


def test_broken_post_fails_build_with_check_messages(lib: Lib) -> None:
    lib.post("2026-10-01-good")
    lib.post("2026-10-02-bad", post_text(publish_at="2026-02-30 10:00", body="<script>x</script>\n"))
    check = run_cli("check", cwd=lib.root)
    build = run_cli("build", "--now", "2026-11-26 12:00", cwd=lib.root)
    assert build.returncode == check.returncode == 1
    check_lines = [line for line in check.stdout.splitlines() if ": error: " in line]
    assert len(check_lines) == 2
    for line in check_lines:
        assert line in build.stderr
    assert not (lib.root / "site").exists()


def test_output_folder_that_holds_the_library_is_refused(lib: Lib) -> None:
    lib.post("2026-10-01-good")
    result = run_cli("build", "--out", ".", cwd=lib.root)
    assert result.returncode == 1 and "pick another folder" in result.stderr
    assert (lib.root / "content/posts/2026/2026-10-01-good.md").exists()


def test_cli_build_default_out_and_now(lib: Lib) -> None:
    lib.post("2026-10-01-good")
    result = run_cli("build", "--now", "2026-11-26T12:00:00+08:00", cwd=lib.root)
    assert result.returncode == 0, result.stderr
    assert (lib.root / "site/posts/good/index.html").is_file()
    assert "built 1 post(s) with mkdocs" in result.stderr


@pytest.mark.engine
def test_zensical_builds_the_same_posts(sample_copy: Path, sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "zensical"
    result = build_site(load_library(sample_copy), NOW, out, engine="zensical", work_dir=tmp_path / "work")
    assert result.engine == "zensical"
    mk = {d.name for d in (sample_site / "posts").iterdir()}
    zs = {d.name for d in (out / "posts").iterdir() if (d / "index.html").is_file()}
    assert zs == mk and len(zs) == 33
    page = (out / "posts/natural-history-picks/index.html").read_text("utf-8")
    assert "蝴蝶標本" in page
    assert feedparser.parse(str(out / "feed.xml")).entries[0].link.endswith("/posts/winter-cookbooks/")


def test_chinese_slug_and_tag_build_and_link(lib: Lib, tmp_path: Path) -> None:
    lib.post("2026-10-01-閱讀月", post_text(title="閱讀月開跑", extra="tags: [閱讀, Reading Club]\n"))
    lib.post("2026-10-02-next", post_text(body="見[閱讀月](2026-10-01-閱讀月.md)。\n"))
    out = tmp_path / "out"
    build_site(load_library(lib.root), NOW, out)
    assert (out / "posts/閱讀月/index.html").is_file()
    assert (out / "tags/閱讀/index.html").is_file() and (out / "tags/reading-club/index.html").is_file()
    page = (out / "posts/next/index.html").read_text("utf-8")
    assert 'href="../%E9%96%B1%E8%AE%80%E6%9C%88/"' in page
    feed = feedparser.parse(str(out / "feed.xml"))
    links = {e.link for e in feed.entries}
    assert "https://lib.example.org/posts/%E9%96%B1%E8%AE%80%E6%9C%88/" in links


def test_image_from_content_root_and_body_images(lib: Lib, tmp_path: Path) -> None:
    lib.image("content/media/pic.png")
    lib.post(
        "2026-10-01-pics",
        post_text(
            extra="image: /media/pic.png\nimage_alt: 閱覽室\n", body="![書架上的新書](../../media/pic.png)\n"
        ),
    )
    library = load_library(lib.root)
    assert library.ok, library.problems
    out = tmp_path / "out"
    build_site(library, NOW, out)
    page = (out / "posts/pics/index.html").read_text("utf-8")
    assert 'alt="閱覽室"' in page and 'alt="書架上的新書"' in page
    assert (out / "media/pic.png").read_bytes() == (lib.root / "content/media/pic.png").read_bytes()


def test_mkdocs_yml_may_not_set_what_shelfpost_owns(lib: Lib, tmp_path: Path) -> None:
    lib.post("2026-10-01-good")
    lib.write("mkdocs.yml", "theme:\n  name: material\nsite_url: https://other.example/\nnav:\n  - a.md\n")
    result = run_cli("build", "--out", str(tmp_path / "o"), cwd=lib.root)
    assert result.returncode == 1
    assert "mkdocs.yml:3:1: error: site_url: shelfpost sets this from shelfpost.yml" in result.stderr
    assert "mkdocs.yml:4:1: error: nav: shelfpost sets this" in result.stderr


def test_library_templates_override_shelfpost_templates(lib: Lib, tmp_path: Path) -> None:
    lib.post("2026-10-01-good")
    lib.write("templates/site/page.md.j2", "# {{ page.title }}\n\nOUR OWN PAGE TEMPLATE\n\n{{ body }}\n")
    lib.write("content/pages/about.md", "---\ntitle: 關於\n---\nHello\n")
    out = tmp_path / "out"
    build_site(load_library(lib.root), NOW, out)
    assert "OUR OWN PAGE TEMPLATE" in (out / "about/index.html").read_text("utf-8")
