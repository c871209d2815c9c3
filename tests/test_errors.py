"""One error boundary: bad files and broken surroundings give a clear line, never a traceback.

The permission cases run without root's power to ignore file modes (conftest.AS_A_USER):
as root they would prove nothing.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Lib, post_text, run_cli
from github_api import GitHubAPI

NOW = "2026-11-26 12:00"


@pytest.fixture
def open_lib(lib: Lib, tmp_path: Path) -> Iterator[Lib]:
    """A library whose folders can be walked by any user, and a state folder of its own."""
    lib.post("2026-10-01-good")
    yield lib
    for path in [lib.root, *lib.root.rglob("*")]:  # let pytest clean up what a test locked
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IRWXU)


def env_for(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SHELFPOST_STATE_DIR": str(tmp_path / "state")}


def no_traceback(*outputs: str) -> None:
    for text in outputs:
        assert "Traceback" not in text, text


def test_mkdocs_yml_that_is_not_utf8_is_reported_by_check_and_build(open_lib: Lib, tmp_path: Path) -> None:
    open_lib.write("mkdocs.yml", "theme:\n  name: material\n# caf\xe9\n".encode("latin-1"))
    expected = "mkdocs.yml:3:6: error: is not UTF-8 text (byte 0xe9): save the file as UTF-8"
    check = run_cli("check", cwd=open_lib.root, env=env_for(tmp_path))
    assert check.returncode == 1 and expected in check.stdout, check.stdout + check.stderr
    build = run_cli("build", "--now", NOW, cwd=open_lib.root, env=env_for(tmp_path))
    assert build.returncode == 1 and expected in build.stderr, build.stderr
    no_traceback(check.stdout, check.stderr, build.stdout, build.stderr)


def test_mkdocs_yml_owned_keys_are_reported_by_check(open_lib: Lib, tmp_path: Path) -> None:
    open_lib.write("mkdocs.yml", "site_name: x\ntheme:\n  name: material\n  custom_dir: over\n")
    check = run_cli("check", cwd=open_lib.root, env=env_for(tmp_path))
    assert check.returncode == 1
    assert "mkdocs.yml:1:1: error: site_name: shelfpost sets this from shelfpost.yml" in check.stdout
    assert (
        "mkdocs.yml:4:3: error: theme.custom_dir: put template overrides in templates/site/" in check.stdout
    )


def test_unreadable_mkdocs_yml(open_lib: Lib, tmp_path: Path) -> None:
    (open_lib.root / "mkdocs.yml").chmod(0)
    for command in (["check"], ["build", "--now", NOW]):
        result = run_cli(*command, cwd=open_lib.root, env=env_for(tmp_path), as_user=True)
        assert result.returncode == 1, result.stderr
        assert (
            "mkdocs.yml:1:1: error: cannot read the file: Permission denied" in result.stdout + result.stderr
        )
        no_traceback(result.stdout, result.stderr)


def test_unreadable_image_is_reported_with_the_post_that_uses_it(open_lib: Lib, tmp_path: Path) -> None:
    image = open_lib.image()
    open_lib.post("2026-10-02-pic", post_text(extra="image: ../../media/pic.png\nimage_alt: 長桌\n"))
    image.chmod(0)
    check = run_cli("check", cwd=open_lib.root, env=env_for(tmp_path), as_user=True)
    assert check.returncode == 1
    assert "content/media/pic.png:1:1: error: cannot read the file: Permission denied" in check.stdout
    build = run_cli("build", "--now", NOW, cwd=open_lib.root, env=env_for(tmp_path), as_user=True)
    assert build.returncode == 1 and "content/media/pic.png:1:1" in build.stderr
    no_traceback(check.stdout, check.stderr, build.stdout, build.stderr)


@pytest.mark.parametrize("folder", ["content/posts/2026", "calendar", "partners", "plan"])
def test_unreadable_folder_is_reported_not_skipped(open_lib: Lib, tmp_path: Path, folder: str) -> None:
    path = open_lib.root / folder
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0)
    check = run_cli("check", cwd=open_lib.root, env=env_for(tmp_path), as_user=True)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"{folder}:0:0: error: cannot read the folder: Permission denied" in check.stdout
    no_traceback(check.stdout, check.stderr)


def test_a_failing_engine_is_one_clear_error(open_lib: Lib, tmp_path: Path) -> None:
    open_lib.write("mkdocs.yml", "theme:\n  name: material\nplugins:\n  - no-such-plugin-here\n")
    build = run_cli("build", "--now", NOW, cwd=open_lib.root, env=env_for(tmp_path))
    assert build.returncode == 1
    assert "no-such-plugin-here" in build.stderr and "shelfpost:" in build.stderr
    no_traceback(build.stdout, build.stderr)


def test_unexpected_errors_are_one_line_and_a_log_file(open_lib: Lib, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file where the site should go", encoding="utf-8")
    build = run_cli(
        "build",
        "--now",
        NOW,
        "--out",
        str(tmp_path / "out" / "site"),
        cwd=open_lib.root,
        env=env_for(tmp_path),
    )
    assert build.returncode == 2
    (line,) = build.stderr.strip().splitlines()[-1:]
    assert line.startswith("shelfpost failed while building the site: ") and "; details in " in line
    no_traceback(build.stdout, build.stderr)
    log = Path(line.rsplit("; details in ", 1)[1])
    assert log.parent == tmp_path / "state/logs" and "Traceback" in log.read_text(encoding="utf-8")
    debug = run_cli(
        "--debug",
        "build",
        "--now",
        NOW,
        "--out",
        str(tmp_path / "out" / "site"),
        cwd=open_lib.root,
        env=env_for(tmp_path),
    )
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_unreachable_github_for_a_manual_channel_fails_that_channel_only(
    open_lib: Lib, tmp_path: Path
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    open_lib.write(
        "plan/channels.yml",
        "channels:\n  facebook:\n    kind: manual\n    name: Facebook\n    repo: lib/site\n",
    )
    open_lib.post("2026-11-26-fb", post_text(publish_at="2026-11-26 10:00", extra="channels: [facebook]\n"))
    env = {
        **env_for(tmp_path),
        "GITHUB_TOKEN": "test-token",
        "GITHUB_API_URL": f"http://127.0.0.1:{port}/api/v3",
    }
    result = run_cli("publish", "--now", NOW, cwd=open_lib.root, env=env)
    assert result.returncode == 1
    assert "facebook: GitHub could not be reached" in result.stdout, result.stdout + result.stderr
    no_traceback(result.stdout, result.stderr)
    assert not (open_lib.root / "data/published/fb.yml").exists()  # nothing was tried


def test_github_answering_410_during_publish_fails_that_post_in_words(
    open_lib: Lib, tmp_path: Path, github: GitHubAPI
) -> None:
    open_lib.write(
        "plan/channels.yml",
        "channels:\n  facebook:\n    kind: manual\n    name: Facebook\n    repo: library/site\n",
    )
    open_lib.post("2026-11-26-fb", post_text(publish_at="2026-11-26 10:00", extra="channels: [facebook]\n"))
    github.fail("POST", r"/repos/library/site/issues$", 410, "Issues are disabled for this repo")
    result = run_cli("publish", "--now", NOW, cwd=open_lib.root, env={**env_for(tmp_path), **github.env()})
    assert result.returncode == 1
    assert "410 Gone: issues are turned off for the repository" in result.stdout, (
        result.stdout + result.stderr
    )
    no_traceback(result.stdout, result.stderr)
    assert github.issues == {}
