"""Time shelfpost's commands, and the baseline's build, on generated libraries of growing size.

    python bench/run.py [--sizes 100,1000,5000,10000] [--build-sizes 100,1000,5000,10000]
                        [--baseline-sizes 100,1000,5000] [--repeat 3] [--build-repeat 5000:2,10000:1]
                        [--write]

For each size a library is generated with bench/corpus.py (deterministic: the
same size always gives the same files), then each command runs several times as
a child process: ``--repeat`` times, and builds (shelfpost's full build, its
rebuild after one edit, the baseline's build) as ``--build-repeat`` says for large
sizes. The baseline is the same library as a Material for MkDocs blog with
mkdocs-rss-plugin (bench/baseline.py), installed in its own cached virtualenv.
Printed: a Markdown table of wall time (median and min-max), the number of runs
and peak memory, then notes: the marginal cost per post between sizes, ratios
against the targets of issue 6, and how CPU time and memory split between
shelfpost and the site engine. ``--write`` puts the result into bench/README.md
between the bench markers.

Run it with the Python of the environment shelfpost is installed in
(``make bench`` does: ``.venv/bin/python bench/run.py --write``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import baseline  # noqa: E402  (bench/ is not a package)
import corpus  # noqa: E402
import preview  # noqa: E402

README = HERE / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
NOW = "2026-11-26T12:00:00+08:00"  # after every generated post (the newest is before 2026-11-01)
LATER = "2026-11-26T04:15:00Z"  # the next scheduled run, 15 minutes after NOW
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}
# The publish run: the newest DUE posts are not published yet, every older one is.
# "now" is 15 minutes after the newest; the five span about 33 hours (a post every
# ~8 hours), so --max-lateness 48 keeps the oldest of them from being "late".
DUE = 5
LATENESS_HOURS = 48

VERSION_LABEL = "shelfpost --version (start-up)"
FLOOR_LABEL = "floor: read + yaml.load front matter"
CHECK_LABEL = "shelfpost check --no-cache"
COLD_LABEL = "shelfpost check, cold cache"
WARM_LABEL = "shelfpost check, warm cache, 1 post edited"
RECORD_LABEL = "shelfpost due --record (end of a full run)"
DUE_LABEL = "shelfpost due (scheduled run, nothing due)"
PUBLISH_LABEL = f"shelfpost publish --dry-run ({DUE} posts due)"
FIRST_BUILD_LABEL = "shelfpost build --full, first build (no build caches, as in CI)"
BUILD_LABEL = "shelfpost build --full, the last build's caches kept"
REBUILD_LABEL = "shelfpost build, 1 post edited (incremental)"
BASELINE_LABEL = "baseline: Material blog + RSS, mkdocs build"
ORDER = (
    VERSION_LABEL,
    FLOOR_LABEL,
    CHECK_LABEL,
    COLD_LABEL,
    WARM_LABEL,
    RECORD_LABEL,
    DUE_LABEL,
    PUBLISH_LABEL,
    FIRST_BUILD_LABEL,
    BUILD_LABEL,
    REBUILD_LABEL,
    preview.LABEL,
    BASELINE_LABEL,
)
# Targets of issue 6.
BUILD_TARGETS = {1000: 0.35, 5000: 0.25}  # shelfpost's full build / the baseline's
REBUILD_TARGETS = {1000: 0.2}  # the rebuild after one edit / shelfpost's full build
# Issue 18, item 5: the syncs against mastodon-mock on 127.0.0.1 (the launcher's "local"
# mode lets the command connect there and nowhere else) and the reports, on the largest
# library of --sizes with three years of metrics and inbox data (bench/history.py).
INBOX_LABEL = "shelfpost inbox sync (Mastodon on 127.0.0.1)"
METRICS_LABEL = "shelfpost metrics sync (Mastodon on 127.0.0.1)"
MONTHLY_LABEL = "shelfpost report monthly (3 years of data)"
QUARTERLY_LABEL = "shelfpost report quarterly (3 years of data)"
MONTHLY_COLD_LABEL = "shelfpost report monthly, cold cache (a fresh CI runner)"
ORDER = (*ORDER, INBOX_LABEL, METRICS_LABEL, MONTHLY_LABEL, QUARTERLY_LABEL, MONTHLY_COLD_LABEL)
REPORT_TARGET = 5.0  # seconds, issue 18
# Secrets a publish run could read: none is passed to the benchmark's commands.
SECRET_ENV = re.compile(r"^(SHELFPOST_(?!STATE_DIR$).*|GITHUB_TOKEN|GH_TOKEN|GITHUB_REPOSITORY)$")

EDITS = itertools.count(1)


def no_cache(lib: Path) -> None:
    shutil.rmtree(lib / ".shelfpost" / "cache", ignore_errors=True)


def first_build(lib: Path, site: Path) -> None:
    """As a CI runner starts: the check cache (the workflows run `check` first) but no build
    work folder (the last docs tree and site, Jinja's bytecode, the engine cache, the
    thumbnails) and no site in ``--out``."""
    shutil.rmtree(lib / ".shelfpost" / "build", ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)


def edit_one(lib: Path) -> tuple[str, str]:
    """Append a new line to one post (a different post each time): one file changed.

    Returns the post's slug and the line, so a rebuild can be checked for it.
    """
    posts = sorted((lib / "content" / "posts").rglob("*.md"))
    number = next(EDITS)
    path = posts[(number * 7919) % len(posts)]
    line = f"One more line, edit {number}."
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{line}\n")
    return path.stem[len("YYYY-MM-DD-") :], line


def commit_library(lib: Path) -> None:
    """Make the library a Git repository with one commit, as the publish workflow checks it out."""
    if (lib / ".git").exists():
        return
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "library"]):
        subprocess.run(["git", *args], cwd=lib, check=True, capture_output=True, env=env)


def publish_records(lib: Path) -> tuple[str, set[tuple[str, str]]]:
    """Record every post but the newest DUE as published on each of its channels.

    The records are what a real publish run writes (``make_item`` gives the same
    key, record key and text digest; ``save_record`` writes the file), so the
    dry run finds those posts done. Returns "now" (15 minutes after the newest
    post) and the (post, channel) pairs the dry run must plan.
    """
    from shelfpost.library.loader import load_library
    from shelfpost.library.records import ChannelRecord, PostRecord, save_record
    from shelfpost.publish.run import make_item, social_channels

    library = load_library(lib)
    posts = sorted(library.posts, key=lambda p: (p.publish_at, p.path))
    done, due = posts[:-DUE], posts[-DUE:]
    for post in done:
        record = PostRecord(post.slug, post.path)
        for channel in social_channels(library, post, None):
            item = make_item(library, post, channel)
            at = post.publish_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            record = record.with_channel(
                channel.id,
                ChannelRecord(
                    "published",
                    item.key,
                    remote_id=f"bench-{post.slug}",
                    url=f"{channel.profile_url or ''}#{post.slug}",
                    at=at,
                    attempts=1,
                    rkey=item.rkey,
                    digest=item.digest,
                ),
            )
        save_record(lib, record)
    expected = {(p.slug, c.id) for p in due for c in social_channels(library, p, None)}
    now = (posts[-1].publish_at + timedelta(minutes=15)).isoformat()
    return now, expected


# How each command is measured
# ----------------------------
# Wall time is taken in this process around the child (perf_counter), so it
# includes interpreter start-up and imports, as a person running the command sees.
#
# Memory: resource.getrusage(RUSAGE_CHILDREN) in *this* process is a running
# maximum over every child so far, so it cannot give one command's peak. GNU
# `/usr/bin/time -f %M` would, but it is not everywhere (the BSD/macOS `time` has
# no -f), and it folds the engine subprocess that `shelfpost build` starts into one
# number. So each command runs under the small launcher below instead: a fresh
# Python that calls shelfpost's CLI entry point (shelfpost.cli:main, exactly what
# the `shelfpost` console script calls) or mkdocs' (mkdocs.__main__:cli, what
# `mkdocs build` calls, for the baseline) in-process, then writes its own
# RUSAGE_SELF and RUSAGE_CHILDREN (what it waited for: the mkdocs process during
# shelfpost's build) to a JSON file. "peak MiB" in the table is the larger of the
# two, the same figure `time -f %M` reports (the biggest single process; during a
# build shelfpost stays alive, holding its own memory, while the engine runs).
# The split is printed under the table.
#
# Linux carries a process's peak RSS over exec: ru_maxrss of a fresh child is at
# least what its parent had when it forked (this process grows to ~100 MiB when it
# writes the publish records of 10,000 posts). So the launcher reports its own
# peak from /proc/self/status (VmHWM, which starts anew at exec) where it can. The
# engine's figure (RUSAGE_CHILDREN of shelfpost's process) keeps that floor: it is
# at least shelfpost's size when it started the engine.
#
# The launcher also refuses every outgoing connection of the measured process
# (socket.connect and getaddrinfo raise) and reports the attempts: no command of
# the benchmark may need the network (`publish --dry-run` included).
LAUNCHER = r"""
import json, resource, socket, sys
report, mode, *args = sys.argv[1:]
tried = []
def refuse(what):
    def call(*a, **k):
        tried.append(f"{what} {a[1:] if what == 'connect' else a[:2]!r}")
        raise OSError("bench: no network for this command")
    return call
