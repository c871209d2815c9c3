"""The review bot and the audit trail against GitHub's REST API on 127.0.0.1
(tests/github_api.py, through github3.py as a GitHub Enterprise server). Libraries are
real folders (conftest's ``Lib``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Lib, invoke
from github_api import EPOCH, GitHubAPI
from shelfpost import load_library
from shelfpost.github import GitHubProblem, RepoClient, ReviewInfo, connect
from shelfpost.github.audit import audit_rows, judge, record_audit
from shelfpost.github.review import (
    MARKER,
    STATUS_CONTEXT,
    md,
    relative,
    report_from_json,
    review_rule,
)
from shelfpost.library.model import Member
from shelfpost.library.records import AuditRecord, ChannelRecord, PostRecord, load_record, save_record
from shelfpost.library.runs import last_publish_warning, record_publish_run

TPE = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=TPE)
OWNER, NAME = "qingchuan", "social"
REPO = f"{OWNER}/{NAME}"
BOT = "github-actions[bot]"
HEAD = "a" * 40


@pytest.fixture
def gh(github: GitHubAPI) -> GitHubAPI:
    """The library's repository; the review workflow's token is the bot's."""
    github.full_name = REPO
    github.token("bot-token", BOT)
    return github


TEAM = """\
members:
  amy: {name: 林艾美, github: amy-lin, roles: [lead, editor, reviewer]}
  bob: {name: Bob Chen, github: bobchen, roles: [reviewer]}
  cat: {name: 蔡小貓, github: cat-tsai, roles: [editor]}
"""
CHANNELS = """\
channels:
  site: {kind: site, name: Site}
  mastodon: {kind: mastodon, name: Mastodon, credentials: {access_token: SHELFPOST_MASTODON_TOKEN}}
  bluesky: {kind: bluesky, name: Bluesky}
"""
CALENDAR = """\
slots:
  - {date: 2026-12-01, type: news, topic: 冬季開館時間, owner: amy, channels: [mastodon], post: winter-hours}
  - {date: 2026-12-02, type: news, topic: 還沒有人寫, owner: cat}
"""
WINTER = "content/posts/2026/2026-12-01-winter-hours.md"


@pytest.fixture
def library(lib: Lib) -> Lib:
    lib.write("plan/team.yml", TEAM)
    lib.write("plan/channels.yml", CHANNELS)
    lib.write("calendar/2026-12.yml", CALENDAR)
    lib.image()
    lib.post(
        "2026-12-01-winter-hours",
        title="冬季開館時間 Winter hours",
        publish_at="2026-12-01 10:00",
        extra=(
            "tags: [開館時間]\nchannels: [mastodon, bluesky]\n"
            "image: ../../media/pic.png\nimage_alt: 閱覽室裡的長桌與檯燈\n"
        ),
    )
    lib.post("2026-11-01-old-news", publish_at="2026-11-01 10:00")
    return lib


def run(args: list[str], gh: GitHubAPI | None, token: str | None = "bot-token") -> Any:
    """``shelfpost ARGS`` in this process, as the review workflow runs it."""
    env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": gh.base if gh else None}
    return invoke(*args, env=env)


def review(root: Path, gh: GitHubAPI, pr: int = 7, *extra: str) -> Any:
    return run(
        ["review", "--repo", REPO, "--pr", str(pr), "--now", "2026-11-28 10:00", "--root", str(root), *extra],
        gh,
    )


def bot_comments(gh: GitHubAPI, pr: int = 7) -> list[dict[str, Any]]:
    return [c for c in gh.comments[pr] if c["user"] == BOT]


# --- the sticky comment --------------------------------------------------------------------


