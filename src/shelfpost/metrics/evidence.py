"""Strategy changes from data: the metric a ``plan/strategy.yml`` entry cites.

An entry's ``metric:`` names a metric of ``shelfpost metrics`` (``name``), the
period it is of (``period``: YYYY-MM, YYYY-Www or YYYY-Qn), a channel (or all),
and optionally the ``value`` cited. ``check`` refuses, with ``path:line``, a metric
that has no data for that period and a value the data does not give. After the
review window the entry's verdict is helped by :func:`verdicts`: the same metric
in the period before the change and in the period after its window.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shelfpost.library.model import Library, StrategyChange
from shelfpost.library.problems import Problem
from shelfpost.metrics.report import Period, metrics_report

PATH = "plan/strategy.yml"
REVIEW_DAYS = 30
CHANNEL_METRICS = {
    "followers": "followers_end",
    "follower_growth": "growth",
    "engagement_rate": "engagement_rate",
    "interactions": "interactions",
    "posts": "posts",
}


def metric_value(library: Library, name: str, period: Period, channel: str | None) -> float | None:
    """The metric's value for the period, ``None`` when the data has none."""
    report = metrics_report(library, period)
    if name in ("csat", "responses"):
        for survey in report["csat"].values():
            if survey["responses"]:
                return float(survey["csat"] if name == "csat" else survey["responses"])
        return None
    field = CHANNEL_METRICS[name]
    if channel is None:
        if name in ("engagement_rate", "interactions", "posts"):
            total = report["total"]
            return None if not total["posts"] else float(total[field])
        values = [c[field] for c in report["channels"].values() if c[field] is not None]
        return float(sum(values)) if values else None
    entry = report["channels"].get(channel)
    if (
        entry is None
        or entry[field] is None
        or (name in ("engagement_rate", "interactions") and not entry["posts"])
    ):
        return None
    return float(entry[field])


def _close(cited: float, actual: float) -> bool:
    return abs(cited - actual) <= max(0.005 * abs(actual), 0.0005)


def strategy_problems(library: Library) -> list[Problem]:
    if library.config is None:
        return []
    problems = []
    for change in library.plan.strategy:
        metric = change.metric
        if metric is None:
            continue
        line, col = metric.pos.line, metric.pos.column
        what = f"{metric.name}" + (f" of {metric.channel}" if metric.channel else "")
        if metric.channel and metric.channel not in library.plan.channels:
            problems.append(
                Problem(
                    PATH,
                    line,
                    col,
                    f"metric.channel: {metric.channel!r} is not in plan/channels.yml",
                    "strategy-metric",
                )
            )
            continue
        try:
            period = Period.of_text(metric.period, library.config.timezone)
        except ValueError as exc:
            problems.append(Problem(PATH, line, col, f"metric.period: {exc}", "strategy-metric"))
            continue
        actual = metric_value(library, metric.name, period, metric.channel)
        if actual is None:
            problems.append(
                Problem(
                    PATH, line, col,
                    f"metric: {what} does not exist for {period.label} (no data in data/metrics/ for that "
                    "period): cite a period that has data",
                    "strategy-metric",
                )
            )  # fmt: skip
        elif metric.value is not None and not _close(metric.value, actual):
            problems.append(
                Problem(
                    PATH, line, col,
                    f"metric: {what} for {period.label} is {actual:g} in data/metrics/, not {metric.value:g}",
                    "strategy-metric",
                )
            )  # fmt: skip
    return problems


def verdicts(library: Library) -> list[dict[str, Any]]:
    """Each change with a metric: the cited period's value and the same metric in the
    period of the same kind that starts after the change's review window."""
    assert library.config is not None
    tz = library.config.timezone
    out = []
    for change in library.plan.strategy:
        if change.metric is None:
            continue
        try:
            before = Period.of_text(change.metric.period, tz)
        except ValueError:
            continue
        after = _period_after(change, before)
        out.append(
            {
                "date": change.date.isoformat(),
                "metric": change.metric.name,
                "channel": change.metric.channel,
                "before": {
                    "period": before.label,
                    "value": metric_value(library, change.metric.name, before, change.metric.channel),
                },
                "after": {
                    "period": after.label,
                    "value": metric_value(library, change.metric.name, after, change.metric.channel),
                },
                "verdict": change.verdict,
            }
        )
    return out


def _period_after(change: StrategyChange, before: Period) -> Period:
    start = change.date + timedelta(days=REVIEW_DAYS)
    if "-W" in before.label:
        y, w, _ = start.isocalendar()
        return Period.of_text(f"{y}-W{w:02d}", before.tz)
    if "-Q" in before.label:
        return Period.of_text(f"{start.year}-Q{(start.month - 1) // 3 + 1}", before.tz)
    return Period.of_text(f"{start.year}-{start.month:02d}", before.tz)
