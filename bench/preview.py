"""Save-to-visible of ``shelfpost serve``, measured by a real browser.

    python bench/preview.py [--sizes 1000,10000] [--repeat 3]

For each size a library is generated (bench/corpus.py), ``shelfpost serve`` starts on it
(port 0, its first build waited for), and Debian's Chromium, driven by Playwright, opens
the newest post's page. Each run appends a new line to that post's file and takes the
time from the write to the moment a page with the new line in its DOM has loaded: the
page reloads itself (the preview's live reload), nothing is pressed. That moment is read
in the page (``Date.now()`` at DOMContentLoaded, by an init script; the same clock as the
write's ``time.time()``), so Playwright's polling adds nothing. Between runs the preview is
let finish the whole build the edit started (its "preview rebuilt" line), so each run is a
save into an idle preview. Printed: the rows in bench/run.py's table format; ``run.py``
calls :func:`measure` for its 1,000 and 10,000-post rows.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402  (bench/ is not a package)

LABEL = "shelfpost serve: save a post -> served page has the new text"
TARGETS = {1000: 0.5, 10000: 1.0}
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
#: Seconds to wait for a build or a page (a 10,000-post first build on a loaded machine is minutes).
PATIENCE = 1800
SEEN = """
// When the text the bench waits for (sessionStorage) is first in the DOM: checked at
// DOMContentLoaded (a reload) and on every change of the DOM (the content swapped in place).
(() => {
  const check = () => {
    const want = sessionStorage.getItem("shelfpostWant");
    if (want && !window.__shelfpostSeenAt && document.body && document.body.innerText.includes(want)) {
      window.__shelfpostSeenAt = Date.now();
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    check();
    new MutationObserver(check).observe(document.body, {childList: true, subtree: true});
  });
})();
"""


class Serve:
    """``shelfpost serve --port 0`` on a library, its output read line by line."""

    def __init__(self, lib: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shelfpost", "serve", "--port", "0"],
            cwd=lib,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", self.wait_for("previewing at"))
        assert match
        self.base = f"http://127.0.0.1:{match[1]}"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, needle: str) -> str:
        while True:
            try:
                line = self.lines.get(timeout=PATIENCE)
            except queue.Empty:
                raise SystemExit(f"serve never printed {needle!r}") from None
            print(f"  serve: {line.rstrip()}", file=sys.stderr)
            if needle in line:
                return line

    def peak_mib(self) -> float:
        """Peak RSS of serve and of its children now alive (the warm mkdocs), the larger, MiB."""
        peaks = []
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        for pid in pids + [int(c) for c in children]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            if found:
                peaks.append(int(found[1]) / 1024)
        return max(peaks, default=0.0)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def measure(lib: Path, n: int, runs: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Time ``runs`` saves of the newest post of the library at ``lib`` (``n`` posts).

    Returns ``{"command", "n", "walls", "peak_mib", "load"}``: the seconds from each write
    to the new text in the page's DOM, and the 1-minute load average before each run.
    """
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    post = next((lib / "content" / "posts").rglob(f"*-post-{n:05d}.md"))
    serve = Serve(lib, dict(env or os.environ))
    walls: list[float] = []
    loads: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.add_init_script(SEEN)
            page.goto(f"{serve.base}/posts/post-{n:05d}/")
            page.wait_for_function("document.getElementById('shelfpost-livereload') !== null")
            for run in range(1, runs + 1):
                line = f"Preview bench, save {run} at {time.time():.0f}: 預覽量測。"
                page.evaluate(
                    "(line) => { sessionStorage.setItem('shelfpostWant', line); window.__shelfpostSeenAt = 0; }",
                    line,
                )
                loads.append(os.getloadavg()[0])
                written = time.time()
                with post.open("a", encoding="utf-8") as handle:
                    handle.write(f"\n{line}\n")
                page.wait_for_function("() => window.__shelfpostSeenAt > 0", timeout=PATIENCE * 1000)
                seen = page.evaluate("window.__shelfpostSeenAt") / 1000
                walls.append(seen - written)
                print(f"[{n}] {LABEL}: run {run} {seen - written:.2f} s", file=sys.stderr)
                serve.wait_for("preview rebuilt")  # the whole build after the page: idle again
            browser.close()
        peak = serve.peak_mib()
    finally:
        serve.stop()
    return {"command": LABEL, "n": n, "walls": walls, "peak_mib": peak, "load": loads}


def row(result: dict[str, Any]) -> str:
    """One row of bench/run.py's table: command, N, runs, median, min-max, peak MiB."""
    walls = result["walls"]
    return (
        f"| {result['command']} | {result['n']:,} | {len(walls)} | {statistics.median(walls):.2f} | "
        f"{min(walls):.2f}-{max(walls):.2f} | {result['peak_mib']:.0f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="post counts (default 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="saves per size (default 3)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the libraries here")
    args = parser.parse_args(argv)
    sizes = [int(v) for v in args.sizes.split(",") if v.strip()]
    work = Path(tempfile.mkdtemp(prefix="shelfpost-preview-", dir=args.workdir))
    env = {**os.environ, "SHELFPOST_STATE_DIR": str(work / "state")}
    results = []
    try:
        for n in sizes:
            lib = work / f"lib-{n}"
            corpus.generate(n, lib)
            results.append(measure(lib, n, args.repeat, env))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print("| command | N | runs | median s | min-max s | peak MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        print(row(result))
    for result in results:
        target = TARGETS.get(result["n"])
        median = statistics.median(result["walls"])
        verdict = f" (target <= {target:g} s: {'met' if median <= target else 'not met'})" if target else ""
        loads = ", ".join(f"{v:.1f}" for v in result["load"])
        print(f"- {result['n']:,} posts: median {median:.2f} s{verdict}; 1-minute load average {loads}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