def test_sticky_comment_is_created_then_edited_never_duplicated(library: Lib, gh: GitHubAPI) -> None:
    gh.add_pull(7, "cat-tsai", [WINTER, "README.md"])
    # Someone quotes the marker: the bot must not take that comment for its own.
    gh.comments[7].append({"id": 5, "user": "cat-tsai", "body": f"{MARKER} I copied this"})
    first = review(library.root, gh)
    assert first.exit_code == 0, first.output
    assert "comment: created" in first.output
    assert len(bot_comments(gh)) == 1
    assert "冬季開館時間 Winter hours" in bot_comments(gh)[0]["body"]

    library.post(
        "2026-12-01-winter-hours",
        title="冬季開館時間（更新）",
        publish_at="2026-12-01 10:00",
        extra="channels: [mastodon]\n",
    )
    second = review(library.root, gh)
    assert second.exit_code == 0, second.output
    assert "comment: edited" in second.output
    assert len(bot_comments(gh)) == 1  # edited, never a second one
    assert "冬季開館時間（更新）" in bot_comments(gh)[0]["body"]
    assert gh.comments[7][0]["body"] == f"{MARKER} I copied this"  # the human's comment is untouched
    posts = [r for r in gh.writes() if r[0] == "POST" and r[1].endswith("/comments")]
    patches = [r for r in gh.writes() if r[0] == "PATCH"]
    assert len(posts) == 1 and len(patches) == 1

    third = review(library.root, gh)
    assert "comment: unchanged" in third.output
    assert len([r for r in gh.writes() if r[0] == "PATCH"]) == 1


def test_comment_shows_what_each_post_will_look_like(library: Lib, gh: GitHubAPI) -> None:
    gh.add_pull(7, "cat-tsai", [WINTER])
    result = review(library.root, gh)
    assert result.exit_code == 0, result.output
    body = bot_comments(gh)[0]["body"]
    assert body.startswith(MARKER)
    assert "| type | 最新消息" not in body  # the test library uses the default type labels
    assert "| type | News (`news`) |" in body
    assert "| publish time | 2026-12-01 10:00 (Asia/Taipei), in 3 days |" in body
    assert "fills 2026-12-01 冬季開館時間 (owner `amy`, now scheduled" in body
    assert "| image | `content/media/pic.png` |" in body
    assert "| alt text | 閱覽室裡的長桌與檯燈 |" in body
    mastodon = re.search(r"\*\*Mastodon\*\* \(`mastodon`\): (\d+) / 500 characters ✅", body)
    bluesky = re.search(r"\*\*Bluesky\*\* \(`bluesky`\): (\d+) / 300 graphemes ✅", body)
    assert mastodon and bluesky
    # The link counts 23 on Mastodon, whatever its real length.
    assert "https://lib.example.org/posts/winter-hours/" in body
    assert "#開館時間" in body
    # Bluesky: the image replaces the link card, so the link is in the text, shown as Bluesky shows it.
    assert "#開館時間\n\nlib.example.org/posts/winter…\n```" in body  # a path of 20: its first 13 + "…"
    assert "- `lib.example.org/posts/winter…` links to <https://lib.example.org/posts/winter-hours/>" in body
    assert "No problems found" in body


def test_changed_files_are_read_across_pages(library: Lib, gh: GitHubAPI) -> None:
    code = [f"src/module_{i:03}.py" for i in range(129)]
    gh.add_pull(7, "cat-tsai", [*code, WINTER])  # the post is on the second page
    result = review(library.root, gh)
    assert result.exit_code == 0, result.output
    pages = [p for m, p in gh.requests if p.endswith("/pulls/7/files")]
    assert len(pages) == 2
    body = bot_comments(gh)[0]["body"]
    assert "冬季開館時間 Winter hours" in body
    assert "1 post(s) and 0 other content file(s) changed" in body


def test_rate_limit_is_waited_out_when_short(library: Lib, gh: GitHubAPI) -> None:
    now = [EPOCH]  # one clock for GitHub and the client; the client's sleep moves it
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    gh.clock = lambda: now[0]
    gh.add_pull(7, "cat-tsai", [WINTER])
    gh.spend_rate_limit("bot-token", reset=EPOCH + 30)
    client = RepoClient(connect("bot-token", gh.base), REPO, sleep=sleep, clock=lambda: now[0])
    files = client.changed_files(7)
    assert [f.path for f in files] == [WINTER]
    assert slept == [31.0]  # until the reset GitHub named, and a second more
    assert gh.requests.count(("GET", f"/api/v3/repos/{REPO}")) == 2  # refused once, then answered


def test_rate_limit_too_long_is_reported_and_nothing_is_written(library: Lib, gh: GitHubAPI) -> None:
    gh.add_pull(7, "cat-tsai", [WINTER])
    slept: list[float] = []
    gh.spend_rate_limit("bot-token", reset=EPOCH + 3600)
    client = RepoClient(connect("bot-token", gh.base), REPO, sleep=slept.append, clock=lambda: EPOCH)
    with pytest.raises(GitHubProblem) as caught:
        client.changed_files(7)
    assert caught.value.kind == "rate-limit"
    assert "rate limit" in caught.value.message and "2027-01-15 09:00 UTC" in caught.value.message
    assert "about 60 min" in caught.value.message
    assert slept == []

    gh.spend_rate_limit("bot-token", reset=4102444800)  # 2100: far beyond any wait
    result = review(library.root, gh)
    assert result.exit_code == 1
    assert "rate limit" in result.output and "Nothing was written" in result.output
    assert gh.writes() == []


