"""The child process of ``engine.WarmEngine`` (``shelfpost serve``): mkdocs kept warm.

    python -P mkdocs_worker.py MKDOCS_YML

Run by path, like ``mkdocs_hooks.py``: it imports mkdocs, never shelfpost. Once, it
imports mkdocs, the theme and its plugins and loads jieba's dictionary; then it keeps
what every page of the site is rendered with in memory (the config, the file list, the
navigation, the theme's Jinja environment: ``Site``), as ``mkdocs build`` has it
before it renders the pages. Requests, one JSON line each on stdin:

- ``{"render": SRC, "markdown": TEXT, "env": {...}}``: the page of docs file SRC with
  this Markdown, rendered as ``mkdocs build`` renders it (the same calls: plugins' page
  events, Markdown, the theme's template); the answer, one JSON line on stdout, is
  ``{"ok": true, "html": ...}`` or ``{"ok": false, "log": ...}``. Nothing is written.
- ``{"reset": true}``: the docs tree or the config changed (a build ran): load them again
  now (no answer).

Whatever else writes to stdout goes to stderr, so it never mixes into the answers.
stdin closed: it exits.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
from typing import Any


class Site:
    """What ``mkdocs.commands.build.build`` gathers before it renders pages (mkdocs 1.6)."""

    def __init__(self, config_file: str) -> None:
        from mkdocs.config import load_config
        from mkdocs.structure.files import get_files, set_exclusions
        from mkdocs.structure.nav import get_navigation
        from mkdocs.structure.pages import Page

        config = load_config(config_file)
        config.plugins.on_startup(command="build", dirty=True)
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        self.nav = config.plugins.on_nav(nav, config=config, files=files)
        for file in files.documentation_pages():
            if file.page is None and file.inclusion.is_not_in_nav():  # type: ignore[no-untyped-call]
                Page(None, file, config)
        self.env = config.plugins.on_env(env, config=config, files=files)
        self.config, self.files = config, files
        self.doc_files = files.documentation_pages()

    def render(self, src: str, markdown: str) -> str:
        from mkdocs.commands.build import _populate_page, get_context

        file = self.files.get_file_from_path(src)
        if file is None or file.page is None:
            raise LookupError(f"{src} is not a page of the last build")
        page, config = file.page, self.config
        file.content_string = markdown
        _populate_page(page, config, self.files)
        config._current_page = page
        page.active = True
        try:
            context = get_context(self.nav, self.doc_files, config, page)
            template = self.env.get_template(page.meta.get("template", "main.html"))
            context = config.plugins.on_page_context(context, page=page, config=config, nav=self.nav)
            output: str = template.render(context)
            return str(config.plugins.on_post_page(output, page=page, config=config))
        finally:
            page.active = False
            config._current_page = None


def main(config_file: str) -> int:
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever a plugin prints goes to the log, never into the protocol
    sys.stdout = sys.stderr
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    with contextlib.suppress(ImportError):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()  # Material's search segments Chinese with it
    site: Site | None = None

    def load() -> Site | None:
        try:
            site = Site(config_file)
        except Exception:  # noqa: BLE001 - the next render says why
            logger.exception("cannot load %s", config_file)
            return None
        with contextlib.suppress(Exception):  # compile the theme's templates before the first save
            first = site.doc_files[0]
            site.render(first.src_uri, first.content_string)
        return site

    for line in sys.stdin:
        request: dict[str, Any] = json.loads(line)
        os.environ.update(request.get("env", {}))
        if request.get("reset"):
            site = load()
            continue
        log.seek(0)
        log.truncate()
        try:
            site = site or load()
            if site is None:
                raise RuntimeError("mkdocs could not load the site")
            answer = {"ok": True, "html": site.render(request["render"], request["markdown"])}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which falls back to a build
            answer = {"ok": False, "log": f"{log.getvalue()}{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python mkdocs_worker.py MKDOCS_YML")
    sys.exit(main(sys.argv[1]))
