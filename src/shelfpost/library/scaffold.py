"""New posts: skeletons for `shelfpost new`, and the README's "new post" links.

- :func:`new_post` renders ``templates/new/<type>.md.j2`` (the library's own under
  ``templates/new/`` first, then shelfpost's) into a post that passes ``shelfpost check``
  (``shelfpost new``). New posts start as drafts: nothing goes out until an editor
  removes ``draft: true`` and a reviewer approves.
- :func:`readme_links` renders the same skeletons into GitHub "new file" links, so an
  editor can start a post from the README in the browser.

Pure functions of the snapshot; the CLI reads the clock and writes the files.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import yaml
from jinja2 import Environment, StrictUndefined

from shelfpost.library.model import Config, Library, PostType
from shelfpost.library.schema import did_you_mean

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "new"
LIBRARY_TEMPLATES = "templates/new"
README_MARKERS = re.compile(r"(<!-- newpost:start -->\n).*?(<!-- newpost:end -->)", re.DOTALL)


#: The skeletons' stand-in texts. A post that is not a draft may not keep one (``check``).
SUMMARY_PLACEHOLDER = "（一兩句摘要：讀者為什麼要看這則？ One or two sentences.）"
README_SUMMARY_PLACEHOLDER = "（一兩句摘要 One or two sentences.）"
TITLE_PLACEHOLDER = "（標題 Title）"
LOCATION_PLACEHOLDER = "（地點 Location）"  # in templates/new/event.md.j2
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "title": frozenset({TITLE_PLACEHOLDER}),
    "summary": frozenset({SUMMARY_PLACEHOLDER, README_SUMMARY_PLACEHOLDER}),
    "event.location": frozenset({LOCATION_PLACEHOLDER}),
}


def placeholder_keys(values: dict[str, str | None]) -> list[str]:
    """The keys (``summary``, ``event.location``...) whose value is still a skeleton's stand-in."""
    return [key for key, texts in PLACEHOLDERS.items() if (values.get(key) or "").strip() in texts]


def slugify(title: str) -> str:
    """A slug from a title: letters and digits of any script, lower case, single hyphens."""
    text = unicodedata.normalize("NFC", title).lower()
    text = "".join(ch if ch.isalnum() else "-" for ch in text)
    return re.sub(r"-{2,}", "-", text).strip("-")[:60].strip("-") or "post"


ASCII_WORD_RE = re.compile(r"[a-z0-9]+")
SLUG_WORDS = 5  # a proposed slug keeps at most this many words...
SLUG_CHARS = 40  # ...and this many characters


def _short(words: list[str]) -> str:
    out: list[str] = []
    for word in words:
        if len(out) == SLUG_WORDS or len("-".join([*out, word])) > SLUG_CHARS:
            break
        out.append(word)
    return "-".join(out) or (words[0][:SLUG_CHARS] if words else "")


def ascii_slug(title: str) -> str:
    """A short ASCII slug for a title in any script: a Chinese slug is a long link.

    ``冬至說故事與手作燈籠工作坊`` as a slug is 148 characters of ``%E5%86%AC...`` in
    the post's URL. A title with more Latin letters than other letters (often one with
    its English title) gives its Latin words; otherwise the title's words (jieba, the
    segmenter the site's search uses) in Hanyu Pinyin without tones:
    ``dongzhi-shuo-gushi-yu-shouzuo``. At most 5 words and 40 characters, cut between words.
    """
    decomposed = unicodedata.normalize("NFKD", title).lower()
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))  # café -> cafe
    latin = ASCII_WORD_RE.findall(text)
    letters = sum(1 for ch in text if ch.isalpha())
    if 2 * sum(1 for ch in "".join(latin) if ch.isalpha()) > letters:
        return _short(latin) or "post"
    import jieba  # here: loading its dictionary takes a second, and only `new` needs it
    from pypinyin import lazy_pinyin

    jieba.setLogLevel(60)  # no "Building prefix dict" chatter on the terminal
    words = []
    for word in jieba.lcut(text):
        spelled = "".join(lazy_pinyin(word)).lower()
        words += ASCII_WORD_RE.findall(spelled)
    return _short(words) or "post"


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back the same, else double-quoted."""
    if value and value == value.strip() and "\n" not in value:
        try:
            if yaml.safe_load(f"k: {value}\n") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _env() -> Environment:
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)  # noqa: S701 (YAML and Markdown, not HTML)
    env.filters["yaml"] = yaml_scalar
    return env


def template_source(root: Path, ptype: PostType) -> str:
    """The skeleton for a type: the library's ``templates/new/<type>.md.j2`` first."""
    names = [f"{ptype.id}.md.j2", "event.md.j2" if ptype.events else "post.md.j2"]
    for folder in (root / LIBRARY_TEMPLATES, PACKAGE_TEMPLATES):
        for name in names:
            path = folder / name
            if path.is_file() and not path.is_symlink():
                return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"no template for type {ptype.id} in {LIBRARY_TEMPLATES}/ or shelfpost's")


