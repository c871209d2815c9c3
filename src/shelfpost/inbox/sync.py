"""One channel's sync: read what came in since the checkpoint and what the library
answered, then merge it into the month files, all or nothing.

A reader (one per platform, :mod:`.mastodon`, :mod:`.bluesky`) returns a
:class:`Batch` of platform ids **in memory only**; here each id becomes its keyed
hash before anything is written. A rate limit (429) or a failed login ends the
channel's sync with nothing written but the note in the sync state, and the
checkpoint where it was: the next run reads the same span again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol

from shelfpost.inbox import store
from shelfpost.inbox.store import ChannelSync, Item

#: A first sync (no checkpoint yet) reads this far back.
FIRST_SYNC = timedelta(days=31)
#: Answers are looked for this far back at most (an item older than that stays open).
ANSWER_WINDOW = timedelta(days=62)


@dataclass(frozen=True)
class Seen:
    """An item a reader found: the platform's id lives only in memory."""

    item_id: str
    kind: str  # reply, mention, quote, direct
    received: datetime
    url: str | None = None  # for `inbox --online` only: shown, never written


@dataclass(frozen=True)
class Answer:
    """The library answered the item ``to`` (a platform id, in memory only) at ``at``."""

    to: str
    at: datetime


@dataclass
class Batch:
    items: list[Seen] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    skipped: int = 0  # notifications that are not items (an unknown type, a deleted post)


class SyncError(Exception):
    """A reader could not finish: ``category`` is what the sync state records."""

    def __init__(self, category: str, hint: str = "") -> None:
        super().__init__(category)
        self.category, self.hint = category, hint


class RateLimited(SyncError):
    def __init__(self) -> None:
        super().__init__("rate limited (429)", "the next run reads the same span again")


class Reader(Protocol):
    #: What the key is made with besides the id, e.g. "mastodon:social.example".
    platform: str

    def read(self, since: datetime, answers_since: datetime) -> Batch:
        """Items received at or after ``since`` and the library's answers made at or
        after ``answers_since``. Raises :class:`SyncError` when it cannot finish."""
        ...


@dataclass(frozen=True)
class Result:
    channel: str
    new: int = 0
    answered: int = 0
    skipped: int = 0
    error: str | None = None
    hint: str = ""


def _months_back(now: datetime, tz: tzinfo, span: timedelta) -> list[str]:
    out, moment = set(), now - span
    while moment <= now + timedelta(days=1):
        out.add(store.month_of(moment, tz))
        moment += timedelta(days=27)
    out.add(store.month_of(now, tz))
    return sorted(out)


def sync_channel(root: Path, channel: str, reader: Reader, key: bytes, now: datetime, tz: tzinfo) -> Result:
    """Sync one channel into ``root``'s ``data/interactions/``."""
    state = store.read_sync(root).get(channel, ChannelSync())
    since = state.checkpoint or now - FIRST_SYNC
    window = _months_back(now, tz, ANSWER_WINDOW)
    loaded = {m: store.read_month(root, m) for m in window}
    open_items = [
        i for items in loaded.values() for i in items.values() if i.channel == channel and i.state == "open"
    ]
    answers_since = min([since, *(i.received for i in open_items)])
    answers_since = max(answers_since, now - ANSWER_WINDOW)
    try:
        batch = reader.read(since, answers_since)
    except SyncError as exc:
        with store.locked(root):
            current = dict(store.read_sync(root))
            kept = current.get(channel, ChannelSync())
            current[channel] = replace(kept, last_attempt=now, last_error=exc.category)
            store.write_sync(root, current)
        return Result(channel, error=exc.category, hint=exc.hint)

    # Merge under the lock, re-reading what another run may have written meanwhile.
    with store.locked(root):
        seen = [
            Item(
                store.item_key(key, reader.platform, s.item_id),
                channel,
                s.kind,
                s.received.replace(microsecond=0),
            )
            for s in batch.items
        ]
        wanted = set(window) | {store.month_of(i.received, tz) for i in seen}
        files = {m: store.read_month(root, m) for m in sorted(wanted)}
        before = {m: dict(items) for m, items in files.items()}
        new = 0
        for item in seen:
            items = files[store.month_of(item.received, tz)]
            if item.key not in items:
                new += 1
            items[item.key] = store.merge(items.get(item.key), item)
        where: Mapping[str, dict[str, Item]] = {k: items for items in files.values() for k in items}
        answered = 0
        for answer in sorted(batch.answers, key=lambda a: a.at):
            k = store.item_key(key, reader.platform, answer.to)
            items_of = where.get(k)
            if items_of is None:
                continue  # an answer to something that is not an inbox item (or too old)
            item = items_of[k]
            at = answer.at.replace(microsecond=0)
            if item.channel != channel or at < item.received or item.state in store.MARKS:
                continue
            if item.answered is None or at < item.answered:
                if item.answered is None:
                    answered += 1
                items_of[k] = replace(item, answered=at, state="answered")
        for m, items in files.items():
            if items != before[m]:
                store.write_month(root, m, items.values())
        newest = max((i.received for i in seen), default=None)
        checkpoint = max((t for t in (state.checkpoint, newest) if t is not None), default=None)
        current = dict(store.read_sync(root))
        kept = current.get(channel, ChannelSync())
        if kept.checkpoint and (checkpoint is None or kept.checkpoint > checkpoint):
            checkpoint = kept.checkpoint
        current[channel] = ChannelSync(checkpoint, now, now, None)
        store.write_sync(root, current)
    return Result(channel, new, answered, batch.skipped)


def live_links(channel: str, reader: Reader, key: bytes, wanted: dict[str, datetime]) -> dict[str, str]:
    """``shelfpost inbox --online``: the link of each open item (key -> URL), read
    live from the platform and matched by key. Shown on the screen, never written."""
    if not wanted:
        return {}
    since = min(wanted.values())
    batch = reader.read(since, max(wanted.values()) + timedelta(days=3650))  # no answers needed
    out = {}
    for seen in batch.items:
        k = store.item_key(key, reader.platform, seen.item_id)
        if k in wanted and seen.url:
            out[k] = seen.url
    return out
