"""The exact text each channel gets for a post, and its length as that platform counts it.

Texts come from jinja2 templates the library can edit (``templates/channels/<id or
kind>.txt.j2``, falling back to shelfpost's own), or from the post's
``texts: {channel: ...}`` front matter. Then the channel's own finishing, so that
:func:`channel_text` returns what is *sent*, not a draft of it:

- Bluesky: when the post has an image, the image embed takes the place of the link
  card, so the post's link goes into the text (``\n\n`` + URL). Every link is then
  shown as a short text (host + the start of the path + "…", the way Bluesky's own
  app shortens links, see :func:`short_link`) with a link facet to the full URL,
  and hashtags get tag facets; facet offsets are UTF-8 bytes, as the protocol wants.
  The 300 graphemes are counted on that shown text.
- Mastodon and manual channels: the text as rendered.

Pure: the templates arrive in the snapshot, so ``check``, the review bot, the dry run
and the adapters all see the same text, and the Bluesky adapter sends exactly
:attr:`ChannelText.text` with :attr:`ChannelText.facets`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import regex
from jinja2 import Environment, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from shelfpost.library.model import Channel, Config, Post

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "channels"
URL_RE = re.compile(r"https?://[^\s<>\"]+")
HASHTAG_RE = regex.compile(r"(?<![\w#])#([\p{L}\p{N}_]+)")
NOT_HASHTAG_RE = regex.compile(r"[^\p{L}\p{N}_]+")
GRAPHEME_RE = regex.compile(r"\X")
BLANK_LINES_RE = re.compile(r"\n{3,}")
#: Links and hashtags as Bluesky facets see them (a tag not glued to a word or another '#').
LINK_RE = regex.compile(r"https?://[^\s<>\"]+")
LINK_TRAILING = ".,;:!?)）。，"  # punctuation after a link belongs to the sentence
TAG_RE = regex.compile(r"(?<![\p{L}\p{N}_#])#([\p{L}\p{N}_]+)")
#: Bluesky's app (social-app, ``toShortUrl``) shows host + path when the path (with
#: query and fragment) has at most 15 characters, else host + its first 13 + an ellipsis.
SHORT_PATH_MAX = 15
SHORT_PATH_KEEP = 13
ELLIPSIS = "…"
BLUESKY_LIMIT = 300  # graphemes
MASTODON_LIMIT = 500  # characters, unless the instance says otherwise
FACEBOOK_LIMIT = 63206  # characters of a Page post's message
INSTAGRAM_LIMIT = 2200  # characters of a caption (IG User Media: "Maximum 2200 characters")
INSTAGRAM_HASHTAGS = 30  # "30 hashtags" per caption
THREADS_LIMIT = 500  # Threads Posts: "Text posts are limited to 500 characters"
THREADS_LINKS = 5  # Text Attachments: more than 5 links fail (THREADS_API__LINK_LIMIT_EXCEEDED)
#: A grapheme that shows as an emoji: Threads counts it as its UTF-8 bytes.
EMOJI_RE = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")
#: Kinds whose text carries the post's link (so the post can be found on the account again).
LINK_IN_TEXT = ("mastodon", "manual", "facebook", "instagram", "threads")


@functools.cache
def package_templates() -> dict[str, str]:
    """shelfpost's own channel templates (package data: read once per process)."""
    return {
        p.name.removesuffix(".txt.j2"): p.read_text(encoding="utf-8")
        for p in sorted(PACKAGE_TEMPLATES.glob("*.txt.j2"))
    }


def hashtag(tag: str) -> str:
    """A tag as a hashtag both platforms link: letters, digits and _ only."""
    return "#" + str(NOT_HASHTAG_RE.sub("", tag))


@dataclass(frozen=True)
class Facet:
    """A Bluesky rich-text facet: a link or a hashtag over a span of UTF-8 bytes."""

    byte_start: int
    byte_end: int
    kind: str  # "link" | "tag"
    value: str  # the link's full URL, or the tag without its '#'

    def record(self) -> dict[str, Any]:
        """The facet as an ``app.bsky.richtext.facet`` in a post record."""
        if self.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": self.value}
        else:
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": self.value}
        return {"index": {"byteStart": self.byte_start, "byteEnd": self.byte_end}, "features": [feature]}


