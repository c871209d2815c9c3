"""mkdocs hooks shelfpost adds to the engine config it writes (mkdocs only; see engine.py).

``on_pre_build``: an engine started early (``EngineProcess(wait=True)``) has
imported mkdocs, the theme and the plugins and loaded its config by now; it loads
the search plugin's Chinese dictionary and waits here for shelfpost to finish
writing the docs tree ("go" on stdin) or to call the build off ("stop").

``on_config`` and ``on_files``: a full build on a machine with several cores
runs one mkdocs per core, each in ``--dirty`` mode into its own empty folder and
with ``SHELFPOST_ENGINE_SHARE=i/n``: process *i* renders every *n*-th page (and
process 0 alone copies the static files and writes the sitemap and 404 page), by
reporting the other files as unmodified, which is exactly what dirty mode asks.
shelfpost then moves the outputs together and merges the search indexes
(``render/incremental.py``); tests/test_incremental.py checks that the result is
byte for byte a one-process ``mkdocs build``.

``on_env``: Material's ~45 templates are compiled by Jinja in every mkdocs process, ~1 s
of every build, incremental or full. Jinja's own bytecode cache keeps the
compiled templates in a folder of the build's work folder named after the build
key (versions, config, overrides: see incremental.build_key), emptied by every
full build. Jinja runs what it finds there (it checks only the source's hash),
so the folder is never shared: not committed, not restored from a CI cache.

The engine cache (``SHELFPOST_ENGINE_CACHE`` names its folder, kept across builds,
``--full`` ones too): two thirds of a full build is Python-Markdown and a tenth is
jieba segmenting Chinese for the search index, the same work for the same input
every time. So a page's Markdown is converted once per content, and a run of Han
characters is segmented once per dictionary:

- ``Page.render`` is wrapped: the key is a hash of the Markdown source (after the
  plugins' ``on_page_markdown``), the page's paths and URL, and what the
  conversion depends on (extensions and their settings, link validation,
  directory URLs, the versions of mkdocs, Markdown, pymdown-extensions and
  Pygments, this file). The links the page resolves are recorded while it is
  converted (each target's URL, or that it has none) and checked again before a
  cached result is used. A conversion that logged anything, reached into the
  file list any other way, or ran an extension not on :data:`CACHEABLE_EXTENSIONS`
  (``pymdownx.snippets`` reads other files) is not kept. The cached result is what
  ``render`` sets: the HTML, the table of contents, the title, the anchors.
- a page's HTML (Material's templates: most of what is left once the Markdown is
  cached) is kept per page, when the only plugins are the search plugin and these
  hooks: the key is shelfpost's build key (``SHELFPOST_BUILD_KEY``: the engine's
  configuration with the navigation, the theme overrides, the versions, this
  file; see incremental.build_key), the build date, the page's paths, source,
  metadata and converted HTML. That a page's HTML is a function of these is what
  the incremental build relies on too (incremental.py). The search plugin still
  indexes every page; only ``template.render`` is skipped. The pages are files
  under ``pages/``, named by their key, compressed (a full site is ~30 KB a page).
- the search plugin's ``jieba`` is wrapped: ``cut`` of a run it has seen returns
  the words it returned then. Keyed by jieba's version, its dictionary's bytes
  and the user dictionary's bytes (``jieba_dict``, ``jieba_dict_user``).

Only full builds use it (an incremental build renders only pages whose input
changed, so it would find nothing, and reading the cache costs more than that).
Each process reads ``render.json`` and ``segments.json`` from the folder and writes
what it used this run to ``render-<share>.json``, ``segments-<share>.json`` and
``pages-<share>.json`` (the pages' keys); shelfpost merges those (``incremental.merge_engine_cache``), keeping only what a
full build used. The files are JSON (data, never code); tests/test_incremental.py
checks that a build from a warm cache is byte for byte a cold one's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import zlib
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import jinja2
from mkdocs.exceptions import Abort

CACHE_VARIABLE = "SHELFPOST_JINJA_CACHE"  # = render.engine.CACHE_VARIABLE
WAIT_VARIABLE = "SHELFPOST_ENGINE_WAIT"  # = render.engine.WAIT_VARIABLE (not imported: hooks load alone)
SHARE_VARIABLE = "SHELFPOST_ENGINE_SHARE"  # = render.engine.SHARE_VARIABLE
ENGINE_CACHE_VARIABLE = "SHELFPOST_ENGINE_CACHE"  # = render.incremental.ENGINE_CACHE_VARIABLE
BUILD_KEY_VARIABLE = "SHELFPOST_BUILD_KEY"  # = render.incremental.BUILD_KEY_VARIABLE
RENDER_CACHE, SEGMENT_CACHE, PAGE_CACHE = "render", "segments", "pages"  # = incremental.ENGINE_CACHES
#: A cached page's file name after its key (zlib-compressed UTF-8).
PAGE_SUFFIX = ".html.z"
#: Plugins besides these hooks with which a page's HTML is a function of its own input
#: (= incremental.DIRTY_SAFE_PLUGINS).
PAGE_SAFE_PLUGINS = frozenset({"search", "material/search"})
#: Markdown extensions whose output depends only on the page's text and settings.
CACHEABLE_EXTENSIONS = frozenset(
    [
        *(
            f"{prefix}{name}"
            for prefix in ("", "markdown.extensions.")
            for name in [
                "abbr",
                "admonition",
                "attr_list",
                "def_list",
                "extra",
                "fenced_code",
                "footnotes",
                "legacy_attrs",
                "legacy_em",
                "md_in_html",
                "meta",
                "nl2br",
                "sane_lists",
                "smarty",
                "tables",
                "toc",
                "wikilinks",
                "codehilite",
            ]
        ),
        *(
            f"pymdownx.{name}"
            for name in [
                "arithmatex",
                "betterem",
                "blocks.admonition",
                "blocks.details",
                "blocks.html",
                "blocks.tab",
                "caret",
                "critic",
                "details",
                "emoji",
                "escapeall",
                "highlight",
                "inlinehilite",
                "keys",
                "magiclink",
                "mark",
                "progressbar",
                "saneheaders",
                "smartsymbols",
                "striphtml",
                "superfences",
                "tabbed",
                "tasklist",
                "tilde",
            ]
        ),
        "material.extensions.emoji",
    ]
)
#: The mkdocs versions whose ``Page.render`` (what it sets) and page build (``on_page_context``,
#: then ``template.render(context)``) the engine cache was checked against.
CACHEABLE_MKDOCS = ("1.6.",)
CACHE_DISTRIBUTIONS = ("mkdocs", "markdown", "pymdown-extensions", "pygments", "mkdocs-material", "jieba")


def _share() -> tuple[int, int] | None:
    value = os.environ.get(SHARE_VARIABLE)
    if not value:
        return None
    index, count = (int(part) for part in value.split("/"))
    return index, count


def _unmodified() -> bool:
    return False


def on_config(config: Any) -> Any:
    share = _share()
    if share is not None and share[0] != 0:
        config.theme.static_templates.clear()  # sitemap.xml, 404.html: process 0 writes them
    folder = os.environ.get(ENGINE_CACHE_VARIABLE)
    if folder:
        _CACHE.open(folder, config, share[0] if share else 0)
    return config


def on_post_build(config: Any) -> None:
    _CACHE.save()


def on_page_context(context: Any, page: Any, config: Any, nav: Any) -> Any:
    """Runs after the search plugin's: the page is final but for ``template.render``."""
    _CACHE.expect_page(context, page)
    return context


