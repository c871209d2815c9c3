"""Build the public site: check → select what ``now`` allows → render → engine.

Rendering never talks to the network and never publishes; the clock comes in
as ``now``, so the same snapshot and ``now`` always give the same site.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from shelfpost.errors import ShelfpostError
from shelfpost.library.model import Library
from shelfpost.library.problems import Problem, errors
from shelfpost.library.progress import Progress, tick
from shelfpost.library.uistrings import strings_for
from shelfpost.site import incremental as inc
from shelfpost.site.docs import (
    EVENTS_ICS,
    LIBRARY_TEMPLATES,
    PACKAGE_TEMPLATES,
    PARTNERS_PAGE,
    STYLESHEET,
    Tree,
    render_docs,
)
from shelfpost.site.engine import CACHE_VARIABLE, EngineProcess, engine_config, write_engine_config
from shelfpost.site.feeds import feed_files, render_feeds, section_sitemaps
from shelfpost.site.ical import public_events
from shelfpost.site.incremental import build_epoch, build_key
from shelfpost.site.thumbs import Thumbnailer

WORK_DIR = ".shelfpost/build"
#: The lists' thumbnails, kept across builds (full ones too), named by their image's bytes.
THUMBNAIL_CACHE = "thumbnails"
#: Each page's converted Markdown and the search index's Chinese words, kept across
#: builds (full ones too), keyed by their input (mkdocs_hooks.py).
ENGINE_CACHE = "engine-cache"


@dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    posts: int
    engine: str
    log: str
    mode: str = "full"
    #: Docs files the engine rendered (all of them in a full build).
    rendered: int = 0


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


@contextmanager
def _locked(work: Path) -> Iterator[None]:
    """One build at a time per work folder (a second one waits)."""
    with open(work / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_overrides(root: Path, overrides: Path) -> None:
    if overrides.exists():
        shutil.rmtree(overrides)
    overrides.mkdir(parents=True)
    for source in (PACKAGE_TEMPLATES, root / LIBRARY_TEMPLATES):
        for html in sorted(source.glob("*.html")) if source.is_dir() else ():
            shutil.copyfile(html, overrides / html.name)


#: Folders of the work folder being deleted: renamed to this prefix, then deleted while
#: the build goes on (a site of 1,000 posts has ~2,000 folders; deleting them took ~1 s).
TRASH = ".deleting-"


def _discard(folder: Path, work: Path, deleting: list[threading.Thread]) -> None:
    """Take ``folder`` out of the way now and delete it in the background (joined at the end)."""
    if not folder.exists():
        return
    trash = folder if folder.name.startswith(TRASH) else work / f"{TRASH}{uuid.uuid4().hex}"
    if trash != folder:
        os.replace(folder, trash)
    thread = threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True})
    thread.start()
    deleting.append(thread)


def _full_build_reason(
    work: Path, state: dict[str, Any] | None, engine: str, config: dict[str, Any], key: str, full: bool
) -> str:
    """Why every page must be rendered this time; empty when only changed pages need it."""
    if full:
        return "--full"
    if engine != "mkdocs":
        return f"{engine} builds in full"
    unsafe = inc.unsafe_plugins(config)
    if unsafe:
        return "plugin " + ", ".join(unsafe) + " needs a full build"
    if state is None or not (work / "site" / "index.html").is_file():
        return "no previous build"
    if state.get("key") != key:  # the key covers the engine too
        return "configuration, theme or versions changed"
    return ""


#: Fewer pages than this are rendered by one engine process: another start-up costs more.
SHARD_MIN_PAGES = 200


def _engine_shares(engine: str, config: dict[str, Any], reason: str, jobs: int, library: Library) -> int:
    """How many engine processes a build uses: one, except full mkdocs builds of big sites."""
    if not reason or engine != "mkdocs" or jobs <= 1 or inc.unsafe_plugins(config):
        return 1
    return max(1, min(jobs, (len(library.posts) + len(library.pages)) // SHARD_MIN_PAGES))


def _sharded_build(procs: list[EngineProcess], parts: list[Path], tree: Tree) -> str:
    """Run every share at once, then move their outputs into the first and merge the search indexes."""
    for proc in procs:
        proc.go()
    logs = [proc.finish() for proc in procs]
    staged, indexes = parts[0], []
    for part in parts:
        index_file = part / inc.SEARCH_INDEX
        if index_file.is_file():
            indexes.append(json.loads(index_file.read_text("utf-8")))
            if part != staged:
                index_file.unlink()
    for part in parts[1:]:
        inc.move_tree(part, staged)
    if indexes:
        merged = inc.combine_search_indexes(indexes, _pages(tree))
        (staged / inc.SEARCH_INDEX).write_text(inc.dump_search_index(merged), encoding="utf-8")
    return "".join(logs)


def _pages(tree: Tree) -> list[str]:
    """The docs tree's Markdown pages (what the search index is ordered by)."""
    return [path for path in tree.texts if path.endswith(".md")]


