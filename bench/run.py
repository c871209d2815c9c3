"""Time `shelfpost check` and `shelfpost build` on generated libraries of growing size.

    python bench/run.py [--sizes 100,1000,10000] [--build-sizes 100,1000] [--repeat 3] [--write]

For each size a library is generated with bench/corpus.py (deterministic: the
same size always gives the same files), then each command runs ``--repeat``
times as a child process. Printed: a Markdown table of wall time (median and
min-max) and peak memory, plus the marginal cost per post between sizes and, for
builds, how CPU time and memory split between shelfpost and the site engine.
``--write`` puts the result into bench/README.md between the bench markers.

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
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402  (bench/ is not a package)

README = HERE / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
NOW = "2026-11-26T12:00:00+08:00"  # after every generated post (the newest is before 2026-11-01)
LATER = "2026-11-26T04:15:00Z"  # the next scheduled run, 15 minutes after NOW
DUE_LABEL = "shelfpost due (scheduled run, nothing due)"
RECORD_LABEL = "shelfpost due --record (end of a full run)"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}


CHECK_LABEL = "shelfpost check --no-cache"
COLD_LABEL = "shelfpost check, cold cache"
WARM_LABEL = "shelfpost check, warm cache, 1 post edited"


EDITS = itertools.count(1)


def no_cache(lib: Path) -> None:
    shutil.rmtree(lib / ".shelfpost" / "cache", ignore_errors=True)


def edit_one(lib: Path) -> None:
    """Change one post's bytes (a different post each time), so one file misses the cache."""
    posts = sorted((lib / "content" / "posts").rglob("*.md"))
    path = posts[(next(EDITS) * 7919) % len(posts)]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\nOne more line.\n")


def commit_library(lib: Path) -> None:
    """Make the library a Git repository with one commit, as the publish workflow checks it out."""
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "library"]):
        subprocess.run(["git", *args], cwd=lib, check=True, capture_output=True, env=env)


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
# the `shelfpost` console script calls) in-process, then writes its own
# RUSAGE_SELF (the shelfpost process) and RUSAGE_CHILDREN (what it waited for:
# the mkdocs process during a build) to a JSON file. "peak MiB" in the table is
# the larger of the two, the same figure `time -f %M` reports (the biggest single
# process; during a build shelfpost stays alive, holding its own memory, while
# the engine runs). The split is printed under the table.
LAUNCHER = r"""
import json, resource, sys
report, mode, *args = sys.argv[1:]
code = 0
if mode == "cli":
    sys.argv = ["shelfpost", *args]
    from shelfpost.cli import main
    try:
        main(prog_name="shelfpost")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
else:  # the floor of `check`: read every post and parse its front matter, nothing else
    import pathlib, yaml
    posts = sorted((pathlib.Path(args[0]) / "content" / "posts").rglob("*.md"))
    for path in posts:
        text = path.read_text(encoding="utf-8")
        _, front, _body = text.split("---\n", 2)
        yaml.load(front, Loader=yaml.CSafeLoader)
    print(f"parsed {len(posts)} front matters", file=sys.stderr)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
usage = {}
for who, which in (("self", resource.RUSAGE_SELF), ("children", resource.RUSAGE_CHILDREN)):
    r = resource.getrusage(which)
    usage[who] = {"maxrss": r.ru_maxrss * scale, "cpu": r.ru_utime + r.ru_stime}
with open(report, "w") as fh:
    json.dump(usage, fh)
sys.exit(code)
"""


