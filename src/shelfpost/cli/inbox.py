"""The interactions inbox: inbox (the month's numbers), inbox sync, inbox mark."""

from __future__ import annotations

import json
from pathlib import Path

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    channel_option,
    console,
    environment,
    file_cache,
    format_option,
    month_option,
    now_option,
    open_library,
    open_month,
    parse_now,
    root_option,
    stage,
    state_dir,
)
from shelfpost.errors import ShelfpostError
from shelfpost.library.loader import default_jobs
from shelfpost.library.model import Library

MIN_KEY = 16  # characters: the key must not be guessable


@main.group(invoke_without_command=True)
@month_option
@click.option("--open", "only_open", is_flag=True, help="List only the items still open, oldest first.")
@click.option(
    "--online",
    is_flag=True,
    help="Also show each open item's link, read live from the platform (needs the key and the "
    "channels' credentials); shown only, never written.",
)
@format_option(["text", "json"], "text for people, json for machines (the same data).")
@root_option
@click.pass_context
def inbox(
    ctx: click.Context,
    month_text: str | None,
    now_text: str | None,
    only_open: bool,
    online: bool,
    fmt: str,
    root: Path,
) -> None:
    """The month's comments, mentions, quotes and private messages: per channel and in
    total, received, answered, excluded, the reply rate, the median and 90th-percentile
    time to the first answer, and the items still open with their age against the
    response target (plan/targets.yml response_hours). Metadata only: no text, name or
    handle is ever stored or shown."""
    if ctx.invoked_subcommand is not None:
        return
    from shelfpost.cli.screens import inbox_screen
    from shelfpost.inbox.report import inbox_month

    library, now, month = open_month(root, now_text, month_text)
    with stage("counting the inbox"):
        result = inbox_month(library, month, now)
    links: dict[str, str] = {}
    if online:
        with stage("reading the open items' links"):
            links = _links(library, str(month))
    if fmt == "json":
        data = result.to_json()
        if online:
            for item in data["open_items"]:
                item["link"] = links.get(item["item"])
        if only_open:
            data = {"month": data["month"], "open_items": data["open_items"]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        console().print(inbox_screen(result, only_open, links))


def _key(library: Library) -> bytes:
    assert library.config is not None
    key_name = library.config.inbox_key_env
    key = environment().get(key_name, "")
    if len(key) < MIN_KEY:
        what = "is not set" if not key else f"is shorter than {MIN_KEY} characters"
        raise ShelfpostError(
            [],
            f"the inbox key {key_name} {what}: set it to a long random secret kept outside the "
            "repository (in GitHub: Settings > Secrets and variables > Actions); nothing was written",
        )
    return key.encode()


def _links(library: Library, month: str) -> dict[str, str]:
    """short key -> link of each open item, read live; never written anywhere."""
    from shelfpost.inbox import store
    from shelfpost.inbox.readers import SYNCED_KINDS, reader_for
    from shelfpost.inbox.sync import SyncError, live_links

    key = _key(library)
    env = environment()
    items = [i for i in store.read_month(library.root, month).values() if i.state == "open"]
    out: dict[str, str] = {}
    for channel in sorted(library.plan.channels.values(), key=lambda c: c.id):
        wanted = {i.key: i.received for i in items if i.channel == channel.id}
        if channel.kind not in SYNCED_KINDS or not wanted:
            continue
        try:
            found = live_links(channel.id, reader_for(channel, env, state_dir(env)), key, wanted)
        except SyncError as exc:
            click.secho(f"{channel.id}: no links: {exc.category}: {exc.hint}", fg="yellow", err=True)
            continue
        out.update({k[: store.SHORT]: url for k, url in found.items()})
    return out


@inbox.command("sync")
@now_option("Record the sync as of this moment (default: the clock).")
@channel_option
@root_option
def inbox_sync(now_text: str | None, only: str | None, root: Path) -> None:
    """Read what came in since the last sync, and what the library answered, on every
    Mastodon and Bluesky channel; record each item in data/interactions/YYYY-MM.csv.

    Needs the hashing key in the environment variable shelfpost.yml names
    (inbox.key_env, default SHELFPOST_INBOX_KEY); without it nothing is written.
    A rate limit (429) or a refused login ends that channel's sync with its
    checkpoint kept; the others go on. Exit code 1 when any channel failed.
    """
    from shelfpost.inbox.readers import SYNCED_KINDS, reader_for
    from shelfpost.inbox.sync import Result, SyncError, sync_channel

    library = open_library(root, cache=file_cache(root), jobs=default_jobs())
    assert library.config is not None
    now = parse_now(now_text, library)
    env = environment()
    channels = [c for c in library.plan.channels.values() if c.kind in SYNCED_KINDS]
    if only:
        if only not in library.plan.channels:
            raise click.BadParameter(f"{only!r} is not in plan/channels.yml", param_hint="--channel")
        channels = [c for c in channels if c.id == only]
        if not channels:
            raise click.BadParameter(
                f"{only} is a {library.plan.channels[only].kind} channel: its counts are entered by hand "
                "in data/interactions/manual/YYYY-MM.yml",
                param_hint="--channel",
            )
    if not channels:  # a new library before its first account: the hourly run passes
        click.echo("no Mastodon or Bluesky channel in plan/channels.yml: nothing to sync")
        return
    key = _key(library)
    from shelfpost.cli.progress import progress_display
    from shelfpost.library.progress import tick

    failed = False
    ordered = sorted(channels, key=lambda c: c.id)
    with progress_display(env) as progress:
        for done, channel in enumerate(ordered):
            tick(progress, "inbox sync", done, len(ordered), "channels")
            with stage(f"syncing the inbox of {channel.id}"):
                try:
                    reader = reader_for(channel, env, state_dir(env))
                    result = sync_channel(root, channel.id, reader, key, now, library.config.timezone)
                except SyncError as exc:
                    result = Result(channel.id, error=exc.category, hint=exc.hint)
            if result.error:
                failed = True
                click.secho(f"{channel.id}: not synced: {result.error}: {result.hint}", fg="red", err=True)
            else:
                click.echo(
                    f"{channel.id}: {result.new} new, {result.answered} newly answered"
                    + (f", {result.skipped} skipped (other types, deleted posts)" if result.skipped else "")
                )
        tick(progress, "inbox sync", len(ordered), len(ordered), "channels")
    if failed:
        raise ShelfpostError([], "some channels were not synced; their checkpoints are kept")


@inbox.command("mark")
@click.argument("item")
@click.option(
    "--state",
    required=True,
    type=click.Choice(["no-reply-needed", "moderated", "spam", "answered-elsewhere"]),
    help="What the library did with it off the platform, or under its moderation policy.",
)
@root_option
def inbox_mark(item: str, state: str, root: Path) -> None:
    """Set an item's state by hand. ITEM is the short hash `shelfpost inbox` shows.

    no-reply-needed, moderated and spam are left out of the reply rate;
    answered-elsewhere counts as answered (without a response time). Sync never
    changes a state set here.
    """
    from shelfpost.inbox.report import mark

    with stage("marking an inbox item"):
        changed = mark(root, item, state)
    click.echo(f"{changed.short}: {changed.state} ({changed.channel}, {changed.kind})")
