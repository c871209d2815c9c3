"""``shelfpost init``: a new library repository (issue 20)."""

from __future__ import annotations

from pathlib import Path

import click

from shelfpost.adopt.init import Answers, ensure_empty, render_library, validate, write_library
from shelfpost.cli.app import main
from shelfpost.cli.options import clock

DEFAULTS = Answers()


def _ask(value: str | None, prompt: str, default: str, interactive: bool) -> str:
    if value is not None:
        return value
    if not interactive:
        return default
    return str(click.prompt(prompt, default=default))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--name", help="The library's name, as the site shows it.")
@click.option("--url", "site_url", help="The site's address, e.g. https://OWNER.github.io/REPO/.")
@click.option("--language", help="The site's main language (BCP 47), e.g. zh-TW or en.")
@click.option("--timezone", help="The library's IANA time zone, e.g. Asia/Taipei.")
@click.option("--lead-name", help="The social-media lead's name (plan/team.yml).")
@click.option("--lead-github", help="The social-media lead's GitHub user name (CODEOWNERS).")
@click.option(
    "--tool-source",
    envvar="SHELFPOST_TOOL_SOURCE",
    show_envvar=True,
    help="Where the pin installs shelfpost from: a git URL (its tags) or `pypi`; "
    f"default {DEFAULTS.tool_source}.",
)
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: take the default for every option not given.")
def init(
    folder: Path,
    name: str | None,
    site_url: str | None,
    language: str | None,
    timezone: str | None,
    lead_name: str | None,
    lead_github: str | None,
    tool_source: str | None,
    yes: bool,
) -> None:
    """Make a new library repository in FOLDER (new or empty).

    It holds shelfpost.yml, mkdocs.yml, the plan (its targets and five risks), a team
    file with the lead, one example post per type (drafts), the handbook and the reply
    guidelines, every workflow (pull request, publish, inbox, metrics, reports; the
    schedules from the time zone) with shelfpost pinned in requirements.txt, the
    pull-request template, the issue forms and CODEOWNERS. `check` and `build` pass on
    it at once. What is not given is asked (or, with --yes, defaulted).
    """
    ensure_empty(folder)  # before any question: a taken folder is refused at once
    interactive = not yes
    answers = validate(
        Answers(
            name=_ask(name, "Library name", DEFAULTS.name, interactive),
            site_url=_ask(site_url, "Site URL", DEFAULTS.site_url, interactive),
            language=_ask(language, "Language (BCP 47)", DEFAULTS.language, interactive),
            timezone=_ask(timezone, "Time zone (IANA)", DEFAULTS.timezone, interactive),
            lead_name=_ask(lead_name, "Social-media lead's name", DEFAULTS.lead_name, interactive),
            lead_github=_ask(lead_github, "Lead's GitHub user name", DEFAULTS.lead_github, interactive),
            tool_source=tool_source or DEFAULTS.tool_source,
        )
    )
    for warning in answers.warnings:
        click.echo(f"shelfpost: warning: {warning}", err=True)
    files = render_library(answers, clock().date())
    write_library(folder, files)
    click.echo(f"Wrote {len(files)} files to {folder}.")
    click.echo("Next: git init, push to GitHub, then `shelfpost doctor --repo OWNER/NAME`.")
