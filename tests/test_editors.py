"""What editors hit (issue 13): input-method slips, placeholders, scheduling, the calendar."""

from __future__ import annotations

import html
import json
import re
import shlex
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from click.testing import Result

from conftest import REPO, Lib, invoke, post_text, run_cli
from shelfpost import load_library

P = "content/posts/2026/"

# (file name, file text, expected "line:col: error: message")
SLIPS: list[tuple[str, str, str]] = [
    (
        "2026-10-02-colon",
        post_text().replace("summary: 摘要 summary", "summary：摘要 summary"),
        "5:8: error: YAML syntax: '：' (U+FF1A) is a full-width colon after the key:"
        " type the ASCII ':' followed by a space instead",
    ),
    (
        "2026-10-03-colonlast",
        post_text(extra="location：館內\n"),
        "8:9: error: YAML syntax: '：' (U+FF1A) is a full-width colon after the key:"
        " type the ASCII ':' followed by a space instead",
    ),
    (
        "2026-10-04-indent",
        post_text(
            type_="event",
            extra="event:\n  start: 2026-10-30 10:00\n\u3000end: 2026-10-30 12:00\n  location: Hall\n",
        ),
        "10:1: error: YAML syntax: '\u3000' (U+3000) is a full-width space in the indentation:"
        " type the ASCII space instead",
    ),
    (
        "2026-10-05-indentfirst",
        post_text(type_="event", extra="event:\n\u3000start: 2026-10-30 10:00\n  location: Hall\n"),
        "9:1: error: YAML syntax: '\u3000' (U+3000) is a full-width space in the indentation:"
        " type the ASCII space instead",
    ),
    (
        "2026-10-06-afterspace",
        post_text().replace("summary: 摘要 summary", "summary:\u3000摘要 summary"),
        "5:9: error: YAML syntax: '\u3000' (U+3000) is a full-width space after the colon:"
        " type the ASCII space instead",
    ),
    (
        "2026-10-07-brackets",
        post_text(extra="tags: ［閱讀, 講座］\n"),
        "8:7: error: YAML syntax: '［' (U+FF3B) is a full-width bracket where the value starts:"
        " type the ASCII '[' instead",
    ),
    (
        "2026-10-08-quote",
        post_text(title="“講座: 閱讀”"),
        "2:8: error: YAML syntax: '“' (U+201C) is a curly quote where the value starts:"
        " type the ASCII '\"' instead",
    ),
]


@pytest.mark.parametrize("name,text,expected", SLIPS, ids=[n for n, _, _ in SLIPS])
def test_input_method_slips_name_the_line_and_the_character(
    lib: Lib, name: str, text: str, expected: str
) -> None:
    lib.post(name, text)
    found = [
        f"{p.line}:{p.column}: {p.severity.value}: {p.message}"
        for p in load_library(lib.root).problems
        if p.path == f"{P}{name}.md"
    ]
    assert found == [expected]


def test_full_width_text_inside_values_is_no_slip(lib: Lib) -> None:
    lib.post(
        "2026-10-09-fine",
        post_text(title="［公告］講座：閱讀「好書」", extra="tags: [閱讀：講座]\n").replace(
            "summary: 摘要 summary", "summary: |\n  \u3000\u3000段落：一 “引文”"
        ),
    )
    library = load_library(lib.root)
    assert [p.message for p in library.problems if p.is_error] == []
    assert [p.title for p in library.posts] == ["［公告］講座：閱讀「好書」"]


def _new(lib: Lib, *args: str) -> Result:
    return invoke("new", *args, "--root", str(lib.root))


