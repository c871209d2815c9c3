"""Status and calendar screens for the terminal, with rich (tables and colour).

These build renderables from the same objects the JSON is made of; the CLI
decides where to print them.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from shelfpost.inbox.report import InboxMonth
from shelfpost.reports.status import MARKS, WARNING_TITLES, CalendarView, Status

MARK_STYLE = {"met": "green", "on-track": "yellow", "behind": "bold red", "no-data": "dim"}
STATE_STYLE = {
    "published": "green",
    "scheduled": "cyan",
    "drafted": "yellow",
    "planned": "blue",
    "missed": "bold red",
}


def _number(value: float | None, target: float) -> str:
    if value is None:
        return "no data"
    if isinstance(target, float) and target < 1 and not float(target).is_integer():
        return f"{value:.0%}"
    return f"{value:g}"


def status_screen(status: Status) -> RenderableType:
    table = Table(title=f"On plan for {status.month}? (as of {status.today})", title_justify="left")
    table.add_column("", width=1)
    table.add_column("target")
    table.add_column("actual", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("note")
    for row in status.targets:
        shares = ("reply_rate", "satisfaction", "follower_growth")  # fractions, shown as percentages
        goal = f"{row.target:.0%}" if row.key in shares else f"{row.target:g}"
        actual = "no data" if row.actual is None else f"{row.actual:g}"
        if row.key == "reply_rate" and row.actual is not None:
            actual = f"{row.actual:.1%}"
        elif row.key in shares and row.actual is not None:
            actual = f"{row.actual:+.1%}"
        table.add_row(Text(MARKS[row.mark], style=MARK_STYLE[row.mark]), row.label, actual, goal, row.note)
    parts: list[RenderableType] = [table]
    if status.channels:
        parts.append(channels_table(status))
    for key, title in WARNING_TITLES.items():
        items = status.warnings.get(key, [])
        if not items:
            continue
        parts.append(Text(f"\n{title} ({len(items)})", style="bold"))
        parts.extend(Text(f"  • {item}") for item in items)
    verdict = "on plan" if status.on_plan else "not on plan: see the marks and warnings above"
    parts.append(Text(f"\n{status.month}: {verdict}", style="green" if status.on_plan else "red"))
    return Group(*parts)


def channels_table(status: Status) -> Table:
    """Each social channel's month: the numbers behind the growth and reply-rate rows."""
    table = Table(title=f"Channels in {status.month}", title_justify="left")
    for column in ("channel", "followers", "growth", "posts", "interactions", "engagement"):
        table.add_column(column, justify="left" if column == "channel" else "right")
    for column in ("received", "answered", "open", "reply rate"):
        table.add_column(column, justify="right")

    def num(value: int | None, signed: bool = False) -> str:
        return "–" if value is None else (f"{value:+d}" if signed else f"{value:,}")

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    for c in status.channels:
        table.add_row(
            c.channel,
            num(c.followers),
            num(c.growth, signed=True),
            num(c.posts),
            num(c.interactions),
            pct(c.engagement_rate),
            num(c.received),
            num(c.answered),
            num(c.open),
            pct(c.reply_rate),
        )
    return table


def calendar_screen(view: CalendarView) -> RenderableType:
    table = Table(title=f"Content calendar {view.month}", title_justify="left")
    for column in ("date", "type", "topic", "owner", "state", "post"):
        table.add_column(column)
    for s in view.slots:
        table.add_row(
            s.date, s.type, s.topic, s.owner, Text(s.state, style=STATE_STYLE[s.state]), s.post or ""
        )
    parts: list[RenderableType] = [table]
    if view.unplanned:
        parts.append(Text(f"\nPosts not in the calendar ({len(view.unplanned)})", style="bold"))
        parts.extend(
            Text(f"  • {p['date']} {p['state']}, unplanned: {p['title']} ({p['path']})")
            for p in view.unplanned
        )
    counts: dict[str, int] = {}
    for s in view.slots:
        counts[s.state] = counts.get(s.state, 0) + 1
    parts.append(Text("\n" + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no slots"))
    return Group(*parts)


def _hours(seconds: int | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.1f} h"


def inbox_screen(
    month: InboxMonth, only_open: bool = False, links: dict[str, str] | None = None
) -> RenderableType:
    """``shelfpost inbox``: the counts per channel and in total, then the open items."""
    parts: list[RenderableType] = []
    if not only_open:
        table = Table(title=f"Inbox {month.month}", title_justify="left")
        for column in ("channel", "received", "answered", "excluded", "reply rate", "median", "p90", "open"):
            table.add_column(column, justify="left" if column == "channel" else "right")
        rows = [*month.channels.items(), ("total", month.total)]
        for name, c in rows:
            rate = "–" if c.reply_rate is None else f"{c.reply_rate:.1%}"
            table.add_row(
                Text(name, style="bold" if name == "total" else ""),
                str(c.received),
                str(c.answered),
                str(c.excluded),
                rate,
                _hours(c.median_response_s),
                _hours(c.p90_response_s),
                str(c.open),
            )
        parts.append(table)
    target = month.response_target_s / 3600
    parts.append(
        Text(f"\nOpen items, oldest first ({len(month.open_items)}; target {target:g} h)", style="bold")
    )
    for item in month.open_items:
        style = "bold red" if item.late else ""
        late = " past the target" if item.late else ""
        link = f"  {links[item.item]}" if links and item.item in links else ""
        parts.append(
            Text(
                f"  • {item.item}  {item.channel} {item.kind}, {item.age_s / 3600:.1f} h old{late}{link}",
                style=style,
            )
        )
    if month.open_items:
        parts.append(Text("Mark one with `shelfpost inbox mark ITEM --state ...`.", style="dim"))
    return Group(*parts)
