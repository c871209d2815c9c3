"""The reports: the Friday agenda, the month-end report, the quarterly evaluation and a
summary per partner. Each is one function of the snapshot and ``now`` that gathers
plain data, and one template (``templates/reports/<kind>.md.j2``) that words it.

Every number comes from :func:`shelfpost.reports.status.status` (the same objects
``shelfpost status --format json`` prints), never counted a second way. A source
of data that does not exist yet is said in words, never shown as zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shelfpost.errors import ShelfpostError
from shelfpost.library.dates import Month, local_day, slot_state, today
from shelfpost.library.model import Library, Post
from shelfpost.reports.periods import MeetingWeek, Quarter, meeting_week
from shelfpost.reports.status import Status, TargetRow
from shelfpost.reports.status import status as _status

if TYPE_CHECKING:
    from shelfpost.metrics.charts import Chart

#: The plan's five tasks and the status rows that measure each.
TASKS = (
    ("T1", "Platforms set up and ready", ("ready_channels",)),
    ("T2", "Original content", ("originals", "posts")),
    ("T3", "Interaction and feedback", ("reply_rate", "response_hours", "satisfaction")),
    ("T4", "Data analysis and data-driven changes", ("follower_growth", "strategy_changes")),
    ("T5", "Partnerships", ("active_partners",)),
)
PERCENT_KEYS = frozenset({"reply_rate", "satisfaction", "follower_growth"})
MARK_WORDS = {"met": "✓ met", "on-track": "… on track", "behind": "✗ behind", "no-data": "– no data"}
ACTION_HEADING = "## Action items"


@dataclass(frozen=True)
class Report:
    """One report, ready to word: ``template`` renders ``context`` as Markdown."""

    kind: str  # weekly | monthly | quarterly | partner
    key: str  # e.g. monthly:2026-11; the posted issue's hidden marker carries it
    title: str
    context: Mapping[str, Any]
    numbers: Mapping[str, Any] = field(default_factory=dict)  # the report's numbers, as data
    charts: tuple[Chart, ...] = ()  # worded in the Markdown, drawn in the HTML and PDF

    @property
    def template(self) -> str:
        return f"{self.kind}.md.j2"

    @property
    def marker(self) -> str:
        return f"<!-- shelfpost:report={self.key} -->"

    @property
    def file_stem(self) -> str:
        return self.key.replace(":", "-")


def status(library: Library, month: Month, now: datetime) -> Status:
    """The month's status exactly as ``shelfpost status`` computes it: with the inbox's
    numbers and warnings and the publish runs' warning, so every number matches its JSON."""
    from shelfpost.inbox.report import inbox_month, sync_warnings
    from shelfpost.library.runs import last_publish_warning

    try:
        inbox, notes = inbox_month(library, month, now), tuple(sync_warnings(library, now))
    except ShelfpostError as exc:  # a damaged inbox file is one warning, as in status
        inbox, notes = None, (exc.summary,)
    return _status(library, month, now, last_publish_warning(library.root, now), inbox, notes)


def has_interactions(st: Status) -> bool:
    return any(r.key == "reply_rate" and r.actual is not None for r in st.targets)


def number(row: TargetRow) -> str:
    """A target row's actual value as the reports show it (``no data`` when there is none)."""
    if row.actual is None:
        return "no data"
    return f"{row.actual:.0%}" if row.key in PERCENT_KEYS else f"{row.actual:g}"


def goal(row: TargetRow) -> str:
    return f"{row.target:.0%}" if row.key in PERCENT_KEYS else f"{row.target:g}"


def _row(row: TargetRow) -> dict[str, str]:
    return {
        "key": row.key,
        "label": row.label,
        "actual": number(row),
        "goal": goal(row),
        "mark": MARK_WORDS[row.mark],
        "note": row.note,
    }


def missing_sources(library: Library, period: str, metrics_period: str | None = None) -> list[str]:
    """What the report cannot say yet, in words: the social channels without interaction
    records, and the channels without analytics for the period (all of them when
    ``metrics_period`` is not given)."""
    social = [c for c in library.plan.channels.values() if c.social]
    names = ", ".join(c.name for c in social) or "any channel"
    lacking = social
    if metrics_period is not None:
        have = set(_metrics(library, metrics_period)["channels"])
        lacking = [
            c for c in library.plan.channels.values() if (c.social or c.kind == "manual") and c.id not in have
        ]
    missing = ", ".join(c.name for c in lacking)
    return [
        f"No interaction data for {names} {period}: the inbox (reply rate, response times) "
        "has no records yet.",
        f"No analytics for {missing} {period}: followers, reach, engagement and satisfaction "
        "surveys have no records yet."
        if lacking
        else "",
    ]


