"""What a page says about itself: link-preview meta, reading time, language.

Link previews (Open Graph and Twitter cards) are what Mastodon, Bluesky and other
apps show for a shared link. shelfpost passes them to the theme through the front
matter of the generated page (``shelfpost_head``: the ``<meta>`` elements as one
string), and the theme override (``templates/site/main.html``) prints it as it
is: Material's templates print front-matter strings unescaped, so every value is
escaped here, for an HTML attribute, and the template adds nothing. One string,
not a list of mappings: the engine parses every page's front matter with
PyYAML's pure-Python loader, and ~20 mappings per page were ~6% of a build.
"""

from __future__ import annotations

import html
import json
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

#: Characters a reader reads one at a time: Han, kana, Hangul (and their extensions).
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3105-\u312f\u3131-\u318e\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
#: A word of any other script: letters and digits, with inner apostrophes or hyphens.
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
#: Markdown and HTML that is not read aloud: code fences, tags, link and image targets.
_FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1", re.MULTILINE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_TARGET = re.compile(r"\]\([^)]*\)|\]\[[^\]]*\]|^\s*\[[^\]]+\]:.*$", re.MULTILINE)
_URL = re.compile(r"\b\w+://\S+")

CJK_PER_MINUTE = 400
WORDS_PER_MINUTE = 200


def reading_minutes(markdown: str) -> int:
    """Minutes to read a body: ~400 CJK characters and ~200 other words a minute.

    Counting words by spaces (as most estimates, Material's included, do) sees
    a paragraph of Chinese as one word; here each Han character, kana or Hangul
    syllable counts on its own and everything else counts by words. Code blocks,
    HTML tags and link targets are not read. Never less than one minute.
    """
    text = _FENCE.sub(" ", markdown)
    text = _TARGET.sub("] ", _URL.sub(" ", _TAG.sub(" ", text)))
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return max(1, math.ceil(cjk / CJK_PER_MINUTE + words / WORDS_PER_MINUTE))


def og_locale(language: str) -> str:
    """A BCP 47 tag as Open Graph writes a locale: ``zh-TW`` → ``zh_TW``."""
    parts = language.replace("_", "-").split("-")
    if len(parts) >= 2 and len(parts[-1]) == 2:
        return f"{parts[0].lower()}_{parts[-1].upper()}"
    return parts[0].lower()


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (the first 24 bytes); None for other files."""
    try:
        with path.open("rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


@dataclass(frozen=True)
class Image:
    """An image for a link preview: absolute URL, alt text and (when known) size."""

    url: str
    alt: str
    size: tuple[int, int] | None = None


@dataclass(frozen=True)
class Card:
    """Everything a link preview needs to know about one page."""

    title: str
    description: str
    url: str  # absolute and canonical
    site_name: str
    locale: str  # BCP 47, as the page's language
    image: Image
    published: datetime | None = None  # set for articles (posts) only
    modified: datetime | None = None
    section: str = ""
    tags: tuple[str, ...] = ()


def attr(value: object) -> str:
    """Text safe inside a double- or single-quoted HTML attribute value."""
    return html.escape(str(value), quote=True)


def card_head(card: Card) -> str:
    """The ``<meta>`` elements of a card, as HTML for the page's ``<head>``, each on its own line."""
    return "".join(f'\n  <meta {m["attr"]}="{m["key"]}" content="{m["content"]}">' for m in card_meta(card))


def card_meta(card: Card) -> list[dict[str, str]]:
    """The ``<meta>`` elements of a card, each as ``{attr, key, content}``, escaped.

    ``attr`` is ``property`` for Open Graph (RDFa, as the protocol specifies) and
    ``name`` for Twitter's tags.
    """
    article = card.published is not None
    rows: list[tuple[str, str, object]] = [
        ("property", "og:type", "article" if article else "website"),
        ("property", "og:site_name", card.site_name),
        ("property", "og:locale", og_locale(card.locale)),
        ("property", "og:title", card.title),
        ("property", "og:description", card.description),
        ("property", "og:url", card.url),
        ("property", "og:image", card.image.url),
        ("property", "og:image:alt", card.image.alt),
    ]
    if card.image.size:
        rows += [
            ("property", "og:image:width", card.image.size[0]),
            ("property", "og:image:height", card.image.size[1]),
        ]
    if card.published is not None:
        rows.append(("property", "article:published_time", card.published.isoformat()))
        if card.modified is not None and card.modified > card.published:
            rows.append(("property", "article:modified_time", card.modified.isoformat()))
        if card.section:
            rows.append(("property", "article:section", card.section))
        rows += [("property", "article:tag", tag) for tag in card.tags]
    rows += [
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", card.title),
        ("name", "twitter:description", card.description),
        ("name", "twitter:image", card.image.url),
        ("name", "twitter:image:alt", card.image.alt),
    ]
    return [{"attr": attr(a), "key": attr(k), "content": attr(v)} for a, k, v in rows]


def same_language(a: str | None, b: str) -> bool:
    """True when ``a`` is unset or names the same language tag as ``b`` (case-blind)."""
    return a is None or a.replace("_", "-").lower() == b.replace("_", "-").lower()


@dataclass(frozen=True)
class EventFacts:
    """What schema.org's ``Event`` (and Google's event rich results) need of an event post."""

    start: datetime
    end: datetime
    location: str
    registration_url: str | None = None


def structured_data(
    card: Card,
    *,
    kind: str,
    authors: Sequence[str],
    site_url: str,
    event: EventFacts | None = None,
) -> dict[str, object]:
    """The schema.org object of a post: an ``Event`` for event posts, else ``NewsArticle``
    (``kind`` "news") or ``BlogPosting``, from the same card the link preview uses."""
    organization = {"@type": "Organization", "name": card.site_name, "url": site_url}
    if event is not None:
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": card.title,
            "description": card.description,
            "url": card.url,
            "image": [card.image.url],
            "startDate": event.start.isoformat(),
            "endDate": event.end.isoformat(),
            "eventStatus": "https://schema.org/EventScheduled",
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "location": {
                "@type": "Place",
                "name": event.location,
                "address": f"{event.location}, {card.site_name}",
            },
            "organizer": organization,
            "inLanguage": card.locale,
        }
        if event.registration_url:
            data["offers"] = {
                "@type": "Offer",
                "url": event.registration_url,
                "availability": "https://schema.org/InStock",
                "validFrom": (card.published or event.start).isoformat(),
            }
        return data
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle" if kind == "news" else "BlogPosting",
        "headline": card.title,
        "description": card.description,
        "url": card.url,
        "mainEntityOfPage": card.url,
        "image": [card.image.url],
        "inLanguage": card.locale,
        "author": [{"@type": "Person", "name": name} for name in authors] or [organization],
        "publisher": organization,
    }
    if card.published is not None:
        data["datePublished"] = card.published.isoformat()
        data["dateModified"] = (card.modified or card.published).isoformat()
    if card.tags:
        data["keywords"] = list(card.tags)
    return data


def json_ld_script(data: dict[str, object]) -> str:
    """``<script type="application/ld+json">`` for the page's head; ``<``, ``>`` and ``&`` are
    written as JSON escapes, so no text of a post can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'\n  <script type="application/ld+json">{text}</script>'