def test_placeholders_from_new_are_refused_once_the_post_is_not_a_draft(lib: Lib) -> None:
    made = _new(lib, "--type", "event", "--title", "冬至說故事", "--at", "2026-12-20 10:00")
    assert made.exit_code == 0, made.output
    path = lib.root / made.stdout.strip()
    draft = path.read_text(encoding="utf-8")
    assert not [p for p in load_library(lib.root).problems if p.is_error]  # a draft may keep them
    lines = draft.splitlines()
    undrafted = "\n".join(line for line in lines if not line.startswith("draft:")) + "\n"
    path.write_text(undrafted, encoding="utf-8")
    summary_line = next(i for i, line in enumerate(undrafted.splitlines(), 1) if line.startswith("summary:"))
    location_line = next(i for i, line in enumerate(undrafted.splitlines(), 1) if "location:" in line)
    library = load_library(lib.root)
    found = [(p.line, p.column, p.message) for p in library.problems if p.is_error]
    assert found == [
        (
            summary_line,
            1,
            "summary: still the placeholder '（一兩句摘要：讀者為什麼要看這則？ One or two sentences.）' "
            "from `shelfpost new`: write the real text, or put back `draft: true` until it is ready",
        ),
        (
            location_line,
            3,
            "event.location: still the placeholder '（地點 Location）' from `shelfpost new`: write the real "
            "text, or put back `draft: true` until it is ready",
        ),
    ]
    assert library.posts == ()
    check = invoke("check", "--root", str(lib.root))
    assert check.exit_code != 0 and "still the placeholder" in check.output
    filled = undrafted.replace("（地點 Location）", "總館三樓").replace(
        "（一兩句摘要：讀者為什麼要看這則？ One or two sentences.）", "冬至下午的說故事時間。"
    )
    path.write_text(filled, encoding="utf-8")
    assert not [p for p in load_library(lib.root).problems if p.is_error]


def test_an_event_that_ends_before_its_announcement_is_refused(lib: Lib) -> None:
    lib.post(
        "2026-10-20-late",
        post_text(
            type_="event",
            publish_at="2026-10-20 10:00",
            extra="event:\n  start: 2026-10-18 14:00\n  end: 2026-10-18 16:00\n  location: 總館\n",
        ),
    )
    lib.post(
        "2026-10-21-ongoing",  # announced while it runs: fine
        post_text(
            type_="event",
            publish_at="2026-10-21 10:00",
            extra="event:\n  start: 2026-10-01 09:00\n  end: 2026-10-31 17:00\n  location: 展覽室\n",
        ),
    )
    library = load_library(lib.root)
    found = [(p.path, p.line, p.column, p.message) for p in library.problems if p.is_error]
    assert found == [
        (
            f"{P}2026-10-20-late.md",
            10,
            3,
            "event.end (2026-10-18 16:00) is not after publish_at (2026-10-20 10:00): the announcement "
            "would go out after the event is over; move publish_at earlier or correct the event's dates",
        )
    ]
    assert [p.slug for p in library.posts] == ["ongoing"]


def test_calendar_lists_scheduled_posts_that_no_slot_claims(lib: Lib) -> None:
    lib.post("2026-11-02-live", post_text(publish_at="2026-11-02 10:00"))
    lib.post("2026-11-03-extra", post_text(title="臨時公告", publish_at="2026-11-03 10:00"))
    lib.post("2026-11-28-later", post_text(title="週末加開", publish_at="2026-11-28 10:00"))
    lib.post("2026-11-29-wip", post_text(title="草稿", publish_at="2026-11-29 10:00", extra="draft: true\n"))
    lib.write(
        "calendar/2026-11.yml",
        "slots:\n  - {date: 2026-11-02, type: news, topic: 主題, owner: amy, post: live}\n",
    )
    args = ["calendar", "--month", "2026-11", "--now", "2026-11-26 12:00", "--root", str(lib.root)]
    data = json.loads(invoke(*args, "--format", "json").stdout)
    assert [(p["slug"], p["state"]) for p in data["unplanned"]] == [
        ("extra", "published"),
        ("later", "scheduled"),  # goes out in two days: not invisible until then
    ]
    text = invoke(*args, env={"COLUMNS": "200"}).stdout
    assert "Posts not in the calendar (2)" in text
    assert "2026-11-28 scheduled, unplanned: 週末加開 (content/posts/2026/2026-11-28-later.md)" in text
    assert "草稿" not in text


def test_new_names_its_own_options_and_suggests_a_type(lib: Lib) -> None:
    bad_at = _new(lib, "--type", "news", "--title", "x", "--at", "2026/12/10 10:00")
    assert bad_at.exit_code == 2
    assert "Invalid value for --at: '2026/12/10 10:00'" in bad_at.output and "--now" not in bad_at.output
    bad_type = _new(lib, "--type", "evnt", "--title", "x", "--at", "2026-12-10 10:00")
    assert bad_type.exit_code == 2
    assert "type 'evnt' is not in shelfpost.yml; did you mean 'event'?" in bad_type.output
    bad_author = _new(lib, "--type", "news", "--title", "x", "--author", "amie", "--at", "2026-12-10 10:00")
    assert "author 'amie' is not in content/authors.yml; did you mean 'amy'?" in bad_author.output


