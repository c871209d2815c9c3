"""``shelfpost doctor`` (issue 20) against GitHub's REST API on 127.0.0.1
(tests/github_api.py: pages, environments and their secrets' names, branch protection,
workflows and their runs): each missing setting reported with where to set it, nothing
once all are set; offline, the same list as a checklist."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke, run_cli
from github_api import GitHubAPI, Protection

REPO = "estuary-lib/social"
TOKEN = "lead-token"
CHANNELS = """\
channels:
  site: {kind: site, name: Site, profile_url: "https://estuary-library.example.net/"}
  mastodon:
    kind: mastodon
    name: Mastodon
    instance: https://mastodon.example
    credentials: {access_token: SHELFPOST_MASTODON_TOKEN}
  bluesky:
    kind: bluesky
    name: Bluesky
    credentials: {identifier: SHELFPOST_BLUESKY_HANDLE, app_password: SHELFPOST_BLUESKY_APP_PASSWORD}
"""
SECRETS = ["SHELFPOST_BLUESKY_APP_PASSWORD", "SHELFPOST_BLUESKY_HANDLE", "SHELFPOST_MASTODON_TOKEN"]
SECRETS += ["SHELFPOST_INBOX_KEY"]  # the inbox workflow's key (shelfpost.yml inbox.key_env)


@pytest.fixture
def api(github: GitHubAPI) -> GitHubAPI:
    """A new repository: nothing set yet, the publish workflow switched off for inactivity."""
    github.full_name = REPO
    github.token(TOKEN, "lin-yawen-qc")
    github.settings.workflows = {"pr.yml": "active", "publish.yml": "disabled_inactivity"}
    return github


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    env = {**os.environ, "SHELFPOST_STATE_DIR": str(tmp_path / "state")}
    assert run_cli("init", str(root), "--yes", cwd=tmp_path, env=env).returncode == 0
    (root / "plan/channels.yml").write_text(CHANNELS, encoding="utf-8")
    return root


def doctor(root: Path, api: GitHubAPI | None, token: str | None = TOKEN, *extra: str) -> Any:
    env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": api.base if api else None}
    return invoke("doctor", "--root", str(root), *extra, env=env)


def marks(output: str) -> dict[str, str]:
    return {m[1][:40]: m[0] for m in re.findall(r"^\[(.)\] (.*)$", output, re.M)}


def test_offline_it_is_a_checklist_with_the_place_of_each_step(library: Path) -> None:
    result = doctor(library, None, None, "--repo", REPO)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[ ]")]
    assert len(lines) == 6
    assert (
        f"https://github.com/{REPO}/settings/pages: Build and deployment > Source: GitHub Actions"
        in result.output
    )
    assert (
        "SHELFPOST_BLUESKY_APP_PASSWORD, SHELFPOST_BLUESKY_HANDLE, SHELFPOST_MASTODON_TOKEN" in result.output
    )
    assert f"https://github.com/{REPO}/settings/branches" in result.output
    assert "GITHUB_TOKEN is not set" in result.output


def test_each_missing_setting_is_reported_then_nothing_once_all_are_set(
    library: Path, api: GitHubAPI
) -> None:
    first = doctor(library, api, TOKEN, "--repo", REPO)
    assert first.exit_code == 1, first.output
    assert "0 of 6 set" in first.output
    for detail in (
        "Pages is not enabled",
        "no environment `syndication`",
        "the environment is missing",
        "`main` is not protected",
        "state: disabled_inactivity",
        "no publish run yet",
    ):
        assert detail in first.output, detail

    s = api.settings
    s.pages, s.environments = "legacy", {"syndication": ["SHELFPOST_MASTODON_TOKEN"]}
    s.protection["main"] = Protection(["check, build and write the review report"], approvals=0)
    s.workflows["publish.yml"], s.runs["publish.yml"] = "active", ["failure"]
    half = doctor(library, api, TOKEN, "--repo", REPO)
    assert half.exit_code == 1, half.output
    assert "the source is legacy, not GitHub Actions" in half.output
    assert "missing: SHELFPOST_BLUESKY_APP_PASSWORD, SHELFPOST_BLUESKY_HANDLE" in half.output
    assert "0 approvals required; checks not required: shelfpost/review-rule" in half.output
    assert f"failure at 2026-12-02T01:07:00Z ({api.url}/{REPO}/actions/runs/30433642)" in half.output
    assert "2 of 6 set" in half.output  # the environment and the workflow

    s.pages, s.environments["syndication"] = "workflow", SECRETS
    s.protection["main"] = Protection(
        ["check, build and write the review report", "shelfpost/review-rule"], approvals=1
    )
    s.runs["publish.yml"] = ["success", "failure"]  # newest first
    done = doctor(library, api, TOKEN, "--repo", REPO)
    assert done.exit_code == 0, done.output
    assert set(marks(done.output).values()) == {"x"} and "6 of 6 set" in done.output
    assert "set it:" not in done.output
    assert all(p.startswith(f"/api/v3/repos/{REPO}") for _, p in api.requests)


def test_a_bad_token_is_one_clear_line(library: Path, api: GitHubAPI) -> None:
    result = doctor(library, api, "wrong", "--repo", REPO)
    assert result.exit_code == 1
    assert "GitHub refused the token" in result.output and "Traceback" not in result.output


def test_a_token_that_may_not_read_the_settings_says_what_it_needs(library: Path, api: GitHubAPI) -> None:
    # A fine-grained token without Administration: GitHub answers 403 on branch protection.
    api.token("narrow-token", "lin-yawen-qc", "contents: read", "pages: read", "actions: read")
    result = doctor(library, api, "narrow-token", "--repo", REPO)
    assert result.exit_code == 1
    assert "GitHub answered 403 reading branches/main/protection" in result.output
    assert "Administration, Environments, Secrets and Actions: read" in result.output
    assert "Traceback" not in result.output
