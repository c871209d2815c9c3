"""Reports: the Friday agenda, the month-end report, the quarterly evaluation, partner
summaries. Each prints its Markdown unless asked to ``--post`` it as a GitHub issue or
to write files (``--out DIR``: Markdown, HTML and PDF)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    environment,
    file_cache,
    now_option,
    open_library,
    parse_now,
    root_option,
    stage,
)
from shelfpost.errors import ShelfpostError
from shelfpost.library.atomic import write_atomically
from shelfpost.library.dates import Month, today
from shelfpost.library.loader import default_jobs
from shelfpost.library.model import Library

F = TypeVar("F", bound=Callable[..., Any])


def output_options(func: F) -> F:
    """``--post``, ``--repo``, ``--out`` and ``--now``, shared by every report."""
    func = now_option("Write the report as of this moment (default: the clock).")(func)
    func = click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Write the report as Markdown, HTML and PDF into this folder.",
    )(func)
    func = click.option(
        "--repo",
        metavar="OWNER/NAME",
        default=None,
        help="With --post: the repository (default: $GITHUB_REPOSITORY).",
    )(func)
    func = click.option(
        "--post",
        is_flag=True,
        help="Open the report's GitHub issue, or edit it when it changed (GITHUB_TOKEN with issues: write).",
    )(func)
    return root_option(func)


def _client(repo: str | None) -> Any:
    from shelfpost.cli.github import _github

    name = repo or environment().get("GITHUB_REPOSITORY", "")
    if not name:
        raise click.UsageError("--post needs --repo OWNER/NAME (or $GITHUB_REPOSITORY)")
    return _github(name, "issues: write")


class Output:
    """What every report command shares: the library, ``--now``, and where the report
    goes (``--post`` to the issue found by its marker, ``--out`` files, else stdout)."""

    def __init__(self, library: Library, now: datetime, post: bool, repo: str | None, out_dir: Path | None):
        self.library, self.now, self.post, self.repo, self.out_dir = library, now, post, repo, out_dir
        self._listed: Any = None

    def listed(self) -> Any:
        """With ``--post``: the client and the report issues, listed once; else ``None``."""
        if self.post and self._listed is None:
            from shelfpost.github.client import GitHubProblem
            from shelfpost.reports.posting import LABEL

            client = _client(self.repo)
            try:
                self._listed = client, client.labelled_issues(LABEL)
            except GitHubProblem as exc:
                raise ShelfpostError((), exc.message) from None
        return self._listed

    def emit(self, what: str, build: Callable[[], Any], assignees: list[str] | None = None) -> None:
        """Write the report (``build()``, in the stage ``what``) where it goes."""
        from shelfpost.reports.render import to_html, to_markdown, to_pdf

        post = self.listed()  # before the report is written: GitHub's refusal comes first
        with stage(what):
            report = build()
            markdown = to_markdown(self.library, report)
        if self.out_dir is not None:
            from shelfpost.cli.metrics import font_dirs
            from shelfpost.reports.figures import pictures

            with stage("writing the report's files"):
                self.out_dir.mkdir(parents=True, exist_ok=True)
                drawn = pictures(report.charts, font_dirs(environment()))
                if isinstance(drawn, str):
                    click.echo(f"warning: the charts are not drawn: {drawn}", err=True)
                html = to_html(self.library, report, markdown, drawn)
                write_atomically(self.out_dir / f"{report.file_stem}.md", markdown.encode("utf-8"))
                write_atomically(self.out_dir / f"{report.file_stem}.html", html.encode("utf-8"))
                write_atomically(self.out_dir / f"{report.file_stem}.pdf", to_pdf(html, self.library.root))
            click.echo(f"wrote {report.file_stem}.md, .html and .pdf to {self.out_dir}", err=True)
        if post is not None:
            from shelfpost.github.client import GitHubProblem  # github3: only to post
            from shelfpost.reports.posting import post_report

            client, issues = post
            with stage("posting the report"):
                try:
                    done = post_report(client, report, markdown, issues, assignees or [])
                except GitHubProblem as exc:
                    raise ShelfpostError((), exc.message) from None
            click.echo(f"{done.action} issue #{done.number}: {done.url}", err=True)
        if self.out_dir is None and post is None:
            click.echo(markdown, nl=False)


def report_command(name: str | None = None) -> Callable[[Callable[..., None]], click.Command]:
    """``shelfpost report NAME``: the function's own options, then :func:`output_options`;
    the function gets an :class:`Output` (library and ``--now`` opened) and its own options."""

    def decorate(func: Callable[..., None]) -> click.Command:
        own = getattr(func, "__click_params__", [])

        def command(
            post: bool, repo: str | None, out_dir: Path | None, now_text: str | None, root: Path, **kw: Any
        ) -> None:
            library = open_library(root, cache=file_cache(root), jobs=default_jobs())
            func(Output(library, parse_now(now_text, library), post, repo, out_dir), **kw)

        functools.update_wrapper(command, func, updated=())
        command = output_options(command)
        command.__click_params__ = [*command.__click_params__, *own]  # type: ignore[attr-defined]
        return report.command(name=name)(command)

    return decorate


@main.group()
def report() -> None:
    """Reports for the team, management and partners: weekly, monthly, quarterly, partner ID.

    Each prints Markdown to standard output, or posts it (--post) as one GitHub issue
    per report (found again by its hidden marker and edited only when it changed), or
    writes Markdown, HTML and PDF (--out DIR). Every number comes from `shelfpost status`;
    a source with no records yet is said in words, never shown as zero.
    """


def _quarter(library: Library, now: datetime, text: str | None) -> Any:
    from shelfpost.reports.periods import Quarter

    try:
        return Quarter.parse(text) if text else Quarter.of(today(library, now))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from None


def only_when_due(func: F) -> F:
    @click.option(
        "--if-due",
        is_flag=True,
        help="Do nothing unless today (in the library's time zone) is the period's last day: for schedules.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@report_command()
def weekly(out: Output) -> None:
    """The agenda of the Friday 10:00 meeting of the week holding --now.

    Last week's posts, next week's slots and gaps, the inbox past target, risks and
    partners due, budget lines ahead of pace, strategy changes waiting for a verdict,
    and last week's unchecked action items (read from last week's issue with --post).
    """
    from shelfpost.reports.documents import team_lead_login
    from shelfpost.reports.documents import weekly as build
    from shelfpost.reports.periods import meeting_week
    from shelfpost.reports.posting import find

    listed = out.listed()
    previous = None
    if listed is not None:
        key = meeting_week(out.library, out.now).previous_key
        previous = find(listed[1], f"<!-- shelfpost:report=weekly:{key} -->")
    out.emit(
        "writing the weekly agenda",
        lambda: build(
            out.library, out.now, previous.body if previous else None, previous.html_url if previous else None
        ),
        team_lead_login(out.library),
    )


@report_command()
@click.option(
    "--month", "month_text", metavar="YYYY-MM", default=None, help="The month (default: this month)."
)
@only_when_due
def monthly(out: Output, month_text: str | None, if_due: bool) -> None:
    """The month-end progress report for management: the five tasks against their
    targets, analytics, budget execution, the risk register, partners, next month."""
    from shelfpost.reports.documents import monthly as build

    day = today(out.library, out.now)
    try:
        month = Month.parse(month_text) if month_text else Month.of(day)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    if if_due and day != month.last:
        click.echo(f"{day} is not the last day of {month}: no report today", err=True)
        return
    out.emit("writing the monthly report", lambda: build(out.library, month, out.now))


@report_command()
@click.option("--quarter", "quarter_text", metavar="YYYYQN", default=None, help="The quarter, e.g. 2026Q4.")
@only_when_due
def quarterly(out: Output, quarter_text: str | None, if_due: bool) -> None:
    """The quarterly evaluation on the plan's four criteria (growth, content and interaction,
    partnerships, budget), each with its evidence, a verdict and the change since the
    last quarter. A quarter not over yet is evaluated "so far"."""
    from shelfpost.reports.documents import quarterly as build

    quarter = _quarter(out.library, out.now, quarter_text)
    day = today(out.library, out.now)
    if if_due and day != quarter.last:
        click.echo(f"{day} is not the last day of {quarter}: no report today", err=True)
        return
    out.emit("writing the quarterly evaluation", lambda: build(out.library, quarter, out.now))


@report_command(name="partner")
@click.argument("partner_id", metavar="ID")
@click.option("--quarter", "quarter_text", metavar="YYYYQN", default=None, help="The quarter, e.g. 2026Q4.")
def partner_command(out: Output, partner_id: str, quarter_text: str | None) -> None:
    """A summary for one partner (its id is its file name in partners/): the posts promoted
    together in the quarter and how they did; never contact details, budget or risks."""
    from shelfpost.reports.documents import partner as build

    quarter = _quarter(out.library, out.now, quarter_text)
    out.emit("writing the partner summary", lambda: build(out.library, partner_id, quarter, out.now))


@report.command()
@root_option
def schedule(root: Path) -> None:
    """The cron lines for .github/workflows/reports.yml, computed from the library's time
    zone (GitHub's cron is UTC): the agenda before the Friday meeting, the month's last
    day, the quarter's last day."""
    from shelfpost.reports.schedule import crons

    library = open_library(root, cache=file_cache(root), jobs=default_jobs())
    for name, line in crons(library):
        click.echo(f'- cron: "{line}"  # {name}')
