"""What a publish run tells people: a summary first, then the items, and one exit code.

The summary says what was (or would be) sent, what is late and what to do about it,
with times in the library's time zone. A dry run and a real run end with the same
exit code for the same state (:func:`exit_code`), so a dry run answers "would the
scheduled run be red?" without calling any platform. Pure: the CLI prints the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from shelfpost.publish.run import Outcome

#: Exit codes of ``shelfpost publish`` (click uses 2 for a usage error).
EXIT_OK = 0  # nothing needs a person
EXIT_ATTENTION = 1  # something is failed, unknown, late or pending: the summary says what

DONE = ("published", "reconciled", "opened-issue", "edited", "withdrawn")


@dataclass(frozen=True)
class Clock:
    """When the run is, and the zone people read its times in."""

    now: datetime
    tz: tzinfo
    tz_name: str

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M}"


def exit_code(outcomes: Iterable[Outcome]) -> int:
    """1 while anything needs a person (failed, unknown, late, pending), else 0; dry or not."""
    return EXIT_ATTENTION if any(o.needs_attention for o in outcomes) else EXIT_OK


def _by_post(outcomes: Sequence[Outcome]) -> dict[str, list[str]]:
    posts: dict[str, list[str]] = {}
    for o in outcomes:
        posts.setdefault(o.post, []).append(o.channel)
    return posts


def _items(n: int) -> str:
    return f"{n} item{'' if n == 1 else 's'}"


def _posts(n: int) -> str:
    return f"{n} post{'' if n == 1 else 's'}"


def _channels(outcomes: Sequence[Outcome]) -> str:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.channel] = counts.get(o.channel, 0) + 1
    return ", ".join(f"{c} {n}" for c, n in counts.items())


def summary_lines(
    outcomes: Sequence[Outcome],
    clock: Clock,
    due: Mapping[str, datetime],
    *,
    dry_run: bool,
    max_lateness_hours: float,
    max_per_run: int,
) -> list[str]:
    """The few lines a person reads first: what goes out, what is late, what to do, the exit code.

    ``due`` maps a post's slug to its publish time (for the range of late posts).
    """
    by: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by.setdefault(o.action, []).append(o)
    head = "Dry run" if dry_run else "Publish run"
    lines = [
        f"{head} at {clock.local(clock.now)} ({clock.tz_name}; every time below is in this zone)"
        + (": nothing is sent and nothing is recorded." if dry_run else ".")
    ]
    sending = by.get("dry-run", []) if dry_run else [o for o in outcomes if o.action in DONE]
    if dry_run:
        would = [o for o in sending if o.text]  # a withdrawal has no text: counted below
        if would:
            lines.append(
                f"Would send: {_items(len(would))} of {_posts(len(_by_post(would)))} ({_channels(would)})."
            )
        deletes = [o for o in sending if not o.text]
        if deletes:
            lines.append(f"Would delete (withdrawn): {_items(len(deletes))}.")
        if not sending:
            lines.append("Would send: nothing.")
        edits = by.get("would-edit", [])
        if edits:
            lines.append(f"Would edit (text changed since sent): {_items(len(edits))}.")
    else:
        lines.append(f"Done: {_items(len(sending))} ({_channels(sending)})." if sending else "Sent: nothing.")
    late = by.get("late", [])
    if late:
        times = sorted(due[o.post] for o in late if o.post in due)
        span = f", due {clock.local(times[0])} to {clock.local(times[-1])}" if times else ""
        lines += [
            f"Late: {_items(len(late))} of {_posts(len(_by_post(late)))}{span}, more than "
            f"{max_lateness_hours:g} hours behind schedule. Late posts are never sent on their own.",
            "  To send them: `shelfpost publish --allow-late` (at most --max "
            f"{max_per_run} per run; the rest go out in the next runs).",
            "  If they should not go out (a new library whose posts are old, or posted by hand): "
            "remove the channel from the post's `channels:`, and they are no longer reported.",
        ]
    pending = by.get("pending", [])
    if pending:
        lines.append(f"Waiting for the next run: {_items(len(pending))} (see below why).")
    for action, what in (
        ("failed", "Failed (nothing was posted; the next run tries again)"),
        ("unknown", "Unknown outcome (the next run looks on the account first)"),
        ("not-deleted", "Withdrawn but not deleted"),
    ):
        if by.get(action):
            lines.append(f"{what}: {_items(len(by[action]))}.")
    code = exit_code(outcomes)
    if code == EXIT_OK:
        lines.append("Exit code 0: nothing needs a person.")
    else:
        why = sorted({o.action for o in outcomes if o.needs_attention})
        lines.append(
            f"Exit code 1: something needs a person ({', '.join(why)})"
            + ("; the real run would exit the same way." if dry_run else ".")
        )
    return lines


def detail_lines(
    outcomes: Sequence[Outcome], clock: Clock, due: Mapping[str, datetime], *, dry_run: bool
) -> list[str]:
    """Every item after the summary: texts in full for what goes out, one line per late post."""
    lines: list[str] = []
    late: dict[str, list[str]] = {}
    for o in outcomes:
        if o.action == "late":
            late.setdefault(o.post, []).append(o.channel)
            continue
        head = f"{o.action:<16} {o.channel:<10} {o.post}"
        lines.append(head + (f"  {o.url}" if o.url else ""))
        if o.message:
            lines.append(f"    {o.message}")
        if dry_run and o.text and o.action in ("dry-run", "would-edit"):
            lines.append("    | " + o.text.replace("\n", "\n    | "))
    if late:
        lines.append(f"Late (not sent; due at, in {clock.tz_name}):")
        for post, channels in late.items():
            when = clock.local(due[post]) if post in due else "?"
            lines.append(f"  {when}  {post}  ({', '.join(channels)})")
    return lines
