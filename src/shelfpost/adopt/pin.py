"""The pin of shelfpost in a library repository: one line of ``requirements.txt``.

Every workflow of the library installs ``-r requirements.txt``; Dependabot (pip) or
Renovate changes that one line when a new tag of the tool appears. ``check`` warns
when the installed shelfpost is not the pinned one. Pure.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Where a new library installs shelfpost from: the one place this is written. A git
#: URL (``git+https://HOST/OWNER/NAME``) pins a tag of that repository, ``vX.Y.Z``; the
#: word ``pypi`` pins ``shelfpost==X.Y.Z`` from a package index. ``shelfpost init
#: --tool-source`` (or ``$SHELFPOST_TOOL_SOURCE``) names another for one library, e.g. a
#: fork or a mirror. The repository must exist and hold the tag ``v`` + ``__version__``
#: (README, "Publishing shelfpost") before a library's workflows can install from it.
TOOL_SOURCE = "git+https://github.com/shelfpost/shelfpost"
PACKAGE_INDEX = "pypi"
REQUIREMENTS = "requirements.txt"
PIN_RE = re.compile(
    r"^shelfpost\s*(?:@\s*\S+@v(?P<tag>[0-9][0-9A-Za-z.+-]*)|==\s*(?P<version>[0-9][0-9A-Za-z.+-]*))\s*(?:#.*)?$"
)


GIT_SOURCE_RE = re.compile(r"^git\+https?://[^\s@#?]+/[^\s@#?]+$")


def source_problem(source: str) -> str | None:
    """Why ``source`` cannot be where the pin installs from, or None."""
    if source == PACKAGE_INDEX or GIT_SOURCE_RE.match(source):
        return None
    return (
        f"{source!r} is not a place to install shelfpost from: give a git URL such as "
        f"{TOOL_SOURCE} (its tags are the versions) or {PACKAGE_INDEX!r} for a package index"
    )


def pin_line(version: str, source: str = TOOL_SOURCE) -> str:
    """The requirement line that installs exactly ``version`` from ``source``."""
    if source == PACKAGE_INDEX:
        return f"shelfpost=={version}"
    return f"shelfpost @ {source}@v{version}"


def tool_home(source: str = TOOL_SOURCE) -> str:
    """The web page of the tool (its README and CHANGELOG.md) for a source."""
    if source == PACKAGE_INDEX:
        return "https://pypi.org/project/shelfpost/"
    url = source.removeprefix("git+")
    return url.removesuffix(".git")


def read_pin(root: Path) -> tuple[int, str] | None:
    """(line number, pinned version) from ``requirements.txt``, or None without a pin."""
    path = root / REQUIREMENTS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    for number, line in enumerate(lines, 1):
        match = PIN_RE.match(line.strip())
        if match:
            return number, match.group("tag") or match.group("version")
    return None


def pin_problem(root: Path, installed: str) -> str | None:
    """A warning when the pin names another version than the one running, else None."""
    pin = read_pin(root)
    if pin is None:
        return None
    line, pinned = pin
    if pinned == installed:
        return None
    return (
        f"{REQUIREMENTS}:{line}:1: warning: shelfpost {installed} is running but the library pins "
        f"{pinned}: install the pinned one (pip install -r {REQUIREMENTS}) or change the pin "
        "in a pull request"
    )
