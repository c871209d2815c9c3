"""The pin of shelfpost in a library repository: one line of ``requirements.txt``.

Every workflow of the library installs ``-r requirements.txt``; Dependabot (pip) or
Renovate changes that one line when a new tag of the tool appears. ``check`` warns
when the installed shelfpost is not the pinned one. Pure.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Where libraries install shelfpost from: a tag of the tool's repository (until it is on PyPI).
TOOL_SOURCE = "git+https://github.com/shelfpost/shelfpost"
REQUIREMENTS = "requirements.txt"
PIN_RE = re.compile(
    r"^shelfpost\s*(?:@\s*\S+@v(?P<tag>[0-9][0-9A-Za-z.+-]*)|==\s*(?P<version>[0-9][0-9A-Za-z.+-]*))\s*(?:#.*)?$"
)


def pin_line(version: str) -> str:
    return f"shelfpost @ {TOOL_SOURCE}@v{version}"


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
