"""Rebuild after an edit: only the pages whose docs file changed go through the engine.

A full build writes the docs tree, runs the engine on all of it and keeps both
(``.shelfpost/build/docs`` and ``.shelfpost/build/site``). The next build
writes the new docs tree *over* the old one, touching only files whose bytes
differ, so their modification time says what changed; the engine then runs in
its ``--dirty`` mode, which re-renders exactly the pages whose docs file is newer
than their HTML. What ``--dirty`` gets wrong is repaired here, so the result is
byte for byte the site a full build gives (``tests/test_incremental.py``):

- outputs of docs files that were removed are deleted (mkdocs leaves them);
- the search index of a dirty build holds only the re-rendered pages: the
  other pages' entries are taken from the previous index, in the order a full
  build writes them (mkdocs' file order);
- the build date in the sitemap comes from ``SOURCE_DATE_EPOCH``, set from
  ``now``'s day for every build, so it does not depend on which pages ran.

What a page's HTML depends on beyond its own docs file (the navigation, the
theme, the templates, the engine's configuration and version) is fingerprinted
in :func:`build_key`; when the fingerprint moves, or the engine or a plugin is
one whose dirty mode we have not verified, the build is a full one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

STATE_FILE = "state.json"
SEARCH_INDEX = "search/search_index.json"
#: The engine cache's folder, for mkdocs_hooks (= mkdocs_hooks.ENGINE_CACHE_VARIABLE).
ENGINE_CACHE_VARIABLE = "SHELFPOST_ENGINE_CACHE"
#: shelfpost's build key, for the engine cache of pages' HTML (= mkdocs_hooks.BUILD_KEY_VARIABLE).
BUILD_KEY_VARIABLE = "SHELFPOST_BUILD_KEY"
#: Its files: each page's converted Markdown, each run of Han characters' words, the
#: keys of the pages' HTML (files under ``pages/``).
ENGINE_CACHES = ("render", "segments", "pages")
PAGE_FILES = "pages"
#: Plugins whose output under ``mkdocs build --dirty`` plus the repairs above
#: equals a full build's. Anything else (blog, tags, social cards, ...) may
#: render one page from many, so it gets a full build.
DIRTY_SAFE_PLUGINS = frozenset({"search", "material/search"})
ENGINE_DISTRIBUTIONS = (
    "mkdocs",
    "mkdocs-material",
    "mkdocs-material-extensions",
    "pymdown-extensions",
    "markdown",
    "jinja2",
    "markupsafe",
    "babel",
    "pygments",
    "backrefs",
    "jieba",
)
HOOKS = Path(__file__).with_name("mkdocs_hooks.py")
#: Template variables that change with the build date: a template that uses one makes
#: every page depend on the day, so a new day means a full build.
DATED = ("build_date_utc", "update_date")


@dataclass(frozen=True)
class TreeChanges:
    """What writing a docs tree over the previous one changed."""

    written: frozenset[str]
    removed: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.written or self.removed)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def build_key(engine: str, config_text: str, overrides: Path, preview: bool) -> str:
    """Fingerprint of everything a page's HTML depends on besides its docs file."""
    digest = hashlib.sha256()
    for part in (engine, "preview" if preview else "public", config_text):
        digest.update(part.encode("utf-8") + b"\0")
    for dist in ("shelfpost", *ENGINE_DISTRIBUTIONS):
        digest.update(f"{dist}={_version(dist)}\0".encode())
    digest.update(f"python={sys.version}\0".encode() + HOOKS.read_bytes())
    for path in sorted(overrides.rglob("*")) if overrides.is_dir() else ():
        if path.is_file():
            digest.update(path.relative_to(overrides).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def uses_build_date(overrides: Path) -> bool:
    """Whether a theme override prints the build date (Material's own templates do not)."""
    return any(
        word in path.read_text("utf-8", errors="replace")
        for path in (overrides.rglob("*") if overrides.is_dir() else ())
        if path.is_file()
        for word in DATED
    )


def plugin_names(config: Mapping[str, Any]) -> list[str]:
    plugins = config.get("plugins")
    if plugins is None:
        return ["search"]  # mkdocs' default
    if isinstance(plugins, dict):
        return [str(k) for k in plugins]
    names = []
    for item in plugins:
        names.append(str(next(iter(item))) if isinstance(item, dict) else str(item))
    return names


def unsafe_plugins(config: Mapping[str, Any]) -> list[str]:
    return [name for name in plugin_names(config) if name not in DIRTY_SAFE_PLUGINS]


def build_epoch(now: datetime) -> int:
    """``SOURCE_DATE_EPOCH`` for the engine: the start of ``now``'s day in UTC.

    mkdocs dates the sitemap (and the gzip header of ``sitemap.xml.gz``) with
    it; the day, not the second, so rebuilds during one day agree.
    """
    day = now.astimezone(UTC).date()
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def read_state(work: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((work / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_state(work: Path, state: Mapping[str, Any]) -> None:
    from shelfpost.library.atomic import write_atomically

    write_atomically(work / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def clear_state(work: Path) -> None:
    """Mark the work folder as being rebuilt: a crash from here on means a full build next time."""
    (work / STATE_FILE).unlink(missing_ok=True)


def sync_tree(texts: Mapping[str, str], copies: Mapping[str, Path], dest: Path) -> TreeChanges:
    """Make ``dest`` hold exactly these files, writing only those whose bytes differ.

    Unchanged files keep their modification time: that is how the engine's
    dirty mode tells what to re-render.
    """
    wanted: dict[str, bytes | Path] = {path: text.encode("utf-8") for path, text in texts.items()}
    wanted.update(copies)
    written = set()
    for rel, content in sorted(wanted.items()):
        target = dest / rel
        data = content.read_bytes() if isinstance(content, Path) else content
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.add(rel)
    return TreeChanges(frozenset(written), frozenset(_prune(dest, wanted.keys())))


def _prune(root: Path, keep: Collection[str]) -> set[str]:
    """Delete the files under ``root`` whose relative path is not in ``keep``, and empty folders.

    Returns the relative paths deleted.
    """
    removed = set()
    for path in sorted(root.rglob("*"), reverse=True) if root.is_dir() else ():
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif (rel := path.relative_to(root).as_posix()) not in keep:
            path.unlink()
            removed.add(rel)
    return removed


def page_url(src: str) -> str:
    """The URL (relative to the site root) mkdocs gives a docs page, directory URLs on."""
    path = PurePosixPath(src)
    if path.stem in ("index", "README"):
        parent = path.parent.as_posix()
        return "" if parent == "." else parent + "/"
    stem = path.with_suffix("").as_posix()
    return stem + "/"


def output_path(src: str) -> str:
    """Where mkdocs writes a docs file's output (directory URLs on)."""
    if not src.endswith(".md"):
        return src
    return page_url(src) + "index.html"


def remove_outputs(site: Path, removed: Iterable[str]) -> None:
    """Delete the outputs of these docs files, and the folders left empty.

    For removed docs files that is what a full build would no longer write; for
    changed ones it makes the dirty build render them whatever the clocks say
    (mkdocs compares modification times, which a coarse file system can tie).
    """
    for src in removed:
        target = site / output_path(src)
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != site and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def _sort_key(src: str) -> tuple[tuple[str, ...], bool, str]:
    """mkdocs' order of files (``mkdocs.structure.files.file_sort_key``): index first, folders last."""
    parts = PurePosixPath(src).parts
    return (parts[:-1], PurePosixPath(src).stem != "index", parts[-1])


def _page_of(location: str) -> str:
    """The page part of a search entry's location, decoded: the index holds ``posts/%E5%86%AC/``
    for the page at ``posts/冬/``."""
    return unquote(location.split("#", 1)[0])


def combine_search_indexes(indexes: Iterable[Mapping[str, Any]], pages: Iterable[str]) -> dict[str, Any]:
    """One index from indexes that cover disjoint sets of pages, in mkdocs' order.

    The ``config`` is the first index's that has one.
    """
    indexes = list(indexes)
    groups: dict[str, list[Any]] = {}
    for index in indexes:
        for entry in index.get("docs", []):
            groups.setdefault(_page_of(entry["location"]), []).append(entry)
    docs: list[Any] = []
    for src in sorted(pages, key=_sort_key):
        docs.extend(groups.get(page_url(src), ()))
    config = next((index["config"] for index in indexes if "config" in index), None)
    return {"config": config, "docs": docs}


def move_tree(source: Path, dest: Path) -> None:
    """Move every file of ``source`` to the same place under ``dest``; remove ``source``."""
    for dirpath, _dirnames, filenames in os.walk(source):
        target = dest / os.path.relpath(dirpath, source)
        target.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            os.replace(os.path.join(dirpath, name), target / name)
    shutil.rmtree(source)


def merge_search_index(
    previous: Mapping[str, Any], rebuilt: Mapping[str, Any], pages: Iterable[str], rerendered: Iterable[str]
) -> dict[str, Any]:
    """The index a full build writes: re-rendered pages' entries from ``rebuilt``, the rest from ``previous``.

    ``pages`` are all docs pages (``.md`` paths) of the new tree, ``rerendered``
    the ones the dirty build rendered.
    """
    fresh = {page_url(src) for src in rerendered}
    kept = [entry for entry in previous.get("docs", []) if _page_of(entry["location"]) not in fresh]
    unchanged = {"docs": kept, **({"config": previous["config"]} if "config" in previous else {})}
    return combine_search_indexes([rebuilt, unchanged], pages)


def dump_search_index(data: Mapping[str, Any]) -> str:
    """Serialised as Material's search plugin does (``json.dumps`` with compact separators)."""
    return json.dumps(data, separators=(",", ":"), default=str)


def sync_site(staged: Path, out: Path) -> int:
    """Copy the finished site to ``out``: files whose size or time differ; delete the rest.

    Returns the number of files copied. ``copy2`` keeps the modification time,
    so the next sync copies only what the engine rewrote; a file the engine wrote
    again with the same bytes (every file of a full build) only gets its time.
    """
    copied = 0
    seen: set[str] = set()
    out.mkdir(parents=True, exist_ok=True)
    for dirpath, _dirnames, filenames in os.walk(staged):
        rel_dir = os.path.relpath(dirpath, staged)
        target_dir = out if rel_dir == "." else out / rel_dir
        target_dir.mkdir(exist_ok=True)
        for name in filenames:
            src = os.path.join(dirpath, name)
            dst = target_dir / name
            seen.add(name if rel_dir == "." else f"{Path(rel_dir).as_posix()}/{name}")
            s = os.stat(src)
            try:
                d = dst.stat()
                if d.st_size == s.st_size:
                    if d.st_mtime_ns == s.st_mtime_ns:
                        continue
                    if Path(src).read_bytes() == dst.read_bytes():  # rendered again, the same bytes
                        os.utime(dst, ns=(s.st_atime_ns, s.st_mtime_ns))
                        continue
            except FileNotFoundError:
                pass
            shutil.copy2(src, dst)
            copied += 1
    _prune(out, seen)
    return copied


def clear_engine_cache_parts(folder: Path) -> None:
    """Drop what engines of an interrupted build left for :func:`merge_engine_cache`."""
    for name in ENGINE_CACHES:
        for part in folder.glob(f"{name}-*.json*") if folder.is_dir() else ():
            part.unlink(missing_ok=True)


def merge_engine_cache(folder: Path, full: bool) -> None:
    """Fold what each engine process used into the engine cache (``mkdocs_hooks``).

    After a full build the cache holds exactly what it used (stale entries go);
    with ``full`` false (only engines of full builds write parts today), the
    previous entries plus what it used.
    """
    for name in ENGINE_CACHES:
        parts = sorted(folder.glob(f"{name}-*.json")) if folder.is_dir() else []
        if not parts:
            continue  # the engine did not run (or is not mkdocs): keep what there is
        merged: dict[str, Any] = {} if full else _read_json_object(folder / f"{name}.json")
        for part in parts:
            merged.update(_read_json_object(part))
        # Replaced whole, but not flushed to disk: a cache lost in a crash is only slower.
        temporary = folder / f".{name}.json.tmp"
        temporary.write_text(json.dumps(merged, ensure_ascii=False, separators=(",", ":")), "utf-8")
        os.replace(temporary, folder / f"{name}.json")
        for part in parts:
            part.unlink()
        if name == PAGE_FILES:
            _prune_pages(folder / PAGE_FILES, merged.keys())


def _prune_pages(pages: Path, keep: Collection[str]) -> None:
    """Delete the cached pages no longer in the cache's list (a full build lists what it used)."""
    for shard in pages.iterdir() if pages.is_dir() else ():
        for path in shard.iterdir() if shard.is_dir() else (shard,):
            if path.name.split(".", 1)[0] not in keep:
                path.unlink()


def _read_json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
