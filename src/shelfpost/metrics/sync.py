"""One channel's metrics sync: the account's counts (one row per day) and the
counters of the library's posts (one row when a counter changed).

The posts are the ones the publication records (``data/published/``) say were
published on the channel. One run reads at most :data:`MAX_POSTS` of them (the
platform's documented rate limit, with room for the publish and inbox runs of the
same window): the posts of the last ``post_days`` days first, newest first, then a
slice of the other posts in rotation, going on where the last run stopped
(``data/metrics/sync.yml``). A reader (one per platform, :mod:`.mastodon`,
:mod:`.bluesky`, :mod:`.meta`) returns counts by the platform's id in memory; rows
are keyed by the post's slug.

Counters are read :data:`CHUNK` posts at a time. A rate limit (or any failure)
part-way keeps what was read: those rows are written, the rotation moves on only
past what was read, and the next run goes on from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol

from shelfpost.library.model import Library
from shelfpost.library.progress import Progress, tick
from shelfpost.library.records import PostRecord, load_records
from shelfpost.metrics import store
from shelfpost.metrics.store import AccountRow, PostRow

#: Posts whose counters one run reads, per platform kind (README, "Rate limits").
MAX_POSTS = {
    "mastodon": 200,  # 1 call a post; Mastodon allows 300 calls / 5 min per account
    "bluesky": 2500,  # 25 posts a getPosts call = 100 calls; 3,000 / 5 min per IP
    "facebook": 60,  # 2 calls a post = 120; 200 calls / hour per user (app), BUC per Page
    "instagram": 60,  # 2 calls a post = 120; 200 calls / hour per account (BUC)
    "threads": 120,  # 1 call a post; 200 calls / hour per user
}
#: At least this share of a run's posts is the rotation of older posts (recent ones
#: never starve it).
ROTATION_SHARE = 4  # a quarter
#: Posts read per call of ``Reader.counts`` (Bluesky's getPosts takes 25).
CHUNK = 25


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
    rotated: int = 0  # older posts read in the rotation
    left: int = 0  # posts this run meant to read but did not (a rate limit part-way)
    error: str | None = None
    hint: str = ""


def published_all(
    library: Library, channel: str, now: datetime, records: Mapping[str, PostRecord] | None = None
) -> list[Published]:
    """Every post of the library published on ``channel`` up to ``now``, from the records,
    oldest first."""
    publish_at = {p.slug: p.publish_at for p in library.posts}
    out = []
    for slug, record in (records if records is not None else load_records(library.root)).items():
        rec = record.channels.get(channel)
        if rec is None or rec.state != "published" or not rec.remote_id:
            continue
        at = datetime.fromisoformat(rec.at) if rec.at else publish_at.get(slug)
        if at is None:
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=now.tzinfo)
        if at <= now:
            out.append(Published(slug, rec.remote_id, at))
    return sorted(out, key=lambda p: (p.at, p.slug))


def published_on(
    library: Library,
    channel: str,
    now: datetime,
    days: int,
    records: Mapping[str, PostRecord] | None = None,
) -> list[Published]:
    """The library's posts published on ``channel`` since ``now - days``, from the records."""
    return [p for p in published_all(library, channel, now, records) if now - timedelta(days=days) <= p.at]


def place(post: Published) -> str:
    """A post's place in the rotation, as ``data/metrics/sync.yml`` keeps it."""
    return f"{post.at.isoformat()} {post.slug}"


def _key(text: str) -> tuple[datetime, str] | None:
    at, _, slug = text.partition(" ")
    try:
        return datetime.fromisoformat(at), slug
    except ValueError:
        return None