def on_files(files: Any, config: Any) -> Any:
    share = _share()
    if share is None:
        return files
    index, count = share
    for number, file in enumerate(files.documentation_pages()):
        if number % count != index:
            file.is_modified = _unmodified
    if index != 0:
        for file in files:
            if not file.is_documentation_page():
                file.is_modified = _unmodified
    return files


def on_pre_build(config: Any) -> None:
    if os.environ.get(WAIT_VARIABLE) != "1":
        return
    _warm_up_search(config)
    if sys.stdin.readline().strip() != "go":
        raise Abort("shelfpost called the build off")


def _warm_up_search(config: Any) -> None:
    """Load jieba's dictionary while waiting (~0.7 s), not on the first Chinese page.

    Material's search plugin segments Chinese with jieba whenever it is installed;
    it loads the dictionary lazily, after the plugin's own configuration (a custom
    ``jieba_dict`` is set by then), so loading it here gives the same segmentation.
    """
    if not any(name in config.plugins for name in ("search", "material/search")):
        return
    try:
        import jieba
    except ImportError:
        return
    if _CACHE.segments and (_share() is not None or not _CACHE.dirty):
        return  # a full build from a warm cache: most runs are known; a miss loads it then
    jieba.initialize()


def on_startup(command: str, dirty: bool) -> None:
    _CACHE.dirty = dirty


def _versions() -> str:
    found = []
    for dist in CACHE_DISTRIBUTIONS:
        try:
            found.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            found.append(f"{dist}=-")
    return "\0".join(found)


def _plain(value: Any) -> Any:
    """Settings as JSON: a function or class by its name (its address changes every run)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return f"{type(value).__module__}.{type(value).__qualname__}:{value!r}"


def _sha(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _file_sha(path: str | None) -> str:
    if not path:
        return "-"
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return "missing"


class _RecordingFiles:
    """The page's view of the file list while it is converted: which links it resolved, to what."""

    def __init__(self, files: Any) -> None:
        self._files = files
        self.deps: list[list[Any]] = []
        self.other = False

    def get_file_from_path(self, path: str) -> Any:
        found = self._files.get_file_from_path(path)
        self.deps.append(_dep(path, found))
        return found

    def __getattr__(self, name: str) -> Any:
        self.other = True  # an extension looked at the files some other way: not cacheable
        return getattr(self._files, name)


