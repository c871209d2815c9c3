"""`shelfpost metrics sync` against a REAL mastodon-mock (FastAPI + SQLite on 127.0.0.1):
several accounts follow the library and favourite, boost and reply to its statuses;
the rows written are exactly what the test seeded."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from mastodon_mock.testing import MockServer

from conftest import Lib, post_text, run_cli
from inbox_seed import Masto

TOKEN_VAR = "SHELFPOST_TEST_MASTODON_TOKEN"


def act(base: str, token: str, what: str, status_id: str) -> None:
    requests.post(
        f"{base}/api/v1/statuses/{status_id}/{what}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).raise_for_status()


def follow(base: str, token: str, account_id: str) -> None:
    requests.post(
        f"{base}/api/v1/accounts/{account_id}/follow",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).raise_for_status()


def account_id(base: str, token: str) -> str:
    r = requests.get(
        f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    r.raise_for_status()
    return str(r.json()["id"])


def rows(root: Path, kind: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted((root / "data/metrics" / kind).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            out.extend(csv.DictReader(handle))
    return out


def record(lib: Lib, slug: str, remote_id: str, at: datetime) -> None:
    lib.write(
        f"data/published/{slug}.yml",
        f"post: {slug}\npath: content/posts/2026/{slug}.md\nchannels:\n  mastodon:\n"
        f"    state: published\n    key: k-{slug}\n    remote_id: '{remote_id}'\n    at: '{at.isoformat()}'\n",
    )


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer() as srv:
        yield srv


def test_sync_records_the_seeded_counts_and_a_rerun_changes_nothing(lib: Lib, server: MockServer) -> None:
    base = server.base_url
    m = Masto(base)
    library_token = m.user("qingchuan_lib_test", "晴川測試圖書館")
    me = account_id(base, library_token)
    fans = [m.user(f"zq_fan_{i}", f"Fan {i}") for i in range(4)]
    for token in fans[:3]:
        follow(base, token, me)
    now = datetime.now(UTC)
    first = m.post(library_token, "Story time 說故事")
    second = m.post(library_token, "New e-books 電子書")
    gone = m.post(library_token, "A post deleted later")
    old = m.post(library_token, "Too old to sync")
    for token in fans[:3]:
        act(base, token, "favourite", first["id"])
    act(base, fans[0], "reblog", first["id"])
    act(base, fans[1], "reblog", first["id"])
    m.post(fans[2], "@qingchuan_lib_test 好棒", in_reply_to_id=first["id"])
    act(base, fans[3], "favourite", second["id"])
    m.delete(library_token, gone["id"])

    lib.write(
        "plan/channels.yml",
        f"channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: {base}\n"
        f"    credentials: {{access_token: {TOKEN_VAR}}}\n",
    )
    for slug in ("2026-12-01-story", "2026-12-02-ebooks", "2026-12-03-gone", "2026-10-01-old"):
        lib.post(slug, post_text(title=slug, publish_at="2026-10-01 10:00"))
    record(lib, "2026-12-01-story", first["id"], now - timedelta(days=2))
    record(lib, "2026-12-02-ebooks", second["id"], now - timedelta(days=1))
    record(lib, "2026-12-03-gone", gone["id"], now - timedelta(days=1))
    record(lib, "2026-10-01-old", old["id"], now - timedelta(days=40))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    env[TOKEN_VAR] = library_token

    done = run_cli("metrics", "sync", "--now", now.isoformat(), cwd=lib.root, env=env)
    assert done.returncode == 0, done.stderr
    assert "mastodon: 3 followers; 2 post(s) changed, 0 unchanged, 1 deleted" in done.stdout
    (account,) = rows(lib.root, "accounts")
    assert account["channel"] == "mastodon"
    assert (account["followers"], account["following"], account["posts"]) == ("3", "0", "3")
    posts = {r["post"]: r for r in rows(lib.root, "posts")}
    assert set(posts) == {"2026-12-01-story", "2026-12-02-ebooks"}  # deleted and too old: no row
    story = posts["2026-12-01-story"]
    assert (story["likes"], story["shares"], story["replies"]) == ("3", "2", "1")
    assert story["reach"] == story["views"] == ""  # Mastodon has no reach: not available, not 0
    assert posts["2026-12-02-ebooks"]["likes"] == "1"
    text = "".join(p.read_text(encoding="utf-8") for p in (lib.root / "data/metrics").rglob("*.csv"))
    assert "zq_fan" not in text and "Fan " not in text  # who liked is never stored

    # The same sync again: the same bytes.
    before = {p: p.read_bytes() for p in (lib.root / "data/metrics").rglob("*.csv")}
    again = run_cli("metrics", "sync", "--now", now.isoformat(), cwd=lib.root, env=env)
    assert again.returncode == 0, again.stderr
    assert "0 post(s) changed, 2 unchanged" in again.stdout
    assert {p: p.read_bytes() for p in (lib.root / "data/metrics").rglob("*.csv")} == before

    # An unfavourite: the counter went down; a new row, said so.
    requests.post(
        f"{base}/api/v1/statuses/{first['id']}/unfavourite",
        headers={"Authorization": f"Bearer {fans[0]}"},
        timeout=10,
    ).raise_for_status()
    later = run_cli("metrics", "sync", "--now", (now + timedelta(hours=1)).isoformat(), cwd=lib.root, env=env)
    assert later.returncode == 0, later.stderr
    assert "1 post(s) changed, 1 unchanged, 1 deleted, 1 with a counter that went down" in later.stdout
    story_rows = [r for r in rows(lib.root, "posts") if r["post"] == "2026-12-01-story"]
    assert [r["likes"] for r in story_rows] == ["3", "2"]


def test_a_refused_token_is_one_clear_line(lib: Lib, server: MockServer) -> None:
    lib.write(
        "plan/channels.yml",
        f"channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: {server.base_url}\n"
        f"    credentials: {{access_token: {TOKEN_VAR}}}\n",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    env[TOKEN_VAR] = "not-a-token"
    done = run_cli("metrics", "sync", cwd=lib.root, env=env)
    assert done.returncode == 1
    assert f"mastodon: not synced: login refused (401): check the access token in {TOKEN_VAR}" in done.stderr
    assert not (lib.root / "data/metrics").exists()
