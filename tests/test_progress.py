"""Progress on long work (issue 18, item 6): plain periodic lines in CI logs with an
injected clock (no sleeps), a rich bar on a (fake) terminal, and never a byte of
progress on stdout, where a command's JSON goes."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from conftest import Lib, copy_sample, post_text, run_cli
from shelfpost.cli.progress import PlainLines, RichBar, choose
from shelfpost.library.progress import line, tick


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_at_most_every_n_seconds_then_the_last_one() -> None:
    clock, out = Clock(), list[str]()
    show = PlainLines(out.append, clock, every=10)
    for at, done in ((0, 0), (4, 100), (9.9, 250), (10, 400), (15, 500), (19, 600), (21, 700), (30, 900)):
        clock.now = 100 + at
        show("build", done, 1000, "pages")
    clock.now = 131
    show("build", 1000, 1000, "pages")
    show("build", 1000, 1000, "pages")  # said once
    assert out == [
        "build: 400/1000 pages (40%)",
        "build: 700/1000 pages (70%)",
        "build: 1000/1000 pages (100%)",
    ]


def test_quick_work_prints_nothing_and_tasks_have_their_own_interval() -> None:
    clock, out = Clock(), list[str]()
    show = PlainLines(out.append, clock, every=10)
    show("publish", 0, 3, "live posts")
    clock.now += 2
    show("publish", 3, 3, "live posts")  # done within 10 s: silent, even the end
    assert out == []
    clock.now += 20
    show("metrics sync mastodon", 25, 200, "posts")
    show("metrics sync bluesky", 25, 50, "posts")
    clock.now += 5
    show("metrics sync mastodon", 50, 200, "posts")  # 5 s after its last line: not yet
    assert out == ["metrics sync mastodon: 25/200 posts (12%)", "metrics sync bluesky: 25/50 posts (50%)"]


def test_words_and_a_missing_callback() -> None:
    assert line("metrics import 匯出.csv", 1, 3, "rows") == "metrics import 匯出.csv: 1/3 rows (33%)"
    assert line("inbox sync", 0, 0, "channels") == "inbox sync: 0/0 channels"
    tick(None, "build", 1, 2, "steps")  # None is silent and does not fail


def test_rich_bar_on_a_terminal_after_two_seconds() -> None:
    stream, clock = io.StringIO(), Clock()
    console = Console(file=stream, force_terminal=True, width=100)
    bar = RichBar(console, clock)
    bar("build", 1, 10, "pages")
    assert not bar.started and stream.getvalue() == ""  # quick so far: nothing drawn
    clock.now += 3
    bar("build", 4, 10, "pages")
    bar("build", 10, 10, "pages")
    bar.close()
    text = stream.getvalue()
    assert "\x1b[" in text  # drawn for a terminal (colours, cursor moves)
    assert "build" in text and "10/10" in text and "pages" in text


def test_output_printed_while_the_bar_runs_stays_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    stream, clock = io.StringIO(), Clock()
    bar = RichBar(Console(file=stream, force_terminal=True, width=100), clock, after=0)
    bar("metrics sync mastodon", 25, 200, "posts")
    print("mastodon: 812 followers; 3 post(s) changed")  # the command's own line, mid-bar
    bar("metrics sync mastodon", 200, 200, "posts")
    bar.close()
    assert capsys.readouterr().out == "mastodon: 812 followers; 3 post(s) changed\n"
    assert "812 followers" not in stream.getvalue() and "200/200" in stream.getvalue()


def test_the_display_is_chosen_by_terminal_ci_and_setting() -> None:
    clock = Clock()
    assert isinstance(choose({}, FakeTTY(), clock), RichBar)
    assert isinstance(choose({"CI": "true"}, FakeTTY(), clock), PlainLines)  # a CI log is no terminal
    assert isinstance(choose({}, io.StringIO(), clock), PlainLines)  # redirected to a file
    assert choose({"SHELFPOST_PROGRESS": "off"}, FakeTTY(), clock) is None
    plain = choose({"SHELFPOST_PROGRESS_EVERY": "2.5"}, io.StringIO(), clock)
    assert isinstance(plain, PlainLines) and plain.every == 2.5


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFPOST_") and k != "CI"}
    return {**env, "CI": "true", "SHELFPOST_PROGRESS_EVERY": "0", **extra}


def test_publish_json_keeps_stdout_clean_and_progress_goes_to_stderr(tmp_path: Path) -> None:
    root = tmp_path / "library"
    copy_sample(root)
    done = run_cli(
        "publish", "--dry-run", "--format", "json", "--now", "2026-11-26 12:00", cwd=root, env=_env()
    )
    data = json.loads(done.stdout)  # nothing but the JSON
    assert data["outcomes"]
    assert "publish: " in done.stderr and "live posts (100%)" in done.stderr
    assert "publish:" not in done.stdout
    quiet = run_cli(
        "publish",
        "--dry-run",
        "--format",
        "json",
        "--now",
        "2026-11-26 12:00",
        cwd=root,
        env=_env(SHELFPOST_PROGRESS="off"),
    )
    assert "publish: " not in quiet.stderr and json.loads(quiet.stdout) == data


def test_a_build_reports_its_steps(lib: Lib) -> None:
    lib.post("2026-10-01-hello", post_text(title="你好 progress"))
    done = run_cli("build", "--now", "2026-10-02 10:00", cwd=lib.root, env=_env())
    assert done.returncode == 0, done.stderr
    assert "build: 1/2 steps (pages written, site rendered) (50%)" in done.stderr
    assert "build: 2/2 steps (pages written, site rendered) (100%)" in done.stderr
    assert "build:" not in done.stdout


def test_metrics_import_reports_rows(lib: Lib) -> None:
    lib.write(
        "plan/channels.yml",
        "channels:\n  facebook:\n    kind: facebook\n    name: Facebook 粉絲專頁\n",
    )
    lib.post("2026-10-01-hello", post_text(title="你好", extra="channels: [facebook]\n"))
    export = lib.write(
        "exports/posts.csv",
        "Post ID,Publish time,Reach,Reactions,Comments,Shares\n'111,10/01/2026 10:05,40,5,1,0\n",
    )
    done = run_cli("metrics", "import", str(export), "--channel", "facebook", cwd=lib.root, env=_env())
    assert done.returncode == 0, done.stderr + done.stdout
    assert "metrics import posts.csv: 1/1 rows (100%)" in done.stderr
    assert "metrics import" not in done.stdout
