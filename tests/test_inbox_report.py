"""The month's numbers from the store (`shelfpost inbox`, `status`), `inbox mark`,
the hand-entered counts, and bad input: every number is counted here from the
files themselves, by the rules in the README."""

from __future__ import annotations

import csv
import json
import math
import shutil
import statistics
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE_NOW, Lib, copy_sample, run_cli

ITEM = "a" * 64


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def count(rows: list[dict[str, str]]) -> dict[str, object]:
    answered = [r for r in rows if r["state"] in ("answered", "answered-elsewhere")]
    excluded = [r for r in rows if r["state"] in ("no-reply-needed", "moderated", "spam")]

    def t(text: str) -> datetime:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    times = sorted(
        int((t(r["answered"]) - t(r["received"])).total_seconds()) for r in rows if r["state"] == "answered"
    )
    return {
        "received": len(rows),
        "answered": len(answered),
        "excluded": len(excluded),
        "reply_rate": round(len(answered) / (len(rows) - len(excluded)), 3),
        "median_response_s": round(statistics.median(times)),
        "p90_response_s": times[math.ceil(0.9 * len(times)) - 1],
    }


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    dest = tmp_path / "library"
    copy_sample(dest)
    return dest


def test_sample_status_shows_the_reply_rate_and_response_time(sample: Path) -> None:
    rows = csv_rows(sample / "data/interactions/2026-11.csv")
    assert len(rows) > 40
    now = SAMPLE_NOW.isoformat()
    report = run_cli("inbox", "--month", "2026-11", "--now", now, "--format", "json", cwd=sample)
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    for channel in ("mastodon", "bluesky"):
        mine = [r for r in rows if r["channel"] == channel]
        got = {k: v for k, v in data["channels"][channel].items() if k != "open"}
        assert got == count(mine), channel
    # Facebook's counts come from data/interactions/manual/2026-11.yml.
    assert data["channels"]["facebook"] == {
        "received": 41,
        "answered": 38,
        "excluded": 2,
        "reply_rate": round(38 / 39, 3),
        "median_response_s": 19800,
        "p90_response_s": None,
        "open": 1,
    }
    total = data["total"]
    assert total["received"] == len(rows) + 41
    status = run_cli("status", "--month", "2026-11", "--now", now, "--format", "json", cwd=sample)
    targets = {r["key"]: r for r in json.loads(status.stdout)["targets"]}
    assert targets["reply_rate"]["actual"] == total["reply_rate"]
    assert targets["reply_rate"]["target"] == 0.9 and targets["reply_rate"]["mark"] == "met"
    assert targets["response_hours"]["actual"] == round(total["median_response_s"] / 3600, 1)
    assert targets["response_hours"]["target"] == 24
    screen = run_cli("status", "--month", "2026-11", "--now", now, cwd=sample)
    assert f"{total['reply_rate']:.1%}" in screen.stdout
    late = [i for i in data["open_items"] if i["late"]]
    assert late and all(i["item"] in screen.stdout for i in late)


def test_mark_excludes_an_item_and_sync_state_is_shown(sample: Path) -> None:
    now = SAMPLE_NOW.isoformat()
    data = json.loads(run_cli("inbox", "--now", now, "--open", "--format", "json", cwd=sample).stdout)
    full = json.loads(run_cli("inbox", "--now", now, "--format", "json", cwd=sample).stdout)
    late = next(i for i in data["open_items"] if i["late"])
    done = run_cli("inbox", "mark", late["item"], "--state", "spam", cwd=sample)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{late['item']}: spam")
    after = json.loads(run_cli("inbox", "--now", now, "--format", "json", cwd=sample).stdout)
    assert late["item"] not in [i["item"] for i in after["open_items"]]
    assert after["total"]["excluded"] == full["total"]["excluded"] + 1
    assert after["total"]["reply_rate"] > full["total"]["reply_rate"]
    bad = run_cli("inbox", "mark", "zz", "--state", "spam", cwd=sample)
    assert bad.returncode == 1 and "'zz' is not an item" in bad.stderr
    missing = run_cli("inbox", "mark", "abcdef123456", "--state", "spam", cwd=sample)
    assert missing.returncode == 1 and "no inbox item abcdef123456" in missing.stderr
    # A sync that failed, then one long ago: status says so.
    sync = sample / "data/interactions/sync.yml"
    sync.write_text(sync.read_text().replace("last_error: null", "last_error: rate limited (429)", 1))
    status = run_cli("status", "--now", now, "--format", "json", cwd=sample)
    warnings = json.loads(status.stdout)["warnings"]["inbox"]
    assert any("the last inbox sync failed (rate limited (429))" in w for w in warnings)
    late_status = run_cli("status", "--now", "2026-11-28T12:30", "--format", "json", cwd=sample)
    assert any("succeeded 49 hours ago" in w for w in json.loads(late_status.stdout)["warnings"]["inbox"])


def test_manual_counts_are_checked(lib: Lib) -> None:
    lib.write(
        "plan/channels.yml",
        "channels:\n  facebook: {kind: manual, name: Facebook}\n  mastodon:\n    kind: mastodon\n"
        "    name: Mastodon\n    instance: https://m.example\n",
    )
    lib.write(
        "data/interactions/manual/2026-11.yml",
        "channels:\n  facebook: {received: 10, answered: 12}\n  mastodon: {received: 1, answered: 1}\n"
        "  facebok: {received: 1, answered: 1}\n",
    )
    lib.write("data/interactions/manual/november.yml", "channels: {}\n")
    lib.write("data/interactions/manual/2026-12.yml", "channels:\n  facebook: {received: -1, answered: x}\n")
    done = run_cli("check", cwd=lib.root)
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "data/interactions/manual/2026-11.yml:2:" in out and "more than received (10)" in out
    assert "mastodon is a mastodon channel: `shelfpost inbox sync` counts it" in out
    assert "'facebok' is not a channel of plan/channels.yml" in out
    assert (
        "data/interactions/manual/november.yml:1:1: error: manual inbox counts are named YYYY-MM.yml" in out
    )
    assert "data/interactions/manual/2026-12.yml:2:" in out


def test_a_damaged_month_file_names_the_line(sample: Path) -> None:
    path = sample / "data/interactions/2026-11.csv"
    lines = path.read_text().splitlines()
    lines[3] = "not,a,row"
    path.write_text("\n".join(lines) + "\n")
    done = run_cli("inbox", "--month", "2026-11", "--now", SAMPLE_NOW.isoformat(), cwd=sample)
    assert done.returncode == 1
    assert "data/interactions/2026-11.csv:4: not an inbox row" in done.stderr
    # status goes on, with the damage as a warning
    status = run_cli(
        "status", "--month", "2026-11", "--now", SAMPLE_NOW.isoformat(), "--format", "json", cwd=sample
    )
    assert status.returncode in (0, 1)
    assert any("2026-11.csv:4" in w for w in json.loads(status.stdout)["warnings"]["inbox"])


def test_the_sample_data_is_what_the_script_makes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copyfile(REPO / "scripts/make_sample_inbox.py", root / "scripts/make_sample_inbox.py")
    import subprocess
    import sys

    subprocess.run([sys.executable, str(root / "scripts/make_sample_inbox.py")], check=True)
    for rel in ("2026-11.csv", "sync.yml", "manual/2026-11.yml"):
        made = (root / "data/interactions" / rel).read_bytes()
        assert made == (REPO / "data/interactions" / rel).read_bytes(), rel
