"""`shelfpost inbox sync` against the REAL Bluesky AppView (@atproto/dev-env's
TestNetwork on PostgreSQL, tests/bsky_appview.py): members reply to, mention and
quote the library; the library answers some; listNotifications is the AppView's
own implementation."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from atproto import Client, client_utils, models

from bsky_appview import AppView, appview  # noqa: F401 (the fixture)
from conftest import Lib, run_cli
from inbox_seed import INBOX_KEY, Expected, rows, utc

pytestmark = pytest.mark.xdist_group("appview")

HANDLE_VAR, PASSWORD_VAR = "SHELFPOST_TEST_BSKY_HANDLE", "SHELFPOST_TEST_BSKY_PASSWORD"


def account(av: AppView, handle: str, password: str = "pw-inbox-test") -> Client:
    c = Client(base_url=av.url + "/xrpc")
    c.com.atproto.server.create_account(
        models.ComAtprotoServerCreateAccount.Data(
            handle=handle, password=password, email=f"{handle}@example.test"
        )
    )
    av.process()
    c.login(handle, password)
    return c


def reply_ref(post: Any, root: Any = None) -> models.AppBskyFeedPost.ReplyRef:
    parent = models.create_strong_ref(post)
    return models.AppBskyFeedPost.ReplyRef(root=root or parent, parent=parent)


def seed(av: AppView, prefix: str) -> tuple[Client, Expected]:
    lib = account(av, f"{prefix}lib.test")
    assert lib.me is not None
    mei = account(av, f"{prefix}-zq-mei.test")
    tomas = account(av, f"{prefix}-zq-tomas.test")
    hana = account(av, f"{prefix}-zq-hana.test")
    post = lib.send_post("本週新書 New books this week")
    av.process()
    root = models.create_strong_ref(post)
    answers: dict[str, Any] = {}
    # A reply, answered; then a reply to the library's reply (a thread), left open.
    r1 = mei.send_post("MARMALADE-HEDGEHOG-7741 when do you open?", reply_to=reply_ref(post))
    av.process()
    a1 = lib.send_post("9:00 every day", reply_to=reply_ref(r1, root))
    av.process()
    answers[r1.uri] = ("reply", a1)
    r2 = mei.send_post("thanks! and on holidays?", reply_to=reply_ref(a1, root))
    av.process()
    answers[r2.uri] = ("reply", None)
    # A mention (a facet naming the library), answered.
    text = client_utils.TextBuilder().mention("@library", lib.me.did).text(" PLATYPUS-OBSERVATORY-3310?")
    m1 = tomas.send_post(text)
    av.process()
    a2 = lib.send_post("yes!", reply_to=reply_ref(m1))
    answers[m1.uri] = ("mention", a2)
    # A quote of the library's post, unanswered.
    q1 = hana.send_post(
        "ZEBRA-LANTERN-5521 look at this",
        embed=models.AppBskyEmbedRecord.Main(record=models.create_strong_ref(post)),
    )
    answers[q1.uri] = ("quote", None)
    # A like is not an item.
    hana.like(post.uri, post.cid)
    came: dict[str, datetime] = {}
    for _ in range(50):  # the AppView indexes notifications shortly after processAll
        av.process()
        notes = lib.app.bsky.notification.list_notifications().notifications
        came = {n.uri: utc(n.indexed_at) for n in notes if n.reason in ("reply", "mention", "quote")}
        if set(answers) <= set(came):
            break
        time.sleep(0.2)  # waiting for another process (the AppView), not standing in for a clock
    expected = Expected()
    for uri, (kind, answer) in answers.items():
        at = (
            utc(
                lib.com.atproto.repo.get_record(
                    models.ComAtprotoRepoGetRecord.Params(
                        repo=lib.me.did, collection="app.bsky.feed.post", rkey=answer.uri.rsplit("/", 1)[1]
                    )
                ).value.created_at
            )
            if answer
            else None
        )
        assert uri in came, (kind, [(n.reason, n.uri) for n in notes], list(answers))
        expected.items[uri] = (kind, came[uri], at)
    return lib, expected


def stamp(ahead: int) -> str:
    """--now a little after the seed (the sync's times are to the second)."""
    return (datetime.now(UTC) + timedelta(seconds=ahead)).isoformat()


def setup(lib: Lib, av: AppView) -> None:
    lib.write(
        "plan/channels.yml",
        "channels:\n  bluesky:\n    kind: bluesky\n    name: Bluesky\n"
        f"    service: {av.url}\n    credentials: {{identifier: {HANDLE_VAR}, app_password: {PASSWORD_VAR}}}\n",
    )


def env(lib_handle: str, state: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    out.update(
        {
            HANDLE_VAR: lib_handle,
            PASSWORD_VAR: "pw-inbox-test",
            "SHELFPOST_INBOX_KEY": INBOX_KEY,
            "SHELFPOST_STATE_DIR": state,
        }
    )
    return out


def test_sync_records_exactly_the_seeded_items_and_answers(lib: Lib, appview: AppView, tmp_path: Any) -> None:  # noqa: F811
    client, expected = seed(appview, "ib1")
    setup(lib, appview)
    e = env("ib1lib.test", str(tmp_path / "state"))
    now = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    done = run_cli("inbox", "sync", "--now", now, cwd=lib.root, env=e)
    assert done.returncode == 0, done.stderr
    assert "bluesky: 4 new, 2 newly answered" in done.stdout
    got = rows(lib.root)
    assert sorted(r["kind"] for r in got) == expected.kinds()
    report = run_cli("inbox", "--format", "json", "--now", now, cwd=lib.root, env=e)
    data = json.loads(report.stdout)
    assert {k: v for k, v in data["channels"]["bluesky"].items() if k != "open"} == expected.numbers()
    # The session was kept for the next run (logins are limited), and a rerun adds nothing.
    assert (tmp_path / "state/bluesky-bluesky.session").is_file()
    before = {p.name: p.read_bytes() for p in (lib.root / "data/interactions").glob("*.csv")}
    again = run_cli("inbox", "sync", "--now", now, cwd=lib.root, env=e)
    assert again.returncode == 0, again.stderr
    assert "bluesky: 0 new, 0 newly answered" in again.stdout
    assert {p.name: p.read_bytes() for p in (lib.root / "data/interactions").glob("*.csv")} == before


def test_deleted_checkpoint_item_and_429_mid_sync(lib: Lib, appview: AppView, tmp_path: Any) -> None:  # noqa: F811
    from fault_proxy import FaultProxy, Rule

    client, expected = seed(appview, "ib2")
    proxy = FaultProxy(appview.url)
    try:
        lib.write(
            "plan/channels.yml",
            "channels:\n  bluesky:\n    kind: bluesky\n    name: Bluesky\n"
            f"    service: {proxy.url}\n    credentials: {{identifier: {HANDLE_VAR}, app_password: {PASSWORD_VAR}}}\n",
        )
        e = env("ib2lib.test", str(tmp_path / "state"))
        assert run_cli("inbox", "sync", "--now", stamp(2), cwd=lib.root, env=e).returncode == 0
        sync_before = (lib.root / "data/interactions/sync.yml").read_text()
        # The newest item (the quote, at the checkpoint) is deleted; a new reply comes in.
        newest = next(uri for uri, (kind, _, _) in expected.items.items() if kind == "quote")  # seeded last
        hana = Client(base_url=appview.url + "/xrpc")
        hana.login("ib2-zq-hana.test", "pw-inbox-test")
        hana.delete_post(newest)
        post = client.get_author_feed(client.me.did if client.me else "").feed[-1].post
        mei = Client(base_url=appview.url + "/xrpc")
        mei.login("ib2-zq-mei.test", "pw-inbox-test")
        mei.send_post("one more question", reply_to=reply_ref(post))
        appview.process()
        appview.process()
        # A 429 while reading the library's posts: nothing is written, the checkpoint is kept.
        proxy.rules.append(Rule("GET", "/xrpc/com.atproto.repo.listRecords", status=429, times=1))
        done = run_cli("inbox", "sync", "--now", stamp(2), cwd=lib.root, env=e)
        assert done.returncode == 1
        assert "bluesky: not synced: rate limited (429)" in done.stderr
        assert len(rows(lib.root)) == 4
        sync_after = (lib.root / "data/interactions/sync.yml").read_text()
        assert sync_after.split("last_attempt")[0] == sync_before.split("last_attempt")[0]  # same checkpoint
        done = run_cli("inbox", "sync", "--now", stamp(2), cwd=lib.root, env=e)
        assert done.returncode == 0, done.stderr
        assert "bluesky: 1 new" in done.stdout
        assert len(rows(lib.root)) == 5  # the deleted item's row stays: it was received
    finally:
        proxy.close()