def _metrics(library: Library, label: str) -> dict[str, Any]:
    """``metrics --format json`` for the period: the reports show these numbers, never others."""
    from shelfpost.metrics.report import Period, metrics_report

    assert library.config is not None
    return metrics_report(library, Period.of_text(label, library.config.timezone))


def _growth_verdict(library: Library, label: str, months: int) -> str:
    """Follower growth of the social channels (sums first, as ``status``) against the
    monthly target compounded over the period's months."""
    report = _metrics(library, label)
    social = {cid for cid, c in library.plan.channels.items() if c.social}
    grown = [c for cid, c in report["channels"].items() if cid in social and c["growth"] is not None]
    start = sum(c["followers_start"] for c in grown)
    if not grown or not start:
        return "– no data"
    rate = sum(c["growth"] for c in grown) / start
    goal = (1 + library.plan.targets.follower_growth) ** max(months, 1) - 1
    mark = "✓ met" if rate >= goal else "✗ behind"
    return f"{mark}: {rate:+.1%} against {goal:+.1%} ({library.plan.targets.follower_growth:.0%} a month)"


def _partner_numbers(library: Library, label: str, slugs: set[str]) -> str:
    """How the posts promoted together did, per channel (public counts only: no budget, no risks)."""
    names = {cid: c.name for cid, c in library.plan.channels.items()}
    rows = [p for p in _metrics(library, label)["posts"] if p["post"] in slugs]
    parts = [
        f"{p.get('title') or p['post']} on {names.get(p['channel'], p['channel'])}: "
        f"{p['interactions']} interactions"
        + (f" ({p['engagement_rate']:.1%} engagement)" if p["engagement_rate"] is not None else "")
        for p in sorted(rows, key=lambda p: (p["published"], p["channel"]))
    ]
    return "How they did: " + "; ".join(parts) + "." if parts else ""


def analytics_lines(library: Library, label: str, period: str) -> list[str]:
    """The period's analytics in words, one line per channel with data, then what is missing."""
    report = _metrics(library, label)
    names = {cid: c.name for cid, c in library.plan.channels.items()}
    lines = []
    for cid, c in sorted(report["channels"].items()):
        parts = []
        if c["followers_end"] is not None:
            growth = (
                f" ({c['growth']:+d}, {c['growth_rate']:+.1%})"
                if c["growth"] is not None and c["growth_rate"] is not None
                else ""
            )
            parts.append(f"followers {c['followers_start']} → {c['followers_end']}{growth}")
        if c["posts"]:
            rate = (
                f", engagement {c['engagement_rate']:.1%} of {c['basis']}"
                if c["engagement_rate"] is not None
                else ""
            )
            parts.append(f"{c['posts']} post(s), {c['interactions']} interactions{rate}")
        reach = c["reach"]
        parts.append(f"reach {reach:,}" if isinstance(reach, int) else "reach not available")
        lines.append(f"{names.get(cid, cid)}: " + "; ".join(parts))
    best = report["best"][:1]
    for b in best:
        lines.append(
            f"Best post: {b.get('title') or b['post']} on {names.get(b['channel'], b['channel'])}, "
            f"engagement {b['engagement_rate']:.1%}"
        )
    missing = missing_sources(library, period, label)[1]
    return [*lines, missing] if missing else lines


def _charts(library: Library, month: Month, now: datetime) -> tuple[Chart, ...]:
    """The period's charts (three months ending with ``month``): see :mod:`.figures`."""
    from shelfpost.reports.figures import period_charts

    return tuple(period_charts(library, month, now))


def _chart_words(drawn: tuple[Chart, ...]) -> list[dict[str, str]]:
    return [{"name": c.name, "title": c.title, "text": c.text_alternative()} for c in drawn]