def _dep(path: str, found: Any) -> list[Any]:
    if found is None:
        return [path, None, False]
    return [path, found.url, bool(found.inclusion.is_excluded())]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        self.seen = True


def _toc_tokens(items: Any) -> list[dict[str, Any]]:
    return [
        {"name": i.title, "id": i.id, "level": i.level, "children": _toc_tokens(i.children)} for i in items
    ]


class _EngineCache:
    """This process's view of the engine cache (see the module's docstring)."""

    def __init__(self) -> None:
        self.folder = ""
        self.index = 0
        self.dirty = False
        self.env_key = ""
        self.render: dict[str, Any] = {}
        self.segments: dict[str, Any] = {}
        self.used_render: dict[str, Any] = {}
        self.used_segments: dict[str, Any] = {}
        self.dict_key: str | None = None
        self.user_dict: str | None = None
        self.build_key = ""
        self.used_pages: dict[str, int] = {}
        self.pending: tuple[Any, str] | None = None

    def open(self, folder: str, config: Any, index: int) -> None:
        if self.dirty and _share() is None:
            return  # an incremental build renders the changed pages only: nothing to find or keep
        try:
            if not metadata.version("mkdocs").startswith(CACHEABLE_MKDOCS):
                return
        except metadata.PackageNotFoundError:
            return
        self.folder, self.index = folder, index
        self.render, self.segments = self._load(RENDER_CACHE), self._load(SEGMENT_CACHE)
        self.used_render, self.used_segments = {}, {}
        names = [_extension_name(e) for e in config["markdown_extensions"]]
        validation = config.get("validation")
        self.env_key = ""
        if all(name in CACHEABLE_EXTENSIONS for name in names):
            self.env_key = _sha(
                json.dumps(_plain(names)),
                json.dumps(_plain(dict(config["mdx_configs"] or {}))),
                json.dumps(_plain(validation), default=str),
                str(bool(config["use_directory_urls"])),
                _versions(),
                _file_sha(__file__),
            )
        _install_render()
        self._install_jieba(config)
        self.used_pages, self.pending, self.build_key = {}, None, ""
        hooks = set(config["hooks"] or ())
        if os.environ.get(BUILD_KEY_VARIABLE) and all(
            name in PAGE_SAFE_PLUGINS or name in hooks for name in config.plugins
        ):
            self.build_key = _sha(os.environ[BUILD_KEY_VARIABLE], os.environ.get("SOURCE_DATE_EPOCH", "-"))
            _install_template()

    def _load(self, name: str) -> dict[str, Any]:
        try:
            with open(os.path.join(self.folder, name + ".json"), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self) -> None:
        if not self.folder:
            return
        caches: list[tuple[str, dict[str, Any]]] = [
            (RENDER_CACHE, self.used_render),
            (SEGMENT_CACHE, self.used_segments),
            (PAGE_CACHE, self.used_pages),
        ]
        for name, used in caches:
            path = os.path.join(self.folder, f"{name}-{self.index}.json")
            os.makedirs(self.folder, exist_ok=True)
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                handle.write(json.dumps(used, ensure_ascii=False, separators=(",", ":")))  # dump() is slower
            os.replace(path + ".tmp", path)

    # --- Markdown ------------------------------------------------------------
    def render_page(self, original: Any, page: Any, config: Any, files: Any) -> None:
        if not self.env_key or page.markdown is None:
            original(page, config, files)
            return
        file = page.file
        key = _sha(
            self.env_key,
            file.src_uri,
            file.dest_uri,
            file.url,
            str(bool(file.inclusion.is_excluded())),
            page.markdown,
        )
        entry = self.render.get(key)
        if entry is not None and all(_dep(d[0], files.get_file_from_path(d[0])) == d for d in entry["deps"]):
            _apply(page, entry, files)
            self.used_render[key] = entry
            return
        recording, capture = _RecordingFiles(files), _Capture()
        loggers = [logging.getLogger(), logging.getLogger("mkdocs")]
        for logger in loggers:
            logger.addHandler(capture)
        try:
            original(page, config, recording)
        finally:
            for logger in loggers:
                logger.removeHandler(capture)
        if recording.other or capture.seen:
            return
        links = [[to.src_uri, dict(anchors)] for to, anchors in (page.links_to_anchors or {}).items()]
        entry = {
            "content": page.content,
            "toc": _toc_tokens(page.toc),
            "title": page._title_from_render,
            "anchors": sorted(page.present_anchor_ids or ()),
            "links": links,
            "deps": recording.deps,
        }
        self.render[key] = self.used_render[key] = entry

    # --- Material's templates ---------------------------------------------------
    def expect_page(self, context: Any, page: Any) -> None:
        self.pending = None
        if not self.build_key or page.markdown is None:
            return
        file = page.file
        meta = json.dumps(page.meta, sort_keys=True, ensure_ascii=False, default=str)
        key = _sha(
            self.build_key,
            file.src_uri,
            file.dest_uri,
            page.url,
            str(file.inclusion),
            meta,
            page.markdown,
            page.content or "",
        )
        self.pending = (context, key)

    def render_template(self, original: Any, template: Any, args: Any, kwargs: Any) -> Any:
        pending, self.pending = self.pending, None
        if pending is None or kwargs or len(args) != 1 or args[0] is not pending[0]:
            return original(template, *args, **kwargs)
        key = pending[1]
        path = os.path.join(self.folder, PAGE_CACHE, key[:2], key + PAGE_SUFFIX)
        self.used_pages[key] = 1
        try:
            with open(path, "rb") as handle:
                return zlib.decompress(handle.read()).decode("utf-8", "surrogatepass")
        except (OSError, zlib.error, UnicodeDecodeError):
            pass
        output = original(template, *args, **kwargs)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "wb") as handle:  # compressed: ~25 KB of Material's HTML a page, ~5 KB
            handle.write(zlib.compress(output.encode("utf-8", "surrogatepass"), 1))
        os.replace(path + ".tmp", path)
        return output

    # --- jieba ---------------------------------------------------------------
    def _install_jieba(self, config: Any) -> None:
        try:
            from material.plugins.search import plugin as search  # type: ignore[import-untyped]
        except ImportError:
            return
        real = getattr(search, "jieba", None)
        if real is None:
            return
        if isinstance(real, _CachedJieba):
            real = real.real
        for name in ("search", "material/search"):
            if name in config.plugins:
                self.user_dict = config.plugins[name].config.get("jieba_dict_user") or None
        search.jieba = _CachedJieba(real, self)

    def segment_key(self, real: Any) -> str:
        if self.dict_key is None:
            dictionary = real.dt.dictionary or os.path.join(os.path.dirname(real.__file__), "dict.txt")
            self.dict_key = _sha(
                str(getattr(real, "__version__", "?")), _file_sha(dictionary), _file_sha(self.user_dict)
            )[:16]
        return self.dict_key