def test_the_license_is_an_spdx_expression_setuptools_reads_without_a_warning() -> None:
    from packaging.licenses import canonicalize_license_expression
    from packaging.requirements import Requirement
    from packaging.version import Version

    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    license_ = meta["project"]["license"]
    assert isinstance(license_, str), "a table ({text = ...}) makes setuptools print its deprecation box"
    assert canonicalize_license_expression(license_) == license_ == "MIT"
    assert not [c for c in meta["project"].get("classifiers", []) if c.startswith("License ::")]
    (setuptools,) = [Requirement(r) for r in meta["build-system"]["requires"] if r.startswith("setuptools")]
    assert not setuptools.specifier.contains(Version("76.9"))  # PEP 639 strings need setuptools 77


@pytest.mark.xdist_group("engine")
def test_build_advises_a_way_to_read_the_site_whose_menu_links_work(lib: Lib, tmp_path: Path) -> None:
    lib.post("2026-10-01-hello")
    out = tmp_path / "out dir"
    built = run_cli("build", "--now", "2026-10-02 12:00", "--out", str(out), cwd=lib.root)
    assert built.returncode == 0, built.stderr
    advice = built.stderr.strip().splitlines()[-1]
    assert "index.html" not in advice  # opened as a file, every menu link is a folder listing
    command = re.search(r"serve the folder: (.+?), then open (http://127\.0\.0\.1:8000/)", advice)
    assert command, advice
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable if a == "python3" else a for a in shlex.split(command.group(1))]
    argv[-1] = str(port)
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        home = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:  # noqa: S310
                    home = r.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.05)  # the server is starting: a wait for a socket, not for a clock
        menu = re.findall(
            r'class="md-tabs__link"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*class="md-nav__link"', home
        )
        links = {a or b for a, b in menu} - {"."}
        assert links, home[:500]
        for link in links:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{link}", timeout=5) as r:  # noqa: S310
                page = r.read().decode("utf-8")
            assert "<title>Directory listing" not in page and "<article" in page, link
    finally:
        server.terminate()
        server.wait(timeout=10)


def _text(html_text: str) -> str:
    """The article's text as a reader sees it (tags dropped, entities decoded)."""
    article = html_text[html_text.index("<article") : html_text.index("</article>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", article)).split())


