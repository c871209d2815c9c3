"""`shelfpost inbox sync` against a REAL mastodon-mock (FastAPI + SQLite on 127.0.0.1):
several accounts reply to, mention and message the library; the library answers
some; the sync records exactly those items and answers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from mastodon_mock.testing import MockServer

from conftest import Lib, run_cli
from fault_proxy import FaultProxy, Rule
from inbox_seed import INBOX_KEY, Expected, Masto, rows, seed_mastodon

TOKEN_VAR = "SHELFPOST_TEST_MASTODON_TOKEN"


@pytest.fixture
def seeded() -> Iterator[tuple[MockServer, FaultProxy, str, Expected]]:
    with MockServer() as server:
        proxy = FaultProxy(server.base_url)
        token, expected = seed_mastodon(Masto(server.base_url))
        yield server, proxy, token, expected
        proxy.close()


def setup(lib: Lib, instance: str) -> None:
    lib.write(
        "plan/channels.yml",
        "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n"
        f"    instance: {instance}\n    credentials: {{access_token: {TOKEN_VAR}}}\n",
    )


def env(token: str, key: str | None = INBOX_KEY) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    out[TOKEN_VAR] = token
    if key is not None:
        out["SHELFPOST_INBOX_KEY"] = key
    return out


def now() -> str:
    return datetime.now(UTC).isoformat()


def test_sync_records_exactly_the_seeded_items_and_answers(
    lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]
) -> None:
    server, _, token, expected = seeded
    setup(lib, server.base_url)
    done = run_cli("inbox", "sync", "--now", now(), cwd=lib.root, env=env(token))
    assert done.returncode == 0, done.stderr
    assert "mastodon: 7 new, 5 newly answered, 1 skipped" in done.stdout
    got = rows(lib.root)
    assert sorted(r["kind"] for r in got) == expected.kinds()
    assert sum(1 for r in got if r["state"] == "answered") == 5
    report = run_cli("inbox", "--format", "json", "--now", now(), cwd=lib.root, env=env(token))
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    numbers = {k: v for k, v in data["channels"]["mastodon"].items() if k != "open"}
    assert numbers == expected.numbers()
    assert data["total"]["reply_rate"] == expected.numbers()["reply_rate"]
    # Open items, oldest first: the two left unanswered.
    unanswered = sorted(k for k, _, a in expected.items.values() if a is None)
    assert sorted(i["kind"] for i in data["open_items"]) == unanswered
    assert [i["received"] for i in data["open_items"]] == sorted(i["received"] for i in data["open_items"])

    # The same sync again: no duplicate rows, the same bytes.
    before = {p.name: p.read_bytes() for p in (lib.root / "data/interactions").glob("*.csv")}
    again = run_cli("inbox", "sync", "--now", now(), cwd=lib.root, env=env(token))
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in (lib.root / "data/interactions").glob("*.csv")} == before


def test_no_key_no_write(lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]) -> None:
    server, _, token, _ = seeded
    setup(lib, server.base_url)
    done = run_cli("inbox", "sync", cwd=lib.root, env=env(token, key=None))
    assert done.returncode == 1
    assert "the inbox key SHELFPOST_INBOX_KEY is not set" in done.stderr
    assert "nothing was written" in done.stderr
    assert not (lib.root / "data").exists()


def test_rate_limit_mid_page_keeps_the_checkpoint(
    lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]
) -> None:
    server, proxy, token, expected = seeded
    setup(lib, proxy.url)
    # The library's own statuses answer 429 after the notifications were read.
    proxy.rules.append(Rule("GET", r"/api/v1/accounts/\d+/statuses", status=429, times=1))
    done = run_cli("inbox", "sync", "--now", now(), cwd=lib.root, env=env(token))
    assert done.returncode == 1
    assert "mastodon: not synced: rate limited (429)" in done.stderr
    assert rows(lib.root) == []  # nothing half-written
    sync = (lib.root / "data/interactions/sync.yml").read_text()
    assert "checkpoint: null" in sync and "last_error: rate limited (429)" in sync
    # The next run reads the same span and records everything.
    again = run_cli("inbox", "sync", "--now", now(), cwd=lib.root, env=env(token))
    assert again.returncode == 0, again.stderr
    assert len(rows(lib.root)) == len(expected.items)
    assert "last_error: null" in (lib.root / "data/interactions/sync.yml").read_text()


def test_401_is_a_clear_error_and_other_state_is_kept(
    lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]
) -> None:
    server, _, _, _ = seeded
    setup(lib, server.base_url)
    done = run_cli("inbox", "sync", cwd=lib.root, env=env("not-a-valid-token"))
    assert done.returncode == 1
    assert "mastodon: not synced: login refused (401): check the access token in " + TOKEN_VAR in done.stderr
    assert rows(lib.root) == []


def test_later_answers_are_found_on_the_next_sync(
    lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]
) -> None:
    server, _, token, expected = seeded
    setup(lib, server.base_url)
    assert run_cli("inbox", "sync", "--now", now(), cwd=lib.root, env=env(token)).returncode == 0
    assert len([r for r in rows(lib.root) if r["state"] == "open"]) == 2
    # The library answers, later, the mention it had left open.
    mention = next(sid for sid, (k, _, a) in expected.items.items() if k == "mention" and a is None)
    Masto(server.base_url).post(token, "@zq_reader_tomas thank you", in_reply_to_id=mention)
    done = run_cli(
        "inbox",
        "sync",
        "--now",
        (datetime.now(UTC) + timedelta(seconds=1)).isoformat(),
        cwd=lib.root,
        env=env(token),
    )
    assert done.returncode == 0, done.stderr
    assert "0 new, 1 newly answered" in done.stdout
    assert len([r for r in rows(lib.root) if r["state"] == "open"]) == 1


def test_401_mid_sync_writes_nothing(lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]) -> None:
    _, proxy, token, _ = seeded
    setup(lib, proxy.url)
    proxy.rules.append(Rule("GET", r"/api/v1/accounts/\d+/statuses", status=401, times=1))
    done = run_cli("inbox", "sync", "--now", now(), cwd=lib.root, env=env(token))
    assert done.returncode == 1
    assert "login refused (401)" in done.stderr
    assert rows(lib.root) == []
    assert "last_error: login refused (401)" in (lib.root / "data/interactions/sync.yml").read_text()


def test_two_syncs_racing_lose_nothing(
    lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]
) -> None:
    import subprocess
    import sys

    server, _, token, expected = seeded
    setup(lib, server.base_url)
    stamp = now()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "shelfpost", "inbox", "sync", "--now", stamp],
            cwd=lib.root,
            env=env(token),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    got = rows(lib.root)
    assert len(got) == len({r["item"] for r in got}) == len(expected.items)
    assert sum(1 for r in got if r["state"] == "answered") == 5


def test_an_unknown_notification_type_is_skipped() -> None:
    """A server that answers with a type it was not asked for (a newer Mastodon)."""
    from shelfpost.inbox.mastodon import MastodonReader

    class Server:
        def account_verify_credentials(self) -> dict[str, str]:
            return {"id": "1"}

        def grouped_notifications(self, **params: object) -> dict[str, object]:
            if params.get("max_id"):
                return {"notification_groups": [], "statuses": []}
            return {
                "notification_groups": [
                    {
                        "type": "severed_relationships",
                        "status_id": None,
                        "page_min_id": "5",
                        "latest_page_notification_at": "2026-11-20T01:00:00Z",
                    },
                    {
                        "type": "mention",
                        "status_id": "9",
                        "page_min_id": "4",
                        "latest_page_notification_at": "2026-11-20T00:00:00Z",
                    },
                ],
                "statuses": [{"id": "9", "visibility": "public", "in_reply_to_account_id": None}],
            }

        def account_statuses(self, *args: object, **params: object) -> list[object]:
            return []

    reader = MastodonReader("https://m.example", "t", client=Server())
    batch = reader.read(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert [(s.item_id, s.kind) for s in batch.items] == [("9", "mention")]
    assert batch.skipped == 1


def test_online_shows_open_items_links_and_writes_none(
    lib: Lib, seeded: tuple[MockServer, FaultProxy, str, Expected]
) -> None:
    server, _, token, expected = seeded
    setup(lib, server.base_url)
    assert run_cli("inbox", "sync", "--now", now(), cwd=lib.root, env=env(token)).returncode == 0
    files_before = {p: p.read_bytes() for p in lib.root.rglob("*") if p.is_file()}
    done = run_cli(
        "inbox", "--open", "--online", "--format", "json", "--now", now(), cwd=lib.root, env=env(token)
    )
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)["open_items"]
    unanswered = {sid for sid, (_, _, a) in expected.items.items() if a is None}
    assert len(items) == len(unanswered) == 2
    links = [i["link"] for i in items]
    assert all(link and link.rstrip("/").rsplit("/", 1)[-1] in unanswered for link in links), links
    screen = run_cli("inbox", "--open", "--online", "--now", now(), cwd=lib.root, env=env(token))
    assert all(link in screen.stdout for link in links)
    # Shown, never written: not one file changed or appeared.
    assert {p: p.read_bytes() for p in lib.root.rglob("*") if p.is_file()} == files_before
