"""``shelfpost doctor`` (issue 20) against a GitHub API server on 127.0.0.1: each
missing setting reported with where to set it, nothing once all are set; offline,
the same list as a checklist. Response shapes from docs.github.com/rest: pages
(``build_type``), environments and their secrets, branch protection
(``required_status_checks``, ``required_pull_request_reviews``), actions workflows
(``state``) and workflow runs (``conclusion``)."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from conftest import run_cli
from shelfpost.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "github"
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


class Settings:
    """What the repository has set; a test changes it and asks doctor again."""

    def __init__(self) -> None:
        self.pages: str | None = None  # None: Pages off; "legacy" or "workflow"
        self.environment = False
        self.secrets: list[str] = []
        self.protected = False
        self.checks: list[str] = []
        self.approvals = 0
        self.workflow_state = "disabled_inactivity"
        self.last_run: str | None = None  # a conclusion


class FakeSettingsAPI:
    def __init__(self) -> None:
        self.settings = Settings()
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/api/v3"

    def repository(self) -> dict[str, Any]:
        text = (FIXTURES / "repository.json").read_text(encoding="utf-8")
        text = text.replace("https://api.github.com", self.base).replace("octocat/Hello-World", REPO)
        data: dict[str, Any] = json.loads(text)
        data["default_branch"] = "main"
        return data

    def route(self, path: str) -> tuple[int, Any]:
        s = self.settings
        rest = path.removeprefix(f"/api/v3/repos/{REPO}")
        not_found = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        if rest == "":
            return 200, self.repository()
        if rest == "/pages":
            if s.pages is None:
                return 404, not_found
            return 200, {
                "url": f"{self.base}/repos/{REPO}/pages",
                "status": "built",
                "cname": None,
                "custom_404": False,
                "html_url": "https://estuary-lib.github.io/social/",
                "build_type": s.pages,
                "source": {"branch": "main", "path": "/"},
                "public": True,
                "https_enforced": True,
            }
        if rest == "/environments/syndication":
            if not s.environment:
                return 404, not_found
            return 200, {"id": 161088068, "name": "syndication", "protection_rules": []}
        if rest == "/environments/syndication/secrets":
            secrets = [
                {"name": n, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"}
                for n in s.secrets
            ]
            return 200, {"total_count": len(secrets), "secrets": secrets}
        if rest == "/branches/main/protection":
            if not s.protected:
                return 404, {
                    "message": "Branch not protected",
                    "documentation_url": "https://docs.github.com/rest",
                }
            return 200, {
                "url": f"{self.base}/repos/{REPO}/branches/main/protection",
                "required_status_checks": {
                    "strict": True,
                    "contexts": s.checks,
                    "checks": [{"context": c, "app_id": None} for c in s.checks],
                },
                "required_pull_request_reviews": {
                    "dismiss_stale_reviews": True,
                    "require_code_owner_reviews": True,
                    "required_approving_review_count": s.approvals,
                },
                "enforce_admins": {"enabled": False},
            }
        if rest == "/actions/workflows":
            workflows = [
                {"id": 1, "name": "pull request", "path": ".github/workflows/pr.yml", "state": "active"},
                {
                    "id": 2,
                    "name": "publish",
                    "path": ".github/workflows/publish.yml",
                    "state": s.workflow_state,
                },
            ]
            return 200, {"total_count": 2, "workflows": workflows}
        if rest == "/actions/workflows/publish.yml/runs":
            runs = []
            if s.last_run:
                runs.append({
                    "id": 30433642, "name": "publish", "event": "schedule", "status": "completed",
                    "conclusion": s.last_run, "created_at": "2026-12-02T01:07:00Z",
                    "html_url": f"https://github.com/{REPO}/actions/runs/30433642",
                })  # fmt: skip
            return 200, {"total_count": len(runs), "workflow_runs": runs}
        return 404, not_found

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                fake.requests.append(url.path)
                token = (self.headers.get("Authorization") or "").removeprefix("token ").strip()
                if token != TOKEN:
                    code, data = 401, {"message": "Bad credentials"}
                else:
                    code, data = fake.route(url.path)
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        return Handler


@pytest.fixture
def api() -> Iterator[FakeSettingsAPI]:
    fake = FakeSettingsAPI()
    thread = threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    env = {**os.environ, "SHELFPOST_STATE_DIR": str(tmp_path / "state")}
    assert run_cli("init", str(root), "--yes", cwd=tmp_path, env=env).returncode == 0
    (root / "plan/channels.yml").write_text(CHANNELS, encoding="utf-8")
    return root


def doctor(root: Path, api: FakeSettingsAPI | None, token: str | None = TOKEN, *extra: str) -> Any:
    env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": api.base if api else None}
    return CliRunner().invoke(main, ["doctor", "--root", str(root), *extra], env=env, catch_exceptions=False)


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
    library: Path, api: FakeSettingsAPI
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
    s.pages, s.environment, s.secrets = "legacy", True, ["SHELFPOST_MASTODON_TOKEN"]
    s.protected, s.checks, s.approvals = True, ["check, build and write the review report"], 0
    s.workflow_state, s.last_run = "active", "failure"
    half = doctor(library, api, TOKEN, "--repo", REPO)
    assert half.exit_code == 1, half.output
    assert "the source is legacy, not GitHub Actions" in half.output
    assert "missing: SHELFPOST_BLUESKY_APP_PASSWORD, SHELFPOST_BLUESKY_HANDLE" in half.output
    assert "0 approvals required; checks not required: shelfpost/review-rule" in half.output
    assert f"failure at 2026-12-02T01:07:00Z (https://github.com/{REPO}/actions/runs/30433642)" in half.output
    assert "2 of 6 set" in half.output  # the environment and the workflow

    s.pages, s.secrets = "workflow", SECRETS
    s.checks, s.approvals, s.last_run = (
        ["check, build and write the review report", "shelfpost/review-rule"],
        1,
        "success",
    )
    done = doctor(library, api, TOKEN, "--repo", REPO)
    assert done.exit_code == 0, done.output
    assert set(marks(done.output).values()) == {"x"} and "6 of 6 set" in done.output
    assert "set it:" not in done.output
    assert all(p.startswith(f"/api/v3/repos/{REPO}") for p in api.requests)


def test_a_bad_token_is_one_clear_line(library: Path, api: FakeSettingsAPI) -> None:
    result = doctor(library, api, "wrong", "--repo", REPO)
    assert result.exit_code == 1
    assert "GitHub refused the token" in result.output and "Traceback" not in result.output
