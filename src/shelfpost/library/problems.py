"""Problems found in a library's files, and the ways to print them.

Every check in shelfpost reports a :class:`Problem` instead of raising, so that one
run can list *all* problems at once. A problem always names the file and, where it
can, the line and column of the offending key or body construct.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors fail ``check`` and ``build``, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file.

    ``path`` is relative to the library root and uses forward slashes. ``line`` and
    ``column`` are 1-based; 0 means "the file as a whole".
    """

    path: str
    line: int
    column: int
    message: str
    code: str = "shelfpost"
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format_text(self) -> str:
        """``path:line:col: error: message``, the shape compilers and editors understand."""
        return f"{self.path}:{self.line}:{self.column}: {self.severity.value}: {self.message}"

    def format_github(self) -> str:
        """A GitHub Actions workflow command that annotates the file in the pull request."""
        props = [f"file={_gh_prop(self.path)}"]
        if self.line:
            props.append(f"line={self.line}")
        if self.column:
            props.append(f"col={self.column}")
        props.append(f"title={_gh_prop('shelfpost ' + self.code)}")
        return f"::{self.severity.value} {','.join(props)}::{_gh_data(self.message)}"

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def _gh_data(value: str) -> str:
    # Escaping rules of GitHub's workflow commands (toolkit/core command.ts).
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


FORMATS = ("text", "github", "json")


def format_problems(problems: Iterable[Problem], fmt: str = "text") -> str:
    """Render problems in one of :data:`FORMATS`, sorted by file and position."""
    ordered = sorted(problems)
    if fmt == "json":
        return json.dumps([p.to_json() for p in ordered], ensure_ascii=False, indent=2)
    if fmt == "github":
        return "\n".join(p.format_github() for p in ordered)
    if fmt == "text":
        return "\n".join(p.format_text() for p in ordered)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]
