"""What `shelfpost publish` prints and how it exits, on the sample library (issue 11, item 8).

On a fresh clone the first dry run printed 94 "late" lines with UTC times and exited 0,
while --help said late means exit 1. Now: a summary first (what goes out, what is late,
what to do), times in the library's zone, late posts one line each, and one exit code
for the dry run and the real run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SAMPLE = ("shelfpost.yml", "mkdocs.yml", "content", "calendar", "plan", "partners", ".github")


def publish(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shelfpost.cli", "publish", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_")},  # no credentials
    )


def sample_copy(tmp_path: Path) -> Path:
    """The sample library as a fresh clone has it (no data/), where a real run may write."""
    root = tmp_path / "library"
    root.mkdir()
    for name in SAMPLE:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy2(src, root / name)
    assert not (root / "data").exists()
    return root


def test_the_first_dry_run_starts_with_a_summary_in_the_librarys_time(tmp_path: Path) -> None:
    root = sample_copy(tmp_path)
    result = publish(root, "--dry-run", "--now", "2026-11-25 10:30")
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Dry run at 2026-11-25 10:30 (Asia/Taipei; every time below is in this zone): "
        "nothing is sent and nothing is recorded.",
        "Would send: 3 items of 1 post (mastodon 1, bluesky 1, facebook 1).",
        "Late: 85 items of 32 posts, due 2026-09-01 09:00 to 2026-11-24 10:00, more than 24 hours "
        "behind schedule. Late posts are never sent on their own.",
    ]
    assert lines[3].startswith("  To send them: `shelfpost publish --allow-late`")
    assert "remove the channel from the post's `channels:`" in lines[4]
    assert lines[5] == "Exit code 1: something needs a person (late); the real run would exit the same way."
    assert result.returncode == 1  # late means 1, as --help says, in a dry run too
    # Late posts: one line per post (not per channel), due times in Taipei time, no UTC anywhere.
    at = lines.index("Late (not sent; due at, in Asia/Taipei):")
    late = lines[at + 1 :]
    assert len(late) == 32
    assert late[0] == "  2026-09-01 09:00  autumn-opening-hours  (mastodon, bluesky, facebook)"
    assert not re.search(r"\d\d:\d\dZ|T\d\d:\d\d:\d\dZ|UTC", result.stdout)
    # What would be sent comes before the late list, with its exact text and length.
    assert lines.index("dry-run          bluesky    winter-cookbooks") < at
    assert "    would send (56/300 graphemes)" in lines
    assert not (root / "data").exists()  # a dry run records nothing


def test_dry_and_real_runs_exit_alike_and_say_the_same(tmp_path: Path) -> None:
    root = sample_copy(tmp_path)
    # Nothing is due within the last 24 hours: every post is late, no platform is called.
    dry = publish(root, "--dry-run", "--now", "2026-11-27 12:00")
    real = publish(root, "--now", "2026-11-27 12:00")
    assert dry.returncode == real.returncode == 1, real.stdout + real.stderr
    assert (
        real.stdout.splitlines()[0]
        == "Publish run at 2026-11-27 12:00 (Asia/Taipei; every time below is in this zone)."
    )
    assert real.stdout.splitlines()[1] == "Sent: nothing."
    late = [line for line in real.stdout.splitlines() if line.startswith("Late: ")]
    assert late == [line for line in dry.stdout.splitlines() if line.startswith("Late: ")]
    assert late[0].startswith("Late: 88 items of 33 posts, due 2026-09-01 09:00 to 2026-11-25 10:00")
    # Before the first post is due, nothing needs a person: both exit 0.
    before = publish(root, "--dry-run", "--now", "2026-08-01 10:00")
    assert before.returncode == 0 and "Exit code 0: nothing needs a person." in before.stdout
    assert "Would send: nothing." in before.stdout
    assert publish(root, "--now", "2026-08-01 10:00").returncode == 0


def test_the_dry_run_keeps_to_max_like_the_real_run(tmp_path: Path) -> None:
    root = sample_copy(tmp_path)
    result = publish(root, "--dry-run", "--now", "2026-11-25 10:30", "--max", "1")
    lines = result.stdout.splitlines()
    assert "Would send: 1 item of 1 post (mastodon 1)." in lines
    assert "Waiting for the next run: 2 items (see below why)." in lines
    assert lines.count("    would wait: a run sends at most 1 (--max); the next run sends it") == 2
    assert result.returncode == 1


def test_help_documents_the_exit_codes() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "shelfpost.cli", "publish", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(out.split())
    assert "Exit codes, the same for a dry run and a real one: 0 when nothing needs a person; 1 while" in flat
    assert "late (more than --max-lateness behind: it waits for --allow-late)" in flat
