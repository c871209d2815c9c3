"""Privacy: distinctive handles, display names, texts and ids seeded on BOTH real
servers (mastodon-mock and the Bluesky AppView) are found nowhere after sync,
`inbox`, `status`, `check` and a site build: not in any file of the library's
repository, not in the site, not in the state folder's logs, not in any output."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mastodon_mock.testing import MockServer

from bsky_appview import AppView, appview  # noqa: F401 (the fixture)
from conftest import Lib, post_text, run_cli
from inbox_seed import INBOX_KEY, SECRETS_OF_THE_PUBLIC, Masto, rows, seed_mastodon
from test_inbox_bluesky import HANDLE_VAR, PASSWORD_VAR, seed

pytestmark = pytest.mark.xdist_group("appview")


def every_file(*folders: Path) -> list[Path]:
    return [
        p
        for folder in folders
        if folder.exists()
        for p in folder.rglob("*")
        if p.is_file() and ".git" not in p.parts
    ]


def test_nothing_the_public_wrote_is_kept(lib: Lib, appview: AppView, tmp_path: Path) -> None:  # noqa: F811
    with MockServer() as server:
        token, masto_expected = seed_mastodon(Masto(server.base_url))
        bsky_lib, bsky_expected = seed(appview, "pv1")
        bluesky_ids = [u for u in bsky_expected.items]  # at:// URIs of the members' posts
        member_dids = sorted({u.split("/")[2] for u in bluesky_ids})
        mastodon_status_urls = [
            f"{server.base_url}/@zq_reader_mei",
            *(f"/statuses/{sid}" for sid in masto_expected.items),
        ]
        lib.write(
            "plan/channels.yml",
            "channels:\n"
            f"  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: {server.base_url}\n"
            "    credentials: {access_token: SHELFPOST_TEST_MASTODON_TOKEN}\n"
            f"  bluesky:\n    kind: bluesky\n    name: Bluesky\n    service: {appview.url}\n"
            f"    credentials: {{identifier: {HANDLE_VAR}, app_password: {PASSWORD_VAR}}}\n",
        )
        lib.post("2026-10-01-hello", post_text())
        state = tmp_path / "state"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
        env.update(
            {
                "SHELFPOST_TEST_MASTODON_TOKEN": token,
                HANDLE_VAR: "pv1lib.test",
                PASSWORD_VAR: "pw-inbox-test",
                "SHELFPOST_INBOX_KEY": INBOX_KEY,
                "SHELFPOST_STATE_DIR": str(state),
            }
        )
        now = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
        outputs = []
        for args in (
            ("inbox", "sync", "--now", now),
            ("inbox", "sync", "--now", now),
            ("inbox", "--now", now),
            ("inbox", "--now", now, "--format", "json"),
            ("inbox", "--now", now, "--open"),
            ("status", "--now", now),
            ("status", "--now", now, "--format", "json"),
            ("check",),
            ("build", "--now", now, "--out", str(tmp_path / "site")),
        ):
            done = run_cli(*args, cwd=lib.root, env=env)
            assert done.returncode in (0, 1), (args, done.stderr)
            outputs.append(done.stdout + done.stderr)
        # A failing sync writes a log too: its messages must not carry a platform's words.
        env["SHELFPOST_TEST_MASTODON_TOKEN"] = "revoked"
        done = run_cli("inbox", "sync", "--now", now, cwd=lib.root, env=env)
        outputs.append(done.stdout + done.stderr)
    assert len(rows(lib.root)) == len(masto_expected.items) + len(bsky_expected.items)

    needles = [*SECRETS_OF_THE_PUBLIC, *member_dids, *bluesky_ids, *mastodon_status_urls]
    needles += ["zq-mei", "zq-tomas", "zq-hana", "zq_reader", "zq_stranger"]
    files = every_file(lib.root, tmp_path / "site", state)
    assert len(files) > 20  # the repository, the site and the state folder were all searched
    found = []
    for path in files:
        if path.name.endswith(".session"):
            continue  # the library's own login (its handle and tokens), in the state folder only
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [(str(path), n) for n in needles if n in text]
    for out in outputs:
        found += [("output", n) for n in needles if n in out]
    assert found == []