real_connect, real_gai = socket.socket.connect, socket.getaddrinfo
def local_only(what, real):  # mode "local": 127.0.0.1 only (a test server), nothing else
    def call(*a, **k):
        host = a[1][0] if what == "connect" and isinstance(a[1], tuple) else a[0]
        if host == "127.0.0.1":
            return real(*a, **k)
        return refuse(what)(*a, **k)
    return call
if mode == "local":
    socket.socket.connect = local_only("connect", real_connect)
    socket.getaddrinfo = local_only("getaddrinfo", real_gai)
else:
    socket.socket.connect = refuse("connect")
    socket.socket.connect_ex = refuse("connect")
    socket.getaddrinfo = refuse("getaddrinfo")
code = 0
try:
    if mode in ("cli", "local"):
        sys.argv = ["shelfpost", *args]
        from shelfpost.cli import main
        main(prog_name="shelfpost")
    elif mode == "mkdocs":
        sys.argv = ["mkdocs", *args]
        from mkdocs.__main__ import cli
        cli()
    else:  # the floor of `check`: read every post and parse its front matter, nothing else
        import pathlib, yaml
        posts = sorted((pathlib.Path(args[0]) / "content" / "posts").rglob("*.md"))
        for path in posts:
            text = path.read_text(encoding="utf-8")
            _, front, _body = text.split("---\n", 2)
            yaml.load(front, Loader=yaml.CSafeLoader)
        print(f"parsed {len(posts)} front matters", file=sys.stderr)
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
usage = {"network": tried}
for who, which in (("self", resource.RUSAGE_SELF), ("children", resource.RUSAGE_CHILDREN)):
    r = resource.getrusage(which)
    usage[who] = {"maxrss": r.ru_maxrss * scale, "cpu": r.ru_utime + r.ru_stime}