@dataclass(frozen=True)
class ChannelText:
    """What a channel gets for a post: the final text, as sent, and its length."""

    channel: str
    text: str  # exactly what is sent (Bluesky: with short link texts, the link after an image)
    length: int  # as the platform counts it, on ``text``
    limit: int
    unit: str  # "characters" | "graphemes"
    facets: tuple[Facet, ...] = ()  # Bluesky only: links (to the full URL) and hashtags
    written: str = ""  # the template's output or the post's ``texts`` entry, before the finishing
    link_added: bool = False  # Bluesky: the post's link was added because an image replaces the card

    @property
    def fits(self) -> bool:
        return self.length <= self.limit

    @property
    def links(self) -> tuple[tuple[str, str], ...]:
        """``(shown text, full URL)`` of each link, for previews."""
        data = self.text.encode("utf-8")
        return tuple(
            (data[f.byte_start : f.byte_end].decode("utf-8"), f.value)
            for f in self.facets
            if f.kind == "link"
        )


#: A library's own templates come from its repository, which a pull request can change: they
#: run sandboxed. shelfpost's own are its code: the sandbox's checks on every attribute and
#: call were ~15% of rendering them, and give the same text.
#: Plain text for the platforms, not HTML: nothing to escape.
_ENV = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)
_TRUSTED_ENV = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)  # noqa: S701


@functools.lru_cache(maxsize=64)
def _template(source: str) -> Template:
    """Compiled once per source: `check` renders every post for every channel, and compiling
    a template costs ~100 times rendering it (10,000 posts took 58 s instead of 0.5 s).
    Sandboxed unless ``source`` is one of shelfpost's own templates, byte for byte."""
    env = _TRUSTED_ENV if source in package_templates().values() else _ENV
    return env.from_string(source)


def template_source(channel: Channel, templates: Mapping[str, str]) -> str:
    """The template a channel's text comes from: the library's for its id or kind, else shelfpost's."""
    source = templates.get(channel.id) or templates.get(channel.kind) or package_templates().get(channel.kind)
    return source if source is not None else package_templates()["manual"]


def render_text(post: Post, channel: Channel, config: Config, templates: Mapping[str, str]) -> str:
    """The text for ``channel``: the post's own ``texts`` entry, or the template's output."""
    if channel.id in post.texts:
        text = post.texts[channel.id]
        url = config.post_url(post.slug)
        if channel.kind in LINK_IN_TEXT and url not in text:
            text = f"{text}\n\n{url}"
        return text.strip()
    source = template_source(channel, templates)
    tags = " ".join(h for h in map(hashtag, post.tags) if h != "#")
    text = _template(source).render(
        post=post, url=config.post_url(post.slug), hashtags=tags, channel=channel, config=config
    )
    return BLANK_LINES_RE.sub("\n\n", text).strip()


def measure(text: str, channel: Channel) -> tuple[int, int, str]:
    """``(length, limit, unit)`` the way the platform counts."""
    if channel.kind == "bluesky":
        return len(GRAPHEME_RE.findall(text)), BLUESKY_LIMIT, "graphemes"
    if channel.kind == "mastodon":
        # Mastodon counts code points, and every link as characters_reserved_per_url.
        length = len(URL_RE.sub("", text)) + channel.url_length * len(URL_RE.findall(text))
        return length, channel.max_characters or MASTODON_LIMIT, "characters"
    if channel.kind == "threads":
        return threads_length(text), THREADS_LIMIT, "characters"
    if channel.kind == "instagram":
        return len(text), INSTAGRAM_LIMIT, "characters"
    return len(text), FACEBOOK_LIMIT, "characters"  # Facebook's limit; manual channels are copied by people


def threads_length(text: str) -> int:
    """Threads' count: one per grapheme, an emoji as its UTF-8 bytes (Threads Posts, Limitations:
    "Emojis are counted as the number of UTF-8 bytes"): 中 = 1, 😀 = 4, 👍🏽 = 8."""
    return sum(len(g.encode("utf-8")) if EMOJI_RE.search(g) else 1 for g in GRAPHEME_RE.findall(text))


