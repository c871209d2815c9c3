"""``shelfpost init`` (issue 20): a new library that checks, builds, reports and
dry-runs with no edits; its workflows lint clean; bad answers are refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from conftest import REPO, invoke, run_cli
from shelfpost.adopt.init import Answers, render_library, validate
from shelfpost.adopt.pin import read_pin
from shelfpost.errors import ShelfpostError
from shelfpost.version import __version__
from test_workflows import tool

#: The workflows a library runs: every one of the sample's but the tool's own CI.
LIBRARY_WORKFLOWS = ("inbox.yml", "metrics.yml", "pr-comment.yml", "pr.yml", "publish.yml", "reports.yml")

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


def lint_workflows(root: Path) -> None:
    """actionlint and zizmor with the rules test_workflows.py holds this repository to."""
    workflows = sorted((root / ".github/workflows").glob("*.yml"))
    lint = subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), "-pyflakes=", *map(str, workflows)],
        capture_output=True, text=True, cwd=root, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    zizmor = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor", "--format", "plain", ".github"],
        capture_output=True, text=True, cwd=root, timeout=120,
    )  # fmt: skip
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings to report" in zizmor.stdout + zizmor.stderr


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
    assert len(tracked) == 32
    for rel in tracked:
        text = (new_library / rel).read_text(encoding="utf-8")
        for name in SAMPLE_NAMES:
            assert name not in text, f"{rel} holds {name!r}"


def test_the_workflows_install_the_pinned_tool_and_lint_clean(new_library: Path) -> None:
    workflows = sorted((new_library / ".github/workflows").glob("*.yml"))
    # every workflow of the sample library (test_sample.py: the sample's are these files)
    assert {p.name for p in workflows} == set(LIBRARY_WORKFLOWS)
    for path in workflows:
        text = path.read_text(encoding="utf-8")
        assert "pip install" in text and "-q ." not in text
        assert all("-r requirements.txt" in line for line in text.splitlines() if "pip install" in line)
    assert read_pin(new_library) == (5, __version__)
    lint_workflows(new_library)
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
    answers = "\n".join(
        ["Harbour Library", "https://harbour.example.net", "en", "Europe/London", "Ann", "ann-h"]
    )
    result = invoke("init", str(tmp_path / "h"), input=answers + "\n")
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


def test_a_taken_folder_is_refused_before_any_question(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken/README.md").write_text("mine\n", encoding="utf-8")
    result = invoke("init", str(tmp_path / "taken"), input="")
    assert result.exit_code == 2, result.output
    assert "Library name" not in result.output and "is not empty" in result.output


def test_the_library_workflows_are_the_samples() -> None:
    sample = {p.name for p in (REPO / ".github/workflows").glob("*.yml")}
    assert sample - set(LIBRARY_WORKFLOWS) == {"ci.yml"}  # the tool's own test suite


def test_the_schedules_follow_the_libraries_time_zone(tmp_path: Path) -> None:
    """New York has two UTC offsets: a cron line for each, and the jobs run on either."""
    root = tmp_path / "ny"
    made = run_cli(
        "init", str(root), *ARGS, "--timezone", "America/New_York", cwd=tmp_path, env=env(tmp_path)
    )
    assert made.returncode == 0, made.stderr
    flow = yaml.load(
        (root / ".github/workflows/reports.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader
    )
    schedule = run_cli("report", "schedule", cwd=root, env=env(tmp_path))
    assert schedule.returncode == 0, schedule.stderr
    assert schedule.stdout == "".join(
        f'- cron: "{c["cron"]}"  # {n}\n'
        for c, n in zip(flow["on"]["schedule"], ["weekly", "weekly", "month-end", "month-end"], strict=True)
    )
    assert [c["cron"] for c in flow["on"]["schedule"]] == [
        "0 13 * * 5", "0 12 * * 5", "0 22 28-31 * *", "0 21 28-31 * *",
    ]  # fmt: skip
    assert flow["jobs"]["weekly"]["if"] == (
        "${{ github.event.schedule == '0 13 * * 5' || github.event.schedule == '0 12 * * 5' "
        "|| inputs.report == 'weekly' }}"
    )
    metrics = (root / ".github/workflows/metrics.yml").read_text(encoding="utf-8")
    assert (
        '- cron: "23 11 * * *"  # daily, 06:23 in America/New_York (UTC-5; an hour later in summer time)'
        in metrics
    )
    lint_workflows(root)


def run_steps(workflow: Path, job: str, clone: Path, tmp_path: Path) -> list[str]:
    """A job's own scripts after the install step, run by bash as the runner runs them
    (``bash -e``), with the job's env; no secret is set. The names of the steps run."""
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"][job]["steps"]
    ran = []
    for step in steps:
        script = step.get("run", "")
        if not script or "pip install" in script:
            continue
        values = {k: str(v) for k, v in (step.get("env") or {}).items() if "${{" not in str(v)}
        values["RUN_ID"] = "1"
        step_env = {**env(tmp_path), **values, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=clone, env=step_env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{workflow.name} {step['name']}: {done.stdout}{done.stderr}"
        ran.append(step["name"])
    return ran


def test_the_sync_workflows_pass_before_the_first_account(new_library: Path, tmp_path: Path) -> None:
    """A new library has no Mastodon or Bluesky channel and no key yet: the hourly inbox
    run and the daily metrics run pass, and push nothing."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(new_library), str(origin)], check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    before = subprocess.run(["git", "rev-parse", "HEAD"], cwd=origin, capture_output=True, text=True).stdout
    for name, job in (("inbox.yml", "sync"), ("metrics.yml", "sync")):
        ran = run_steps(clone / ".github/workflows" / name, job, clone, tmp_path)
        assert len(ran) == 2, ran  # the sync, then the commit
    after = subprocess.run(["git", "rev-parse", "HEAD"], cwd=origin, capture_output=True, text=True).stdout
    assert after == before


def test_the_place_the_pin_installs_from_is_one_value(tmp_path: Path) -> None:
    default = (REPO / "src/shelfpost/adopt/pin.py").read_text(encoding="utf-8")
    assert default.count("github.com/shelfpost/shelfpost") == 1  # TOOL_SOURCE, nowhere else in src/
    for path in (REPO / "src/shelfpost").rglob("*"):
        if path.is_file() and path.suffix in {".py", ".j2", ".yml", ".md"} and path.name != "pin.py":
            assert "github.com/shelfpost" not in path.read_text(encoding="utf-8"), path
    index = run_cli(
        "init", str(tmp_path / "a"), *ARGS, "--tool-source", "pypi", cwd=tmp_path, env=env(tmp_path)
    )
    assert index.returncode == 0, index.stderr
    assert read_pin(tmp_path / "a") == (5, __version__)
    assert f"\nshelfpost=={__version__}\n" in (tmp_path / "a/requirements.txt").read_text(encoding="utf-8")
    assert "https://pypi.org/project/shelfpost/" in (tmp_path / "a/README.md").read_text(encoding="utf-8")
    fork = "git+https://git.example.net/city-libraries/shelfpost"
    mirror = run_cli(
        "init", str(tmp_path / "b"), *ARGS, cwd=tmp_path, env={**env(tmp_path), "SHELFPOST_TOOL_SOURCE": fork}
    )
    assert mirror.returncode == 0, mirror.stderr
    requirements = (tmp_path / "b/requirements.txt").read_text(encoding="utf-8")
    assert f"\nshelfpost @ {fork}@v{__version__}\n" in requirements
    assert "(https://git.example.net/city-libraries/shelfpost)" in (tmp_path / "b/README.md").read_text(
        encoding="utf-8"
    )
    bad = run_cli(
        "init",
        str(tmp_path / "c"),
        *ARGS,
        "--tool-source",
        "github.com/x/shelfpost",
        cwd=tmp_path,
        env=env(tmp_path),
    )
    assert (
        bad.returncode == 2
        and "--tool-source: 'github.com/x/shelfpost' is not a place to install" in bad.stderr
    )
    assert "Traceback" not in bad.stderr and not (tmp_path / "c").exists()


def test_names_stay_readable_and_yaml_safe(tmp_path: Path) -> None:
    """Chinese is written as it is (not \\uXXXX), and a name with YAML's own marks
    (colon, hash, quotes) still makes a library that checks and builds."""
    name = '河口鎮立圖書館: "北岸" #1 分館'
    root = tmp_path / "lib"
    made = run_cli(
        "init",
        str(root),
        *ARGS,
        "--name",
        name,
        "--lead-name",
        "周小芸 'Yun'",
        cwd=tmp_path,
        env=env(tmp_path),
    )
    assert made.returncode == 0, made.stderr
    config = (root / "shelfpost.yml").read_text(encoding="utf-8")
    assert 'name: "河口鎮立圖書館: \\"北岸\\" #1 分館"' in config and "\\u" not in config
    assert yaml.safe_load(config)["library"]["name"] == name
    check = run_cli("check", cwd=root, env=env(tmp_path))
    assert check.returncode == 0, check.stdout + check.stderr
    build = run_cli("build", "--now", NOW, "--out", str(tmp_path / "site"), cwd=root, env=env(tmp_path))
    assert build.returncode == 0, build.stdout + build.stderr
    assert "河口鎮立圖書館: &#34;北岸&#34; #1 分館" in (tmp_path / "site/index.html").read_text(
        encoding="utf-8"
    ) or (
        "河口鎮立圖書館: &quot;北岸&quot; #1 分館"
        in (tmp_path / "site/index.html").read_text(encoding="utf-8")
    )


KEY_LINE = re.compile(r"^  # (\s*[a-z_]+:(?: .*)?)$")


def test_the_commented_channels_are_valid_once_uncommented(new_library: Path, tmp_path: Path) -> None:
    """Mastodon, Bluesky and the mailing list, as plan/channels.yml shows them: a lead
    who removes the `# ` gets a plan that checks, and doctor lists every secret."""
    root = tmp_path / "lib"
    subprocess.run(["git", "clone", "-q", str(new_library), str(root)], check=True)
    path = root / "plan/channels.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    uncommented = [("  " + m.group(1)) if (m := KEY_LINE.match(line)) else line for line in lines]
    assert sum(a != b for a, b in zip(lines, uncommented, strict=True)) > 30
    path.write_text("\n".join(uncommented) + "\n", encoding="utf-8")
    channels = yaml.safe_load(path.read_text(encoding="utf-8"))["channels"]
    assert set(channels) == {"site", "feed", "mastodon", "bluesky", "newsletter"}
    check = run_cli("check", cwd=root, env=env(tmp_path))
    assert check.returncode == 0, check.stdout + check.stderr
    doctor = run_cli("doctor", "--offline", cwd=root, env=env(tmp_path))
    assert doctor.returncode == 0, doctor.stderr
    assert (
        "SHELFPOST_BLUESKY_APP_PASSWORD, SHELFPOST_BLUESKY_HANDLE, SHELFPOST_MASTODON_TOKEN, "
        "SHELFPOST_SMTP_PASSWORD, SHELFPOST_SMTP_USER, SHELFPOST_INBOX_KEY" in doctor.stdout
    )
    publish = yaml.safe_load((root / ".github/workflows/publish.yml").read_text(encoding="utf-8"))
    inbox = yaml.safe_load((root / ".github/workflows/inbox.yml").read_text(encoding="utf-8"))
    given = str(publish["jobs"]["publish"]["steps"]) + str(inbox["jobs"]["sync"]["steps"])
    for secret in ("SHELFPOST_BLUESKY_APP_PASSWORD", "SHELFPOST_SMTP_USER", "SHELFPOST_INBOX_KEY"):
        assert f"secrets.{secret}" in given, secret  # the workflows pass each to its step


def test_the_template_repository_is_inits_output_with_its_defaults(tmp_path: Path) -> None:
    """`make template` (its real recipe) writes what render_library gives for the defaults."""
    out = tmp_path / "template"
    venv = Path(sys.executable).parent.parent
    made = subprocess.run(
        ["make", "-s", "-o", f"{venv}/.runtime", "template", f"VENV={venv}", f"OUT={out}"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=env(tmp_path),
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    written = {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()
    }
    assert written == render_library(validate(Answers()), datetime.now(UTC).date())
    check = run_cli("check", cwd=out, env=env(tmp_path))
    assert check.returncode == 0, check.stdout + check.stderr


def test_more_bad_answers_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("mine\n", encoding="utf-8")
    a_file = run_cli("init", str(tmp_path / "a-file"), *ARGS, cwd=tmp_path, env=env(tmp_path))
    assert a_file.returncode == 2 and "a-file' is a file" in a_file.stderr  # click refuses it
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "mine\n"
    for url in ("https://", "ftp://library.example.net/", "//library.example.net/"):
        bad = run_cli("init", str(tmp_path / "b"), *ARGS, "--url", url, cwd=tmp_path, env=env(tmp_path))
        assert bad.returncode == 2 and "is not a full address" in bad.stderr, url
        assert "Traceback" not in bad.stderr and not (tmp_path / "b").exists()
    several = run_cli(
        "init",
        str(tmp_path / "c"),
        *ARGS,
        "--timezone",
        "Taipei",
        "--language",
        "中文",
        cwd=tmp_path,
        env=env(tmp_path),
    )
    assert several.returncode == 2  # every bad answer in one message
    assert (
        "--language: '中文' is not a language tag" in several.stderr
        and "--timezone: 'Taipei'" in several.stderr
    )
    assert not (tmp_path / "c").exists()