def test_deleted_branch_404_is_a_clear_message(library: Lib, gh: GitHubAPI) -> None:
    gh.add_pull(7, "cat-tsai", [WINTER])
    gh.fail("GET", r"/pulls/7/files$", 404, "Not Found")
    result = review(library.root, gh)
    assert result.exit_code == 1
    assert "404 Not Found" in result.output
    assert "deleted branch" in result.output
    assert gh.writes() == []


def test_pull_request_without_content_gets_no_comment(library: Lib, gh: GitHubAPI) -> None:
    gh.add_pull(7, "cat-tsai", ["src/shelfpost/cli.py", "README.md"])
    result = review(library.root, gh)
    assert result.exit_code == 0, result.output
    assert "comment: none" in result.output
    assert gh.comments[7] == []
    assert gh.statuses and gh.statuses[-1]["context"] == STATUS_CONTEXT

    # A pull request that once touched content keeps its comment, now short.
    gh.comments[7].append({"id": 9, "user": BOT, "body": f"{MARKER}\nold preview"})
    result = review(library.root, gh)
    assert "comment: edited" in result.output
    body = gh.comments[7][0]["body"]
    assert "changes no posts, pages or plan files (2 file(s) changed)" in body
    assert len(body) < 600


def test_broken_front_matter_shows_errors_with_lines(library: Lib, gh: GitHubAPI) -> None:
    library.post(
        "2026-12-03-broken",
        "---\ntitle: 壞掉的文章\npublish_at: 2026-12-03 10:00\n\tsummary: tab\n---\nbody\n",
    )
    library.post("2026-12-04-unclosed", "---\ntitle: 沒有結尾\npublish_at: 2026-12-04 10:00\n")
    broken, unclosed = "content/posts/2026/2026-12-03-broken.md", "content/posts/2026/2026-12-04-unclosed.md"
    gh.add_pull(7, "cat-tsai", [broken, unclosed, WINTER])
    result = review(library.root, gh)
    assert result.exit_code == 0, result.output
    body = bot_comments(gh)[0]["body"]
    assert f"`{broken}` · post · added" in body
    assert re.search(r"- ❌ line 4, column \d+: .*tab", body)
    assert "- ❌ line 1, column 1: the front matter opened here is never closed" in body
    assert "❌ 2 error(s) to fix" in body
    assert "冬季開館時間 Winter hours" in body  # the good post is still previewed


# --- the review rule -----------------------------------------------------------------------

MEMBERS = {
    "amy": Member("amy", "林艾美", "amy-lin", ("lead", "editor", "reviewer")),
    "bob": Member("bob", "Bob", "bobchen", ("reviewer",)),
    "cat": Member("cat", "Cat", "cat-tsai", ("editor",)),
}


def reviews(*pairs: tuple[str, str]) -> list[ReviewInfo]:
    return [ReviewInfo(u, s, None, None) for u, s in pairs]


def test_review_rule_counts_only_other_reviewers() -> None:
    assert review_rule("amy-lin", reviews(("amy-lin", "APPROVED")), MEMBERS).state == "pending"
    assert (
        "author's own approval"
        in review_rule("amy-lin", reviews(("amy-lin", "APPROVED")), MEMBERS).description
    )
    assert review_rule("amy-lin", reviews(("bobchen", "APPROVED")), MEMBERS).state == "success"
    assert (
        review_rule("amy-lin", reviews(("BobChen", "APPROVED")), MEMBERS).state == "success"
    )  # logins ignore case
    not_reviewer = review_rule("amy-lin", reviews(("cat-tsai", "APPROVED")), MEMBERS)
    assert not_reviewer.state == "pending" and "not a reviewer" in not_reviewer.description
    changed = reviews(("bobchen", "APPROVED"), ("bobchen", "CHANGES_REQUESTED"))
    assert review_rule("amy-lin", changed, MEMBERS).state == "pending"
    kept = reviews(("bobchen", "APPROVED"), ("bobchen", "COMMENTED"))
    assert review_rule("amy-lin", kept, MEMBERS).state == "success"
    dismissed = reviews(("bobchen", "APPROVED"), ("bobchen", "DISMISSED"))
    assert review_rule("amy-lin", dismissed, MEMBERS).state == "pending"


