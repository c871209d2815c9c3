"""The walls of docs/architecture.md bite: each contract fails on a planted violation.

A copy of the package gets one wrong import per contract (and a clock read below the
CLI); import-linter and ruff, run with the project's own configuration on that copy,
must name every contract broken. Without this, a contract that matched nothing would
pass for ever.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REPO

BIN = Path(sys.executable).parent

#: file in the copy -> the line planted at its end, and the contract it must break
PLANTS = {
    "shelfpost/library/model.py": ("import shelfpost.cli.options", "Stages in order"),
    "shelfpost/library/checks.py": ("import requests", "The library is pure"),
    "shelfpost/site/feeds.py": ("import httpx", "Rendering never talks to the network"),
    "shelfpost/publish/adapters/manual.py": (
        "import shelfpost.publish.adapters.mastodon",
        "Platform adapters never import each other",
    ),
    "shelfpost/inbox/bluesky.py": (
        "import shelfpost.inbox.mastodon",
        "Inbox readers never import each other",
    ),
    "shelfpost/digest/message.py": ("import smtplib", "The digest renders and mails"),
}


def copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(BIN / "lint-imports"), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_contract_is_kept_on_the_real_tree_and_named_in_the_architecture_doc(tmp_path: Path) -> None:
    result = lint_imports(copy_project(tmp_path))
    assert result.returncode == 0, result.stdout
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    names = [c["name"] for c in config["tool"]["importlinter"]["contracts"]]
    doc = (REPO / "docs/architecture.md").read_text(encoding="utf-8")
    assert [n for n in names if n not in doc] == []
    # every contract has its planted violation below (a new contract needs one too)
    assert sorted(next(n for n in names if n.startswith(c)) for _, c in PLANTS.values()) == sorted(names)


def test_each_contract_fails_on_a_planted_import(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    for rel, (line, _) in PLANTS.items():
        path = root / "src" / rel
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # planted\n", encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1
    broken = [line for line in result.stdout.splitlines() if line.endswith(" BROKEN")]
    assert len(broken) == len(PLANTS), result.stdout
    for _, contract in PLANTS.values():
        assert any(b.startswith(contract) for b in broken), (contract, result.stdout)


def test_clock_environment_and_terminal_are_banned_below_the_cli(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    planted = root / "src/shelfpost/publish/run.py"
    planted.write_text(
        planted.read_text(encoding="utf-8") + "\n\ndef _planted() -> None:\n"
        "    import os, sys, time\n    from datetime import datetime\n\n"
        "    print(time.time(), os.environ, sys.argv, datetime.now())\n",
        encoding="utf-8",
    )
    allowed = root / "src/shelfpost/cli/options.py"  # the CLI may
    result = subprocess.run(
        [
            str(BIN / "ruff"),
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            "--select",
            "TID251,T20",
            "src",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    found = {
        line.split(" ", 2)[1] + " " + line.split("`")[1]
        for line in result.stdout.splitlines()
        if line.startswith("src/") and "`" in line
    }
    assert found == {
        "TID251 time.time",
        "TID251 os.environ",
        "TID251 sys.argv",
        "TID251 datetime.datetime.now",
        "T201 print",
    }, result.stdout
    assert str(allowed.relative_to(root)) not in result.stdout
