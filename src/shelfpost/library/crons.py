"""Cron lines in UTC for local times in the library's zone (GitHub's cron has no time
zone). The reports' schedule (``reports.schedule``) and the workflows ``init`` writes
(``adopt.init``) both come from here, so a new library's workflows and
``shelfpost report schedule`` say the same. A zone with daylight saving time gets a
line for each of its offsets. Pure.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

#: The agenda: Friday 08:00 local, two hours before the plan's Friday 10:00 meeting.
AGENDA_AT = time(8, 0)
#: The month's end: 17:00 local on the days that can be a month's last (28 to 31).
MONTH_END_AT = time(17, 0)


def offsets(tz: tzinfo, year: int = 2026) -> list[timedelta]:
    """The zone's UTC offsets in a year (mid-January, mid-July), in that order, unique."""
    found: list[timedelta] = []
    for day in (date(year, 1, 15), date(year, 7, 15)):
        offset = datetime.combine(day, time(12), tzinfo=tz).utcoffset() or timedelta(0)
        if offset not in found:
            found.append(offset)
    return found


def report_crons(tz: tzinfo) -> list[tuple[str, str]]:
    """(name, cron line) pairs: ``weekly`` and ``month-end``, one per UTC offset of the zone."""
    lines: list[tuple[str, str]] = []
    for offset in offsets(tz):
        # the agenda: Friday AGENDA_AT local, in UTC (it may fall on Thursday)
        moment = datetime(2026, 1, 2, AGENDA_AT.hour, AGENDA_AT.minute) - offset  # 2026-01-02 is a Friday
        weekday = (moment.isoweekday()) % 7
        lines.append(("weekly", f"{moment.minute} {moment.hour} * * {weekday}"))
    for offset in offsets(tz):
        moment = datetime(2026, 1, 31, MONTH_END_AT.hour, MONTH_END_AT.minute) - offset
        shift = (moment.date() - date(2026, 1, 31)).days
        days = {-1: "27-30", 0: "28-31", 1: "29-31,1"}[shift]
        lines.append(("month-end", f"{moment.minute} {moment.hour} {days} * *"))
    return lines


def daily_cron(tz: tzinfo, at: time) -> tuple[str, str]:
    """(cron line, its offset as ``UTC+8``) for ``at`` local each day, in the zone's
    standard time (the smaller offset): in summer time the run comes an hour later."""
    offset = min(offsets(tz))
    moment = datetime(2026, 1, 15, at.hour, at.minute) - offset
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    label = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{moment.minute} {moment.hour} * * *", label