try:  # Linux: this process's own peak (ru_maxrss keeps the parent's from before exec)
    with open("/proc/self/status") as fh:
        hwm = [line.split()[1] for line in fh if line.startswith("VmHWM:")]
    usage["self"]["maxrss"] = int(hwm[0]) * 1024
except (OSError, IndexError, ValueError):
    pass
with open(report, "w") as fh:
    json.dump(usage, fh)
sys.exit(code)
"""


@dataclass
class Job:
    """One command to time: its arguments, how to prepare each run and how to check its output."""

    label: str
    args: list[str]
    runs: int
    mode: str = "cli"  # cli: shelfpost; local: shelfpost, 127.0.0.1 allowed; mkdocs: the baseline; floor
    python: str = sys.executable
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)  # added to a copy of os.environ without secrets
    before: Callable[[], Any] | None = None  # before each run; its result goes to verify
    verify: Callable[[Output, Any], None] | None = None  # raises SystemExit when the output is wrong
    detail: str = ""  # a note printed under the table


@dataclass
class Output:
    stdout: str
    stderr: str

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Row:
    command: str
    n: int  # posts in the library; 0 for start-up, which reads none
    walls: list[float] = field(default_factory=list)
    usages: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    def peak(self, who: str | None = None) -> float:
        """Largest peak RSS over the runs in MiB (of one process, or the larger of both)."""
        whos = (who,) if who else ("self", "children")
        return float(max(u[w]["maxrss"] for u in self.usages for w in whos)) / 2**20

    def cpu(self, who: str) -> float:
        return float(statistics.median(u[who]["cpu"] for u in self.usages))


def child_env(extra: dict[str, str]) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not SECRET_ENV.match(k)}, **extra}


def measure(job: Job, report: Path) -> tuple[float, dict[str, Any], Output]:
    command = [job.python, "-c", LAUNCHER, str(report), job.mode, *job.args]
    env = child_env(job.env)
    report.unlink(missing_ok=True)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=job.cwd, env=env)
    wall = time.perf_counter() - started
    out = Output(result.stdout, result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"failed (exit {result.returncode}): {' '.join(job.args)}\n{out.log[-3000:]}")
    usage = json.loads(report.read_text())
    if usage["network"]:
        raise SystemExit(f"{job.label} tried to reach the network: {usage['network'][:5]}")
    return wall, usage, out


def time_job(job: Job, n: int, report: Path) -> Row:
    row = Row(job.label, n, detail=job.detail)
    for _ in range(job.runs):
        prepared = job.before() if job.before else None
        wall, usage, out = measure(job, report)
        if job.verify:
            job.verify(out, prepared)
        row.walls.append(wall)
        row.usages.append(usage)
    print(f"[{n}] {job.label}: {' '.join(f'{w:.2f}' for w in row.walls)} s", file=sys.stderr)
    return row


# The jobs of one library size
# ----------------------------


def says(text: str, what: str) -> Callable[[Output, Any], None]:
    def verify(out: Output, _prepared: Any) -> None:
        if text not in out.log:
            raise SystemExit(f"{what}:\n{out.log[-3000:]}")

    return verify


def check_jobs(lib: Path, n: int, runs: int) -> list[Job]:
    root = ["--root", str(lib)]
    clean = says("no problems", f"the generated library of {n} posts has problems")
    return [
        Job(FLOOR_LABEL, [str(lib)], runs, mode="floor"),
        Job(CHECK_LABEL, ["check", "--no-cache", *root], runs, verify=clean),
        Job(COLD_LABEL, ["check", *root], runs, before=lambda: no_cache(lib), verify=clean),
        # the last cold run left a warm cache; each run edits one more post first
        Job(WARM_LABEL, ["check", *root], runs, before=lambda: edit_one(lib), verify=clean),
        # The scheduled run: a Git checkout whose last run wrote data/runs/last-deploy.json
        # (--record, itself timed), then `shelfpost due` 15 minutes later.
        Job(RECORD_LABEL, ["due", "--record", *root, "--now", NOW], runs, before=lambda: commit_library(lib)),
        Job(DUE_LABEL, ["due", *root, "--now", LATER], runs, verify=says("nothing due", "something is due")),
    ]


def build_jobs(lib: Path, n: int, site: Path, runs: int) -> list[Job]:
    common = ["--root", str(lib), "--now", NOW, "--out", str(site)]

    def built(out: Output, edit: tuple[str, str] | None) -> None:
        newest = site / "posts" / f"post-{n:05d}" / "index.html"
        missing = [p for p in (site / "index.html", site / "feed.xml", newest) if not p.is_file()]
        if missing:
            raise SystemExit(
                f"shelfpost build did not write {', '.join(map(str, missing))}\n{out.log[-3000:]}"
            )
        if edit is not None:  # the rebuilt site has the edit
            slug, line = edit
            if line not in (site / "posts" / slug / "index.html").read_text(encoding="utf-8"):
                raise SystemExit(f"after the rebuild, the page of {slug} lacks the edit {line!r}")

    return [
        Job(
            FIRST_BUILD_LABEL,
            ["build", "--full", *common],
            runs,
            before=lambda: first_build(lib, site),
            verify=built,
        ),
        # then from the caches the build before left (what a library's own machine has)
        Job(BUILD_LABEL, ["build", "--full", *common], runs, verify=built),
        # after the full builds; each run appends a line to one more post first
        Job(REBUILD_LABEL, ["build", *common], runs, before=lambda: edit_one(lib), verify=built),
    ]


def publish_jobs(lib: Path, runs: int) -> list[Job]:
    now, expected = publish_records(lib)

    def planned(out: Output, _prepared: Any) -> None:
        outcomes = json.loads(out.stdout)["outcomes"]
        got = {(o["post"], o["channel"]) for o in outcomes}
        if (
            got != expected
            or len(outcomes) != len(expected)
            or any(o["action"] != "dry-run" for o in outcomes)
        ):
            raise SystemExit(f"publish --dry-run planned {outcomes}, expected {sorted(expected)}")

    channels = sorted({c for _, c in expected})
    args = ["publish", "--dry-run", "--format", "json", "--now", now, "--max-lateness", str(LATENESS_HOURS)]
    return [
        Job(
            PUBLISH_LABEL,
            [*args, "--root", str(lib)],
            runs,
            verify=planned,
            detail=f"plans {len(expected)} sends ({DUE} posts x their channels, of {', '.join(channels)}), "
            f"--now {now} (15 minutes after the newest post), --max-lateness {LATENESS_HOURS}; "
            "no credentials in the environment, no network",
        )
    ]


def item5_rows(lib: Path, n: int, runs: int, report: Path) -> list[Row]:
    """Issue 18, item 5: inbox sync and metrics sync against mastodon-mock (FastAPI +
    SQLite on 127.0.0.1, a thread of this process), then the monthly and quarterly
    reports, on ``lib`` after publish_jobs (every post but the newest five has its
    publication record) with three years of metrics and inbox data added.

    mastodon-mock holds the library's statuses of the last 30 days (the records of those
    posts point at them) and 90 mentions of the library by three accounts. The metrics
    sync reads those posts and, with ``older_posts: 100``, 100 older posts in rotation
    (not on the server: read as deleted). Rate limits are off here (three timed runs in
    five minutes); tests/test_rate_limits.py counts the calls against the limits."""
    import history
    from mastodon_mock.testing import MockServer

    from shelfpost.library.loader import load_library
    from shelfpost.library.records import load_records, save_record

    started = time.perf_counter()
    sizes = history.write_history(lib, datetime.fromisoformat(NOW))
    print(
        f"[{n}] three years of data written in {time.perf_counter() - started:.1f} s: {sizes}",
        file=sys.stderr,
    )
    library = load_library(lib)
    newest = max(p.publish_at for p in library.posts)
    now = (newest + timedelta(minutes=15)).isoformat()
    rows: list[Row] = []
    with MockServer() as server:
        seed = MastoSeed(server.base_url)
        token = seed.user("qingchuanlib", "晴川市立圖書館")
        fans = [seed.user(f"bench_fan_{i}", f"Fan {i}") for i in range(3)]
        records = load_records(lib)
        recent = sorted(
            (
                (slug, rec)
                for slug, rec in records.items()
                if "mastodon" in rec.channels
                and rec.channels["mastodon"].at
                and datetime.fromisoformat(str(rec.channels["mastodon"].at)) >= newest - timedelta(days=30)
            ),
            key=lambda pair: str(pair[1].channels["mastodon"].at),
        )
        for slug, rec in recent:
            status = seed.post(token, f"{slug} 新書推薦")
            mine = rec.channels["mastodon"]
            save_record(lib, rec.with_channel("mastodon", replace(mine, remote_id=str(status["id"]))))
        for i in range(90):
            seed.post(fans[i % 3], f"@qingchuanlib 請問 {i}")
        channels = (lib / "plan" / "channels.yml").read_text(encoding="utf-8")
        channels = channels.replace("instance: https://mastodon.example", f"instance: {server.base_url}")
        (lib / "plan" / "channels.yml").write_text(channels, encoding="utf-8")
        (lib / "plan" / "metrics.yml").write_text("post_days: 30\nolder_posts: 100\n", encoding="utf-8")
        env = {"SHELFPOST_MASTODON_TOKEN": token, "SHELFPOST_INBOX_KEY": "bench-inbox-key-0123456789abcdef"}
        root = ["--root", str(lib), "--now", now, "--channel", "mastodon"]
        detail = (
            f"{len(recent)} statuses of the last 30 days and 90 mentions on mastodon-mock; "
            f"--now {now}; data: {sizes['post rows']:,} post-counter rows, {sizes['account rows']:,} "
            f"account rows, {sizes['inbox items']:,} inbox items over three years"
        )
        for label, args, says_what in (
            (INBOX_LABEL, ["inbox", "sync", *root], "mastodon: "),
            (METRICS_LABEL, ["metrics", "sync", *root], "followers;"),
        ):
            job = Job(
                label,
                args,
                runs,
                mode="local",
                env=env,
                verify=says(says_what, f"{label} failed"),
                detail=detail,
            )
            rows.append(time_job(job, n, report))
    for label, args in (
        (MONTHLY_LABEL, ["report", "monthly", "--month", "2026-10"]),
        (QUARTERLY_LABEL, ["report", "quarterly", "--quarter", "2026-Q3"]),
    ):
        job = Job(
            label,
            [*args, "--root", str(lib), "--now", NOW],
            runs,
            verify=says("# ", f"{label} wrote no report"),
            detail="Markdown on stdout; the posts come from the check cache the check rows left (the "
            "plan files the syncs changed are read again); without that cache add the cold check's time",
        )
        rows.append(time_job(job, n, report))
    cold = Job(
        MONTHLY_COLD_LABEL,
        ["report", "monthly", "--month", "2026-10", "--root", str(lib), "--now", NOW],
        runs,
        before=lambda: no_cache(lib),
        verify=says("# ", "the cold monthly report wrote nothing"),
        detail="the check cache removed before each run: every post parsed, as on a fresh CI runner "
        "(the workflows keep no cache between runs)",
    )
    rows.append(time_job(cold, n, report))
    return rows


class MastoSeed:
    """Seeding mastodon-mock over plain HTTP, as tests/inbox_seed.py does."""

    def __init__(self, base: str) -> None:
        import requests

        self.base, self.http = base.rstrip("/"), requests.Session()

    def user(self, username: str, display_name: str) -> str:
        r = self.http.post(
            f"{self.base}/api/v1/_mock/dev_user",
            json={"username": username, "display_name": display_name},
            timeout=10,
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def post(self, token: str, text: str) -> dict[str, Any]:
        r = self.http.post(
            f"{self.base}/api/v1/statuses",
            headers={"Authorization": f"Bearer {token}"},
            data={"status": text},
            timeout=10,
        )
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


def baseline_jobs(lib: Path, work: Path, n: int, runs: int, python: Path) -> list[Job]:
    project = baseline.convert(lib, work / f"baseline-{n}")
    site = work / f"baseline-site-{n}"

    def built(out: Output, _prepared: Any) -> None:
        problems = [line for line in out.log.splitlines() if line.startswith(("WARNING", "ERROR"))]
        if problems:
            raise SystemExit("the baseline build has warnings or errors:\n" + "\n".join(problems[:20]))
        baseline.check_site(project, site)

    args = ["build", "--clean", "--config-file", str(project.root / "mkdocs.yml"), "--site-dir", str(site)]
    return [
        Job(
            BASELINE_LABEL,
            args,
            runs,
            mode="mkdocs",
            python=str(python),
            cwd=project.root,
            env={"NO_MKDOCS_2_WARNING": "1"},  # Material's end-of-life notice, printed by every build
            verify=built,
        )
    ]


def preview_rows(lib: Path, n: int, runs: int) -> list[Row]:
    """`shelfpost serve`: save a post, a real browser waits for the new text (bench/preview.py)."""
    result = preview.measure(lib, n, runs, child_env({}))
    usage = {
        "self": {"maxrss": result["peak_mib"] * 2**20, "cpu": 0.0},
        "children": {"maxrss": 0, "cpu": 0.0},
    }
    load = ", ".join(f"{v:.1f}" for v in result["load"])
    return [Row(preview.LABEL, n, result["walls"], [usage] * len(result["walls"]), f"load average {load}")]


@dataclass(frozen=True)
class Plan:
    sizes: list[int]  # check, due and publish
    build_sizes: list[int]
    baseline_sizes: list[int]
    repeat: int
    build_repeat: dict[int, int]  # runs of each build at these sizes (others: repeat)

    def build_runs(self, n: int) -> int:
        return self.build_repeat.get(n, self.repeat)


def run(plan: Plan, work: Path, keep: bool = False) -> list[Row]:
    rows: list[Row] = []
    report = work / "rusage.json"
    os.environ["SHELFPOST_STATE_DIR"] = str(work / "state")  # the cache's key, not in your home
    python = baseline.venv_python() if plan.baseline_sizes else None
    for n in sorted(set(plan.sizes) | set(plan.build_sizes) | set(plan.baseline_sizes)):
        lib = work / f"lib-{n}"
        started = time.perf_counter()
        corpus.generate(n, lib)
        print(f"[{n}] generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        jobs: list[Job] = []
        if n in plan.sizes:
            jobs += check_jobs(lib, n, plan.repeat)
        if n in plan.build_sizes:
            jobs += build_jobs(lib, n, work / f"site-{n}", plan.build_runs(n))
        for job in jobs:
            rows.append(time_job(job, n, report))
        if n in plan.build_sizes and n in preview.TARGETS:
            rows += preview_rows(lib, n, plan.repeat)
        # The publish records and the baseline's project are made only now, after the
        # commands above (records under data/ would be inputs of nothing else, but stay out).
        if n in plan.sizes:
            started = time.perf_counter()
            jobs = publish_jobs(lib, plan.repeat)
            print(f"[{n}] publish records written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            rows.append(time_job(jobs[0], n, report))
            if n == max(plan.sizes):  # issue 18, item 5: after the records, on the largest library
                rows += item5_rows(lib, n, plan.repeat, report)
        if n in plan.baseline_sizes:
            assert python is not None
            rows.append(time_job(baseline_jobs(lib, work, n, plan.build_runs(n), python)[0], n, report))
        if not keep:  # a 10,000-post library and its sites are hundreds of MB
            for name in (f"site-{n}", f"baseline-{n}", f"baseline-site-{n}", f"lib-{n}"):
                shutil.rmtree(work / name, ignore_errors=True)
    # Start-up alone: what every command pays before reading a file.
    rows.append(time_job(Job(VERSION_LABEL, ["--version"], plan.repeat), 0, report))
    return rows


# The report
# ----------


def table(rows: list[Row]) -> str:
    lines = [
        "| command | N | runs | median s | min-max s | peak MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in sorted(rows, key=lambda r: (ORDER.index(r.command), r.n)):
        n = f"{r.n:,}" if r.n else "-"
        lines.append(
            f"| {r.command} | {n} | {len(r.walls)} | {r.median:.2f} | "
            f"{min(r.walls):.2f}-{max(r.walls):.2f} | {r.peak():.0f} |"
        )
    return "\n".join(lines)


def ratio_note(name: str, num: Row, den: Row, targets: dict[int, float]) -> str:
    ratio = num.median / den.median
    line = f"- {name} {num.n:,}: {num.median:.2f} s / {den.median:.2f} s = {ratio:.2f}x"
    if num.n in targets:
        target = targets[num.n]
        line += f" (target at most {target:.2f}x: {'met' if ratio <= target else 'not met'})"
    return line


def notes(rows: list[Row]) -> str:
    out = []
    for command in (
        FLOOR_LABEL,
        CHECK_LABEL,
        DUE_LABEL,
        PUBLISH_LABEL,
        FIRST_BUILD_LABEL,
        BUILD_LABEL,
        REBUILD_LABEL,
        BASELINE_LABEL,
    ):
        same = sorted((r for r in rows if r.command == command), key=lambda r: r.n)
        steps = [
            f"{a.n:,}→{b.n:,}: {1000 * (b.median - a.median) / (b.n - a.n):.2f}"
            for a, b in itertools.pairwise(same)
        ]
        if steps:
            out.append(f"- {command}, marginal ms per post: " + "; ".join(steps))
    by = {(r.command, r.n): r for r in rows}
    for n in sorted({r.n for r in rows if r.command == CHECK_LABEL}):
        floor = by.get((FLOOR_LABEL, n))
        if floor is None:
            continue
        parts = [
            f"{label.removeprefix('shelfpost check').strip(' ,') or 'no cache'} "
            f"{by[(label, n)].median / floor.median:.2f}x"
            for label in (CHECK_LABEL, COLD_LABEL, WARM_LABEL)
            if (label, n) in by
        ]
        out.append(f"- check {n:,} against the floor (targets: 1.2x, warm 0.1x): " + "; ".join(parts))
    for n in sorted({r.n for r in rows}):
        for label, what in (
            (FIRST_BUILD_LABEL, "first full build"),
            (BUILD_LABEL, "full build, caches kept"),
        ):
            if (label, n) in by and (BASELINE_LABEL, n) in by:
                out.append(
                    ratio_note(
                        f"{what} / baseline build,", by[label, n], by[BASELINE_LABEL, n], BUILD_TARGETS
                    )
                )
    for n in sorted({r.n for r in rows}):
        if (REBUILD_LABEL, n) in by and (BUILD_LABEL, n) in by:
            out.append(
                ratio_note(
                    "rebuild after one edit / full build,",
                    by[REBUILD_LABEL, n],
                    by[BUILD_LABEL, n],
                    REBUILD_TARGETS,
                )
            )
    for r in sorted(rows, key=lambda r: (ORDER.index(r.command), r.n)):
        if r.command in (FIRST_BUILD_LABEL, BUILD_LABEL, REBUILD_LABEL):
            out.append(
                f"- {r.command} {r.n:,}: shelfpost process {r.cpu('self'):.1f} s CPU, peak "
                f"{r.peak('self'):.0f} MiB; engine (mkdocs) process {r.cpu('children'):.1f} s CPU, "
                f"peak {r.peak('children'):.0f} MiB (medians of CPU, max of peaks)"
            )
        elif r.command == BASELINE_LABEL:
            out.append(f"- baseline {r.n:,}: one mkdocs process, {r.cpu('self'):.1f} s CPU (median)")
    out += [f"- {r.command} {r.n:,}: {r.detail}" for r in rows if r.detail]
    return "\n".join(out)


# Issue 18's table: every row, the measured figure, met or not, and where the time goes when not.
# A row whose command this run did not measure says so. The preview rows come from the serve
# branch's bench/preview.py: any row whose command starts with "shelfpost serve" (its LABEL).
SERVE_PREFIX = "shelfpost serve"
ISSUE18_PROFILES = {  # cProfile of the warm paths at 10,000 posts (bench/README.md, "What we see")
    "check": "start-up and imports (~40% of the run: Python, click, PyYAML, Jinja2, regex "
    "and shelfpost's model), stat'ing the 10,000 files, reading the light table (each "
    "document's problems and summary, ~2 MB; the posts themselves are no longer unpickled) "
    "and looking up each document's cross-file part, the library-wide checks, saving the index",
    "check-cold": "composing the YAML node graph with positions in Python, the schema walk and "
    "the body scan per file; the channel renders of the cross-file checks",
    "build-first": "the engines' per-page work with nothing cached (Python-Markdown, Material's "
    "templates, jieba for the search index), ~70% of the run on both cores; shelfpost's docs tree "
    "(~15%, on one core while the engines wait: post pages ~58% of it, list pages ~40%), "
    "loading the library, copying the site out",
    "build": "the engines' search index of every page and what the engine cache lacks; "
    "shelfpost's docs tree, rendered in full (on one core while the engines wait), loading, "
    "merging the engines' caches, copying the site out",
    "rebuild": "a new engine process (imports, config, jieba's dictionary: ~1.3 s) before it "
    "renders the one page; the docs tree is rendered in full every build",
    "publish": "unpickling the cached posts (~25%) and the 10,000 records (~20%), looking up "
    "each post's channel texts (~25%) and their digests for the settled check; the "
    "cross-file checks are remembered from the last check",
}


def _ratio(by: dict[tuple[str, int], Row], num: str, den: str, n: int) -> float | None:
    if (num, n) in by and (den, n) in by:
        return by[num, n].median / by[den, n].median
    return None


def item5_targets(rows: list[Row]) -> list[str]:
    """Issue 18, item 5: the reports against 5 s; the syncs' target is the rate limits,
    met by the call counts of tests/test_rate_limits.py (their time is shown)."""
    by = {r.command: r for r in rows}
    out = []
    for label in (INBOX_LABEL, METRICS_LABEL):
        r = by.get(label)
        what = f"{label.removeprefix('shelfpost ')}, {r.n:,} posts, three years of data" if r else label
        measured = f"{r.median:.2f} s" if r else "not measured in this run"
        out.append(
            f"| {what} | {measured} | fits the rate limits | met: calls per run counted in tests/test_rate_limits.py |"
        )
    for label in (MONTHLY_LABEL, QUARTERLY_LABEL, MONTHLY_COLD_LABEL):
        r = by.get(label)
        if r is None:
            out.append(f"| {label} | not measured in this run | {REPORT_TARGET:g} s | - |")
            continue
        verdict = (
            "met"
            if r.median <= REPORT_TARGET
            else (
                "not met: loading the posts (cold: parsing every post, as check --no-cache; warm: "
                "unpickling the check cache), the cross-file checks, the period's metrics per week"
            )
        )
        out.append(
            f"| {label.removeprefix('shelfpost ')}, {r.n:,} posts | {r.median:.2f} s (max {max(r.walls):.2f} s) "
            f"| <= {REPORT_TARGET:g} s | {verdict} |"
        )
    return out


def issue18_targets(rows: list[Row]) -> str:
    """The table of issue 18 with this run's figures and a verdict per row."""
    by = {(r.command, r.n): r for r in rows}
    lines = ["| what | measured | target | |", "| --- | ---: | ---: | --- |"]

    def add(what: str, value: float | None, unit: str, target: float, profile: str = "") -> None:
        if value is None:
            lines.append(f"| {what} | not measured in this run | {target:g}{unit} | - |")
            return
        met = value <= target
        verdict = "met" if met else "not met" + (f": {ISSUE18_PROFILES[profile]}" if profile else "")
        lines.append(f"| {what} | {value:.2f}{unit} | <= {target:g}{unit} | {verdict} |")

    for label, what, profile in (
        (FIRST_BUILD_LABEL, "first build, as in CI", "build-first"),
        (BUILD_LABEL, "the last build's caches kept", "build"),
    ):
        for n, target in ((1000, 0.25), (5000, 0.12)):
            add(
                f"full build / baseline, {n:,} posts ({what})",
                _ratio(by, label, BASELINE_LABEL, n),
                "x",
                target,
                profile,
            )
    add(
        "rebuild after one edit / full build (caches kept), 1,000",
        _ratio(by, REBUILD_LABEL, BUILD_LABEL, 1000),
        "x",
        0.1,
        "rebuild",
    )
    serve = sorted((r for r in rows if r.command.startswith(SERVE_PREFIX)), key=lambda r: r.n)
    for n, target in ((1000, 0.5), (10000, 1.0)):
        found = next((r for r in serve if r.n == n), None)
        add(
            f"serve: save a post -> the page shows it, {n:,} posts",
            found.median if found else None,
            " s",
            target,
        )
    for n in (1000, 10000):
        add(
            f"check --no-cache / floor, {n:,} posts",
            _ratio(by, CHECK_LABEL, FLOOR_LABEL, n),
            "x",
            1.5,
            "check-cold",
        )
    add(
        "check, warm cache, one post edited / floor, 10,000",
        _ratio(by, WARM_LABEL, FLOOR_LABEL, 10000),
        "x",
        0.2,
        "check",
    )
    pub = by.get((PUBLISH_LABEL, 10000))
    add("publish --dry-run, 5 due, 10,000 posts", pub.median if pub else None, " s", 1.5, "publish")
    rec = by.get((RECORD_LABEL, 10000))
    add("due --record, 10,000 posts", rec.median if rec else None, " s", 1.5, "publish")
    lines += item5_targets(rows)
    return "\n".join(lines)


