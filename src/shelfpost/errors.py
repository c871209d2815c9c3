"""The one exception a known failure raises: the CLI prints it and exits with its code.

Anything else that escapes a command is unexpected: the CLI's error boundary
(:mod:`shelfpost.cli.app`) writes its traceback to a log file and prints one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shelfpost.library.problems import Problem


class ShelfpostError(Exception):
    """A domain error that the CLI turns into a clean exit with the problems listed.

    ``problems`` are printed first (``path:line:col: error: ...``), then
    ``shelfpost: <summary>``; the command exits with ``exit_code``.
    """

    def __init__(self, problems: Sequence[Problem] = (), summary: str = "", *, exit_code: int = 1) -> None:
        self.problems = tuple(problems)
        self.summary = summary or f"{sum(1 for p in self.problems if p.is_error)} error(s)"
        self.exit_code = exit_code
        super().__init__(self.summary)
