"""Build the public site: check → select what ``now`` allows → render → engine.

Rendering never talks to the network and never publishes; the clock comes in
as ``now``, so the same snapshot and ``now`` always give the same site.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .model import Library
from .problems import Problem, ShelfpostError, errors
from .render.engine import engine_config, run_engine, write_engine_config
from .render.feeds import feed_files, render_feeds
from .render.ical import public_events
from .render.site import (
    EVENTS_ICS,
    LIBRARY_TEMPLATES,
    PACKAGE_TEMPLATES,
    PARTNERS_PAGE,
    STYLESHEET,
    render_docs,
)
from .render.text import strings_for

WORK_DIR = ".shelfpost/build"


@dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    posts: int
    engine: str
    log: str


def _safe_out(root: Path, out: Path) -> Path:
    """Refuse output folders whose cleaning would delete the library itself."""
    out = out.resolve()
    if out == root or out in root.parents or (out / "shelfpost.yml").exists() or (out / ".git").exists():
        raise ShelfpostError(
            [
                Problem(
                    str(out),
                    0,
                    0,
                    "the output folder holds the library (or is "
                    "above it) and the engine empties it first: pick another "
                    "folder, e.g. site/",
                    "out-dir",
                )
            ]
        )
    for name in ("content", "calendar", "plan", "partners", "src"):
        if out == root / name:
            raise ShelfpostError(
                [
                    Problem(
                        str(out),
                        0,
                        0,
                        f"the output folder is the library's {name}/ folder: pick another folder",
                        "out-dir",
                    )
                ]
            )
    return out


def navigation(library: Library) -> list[Any]:
    assert library.config is not None
    s = strings_for(library.config.language)
    nav: list[Any] = [{s["home"]: "index.md"}]
    nav += [{t.label: f"{t.path}/index.md"} for t in library.config.types.values()]
    nav += [{s["archive"]: "archive/index.md"}, {s["tags"]: "tags/index.md"}]
    if any(p.status == "active" and p.public for p in library.partners.values()):
        nav.append({s["partners"]: PARTNERS_PAGE})
    pages = sorted((p for p in library.pages if p.nav), key=lambda p: (p.order, p.slug))
    nav += [{p.title: f"{p.slug}.md"} for p in pages]
    return nav


def build_site(
    library: Library,
    now: datetime,
    out: Path,
    *,
    preview: bool = False,
    engine: str | None = None,
    work_dir: Path | None = None,
) -> BuildResult:
    """Build the site into ``out``; raise :class:`ShelfpostError` on any error."""
    if library.config is None or not library.ok:
        raise ShelfpostError(
            errors(library.problems) or library.problems, "the library has errors; fix them and build again"
        )
    cfg = library.config
    out = _safe_out(library.root, out)
    work = (work_dir or library.root / WORK_DIR).resolve()

    # Phase 1: gather every output in memory.
    tree = render_docs(library, now, preview)
    for path, data in render_feeds(library, now).items():
        tree.add(path, data.decode("utf-8"))
    tree.add(EVENTS_ICS, public_events(library, now).decode("utf-8"))

    # Phase 2: write the docs tree, the theme overrides and the engine config.
    docs, overrides = work / "docs", work / "overrides"
    tree.write(docs)
    if overrides.exists():
        shutil.rmtree(overrides)
    overrides.mkdir(parents=True)
    for source in (PACKAGE_TEMPLATES, library.root / LIBRARY_TEMPLATES):
        for html in sorted(source.glob("*.html")) if source.is_dir() else ():
            shutil.copyfile(html, overrides / html.name)
    chosen = engine or cfg.site.engine
    # The engine writes beside its config (Zensical insists on it); the finished
    # site then replaces `out` in one move, so a failed build leaves the old site.
    staged = work / "site"
    config = engine_config(library, docs, staged, overrides, navigation(library), feed_files(cfg), STYLESHEET)
    config_file = work / "mkdocs.yml"
    write_engine_config(config, config_file)

    # Phase 3: the engine, as one step.
    log = run_engine(chosen, config_file, staged)
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staged), str(out))
    count = len(library.posts) if preview else len(library.live_posts(now))
    return BuildResult(out, count, chosen, log)
