"""The schema of every file an editor or the social-media lead edits.

``shelfpost schema`` prints these tables; the docs in README.md are generated from
the same ``doc`` strings, so meaning and validation never drift apart.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, available_timezones

from .schema import (
    Choice,
    Context,
    Field,
    Flag,
    Ident,
    Integer,
    Invalid,
    ListOf,
    MapOf,
    Moment,
    Nested,
    RelPath,
    Reporter,
    Schema,
    Text,
    Url,
    _scalar,
)
from .yamlnodes import Node

LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
BLOCKED_TAG_CHARS = re.compile(r"[/#?%\\<>\"']")


class Language(Field):
    kind = "language tag (BCP 47, e.g. zh-TW, en)"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = str(_scalar(node, "a language tag").value).strip()
        if not LANG_RE.match(value):
            raise Invalid(f"{value!r} is not a language tag such as zh-TW or en", node)
        return value


class TimeZone(Field):
    kind = "IANA time zone (e.g. Asia/Taipei)"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = str(_scalar(node, "a time zone name").value).strip()
        try:
            ZoneInfo(value)
        except Exception:  # ZoneInfoNotFoundError, ValueError for odd keys
            from .schema import did_you_mean

            raise Invalid(
                f"{value!r} is not a time zone{did_you_mean(value, available_timezones())}", node
            ) from None
        return value


class Tag(Field):
    kind = "tag"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = Text(max_length=40).convert(node, ctx, rep, key)
        if BLOCKED_TAG_CHARS.search(value):
            raise Invalid(f"{value!r}: tags cannot hold / # ? % \\ < > or quotes", node)
        return value


# --- shelfpost.yml -----------------------------------------------------------------


class LibrarySettings(Schema):
    name = Text(
        required=True, max_length=120, doc="The library's public name, shown on the site and in feeds."
    )
    site_url = Url(
        required=True, doc="Where the public site lives; every feed link is made absolute from it."
    )
    language = Language(required=True, doc="Main language of the site and posts (sample: zh-TW).")
    timezone = TimeZone(
        required=True, doc="Where a publish time without an offset is read (sample: Asia/Taipei)."
    )
    description = Text(max_length=300, default="", doc="One sentence for feeds and the home page.")


class TypeSettings(Schema):
    label = Text(required=True, max_length=40, doc="Section name on the site (e.g. 最新消息).")
    path = Ident(required=True, doc="URL folder of the section (e.g. news).")
    events = Flag(default=False, doc="Posts of this type carry an `event:` block.")
    description = Text(max_length=300, default="", doc="Shown at the top of the section.")


class SiteSettings(Schema):
    engine = Choice(
        ("mkdocs", "zensical"),
        default="mkdocs",
        doc="The engine that turns the generated docs tree into HTML.",
    )
    latest = Integer(minimum=1, maximum=100, default=10, doc="Posts on the home page.")
    page_size = Integer(minimum=5, maximum=500, default=20, doc="Posts per list page.")
    feed_entries = Integer(minimum=1, maximum=500, default=50, doc="Entries in each feed.")
    date_format = Text(
        max_length=40, default="%Y-%m-%d %H:%M", doc="strftime format for dates shown on the site."
    )


class ConfigFile(Schema):
    document_name = "shelfpost.yml"
    library = Nested(LibrarySettings, required=True, doc="Who the library is.")
    types = MapOf(Nested(TypeSettings), doc="Post types; default: news, resource, event.")
    site = Nested(SiteSettings, doc="How the public site is built.")


# --- content/authors.yml -----------------------------------------------------------


class AuthorEntry(Schema):
    name = Text(required=True, max_length=80, doc="Name shown on posts.")
    role = Text(max_length=80, default="", doc="Role or team, shown beside the name.")


class AuthorsFile(Schema):
    document_name = "content/authors.yml"
    authors = MapOf(Nested(AuthorEntry), required=True, doc="Authors by id.")


# --- posts and pages ------------------------------------------------------------------


class EventBlock(Schema):
    start = Moment(required=True, doc="When the event starts.")
    end = Moment(required=True, doc="When it ends; must be after start.")
    location = Text(required=True, max_length=200, doc="Where it happens.")
    registration_url = Url(doc="Where to sign up (https).")


class PostFrontMatter(Schema):
    document_name = "post front matter"
    title = Text(required=True, max_length=200, doc="The headline, plain text.")
    publish_at = Moment(
        required=True, doc="When the post goes live; without an offset, in the library's time zone."
    )
    type = Choice(
        from_context="type", required=True, doc="news, resource, event, or a type from shelfpost.yml."
    )
    summary = Text(
        required=True, max_length=300, doc="One or two plain-text sentences for lists, feeds and cards."
    )
    tags = ListOf(Tag(), doc="Topics; each gets a tag page.")
    authors = ListOf(Ident(), min_items=1, required=True, doc="Author ids from content/authors.yml.")
    original = Flag(
        required=True,
        doc="true for the library's own content; false for a share (the plan counts originals).",
    )
    image = RelPath(doc="An image file, relative to the post (or /media/... from content/).")
    image_alt = Text(max_length=1000, doc="Alt text for the image; required whenever `image` is given.")
    channels = ListOf(Ident(), doc="Where the post will be syndicated (e.g. mastodon, bluesky).")
    partners = ListOf(Ident(), doc="Partner ids this post promotes with.")
    draft = Flag(default=False, doc="true keeps the post out of every output.")
    lang = Language(doc="Language of this post when it differs from the site's.")
    updated = Moment(doc="When the post was last meaningfully changed (feeds show it).")
    event = Nested(EventBlock, doc="For event posts: start, end, location, registration_url.")


class PageFrontMatter(Schema):
    document_name = "page front matter"
    title = Text(required=True, max_length=200, doc="The page title.")
    summary = Text(max_length=300, default="", doc="One sentence describing the page.")
    order = Integer(minimum=0, maximum=1000, default=100, doc="Position in the site's navigation.")
    nav = Flag(default=True, doc="false keeps the page out of the navigation (still reachable by link).")
    draft = Flag(default=False, doc="true keeps the page out of the site.")
    lang = Language(doc="Language of this page when it differs from the site's.")


def schema_tables() -> dict[str, list[tuple[str, str, bool, str]]]:
    """Every editable file's fields, for ``shelfpost schema`` and the docs."""
    return {
        "post front matter": PostFrontMatter.document(),
        "event block (event posts)": EventBlock.document(),
        "page front matter": PageFrontMatter.document(),
        "content/authors.yml (each author)": AuthorEntry.document(),
        "shelfpost.yml: library": LibrarySettings.document(),
        "shelfpost.yml: types (each type)": TypeSettings.document(),
        "shelfpost.yml: site": SiteSettings.document(),
    }


def schema_markdown() -> str:
    """The schema tables as Markdown (README.md holds this output; a test keeps it current)."""
    out = []
    for title, rows in schema_tables().items():
        out.append(f"**{title}**\n\n| key | kind | required | meaning |\n|---|---|---|---|")
        for name, kind, required, doc in rows:
            out.append(f"| `{name}` | {kind} | {'yes' if required else ''} | {doc} |")
        out.append("")
    return "\n".join(out)
