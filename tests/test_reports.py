"""The reports of the sample library: golden Markdown at a fixed --now, every number of
the monthly report equal to `status --format json`, the PDF read back with pdftotext,
posting to a GitHub API server on 127.0.0.1 (one issue, edited once), and bad input.

Regenerate the golden files with ``SHELFPOST_REGOLD=1 pytest tests/test_reports.py``
and review the diff; ``SHELFPOST_REPORT_PNG=docs/reports`` also writes the PNG of the
monthly PDF's first page shown in the README.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, Lib, copy_sample, run_cli
from github_api import GitHubAPI

GOLDEN = REPO / "tests/fixtures/reports"
NOW = "2026-11-30T17:00:00+08:00"  # the month's last day, when the monthly report is written
REPORTS = {
    "weekly": ["report", "weekly"],
    "monthly": ["report", "monthly"],
    "quarterly": ["report", "quarterly"],
    "partner": ["report", "partner", "qingchuan-museum"],
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports") / "library"
    copy_sample(root)
    return root


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SHELFPOST_"))}
    return run_cli(*args, "--root", str(root), cwd=root, env={**base, **(env or {})})


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_golden_markdown_of_the_sample(sample: Path, name: str) -> None:
    result = cli(sample, *REPORTS[name], "--now", NOW)
    assert result.returncode == 0, result.stderr
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("SHELFPOST_REGOLD"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def table_rows(markdown: str, heading: str) -> list[list[str]]:
    section = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split(" | ")] for row in rows[2:]]


def shown(value: float | None, key: str) -> str:
    if value is None:
        return "no data"
    return f"{value:.0%}" if key in ("reply_rate", "satisfaction", "follower_growth") else f"{value:g}"


@pytest.mark.parametrize("month", ["2026-09", "2026-10", "2026-11"])
def test_every_number_of_the_monthly_report_equals_status_json(sample: Path, month: str) -> None:
    report = cli(sample, "report", "monthly", "--month", month, "--now", NOW)
    status = cli(sample, "status", "--month", month, "--now", NOW, "--format", "json")
    assert report.returncode == 0 and status.returncode == 0, report.stderr + status.stderr
    data = json.loads(status.stdout)
    md = report.stdout
    tasks = table_rows(md, "The plan's five tasks")
    assert len(tasks) == len(data["targets"]) >= 8  # every target of status, inbox rows included
    by_label = {row[1]: row for row in tasks}
    for target in data["targets"]:
        row = by_label[target["label"]]
        assert row[2] == shown(target["actual"], target["key"]), target
        assert row[3] == shown(target["target"], target["key"]), target
    budget = table_rows(md, "Budget execution")
    assert len(budget) == len(data["budget"]) == 4
    for row, line in zip(budget, data["budget"], strict=True):
        assert row[0] == line["label"]
        assert row[1] == f"{line['amount']:,.0f} {line['currency']}"
        assert row[2] == f"{line['spent']:,.0f} {line['currency']}"
        assert row[3] == f"{line['share']:.0%}" and row[4] == f"{line['pace']:.0%}"
    # the warnings the report repeats are status's own words
    for warning in data["warnings"]["budget"] + data["warnings"]["risks_overdue"]:
        assert warning in md
    # every figure in the targets and budget tables came from status: nothing else is counted
    figures = {c for row in tasks + budget for c in row[2:5] if re.fullmatch(r"[\d,.%]+( TWD)?", c)}
    from_status = {shown(t[k], t["key"]) for t in data["targets"] for k in ("actual", "target")} | {
        figure for b in data["budget"] for figure in budget_figures(b)
    }
    assert figures <= from_status


def budget_figures(b: dict[str, Any]) -> set[str]:
    return {
        f"{b['amount']:,.0f} {b['currency']}",
        f"{b['spent']:,.0f} {b['currency']}",
        f"{b['share']:.0%}",
        f"{b['pace']:.0%}",
    }


def test_a_month_with_no_data_says_so_and_shows_no_zero_for_missing_sources(sample: Path) -> None:
    result = cli(sample, "report", "monthly", "--month", "2026-08", "--now", NOW)
    assert result.returncode == 0, result.stderr
    md = result.stdout
    assert "No post went live in 2026-08." in md
    assert "No risk was reviewed in 2026-08." in md
    reply = next(r for r in table_rows(md, "The plan's five tasks") if r[1] == "Reply rate")
    assert reply[2] == "no data" and "0%" not in reply
    assert "No interaction data for Mastodon, Bluesky, Facebook 粉絲專頁 in 2026-08" in md
    assert "(so far)" not in md


def test_a_month_not_begun_is_refused(sample: Path) -> None:
    result = cli(sample, "report", "monthly", "--month", "2027-03", "--now", NOW)
    assert result.returncode == 1
    assert "2027-03 has not begun (today is 2026-11-30)" in result.stderr
    bad = cli(sample, "report", "monthly", "--month", "2026-13", "--now", NOW)
    assert bad.returncode == 2 and "write YYYY-MM" in bad.stderr


def test_a_quarter_not_ended_is_evaluated_so_far(sample: Path) -> None:
    result = cli(sample, "report", "quarterly", "--quarter", "2026Q4", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "evaluation of 2026Q4 (so far)" in result.stdout
    assert "The quarter has not ended: this is the evaluation so far, as of 2026-11-30." in result.stdout
    ended = cli(sample, "report", "quarterly", "--quarter", "2026Q3", "--now", NOW)
    assert "so far" not in ended.stdout
    bad = cli(sample, "report", "quarterly", "--quarter", "2026Q5", "--now", NOW)
    assert bad.returncode == 2 and "write YYYYQN, e.g. 2026Q4" in bad.stderr


def test_a_week_spanning_two_months_looks_at_both(sample: Path) -> None:
    # The meeting of Friday 2026-10-02 looks back on 25 September to 2 October.
    result = cli(sample, "report", "weekly", "--now", "2026-10-01T09:00:00+08:00")
    assert result.returncode == 0, result.stderr
    md = result.stdout
    assert "team meeting 2026-10-02 10:00 (2026-W40)" in md
    assert "Looks back on 2026-09-25 10:00 to 2026-10-02 10:00" in md
    assert [row[0] for row in table_rows(md, "Last week's posts")] == ["2026-09-28", "2026-10-01"]
    # each month the week touches is measured against its own target
    assert "- 2026-09 Posts published: 11 of 10 (✓ met)" in md
    assert "- 2026-10 Posts published: 1 of 10 (… on track; 10 more scheduled this month)" in md
    # the meeting of 2026-11-27 plans 30 November to 6 December, in two calendar files
    later = cli(sample, "report", "weekly", "--now", "2026-11-26T09:00:00+08:00").stdout
    assert "plans 2026-11-30 to 2026-12-06" in later
    assert "- 2026-11 Posts published:" in later and "- 2026-12 Posts published:" in later


def test_an_unknown_partner_is_named_with_the_known_ids(sample: Path) -> None:
    result = cli(sample, "report", "partner", "no-such-partner", "--now", NOW)
    assert result.returncode == 1
    assert "no partner 'no-such-partner': the ids are the file names in partners/ (city-culture-bureau" in (
        result.stderr
    )


def test_a_partner_summary_holds_nothing_internal(sample: Path) -> None:
    md = cli(sample, "report", "partner", "qingchuan-museum", "--now", NOW).stdout
    partner = (sample / "partners/qingchuan-museum.yml").read_text(encoding="utf-8")
    for key in ("role", "channel"):
        found = re.search(rf"  {key}: (.+)", partner)
        assert found and found.group(1).strip() not in md, key
    assert "晴川市立博物館" in md and "老照片展" in md
    for internal in ("twd", "budget", "risk", "target", "last contact", "owner"):
        assert internal not in md.lower(), internal


# --- files: HTML and PDF ----------------------------------------------------------------


@pytest.fixture(scope="module")
def written(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = cli(sample, "report", "monthly", "--now", NOW, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # files, not the terminal
    return out


def test_pdf_holds_the_numbers_and_the_chinese(written: Path, sample: Path) -> None:
    assert shutil.which("pdftotext"), "poppler-utils is missing: run `make pdf-tools`"
    text = subprocess.run(
        ["pdftotext", "-layout", str(written / "monthly-2026-11.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "晴川市立圖書館: progress report for 2026-11 (so far)" in text
    assert "合作推廣活動" in text and "27,700 TWD" in text and "46%" in text
    fonts = subprocess.run(
        ["pdffonts", str(written / "monthly-2026-11.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto-Sans-CJK-TC " in fonts  # Debian's fonts-noto-cjk, embedded
    info = subprocess.run(
        ["pdfinfo", str(written / "monthly-2026-11.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    # tables fit the page: no text beyond the right margin on any page
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(written / "monthly-2026-11.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes))
    assert right < 595.276 - 30, right
    png = os.environ.get("SHELFPOST_REPORT_PNG")
    if png:  # the README's pictures: the first page, and the first page with the charts
        pdf = written / "monthly-2026-11.pdf"
        pages = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        )
        charts = next(i for i, page in enumerate(pages.stdout.split("\f"), 1) if "Charts" in page)
        Path(png).mkdir(parents=True, exist_ok=True)
        for page, name in ((1, "monthly-report"), (charts, "monthly-report-charts")):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf)]
                + [str(Path(png) / name)],
                check=True,
            )


def test_html_is_self_contained_in_the_librarys_language(written: Path) -> None:
    html = (written / "monthly-2026-11.html").read_text(encoding="utf-8")
    assert '<html lang="zh-TW">' in html
    assert "<title>晴川市立圖書館: progress report for 2026-11 (so far)</title>" in html
    assert re.findall(r'(?:src|href)="(?!data:)([^"#]+)"', html) == []  # nothing loaded from elsewhere
    assert '<img src="data:image/png;base64,' in html and 'alt="晴川市立圖書館"' in html


def test_a_library_template_overrides_the_packaged_one(tmp_path: Path) -> None:
    root = tmp_path / "library"
    copy_sample(root)
    (root / "templates/reports").mkdir(parents=True)
    (root / "templates/reports/partner.md.j2").write_text(
        "# {{ partner }} 感謝合作 {{ posts | length }}\n", encoding="utf-8"
    )
    md = cli(root, "report", "partner", "qingchuan-museum", "--now", NOW).stdout
    assert md.startswith("# 晴川市立博物館 感謝合作 3\n")


# --- posting: a GitHub API server on 127.0.0.1 ------------------------------------------


def gh_env(github: GitHubAPI) -> dict[str, str]:
    """reports.yml's GITHUB_TOKEN: ``permissions: {contents: read, issues: write}``."""
    github.token("report-token", "github-actions[bot]", "contents: read", "issues: write")
    return github.env("report-token")


