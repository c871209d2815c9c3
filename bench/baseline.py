"""The baseline: the same library as a Material for MkDocs blog with mkdocs-rss-plugin.

What a library would set up instead of shelfpost to get a blog with a feed on the
same engine and theme: Material's built-in ``blog`` plugin, mkdocs-rss-plugin and
the ``search`` plugin (Chinese segmented with jieba, as in shelfpost's builds).

    python bench/baseline.py LIB DEST        # convert a generated library (bench/corpus.py)
    python bench/baseline.py --venv          # create (or find) the baseline's virtualenv

The baseline is installed in its own virtualenv, cached in the user's cache folder
and keyed by the versions (a second run reuses it). Versions are pinned: mkdocs,
mkdocs-material (the version shelfpost's environment has, so both sides run the same
theme), mkdocs-rss-plugin and jieba; the libraries both sides use (Markdown,
pymdown-extensions, Jinja2, ...) are constrained to the versions of shelfpost's
environment, so the only difference is what drives the engine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import posixpath
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

MKDOCS = "1.6.1"
MATERIAL = "9.8.2"  # used when shelfpost's environment has no mkdocs-material
RSS = "1.19.0"
JIEBA = "0.42.1"
# Packages both environments use: pinned to the versions of shelfpost's environment.
SHARED = (
    "Markdown",
    "pymdown-extensions",
    "Jinja2",
    "MarkupSafe",
    "Pygments",
    "PyYAML",
    "babel",
    "paginate",
    "backrefs",
    "mkdocs-material-extensions",
    "mkdocs-get-deps",
)
# Posts are in the blog's post folder, by year, under the library's own file names,
# so the relative links between posts resolve unchanged.
POSTS = "blog/posts"
BLOG_TITLE = "最新文章"


def installed(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def material_version() -> str:
    return installed("mkdocs-material") or MATERIAL


def requirements() -> tuple[list[str], list[str]]:
    """Pinned requirements and the constraints shared with shelfpost's environment."""
    pins = [f"mkdocs=={MKDOCS}", f"mkdocs-material=={material_version()}", f"mkdocs-rss-plugin=={RSS}"]
    pins.append(f"jieba=={JIEBA}")
    constraints = [f"{dist}=={v}" for dist in SHARED if (v := installed(dist))]
    return pins, constraints


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shelfpost"


def venv_dir() -> Path:
    pins, constraints = requirements()
    python = ".".join(platform.python_version_tuple()[:2])
    digest = hashlib.sha256("\n".join([python, *pins, *constraints]).encode()).hexdigest()[:8]
    name = f"bench-baseline-mkdocs-{MKDOCS}-material-{material_version()}-rss-{RSS}-jieba-{JIEBA}"
    return cache_root() / f"{name}-py{python}-{digest}"


def venv_python(log: bool = True) -> Path:
    """The baseline virtualenv's Python, created on first use (a few tens of seconds)."""
    folder = venv_dir()
    python = folder / "bin" / "python"
    done = folder / "installed.txt"  # written last: a half-made virtualenv is made again
    if done.is_file() and python.exists():
        return python
    if log:
        print(f"creating the baseline's virtualenv in {folder}", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    pins, constraints = requirements()
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    (folder / "constraints.txt").write_text("".join(f"{c}\n" for c in constraints), encoding="utf-8")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    command = [str(python), "-m", "pip", "install", "-q", "-c", str(folder / "constraints.txt"), *pins]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"installing the baseline failed:\n{result.stdout}{result.stderr}")
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True, env=env
    )
    done.write_text(freeze.stdout, encoding="utf-8")
    return python


def venv_versions(python: Path) -> dict[str, str]:
    """name -> version of what the baseline's virtualenv has installed (from its pip freeze)."""
    done = python.parent.parent / "installed.txt"
    out = {}
    for line in done.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.partition("==")
        if sep:
            out[name.lower()] = version
    return out


# Converting a library
# --------------------


@dataclass(frozen=True)
class Project:
    root: Path  # holds mkdocs.yml and docs/
    posts: int
    newest: str  # the newest post's page in the built site, relative to the site folder


def split(text: str) -> tuple[dict[str, Any], str]:
    _, front, body = text.split("---\n", 2)
    return yaml.load(front, Loader=yaml.CSafeLoader), body.lstrip("\n")


