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
from shelfpost.cli.options import environment, now_option, open_library, parse_now, root_option, stage
from shelfpost.errors import ShelfpostError
from shelfpost.library.atomic import write_atomically
from shelfpost.library.dates import Month, today
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


def _emit(
    library: Library, report: Any, markdown: str, post: Any, out_dir: Path | None, assignees: list[str]
) -> None:
    from shelfpost.cli.metrics import font_dirs
    from shelfpost.github.client import GitHubProblem
    from shelfpost.reports.figures import pictures
    from shelfpost.reports.posting import post_report
    from shelfpost.reports.render import to_html, to_pdf

    if out_dir is not None:
        with stage("writing the report's files"):
            out_dir.mkdir(parents=True, exist_ok=True)
            drawn = pictures(report.charts, font_dirs(environment()))
            if isinstance(drawn, str):
                click.echo(f"warning: the charts are not drawn: {drawn}", err=True)
            html = to_html(library, report, markdown, drawn)
            write_atomically(out_dir / f"{report.file_stem}.md", markdown.encode("utf-8"))
            write_atomically(out_dir / f"{report.file_stem}.html", html.encode("utf-8"))
            write_atomically(out_dir / f"{report.file_stem}.pdf", to_pdf(html, library.root))
        click.echo(f"wrote {report.file_stem}.md, .html and .pdf to {out_dir}", err=True)
    if post is not None:
        client, issues = post
        with stage("posting the report"):
            try:
                done = post_report(client, report, markdown, issues, assignees)
            except GitHubProblem as exc:
                raise ShelfpostError((), exc.message) from None
        click.echo(f"{done.action} issue #{done.number}: {done.url}", err=True)
    if out_dir is None and post is None:
        click.echo(markdown, nl=False)


def _listed(post: bool, repo: str | None) -> Any:
    """The client and the report issues, listed once before the report is written."""
    if not post:
        return None
    from shelfpost.github.client import GitHubProblem
    from shelfpost.reports.posting import LABEL

    client = _client(repo)
    try:
        return client, client.labelled_issues(LABEL)
    except GitHubProblem as exc:
        raise ShelfpostError((), exc.message) from None


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


@report.command()
@output_options
def weekly(post: bool, repo: str | None, out_dir: Path | None, now_text: str | None, root: Path) -> None:
    """The agenda of the Friday 10:00 meeting of the week holding --now.

    Last week's posts, next week's slots and gaps, the inbox past target, risks and
    partners due, budget lines ahead of pace, strategy changes waiting for a verdict,
    and last week's unchecked action items (read from last week's issue with --post).
    """
    from shelfpost.reports.documents import team_lead_login
    from shelfpost.reports.documents import weekly as build
    from shelfpost.reports.periods import meeting_week
    from shelfpost.reports.posting import find
    from shelfpost.reports.render import to_markdown

    library = open_library(root)
    now = parse_now(now_text, library)
    listed = _listed(post, repo)
    previous = None
    if listed is not None:
        previous = find(
            listed[1], f"<!-- shelfpost:report=weekly:{meeting_week(library, now).previous_key} -->"
        )
    with stage("writing the weekly agenda"):
        result = build(
            library, now, previous.body if previous else None, previous.html_url if previous else None
        )
        markdown = to_markdown(library, result)
    _emit(library, result, markdown, listed, out_dir, team_lead_login(library))


@report.command()
@click.option(
    "--month", "month_text", metavar="YYYY-MM", default=None, help="The month (default: this month)."
)
@only_when_due
@output_options
def monthly(
    month_text: str | None,
    if_due: bool,
    post: bool,
    repo: str | None,
    out_dir: Path | None,
    now_text: str | None,
    root: Path,
) -> None:
    """The month-end progress report for management: the five tasks against their
    targets, analytics, budget execution, the risk register, partners, next month."""
    from shelfpost.reports.documents import monthly as build
    from shelfpost.reports.render import to_markdown

    library = open_library(root)
    now = parse_now(now_text, library)
    day = today(library, now)
    try:
        month = Month.parse(month_text) if month_text else Month.of(day)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    if if_due and day != month.last:
        click.echo(f"{day} is not the last day of {month}: no report today", err=True)
        return
    listed = _listed(post, repo)
    with stage("writing the monthly report"):
        result = build(library, month, now)
        markdown = to_markdown(library, result)
    _emit(library, result, markdown, listed, out_dir, [])


@report.command()
@click.option("--quarter", "quarter_text", metavar="YYYYQN", default=None, help="The quarter, e.g. 2026Q4.")
@only_when_due
@output_options
def quarterly(
    quarter_text: str | None,
    if_due: bool,
    post: bool,
    repo: str | None,
    out_dir: Path | None,
    now_text: str | None,
    root: Path,
) -> None:
    """The quarterly evaluation on the plan's four criteria (growth, content and interaction,
    partnerships, budget), each with its evidence, a verdict and the change since the
    last quarter. A quarter not over yet is evaluated "so far"."""
    from shelfpost.reports.documents import quarterly as build
    from shelfpost.reports.render import to_markdown

    library = open_library(root)
    now = parse_now(now_text, library)
    quarter = _quarter(library, now, quarter_text)
    if if_due and today(library, now) != quarter.last:
        click.echo(f"{today(library, now)} is not the last day of {quarter}: no report today", err=True)
        return
    listed = _listed(post, repo)
    with stage("writing the quarterly evaluation"):
        result = build(library, quarter, now)
        markdown = to_markdown(library, result)
    _emit(library, result, markdown, listed, out_dir, [])


@report.command(name="partner")
@click.argument("partner_id", metavar="ID")
@click.option("--quarter", "quarter_text", metavar="YYYYQN", default=None, help="The quarter, e.g. 2026Q4.")
@output_options
def partner_command(
    partner_id: str,
    quarter_text: str | None,
    post: bool,
    repo: str | None,
    out_dir: Path | None,
    now_text: str | None,
    root: Path,
) -> None:
    """A summary for one partner (its id is its file name in partners/): the posts promoted
    together in the quarter and how they did; never contact details, budget or risks."""
    from shelfpost.reports.documents import partner as build
    from shelfpost.reports.render import to_markdown

    library = open_library(root)
    now = parse_now(now_text, library)
    quarter = _quarter(library, now, quarter_text)
    with stage("writing the partner summary"):
        result = build(library, partner_id, quarter, now)
        markdown = to_markdown(library, result)
    _emit(library, result, markdown, _listed(post, repo), out_dir, [])


@report.command()
@root_option
def schedule(root: Path) -> None:
    """The cron lines for .github/workflows/reports.yml, computed from the library's time
    zone (GitHub's cron is UTC): the agenda before the Friday meeting, the month's last
    day, the quarter's last day."""
    from shelfpost.reports.schedule import crons

    library = open_library(root)
    for name, line in crons(library):
        click.echo(f'- cron: "{line}"  # {name}')
