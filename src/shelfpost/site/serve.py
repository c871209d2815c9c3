"""``shelfpost serve``: a local preview with drafts that follows edits and reloads the browser.

The preview builds the same docs tree as ``build --drafts`` (``build_site(preview=True)``)
into its own work folder and serves the output on 127.0.0.1. After that:

- **Watching**: file events (watchdog) on the library's inputs, then a short quiet time
  (``debounce``) so an editor's save (write, rename, touch) is one change, not three.
- **The edited post first**: when only existing posts changed, each is parsed again on
  its own, its docs page rendered (``SiteRenderer.render_post``: the same code as a full
  render) and handed to a warm mkdocs process (``engine.WarmEngine``: mkdocs, Material,
  jieba loaded once) in dirty mode, which renders that page alone. The page and the
  search index are copied to the served folder and the browser reloads.
- **Then everything else**: the ordinary incremental preview build (``build_site``),
  which loads and checks the whole library and brings lists, tags, feeds and search up
  to date, as ``build`` would. Its result is the preview's truth; the first step only
  gets the page being edited to the editor sooner (the quick step checks the post on its
  own: a problem only the whole library shows, such as a link to a missing post, is
  reported by the build, with the page already showing the edit and the stale banner).
- **Live reload**: every HTML page served gets a small script (only here: the built
  site never has it) that long-polls :data:`LIVERELOAD_PATH`; the answer comes when a
  build finishes, and when the build is newer than the page the script fetches the page
  again and swaps its content in (a full reload would make the theme load the search
  index again: 19 MB at 10,000 posts, seconds of the browser's time). A build
  that fails keeps the last good site, prints the problems (file:line) and the page shows
  them in a banner until they are fixed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2

from shelfpost.errors import ShelfpostError
from shelfpost.library.loader import load_library, load_post
from shelfpost.library.model import Library, Post
from shelfpost.library.problems import format_problems
from shelfpost.library.schema import Context, Reporter
from shelfpost.site import incremental as inc
from shelfpost.site.build import THUMBNAIL_CACHE, build_site
from shelfpost.site.docs import SiteRenderer
from shelfpost.site.engine import CACHE_VARIABLE, WarmEngine
from shelfpost.site.thumbs import Thumbnailer

#: What the preview depends on (paths relative to the library root).
WATCHED = ("content", "templates", "calendar", "partners", "plan", "shelfpost.yml", "mkdocs.yml")
#: The endpoint the injected script long-polls (same server, 127.0.0.1).
LIVERELOAD_PATH = "/__shelfpost/livereload"
#: How long one long-poll waits before it answers "nothing new" (the script asks again).
POLL_SECONDS = 25.0
#: Quiet time after the last file event before a rebuild starts.
DEBOUNCE_SECONDS = 0.05
#: The id of the injected script: tests and ``build`` check the published site has none.
SCRIPT_ID = "shelfpost-livereload"

STALE_NOTICE = (
    "預覽未更新：請修正下列問題，存檔後會自動更新。 / The preview is stale: fix the problems below and save."
)
SCRIPT = """<script id="{id}">/* shelfpost serve only: shows a rebuilt preview without a reload */
(() => {{
  let generation = {generation};
  let version = -1;
  const show = (text) => {{
    let box = document.getElementById("shelfpost-stale");
    if (!text) {{ if (box) box.remove(); return; }}
    if (!box) {{
      box = document.createElement("pre");
      box.id = "shelfpost-stale";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;z-index:9999;left:0;right:0;bottom:0;margin:0;max-height:40vh;" +
        "overflow:auto;padding:.8em;background:#fff3cd;color:#111;border-top:3px solid #b45309;" +
        "font:14px/1.4 monospace;white-space:pre-wrap";
      document.body.append(box);
    }}
    box.textContent = text;
  }};
  // The page's content is swapped in place (the theme's scripts, its search index and the
  // scroll position stay); a page without it, or a failed fetch, reloads.
  const swap = () => fetch(location.href, {{cache: "no-store"}})
    .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
    .then((html) => {{
      const doc = new DOMParser().parseFromString(html, "text/html");
      const here = document.querySelector("{content}");
      const next = doc.querySelector("{content}");
      if (!here || !next) return Promise.reject("no content");
      here.replaceWith(document.adoptNode(next));
      document.title = doc.title;
    }});
  const poll = () => fetch("{path}?since=" + version, {{cache: "no-store"}})
    .then((r) => r.json())
    .then((d) => {{
      version = d.version;
      show(d.problems ? {notice} + "\\n\\n" + d.problems : "");
      if (d.generation > generation) {{
        generation = d.generation;
        swap().then(poll, () => location.reload());
        return;
      }}
      poll();
    }}, () => setTimeout(poll, 1000));
  poll();
}})();
</script>"""


#: The page's content in Material's pages: what a rebuild swaps in.
CONTENT = "article.md-content__inner"


def livereload_script(generation: int) -> str:
    return SCRIPT.format(
        id=SCRIPT_ID,
        generation=generation,
        path=LIVERELOAD_PATH,
        notice=json.dumps(STALE_NOTICE),
        content=CONTENT,
    )


def inject(html: bytes, generation: int) -> bytes:
    """The page with the live-reload script before its last ``</body>`` (or at its end)."""
    script = livereload_script(generation).encode("utf-8")
    at = html.rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


class PreviewState:
    """What the browser asks about: the newest good build, and the problems of the last one.

    ``generation`` counts successful builds (a page older than it reloads);
    ``version`` counts every finished build, failed ones too (a banner appears or goes).
    """

    def __init__(self) -> None:
        self.generation = 0
        self.version = 0
        self.problems = ""
        self.changed = threading.Condition()

    def finished(self, ok: bool, problems: str = "") -> None:
        with self.changed:
            if ok:
                self.generation += 1
            self.version += 1
            self.problems = problems
            self.changed.notify_all()

    def wait(self, since: int, timeout: float) -> dict[str, Any]:
        with self.changed:
            self.changed.wait_for(lambda: self.version > since, timeout)
            return {"generation": self.generation, "version": self.version, "problems": self.problems}


class PreviewHandler(SimpleHTTPRequestHandler):
    """The standard file server plus the live-reload endpoint and script."""

    state: PreviewState

    def __init__(self, *args: Any, state: PreviewState, **kwargs: Any) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass  # one line per request would bury the build messages

    def end_headers(self) -> None:
        # Pages and answers are never kept; the rest is asked again each time (If-Modified-Since:
        # an unchanged stylesheet costs a 304), so a reload is quick and an edited asset shows.
        self.send_header("Cache-Control", "no-store" if self._no_store else "no-cache")
        super().end_headers()

    _no_store = False

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == LIVERELOAD_PATH:
            self._livereload(url.query)
            return
        target = Path(self.translate_path(self.path))
        if target.is_dir() and url.path.endswith("/"):
            target = target / "index.html"
        if target.suffix != ".html" or not target.is_file():
            super().do_GET()
            return
        generation = self.state.generation  # before reading: a newer build makes the page reload
        try:
            body = inject(target.read_bytes(), generation)
        except OSError:  # replaced while read: the reload after the build gets it
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self._send(body, "text/html; charset=utf-8")

    def _livereload(self, query: str) -> None:
        try:
            since = int(parse_qs(query).get("since", ["-1"])[0])
        except ValueError:
            since = -1
        answer = self.state.wait(since, POLL_SECONDS)
        self._send(json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _send(self, body: bytes, mime: str) -> None:
        self._no_store = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


class Preview:
    """Builds of the preview: the whole (incremental) build, and the quick step for edited posts."""

    def __init__(
        self,
        root: Path,
        clock: Callable[[], datetime],
        echo: Callable[[str], None],
        timer: Callable[[], float],
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.clock, self.echo, self.timer, self.env = clock, echo, timer, env
        self.out = root / ".shelfpost" / "preview"
        self.work = (root / ".shelfpost" / "preview-build").resolve()
        self.state = PreviewState()
        self.library: Library | None = None  # the last one that built
        self.jinja: jinja2.Environment | None = None  # shelfpost's templates, for the quick step
        self.engine = WarmEngine(self.work / "mkdocs.yml", env)
        self.engine_site: tuple[Any, ...] = ()  # what the engine's site was loaded from
        self.engine_lock = threading.Lock()  # one request at a time on the child's stdin
        # The quick step's pages written while a build runs: the build's copy of its (older)
        # site into the served folder would undo them, so they are written again after it.
        self.written_lock = threading.Lock()
        self.written: dict[Path, bytes] = {}

    def close(self) -> None:
        self.engine.close()

    def rebuild(self) -> bool:
        """The whole preview (incremental); on problems the last good site stays. True when it built."""
        started = self.timer()
        with self.written_lock:
            self.written = {}
        library = load_library(self.root)
        try:
            try:
                result = build_site(
                    library, self.clock(), self.out, preview=True, work_dir=self.work, env=self.env
                )
            finally:
                with self.written_lock:
                    for target, data in self.written.items():
                        target.write_bytes(data)
                    self.written = {}
        except ShelfpostError as exc:
            problems = format_problems(exc.problems)
            self.echo(problems)
            self.echo("preview NOT rebuilt: fix the problems above (the last good preview is still served)")
            self.state.finished(False, problems)
            return False
        self.library, self.jinja = library, None
        with contextlib.suppress(Exception):  # compiled now, not on the first save
            renderer = SiteRenderer(library, self.clock(), True)
            renderer.env.get_template("post.md.j2")
            self.jinja = renderer.env
        self.state.finished(True)
        self.echo(
            f"preview rebuilt in {self.timer() - started:.2f} s ({result.mode}, {result.rendered} file(s)): "
            f"{result.posts} post(s) incl. drafts and scheduled"
        )
        self._reset_engine()
        return True

    def _reset_engine(self) -> None:
        """Have the warm engine load the site again when the build changed what it keeps: the
        config, theme or versions (the build key), the day, or which docs files there are.
        A build that only changed pages' text leaves it as it is (it reads a page when asked)."""
        state = inc.read_state(self.work)
        if state is None or "key" not in state:
            return
        docs = self.work / "docs"
        names = sorted(os.path.relpath(os.path.join(d, f), docs) for d, _, fs in os.walk(docs) for f in fs)
        site = (state["key"], state.get("epoch"), hash(tuple(names)))
        if site == self.engine_site and self.engine.process is not None:
            return
        self.engine_site = site
        with self.engine_lock:
            self.engine.reset(
                {
                    "SOURCE_DATE_EPOCH": str(state.get("epoch", "")),
                    CACHE_VARIABLE: str(self.work / "jinja-cache" / str(state["key"])[:16]),
                }
            )

    def quick(self, changed: Iterable[str]) -> bool:
        """Render the edited posts' own pages now, when only existing posts changed and they
        parse cleanly; False when the whole build must do it (it reports any problem)."""
        started = self.timer()
        library, rels = self.library, set(changed)
        if library is None or library.config is None or not rels or not self.engine_site:
            return False
        known = library.post_by_path()
        if any(rel not in known or not (self.root / rel).is_file() for rel in rels):
            return False
        cfg = library.config
        ctx = Context(timezone=cfg.timezone, choices={"type": list(cfg.types)})
        fresh: dict[str, Post] = {}
        for rel in rels:
            rep = Reporter(rel)
            post = load_post(self.root / rel, rel, rep, cfg, ctx)
            if post is None or any(p.is_error for p in rep.problems) or post.slug != known[rel].slug:
                return False
            fresh[rel] = post
        edited = dataclasses.replace(library, posts=tuple(fresh.get(p.path, p) for p in library.posts))
        now = self.clock()
        renderer = SiteRenderer(edited, now, True, Thumbnailer(self.work / THUMBNAIL_CACHE))
        if self.jinja is None:  # the templates compiled once per build (~0.1 s each time otherwise)
            self.jinja = renderer.env
        else:
            self.jinja.globals.update(renderer.env.globals)
            renderer.env = self.jinja
        if any(rel not in renderer.by_path for rel in rels):  # withdrawn now: the lists change too
            return False
        for post in fresh.values():
            renderer.render_post(post)
        docs = self.work / "docs"
        pages = []
        for src, text in sorted(renderer.tree.texts.items()):
            if docs.joinpath(src).is_file() and docs.joinpath(src).read_text("utf-8") == text:
                continue  # as built: its output is up to date
            target = self.out / inc.output_path(src)
            if src.endswith(".md"):
                with self.engine_lock:
                    data = self.engine.render(src, text).encode("utf-8")
            else:
                data = text.encode("utf-8")
            with self.written_lock:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                self.written[target] = data
            pages.append(inc.page_url(src) if src.endswith(".md") else src)
        if not pages:
            return True
        self.state.finished(True)
        self.echo(
            f"preview: {', '.join(pages)} updated in {self.timer() - started:.2f} s; "
            "now the lists, feeds and search"
        )
        return True


