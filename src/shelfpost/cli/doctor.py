"""``shelfpost doctor``: what a new library still has to set on GitHub (issue 20)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from shelfpost.adopt.doctor import Step, all_done, check_online, offline_steps
from shelfpost.adopt.pin import pin_problem
from shelfpost.cli.app import main
from shelfpost.cli.options import environment, open_library, root_option
from shelfpost.version import __version__

MARKS = {"ok": "[x]", "missing": "[ ]", "todo": "[ ]", "unknown": "[?]"}


def _print(steps: list[Step]) -> None:
    for step in steps:
        click.echo(f"{MARKS[step.state]} {step.title}")
        if step.detail:
            click.echo(f"      {step.detail}")
        if step.state != "ok":
            click.echo(f"      set it: {step.where}")


@main.command()
@click.option(
    "--repo", metavar="OWNER/NAME", help="The library's repository on GitHub (read with GITHUB_TOKEN)."
)
@click.option("--offline", is_flag=True, help="Print the checklist without asking GitHub.")
@root_option
def doctor(repo: str | None, offline: bool, root: Path) -> None:
    """The settings a library sets once on GitHub, each with where to set it.

    With --repo and GITHUB_TOKEN (a token that may read the repository's settings;
    GITHUB_API_URL for GitHub Enterprise), each is read through the API and marked
    done or missing; exits 1 while any is missing. Otherwise (or with --offline) it
    prints the same list as a checklist and exits 0.
    """
    library = open_library(root)
    pin = pin_problem(root, __version__)
    if pin:
        click.echo(pin, err=True)
    token = environment().get("GITHUB_TOKEN", "").strip()
    if offline or not repo or not token:
        if repo and not token and not offline:
            click.echo("shelfpost: GITHUB_TOKEN is not set: the checklist, unchecked", err=True)
        _print(offline_steps(library, repo or "OWNER/NAME"))
        return
    from shelfpost.github import RepoClient, connect
    from shelfpost.github.client import GitHubProblem

    try:
        client = RepoClient(
            connect(token, environment().get("GITHUB_API_URL")), repo, sleep=time.sleep, clock=time.time
        )
        steps = check_online(library, client)
    except GitHubProblem as exc:
        click.secho(f"shelfpost: {exc.message}", fg="red", err=True)
        sys.exit(1)
    _print(steps)
    done = sum(s.state == "ok" for s in steps)
    click.echo(
        f"{done} of {len(steps)} set" + ("" if all_done(steps) else ": set the others above"), err=True
    )
    sys.exit(0 if all_done(steps) else 1)
