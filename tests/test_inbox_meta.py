"""The inbox of Facebook, Instagram and Threads: comments and replies under the library's
posts, and the library's answers, read from the Graph API server on 127.0.0.1 and kept
as keyed hashes, kinds and times only."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import Lib, run_cli
from inbox_seed import INBOX_KEY, rows
from meta_graph import IG_ID, PAGE_ID, PAGE_TOKEN, THREADS_ID, THREADS_TOKEN, MetaGraph
from test_publish_meta import NOW, graph, pub, run  # noqa: F401  (graph, pub are fixtures)

HOUR = 3600.0


def test_sync_counts_comments_and_replies_and_the_librarys_answers(
    pub: Lib,  # noqa: F811
    graph: MetaGraph,  # noqa: F811
    tmp_path: Path,
) -> None:
    run(pub, tmp_path)
    (fb,) = graph.remote(PAGE_ID)
    (ig,) = graph.remote(IG_ID)
    (th,) = graph.remote(THREADS_ID)
    t = NOW.timestamp()
    # Facebook: two comments from the public, the Page answers the first.
    first = graph.comment(fb.id, "900001", t + HOUR)
    graph.comment(fb.id, "900002", t + 2 * HOUR)
    graph.comment(fb.id, PAGE_ID, t + 3 * HOUR, parent=first, name="晴川市立圖書館")
    # Instagram: one comment, answered by the library's account.
    c = graph.comment(ig.id, "900003", t + HOUR)
    graph.comment(ig.id, IG_ID, t + 4 * HOUR, parent=c, name="qingchuanlib")
    # Threads: two replies, the library answers the second.
    graph.comment(th.id, "900004", t + HOUR)
    r = graph.comment(th.id, "900005", t + 2 * HOUR)
    graph.comment(th.id, THREADS_ID, t + 5 * HOUR, parent=r, name="qingchuanlib")

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")}
    env |= {
        "SHELFPOST_TEST_FB_TOKEN": PAGE_TOKEN,
        "SHELFPOST_TEST_THREADS_TOKEN": THREADS_TOKEN,
        "SHELFPOST_INBOX_KEY": INBOX_KEY,
        "SHELFPOST_STATE_DIR": str(tmp_path / "state"),
    }
    done = run_cli("inbox", "sync", "--now", "2026-11-26 20:00", cwd=pub.root, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    got = rows(pub.root)
    by: dict[str, list[str]] = {}
    for row in got:
        by.setdefault(row["channel"], []).append(row["state"])
    assert {k: sorted(v) for k, v in by.items()} == {
        "facebook": ["answered", "open"],
        "instagram": ["answered"],
        "threads": ["answered", "open"],
    }, got
    # Nothing of what the public wrote, nor who they are, is kept: no names, ids or texts.
    written = "".join(p.read_text("utf-8") for p in (pub.root / "data/interactions").rglob("*.*"))
    for secret in ("王小明", "留言內容", "回覆內容", "900001", "900003", "900005", first, c, r):
        assert secret not in written
