"""Each run of `metrics sync` and `inbox sync` fits the platform's documented rate limit
at the scale of 10,000 posts over three years (issue 18, item 5), counted on the real
test servers:

- Mastodon: 300 calls / 5 min per account. mastodon-mock enforces exactly that here
  (its rate limiting, on), with the fault proxy in front counting every call.
- Meta Graph: 200 calls / hour per user (the app's platform limit; Business Use Case
  limits per Page / account on top), counted by tests/meta_graph.py.
- GitHub: 1,000 requests / hour for GITHUB_TOKEN in Actions (5,000 for a token),
  counted by tests/github_api.py, for posting a report.
- Bluesky is not run here: its AppView allows 3,000 calls / 5 min per IP and getPosts
  takes 25 posts a call, so the 2,500 posts of ``MAX_POSTS["bluesky"]`` are 100 calls
  (tests/test_metrics_bluesky.py checks the batching on the real PDS and AppView).

What is real and what is generated: the library's statuses live on mastodon-mock (240
of them in the last 30 days: more than one run's budget of 200); the other 9,760 of
the 10,000 publication records (``data/published/``, written with
``shelfpost.library.records.save_record``, the publish run's own writer; only its
fsync is skipped, for speed) point at posts from the three years before. With the
default ``older_posts: 0`` those are never read: the calls of a run do not grow with
the library's age, only with the posts of the last ``post_days`` days, and they are
capped by ``MAX_POSTS`` at any size.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from mastodon_mock.config import DatabaseConfig, RateLimitConfig
from mastodon_mock.testing import MockServer
from mastodon_mock.testing.server import _default_config

import shelfpost.inbox.mastodon as mastodon_reader
import shelfpost.library.records as records_module
from conftest import Lib, copy_sample, run_cli
from fault_proxy import FaultProxy
from github_api import GitHubAPI
from inbox_seed import INBOX_KEY, Masto
from inbox_seed import rows as inbox_rows
from meta_graph import PAGE_ID, PAGE_TOKEN, THREADS_TOKEN, MetaGraph, Remote
from shelfpost.library.records import ChannelRecord, PostRecord, save_record
from shelfpost.metrics.sync import MAX_POSTS, ROTATION_SHARE, Published, plan_reads
from test_metrics_mastodon import rows
from test_publish_meta import channels_yml as meta_channels_yml

TOKEN_VAR = "SHELFPOST_TEST_MASTODON_TOKEN"
MASTODON_LIMIT = 300  # calls per 5 minutes per account (Mastodon's default)
META_LIMIT = 200  # calls per hour per user (Graph API platform rate limit)
RECENT = 240  # the library's statuses of the last 30 days (10,000 posts / 3 years = ~9 a day)
TOTAL = 10_000
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _server(db: Path, limited: bool) -> MockServer:
    config = _default_config().model_copy(
        update={
            "database": DatabaseConfig(path=str(db)),
            "ratelimit": RateLimitConfig(enabled=limited, limit=MASTODON_LIMIT, window_seconds=300),
        }
    )
    return MockServer(config=config)


def _at(i: int) -> datetime:
    """Post ``i`` of 10,000, newest first: two hours apart in the last 30 days, then
    spread over the three years before."""
    if i < RECENT:
        return NOW - timedelta(hours=2 * i + 1)
    return NOW - timedelta(days=31) - timedelta(hours=2.6 * (i - RECENT))


def _slug(i: int) -> str:
    return f"{_at(i):%Y-%m-%d}-post-{i:05d}"


def _save(root: Path, i: int, remotes: dict[str, str]) -> None:
    at, slug = _at(i), _slug(i)
    channels = {
        c: ChannelRecord("published", f"k-{c}-{i}", r, None, at.isoformat()) for c, r in remotes.items()
    }
    save_record(root, PostRecord(slug, f"content/posts/{at:%Y}/{slug}.md", channels))


@pytest.fixture(scope="session")
def older_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 9,760 records of the three years before the last 30 days, written once."""
    root = tmp_path_factory.mktemp("older-records")
    with pytest.MonkeyPatch.context() as mp:  # save_record without its fsync, for speed
        mp.setattr(records_module, "write_atomically", lambda path, text: path.write_text(text, "utf-8"))
        for i in range(RECENT, TOTAL):
            _save(root, i, {"mastodon": f"9{i:08d}", "facebook": f"{PAGE_ID}_9{i:08d}"})
    return root / "data/published"