class Changes:
    """Changed paths (relative to the root) collected from file events, handed out after a quiet time."""

    def __init__(self, root: Path, debounce: float) -> None:
        self.root, self.debounce = root.resolve(), debounce
        self.paths: set[str] = set()
        self.arrived = threading.Condition()
        self.stopped = False

    def add(self, path: str) -> None:
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return
        if not any(rel == name or rel.startswith(name + "/") for name in WATCHED):
            return
        with self.arrived:
            self.paths.add(rel)
            self.arrived.notify_all()

    def stop(self) -> None:
        with self.arrived:
            self.stopped = True
            self.arrived.notify_all()

    def take(self) -> set[str] | None:
        """Wait for changes, then for ``debounce`` seconds without a new one; None once stopped."""
        with self.arrived:
            self.arrived.wait_for(lambda: self.paths or self.stopped)
            while not self.stopped:
                seen = len(self.paths)
                self.arrived.wait(self.debounce)
                if len(self.paths) == seen:
                    break
            if self.stopped:
                return None
            taken, self.paths = self.paths, set()
            return taken


def watch(root: Path, changes: Changes, echo: Callable[[str], None]) -> Any:
    """Start watchdog's observer on the library's inputs; file events go to ``changes``.

    Only the :data:`WATCHED` folders are watched (recursively) and the root itself (not
    recursively: the two config files, and a watched folder made later). Never the whole
    root: ``.shelfpost/`` holds the preview's own 10,000s of folders, rewritten by each build.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    folders = [name for name in WATCHED if "." not in name]

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write") or (
                event.is_directory and event.event_type == "modified"  # its files have their own events
            ):
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if not path:
                    continue
                path = os.fsdecode(path)
                changes.add(path)
                if event.is_directory and event.event_type in ("created", "moved"):
                    new = Path(path)
                    if new.parent == root and new.name in folders:  # e.g. templates/ made now
                        observer.schedule(self, path, recursive=True)

    handler = Handler()
    for kind in (Observer, PollingObserver):
        observer = kind()
        try:
            observer.schedule(handler, str(root), recursive=False)
            for name in folders:
                if (root / name).is_dir():
                    observer.schedule(handler, str(root / name), recursive=True)
            observer.start()
            return observer
        except OSError as exc:  # e.g. the inotify watch limit: fall back to polling
            echo(f"file events unavailable ({exc}); polling for changes instead")
    raise ShelfpostError([], "cannot watch the library for changes")


class Rebuilds:
    """The whole preview builds, one at a time in a thread of their own; asked for during a
    build, one more runs after it (with every change since)."""

    def __init__(self, preview: Preview, echo: Callable[[str], None]) -> None:
        self.preview, self.echo = preview, echo
        self.asked, self.stopped = False, False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def ask(self) -> None:
        with self.changed:
            self.asked = True
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopped = True
            self.changed.notify_all()

    def _run(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.asked or self.stopped)
                if self.stopped:
                    return
                self.asked = False
            try:
                self.preview.rebuild()
            except Exception as exc:  # noqa: BLE001 - serve goes on; the next save builds again
                self.echo(f"preview NOT rebuilt: {type(exc).__name__}: {exc}")


def serve_preview(
    root: Path,
    port: int,
    echo: Callable[[str], None],
    clock: Callable[[], datetime],
    timer: Callable[[], float],
    env: Mapping[str, str] | None = None,
    debounce: float = DEBOUNCE_SECONDS,
    stop: threading.Event | None = None,
) -> None:
    """Build, serve on 127.0.0.1:``port`` (0: any free port) and follow edits until ``stop``
    is set or Ctrl-C."""
    preview = Preview(root, clock, echo, timer, env)
    preview.rebuild()
    preview.out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(PreviewHandler, directory=str(preview.out), state=preview.state)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    changes = Changes(root, debounce)
    observer = watch(root.resolve(), changes, echo)
    echo(f"previewing at http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)")
    if stop is not None:

        def stopping() -> None:
            stop.wait()
            changes.stop()

        threading.Thread(target=stopping, daemon=True).start()
    builds = Rebuilds(preview, echo)
    try:
        while (changed := changes.take()) is not None:
            try:  # the edited pages now, even while a whole build runs
                preview.quick(changed)
            except ShelfpostError as exc:
                echo(format_problems(exc.problems))
            except (OSError, ValueError, LookupError) as exc:  # the whole build says what is wrong
                echo(f"preview: the quick update failed ({exc}); the whole build follows")
            builds.ask()
    except KeyboardInterrupt:
        pass
    finally:
        builds.stop()
        observer.stop()
        server.shutdown()
        server.server_close()
        preview.close()
