"""Facebook, Instagram and Threads, exactly once, against the Graph API server on 127.0.0.1
(tests/meta_graph.py, whose shapes come from Meta's documentation)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Lib, post_text
from meta_graph import IG_ID, PAGE_ID, PAGE_TOKEN, THREADS_ID, THREADS_TOKEN, MetaGraph
from shelfpost import load_library
from shelfpost.library.channeltext import measure, threads_length
from shelfpost.publish.channel import Context
from shelfpost.publish.registry import adapter_factory
from shelfpost.publish.run import Outcome, Run, Settings

TPE = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TPE)
URL = "https://lib.example.org/posts/hello/"
ENV = {"SHELFPOST_TEST_FB_TOKEN": PAGE_TOKEN, "SHELFPOST_TEST_THREADS_TOKEN": THREADS_TOKEN}


def channels_yml(service: str) -> str:
    def one(cid: str, kind: str, name: str, account: str, variable: str) -> str:
        return (
            f"  {cid}:\n    kind: {kind}\n    name: {name}\n    service: {service}\n"
            f'    account_id: "{account}"\n    credentials: {{access_token: {variable}}}\n'
        )

    return "channels:\n" + (
        one("facebook", "facebook", "Facebook 粉絲專頁", PAGE_ID, "SHELFPOST_TEST_FB_TOKEN")
        + one("instagram", "instagram", "Instagram", IG_ID, "SHELFPOST_TEST_FB_TOKEN")
        + one("threads", "threads", "Threads", THREADS_ID, "SHELFPOST_TEST_THREADS_TOKEN")
    )


@pytest.fixture
def graph() -> Iterator[MetaGraph]:
    server = MetaGraph()
    server.state.now = NOW.timestamp()
    yield server
    server.close()


@pytest.fixture
def pub(lib: Lib, graph: MetaGraph) -> Lib:
    lib.write("plan/channels.yml", channels_yml(graph.url))
    lib.image()
    lib.post(
        "2026-11-26-hello",
        post_text(
            title="冬至說故事",
            publish_at="2026-11-26 10:00",
            extra="image: ../../media/pic.png\nimage_alt: 孩子們圍著說故事的館員\n"
            "channels: [facebook, instagram, threads]\ntags: [說故事, 冬至]\n",
        ),
    )
    return lib


def run(lib: Lib, tmp_path: Path, *, now: datetime = NOW, **settings: Any) -> list[Outcome]:
    library = load_library(lib.root)
    assert library.ok, library.problems
    context = Context(env=ENV, state_dir=tmp_path / "state", clock=now.timestamp)
    return Run(
        library,
        now,
        adapter_factory(context),
        settings=Settings(backoff=0.01, **settings),
        sleep=lambda s: None,
    ).run()


def record(lib: Lib) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((lib.root / "data/published/hello.yml").read_text("utf-8"))
    channels: dict[str, Any] = data["channels"]
    return channels


def test_a_post_goes_out_once_to_each_with_its_image_and_alt_text(
    pub: Lib, graph: MetaGraph, tmp_path: Path
) -> None:
    outcomes = run(pub, tmp_path)
    assert {(o.channel, o.action) for o in outcomes} == {
        ("facebook", "published"),
        ("instagram", "published"),
        ("threads", "published"),
    }, outcomes
    (fb,) = graph.remote(PAGE_ID)
    (ig,) = graph.remote(IG_ID)
    (th,) = graph.remote(THREADS_ID)
    image = "https://lib.example.org/media/pic.png"
    assert fb.kind == "photo" and fb.image_url == image and fb.alt_text == "孩子們圍著說故事的館員"
    assert ig.image_url == image and ig.alt_text == "孩子們圍著說故事的館員"
    assert th.image_url == image and th.alt_text == "孩子們圍著說故事的館員"
    for remote in (fb, ig, th):
        assert remote.text.startswith("冬至說故事") and URL in remote.text
    saved = record(pub)
    assert {cid: (r["state"], r["remote_id"]) for cid, r in saved.items()} == {
        "facebook": ("published", fb.id),
        "instagram": ("published", ig.id),
        "threads": ("published", th.id),
    }
    assert saved["instagram"]["container"] and saved["threads"]["container"]
    assert saved["instagram"]["url"] == f"https://www.instagram.com/p/{ig.id}"
    # Threads keeps one hashtag (its template); Instagram and Facebook get them all.
    assert "#說故事" in th.text and "#冬至" not in th.text and "#冬至" in ig.text

    # A second run finds everything published and sends nothing.
    before = len(graph.state.calls)
    assert run(pub, tmp_path) == []
    assert len(graph.state.calls) == before


def test_a_text_post_goes_to_the_feed_with_its_link_and_threads_as_text(
    lib: Lib, graph: MetaGraph, tmp_path: Path
) -> None:
    lib.write("plan/channels.yml", channels_yml(graph.url))
    lib.post(
        "2026-11-26-hello", post_text(publish_at="2026-11-26 10:00", extra="channels: [facebook, threads]\n")
    )
    outcomes = run(lib, tmp_path)
    assert {o.action for o in outcomes} == {"published"}, outcomes
    (fb,) = graph.remote(PAGE_ID)
    assert fb.kind == "feed" and fb.link == URL
    (container,) = graph.state.containers.values()
    assert container.params["media_type"] == "TEXT" and "image_url" not in container.params


def test_check_refuses_instagram_without_an_image(lib: Lib, graph: MetaGraph) -> None:
    lib.write("plan/channels.yml", channels_yml(graph.url))
    lib.post("2026-11-26-hello", post_text(publish_at="2026-11-26 10:00", extra="channels: [instagram]\n"))
    library = load_library(lib.root)
    assert [p.format_text() for p in library.problems] == [
        "content/posts/2026/2026-11-26-hello.md:8:1: error: channels: instagram is an Instagram channel and "
        "Instagram takes no post without an image: add image: and image_alt:, or remove it from channels"
    ]


def test_threads_counts_emoji_as_their_utf8_bytes(lib: Lib, graph: MetaGraph) -> None:
    assert threads_length("中文") == 2 and threads_length("😀") == 4 and threads_length("👍🏽") == 8
    lib.write("plan/channels.yml", channels_yml(graph.url))
    # 120 emoji are 120 characters to Python and 480 bytes to Threads: with a space and the
    # link (36) the text is 157 characters, and 517 as Threads counts it.
    lib.post(
        "2026-11-26-hello",
        post_text(
            publish_at="2026-11-26 10:00",
            extra='channels: [threads]\ntexts:\n  threads: "' + "😀" * 120 + " " + URL + '"\n',
        ),
    )
    library = load_library(lib.root)
    (problem,) = library.problems
    assert "the text for threads is 517 characters long; Threads allows 500" in problem.format_text()
    text = "😀" * 120 + " " + URL
    assert len(text) == 157
    assert measure(text, library.plan.channels["threads"]) == (517, 500, "characters")


def test_a_refused_token_fails_that_channel_with_what_to_do_not_the_run(
    pub: Lib, graph: MetaGraph, tmp_path: Path
) -> None:
    graph.state.tokens[THREADS_TOKEN].valid = False  # 190: the Threads token expired
    outcomes = run(pub, tmp_path)
    by = {o.channel: o for o in outcomes}
    assert by["facebook"].action == by["instagram"].action == "published"
    assert by["threads"].action == "failed"
    assert "190" in by["threads"].message and "the token was refused" in by["threads"].message
    assert "make a new long-lived Threads token" in by["threads"].message
    assert "SHELFPOST_TEST_THREADS_TOKEN" in by["threads"].message
    assert graph.remote(THREADS_ID) == []


@pytest.mark.parametrize(
    ("code", "expect"),
    [
        (368, "temporarily blocked for policy reasons"),
        (4, "rate limited"),
        (17, "rate limited"),
        (100, "the request was refused"),
    ],
)
def test_graph_errors_fail_the_item_with_their_meaning(
    pub: Lib, graph: MetaGraph, tmp_path: Path, code: int, expect: str
) -> None:
    graph.fail("POST", rf"/{PAGE_ID}/photos", code, message="from the test", times=5)
    outcomes = run(pub, tmp_path)
    by = {o.channel: o for o in outcomes}
    assert by["facebook"].action == "failed" and expect in by["facebook"].message, by["facebook"]
    assert by["instagram"].action == by["threads"].action == "published"
    assert graph.remote(PAGE_ID) == []
    assert record(pub)["facebook"]["state"] == "failed"
    # Nothing was retried in the run: the platform said no (or "not now").
    assert graph.count("POST", rf"/{PAGE_ID}/photos") == 1


def test_a_container_in_progress_is_asked_again_then_published(
    pub: Lib, graph: MetaGraph, tmp_path: Path
) -> None:
    graph.state.processing_reads = 1  # the first status read says IN_PROGRESS
    outcomes = run(pub, tmp_path)
    assert {o.action for o in outcomes} == {"published"}, outcomes
    assert len(graph.remote(IG_ID)) == 1 and len(graph.remote(THREADS_ID)) == 1
    assert graph.count("POST", rf"/{IG_ID}/media") == 1  # the same container, asked twice
    assert graph.count("POST", rf"/{IG_ID}/media_publish") == 1


def test_an_expired_container_is_made_again_never_published_blind(
    pub: Lib, graph: MetaGraph, tmp_path: Path
) -> None:
    # Run 1: the container is made and recorded, then publishing fails (a 5xx: unknown).
    graph.fail(
        "POST", rf"/{IG_ID}/media_publish", 2, message="Service temporarily unavailable", status=500, times=3
    )
    run(pub, tmp_path, attempts=1)
    saved = record(pub)["instagram"]
    assert saved["state"] == "unknown" and saved["container"]
    old = saved["container"]
    # A day later the container has expired; the next run looks, finds nothing, makes a new one.
    later = NOW + timedelta(hours=25)
    graph.state.now = later.timestamp()
    outcomes = run(pub, tmp_path, now=later)
    assert {(o.channel, o.action) for o in outcomes} == {("instagram", "published")}, outcomes
    saved = record(pub)["instagram"]
    assert saved["state"] == "published" and saved["container"] != old
    assert graph.state.containers[old].published is None  # the expired one was never published
    assert len(graph.remote(IG_ID)) == 1


def test_publishing_limits_are_read_first_and_never_exceeded(
    lib: Lib, graph: MetaGraph, tmp_path: Path
) -> None:
    lib.write("plan/channels.yml", channels_yml(graph.url))
    lib.image()
    for n in range(5):
        lib.post(
            f"2026-11-26-p{n}",
            post_text(
                title=f"第{n}篇",
                publish_at=f"2026-11-26 0{n}:00",
                extra="image: ../../media/pic.png\nimage_alt: 書\nchannels: [instagram, threads]\n",
            ),
        )
    graph.state.used_before = {IG_ID: 48, THREADS_ID: 247}  # other tools posted today
    outcomes = run(lib, tmp_path)
    published = {(o.channel, o.post) for o in outcomes if o.action == "published"}
    assert sum(1 for c, _ in published if c == "instagram") == 2
    assert sum(1 for c, _ in published if c == "threads") == 3
    waiting = [o for o in outcomes if o.action == "failed"]
    assert len(waiting) == 5 and all("publishing limit is reached" in o.message for o in waiting)
    # The calls, counted: never a publish beyond the quota, a quota read before each.
    assert graph.count("POST", rf"/{IG_ID}/media_publish") == 2
    assert graph.count("POST", rf"/{THREADS_ID}/threads_publish") == 3
    assert graph.count("GET", rf"/{IG_ID}/content_publishing_limit") == 5
    assert graph.usage(IG_ID) == 50 and graph.usage(THREADS_ID) == 250
    # No container is made for a post that cannot be published now.
    assert graph.count("POST", rf"/{IG_ID}/media") == 2


def test_token_expiry_from_debug_token(graph: MetaGraph, lib: Lib) -> None:
    lib.write("plan/channels.yml", channels_yml(graph.url))
    library = load_library(lib.root)
    context = Context(env=ENV, state_dir=lib.root, clock=NOW.timestamp)
    make = adapter_factory(context)
    threads = make(library.plan.channels["threads"])
    facebook = make(library.plan.channels["facebook"])
    expires, data_access = threads.token_expiry()  # type: ignore[attr-defined]
    assert expires == datetime.fromtimestamp(NOW.timestamp() + 60 * 86400, UTC).replace(microsecond=0)
    assert facebook.token_expiry()[0] is None  # type: ignore[attr-defined]  # a Page token: no expiry
    assert data_access is not None


def test_status_warns_weeks_before_a_token_expires(pub: Lib, graph: MetaGraph, tmp_path: Path) -> None:
    from shelfpost.library.dates import Month
    from shelfpost.library.runs import token_warnings
    from shelfpost.reports.status import status

    run(pub, tmp_path)  # asks debug_token for each channel and keeps the answers
    kept = yaml.safe_load((pub.root / "data/runs/tokens.yml").read_text("utf-8"))
    assert set(kept) == {"facebook", "instagram", "threads"}
    assert kept["facebook"]["expires_at"] is None  # a Page token from a long-lived User token
    assert token_warnings(pub.root, NOW) == []
    # 45 days on, the Threads token (60 days) has 15 left: status says so, and what to do.
    later = NOW + timedelta(days=45)
    library = load_library(pub.root)
    warnings = status(library, Month(2027, 1), later).warnings["publish_runs"]
    assert warnings == [
        "threads: its token expires on 2027-01-25 (in 15 days): refresh it "
        "(GET /refresh_access_token?grant_type=th_refresh_token, once it is a day old) or make a new "
        "long-lived Threads token, and store it in the variable plan/channels.yml names"
    ]
    # 75 days on, the Page token's data access (90 days) is near too, and Threads' has expired.
    much_later = NOW + timedelta(days=75)
    texts = token_warnings(pub.root, much_later)
    assert (
        len(texts) == 4 and "facebook: its token's data access expires on 2027-02-24 (in 15 days)" in texts[0]
    )
    assert any(t.startswith("threads: its token expired on 2027-01-25") for t in texts)


def test_edits_reach_facebook_and_withdrawal_deletes_everywhere(
    pub: Lib, graph: MetaGraph, tmp_path: Path
) -> None:
    run(pub, tmp_path)
    path = "2026-11-26-hello"
    text = (pub.root / f"content/posts/2026/{path}.md").read_text("utf-8")
    pub.post(path, text.replace("摘要 summary", "改過的摘要"))
    outcomes = {o.channel: o.action for o in run(pub, tmp_path)}
    assert outcomes == {"facebook": "edited", "instagram": "edit-unsupported", "threads": "edit-unsupported"}
    (fb,) = graph.remote(PAGE_ID)
    assert "改過的摘要" in fb.text
    assert "改過的摘要" not in graph.remote(IG_ID)[0].text
    pub.post(path, text.replace("original: true\n", "original: true\nwithdrawn: true\n"))
    outcomes = {o.channel: o.action for o in run(pub, tmp_path)}
    assert outcomes == {"facebook": "withdrawn", "instagram": "withdrawn", "threads": "withdrawn"}
    assert graph.remote(PAGE_ID) == graph.remote(IG_ID) == graph.remote(THREADS_ID) == []
