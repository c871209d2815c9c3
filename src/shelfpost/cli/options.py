"""What the commands share: the library root, ``--now``, ``--month``, ``--format``,
opening the library, the state folder, and the terminal.

Only the CLI reads the clock, the environment and the terminal; these helpers are
where it does.
"""

from __future__ import annotations

import contextvars
import functools
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from shelfpost.errors import ShelfpostError
from shelfpost.library.dates import Month, today
from shelfpost.library.loader import CONFIG_FILE, load_library
from shelfpost.library.model import Library
from shelfpost.library.problems import Problem, Severity, format_problems
from shelfpost.library.schema import Invalid, parse_moment

F = TypeVar("F", bound=Callable[..., Any])

#: What the running command is doing, for the error boundary's one line.
STAGE: contextvars.ContextVar[str] = contextvars.ContextVar("stage", default="starting")


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Name what the command does inside the block ("building the site")."""
    token = STAGE.set(what)
    try:
        yield
    except Exception as exc:
        if not hasattr(exc, "shelfpost_stage"):  # the innermost stage names it
            exc.shelfpost_stage = what  # type: ignore[attr-defined]
        raise
    finally:
        STAGE.reset(token)


def environment() -> Mapping[str, str]:
    """The process environment: read here, passed down as an argument."""
    return os.environ


def clock() -> datetime:
    """The one clock of shelfpost: everything below the CLI takes ``now``."""
    return datetime.now(UTC)


def state_dir(env: Mapping[str, str]) -> Path:
    """Where runs keep what must not be in the repository (keys, sessions, logs)."""
    return Path(env.get("SHELFPOST_STATE_DIR") or Path.home() / ".cache" / "shelfpost" / "state")


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding shelfpost.yml (else ``start``)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return start


def root_option(func: F) -> F:
    """``--root``: the library repository (default: the nearest folder with shelfpost.yml)."""

    @click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The library repository (default: the nearest folder with shelfpost.yml).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, root: Path | None, **kwargs: Any) -> Any:
        return func(*args, root=find_root(root or Path.cwd()), **kwargs)

    return wrapper  # type: ignore[return-value]


def now_option(help_text: str = "Judge as of this moment (default: the clock).") -> Callable[[F], F]:
    """``--now ISO8601``, read by :func:`parse_now` once the library (its time zone) is known."""
    return click.option("--now", "now_text", metavar="ISO8601", default=None, help=help_text)


#: ``--channel NAME``: only this channel (publish, inbox sync, metrics sync), passed as ``only``.
channel_option = click.option(
    "--channel",
    "only",
    metavar="NAME",
    default=None,
    help="Only this channel (an id from plan/channels.yml).",
)


def format_option(choices: Sequence[str], help_text: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help_text,
    )


def month_option(func: F) -> F:
    """``--month YYYY-MM`` and ``--now``."""
    func = now_option()(func)
    return click.option(
        "--month",
        "month_text",
        metavar="YYYY-MM",
        default=None,
        help="The month to look at (default: this month in the library's time zone).",
    )(func)


def parse_now(value: str | None, library: Library | None, param_hint: str = "--now") -> datetime:
    """``--now`` as an aware moment: the clock when not given; a time without an offset
    is wall time in the library's zone (with no library loaded, an offset is required).
    ``param_hint`` names the option in errors (``new --at`` parses the same way)."""
    if value is None:
        return clock()
    tz = library.config.timezone if library is not None and library.config else None
    if tz is None:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise click.BadParameter(f"{value!r} is not an ISO 8601 moment", param_hint=param_hint) from None
        if moment.tzinfo is None:
            raise click.BadParameter("give an offset, e.g. 2026-11-26T10:00:00Z", param_hint=param_hint)
        return moment
    try:
        return parse_moment(value, tz)
    except Invalid as exc:
        raise click.BadParameter(exc.message, param_hint=param_hint) from None


def open_library(root: Path, **kwargs: Any) -> Library:
    """The library snapshot; a shelfpost.yml with errors ends the command with them listed."""
    with stage("reading the library"):
        library = load_library(root, **kwargs)
    if library.config is None:
        raise ShelfpostError(library.problems, "shelfpost.yml has errors")
    return library


def open_month(root: Path, now_text: str | None, month_text: str | None) -> tuple[Library, datetime, Month]:
    library = open_library(root)
    now = parse_now(now_text, library)
    try:
        month = Month.parse(month_text) if month_text else Month.of(today(library, now))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    return library, now, month


def file_cache(root: Path, folder: str | None = None) -> Any:
    """The per-file cache of ``check`` (or the one in ``folder``), or ``None`` when its key
    cannot be kept."""
    from shelfpost.library.filecache import CACHE_DIR, FileCache

    try:
        return FileCache(root, state_dir(environment()), folder or CACHE_DIR)
    except OSError:
        return None


def record_reader(root: Path) -> Any:
    """The publication records of ``root``, each read once, parsed again only when changed."""
    from shelfpost.library.filecache import RECORDS_CACHE_DIR
    from shelfpost.library.records import RecordReader

    return RecordReader(root, file_cache(root, RECORDS_CACHE_DIR))


def summary_line(problems: Sequence[Problem], checked: str) -> str:
    n_err = sum(1 for p in problems if p.severity is Severity.ERROR)
    n_warn = len(problems) - n_err
    files = len({p.path for p in problems})
    if not problems:
        return f"ok: {checked}, no problems"
    return f"{n_err} error(s), {n_warn} warning(s) in {files} file(s); {checked}"


def print_error(exc: ShelfpostError, fmt: str = "text") -> None:
    """The problems of ``exc`` (stdout for machines, stderr for people), then its summary."""
    if exc.problems:
        click.echo(format_problems(exc.problems, fmt), err=fmt == "text")
    click.secho(f"shelfpost: {exc.summary}", fg="red", err=True)


def console() -> Any:
    """A rich console; in a pipe or a CI log there is no width to follow: a wide page."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)


def relative(root: Path, path: Path) -> str:
    full = path.resolve()
    try:
        return full.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()
