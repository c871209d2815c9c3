"""Small text helpers shared by the renderers: escaping, slugs, URLs (the UI strings and
day formats are ``library.uistrings``, which the digest shares)."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from datetime import datetime, tzinfo
from urllib.parse import quote

from markupsafe import Markup

from shelfpost.library.uistrings import ONGOING, language_code, moment

# Every ASCII character that means something in Markdown, HTML or an attribute value.
_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>&~:\"'=^$@%;/]")


def escape(value: object) -> Markup:
    """Text that prints as itself in Markdown, in HTML and in a quoted attribute.

    Used as the template environment's ``finalize``: every ``{{ value }}`` is
    escaped unless the renderer marked it trusted with :class:`Markup`. Numeric
    character references survive both Markdown and HTML unchanged.
    """
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", str(value)))  # noqa: S704 - escaped


def tag_slug(tag: str) -> str:
    """A URL segment for a tag: NFKC, lower case, runs of spaces/punctuation to '-'.

    Chinese tags keep their characters (``閱讀`` → ``閱讀``), so tag URLs stay
    readable; the engine percent-encodes them on output.
    """
    text = unicodedata.normalize("NFKC", tag).lower()
    text = re.sub(r"[^\w]+", "-", text).strip("-_")
    return text or "tag"


def url_path(*parts: str) -> str:
    """A percent-encoded relative URL path from plain segments."""
    return "/".join(quote(p, safe="") for p in parts if p)


def _relpath(target: str, start: str) -> str:
    """``posixpath.relpath`` for paths inside the docs tree (no ``..``), without its two
    ``os.getcwd()`` calls: links are made ~10,000 times per 1,000 posts."""
    to = [part for part in target.split("/") if part not in ("", ".")]
    base = [part for part in start.split("/") if part not in ("", ".")]
    common = 0
    while common < len(to) and common < len(base) and to[common] == base[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + to[common:]) or "."


def relative(from_doc: str, to_doc: str) -> Markup:
    """A link from one generated Markdown file to another (both docs-tree paths)."""
    rel = _relpath(to_doc, posixpath.dirname(from_doc))
    return Markup(quote(rel, safe="/.-_~"))  # noqa: S704 - percent-encoded


def relative_url(from_doc: str, to_url: str) -> Markup:
    """A link from a generated Markdown file to a site URL path (directory URLs).

    ``posts/x.md`` is served at ``posts/x/``; ``news/index.md`` at ``news/``.
    """
    page_dir = doc_url(from_doc)
    rel = _relpath(to_url, page_dir)
    if to_url.endswith("/") and not rel.endswith("/"):
        rel += "/"
    if rel == "./":
        rel = "./"
    return Markup(quote(rel, safe="/.-_~#"))  # noqa: S704 - percent-encoded


def doc_url(doc: str) -> str:
    """The URL path (relative to the site root) at which a docs file is served."""
    if doc.endswith("index.md"):
        return doc[: -len("index.md")]
    if doc.endswith(".md"):
        return doc[:-3] + "/"
    return doc


def local(dt: datetime, tz: tzinfo, fmt: str) -> str:
    return dt.astimezone(tz).strftime(fmt)


def event_when(
    start: datetime, end: datetime, tz: tzinfo, language: str, now: datetime | None = None
) -> Markup:
    """When an event happens, as readers scan it: ``<time>`` elements with machine dates.

    - the same day once: ``2026-12-12（六）10:30–11:30``;
    - several days, the end without its year when it is the start's:
      ``2026-12-01（二）09:00 – 12-27（日）17:00``;
    - under way at ``now`` (lists and the home page): ``進行中，至 12-27（日）17:00``.
    """
    s, e = start.astimezone(tz), end.astimezone(tz)

    def stamp(moment: datetime, text: str) -> Markup:
        return Markup(f'<time datetime="{moment.isoformat()}">') + escape(text) + Markup("</time>")  # noqa: S704

    if now is not None and s <= now < e:
        before, _, after = ONGOING[language_code(language)].partition("{end}")
        until = moment(e, language, year=e.year != now.astimezone(tz).year)
        return escape(before) + stamp(end, until) + escape(after)
    first = stamp(start, moment(s, language))
    if s.date() == e.date():
        return first + Markup("–") + stamp(end, f"{e:%H:%M}")
    return first + Markup(" – ") + stamp(end, moment(e, language, year=e.year != s.year))
