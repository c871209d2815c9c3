"""Exactly once on Facebook, Instagram and Threads where users run it: a runner killed mid-way.

None of the three takes an idempotency key, and Instagram and Threads post in two steps
(a container, then publishing it). Here a real `shelfpost publish` process is killed at
each dangerous point, behind a fault proxy in front of the Graph API server
(tests/meta_graph.py): after the Facebook post landed; between the Instagram container
and its publishing; after Instagram published; the same two for Threads. Once with the
work tree's `data/` kept (the intent and the container id on disk), once thrown away
with the runner. Then a clean run: exactly one remote post per channel, and the records
say `published` with the remote ids.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Lib, post_text
from fault_proxy import FaultProxy, Rule
from meta_graph import IG_ID, PAGE_ID, PAGE_TOKEN, THREADS_ID, THREADS_TOKEN, MetaGraph
from test_publish_meta import NOW, channels_yml

RECORD = "data/published/hello.yml"


@pytest.fixture
def graph() -> Iterator[tuple[MetaGraph, FaultProxy]]:
    server = MetaGraph()
    server.state.now = NOW.timestamp()
    proxy = FaultProxy(server.url)
    yield server, proxy
    proxy.close()
    server.close()


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def publish(lib: Lib, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shelfpost", "publish", "--now", "2026-11-26 12:00", "--format", "json"],
        cwd=lib.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def killed_at(
    lib: Lib, env: dict[str, str], proxy: FaultProxy, rule: Rule, keep_data: bool
) -> dict[str, Any]:
    """One run killed once ``rule``'s request reached the server; the record it left (if kept)."""
    proxy.landed.clear()
    proxy.rules[:] = [rule]
    proc = publish(lib, env)
    try:
        if not proxy.landed.wait(60):
            out, err = proc.communicate(timeout=60)
            raise AssertionError(f"the request never reached the server: {out}{err}")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(20)
        proxy.rules.clear()
        proxy.release.set()
    saved: dict[str, Any] = yaml.safe_load((lib.root / RECORD).read_text("utf-8"))["channels"]
    if not keep_data:  # the runner's disk is gone, and its records with it
        git(lib.root, "clean", "-fdxq", "--", "data")
        git(lib.root, "checkout", "-q", "--", ".")
        assert not (lib.root / RECORD).exists()
    return saved


@pytest.mark.parametrize("keep_data", [True, False], ids=["data-kept", "data-lost"])
def test_killed_between_container_and_publish_and_before_the_record(
    lib: Lib, graph: tuple[MetaGraph, FaultProxy], tmp_path: Path, keep_data: bool
) -> None:
    server, proxy = graph
    lib.write("plan/channels.yml", channels_yml(proxy.url))
    lib.image()
    lib.post(
        "2026-11-26-hello",
        post_text(
            title="冬至說故事",
            publish_at="2026-11-26 10:00",
            extra="image: ../../media/pic.png\nimage_alt: 說故事的館員\nchannels: [facebook, instagram, threads]\n",
        ),
    )
    git(lib.root, "init", "-q")
    git(lib.root, "add", "-A")
    git(lib.root, "commit", "-qm", "posts")
    env = {
        **os.environ,
        "SHELFPOST_STATE_DIR": str(tmp_path / "state"),
        "SHELFPOST_TEST_FB_TOKEN": PAGE_TOKEN,
        "SHELFPOST_TEST_THREADS_TOKEN": THREADS_TOKEN,
    }
    status = r"/v\d+\.\d+/\d+"  # GET /{container-id}: the first status read, after the id is recorded

    # 1. Facebook took the photo post; the runner dies before recording it.
    saved = killed_at(lib, env, proxy, Rule("POST", rf"/v24\.0/{PAGE_ID}/photos", hang=True), keep_data)
    assert saved["facebook"]["state"] == "intent"
    # 2. Instagram: the container is made and its id recorded; killed before publishing.
    saved = killed_at(lib, env, proxy, Rule("GET", status, hang=True), keep_data)
    first_ig = saved["instagram"]["container"]
    assert saved["instagram"]["state"] == "intent" and first_ig in server.state.containers
    assert server.state.containers[first_ig].published is None
    # 3. Instagram published (the kept container, or a new one); killed before the record.
    saved = killed_at(lib, env, proxy, Rule("POST", rf"/v24\.0/{IG_ID}/media_publish", hang=True), keep_data)
    if keep_data:  # the recorded container was published, not a new one
        assert saved["instagram"]["container"] == first_ig
        assert server.state.containers[first_ig].published
    # 4. and 5. The same for Threads.
    saved = killed_at(lib, env, proxy, Rule("GET", status, hang=True), keep_data)
    first_th = saved["threads"]["container"]
    assert saved["threads"]["state"] == "intent" and server.state.containers[first_th].published is None
    killed_at(lib, env, proxy, Rule("POST", rf"/v1\.0/{THREADS_ID}/threads_publish", hang=True), keep_data)

    assert len(server.remote(PAGE_ID)) == len(server.remote(IG_ID)) == len(server.remote(THREADS_ID)) == 1

    final = publish(lib, env)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, out + err
    outcomes = json.loads(out)["outcomes"]
    # With its records kept, each run reconciled what the one before it left; without them,
    # the last run finds all three on the accounts.
    expected = {"threads"} if keep_data else {"facebook", "instagram", "threads"}
    assert {(o["channel"], o["action"]) for o in outcomes} == {(c, "reconciled") for c in expected}, outcomes
    assert len(server.remote(PAGE_ID)) == 1, "Facebook got a second post"
    assert len(server.remote(IG_ID)) == 1, "Instagram got a second post"
    assert len(server.remote(THREADS_ID)) == 1, "Threads got a second post"
    assert server.count("POST", f"/{IG_ID}/media_publish") == 1
    assert server.count("POST", f"/{THREADS_ID}/threads_publish") == 1
    saved = yaml.safe_load((lib.root / RECORD).read_text("utf-8"))["channels"]
    assert {cid: (rec["state"], rec["remote_id"]) for cid, rec in saved.items()} == {
        "facebook": ("published", server.remote(PAGE_ID)[0].id),
        "instagram": ("published", server.remote(IG_ID)[0].id),
        "threads": ("published", server.remote(THREADS_ID)[0].id),
    }
    # Every container published was read FINISHED first (never published blind).
    assert all(c.reads >= 1 for c in server.state.containers.values() if c.published)
    shutil.rmtree(tmp_path / "state", ignore_errors=True)