def _extension_name(extension: Any) -> str:
    return (
        extension
        if isinstance(extension, str)
        else f"{type(extension).__module__}:{type(extension).__name__}"
    )


def _apply(page: Any, entry: dict[str, Any], files: Any) -> None:
    """Set on the page what ``Page.render`` sets, from the cache."""
    from mkdocs.structure import pages, toc

    page.content = entry["content"]
    page.toc = toc.get_toc(entry["toc"])
    page._title_from_render = entry["title"]
    page.present_anchor_ids = set(entry["anchors"])
    if pages.log.getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {files.get_file_from_path(src): dict(a) for src, a in entry["links"]}


class _CachedJieba:
    """The search plugin's ``jieba``, with ``cut`` of a known run taken from the cache."""

    def __init__(self, real: Any, cache: _EngineCache) -> None:
        self.real, self.cache = real, cache

    def cut(self, sentence: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return self.real.cut(sentence, *args, **kwargs)
        text = sentence.decode("utf-8") if isinstance(sentence, bytes) else str(sentence)
        key = self.cache.segment_key(self.real) + text
        words = self.cache.segments.get(key)
        if words is None:
            words = list(self.real.cut(sentence))
            self.cache.segments[key] = words
        self.cache.used_segments[key] = words
        return words

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


_CACHE = _EngineCache()


def _install_template() -> None:
    current = jinja2.Template.render
    original = getattr(current, "shelfpost_original", current)

    def render(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _CACHE.render_template(original, self, args, kwargs)

    render.shelfpost_original = original  # type: ignore[attr-defined]
    jinja2.Template.render = render  # type: ignore[method-assign]


def _install_render() -> None:
    from mkdocs.structure.pages import Page

    current = Page.render
    original = getattr(current, "shelfpost_original", current)

    def render(self: Any, config: Any, files: Any) -> None:
        _CACHE.render_page(original, self, config, files)

    render.shelfpost_original = original  # type: ignore[attr-defined]
    Page.render = render  # type: ignore[method-assign]


def on_env(env: jinja2.Environment, config: Any, files: Any) -> jinja2.Environment:
    folder = os.environ.get(CACHE_VARIABLE)
    if folder:  # only when shelfpost runs the engine (and names a folder for this build key)
        os.makedirs(folder, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(folder)
    return env
