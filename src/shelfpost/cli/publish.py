"""Publishing: publish (to the channels, exactly once) and due (is a scheduled run needed?)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    channel_option,
    environment,
    file_cache,
    format_option,
    now_option,
    open_library,
    parse_now,
    record_reader,
    root_option,
    stage,
    state_dir,
)
from shelfpost.library.loader import default_jobs


@main.command()
@now_option("Publish what is due at this moment (default: the clock).")
@click.option(
    "--dry-run", is_flag=True, help="Print exactly what would be sent, per channel; change nothing."
)
@channel_option
@click.option("--allow-late", is_flag=True, help="Also send posts more than --max-lateness behind schedule.")
@click.option(
    "--max-lateness", default=24.0, show_default=True, help="Hours after which a post waits for --allow-late."
)
@click.option("--max", "max_items", default=20, show_default=True, help="At most this many sends in one run.")
@format_option(["text", "json"], "text for people, json for machines.")
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
    from datetime import timedelta

    from shelfpost.publish.channel import Context
    from shelfpost.publish.registry import adapter_factory
    from shelfpost.publish.report import Clock, detail_lines, exit_code, summary_lines
    from shelfpost.publish.run import Run, Settings, summary

    # The per-file cache, as `check` and `build` use it: unchanged posts are not read again,
    # their channel texts not rendered again, unchanged records not parsed again (issue 18).
    library = open_library(root, cache=file_cache(root), jobs=default_jobs())
    records = record_reader(root)
    now = parse_now(now_text, library)
    if only and only not in library.plan.channels:
        raise click.BadParameter(f"{only!r} is not in plan/channels.yml", param_hint="--channel")
    settings = Settings(
        max_per_run=max_items, max_lateness=timedelta(hours=max_lateness), allow_late=allow_late
    )
    env = environment()
    context = Context(env, state_dir(env), time.time, warn=lambda message: click.echo(message, err=True))
    from shelfpost.cli.progress import progress_display

    with stage("publishing to the channels"), progress_display(env) as progress:
        run = Run(
            library,
            now,
            adapter_factory(context),
            settings=settings,
            sleep=time.sleep,
            dry_run=dry_run,
            only=only,
            records=records,
            progress=progress,
        )
        outcomes = run.run()
    records.save()
    if not dry_run:  # the scheduler is alive: `status` warns when this gets old
        from shelfpost.library.runs import record_publish_run

        record_publish_run(root, now, environment().get("GITHUB_RUN_ID"))
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
        local = Clock(now, library.config.timezone, library.config.timezone_name)
        due = {p.slug: p.publish_at for p in library.posts}
        lines = summary_lines(
            outcomes, local, due, dry_run=dry_run, max_lateness_hours=max_lateness, max_per_run=max_items
        )
        lines += [f"Skipped (has errors, run `shelfpost check`): {path}" for path in broken]
        click.echo("\n".join([*lines, "", *detail_lines(outcomes, local, due, dry_run=dry_run)]).rstrip())
        counts = summary(outcomes)
        click.echo(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing due", err=True)
    sys.exit(code)


@main.command()
@now_option("Decide as of this moment (default: the clock). Give an offset (the workflow uses UTC, ...Z).")
@click.option(
    "--record",
    is_flag=True,
    help="After a successful run: load the library and write data/runs/last-deploy.json for the next run.",
)
@format_option(
    ["text", "json", "github"],
    "text for people, json for machines, github: `due=true|false` lines for $GITHUB_OUTPUT.",
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
    from shelfpost.publish import due as due_mod

    if record:
        from shelfpost.digest.plan import next_due as next_digest
        from shelfpost.library.digests import BadRecord, load_digests

        library = open_library(root, cache=file_cache(root), jobs=default_jobs())
        now = parse_now(now_text, library)
        try:  # the digest's next period makes a run due even when no post does
            digest_due = next_digest(library, now, load_digests(root))
        except BadRecord:
            digest_due = now  # `shelfpost digest` reports the record; run and say so
        records = record_reader(root)
        data = due_mod.manifest_for(
            library,
            now,
            due_mod.fingerprint(root, environment()),
            environment().get("GITHUB_RUN_ID"),
            also_due=digest_due,
            records=records,
        )
        records.save()
        path = due_mod.write_manifest(root, data)
        if fmt == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        elif fmt == "text":
            click.echo(f"wrote {path.relative_to(root).as_posix()}: next due {data['next_due'] or 'never'}")
            for item in data["outstanding"]:
                click.echo(f"  outstanding: {item}")
        return
    now = parse_now(now_text, None)  # no library is loaded: its time zone is not known here
    decision = due_mod.decide(root, now, env=environment())
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
