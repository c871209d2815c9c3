"""The child process of ``engine.WarmEngine`` (``shelfpost serve``): mkdocs kept warm.

    python mkdocs_worker.py MKDOCS_YML

Run by path, like ``mkdocs_hooks.py``: it imports mkdocs, never shelfpost. It imports
mkdocs, the theme and its plugins and loads jieba's dictionary once, then reads one JSON
request a line on stdin (``{"env": {...}}``: the build's variables), runs one dirty build
of the config file (reloaded each time, so plugins start clean) and answers one JSON line
(``{"ok": bool, "log": str}``) on stdout. Anything else that writes to stdout goes to
stderr, so it never mixes into the answers. stdin closed: it exits.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys


def main(config_file: str) -> int:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever a plugin prints goes to the log, never into the protocol
    sys.stdout = sys.stderr
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    with contextlib.suppress(Exception):  # the warm-up only: a broken config is reported by build()
        load_config(config_file)  # imports the theme and plugins
    with contextlib.suppress(ImportError):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()  # Material's search segments Chinese with it
    for line in sys.stdin:
        request = json.loads(line)
        os.environ.update(request["env"])
        log.seek(0)
        log.truncate()
        ok = True
        try:
            build(load_config(config_file), dirty=True)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
            ok = False
            logger.error("%s: %s", type(exc).__name__, exc)
        answers.write(json.dumps({"ok": ok, "log": log.getvalue()}) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python mkdocs_worker.py MKDOCS_YML")
    sys.exit(main(sys.argv[1]))
