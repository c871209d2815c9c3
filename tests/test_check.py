"""`shelfpost check`: every bad input gets path:line:col and a fix; good files still load."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import REPO, Lib, post_text, run_cli
from shelfpost import Problem, load_library

# (file name, file text, expected "line:col: error: message" start)
P = "content/posts/2026/"
BAD_POSTS: list[tuple[str, str | bytes, str]] = [
    (
        "2026-10-02-unclosed",
        "---\ntitle: x\npublish_at: 2026-10-01 10:00\n\nbody\n",
        "1:1: error: the front matter opened here is never closed: add a line '---'",
    ),
    (
        "2026-10-03-list",
        "---\n- a\n- b\n---\nbody\n",
        "2:1: error: the front matter must be a mapping of key: value lines, not a list",
    ),
    (
        "2026-10-04-tabs",
        "---\ntitle: x\nevent:\n\tstart: 2026-10-01\n---\nbody\n",
        "4:1: error: YAML syntax:",
    ),
    (
        "2026-10-05-dupkey",
        post_text(extra="title: again\n"),
        "8:1: error: title: duplicate key (first on line 2); YAML would silently keep only the last one",
    ),
    (
        "2026-10-06-pytag",
        post_text(extra="tags: !!python/object:os.system [x]\n"),
        "8:7: error: YAML tag !!python/object:os.system is not allowed",
    ),
    (
        "2026-10-07-latin1",
        "---\ntitle: caf\xe9\n---\n".encode("latin-1"),
        "2:11: error: is not UTF-8 text (byte 0xe9): save the file as UTF-8",
    ),
    (
        "2026-10-08-feb30",
        post_text(publish_at="2026-02-30 10:00"),
        "3:13: error: publish_at: '2026-02-30 10:00' is not a real date and time (day is out of range for month)",
    ),
    (
        "2026-10-09-notitle",
        post_text().replace("title: 測試文章\n", ""),
        "1:1: error: title: required key is missing: add 'title: ...'",
    ),
    (
        "2026-10-10-badtype",
        post_text(type_="newz"),
        "4:7: error: type: 'newz' is not one of: news, resource, event; did you mean 'news'?",
    ),
    ("2026-10-12-a..b", post_text(), "1:1: error: slug 'a..b' holds '..' or a slash"),
    ("2026-10-13-Upper", post_text(), "1:1: error: slug 'Upper' has upper-case letters"),
    (
        "2026-10-15-noimage",
        post_text(extra="image: ../../media/none.png\nimage_alt: 圖\n"),
        "8:1: error: image: content/media/none.png does not exist",
    ),
    (
        "2026-10-16-noalt",
        post_text(extra="image: ../../media/pic.png\n"),
        "8:1: error: image_alt: required when an image is given",
    ),
    (
        "2026-10-17-script",
        post_text(body="Hello\n\n<script>alert(1)</script>\n"),
        "11:1: error: raw HTML <script> is not allowed in posts",
    ),
    (
        "2026-10-18-onerror",
        post_text(body="Hi\n<img src=x onerror=alert(1)>\n"),
        "10:1: error: raw HTML attribute onerror= on <img> runs script",
    ),
    (
        "2026-10-19-titlehtml",
        post_text(title="'</title><script>alert(1)</script>'"),
        "2:8: error: title: holds HTML markup",
    ),
    (
        "2026-10-20-summaryhtml",
        post_text().replace("summary: 摘要 summary", "summary: a <b onmouseover=x>b</b>"),
        "5:10: error: summary: holds HTML markup",
    ),
    (
        "2026-10-21-unknownkey",
        post_text(extra="sumary: x\n"),
        "8:1: error: sumary: unknown key; did you mean 'summary'?",
    ),
    (
        "2026-10-22-js",
        post_text(body="[click](javascript:alert(1))\n"),
        "9:1: error: link to a javascript: URL is not allowed",
    ),
    (
        "2026-10-23-jsspaced",
        post_text(body="[click]( java\tscript:alert(1) )\n"),
        "9:10: error: a script URL (javascript:, vbscript: or data:text/html) is not allowed outside code",
    ),
    (
        "2026-10-24-brokenlink",
        post_text(body="[old](2026-09-01-nope.md)\n"),
        "9:1: error: link '2026-09-01-nope.md' points to content/posts/2026/2026-09-01-nope.md, which does not exist",
    ),
    (
        "2026-10-25-evt",
        post_text(
            type_="event",
            extra="event:\n  start: 2026-10-30 10:00\n  end: 2026-10-30 09:00\n  location: Hall\n",
        ),
        "10:3: error: event.end must be after event.start",
    ),
    ("2026-10-26-noevent", post_text(type_="event"), "4:1: error: type: event posts need an `event:` block"),
    (
        "2026-10-27-iframe",
        post_text(body="<iframe src=https://evil.example></iframe>\n"),
        "9:1: error: raw HTML <iframe> is not allowed",
    ),
    (
        "2026-10-28-jshref",
        post_text(body='<a href="JavaScript:alert(1)">x</a>\n'),
        '9:1: error: <a href="JavaScript:alert(1)"> uses a javascript: URL',
    ),
    (
        "2026-10-29-attrlist",
        post_text(body='Para\n{: onclick="alert(1)" }\n'),
        "10:1: error: attribute list sets onclick=, which runs script",
    ),
    (
        "2026-10-30-bodyimgalt",
        post_text(body="![](../../media/pic.png)\n"),
        "9:1: error: image has no alt text",
    ),
    (
        "2026-10-31-alias",
        post_text(extra="tags: &t [a]\nchannels: *t\n"),
        "8:7: error: YAML anchors and aliases (& and *) are not allowed",
    ),
    ("2026-11-01-empty", "---\n---\nbody\n", "1:1: error: the front matter is empty"),
    ("2026-11-02-nofm", "# Just a heading\n", "1:1: error: must start with front matter"),
    (
        "2026-11-03-authors",
        post_text().replace("authors: [amy]", "authors: [amie]"),
        "6:1: error: authors: 'amie' is not in content/authors.yml; did you mean 'amy'?",
    ),
    (
        "2026-11-04-badbool",
        post_text().replace("original: true", "original: maybe"),
        "7:11: error: original: must be true or false, not 'maybe'",
    ),
    ("2026-11-05-tagslist", post_text(extra="tags: 閱讀\n"), "8:7: error: tags: must be a list"),
    (
        "2026-11-06-escape",
        post_text(extra="image: ../../../shelfpost.yml\nimage_alt: x\n"),
        "8:1: error: image: the path leaves content/",
    ),
    ("2026-13-01-baddate", post_text(), "1:1: error: the file name's date 2026-13-01 is not a real date"),
]


@pytest.fixture
def bad_lib(lib: Lib) -> Lib:
    lib.image()
    lib.post("2026-09-01-fine")
    for name, text, _ in BAD_POSTS:
        lib.post(name, text)
    return lib


def lines_for(problems: Sequence[Problem], name: str) -> list[str]:
    return [
        f"{p.line}:{p.column}: {p.severity.value}: {p.message}" for p in problems if p.path == f"{P}{name}.md"
    ]


@pytest.mark.parametrize("name,expected", [(n, e) for n, _, e in BAD_POSTS], ids=[n for n, _, _ in BAD_POSTS])
def test_each_bad_post_is_reported_with_line_and_fix(bad_lib: Lib, name: str, expected: str) -> None:
    library = load_library(bad_lib.root)
    found = lines_for(list(library.problems), name)
    assert any(line.startswith(expected) for line in found), found
    assert name[11:] not in {p.slug for p in library.posts}


def test_bad_posts_do_not_stop_the_good_one(bad_lib: Lib) -> None:
    library = load_library(bad_lib.root)
    assert [p.slug for p in library.posts] == ["fine"]
    # Every bad file is reported, each at least once.
    reported = {p.path for p in library.problems if p.is_error}
    assert {f"{P}{n}.md" for n, _, _ in BAD_POSTS} <= reported


def test_file_name_date_that_disagrees_with_publish_at_is_a_warning(lib: Lib) -> None:
    lib.post("2026-10-05-moved", post_text(publish_at="2026-10-07 09:00"))
    library = load_library(lib.root)
    assert [p.format_text() for p in library.problems] == [
        f"{P}2026-10-05-moved.md:3:1: warning: publish_at is 2026-10-07 but the file name says 2026-10-05: "
        "rename the file so the folder stays in date order (the URL does not change)"
    ]
    assert library.ok and [p.slug for p in library.posts] == ["moved"]


def test_tab_indentation_says_what_to_do(bad_lib: Lib) -> None:
    found = lines_for(list(load_library(bad_lib.root).problems), "2026-10-04-tabs")
    assert "indent with spaces" in found[0]


def test_all_problems_of_one_file_at_once(lib: Lib) -> None:
    lib.post(
        "2026-10-01-many",
        post_text(type_="newz", publish_at="2026-13-01", extra="colour: red\n", body="<script>x</script>\n"),
    )
    found = lines_for(list(load_library(lib.root).problems), "2026-10-01-many")
    assert [f.split(": error")[0] for f in found] == ["3:13", "4:7", "8:1", "10:1"], found


def test_duplicate_slugs_name_each_other(lib: Lib) -> None:
    lib.post("2026-10-01-same")
    lib.post("2025-03-01-same")
    problems = [p for p in load_library(lib.root).problems if p.code == "slug-duplicate"]
    assert {p.path for p in problems} == {f"{P}2026-10-01-same.md", "content/posts/2025/2025-03-01-same.md"}
    assert "content/posts/2025/2025-03-01-same.md" in next(
        p.message for p in problems if p.path.startswith(P)
    )


def test_symbolic_link_post_is_refused_not_followed(lib: Lib, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(post_text(title="SECRET"), encoding="utf-8")
    os.symlink(secret, lib.root / P / "2026-10-01-link.md")
    library = load_library(lib.root)
    assert [p.format_text() for p in library.problems] == [
        f"{P}2026-10-01-link.md:1:1: error: is a symbolic link: shelfpost reads only regular files; "
        "replace the link with the file itself"
    ]
    assert not library.posts


def test_time_that_does_not_exist_in_the_library_time_zone(tmp_path: Path) -> None:
    lib = Lib(tmp_path / "ny", tz="America/New_York")
    lib.post("2026-03-08-gap", post_text(publish_at="2026-03-08 02:30"))
    lib.post("2026-11-01-twice", post_text(publish_at="2026-11-01 01:30"))
    lib.post("2026-11-02-offset", post_text(publish_at="2026-11-01T01:30:00-05:00"))
    library = load_library(lib.root)
    messages = {p.path.rsplit("/", 1)[1]: p.message for p in library.problems}
    assert messages["2026-03-08-gap.md"].startswith(
        "publish_at: 2026-03-08 02:30 does not exist in America/New_York (the clocks skip it)"
    )
    assert "happens twice" in messages["2026-11-01-twice.md"] and "-04:00" in messages["2026-11-01-twice.md"]
    assert [p.slug for p in library.posts] == ["offset"]


def test_naive_time_is_read_in_library_zone(lib: Lib) -> None:
    lib.post("2026-10-01-tz", post_text(publish_at="2026-10-01 10:00"))
    (post,) = load_library(lib.root).posts
    assert post.publish_at.isoformat() == "2026-10-01T10:00:00+08:00"


def test_code_may_show_script_tags(lib: Lib) -> None:
    lib.post(
        "2026-10-01-code", post_text(body="```html\n<script>fine</script>\n```\n\nInline `<script>` too.\n")
    )
    library = load_library(lib.root)
    assert not library.problems and len(library.posts) == 1


def test_chinese_slug_is_a_safe_path(lib: Lib) -> None:
    lib.post("2026-10-01-閱讀月", post_text())
    library = load_library(lib.root)
    assert not library.problems
    assert library.posts[0].slug == "閱讀月"


def test_config_problems_are_reported_with_lines(lib: Lib) -> None:
    lib.write(
        "shelfpost.yml",
        "library:\n  name: X\n  site_url: ftp://x\n  language: zh-TW\n  timezone: Asia/Taipe\n",
    )
    library = load_library(lib.root)
    assert [p.format_text() for p in library.problems] == [
        "shelfpost.yml:3:13: error: library.site_url: 'ftp://x' is not a full https or http URL (e.g. https://example.org/page)",
        "shelfpost.yml:5:13: error: library.timezone: 'Asia/Taipe' is not a time zone; did you mean 'Asia/Taipei'?",
    ]


def test_cli_text_format_and_exit_code(bad_lib: Lib) -> None:
    result = run_cli("check", cwd=bad_lib.root)
    assert result.returncode == 1
    assert f"{P}2026-10-17-script.md:11:1: error: raw HTML <script> is not allowed" in result.stdout
    assert "error(s)" in result.stderr


def test_cli_paths_filter_problems(bad_lib: Lib) -> None:
    result = run_cli("check", f"{P}2026-09-01-fine.md", cwd=bad_lib.root)
    assert result.returncode == 0, result.stdout
    result = run_cli("check", f"{P}2026-10-22-js.md", cwd=bad_lib.root)
    assert result.returncode == 1
    assert {line.split(":")[0] for line in result.stdout.splitlines()} == {f"{P}2026-10-22-js.md"}


def test_cli_github_format(bad_lib: Lib) -> None:
    out = run_cli("check", "--format", "github", cwd=bad_lib.root).stdout.splitlines()
    assert (
        f"::error file={P}2026-10-17-script.md,line=11,col=1,title=shelfpost unsafe-html::raw HTML "
        "<script> is not allowed in posts: it could run script or load active content; remove it"
    ) in out


def test_cli_json_format(bad_lib: Lib) -> None:
    result = run_cli("check", "--format", "json", cwd=bad_lib.root)
    data = json.loads(result.stdout)
    assert result.returncode == 1
    entry = next(d for d in data if d["path"] == f"{P}2026-10-08-feb30.md")
    assert entry["line"] == 3 and entry["column"] == 13 and entry["severity"] == "error"


def test_sample_library_checks_clean() -> None:
    result = run_cli("check", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "ok: 39 post(s)" in result.stderr


BLUESKY = "channels:\n  bluesky: {kind: bluesky, name: Bluesky}\n"


def _long_post(lib: Lib, name: str, summary: str, extra: str = "") -> None:
    lib.post(
        name,
        post_text(publish_at="2026-11-26 10:00", extra="channels: [bluesky]\n" + extra).replace(
            "summary: 摘要 summary", f"summary: {summary}"
        ),
    )


def test_check_counts_the_link_an_image_adds_to_the_bluesky_text(lib: Lib) -> None:
    """Issue 11, item 1: with an image the post's link goes into the text (the image takes the
    link card's place); `check` measured the text without it and let 304 graphemes through."""
    lib.write("plan/channels.yml", BLUESKY)
    lib.image()
    summary = "讀" * 270  # with the title: 276 graphemes; with "\n\n" and the link shown: 304
    _long_post(lib, "2026-11-26-pic", summary, "image: ../../media/pic.png\nimage_alt: 閱覽室\n")
    _long_post(lib, "2026-11-26-card", summary)  # the same text with a link card: 276, it fits
    found = [p.format_text() for p in load_library(lib.root).problems]
    assert found == [
        "content/posts/2026/2026-11-26-pic.md:8:1: error: channels: the text for bluesky is 304 graphemes "
        "long; Bluesky allows 300; this counts the post's link, added because the image replaces the link "
        "card: shorten the title or summary, or write texts: {bluesky: ...}"
    ]


