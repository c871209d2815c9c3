"""Publishing to Mastodon, exactly once: mastodon-mock (FastAPI + SQLite, honours
Idempotency-Key) on 127.0.0.1 behind a fault-injecting proxy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from mastodon import Mastodon
from mastodon_mock.testing import MockServer

from conftest import REPO, Lib, post_text
from fault_proxy import FaultProxy, Rule
from shelfpost import load_library
from shelfpost.publish.adapters.mastodon import MastodonAdapter
from shelfpost.publish.channel import Failure, PlatformError
from shelfpost.publish.run import Outcome, Run, Settings, item_digest, make_item

TPE = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TPE)
TOKEN = "alice_token"  # a fixture account of mastodon-mock, not a credential
STATUSES = "/api/v1/statuses"
CLOCK = NOW.timestamp  # the adapters' clock: rate-limit resets are read against it


@pytest.fixture
def mastodon_server() -> Iterator[tuple[MockServer, FaultProxy]]:
    with MockServer() as server:
        proxy = FaultProxy(server.base_url)
        yield server, proxy
        proxy.close()


def channels_yml(instance: str, extra: str = "") -> str:
    return (
        "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n"
        f"    instance: {instance}\n    credentials: {{access_token: SHELFPOST_TEST_MASTODON_TOKEN}}\n"
        + extra
    )


@pytest.fixture
def pub(lib: Lib, mastodon_server: tuple[MockServer, FaultProxy]) -> Lib:
    _, proxy = mastodon_server
    lib.write("plan/channels.yml", channels_yml(proxy.url))
    return lib


def statuses(server: MockServer) -> list[dict]:  # type: ignore[type-arg]
    api = Mastodon(access_token=TOKEN, api_base_url=server.base_url, version_check_mode="none")
    me = api.account_verify_credentials()
    return list(api.account_statuses(me["id"], limit=40))


def run(
    lib: Lib,
    *,
    sleeps: list[float] | None = None,
    timeout: float = 5.0,
    dry_run: bool = False,
    **settings: Any,
) -> list[Outcome]:
    library = load_library(lib.root)
    assert library.ok, library.problems
    waits = sleeps if sleeps is not None else []
    return Run(
        library,
        NOW,
        lambda ch: MastodonAdapter(ch, TOKEN, timeout=timeout, clock=CLOCK),
        settings=Settings(backoff=0.01, **settings),
        sleep=waits.append,
        dry_run=dry_run,
    ).run()


def record(lib: Lib, slug: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((lib.root / f"data/published/{slug}.yml").read_text("utf-8"))
    return data


def posted(lib: Lib, name: str = "2026-11-26-hello", **kw: str) -> None:
    kw.setdefault("publish_at", "2026-11-26 10:00")
    lib.post(name, post_text(extra="channels: [mastodon]\n" + kw.pop("extra", ""), **kw))


def test_publishes_once_and_records_it(pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]) -> None:
    server, proxy = mastodon_server
    pub.image()
    posted(pub, extra="image: ../../media/pic.png\nimage_alt: 閱覽室裡的長桌\ntags: [閱讀]\n")
    posted(pub, "2026-11-26-later", publish_at="2026-11-27 10:00")  # not due yet
    outcomes = run(pub)
    assert [(o.post, o.action) for o in outcomes] == [("hello", "published")]
    (status,) = statuses(server)
    assert "https://lib.example.org/posts/hello/" in status["content"] and "#閱讀" in status["content"]
    assert status["language"] == "zh"
    assert status["media_attachments"][0]["description"] == "閱覽室裡的長桌"
    rec = record(pub, "hello")["channels"]["mastodon"]
    assert rec["state"] == "published" and rec["remote_id"] == str(status["id"]) and len(rec["key"]) == 32
    # A second run (and a third) sends nothing.
    assert run(pub) == [] and run(pub) == []
    assert len(statuses(server)) == 1 and proxy.count("POST", STATUSES) == 1


def test_429_retry_after_is_honoured(pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]) -> None:
    server, proxy = mastodon_server
    proxy.rules.append(Rule("POST", STATUSES, status=429, headers={"Retry-After": "2"}))
    posted(pub)
    waits: list[float] = []
    outcomes = run(pub, sleeps=waits)
    assert [o.action for o in outcomes] == ["published"]
    assert waits and 0 < waits[0] <= 2.5
    assert len(statuses(server)) == 1


def test_429_with_mastodons_ratelimit_reset_header(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    server, proxy = mastodon_server
    reset = (NOW + timedelta(seconds=3)).isoformat()
    proxy.rules.append(Rule("POST", STATUSES, status=429, headers={"X-RateLimit-Reset": reset}))
    posted(pub)
    waits: list[float] = []
    assert [o.action for o in run(pub, sleeps=waits)] == ["published"]
    assert waits == [3.0]


def test_long_429_is_reported_and_left_for_the_next_run(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    server, proxy = mastodon_server
    proxy.rules.append(Rule("POST", STATUSES, status=429, headers={"Retry-After": "3600"}))
    posted(pub)
    (outcome,) = run(pub)
    assert outcome.action == "failed" and "rate limited" in outcome.message
    assert record(pub, "hello")["channels"]["mastodon"]["state"] == "failed"
    assert [o.action for o in run(pub)] == ["published"] and len(statuses(server)) == 1


@pytest.mark.parametrize(
    "rule",
    [
        Rule("POST", STATUSES, status=500),  # refused before the server saw it
        Rule("POST", STATUSES, after=504),  # done, then a 504 from the gateway
        Rule("POST", STATUSES, html=True),  # done, then an HTML error page with 200
        Rule("POST", STATUSES, hold=True),  # the client times out; the request lands later
    ],
    ids=["500", "504-after-success", "html-page", "time-out"],
)
def test_unknown_outcomes_never_make_a_second_status(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy], rule: Rule
) -> None:
    server, proxy = mastodon_server
    proxy.rules.append(rule)
    posted(pub)
    outcomes = run(pub, timeout=2.0 if rule.hold else 10.0)
    for _ in range(3):
        # On a loaded machine the look on the account *before* sending can time out too
        # (2 s for every call): then nothing was sent, and the next run looks again.
        if [o.action for o in outcomes] != ["pending"] or "before sending" not in outcomes[0].message:
            break
        assert statuses(server) == [] and outcomes[0].state == "none", outcomes
        outcomes = run(pub, timeout=2.0 if rule.hold else 10.0)
    assert [o.action for o in outcomes] in (["published"], ["reconciled"]), outcomes
    if rule.hold:
        proxy.release.set()  # the held request reaches the server only now
        assert proxy.landed.wait(30)
        assert run(pub) == []
    assert len(statuses(server)) == 1, statuses(server)
    assert record(pub, "hello")["channels"]["mastodon"]["state"] == "published"


def test_401_and_422_are_not_retried_and_say_what_to_fix(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    server, proxy = mastodon_server
    proxy.rules.append(Rule("POST", STATUSES, status=401))
    posted(pub)
    (outcome,) = run(pub)
    assert outcome.action == "failed" and "write:statuses" in outcome.message
    assert proxy.count("POST", STATUSES) == 1
    proxy.rules.append(Rule("POST", STATUSES, status=422))
    (outcome,) = run(pub)
    assert outcome.action == "failed" and "422" in outcome.message
    assert proxy.count("POST", STATUSES) == 2 and statuses(server) == []


def test_one_failing_channel_does_not_block_the_other(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    server, proxy = mastodon_server
    pub.write(
        "plan/channels.yml",
        channels_yml(
            proxy.url, "  broken:\n    kind: mastodon\n    name: Broken\n    instance: http://127.0.0.1:9\n"
        ),
    )
    posted(pub, extra="channels: [broken, mastodon]\n".replace("channels: [broken, mastodon]\n", ""))
    pub.post(
        "2026-11-26-two", post_text(publish_at="2026-11-26 11:00", extra="channels: [broken, mastodon]\n")
    )
    # Port 9 refuses at once; the time-out is for the working instance on a busy machine.
    outcomes = run(pub, timeout=10.0, attempts=2)
    actions = {(o.post, o.channel): o.action for o in outcomes}
    # Nothing answers at the broken instance: the look on the account before the first
    # send fails, so nothing is sent there and no intent is written; the others go on.
    assert actions[("two", "broken")] == "pending"
    assert "broken" not in record(pub, "two").get("channels", {})
    assert actions[("two", "mastodon")] == "published" and actions[("hello", "mastodon")] == "published"
    assert len(statuses(server)) == 2


def test_late_runs_catch_up_in_order_with_a_limit(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    server, _ = mastodon_server
    for day in ("2026-11-26 09:00", "2026-11-26 08:00", "2026-11-26 07:00"):
        posted(pub, f"2026-11-26-at-{day[11:13]}", publish_at=day)
    posted(pub, "2026-11-20-old", publish_at="2026-11-20 10:00")  # six days late
    outcomes = run(pub, max_per_run=2)
    assert [(o.post, o.action) for o in outcomes] == [
        ("old", "late"),
        ("at-07", "published"),
        ("at-08", "published"),
        ("at-09", "pending"),
    ]
    assert [(o.post, o.action) for o in run(pub)] == [("old", "late"), ("at-09", "published")]
    assert [(o.post, o.action) for o in run(pub, allow_late=True)] == [("old", "published")]
    assert len(statuses(server)) == 4


def test_instance_endpoint_failure_during_media_upload_does_not_recurse(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    # Mastodon.py issue 450: a failing instance endpoint on the first media upload.
    server, proxy = mastodon_server
    proxy.rules += [Rule("GET", "/api/v[12]/instance/?", status=500, times=100)]
    pub.image()
    posted(pub, extra="image: ../../media/pic.png\nimage_alt: 閱覽室\n")
    (outcome,) = run(pub)
    assert outcome.action == "published"
    assert len(statuses(server)) == 1


def test_edits_are_applied_and_withdrawal_deletes(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    server, _ = mastodon_server
    posted(pub, title="初版標題")
    run(pub)
    posted(pub, title="修正後的標題")
    (outcome,) = run(pub)
    assert outcome.action == "edited"
    (status,) = statuses(server)
    assert "修正後的標題" in status["content"]
    posted(pub, title="修正後的標題", extra="withdrawn: true\n")
    (outcome,) = run(pub)
    assert outcome.action == "withdrawn" and statuses(server) == []
    assert record(pub, "hello")["channels"]["mastodon"]["state"] == "withdrawn"
    assert run(pub) == []  # nothing more to do, and never re-posted


def test_a_dry_run_says_an_edit_would_be_applied_and_applies_nothing(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    """A published post whose text is unchanged is settled: no item, nothing in a dry run.
    Edited, the dry run says so and the account keeps the old text until a real run."""
    server, _ = mastodon_server
    pub.image()
    image = "image: ../../media/pic.png\nimage_alt: 閱覽室\n"
    posted(pub, title="初版標題", extra=image)
    (first,) = run(pub)
    assert first.action == "published"
    assert run(pub, dry_run=True) == []  # settled
    posted(pub, title="初版標題", extra=image.replace("閱覽室", "閱覽室的長桌"))  # only the alt text
    (planned,) = run(pub, dry_run=True)
    assert (planned.action, planned.state) == ("would-edit", "published")  # not counted as a send
    assert "applies the edit" in planned.message and "初版標題" in planned.text
    (status,) = statuses(server)
    assert status["edited_at"] is None
    (outcome,) = run(pub)
    assert outcome.action == "edited"
    assert run(pub, dry_run=True) == []  # settled again


def test_the_digest_of_a_settled_post_is_the_items_digest(pub: Lib) -> None:
    """The run compares records with ``item_digest`` and makes items only for the rest: the
    two must agree for every kind of post, or an edit would go unnoticed (or be invented)."""
    pub.image()
    posted(pub, "2026-11-20-plain")
    posted(pub, "2026-11-21-image", extra="image: ../../media/pic.png\nimage_alt: 閱覽室\n")
    posted(pub, "2026-11-22-own-text", extra="texts:\n  mastodon: 自己寫的文字 #閱讀\n")
    posted(
        pub,
        "2026-11-23-event",
        type_="event",
        extra="event:\n  start: 2026-12-01 14:00\n  end: 2026-12-01 16:00\n  location: 三樓\n",
    )
    library = load_library(pub.root)
    assert library.ok, library.problems
    channel = library.plan.channels["mastodon"]
    digests = set()
    for post in library.posts:
        item = make_item(library, post, channel)
        assert item_digest(library, post, channel) == item.digest, post.slug
        digests.add(item.digest)
    assert len(digests) == 4


def test_missing_credentials_fail_clearly_without_secrets(pub: Lib) -> None:
    posted(pub)
    env = {k: v for k, v in os.environ.items() if k != "SHELFPOST_TEST_MASTODON_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "shelfpost.cli", "publish", "--now", "2026-11-26 12:00"],
        cwd=pub.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "the environment variable SHELFPOST_TEST_MASTODON_TOKEN is not set" in result.stdout
    assert not (pub.root / "data/published/hello.yml").exists()


def cli(lib: Lib, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SHELFPOST_TEST_MASTODON_TOKEN": TOKEN}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shelfpost.cli",
            "publish",
            "--now",
            "2026-11-26 12:00",
            "--format",
            "json",
            *args,
        ],
        cwd=lib.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("where", ["after-send", "before-send"])
def test_crash_between_send_and_record_then_rerun(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy], where: str
) -> None:
    server, proxy = mastodon_server
    posted(pub)
    if where == "after-send":
        proxy.rules.append(Rule("POST", STATUSES, hang=True))  # the status exists; the answer never comes
    else:
        proxy.rules.append(Rule("POST", STATUSES, delay=30))  # the request waits in the proxy
    proc = cli(pub)
    try:
        if where == "after-send":
            assert proxy.landed.wait(30), "the status never reached the server"
        else:
            deadline = datetime.now().timestamp() + 30
            while (
                not (pub.root / "data/published/hello.yml").exists() and datetime.now().timestamp() < deadline
            ):
                time.sleep(0.05)
            time.sleep(0.5)  # the request is now held in the proxy, not yet at the server
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert record(pub, "hello")["channels"]["mastodon"]["state"] == "intent"
    proxy.rules.clear()
    proxy.release.set()
    rerun = cli(pub)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    (outcome,) = json.loads(out)["outcomes"]
    assert outcome["action"] == ("reconciled" if where == "after-send" else "published")
    assert len(statuses(server)) == 1
    assert record(pub, "hello")["channels"]["mastodon"]["state"] == "published"


def test_dry_run_on_the_sample_prints_due_posts_per_channel() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "shelfpost.cli", "publish", "--dry-run", "--now", "2026-11-25 10:30"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1  # older posts of the sample are late, as in a real run
    lines = result.stdout.splitlines()
    assert "dry-run          mastodon   winter-cookbooks" in lines
    assert "dry-run          bluesky    winter-cookbooks" in lines
    assert any(line.startswith("    would send (") and "/500 characters" in line for line in lines)
    assert "    | 冬天就是要煮一鍋：館員私房食譜書單" in lines
    assert not (REPO / "data/published/winter-cookbooks.yml").exists()


def test_adapter_needs_an_instance() -> None:
    library = load_library(REPO)
    channel = library.plan.channels["mastodon"]
    from dataclasses import replace

    with pytest.raises(PlatformError) as exc:
        MastodonAdapter(replace(channel, instance=None), TOKEN, clock=CLOCK)
    assert exc.value.failure is Failure.PERMANENT


def test_check_refuses_text_over_a_channels_limit(lib: Lib) -> None:
    lib.write(
        "plan/channels.yml",
        channels_yml(
            "https://mastodon.example",
            "  bluesky:\n    kind: bluesky\n"
            "    name: Bluesky\n  small:\n    kind: mastodon\n    name: Small\n"
            "    instance: https://small.example\n    max_characters: 120\n",
        ),
    )
    summary = "讀" * 280 + "📚" * 15  # 295 characters and graphemes; with the title, 301 graphemes
    lib.post(
        "2026-11-26-long",
        post_text(publish_at="2026-11-26 10:00", extra="channels: [bluesky, small, mastodon]\n").replace(
            "summary: 摘要 summary", f"summary: {summary}"
        ),
    )
    lib.post(
        "2026-11-26-own",
        post_text(
            publish_at="2026-11-26 10:00", extra="channels: [small]\ntexts:\n  small: " + "字" * 130 + "\n"
        ),
    )
    found = [p.format_text() for p in load_library(lib.root).problems]
    assert found == [
        "content/posts/2026/2026-11-26-long.md:8:1: error: channels: the text for bluesky is 301 graphemes long; "
        "Bluesky allows 300: shorten the title or summary, or write texts: {bluesky: ...}",
        "content/posts/2026/2026-11-26-long.md:8:1: error: channels: the text for small is 326 characters long; "
        "Small allows 120; a link counts as 23: shorten the title or summary, or write texts: {small: ...}",
        "content/posts/2026/2026-11-26-own.md:9:1: error: texts: the text for small is 155 characters long; Small "
        "allows 120; a link counts as 23: shorten the title or summary, or write texts: {small: ...}",
    ]


def test_the_look_before_sending_pages_back_past_newer_statuses(
    pub: Lib, mastodon_server: tuple[MockServer, FaultProxy]
) -> None:
    """A try that landed but left no record (its runner was lost), 45 statuses ago."""
    server, proxy = mastodon_server
    posted(pub)
    api = Mastodon(access_token=TOKEN, api_base_url=server.base_url, version_check_mode="none")
    api.status_post("測試文章 https://lib.example.org/posts/hello/")  # no key: its window is long over
    for n in range(45):
        api.status_post(f"館員日常 {n}")
    (outcome,) = run(pub)
    assert outcome.action == "reconciled", outcome
    assert proxy.count("GET", r"/api/v1/accounts/\d+/statuses") == 2  # 40, then the page with it
    assert sum("/posts/hello/" in s["content"] for s in all_statuses(server)) == 1


def all_statuses(server: MockServer) -> list[dict]:  # type: ignore[type-arg]
    api = Mastodon(access_token=TOKEN, api_base_url=server.base_url, version_check_mode="none")
    me = api.account_verify_credentials()
    page = api.account_statuses(me["id"], limit=40)
    out = list(page)
    while page and (page := api.fetch_next(page)):
        out += list(page)
    return out
