"""The mailing-list digest against a real SMTP server (aiosmtpd on 127.0.0.1, STARTTLS, AUTH).

What arrives is parsed back with the standard library's ``email`` package. Faults:
451 (retried with back-off), 550 (refused), the connection dropped after the
message was handed over; each followed by a rerun.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import os
import re
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from conftest import copy_sample, run_cli
from shelfpost import load_library
from shelfpost.digest import schedule
from shelfpost.digest.plan import plan_digest
from shelfpost.digest.run import DigestRun, Outcome
from shelfpost.digest.send import SmtpSender, credentials
from shelfpost.library.model import Channel, EmailSettings
from smtp_server import PASSWORD, USER, Server, smtp_server

pytestmark = pytest.mark.xdist_group("digest")

TAIPEI = ZoneInfo("Asia/Taipei")
WEEK = datetime(2026, 12, 11, 10, 0, tzinfo=TAIPEI)  # the digest of Friday 2026-12-11 09:00 is due
ENV = {"SHELFPOST_SMTP_USER": USER, "SHELFPOST_SMTP_PASSWORD": PASSWORD}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with smtp_server(tmp_path) as s:
        yield s


def point_at(root: Path, port: int) -> None:
    path = root / "plan/channels.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("smtp_host: smtp.library.example.org", "smtp_host: 127.0.0.1")
    text = text.replace("smtp_port: 587", f"smtp_port: {port}")
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path, server: Server) -> Path:
    dest = tmp_path / "library"
    copy_sample(dest)
    point_at(dest, server.port)
    return dest


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def digest(root: Path, server: Server, now: datetime = WEEK, sleep: Sleeps | None = None) -> DigestRun:
    library = load_library(root)

    def sender(channel: Channel) -> SmtpSender:
        assert channel.email is not None
        return SmtpSender(channel.email, credentials(channel, ENV), server.client_context(), timeout=10)

    return DigestRun(library, now, sender, sleep=sleep or Sleeps())


def run(root: Path, server: Server, now: datetime = WEEK, sleep: Sleeps | None = None) -> Outcome:
    (outcome,) = digest(root, server, now, sleep).run()
    return outcome


def record(root: Path, digest_id: str = "newsletter-2026-12-11") -> dict[str, Any]:
    data = yaml.safe_load((root / f"data/digests/{digest_id}.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def parsed(server: Server, index: int = -1) -> EmailMessage:
    message = email.message_from_bytes(server.handler.received[index].content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def site_has(site: Path, url: str) -> bool:
    """Is ``url`` (under the sample's site_url) a file of the built site?"""
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site / path
    return (target / "index.html").is_file() if url.endswith("/") else target.is_file()


# --- against the real server ----------------------------------------------------------


@pytest.fixture(scope="module")
def december_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site as of the digest's run (its December posts are live)."""
    from shelfpost.site.build import build_site

    folder = tmp_path_factory.mktemp("december")
    copy_sample(folder / "library")
    out = folder / "site"
    build_site(load_library(folder / "library"), WEEK, out, work_dir=folder / "work")
    return out


def test_one_message_per_period_with_both_parts_and_the_list_headers(
    root: Path, server: Server, december_site: Path
) -> None:
    sample_site = december_site
    outcome = run(root, server)
    assert outcome.action == "sent", outcome
    assert len(server.handler.received) == 1
    got = server.handler.received[0]
    assert got.tls and got.authenticated  # STARTTLS, then AUTH
    assert got.mail_from == "news@library.example.org" and got.rcpt_tos == ["news@lists.library.example.org"]

    message = parsed(server)
    library = load_library(root)
    plan = plan_digest(library, library.plan.channels["newsletter"], WEEK, [])
    assert [p.slug for p in plan.posts] == list(outcome.posts) and len(plan.posts) == 2
    assert str(message["From"]) == "晴川市立圖書館 <news@library.example.org>"
    assert str(message["To"]) == "news@lists.library.example.org"
    assert str(message["Subject"]) == "晴川市立圖書館電子報：2026-12-11 新文章與近期活動"
    assert message["Message-ID"] == "<digest.newsletter-2026-12-11@library.example.org>"
    assert str(message["Date"]) == "Fri, 11 Dec 2026 10:00:00 +0800"  # the library's zone
    assert email.utils.parsedate_to_datetime(str(message["Date"])) == WEEK
    assert str(message["List-Id"]) == "電子報 Newsletter <news.lists.library.example.org>"
    assert " ".join(str(message["List-Unsubscribe"]).split()) == (
        "<mailto:news-leave@lists.library.example.org?subject=unsubscribe>, "
        "<https://lists.library.example.org/mailman3/lists/news.lists.library.example.org/>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"

    text, html = parts(message)
    for post in (*plan.posts, *plan.events):
        assert post.title in text and post.title in html
        assert library.config is not None
        assert library.config.post_url(post.slug) in text
    assert "取消訂閱" in text and "取消訂閱" in html  # a visible unsubscribe link
    assert "<style" in html and 'style="' in html  # inlined, media queries kept

    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith("https://") for link in links), links
    own = [link for link in links if link.startswith("https://library.example.org/")]
    registration = {p.event.registration_url for p in library.posts if p.event and p.event.registration_url}
    missing = [link for link in own if link not in registration and not site_has(sample_site, link)]
    # The sample site is built as of 2026-11-26 and has no digest archive yet: the newsletter page
    # is what the next build adds (tests/test_digest_site.py builds it).
    assert [m for m in missing if not m.endswith("/newsletter/")] == [], missing
    images = re.findall(r"<img [^>]*>", html)
    assert images
    for img in images:
        alt = re.search(r'alt="([^"]+)"', img)
        assert alt and alt.group(1).strip(), img
        assert re.search(r'width="\d+"', img) and re.search(r'height="\d+"', img), img
        src = re.search(r'src="([^"]+)"', img)
        assert src and src.group(1).startswith("https://") and site_has(sample_site, src.group(1)), img

    data = record(root)
    assert data["state"] == "sent" and data["attempts"] == 1 and data["reply"].startswith("250")
    assert data["posts"] == list(outcome.posts)
    assert "@" not in yaml.safe_dump({k: v for k, v in data.items() if k != "message_id"})  # no address kept

    # A second run in the same period sends nothing.
    again = run(root, server, WEEK.replace(hour=15))
    assert again.action == "already-sent" and len(server.handler.received) == 1


def test_451_is_tried_again_with_back_off_and_then_sent(root: Path, server: Server) -> None:
    server.handler.faults = ["451", "451"]
    sleeps = Sleeps()
    outcome = run(root, server, sleep=sleeps)
    assert outcome.action == "sent"
    assert server.handler.answers == ["451", "451", "250"] and len(server.handler.received) == 1
    assert sleeps.waits == [30.0, 60.0]
    data = record(root)
    assert data["attempts"] == 3 and data["state"] == "sent"


def test_451_every_time_leaves_failed_and_the_rerun_sends_it(root: Path, server: Server) -> None:
    server.handler.faults = ["451"] * 3
    outcome = run(root, server)
    assert (
        outcome.action == "failed" and "451" in outcome.message and "next run tries again" in outcome.message
    )
    assert server.handler.received == []
    data = record(root)
    assert data["state"] == "failed" and data["attempts"] == 3 and "451" in data["error"]
    rerun = run(root, server, WEEK.replace(hour=11))
    assert rerun.action == "sent" and len(server.handler.received) == 1
    assert record(root)["attempts"] == 4
    # Every try carries the Date of the first, so the bytes are the same.
    assert str(parsed(server)["Date"]) == "Fri, 11 Dec 2026 10:00:00 +0800"


def test_550_is_recorded_not_retried_and_waits_for_resend(root: Path, server: Server) -> None:
    server.handler.faults = ["550"]
    sleeps = Sleeps()
    outcome = run(root, server, sleep=sleeps)
    assert outcome.action == "rejected" and "550 5.7.1" in outcome.message and "--resend" in outcome.message
    assert sleeps.waits == [] and server.handler.answers == ["550"]
    assert record(root)["state"] == "rejected"
    rerun = run(root, server, WEEK.replace(hour=11))
    assert rerun.action == "rejected" and server.handler.answers == ["550"]  # not tried again by itself
    resent = digest(root, server, WEEK.replace(hour=12)).resend("newsletter-2026-12-11")
    assert resent.action == "sent" and len(server.handler.received) == 1
    assert [h["state"] for h in record(root)["history"]] == [
        "intent",
        "sending",
        "rejected",
        "intent",
        "sending",
        "sent",
    ]


def test_dropped_after_data_is_unknown_never_resent_blindly_and_confirmed_by_hand(
    root: Path, server: Server
) -> None:
    server.handler.faults = ["drop"]
    outcome = run(root, server)
    assert outcome.action == "unknown" and "may have been sent" in outcome.message
    assert (
        "--confirm newsletter-2026-12-11" in outcome.message
        and "--resend newsletter-2026-12-11" in outcome.message
    )
    assert len(server.handler.received) == 1  # it did arrive
    assert record(root)["state"] == "unknown"
    rerun = run(root, server, WEEK.replace(hour=11))
    assert rerun.action == "unknown" and len(server.handler.received) == 1  # not sent again
    confirmed = digest(root, server, WEEK.replace(hour=12)).confirm("newsletter-2026-12-11")
    assert confirmed.action == "confirmed"
    data = record(root)
    assert data["state"] == "sent" and data["confirmed"].startswith("by hand")
    assert run(root, server, WEEK.replace(hour=13)).action == "already-sent"
    assert len(server.handler.received) == 1


def test_resend_on_purpose_carries_the_same_message_id(root: Path, server: Server) -> None:
    server.handler.faults = ["drop"]
    run(root, server)
    resent = digest(root, server, WEEK.replace(hour=12)).resend("newsletter-2026-12-11")
    assert resent.action == "sent" and len(server.handler.received) == 2
    first, second = parsed(server, 0), parsed(server, 1)
    assert first["Message-ID"] == second["Message-ID"]
    assert parts(first) == parts(second)


def test_due_becomes_true_when_the_period_comes_and_false_once_it_went_out(
    root: Path, server: Server
) -> None:
    import json

    manifest = root / "data/runs/last-deploy.json"
    pending = run_cli("due", "--record", "--now", "2026-12-11 10:00", cwd=root)
    assert pending.returncode == 0, pending.stderr
    assert json.loads(manifest.read_text("utf-8"))["next_due"] == "2026-12-11T01:00:00Z"  # Friday 09:00 +08
    assert run(root, server).action == "sent"
    done = run_cli("due", "--record", "--now", "2026-12-11 10:00", cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads(manifest.read_text("utf-8"))["next_due"] > "2026-12-11T02:00:00Z"


# --- on the site ---------------------------------------------------------------------------


def test_the_archive_page_lists_what_went_out_and_the_home_page_links_to_the_sign_up_page(
    root: Path, server: Server, tmp_path: Path
) -> None:
    from shelfpost.site.build import build_site

    assert run(root, server, datetime(2026, 12, 4, 9, 5, tzinfo=TAIPEI)).action == "sent"
    server.handler.faults = ["550"]
    assert run(root, server).action == "rejected"  # never went out: not in the archive
    post = next((root / "content/posts").rglob("*christmas-story-party*.md"))
    post.write_text(
        post.read_text(encoding="utf-8").replace("\n---\n", "\nwithdrawn: true\n---\n", 1), encoding="utf-8"
    )
    out = tmp_path / "site"
    build_site(load_library(root), WEEK, out, work_dir=tmp_path / "work")
    page = html.unescape((out / "newsletter/index.html").read_text(encoding="utf-8"))
    sign_up = "https://lists.library.example.org/mailman3/lists/news.lists.library.example.org/"
    assert "電子報 Newsletter" in page and sign_up in page and "訂閱電子報" in page
    assert "2026-12-04 · 晴川市立圖書館電子報：2026-12-04 新文章與近期活動" in page
    assert "2026-12-11" not in page  # the refused one
    assert "christmas-story-party" not in page  # withdrawn: its link is gone, nothing recalled
    home = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert sign_up in home and 'href="newsletter/"' in home


# --- in a browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_the_html_part_in_chromium_has_no_axe_violations_and_shows_chinese(
    root: Path, server: Server, december_site: Path, tmp_path: Path
) -> None:
    """Also writes docs/screenshots/digest-2026-12.png (`make screenshots` sets the folder)."""
    import shutil

    from playwright.sync_api import Route, sync_playwright

    from test_a11y import GLYPHS_NOT_BOXES, node_tools
    from test_browser import ARGS, CHROMIUM

    assert run(root, server).action == "sent"
    html = parts(parsed(server))[1]
    assert shutil.which(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    outside: list[str] = []

    def route(r: Route) -> None:
        url = r.request.url
        if url.startswith("https://library.example.org/") and site_has(december_site, url):
            r.fulfill(path=str(december_site / unquote(urlsplit(url).path).lstrip("/")))
        elif url.startswith("data:") or url == "about:blank":
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    folder = Path(os.environ.get("SHELFPOST_SCREENSHOTS") or tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 680, "height": 900}, locale="zh-TW")
        page = context.new_page()
        page.route("**/*", route)
        page.set_content(html, wait_until="load")
        assert page.evaluate(GLYPHS_NOT_BOXES) == [True, True], "Chinese renders as boxes: run `make browser`"
        widths = page.locator("img").evaluate_all("els => els.map(e => [e.naturalWidth, e.alt])")
        assert widths and all(w > 0 and alt for w, alt in widths), widths  # the images loaded, with alt
        page.add_script_tag(path=str(node_tools() / "axe-core/axe.min.js"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        assert found == [], found
        page.screenshot(path=str(folder / "digest-2026-12.png"), full_page=True)
        # Dark mode: the text stays readable on the dark sheet.
        summary = page.locator(".item p:not(.meta)").first
        colours = "e => [getComputedStyle(e).color, getComputedStyle(e.closest('.sheet')).backgroundColor]"
        assert summary.evaluate(colours) == ["rgb(31, 35, 40)", "rgb(255, 255, 255)"]
        page.emulate_media(color_scheme="dark")
        assert summary.evaluate(colours) == ["rgb(232, 234, 237)", "rgb(27, 30, 32)"]  # light on dark
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        assert [v["id"] for v in result["violations"]] == []
        context.close()
        browser.close()
    assert outside == [], outside


# --- bad input ---------------------------------------------------------------------------


def test_no_posts_in_the_period_sends_nothing_and_the_dry_run_says_so(root: Path, server: Server) -> None:
    quiet = datetime(2026, 12, 18, 9, 30, tzinfo=TAIPEI)  # nothing went live 12-11 09:00 .. 12-18 09:00
    outcome = run(root, server, quiet)
    assert outcome.action == "nothing-new" and "no post went live since 2026-12-11 09:00" in outcome.message
    assert server.handler.received == [] and not (root / "data/digests").exists()
    result = run_cli("digest", "--now", "2026-12-18 09:30", "--dry-run", cwd=root, env={**os.environ, **ENV})
    assert result.returncode == 0, result.stderr
    assert "newsletter-2026-12-18: nothing-new: no post went live since" in result.stdout


def test_a_post_withdrawn_after_its_digest_is_not_carried_again_and_nothing_is_recalled(
    root: Path, server: Server
) -> None:
    first = run(root, server, datetime(2026, 12, 4, 9, 5, tzinfo=TAIPEI))
    assert first.action == "sent" and "christmas-story-party" in first.posts
    assert "christmas-story-party" in first.events  # also a coming event
    before = (root / "data/digests/newsletter-2026-12-04.yml").read_text(encoding="utf-8")
    post = next((root / "content/posts").rglob("*christmas-story-party*.md"))
    post.write_text(
        post.read_text(encoding="utf-8").replace("\n---\n", "\nwithdrawn: true\n---\n", 1), encoding="utf-8"
    )
    assert load_library(root).ok
    second = run(root, server)
    assert second.action == "sent"
    assert "christmas-story-party" not in second.posts and "christmas-story-party" not in second.events
    assert "聖誕說故事派對" not in parts(parsed(server))[0]
    assert (root / "data/digests/newsletter-2026-12-04.yml").read_text(encoding="utf-8") == before
    assert len(server.handler.received) == 2


def test_a_missing_password_variable_is_a_clear_error_and_nothing_is_sent(root: Path, server: Server) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_SMTP")}
    env["SHELFPOST_SMTP_USER"] = USER
    result = run_cli("digest", "--now", "2026-12-11 10:00", cwd=root, env=env)
    assert result.returncode == 1
    assert "the environment variable SHELFPOST_SMTP_PASSWORD is not set" in result.stderr
    assert "nothing was sent" in result.stderr and "Traceback" not in result.stderr
    assert server.handler.received == [] and not (root / "data/digests").exists()


def test_a_from_that_is_not_an_address_is_reported_with_its_line(root: Path, server: Server) -> None:
    path = root / "plan/channels.yml"
    text = path.read_text(encoding="utf-8").replace(
        "from: 晴川市立圖書館 <news@library.example.org>", "from: 晴川市立圖書館 news at library"
    )
    path.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "news at library" in t)
    result = run_cli("digest", "--now", "2026-12-11 10:00", cwd=root, env={**os.environ, **ENV})
    assert result.returncode == 1
    assert f"plan/channels.yml:{line}:" in result.stderr
    assert "is not an e-mail address: write it as name@example.org" in result.stderr
    check = run_cli("check", cwd=root)
    assert check.returncode == 1 and f"plan/channels.yml:{line}:" in check.stdout + check.stderr
    assert server.handler.received == []


def test_the_command_sends_over_starttls_with_the_certificate_it_is_told_to_trust(
    root: Path, server: Server
) -> None:
    env = {**os.environ, **ENV, "SSL_CERT_FILE": str(server.cert)}
    result = run_cli("digest", "--now", "2026-12-11 10:00", "--format", "json", cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert data["outcomes"][0]["action"] == "sent" and data["exit_code"] == 0
    assert len(server.handler.received) == 1 and server.handler.received[0].tls
    again = run_cli("digest", "--now", "2026-12-11 11:00", cwd=root, env=env)
    assert again.returncode == 0 and "already-sent" in again.stdout
    assert len(server.handler.received) == 1


class Crash(Exception):
    """The process dies here (a runner's lost disk, a kill): nothing after it runs."""


def test_a_crash_before_the_message_is_sent_again_and_one_after_354_is_not(
    root: Path, server: Server
) -> None:
    library = load_library(root)

    class Dies:
        def __init__(self, after_354: bool) -> None:
            self.after_354 = after_354

        def send(self, msg: EmailMessage, before_payload: Any) -> str:
            if self.after_354:
                before_payload()
            raise Crash

    with pytest.raises(Crash):
        DigestRun(library, WEEK, lambda c: Dies(False), sleep=Sleeps()).run()
    assert record(root)["state"] == "intent"  # written before connecting: nothing went
    assert run(root, server, WEEK.replace(hour=11)).action == "sent" and len(server.handler.received) == 1

    (root / "data/digests/newsletter-2026-12-11.yml").unlink()
    with pytest.raises(Crash):
        DigestRun(library, WEEK, lambda c: Dies(True), sleep=Sleeps()).run()
    assert record(root)["state"] == "sending"
    again = run(root, server, WEEK.replace(hour=12))
    assert again.action == "unknown" and "--confirm newsletter-2026-12-11" in again.message
    assert len(server.handler.received) == 1


def test_an_older_unknown_digest_keeps_asking_for_a_person_while_later_ones_go_out(
    root: Path, server: Server
) -> None:
    server.handler.faults = ["drop"]
    assert run(root, server, datetime(2026, 12, 4, 9, 5, tzinfo=TAIPEI)).action == "unknown"
    outcomes = digest(root, server).run()
    assert [(o.digest, o.action) for o in outcomes] == [
        ("newsletter-2026-12-11", "sent"),
        ("newsletter-2026-12-04", "unknown"),
    ]
    assert "--confirm newsletter-2026-12-04" in outcomes[1].message
    # The unknown one's posts count as carried: the later digest does not repeat them.
    first = record(root, "newsletter-2026-12-04")
    assert not set(first["posts"]) & set(outcomes[0].posts)


def test_channel_settings_are_checked_with_their_lines(root: Path) -> None:
    path = root / "plan/channels.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("day: friday", "day: fryday").replace('time: "09:00"', "time: 9am")
    text = text.replace("    repo: OWNER", "    repo: OWNER")
    text = text.replace(
        "  facebook:\n    kind: manual\n", "  facebook:\n    kind: manual\n    smtp_host: x.example.org\n"
    )
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    result = run_cli("check", cwd=root)
    out = result.stdout + result.stderr
    assert result.returncode == 1
    for needle, message in (
        ("day: fryday", "day: 'fryday' is not a weekday; did you mean 'friday'?"),
        ("time: 9am", "time: '9am' is not a time: write HH:MM"),
        (
            "smtp_host: x.example.org",
            "smtp_host: only channels of kind email have this key (this one is manual)",
        ),
    ):
        line = next(n for n, t in enumerate(lines, 1) if needle in t)
        assert f"plan/channels.yml:{line}:" in out and message in out, (needle, out)


def test_the_librarys_own_templates_win_and_a_broken_one_is_named(root: Path, server: Server) -> None:
    (root / "templates/digest").mkdir(parents=True)
    (root / "templates/digest/subject.txt.j2").write_text(
        "{{ library.name }}週報 {{ period.end }}\n", "utf-8"
    )
    dry = digest(root, server)
    dry.dry_run = True
    (outcome,) = dry.run()
    assert outcome.action == "dry-run" and outcome.subject == "晴川市立圖書館週報 2026-12-11"
    (root / "templates/digest/digest.txt.j2").write_text("line one\n{% for p in posts %}\n", "utf-8")
    result = run_cli("digest", "--now", "2026-12-11 10:00", cwd=root, env={**os.environ, **ENV})
    assert result.returncode == 1 and "templates/digest/digest.txt.j2:2:" in result.stderr
    assert server.handler.received == [] and not (root / "data/digests").exists()
    check = run_cli("check", cwd=root)  # the pull request shows it before any run tries
    assert (
        check.returncode == 1 and "templates/digest/digest.txt.j2:2:1: error: template syntax" in check.stdout
    )


def test_publish_leaves_the_email_channel_to_the_digest() -> None:
    from shelfpost.publish.channel import PlatformError
    from shelfpost.publish.registry import factory_for

    with pytest.raises(PlatformError, match="`shelfpost digest` sends one message per period"):
        factory_for("email")


def test_a_monthly_digest_in_english_for_an_english_library(tmp_path: Path) -> None:
    from conftest import Lib

    lib = Lib(tmp_path / "library", tz="Europe/London")
    lib.write("shelfpost.yml", (lib.root / "shelfpost.yml").read_text("utf-8").replace("zh-TW", "en"))
    lib.write(
        "plan/channels.yml",
        "channels:\n  letter:\n    kind: email\n    name: Monthly letter\n    smtp_host: 127.0.0.1\n"
        "    security: none\n    from: news@lib.example.org\n    to: list@lists.example.org\n"
        "    period: monthly\n    day: 1\n    time: '08:30'\n",
    )
    lib.post("2026-11-10-autumn", title="Autumn hours", publish_at="2026-11-10 10:00")
    lib.post("2026-10-10-old", title="Old news", publish_at="2026-10-10 10:00")
    library = load_library(lib.root)
    assert library.ok, library.problems

    def no_sender(channel: Channel) -> SmtpSender:
        raise AssertionError("a dry run connects to nothing")

    moment = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    run_ = DigestRun(library, moment, no_sender, sleep=Sleeps(), dry_run=True)
    (outcome,) = run_.run()
    assert outcome.digest == "letter-2026-12-01" and outcome.action == "dry-run"
    assert outcome.posts == ("autumn",)  # one month back: October's post is not carried
    assert outcome.subject == "Test Library 測試圖書館: new posts and events, 2026-12-01"
    assert (
        "New posts" in outcome.text and "Autumn hours" in outcome.text and "Unsubscribe" not in outcome.text
    )
    assert "No events in the coming weeks." in outcome.text


# --- the schedule --------------------------------------------------------------------------


def settings(period: str, day: int, hour: int = 9) -> EmailSettings:
    return EmailSettings(
        "h", 587, "starttls", "a@b.org", "c@d.org", period,
        day if period == "weekly" else None, day if period == "monthly" else None, hour, 0,
    )  # fmt: skip


def test_weekly_and_monthly_periods_are_wall_time_in_the_librarys_zone() -> None:
    friday = settings("weekly", 4)
    assert schedule.latest_due(friday, TAIPEI, WEEK) == datetime(2026, 12, 11, 9, 0, tzinfo=TAIPEI)
    early = datetime(2026, 12, 11, 8, 59, tzinfo=TAIPEI)
    assert schedule.latest_due(friday, TAIPEI, early) == datetime(2026, 12, 4, 9, 0, tzinfo=TAIPEI)
    monthly = settings("monthly", 1)
    assert schedule.latest_due(monthly, TAIPEI, WEEK) == datetime(2026, 12, 1, 9, 0, tzinfo=TAIPEI)
    assert schedule.previous(monthly, TAIPEI, datetime(2026, 1, 1, 9, 0, tzinfo=TAIPEI)) == datetime(
        2025, 12, 1, 9, 0, tzinfo=TAIPEI
    )
    # Across a DST change the digest stays at 09:00 local: 14:00 UTC in winter, 13:00 in summer.
    york = ZoneInfo("America/New_York")
    sunday = settings("weekly", 6)
    after = schedule.following(sunday, york, datetime(2026, 3, 1, 9, 0, tzinfo=york))
    assert (
        after == datetime(2026, 3, 8, 9, 0, tzinfo=york)
        and after.utcoffset() != datetime(2026, 3, 1, 9, tzinfo=york).utcoffset()
    )
