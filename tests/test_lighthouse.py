"""Lighthouse (npm, pinned in scripts/install-node-tools.sh) on Debian's Chromium, against a
copy of the sample site served on 127.0.0.1: no errors in the console (issue 13).

Run it alone with ``make lighthouse``; the JSON reports are kept in pytest's tmp folder.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from shelfpost.library.procenv import child_env

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("engine")]

CHROMIUM = "/usr/bin/chromium"
INSTALLER = REPO / "scripts/install-node-tools.sh"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --disable-sync --disable-quic"
)
PAGES = ["/", "/posts/winter-cookbooks/", "/events/"]


def lighthouse_cli() -> Path:
    """The pinned Lighthouse: $SHELFPOST_LIGHTHOUSE, else the installer's cache folder."""
    version = re.search(r"^LIGHTHOUSE_VERSION=(\S+)$", INSTALLER.read_text("utf-8"), re.MULTILINE)
    assert version, INSTALLER
    if os.environ.get("SHELFPOST_LIGHTHOUSE"):
        folder = Path(os.environ["SHELFPOST_LIGHTHOUSE"])
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shelfpost"
        folder = cache / "npm" / f"lighthouse-{version.group(1)}"
    cli = folder / "node_modules/lighthouse/cli/index.js"
    assert cli.is_file(), f"{cli} is missing: run `make node-tools` (scripts/install-node-tools.sh)"
    return cli


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def served(sample_site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(sample_site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def lighthouse(url: str, out: Path) -> dict[str, Any]:
    assert shutil.which(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    node = shutil.which("node")
    assert node, "node is missing: run `make node-tools`"
    env = child_env(os.environ, {"CHROME_PATH": CHROMIUM, "HOME": str(out.parent)})
    done = subprocess.run(
        [
            node,
            str(lighthouse_cli()),
            url,
            "--only-categories=best-practices",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return report


@pytest.mark.parametrize("path", PAGES)
def test_lighthouse_finds_no_console_errors(served: str, path: str, tmp_path: Path) -> None:
    report = lighthouse(served + path, tmp_path / "lighthouse.json")
    assert report["finalDisplayedUrl"] == served + path
    audit = report["audits"]["errors-in-console"]
    items = (audit.get("details") or {}).get("items", [])
    assert audit["score"] == 1 and items == [], [
        (i.get("description"), (i.get("sourceLocation") or {}).get("url")) for i in items
    ]
    failing = {
        k: a["title"] for k, a in report["audits"].items() if a.get("score") is not None and a["score"] < 1
    }
    assert failing == {}, failing
    assert report["categories"]["best-practices"]["score"] == 1
