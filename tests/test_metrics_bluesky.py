"""`shelfpost metrics sync` against the REAL reference Bluesky network with its
AppView (@atproto/dev-env's TestNetwork on a throw-away PostgreSQL, the inbox's
fixture): readers follow the library and like, repost, reply to and quote its
posts; the counts getProfile and getPosts give are exactly what was seeded, read 25
URIs a call."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from atproto import Client, models

from bsky_appview import AppView, appview  # noqa: F401 (the fixture)
from conftest import Lib, run_cli
from shelfpost.metrics.bluesky import BlueskyCounts

pytestmark = pytest.mark.xdist_group("appview")


def rows(root: Path, kind: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted((root / "data/metrics" / kind).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            out.extend(csv.DictReader(handle))
    return out


def reader(network: AppView, name: str) -> Client:
    client = Client(base_url=network.url + "/xrpc")
    client.com.atproto.server.create_account(
        models.ComAtprotoServerCreateAccount.Data(
            handle=f"{name}.test", password="pw-" + name, email=f"{name}@example.test"
        )
    )
    return client


def test_counts_equal_what_the_network_was_seeded_with(lib: Lib, appview: AppView) -> None:  # noqa: F811
    library = Client(base_url=appview.url + "/xrpc")
    library.login(appview.handle, appview.password)
    posts = [library.send_post(f"館藏推薦 {i} reading pick") for i in range(27)]  # two getPosts calls
    gone = library.send_post("a post deleted later")
    fans = [reader(appview, f"zq-metrics-fan{i}") for i in range(3)]
    appview.process()  # the AppView knows the new accounts (login reads their profile)
    for i, fan in enumerate(fans):
        fan.login(f"zq-metrics-fan{i}.test", f"pw-zq-metrics-fan{i}")
    for fan in fans:
        fan.follow(appview.did)
    ref = models.create_strong_ref(posts[0])
    for fan in fans:
        fan.like(posts[0].uri, posts[0].cid)
    fans[0].repost(posts[0].uri, posts[0].cid)
    fans[1].send_post("好書！", reply_to=models.AppBskyFeedPost.ReplyRef(root=ref, parent=ref))
    fans[2].send_post("推薦給大家", embed=models.AppBskyEmbedRecord.Main(record=ref))
    fans[0].like(posts[26].uri, posts[26].cid)
    library.delete_post(gone.uri)
    appview.process()

    now = datetime.now(UTC)
    lib.write(
        "plan/channels.yml",
        f"channels:\n  bluesky:\n    kind: bluesky\n    name: Bluesky\n    service: {appview.url}\n"
        "    credentials: {identifier: T_BSKY_ID, app_password: T_BSKY_PW}\n",
    )
    for i, post in enumerate([*posts, gone]):
        slug = f"pick-{i:02d}"
        lib.write(
            f"data/published/{slug}.yml",
            f"post: {slug}\nchannels:\n  bluesky:\n    state: published\n    key: k{i}\n"
            f"    remote_id: '{post.uri}'\n    at: '{(now - timedelta(hours=1)).isoformat()}'\n",
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    env.update(T_BSKY_ID=appview.handle, T_BSKY_PW=appview.password)
    done = run_cli("metrics", "sync", "--now", now.isoformat(), cwd=lib.root, env=env)
    assert done.returncode == 0, done.stderr
    assert "bluesky: 3 followers; 27 post(s) changed, 0 unchanged, 1 deleted" in done.stdout
    (account,) = rows(lib.root, "accounts")
    assert account["followers"] == "3"
    got = {r["post"]: r for r in rows(lib.root, "posts")}
    first = got["pick-00"]
    assert (first["likes"], first["shares"], first["replies"], first["quotes"]) == ("3", "1", "1", "1")
    assert got["pick-26"]["likes"] == "1" and got["pick-05"]["likes"] == "0"
    assert first["reach"] == "" and first["views"] == ""  # not available on Bluesky
    written = "".join(p.read_text(encoding="utf-8") for p in (lib.root / "data/metrics").rglob("*.csv"))
    assert "zq-metrics-fan" not in written and "did:plc" not in written

    again = run_cli("metrics", "sync", "--now", now.isoformat(), cwd=lib.root, env=env)
    assert again.returncode == 0, again.stderr
    assert "0 post(s) changed, 27 unchanged, 1 deleted" in again.stdout

    counts = BlueskyCounts(appview.url, appview.handle, appview.password)
    counts.account()
    assert len(counts.counts([p.uri for p in posts])) == 27
    assert counts.calls == 2  # 25 URIs a call


def test_a_refused_login_is_one_clear_line(lib: Lib, appview: AppView) -> None:  # noqa: F811
    lib.write(
        "plan/channels.yml",
        f"channels:\n  bluesky:\n    kind: bluesky\n    name: Bluesky\n    service: {appview.url}\n"
        "    credentials: {identifier: T_BSKY_ID, app_password: T_BSKY_PW}\n",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    env.update(T_BSKY_ID=appview.handle, T_BSKY_PW="wrong-password")
    done = run_cli("metrics", "sync", cwd=lib.root, env=env)
    assert done.returncode == 1
    assert "bluesky: not synced: login refused (401): check T_BSKY_ID and T_BSKY_PW" in done.stderr
