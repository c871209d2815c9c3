"""One channel's metrics sync: the account's counts (one row per day) and the
counters of the library's recent posts (one row when a counter changed).

The posts are the ones the publication records (``data/published/``) say were
published on the channel in the last ``post_days`` days. A reader (one per
platform, :mod:`.mastodon`, :mod:`.bluesky`) returns counts by the platform's id
in memory; rows are keyed by the post's slug.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from shelfpost.library.model import Library
from shelfpost.library.records import load_records
from shelfpost.metrics import store
from shelfpost.metrics.store import AccountRow, PostRow


@dataclass(frozen=True)
class Account:
    followers: int
    following: int | None = None
    posts: int | None = None


@dataclass(frozen=True)
class Counts:
    likes: int
    shares: int
    replies: int
    quotes: int | None = None
    reach: int | None = None  # Meta's insights only (issue 19)
    views: int | None = None


class SyncError(Exception):
    """A reader could not finish: nothing of the channel is written."""

    def __init__(self, category: str, hint: str = "") -> None:
        super().__init__(category)
        self.category, self.hint = category, hint


class Reader(Protocol):
    def account(self) -> Account:
        """The account's counts now."""
        ...

    def counts(self, ids: Sequence[str]) -> Mapping[str, Counts]:
        """Counters by the platform's post id; a post deleted since is absent."""
        ...


@dataclass(frozen=True)
class Published:
    slug: str
    remote_id: str
    at: datetime


@dataclass(frozen=True)
class Result:
    channel: str
    followers: int | None = None
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    decreased: int = 0
    error: str | None = None
    hint: str = ""


def published_on(library: Library, channel: str, now: datetime, days: int) -> list[Published]:
    """The library's posts published on ``channel`` since ``now - days``, from the records."""
    publish_at = {p.slug: p.publish_at for p in library.posts}
    out = []
    for slug, record in load_records(library.root).items():
        rec = record.channels.get(channel)
        if rec is None or rec.state != "published" or not rec.remote_id:
            continue
        at = datetime.fromisoformat(rec.at) if rec.at else publish_at.get(slug)
        if at is None:
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=now.tzinfo)
        if now - timedelta(days=days) <= at <= now:
            out.append(Published(slug, rec.remote_id, at))
    return sorted(out, key=lambda p: (p.at, p.slug))


def sync_channel(
    library: Library, channel: str, reader: Reader, now: datetime, tz: tzinfo, days: int = 30
) -> Result:
    root = library.root
    posts = published_on(library, channel, now, days)
    try:
        account = reader.account()
        counts = reader.counts([p.remote_id for p in posts])
    except SyncError as exc:
        return Result(channel, error=exc.category, hint=exc.hint)

    # Accounts: one row per channel and day (a second sync the same day replaces it).
    month = now.astimezone(tz).strftime("%Y-%m")
    day = now.astimezone(tz).date()
    rows = [r for r in store.read_accounts(root, month) if not (r.channel == channel and r.day == day)]
    rows.append(AccountRow(day, channel, account.followers, account.following, account.posts))
    old = store.read_accounts(root, month)
    if sorted(r.row() for r in rows) != sorted(r.row() for r in old):
        store.write_accounts(root, month, rows)

    # Posts: a row only when a counter changed since the newest row kept.
    latest = store.latest_posts(r for m in store.months(root, "posts") for r in store.read_posts(root, m))
    new_rows: list[PostRow] = []
    result = Result(channel, followers=account.followers)
    observed = now.replace(microsecond=0)
    for post in posts:
        got = counts.get(post.remote_id)
        if got is None:
            result = replace(result, deleted=result.deleted + 1)
            continue
        row = PostRow(
            observed,
            channel,
            post.slug,
            post.at.replace(microsecond=0),
            got.likes,
            got.shares,
            got.replies,
            got.quotes,
            reach=got.reach,
            views=got.views,
        )
        before = latest.get((channel, post.slug))
        if before is not None and before.counters() == row.counters():
            result = replace(result, unchanged=result.unchanged + 1)
            continue
        if before is not None and any(
            b is not None and n is not None and n < b
            for b, n in zip(before.counters(), row.counters(), strict=True)
        ):
            result = replace(
                result, decreased=result.decreased + 1
            )  # an unlike, a deleted reply: kept as read
        new_rows.append(row)
        result = replace(result, changed=result.changed + 1)
    if new_rows:
        existing = store.read_posts(root, month)
        store.write_posts(root, month, [*existing, *new_rows])
    return result
