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
"""

from __future__ import annotations

import os
import sys
from typing import Any

import jinja2
from mkdocs.exceptions import Abort

CACHE_VARIABLE = "SHELFPOST_JINJA_CACHE"  # = render.engine.CACHE_VARIABLE
WAIT_VARIABLE = "SHELFPOST_ENGINE_WAIT"  # = render.engine.WAIT_VARIABLE (not imported: hooks load alone)
SHARE_VARIABLE = "SHELFPOST_ENGINE_SHARE"  # = render.engine.SHARE_VARIABLE


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
    return config


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
    jieba.initialize()


def on_env(env: jinja2.Environment, config: Any, files: Any) -> jinja2.Environment:
    folder = os.environ.get(CACHE_VARIABLE)
    if folder:  # only when shelfpost runs the engine (and names a folder for this build key)
        os.makedirs(folder, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(folder)
    return env
