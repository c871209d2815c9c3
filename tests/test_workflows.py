"""The GitHub workflows: linted by actionlint and zizmor, and the rules they must keep.

Both linters run offline. A finding fails the suite unless the workflow justifies it
with a comment (zizmor: ``# zizmor: ignore[rule]`` beside the line, with the reason).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40})  # v\d+\.\d+\.\d+$")


def tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert path, f"{name} is missing: `pip install -e '.[test]'` installs it"
    return path


def load(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # "on" stays a string
    assert isinstance(data, dict)
    return data


def test_metrics_sync_daily_commits_only_its_data_and_keeps_secrets_in_one_step() -> None:
    flow = load(REPO / ".github/workflows/metrics.yml")
    minute, hour, *rest = flow["on"]["schedule"][0]["cron"].split()
    assert rest == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()  # once a day
    assert flow["permissions"] == {"contents": "read"}
    job = flow["jobs"]["sync"]
    assert job["permissions"] == {"contents": "write"}
    steps_with_secrets = [s for s in job["steps"] if "secrets." in str(s)]
    assert [s["run"] for s in steps_with_secrets] == ["shelfpost metrics sync"]
    commit = job["steps"][-1]["run"]
    assert "git add data/metrics/" in commit and "git add data/\n" not in commit


def test_the_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "pr.yml", "pr-comment.yml", "publish.yml"}


def test_actionlint_finds_nothing() -> None:
    result = subprocess.run(
        [
            tool("actionlint"),
            "-no-color",
            "-shellcheck",
            tool("shellcheck"),
            "-pyflakes=",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_unjustified() -> None:
    result = subprocess.run(
        [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--persona",
            "auditor",
            "--format",
            "plain",
            str(REPO / ".github"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
    # Every ignore names its rule and sits in a workflow that says why.
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "zizmor: ignore" in line:
                assert re.search(r"zizmor: ignore\[[a-z-]+\]", line), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = load(path)
    assert data["permissions"] == {"contents": "read"}, "top level: contents: read only"
    for line in text.splitlines():
        if re.match(r"\s*(-\s+)?uses:", line):
            assert SHA_PIN.search(line.strip()), f"not pinned to a full SHA with its version: {line}"
    for job in data["jobs"].values():
        for step in job.get("steps", []):
            # Values from the event reach scripts only through env:.
            assert "${{" not in step.get("run", ""), step.get("run")
    assert "pull_request_target" not in data["on"]


def test_pull_requests_are_checked_without_secrets() -> None:
    pr = load(REPO / ".github/workflows/pr.yml")
    text = (REPO / ".github/workflows/pr.yml").read_text(encoding="utf-8")
    assert set(pr["on"]) == {"pull_request", "pull_request_review"}
    assert "secrets." not in text
    job = pr["jobs"]["check"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "shelfpost check --format github" in runs and "--report-only" in runs
    comment = load(REPO / ".github/workflows/pr-comment.yml")
    assert comment["on"]["workflow_run"]["workflows"] == ["pull request"] == [pr["name"]]
    post = comment["jobs"]["comment"]
    assert post["permissions"]["pull-requests"] == "write" and post["permissions"]["statuses"] == "write"
    steps = post["steps"]
    assert "ref" not in steps[0].get("with", {})  # the default branch, never the pull request's head
    assert "--from-report" in steps[-1]["run"] and "--head-sha" in steps[-1]["run"]
    assert steps[-1]["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"


def test_publish_runs_one_at_a_time_and_keeps_secrets_in_one_step() -> None:
    path = REPO / ".github/workflows/publish.yml"
    data = load(path)
    assert data["concurrency"] == {"group": "publish", "cancel-in-progress": "false"}
    cron = data["on"]["schedule"][0]["cron"]
    minutes = [int(m) for m in cron.split()[0].split(",")]
    assert len(minutes) == 4 and 0 not in minutes and all(b - a == 15 for a, b in zip(minutes, minutes[1:]))
    assert "workflow_dispatch" in data["on"] and data["on"]["push"]["paths-ignore"] == ["data/**"]
    jobs = data["jobs"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["publish"]["permissions"]["contents"] == "write"
    assert "permissions" not in jobs["build"]  # read-only, from the top level
    with_secrets = [
        (name, step.get("name"))
        for name, job in jobs.items()
        for step in job["steps"]
        if "secrets." in str(step)
    ]
    assert with_secrets == [
        ("publish", "Publish what is due to the channels (exits 1 while anything is pending)"),
        (
            "publish",
            "Send the mailing-list digest when its period has come (after the deploy, so its links work)",
        ),
    ]
    runs = [s.get("run", "") for s in jobs["publish"]["steps"]]
    assert any('shelfpost publish --now "$NOW"' in r for r in runs)
    # The digest after the deploy (the job needs it) and after publish; the SMTP secrets only there.
    digest = next(i for i, r in enumerate(runs) if 'shelfpost digest --now "$NOW"' in r)
    assert digest > next(i for i, r in enumerate(runs) if "shelfpost publish" in r)
    assert "SHELFPOST_SMTP_PASSWORD" not in str(jobs["publish"]["steps"][digest - 1])
    assert any("shelfpost audit record" in r for r in runs)
    push = runs[-1]
    assert "[skip ci]" in push and "for attempt in 1 2 3 4 5" in push and "git rebase" in push
    build_runs = " ".join(s.get("run", "") for s in jobs["build"]["steps"])
    assert 'shelfpost build --now "$NOW"' in build_runs


def test_inbox_syncs_hourly_commits_only_its_data_and_keeps_secrets_in_one_step() -> None:
    path = REPO / ".github/workflows/inbox.yml"
    flow = load(path)
    assert flow["on"]["schedule"][0]["cron"].endswith("* * * *")  # hourly
    assert flow["permissions"] == {"contents": "read"}
    assert (
        flow["concurrency"]["group"] == "inbox" and str(flow["concurrency"]["cancel-in-progress"]) == "false"
    )
    job = flow["jobs"]["sync"]
    assert job["permissions"] == {"contents": "write"}
    steps_with_secrets = [s for s in job["steps"] if "secrets." in str(s)]
    assert [s["run"] for s in steps_with_secrets] == ["shelfpost inbox sync"]
    assert "SHELFPOST_INBOX_KEY" in steps_with_secrets[0]["env"]
    commit = job["steps"][-1]["run"]
    assert "git add data/interactions/" in commit and "git add data/\n" not in commit