def platform_rules(text: str, channel: Channel, has_image: bool) -> list[str]:
    """What a platform refuses besides the length: an Instagram post without an image, more
    than 30 hashtags in a caption, more than 5 links on Threads. Each is a sentence with the fix."""
    out = []
    if channel.kind == "instagram":
        if not has_image:
            out.append(
                f"{channel.id} is an Instagram channel and Instagram takes no post without an image: "
                "add image: and image_alt:, or remove it from channels"
            )
        tags = len(TAG_RE.findall(text))
        if tags > INSTAGRAM_HASHTAGS:
            out.append(
                f"the text for {channel.id} has {tags} hashtags; Instagram allows {INSTAGRAM_HASHTAGS}: "
                "remove some tags, or write texts: {" + channel.id + ": ...}"
            )
    if channel.kind == "threads":
        links = len({url for _, _, url in _spans(text)})
        if links > THREADS_LINKS:
            out.append(
                f"the text for {channel.id} has {links} links; Threads allows {THREADS_LINKS}: "
                "remove some, or write texts: {" + channel.id + ": ...}"
            )
    return out


def short_link(url: str) -> str:
    """The text Bluesky's app shows for a link: host + path, cut to 13 characters + "…".

    Like social-app's ``toShortUrl`` (host, then path + query + fragment; a path
    of more than 15 characters keeps its first 13), with two differences for
    Chinese slugs: the path is shown decoded (``/posts/冬至說故事/``, not 126
    characters of ``%E5%86%AC...``), cut on graphemes, and the ellipsis is one
    character ("…") instead of three dots.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url
    path = "" if parts.path == "/" else parts.path
    path += (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        decoded = path
    if not any(ch.isspace() or not ch.isprintable() for ch in decoded):
        path = decoded
    host = parts.netloc.rpartition("@")[2].lower()
    graphemes = GRAPHEME_RE.findall(path)
    if len(graphemes) > SHORT_PATH_MAX:
        return host + "".join(graphemes[:SHORT_PATH_KEEP]) + ELLIPSIS
    return host + path


def _spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` of each link in ``text`` (character offsets)."""
    out = []
    for m in LINK_RE.finditer(text):
        url = m.group(0).rstrip(LINK_TRAILING)
        if url:
            out.append((m.start(), m.start() + len(url), url))
    return out


def bluesky_finish(text: str) -> tuple[str, tuple[Facet, ...]]:
    """Links shown short (facets to the full URLs) and hashtag facets, in UTF-8 byte offsets."""
    parts: list[str] = []
    facets: list[Facet] = []
    shown: list[tuple[int, int]] = []  # character spans of the short link texts in the result
    size = 0  # bytes so far
    chars = 0  # characters so far
    pos = 0
    for start, end, url in _spans(text):
        before = text[pos:start]
        label = short_link(url)
        parts += [before, label]
        size += len(before.encode("utf-8"))
        chars += len(before)
        facets.append(Facet(size, size + len(label.encode("utf-8")), "link", url))
        shown.append((chars, chars + len(label)))
        size += len(label.encode("utf-8"))
        chars += len(label)
        pos = end
    parts.append(text[pos:])
    final = "".join(parts)
    for m in TAG_RE.finditer(final):
        if any(a < m.end() and m.start() < b for a, b in shown):
            continue  # a '#' inside a link's text is the link's fragment, not a hashtag
        start = len(final[: m.start()].encode("utf-8"))
        facets.append(Facet(start, start + len(m.group(0).encode("utf-8")), "tag", m.group(1)))
    return final, tuple(sorted(facets, key=lambda f: f.byte_start))


def image_embed(post: Post) -> bool:
    """Whether the post goes out with its image (which needs its alt text), not a link card."""
    return bool(post.image and post.image_alt)


def channel_text(post: Post, channel: Channel, config: Config, templates: Mapping[str, str]) -> ChannelText:
    """The exact text ``channel`` gets for ``post``, its facets, and its length: the one
    function behind ``check``, the review bot's preview, the dry run and the adapters."""
    written = render_text(post, channel, config, templates)
    text, added = written, False
    facets: tuple[Facet, ...] = ()
    if channel.kind == "bluesky":
        url = config.post_url(post.slug)
        if image_embed(post) and url not in text:
            text, added = f"{text}\n\n{url}", True
        text, facets = bluesky_finish(text)
    length, limit, unit = measure(text, channel)
    return ChannelText(channel.id, text, length, limit, unit, facets, written, added)
