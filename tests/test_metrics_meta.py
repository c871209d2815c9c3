"""`shelfpost metrics sync` for Facebook, Instagram and Threads: the counters and insights
of the library's posts and its followers, read from the Graph API server on 127.0.0.1,
into the same monthly files as Mastodon's and Bluesky's."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import Lib, run_cli
from inbox_seed import INBOX_KEY
from meta_graph import IG_ID, PAGE_ID, PAGE_TOKEN, THREADS_ID, THREADS_TOKEN, MetaGraph
from test_metrics_mastodon import rows
from test_publish_meta import graph, pub, run  # noqa: F401  (graph, pub are fixtures)

META = ("facebook", "instagram", "threads")


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


def test_status_shows_each_meta_channels_followers_engagement_and_inbox(
    pub: Lib,  # noqa: F811
    graph: MetaGraph,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`status` has a row per channel with the numbers `metrics` and `inbox` give for the
    month: followers and their growth, the posts' interactions, the inbox's reply rate."""
    run(pub, tmp_path)
    (fb,) = graph.remote(PAGE_ID)
    (ig,) = graph.remote(IG_ID)
    (th,) = graph.remote(THREADS_ID)
    fb.counts = {"likes": 31, "comments": 4, "shares": 6, "post_impressions_unique": 900}
    ig.counts = {"likes": 57, "comments": 3, "shares": 2, "reach": 640}
    th.counts = {"likes": 12, "replies": 5, "reposts": 1, "quotes": 1, "views": 380}
    t = graph.state.now
    first = graph.comment(fb.id, "900001", t + 3600)
    graph.comment(fb.id, "900002", t + 7200)
    graph.comment(fb.id, PAGE_ID, t + 3 * 3600, parent=first, name="晴川市立圖書館")
    graph.comment(ig.id, "900003", t + 3600)
    graph.comment(th.id, "900004", t + 3600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    env |= {
        "SHELFPOST_TEST_FB_TOKEN": PAGE_TOKEN,
        "SHELFPOST_TEST_THREADS_TOKEN": THREADS_TOKEN,
        "SHELFPOST_INBOX_KEY": INBOX_KEY,
        "SHELFPOST_STATE_DIR": str(tmp_path / "state"),
    }

    def cli(*args: str) -> str:
        done = run_cli(*args, cwd=pub.root, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    cli("metrics", "sync", "--now", "2026-11-26 20:00")
    graph.state.followers = {PAGE_ID: 1230, IG_ID: 825, THREADS_ID: 455}
    cli("metrics", "sync", "--now", "2026-11-29 20:00")
    cli("inbox", "sync", "--now", "2026-11-29 20:00")

    status = json.loads(cli("status", "--month", "2026-11", "--now", "2026-11-30 09:00", "--format", "json"))
    got = {c["channel"]: c for c in status["channels"]}
    assert {c: (r["followers"], r["growth"]) for c, r in got.items() if c in META} == {
        "facebook": (1230, 30),
        "instagram": (825, -5),
        "threads": (455, 45),
    }
    assert {c: (r["received"], r["answered"], r["open"]) for c, r in got.items() if c in META} == {
        "facebook": (2, 1, 1),
        "instagram": (1, 0, 1),
        "threads": (1, 0, 1),
    }
    # The same numbers as `metrics` and `inbox` for the month.
    metrics = json.loads(
        cli("metrics", "--month", "2026-11", "--now", "2026-11-30 09:00", "--format", "json")
    )
    inbox = json.loads(cli("inbox", "--month", "2026-11", "--now", "2026-11-30 09:00", "--format", "json"))
    for cid in META:
        m, box = metrics["channels"][cid], inbox["channels"][cid]
        assert (got[cid]["interactions"], got[cid]["engagement_rate"], got[cid]["posts"]) == (
            m["interactions"],
            m["engagement_rate"],
            m["posts"],
        )
        assert got[cid]["reply_rate"] == box["reply_rate"]
    assert got["facebook"]["interactions"] > 0
    # And on the screen, one line per channel.
    screen = cli("status", "--month", "2026-11", "--now", "2026-11-30 09:00")
    lines = {line.split("│")[1].strip(): line for line in screen.splitlines() if line.count("│") > 5}
    assert "1,230" in lines["facebook"] and "+30" in lines["facebook"]
    assert "+45" in lines["threads"] and "-5" in lines["instagram"]
    # Growth is a share of the followers: (30 - 5 + 45) / (1200 + 830 + 410), against the 2% goal.
    (growth,) = [line for line in screen.splitlines() if "Follower growth" in line]
    assert "+2.9%" in growth and " 2% " in growth, growth