@dataclass
class Row:
    command: str
    n: int  # posts in the library; 0 for start-up, which reads none
    walls: list[float] = field(default_factory=list)
    usages: list[dict[str, dict[str, float]]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    def peak(self, who: str | None = None) -> float:
        """Largest peak RSS over the repeats in MiB (of one process, or the larger of both)."""
        whos = (who,) if who else ("self", "children")
        return max(u[w]["maxrss"] for u in self.usages for w in whos) / 2**20

    def cpu(self, who: str) -> float:
        return statistics.median(u[who]["cpu"] for u in self.usages)


def measure(mode: str, args: list[str], report: Path) -> tuple[float, dict[str, dict[str, float]], str]:
    command = [sys.executable, "-c", LAUNCHER, str(report), mode, *args]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise SystemExit(f"failed (exit {result.returncode}): {' '.join(args)}\n{log[-3000:]}")
    return wall, json.loads(report.read_text()), log


def run(sizes: list[int], build_sizes: list[int], repeat: int, work: Path, keep: bool = False) -> list[Row]:
    rows: list[Row] = []
    report = work / "rusage.json"
    os.environ["SHELFPOST_STATE_DIR"] = str(work / "state")  # the cache's key, not in your home
    for n in sorted(set(sizes) | set(build_sizes)):
        lib = work / f"lib-{n}"
        started = time.perf_counter()
        corpus.generate(n, lib)
        print(f"[{n}] generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        jobs: list[tuple[str, str, list[str]]] = []
        before: dict[str, Callable[[Path], None]] = {COLD_LABEL: no_cache, WARM_LABEL: edit_one}
        if n in sizes:
            jobs.append(("floor: read + yaml.load front matter", "floor", [str(lib)]))
            jobs.append((CHECK_LABEL, "cli", ["check", "--no-cache", "--root", str(lib)]))
            jobs.append((COLD_LABEL, "cli", ["check", "--root", str(lib)]))
            # the last cold run left a warm cache; each repeat edits one more post first
            jobs.append((WARM_LABEL, "cli", ["check", "--root", str(lib)]))
            # The scheduled run: a Git checkout whose last run wrote data/runs/last-deploy.json
            # (--record, itself timed), then `shelfpost due` 15 minutes later.
            commit_library(lib)
            jobs.append((RECORD_LABEL, "cli", ["due", "--record", "--root", str(lib), "--now", NOW]))
            jobs.append((DUE_LABEL, "cli", ["due", "--root", str(lib), "--now", LATER]))
        if n in build_sizes:
            jobs.append(
                (
                    "shelfpost build",
                    "cli",
                    ["build", "--root", str(lib), "--now", NOW, "--out", str(work / f"site-{n}")],
                )
            )
        for label, mode, args in jobs:
            row = Row(label, n)
            for _ in range(repeat):
                if label in before:
                    before[label](lib)
                wall, usage, log = measure(mode, args, report)
                if label.startswith("shelfpost check") and "no problems" not in log:
                    raise SystemExit(f"the generated library of {n} posts has problems:\n{log[-3000:]}")
                if label == DUE_LABEL and "nothing due" not in log:
                    raise SystemExit(f"`shelfpost due` found something due in {n} posts:\n{log[-3000:]}")
                row.walls.append(wall)
                row.usages.append(usage)
            print(f"[{n}] {label}: {' '.join(f'{w:.2f}' for w in row.walls)} s", file=sys.stderr)
            rows.append(row)
        if not keep:  # a 10,000-post library and a 1,000-post site are tens of MB each
            shutil.rmtree(work / f"site-{n}", ignore_errors=True)
            shutil.rmtree(lib, ignore_errors=True)
    # Start-up alone: what every command pays before reading a file.
    row = Row("shelfpost --version (start-up)", 0)
    for _ in range(repeat):
        wall, usage, _log = measure("cli", ["--version"], report)
        row.walls.append(wall)
        row.usages.append(usage)
    rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    order = {
        "shelfpost --version (start-up)": 0,
        "floor: read + yaml.load front matter": 1,
        CHECK_LABEL: 2,
        COLD_LABEL: 2.1,
        WARM_LABEL: 2.2,
        RECORD_LABEL: 3,
        DUE_LABEL: 4,
        "shelfpost build": 5,
    }
    lines = ["| command | N | median s | min-max s | peak MiB |", "| --- | ---: | ---: | ---: | ---: |"]
    for r in sorted(rows, key=lambda r: (order.get(r.command, 9), r.n)):
        n = f"{r.n:,}" if r.n else "-"
        lines.append(
            f"| {r.command} | {n} | {r.median:.2f} | {min(r.walls):.2f}-{max(r.walls):.2f} | {r.peak():.0f} |"
        )
    return "\n".join(lines)


def notes(rows: list[Row]) -> str:
    out = []
    for command in ("floor: read + yaml.load front matter", CHECK_LABEL, DUE_LABEL, "shelfpost build"):
        same = sorted((r for r in rows if r.command == command), key=lambda r: r.n)
        steps = [
            f"{a.n:,}→{b.n:,}: {1000 * (b.median - a.median) / (b.n - a.n):.2f}"
            for a, b in itertools.pairwise(same)
        ]
        if steps:
            out.append(f"- {command}, marginal ms per post: " + "; ".join(steps))
    by = {(r.command, r.n): r for r in rows}
    for n in sorted({r.n for r in rows if r.command == CHECK_LABEL}):
        floor = by.get(("floor: read + yaml.load front matter", n))
        if floor is None:
            continue
        parts = [
            f"{label.removeprefix('shelfpost check').strip(' ,') or 'no cache'} "
            f"{by[(label, n)].median / floor.median:.2f}x"
            for label in (CHECK_LABEL, COLD_LABEL, WARM_LABEL)
            if (label, n) in by
        ]
        out.append(f"- check {n:,} against the floor (targets: 1.2x, warm 0.1x): " + "; ".join(parts))
    for r in rows:
        if r.command == "shelfpost build":
            out.append(
                f"- build {r.n:,}: shelfpost process {r.cpu('self'):.1f} s CPU, peak "
                f"{r.peak('self'):.0f} MiB; engine (mkdocs) process {r.cpu('children'):.1f} s CPU, "
                f"peak {r.peak('children'):.0f} MiB (medians of CPU, max of peaks)"
            )
    return "\n".join(out)


def machine() -> str:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (
        f"{os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; shelfpost {version('shelfpost')}, "
        f"mkdocs {version('mkdocs')}, mkdocs-material {version('mkdocs-material')}, "
        f"PyYAML {version('PyYAML')}"
    )


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=sizes_arg,
        default=[100, 1000, 10000],
        help="post counts for check (default 100,1000,10000)",
    )
    parser.add_argument(
        "--build-sizes", type=sizes_arg, default=[100, 1000], help="post counts for build (default 100,1000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where libraries and sites go (default: a temporary folder, removed "
        "after; bench/out/ is git-ignored)",
    )
    parser.add_argument("--write", action="store_true", help="update the table in bench/README.md")
    args = parser.parse_args(argv)

    used = (
        f"python bench/run.py --sizes {','.join(map(str, args.sizes))} --build-sizes "
        f"{','.join(map(str, args.build_sizes))} --repeat {args.repeat}" + (" --write" if args.write else "")
    )
    started = time.perf_counter()
    load_before = os.getloadavg()[0]  # other work on the machine skews wall times: say so
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="run-", dir=args.workdir))
        rows = run(args.sizes, args.build_sizes, args.repeat, work, keep=True)
        print(f"libraries and sites kept in {work}", file=sys.stderr)
    else:
        with tempfile.TemporaryDirectory(prefix="shelfpost-bench-") as tmp:
            rows = run(args.sizes, args.build_sizes, args.repeat, Path(tmp))
    total = time.perf_counter() - started

    section = "\n".join(
        [
            table(rows),
            "",
            notes(rows),
            "",
            f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %z} on {machine()}.",
            "",
            f"1-minute load average {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after.",
            "",
            f"Command: `{used}` ({total / 60:.1f} min in all, corpus generation included).",
        ]
    )
    print(section)
    if args.write:
        write_readme(section)
        print(f"updated {README.relative_to(HERE.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
