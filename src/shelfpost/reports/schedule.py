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

from shelfpost.library.crons import AGENDA_AT, MONTH_END_AT, report_crons
from shelfpost.library.model import Library

__all__ = ["AGENDA_AT", "MONTH_END_AT", "crons"]


def crons(library: Library) -> list[tuple[str, str]]:
    """(name, cron line) pairs: ``weekly`` and ``month-end``, one per UTC offset of the zone."""
    assert library.config is not None
    return report_crons(library.config.timezone)
