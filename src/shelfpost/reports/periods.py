"""The periods reports cover: the Friday meeting's week and the plan's quarters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shelfpost.library.dates import Month, today
from shelfpost.library.model import Library

MEETING_WEEKDAY = 4  # Friday
MEETING_TIME = time(10, 0)  # the plan's team meeting: every Friday at 10:00


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``YYYYQN``; raises ``ValueError`` with a message that says what to write."""
        match = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a quarter: write YYYYQN, e.g. 2026Q4")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def months(self) -> list[Month]:
        return [Month(self.year, 3 * (self.number - 1) + i) for i in (1, 2, 3)]

    @property
    def first(self) -> date:
        return self.months[0].first

    @property
    def last(self) -> date:
        return self.months[-1].last

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class MeetingWeek:
    """The Friday meeting of the week holding ``now``, what it looks back on (the seven
    days before it) and what it plans (the Monday to Sunday after it)."""

    meeting: datetime  # aware, in the library's zone
    since: datetime  # last week's meeting
    next_first: date  # next week, Monday
    next_last: date  # next week, Sunday

    @property
    def key(self) -> str:
        year, week, _ = self.meeting.date().isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def previous_key(self) -> str:
        year, week, _ = (self.meeting.date() - timedelta(days=7)).isocalendar()
        return f"{year}-W{week:02d}"

    def next_days(self) -> list[date]:
        return [self.next_first + timedelta(days=i) for i in range(7)]

    def months(self) -> list[Month]:
        """The months the looked-at days fall in (two when a week spans a month's end)."""
        days = [self.since.date(), self.meeting.date(), self.next_first, self.next_last]
        found: list[Month] = []
        for day in days:
            if Month.of(day) not in found:
                found.append(Month.of(day))
        return found


def meeting_week(library: Library, now: datetime) -> MeetingWeek:
    assert library.config is not None
    day = today(library, now)
    friday = day + timedelta(days=MEETING_WEEKDAY - day.weekday())
    meeting = datetime.combine(friday, MEETING_TIME, tzinfo=library.config.timezone)
    monday = friday + timedelta(days=3)
    return MeetingWeek(meeting, meeting - timedelta(days=7), monday, monday + timedelta(days=6))