def _post_line(library: Library, post: Post) -> dict[str, Any]:
    assert library.config is not None
    kind = library.config.types.get(post.type)
    return {
        "date": str(local_day(library, post.publish_at)),
        "title": post.title,
        "type": kind.label if kind else post.type,
        "original": post.original,
        "channels": ", ".join(post.channels) or "site",
        "partners": [library.partners[p].name for p in post.partners if p in library.partners],
    }


def _live_between(library: Library, now: datetime, first: date, last: date) -> list[Post]:
    return sorted(
        (p for p in library.posts if p.is_live(now) and first <= local_day(library, p.publish_at) <= last),
        key=lambda p: (p.publish_at, p.path),
    )


def _name(library: Library) -> str:
    assert library.config is not None
    return library.config.name


def _member(library: Library, member_id: str) -> str:
    m = library.plan.team.get(member_id)
    return m.name if m else member_id


# --- the Friday agenda ------------------------------------------------------------------


def open_action_items(previous_body: str | None) -> list[str]:
    """The unchecked boxes of last week's agenda (its "Action items" section): they carry over."""
    if not previous_body or ACTION_HEADING not in previous_body:
        return []
    section = previous_body.split(ACTION_HEADING, 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.M)[0]
    return [m.group(1).strip() for m in re.finditer(r"^\s*[-*] \[ \] (.+)$", section, flags=re.M)]


def weekly(
    library: Library,
    now: datetime,
    previous_body: str | None = None,
    previous_url: str | None = None,
) -> Report:
    """The agenda of the Friday meeting of the week holding ``now``."""
    week: MeetingWeek = meeting_week(library, now)
    day = today(library, now)
    posts = {p.slug: p for p in library.posts}
    looked_back = sorted(
        (p for p in library.posts if p.is_live(now) and week.since <= p.publish_at < week.meeting),
        key=lambda p: (p.publish_at, p.path),
    )
    next_days = week.next_days()
    slots = sorted((s for s in library.calendar if s.date in next_days), key=lambda s: (s.date, s.pos))
    slot_lines = [
        {
            "date": str(s.date),
            "topic": s.topic,
            "owner": _member(library, s.owner),
            "state": slot_state(s, posts, now, day),
            "post": s.post,
        }
        for s in slots
    ]
    gaps = [f"{s['date']}: {s['topic']} has no post yet ({s['owner']})" for s in slot_lines if not s["post"]]
    if not slots:
        gaps.insert(0, f"no slot planned from {week.next_first} to {week.next_last}")
    # The months the week touches: each month's own status (a week may span two).
    statuses = {str(m): status(library, m, now) for m in week.months()}
    numbers = _week_numbers(library, week.months(), {p.slug for p in looked_back})
    horizon = week.meeting.date() + timedelta(days=7)
    risks = [
        {
            "title": r.title,
            "id": r.id,
            "owner": _member(library, r.owner),
            "due": str(r.review_due()),
            "overdue": r.review_due() < week.meeting.date(),
        }
        for r in library.plan.risks
        if r.status != "closed" and r.review_due() <= horizon
    ]
    partners = [
        {
            "name": p.name,
            "id": p.id,
            "last": str(p.last_contact),
            "due": str(p.last_contact + timedelta(days=p.cadence_days)),
        }
        for p in sorted(library.partners.values(), key=lambda p: p.id)
        if p.status in ("active", "prospect") and p.last_contact + timedelta(days=p.cadence_days) <= horizon
    ]
    budget = sorted({w for s in statuses.values() for w in s.warnings.get("budget", [])})
    pending = [
        {"date": str(c.date), "change": c.change, "owner": _member(library, c.owner)}
        for c in library.plan.strategy
        if c.verdict == "pending"
    ]
    lead = next((m for m in library.plan.team.values() if "lead" in m.roles), None)
    context = {
        "library": _name(library),
        "week": week.key,
        "meeting": week.meeting.strftime("%Y-%m-%d %H:%M"),
        "since": week.since.strftime("%Y-%m-%d %H:%M"),
        "next_first": str(week.next_first),
        "next_last": str(week.next_last),
        "posts": [
            dict(_post_line(library, p), numbers=numbers.get(p.slug, "no numbers yet")) for p in looked_back
        ],
        "post_numbers": (
            "Interactions are the newest counts of each post on each channel "
            "(`shelfpost metrics --format json`); engagement is of reach where the platform gives it, "
            "else of followers."
            if numbers
            else missing_sources(library, "for last week's posts")[1]
            if looked_back
            else ""
        ),
        "slots": slot_lines,
        "gaps": gaps,
        "inbox": "\n".join(
            f"- {w}" for w in dict.fromkeys(w for s in statuses.values() for w in s.warnings.get("inbox", []))
        )
        or (
            "No item is open past the response target."
            if any(has_interactions(s) for s in statuses.values())
            else missing_sources(library, "for last week")[0]
        ),
        "risks": risks,
        "partners": partners,
        "budget": budget,
        "pending": pending,
        "months": [
            {"month": m, "rows": [_row(r) for r in s.targets if r.key in ("posts", "originals")]}
            for m, s in statuses.items()
        ],
        "carried": open_action_items(previous_body),
        "previous_url": previous_url,
        "lead": lead.name if lead else None,
    }
    return Report(
        "weekly",
        f"weekly:{week.key}",
        f"{_name(library)}: agenda of the meeting on {week.meeting:%Y-%m-%d} ({week.key})",
        context,
        {"posts": len(looked_back), "slots": len(slots), "risks": len(risks), "partners": len(partners)},
    )


