"""What a digest carries: the posts that went live since the last digest, and coming events.

Pure: the snapshot, the records and ``now`` in, a :class:`DigestPlan` out. The
period ends at the scheduled moment, not at the run's time, so a late run sends
the same message an on-time run would have, and the posts that went live after
the moment wait for the next digest. Missed periods are not sent one by one: the
next digest covers everything since the last one that went out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from shelfpost.digest import schedule
from shelfpost.library.digests import CARRIED, DigestRecord
from shelfpost.library.model import Channel, Library, Post


@dataclass(frozen=True)
class DigestPlan:
    id: str
    channel: Channel
    period_start: datetime
    period_end: datetime
    posts: tuple[Post, ...]  # newest first
    events: tuple[Post, ...]  # soonest first
    message_id: str

    @property
    def empty(self) -> bool:
        """Nothing new: no digest goes out for this period."""
        return not self.posts


def digest_id(channel: Channel, moment: datetime, library: Library) -> str:
    assert library.config is not None
    return f"{channel.id}-{moment.astimezone(library.config.timezone):%Y-%m-%d}"


def message_id(library: Library, digest: str) -> str:
    """Deterministic per digest: a resend carries the same one (list servers and clients
    drop a second copy with a Message-ID they have seen)."""
    assert library.config is not None
    host = urlsplit(library.config.site_url).hostname or "localhost"
    return f"<digest.{digest}@{host}>"


def email_channels(library: Library) -> list[Channel]:
    return [c for c in library.plan.channels.values() if c.kind == "email" and c.email is not None]


def plan_period(
    library: Library,
    channel: Channel,
    start: datetime,
    end: datetime,
    records: Sequence[DigestRecord],
    digest: str | None = None,
) -> DigestPlan:
    """The digest of the period (start, end]: live posts not carried by another digest."""
    assert channel.email is not None
    digest = digest or digest_id(channel, end, library)
    carried = {
        slug
        for r in records
        if r.channel == channel.id and r.state in CARRIED and r.id != digest
        for slug in r.posts
    }
    live = library.live_posts(end)
    posts = tuple(p for p in live if start < p.publish_at <= end and p.slug not in carried)
    horizon = end + timedelta(days=channel.email.events_days)
    events = sorted(
        (p for p in live if p.event is not None and p.event.end > end and p.event.start < horizon),
        key=lambda p: (p.event.start if p.event else p.publish_at, p.path),
    )
    return DigestPlan(digest, channel, start, end, posts, tuple(events), message_id(library, digest))


def plan_digest(
    library: Library, channel: Channel, now: datetime, records: Sequence[DigestRecord]
) -> DigestPlan:
    """The digest of the period that came last (at or before ``now``)."""
    assert library.config is not None and channel.email is not None
    tz = library.config.timezone
    end = schedule.latest_due(channel.email, tz, now)
    sent = [r for r in records if r.channel == channel.id and r.state in CARRIED and r.period_end < end]
    start = max(r.period_end for r in sent) if sent else schedule.previous(channel.email, tz, end)
    return plan_period(library, channel, start, end, records)


def next_due(library: Library, now: datetime, records: Sequence[DigestRecord]) -> datetime | None:
    """When a run next has a digest to send (for ``shelfpost due``): this period's moment
    while its digest is unsent and has something in it, else the next period's."""
    assert library.config is not None
    tz = library.config.timezone
    found: list[datetime] = []
    for channel in email_channels(library):
        assert channel.email is not None
        plan = plan_digest(library, channel, now, records)
        mine = {r.id: r for r in records if r.channel == channel.id}
        done = mine.get(plan.id)
        if not plan.empty and (done is None or done.state in ("intent", "failed")):
            found.append(plan.period_end)
        else:
            found.append(schedule.following(channel.email, tz, plan.period_end))
    return min(found) if found else None
