"""`shelfpost serve`: a preview on 127.0.0.1 that shows drafts and follows edits."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import Lib, post_text

pytestmark = pytest.mark.xdist_group("engine")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - 127.0.0.1 only
            text: str = r.read().decode("utf-8")
            return text
    except OSError:
        return None


def wait_for(url: str, needle: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = fetch(url)
        if body is not None and needle in body:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{needle!r} never appeared at {url}")


def test_preview_shows_drafts_and_rebuilds_on_edit(lib: Lib, tmp_path: Path) -> None:
    lib.post("2026-10-01-live", post_text(title="已公開"))
    lib.post("2026-10-02-wip", post_text(title="還在寫的草稿", extra="draft: true\n"))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shelfpost.cli", "serve", "--port", str(port), "--interval", "0.3"],
        cwd=lib.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = wait_for(f"{base}/posts/wip/", "還在寫的草稿")
        assert "草稿：尚未公開" in page
        lib.post("2026-10-02-wip", post_text(title="改好的標題", extra="draft: true\n"))
        wait_for(f"{base}/posts/wip/", "改好的標題")
        # A broken edit keeps the last good preview and says why.
        lib.post("2026-10-02-wip", post_text(title="改好的標題", publish_at="2026-02-30 10:00"))
        time.sleep(3)
        assert "改好的標題" in (fetch(f"{base}/posts/wip/") or "")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert "preview NOT rebuilt" in output and "2026-10-02-wip.md:3:13" in output
