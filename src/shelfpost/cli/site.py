"""The public site: build, serve."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    clock,
    environment,
    file_cache,
    now_option,
    parse_now,
    root_option,
    stage,
)
from shelfpost.library.loader import default_jobs, load_library


@main.command()
@now_option(
    "Build as of this moment (default: the clock). Without an offset it is in the library's time zone."
)
@click.option(
    "--drafts",
    is_flag=True,
    help="Preview: also show drafts and scheduled posts, marked as such (never in feeds).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: site/ in the library).",
)
@click.option(
    "--engine",
    type=click.Choice(["mkdocs", "zensical"]),
    default=None,
    help="Override site.engine from shelfpost.yml.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Render every page, not only those changed since the last build (same result, slower).",
)
@root_option
def build(
    now_text: str | None, drafts: bool, out: Path | None, engine: str | None, full: bool, root: Path
) -> None:
    """Build the public site and its feeds with only the posts due by NOW.

    The last build is kept in .shelfpost/build/: the next one renders only the
    pages whose content changed (the site is the same as a full build's).
    """
    import signal

    from shelfpost.site.build import build_site

    # A stopped CI job sends SIGTERM: unwind like Ctrl-C, so the engines are stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    library = load_library(root, cache=file_cache(root), jobs=default_jobs())
    now = parse_now(now_text, library)
    started = time.perf_counter()
    from shelfpost.cli.progress import progress_display

    with stage("building the site"), progress_display(environment()) as progress:
        result = build_site(
            library,
            now,
            out or root / "site",
            preview=drafts,
            engine=engine,
            full=full,
            jobs=default_jobs(),
            env=environment(),
            progress=progress,
        )
    for problem in library.problems:  # warnings only, or build would have failed
        click.echo(problem.format_text(), err=True)
    click.echo(
        f"built {result.posts} post(s) with {result.engine} into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f} s; {result.mode}, {result.rendered} file(s) rendered",
        err=True,
    )
    click.echo(view_advice(result.site_dir), err=True)


def view_advice(site_dir: Path) -> str:
    """How to read the built site: served, since opened as a file (``site/index.html``) every
    menu link leads to a folder listing (the site's links end in ``/``, as on a web server)."""
    return (
        f"to read it as readers will, serve the folder: python3 -m http.server --bind 127.0.0.1 "
        f"--directory {shlex.quote(str(site_dir))} 8000, then open http://127.0.0.1:8000/ "
        "(`shelfpost serve` previews with drafts and rebuilds on changes)"
    )


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option(
    "--debounce",
    default=0.05,
    show_default=True,
    help="Seconds without a new file change before the preview rebuilds (one save is often several writes).",
)
@click.option(
    "--interval",
    type=float,
    default=None,
    hidden=True,
    help="Deprecated and ignored: serve reacts to file events now (see --debounce).",
)
@root_option
def serve(port: int, debounce: float, interval: float | None, root: Path) -> None:
    """Preview the site with drafts at http://127.0.0.1:PORT; pages reload themselves on changes."""
    from shelfpost.site.serve import serve_preview

    if interval is not None:
        click.echo(
            "--interval is deprecated and ignored: serve reacts to file events (see --debounce)", err=True
        )
    serve_preview(
        root,
        port,
        echo=lambda msg: click.echo(msg, err=True),
        clock=clock,
        timer=time.monotonic,
        env=environment(),
        debounce=debounce,
    )
