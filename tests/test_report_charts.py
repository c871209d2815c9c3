"""The reports' charts and the Friday agenda's numbers (issue 16).

The monthly and quarterly reports word each chart in their Markdown (a sentence and a
table: the issue needs no picture) and draw it in their HTML and PDF (an SVG ``data:``
URI, glyphs as paths). The agenda shows each of last week's posts with its numbers,
the same as ``metrics --format json``; a month that has not begun is not "behind".
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from conftest import copy_sample, run_cli
from shelfpost import load_library
from shelfpost.library.dates import Month
from shelfpost.reports import documents, figures, render

NOW = "2026-11-30T17:00:00+08:00"
AT = datetime.fromisoformat(NOW)
CHARTS = ("followers", "engagement", "reply-rate", "csat")
SVG_URI = re.compile(
    r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" width="800" height="450" alt="([^"]+)">'
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("charts") / "library"
    copy_sample(root)
    return root


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--root", str(root), cwd=root)


@pytest.fixture(scope="module")
def written(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    done = cli(sample, "report", "monthly", "--now", NOW, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "charts are not drawn" not in done.stderr
    return out


def section(markdown: str, heading: str) -> str:
    return markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_markdown_words_every_chart_with_its_numbers(sample: Path) -> None:
    md = cli(sample, "report", "monthly", "--now", NOW).stdout
    charts = section(md, "Charts")
    assert [m for m in re.findall(r"<!-- shelfpost:chart=([a-z-]+) -->", charts)] == list(CHARTS)
    # each marker is followed by its sentence and its table: the issue needs no picture
    assert "Followers per channel: Bluesky from 2026-09-01: 189 to 2026-11-30: 269 (+80)" in charts
    assert "| 2026-W42 | 16.0% | 8.6% | 8.1% |" in charts  # a row per week: it fits the page
    assert "Reply rate by month: 2026-09 no data, 2026-10 no data, 2026-11 95.7%" in charts
    assert "| 回覆率 Reply rate | - | - | 95.7% |" in charts
    # the three months end with the report's month
    october = section(cli(sample, "report", "monthly", "--month", "2026-10", "--now", NOW).stdout, "Charts")
    assert "to 2026-10-31:" in october and "2026-11-30" not in october


def test_the_charts_numbers_equal_status_and_metrics_json(sample: Path) -> None:
    md = cli(sample, "report", "monthly", "--now", NOW).stdout
    charts = section(md, "Charts")
    status = json.loads(cli(sample, "status", "--month", "2026-11", "--format", "json", "--now", NOW).stdout)
    rate = next(r["actual"] for r in status["targets"] if r["key"] == "reply_rate")
    assert f"2026-11 {rate * 100:.1f}%;" in charts
    metrics = json.loads(cli(sample, "metrics", "--month", "2026-11", "--format", "json").stdout)
    for cid, name in (("mastodon", "Mastodon"), ("bluesky", "Bluesky")):
        assert f"| {name} | 2026-09-01: " in charts
        assert (
            f"| 2026-11-30: {metrics['channels'][cid]['followers_end']} |" in charts.split(f"| {name} |")[1]
        )


def test_the_html_draws_each_chart_before_its_words(written: Path) -> None:
    html = (written / "monthly-2026-11.html").read_text(encoding="utf-8")
    found = SVG_URI.findall(html)
    assert len(found) == len(CHARTS)
    for (data, alt), title in zip(
        found, ("追蹤人數 Followers", "每週互動率", "每月回覆率", "滿意度"), strict=True
    ):
        svg = base64.b64decode(data).decode("utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert "<text" not in svg  # glyphs as paths: Chinese shows without the font
        assert alt.startswith(title) and alt.endswith("the numbers follow in words and in a table")
    # the picture comes first, then its words: the sentence and the table
    after = html.split('alt="追蹤人數 Followers', 1)[1]
    assert after.index("Followers per channel:") < after.index("<table>") < after.index("<h3")
    assert "shelfpost:chart=" not in html  # every marker became its chart


def test_the_pdf_prints_the_charts(written: Path, sample: Path, tmp_path: Path) -> None:
    assert shutil.which("pdftotext"), "poppler-utils is missing: run `make pdf-tools`"
    pdf = written / "monthly-2026-11.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Engagement rate by week and post type, 2026-W36 to 2026-W48" in text
    # the same report without pictures is shorter by the charts' room on the page
    library = load_library(sample)
    report = documents.monthly(library, Month(2026, 11), AT)
    bare = render.to_pdf(render.to_html(library, report, None, "no font"), sample)

    def pages(data: bytes) -> int:
        info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout
        return int(re.search(rb"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]

    assert pages(pdf.read_bytes()) >= pages(bare) + 2


def test_without_a_font_the_report_says_the_charts_are_not_drawn(sample: Path, tmp_path: Path) -> None:
    library = load_library(sample)
    report = documents.monthly(library, Month(2026, 11), AT)
    drawn = figures.pictures(report.charts, [tmp_path])  # a folder without the CJK font
    assert isinstance(drawn, str) and "no CJK font found" in drawn
    html = render.to_html(library, report, None, drawn)
    assert html.count("<p><em>The chart is not drawn: no CJK font found") == len(CHARTS)
    assert "data:image/svg" not in html
    assert "Followers per channel:" in html  # the words stay


def test_the_agendas_post_numbers_equal_metrics_json(sample: Path) -> None:
    md = cli(sample, "report", "weekly", "--now", "2026-11-19T09:00:00+08:00").stdout
    rows = [
        [c.strip() for c in line.strip("|").split(" | ")]
        for line in section(md, "Last week's posts").splitlines()
        if line.startswith("| 2026-")
    ]
    assert len(rows) == 3
    metrics = json.loads(cli(sample, "metrics", "--month", "2026-11", "--format", "json").stdout)
    names = {"mastodon": "Mastodon", "bluesky": "Bluesky", "facebook": "Facebook 粉絲專頁"}
    for row in rows:
        title, numbers = row[1], row[4]
        mine = sorted((p for p in metrics["posts"] if p["title"] == title), key=lambda p: p["channel"])
        assert mine, title
        expected = "; ".join(
            f"{names[p['channel']]} {p['interactions']} interactions ({p['engagement_rate']:.1%})"
            for p in mine
        )
        assert numbers == expected


def test_a_month_not_begun_is_not_behind(sample: Path) -> None:
    md = cli(sample, "report", "weekly", "--now", NOW).stdout
    december = [line for line in md.splitlines() if line.startswith("- 2026-12 ")]
    assert december == [
        "- 2026-12 Posts published: 0 of 10 (… on track; begins 2026-12-01: 4 scheduled; 6 still to plan)",
        "- 2026-12 Original posts: 0 of 10 (… on track; begins 2026-12-01: 3 scheduled; 7 still to plan)",
    ]
    status = json.loads(cli(sample, "status", "--month", "2026-12", "--format", "json", "--now", NOW).stdout)
    marks = {r["key"]: r["mark"] for r in status["targets"]}
    assert marks["posts"] == marks["originals"] == "on-track"
    # once it has begun and ended short, it is behind
    later = json.loads(
        cli(
            sample, "status", "--month", "2026-12", "--format", "json", "--now", "2027-01-02T09:00:00+08:00"
        ).stdout
    )
    assert {r["key"]: r["mark"] for r in later["targets"]}["posts"] == "behind"


def test_an_agenda_without_posts_says_nothing_of_numbers(sample: Path) -> None:
    md = cli(sample, "report", "weekly", "--now", NOW).stdout
    assert section(md, "Last week's posts").strip() == "No post went live last week."
