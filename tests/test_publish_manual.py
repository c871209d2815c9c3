"""Manual channels: one copy-ready GitHub issue per post per channel, reached when
closed; against a local server speaking GitHub's issues API (github3.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from conftest import Lib, post_text
from github_api import GitHubAPI
from shelfpost import load_library
from shelfpost.github.client import connect
from shelfpost.publish.adapters.manual import LABEL, ManualAdapter
from shelfpost.publish.run import Run

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=8)))
CHANNELS = "channels:\n  facebook:\n    kind: manual\n    name: Facebook 粉絲專頁\n    repo: library/site\n"


@pytest.fixture
def pub(lib: Lib) -> Lib:
    lib.write("plan/channels.yml", CHANNELS)
    lib.image()
    lib.post(
        "2026-11-26-hello",
        post_text(
            publish_at="2026-11-26 10:00",
            extra="channels: [facebook]\nimage: ../../media/pic.png\nimage_alt: 閱覽室的長桌\n",
        ),
    )
    return lib


def run(lib: Lib, github: GitHubAPI) -> list:  # type: ignore[type-arg]
    repo = connect("test-token", github.base).repository("library", "site")
    return Run(load_library(lib.root), NOW, lambda ch: ManualAdapter(ch, repo), sleep=lambda s: None).run()


def state(lib: Lib) -> str:
    data = yaml.safe_load((lib.root / "data/published/hello.yml").read_text("utf-8"))
    return str(data["channels"]["facebook"]["state"])


def test_issue_with_copy_ready_text_then_reached_when_closed(pub: Lib, github: GitHubAPI) -> None:
    (outcome,) = run(pub, github)
    assert outcome.action == "opened-issue" and state(pub) == "pending-manual"
    (issue,) = github.issues.values()
    assert issue["title"] == "[Facebook 粉絲專頁] 測試文章"
    assert [lbl["name"] for lbl in issue["labels"]] == [LABEL]
    assert "```text\n測試文章\n\n摘要 summary\n\nhttps://lib.example.org/posts/hello/\n```" in issue["body"]
    assert "Image: https://lib.example.org/media/pic.png" in issue["body"] and "閱覽室的長桌" in issue["body"]
    # While the issue is open the run waits (and does not fail); nothing is opened twice.
    (outcome,) = run(pub, github)
    assert outcome.action == "waiting-manual" and not outcome.needs_attention
    github.close_issue(1)
    (outcome,) = run(pub, github)
    assert outcome.action == "published" and state(pub) == "published"
    assert run(pub, github) == [] and len(github.issues) == 1


def test_a_crash_after_opening_the_issue_finds_it_instead_of_opening_another(
    pub: Lib, github: GitHubAPI
) -> None:
    run(pub, github)
    path = pub.root / "data/published/hello.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["channels"]["facebook"] = {
        "state": "intent",
        "key": data["channels"]["facebook"]["key"],
        "attempts": 1,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")  # as if the run died before recording
    (outcome,) = run(pub, github)
    assert outcome.action == "reconciled" and state(pub) == "pending-manual"
    assert len(github.issues) == 1


def test_the_issue_is_found_on_a_later_page_of_the_list(pub: Lib, github: GitHubAPI) -> None:
    run(pub, github)
    for n in range(120):  # newer issues of the same label push ours to the second page
        github.add_issue(f"[Facebook 粉絲專頁] other {n}", labels=(LABEL,))
    path = pub.root / "data/published/hello.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["channels"]["facebook"] = {
        "state": "intent",
        "key": data["channels"]["facebook"]["key"],
        "attempts": 1,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")  # the run died before it kept the number
    github.requests.clear()
    (outcome,) = run(pub, github)
    assert outcome.action == "reconciled" and state(pub) == "pending-manual"
    assert len(github.issues) == 121
    listed = [p for m, p in github.requests if m == "GET" and p.endswith("/repos/library/site/issues")]
    assert len(listed) == 2  # both pages, through the Link header


def test_edit_updates_the_issue_and_withdrawal_asks_to_delete(pub: Lib, github: GitHubAPI) -> None:
    run(pub, github)
    github.close_issue(1)
    run(pub, github)
    pub.post(
        "2026-11-26-hello",
        post_text(
            title="改過的標題",
            publish_at="2026-11-26 10:00",
            extra="channels: [facebook]\nimage: ../../media/pic.png\nimage_alt: 閱覽室的長桌\n",
        ),
    )
    (outcome,) = run(pub, github)
    assert outcome.action == "edited" and "改過的標題" in github.issues[1]["body"]
    assert github.issues[1]["state"] == "open" and "update it on Facebook" in github.comments[1][-1]["body"]
    pub.post(
        "2026-11-26-hello",
        post_text(
            title="改過的標題", publish_at="2026-11-26 10:00", extra="channels: [facebook]\nwithdrawn: true\n"
        ),
    )
    (outcome,) = run(pub, github)
    assert outcome.action == "withdrawn" and "withdrawn" in github.comments[1][-1]["body"]


def test_cli_needs_a_token_and_says_which_permission(pub: Lib) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GITHUB_REPOSITORY")}
    result = subprocess.run(
        [sys.executable, "-m", "shelfpost.cli", "publish", "--now", "2026-11-26 12:00", "--format", "json"],
        cwd=pub.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    (outcome,) = json.loads(result.stdout)["outcomes"]
    assert "GITHUB_TOKEN (with issues: write)" in outcome["message"]


ISSUES = r"/repos/library/site/issues$"


def two_posts(pub: Lib) -> None:
    pub.post("2026-11-26-two", post_text(publish_at="2026-11-26 11:00", extra="channels: [facebook]\n"))


def test_410_gone_fails_that_item_says_why_and_the_run_goes_on(pub: Lib, github: GitHubAPI) -> None:
    two_posts(pub)
    github.fail("POST", ISSUES, 410, "Issues are disabled for this repo")
    outcomes = {o.post: o for o in run(pub, github)}
    assert outcomes["hello"].action == "failed"
    assert "410 Gone: issues are turned off for the repository" in outcomes["hello"].message
    assert outcomes["two"].action == "opened-issue" and len(github.issues) == 1
    assert state(pub) == "failed"  # nothing was opened: the next run tries again


def test_a_secondary_rate_limit_is_waited_for_not_called_a_missing_permission(
    pub: Lib, github: GitHubAPI
) -> None:
    github.secondary_limit("POST", ISSUES, retry_after=30)
    waits: list[float] = []
    repo = connect("test-token", github.base).repository("library", "site")
    (outcome,) = Run(
        load_library(pub.root), NOW, lambda ch: ManualAdapter(ch, repo), sleep=waits.append
    ).run()
    assert waits == [30.0]  # GitHub's retry-after, through the injected sleeper
    assert outcome.action == "opened-issue" and len(github.issues) == 1


def test_a_long_secondary_rate_limit_is_reported_as_such(pub: Lib, github: GitHubAPI) -> None:
    github.secondary_limit("POST", ISSUES, retry_after=3600)
    (outcome,) = run(pub, github)
    assert outcome.action == "failed" and "rate limit" in outcome.message
    assert "permission" not in outcome.message
    assert github.issues == {}


def test_a_5xx_while_opening_is_unknown_and_the_rerun_finds_the_issue(pub: Lib, github: GitHubAPI) -> None:
    two_posts(pub)
    for _ in range(3):  # every try of this run: GitHub answers 502
        github.fail("POST", ISSUES, 502, "Server Error")
    outcomes = {o.post: o for o in run(pub, github)}
    assert outcomes["hello"].action == "unknown" and "502" in outcomes["hello"].message
    assert outcomes["two"].action == "opened-issue"
    rerun = {o.post: o for o in run(pub, github)}
    assert rerun["hello"].action == "opened-issue" and len(github.issues) == 2
