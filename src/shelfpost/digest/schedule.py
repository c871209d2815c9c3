"""When a digest is due: the last scheduled moment of the period, in the library's zone.

A weekly digest is due every ``day`` at ``time``; a monthly one on day ``day`` of
each month. A moment is wall time in the library's zone, so it stays at 09:00
across a change of daylight saving time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from shelfpost.library.model import EmailSettings


def _at(day: date, settings: EmailSettings, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(settings.hour, settings.minute), tz)


def _month_back(day: date) -> date:
    return date(day.year - 1, 12, day.day) if day.month == 1 else date(day.year, day.month - 1, day.day)


def _month_on(day: date) -> date:
    return date(day.year + 1, 1, day.day) if day.month == 12 else date(day.year, day.month + 1, day.day)


def latest_due(settings: EmailSettings, tz: tzinfo, now: datetime) -> datetime:
    """The most recent scheduled moment at or before ``now``."""
    local = now.astimezone(tz)
    if settings.period == "weekly":
        assert settings.weekday is not None
        day = local.date() - timedelta(days=(local.weekday() - settings.weekday) % 7)
        moment = _at(day, settings, tz)
        return moment if moment <= now else _at(day - timedelta(days=7), settings, tz)
    assert settings.monthday is not None
    day = date(local.year, local.month, settings.monthday)
    moment = _at(day, settings, tz)
    return moment if moment <= now else _at(_month_back(day), settings, tz)


def previous(settings: EmailSettings, tz: tzinfo, moment: datetime) -> datetime:
    """The scheduled moment one period before ``moment`` (itself a scheduled moment)."""
    day = moment.astimezone(tz).date()
    back = day - timedelta(days=7) if settings.period == "weekly" else _month_back(day)
    return _at(back, settings, tz)


def following(settings: EmailSettings, tz: tzinfo, moment: datetime) -> datetime:
    """The scheduled moment one period after ``moment``."""
    day = moment.astimezone(tz).date()
    on = day + timedelta(days=7) if settings.period == "weekly" else _month_on(day)
    return _at(on, settings, tz)
