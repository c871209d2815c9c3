"""`shelfpost metrics sync` for Facebook, Instagram and Threads: the counters and insights
of the library's posts and its followers, read from the Graph API server on 127.0.0.1,
into the same monthly files as Mastodon's and Bluesky's."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import Lib, run_cli
from meta_graph import IG_ID, PAGE_ID, PAGE_TOKEN, THREADS_ID, THREADS_TOKEN, MetaGraph
from test_metrics_mastodon import rows
from test_publish_meta import graph, pub, run  # noqa: F401  (graph, pub are fixtures)


def test_sync_records_counts_reach_views_and_followers(
    pub: Lib,  # noqa: F811
    graph: MetaGraph,  # noqa: F811
    tmp_path: Path,
) -> None:
    run(pub, tmp_path)
    (fb,) = graph.remote(PAGE_ID)
    (ig,) = graph.remote(IG_ID)
    (th,) = graph.remote(THREADS_ID)
    fb.counts = {
        "likes": 31,
        "comments": 4,
        "shares": 6,
        "post_impressions_unique": 900,
        "post_impressions": 1500,
    }
    ig.counts = {"likes": 57, "comments": 3, "shares": 2, "reach": 640, "views": 1100}
    th.counts = {"likes": 12, "replies": 5, "reposts": 1, "quotes": 1, "shares": 0, "views": 380}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    env |= {"SHELFPOST_TEST_FB_TOKEN": PAGE_TOKEN, "SHELFPOST_TEST_THREADS_TOKEN": THREADS_TOKEN}
    done = run_cli("metrics", "sync", "--now", "2026-11-26 20:00", cwd=pub.root, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "facebook: 1200 followers; 1 post(s) changed" in done.stdout
    accounts = {r["channel"]: r["followers"] for r in rows(pub.root, "accounts")}
    assert accounts == {"facebook": "1200", "instagram": "830", "threads": "410"}
    posts = {r["channel"]: r for r in rows(pub.root, "posts")}
    pick = ("likes", "shares", "replies", "quotes", "reach", "views")
    assert {c: tuple(r[k] for k in pick) for c, r in posts.items()} == {
        "facebook": ("31", "6", "4", "", "900", "1500"),
        "instagram": ("57", "2", "3", "", "640", "1100"),
        "threads": ("12", "1", "5", "1", "", "380"),
    }
    assert {r["post"] for r in posts.values()} == {"hello"}
