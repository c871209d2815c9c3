"""``shelfpost serve``: a local preview with drafts, rebuilt when files change.

Engine-agnostic on purpose: it builds the same docs tree as ``build --drafts``
and serves the output with the standard library's HTTP server on 127.0.0.1,
polling the library's files for changes instead of hooking into an engine.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from shelfpost.errors import ShelfpostError
from shelfpost.library.loader import load_library
from shelfpost.library.problems import format_problems
from shelfpost.site.build import build_site

WATCHED = ("content", "templates", "shelfpost.yml", "mkdocs.yml")


def fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    entries = []
    for name in WATCHED:
        path = root / name
        files = (
            [path]
            if path.is_file()
            else sorted(p for p in path.rglob("*") if p.is_file())
            if path.is_dir()
            else []
        )
        for f in files:
            st = f.stat()
            entries.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(entries)


def serve_preview(
    root: Path,
    port: int,
    interval: float,
    echo: Callable[[str], None],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    env: Mapping[str, str] | None = None,
) -> None:
    out = root / ".shelfpost" / "preview"

    def rebuild() -> None:
        library = load_library(root)
        try:
            result = build_site(
                library, clock(), out, preview=True, work_dir=root / ".shelfpost" / "preview-build", env=env
            )
            echo(f"preview rebuilt: {result.posts} post(s) incl. drafts and scheduled")
        except ShelfpostError as exc:
            echo(format_problems(exc.problems))
            echo("preview NOT rebuilt: fix the problems above")

    rebuild()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    echo(f"previewing at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    seen = fingerprint(root)
    try:
        while True:
            sleep(interval)
            now = fingerprint(root)
            if now != seen:
                seen = now
                rebuild()
    except KeyboardInterrupt:
        server.shutdown()
