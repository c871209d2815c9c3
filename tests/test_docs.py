"""The README stays true: generated tables are current, every command is documented."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conftest import REPO
from shelfpost.cli import main

sys.path.insert(0, str(REPO / "scripts"))
import update_readme  # noqa: E402

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_schema_tables_in_readme_are_current() -> None:
    assert update_readme.render(README) == README, "README.md is out of date: run `make docs`"
    assert "| `publish_at` | date-time" in README


def test_every_command_and_option_is_in_the_readme() -> None:
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert f"`shelfpost {name}" in README, name
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in {"help"}:
                flag = max(param.opts, key=len)
                assert flag in README, f"{name} {flag}"
        assert command.help, f"{name} has no --help text"


def test_readme_quick_start_is_two_commands() -> None:
    assert "make site" in README and "make test" in README
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "\nsite:" in makefile and "\ntest:" in makefile and "\nserve:" in makefile
    assert "make test" in (REPO / ".ci/run").read_text(encoding="utf-8")


def has_files(folder: Path) -> bool:
    return any(
        p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p) for p in folder.rglob("*")
    )


def test_every_top_level_folder_is_explained() -> None:
    folders = [p for p in sorted(REPO.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    for path in folders:
        if path.name not in {"site", "build"} and has_files(path):
            assert f"`{path.name}/" in README, path.name
