"""The plan as code: calendar, partners, targets, channels, risks, budget, strategy, team."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

from conftest import REPO, Lib, copy_sample, post_text, run_cli
from shelfpost import load_library
from shelfpost.library.dates import Month
from shelfpost.reports.status import calendar_view, status
from shelfpost.site.ical import PRODID, post_event, public_events, staff_calendar
from shelfpost.site.ical import _event as ical_event

TPE = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TPE)

TEAM = """\
members:
  amy: {name: 林艾美, github: amy-lin, roles: [lead, editor]}
  bob: {name: Bob Chen, github: bobchen, roles: [reviewer, analyst]}
"""
CHANNELS = """\
channels:
  site: {kind: site, name: Site}
  mastodon:
    kind: mastodon
    name: Mastodon
    credentials: {access_token: SHELFPOST_MASTODON_TOKEN}
    readiness: {profile_complete: true, avatar: true, links_to_site: true, verified: true, tested: true}
  bluesky:
    kind: bluesky
    name: Bluesky
    readiness: {profile_complete: true, avatar: false, links_to_site: true, verified: false, tested: true}
"""
PARTNER = """\
name: {name}
kind: organisation
status: {status}
since: 2026-01-01
url: https://partner.example.org/
contact: {{role: 推廣組, channel: info@partner.example.org}}
last_contact: {last}
cadence_days: 30
public: {public}
"""


def slot(day: str, post: str | None = None, type_: str = "news", owner: str = "amy") -> str:
    line = f"  - {{date: {day}, type: {type_}, topic: 主題 {day}, owner: {owner}, channels: [mastodon]"
    return line + (f", post: {post}}}\n" if post else "}\n")


@pytest.fixture
def plan_lib(lib: Lib) -> Lib:
    lib.write("plan/team.yml", TEAM)
    lib.write("plan/channels.yml", CHANNELS)
    return lib


# --- derived slot states --------------------------------------------------------------


def test_each_slot_state_is_derived_from_reality(plan_lib: Lib) -> None:
    plan_lib.post("2026-11-02-live", post_text(publish_at="2026-11-02 10:00"))
    plan_lib.post("2026-11-27-wip", post_text(publish_at="2026-11-27 10:00", extra="draft: true\n"))
    plan_lib.post("2026-11-28-soon", post_text(publish_at="2026-11-28 10:00"))
    plan_lib.post("2026-11-20-late", post_text(publish_at="2026-11-29 10:00"))
    plan_lib.write(
        "calendar/2026-11.yml",
        "slots:\n"
        + slot("2026-11-02", "live")
        + slot("2026-11-27", "wip")
        + slot("2026-11-28", "soon")
        + slot("2026-11-29")
        + slot("2026-11-10")
        + slot("2026-11-20", "late"),
    )
    library = load_library(plan_lib.root)
    assert not [p for p in library.problems if p.is_error], library.problems
    view = calendar_view(library, Month(2026, 11), NOW)
    assert [(s.date, s.state) for s in view.slots] == [
        ("2026-11-02", "published"),
        ("2026-11-10", "missed"),  # date passed, no post
        ("2026-11-20", "missed"),  # date passed, its post goes out later
        ("2026-11-27", "drafted"),
        ("2026-11-28", "scheduled"),
        ("2026-11-29", "planned"),
    ]
    # The same files a week later: everything due is published, the draft is missed.
    later = calendar_view(library, Month(2026, 11), NOW + timedelta(days=7))
    assert [s.state for s in later.slots] == [
        "published",
        "missed",
        "published",
        "missed",
        "published",
        "missed",
    ]


def test_live_posts_not_in_the_calendar_are_listed(plan_lib: Lib) -> None:
    plan_lib.post("2026-11-02-live", post_text(publish_at="2026-11-02 10:00"))
    plan_lib.post("2026-11-03-extra", post_text(title="臨時公告", publish_at="2026-11-03 10:00"))
    plan_lib.write("calendar/2026-11.yml", "slots:\n" + slot("2026-11-02", "live"))
    view = calendar_view(load_library(plan_lib.root), Month(2026, 11), NOW)
    assert [p["slug"] for p in view.unplanned] == ["extra"]


# --- bad input ------------------------------------------------------------------------


def messages(lib: Lib) -> list[str]:
    return [p.format_text() for p in load_library(lib.root).problems if p.is_error]


def test_slot_naming_a_post_that_does_not_exist(plan_lib: Lib) -> None:
    plan_lib.post("2026-11-02-live", post_text(publish_at="2026-11-02 10:00"))
    plan_lib.write("calendar/2026-11.yml", "slots:\n" + slot("2026-11-02", "lives"))
    assert messages(plan_lib) == [
        "calendar/2026-11.yml:2:92: error: post: no post has the slug 'lives'; did you mean 'live'?: the slug "
        "is the post's file name after the date"
    ]


def test_two_slots_claiming_one_post(plan_lib: Lib) -> None:
    plan_lib.post("2026-11-02-live", post_text(publish_at="2026-11-02 10:00"))
    plan_lib.write(
        "calendar/2026-11.yml", "slots:\n" + slot("2026-11-02", "live") + slot("2026-11-03", "live")
    )
    (msg,) = messages(plan_lib)
    assert msg.startswith(
        "calendar/2026-11.yml:3:92: error: post: 'live' already fills the slot of 2026-11-02 "
        "(calendar/2026-11.yml:2)"
    )


def test_month_file_with_a_date_outside_its_month(plan_lib: Lib) -> None:
    plan_lib.write("calendar/2026-11.yml", "slots:\n" + slot("2026-12-01"))
    assert messages(plan_lib) == [
        "calendar/2026-11.yml:2:6: error: date: 2026-12-01 is not in 2026-11, the month of this file: move the "
        "slot to calendar/2026-12.yml"
    ]


def test_slot_owner_and_channel_must_exist(plan_lib: Lib) -> None:
    plan_lib.write(
        "calendar/2026-11.yml",
        "slots:\n  - {date: 2026-11-02, type: news, topic: x, owner: amie, channels: [mastadon]}\n",
    )
    found = messages(plan_lib)
    assert any("owner: 'amie' is not in plan/team.yml; did you mean 'amy'?" in m for m in found)
    assert any(
        "channels: 'mastadon' is not in plan/channels.yml; did you mean 'mastodon'?" in m for m in found
    )


def test_partner_id_used_but_not_defined(plan_lib: Lib) -> None:
    plan_lib.write(
        "partners/city-museum.yml",
        PARTNER.format(name="博物館", status="active", last="2026-11-01", public="true"),
    )
    plan_lib.post("2026-11-02-with", post_text(extra="partners: [city-musem]\n"))
    assert messages(plan_lib) == [
        "content/posts/2026/2026-11-02-with.md:8:1: error: partners: 'city-musem' is not defined in "
        "partners/city-musem.yml; did you mean 'city-museum'? (known: city-museum)"
    ]


def test_partner_contact_is_never_a_phone_number(plan_lib: Lib) -> None:
    text = PARTNER.format(name="某人", status="active", last="2026-11-01", public="true").replace(
        "info@partner.example.org", "'+886 912 345 678'"
    )
    plan_lib.write("partners/someone.yml", text)
    (msg,) = messages(plan_lib)
    assert msg.startswith("partners/someone.yml:6:31: error: contact.channel: looks like a phone number")


def test_budget_negative_amount_and_unknown_line(plan_lib: Lib) -> None:
    plan_lib.write(
        "plan/budget.yml",
        "currency: TWD\nstart: 2026-09-01\nend: 2027-08-31\nlines:\n"
        "  content: {label: 內容, amount: -100}\n  analytics: {label: 分析, amount: 1000}\n"
        "spending:\n  - {date: 2026-09-02, line: analytic, amount: 10}\n"
        "  - {date: 2026-09-03, line: analytics, amount: -5}\n",
    )
    assert messages(plan_lib) == [
        "plan/budget.yml:5:32: error: lines.content.amount: must be more than 0, not -100",
        "plan/budget.yml:8:24: error: line: 'analytic' is not a budget line; did you mean 'analytics'? "
        "(lines: analytics)",
        "plan/budget.yml:9:49: error: spending[1].amount: must be more than 0, not -5",
    ]


def test_risk_impact_outside_the_scale(plan_lib: Lib) -> None:
    plan_lib.write(
        "plan/risks.yml",
        "risks:\n  - id: policy\n    title: 平台政策變動\n    impact: huge\n"
        "    likelihood: low\n    owner: amy\n    response: 觀察\n    window_start: 2026-09-01\n"
        "    window_end: 2027-08-31\n    last_review: 2026-11-01\n",
    )
    assert messages(plan_lib) == [
        "plan/risks.yml:4:13: error: risks[0].impact: 'huge' is not one of: high, medium, low; did you mean 'high'?"
    ]


def test_channel_credential_that_looks_like_a_token_is_refused_and_not_echoed(plan_lib: Lib) -> None:
    token = "Zx9" + "kQ2vL7pR4tY8wB1nM6cD3fH5jK0aS"
    plan_lib.write("plan/channels.yml", CHANNELS.replace("SHELFPOST_MASTODON_TOKEN", token))
    result = run_cli("check", cwd=plan_lib.root)
    assert result.returncode == 1
    assert (
        "plan/channels.yml:6:33: error: channels.mastodon.credentials.access_token: holds something that "
        "looks like a credential, not the NAME of an environment variable: delete it from this file, "
        "revoke it"
    ) in result.stdout
    assert token not in result.stdout + result.stderr
    assert token not in run_cli("check", "--format", "json", cwd=plan_lib.root).stdout


def test_one_bad_slot_does_not_drop_the_others(plan_lib: Lib) -> None:
    plan_lib.write(
        "calendar/2026-11.yml",
        "slots:\n" + slot("2026-11-02") + "  - {date: 2026-11-31, type: news, "
        "topic: x, owner: amy}\n" + slot("2026-11-04"),
    )
    library = load_library(plan_lib.root)
    assert [str(s.date) for s in library.calendar] == ["2026-11-02", "2026-11-04"]
    assert any("2026-11-31" in p.message for p in library.problems)


# --- status -----------------------------------------------------------------------------


def test_each_status_warning_from_real_files(plan_lib: Lib) -> None:
    for n in range(1, 4):
        plan_lib.post(f"2026-11-0{n}-p{n}", post_text(publish_at=f"2026-11-0{n} 10:00"))
    plan_lib.post(
        "2026-11-05-share",
        post_text(publish_at="2026-11-05 10:00").replace("original: true", "original: false"),
    )
    plan_lib.post("2026-11-28-later", post_text(publish_at="2026-11-28 10:00"))
    plan_lib.write(
        "calendar/2026-11.yml",
        "slots:\n" + slot("2026-11-02", "p2") + slot("2026-11-10") + slot("2026-11-28", "later"),
    )
    plan_lib.write(
        "partners/quiet.yml",
        PARTNER.format(name="很久沒聯絡", status="active", last="2026-09-01", public="true"),
    )
    plan_lib.write(
        "partners/fresh.yml", PARTNER.format(name="剛聯絡", status="active", last="2026-11-20", public="true")
    )
    plan_lib.write(
        "plan/risks.yml",
        "risks:\n"
        + "".join(
            f"  - {{id: r{i}, title: 風險{i}, impact: high, likelihood: low, owner: amy, response: 處理, "
            f"window_start: 2026-09-01, window_end: 2027-08-31, review_every_days: 30, last_review: {day}}}\n"
            for i, day in ((1, "2026-10-01"), (2, "2026-11-20"))
        ),
    )
    plan_lib.write(
        "plan/budget.yml",
        "currency: TWD\nstart: 2026-09-01\nend: 2027-08-31\nlines:\n"
        "  fast: {label: 跑太快, amount: 1000}\n  over: {label: 超支, amount: 100}\n"
        "  fine: {label: 正常, amount: 1000}\nspending:\n"
        "  - {date: 2026-10-01, line: fast, amount: 500}\n  - {date: 2026-10-01, line: over, amount: 150}\n"
        "  - {date: 2026-10-01, line: fine, amount: 100}\n"
        "  - {date: 2026-12-01, line: fine, amount: 900}\n",
    )
    plan_lib.write(
        "plan/strategy.yml", "changes:\n  - {date: 2026-10-05, change: 改時段, evidence: 數據, owner: amy}\n"
    )
    library = load_library(plan_lib.root)
    assert library.ok, library.problems
    result = status(library, Month(2026, 11), NOW)
    marks = {r.key: (r.actual, r.mark) for r in result.targets}
    assert marks["posts"] == (4, "behind") and marks["originals"] == (3, "behind")
    assert marks["strategy_changes"] == (0, "behind")
    assert marks["active_partners"] == (2, "behind")
    assert marks["ready_channels"] == (1, "behind")
    assert marks["reply_rate"] == (None, "no-data")
    w = result.warnings
    assert "2026-11 has 3 slot(s) for a target of 10 posts: plan 7 more" in w["calendar_gaps"]
    assert "no slot in the week of 2026-11-16 to 2026-11-22" in w["calendar_gaps"]
    assert not any("2026-11-23" in g for g in w["calendar_gaps"])  # the week with the 28th has a slot
    assert [m.split(" (")[0] for m in w["missed_slots"]] == ["2026-11-10 news: 主題 2026-11-10"]
    assert len(w["partners_overdue"]) == 1 and w["partners_overdue"][0].startswith("很久沒聯絡 (quiet)")
    assert len(w["risks_overdue"]) == 1 and w["risks_overdue"][0].startswith("風險1 (r1")
    budget = " | ".join(w["budget"])
    assert "跑太快 (fast): 50% spent with 24% of the period gone" in budget
    assert "超支 (over): 150 of 100 TWD spent (150%): over budget" in budget
    assert "正常" not in budget  # the December spend is not counted yet
    assert w["channels_not_ready"] == ["Bluesky (bluesky): missing avatar, verified"]
    assert w["strategy"] == ["no strategy change logged for 2026-11 yet (plan/strategy.yml)"]
    assert not result.on_plan


def test_targets_come_from_the_file(plan_lib: Lib) -> None:
    plan_lib.write(
        "plan/targets.yml",
        "posts_per_month: 1\noriginals_per_month: 1\nactive_partners: 0\n"
        "ready_channels: 1\nstrategy_changes_per_month: 0\n",
    )
    plan_lib.post("2026-11-02-one", post_text(publish_at="2026-11-02 10:00"))
    result = status(load_library(plan_lib.root), Month(2026, 11), NOW)
    assert {r.key: r.mark for r in result.targets if r.actual is not None} == {
        "posts": "met",
        "originals": "met",
        "strategy_changes": "met",
        "active_partners": "met",
        "ready_channels": "met",
    }


def test_status_json_matches_the_screen_on_the_sample() -> None:
    data = json.loads(
        run_cli(
            "status", "--month", "2026-11", "--now", "2026-11-26 12:00", "--format", "json", cwd=REPO
        ).stdout
    )
    screen = run_cli("status", "--month", "2026-11", "--now", "2026-11-26 12:00", cwd=REPO).stdout
    flat = " ".join(screen.split())
    assert data["month"] == "2026-11"
    for row in data["targets"]:
        assert f"{row['symbol']} │ {row['label']}" in flat
        if row["actual"] is not None:
            shown = (
                f"{row['actual']:.1%}"
                if row["key"] == "reply_rate"
                else f"{row['actual']:+.1%}"  # shares of followers and of satisfaction, like their goals
                if row["key"] in ("follower_growth", "satisfaction")
                else f"{row['actual']:g}"
            )
            assert f"{row['label']} │ {shown}" in flat
    for items in data["warnings"].values():
        for item in items:
            assert " ".join(item.split()) in flat, item
    # The sample has real gaps to show.
    assert data["warnings"]["missed_slots"] and data["warnings"]["partners_overdue"]
    assert data["warnings"]["risks_overdue"] and data["warnings"]["budget"]
    assert data["warnings"]["channels_not_ready"] and data["warnings"]["strategy"]
    december = json.loads(
        run_cli(
            "status", "--month", "2026-12", "--now", "2026-11-26 12:00", "--format", "json", cwd=REPO
        ).stdout
    )
    assert any("slot(s) for a target of 10" in g for g in december["warnings"]["calendar_gaps"])


def test_calendar_command_lists_states_and_unplanned_posts() -> None:
    result = run_cli(
        "calendar", "--month", "2026-11", "--now", "2026-11-26 12:00", "--format", "json", cwd=REPO
    )
    data = json.loads(result.stdout)
    states = {s["state"] for s in data["slots"]}
    assert {"published", "missed"} <= states
    assert [p["slug"] for p in data["unplanned"]] == ["wifi-upgrade"]
    text = run_cli("calendar", "--month", "2026-12", "--now", "2026-11-26 12:00", cwd=REPO).stdout
    assert "scheduled" in text and "planned" in text and "drafted" in text


# --- calendars people subscribe to ----------------------------------------------------


def test_events_ics_holds_only_published_events_with_time_zone(sample_copy: Path) -> None:
    library = load_library(sample_copy)
    cal = icalendar.Calendar.from_ical(public_events(library, NOW))
    events = list(cal.walk("VEVENT"))
    live_events = [p for p in library.live_posts(NOW) if p.event]
    assert len(events) == len(live_events) == 9
    summaries = {str(e["SUMMARY"]) for e in events}
    assert not any("聖誕" in s for s in summaries)  # the Christmas party post is scheduled for 12-01
    exhibition = next(e for e in events if "老照片展" in str(e["SUMMARY"]))
    assert exhibition.decoded("DTSTART") == datetime(2026, 12, 1, 9, 0, tzinfo=TPE)
    assert exhibition["DTSTART"].params["TZID"] == "Asia/Taipei"
    assert list(cal.walk("VTIMEZONE"))[0]["TZID"] == "Asia/Taipei"
    # Stable UIDs: the same post keeps its UID when edited; later builds add, never rename.
    later = icalendar.Calendar.from_ical(public_events(library, NOW + timedelta(days=10)))
    uids_now = {str(e["UID"]) for e in events}
    uids_later = {str(e["UID"]) for e in later.walk("VEVENT")}
    assert uids_now < uids_later and len(uids_now) == len(set(uids_now))


def test_staff_calendar_ics_and_cli(tmp_path: Path) -> None:
    out = tmp_path / "staff.ics"
    result = run_cli("calendar", "--now", "2026-11-26 12:00", "--ics", str(out), cwd=REPO)
    assert result.returncode == 0, result.stderr
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = list(cal.walk("VEVENT"))
    library = load_library(REPO)
    assert len(events) == len(library.calendar) == 41
    assert len({str(e["UID"]) for e in events}) == 41
    missed = [e for e in events if str(e["SUMMARY"]).startswith("[missed]")]
    assert {e.decoded("DTSTART").isoformat() for e in missed} == {"2026-11-21", "2026-11-23"}
    assert staff_calendar(library, NOW) == staff_calendar(library, NOW)  # reproducible


# --- the public site ---------------------------------------------------------------------


@pytest.mark.xdist_group("engine")
def test_site_partners_and_events_pages_and_no_internal_registers(sample_site: Path) -> None:
    out = sample_site
    partners = (out / "partners/index.html").read_text("utf-8")
    assert "晴川市立博物館" in partners and "河岸書店" in partners and "晴川市政府文化局" in partners
    assert "晴川高中圖書館社" not in partners  # a prospect, and not public
    assert "posts/old-qingchuan-photo-exhibition/" in partners
    assert "education@museum.example.org" not in partners and "教育推廣組" not in partners
    events = (out / "events/index.html").read_text("utf-8")
    assert 'href="../events.ics"' in events and "河岸書店冬季讀書會" in events
    assert (out / "events.ics").is_file()
    everything = "\n".join(
        p.read_text("utf-8", errors="replace")
        for p in out.rglob("*")
        if p.suffix in {".html", ".xml", ".json", ".ics"}
    )
    for internal in (
        "平台政策變動",
        "預算超支",
        "數據分析工具訂閱",
        "lin-yawen-qc",
        "shuhui-wang",
        "活動預告改在活動前兩週發布",
        "SHELFPOST_MASTODON_TOKEN",
        "library-club@school",
    ):
        assert internal not in everything, internal


def test_status_warns_when_the_last_publish_run_is_late(plan_lib: Lib) -> None:
    from shelfpost.library.runs import last_publish_warning, record_publish_run

    assert last_publish_warning(plan_lib.root, NOW) is None  # never published: nothing to be late with
    record_publish_run(plan_lib.root, NOW - timedelta(minutes=20), run="42")
    assert last_publish_warning(plan_lib.root, NOW) is None
    record_publish_run(plan_lib.root, NOW - timedelta(hours=5), run="43")
    result = run_cli(
        "status", "--month", "2026-11", "--now", "2026-11-26 12:00", "--format", "json", cwd=plan_lib.root
    )
    (warning,) = json.loads(result.stdout)["warnings"]["publish_runs"]
    assert warning.startswith("the last successful publish run was 5 hours ago (2026-11-25 23:00 UTC)")


def test_a_publish_run_records_that_it_ran(plan_lib: Lib) -> None:
    result = run_cli("publish", "--now", "2026-11-26 12:00", cwd=plan_lib.root)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (plan_lib.root / "data/runs/last-publish.yml").read_text("utf-8")
    assert "2026-11-26T04:00:00" in text


def test_each_events_file_has_icalendars_own_vtimezone_computed_once(sample_copy: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The zone is computed once per process (it is ~30 ms a calendar), and an event post's
    own file serialises it once too, with the same bytes as icalendar's own
    ``add_missing_timezones`` (each post's file: the test after this one)."""
    from shelfpost.site import ical

    library = load_library(sample_copy)
    events = [p for p in library.posts if p.event][:3]
    ical._vtimezone.cache_clear()
    ical._vtimezone_bytes.cache_clear()
    ours = [ical.post_event(library, p) for p in events] + [public_events(library, NOW)]
    assert ical._vtimezone.cache_info().misses == 1 and ical._vtimezone_bytes.cache_info().misses == 1
    assert ical._vtimezone_bytes.cache_info().hits == len(events) - 1
    monkeypatch.setattr(ical, "_add_missing_timezones", lambda cal: cal.add_missing_timezones())
    assert ours[-1] == public_events(library, NOW)
    assert all(b"BEGIN:VTIMEZONE\r\nTZID:Asia/Taipei" in one for one in ours)


