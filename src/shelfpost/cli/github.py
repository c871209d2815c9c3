"""The editorial workflow on GitHub: review (the bot), audit (who wrote and approved)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    environment,
    format_option,
    now_option,
    open_library,
    parse_now,
    root_option,
)
from shelfpost.library.atomic import write_atomically

UNSET_GH_HELP = (
    "GITHUB_TOKEN is not set: shelfpost needs a GitHub token with {needs}. In a workflow: "
    "`env: GITHUB_TOKEN: ${{{{ github.token }}}}` and `permissions:` granting {needs}"
)


def _github(repo: str, needs: str, max_wait: float = 300.0) -> Any:
    """A client for ``repo`` with the token and API address from the environment."""
    from shelfpost.github import RepoClient, connect
    from shelfpost.github.client import GitHubProblem

    token = environment().get("GITHUB_TOKEN", "").strip()
    if not token:
        click.secho(f"shelfpost: {UNSET_GH_HELP.format(needs=needs)}", fg="red", err=True)
        sys.exit(1)
    try:
        return RepoClient(
            connect(token, environment().get("GITHUB_API_URL")),
            repo,
            sleep=time.sleep,
            clock=time.time,
            max_wait=max_wait,
        )
    except GitHubProblem as exc:
        raise click.BadParameter(exc.message, param_hint="--repo") from None


def _changed_files(root: Path, paths: tuple[Path, ...], base: str | None) -> list[Any]:
    """What a pull request from this working tree would change: PATHs, else git's answer."""
    import subprocess

    from shelfpost.github.client import ChangedFile
    from shelfpost.library.procenv import child_env

    if paths:
        out = []
        for given in paths:
            full = given if given.is_absolute() else Path.cwd() / given
            try:
                rel = full.resolve().relative_to(root.resolve())
            except ValueError:
                raise click.BadParameter(
                    f"{given} is not inside the library {root}", param_hint="PATH"
                ) from None
            files = sorted(p for p in full.rglob("*") if p.is_file()) if full.is_dir() else [full]
            for f in files:
                name = f.resolve().relative_to(root.resolve()).as_posix() if f != full else rel.as_posix()
                out.append(ChangedFile(name, "modified" if f.exists() else "removed"))
        return out
    env = child_env(environment())

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise click.ClickException(
                f"git {' '.join(args)} failed ({done.stderr.strip() or done.returncode}): "
                "--local without PATHs needs a git checkout; or name the files: review --local PATH..."
            )
        return done.stdout

    refs = [base] if base else ["origin/main", "main"]
    ref = next(
        (
            r
            for r in refs
            if subprocess.run(
                ["git", "rev-parse", "--verify", "--quiet", r],
                cwd=root,
                env=env,
                capture_output=True,
                check=False,
            ).returncode
            == 0
        ),
        None,
    )
    if base and ref is None:
        raise click.BadParameter(f"git knows no {base}", param_hint="--base")
    status: dict[str, str] = {}
    if ref is not None:
        for line in git("diff", "--name-status", "--no-renames", f"{ref}...HEAD").splitlines():
            code, _, name = line.partition("\t")
            status[name] = (
                "removed" if code.startswith("D") else "added" if code.startswith("A") else "modified"
            )
    for line in git("status", "--porcelain=v1", "--untracked-files=all", "--no-renames").splitlines():
        code, name = line[:2], line[3:].strip('"')
        status[name] = "removed" if "D" in code else "added" if code in ("??", "A ") else "modified"
    return [ChangedFile(name, state) for name, state in sorted(status.items())]


def _review_local(root: Path, paths: tuple[Path, ...], base: str | None, now_text: str | None) -> None:
    from shelfpost.github.review import local_report, render_comment

    library = open_library(root)
    now = parse_now(now_text, library)
    assert library.config is not None
    report = local_report(library, _changed_files(root, paths, base), now)
    click.echo(render_comment(report, library.config, now, None))
    errors = sum(1 for f in report.files for p in f.problems if p.severity == "error")
    if errors:
        sys.exit(1)


def _github_failed(exc: Exception) -> None:
    click.secho(f"shelfpost: {getattr(exc, 'message', exc)}", fg="red", err=True)
    sys.exit(1)


@main.command()
@click.option("--repo", default=None, metavar="OWNER/NAME", help="The repository of the pull request.")
@click.option("--pr", "number", type=int, default=None, metavar="N", help="The pull request's number.")
@click.option(
    "--local",
    is_flag=True,
    help="Preview your own changes without GitHub: the PATHs given, else what git says changed "
    "against --base (commits and the working tree, new files included). Prints the bot's comment.",
)
@click.option(
    "--base",
    default=None,
    metavar="REF",
    help="With --local: the branch the pull request will go into (default: origin/main, else main).",
)
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
@now_option("Judge times as of this moment.")
@click.option(
    "--bot-login",
    default="github-actions[bot]",
    show_default=True,
    help="The login that writes the comment; only its comment with the marker is edited.",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@root_option
def review(
    repo: str | None,
    number: int | None,
    local: bool,
    base: str | None,
    paths: tuple[Path, ...],
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

    `shelfpost review --local [PATH...]` prints the same preview for your own changes
    before there is a pull request: no GitHub, no token.
    """
    from shelfpost.github.client import GitHubProblem
    from shelfpost.github.review import ReportError, gather_report, post_report, report_from_json

    if local:
        _review_local(root, paths, base, now_text)
        return
    if paths:
        raise click.UsageError("PATH arguments go with --local")
    if not repo:
        raise click.UsageError("give --repo OWNER/NAME (or --local to preview without GitHub)")
    if (number is None) == (from_report is None):
        raise click.UsageError("give either --pr N (read and check) or --from-report FILE (post)")
    if from_report is not None and (report_only or not head_sha):
        raise click.UsageError("--from-report needs --head-sha and cannot be --report-only")
    library = open_library(root)
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
            write_atomically(out, report.to_json())
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


@main.group(invoke_without_command=True)
@click.option(
    "--unreviewed", is_flag=True, help="Only live posts not approved by someone other than their author."
)
@format_option(["text", "json"], "text for people, json for machines.")
@now_option("Which posts are live (default: the clock).")
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
    from shelfpost.github.audit import audit_library

    library = open_library(root)
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
@now_option("Which posts are live (default: the clock).")
@root_option
def audit_record(repo: str, now_text: str | None, root: Path) -> None:
    """Record who wrote and approved each live post that has no audit yet (GITHUB_TOKEN)."""
    from shelfpost.github.audit import record_missing
    from shelfpost.github.client import GitHubProblem

    library = open_library(root)
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
