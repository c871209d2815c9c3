"""Are we on plan this month? Pure functions of the snapshot, a month and ``now``.

`shelfpost status` and `shelfpost calendar` format what these return; the JSON
and the screen come from the same objects, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shelfpost.inbox.report import InboxMonth
from shelfpost.library.dates import Month, local_day, slot_state, today
from shelfpost.library.model import Library
from shelfpost.library.runs import token_warnings

MARKS = {"met": "✓", "on-track": "…", "behind": "✗", "no-data": "–"}
BUDGET_TOLERANCE = 0.10  # a line may run this far ahead of the period's pace before a warning


@dataclass(frozen=True)
class SlotView:
    date: str
    type: str
    topic: str
    owner: str
    state: str
    post: str | None
    channels: list[str]
    where: str  # path:line of the slot


@dataclass(frozen=True)
class CalendarView:
    month: str
    slots: list[SlotView]
    #: posts of the month that no slot claims, live ("published") or still to go out ("scheduled")
    unplanned: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def calendar_view(library: Library, month: Month, now: datetime) -> CalendarView:
    posts = {p.slug: p for p in library.posts}
    day = today(library, now)
    slots = sorted((s for s in library.calendar if s.date in month), key=lambda s: (s.date, s.pos))
    views = [
        SlotView(
            str(s.date),
            s.type,
            s.topic,
            s.owner,
            slot_state(s, posts, now, day),
            s.post,
            list(s.channels),
            f"{s.path}:{s.pos.line}",
        )
        for s in slots
    ]
    claimed = {s.post for s in library.calendar if s.post}
    unplanned = [
        {
            "date": str(local_day(library, p.publish_at)),
            "slug": p.slug,
            "title": p.title,
            "path": p.path,
            "state": "published" if p.is_live(now) else "scheduled",
        }
        for p in sorted(library.posts, key=lambda p: p.publish_at)
        if not p.draft
        and not p.withdrawn
        and local_day(library, p.publish_at) in month
        and p.slug not in claimed
    ]
    return CalendarView(str(month), views, unplanned)


@dataclass(frozen=True)
class TargetRow:
    key: str
    label: str
    actual: float | None
    target: float
    mark: str
    note: str = ""


@dataclass(frozen=True)
class BudgetRow:
    """One budget line as of a day: what was spent against the share of the period gone."""

    line: str
    label: str
    amount: float
    spent: float
    share: float  # spent / amount
    pace: float  # the share of the budget period gone by that day
    currency: str


@dataclass(frozen=True)
class ChannelRow:
    """One social channel this month: its followers and growth (``data/metrics/``), what its
    posts drew, and its interactions (``data/interactions/``), the same numbers as
    ``metrics --format json`` and ``inbox --format json`` for the month."""

    channel: str
    name: str
    followers: int | None
    growth: int | None
    posts: int
    interactions: int
    engagement_rate: float | None
    received: int
    answered: int
    open: int
    reply_rate: float | None


@dataclass(frozen=True)
class Status:
    """Everything ``shelfpost status`` shows: the screen and the JSON come from this object."""

    month: str
    today: str
    targets: list[TargetRow]
    warnings: dict[str, list[str]] = field(default_factory=dict)
    budget: list[BudgetRow] = field(default_factory=list)  # each line against the period's pace
    channels: list[ChannelRow] = field(default_factory=list)  # each social channel's numbers

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for row in data["targets"]:
            row["symbol"] = MARKS[row["mark"]]
        return data

    @property
    def on_plan(self) -> bool:
        return all(r.mark in ("met", "on-track", "no-data") for r in self.targets) and not any(
            self.warnings.values()
        )


WARNING_TITLES = {
    "calendar_gaps": "Calendar gaps",
    "missed_slots": "Missed slots",
    "partners_overdue": "Partners without contact for longer than their cadence",
    "risks_overdue": "Risks whose review is overdue",
    "budget": "Budget lines over their pace or over 100%",
    "channels_not_ready": "Channels not ready",
    "strategy": "Strategy changes",
    "publish_runs": "Scheduled publishing",
    "inbox": "Interactions past the response target, and the inbox sync",
}


def _count_mark(actual: int, target: float, upcoming: int, month: Month, day: date) -> tuple[str, str]:
    if actual >= target:
        return "met", ""
    if day < month.first:  # not begun: nothing can be behind yet, but say what is still to plan
        short = int(target - actual - upcoming)
        return "on-track", f"begins {month.first}: {upcoming} scheduled" + (
            f"; {short} still to plan" if short > 0 else ""
        )
    if day <= month.last and actual + upcoming >= target:
        return "on-track", f"{upcoming} more scheduled this month"
    if day <= month.last:
        return "behind", f"{upcoming} more scheduled; {int(target - actual - upcoming)} still to plan"
    return "behind", "the month is over"


def status(
    library: Library,
    month: Month,
    now: datetime,
    publish_runs: str | None = None,
    inbox: InboxMonth | None = None,
    inbox_warnings: tuple[str, ...] = (),
) -> Status:
    """Every target against this month's actuals, and every warning the plan asks for.

    ``publish_runs`` is the caller's warning about a late publish run (read from
    ``data/runs/`` by :mod:`shelfpost.library.runs`), shown with the others;
    ``inbox`` the month's interactions (:func:`shelfpost.inbox.report.inbox_month`)
    and ``inbox_warnings`` a late or failed inbox sync.
    """
    plan = library.plan
    t = plan.targets
    day = today(library, now)
    in_month = [p for p in library.posts if not p.draft and local_day(library, p.publish_at) in month]
    live = [p for p in in_month if p.is_live(now)]
    upcoming = [p for p in in_month if not p.is_live(now)]
    originals = [p for p in live if p.original]
    originals_up = [p for p in upcoming if p.original]
    social = [c for c in plan.channels.values() if c.social]
    ready = [c for c in social if c.ready]
    active = [p for p in library.partners.values() if p.status == "active"]
    changes = [c for c in plan.strategy if c.date in month]

    rows = []
    mark, note = _count_mark(len(live), t.posts_per_month, len(upcoming), month, day)
    rows.append(TargetRow("posts", "Posts published", len(live), t.posts_per_month, mark, note))
    mark, note = _count_mark(len(originals), t.originals_per_month, len(originals_up), month, day)
    rows.append(TargetRow("originals", "Original posts", len(originals), t.originals_per_month, mark, note))
    rows.extend(_inbox_rows(inbox, t.reply_rate, t.response_hours))
    report = _metrics_report(library, month)
    rows.extend(metrics_rows(library, month, day, report))  # follower growth and CSAT (issue 15)
    strategy_mark = (
        "met"
        if len(changes) >= t.strategy_changes_per_month
        else ("behind" if day > month.last or day >= month.first else "on-track")
    )
    rows.append(
        TargetRow(
            "strategy_changes", "Strategy changes", len(changes), t.strategy_changes_per_month, strategy_mark
        )
    )
    rows.append(
        TargetRow(
            "active_partners",
            "Active partners",
            len(active),
            t.active_partners,
            "met" if len(active) >= t.active_partners else "behind",
        )
    )
    rows.append(
        TargetRow(
            "ready_channels",
            "Ready social channels",
            len(ready),
            t.ready_channels,
            "met" if len(ready) >= t.ready_channels else "behind",
            ", ".join(c.id for c in ready),
        )
    )

    warnings: dict[str, list[str]] = {k: [] for k in WARNING_TITLES}
    cal = calendar_view(library, month, now)
    planned = len(cal.slots)
    planned_originals = sum(1 for s in library.calendar if s.date in month and s.original)
    if planned < t.posts_per_month:
        warnings["calendar_gaps"].append(
            f"{month} has {planned} slot(s) for a target of {t.posts_per_month} posts: plan "
            f"{t.posts_per_month - planned} more"
        )
    if planned_originals < t.originals_per_month:
        warnings["calendar_gaps"].append(
            f"{month} plans {planned_originals} original post(s) for a target of {t.originals_per_month}"
        )
    start = month.first - timedelta(days=month.first.weekday())
    while start <= month.last:
        week = [start + timedelta(days=i) for i in range(7)]
        # A week belongs to the month that holds its Thursday (as ISO weeks do), so
        # the one or two days at a month's edge are not reported as a gap.
        if week[3] in month and not any(s.date in week for s in library.calendar):
            warnings["calendar_gaps"].append(f"no slot in the week of {week[0]} to {week[-1]}")
        start += timedelta(days=7)
    for s in cal.slots:
        if s.state == "missed":
            what = f"post {s.post} is not live" if s.post else "no post was written"
            warnings["missed_slots"].append(f"{s.date} {s.type}: {s.topic} ({s.owner}; {what}) at {s.where}")
    for p in sorted(library.partners.values(), key=lambda p: p.id):
        if p.status in ("active", "prospect") and (day - p.last_contact).days > p.cadence_days:
            warnings["partners_overdue"].append(
                f"{p.name} ({p.id}): last contact {p.last_contact}, {(day - p.last_contact).days} days ago; "
                f"cadence {p.cadence_days} days ({p.path})"
            )
    for r in plan.risks:
        if r.status != "closed" and r.review_due() < day:
            warnings["risks_overdue"].append(
                f"{r.title} ({r.id}, {r.impact} impact, owner {r.owner}): last review {r.last_review}, "
                f"due {r.review_due()}"
            )
    budget = plan.budget
    if budget is not None:
        span = (budget.end - budget.start).days + 1
        elapsed = min(max((day - budget.start).days + 1, 0), span)
        pace = elapsed / span
        for line in budget.lines.values():
            spent = budget.spent(line.id, day)
            share = spent / line.amount
            if share > 1:
                warnings["budget"].append(
                    f"{line.label} ({line.id}): {spent:,.0f} of {line.amount:,.0f} {budget.currency} "
                    f"spent ({share:.0%}): over budget"
                )
            elif share > pace + BUDGET_TOLERANCE:
                warnings["budget"].append(
                    f"{line.label} ({line.id}): {share:.0%} spent with {pace:.0%} of the period gone "
                    f"({spent:,.0f} of {line.amount:,.0f} {budget.currency})"
                )
    for c in social:
        if not c.ready:
            missing = ", ".join(c.missing) or "no readiness checklist"
            warnings["channels_not_ready"].append(f"{c.name} ({c.id}): missing {missing}")
    if not changes:
        warnings["strategy"].append(f"no strategy change logged for {month} yet (plan/strategy.yml)")
    if publish_runs:
        warnings["publish_runs"].append(publish_runs)
    warnings["publish_runs"].extend(token_warnings(library.root, now))  # Meta tokens (issue 19)
    if inbox is not None:
        late = inbox.late_items
        for item in late[:10]:
            warnings["inbox"].append(
                f"{item.item} ({item.channel} {item.kind}): open for {item.age_s / 3600:.0f} h, "
                f"target {t.response_hours:g} h (`shelfpost inbox --open`)"
            )
        if len(late) > 10:
            warnings["inbox"].append(f"and {len(late) - 10} more past the target")
    warnings["inbox"].extend(inbox_warnings)
    return Status(
        str(month), str(day), rows, warnings, budget_rows(library, day), channel_rows(library, report, inbox)
    )


def _metrics_report(library: Library, month: Month) -> dict[str, Any]:
    from shelfpost.metrics.report import Period, metrics_report

    assert library.config is not None
    return metrics_report(library, Period.of_text(str(month), library.config.timezone))


def channel_rows(library: Library, report: dict[str, Any], inbox: InboxMonth | None) -> list[ChannelRow]:
    """Each social channel's month: followers, growth, its posts' engagement, its inbox."""
    out = []
    for cid, c in sorted(library.plan.channels.items()):
        if not c.social:
            continue
        m = report["channels"].get(cid, {})
        box = inbox.channels.get(cid) if inbox is not None else None
        out.append(
            ChannelRow(
                cid,
                c.name,
                m.get("followers_end"),
                m.get("growth"),
                m.get("posts", 0),
                m.get("interactions", 0),
                m.get("engagement_rate"),
                box.received if box else 0,
                box.answered if box else 0,
                box.open if box else 0,
                box.reply_rate if box else None,
            )
        )
    return out


def _inbox_rows(inbox: InboxMonth | None, rate_target: float, hours_target: float) -> list[TargetRow]:
    """The reply rate and the median time to the first answer, from the inbox."""
    total = inbox.total if inbox is not None else None
    if total is None or total.reply_rate is None:
        return [
            TargetRow(
                "reply_rate",
                "Reply rate",
                None,
                rate_target,
                "no-data",
                "no interactions recorded this month",
            ),
            TargetRow(
                "response_hours",
                "Median first answer (hours)",
                None,
                hours_target,
                "no-data",
                "no answers yet",
            ),
        ]
    counted = total.received - total.excluded
    note = f"{total.answered} of {counted} answered ({total.excluded} excluded), {total.open} open"
    rate = TargetRow(
        "reply_rate",
        "Reply rate",
        total.reply_rate,
        rate_target,
        "met" if total.reply_rate >= rate_target else "behind",
        note,
    )
    if total.median_response_s is None:
        return [
            rate,
            TargetRow("response_hours", "Median first answer (hours)", None, hours_target, "no-data"),
        ]
    median = round(total.median_response_s / 3600, 1)
    p90 = "" if total.p90_response_s is None else f"90% within {total.p90_response_s / 3600:.1f} h"
    return [
        rate,
        TargetRow(
            "response_hours",
            "Median first answer (hours)",
            median,
            hours_target,
            "met" if median <= hours_target else "behind",
            p90,
        ),
    ]


def metrics_rows(
    library: Library, month: Month, day: date, report: dict[str, Any] | None = None
) -> list[TargetRow]:
    """Follower growth of the social channels and CSAT against the baseline (data/metrics/)."""
    t = library.plan.targets
    if report is None:
        report = _metrics_report(library, month)
    social = {cid for cid, c in library.plan.channels.items() if c.social}
    grown = [c for cid, c in report["channels"].items() if cid in social and c["growth"] is not None]
    start = sum(c["followers_start"] for c in grown)
    over = day > month.last
    rows = []
    if grown and start:
        rate = round(sum(c["growth"] for c in grown) / start, 4)
        mark = "met" if rate >= t.follower_growth else ("behind" if over else "on-track")
        note = f"{rate:+.1%}: " + ", ".join(
            f"{cid} {c['growth']:+d}" for cid, c in sorted(report["channels"].items()) if c in grown
        )
        rows.append(TargetRow("follower_growth", "Follower growth", rate, t.follower_growth, mark, note))
    else:
        rows.append(
            TargetRow(
                "follower_growth", "Follower growth", None, t.follower_growth, "no-data",
                "no follower counts for this month (shelfpost metrics sync / import)",
            )
        )  # fmt: skip
    compared = [s for s in report["csat"].values() if s.get("against_baseline", {}).get("change") is not None]
    if not compared:
        why = (
            "set satisfaction_baseline in plan/targets.yml"
            if not t.satisfaction_baseline
            else "no survey scores yet"
        )
        rows.append(
            TargetRow("satisfaction", "Satisfaction change", None, t.satisfaction_change, "no-data", why)
        )
        return rows
    survey = compared[0]
    cmp, quarter, base = survey["against_baseline"], survey["quarter"], survey["baseline"]
    note = (
        f"{cmp['change'] * 100:+.1f} points: CSAT {quarter['period']} {quarter['csat'] * 100:.1f}% (n={quarter['responses']}) against "
        f"{base['period']} {base['csat'] * 100:.1f}% (n={base['responses']}); 95% interval of the change "
        f"{cmp['change_low'] * 100:+.1f} to {cmp['change_high'] * 100:+.1f} points"
    )
    if cmp["met"] and cmp["within_noise"]:
        mark, note = "on-track", note + ": within the noise"
    else:
        mark = "met" if cmp["met"] else "behind"
    rows.append(
        TargetRow("satisfaction", "Satisfaction change", cmp["change"], t.satisfaction_change, mark, note)
    )
    return rows


def budget_rows(library: Library, day: date) -> list[BudgetRow]:
    """Every budget line's spending up to ``day`` against the period's pace (the same
    numbers the budget warnings use; the monthly report shows these)."""
    budget = library.plan.budget
    if budget is None:
        return []
    span = (budget.end - budget.start).days + 1
    pace = min(max((day - budget.start).days + 1, 0), span) / span
    return [
        BudgetRow(
            line.id,
            line.label,
            line.amount,
            budget.spent(line.id, day),
            budget.spent(line.id, day) / line.amount,
            pace,
            budget.currency,
        )
        for line in budget.lines.values()
    ]