def _week_numbers(library: Library, months: list[Month], slugs: set[str]) -> dict[str, str]:
    """Each of last week's posts' newest numbers per channel, from the months' analytics
    (the same rows as ``metrics --format json``): ``{slug: "Mastodon 12 interactions (2.1%); ..."}``."""
    names = {cid: c.name for cid, c in library.plan.channels.items()}
    found: dict[str, list[str]] = {}
    for month in months:
        for p in sorted(_metrics(library, str(month))["posts"], key=lambda p: p["channel"]):
            if p["post"] in slugs:
                rate = f" ({p['engagement_rate']:.1%})" if p["engagement_rate"] is not None else ""
                found.setdefault(p["post"], []).append(
                    f"{names.get(p['channel'], p['channel'])} {p['interactions']} interactions{rate}"
                )
    return {slug: "; ".join(parts) for slug, parts in found.items()}


def team_lead_login(library: Library) -> list[str]:
    """The GitHub logins of the team's lead(s), whom the weekly agenda is assigned to."""
    return [m.github for m in library.plan.team.values() if "lead" in m.roles]


# --- the month-end report ---------------------------------------------------------------


def monthly(library: Library, month: Month, now: datetime) -> Report:
    """The month-end progress report for management."""
    st: Status = status(library, month, now)
    day = today(library, now)
    rows = {r.key: r for r in st.targets}
    if day < month.first:
        raise ShelfpostError(
            (), f"{month} has not begun (today is {day}): a month-end report needs a month that has"
        )
    so_far = day <= month.last
    posts = _live_between(library, now, month.first, month.last)
    tasks = [
        {"id": tid, "name": name, "rows": [_row(rows[k]) for k in keys if k in rows]}
        for tid, name, keys in TASKS
    ]
    budget = [
        {
            "label": b.label,
            "line": b.line,
            "amount": f"{b.amount:,.0f}",
            "spent": f"{b.spent:,.0f}",
            "share": f"{b.share:.0%}",
            "pace": f"{b.pace:.0%}",
            "currency": b.currency,
            "ahead": b.share > b.pace,
        }
        for b in st.budget
    ]
    reviewed = [
        {"title": r.title, "id": r.id, "status": r.status, "impact": r.impact, "on": str(r.last_review)}
        for r in library.plan.risks
        if r.last_review in month
    ]
    following = Month(month.year + (month.month == 12), month.month % 12 + 1)
    partners: list[dict[str, Any]] = []
    next_meetings: list[dict[str, str]] = []
    for p in sorted(library.partners.values(), key=lambda p: p.id):
        if p.next_meeting and p.next_meeting in following:
            next_meetings.append({"name": p.name, "next": str(p.next_meeting)})
        together = [x for x in posts if p.id in x.partners]
        partners.append(
            {
                "name": p.name,
                "status": p.status,
                "posts": len(together),
                "titles": [x.title for x in together],
                "contacted": p.last_contact in month,
                "last": str(p.last_contact),
                "next": str(p.next_meeting) if p.next_meeting else None,
            }
        )
    next_slots = [s for s in library.calendar if s.date in following]
    changes = [
        {"date": str(c.date), "change": c.change, "evidence": c.evidence, "verdict": c.verdict}
        for c in library.plan.strategy
        if c.date in month
    ]
    drawn = _charts(library, month, now)
    context = {
        "library": _name(library),
        "month": str(month),
        "charts": _chart_words(drawn),
        "today": st.today,
        "so_far": so_far,
        "tasks": tasks,
        "posts": [_post_line(library, p) for p in posts],
        "analytics": ([] if has_interactions(st) else [missing_sources(library, f"in {month}")[0]])
        + analytics_lines(library, str(month), f"in {month}"),
        "budget": budget,
        "budget_warnings": st.warnings.get("budget", []),
        "risks_reviewed": reviewed,
        "risks_overdue": st.warnings.get("risks_overdue", []),
        "partners": partners,
        "partners_overdue": st.warnings.get("partners_overdue", []),
        "changes": changes,
        "next_month": str(following),
        "next_slots": len(next_slots),
        "next_target": library.plan.targets.posts_per_month,
        "next_meetings": next_meetings,
        "gaps": st.warnings.get("calendar_gaps", []) + st.warnings.get("missed_slots", []),
    }
    return Report(
        "monthly",
        f"monthly:{month}",
        f"{_name(library)}: progress report for {month}" + (" (so far)" if so_far else ""),
        context,
        {"targets": {r.key: r.actual for r in st.targets}, "budget": [b.__dict__ for b in st.budget]},
        drawn,
    )


