"""mkdocs hooks shelfpost adds to the engine config it writes (mkdocs only; see engine.py).

``on_pre_build``: an engine started early (``EngineProcess(wait=True)``) has
imported mkdocs, the theme and the plugins and loaded its config by now; it
waits here for shelfpost to finish writing the docs tree ("go" on stdin) or to
call the build off ("stop").

``on_env``: Material's ~45 templates are compiled by Jinja in every mkdocs process, ~1 s
of every build, incremental or full. Jinja's own bytecode cache keeps the
compiled templates in the build's work folder, keyed by each template's source
(a new theme version compiles afresh), so only the first build pays.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import jinja2
from mkdocs.exceptions import Abort

CACHE = "jinja-cache"
WAIT_VARIABLE = "SHELFPOST_ENGINE_WAIT"  # = render.engine.WAIT_VARIABLE (not imported: hooks load alone)


def on_pre_build(config: Any) -> None:
    if os.environ.get(WAIT_VARIABLE) == "1" and sys.stdin.readline().strip() != "go":
        raise Abort("shelfpost called the build off")


def on_env(env: jinja2.Environment, config: Any, files: Any) -> jinja2.Environment:
    folder = os.path.join(os.path.dirname(config.config_file_path), CACHE)
    os.makedirs(folder, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(folder)
    return env
