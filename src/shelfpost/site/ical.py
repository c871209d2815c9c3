"""iCalendar files: the public events of live event posts, and the staff calendar.

Both are built with the icalendar package, carry the library's time zone as a
VTIMEZONE, and use UIDs that stay the same when a post or slot is edited, so
calendar apps update events instead of duplicating them. DTSTAMP comes from the
content, not the clock, so the same snapshot gives the same file.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone

from shelfpost.library.dates import local_day, slot_state
from shelfpost.library.model import Library, Post
from shelfpost.site.feeds import post_guid, post_url

PRODID = "-//shelfpost//shelfpost//EN"


def _calendar(library: Library, name: str) -> Calendar:
    assert library.config is not None
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", library.config.timezone_name)
    return cal


@lru_cache(maxsize=16)
def _vtimezone(tzid: str) -> Timezone | None:
    """The VTIMEZONE of ``tzid`` (icalendar walks decades of offsets: ~20 ms each time, and
    a build makes one calendar per event post). Shared, never changed after it is made."""
    try:
        return Timezone.from_tzid(tzid)
    except ValueError:
        return None


def _add_missing_timezones(cal: Calendar) -> None:
    """``Calendar.add_missing_timezones`` with each time zone made once per process."""
    position = len(cal.timezones)
    for tzid in cal.get_missing_tzids():
        timezone = _vtimezone(tzid)
        if timezone is not None:
            cal.subcomponents.insert(position, timezone)
            position += 1


def _host(library: Library) -> str:
    assert library.config is not None
    return urlsplit(library.config.site_url).hostname or "shelfpost"


def _event(library: Library, post: Post) -> Event:
    """One event post as a VEVENT: the same UID in ``events.ics`` and in the post's own file,
    so adding it from the post page and subscribing later never makes two entries."""
    assert library.config is not None and post.event is not None
    cfg = library.config
    ev = Event()
    ev.add("uid", f"{post_guid(cfg, post).removeprefix('urn:uuid:')}@{_host(library)}")
    ev.add("dtstamp", post.last_modified)
    ev.add("dtstart", post.event.start.astimezone(cfg.timezone))
    ev.add("dtend", post.event.end.astimezone(cfg.timezone))
    ev.add("summary", post.title)
    ev.add("location", post.event.location)
    ev.add("description", post.summary)
    ev.add("url", post_url(cfg, post))
    return ev


def public_events(library: Library, now: datetime) -> bytes:
    """``events.ics``: the events of live event posts only (never drafts or scheduled)."""
    assert library.config is not None
    cfg = library.config
    cal = _calendar(library, f"{cfg.name} · events")
    for post in sorted(library.live_posts(now), key=lambda p: p.event.start if p.event else p.publish_at):
        if post.event is None:
            continue
        cal.add_component(_event(library, post))
    _add_missing_timezones(cal)
    return bytes(cal.to_ical())


@lru_cache(maxsize=16)
def _vtimezone_bytes(tzid: str) -> bytes:
    """The VTIMEZONE of ``tzid`` as it serialises (empty when icalendar does not know it)."""
    timezone = _vtimezone(tzid)
    return b"" if timezone is None else bytes(timezone.to_ical())


def post_event(library: Library, post: Post) -> bytes:
    """``posts/<slug>/event.ics``: that event alone, for "add to my calendar" on its page.

    The bytes :func:`_add_missing_timezones` and ``to_ical`` give, with the VTIMEZONE
    serialised once per process (a build writes one of these per event post) and put where
    icalendar puts it: before the calendar's first component, its only VEVENT."""
    assert library.config is not None
    cal = _calendar(library, post.title)
    cal.add("method", "PUBLISH")
    cal.add_component(_event(library, post))
    missing = cal.get_missing_tzids()
    if missing != {library.config.timezone_name}:  # not the library's zone alone: the slow way
        _add_missing_timezones(cal)
        return bytes(cal.to_ical())
    head, sep, rest = bytes(cal.to_ical()).partition(b"BEGIN:VEVENT\r\n")
    return head + _vtimezone_bytes(library.config.timezone_name) + sep + rest


def staff_calendar(library: Library, now: datetime) -> bytes:
    """Every calendar slot as an all-day event, its derived state in the title."""
    assert library.config is not None
    cal = _calendar(library, f"{library.config.name} · content calendar")
    posts = {p.slug: p for p in library.posts}
    day = local_day(library, now)
    for slot in sorted(library.calendar, key=lambda s: (s.date, s.path, s.pos)):
        state = slot_state(slot, posts, now, day)
        ev = Event()
        ev.add("uid", f"{slot.uid}@{_host(library)}")
        ev.add("dtstamp", datetime.combine(slot.date, time(0, 0), library.config.timezone))
        ev.add("dtstart", slot.date)
        ev.add("summary", f"[{state}] {slot.type}: {slot.topic}")
        lines = [
            f"owner: {slot.owner}",
            f"channels: {', '.join(slot.channels) or '-'}",
            f"post: {slot.post or '(not written yet)'}",
            f"source: {slot.path}:{slot.pos.line}",
        ]
        ev.add("description", "\n".join(lines))
        ev.add("categories", [slot.type, state])
        cal.add_component(ev)
    return bytes(cal.to_ical())
