"""Read the plan as code: ``calendar/``, ``partners/`` and ``plan/`` files.

Each file is validated by its schema in :mod:`shelfpost.library.fileschemas`; a file with
problems is reported and its valid parts are kept where that is safe (a bad slot
does not drop the month's other slots).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from shelfpost.library.fileschemas import (
    BudgetFile,
    CalendarFile,
    ChannelsFile,
    ManualCountsFile,
    PartnerFile,
    RisksFile,
    StrategyFile,
    TargetsFile,
    TeamFile,
)
from shelfpost.library.model import (
    Budget,
    BudgetLine,
    Channel,
    EmailSettings,
    ManualCounts,
    Member,
    Partner,
    Plan,
    Risk,
    Slot,
    Spend,
    StrategyChange,
    StrategyMetric,
    Targets,
)
from shelfpost.library.schema import Context, Reporter, Schema, Validated, did_you_mean
from shelfpost.library.yamlnodes import Pos

CALENDAR_DIR = "calendar"
PARTNERS_DIR = "partners"
PLAN_DIR = "plan"
MANUAL_COUNTS_DIR = "data/interactions/manual"
MONTH_FILE_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})\.yml$")
PLAN_FILES = ("targets", "channels", "risks", "budget", "strategy", "team")


def _read(root: Path, rel: str, rep: Reporter) -> Any:
    from shelfpost.library.loader import read_yaml

    path = root / rel
    if path.is_symlink():
        rep.error(Pos(1, 1), "is a symbolic link: shelfpost reads only regular files", "symlink")
        return False
    return read_yaml(path, rel, rep)


def _monthly_files(
    root: Path,
    folder: str,
    schema: type[Schema],
    ctx: Context,
    reporters: dict[str, Reporter],
    what: str,
    code: str,
) -> Iterator[tuple[str, Reporter, tuple[int, int], Validated | None]]:
    """Each ``folder/YYYY-MM.yml``, read and checked against ``schema``: its path, its
    reporter, its month and its data (``None`` where the schema reported it). A file
    named otherwise is reported (``code``) and skipped; so is one that does not parse."""
    from shelfpost.library.loader import yaml_files

    for path in yaml_files(root, folder, reporters):
        rel = f"{folder}/{path.name}"
        rep = reporters.setdefault(rel, Reporter(rel))
        name = MONTH_FILE_RE.match(path.name)
        try:
            month = (int(name["year"]), int(name["month"])) if name else None
            if month is not None:
                date(month[0], month[1], 1)
        except ValueError:
            month = None
        if month is None:
            rep.error(Pos(1, 1), f"{what} are named YYYY-MM.yml (e.g. 2026-12.yml): rename the file", code)
            continue
        node = _read(root, rel, rep)
        if node is not False:
            yield rel, rep, month, schema.validate(node, ctx, rep, label=rel)


def _strategy_metric(data: Validated | None) -> StrategyMetric | None:
    if not isinstance(data, Validated) or not data.complete:
        return None
    value = data.get("value")
    return StrategyMetric(
        data["name"],
        data["period"],
        data.get("channel"),
        float(value) if value is not None else None,
        data.pos,
    )


def _items(data: Validated | None, key: str) -> list[Validated]:
    """The complete entries of a list-of-mappings field (incomplete ones were reported)."""
    if data is None:
        return []
    return [v for v in data.get(key) or () if isinstance(v, Validated) and v.complete]


EMAIL_KEYS = (
    "smtp_host", "smtp_port", "from", "to", "username_env", "password_env", "unsubscribe_url",
    "unsubscribe_email", "list_id", "subscribe_url", "day", "time",
)  # fmt: skip
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _email_settings(entry: Validated, rep: Reporter | None) -> EmailSettings | None:
    """The digest's settings of a ``kind: email`` channel; every missing or bad key reported."""
    from shelfpost.library.fileschemas import WEEKDAYS

    def error(key: str, message: str, code: str = "email-channel") -> None:
        if rep is not None:
            rep.error(entry.mark(key), f"{key}: {message}", code)

    if entry["kind"] != "email":
        for key in EMAIL_KEYS:
            if entry.get(key) is not None:
                error(key, f"only channels of kind email have this key (this one is {entry['kind']})")
        return None
    ok = True
    for key in ("smtp_host", "from", "to", "day", "time"):
        if entry.get(key) is None:
            ok = False
            if rep is not None:
                rep.error(
                    entry.pos,
                    f"{key}: required for a channel of kind email: add '{key}: ...'",
                    "email-channel",
                )
    if (entry.get("username_env") is None) != (entry.get("password_env") is None):
        ok = False
        error(
            "password_env" if entry.get("password_env") is None else "username_env",
            "give both username_env and password_env, or neither (a relay without AUTH)",
        )
    if entry["security"] == "none" and entry.get("password_env") is not None:
        host = str(entry.get("smtp_host") or "")
        if host not in ("localhost", "127.0.0.1", "::1"):
            ok = False
            error("security", "none would send the SMTP password unencrypted: use starttls or ssl")
    weekday = monthday = None
    day = str(entry.get("day") or "").strip().lower()
    if day and entry["period"] == "weekly":
        if day not in WEEKDAYS:
            ok = False
            error("day", f"{day!r} is not a weekday{did_you_mean(day, WEEKDAYS)}: write e.g. friday")
        else:
            weekday = WEEKDAYS.index(day)
    elif day:
        if not day.isdigit() or not 1 <= int(day) <= 28:
            ok = False
            error(
                "day", f"{day!r}: a monthly digest needs a day of the month from 1 to 28 (every month has it)"
            )
        else:
            monthday = int(day)
    clock = TIME_RE.match(str(entry.get("time") or ""))
    if entry.get("time") is not None and clock is None:
        ok = False
        error("time", f"{entry['time']!r} is not a time: write HH:MM, e.g. 09:00")
    if not ok or clock is None:
        return None
    security = entry["security"]
    return EmailSettings(
        smtp_host=entry["smtp_host"],
        smtp_port=entry.get("smtp_port") or DEFAULT_PORTS[security],
        security=security,
        sender=entry["from"],
        to=entry["to"],
        period=entry["period"],
        weekday=weekday,
        monthday=monthday,
        hour=int(clock.group(1)),
        minute=int(clock.group(2)),
        username_env=entry.get("username_env"),
        password_env=entry.get("password_env"),
        unsubscribe_url=entry.get("unsubscribe_url"),
        unsubscribe_email=entry.get("unsubscribe_email"),
        list_id=entry.get("list_id"),
        subscribe_url=entry.get("subscribe_url"),
        events_days=entry["events_days"],
    )


