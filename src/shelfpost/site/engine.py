"""The one step that hands the docs tree to a site engine.

The library's ``mkdocs.yml`` holds the look of the site (theme, palette,
features, Markdown extensions). shelfpost copies it into the build folder, sets
the keys it owns (name, URL, language, folders, navigation), and runs the engine
as a separate process: ``mkdocs build`` or ``zensical build``, both reading the
same file. No plugin, no MkDocs internals: switching engines is one setting
(for mkdocs, two small hooks in ``mkdocs_hooks.py`` save time, nothing more).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shelfpost.errors import ShelfpostError
from shelfpost.library.model import Library
from shelfpost.library.problems import Problem
from shelfpost.library.procenv import child_env
from shelfpost.site.feeds import FeedFile

MKDOCS_FILE = "mkdocs.yml"
#: Set for an engine started early: mkdocs_hooks.on_pre_build waits for "go" on stdin.
WAIT_VARIABLE = "SHELFPOST_ENGINE_WAIT"
#: "i/n": this mkdocs renders every n-th page from the i-th (mkdocs_hooks.on_files).
SHARE_VARIABLE = "SHELFPOST_ENGINE_SHARE"
#: The folder for Jinja's compiled templates (mkdocs_hooks.on_env); unset, none are kept.
CACHE_VARIABLE = "SHELFPOST_JINJA_CACHE"
#: The program of WarmEngine's child, run by path like the hooks (it imports mkdocs, not shelfpost).
WORKER = Path(__file__).with_name("mkdocs_worker.py")
#: Keys shelfpost sets; the library sets them in shelfpost.yml instead.


class Tagged:
    """A YAML value with a tag shelfpost does not interpret (``!!python/name:...``)."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _KeepTagsLoader(yaml.SafeLoader):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        return Tagged(tag, loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return Tagged(tag, loader.construct_sequence(node, deep=True))
    return Tagged(tag, loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


_KeepTagsLoader.add_multi_constructor("!", _construct_tagged)
_KeepTagsLoader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)


class _KeepTagsDumper(yaml.SafeDumper):
    pass


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_KeepTagsDumper.add_representer(Tagged, _represent_tagged)


def read_mkdocs_config(library: Library) -> dict[str, Any]:
    """The library's mkdocs.yml as data (the loader checked it: see ``load_mkdocs``)."""
    if library.mkdocs is None:
        return {"theme": {"name": "material"}}
    data = yaml.load(library.mkdocs, Loader=_KeepTagsLoader)  # noqa: S506 - tags are kept as data only
    return data if isinstance(data, dict) else {}


def _nav_title(label: str) -> str:
    return label


@dataclass(frozen=True)
class EngineRun:
    config_file: Path
    site_dir: Path
    command: Sequence[str]


def engine_config(
    library: Library,
    docs_dir: Path,
    site_dir: Path,
    overrides: Path,
    nav: list[Any],
    feeds: Sequence[FeedFile],
    stylesheet: str,
) -> dict[str, Any]:
    assert library.config is not None
    cfg = library.config
    data = read_mkdocs_config(library)
    theme = data.get("theme") or {}
    if isinstance(theme, str):
        theme = {"name": theme}
    theme.setdefault("name", "material")
    theme["language"] = cfg.language
    # Paths relative to the generated config, which sits in the work folder:
    # Zensical panics on absolute ones (0.0.73) and mkdocs reads both.
    base = docs_dir.parent
    theme["custom_dir"] = os.path.relpath(overrides, base)
    extra = dict(data.get("extra") or {})
    extra["shelfpost_feeds"] = [
        {"type": f.mime, "title": f.title, "href": cfg.base_url + f.path, "path": f.path} for f in feeds
    ]
    extra_css = list(data.get("extra_css") or [])
    if stylesheet not in extra_css:
        extra_css.append(stylesheet)
    data.update(
        site_name=cfg.name,
        site_url=cfg.base_url,
        site_description=data.get("site_description") or cfg.description or cfg.name,
        docs_dir=os.path.relpath(docs_dir, base),
        site_dir=os.path.relpath(site_dir, base),
        use_directory_urls=True,
        theme=theme,
        nav=nav,
        extra=extra,
        extra_css=extra_css,
    )
    # Posts, lists and tag pages are reached through links, not the sidebar: with
    # every post in the navigation the build turns quadratic in the post count.
    data.setdefault("not_in_nav", "/posts/\n/tags/\n/archive/*/\n/*/page/\n")
    data.setdefault(
        "validation", {"omitted_files": "ignore", "absolute_links": "ignore", "unrecognized_links": "ignore"}
    )
    return data


