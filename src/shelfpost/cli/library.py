"""Commands on the library's files: check, schema, new, codeowners."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from shelfpost.adopt.pin import pin_problem
from shelfpost.cli.app import main
from shelfpost.cli.options import (
    clock,
    file_cache,
    format_option,
    open_library,
    parse_now,
    relative,
    root_option,
    summary_line,
)
from shelfpost.errors import ShelfpostError
from shelfpost.library.atomic import write_atomically
from shelfpost.library.loader import check_library, default_jobs, load_library
from shelfpost.library.problems import FORMATS, format_problems
from shelfpost.version import __version__


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option(FORMATS, "text (path:line:col: error: ...), github (Actions annotations) or json.")
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
    processes = jobs or default_jobs()
    checked = check_library(root, cache=None if no_cache else file_cache(root), jobs=processes)
    problems = list(checked.problems)
    if any(c.metric for c in checked.library.plan.strategy):  # the data a strategy change cites (issue 15)
        from shelfpost.metrics.evidence import strategy_problems

        # The evidence reads the posts (their titles and types in the metrics report).
        full = load_library(root, cache=None if no_cache else file_cache(root), jobs=processes)
        problems += strategy_problems(full)
    if paths:
        wanted = [relative(root, p) for p in paths]
        problems = [
            p
            for p in problems
            if any(p.path == w or p.path.startswith(w.rstrip("/") + "/") or w == "." for w in wanted)
        ]
    counted = f"{checked.posts} post(s) and {checked.pages} page(s) checked"
    if fmt == "json":
        click.echo(format_problems(problems, "json"))
    elif problems:
        click.echo(format_problems(problems, fmt))
    if fmt != "json":
        click.echo(summary_line(problems, counted), err=True)
        pin_warning = pin_problem(root, __version__)  # the library's requirements.txt (issue 20)
        if pin_warning:
            click.echo(pin_warning, err=True)
    sys.exit(1 if any(p.is_error for p in problems) else 0)


@main.command()
@format_option(["text", "markdown"], "markdown prints the tables the README holds.")
def schema(fmt: str) -> None:
    """Print every field of every file people edit, with what it means."""
    from shelfpost.library.fileschemas import schema_markdown, schema_tables

    if fmt == "markdown":
        click.echo(schema_markdown(), nl=False)
        return
    for title, rows in schema_tables().items():
        click.secho(title, bold=True)
        for name, kind, required, doc in rows:
            need = "required" if required else "optional"
            click.echo(f"  {name:<18} {kind:<34} {need:<9} {doc}")
        click.echo()


@main.command()
@click.option("--write", is_flag=True, help="Write .github/CODEOWNERS instead of printing it.")
@root_option
def codeowners(write: bool, root: Path) -> None:
    """Print (or --write) .github/CODEOWNERS derived from plan/team.yml.

    Reviewers own content/ and calendar/, leads own everything else; `check`
    fails while the file differs from this output.
    """
    from shelfpost.library.codeowners import CODEOWNERS_PATH, codeowners_text

    library = load_library(root)
    if "team" not in library.plan.present:
        raise ShelfpostError(
            [p for p in library.problems if p.path == "plan/team.yml"],
            "plan/team.yml is missing or has errors",
        )
    text = codeowners_text(library.plan.team)
    if write:
        write_atomically(root / CODEOWNERS_PATH, text)
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
    delete that line when the post is ready for review. Replace the stand-in texts in
    full-width brackets (the summary, an event's location) first: check refuses a post
    that keeps them once it is not a draft.
    """
    from datetime import timedelta

    from shelfpost.library.scaffold import new_post, slug_note

    library = open_library(root)
    assert library.config is not None
    if at_text is None:
        tomorrow = clock().astimezone(library.config.timezone) + timedelta(days=1)
        when = tomorrow.replace(hour=10, minute=0, second=0, microsecond=0)
    else:
        when = parse_now(at_text, library, param_hint="--at")
    try:
        draft = new_post(library, type_id, title, when, slug=slug, author=author)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    path = root / draft.path
    if path.exists():
        raise click.BadParameter(f"{draft.path} exists already: choose another --slug or --at")
    write_atomically(path, draft.text)
    found = [p for p in load_library(root).problems if p.path == draft.path]
    if any(p.is_error for p in found):
        path.unlink()
        raise ShelfpostError(found, f"the new post would not pass check; {draft.path} was not kept")
    for p in found:
        click.echo(p.format_text(), err=True)
    note = slug_note(draft, title, given=slug, config=library.config)
    if note:
        click.echo(note, err=True)
    click.echo(draft.path)