@pytest.mark.parametrize("zone", ["Asia/Taipei", "America/New_York", "UTC"])
def test_an_event_posts_own_file_is_what_icalendar_writes(tmp_path: Path, zone: str) -> None:
    # post_event serialises the library's VTIMEZONE once per process and splices it in:
    # the bytes must be icalendar's own, in the sample's zone and in others.
    copy_sample(root := tmp_path / "library")
    config = root / "shelfpost.yml"
    config.write_text(
        config.read_text("utf-8").replace("timezone: Asia/Taipei", f"timezone: {zone}"), "utf-8"
    )
    library = load_library(root)
    assert library.config is not None and library.config.timezone_name == zone
    events = [p for p in library.posts if p.event]
    assert len(events) >= 9
    for post in events:
        cal = icalendar.Calendar()
        for name, value in (
            ("prodid", PRODID),
            ("version", "2.0"),
            ("calscale", "GREGORIAN"),
            ("x-wr-calname", post.title),
            ("x-wr-timezone", zone),
            ("method", "PUBLISH"),
        ):
            cal.add(name, value)
        cal.add_component(ical_event(library, post))
        cal.add_missing_timezones()
        assert post_event(library, post) == cal.to_ical(), post.path
    own = icalendar.Calendar.from_ical(post_event(library, events[0]))
    assert [str(tz["TZID"]) for tz in own.walk("VTIMEZONE")] == ([] if zone == "UTC" else [zone])