def write_engine_config(data: dict[str, Any], path: Path) -> None:
    path.write_text(
        yaml.dump(data, Dumper=_KeepTagsDumper, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def engine_command(engine: str, config_file: Path, dirty: bool = False) -> list[str]:
    if engine == "zensical":
        exe = Path(sys.executable).parent / "zensical"
        return [str(exe) if exe.exists() else "zensical", "build", "--clean", "-f", str(config_file)]
    mode = "--dirty" if dirty else "--clean"
    return [sys.executable, "-m", "mkdocs", "build", mode, "--config-file", str(config_file)]


class EngineProcess:
    """One run of the engine as a child process.

    With ``wait`` (mkdocs only, through ``mkdocs_hooks.on_pre_build``) the child
    starts at once, imports the engine and loads its config, then waits for
    :meth:`go` before it reads the docs tree: on a machine with two cores that
    ~1 s overlaps shelfpost's own rendering instead of following it. ``share``
    and ``site_dir`` make it one of several processes of a full build
    (``mkdocs_hooks.on_files``). The output goes to a file, never a pipe, so
    several engines can run at once without one blocking on a full pipe.
    """

    def __init__(
        self,
        engine: str,
        config_file: Path,
        *,
        epoch: int | None = None,
        dirty: bool = False,
        wait: bool = False,
        share: tuple[int, int] | None = None,
        site_dir: Path | None = None,
        env: dict[str, str] | None = None,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self.engine, self.wait, self.sent, self.finishing = engine, wait, False, False
        command = engine_command(engine, config_file, dirty)
        if site_dir is not None:
            command += ["--site-dir", str(site_dir)]
        env = child_env(base_env or {}, env)  # an allow-list: no token reaches the engine or its plugins
        env["PYTHONIOENCODING"] = "utf-8"  # the log is read back as UTF-8
        env["NO_MKDOCS_2_WARNING"] = "1"
        if epoch is not None:
            env["SOURCE_DATE_EPOCH"] = str(epoch)
        if wait:
            env[WAIT_VARIABLE] = "1"
        if share is not None:
            env[SHARE_VARIABLE] = f"{share[0]}/{share[1]}"
        if engine == "zensical" and not Path(command[0]).exists() and shutil.which("zensical") is None:
            raise ShelfpostError(
                [
                    Problem(
                        "shelfpost.yml",
                        1,
                        1,
                        "site.engine is zensical but zensical is not installed: pip install zensical",
                        "engine",
                    )
                ]
            )
        self.output = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115 - closed by finish/cancel
        self.process = subprocess.Popen(
            command,
            cwd=config_file.parent,
            env=env,
            stdin=subprocess.PIPE if wait else subprocess.DEVNULL,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _signal(self, word: str) -> None:
        if self.wait and not self.sent and self.process.stdin is not None:
            self.sent = True
            try:
                self.process.stdin.write(word + "\n")
                self.process.stdin.close()
            except (BrokenPipeError, OSError):  # it stopped already; finish() reports why
                pass

    def go(self) -> None:
        """The docs tree is complete: build."""
        self._signal("go")

    def finish(self) -> str:
        """Let the engine build and wait for it; raise with its output when it fails. Returns its log."""
        self.finishing = True
        self.go()
        self.process.wait()
        self.output.seek(0)
        log = self.output.read()
        self.output.close()
        if self.process.returncode != 0:
            raise ShelfpostError(
                [
                    Problem(
                        MKDOCS_FILE,
                        1,
                        1,
                        f"the {self.engine} build failed (exit {self.process.returncode}):\n"
                        f"{log.strip()[-4000:]}",
                        "engine",
                    )
                ]
            )
        return log

    def cancel(self) -> None:
        """Stop the engine without building (nothing changed, or shelfpost failed first)."""
        if self.process.poll() is None:
            if self.finishing or self.sent or not self.wait:  # building: stop it now
                self.process.kill()
            else:
                self._signal("stop")
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.output.closed:
            self.output.close()


class WarmEngine:
    """One mkdocs process kept for ``shelfpost serve``, to render an edited page at once.

    A fresh ``mkdocs build`` imports mkdocs, Material and its plugins, loads jieba's
    dictionary and reads the whole docs tree (seconds at 10,000 posts) before it
    renders one page. This child (``mkdocs_worker.py``) does all that once per build
    of the preview (:meth:`reset`), then renders single pages from Markdown on
    request (:meth:`render`) and returns their HTML; it writes nothing. The protocol
    is one JSON line each way on the child's stdin and stdout.
    """

    def __init__(self, config_file: Path, base_env: Mapping[str, str] | None = None) -> None:
        self.config_file = config_file
        self.base_env = dict(base_env or {})
        self.process: subprocess.Popen[str] | None = None

    def _running(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            env = child_env(self.base_env, {"PYTHONIOENCODING": "utf-8", "NO_MKDOCS_2_WARNING": "1"})
            self.process = subprocess.Popen(
                # -P: the script's folder (site/, with modules named build, text, ...) is not on sys.path
                [sys.executable, "-P", str(WORKER), str(self.config_file)],
                cwd=self.config_file.parent,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
            )
        return self.process

    def _send(self, request: Mapping[str, Any]) -> subprocess.Popen[str] | None:
        process = self._running()
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            return None
        return process

    def reset(self, env: Mapping[str, str]) -> None:
        """A build changed the docs tree or the config: the child loads them again now (no wait)."""
        self._send({"reset": True, "env": dict(env)})

    def render(self, src: str, markdown: str) -> str:
        """The HTML of docs page ``src`` with this Markdown, as the last build's site renders it."""
        process = self._send({"render": src, "markdown": markdown})
        line = process.stdout.readline() if process is not None and process.stdout is not None else ""
        if not line:
            self.close()
            raise ShelfpostError(
                [Problem(MKDOCS_FILE, 1, 1, "the preview's mkdocs process stopped", "engine")]
            )
        answer = json.loads(line)
        if not answer["ok"]:
            raise ShelfpostError(
                [
                    Problem(
                        MKDOCS_FILE,
                        1,
                        1,
                        f"mkdocs could not render {src}:\n{answer['log'][-4000:]}",
                        "engine",
                    )
                ]
            )
        return str(answer["html"])

    def close(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            if self.process.stdin is not None:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None