def _records(
    lib: Lib, channel: str, recent: list[str], older: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """10,000 publication records: ``recent`` (real remote ids) in the last 30 days, the
    others (ids of posts the servers do not have) before."""
    shutil.copytree(older, lib.root / "data/published")
    monkeypatch.setattr(records_module, "write_atomically", lambda path, text: path.write_text(text, "utf-8"))
    for i, remote in enumerate(recent):
        _save(lib.root, i, {channel: remote})
    return [_slug(i) for i in range(TOTAL)]


@pytest.fixture
def mastodon(tmp_path: Path) -> Iterator[dict[str, object]]:
    """The library's 240 statuses and its fans, seeded on an SQLite file without limits;
    the tests then run against the same data with Mastodon's limit enforced."""
    db = tmp_path / "mastodon.sqlite"
    with _server(db, limited=False) as seed:
        m = Masto(seed.base_url)
        token = m.user("qingchuan_lib_rl", "晴川測試圖書館")
        fans = [m.user(f"zq_rl_fan_{i}", f"Fan {i}") for i in range(3)]
        statuses = [str(m.post(token, f"第 {i} 篇 post {i}")["id"]) for i in range(RECENT)]
        mentions = [str(m.post(fans[i % 3], f"@qingchuan_lib_rl 請問 {i}")["id"]) for i in range(90)]
    yield {"db": db, "token": token, "fans": fans, "statuses": statuses[::-1], "mentions": mentions}


def _env(token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_") and k != "CI"}
    return {**env, TOKEN_VAR: token, "SHELFPOST_INBOX_KEY": INBOX_KEY, "SHELFPOST_PROGRESS": "off"}


def _channel(lib: Lib, instance: str) -> None:
    lib.write(
        "plan/channels.yml",
        "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n"
        f"    instance: {instance}\n    credentials: {{access_token: {TOKEN_VAR}}}\n",
    )


def test_metrics_sync_fits_mastodons_limit_and_resumes_after_a_429(
    lib: Lib, mastodon: dict[str, object], older_records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, statuses = str(mastodon["token"]), list(mastodon["statuses"])  # type: ignore[call-overload]
    slugs = _records(lib, "mastodon", statuses, older_records, monkeypatch)
    budget = MAX_POSTS["mastodon"]
    assert budget < RECENT  # the last 30 days alone do not fit one run

    with _server(Path(str(mastodon["db"])), limited=True) as server:
        proxy = FaultProxy(server.base_url)
        _channel(lib, proxy.url)
        first = run_cli("metrics", "sync", "--now", NOW.isoformat(), cwd=lib.root, env=_env(token))
        assert first.returncode == 0, first.stderr
        calls = len(proxy.hits)
        assert calls == 1 + budget <= MASTODON_LIMIT  # verify_credentials + one status a post
        assert proxy.count("GET", r".*", 429) == 0
        assert f"{budget} post(s) changed" in first.stdout
        read = {r["post"] for r in rows(lib.root, "posts")}
        newest = budget - budget // ROTATION_SHARE
        assert set(slugs[:newest]) <= read and len(read) == budget  # the newest, then the rotation

        # Fans like three of the newest posts; a second run in the same 5 minutes has
        # only 300 - 201 = 99 calls left: the server answers 429 part-way.
        m = Masto(server.base_url)
        fans = list(mastodon["fans"])  # type: ignore[call-overload]
        for sid in statuses[:3]:
            requests.post(
                f"{server.base_url}/api/v1/statuses/{sid}/favourite",
                headers={"Authorization": f"Bearer {fans[0]}"},
                timeout=10,
            ).raise_for_status()
        del m
        before = len(proxy.hits)
        second = run_cli(
            "metrics",
            "sync",
            "--now",
            (NOW + timedelta(minutes=1)).isoformat(),
            cwd=lib.root,
            env=_env(token),
        )
        assert second.returncode == 1
        assert proxy.count("GET", r".*", 429) >= 1
        assert len(proxy.hits) - before <= MASTODON_LIMIT - calls + 1  # it stopped at the first 429
        assert (
            "mastodon: not synced: rate limited (429): 75 of 200 posts read and kept; the next run goes on"
            in (second.stderr)
        )
        liked = [r for r in rows(lib.root, "posts") if r["post"] in slugs[:3] and r["likes"] == "1"]
        assert len(liked) == 3  # what was read before the 429 is written, not thrown away
        proxy.close()

    # The next run (a new window: the server restarted) reads its budget again and goes on
    # with the rotation where the first run left it: now every post of the 30 days has a row.
    with _server(Path(str(mastodon["db"])), limited=True) as server:
        proxy = FaultProxy(server.base_url)
        _channel(lib, proxy.url)
        third = run_cli(
            "metrics", "sync", "--now", (NOW + timedelta(hours=1)).isoformat(), cwd=lib.root, env=_env(token)
        )
        assert third.returncode == 0, third.stderr
        assert len(proxy.hits) == 1 + budget and proxy.count("GET", r".*", 429) == 0
        assert {r["post"] for r in rows(lib.root, "posts")} == set(slugs[:RECENT])
        assert (lib.root / "data/metrics/sync.yml").read_text("utf-8").count("after:") == 1
        proxy.close()


def test_inbox_sync_fits_mastodons_limit(lib: Lib, mastodon: dict[str, object]) -> None:
    token = str(mastodon["token"])
    with _server(Path(str(mastodon["db"])), limited=True) as server:
        proxy = FaultProxy(server.base_url)
        _channel(lib, proxy.url)
        done = run_cli("inbox", "sync", "--now", datetime.now(UTC).isoformat(), cwd=lib.root, env=_env(token))
        assert done.returncode == 0, done.stderr
        assert "mastodon: 90 new" in done.stdout
        # verify_credentials, the notifications 40 a page down to the checkpoint, the
        # library's statuses 40 a page back to the oldest open item: no call per item.
        pages = math.ceil(90 / 40) + math.ceil(RECENT / 40)
        assert 1 + pages <= len(proxy.hits) <= 1 + pages + 2 <= MASTODON_LIMIT
        assert proxy.count("GET", r".*", 429) == 0
        proxy.close()


def test_inbox_sync_fits_mastodons_limit_when_the_library_answers_many_private_messages(
    lib: Lib, tmp_path: Path
) -> None:
    """A private answer makes the reader read its conversation (one call each, so the earlier
    messages count as answered too). 300 answered private messages in the window were 300
    such calls on top of the pages: every run stopped at the same 429 and the inbox never
    synced. A run reads at most ``CONVERSATIONS`` of them, newest first."""
    db = tmp_path / "dm.sqlite"
    many = 300
    with _server(db, limited=False) as seed:
        m = Masto(seed.base_url)
        token = m.user("qingchuan_lib_dm", "晴川測試圖書館")
        fan = m.user("zq_dm_fan", "Fan")
        for i in range(many):
            asked = m.post(fan, f"@qingchuan_lib_dm 續借 {i}", visibility="direct")
            m.post(token, f"@zq_dm_fan 好的 {i}", visibility="direct", in_reply_to_id=asked["id"])
        # The newest conversation: two messages, one answer to the second.
        first = m.post(fan, "@qingchuan_lib_dm 請問開館時間", visibility="direct")
        second = m.post(fan, "@qingchuan_lib_dm 還有週末呢", visibility="direct", in_reply_to_id=first["id"])
        m.post(token, "@zq_dm_fan 每天九點", visibility="direct", in_reply_to_id=second["id"])
    with _server(db, limited=True) as server:
        proxy = FaultProxy(server.base_url)
        _channel(lib, proxy.url)
        done = run_cli("inbox", "sync", "--now", datetime.now(UTC).isoformat(), cwd=lib.root, env=_env(token))
        assert done.returncode == 0, done.stdout + done.stderr
        assert proxy.count("GET", r".*", 429) == 0
        contexts = proxy.count("GET", r".*/api/v1/statuses/\d+/context.*", None)
        assert contexts == mastodon_reader.CONVERSATIONS
        assert len(proxy.hits) <= MASTODON_LIMIT
        found = [r for r in inbox_rows(lib.root) if r["channel"] == "mastodon"]
        assert len(found) == many + 2
        # Each answer's own message from in_reply_to_id; the first message of the newest
        # conversation from reading that conversation.
        assert [r["state"] for r in found].count("answered") == many + 2
        assert f"mastodon: {many + 2} new, {many + 2} newly answered" in done.stdout
        proxy.close()


def test_metrics_sync_fits_the_graph_apis_hourly_limit(
    lib: Lib, older_records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = MetaGraph()
    try:
        graph.state.now = NOW.timestamp()
        ids = [f"{PAGE_ID}_{7000 + i}" for i in range(150)]
        for i, oid in enumerate(ids):
            graph.state.posts[oid] = Remote(
                oid, PAGE_ID, f"貼文 {i}", NOW.timestamp() - 7200 * (i + 1), "feed", counts={"likes": i}
            )
        lib.write("plan/channels.yml", meta_channels_yml(graph.url))
        _records(lib, "facebook", ids, older_records, monkeypatch)
        env = _env("")
        env |= {"SHELFPOST_TEST_FB_TOKEN": PAGE_TOKEN, "SHELFPOST_TEST_THREADS_TOKEN": THREADS_TOKEN}
        done = run_cli(
            "metrics", "sync", "--channel", "facebook", "--now", NOW.isoformat(), cwd=lib.root, env=env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        calls = graph.count("GET", r".*")
        # the Page's followers, then per post its counters and its insights
        assert calls == 1 + 2 * MAX_POSTS["facebook"] <= META_LIMIT
        assert f"{MAX_POSTS['facebook']} post(s) changed" in done.stdout
    finally:
        graph.close()


def _published(n: int, start: datetime, step: timedelta) -> list[Published]:
    return sorted(
        (Published(f"p{i:05d}", str(i), start + i * step) for i in range(n)), key=lambda p: (p.at, p.slug)
    )


def test_the_rotation_of_older_posts_covers_them_all_in_turn() -> None:
    posts = _published(1000, NOW - timedelta(days=3 * 365), timedelta(days=1.1))
    recent, rotation = plan_reads(posts, NOW, 30, 200, None, older=100)
    assert len(recent) == sum(1 for p in posts if p.at >= NOW - timedelta(days=30))
    assert len(rotation) == 100 and rotation[0] == posts[0]
    seen, after = set(), None
    for _ in range(10):
        recent, rotation = plan_reads(posts, NOW, 30, 200, after, older=100)
        seen |= {p.slug for p in rotation}
        after = f"{rotation[-1].at.isoformat()} {rotation[-1].slug}"
    assert seen == {p.slug for p in posts if p.slug not in {r.slug for r in recent}}  # wrapped round
    none_older = plan_reads(posts, NOW, 30, 200, None, older=0)
    assert none_older[1] == []  # by default only the last post_days days are read


GITHUB_ACTIONS_LIMIT = 1000  # GITHUB_TOKEN in Actions: 1,000 requests / hour / repository


def test_posting_a_report_after_three_years_of_reports_fits_githubs_limit(
    tmp_path: Path, github: GitHubAPI
) -> None:
    """Three years of report issues (156 weekly, 36 monthly, 12 quarterly) under the
    label: posting one more report lists them (a page per 100 at most) and writes once."""
    from shelfpost.reports.posting import LABEL

    root = tmp_path / "library"
    copy_sample(root)
    for i in range(156 + 36 + 12):
        github.add_issue(f"Report {i}", f"<!-- shelfpost:report=weekly:old-{i} -->", labels=(LABEL,))
    github.token("report-token", "github-actions[bot]", "contents: read", "issues: write")
    before = len(github.requests)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SHELFPOST_"))}
    env |= github.env("report-token") | {"SHELFPOST_PROGRESS": "off"}
    done = run_cli("report", "monthly", "--now", "2026-11-26T12:00:00+08:00", "--post", cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert "created issue #205" in done.stderr
    calls = github.requests[before:]
    lists = [c for c in calls if c[0] == "GET" and c[1].endswith("/issues")]
    assert [c for c in calls if c[0] in ("POST", "PATCH")] == [("POST", "/api/v3/repos/library/site/issues")]
    assert len(lists) <= math.ceil(204 / 30)  # github3's pages (30 or 100 an issue)
    assert len(calls) <= len(lists) + 4 < GITHUB_ACTIONS_LIMIT