def writes(github: GitHubAPI) -> list[tuple[str, str]]:
    return [c for c in github.requests if c[0] in ("POST", "PATCH")]


def test_posting_twice_opens_one_issue_and_edits_it_only_when_it_changed(
    tmp_path: Path, github: GitHubAPI
) -> None:
    root = tmp_path / "library"
    copy_sample(root)
    env = gh_env(github)
    first = cli(root, "report", "monthly", "--now", NOW, "--post", env=env)
    assert first.returncode == 0, first.stderr
    assert "created issue #1" in first.stderr
    again = cli(root, "report", "monthly", "--now", NOW, "--post", env=env)
    assert "unchanged issue #1" in again.stderr
    assert writes(github) == [("POST", "/api/v3/repos/library/site/issues")]
    # a new payment changes the report: the same issue is edited, once
    budget = root / "plan/budget.yml"
    budget.write_text(
        budget.read_text(encoding="utf-8")
        + "  - {date: 2026-11-28, line: training, amount: 2000, note: 攝影課}\n",
        encoding="utf-8",
    )
    edited = cli(root, "report", "monthly", "--now", NOW, "--post", env=env)
    assert "edited issue #1" in edited.stderr
    cli(root, "report", "monthly", "--now", NOW, "--post", env=env)
    assert len(github.issues) == 1
    assert writes(github) == [
        ("POST", "/api/v3/repos/library/site/issues"),
        ("PATCH", "/api/v3/repos/library/site/issues/1"),
    ]
    issue = github.issues[1]
    assert "<!-- shelfpost:report=monthly:2026-11 -->" in issue["body"]
    assert "6,000 TWD" in issue["body"]  # training: 4,000 + 2,000
    assert {lbl["name"] for lbl in issue["labels"]} == {"shelfpost-report", "report:monthly"}
    # listed by label, never searched
    assert not any("/search/" in path for _, path in github.requests)


