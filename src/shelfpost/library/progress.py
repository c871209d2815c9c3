"""Progress of long work (issue 18): the one small interface every stage reports through.

A stage (build, publish, inbox sync, metrics sync, metrics import) takes an optional
``progress`` callable and calls it as it goes: ``progress("build", 400, 1000, "pages")``.
``None`` (the default) is silent. Only the CLI decides what a call shows (a rich bar on a
terminal, plain periodic lines in CI logs: :mod:`shelfpost.cli.progress`); nothing here
reads the clock, the environment or the terminal.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, task: str, done: int, total: int, unit: str) -> None:
        """``done`` of ``total`` ``unit`` (e.g. pages, posts, channels) of ``task`` are done."""
        ...


def tick(progress: Progress | None, task: str, done: int, total: int, unit: str) -> None:
    """Report to ``progress`` if there is one (stages call this, not ``progress`` itself)."""
    if progress is not None:
        progress(task, done, total, unit)


def line(task: str, done: int, total: int, unit: str) -> str:
    """The plain words of one report: ``build: 400/1000 pages (40%)``."""
    pct = f" ({done * 100 // total}%)" if total > 0 else ""
    return f"{task}: {done}/{total} {unit}{pct}"
