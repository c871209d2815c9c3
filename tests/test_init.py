"""``shelfpost init`` (issue 20): a new library that checks, builds, reports and
dry-runs with no edits; its workflows lint clean; bad answers are refused."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run_cli
from shelfpost.adopt.init import Answers, render_library, validate
from shelfpost.adopt.pin import read_pin
from shelfpost.errors import ShelfpostError
from shelfpost.version import __version__
from test_workflows import tool

ARGS = [
    "--name", "河口鎮立圖書館 Estuary Town Library",
    "--url", "https://estuary-library.example.net/",
    "--language", "zh-TW",
    "--timezone", "Asia/Taipei",
    "--lead-name", "周小芸",
    "--lead-github", "xiaoyun-zhou",
]  # fmt: skip
NOW = "2026-12-02T09:00:00+08:00"
#: Names of the sample library's fictional content: none may reach a new library.
SAMPLE_NAMES = (
    "晴川",
    "Qingchuan",
    "qingchuan",
    "lin-yawen",
    "林雅雯",
    "shuhui",
    "河濱路",
    "library.example.org",
)


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SHELFPOST_STATE_DIR": str(tmp_path / "state")}


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Lead", "-c", "user.email=lead@example.net", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def new_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("init")
    root = base / "estuary"
    result = run_cli("init", str(root), *ARGS, cwd=base, env=env(base))
    assert result.returncode == 0, result.stdout + result.stderr
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A new library from shelfpost init")
    return root


def test_check_build_status_and_a_dry_run_pass_with_no_edits(new_library: Path, tmp_path: Path) -> None:
    check = run_cli("check", cwd=new_library, env=env(tmp_path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "3 post(s) and 4 page(s) checked, no problems" in check.stderr
    build = run_cli(
        "build", "--now", NOW, "--out", str(tmp_path / "site"), cwd=new_library, env=env(tmp_path)
    )
    assert build.returncode == 0, build.stdout + build.stderr
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert "河口鎮立圖書館 Estuary Town Library" in home
    assert (tmp_path / "site/handbook/index.html").exists()
    assert (tmp_path / "site/reply-guidelines/index.html").exists()
    assert (tmp_path / "site/feed.xml").exists()
    status = run_cli("status", "--now", NOW, cwd=new_library, env=env(tmp_path))
    assert status.returncode == 0, status.stdout + status.stderr
    assert "2026-12" in status.stdout
    dry = run_cli("publish", "--dry-run", "--now", NOW, cwd=new_library, env=env(tmp_path))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "nothing is sent" in dry.stdout
    assert not (new_library / "data").exists()  # a dry run records nothing


def test_the_library_has_the_plan_the_lead_and_one_draft_per_type(new_library: Path) -> None:
    risks = yaml.safe_load((new_library / "plan/risks.yml").read_text(encoding="utf-8"))["risks"]
    assert [r["id"] for r in risks] == [
        "platform-policy", "content-quality", "slow-replies", "partner-communication", "budget-overrun",
    ]  # fmt: skip
    assert {r["impact"] for r in risks} == {"high", "medium"} and all(
        r["owner"] == "xiaoyun-zhou" for r in risks
    )
    targets = yaml.safe_load((new_library / "plan/targets.yml").read_text(encoding="utf-8"))
    assert targets["originals_per_month"] == 10 and targets["reply_rate"] == 0.9
    assert targets["active_partners"] == 3 and targets["ready_channels"] == 2
    team = yaml.safe_load((new_library / "plan/team.yml").read_text(encoding="utf-8"))["members"]
    assert team == {
        "xiaoyun-zhou": {"name": "周小芸", "github": "xiaoyun-zhou", "roles": ["lead", "editor", "reviewer"]}
    }
    assert "@xiaoyun-zhou" in (new_library / ".github/CODEOWNERS").read_text(encoding="utf-8")
    posts = sorted((new_library / "content/posts").rglob("*.md"))
    types = [yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])["type"] for p in posts]
    assert sorted(types) == ["event", "news", "resource"]
    assert all("draft: true" in p.read_text(encoding="utf-8") for p in posts)
    for rel in (".github/PULL_REQUEST_TEMPLATE.md", ".github/ISSUE_TEMPLATE/post-idea.yml", ".gitignore"):
        assert (new_library / rel).is_file(), rel


def test_nothing_of_the_sample_library_comes_along(new_library: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=new_library, check=True, capture_output=True, text=True
    ).stdout.split()
    assert len(tracked) == 28
    for rel in tracked:
        text = (new_library / rel).read_text(encoding="utf-8")
        for name in SAMPLE_NAMES:
            assert name not in text, f"{rel} holds {name!r}"


def test_the_workflows_install_the_pinned_tool_and_lint_clean(new_library: Path) -> None:
    workflows = sorted((new_library / ".github/workflows").glob("*.yml"))
    assert {p.name for p in workflows} == {"pr.yml", "pr-comment.yml", "publish.yml"}
    for path in workflows:
        text = path.read_text(encoding="utf-8")
        assert "pip install" in text and "-q ." not in text
        assert all("-r requirements.txt" in line for line in text.splitlines() if "pip install" in line)
    assert read_pin(new_library) == (5, __version__)
    lint = subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), "-pyflakes=", *map(str, workflows)],
        capture_output=True, text=True, cwd=new_library, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    zizmor = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor", "--format", "plain", ".github"],
        capture_output=True, text=True, cwd=new_library, timeout=120,
    )  # fmt: skip
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings to report" in zizmor.stdout + zizmor.stderr
    dependabot = yaml.safe_load((new_library / ".github/dependabot.yml").read_text(encoding="utf-8"))
    assert {u["package-ecosystem"] for u in dependabot["updates"]} == {"pip", "github-actions"}
    readme = (new_library / "README.md").read_text(encoding="utf-8")
    assert "requirements.txt" in readme and "CHANGELOG.md" in readme


def test_a_non_empty_folder_is_refused_untouched(tmp_path: Path) -> None:
    root = tmp_path / "taken"
    root.mkdir()
    (root / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("init", str(root), *ARGS, cwd=tmp_path, env=env(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is not empty; nothing was written" in result.stderr
    assert [p.name for p in root.iterdir()] == ["notes.txt"]
    assert (root / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_bad_answers_are_clear_errors_and_an_unsegmented_language_a_warning(tmp_path: Path) -> None:
    no_scheme = run_cli(
        "init", str(tmp_path / "a"), *ARGS, "--url", "library.example.net", cwd=tmp_path, env=env(tmp_path)
    )
    assert no_scheme.returncode == 2 and "https://library.example.net/" in no_scheme.stderr
    assert "Traceback" not in no_scheme.stderr and not (tmp_path / "a").exists()
    bad_zone = run_cli(
        "init", str(tmp_path / "b"), *ARGS, "--timezone", "Asia/Taipe", cwd=tmp_path, env=env(tmp_path)
    )
    assert bad_zone.returncode == 2 and "'Asia/Taipe' is not a time zone" in bad_zone.stderr
    assert "Asia/Taipei" in bad_zone.stderr  # did you mean
    welsh = run_cli("init", str(tmp_path / "c"), *ARGS, "--language", "cy", cwd=tmp_path, env=env(tmp_path))
    assert welsh.returncode == 0, welsh.stderr
    assert "warning: the site's search cannot segment 'cy'" in welsh.stderr
    assert 'language: "cy"' in (tmp_path / "c/shelfpost.yml").read_text(encoding="utf-8")


def test_prompts_ask_for_what_is_not_given(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from shelfpost.cli import main

    answers = "\n".join(
        ["Harbour Library", "https://harbour.example.net", "en", "Europe/London", "Ann", "ann-h"]
    )
    result = CliRunner().invoke(main, ["init", str(tmp_path / "h")], input=answers + "\n")
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((tmp_path / "h/shelfpost.yml").read_text(encoding="utf-8"))["library"]
    assert config == {
        "name": "Harbour Library",
        "site_url": "https://harbour.example.net/",
        "language": "en",
        "timezone": "Europe/London",
        "description": "Harbour Library: news, reading picks and events.",
    }


def test_defaults_alone_make_a_valid_library() -> None:
    files = render_library(validate(Answers()), date(2028, 2, 29))
    risks = yaml.safe_load(files["plan/risks.yml"])["risks"]
    assert str(risks[0]["window_end"]) == "2029-02-27"
    with pytest.raises(ShelfpostError, match="not a GitHub user name"):
        validate(Answers(lead_github="not a name"))


def test_the_repositorys_own_workflows_and_the_templates_agree_but_for_the_install_line() -> None:
    """The template's workflows are the sample's, with the pinned install: they cannot drift."""
    for name in ("pr.yml", "pr-comment.yml", "publish.yml"):
        ours = (REPO / ".github/workflows" / name).read_text(encoding="utf-8")
        theirs = (REPO / "src/shelfpost/templates/init/dot-github/workflows" / name).read_text(
            encoding="utf-8"
        )
        pinned = (
            "python -m pip install --disable-pip-version-check -q -r requirements.txt  # the pinned shelfpost"
        )
        assert ours.replace("python -m pip install --disable-pip-version-check -q .", pinned) == theirs, name


#: The sample library's files that are the template's (only the sample's own words differ).
SHARED = {
    "mkdocs.yml": "mkdocs.yml",
    "plan/targets.yml": "plan/targets.yml",
    ".github/PULL_REQUEST_TEMPLATE.md": "dot-github/PULL_REQUEST_TEMPLATE.md",
    ".github/ISSUE_TEMPLATE/post-idea.yml": "dot-github/ISSUE_TEMPLATE/post-idea.yml",
    ".github/dependabot.yml": "dot-github/dependabot.yml",
    "content/pages/handbook.md": "content/pages/handbook.md",
    "content/pages/reply-guidelines.md": "content/pages/reply-guidelines.md",
}
SAMPLE_WORDS = {
    "（台北時間）": "",
    "署名「晴川市立圖書館」即可": "署名圖書館的名稱即可",
    "satisfaction_baseline: 2026-Q3": "# satisfaction_baseline: 2027-Q1",  # a new library has no survey yet
}


@pytest.mark.parametrize("sample", sorted(SHARED))
def test_the_sample_library_shares_the_templates_files(sample: str) -> None:
    text = (REPO / sample).read_text(encoding="utf-8")
    for ours, theirs in SAMPLE_WORDS.items():
        text = text.replace(ours, theirs)
    template = REPO / "src/shelfpost/templates/init" / SHARED[sample]
    assert text == template.read_text(encoding="utf-8"), f"{sample} and {template} drifted apart"


def test_a_taken_folder_is_refused_before_any_question(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from shelfpost.cli import main

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken/README.md").write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "taken")], input="")
    assert result.exit_code == 2, result.output
    assert "Library name" not in result.output and "is not empty" in result.output
