"""The sample library is `shelfpost init`'s output plus its own content (issue 20).

``scripts/make_sample.py`` (``make sample``) renders init's files for the sample's
answers and lays the sample's posts, plan, calendar, partners and data/ over them.
These tests run it into a temporary folder and against the committed tree: any drift
fails with a diff and the command that repairs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_cli

sys.path.insert(0, str(REPO / "scripts"))
import make_sample  # noqa: E402

SCRIPT = REPO / "scripts/make_sample.py"


def script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "library"
    result = script("--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_committed_sample_is_inits_output_plus_its_content() -> None:
    result = script("--check")
    assert result.returncode == 0, result.stderr
    assert "the sample library is init's output plus its content" in result.stdout


def test_the_generated_library_is_the_committed_one_file_for_file(generated: Path) -> None:
    ours = make_sample.layout_files(REPO)
    theirs = make_sample.layout_files(generated)
    assert sorted(set(ours) - set(theirs)) == sorted(make_sample.TOOL_ONLY)  # the tool's CI only
    assert set(theirs) <= set(ours)
    for rel in theirs:
        assert (generated / rel).read_bytes() == (REPO / rel).read_bytes(), rel
    # init's files are most of what a library is made of, not a token few
    init = make_sample.expected(REPO)
    assert {".github/workflows/publish.yml", ".github/workflows/inbox.yml", "mkdocs.yml"} <= set(init)
    assert {".github/workflows/reports.yml", "content/pages/handbook.md", ".github/CODEOWNERS"} <= set(init)


def test_the_generated_library_checks_like_the_sample(generated: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SHELFPOST_STATE_DIR": str(tmp_path / "state")}
    check = run_cli("check", cwd=generated, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "39 post(s) and 4 page(s) checked, no problems" in check.stderr


def copy_of_sample(tmp_path: Path) -> Path:
    """The committed sample's layout plus the tool files the check reads."""
    root = tmp_path / "copy"
    make_sample.write_library(REPO, root)
    for rel in (".gitignore", *make_sample.TOOL_ONLY):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((REPO / rel).read_bytes())
    assert make_sample.check(root) == []
    return root


def test_an_edited_workflow_fails_with_a_diff_and_the_command(tmp_path: Path) -> None:
    root = copy_of_sample(tmp_path)
    flow = root / ".github/workflows/publish.yml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("-q -r requirements.txt", "-q ."), encoding="utf-8"
    )  # what main's sample installed before issue 20
    (drift,) = make_sample.check(root)
    assert drift.path == ".github/workflows/publish.yml" and drift.problem == "differs from init's"
    assert (
        "-        run: python -m pip install --disable-pip-version-check -q .  # the pinned shelfpost\n"
        in drift.diff
    )
    assert "+++ .github/workflows/publish.yml (init)" in drift.diff
    assert make_sample.write(root) == [".github/workflows/publish.yml"]  # `make sample` repairs it
    assert make_sample.check(root) == []


def test_a_file_init_does_not_write_must_be_declared(tmp_path: Path) -> None:
    root = copy_of_sample(tmp_path)
    (root / ".github/workflows/extra.yml").write_text("name: extra\n", encoding="utf-8")
    (root / ".github/workflows/inbox.yml").unlink()
    (root / "requirements.txt").unlink()
    problems = {(d.path, d.problem.split(":")[0]) for d in make_sample.check(root)}
    assert problems == {
        (".github/workflows/inbox.yml", "missing"),
        (".github/workflows/extra.yml", "is neither init's nor the sample's content"),
        ("requirements.txt", "init writes it and the sample has no version of its own"),
    }


def test_a_setting_the_sample_uses_must_be_one_init_writes(tmp_path: Path) -> None:
    root = copy_of_sample(tmp_path)
    config = root / "shelfpost.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("inbox:\n  key_env: SHELFPOST_INBOX_KEY\n", ""), encoding="utf-8")
    assert [d.problem for d in make_sample.check(root)] == ["init writes 'inbox', which the sample lacks"] + [
        "init writes 'inbox.key_env', which the sample lacks"
    ]
    config.write_text(text + "\nsite_extra: 1\n", encoding="utf-8")
    assert [d.problem for d in make_sample.check(root)] == [
        "cannot be derived: the sample does not load (run `shelfpost check`)",  # CODEOWNERS
        "the sample sets 'site_extra', which init does not write",
    ]


def test_the_script_exits_1_on_drift_and_names_make_sample(tmp_path: Path) -> None:
    root = copy_of_sample(tmp_path)
    (root / "mkdocs.yml").write_text("theme: {name: material}\n", encoding="utf-8")
    result = script("--check", "--root", str(root))
    assert result.returncode == 1
    assert result.stderr.startswith("mkdocs.yml: differs from init's\n--- mkdocs.yml (committed)\n")
    assert result.stderr.endswith(
        "the sample library has drifted from `shelfpost init`'s output: run `make sample`, then fix what it cannot\n"
    )
    repaired = script("--root", str(root))
    assert repaired.returncode == 0 and repaired.stdout == "wrote mkdocs.yml\n"