def test_weekly_agenda_is_assigned_to_the_lead_links_last_week_and_carries_open_items(
    tmp_path: Path, github: GitHubAPI
) -> None:
    root = tmp_path / "library"
    copy_sample(root)
    env = gh_env(github)
    first = cli(root, "report", "weekly", "--now", "2026-11-20T08:00:00+08:00", "--post", env=env)
    assert first.returncode == 0, first.stderr
    last_week = github.issues[1]
    assert [a["login"] for a in last_week["assignees"]] == ["lin-yawen-qc"]
    # the team writes its action items into last week's issue and ticks one
    last_week["body"] = last_week["body"].replace(
        "No open action item from last week.",
        "- [x] 聯絡河岸書店\n- [ ] 補上 11/21 的書單貼文\n- [ ] Ask the museum for photos",
    )
    second = cli(root, "report", "weekly", "--now", "2026-11-27T08:00:00+08:00", "--post", env=env)
    assert second.returncode == 0, second.stderr
    body = github.issues[2]["body"]
    assert f"Last week's agenda: {last_week['html_url']}" in body
    items = body.split("## Action items", 1)[1]
    assert "- [ ] 補上 11/21 的書單貼文" in items and "- [ ] Ask the museum for photos" in items
    assert "聯絡河岸書店" not in items


