"""The month's numbers: per channel and in total, received, answered, excluded, the
reply rate, the median and 90th-percentile time to the first answer, and the items
still open with their age against the response target.

Counting rules (the same for the JSON, the screen and ``status``):

- an item belongs to the month it came in (the library's time zone);
- answered = answered on the platform + answered elsewhere (marked by hand);
- excluded = no reply needed, moderated, spam: they do not count against the rate;
- reply rate = answered / (received - excluded), to three decimals;
- response times come from items answered on the platform (a hand mark has no time):
  the median of the seconds, and the 90th percentile by nearest rank;
- manual channels give their counts and median by hand (``data/interactions/manual/``);
  the total's median and 90th percentile are over the items with times only.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shelfpost.inbox import store
from shelfpost.inbox.store import Item
from shelfpost.library.dates import Month
from shelfpost.library.model import Library

#: A sync is late when its last success is older than this (it runs hourly).
SYNC_LATE = timedelta(hours=3)


@dataclass(frozen=True)
class Counts:
    received: int = 0
    answered: int = 0
    excluded: int = 0
    reply_rate: float | None = None
    median_response_s: int | None = None
    p90_response_s: int | None = None
    open: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "answered": self.answered,
            "excluded": self.excluded,
            "reply_rate": self.reply_rate,
            "median_response_s": self.median_response_s,
            "p90_response_s": self.p90_response_s,
            "open": self.open,
        }


@dataclass(frozen=True)
class OpenItem:
    item: str  # the short key `inbox mark` takes
    channel: str
    kind: str
    received: str  # ISO 8601, UTC
    age_s: int
    late: bool  # older than the response target


@dataclass(frozen=True)
class InboxMonth:
    month: str
    response_target_s: int
    channels: dict[str, Counts]
    total: Counts
    open_items: list[OpenItem] = field(default_factory=list)

    @property
    def late_items(self) -> list[OpenItem]:
        return [i for i in self.open_items if i.late]

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "response_target_s": self.response_target_s,
            "channels": {cid: c.to_json() for cid, c in self.channels.items()},
            "total": self.total.to_json(),
            "open_items": [i.__dict__ for i in self.open_items],
        }


def _rate(answered: int, received: int, excluded: int) -> float | None:
    counted = received - excluded
    return round(answered / counted, 3) if counted > 0 else None


def _p90(values: list[int]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def _median(values: list[int]) -> int | None:
    return round(statistics.median(values)) if values else None


def _counts(items: list[Item]) -> tuple[Counts, list[int]]:
    received = len(items)
    answered = sum(1 for i in items if i.state in ("answered", "answered-elsewhere"))
    excluded = sum(1 for i in items if i.state in store.EXCLUDED)
    times = [
        int((i.answered - i.received).total_seconds()) for i in items if i.state == "answered" and i.answered
    ]
    return (
        Counts(
            received,
            answered,
            excluded,
            _rate(answered, received, excluded),
            _median(times),
            _p90(times),
            sum(1 for i in items if i.state == "open"),
        ),
        times,
    )


def month_items(root: Path, month: Month) -> list[Item]:
    return list(store.read_month(root, str(month)).values())


def inbox_month(library: Library, month: Month, now: datetime) -> InboxMonth:
    """The month's numbers from ``data/interactions/`` and the hand-entered counts."""
    target = int(library.plan.targets.response_hours * 3600)
    items = month_items(library.root, month)
    by_channel: dict[str, list[Item]] = {}
    for item in items:
        by_channel.setdefault(item.channel, []).append(item)
    channels: dict[str, Counts] = {}
    all_times: list[int] = []
    for cid in sorted(by_channel):
        counts, times = _counts(by_channel[cid])
        channels[cid] = counts
        all_times.extend(times)
    for manual in library.interaction_counts:
        if manual.month != str(month):
            continue
        median = round(manual.median_hours * 3600) if manual.median_hours is not None else None
        channels[manual.channel] = Counts(
            manual.received,
            manual.answered,
            manual.excluded,
            _rate(manual.answered, manual.received, manual.excluded),
            median,
            None,
            max(manual.received - manual.answered - manual.excluded, 0),
        )
    received = sum(c.received for c in channels.values())
    answered = sum(c.answered for c in channels.values())
    excluded = sum(c.excluded for c in channels.values())
    total = Counts(
        received,
        answered,
        excluded,
        _rate(answered, received, excluded),
        _median(all_times),
        _p90(all_times),
        sum(c.open for c in channels.values()),
    )
    open_items = sorted(
        (
            OpenItem(
                i.short,
                i.channel,
                i.kind,
                store.utc_text(i.received),
                int((now - i.received).total_seconds()),
                (now - i.received).total_seconds() > target,
            )
            for i in items
            if i.state == "open" and i.received <= now
        ),
        key=lambda o: (o.received, o.item),
    )
    return InboxMonth(str(month), target, dict(sorted(channels.items())), total, open_items)


def sync_warnings(library: Library, now: datetime) -> list[str]:
    """A late or failed ``inbox sync``, per channel with an API (for ``status``)."""
    synced = [
        c
        for c in library.plan.channels.values()
        if c.kind in ("mastodon", "bluesky", "facebook", "instagram", "threads")
    ]
    if not synced:
        return []
    state = store.read_sync(library.root)
    out = []
    for c in sorted(synced, key=lambda c: c.id):
        s = state.get(c.id)
        if s is None or s.last_success is None:
            out.append(f"{c.id}: `shelfpost inbox sync` has not run yet: the reply rate misses this channel")
            continue
        if s.last_error:
            out.append(
                f"{c.id}: the last inbox sync failed ({s.last_error}) at {store.utc_text(s.last_attempt or now)}; "
                f"last success {store.utc_text(s.last_success)}"
            )
        elif now - s.last_success > SYNC_LATE:
            hours = (now - s.last_success).total_seconds() / 3600
            out.append(
                f"{c.id}: the last inbox sync succeeded {hours:.0f} hours ago "
                f"({store.utc_text(s.last_success)}): is the hourly workflow running?"
            )
    return out


def mark(root: Path, short: str, state: str) -> Item:
    """Set an item's state by hand (``shelfpost inbox mark``); the short key may be any
    unique prefix of 6 hex digits or more."""
    from shelfpost.errors import ShelfpostError

    if state not in store.MARKS:
        raise ShelfpostError([], f"--state must be one of {', '.join(store.MARKS)}")
    prefix = short.strip().lower()
    if len(prefix) < 6 or any(ch not in "0123456789abcdef" for ch in prefix):
        raise ShelfpostError([], f"{short!r} is not an item: give the short hash `shelfpost inbox` shows")
    with store.locked(root):
        found = [
            (m, i)
            for m in store.months(root)
            for i in store.read_month(root, m).values()
            if i.key.startswith(prefix)
        ]
        if not found:
            raise ShelfpostError(
                [], f"no inbox item {prefix}: run `shelfpost inbox --open` to see the open ones"
            )
        if len(found) > 1:
            raise ShelfpostError([], f"{prefix} matches {len(found)} items: give more of the hash")
        month, item = found[0]
        items = store.read_month(root, month)
        from dataclasses import replace

        items[item.key] = changed = replace(item, state=state)
        store.write_month(root, month, items.values())
    return changed
