"""RSS 2.0 and Atom feeds with feedgen: the site's and one pair per post type.

Feeds only ever hold live posts (never drafts, not even in preview builds), with
absolute links from ``site_url``, GUIDs that depend on the slug alone (editing or
rescheduling a post never makes readers see it twice), and dates taken from the
content: feedgen would stamp the wall clock into ``updated`` and
``lastBuildDate``, which makes output differ on every run.
"""

from __future__ import annotations

import html
import mimetypes
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

import markdown
from feedgen.feed import FeedGenerator

from shelfpost.library.bodyscan import splice, url_scheme
from shelfpost.library.links import CONTENT, resolve_target
from shelfpost.library.model import Config, Library, Post
from shelfpost.site.text import local

MARKDOWN_EXTENSIONS = ["extra", "admonition", "sane_lists"]


@dataclass(frozen=True)
class FeedFile:
    path: str  # in the docs tree / site root
    kind: str  # "rss" | "atom"
    title: str

    @property
    def mime(self) -> str:
        return "application/rss+xml" if self.kind == "rss" else "application/atom+xml"


def post_url(config: Config, post: Post) -> str:
    return config.post_url(post.slug)


def post_guid(config: Config, post: Post) -> str:
    """A stable id: a UUID derived from the site and the slug only."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{config.base_url}posts/{post.slug}"))


def feed_files(config: Config) -> list[FeedFile]:
    files = [FeedFile("feed.xml", "rss", config.name), FeedFile("atom.xml", "atom", config.name)]
    for t in config.types.values():
        title = f"{config.name} · {t.label}"
        files += [FeedFile(f"{t.path}/feed.xml", "rss", title), FeedFile(f"{t.path}/atom.xml", "atom", title)]
    return files


class FeedRenderer:
    def __init__(self, library: Library, now: datetime) -> None:
        assert library.config is not None
        self.library = library
        self.config = library.config
        self.now = now
        self.live = library.live_posts(now)
        self.by_path = {p.path: p for p in self.live}
        self.pages = {p.path: p for p in library.pages}
        self._html: dict[str, str] = {}
        # One converter, reset per post: building one costs more than converting a post.
        self._markdown = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")

    def absolute(self, docs_path: str) -> str:
        return self.config.base_url + quote(docs_path, safe="/")

    def body_html(self, post: Post) -> str:
        """The post as HTML for feed readers, every link and image made absolute."""
        if post.path in self._html:
            return self._html[post.path]
        edits: list[tuple[int, int, str]] = []
        for link in post.links:
            if url_scheme(link.target) is not None or link.target.startswith("#"):
                continue
            resolved = resolve_target(post.path, link.target)
            if resolved is None:
                continue
            fragment = urlsplit(link.target).fragment
            suffix = f"#{fragment}" if fragment else ""
            if resolved in self.by_path:
                edits.append((link.start, link.end, post_url(self.config, self.by_path[resolved]) + suffix))
            elif resolved in self.pages:
                edits.append((link.start, link.end, self.absolute(self.pages[resolved].slug + "/") + suffix))
            elif resolved.endswith(".md"):
                if link.outer != (0, 0):
                    edits.append((link.outer[0], link.outer[1], link.text))
            else:
                edits.append((link.start, link.end, self.absolute(resolved[len(CONTENT) + 1 :])))
        body = self._markdown.reset().convert(splice(post.body, edits))
        parts = []
        if post.image:
            parts.append(
                f'<p><img src="{html.escape(self.absolute(post.image[len(CONTENT) + 1 :]))}" '
                f'alt="{html.escape(post.image_alt or "")}"></p>'
            )
        if post.event:
            tz, fmt = self.config.timezone, self.config.site.date_format
            ev = post.event
            where = html.escape(ev.location)
            parts.append(
                f"<p>{html.escape(local(ev.start, tz, fmt))} – "
                f"{html.escape(local(ev.end, tz, fmt))} · {where}</p>"
            )
        parts.append(body)
        self._html[post.path] = "\n".join(parts)
        return self._html[post.path]

    def feed(self, file: FeedFile, posts: Sequence[Post]) -> bytes:
        cfg = self.config
        chosen = list(posts[: cfg.site.feed_entries])
        fg = FeedGenerator()
        fg.id(cfg.base_url + file.path)
        fg.title(file.title)
        fg.description(cfg.description or cfg.name)
        # feedgen takes the RSS <channel><link> from the last link given: the site, not the feed.
        fg.link(href=cfg.base_url + file.path, rel="self", type=file.mime)
        fg.link(href=cfg.base_url, rel="alternate")
        fg.language(cfg.language)
        fg.generator("shelfpost")
        updated = max((p.last_modified for p in chosen), default=self.now)
        fg.updated(updated)
        fg.lastBuildDate(updated)
        for post in chosen:
            fe = fg.add_entry(order="append")
            fe.id(post_guid(cfg, post))
            fe.guid(post_guid(cfg, post), permalink=False)
            fe.title(post.title)
            fe.link(href=post_url(cfg, post), rel="alternate")
            fe.published(post.publish_at)
            fe.updated(post.last_modified)
            fe.summary(post.summary) if file.kind == "atom" else fe.description(post.summary)
            fe.content(self.body_html(post), type="CDATA" if file.kind == "rss" else "html")
            for tag in post.tags:
                fe.category(term=tag, label=tag)
            for aid in post.authors:
                author = self.library.authors.get(aid)
                if author and file.kind == "atom":
                    fe.author(name=author.name)
            if post.image and file.kind == "rss":
                source = self.library.root / post.image
                mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
                fe.enclosure(self.absolute(post.image[len(CONTENT) + 1 :]), str(source.stat().st_size), mime)
        if file.kind == "rss":
            return bytes(fg.rss_str(pretty=True))
        return bytes(fg.atom_str(pretty=True))

    def run(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        files = feed_files(self.config)
        for file in files:
            folder = file.path.rpartition("/")[0]
            ptype = next((t for t in self.config.types.values() if t.path == folder), None)
            posts = [p for p in self.live if ptype is None or p.type == ptype.id]
            out[file.path] = self.feed(file, posts)
        return out


def render_feeds(library: Library, now: datetime) -> dict[str, bytes]:
    return FeedRenderer(library, now).run()


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def section_sitemaps(config: Config, docs_paths: Sequence[str]) -> dict[str, str]:
    """A ``sitemap.xml`` beside each section's feeds, listing the section's own pages.

    Material's bundle (and Zensical's) fetches ``sitemap.xml`` resolved against the
    ``href`` of every ``<link rel="alternate">`` on every page, looking for translated
    versions of the page; for ``news/feed.xml`` that is ``news/sitemap.xml``, a 404 on
    every page load (two with the Atom link), which Lighthouse counts as console errors.
    A real sitemap there keeps feed autodiscovery as it is and every request answered.
    The sitemaps protocol lets a sitemap list only URLs under its own folder: these do.
    """
    out: dict[str, str] = {}
    for folder in sorted({f.path.rpartition("/")[0] for f in feed_files(config)} - {""}):
        urls = []
        for path in sorted(docs_paths):
            if not path.startswith(folder + "/") or not path.endswith(".md"):
                continue
            page = path.removesuffix(".md").removesuffix("index").rstrip("/")
            urls.append(config.base_url + quote(page) + "/")
        lines = [f"  <url><loc>{html.escape(u)}</loc></url>" for u in urls]
        out[f"{folder}/sitemap.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
            + "".join(line + "\n" for line in lines)
            + "</urlset>\n"
        )
    return out