def test_posting_without_a_token_says_what_to_set(sample: Path) -> None:
    result = cli(sample, "report", "monthly", "--now", NOW, "--post", "--repo", "library/site")
    assert result.returncode == 1
    assert "GITHUB_TOKEN is not set" in result.stderr and "issues: write" in result.stderr


def test_if_due_writes_only_on_the_periods_last_day(sample: Path) -> None:
    early = cli(sample, "report", "monthly", "--if-due", "--now", "2026-11-29T17:00:00+08:00")
    assert early.returncode == 0 and early.stdout == ""
    assert "2026-11-29 is not the last day of 2026-11" in early.stderr
    due = cli(sample, "report", "monthly", "--if-due", "--now", NOW)
    assert due.stdout.startswith("# 晴川市立圖書館: progress report for 2026-11")
    quarter = cli(sample, "report", "quarterly", "--if-due", "--now", NOW)
    assert quarter.stdout == "" and "not the last day of 2026Q4" in quarter.stderr


def test_schedule_is_computed_from_the_time_zone(lib: Lib) -> None:
    from shelfpost import load_library
    from shelfpost.reports.schedule import crons

    taipei = crons(load_library(REPO))
    assert taipei == [("weekly", "0 0 * * 5"), ("month-end", "0 9 28-31 * *")]
    ny = Lib(lib.root.parent / "ny", tz="America/New_York")
    assert crons(load_library(ny.root)) == [
        ("weekly", "0 13 * * 5"),
        ("weekly", "0 12 * * 5"),
        ("month-end", "0 22 28-31 * *"),
        ("month-end", "0 21 28-31 * *"),
    ]
    auckland = Lib(lib.root.parent / "akl", tz="Pacific/Auckland")
    lines = dict(crons(load_library(auckland.root)))
    assert lines["weekly"].endswith("* * 4")  # Friday 08:00 in Auckland is Thursday in UTC


# --- the workflow -----------------------------------------------------------------------

WORKFLOW = REPO / ".github/workflows/reports.yml"


