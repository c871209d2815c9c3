"""The ``shelfpost`` group and its one error boundary.

A :class:`~shelfpost.errors.ShelfpostError` is a known failure: its problems and
summary are printed and the command exits with its code. Anything else is a bug
or an environment shelfpost did not expect: one line says what the command was
doing and where the details are; the traceback goes to a log file under the
state folder, never to the terminal unless ``--debug`` asks for it.
"""

from __future__ import annotations

import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from shelfpost.cli.options import STAGE, clock, environment, print_error, state_dir
from shelfpost.errors import ShelfpostError
from shelfpost.version import __version__

UNEXPECTED_EXIT = 2


def write_log(exc: BaseException, now: datetime, folder: Path) -> Path | None:
    """The traceback of ``exc`` in ``folder/logs/``; ``None`` when it cannot be written."""
    try:
        logs = folder / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / f"shelfpost-{now.strftime('%Y%m%dT%H%M%S%fZ')}.log"
        text = f"shelfpost {__version__}, {' '.join(sys.argv[1:2])}\n" + "".join(
            traceback.format_exception(exc)
        )
        path.write_text(text, encoding="utf-8")
        return path
    except OSError:
        return None


def _what(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


class ShelfpostGroup(click.Group):
    """A click group whose commands share one error boundary."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ShelfpostError as exc:
            print_error(exc, getattr(exc, "fmt", "text"))
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            if ctx.meta.get("shelfpost.debug"):
                raise
            command = ctx.invoked_subcommand or "shelfpost"
            doing = getattr(exc, "shelfpost_stage", None) or STAGE.get()
            doing = f"running `shelfpost {command}`" if doing == "starting" else doing
            log = write_log(exc, clock(), state_dir(environment()))
            where = f"details in {log}" if log else "run again with --debug for the details"
            click.secho(f"shelfpost failed while {doing}: {_what(exc)}; {where}", fg="red", err=True)
            ctx.exit(UNEXPECTED_EXIT)


def _debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta["shelfpost.debug"] = value
    return value


@click.group(cls=ShelfpostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shelfpost")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_debug,
    help="Show the traceback of an unexpected error instead of writing it to the log file.",
)
def main() -> None:
    """Run a library's social-media program from a Git repository."""
