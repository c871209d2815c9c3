"""Exactly once where users run it: a GitHub runner's disk goes with its job.

The publish workflow writes the records (intents included) on the runner and commits
them at the job's end. A runner lost after a send takes the intent with it, and the
next run starts from the repository as it was. Here: the real mastodon-mock and the
real reference PDS, `shelfpost publish` killed right after each send, the work
tree's `data/` thrown away (and the state folder: the Bluesky session), Mastodon's
idempotency window let pass, then a clean run: exactly one remote post per platform,
and the record `published`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from mastodon import Mastodon
from mastodon_mock.config import DatabaseConfig
from mastodon_mock.testing import MockServer
from mastodon_mock.testing.server import _default_config

from conftest import Lib, post_text
from fault_proxy import FaultProxy, Rule
from test_publish_bluesky import CREATE, pds, records, wipe  # noqa: F401  (pds is a fixture)

pytestmark = pytest.mark.xdist_group("pds")

TOKEN = "alice_token"  # a fixture account of mastodon-mock, not a credential
URL = "https://lib.example.org/posts/hello/"


@pytest.fixture
def mastodon(tmp_path: Path) -> Iterator[tuple[MockServer, Path]]:
    """mastodon-mock on an SQLite file, so the test can let its idempotency keys expire."""
    db = tmp_path / "mastodon.sqlite"
    config = _default_config().model_copy(update={"database": DatabaseConfig(path=str(db))})
    with MockServer(config=config) as server:
        yield server, db


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def publish(lib: Lib, env: dict[str, str], now: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shelfpost", "publish", "--now", now, "--format", "json"],
        cwd=lib.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def killed_after_send(lib: Lib, env: dict[str, str], proxy: FaultProxy, rule: Rule, state: Path) -> None:
    """One run killed once its send reached the server, then the runner's disk thrown away."""
    proxy.landed.clear()
    proxy.rules[:] = [rule]
    proc = publish(lib, env, "2026-11-26 12:00")
    try:
        assert proxy.landed.wait(60), "the send never reached the server"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(20)
        proxy.rules.clear()
    assert (lib.root / "data/published/hello.yml").exists()  # the intent was on the runner's disk...
    git(lib.root, "clean", "-fdxq", "--", "data")  # ...which is gone with the runner
    git(lib.root, "checkout", "-q", "--", ".")
    shutil.rmtree(state, ignore_errors=True)
    assert not (lib.root / "data/published/hello.yml").exists()


def library_statuses(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM statuses WHERE content LIKE ?", (f"%{URL}%",)
        ).fetchone()
    return int(count)


def test_a_lost_runner_never_makes_a_second_post(
    lib: Lib,
    mastodon: tuple[MockServer, Path],
    pds: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    server, db = mastodon
    wipe(pds)
    mproxy, bproxy = FaultProxy(server.base_url), FaultProxy(pds["url"])
    try:
        lib.write(
            "plan/channels.yml",
            "channels:\n"
            f"  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: {mproxy.url}\n"
            "    credentials: {access_token: SHELFPOST_TEST_MASTODON_TOKEN}\n"
            f"  bluesky:\n    kind: bluesky\n    name: Bluesky\n    service: {bproxy.url}\n"
            "    credentials: {identifier: SHELFPOST_TEST_BSKY_HANDLE, app_password: SHELFPOST_TEST_BSKY_PASSWORD}\n",
        )
        lib.post(
            "2026-11-26-hello",
            post_text(publish_at="2026-11-26 10:00", extra="channels: [mastodon, bluesky]\n"),
        )
        git(lib.root, "init", "-q")
        git(lib.root, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
        git(lib.root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "posts")
        state = tmp_path / "state"
        env = {
            **os.environ,
            "SHELFPOST_STATE_DIR": str(state),
            "SHELFPOST_TEST_MASTODON_TOKEN": TOKEN,
            "SHELFPOST_TEST_BSKY_HANDLE": pds["handle"],
            "SHELFPOST_TEST_BSKY_PASSWORD": pds["password"],
        }

        # Run 1 dies right after Mastodon took the status; run 2 finds it there, then dies
        # right after the PDS took the Bluesky record. Each time the runner's disk is lost.
        killed_after_send(lib, env, mproxy, Rule("POST", "/api/v1/statuses", hang=True), state)
        mproxy.release.set()
        killed_after_send(lib, env, bproxy, Rule("POST", CREATE, hang=True), state)
        bproxy.release.set()
        assert library_statuses(db) == 1 and len(records(pds)) == 1

        # The next scheduled run comes hours later (GitHub delays schedules at busy times):
        # Mastodon has forgotten the idempotency key (it keeps them for one hour; the mock
        # keeps them for ever, so the test removes them as the real server would), and
        # staff posted 45 statuses since, so the post is no longer on the first page.
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM idempotency")
        staff = Mastodon(access_token=TOKEN, api_base_url=server.base_url, version_check_mode="none")
        for n in range(45):
            staff.status_post(f"館員日常 {n}")

        final = publish(lib, env, "2026-11-26 14:30")
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, out + err
        outcomes: list[dict[str, Any]] = json.loads(out)["outcomes"]
        assert {(o["channel"], o["action"]) for o in outcomes} == {
            ("mastodon", "reconciled"),
            ("bluesky", "reconciled"),
        }
        assert library_statuses(db) == 1, "Mastodon got a second status"
        assert len(records(pds)) == 1, "Bluesky got a second record"
        saved = yaml.safe_load((lib.root / "data/published/hello.yml").read_text("utf-8"))["channels"]
        assert saved["mastodon"]["state"] == saved["bluesky"]["state"] == "published"
    finally:
        mproxy.close()
        bproxy.close()
