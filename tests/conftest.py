"""Fixtures: real libraries written into temporary folders, and the sample library."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from github_api import GitHubAPI, serve

REPO = Path(__file__).resolve().parents[1]
#: The moment the shared sample site is built for.
SAMPLE_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=8)))

CONFIG = """\
library:
  name: Test Library 測試圖書館
  site_url: https://lib.example.org/
  language: zh-TW
  timezone: {tz}
"""

AUTHORS = """\
authors:
  amy:
    name: 林艾美
  bob:
    name: Bob Chen
    role: Digital services
"""


def post_text(
    title: str = "測試文章",
    publish_at: str = "2026-10-01 10:00",
    type_: str = "news",
    extra: str = "",
    body: str = "內文 body text.\n",
) -> str:
    return (
        f"---\ntitle: {title}\npublish_at: {publish_at}\ntype: {type_}\n"
        f"summary: 摘要 summary\nauthors: [amy]\noriginal: true\n{extra}---\n{body}"
    )


class Lib:
    """A real library folder; helpers write files exactly as an editor would."""

    def __init__(self, root: Path, tz: str = "Asia/Taipei") -> None:
        self.root = root
        (root / "content/posts/2026").mkdir(parents=True)
        (root / "content/pages").mkdir(parents=True)
        (root / "content/media").mkdir(parents=True)
        self.write("shelfpost.yml", CONFIG.format(tz=tz))
        self.write("content/authors.yml", AUTHORS)
        self.write("mkdocs.yml", "theme:\n  name: material\n  font: false\nplugins:\n  - search\n")

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        return path

    def post(self, name: str, text: str | bytes | None = None, **kw: str) -> Path:
        """``name`` like ``2026-10-01-hello``; the year folder comes from it."""
        return self.write(
            f"content/posts/{name[:4]}/{name}.md", text if text is not None else post_text(**kw)
        )

    def image(self, rel: str = "content/media/pic.png") -> Path:
        shutil.copyfile(REPO / "content/media/2026/reading-room.png", self.root / rel)
        return self.root / rel


@pytest.fixture
def lib(tmp_path: Path) -> Lib:
    return Lib(tmp_path / "library")


@pytest.fixture(scope="session")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the repository's sample library (content, config, templates)."""
    dest = tmp_path_factory.mktemp("sample") / "library"
    copy_sample(dest)
    yield dest


def copy_sample(dest: Path) -> None:
    """The repository's sample library (content, plan, config, templates) copied to ``dest``."""
    dest.mkdir(parents=True)
    for name in ("content", "calendar", "partners", "plan", "data", "shelfpost.yml", "mkdocs.yml"):
        src = REPO / name
        if not src.exists():
            continue
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copyfile(src, dest / name)
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", dest / "templates")


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample library's site at :data:`SAMPLE_NOW`, built once per test run and shared by
    every xdist worker (the first builds it under a lock, the others wait and reuse it).
    Read-only: a test that changes the site builds its own."""
    base = tmp_path_factory.getbasetemp()
    # The same folder for every xdist worker of a run (their basetemps share a parent); without
    # xdist the parent is /tmp/pytest-of-USER, which every run (and every worktree) shares.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "sample-site"
    with open(shared / "sample-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "index.html").is_file():
            from shelfpost import load_library
            from shelfpost.site.build import build_site

            source = shared / "sample-source"
            if source.exists():
                shutil.rmtree(source)
            copy_sample(source)
            build_site(load_library(source), SAMPLE_NOW, out, work_dir=shared / "sample-work")
    return out


#: Run a command without root's power to ignore file permissions (CAP_DAC_OVERRIDE,
#: CAP_DAC_READ_SEARCH), as any other user would: tests of unreadable files prove
#: nothing when the process may read everything. Root still owns the files it made.
AS_A_USER = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--")


def run_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    as_user: bool = False,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``shelfpost ARGS`` in a real process, the way people and workflows run it."""
    command: Sequence[str] = [sys.executable, "-m", "shelfpost", *args]
    if as_user:
        command = [*AS_A_USER, *command]
    return subprocess.run(
        list(command),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=dict(env) if env is not None else dict(os.environ),
        timeout=timeout,
    )


def invoke(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
) -> Result:
    """``shelfpost ARGS`` in this process (fast), where :func:`run_cli` starts a real process,
    the way people and workflows run it. ``env`` is laid over this process's environment for
    the call (``None`` unsets a variable; ``COLUMNS`` sets the terminal's width); ``input`` is
    what is typed at the prompts. Exceptions propagate: ``SystemExit`` becomes ``exit_code``,
    anything else fails the test with its traceback."""
    from shelfpost.cli import main

    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


@pytest.fixture
def github() -> Iterator[GitHubAPI]:
    """GitHub's REST API for one repository (``library/site``, token ``test-token``) on
    127.0.0.1: tests/github_api.py, the one GitHub server of the tests. A test sets the
    repository (``full_name``), the tokens (``token()``) and the state it needs."""
    yield from serve()
