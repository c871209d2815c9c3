"""The plan this month: status, calendar."""

from __future__ import annotations

import json
from pathlib import Path

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    console,
    format_option,
    month_option,
    open_month,
    root_option,
)
from shelfpost.library.problems import errors


@main.command()
@month_option
@format_option(["text", "json"], "text for people, json for machines (the same data).")
@root_option
def status(month_text: str | None, now_text: str | None, fmt: str, root: Path) -> None:
    """One screen: are we on plan this month?

    Each target (posts, originals, reply rate, satisfaction, strategy changes,
    partners, ready channels) against its actual value, then every warning:
    calendar gaps, missed slots, partners not contacted, overdue risk reviews,
    budget lines over pace, channels not ready, no strategy change yet.
    """
    from shelfpost.cli.screens import status_screen
    from shelfpost.reports.status import status as compute

    library, now, month = open_month(root, now_text, month_text)
    from shelfpost.errors import ShelfpostError
    from shelfpost.inbox.report import inbox_month, sync_warnings
    from shelfpost.library.runs import last_publish_warning

    try:
        inbox, inbox_notes = inbox_month(library, month, now), tuple(sync_warnings(library, now))
    except ShelfpostError as exc:  # a damaged inbox file is one warning, not the end of status
        inbox, inbox_notes = None, (exc.summary,)
    result = compute(library, month, now, last_publish_warning(root, now), inbox, inbox_notes)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        console().print(status_screen(result))
    if any(p.is_error for p in library.problems):
        click.secho(
            f"note: {len(errors(library.problems))} error(s) in the files; run `shelfpost check`",
            fg="yellow",
            err=True,
        )


@main.command(name="calendar")
@month_option
@format_option(["text", "json"], "text for people, json for machines.")
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
    from shelfpost.cli.screens import calendar_screen
    from shelfpost.reports.status import calendar_view
    from shelfpost.site.ical import staff_calendar

    library, now, month = open_month(root, now_text, month_text)
    view = calendar_view(library, month, now)
    if fmt == "json":
        click.echo(json.dumps(view.to_json(), ensure_ascii=False, indent=2))
    else:
        console().print(calendar_screen(view))
    if ics_file is not None:
        ics_file.write_bytes(staff_calendar(library, now))
        click.echo(f"wrote {len(library.calendar)} slot(s) to {ics_file}", err=True)