def plan_reads(
    posts: Sequence[Published],
    now: datetime,
    days: int,
    max_posts: int,
    after: str | None,
    older: int = 0,
) -> tuple[list[Published], list[Published]]:
    """What one run reads: (recent, rotation).

    ``recent`` is the posts of the last ``days`` days, newest first, up to ``max_posts``
    less the rotation's share (:data:`ROTATION_SHARE`) when they do not all fit.
    ``rotation`` fills the rest of ``max_posts`` in (published, slug) order, starting
    after ``after`` and wrapping round, from the recent posts that did not fit and, when
    ``older`` is set, up to ``older`` of the posts before the last ``days`` days."""
    since = now - timedelta(days=days)
    recent_all = sorted((p for p in posts if p.at >= since), key=lambda p: (p.at, p.slug), reverse=True)
    if len(recent_all) <= max_posts - (max_posts // ROTATION_SHARE if older else 0):
        recent = recent_all
    else:
        recent = recent_all[: max(0, max_posts - max(1, max_posts // ROTATION_SHARE))]
    taken = {p.slug for p in recent}
    leftover = len(recent_all) - len(recent)
    pool = [p for p in posts if p.slug not in taken and (older or p.at >= since)]  # oldest first
    room = min(max_posts - len(recent), len(pool), leftover + older)
    start = 0
    mark = _key(after) if after else None
    if mark is not None:
        start = next((i for i, p in enumerate(pool) if (p.at, p.slug) > mark), 0)
    rotation = [pool[(start + i) % len(pool)] for i in range(room)] if pool else []
    return recent, rotation


def sync_channel(
    library: Library,
    channel: str,
    reader: Reader,
    now: datetime,
    tz: tzinfo,
    days: int = 30,
    *,
    older: int = 0,
    records: Mapping[str, PostRecord] | None = None,
    max_posts: int | None = None,
    progress: Progress | None = None,
) -> Result:
    root = library.root
    kind = library.plan.channels[channel].kind if channel in library.plan.channels else ""
    budget = max_posts if max_posts is not None else MAX_POSTS.get(kind, 200)
    posts = published_all(library, channel, now, records)
    rotation_state = store.read_rotation(root)
    recent, rotation = plan_reads(posts, now, days, budget, rotation_state.get(channel), older)
    wanted = [*recent, *rotation]
    try:
        account = reader.account()
    except SyncError as exc:
        return Result(channel, error=exc.category, hint=exc.hint)
    counts: dict[str, Counts] = {}
    read = 0  # posts of ``wanted`` whose counters were asked for and answered
    failure: SyncError | None = None
    tick(progress, f"metrics sync {channel}", 0, len(wanted), "posts")
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        try:
            counts.update(reader.counts([p.remote_id for p in chunk]))
        except SyncError as exc:
            failure = exc
            break
        read = start + len(chunk)
        tick(progress, f"metrics sync {channel}", read, len(wanted), "posts")
    done = wanted[:read]
    rotated = wanted[len(recent) : read]
    result = _write(library, channel, account, done, counts, now, tz)
    if rotated:
        rotation_state[channel] = place(rotated[-1])
        store.write_rotation(root, rotation_state)
    result = replace(result, rotated=len(rotated), left=len(wanted) - read)
    if failure is not None:
        hint = f"{read} of {len(wanted)} posts read and kept; the next run goes on"
        return replace(result, error=failure.category, hint=hint)
    return result


def _write(
    library: Library,
    channel: str,
    account: Account,
    posts: Sequence[Published],
    counts: Mapping[str, Counts],
    now: datetime,
    tz: tzinfo,
) -> Result:
    root = library.root
    # Accounts: one row per channel and day (a second sync the same day replaces it).
    month = now.astimezone(tz).strftime("%Y-%m")
    day = now.astimezone(tz).date()
    old = store.read_accounts(root, month)
    rows = [r for r in old if not (r.channel == channel and r.day == day)]
    rows.append(AccountRow(day, channel, account.followers, account.following, account.posts))
    if sorted(r.row() for r in rows) != sorted(r.row() for r in old):
        store.write_accounts(root, month, rows)

    # Posts: a row only when a counter changed since the newest row kept.
    latest = _latest(root, channel, {p.slug for p in posts})
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
        before = latest.get(post.slug)
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


def _latest(root: Path, channel: str, slugs: set[str]) -> dict[str, PostRow]:
    """The newest row kept of each of ``slugs`` on ``channel`` (every month is read: an
    older post's last change may be years back)."""
    out: dict[str, PostRow] = {}
    for month in store.months(root, "posts"):
        for row in store.read_posts(root, month):
            if row.channel == channel and row.post in slugs:
                kept = out.get(row.post)
                if kept is None or row.observed >= kept.observed:
                    out[row.post] = row
    return out
