"""The numbers of ``shelfpost metrics``: growth, engagement, best and worst posts,
engagement by type, tag, weekday and hour, co-promoted posts against the rest, CSAT.

Engagement rate = interactions (likes + shares + replies + quotes) / followers at the
time the post was published, for Mastodon and Bluesky; / reach for Meta (the only
platform that reports reach). For a group of posts, sums first, then the ratio.
Neither Mastodon nor Bluesky reports reach or impressions: they are "not available",
never a proxy.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from shelfpost.library.model import Library
from shelfpost.metrics import store
from shelfpost.metrics.store import AccountRow, PostRow

Z95 = 1.959964
NOT_AVAILABLE = "not available"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Period:
    """A month (YYYY-MM), an ISO week (YYYY-Www) or a quarter (YYYY-Qn), in the library's zone."""

    label: str
    first: date
    last: date
    tz: tzinfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), self.tz)

    def months(self) -> list[str]:
        out, day = [], self.first.replace(day=1)
        while day <= self.last:
            out.append(f"{day.year}-{day.month:02d}")
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out

    @classmethod
    def of_text(cls, text: str, tz: tzinfo) -> Period:
        """``YYYY-MM``, ``YYYY-Www`` or ``YYYY-Qn``; ``ValueError`` says what to write."""
        try:
            if "-W" in text:
                year, week = text.split("-W")
                first = date.fromisocalendar(int(year), int(week), 1)
                return cls(text, first, first + timedelta(days=6), tz)
            if "-Q" in text:
                year, q = text.split("-Q")
                if not 1 <= int(q) <= 4:
                    raise ValueError(text)
                first = date(int(year), 3 * int(q) - 2, 1)
                nxt = date(int(year) + (int(q) == 4), 1 if int(q) == 4 else 3 * int(q) + 1, 1)
                return cls(text, first, nxt - timedelta(days=1), tz)
            y, m = (int(p) for p in text.split("-"))
            first = date(y, m, 1)
            nxt = date(y + (m == 12), 1 if m == 12 else m + 1, 1)
            return cls(f"{y}-{m:02d}", first, nxt - timedelta(days=1), tz)
        except ValueError:
            raise ValueError(f"{text!r} is not a period: write YYYY-MM, YYYY-Www or YYYY-Qn") from None

    @classmethod
    def parse(cls, text: str | None, now: datetime, tz: tzinfo, week: bool = False) -> Period:
        if text:
            return cls.of_text(text, tz)
        today = now.astimezone(tz).date()
        if week:
            y, w, _ = today.isocalendar()
            return cls.of_text(f"{y}-W{w:02d}", tz)
        return cls.of_text(f"{today.year}-{today.month:02d}", tz)

    def quarter(self) -> Period:
        return Period.of_text(f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}", self.tz)


def wilson(k: int, n: int) -> tuple[float, float] | None:
    """The 95% Wilson score interval of k successes out of n."""
    if n == 0:
        return None
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def csat(counts: dict[int, int]) -> dict[str, Any]:
    """CSAT = share of 4 and 5 on the 5-point scale, with n and the 95% interval."""
    n = sum(counts.values())
    k = counts.get(4, 0) + counts.get(5, 0)
    interval = wilson(k, n)
    return {
        "responses": n,
        "satisfied": k,
        "csat": round(k / n, 4) if n else None,
        "low": round(interval[0], 4) if interval else None,
        "high": round(interval[1], 4) if interval else None,
        "scores": {str(s): counts.get(s, 0) for s in range(1, 6)},
    }


def survey_counts(periods: dict[str, dict[int, int]], period: Period) -> dict[int, int]:
    out: dict[int, int] = {}
    for month in period.months():
        for score, count in periods.get(month, {}).items():
            out[score] = out.get(score, 0) + count
    return out


def compare(now: dict[str, Any], base: dict[str, Any], target: float) -> dict[str, Any]:
    """The change in percentage points against the baseline, and whether it is noise:
    the 95% interval of the difference of two proportions contains zero."""
    if not now["responses"] or not base["responses"]:
        return {"change": None, "target": target, "met": None, "within_noise": None}
    p1, n1, p0, n0 = now["csat"], now["responses"], base["csat"], base["responses"]
    diff = p1 - p0
    half = Z95 * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return {
        "change": round(diff, 4),
        "change_low": round(diff - half, 4),
        "change_high": round(diff + half, 4),
        "target": target,
        "met": diff >= target,
        "within_noise": diff - half <= 0 <= diff + half,
    }


def followers_at(rows: list[AccountRow], channel: str, day: date) -> int | None:
    """The followers on ``day`` (the latest row on or before it, else the first after)."""
    return Followers(rows).at(channel, day)