def test_review_rule_status_on_the_head_commit(library: Lib, gh: GitHubAPI) -> None:
    gh.add_pull(7, "amy-lin", [WINTER])
    gh.pulls[7].reviews = [("amy-lin", "APPROVED")]
    review(library.root, gh)
    assert gh.statuses[-1]["state"] == "pending"
    assert gh.statuses[-1]["sha"] == HEAD and gh.statuses[-1]["context"] == "shelfpost/review-rule"
    assert "⏳" in bot_comments(gh)[0]["body"]
    gh.pulls[7].reviews.append(("bobchen", "APPROVED"))
    review(library.root, gh)
    assert gh.statuses[-1]["state"] == "success"
    assert "bobchen" in gh.statuses[-1]["description"]
    assert "**Review rule**: ✅ approved by bobchen" in bot_comments(gh)[0]["body"]


# --- the fork-safe split -----------------------------------------------------------------------


def test_report_only_then_post_from_report(library: Lib, gh: GitHubAPI, tmp_path: Path) -> None:
    gh.add_pull(7, "cat-tsai", [WINTER])
    out = tmp_path / "review" / "report.json"
    result = review(library.root, gh, 7, "--report-only", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert gh.writes() == []  # a read-only token is enough
    assert report_from_json(out.read_text(encoding="utf-8")).head_sha == HEAD

    base = [
        "review",
        "--repo",
        REPO,
        "--from-report",
        str(out),
        "--now",
        "2026-11-28 10:00",
        "--root",
        str(library.root),
    ]
    stale = run([*base, "--head-sha", "b" * 40], gh)
    assert stale.exit_code == 0 and "not posted" in stale.output
    assert gh.writes() == []
    posted = run([*base, "--head-sha", HEAD], gh)
    assert posted.exit_code == 0, posted.output
    assert len(bot_comments(gh)) == 1 and gh.statuses[-1]["sha"] == HEAD


def test_a_report_is_only_data(library: Lib, gh: GitHubAPI, tmp_path: Path) -> None:
    gh.add_pull(7, "cat-tsai", [WINTER])
    out = tmp_path / "report.json"
    review(library.root, gh, 7, "--report-only", "--out", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    data["files"][0]["title"] = "@everyone <img src=x onerror=alert(1)> [click](https://evil.example)"
    data["files"][0]["channels"][0]["text"] = "``` \n@here"
    data["files"][0]["channels"][1]["links"] = [["x", "https://a.example/) [go](https://evil.example"]]
    out.write_text(json.dumps(data), encoding="utf-8")
    base = [
        "review",
        "--repo",
        REPO,
        "--from-report",
        str(out),
        "--head-sha",
        HEAD,
        "--root",
        str(library.root),
    ]
    assert run(base, gh).exit_code == 0
    body = bot_comments(gh)[0]["body"]
    assert "@everyone" not in body and "<img" not in body and "[click]" not in body
    assert "&#64;everyone &lt;img src=x onerror=alert(1)&gt; \\[click\\]" in body
    assert "````text\n``` \n@here\n````" in body  # a longer fence keeps the text inside
    assert "- `x` links to `https://a.example/) [go](https://evil.example`" in body  # not a link

    data["pr"] = "7; rm -rf /"
    out.write_text(json.dumps(data), encoding="utf-8")
    before = list(gh.writes())
    bad = run(base, gh)
    assert bad.exit_code == 1 and "pr: expected int" in bad.output
    assert gh.writes() == before


def test_missing_token_or_permission_says_which(library: Lib, gh: GitHubAPI) -> None:
    gh.add_pull(7, "cat-tsai", [WINTER])
    args = ["review", "--repo", REPO, "--pr", "7", "--root", str(library.root)]
    missing = run(args, gh, token=None)
    assert missing.exit_code == 1
    assert "GITHUB_TOKEN is not set" in missing.output and "pull-requests: write" in missing.output
    bad = run(args, gh, token="expired")
    assert bad.exit_code == 1 and "401 Bad credentials" in bad.output

    # A token that may read pull requests but not comment on them (a fork's, say).
    gh.token("read-token", BOT, "contents: read", "pull_requests: read", "statuses: write")
    denied = run(args, gh, token="read-token")
    assert denied.exit_code == 1
    assert "needs the permission 'pull-requests: write'" in denied.output
    assert "Resource not accessible by integration" in denied.output
    assert gh.comments[7] == [] and gh.statuses == []  # nothing half-written


def test_markdown_escaping_and_relative_times() -> None:
    assert md("a_b *c* @dee <b>") == "a\\_b \\*c\\* &#64;dee &lt;b&gt;"
    assert relative(NOW + timedelta(days=3, hours=2), NOW) == "in 3 days"
    assert relative(NOW - timedelta(hours=1), NOW) == "1 hour ago"
    assert relative(NOW + timedelta(seconds=20), NOW) == "now"


# --- the audit trail ---------------------------------------------------------------------------

OLD = "content/posts/2026/2026-11-01-old-news.md"


def test_audit_record_from_merge_commit_to_pull_request_to_reviews(library: Lib, gh: GitHubAPI) -> None:
    merge = "c" * 40
    gh.add_pull(5, "cat-tsai", [OLD], merged_sha=merge)
    gh.pulls[5].reviews = [
        ("bobchen", "CHANGES_REQUESTED"),
        ("amy-lin", "APPROVED"),
        ("bobchen", "APPROVED"),
        ("cat-tsai", "COMMENTED"),
    ]
    gh.commits[OLD] = [(merge, "cat-tsai")]
    gh.commit_pulls[merge] = [5]
    save_record(
        library.root,
        PostRecord(
            "old-news", OLD, {"mastodon": ChannelRecord("published", "k1")}, extra={"metrics": {"boosts": 3}}
        ),
    )
    loaded = load_library(library.root)
    post = next(p for p in loaded.posts if p.path == OLD)
    client = RepoClient(connect("bot-token", gh.base), REPO, sleep=lambda s: None, clock=lambda: 0.0)
    audit = record_audit(library.root, REPO, post, client, NOW)
    assert audit == AuditRecord("cat-tsai", ("amy-lin", "bobchen"), 5, merge, "2026-11-28T02:00:00+00:00")
    record = load_record(library.root, "old-news")
    assert record.audit == audit
    assert record.channels["mastodon"].state == "published"  # the publish run's section is kept
    assert record.extra == {"metrics": {"boosts": 3}}
    assert judge(audit) == ("reviewed", "approved by amy-lin, bobchen")


def test_pull_requests_of_a_commit_not_listed_before(library: Lib, gh: GitHubAPI) -> None:
    merge = "c" * 40
    gh.add_pull(5, "cat-tsai", [OLD], merged_sha=merge)
    gh.commits[OLD] = [(merge, "cat-tsai")]
    gh.commit_pulls[merge] = [5]
    client = RepoClient(connect("bot-token", gh.base), REPO, sleep=lambda s: None, clock=lambda: 0.0)
    (pull,) = client.pulls_of_commit(merge)  # reads the commit first, then its pull requests
    assert (pull.number, pull.merged, pull.merge_commit_sha, pull.author) == (5, True, merge, "cat-tsai")
    with pytest.raises(GitHubProblem) as caught:
        client.pulls_of_commit("e" * 40)
    assert "GitHub answered 422 No commit found for SHA" in caught.value.message


def test_audit_record_cli_fills_only_missing_audits(library: Lib, gh: GitHubAPI) -> None:
    direct = "d" * 40
    gh.commits[OLD] = [(direct, "amy-lin")]  # pushed to main without a pull request
    result = run(
        ["audit", "record", "--repo", REPO, "--now", "2026-11-28 10:00", "--root", str(library.root)], gh
    )
    assert result.exit_code == 0, result.output
    assert "recorded   old-news: by amy-lin, approved by nobody" in result.output
    assert load_record(library.root, "old-news").audit == AuditRecord(
        "amy-lin", (), None, direct, "2026-11-28T02:00:00+00:00"
    )
    again = run(
        ["audit", "record", "--repo", REPO, "--now", "2026-11-28 10:00", "--root", str(library.root)], gh
    )
    assert "0 audit(s) recorded" in again.output
    assert len([r for r in gh.requests if r[1].endswith("/commits")]) == 1  # nothing asked twice


def test_audit_unreviewed_lists_live_posts_from_records_alone(library: Lib) -> None:
    for day, slug in ((2, "reviewed"), (3, "self-approved"), (4, "no-record"), (5, "direct-push")):
        library.post(f"2026-11-0{day}-{slug}", publish_at=f"2026-11-0{day} 10:00")
    save_record(
        library.root, PostRecord("reviewed", audit=AuditRecord("cat-tsai", ("bobchen",), 3, "e" * 40))
    )
    save_record(
        library.root, PostRecord("self-approved", audit=AuditRecord("amy-lin", ("amy-lin",), 4, "f" * 40))
    )
    save_record(library.root, PostRecord("direct-push", audit=AuditRecord("amy-lin", (), None, "1" * 40)))
    save_record(
        library.root, PostRecord("old-news", audit=AuditRecord("cat-tsai", ("amy-lin",), 2, "2" * 40))
    )
    # No network: no GITHUB_TOKEN, no API address.
    result = run(
        [
            "audit",
            "--unreviewed",
            "--format",
            "json",
            "--now",
            "2026-11-28 10:00",
            "--root",
            str(library.root),
        ],
        None,
        token=None,
    )
    assert result.exit_code == 0, result.output
    rows = {r["slug"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"self-approved", "no-record", "direct-push"}  # winter-hours is not live yet
    assert rows["self-approved"]["why"] == "only the author approved pull request #4"
    assert rows["no-record"]["state"] == "no-record"
    assert "without a pull request" in rows["direct-push"]["why"]
    text = run(["audit", "--now", "2026-11-28 10:00", "--root", str(library.root)], None, token=None)
    assert "reviewed   content/posts/2026/2026-11-02-reviewed.md  approved by bobchen" in text.output
    loaded = load_library(library.root)
    states = [r.state for r in audit_rows(loaded, {}, NOW)]
    assert states == ["no-record"] * 5


# --- the last publish run ----------------------------------------------------------------------


def test_last_publish_warning(tmp_path: Path) -> None:
    assert last_publish_warning(tmp_path, NOW) is None  # never published: nothing to be late with
    record_publish_run(tmp_path, NOW - timedelta(minutes=40), run="123")
    assert yaml.safe_load((tmp_path / "data/runs/last-publish.yml").read_text())["run"] == "123"
    assert last_publish_warning(tmp_path, NOW, expected_minutes=15) is None
    record_publish_run(tmp_path, NOW - timedelta(hours=5))
    warning = last_publish_warning(tmp_path, NOW, expected_minutes=15)
    assert warning is not None and "5 hours ago" in warning and "every 15 minutes" in warning


def test_review_local_previews_the_working_tree_without_github(lib: Lib) -> None:
    from conftest import post_text, run_cli

    lib.post("2026-11-26-hello", post_text(publish_at="2026-11-27 10:00", title="冬至說故事"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB")}

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@e.org", *args],
            cwd=lib.root,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "start")
    git("checkout", "-qb", "new-post")
    lib.post("2026-11-28-winter", post_text(publish_at="2026-11-28 10:00", title="寒假閱讀"))  # not committed
    result = run_cli("review", "--local", "--now", "2026-11-26 12:00", cwd=lib.root, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "寒假閱讀" in result.stdout and "冬至說故事" not in result.stdout  # only what changed
    assert "in the working tree: ✅ no errors" in result.stdout
    # Named PATHs, one of them with an error: the same preview, exit 1.
    lib.post("2026-11-28-winter", post_text(publish_at="2026-11-28 10:00", title="寒假閱讀", type_="evnt"))
    named = run_cli(
        "review",
        "--local",
        "content/posts/2026/2026-11-28-winter.md",
        "--now",
        "2026-11-26 12:00",
        cwd=lib.root,
        env=env,
    )
    assert named.returncode == 1 and "error" in named.stdout and "Traceback" not in named.stderr


def test_unreachable_github_is_said_in_words(lib: Lib) -> None:
    import socket

    from conftest import run_cli

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GITHUB_TOKEN": "t", "GITHUB_API_URL": f"http://127.0.0.1:{port}/api/v3"}
    result = run_cli("review", "--repo", "lib/site", "--pr", "1", "--report-only", cwd=lib.root, env=env)
    assert result.returncode == 1
    assert "could not reach GitHub" in result.stderr and "the connection was refused" in result.stderr
    assert "HTTPConnectionPool" not in result.stderr and "Traceback" not in result.stderr
