"""The ``shelfpost`` command: thin over the library API.

Each command opens the library, calls one function, and formats the result.
Only this module reads the clock, the environment and the terminal.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .loader import CONFIG_FILE, load_library
from .model import Library
from .problems import FORMATS, Problem, Severity, ShelfpostError, errors, format_problems
from .schema import Invalid, parse_moment

F = TypeVar("F", bound=Callable[..., Any])


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding shelfpost.yml (else ``start``)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return start


def root_option(func: F) -> F:
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


def parse_now(value: str | None, library: Library) -> datetime:
    if value is None:
        return datetime.now(UTC)
    tz = library.config.timezone if library.config else UTC
    try:
        return parse_moment(value, tz)
    except Invalid as exc:
        raise click.BadParameter(exc.message, param_hint="--now") from None


def summary_line(problems: list[Problem] | tuple[Problem, ...], checked: str) -> str:
    n_err = sum(1 for p in problems if p.severity is Severity.ERROR)
    n_warn = len(problems) - n_err
    files = len({p.path for p in problems})
    if not problems:
        return f"ok: {checked}, no problems"
    return f"{n_err} error(s), {n_warn} warning(s) in {files} file(s); {checked}"


def fail(exc: ShelfpostError, fmt: str = "text") -> None:
    click.echo(format_problems(exc.problems, fmt), err=fmt == "text")
    click.secho(f"shelfpost: {exc.summary}", fg="red", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shelfpost")
def main() -> None:
    """Run a library's social-media program from a Git repository."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text (path:line:col: error: ...), github (Actions annotations) or json.",
)
@root_option
def check(paths: tuple[Path, ...], fmt: str, root: Path) -> None:
    """Check every file of the library and report all problems at once.

    With PATHS, report only problems in those files or folders (the whole
    library is still read, so links and slugs are checked against it). Exits 1
    when there is any error.
    """
    library = load_library(root)
    problems = list(library.problems)
    if paths:
        wanted = [_rel(root, p) for p in paths]
        problems = [
            p
            for p in problems
            if any(p.path == w or p.path.startswith(w.rstrip("/") + "/") or w == "." for w in wanted)
        ]
    checked = f"{len(library.posts)} post(s) and {len(library.pages)} page(s) checked"
    if fmt == "json":
        click.echo(format_problems(problems, "json"))
    elif problems:
        click.echo(format_problems(problems, fmt))
    if fmt != "json":
        click.echo(summary_line(problems, checked), err=True)
    sys.exit(1 if any(p.is_error for p in problems) else 0)


def _rel(root: Path, path: Path) -> str:
    full = path.resolve()
    try:
        return full.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


@main.command()
@click.option(
    "--now",
    "now_text",
    metavar="ISO8601",
    default=None,
    help="Build as of this moment (default: the clock). Without an offset it is in the library's time zone.",
)
@click.option(
    "--drafts",
    is_flag=True,
    help="Preview: also show drafts and scheduled posts, marked as such (never in feeds).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: site/ in the library).",
)
@click.option(
    "--engine",
    type=click.Choice(["mkdocs", "zensical"]),
    default=None,
    help="Override site.engine from shelfpost.yml.",
)
@root_option
def build(now_text: str | None, drafts: bool, out: Path | None, engine: str | None, root: Path) -> None:
    """Build the public site and its feeds with only the posts due by NOW."""
    from .build import build_site

    library = load_library(root)
    now = parse_now(now_text, library)
    started = time.perf_counter()
    try:
        result = build_site(library, now, out or root / "site", preview=drafts, engine=engine)
    except ShelfpostError as exc:
        fail(exc)
        return
    for problem in library.problems:  # warnings only, or build would have failed
        click.echo(problem.format_text(), err=True)
    click.echo(
        f"built {result.posts} post(s) with {result.engine} into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f} s",
        err=True,
    )
    click.echo(f"open {result.site_dir / 'index.html'} in a browser, or run `make serve`", err=True)


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between checks for changes.")
@root_option
def serve(port: int, interval: float, root: Path) -> None:
    """Preview the site with drafts at http://127.0.0.1:PORT, rebuilding on changes."""
    from .serve import serve_preview

    serve_preview(
        root,
        port,
        interval,
        echo=lambda msg: click.echo(msg, err=True),
        clock=lambda: datetime.now(UTC),
    )


def month_option(func: F) -> F:
    @click.option(
        "--month",
        "month_text",
        metavar="YYYY-MM",
        default=None,
        help="The month to look at (default: this month in the library's time zone).",
    )
    @click.option(
        "--now",
        "now_text",
        metavar="ISO8601",
        default=None,
        help="Judge as of this moment (default: the clock).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _open_plan(root: Path, now_text: str | None, month_text: str | None) -> tuple[Library, datetime, Any]:
    from .status import Month, today

    library = load_library(root)
    if library.config is None:
        fail(ShelfpostError(library.problems, "shelfpost.yml has errors"))
    now = parse_now(now_text, library)
    try:
        month = Month.parse(month_text) if month_text else Month.of(today(library, now))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    return library, now, month


def _console() -> Any:
    from rich.console import Console

    # In a pipe or a CI log there is no terminal width to follow: use a wide page.
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)


@main.command()
@month_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (the same data).",
)
@root_option
def status(month_text: str | None, now_text: str | None, fmt: str, root: Path) -> None:
    """One screen: are we on plan this month?

    Each target (posts, originals, reply rate, satisfaction, strategy changes,
    partners, ready channels) against its actual value, then every warning:
    calendar gaps, missed slots, partners not contacted, overdue risk reviews,
    budget lines over pace, channels not ready, no strategy change yet.
    """
    from .render.terminal import status_screen
    from .status import status as compute

    library, now, month = _open_plan(root, now_text, month_text)
    result = compute(library, month, now)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        _console().print(status_screen(result))
    if any(p.is_error for p in library.problems):
        click.secho(
            f"note: {len(errors(library.problems))} error(s) in the files; run `shelfpost check`",
            fg="yellow",
            err=True,
        )


@main.command(name="calendar")
@month_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write every slot as an iCalendar file for staff calendars.",
)
@root_option
def calendar_command(
    month_text: str | None, now_text: str | None, fmt: str, ics_file: Path | None, root: Path
) -> None:
    """The month's content calendar: each slot's state, and live posts not in it.

    States are derived from the posts: planned (no post yet), drafted, scheduled,
    published, missed (the date passed and nothing is live).
    """
    from .render.ical import staff_calendar
    from .render.terminal import calendar_screen
    from .status import calendar_view

    library, now, month = _open_plan(root, now_text, month_text)
    view = calendar_view(library, month, now)
    if fmt == "json":
        click.echo(json.dumps(view.to_json(), ensure_ascii=False, indent=2))
    else:
        _console().print(calendar_screen(view))
    if ics_file is not None:
        ics_file.write_bytes(staff_calendar(library, now))
        click.echo(f"wrote {len(library.calendar)} slot(s) to {ics_file}", err=True)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown prints the tables the README holds.",
)
def schema(fmt: str) -> None:
    """Print every field of every file people edit, with what it means."""
    from .schemas import schema_markdown, schema_tables

    if fmt == "markdown":
        click.echo(schema_markdown(), nl=False)
        return
    for title, rows in schema_tables().items():
        click.secho(title, bold=True)
        for name, kind, required, doc in rows:
            need = "required" if required else "optional"
            click.echo(f"  {name:<18} {kind:<34} {need:<9} {doc}")
        click.echo()


if __name__ == "__main__":  # pragma: no cover
    main()