@pytest.mark.xdist_group("engine")
def test_event_times_read_as_ongoing_compact_ranges_with_weekdays(lib: Lib, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from shelfpost.site.build import build_site

    lib.post(
        "2026-11-25-exhibition",
        post_text(
            title="冬日版畫展",
            type_="event",
            publish_at="2026-11-25 10:00",
            extra="event:\n  start: 2026-12-01 09:00\n  end: 2026-12-27 17:00\n  location: 展覽室\n",
        ),
    )
    lib.post(
        "2026-12-01-story",
        post_text(
            title="週六說故事",
            type_="event",
            publish_at="2026-12-01 10:00",
            extra="event:\n  start: 2026-12-12 10:30\n  end: 2026-12-12 11:30\n  location: 兒童室\n",
        ),
    )
    now = datetime(2026, 12, 7, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    out = tmp_path / "site"
    build_site(load_library(lib.root), now, out, work_dir=tmp_path / "work")
    home = _text((out / "index.html").read_text("utf-8"))
    assert "冬日版畫展 · 進行中，至 12-27（日）17:00 · 展覽室" in home  # not "2026-12-01": looks past
    assert "週六說故事 · 2026-12-12（六）10:30–11:30 · 兒童室" in home  # the date once
    events = _text((out / "events/index.html").read_text("utf-8"))
    assert "進行中，至 12-27（日）17:00" in events and "2026-12-12（六）10:30–11:30" in events
    post = (out / "posts/exhibition/index.html").read_text("utf-8")
    assert "2026-12-01（二）09:00 – 12-27（日）17:00" in _text(post)  # a range, the year once
    assert '<time datetime="2026-12-01T09:00:00+08:00">' in post  # machines still read the moments
    story = _text((out / "posts/story/index.html").read_text("utf-8"))
    assert "2026-12-12（六）10:30–11:30" in story and "2026-12-12 10:30 – 2026-12-12" not in story


#: Google's event rich results: required, then recommended properties (developers.google.com,
#: "Event structured data"), checked on what extruct, a parser shelfpost did not write, reads.
EVENT_REQUIRED = ("name", "startDate", "location")
EVENT_RECOMMENDED = ("description", "endDate", "eventStatus", "image", "offers", "organizer")
ARTICLE_PROPERTIES = ("headline", "image", "datePublished", "dateModified", "author", "publisher")


@pytest.mark.xdist_group("engine")
def test_posts_carry_schema_org_json_ld_that_an_outside_parser_reads(lib: Lib, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    import extruct  # type: ignore[import-untyped]

    from shelfpost.site.build import build_site

    lib.post(
        "2026-12-01-talk",
        post_text(
            title="作家座談 <冬>",
            type_="event",
            publish_at="2026-12-01 10:00",
            extra=(
                "event:\n  start: 2026-12-12 14:00\n  end: 2026-12-12 16:00\n  location: 總館三樓演講廳\n"
                "  registration_url: https://lib.example.org/register/42\n"
            ),
        ),
    )
    lib.post("2026-12-02-hours", post_text(title="年末開放時間", publish_at="2026-12-02 10:00"))
    lib.post("2026-12-03-picks", post_text(title="冬日書單", type_="resource", publish_at="2026-12-03 10:00"))
    now = datetime(2026, 12, 5, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    out = tmp_path / "site"
    build_site(load_library(lib.root), now, out, work_dir=tmp_path / "work")

    def json_ld(slug: str) -> list[dict[str, object]]:
        page = (out / "posts" / slug / "index.html").read_text("utf-8")
        found: list[dict[str, object]] = extruct.extract(
            page, base_url=f"https://lib.example.org/posts/{slug}/", syntaxes=["json-ld"], uniform=True
        )["json-ld"]
        return found

    (event,) = json_ld("talk")
    assert event["@type"] == "Event"
    assert [k for k in (*EVENT_REQUIRED, *EVENT_RECOMMENDED) if not event.get(k)] == []
    assert event["name"] == "作家座談 <冬>"  # the text as written; no markup can close the script
    assert (
        event["startDate"] == "2026-12-12T14:00:00+08:00" and event["endDate"] == "2026-12-12T16:00:00+08:00"
    )
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    location = event["location"]
    assert isinstance(location, dict) and location["@type"] == "Place"
    assert location["name"] == "總館三樓演講廳" and location["address"]
    offers = event["offers"]
    assert isinstance(offers, dict) and offers["url"] == "https://lib.example.org/register/42"
    assert event["url"] == "https://lib.example.org/posts/talk/"

    (news,) = json_ld("hours")
    assert news["@type"] == "NewsArticle"
    assert [k for k in ARTICLE_PROPERTIES if not news.get(k)] == []
    assert news["headline"] == "年末開放時間" and news["datePublished"] == "2026-12-02T10:00:00+08:00"
    assert news["author"] == [{"@type": "Person", "name": "林艾美"}]
    (resource,) = json_ld("picks")
    assert resource["@type"] == "BlogPosting"


@pytest.mark.xdist_group("engine")
def test_an_event_page_offers_that_event_alone_with_the_uid_of_events_ics(lib: Lib, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from icalendar import Calendar

    from shelfpost.site.build import build_site

    for day, title in (("2026-12-01", "作家座談"), ("2026-12-02", "手作燈籠")):
        lib.post(
            f"{day}-{'talk' if title == '作家座談' else 'lanterns'}",
            post_text(
                title=title,
                type_="event",
                publish_at=f"{day} 10:00",
                extra=f"event:\n  start: 2026-12-12 14:00\n  end: 2026-12-12 16:00\n  location: 總館 {title}\n",
            ),
        )
    now = datetime(2026, 12, 5, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    out = tmp_path / "site"
    build_site(load_library(lib.root), now, out, work_dir=tmp_path / "work")
    page = (out / "posts/talk/index.html").read_text("utf-8")
    link = re.search(r'<a href="([^"]+)" type="text/calendar" download>([^<]+)</a>', page)
    assert link and html.unescape(link.group(2)) == "將這個活動加入我的行事曆（.ics）", page[
        page.find("shelfpost-event") :
    ][:600]
    own = Calendar.from_ical((out / "posts/talk" / link.group(1)).read_bytes())
    (event,) = own.walk("VEVENT")
    assert str(event["summary"]) == "作家座談" and str(event["location"]) == "總館 作家座談"
    everything = Calendar.from_ical((out / "events.ics").read_bytes())
    uids = {str(e["summary"]): str(e["uid"]) for e in everything.walk("VEVENT")}
    assert uids["作家座談"] == str(event["uid"]) != uids["手作燈籠"]
    assert event.decoded("dtstart") == datetime(2026, 12, 12, 14, 0, tzinfo=timezone(timedelta(hours=8)))
    assert own.walk("VTIMEZONE"), "the library's zone travels with the file"