def _dirty_build(engine: EngineProcess, staged: Path, tree: Tree, changes: inc.TreeChanges) -> str:
    """Render only the changed pages, then repair what the engine's dirty mode leaves out."""
    index_file = staged / inc.SEARCH_INDEX
    previous = json.loads(index_file.read_text("utf-8")) if index_file.is_file() else {}
    inc.remove_outputs(staged, changes.removed | changes.written)
    log = engine.finish()
    if index_file.is_file():
        rerendered = [p for p in changes.written if p.endswith(".md")]
        rebuilt = json.loads(index_file.read_text("utf-8"))
        merged = inc.merge_search_index(previous, rebuilt, _pages(tree), rerendered)
        index_file.write_text(inc.dump_search_index(merged), encoding="utf-8")
    return log


def navigation(library: Library) -> list[Any]:
    assert library.config is not None
    s = strings_for(library.config.language)
    nav: list[Any] = [{s["home"]: "index.md"}]
    nav += [{t.label: f"{t.path}/index.md"} for t in library.config.types.values()]
    nav += [{s["archive"]: "archive/index.md"}, {s["tags"]: "tags/index.md"}]
    if any(p.status == "active" and p.public for p in library.partners.values()):
        nav.append({s["partners"]: PARTNERS_PAGE})
    nav += [
        {c.name: f"{c.id}/index.md"} for c in library.plan.channels.values() if c.kind == "email" and c.email
    ]
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
    full: bool = False,
    jobs: int = 1,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the site into ``out``; raise :class:`ShelfpostError` on any error.

    The work folder keeps the last docs tree and site; unless ``full`` is set
    (or something every page depends on changed) only the pages whose docs file
    changed are rendered again, with the same result as a full build. A full
    build of a big site uses up to ``jobs`` engine processes (mkdocs).
    """
    if library.config is None or not library.ok:
        raise ShelfpostError(
            errors(library.problems) or library.problems, "the library has errors; fix them and build again"
        )
    cfg = library.config
    out = _safe_out(library.root, out)
    work = (work_dir or library.root / WORK_DIR).resolve()

    chosen = engine or cfg.site.engine
    docs, overrides, staged = work / "docs", work / "overrides", work / "site"
    work.mkdir(parents=True, exist_ok=True)
    with _locked(work):
        # Phase 1: what every page depends on (engine config, theme overrides): does
        # the engine render every page or only those whose docs file changes?
        _write_overrides(library.root, overrides)
        config = engine_config(
            library, docs, staged, overrides, navigation(library), feed_files(cfg), STYLESHEET
        )
        if chosen == "mkdocs":  # see render/mkdocs_hooks.py
            config["hooks"] = [*config.get("hooks", []), str(inc.HOOKS)]
        config_file = work / "mkdocs.yml"
        write_engine_config(config, config_file)
        key = build_key(chosen, config_file.read_text("utf-8"), overrides, preview)
        epoch = build_epoch(now)
        last = inc.read_state(work)
        reason = _full_build_reason(work, last, chosen, config, key, full)
        if not reason and last is not None and last.get("epoch") != epoch and inc.uses_build_date(overrides):
            reason = "a new day, and a template prints the build date"
        inc.clear_state(work)
        jinja_cache = work / "jinja-cache"
        deleting: list[threading.Thread] = []
        for folder in work.glob(f"{TRASH}*"):  # left by a build that was stopped
            _discard(folder, work, deleting)
        if reason:
            # The docs tree stays: it is written over (only changed bytes) and pruned,
            # and a full build renders every page whatever its time.
            for folder in (staged, jinja_cache):
                _discard(folder, work, deleting)
        docs.mkdir(parents=True, exist_ok=True)
        engine_cache = work / ENGINE_CACHE
        inc.clear_engine_cache_parts(engine_cache)
        engine_env = {
            CACHE_VARIABLE: str(jinja_cache / key[:16]),
            inc.ENGINE_CACHE_VARIABLE: str(engine_cache),
            inc.BUILD_KEY_VARIABLE: key,
        }
        # mkdocs starts now and waits, so its start-up overlaps phase 2; a full build
        # with several cores runs one mkdocs per core, each on its share of the pages.
        shares = _engine_shares(chosen, config, reason, jobs, library)
        parts = [staged] + [work / f"site-part-{i}" for i in range(1, shares)]
        for folder in parts[1:]:
            if folder.exists():
                shutil.rmtree(folder)
        procs: list[EngineProcess] = []
        try:
            for i in range(shares if chosen == "mkdocs" else 0):
                procs.append(
                    EngineProcess(
                        chosen,
                        config_file,
                        epoch=epoch,
                        dirty=not reason or shares > 1,
                        wait=True,
                        share=(i, shares) if shares > 1 else None,
                        site_dir=parts[i] if i else None,
                        env=engine_env,
                        base_env=env,
                    )
                )
            # Phase 2: every output in memory, then written over the last docs tree.
            thumbnails = Thumbnailer(work / THUMBNAIL_CACHE)
            tree = render_docs(library, now, preview, thumbnails)
            thumbnails.prune()
            for path, data in render_feeds(library, now).items():
                tree.add(path, data.decode("utf-8"))
            tree.add(EVENTS_ICS, public_events(library, now).decode("utf-8"))
            for path, text in section_sitemaps(cfg, list(tree.texts)).items():
                tree.add(path, text)
            changes = inc.sync_tree(tree.texts, tree.copies, docs)
            tick(progress, "build", 1, 2, "steps (pages written, site rendered)")

            # Phase 3: the engine, as one step (all pages, or the changed ones).
            procs = procs or [EngineProcess(chosen, config_file, epoch=epoch, env=engine_env, base_env=env)]
            if reason:
                log = _sharded_build(procs, parts, tree) if shares > 1 else procs[0].finish()
                mode, rendered = f"full ({reason})", len(tree.texts) + len(tree.copies)
            elif changes or last is None or last.get("epoch") != epoch:
                log = _dirty_build(procs[0], staged, tree, changes)
                mode, rendered = "incremental", len(changes.written)
            else:
                procs[0].cancel()
                log, mode, rendered = "", "incremental", 0
        finally:  # shelfpost failed (or was interrupted): no engine left running
            for proc in procs:
                proc.cancel()
        inc.merge_engine_cache(engine_cache, full=bool(reason))
        inc.write_state(work, {"key": key, "epoch": epoch})

        # The site is kept in the work folder for the next build; `out` gets a copy of
        # what changed (still under the lock: another build may not touch the site
        # while it is copied), so a failed build (which raises above) leaves the old site.
        inc.sync_site(staged, out)
        for thread in deleting:
            thread.join()
        tick(progress, "build", 2, 2, "steps (pages written, site rendered)")
    count = len(library.posts) if preview else len(library.live_posts(now))
    return BuildResult(out, count, chosen, log, mode, rendered)
