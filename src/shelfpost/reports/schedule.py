"""When the reports' workflow runs: cron lines in UTC (GitHub's cron has no time zone)
computed from the library's zone. A zone with daylight saving time gets a line for
each offset; the reports are idempotent, so the second run of such a day only finds
its issue unchanged.

- the agenda: Friday 08:00 local, two hours before the plan's Friday 10:00 meeting;
- the month's end: 17:00 local on the days that can be a month's last (28 to 31);
  ``report monthly --if-due`` and ``report quarterly --if-due`` decide in the
  library's zone whether today is the month's (the quarter's) last day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from shelfpost.library.model import Library

AGENDA_AT = time(8, 0)
MONTH_END_AT = time(17, 0)
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _offsets(library: Library, year: int = 2026) -> list[timedelta]:
    assert library.config is not None
    tz = library.config.timezone
    found: list[timedelta] = []
    for day in (date(year, 1, 15), date(year, 7, 15)):
        offset = datetime.combine(day, time(12), tzinfo=tz).utcoffset() or timedelta(0)
        if offset not in found:
            found.append(offset)
    return found


def crons(library: Library) -> list[tuple[str, str]]:
    """(name, cron line) pairs: ``weekly`` and ``month-end``, one per UTC offset of the zone."""
    lines: list[tuple[str, str]] = []
    for offset in _offsets(library):
        # the agenda: Friday AGENDA_AT local, in UTC (it may fall on Thursday)
        moment = datetime(2026, 1, 2, AGENDA_AT.hour, AGENDA_AT.minute) - offset  # 2026-01-02 is a Friday
        weekday = (moment.isoweekday()) % 7
        lines.append(("weekly", f"{moment.minute} {moment.hour} * * {weekday}"))
    for offset in _offsets(library):
        moment = datetime(2026, 1, 31, MONTH_END_AT.hour, MONTH_END_AT.minute) - offset
        shift = (moment.date() - date(2026, 1, 31)).days
        days = {-1: "27-30", 0: "28-31", 1: "29-31,1"}[shift]
        lines.append(("month-end", f"{moment.minute} {moment.hour} {days} * *"))
    return lines
