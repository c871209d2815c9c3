"""Months, local days and the state of a calendar slot: the calendar arithmetic the
checks, the site, the review bot and the reports share. Pure functions of the
snapshot and a given moment.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, datetime

from shelfpost.library.model import Library, Post, Slot


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``; raises ``ValueError`` with a message that says what to write."""
        try:
            year, month = (int(part) for part in text.split("-"))
            date(year, month, 1)
        except ValueError:
            raise ValueError(f"{text!r} is not a month: write YYYY-MM, e.g. 2026-11") from None
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, _cal.monthrange(self.year, self.month)[1])

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and (day.year, day.month) == (self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def today(library: Library, now: datetime) -> date:
    assert library.config is not None
    return now.astimezone(library.config.timezone).date()


def local_day(library: Library, moment: datetime) -> date:
    assert library.config is not None
    return moment.astimezone(library.config.timezone).date()


def slot_state(slot: Slot, posts: dict[str, Post], now: datetime, day: date) -> str:
    """planned | drafted | scheduled | published | missed, from the posts and the date."""
    post = posts.get(slot.post) if slot.post else None
    if post is not None and post.is_live(now):
        return "published"
    if slot.date < day:
        return "missed"
    if post is None:
        return "planned"
    return "drafted" if post.draft else "scheduled"