class Followers:
    """:func:`followers_at` for many posts: each channel's rows sorted once, then found by
    bisection (sorting three years of rows for each post made a report take seconds)."""

    def __init__(self, rows: Iterable[AccountRow]) -> None:
        by: dict[str, list[tuple[date, int]]] = {}
        for r in rows:
            if r.followers is not None:
                by.setdefault(r.channel, []).append((r.day, r.followers))
        self.days: dict[str, list[date]] = {}
        self.counts: dict[str, list[int]] = {}
        for cid, pairs in by.items():
            pairs.sort(key=lambda pair: pair[0])  # stable: the last row of a day wins, as before
            self.days[cid] = [d for d, _ in pairs]
            self.counts[cid] = [n for _, n in pairs]

    def at(self, channel: str, day: date) -> int | None:
        days = self.days.get(channel)
        if not days:
            return None
        i = bisect.bisect_right(days, day)
        return self.counts[channel][i - 1] if i else self.counts[channel][0]


def _group(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    items = list(items)
    inter = sum(i["interactions"] for i in items)
    denom = sum(i["denominator"] or 0 for i in items if i["denominator"])
    return {
        "posts": len(items),
        "interactions": inter,
        "engagement_rate": round(inter / denom, 4) if denom else None,
    }


def metrics_report(library: Library, period: Period) -> dict[str, Any]:
    assert library.config is not None
    tz = library.config.timezone
    root = library.root
    accounts = store.all_accounts(root)
    latest = store.latest_of(root)
    posts_by_slug = {p.slug: p for p in library.posts}
    channels = library.plan.channels
    followers = Followers(accounts)

    # Per post: the newest counters of the posts published in the period.
    posts: list[dict[str, Any]] = []
    published_in = [
        (k, row)
        for k, row in latest.items()
        if row.published is not None and period.start <= row.published < period.end
    ]
    for (cid, key), row in sorted(published_in):  # the period's only: a week of three years
        posts.append(_post(row, cid, key, posts_by_slug, channels, followers, tz))
    posts.sort(key=lambda p: (-(p["engagement_rate"] or 0), p["post"], p["channel"]))

    # Per channel: growth over the period and the period's engagement (sums first).
    out_channels: dict[str, Any] = {}
    ids = sorted({r.channel for r in accounts} | {p["channel"] for p in posts})
    for cid in ids:
        in_period = sorted(
            (r for r in accounts if r.channel == cid and period.first <= r.day <= period.last),
            key=lambda r: r.day,
        )
        earlier = sorted(
            (r for r in accounts if r.channel == cid and r.day < period.first), key=lambda r: r.day
        )
        start = earlier[-1] if earlier else in_period[0] if in_period else None
        end = in_period[-1] if in_period else None
        mine = [p for p in posts if p["channel"] == cid]
        reach = [p["reach"] for p in mine if isinstance(p["reach"], int)]
        entry: dict[str, Any] = {
            "followers_start": start.followers if start else None,
            "followers_end": end.followers if end else None,
            "growth": None,
            "growth_rate": None,
            **_group(mine),
            "basis": "reach" if reach else "followers",
            "reach": sum(reach) if reach else NOT_AVAILABLE,
        }
        if start and end and start.followers is not None and end.followers is not None:
            entry["growth"] = end.followers - start.followers
            entry["growth_rate"] = (
                round((end.followers - start.followers) / start.followers, 4) if start.followers else None
            )
        out_channels[cid] = entry

    def by(key: str) -> dict[str, Any]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for p in posts:
            values = p[key] if isinstance(p[key], list) else [p[key]]
            for v in values:
                groups.setdefault(str(v), []).append(p)
        return {k: _group(v) for k, v in sorted(groups.items())}

    by_weekday = by("weekday")
    by_weekday = {d: by_weekday[d] for d in WEEKDAYS if d in by_weekday}
    ranked = [p for p in posts if p["engagement_rate"] is not None]
    report: dict[str, Any] = {
        "period": period.label,
        "start": period.first.isoformat(),
        "end": period.last.isoformat(),
        "reach_and_impressions": "not available for Mastodon and Bluesky; reach is Meta's own count",
        "channels": out_channels,
        "total": _group(posts),
        "best": ranked[:3],
        "worst": list(reversed(ranked[-3:])) if len(ranked) > 3 else [],
        "by_type": by("type"),
        "by_tag": by("tags"),
        "by_weekday": by_weekday,
        "by_hour": dict(sorted(by("hour").items(), key=lambda kv: int(kv[0]))),
        "co_promoted": {
            "with_partner": _group(p for p in posts if p["partners"]),
            "rest": _group(p for p in posts if not p["partners"]),
        },
        "posts": posts,
        "csat": csat_report(library, period),
    }
    return report


def _post(
    row: PostRow,
    cid: str,
    key: str,
    posts_by_slug: dict[str, Any],
    channels: Any,
    followers: Followers,
    tz: tzinfo,
) -> dict[str, Any]:
    assert row.published is not None
    local = row.published.astimezone(tz)
    post = posts_by_slug.get(key)
    denom: int | None = row.reach
    basis = "reach"
    if denom is None:
        denom, basis = followers.at(cid, local.date()), "followers"
    return {
        "post": key,
        "channel": cid,
        "published": local.isoformat(),
        "title": post.title if post else None,
        "type": post.type if post else "unknown",
        "tags": list(post.tags) if post else [],
        "partners": list(post.partners) if post else [],
        "weekday": WEEKDAYS[local.weekday()],
        "hour": local.hour,
        "likes": row.likes,
        "shares": row.shares,
        "replies": row.replies,
        "quotes": row.quotes,
        "reach": row.reach if row.reach is not None else NOT_AVAILABLE,
        "views": row.views if row.views is not None else NOT_AVAILABLE,
        "interactions": row.interactions,
        "denominator": denom,
        "basis": basis,
        "engagement_rate": round(row.interactions / denom, 4) if denom else None,
    }


def csat_report(library: Library, period: Period) -> dict[str, Any]:
    targets = library.plan.targets
    out: dict[str, Any] = {}
    for survey in store.surveys(library.root):
        counts = store.read_survey(library.root, survey)
        month = csat(survey_counts(counts, period))
        quarter_period = period.quarter()
        quarter = csat(survey_counts(counts, quarter_period))
        entry: dict[str, Any] = {
            "period": period.label,
            **month,
            "quarter": {"period": quarter_period.label, **quarter},
        }
        if targets.satisfaction_baseline:
            base_period = Period.of_text(targets.satisfaction_baseline, period.tz)
            base = csat(survey_counts(counts, base_period))
            entry["baseline"] = {"period": base_period.label, **base}
            entry["against_baseline"] = compare(quarter, base, targets.satisfaction_change)
        out[survey] = entry
    return out


def months_back(month: str, count: int) -> list[str]:
    y, m = (int(p) for p in month.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{y}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def chart_data(library: Library, month: str, months: int = 3) -> dict[str, Any]:
    """The series the charts draw, for the ``months`` months ending with ``month``."""
    assert library.config is not None
    tz = library.config.timezone
    span = months_back(month, months)
    first = Period.of_text(span[0], tz)
    last = Period.of_text(span[-1], tz)
    followers: dict[str, list[tuple[str, int]]] = {}
    for row in sorted(store.all_accounts(library.root), key=lambda r: (r.channel, r.day)):
        if first.first <= row.day <= last.last and row.followers is not None:
            followers.setdefault(row.channel, []).append((row.day.isoformat(), row.followers))
    weeks: list[str] = []
    day = first.first
    while day <= last.last:
        y, w, _ = day.isocalendar()
        label = f"{y}-W{w:02d}"
        if label not in weeks:
            weeks.append(label)
        day += timedelta(days=7)
    by_type: dict[str, list[float | None]] = {}
    types = sorted(library.config.types) or ["news"]
    per_week = [metrics_report(library, Period.of_text(w, tz))["by_type"] for w in weeks]
    for t in types:
        by_type[t] = [week.get(t, {}).get("engagement_rate") for week in per_week]
    quarters: list[str] = []
    for m in months_back(month, 12):
        q = Period.of_text(m, tz).quarter().label
        if q not in quarters:
            quarters.append(q)
    counts: dict[str, dict[int, int]] = {}
    for survey in store.surveys(library.root):
        for period, scores in store.read_survey(library.root, survey).items():
            merged = counts.setdefault(period, {})
            for s, c in scores.items():
                merged[s] = merged.get(s, 0) + c
    csat_values = []
    for q in quarters:
        got = csat(survey_counts(counts, Period.of_text(q, tz)))
        interval = (got["low"], got["high"]) if got["responses"] else None
        csat_values.append((got["csat"], got["responses"], interval))
    while len(quarters) > 1 and csat_values[0][1] == 0:  # no survey yet: not drawn
        quarters, csat_values = quarters[1:], csat_values[1:]
    return {
        "months": span,
        "followers": followers,
        "weeks": weeks,
        "by_type": by_type,
        "quarters": quarters,
        "csat": csat_values,
    }