# --- the quarterly evaluation -----------------------------------------------------------


def _quarter_numbers(library: Library, quarter: Quarter, now: datetime) -> dict[str, Any]:
    """The quarter's evidence, month by month from :func:`status`."""
    day = today(library, now)
    months = [m for m in quarter.months if m.first <= day]
    statuses = [status(library, m, now) for m in months]

    def actuals(key: str) -> list[float | None]:
        return [next(r.actual for r in s.targets if r.key == key) for s in statuses]

    budget = library.plan.budget
    spent = None
    if budget is not None:
        end = min(day, quarter.last)
        spent = sum(
            s.amount for s in budget.spending if quarter.first <= s.date <= end and s.line in budget.lines
        )
    posts = _live_between(library, now, quarter.first, quarter.last)
    return {
        "months": [str(m) for m in months],
        "posts": actuals("posts"),
        "originals": actuals("originals"),
        "strategy": actuals("strategy_changes"),
        "active_partners": actuals("active_partners")[-1] if statuses else None,
        "co_promoted": sum(1 for p in posts if p.partners),
        "spent": spent,
    }


def _delta(now_value: float | None, before: float | None) -> str:
    if now_value is None or before is None:
        return "no earlier figure"
    diff = now_value - before
    return "unchanged" if diff == 0 else f"{diff:+,g}"