def workflow() -> dict[str, Any]:
    data = yaml.load(WORKFLOW.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert isinstance(data, dict)
    return data


def test_workflow_crons_come_from_the_time_zone_and_the_token_writes_issues_only() -> None:
    from shelfpost import load_library
    from shelfpost.reports.schedule import crons

    data = workflow()
    expected = crons(load_library(REPO))
    assert [c["cron"] for c in data["on"]["schedule"]] == [line for _, line in expected]
    text = WORKFLOW.read_text(encoding="utf-8")
    for name, line in expected:
        assert f'- cron: "{line}"  # {name}' in text
    jobs = data["jobs"]
    assert (
        jobs["weekly"]["if"]
        == f"${{{{ github.event.schedule == '{expected[0][1]}' || inputs.report == 'weekly' }}}}"
    )
    assert expected[1][1] in jobs["month-end"]["if"]
    assert data["permissions"] == {"contents": "read"}
    for job in jobs.values():
        assert job["permissions"] == {"contents": "read", "issues": "write"}
    assert data["concurrency"] == {"group": "reports", "cancel-in-progress": "false"}


def step_script(job: str) -> str:
    steps = workflow()["jobs"][job]["steps"]
    return str(next(s["run"] for s in steps if "shelfpost report" in s.get("run", "")))


def run_step(
    job: str, root: Path, github: GitHubAPI, now: str, out: Path
) -> subprocess.CompletedProcess[str]:
    """The workflow step's own script, run by bash as the runner would, with its env."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/root"),
        "NOW": now,
        "OUT": str(out),
        "GITHUB_REPOSITORY": "library/site",
        **gh_env(github),
    }
    return subprocess.run(
        ["bash", "-e", "-c", step_script(job)], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_workflow_steps_post_every_report_idempotently(tmp_path: Path, github: GitHubAPI) -> None:
    root = tmp_path / "library"
    copy_sample(root)
    out = tmp_path / "out"
    for _ in range(2):
        weekly = run_step("weekly", root, github, "2026-11-27T00:00:00Z", out)
        assert weekly.returncode == 0, weekly.stderr
        month_end = run_step("month-end", root, github, "2026-12-31T09:00:00Z", out)
        assert month_end.returncode == 0, month_end.stderr
    markers = sorted(re.search(r"report=([^ ]+) -->", i["body"]).group(1) for i in github.issues.values())  # type: ignore[union-attr]
    assert markers == ["monthly:2026-12", "quarterly:2026Q4", "weekly:2026-W48"]
    assert [c for c in writes(github) if c[0] == "PATCH"] == []  # the second run changed nothing
    assert "unchanged issue" in month_end.stderr
    assert sorted(p.name for p in (out / "partners").iterdir()) == sorted(
        f"partner-{p.stem}-2026Q4.{ext}"
        for p in (root / "partners").glob("*.yml")
        for ext in ("html", "md", "pdf")
    )
    # a day that is not the month's last writes nothing
    github.requests.clear()
    quiet = run_step("month-end", root, github, "2026-12-29T09:00:00Z", tmp_path / "quiet")
    assert quiet.returncode == 0 and writes(github) == []


@pytest.mark.parametrize("month", ["2026-09", "2026-11"])
def test_the_monthly_reports_analytics_equal_metrics_json(sample: Path, month: str) -> None:
    report = cli(sample, "report", "monthly", "--month", month, "--now", NOW)
    metrics = cli(sample, "metrics", "--month", month, "--format", "json")
    assert report.returncode == 0 and metrics.returncode == 0, report.stderr + metrics.stderr
    data = json.loads(metrics.stdout)
    section = report.stdout.split("## Analytics\n", 1)[1].split("\n## ", 1)[0]
    lines = [line[2:] for line in section.splitlines() if line.startswith("- ")]
    assert data["channels"] and "No analytics" not in section
    for cid, c in data["channels"].items():
        line = next(x for x in lines if x.startswith(sample_channel_name(sample, cid) + ":"))
        assert f"followers {c['followers_start']} → {c['followers_end']}" in line
        assert f"({c['growth']:+d}, {c['growth_rate']:+.1%})" in line
        assert f"{c['posts']} post(s), {c['interactions']} interactions" in line
        assert f"engagement {c['engagement_rate']:.1%} of {c['basis']}" in line
    best = data["best"][0]
    assert f"Best post: {best['title']}" in section and f"engagement {best['engagement_rate']:.1%}" in section


def sample_channel_name(root: Path, cid: str) -> str:
    channels = yaml.safe_load((root / "plan/channels.yml").read_text("utf-8"))["channels"]
    return str(channels[cid]["name"])


@pytest.mark.browser
def test_the_reports_html_has_no_axe_violations(written: Path) -> None:
    """The HTML report as a reader opens it (it is mailed and printed): axe-core in Chromium."""
    import shutil

    from playwright.sync_api import Route, sync_playwright

    from test_a11y import GLYPHS_NOT_BOXES, node_tools
    from test_browser import ARGS, CHROMIUM

    assert shutil.which(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    outside: list[str] = []

    def route(r: Route) -> None:
        if r.request.url.startswith("data:") or r.request.url == "about:blank":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-TW")
        page.route("**/*", route)
        page.set_content((written / "monthly-2026-11.html").read_text(encoding="utf-8"), wait_until="load")
        assert page.evaluate(GLYPHS_NOT_BOXES) == [True, True], "Chinese renders as boxes: run `make browser`"
        # the logo and the four charts (SVG data: URIs) are decoded and drawn by the browser
        assert page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)") == [True] * 5
        page.add_script_tag(path=str(node_tools() / "axe-core/axe.min.js"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        browser.close()
    assert found == [], found
    assert outside == [], outside