@dataclass(frozen=True)
class NewPost:
    path: str  # relative to the library root
    text: str


def render_skeleton(
    source: str,
    ptype: PostType,
    *,
    title: str,
    publish_at: str,
    author: str,
    summary: str,
    event_start: str,
    event_end: str,
    channels: list[str],
) -> str:
    return (
        _env()
        .from_string(source)
        .render(
            title=title,
            type=ptype.id,
            type_label=ptype.label,
            publish_at=publish_at,
            author=author,
            summary=summary,
            event_start=event_start,
            event_end=event_end,
            channels=channels,
        )
    )


def social_channels(library: Library) -> list[str]:
    return [cid for cid, c in library.plan.channels.items() if c.social and c.kind != "manual"]


def new_post(
    library: Library,
    type_id: str,
    title: str,
    publish_at: datetime,
    *,
    slug: str | None = None,
    author: str | None = None,
) -> NewPost:
    """A draft post of ``type_id`` at ``publish_at`` (aware), ready for ``check``."""
    config = library.config
    if config is None:
        raise ValueError("shelfpost.yml has errors: run `shelfpost check`")
    ptype = config.types.get(type_id)
    if ptype is None:
        raise ValueError(
            f"type {type_id!r} is not in shelfpost.yml{did_you_mean(type_id, config.types)}"
            f" (types: {', '.join(config.types)})"
        )
    if not title.strip():
        raise ValueError("the title is empty")
    if author is None:
        author = next(iter(library.authors), "")
    if author not in library.authors:
        known = ", ".join(library.authors) or "none: add one to content/authors.yml"
        raise ValueError(
            f"author {author!r} is not in content/authors.yml{did_you_mean(author, library.authors)}"
            f" (known: {known})"
        )
    local = publish_at.astimezone(config.timezone)
    slug = slug or (slugify(title) if title.isascii() else ascii_slug(title))
    start = (local + timedelta(days=7)).replace(hour=14, minute=0)
    text = render_skeleton(
        template_source(library.root, ptype),
        ptype,
        title=title.strip(),
        publish_at=f"{local:%Y-%m-%d %H:%M}",
        author=author,
        summary=SUMMARY_PLACEHOLDER,
        event_start=f"{start:%Y-%m-%d %H:%M}",
        event_end=f"{start + timedelta(hours=2):%Y-%m-%d %H:%M}",
        channels=social_channels(library),
    )
    return NewPost(f"content/posts/{local:%Y}/{local:%Y-%m-%d}-{slug}.md", text)


def slug_note(draft: NewPost, title: str, *, given: str | None, config: Config) -> str | None:
    """What ``shelfpost new`` says about the slug: how it was made and how to choose another."""
    slug = draft.path.rsplit("/", 1)[-1].removesuffix(".md")[len("YYYY-MM-DD-") :]
    url = config.post_url(slug)
    if given is None and not title.isascii():
        return (
            f"slug: {slug} (made from the title, in Latin letters: a Chinese slug makes the post's link "
            f"over 100 characters long). To choose another, run again with --slug NAME, or rename the "
            f"file (the part after the date) before the post is published; the link is {url}"
        )
    if not slug.isascii():
        return (
            f"slug: {slug} makes the post's link {len(url)} characters long ({url}); "
            "an ASCII --slug keeps it short"
        )
    return None


# --- README: write a post in your browser --------------------------------------------------


def new_file_url(path: str, value: str, branch: str = "main") -> str:
    """A link to GitHub's new-file editor with the file name and content filled in.

    Relative (``../../new/...``): on GitHub the README is shown under
    ``/OWNER/NAME/blob/main/``, so the link works in any fork or copy of the repository.
    """
    return f"../../new/{quote(branch)}?" + urlencode({"filename": path, "value": value}, quote_via=quote)


def readme_links(library: Library, branch: str = "main") -> str:
    """The Markdown table of new-post links, one per type, from the same skeletons."""
    config = library.config
    if config is None:
        raise ValueError("shelfpost.yml has errors: run `shelfpost check`")
    rows = ["| type | start a post in the browser |", "|---|---|"]
    for ptype in config.types.values():
        value = render_skeleton(
            template_source(library.root, ptype),
            ptype,
            title=TITLE_PLACEHOLDER,
            publish_at="YYYY-MM-DD HH:MM",
            author="your-author-id",
            summary=README_SUMMARY_PLACEHOLDER,
            event_start="YYYY-MM-DD HH:MM",
            event_end="YYYY-MM-DD HH:MM",
            channels=social_channels(library),
        )
        url = new_file_url("content/posts/YYYY/YYYY-MM-DD-slug.md", value, branch)
        rows.append(f"| {ptype.label} (`{ptype.id}`) | [new {ptype.id} post]({url}) |")
    return "\n".join(rows) + "\n"


def render_readme(text: str, library: Library) -> str:
    """README text with the links between ``<!-- newpost:start -->`` and ``<!-- newpost:end -->``."""
    return README_MARKERS.sub(lambda m: m.group(1) + readme_links(library) + m.group(2), text)