def test_a_chinese_slugs_link_counts_as_the_short_text_bluesky_shows(lib: Lib) -> None:
    """Issue 11, item 2: a Chinese slug makes a 148-character URL; Bluesky shows the link short
    (host + start of path + "…") and counts what is shown, so the post fits."""
    from urllib.parse import quote

    from shelfpost.library.channeltext import channel_text

    lib.write("plan/channels.yml", BLUESKY)
    slug = "冬至說故事與手作燈籠工作坊"
    url = "https://lib.example.org/posts/" + quote(slug) + "/"
    own = "冬至的晚上，一起來圖書館聽故事、做燈籠。" * 12 + " " + url  # 240 + 1 + 148 characters
    _long_post(lib, f"2026-11-26-{slug}", "摘要", f"texts:\n  bluesky: '{own}'\n")
    library = load_library(lib.root)
    assert [p.format_text() for p in library.problems] == []
    assert library.config is not None
    (post,) = library.posts
    text = channel_text(post, library.plan.channels["bluesky"], library.config, library.channel_templates)
    assert text.text.endswith(" lib.example.org/posts/冬至說故事與…")
    assert text.length == 240 + 1 + 29 and text.links == (("lib.example.org/posts/冬至說故事與…", url),)


def test_a_librarys_own_channel_template_runs_sandboxed_and_shelfposts_own_do_not_need_to(lib: Lib) -> None:
    """A pull request can change templates/channels/: such a template cannot reach Python's
    internals. shelfpost's own templates render unsandboxed (they are its code); a library
    template that is a byte-for-byte copy of one gives the same text."""
    from shelfpost.library.channeltext import channel_text, package_templates

    lib.write(
        "plan/channels.yml",
        "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: https://m.example\n"
        "    credentials:\n      access_token: TOKEN\n",
    )
    lib.post("2026-10-01-hello", publish_at="2026-10-01 10:00", extra="channels: [mastodon]\n")
    library = load_library(lib.root)
    assert library.config is not None and not library.problems
    (post,) = library.posts
    channel = library.plan.channels["mastodon"]
    ours = channel_text(post, channel, library.config, {})
    copied = channel_text(post, channel, library.config, {"mastodon": package_templates()["mastodon"]})
    assert copied == ours and post.title in ours.text

    lib.write("templates/channels/mastodon.txt.j2", "{{ post.__class__.__init__.__globals__ }}\n")
    (problem,) = [p for p in load_library(lib.root).problems if p.code == "channel-template"]
    assert "the mastodon template fails for this post" in problem.message
    assert "unsafe" in problem.message, problem.message