def load_calendar(root: Path, ctx: Context, reporters: dict[str, Reporter]) -> list[Slot]:
    slots: list[Slot] = []
    files = _monthly_files(
        root, CALENDAR_DIR, CalendarFile, ctx, reporters, "calendar files", "calendar-name"
    )
    for rel, rep, month, data in files:
        for entry in _items(data, "slots"):
            day: date = entry["date"]
            if (day.year, day.month) != month:
                rep.error(
                    entry.mark("date"),
                    f"date: {day} is not in {month[0]}-{month[1]:02d}, the "
                    f"month of this file: move the slot to calendar/{day:%Y-%m}.yml",
                    "calendar-month",
                )
                continue
            slots.append(
                Slot(
                    rel,
                    entry.pos,
                    day,
                    entry["type"],
                    entry["topic"],
                    entry["owner"],
                    entry["channels"],
                    entry["post"],
                    entry["original"],
                    MappingProxyType(dict(entry.marks)),
                )
            )
    return slots


def load_partners(root: Path, ctx: Context, reporters: dict[str, Reporter]) -> dict[str, Partner]:
    from shelfpost.library.loader import slug_problem, yaml_files

    partners: dict[str, Partner] = {}
    for path in yaml_files(root, PARTNERS_DIR, reporters):
        rel = f"{PARTNERS_DIR}/{path.name}"
        rep = reporters.setdefault(rel, Reporter(rel))
        pid = path.stem
        problem = slug_problem(pid)
        if problem or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", pid):
            rep.error(
                Pos(1, 1),
                f"the partner id is the file name and must be lower-case letters, "
                f"digits, - and _ ({problem or pid!r})",
                "partner-id",
            )
            continue
        node = _read(root, rel, rep)
        if node is False:
            continue
        data = PartnerFile.validate(node, ctx, rep, label=rel)
        if data is None or not data.complete:
            continue
        contact = data["contact"]
        if data["next_meeting"] and data["next_meeting"] < data["last_contact"]:
            rep.error(
                data.mark("next_meeting"),
                "next_meeting is before last_contact: update one of them",
                "partner-dates",
            )
            continue
        partners[pid] = Partner(
            id=pid,
            path=rel,
            name=data["name"],
            kind=data["kind"],
            status=data["status"],
            since=data["since"],
            contact_role=contact["role"],
            contact_channel=contact["channel"],
            last_contact=data["last_contact"],
            cadence_days=data["cadence_days"],
            url=data["url"],
            activities=data["activities"],
            next_meeting=data["next_meeting"],
            public=data["public"],
        )
    return partners


