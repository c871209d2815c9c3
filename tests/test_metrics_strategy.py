"""A strategy change cites a metric; `check` refuses one that does not exist for the
period, or a value the data does not give, with plan/strategy.yml:line:col; and
`metrics --format json` shows the sample library's growth, engagement and CSAT."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, copy_sample, run_cli

ENTRY = """\
changes:
  - date: 2026-10-28
    change: 資源推薦貼文一律附上借閱連結。
    evidence: 10 月 Facebook 互動率。
    owner: chen-jianhong
    metric: {{name: {name}, channel: {channel}, period: {period}{value}}}
"""


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    copy_sample(root)
    shutil.copytree(REPO / "data/metrics", root / "data/metrics", dirs_exist_ok=True)
    return root


def strategy(root: Path, name: str, channel: str, period: str, value: str = "") -> None:
    text = ENTRY.format(name=name, channel=channel, period=period, value=f", value: {value}" if value else "")
    (root / "plan/strategy.yml").write_text(text, encoding="utf-8")


def test_the_sample_strategy_cites_data_that_exists(sample: Path) -> None:
    done = run_cli("check", cwd=sample)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_metric_without_data_for_its_period_is_refused_with_path_and_line(sample: Path) -> None:
    strategy(sample, "engagement_rate", "mastodon", "2026-07")
    done = run_cli("check", cwd=sample)
    assert done.returncode == 1
    assert (
        "plan/strategy.yml:6:13: error: metric: engagement_rate of mastodon does not exist for 2026-07 "
        "(no data in data/metrics/ for that period): cite a period that has data"
    ) in done.stdout


def test_a_value_the_data_does_not_give_is_refused(sample: Path) -> None:
    strategy(sample, "follower_growth", "mastodon", "2026-10", "40")
    done = run_cli("check", cwd=sample)
    assert done.returncode == 1
    assert (
        "plan/strategy.yml:6:13: error: metric: follower_growth of mastodon for 2026-10 is 27 in data/metrics/, not 40"
        in done.stdout
    )
    strategy(sample, "follower_growth", "mastodon", "2026-10", "27")
    assert run_cli("check", cwd=sample).returncode == 0
    strategy(sample, "csat", "mastodon", "2026-Q2")  # no survey answers before September
    assert "metric: csat of mastodon does not exist for 2026-Q2" in run_cli("check", cwd=sample).stdout


def test_metrics_json_for_the_sample_library(sample: Path) -> None:
    done = run_cli("metrics", "--month", "2026-11", "--format", "json", cwd=sample)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    masto = data["channels"]["mastodon"]
    assert (masto["followers_start"], masto["followers_end"], masto["growth"]) == (464, 489, 25)
    assert masto["reach"] == "not available" and masto["basis"] == "followers"
    assert data["channels"]["facebook"]["basis"] == "reach"
    assert data["total"]["posts"] == 29
    assert set(data["by_type"]) == {"event", "news", "resource"}
    assert data["co_promoted"]["with_partner"]["posts"] == 5
    assert data["best"][0]["engagement_rate"] >= data["best"][-1]["engagement_rate"]
    assert data["worst"][0]["engagement_rate"] <= data["worst"][-1]["engagement_rate"]
    csat = data["csat"]["reader-satisfaction"]
    assert (csat["responses"], csat["satisfied"]) == (65, 48)
    assert csat["against_baseline"]["change"] == pytest.approx(0.1133, abs=1e-3)
    assert csat["against_baseline"]["within_noise"] is True  # 58 and 127 answers: not yet a sure rise
    strategy_rows = data["strategy"]
    assert strategy_rows[0]["before"] == {"period": "2026-10", "value": pytest.approx(0.0891, abs=1e-4)}


def test_status_shows_growth_and_csat_against_their_targets(sample: Path) -> None:
    done = run_cli(
        "status", "--month", "2026-11", "--now", "2026-11-30T20:00:00+08:00", "--format", "json", cwd=sample
    )
    assert done.returncode in (0, 1), done.stderr
    rows = {r["key"]: r for r in json.loads(done.stdout)["targets"]}
    growth = rows["follower_growth"]
    assert (growth["actual"], growth["target"], growth["mark"]) == (0.0454, 0.02, "met")
    assert growth["note"] == "+4.5%: bluesky +30, facebook +48, mastodon +25"
    sat = rows["satisfaction"]
    assert sat["actual"] == pytest.approx(0.1131, abs=1e-4) and sat["mark"] == "on-track"
    assert "(n=127) against 2026-Q3 60.3% (n=58)" in sat["note"] and sat["note"].endswith("within the noise")
    text = run_cli("status", "--month", "2026-11", "--now", "2026-11-30T20:00:00+08:00", cwd=sample)
    assert "+4.5%" in text.stdout and "+11.3 points" in text.stdout


def test_the_text_report_and_an_empty_period(sample: Path) -> None:
    done = run_cli("metrics", "--month", "2026-11", cwd=sample)
    assert done.returncode == 0, done.stderr
    assert "mastodon     followers 464 -> 489  growth +25 (5.4%)" in done.stdout
    assert "reach not available" in done.stdout
    assert "CSAT reader-satisfaction: 73.9% (n=65, 95% 62.1%-83.0%)" in done.stdout
    assert "within the noise" in done.stdout
    assert "Strategy change 2026-10-28: engagement_rate of facebook 2026-10 0.0891 -> 2026-11" in done.stdout
    empty = run_cli("metrics", "--month", "2026-01", cwd=sample)
    assert empty.returncode == 0, empty.stderr
    assert "no metrics for this period yet" in empty.stdout
    assert "CSAT reader-satisfaction: - (n=0" in empty.stdout
    bad = run_cli("metrics", "--week", "2026-W60", cwd=sample)
    assert bad.returncode == 2 and "is not a period" in bad.stderr