def machine(python: Path | None) -> str:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    text = (
        f"{os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; shelfpost {version('shelfpost')}, "
        f"mkdocs {version('mkdocs')}, mkdocs-material {version('mkdocs-material')}, "
        f"PyYAML {version('PyYAML')}, jieba {version('jieba')}"
    )
    if python is not None:
        got = baseline.venv_versions(python)
        names = ("mkdocs", "mkdocs-material", "mkdocs-rss-plugin", "jieba", "markdown", "pymdown-extensions")
        text += "; baseline (its own virtualenv): " + ", ".join(f"{d} {got.get(d, '?')}" for d in names)
    return text


def write_readme(section: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    block = f"{START}\n{section}\n{END}"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


def sizes_arg(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v.strip()]


def runs_arg(value: str) -> dict[int, int]:
    """SIZE:RUNS,... as a mapping."""
    pairs = (v.split(":") for v in value.split(",") if v.strip())
    return {int(size): int(runs) for size, runs in pairs}


def compile_sources() -> None:
    """Byte-compile shelfpost's sources first, as installing a package does: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines and containers) a source edited since
    its ``.pyc`` would be compiled again by every timed process."""
    import compileall

    import shelfpost

    compileall.compile_dir(str(Path(shelfpost.__file__).parent), quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=sizes_arg,
        default=[100, 1000, 5000, 10000],
        help="post counts for check, due and publish (default 100,1000,5000,10000)",
    )
    parser.add_argument(
        "--build-sizes",
        type=sizes_arg,
        default=[100, 1000, 5000, 10000],
        help="post counts for shelfpost's full build and rebuild (default 100,1000,5000,10000)",
    )
    parser.add_argument(
        "--baseline-sizes",
        type=sizes_arg,
        default=None,
        help="post counts for the baseline's build (default: the build sizes up to 5,000; '' for none)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument(
        "--build-repeat",
        type=runs_arg,
        default={5000: 2, 10000: 1},
        help="runs of each build (shelfpost's and the baseline's) at these sizes, as SIZE:RUNS,... "
        "(default 5000:2,10000:1; other sizes: --repeat)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where libraries and sites go (default: a temporary folder, removed "
        "after; bench/out/ is git-ignored)",
    )
    parser.add_argument("--write", action="store_true", help="update the table in bench/README.md")
    args = parser.parse_args(argv)
    if args.baseline_sizes is None:
        args.baseline_sizes = [n for n in args.build_sizes if n <= 5000]
    plan = Plan(args.sizes, args.build_sizes, args.baseline_sizes, args.repeat, args.build_repeat)

    def listed(sizes: list[int]) -> str:
        return ",".join(map(str, sizes)) or "''"

    used = (
        f"python bench/run.py --sizes {listed(plan.sizes)} --build-sizes {listed(plan.build_sizes)} "
        f"--baseline-sizes {listed(plan.baseline_sizes)} --repeat {plan.repeat} --build-repeat "
        + ",".join(f"{n}:{r}" for n, r in sorted(plan.build_repeat.items()))
        + (" --write" if args.write else "")
    )
    started = time.perf_counter()
    compile_sources()
    load_before = os.getloadavg()[0]  # other work on the machine skews wall times: say so
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="run-", dir=args.workdir))
        rows = run(plan, work, keep=True)
        print(f"libraries and sites kept in {work}", file=sys.stderr)
    else:
        with tempfile.TemporaryDirectory(prefix="shelfpost-bench-") as tmp:
            rows = run(plan, Path(tmp))
    total = time.perf_counter() - started

    python = baseline.venv_python(log=False) if plan.baseline_sizes else None
    section = "\n".join(
        [
            table(rows),
            "",
            notes(rows),
            "",
            "Issue 18's targets, from this run:",
            "",
            issue18_targets(rows),
            "",
            f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %z} on {machine(python)}.",
            "",
            f"1-minute load average {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after.",
            "",
            f"Command: `{used}` ({total / 60:.1f} min in all, corpus generation and the baseline's "
            "installation included).",
        ]
    )
    print(section)
    if args.write:
        write_readme(section)
        print(f"updated {README.relative_to(HERE.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
