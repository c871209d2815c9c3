"""What a stage's progress shows (issue 18): a rich bar on a terminal, plain periodic
lines in CI logs (not a terminal, or ``CI`` set), and always on stderr, so a command
that prints JSON keeps its stdout clean.

Quick work shows nothing: the bar appears after ``RICH_AFTER`` seconds, the first
plain line after ``SHELFPOST_PROGRESS_EVERY`` seconds (default ``EVERY``), then a line
at most that often per task, and the task's last line when it finishes (only if an
earlier line was shown). ``SHELFPOST_PROGRESS=off`` silences both.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

import click

from shelfpost.library.progress import Progress, line

EVERY = 10.0  # seconds between two plain lines of one task
RICH_AFTER = 2.0  # seconds of work before the bar appears


class PlainLines:
    """``build: 400/1000 pages (40%)``, at most every ``every`` seconds per task."""

    def __init__(
        self, write: Callable[[str], None], clock: Callable[[], float], every: float = EVERY
    ) -> None:
        self.write, self.clock, self.every = write, clock, every
        self.start = clock()
        self.last: dict[str, float] = {}
        self.finished: set[str] = set()

    def __call__(self, task: str, done: int, total: int, unit: str) -> None:
        now = self.clock()
        if total > 0 and done >= total:
            if task in self.last and task not in self.finished:
                self.finished.add(task)
                self.write(line(task, done, total, unit))
            return
        if now - self.last.get(task, self.start) >= self.every:
            self.last[task] = now
            self.finished.discard(task)
            self.write(line(task, done, total, unit))


class RichBar:
    """One rich progress bar per task on ``console`` (stderr), shown after ``after`` seconds."""

    def __init__(self, console: Any, clock: Callable[[], float], after: float = RICH_AFTER) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self.clock, self.after, self.start = clock, after, clock()
        self.bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            # A command's own output (a line per channel, JSON) stays on stdout, never
            # routed through the bar's console on stderr.
            redirect_stdout=False,
        )
        self.tasks: dict[str, Any] = {}
        self.started = False

    def __call__(self, task: str, done: int, total: int, unit: str) -> None:
        if task not in self.tasks and self.clock() - self.start < self.after:
            return
        if not self.started:
            self.bar.start()
            self.started = True
        if task not in self.tasks:
            self.tasks[task] = self.bar.add_task(task, total=total, unit=unit)
        self.bar.update(self.tasks[task], completed=done, total=total, unit=unit)

    def close(self) -> None:
        if self.started:
            self.bar.stop()


def choose(
    env: Mapping[str, str], stream: IO[str], clock: Callable[[], float]
) -> PlainLines | RichBar | None:
    """Which display for this process: ``None`` (off), a bar (a terminal) or plain lines."""
    if env.get("SHELFPOST_PROGRESS", "").lower() in ("off", "0", "no", "false"):
        return None
    if env.get("CI") or not stream.isatty():
        try:
            every = float(env.get("SHELFPOST_PROGRESS_EVERY") or EVERY)
        except ValueError:
            every = EVERY
        return PlainLines(lambda text: click.echo(text, file=stream), clock, every)
    from rich.console import Console

    return RichBar(Console(file=stream), clock)


@contextmanager
def progress_display(env: Mapping[str, str], stream: IO[str] | None = None) -> Iterator[Progress | None]:
    """The progress callback a command passes to its stage (on stderr; closed after)."""
    shown = choose(env, stream or sys.stderr, time.monotonic)
    try:
        yield shown
    finally:
        if isinstance(shown, RichBar):
            shown.close()
