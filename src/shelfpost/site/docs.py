"""Generate the plain docs tree the site engine turns into HTML.

Gather first, write second (as mkdocs' own build does): :func:`render_docs`
returns a :class:`Tree` of every file, refusing to produce one path twice, and
only then is anything written. The tree holds only what ``now`` allows: posts
that are live (plus drafts and scheduled posts, bannered, in preview), and only
the media those posts use, so nothing unpublished leaks through any output.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from shelfpost.library.bodyscan import splice, url_scheme
from shelfpost.library.links import CONTENT, resolve_target
from shelfpost.library.model import Document, Library, Page, Partner, Post
from shelfpost.library.uistrings import strings_for
from shelfpost.site.feeds import post_url
from shelfpost.site.ical import post_event
from shelfpost.site.meta import (
    Card,
    EventFacts,
    Image,
    attr,
    card_head,
    json_ld_script,
    png_size,
    reading_minutes,
    same_language,
    structured_data,
)
from shelfpost.site.text import (
    doc_url,
    escape,
    event_when,
    local,
    relative,
    relative_url,
    tag_slug,
)
from shelfpost.site.thumbs import Thumbnailer

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"
LIBRARY_TEMPLATES = "templates/site"
STYLESHEET = "assets/shelfpost.css"
EVENTS_ICS = "events.ics"
PARTNERS_PAGE = "partners.md"
#: The link-preview image of pages and posts without one of their own. A library
#: puts its own (a logo, a photo of the building) at templates/site/share-card.png;
#: its alt text is the library's name either way.
SHARE_CARD = "share-card.png"
SHARE_CARD_DOC = "assets/share-card.png"
#: Where the lists' thumbnails of post images go (site/thumbs.py makes them).
THUMBNAILS_DOC = "assets/thumbnails"
#: Primary colours of Material's palette whose white header text stays under WCAG
#: AA's 4.5:1, each replaced by the nearest Material Design shade that passes
#: (tests/test_a11y.py checks the ratios; axe-core checks the sample's teal).
ACCESSIBLE_PRIMARY = {
    "red": "#d32f2f",
    "pink": "#c2185b",
    "blue": "#1565c0",
    "light-blue": "#0277bd",
    "cyan": "#00838f",
    "teal": "#00796b",
    "green": "#2e7d32",
    "deep-orange": "#bf360c",
}
CSS = """\
.shelfpost-meta { color: var(--md-default-fg-color--light); font-size: .8rem; }
.shelfpost-banner { border-left: .2rem solid var(--md-warning-fg-color, #ff9100); padding: .4rem .8rem; }
.shelfpost-image img { max-width: 100%; height: auto; }
.shelfpost-event dt { font-weight: 700; }
.shelfpost-event dd { margin: 0 0 .4rem 0; }
/* A post's thumbnail in a list sits at the end of the line beside its date and summary; the
   next post's title starts below it. On a phone it takes at most two fifths of the width. */
.md-typeset .shelfpost-thumb { float: right; float: inline-end; margin: .3rem 0 .6rem 1rem; margin-inline: 1rem 0; }
.md-typeset .shelfpost-thumb img { display: block; border-radius: .1rem; }
.md-typeset .shelfpost-thumb ~ :is(h2, h3, nav, .shelfpost-list-end) { clear: both; }
@media screen and (max-width: 30em) { .md-typeset .shelfpost-thumb { max-width: 40%; } .md-typeset .shelfpost-thumb img { height: auto; } }
/* Links in grey lines are underlined: colour alone does not set them apart (WCAG 1.4.1). */
.md-typeset .shelfpost-meta a, .md-typeset .shelfpost-tags a, .md-typeset .shelfpost-pager a { text-decoration: underline; }
/* Tab labels at full strength (Material dims them to 70%, under 4.5:1 on any primary colour);
   the current one is underlined instead. */
.md-tabs__link { opacity: 1; }
.md-tabs__item--active .md-tabs__link { text-decoration: underline; text-decoration-thickness: .1rem; text-underline-offset: .3rem; }
.md-copyright { color: var(--md-footer-fg-color--light); }
.md-search-result__meta { color: var(--md-default-fg-color); }
/* Matched words in search results take the link colour (the accent is often under 4.5:1). */
.md-search-result mark { color: var(--md-typeset-a-color); }
/* A focus ring on everything the keyboard reaches: white on the coloured header and tabs,
   the link colour on the page (Material's rings take the accent colour, often under 3:1). */
:focus-visible, .focus-visible { outline: .125rem solid currentColor !important; outline-offset: .125rem; }
.md-main :focus-visible, .md-main .focus-visible { outline-color: var(--md-typeset-a-color) !important; }
.md-search__input:focus-visible, .md-search__input.focus-visible { outline-color: var(--md-primary-bg-color) !important; }
/* No focus stops nobody can see: the search results box while search is closed, and the
   palette switch Material renders for a palette list of one entry. */
[data-md-toggle="search"]:not(:checked) ~ .md-header .md-search__output { visibility: hidden; }
.md-header__option[data-md-component="palette"] > .md-option:only-of-type { display: none; }
/* Printed event posts keep the when, where and how to register, with the address written out. */
@media print {
  .shelfpost-event, .shelfpost-meta { color: #000; }
  .shelfpost-event { break-inside: avoid; border: 1px solid #000; padding: .4rem .8rem; }
  .shelfpost-event a[href]::after { content: " <" attr(href) ">"; }
}
""" + "".join(
    f'[data-md-color-primary="{name}"] {{ --md-primary-fg-color: {shade}; }}\n'
    for name, shade in ACCESSIBLE_PRIMARY.items()
)


class DuplicateOutput(Exception):
    """Two things wanted to write one path (pelican's ``_open_w`` guard)."""


@dataclass
class Tree:
    """Every file of the docs tree: generated text or a source file to copy."""

    texts: dict[str, str] = field(default_factory=dict)
    copies: dict[str, Path] = field(default_factory=dict)

    def add(self, path: str, text: str) -> None:
        if path in self.texts or path in self.copies:
            raise DuplicateOutput(f"{path} would be written twice (two things share one URL)")
        self.texts[path] = text

    def copy(self, path: str, source: Path) -> None:
        if path in self.copies and self.copies[path] == source:
            return
        if path in self.texts or path in self.copies:
            raise DuplicateOutput(f"{path} would be written twice")
        self.copies[path] = source


@dataclass(frozen=True)
class ListImage:
    """A post's thumbnail in a list: relative URLs and the size it is shown at (CSS pixels)."""

    src: Markup
    srcset: Markup
    width: int
    height: int


@dataclass(frozen=True)
class Entry:
    post: Post
    url: Markup
    label: str
    image: ListImage | None = None


def post_doc(post: Post) -> str:
    return f"posts/{post.slug}.md"


def page_doc(page: Page) -> str:
    return f"{page.slug}.md"


def environment(library: Library) -> jinja2.Environment:
    """Templates: the library's own ``templates/site/`` first, then shelfpost's."""
    loaders: list[jinja2.BaseLoader] = []
    own = library.root / LIBRARY_TEMPLATES
    if own.is_dir():
        loaders.append(jinja2.FileSystemLoader(own))
    loaders.append(jinja2.FileSystemLoader(PACKAGE_TEMPLATES))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        finalize=escape,
        autoescape=False,  # noqa: S701 - `finalize` escapes every value for Markdown and HTML at once
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    assert library.config is not None
    cfg = library.config
    env.filters["local"] = lambda dt: local(dt, cfg.timezone, cfg.site.date_format)
    env.filters["iso"] = lambda dt: Markup(dt.isoformat())  # noqa: S704 - digits, -, :, + only
    env.filters["when"] = lambda event, now=None: event_when(
        event.start, event.end, cfg.timezone, cfg.language, now
    )
    return env


def front_matter(meta: dict[str, Any]) -> str:
    """The page's metadata for the engine, written as JSON: JSON is YAML, so every engine
    reads it, and the C JSON writer is ~10x faster than PyYAML's representer (which
    was half of shelfpost's build time at 1,000 posts; bench/README.md)."""
    if not meta:
        return ""
    return "---\n" + json.dumps(meta, ensure_ascii=False, sort_keys=True) + "\n---\n\n"


class SiteRenderer:
    """Renders one snapshot at one moment into a :class:`Tree`."""

    def __init__(
        self, library: Library, now: datetime, preview: bool = False, thumbnails: Thumbnailer | None = None
    ) -> None:
        assert library.config is not None, "render only a library whose config loaded"
        self.thumbnails = thumbnails
        self.library = library
        self.config = library.config
        self.now = now
        self.preview = preview
        self.env = environment(library)
        self.env.globals["build_now"] = now  # events under way read "ongoing" in lists
        self.s = strings_for(self.config.language)
        if preview:
            posts = sorted(
                (p for p in library.posts if not p.withdrawn),
                key=lambda p: (p.publish_at, p.path),
                reverse=True,
            )
        else:
            posts = library.live_posts(now)
        self.posts: list[Post] = posts
        self.by_path = {p.path: p for p in posts}
        self.pages = {p.path: p for p in library.pages}
        self.tree = Tree()
        self.share_card = self.default_image()

    # --- helpers ----------------------------------------------------------------
    def render(
        self,
        template: str,
        here: str,
        meta: dict[str, Any] | None = None,
        card: Card | None = None,
        head: str = "",
        **ctx: Any,
    ) -> None:
        def href_to(doc: str) -> Markup:
            """For raw HTML, where the engine does not rewrite ``.md`` links."""
            return relative_url(here, doc_url(doc))

        meta = dict(meta or {})
        if card is not None:
            meta["shelfpost_head"] = card_head(card) + head
        text = self.env.get_template(template).render(s=self.s, config=self.config, href_to=href_to, **ctx)
        self.tree.add(here, front_matter(meta) + text)

    def page_card(self, here: str, title: str, description: str = "") -> Card:
        """The link preview of a page that is not a post (``og:type`` website)."""
        cfg = self.config
        return Card(
            title=title,
            description=description or cfg.description or cfg.name,
            url=cfg.base_url + quote(doc_url(here), safe="/"),
            site_name=cfg.name,
            locale=cfg.language,
            image=self.share_card,
        )

    def entries(self, posts: Iterable[Post], here: str, images: bool = False) -> list[Entry]:
        """The posts as a list on ``here``; with ``images``, each with its thumbnail."""
        return [
            Entry(
                p,
                relative(here, post_doc(p)),
                self.config.types[p.type].label,
                self.list_image(p, here) if images else None,
            )
            for p in posts
        ]

    def list_image(self, post: Post, here: str) -> ListImage | None:
        """The post's thumbnail for a list, its files added to the tree; None without an
        image, without a thumbnailer, or when the image cannot be read."""
        if not post.image or not post.image_alt or self.thumbnails is None:
            return None
        thumb = self.thumbnails.thumbnail(self.library.root / post.image)
        if thumb is None:
            return None
        name = post.image[len(CONTENT) + 1 :]  # with its extension: pic.png and pic.jpg are two
        urls = {}
        for density, source in sorted(thumb.files.items()):
            doc = f"{THUMBNAILS_DOC}/{name}-{thumb.width * density}w.webp"
            self.tree.copy(doc, source)
            urls[density] = relative_url(here, doc)
        srcset = ", ".join(f"{url} {density}x" for density, url in urls.items()) if len(urls) > 1 else ""
        return ListImage(urls[1], Markup(srcset), thumb.width, thumb.height)  # noqa: S704 - percent-encoded URLs

    def body_for_site(self, doc: Document, here: str) -> Markup:
        """The body with links to posts, pages and media pointed at their docs paths."""
        edits: list[tuple[int, int, str]] = []
        for link in doc.links:
            if url_scheme(link.target) is not None or link.target.startswith("#"):
                continue
            resolved = resolve_target(doc.path, link.target)
            if resolved is None:
                continue
            fragment = urlsplit(link.target).fragment
            suffix = f"#{fragment}" if fragment else ""
            if resolved in self.by_path:
                edits.append(
                    (link.start, link.end, relative(here, post_doc(self.by_path[resolved])) + suffix)
                )
            elif resolved in self.pages:
                edits.append((link.start, link.end, relative(here, page_doc(self.pages[resolved])) + suffix))
            elif resolved.endswith(".md"):
                # A post that is not live yet: keep the words, drop the link.
                if link.outer != (0, 0):
                    edits.append((link.outer[0], link.outer[1], link.text))
            elif resolved in self.library.files:
                docs_path = self.media(resolved)
                edits.append((link.start, link.end, relative(here, docs_path)))
        return Markup(splice(doc.body, edits))  # noqa: S704 - the body is Markdown the engine renders; check refused unsafe HTML

    def default_image(self) -> Image:
        """The library's share card, or shelfpost's, copied into the docs tree."""
        own = self.library.root / LIBRARY_TEMPLATES / SHARE_CARD
        source = own if own.is_file() else PACKAGE_TEMPLATES / SHARE_CARD
        self.tree.copy(SHARE_CARD_DOC, source)
        return Image(self.config.base_url + SHARE_CARD_DOC, self.config.name, png_size(source))

    def media(self, resolved: str) -> str:
        docs_path = resolved[len(CONTENT) + 1 :]
        self.tree.copy(docs_path, self.library.root / resolved)
        return docs_path

    def paginate(
        self,
        folder: str,
        title: str,
        posts: Sequence[Post],
        intro: str = "",
        meta: dict[str, Any] | None = None,
        upcoming: Sequence[Post] | None = None,
    ) -> str:
        """``folder/index.md``, ``folder/page/2.md``...; returns the first page's path."""
        size = self.config.site.page_size
        chunks = [posts[i : i + size] for i in range(0, len(posts), size)] or [[]]
        docs = [f"{folder}/index.md"] + [f"{folder}/page/{n}.md" for n in range(2, len(chunks) + 1)]
        for n, (chunk, here) in enumerate(zip(chunks, docs, strict=True)):
            pager = {
                "newer": relative(here, docs[n - 1]) if n > 0 else None,
                "older": relative(here, docs[n + 1]) if n + 1 < len(docs) else None,
            }
            page_title = title if n == 0 else f"{title} ({n + 1})"
            self.render(
                "list.md.j2",
                here,
                {"search": {"exclude": True}, **(meta or {})},
                self.page_card(here, page_title, intro),
                title=page_title,
                intro=intro if n == 0 else "",
                pager=pager,
                entries=self.entries(chunk, here, images=True),
                upcoming=self.entries(upcoming, here) if upcoming is not None and n == 0 else None,
                events_ics=relative_url(here, EVENTS_ICS),
            )
        return docs[0]

    # --- the site -------------------------------------------------------------
    def run(self) -> Tree:
        cfg = self.config
        self.tree.add(STYLESHEET, CSS)
        for post in self.posts:
            self.render_post(post)
        for page in self.pages.values():
            here = page_doc(page)
            meta = {"description": str(escape(page.summary))} if page.summary else {}
            card = self.page_card(here, page.title, page.summary)
            self.render("page.md.j2", here, meta, card, page=page, body=self.body_for_site(page, here))

        # Upcoming events (ending after now), soonest first: on the home page and
        # at the top of each event section, with the link to subscribe.
        upcoming = [p for p in self.posts if p.event is not None and p.event.end >= self.now]
        upcoming.sort(key=lambda p: (p.event.start if p.event else p.publish_at, p.path))

        sections = []
        for ptype in cfg.types.values():
            posts = [p for p in self.posts if p.type == ptype.id]
            soon = [p for p in upcoming if p.type == ptype.id] if ptype.events else None
            first = self.paginate(ptype.path, ptype.label, posts, ptype.description, upcoming=soon)
            sections.append({"label": ptype.label, "url": relative("index.md", first)})

        self.render_partners()
        newsletters = self.render_digests()

        # Tags: one paginated list per tag, and an index.
        tags: dict[str, list[Post]] = defaultdict(list)
        names: dict[str, str] = {}
        for post in self.posts:
            for tag in post.tags:
                slug = tag_slug(tag)
                names.setdefault(slug, tag)
                tags[slug].append(post)
        tag_rows = []
        for slug in sorted(tags, key=lambda s: (-len(tags[s]), names[s])):
            first = self.paginate(f"tags/{slug}", f"{self.s['tag']}：{names[slug]}", tags[slug])
            tag_rows.append(
                {"name": names[slug], "count": len(tags[slug]), "url": relative("tags/index.md", first)}
            )
        self.render(
            "tags.md.j2",
            "tags/index.md",
            {"search": {"exclude": True}},
            self.page_card("tags/index.md", self.s["tags"]),
            tags=tag_rows,
        )

        # Archive: one paginated list per month, in the library's time zone.
        months: dict[tuple[int, int], list[Post]] = defaultdict(list)
        for post in self.posts:
            when = post.publish_at.astimezone(cfg.timezone)
            months[(when.year, when.month)].append(post)
        years: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for year, month in sorted(months, reverse=True):
            label = f"{year}-{month:02d}"
            first = self.paginate(
                f"archive/{year}/{month:02d}", f"{self.s['archive']} {label}", months[(year, month)]
            )
            years[year].append(
                {
                    "label": label,
                    "count": len(months[(year, month)]),
                    "url": relative("archive/index.md", first),
                }
            )
        self.render(
            "archive.md.j2",
            "archive/index.md",
            {"search": {"exclude": True}},
            self.page_card("archive/index.md", self.s["archive"]),
            years=sorted(years.items(), reverse=True),
        )

        # Home: latest posts and upcoming events.
        event_posts = upcoming
        self.render(
            "home.md.j2",
            "index.md",
            {"search": {"exclude": True}},
            self.page_card("index.md", cfg.name),
            entries=self.entries(self.posts[: cfg.site.latest], "index.md", images=True),
            upcoming=self.entries(event_posts[:5], "index.md"),
            sections=sections,
            archive_url=relative("index.md", "archive/index.md"),
            tags_url=relative("index.md", "tags/index.md"),
            feed_url=Markup("feed.xml"),
            atom_url=Markup("atom.xml"),
            newsletters=newsletters,
        )
        return self.tree

    def public_partners(self) -> list[Partner]:
        return sorted(
            (p for p in self.library.partners.values() if p.status == "active" and p.public),
            key=lambda p: (p.since, p.id),
        )

    def render_partners(self) -> None:
        """The Partners page: active public partners and the posts promoted with them.

        Contact roles and addresses stay internal: only the name, the partner's own
        site, what was agreed, and the posts are public.
        """
        partners = self.public_partners()
        if not partners:
            return
        rows = []
        for partner in partners:
            posts = [p for p in self.posts if partner.id in p.partners]
            rows.append({"partner": partner, "entries": self.entries(posts, PARTNERS_PAGE)})
        self.render(
            "partners.md.j2",
            PARTNERS_PAGE,
            {"search": {"exclude": True}},
            self.page_card(PARTNERS_PAGE, self.s["partners"], self.s["partners_intro"]),
            partners=rows,
        )

    def render_digests(self) -> list[dict[str, Any]]:
        """One digest archive page per email channel (``/<channel id>/``): the list's sign-up
        link and every digest that went out, with links to the posts it carried that are
        still live (a withdrawn post loses its link; nothing is recalled). Returns what the
        home page links to."""
        from shelfpost.library.digests import DIGESTS_DIR, BadRecord, load_digest

        channels = [c for c in self.library.plan.channels.values() if c.kind == "email" and c.email]
        if not channels:
            return []
        records = []
        folder = self.library.root / DIGESTS_DIR
        for path in sorted(folder.glob("*.yml")) if folder.is_dir() else ():
            try:
                records.append(load_digest(path))
            except BadRecord:
                continue  # `shelfpost digest` names it; the archive shows the others
        by_slug = {p.slug: p for p in self.posts}
        links = []
        for channel in channels:
            assert channel.email is not None
            here = f"{channel.id}/index.md"
            sent = sorted(
                (r for r in records if r.channel == channel.id and r.state == "sent"),
                key=lambda r: r.period_end,
                reverse=True,
            )
            rows = [
                {
                    "date": local(r.period_end, self.config.timezone, "%Y-%m-%d"),
                    "subject": r.subject,
                    "entries": self.entries([by_slug[s] for s in r.posts if s in by_slug], here),
                }
                for r in sent
            ]
            self.render(
                "digests.md.j2",
                here,
                {"search": {"exclude": True}},
                self.page_card(here, channel.name, self.s["digests_intro"]),
                channel=channel,
                subscribe_url=channel.email.subscribe_url or "",
                rows=rows,
            )
            links.append(
                {
                    "name": channel.name,
                    "subscribe_url": channel.email.subscribe_url or "",
                    "archive_url": relative("index.md", here),
                }
            )
        return links

    def post_card(self, post: Post, image_doc: str | None) -> Card:
        """The link preview of a post (``og:type`` article), with its own image if it has one."""
        cfg = self.config
        image = self.share_card
        if post.image and image_doc:
            size = png_size(self.library.root / post.image)
            image = Image(cfg.base_url + quote(image_doc, safe="/"), post.image_alt or "", size)
        return Card(
            title=post.title,
            description=post.summary,
            url=post_url(cfg, post),
            site_name=cfg.name,
            locale=post.lang or cfg.language,
            image=image,
            published=post.publish_at,
            modified=post.updated,
            section=cfg.types[post.type].label,
            tags=post.tags,
        )

    def render_post(self, post: Post) -> None:
        here = post_doc(post)
        ptype = self.config.types[post.type]
        image_doc = self.media(post.image) if post.image else None
        image = relative_url(here, image_doc) if image_doc else None
        banner = ""
        if post.draft:
            banner = self.s["draft"]
        elif post.publish_at > self.now:
            banner = f"{self.s['scheduled']} {local(post.publish_at, self.config.timezone, self.config.site.date_format)}"
        tags = [
            {"name": t, "url": relative_url(here, doc_url(f"tags/{tag_slug(t)}/index.md"))} for t in post.tags
        ]
        authors = [self.library.authors[a] for a in post.authors if a in self.library.authors]
        meta: dict[str, Any] = {"description": str(escape(post.summary))}
        # A post in another language than the site's: the theme puts `lang` on the
        # content, and shelfpost's own words around it keep the site's language.
        other_lang = not same_language(post.lang, self.config.language)
        if other_lang:
            meta["shelfpost_lang"] = attr(post.lang)
        minutes = reading_minutes(post.body)
        card = self.post_card(post, image_doc)
        facts = None
        if post.event is not None:
            e = post.event
            facts = EventFacts(e.start, e.end, e.location, e.registration_url)
        names = [a.name for a in authors]
        event_ics = None
        if post.event is not None:  # "add to my calendar": this event alone, same UID as events.ics
            ics_doc = f"posts/{post.slug}/event.ics"
            self.tree.add(ics_doc, post_event(self.library, post).decode("utf-8"))
            event_ics = relative_url(here, ics_doc)
        ld = structured_data(card, kind=post.type, authors=names, site_url=self.config.base_url, event=facts)
        self.render(
            "post.md.j2",
            here,
            meta,
            card,
            json_ld_script(ld),
            post=post,
            ui_lang=self.config.language if other_lang else "",
            reading_time=self.s["reading_time"].format(n=minutes),
            event_ics=event_ics,
            ptype=ptype,
            image=image,
            banner=banner,
            tags=tags,
            authors=authors,
            body=self.body_for_site(post, here),
            type_index=f"{ptype.path}/index.md",
        )


def render_docs(
    library: Library, now: datetime, preview: bool = False, thumbnails: Thumbnailer | None = None
) -> Tree:
    """The docs tree of the site at ``now``; lists show thumbnails when a thumbnailer is given."""
    return SiteRenderer(library, now, preview, thumbnails).run()
