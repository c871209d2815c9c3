"""The mailing-list digest: ``shelfpost digest``."""

from __future__ import annotations

import json
import ssl
import sys
import time
from pathlib import Path

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    environment,
    format_option,
    now_option,
    open_library,
    parse_now,
    root_option,
    stage,
)


@main.command()
@now_option("Send the digest whose period has come by this moment (default: the clock).")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be sent (subject, posts, the text part); send nothing."
)
@click.option(
    "--resend",
    "resend_id",
    metavar="ID",
    default=None,
    help="Send digest ID again on purpose (same Message-ID).",
)
@click.option(
    "--confirm",
    "confirm_id",
    metavar="ID",
    default=None,
    help="Record digest ID as sent: a person saw it arrive.",
)
@format_option(["text", "json"], "text for people, json for machines.")
@root_option
def digest(
    now_text: str | None, dry_run: bool, resend_id: str | None, confirm_id: str | None, fmt: str, root: Path
) -> None:
    """Send each email channel's digest of new posts and coming events, exactly once.

    When the period of a `kind: email` channel in plan/channels.yml has come
    (weekly or monthly, at its day and time in the library's time zone), one
    message goes to the list's posting address with the posts that went live since
    the last digest and the coming events. Nothing new: nothing is sent. The record
    data/digests/<id>.yml is written before sending; when the connection drops
    after the message was handed over, nothing is resent until a person says so:
    --confirm ID (it arrived) or --resend ID (send it again).

    Exit codes: 0 when nothing needs a person; 1 while a digest failed, was
    refused or has an unknown outcome; 2 for a usage error.
    """
    from shelfpost.digest.run import DigestRun, exit_code
    from shelfpost.digest.send import SmtpSender, credentials
    from shelfpost.library.model import Channel

    if resend_id and confirm_id:
        raise click.UsageError("give --resend or --confirm, not both")
    library = open_library(root)
    now = parse_now(now_text, library)
    env = environment()
    broken = [p for p in library.problems if p.path == "plan/channels.yml" and p.is_error]
    if broken:  # a channel with errors is left out of the snapshot: say so instead of "no channel"
        from shelfpost.errors import ShelfpostError

        raise ShelfpostError(broken, "plan/channels.yml has errors; nothing was sent")

    def sender(channel: Channel) -> SmtpSender:
        assert channel.email is not None
        return SmtpSender(channel.email, credentials(channel, env), ssl.create_default_context())

    run = DigestRun(library, now, sender, sleep=time.sleep, dry_run=dry_run)
    with stage("sending the digest"):
        if resend_id:
            outcomes = [run.resend(resend_id)]
        elif confirm_id:
            outcomes = [run.confirm(confirm_id)]
        else:
            outcomes = run.run()
    code = exit_code(outcomes)
    if fmt == "json":
        data = {"outcomes": [o.__dict__ for o in outcomes], "exit_code": code}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=list))
    else:
        if not outcomes:
            click.echo("no channel of kind email in plan/channels.yml: nothing to send")
        for o in outcomes:
            click.echo(f"{o.digest}: {o.action}: {o.message}")
            if o.subject:
                click.echo(f"  subject: {o.subject}")
            if o.action in ("sent", "dry-run", "failed", "rejected", "unknown"):
                click.echo(f"  {len(o.posts)} new post(s), {len(o.events)} coming event(s)")
            if o.text:
                click.echo("\n" + o.text)
    sys.exit(code)
