"""The ``shelfpost`` command: thin over the library API.

Each command opens the library, calls one function, and formats the result.
Only this module reads the clock, the environment and the terminal.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .loader import CONFIG_FILE, default_jobs, load_library
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
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read every file again instead of reusing .shelfpost/cache/ (same answers, slower).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes parsing files that are not cached (default: one per CPU; same answers).",
)
@root_option
def check(paths: tuple[Path, ...], fmt: str, no_cache: bool, jobs: int | None, root: Path) -> None:
    """Check every file of the library and report all problems at once.

    With PATHS, report only problems in those files or folders (the whole
    library is still read, so links and slugs are checked against it). Posts
    and pages whose bytes did not change since the last check are taken from
    .shelfpost/cache/ (signed with a key in $SHELFPOST_STATE_DIR). Exits 1
    when there is any error.
    """
    library = load_library(root, cache=None if no_cache else _file_cache(root), jobs=jobs or default_jobs())
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


def _state_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("SHELFPOST_STATE_DIR") or Path.home() / ".cache" / "shelfpost" / "state")


def _file_cache(root: Path) -> Any:
    """The per-file cache of ``check``, or ``None`` when its key cannot be kept."""
    import os

    from .filecache import FileCache

    try:
        return FileCache(root, _state_dir(os.environ))
    except OSError:
        return None


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
@click.option(
    "--full",
    is_flag=True,
    help="Render every page, not only those changed since the last build (same result, slower).",
)
@root_option
def build(
    now_text: str | None, drafts: bool, out: Path | None, engine: str | None, full: bool, root: Path
) -> None:
    """Build the public site and its feeds with only the posts due by NOW.

    The last build is kept in .shelfpost/build/: the next one renders only the
    pages whose content changed (the site is the same as a full build's).
    """
    import signal

    from .build import build_site

    # A stopped CI job sends SIGTERM: unwind like Ctrl-C, so the engines are stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    library = load_library(root, cache=_file_cache(root), jobs=default_jobs())
    now = parse_now(now_text, library)
    started = time.perf_counter()
    try:
        result = build_site(
            library, now, out or root / "site", preview=drafts, engine=engine, full=full, jobs=default_jobs()
        )
    except ShelfpostError as exc:
        fail(exc)
        return
    for problem in library.problems:  # warnings only, or build would have failed
        click.echo(problem.format_text(), err=True)
    click.echo(
        f"built {result.posts} post(s) with {result.engine} into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f} s; {result.mode}, {result.rendered} file(s) rendered",
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
    from .runs import last_publish_warning

    result = compute(library, month, now, last_publish_warning(root, now))
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


def adapter_factory(root: Path, env: Mapping[str, str]) -> Callable[[Any], Any]:
    """Adapters built from the environment variables that plan/channels.yml names.

    Only the CLI reads the environment; adapters get the values as arguments.
    """
    from .publish.base import Failure, PlatformError

    state_dir = _state_dir(env)

    def need(channel: Any, field: str) -> str:
        name = channel.credentials.get(field)
        if not name:
            raise PlatformError(
                Failure.PERMANENT,
                f"{channel.id}: plan/channels.yml names no environment variable for credentials.{field}",
            )
        value = env.get(name)
        if not value:
            raise PlatformError(
                Failure.PERMANENT,
                f"{channel.id}: the environment variable {name} is not "
                "set (in GitHub: Settings > Secrets and variables > Actions)",
            )
        return value

    def factory(channel: Any) -> Any:
        if channel.kind == "mastodon":
            from .publish.mastodon import MastodonAdapter

            return MastodonAdapter(channel, need(channel, "access_token"))
        if channel.kind == "bluesky":
            from .publish.bluesky import BlueskyAdapter

            session_file = state_dir / f"bluesky-{channel.id}.session"
            session = session_file.read_text(encoding="utf-8") if session_file.is_file() else None

            def keep(text: str) -> None:
                state_dir.mkdir(parents=True, exist_ok=True)
                session_file.touch(mode=0o600)
                session_file.write_text(text, encoding="utf-8")

            return BlueskyAdapter(
                channel,
                need(channel, "identifier"),
                need(channel, "app_password"),
                session=session,
                save_session=keep,
            )
        if channel.kind == "manual":
            from .github.client import connect
            from .publish.manual import ManualAdapter

            repo_name = channel.repo or env.get("GITHUB_REPOSITORY") or ""
            token = env.get("GITHUB_TOKEN")
            if "/" not in repo_name or not token:
                raise PlatformError(
                    Failure.PERMANENT,
                    f"{channel.id}: copy-ready issues need GITHUB_TOKEN (with "
                    "issues: write) and the repository (repo: OWNER/NAME in plan/channels.yml, "
                    "or GITHUB_REPOSITORY)",
                )
            owner, name = repo_name.split("/", 1)
            repository = connect(token, env.get("GITHUB_API_URL")).repository(owner, name)
            if repository is None:
                raise PlatformError(Failure.PERMANENT, f"{channel.id}: repository {repo_name} not found")
            return ManualAdapter(channel, repository)
        raise PlatformError(
            Failure.PERMANENT, f"{channel.id}: shelfpost cannot post to {channel.kind} channels"
        )

    return factory


@main.command()
@click.option(
    "--now",
    "now_text",
    metavar="ISO8601",
    default=None,
    help="Publish what is due at this moment (default: the clock).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print exactly what would be sent, per channel; change nothing."
)
@click.option(
    "--channel",
    "only",
    metavar="NAME",
    default=None,
    help="Only this channel (an id from plan/channels.yml).",
)
@click.option("--allow-late", is_flag=True, help="Also send posts more than --max-lateness behind schedule.")
@click.option(
    "--max-lateness", default=24.0, show_default=True, help="Hours after which a post waits for --allow-late."
)
@click.option("--max", "max_items", default=20, show_default=True, help="At most this many sends in one run.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
@root_option
def publish(
    now_text: str | None,
    dry_run: bool,
    only: str | None,
    allow_late: bool,
    max_lateness: float,
    max_items: int,
    fmt: str,
    root: Path,
) -> None:
    """Send every live post to the channels it names that it has not reached yet.

    Exactly once: the intent is recorded in data/published/<slug>.yml before any
    call, every try carries the same key, and an unknown outcome is looked up on
    the account before a new try. The output starts with a summary (what is sent,
    what is late, what to do; times in the library's time zone), then each item;
    --dry-run prints the exact text each channel would get and its length.

    Exit codes, the same for a dry run and a real one: 0 when nothing needs a
    person; 1 while anything is failed, unknown, late (more than --max-lateness
    behind: it waits for --allow-late) or pending (over --max); 2 for a usage
    error. A dry run calls no platform, so failures show only in a real run.
    """
    import os
    from datetime import timedelta

    from .publish.report import Clock, detail_lines, exit_code, summary_lines
    from .publish.run import Run, Settings, summary

    library = load_library(root)
    if library.config is None:
        fail(ShelfpostError(library.problems, "shelfpost.yml has errors"))
    now = parse_now(now_text, library)
    if only and only not in library.plan.channels:
        raise click.BadParameter(f"{only!r} is not in plan/channels.yml", param_hint="--channel")
    settings = Settings(
        max_per_run=max_items, max_lateness=timedelta(hours=max_lateness), allow_late=allow_late
    )
    run = Run(library, now, adapter_factory(root, os.environ), settings=settings, dry_run=dry_run, only=only)
    outcomes = run.run()
    if not dry_run:  # the scheduler is alive: `status` warns when this gets old
        from .runs import record_publish_run

        record_publish_run(root, now, os.environ.get("GITHUB_RUN_ID"))
    broken = sorted({p.path for p in library.problems if p.is_error})
    code = exit_code(outcomes)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "outcomes": [o.__dict__ for o in outcomes],
                    "summary": summary(outcomes),
                    "skipped_files_with_errors": broken,
                    "exit_code": code,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        assert library.config is not None
        clock = Clock(now, library.config.timezone, library.config.timezone_name)
        due = {p.slug: p.publish_at for p in library.posts}
        lines = summary_lines(
            outcomes, clock, due, dry_run=dry_run, max_lateness_hours=max_lateness, max_per_run=max_items
        )
        lines += [f"Skipped (has errors, run `shelfpost check`): {path}" for path in broken]
        click.echo("\n".join([*lines, "", *detail_lines(outcomes, clock, due, dry_run=dry_run)]).rstrip())
        counts = summary(outcomes)
        click.echo(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing due", err=True)
    sys.exit(code)


@main.command()
@click.option(
    "--now",
    "now_text",
    metavar="ISO8601",
    default=None,
    help="Decide as of this moment (default: the clock). Give an offset (the workflow uses UTC, ...Z).",
)
@click.option(
    "--record",
    is_flag=True,
    help="After a successful run: load the library and write data/runs/last-deploy.json for the next run.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, github: `due=true|false` lines for $GITHUB_OUTPUT.",
)
@root_option
def due(now_text: str | None, record: bool, fmt: str, root: Path) -> None:
    """Say whether a scheduled run has anything to do, without building the site.

    Due when there is no data/runs/last-deploy.json yet, when any file changed
    since it was written (data/ aside), when a post's publish time (or an
    upcoming event's end) has come since, or when the last run left items
    unfinished. Reads the manifest and `git ls-tree HEAD` only, not the posts.
    With --record, write the manifest instead (after the build was deployed and
    publish succeeded). Exits 0 either way.
    """
    import os

    from . import due as due_mod

    if record:
        library = load_library(root)
        if library.config is None:
            fail(ShelfpostError(library.problems, "shelfpost.yml has errors"))
        now = parse_now(now_text, library)
        data = due_mod.manifest_for(library, now, due_mod.fingerprint(root), os.environ.get("GITHUB_RUN_ID"))
        path = due_mod.write_manifest(root, data)
        if fmt == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        elif fmt == "text":
            click.echo(f"wrote {path.relative_to(root).as_posix()}: next due {data['next_due'] or 'never'}")
            for item in data["outstanding"]:
                click.echo(f"  outstanding: {item}")
        return
    if now_text is None:
        now = datetime.now(UTC)
    else:
        try:
            now = datetime.fromisoformat(now_text.strip())
        except ValueError:
            raise click.BadParameter(f"{now_text!r} is not an ISO 8601 moment", param_hint="--now") from None
        if now.tzinfo is None:  # no library is loaded, so its time zone is not known here
            raise click.BadParameter("give an offset, e.g. 2026-11-26T10:00:00Z", param_hint="--now")
    decision = due_mod.decide(root, now)
    if fmt == "json":
        click.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "github":
        click.echo(f"due={'true' if decision.due else 'false'}")
    else:
        if decision.due:
            click.echo("due: " + "; ".join(decision.reasons))
        else:
            m = decision.manifest or {}
            click.echo(
                f"nothing due: no file changed since the deploy of {m.get('now')}, "
                f"next due {m.get('next_due') or 'never'}"
            )


# --- the editorial workflow on GitHub (issue 4) -------------------------------------------

UNSET_GH_HELP = (
    "GITHUB_TOKEN is not set: shelfpost needs a GitHub token with {needs}. In a workflow: "
    "`env: GITHUB_TOKEN: ${{{{ github.token }}}}` and `permissions:` granting {needs}"
)


def _github(repo: str, needs: str, max_wait: float = 300.0) -> Any:
    """A client for ``repo`` with the token and API address from the environment."""
    import os

    from .github import RepoClient, connect
    from .github.client import GitHubProblem

    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        click.secho(f"shelfpost: {UNSET_GH_HELP.format(needs=needs)}", fg="red", err=True)
        sys.exit(1)
    try:
        return RepoClient(
            connect(token, os.environ.get("GITHUB_API_URL")),
            repo,
            sleep=time.sleep,
            clock=time.time,
            max_wait=max_wait,
        )
    except GitHubProblem as exc:
        raise click.BadParameter(exc.message, param_hint="--repo") from None


def _github_failed(exc: Exception) -> None:
    click.secho(f"shelfpost: {getattr(exc, 'message', exc)}", fg="red", err=True)
    sys.exit(1)


def _write_atomic(path: Path, text: str) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@main.command()
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The repository of the pull request.")
@click.option("--pr", "number", type=int, default=None, metavar="N", help="The pull request's number.")
@click.option(
    "--report-only",
    is_flag=True,
    help="Only read and check (a read-only token is enough); write the report with --out, post nothing.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report (JSON) to this file, for a later --from-report.",
)
@click.option(
    "--from-report",
    "from_report",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Post a report another job made, read strictly as data (the workflow_run job).",
)
@click.option(
    "--head-sha",
    default=None,
    metavar="SHA",
    help="With --from-report: the commit the run was for; a report about another commit is not posted.",
)
@click.option("--now", "now_text", metavar="ISO8601", default=None, help="Judge times as of this moment.")
@click.option(
    "--bot-login",
    default="github-actions[bot]",
    show_default=True,
    help="The login that writes the comment; only its comment with the marker is edited.",
)
@root_option
def review(
    repo: str,
    number: int | None,
    report_only: bool,
    out: Path | None,
    from_report: Path | None,
    head_sha: str | None,
    now_text: str | None,
    bot_login: str,
    root: Path,
) -> None:
    """Preview a pull request's posts in ONE sticky comment and set the review-rule status.

    For each changed post: title, type, publish time (library time zone, and
    relative), the text each channel gets with its length against the limit, the
    image and alt text, the calendar slot it fills, and every problem with its
    line. The commit status shelfpost/review-rule says whether a reviewer from
    plan/team.yml other than the author approved. Token: GITHUB_TOKEN; API:
    GITHUB_API_URL (default https://api.github.com).
    """
    from .github.client import GitHubProblem
    from .review import ReportError, gather_report, post_report, report_from_json

    if (number is None) == (from_report is None):
        raise click.UsageError("give either --pr N (read and check) or --from-report FILE (post)")
    if from_report is not None and (report_only or not head_sha):
        raise click.UsageError("--from-report needs --head-sha and cannot be --report-only")
    library = load_library(root)
    if library.config is None:
        fail(ShelfpostError(library.problems, "shelfpost.yml has errors"))
    now = parse_now(now_text, library)
    needs = "contents: read, pull-requests: read" + (
        "" if report_only else ", pull-requests: write, statuses: write"
    )
    client = _github(repo, needs)
    try:
        if from_report is not None:
            try:
                report = report_from_json(from_report.read_bytes())
            except ReportError as exc:
                click.secho(f"shelfpost: {from_report}: {exc}; nothing was posted", fg="red", err=True)
                sys.exit(1)
        else:
            assert number is not None
            report = gather_report(library, client, number, now)
        if out is not None:
            _write_atomic(out, report.to_json())
            click.echo(f"wrote the report of pull request #{report.pr} to {out}", err=True)
        if report_only:
            return
        posted = post_report(library, client, report, now, bot_login=bot_login, head_sha=head_sha)
    except GitHubProblem as exc:
        _github_failed(exc)
        return
    if posted.skipped:
        click.echo(f"not posted: {posted.skipped}", err=True)
        return
    assert posted.rule is not None
    click.echo(f"comment: {posted.comment}; review rule: {posted.rule.state} ({posted.rule.description})")


@main.command()
@click.option("--write", is_flag=True, help="Write .github/CODEOWNERS instead of printing it.")
@root_option
def codeowners(write: bool, root: Path) -> None:
    """Print (or --write) .github/CODEOWNERS derived from plan/team.yml.

    Reviewers own content/ and calendar/, leads own everything else; `check`
    fails while the file differs from this output.
    """
    from .scaffold import CODEOWNERS_PATH, codeowners_text

    library = load_library(root)
    if "team" not in library.plan.present:
        fail(
            ShelfpostError(
                [p for p in library.problems if p.path == "plan/team.yml"],
                "plan/team.yml is missing or has errors",
            )
        )
    text = codeowners_text(library.plan.team)
    if write:
        _write_atomic(root / CODEOWNERS_PATH, text)
        click.echo(f"wrote {CODEOWNERS_PATH}", err=True)
    else:
        click.echo(text, nl=False)


@main.command(name="new")
@click.option(
    "--type",
    "type_id",
    required=True,
    metavar="TYPE",
    help="A post type from shelfpost.yml (news, event...).",
)
@click.option("--title", required=True, help="The post's title.")
@click.option(
    "--at",
    "at_text",
    metavar="ISO8601",
    default=None,
    help="When it goes out (default: tomorrow 10:00 in the library's time zone).",
)
@click.option(
    "--slug",
    default=None,
    help="The URL name: lower-case letters, digits, hyphens (default: made from the title, "
    "in Pinyin for a Chinese title, since a Chinese slug makes a very long link).",
)
@click.option("--author", default=None, help="An author id from content/authors.yml (default: the first).")
@root_option
def new_command(
    type_id: str, title: str, at_text: str | None, slug: str | None, author: str | None, root: Path
) -> None:
    """Write a new draft post from the type's template (templates/new/), checked.

    The file is content/posts/YYYY/YYYY-MM-DD-slug.md. It starts with draft: true;
    delete that line when the post is ready for review.
    """
    from datetime import timedelta

    from .scaffold import new_post, slug_note

    library = load_library(root)
    if library.config is None:
        fail(ShelfpostError(library.problems, "shelfpost.yml has errors"))
    assert library.config is not None
    if at_text is None:
        tomorrow = datetime.now(UTC).astimezone(library.config.timezone) + timedelta(days=1)
        when = tomorrow.replace(hour=10, minute=0, second=0, microsecond=0)
    else:
        when = parse_now(at_text, library)
    try:
        draft = new_post(library, type_id, title, when, slug=slug, author=author)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    path = root / draft.path
    if path.exists():
        raise click.BadParameter(f"{draft.path} exists already: choose another --slug or --at")
    _write_atomic(path, draft.text)
    found = [p for p in load_library(root).problems if p.path == draft.path]
    if any(p.is_error for p in found):
        path.unlink()
        fail(ShelfpostError(found, f"the new post would not pass check; {draft.path} was not kept"))
    for p in found:
        click.echo(p.format_text(), err=True)
    note = slug_note(draft, title, given=slug, config=library.config)
    if note:
        click.echo(note, err=True)
    click.echo(draft.path)


@main.group(invoke_without_command=True)
@click.option(
    "--unreviewed", is_flag=True, help="Only live posts not approved by someone other than their author."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
@click.option(
    "--now", "now_text", metavar="ISO8601", default=None, help="Which posts are live (default: the clock)."
)
@root_option
@click.pass_context
def audit(ctx: click.Context, unreviewed: bool, fmt: str, now_text: str | None, root: Path) -> None:
    """Who wrote and who approved each live post, from data/published/ (no network).

    A post is reviewed when someone other than its author approved the pull
    request that last changed it. `shelfpost audit record --repo OWNER/NAME` fills
    in missing audits from GitHub (the publish run does).
    """
    if ctx.invoked_subcommand is not None:
        return
    from .audit import audit_library

    library = load_library(root)
    if library.config is None:
        fail(ShelfpostError(library.problems, "shelfpost.yml has errors"))
    rows = audit_library(library, parse_now(now_text, library))
    if unreviewed:
        rows = [r for r in rows if r.state != "reviewed"]
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r.state:<10} {r.path}  {r.why}")
    click.echo(
        f"{len(rows)} live post(s){' not reviewed by someone other than their author' if unreviewed else ''}",
        err=True,
    )


@audit.command(name="record")
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The repository the posts were merged in.")
@click.option(
    "--now", "now_text", metavar="ISO8601", default=None, help="Which posts are live (default: the clock)."
)
@root_option
def audit_record(repo: str, now_text: str | None, root: Path) -> None:
    """Record who wrote and approved each live post that has no audit yet (GITHUB_TOKEN)."""
    from .audit import record_missing
    from .github.client import GitHubProblem

    library = load_library(root)
    if library.config is None:
        fail(ShelfpostError(library.problems, "shelfpost.yml has errors"))
    now = parse_now(now_text, library)
    client = _github(repo, "contents: read, pull-requests: read")
    try:
        done = record_missing(library, client, now)
    except GitHubProblem as exc:
        _github_failed(exc)
        return
    for r in done:
        if r.audit is not None:
            who = ", ".join(r.audit.approvers) or "nobody"
            click.echo(f"recorded   {r.slug}: by {r.audit.author}, approved by {who}")
        else:
            click.echo(f"not found  {r.slug}: {r.error}")
    click.echo(f"{sum(1 for r in done if r.audit)} audit(s) recorded", err=True)
    if any(r.audit is None for r in done):
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