def load_plan(root: Path, ctx: Context, reporters: dict[str, Reporter]) -> Plan:
    from shelfpost.library.loader import yaml_files

    listed = {p.stem for p in yaml_files(root, PLAN_DIR, reporters)}  # an unreadable plan/ is reported
    present = frozenset(n for n in PLAN_FILES if n in listed and (root / PLAN_DIR / f"{n}.yml").is_file())

    def validated(name: str, schema: type[Any]) -> Validated | None:
        if name not in present:
            return None
        rel = f"{PLAN_DIR}/{name}.yml"
        rep = reporters.setdefault(rel, Reporter(rel))
        node = _read(root, rel, rep)
        if node is False:
            return None
        return schema.validate(node, ctx, rep, label=rel)  # type: ignore[no-any-return]

    targets = Targets()
    data = validated("targets", TargetsFile)
    if data is not None and data.complete:
        targets = Targets(**data.values)

    channels: dict[str, Channel] = {}
    data = validated("channels", ChannelsFile)
    if data is not None:
        for cid, entry in (data.get("channels") or {}).items():
            if not isinstance(entry, Validated) or not entry.complete:
                continue
            readiness = dict(entry["readiness"].values) if entry["readiness"] else {}
            channels[cid] = Channel(
                cid,
                entry["kind"],
                entry["name"],
                entry["handle"],
                entry["profile_url"],
                entry["instance"],
                MappingProxyType(dict(entry["credentials"])),
                MappingProxyType(readiness),
                max_characters=entry["max_characters"],
                url_length=entry["url_length"],
                service=entry["service"],
                repo=entry["repo"],
                account_id=entry["account_id"],
                email=_email_settings(entry, reporters.get(f"{PLAN_DIR}/channels.yml")),
                metrics_columns=MappingProxyType(dict(entry["metrics_columns"] or {})),
            )
            if entry["kind"] == "email" and channels[cid].email is None:
                del channels[cid]  # reported: a digest with half its settings is never sent

    risks: list[Risk] = []
    data = validated("risks", RisksFile)
    rep = reporters.get(f"{PLAN_DIR}/risks.yml")
    seen: set[str] = set()
    for entry in _items(data, "risks"):
        if entry["id"] in seen and rep is not None:
            rep.error(entry.mark("id"), f"id: {entry['id']!r} is used by another risk", "risk-id")
            continue
        seen.add(entry["id"])
        if entry["window_end"] < entry["window_start"] and rep is not None:
            rep.error(entry.mark("window_end"), "window_end is before window_start", "risk-window")
            continue
        risks.append(
            Risk(
                entry["id"],
                entry.pos,
                entry["title"],
                entry["impact"],
                entry["likelihood"],
                entry["owner"],
                entry["response"],
                entry["window_start"],
                entry["window_end"],
                entry["review_every_days"],
                entry["last_review"],
                entry["status"],
                MappingProxyType(dict(entry.marks)),
            )
        )

    budget = None
    data = validated("budget", BudgetFile)
    if data is not None and data.get("lines") is not None and "start" in data.values and "end" in data.values:
        rep = reporters[f"{PLAN_DIR}/budget.yml"]
        lines = {
            lid: BudgetLine(lid, v["label"], v["amount"])
            for lid, v in data["lines"].items()
            if isinstance(v, Validated) and v.complete
        }
        spending = []
        for entry in _items(data, "spending"):
            if entry["line"] not in lines:
                rep.error(
                    entry.mark("line"),
                    f"line: {entry['line']!r} is not a budget line"
                    f"{did_you_mean(entry['line'], lines)} (lines: {', '.join(lines)})",
                    "budget-line",
                )
                continue
            spending.append(Spend(entry["date"], entry["line"], entry["amount"], entry["note"]))
        if data["end"] <= data["start"]:
            rep.error(data.mark("end"), "end must be after start", "budget-period")
        elif data.get("currency"):
            budget = Budget(
                data["currency"], data["start"], data["end"], MappingProxyType(lines), tuple(spending)
            )

    strategy: list[StrategyChange] = []
    data = validated("strategy", StrategyFile)
    for entry in _items(data, "changes"):
        strategy.append(
            StrategyChange(
                entry["date"],
                entry["change"],
                entry["evidence"],
                entry["owner"],
                entry["verdict"],
                entry["verdict_note"],
                entry.pos,
                MappingProxyType(dict(entry.marks)),
                _strategy_metric(entry.get("metric")),
            )
        )

    team: dict[str, Member] = {}
    data = validated("team", TeamFile)
    if data is not None:
        for mid, entry in (data.get("members") or {}).items():
            if isinstance(entry, Validated) and entry.complete:
                team[mid] = Member(mid, entry["name"], entry["github"], entry["roles"])

    return Plan(
        targets,
        MappingProxyType(channels),
        tuple(risks),
        budget,
        tuple(strategy),
        MappingProxyType(team),
        present,
    )