def convert(lib: Path, dest: Path, *, tags: bool = False) -> Project:
    """Write a Material-blog project with the library's posts, pages and images into DEST.

    Each post keeps its body and its file name (under docs/blog/posts/YYYY/, so its
    relative links still resolve) and gets the front matter the blog plugin reads:
    ``date`` (publish_at in the library's time zone), ``slug`` (shelfpost's slug, so
    URLs do not collide: the default slug of a Chinese title is mostly empty),
    ``categories`` (the post type's label), ``authors`` (docs/blog/.authors.yml),
    ``description`` (the summary; the feed's description too) and, with ``tags``,
    ``tags``. The title is the post's first heading, the summary its excerpt (before
    ``<!-- more -->``); an image goes first in the body, an event's time and place
    after the excerpt.
    """
    config = yaml.safe_load((lib / "shelfpost.yml").read_text(encoding="utf-8"))
    theme = yaml.safe_load((lib / "mkdocs.yml").read_text(encoding="utf-8"))
    authors = yaml.safe_load((lib / "content" / "authors.yml").read_text(encoding="utf-8"))["authors"]
    library = config["library"]
    zone = ZoneInfo(library["timezone"])
    labels = {name: t.get("label", name) for name, t in config["types"].items()}

    docs = dest / "docs"
    (docs / "blog" / "posts").mkdir(parents=True)
    shutil.copytree(lib / "content" / "media", docs / "media")
    for page in sorted((lib / "content" / "pages").glob("*.md")):
        shutil.copyfile(page, docs / page.name)
    (docs / "index.md").write_text(
        f"# {library['name']}\n\n{library.get('description', '')}\n\n[{BLOG_TITLE}](blog/index.md)\n",
        encoding="utf-8",
    )
    (docs / "blog" / "index.md").write_text(f"# {BLOG_TITLE}\n", encoding="utf-8")
    avatar = sorted(p.name for p in (docs / "media").iterdir())[0]
    people = {
        aid: {"name": a["name"], "description": a.get("role") or a["name"], "avatar": f"media/{avatar}"}
        for aid, a in authors.items()
    }
    (docs / "blog" / ".authors.yml").write_text(
        yaml.safe_dump({"authors": people}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )

    newest: tuple[datetime, str] | None = None
    count = 0
    for path in sorted((lib / "content" / "posts").rglob("*.md")):
        rel = path.relative_to(lib / "content" / "posts").as_posix()
        meta, body = split(path.read_text(encoding="utf-8"))
        when = datetime.strptime(str(meta["publish_at"]), "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        slug = path.stem[len("YYYY-MM-DD-") :]
        front: dict[str, Any] = {
            "date": when,
            "slug": slug,
            "categories": [labels[meta["type"]]],
            "authors": list(meta["authors"]),
            "description": meta["summary"],
        }
        if tags:
            front["tags"] = list(meta["tags"])
        parts = [f"# {meta['title']}", "", meta["summary"], "", "<!-- more -->", ""]
        if meta.get("image"):
            # the image path is relative to the post in content/posts/YYYY/; media/ moved to docs/
            image = posixpath.normpath(posixpath.join("content/posts", posixpath.dirname(rel), meta["image"]))
            target = posixpath.relpath(
                "docs/" + image.removeprefix("content/"), posixpath.dirname(f"docs/{POSTS}/{rel}")
            )
            parts += [f"![{meta.get('image_alt', '')}]({target})", ""]
        event = meta.get("event")
        if event:
            parts += [f"- 時間：{event['start']} – {event['end']}", f"- 地點：{event['location']}"]
            if event.get("registration_url"):
                parts.append(f"- [報名]({event['registration_url']})")
            parts.append("")
        target_path = docs / POSTS / rel
        target_path.parent.mkdir(parents=True, exist_ok=True)
        head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
        target_path.write_text(f"---\n{head}---\n\n" + "\n".join(parts) + "\n" + body, encoding="utf-8")
        count += 1
        if newest is None or when > newest[0]:
            newest = (when, f"blog/{when:%Y/%m/%d}/{slug}/index.html")

    plugins: list[Any] = ["search", "blog"]
    if tags:
        plugins.append("tags")
        (docs / "tags.md").write_text("# 標籤\n\n<!-- material/tags -->\n", encoding="utf-8")
    plugins.append(
        {
            "rss": {
                "match_path": f"{POSTS}/.*",
                "date_from_meta": {"as_creation": "date", "default_timezone": library["timezone"]},
                "categories": ["categories", "tags"],
                "length": config.get("site", {}).get("feed_entries", 20),
                "use_git": False,
            }
        }
    )
    nav: list[Any] = ["index.md", {BLOG_TITLE: ["blog/index.md"]}]
    if tags:
        nav.append("tags.md")
    nav += [p.name for p in sorted((docs).glob("*.md")) if p.name not in ("index.md", "tags.md")]
    mkdocs_yml = {
        "site_name": library["name"],
        "site_url": library["site_url"],
        "site_description": library.get("description", ""),
        "theme": {**theme["theme"], "language": library.get("language", "en")},
        "plugins": plugins,
        "markdown_extensions": theme.get("markdown_extensions", []),
        "nav": nav,
    }
    (dest / "mkdocs.yml").write_text(
        yaml.safe_dump(mkdocs_yml, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    assert newest is not None, "the library has no posts"
    return Project(dest, count, newest[1])


def check_site(site: Project, out: Path) -> None:
    """Stop unless the baseline's build made the blog index, every post page and the feed."""
    index = out / "blog" / "index.html"
    feed = out / "feed_rss_created.xml"
    missing = [p for p in (index, feed, out / site.newest) if not p.is_file()]
    if missing:
        raise SystemExit(f"the baseline build did not write {', '.join(map(str, missing))}")
    pages = sum(1 for p in (out / "blog").glob("[0-9][0-9][0-9][0-9]/*/*/*/index.html"))
    if pages != site.posts:
        raise SystemExit(f"the baseline build wrote {pages} post pages for {site.posts} posts")
    if feed.read_text(encoding="utf-8").count("<item>") == 0:
        raise SystemExit(f"{feed} has no items")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lib", type=Path, nargs="?", help="a library made by bench/corpus.py")
    parser.add_argument("dest", type=Path, nargs="?", help="a new folder for the Material-blog project")
    parser.add_argument("--tags", action="store_true", help="also the tags plugin and a tags index page")
    parser.add_argument(
        "--venv", action="store_true", help="create the baseline's virtualenv, print its python"
    )
    args = parser.parse_args(argv)
    if args.venv:
        print(venv_python())
        return 0
    if args.lib is None or args.dest is None:
        parser.error("give LIB and DEST, or --venv")
    if args.dest.exists():
        raise SystemExit(f"{args.dest} exists: give a new folder")
    project = convert(args.lib, args.dest, tags=args.tags)
    print(f"wrote {project.posts} posts to {args.dest}; build with: mkdocs build -f {args.dest}/mkdocs.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
