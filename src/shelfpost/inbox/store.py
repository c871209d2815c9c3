"""The inbox's files: one CSV per month and the sync state, both under ``data/interactions/``.

A month file (``YYYY-MM.csv``, the month the item came in, in the library's time
zone) has one row per item, sorted by time received then key, so a rerun writes
the same bytes and two branches merge cleanly::

    item,channel,kind,received,answered,state
    3f0c…(64 hex),mastodon,reply,2026-11-03T01:15:00Z,2026-11-03T02:40:00Z,answered

``item`` is HMAC-SHA256(key, "<platform>:<item id>") in hex: the same item always
gets the same row, and nobody without the key can tell which post it was.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import hmac
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from shelfpost.errors import ShelfpostError
from shelfpost.library.atomic import write_atomically

FOLDER = "data/interactions"
SYNC_FILE = f"{FOLDER}/sync.yml"
COLUMNS = ("item", "channel", "kind", "received", "answered", "state")
KINDS = ("reply", "mention", "quote", "direct")
#: States; the first two are set by sync, the others by ``shelfpost inbox mark``.
STATES = ("open", "answered", "no-reply-needed", "moderated", "spam", "answered-elsewhere")
MARKS = STATES[2:]
EXCLUDED = ("no-reply-needed", "moderated", "spam")  # not counted against the reply rate
SHORT = 12  # hex digits of the key that `inbox` shows and `inbox mark` takes


def item_key(key: bytes, platform: str, item_id: str) -> str:
    """The row's key: HMAC-SHA256 of the platform and the item's id, in hex."""
    return hmac.new(key, f"{platform}:{item_id}".encode(), hashlib.sha256).hexdigest()


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    """One comment, mention, quote or private message, as the store keeps it."""

    key: str
    channel: str
    kind: str
    received: datetime
    answered: datetime | None = None
    state: str = "open"

    @property
    def short(self) -> str:
        return self.key[:SHORT]

    def row(self) -> list[str]:
        return [
            self.key,
            self.channel,
            self.kind,
            utc_text(self.received),
            utc_text(self.answered) if self.answered else "",
            self.state,
        ]


def month_of(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m")


def month_path(root: Path, month: str) -> Path:
    return root / FOLDER / f"{month}.csv"


def read_month(root: Path, month: str) -> dict[str, Item]:
    """The month's items by key (none when the file does not exist). A bad row is an
    error naming the file and the line: the file is never rewritten over it."""
    path = month_path(root, month)
    if not path.is_file():
        return {}
    rel = f"{FOLDER}/{path.name}"
    items: dict[str, Item] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return {}
        if tuple(header) != COLUMNS:
            raise ShelfpostError(
                [], f"{rel}:1: the header must be {','.join(COLUMNS)}: restore the file from git"
            )
        for row in reader:
            line = reader.line_num
            try:
                key, channel, kind, received, answered, state = row
                if len(key) != 64 or kind not in KINDS or state not in STATES:
                    raise ValueError(row)
                item = Item(
                    key, channel, kind, parse_utc(received), parse_utc(answered) if answered else None, state
                )
            except ValueError:
                raise ShelfpostError(
                    [], f"{rel}:{line}: not an inbox row ({','.join(COLUMNS)}): restore the file from git"
                ) from None
            items[key] = item
    return items


def write_month(root: Path, month: str, items: Iterable[Item]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in sorted(items, key=lambda i: (i.received, i.key)):
        writer.writerow(item.row())
    return write_atomically(month_path(root, month), out.getvalue())


def months(root: Path) -> list[str]:
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("????-??.csv"))


def merge(old: Item | None, new: Item) -> Item:
    """One item seen twice (a rerun, or two syncs racing): nothing is lost.

    A state set by hand stays; the earliest answer wins."""
    if old is None:
        return new
    answered = min((t for t in (old.answered, new.answered) if t is not None), default=None)
    if old.state in MARKS:
        return replace(old, answered=old.answered or answered)
    if new.state in MARKS:
        return replace(new, answered=answered)
    return replace(old, answered=answered, state="answered" if answered else "open")


# --- the sync state: per channel, the checkpoint and how the last runs went -------------


@dataclass(frozen=True)
class ChannelSync:
    """What ``inbox sync`` remembers of one channel. ``checkpoint`` is a time (the
    newest item seen), never a platform's id."""

    checkpoint: datetime | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None  # a category ("rate limited (429)"), never a platform's text

    def to_yaml(self) -> dict[str, Any]:
        return {
            "checkpoint": utc_text(self.checkpoint) if self.checkpoint else None,
            "last_attempt": utc_text(self.last_attempt) if self.last_attempt else None,
            "last_success": utc_text(self.last_success) if self.last_success else None,
            "last_error": self.last_error,
        }


def read_sync(root: Path) -> dict[str, ChannelSync]:
    path = root / SYNC_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out = {}
        for cid, entry in (data.get("channels") or {}).items():
            entry = entry or {}

            def moment(name: str, entry: dict[str, Any] = entry) -> datetime | None:
                return parse_utc(str(entry[name])) if entry.get(name) else None

            error = entry.get("last_error")
            out[str(cid)] = ChannelSync(
                moment("checkpoint"),
                moment("last_attempt"),
                moment("last_success"),
                str(error) if error else None,
            )
        return out
    except (yaml.YAMLError, TypeError, ValueError, AttributeError) as exc:
        raise ShelfpostError(
            [], f"{SYNC_FILE}: not readable ({type(exc).__name__}): restore it from git"
        ) from None


def write_sync(root: Path, state: Mapping[str, ChannelSync]) -> None:
    data = {"channels": {cid: state[cid].to_yaml() for cid in sorted(state)}}
    text = (
        "# Written by `shelfpost inbox sync`: per channel, the time of the newest item seen\n"
        "# (the checkpoint) and how the last runs went. No platform ids, no names.\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )
    write_atomically(root / SYNC_FILE, text)


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Two syncs (or a sync and a mark) racing: the second waits, then merges into
    what the first wrote, so nothing is lost."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