def load_interaction_counts(
    root: Path, ctx: Context, reporters: dict[str, Reporter], channels: dict[str, Channel] | Any
) -> list[ManualCounts]:
    """The hand-entered inbox counts of manual channels (``data/interactions/manual/YYYY-MM.yml``).

    Each count names a channel of ``plan/channels.yml`` whose kind is ``manual`` (the
    platforms with an API are counted by ``shelfpost inbox sync``); answered and
    excluded cannot exceed received.
    """
    out: list[ManualCounts] = []
    files = _monthly_files(
        root, MANUAL_COUNTS_DIR, ManualCountsFile, ctx, reporters, "manual inbox counts", "inbox-name"
    )
    for rel, rep, (year, number), data in files:
        month = f"{year}-{number:02d}"
        if data is None:
            continue
        for cid, entry in (data.get("channels") or {}).items():
            if not isinstance(entry, Validated) or not entry.complete:
                continue
            channel = channels.get(cid)
            if channel is None:
                rep.error(
                    entry.pos,
                    f"channels: {cid!r} is not a channel of plan/channels.yml"
                    f"{did_you_mean(cid, list(channels))}",
                    "inbox-channel",
                )
                continue
            if channel.kind != "manual":
                rep.error(
                    entry.pos,
                    f"channels: {cid} is a {channel.kind} channel: `shelfpost inbox sync` counts it; "
                    "hand-entered counts are for manual channels only",
                    "inbox-channel",
                )
                continue
            if entry["answered"] + entry["excluded"] > entry["received"]:
                rep.error(
                    entry.mark("answered"),
                    f"{cid}: answered ({entry['answered']}) plus excluded ({entry['excluded']}) is more "
                    f"than received ({entry['received']}): check the counts",
                    "inbox-counts",
                )
                continue
            out.append(
                ManualCounts(
                    month,
                    cid,
                    entry["received"],
                    entry["answered"],
                    entry["excluded"],
                    entry["median_hours"],
                    rel,
                    entry.pos,
                )
            )
    return out