def quarterly(library: Library, quarter: Quarter, now: datetime) -> Report:
    """The evaluation on the plan's four criteria, against the targets and the last quarter."""
    day = today(library, now)
    if day < quarter.first:
        raise ShelfpostError((), f"{quarter} has not begun (today is {day}): evaluate a quarter that has")
    so_far = day <= quarter.last
    t = library.plan.targets
    this = _quarter_numbers(library, quarter, now)
    before = _quarter_numbers(library, quarter.previous(), now)
    originals = sum(x or 0 for x in this["originals"])
    originals_before = sum(x or 0 for x in before["originals"]) if before["months"] else None
    months_met = sum(1 for x in this["originals"] if x is not None and x >= t.originals_per_month)
    budget = library.plan.budget
    criteria = []
    criteria.append(
        {
            "name": "Growth (followers, active followers)",
            "evidence": analytics_lines(library, f"{quarter.year}-Q{quarter.number}", f"in {quarter}"),
            "verdict": _growth_verdict(library, f"{quarter.year}-Q{quarter.number}", len(this["months"])),
            "change": "no earlier figure",
        }
    )
    criteria.append(
        {
            "name": "Content quality and interaction",
            "evidence": [
                "original posts by month: "
                + ", ".join(
                    f"{m} {x:g}"
                    for m, x in zip(this["months"], this["originals"], strict=True)
                    if x is not None
                )
                + f" (target {t.originals_per_month} a month)",
                f"strategy changes logged: {sum(x or 0 for x in this['strategy']):g}",
                missing_sources(library, f"in {quarter}")[0],
            ],
            "verdict": "✓ met"
            if months_met == len(this["months"])
            else f"✗ behind: the target was met in {months_met} of {len(this['months'])} month(s)",
            "change": f"{_delta(originals, originals_before)} original posts",
        }
    )
    active = this["active_partners"]
    criteria.append(
        {
            "name": "Partnership results and brand influence",
            "evidence": [
                f"active partners: {active:g} (target {t.active_partners})"
                if active is not None
                else "active partners: no data",
                f"posts promoted with partners: {this['co_promoted']}",
                "No partner feedback recorded this quarter.",
            ],
            "verdict": "✓ met" if active is not None and active >= t.active_partners else "✗ behind",
            "change": f"{_delta(this['co_promoted'], before['co_promoted'] if before['months'] else None)} "
            "posts with partners",
        }
    )
    if budget is not None and this["spent"] is not None:
        total = sum(line.amount for line in budget.lines.values())
        span = (budget.end - budget.start).days + 1
        end = min(day, quarter.last)
        in_period = max(0, (min(end, budget.end) - max(quarter.first, budget.start)).days + 1)
        pace = total * in_period / span
        criteria.append(
            {
                "name": "Budget execution",
                "evidence": [
                    f"spent {this['spent']:,.0f} {budget.currency} of {total:,.0f} for the period; "
                    f"the pace for these {in_period} days is {pace:,.0f} {budget.currency}"
                ],
                "verdict": "✓ within pace" if this["spent"] <= pace * 1.1 else "✗ ahead of pace",
                "change": f"{_delta(this['spent'], before['spent'] if before['months'] else None)} "
                f"{budget.currency} spent",
            }
        )
    else:
        criteria.append(
            {
                "name": "Budget execution",
                "evidence": ["No budget in plan/budget.yml."],
                "verdict": "– no data",
                "change": "no earlier figure",
            }
        )
    chart_month = min(quarter.months[-1], Month.of(day), key=lambda m: m.first)  # so far: up to this month
    drawn = _charts(library, chart_month, now)
    context = {
        "library": _name(library),
        "quarter": str(quarter),
        "charts": _chart_words(drawn),
        "chart_month": str(chart_month),
        "previous": str(quarter.previous()),
        "today": str(day),
        "so_far": so_far,
        "criteria": criteria,
    }
    return Report(
        "quarterly",
        f"quarterly:{quarter}",
        f"{_name(library)}: evaluation of {quarter}" + (" (so far)" if so_far else ""),
        context,
        {"this": this, "before": before},
        drawn,
    )


# --- a partner's summary ----------------------------------------------------------------


def partner(library: Library, partner_id: str, quarter: Quarter, now: datetime) -> Report:
    """What was promoted together with one partner in the quarter: for the partner's eyes,
    so never contact details and nothing internal (budget, risks, targets)."""
    found = library.partners.get(partner_id)
    if found is None:
        known = ", ".join(sorted(library.partners)) or "none (partners/ is empty)"
        raise ShelfpostError(
            (), f"no partner {partner_id!r}: the ids are the file names in partners/ ({known})"
        )
    day = today(library, now)
    posts = [p for p in _live_between(library, now, quarter.first, quarter.last) if partner_id in p.partners]
    assert library.config is not None
    context = {
        "library": _name(library),
        "partner": found.name,
        "quarter": str(quarter),
        "today": str(day),
        "so_far": day <= quarter.last,
        "activities": list(found.activities),
        "posts": [dict(_post_line(library, p), url=library.config.post_url(p.slug)) for p in posts],
        "numbers": _partner_numbers(library, f"{quarter.year}-Q{quarter.number}", {p.slug for p in posts})
        or missing_sources(library, f"in {quarter}", f"{quarter.year}-Q{quarter.number}")[1].replace(
            "followers, reach, engagement and satisfaction surveys have", "reach and engagement have"
        ),
    }
    return Report(
        "partner",
        f"partner:{partner_id}:{quarter}",
        f"{_name(library)} × {found.name}: {quarter}",
        context,
        {"posts": len(posts)},
    )
