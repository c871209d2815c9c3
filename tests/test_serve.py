"""`shelfpost serve`: a preview on 127.0.0.1 that shows drafts, follows edits and reloads itself.

The browser tests drive Debian's Chromium (as tests/test_browser.py does): the page
must show an edit without the test reloading it, and a broken edit must keep the last
good page, with the problem (file:line) printed and shown on the page.
"""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import Lib, post_text, run_cli
from shelfpost.library.loader import load_library
from shelfpost.site.build import build_site
from shelfpost.site.serve import LIVERELOAD_PATH, SCRIPT_ID, Changes, Preview, PreviewState, inject

pytestmark = pytest.mark.xdist_group("engine")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
#: How long a test waits for the preview (a loaded CI machine builds slowly); never a fixed sleep.
PATIENCE = 120


class Serve:
    """`shelfpost serve --port 0` in a real process; its output read line by line."""

    def __init__(self, root: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shelfpost.cli", "serve", "--port", "0", *args],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", self.wait_for("previewing at"))
        assert match
        self.base = f"http://127.0.0.1:{match[1]}"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, needle: str) -> str:
        """The next output line holding ``needle`` (the lines before it are kept in ``output``)."""
        while True:
            try:
                line = self.lines.get(timeout=PATIENCE)
            except queue.Empty:
                raise AssertionError(f"serve never printed {needle!r}:\n{''.join(self.output)}") from None
            self.output.append(line)
            if needle in line:
                return line

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return "".join(self.output)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - 127.0.0.1 only
        text: str = r.read().decode("utf-8")
        return text


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert shutil.which(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        # Not b.close() / page.close(): with a live-reload request pending Chromium can take
        # minutes to close a page; leaving sync_playwright() ends the browser process.


@pytest.fixture
def serving(lib: Lib) -> Iterator[Serve]:
    lib.post("2026-10-01-live", post_text(title="已公開"))
    lib.post("2026-10-02-wip", post_text(title="還在寫的草稿", extra="draft: true\n"))
    # --interval: the old option, still accepted (and said to be ignored)
    serve = Serve(lib.root, "--interval", "0.3")
    try:
        yield serve
    finally:
        serve.stop()


@pytest.mark.browser
def test_the_page_shows_an_edit_without_a_reload(lib: Lib, serving: Serve, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    outside: list[str] = []  # the preview never makes the browser leave 127.0.0.1

    def route(r):  # type: ignore[no-untyped-def]
        if r.request.url.startswith(serving.base) or r.request.url.startswith("data:"):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(f"{serving.base}/posts/wip/")
    assert page.locator("h1").first.inner_text() == "還在寫的草稿"
    assert "草稿：尚未公開" in page.inner_text("body")
    page.wait_for_function("document.getElementById('shelfpost-livereload') !== null")
    page.evaluate("window.shelfpostTestMark = 1")

    lib.post(
        "2026-10-02-wip", post_text(title="改好的標題", extra="draft: true\n", body="新的一段 new words.\n")
    )
    # The page updates itself: the test only waits for the DOM.
    page.wait_for_function(
        "document.body.innerText.includes('新的一段 new words.')", timeout=PATIENCE * 1000, polling=50
    )
    assert page.locator("h1").first.inner_text() == "改好的標題"
    assert page.title().startswith("改好的標題")
    # Swapped in place: the page was not loaded again (its scripts' state is still there).
    assert page.evaluate("window.shelfpostTestMark") == 1
    assert outside == []
    # The rest of the preview follows: the home page lists the new title.
    serving.wait_for("preview rebuilt")
    assert "改好的標題" in fetch(f"{serving.base}/")


@pytest.mark.browser
def test_a_bad_edit_keeps_the_last_good_page_and_says_where(lib: Lib, serving: Serve, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(f"{serving.base}/posts/wip/")
    page.wait_for_function("document.getElementById('shelfpost-livereload') !== null")
    # 30 February: line 3, column 13 of the post's file.
    lib.post("2026-10-02-wip", post_text(title="壞掉的編輯", publish_at="2026-02-30 10:00"))
    serving.wait_for("preview NOT rebuilt")
    assert "content/posts/2026/2026-10-02-wip.md:3:13" in "".join(serving.output)
    assert "--interval is deprecated and ignored" in "".join(serving.output)
    banner = page.locator("#shelfpost-stale")
    banner.wait_for(timeout=PATIENCE * 1000)
    assert "2026-10-02-wip.md:3:13" in banner.inner_text()
    assert "預覽未更新" in banner.inner_text()
    assert page.locator("h1").first.inner_text() == "還在寫的草稿"  # the last good page
    assert "還在寫的草稿" in fetch(f"{serving.base}/posts/wip/")
    assert "壞掉的編輯" not in fetch(f"{serving.base}/posts/wip/")

    # Fixed: the banner goes and the page shows the fix.
    lib.post("2026-10-02-wip", post_text(title="修好了", extra="draft: true\n"))
    page.wait_for_function(
        "document.querySelector('h1') && document.querySelector('h1').innerText === '修好了'",
        timeout=PATIENCE * 1000,
        polling=50,
    )
    assert page.locator("#shelfpost-stale").count() == 0


def test_only_served_pages_get_the_script_never_the_built_site(
    lib: Lib, serving: Serve, tmp_path: Path
) -> None:
    served = fetch(f"{serving.base}/posts/wip/")
    assert served.count(f'id="{SCRIPT_ID}"') == 1 and LIVERELOAD_PATH in served
    assert SCRIPT_ID not in fetch(f"{serving.base}/search/search_index.json")
    # The files the preview serves have no script either: it is added as they are sent.
    preview_pages = list((lib.root / ".shelfpost/preview").rglob("*.html"))
    assert preview_pages and not [p for p in preview_pages if SCRIPT_ID in p.read_text("utf-8")]
    # The published build.
    out = tmp_path / "site"
    result = run_cli("build", "--out", str(out), "--now", NOW.isoformat(), cwd=lib.root)
    assert result.returncode == 0, result.stderr
    pages = list(out.rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        text = path.read_text("utf-8")
        assert SCRIPT_ID not in text and LIVERELOAD_PATH not in text, path


def test_the_quick_step_then_the_build_equal_a_full_build(lib: Lib, tmp_path: Path) -> None:
    """The edited post's page goes first; after the incremental build that follows, the
    preview is byte for byte a full preview build of the same files."""
    lib.post("2026-10-01-live", post_text(title="已公開", extra="tags: [閱讀]\n"))
    wip = lib.post("2026-10-02-wip", post_text(title="還在寫的草稿", extra="draft: true\n"))
    said: list[str] = []
    ticks = iter(range(1000))
    preview = Preview(lib.root, lambda: NOW, said.append, lambda: float(next(ticks)))
    try:
        assert preview.rebuild()
        wip.write_text(post_text(title="改好的標題", extra="draft: true\ntags: [閱讀]\n"), encoding="utf-8")
        assert preview.quick({"content/posts/2026/2026-10-02-wip.md"})
        quick_page = (preview.out / "posts/wip/index.html").read_text("utf-8")
        assert "改好的標題" in quick_page
        assert preview.state.generation == 2
        assert any("posts/wip/ updated in 1.00 s" in line for line in said)  # the injected timer
        assert preview.rebuild()
    finally:
        preview.close()
    full = tmp_path / "full"
    build_site(load_library(lib.root), NOW, full, preview=True, work_dir=tmp_path / "work", full=True)
    got = {
        p.relative_to(preview.out).as_posix(): p.read_bytes() for p in preview.out.rglob("*") if p.is_file()
    }
    want = {p.relative_to(full).as_posix(): p.read_bytes() for p in full.rglob("*") if p.is_file()}
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []
    assert "改好的標題" in got["posts/wip/index.html"].decode("utf-8")


def test_the_quick_step_leaves_new_files_and_bad_posts_to_the_build(lib: Lib) -> None:
    lib.post("2026-10-01-live", post_text(title="已公開"))
    preview = Preview(lib.root, lambda: NOW, lambda _msg: None, lambda: 0.0)
    try:
        assert preview.rebuild()
        new = lib.post("2026-10-03-new", post_text(title="新文章"))
        assert not preview.quick({new.relative_to(lib.root).as_posix()})  # lists change: the build does it
        bad = lib.post("2026-10-01-live", post_text(title="已公開", publish_at="2026-02-30 10:00"))
        assert not preview.quick({bad.relative_to(lib.root).as_posix()})
        assert preview.state.generation == 1
        assert not preview.rebuild()  # the build reports the problem; the last good site stays
        assert preview.state.problems.count("2026-10-01-live.md:3:13") == 1
        assert "已公開" in (preview.out / "posts/live/index.html").read_text("utf-8")
    finally:
        preview.close()


def test_inject_puts_the_script_before_the_end_of_the_body() -> None:
    page = inject(b"<html><body><p>\xe5\x85\xa7\xe6\x96\x87</p></body></html>", 7)
    text = page.decode("utf-8")
    assert text.startswith("<html><body><p>內文</p><script") and text.endswith("</script></body></html>")
    assert "let generation = 7;" in text
    assert inject(b"<p>no body tag</p>", 1).startswith(b"<p>no body tag</p><script")


def test_the_long_poll_answers_when_a_build_finishes() -> None:
    state = PreviewState()
    assert state.wait(-1, timeout=0) == {"generation": 0, "version": 0, "problems": ""}
    assert state.wait(0, timeout=0)["version"] == 0  # nothing new: answers after the timeout
    state.finished(False, "content/posts/x.md:3:13: bad date")
    assert state.wait(0, timeout=0) == {
        "generation": 0,
        "version": 1,
        "problems": "content/posts/x.md:3:13: bad date",
    }
    state.finished(True)
    assert state.wait(1, timeout=0) == {"generation": 1, "version": 2, "problems": ""}


def test_changes_take_only_the_library_inputs(tmp_path: Path) -> None:
    changes = Changes(tmp_path, debounce=0)
    for rel in (
        "content/posts/2026/a.md",
        ".shelfpost/preview/index.html",
        "site/x.html",
        "mkdocs.yml",
        ".git/HEAD",
    ):
        changes.add(str(tmp_path / rel))
    assert changes.take() == {"content/posts/2026/a.md", "mkdocs.yml"}
    changes.stop()
    assert changes.take() is None
