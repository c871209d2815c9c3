"""Checks across files: what one file says about another.

Runs after every file was read on its own (phase 2 of loading): unique slugs,
authors that exist, images and links that resolve. Later issues add their
cross-references here (calendar slots, partners, channels).
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from jinja2 import TemplateError

from shelfpost.library.bodyscan import url_scheme
from shelfpost.library.channeltext import ChannelText, channel_text, image_embed, platform_rules
from shelfpost.library.codeowners import CODEOWNERS_PATH, codeowners_diff
from shelfpost.library.links import resolve_target
from shelfpost.library.model import Channel, Document, Library, Post, Slot
from shelfpost.library.problems import Problem, Severity
from shelfpost.library.schema import did_you_mean
from shelfpost.library.yamlnodes import Pos

#: The text a channel gets for a post (``channel_text``, or the loader's cached version of it).
TextFor = Callable[[Post, Channel], ChannelText]
MEDIA_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
#: URL folders the site generator owns; a page may not take one of these names.
RESERVED_SLUGS = frozenset(
    {
        "index",
        "posts",
        "tags",
        "archive",
        "feed",
        "atom",
        "search",
        "assets",
        "media",
        "partners",
        "events.ics",
        "404",
        "sitemap",
        "events",
    }
)


def _problem(
    doc: Document, pos_line: int, pos_col: int, message: str, code: str, severity: Severity = Severity.ERROR
) -> Problem:
    return Problem(doc.path, pos_line, pos_col, message, code, severity)


def cross_check(library: Library, texts: TextFor | None = None) -> list[Problem]:
    """What files say about each other: the library-wide checks, then each document's
    (:func:`document_checks`, which the loader may take from its cache)."""
    posts, pages = summaries(library)
    problems = library_checks(library, posts, pages)
    facts = DocumentFacts.of(posts, pages)
    for doc in (*library.posts, *library.pages):
        problems += document_checks(library, doc, facts, texts)
    return problems


class Summary(NamedTuple):
    """What the checks of the other files read of a post or page: the library-wide checks (its
    slug and type) and the other documents' links to it (whether it is a draft). The check
    cache keeps it apart from the document, so that ``check`` after one edit need not unpickle
    every unchanged post."""

    path: str
    slug: str
    type: str | None = None  # a post's type; None for a page
    draft: bool = False

    @classmethod
    def of(cls, doc: Document) -> Summary:
        return (
            cls(doc.path, doc.slug, doc.type, doc.draft) if isinstance(doc, Post) else cls(doc.path, doc.slug)
        )


def summaries(library: Library) -> tuple[list[Summary], list[Summary]]:
    """The summaries of the snapshot's posts and of its pages."""
    return [Summary.of(p) for p in library.posts], [Summary.of(p) for p in library.pages]


@dataclass(frozen=True)
class DocumentFacts:
    """What :func:`document_checks` looks up about the other documents, indexed once per load."""

    posts_by_path: Mapping[str, Summary]
    pages_by_path: Mapping[str, Summary]

    @classmethod
    def of(cls, posts: Sequence[Summary], pages: Sequence[Summary]) -> DocumentFacts:
        return cls({p.path: p for p in posts}, {p.path: p for p in pages})


def document_context(
    library: Library, posts: Sequence[Summary] | None = None, pages: Sequence[Summary] | None = None
) -> tuple[object, ...]:
    """Everything :func:`document_checks` reads of the library besides the document itself
    (and shelfpost.yml, which the document's cache key covers): equal contexts and an equal
    document give equal problems. ``posts`` and ``pages``: the documents' summaries (by
    default the snapshot's). Sorted, so it is the same in every process."""
    if posts is None or pages is None:
        posts, pages = summaries(library)
    return (
        sorted(library.authors),
        sorted(library.media),
        sorted(library.files),
        sorted((p.path, p.draft) for p in posts),
        sorted(p.path for p in pages),
        sorted(library.partners),
        list(library.plan.channels.items()),  # in the file's order: messages list them so
        "channels" in library.plan.present,
        sorted(library.channel_templates.items()),
        library.config is not None,
    )


def library_checks(library: Library, posts: Sequence[Summary], pages: Sequence[Summary]) -> list[Problem]:
    """The checks about the library as a whole: slugs, page names, the plan's files, CODEOWNERS.
    ``posts`` and ``pages``: the documents' summaries."""
    problems: list[Problem] = []

    # Slugs: one URL per post and per page.
    by_slug: dict[str, list[Summary]] = defaultdict(list)
    for post in posts:
        by_slug[post.slug].append(post)
    for slug, same in by_slug.items():
        if len(same) < 2:
            continue
        for post in same:
            others = ", ".join(p.path for p in same if p is not post)
            problems.append(
                Problem(
                    post.path,
                    1,
                    1,
                    f"slug {slug!r} is also used by {others}: two posts would share one URL; rename one file",
                    "slug-duplicate",
                )
            )
    type_paths = {t.path for t in library.config.types.values()} if library.config else set()
    page_slugs: dict[str, str] = {}
    for page in pages:
        if page.slug in RESERVED_SLUGS or page.slug in type_paths:
            problems.append(
                Problem(
                    page.path,
                    1,
                    1,
                    f"the page name {page.slug!r} is taken by the site's own sections: rename the file",
                    "slug-reserved",
                )
            )
        elif page.slug in page_slugs:
            problems.append(
                Problem(
                    page.path,
                    1,
                    1,
                    f"the page name {page.slug!r} is also used by {page_slugs[page.slug]}: rename one file",
                    "slug-duplicate",
                )
            )
        page_slugs.setdefault(page.slug, page.path)

    problems += plan_checks(library, posts)
    return problems


def document_checks(
    library: Library, doc: Document, facts: DocumentFacts, texts: TextFor | None = None
) -> list[Problem]:
    """What one post or page says about the rest: its authors, image, links, partners and
    channels, and whether each channel's text fits. Reads only the document and
    :func:`document_context`."""
    problems: list[Problem] = []
    posts_by_path, pages_by_path = facts.posts_by_path, facts.pages_by_path
    # Authors and images named in front matter.
    if isinstance(doc, Post):
        post = doc
        for author in post.authors:
            if author not in library.authors:
                pos = post.mark("authors")
                known = ", ".join(sorted(library.authors)) or "none: create content/authors.yml"
                problems.append(
                    _problem(
                        post,
                        pos.line,
                        pos.column,
                        f"authors: {author!r} is not "
                        f"in content/authors.yml{did_you_mean(author, library.authors)}"
                        f" (known: {known})",
                        "author-unknown",
                    )
                )
        if post.image is not None or "image" in post.marks:
            pos = post.mark("image")
            msg = _media_problem(post.image, library.media)
            if msg:
                problems.append(_problem(post, pos.line, pos.column, f"image: {msg}", "image-missing"))

    # Links and images in its body.
    for link in doc.links:
        scheme = url_scheme(link.target)
        if link.kind == "image" and not link.text:
            problems.append(
                _problem(
                    doc,
                    link.pos.line,
                    link.pos.column,
                    "image has no alt text: write a description between the brackets, ![like this](...)",
                    "image-alt",
                )
            )
        if scheme is not None:
            if link.kind == "image":
                problems.append(
                    _problem(
                        doc,
                        link.pos.line,
                        link.pos.column,
                        f"image {link.target} is loaded from another site, which "
                        "tells it who reads the post: copy it into content/media/",
                        "image-remote",
                        Severity.WARNING,
                    )
                )
            continue
        if link.target.startswith("#") or not link.target:
            continue
        resolved = resolve_target(doc.path, link.target)
        if link.kind == "image":
            msg = _media_problem(resolved, library.media)
            if msg:
                problems.append(_problem(doc, link.pos.line, link.pos.column, msg, "image-missing"))
            continue
        if resolved is None:
            problems.append(
                _problem(
                    doc,
                    link.pos.line,
                    link.pos.column,
                    f"link {link.target!r} points outside content/: link to a post, page or file in content/",
                    "link-broken",
                )
            )
        elif resolved.endswith(".md"):
            target = posts_by_path.get(resolved) or pages_by_path.get(resolved)
            if target is None and resolved not in library.files:
                problems.append(
                    _problem(
                        doc,
                        link.pos.line,
                        link.pos.column,
                        f"link {link.target!r} points to {resolved}, which does "
                        "not exist: check the file name",
                        "link-broken",
                    )
                )
            elif target is not None and target.draft and not getattr(doc, "draft", False):
                problems.append(
                    _problem(
                        doc,
                        link.pos.line,
                        link.pos.column,
                        f"link to {resolved}, a draft: readers see plain text until it is published",
                        "link-draft",
                        Severity.WARNING,
                    )
                )
        elif resolved not in library.files:
            problems.append(
                _problem(
                    doc,
                    link.pos.line,
                    link.pos.column,
                    f"link {link.target!r} points to {resolved}, which does not exist",
                    "link-broken",
                )
            )

    # Partners, channels and the text each channel gets.
    def add(path: str, pos: Pos, message: str, code: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(Problem(path, pos.line, pos.column, message, code, severity))

    if isinstance(doc, Post):
        post = doc
        for pid in post.partners:
            if pid not in library.partners:
                known = ", ".join(sorted(library.partners)) or "none yet"
                add(
                    post.path,
                    post.mark("partners"),
                    f"partners: {pid!r} is not defined in "
                    f"partners/{pid}.yml{did_you_mean(pid, library.partners)} (known: {known})",
                    "partner-unknown",
                )
        _channel_ids(post.channels, post.path, post.mark("channels"), library, add)
        if library.config is not None:
            for channel in texted_channels(library, post):
                cid = channel.id
                try:
                    text = (
                        texts(post, channel)
                        if texts is not None
                        else channel_text(post, channel, library.config, library.channel_templates)
                    )
                except TemplateError as exc:
                    add(
                        post.path,
                        post.mark("channels"),
                        f"channels: the {cid} template fails for this post: {exc}",
                        "channel-template",
                    )
                    continue
                for rule in platform_rules(text.text, channel, image_embed(post)):
                    add(
                        post.path,
                        post.mark("texts" if cid in post.texts and "text for" in rule else "channels"),
                        f"channels: {rule}",
                        "channel-rule",
                    )
                if not text.fits:
                    where = "texts" if cid in post.texts else "channels"
                    url_note = (
                        f"; a link counts as {channel.url_length}" if channel.kind == "mastodon" else ""
                    )
                    if text.link_added:
                        url_note = (
                            "; this counts the post's link, added because the image replaces the link card"
                        )
                    add(
                        post.path,
                        post.mark(where),
                        f"{where}: the text for {cid} is {text.length} "
                        f"{text.unit} long; {channel.name} allows {text.limit}{url_note}: shorten the "
                        f"title or summary, or write texts: {{{cid}: ...}}",
                        "channel-too-long",
                    )
    return problems


def texted_channels(library: Library, post: Post) -> list[Channel]:
    """The social channels whose text the checks render for ``post`` (none when withdrawn)."""
    if post.withdrawn:
        return []
    found = (library.plan.channels.get(cid) for cid in post.channels)
    return [channel for channel in found if channel is not None and channel.social]


def render_texts(library: Library, texts: TextFor, post: Post) -> None:
    """Ask ``texts`` for every text the checks render for ``post``: what a remembered
    answer of :func:`document_checks` skips."""
    for channel in texted_channels(library, post):
        with contextlib.suppress(TemplateError):
            texts(post, channel)


POST_FILE_RE = re.compile(r"^content/posts/(?:.+/)?\d{4}-\d{2}-\d{2}-(?P<slug>[^/]+)\.md$")


def plan_checks(library: Library, post_summaries: Sequence[Summary]) -> list[Problem]:
    """Cross-references of the plan's own files: calendar slots, risks, strategy, CODEOWNERS.
    ``post_summaries``: the posts' (:class:`Summary`)."""
    problems: list[Problem] = []
    plan = library.plan

    def add(path: str, pos: Pos, message: str, code: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(Problem(path, pos.line, pos.column, message, code, severity))

    # Every post file on disk, even one with errors, so a slot does not claim it is missing.
    on_disk = {m["slug"]: m.group(0) for f in library.files if (m := POST_FILE_RE.match(f))}
    posts = {p.slug: p for p in post_summaries}
    claimed: dict[str, Slot] = {}
    team_known = "team" in plan.present
    for slot in library.calendar:
        if slot.post is not None:
            if slot.post not in on_disk:
                add(
                    slot.path,
                    slot.mark("post"),
                    f"post: no post has the slug {slot.post!r}"
                    f"{did_you_mean(slot.post, on_disk)}: the slug is the post's file name after the "
                    "date",
                    "slot-post-missing",
                )
            elif slot.post in claimed:
                first = claimed[slot.post]
                add(
                    slot.path,
                    slot.mark("post"),
                    f"post: {slot.post!r} already fills the slot of "
                    f"{first.date} ({first.path}:{first.pos.line}): one post fills one slot",
                    "slot-post-twice",
                )
            else:
                claimed[slot.post] = slot
                post = posts.get(slot.post)
                if post is not None and post.type != slot.type:
                    add(
                        slot.path,
                        slot.mark("type"),
                        f"type: the slot plans {slot.type} but {post.path} is {post.type}",
                        "slot-type",
                        Severity.WARNING,
                    )
        if team_known and slot.owner not in plan.team:
            add(
                slot.path,
                slot.mark("owner"),
                f"owner: {slot.owner!r} is not in plan/team.yml{did_you_mean(slot.owner, plan.team)}",
                "owner-unknown",
            )
        _channel_ids(slot.channels, slot.path, slot.mark("channels"), library, add)

    for risk in plan.risks:
        if team_known and risk.owner not in plan.team:
            add(
                "plan/risks.yml",
                risk.marks.get("owner", risk.pos),
                f"owner: {risk.owner!r} is not in plan/team.yml{did_you_mean(risk.owner, plan.team)}",
                "owner-unknown",
            )
    for change in plan.strategy:
        if team_known and change.owner not in plan.team:
            add(
                "plan/strategy.yml",
                change.marks.get("owner", change.pos),
                f"owner: {change.owner!r} is not in plan/team.yml{did_you_mean(change.owner, plan.team)}",
                "owner-unknown",
            )

    problems += codeowners_check(library)
    return problems


def codeowners_check(library: Library) -> list[Problem]:
    """``.github/CODEOWNERS``, when present, must be what ``shelfpost codeowners`` makes of the team."""
    if library.codeowners is None or "team" not in library.plan.present:
        return []
    diff = codeowners_diff(library.codeowners, library.plan.team)
    if diff is None:
        return []
    line, found, expected = diff
    return [
        Problem(
            CODEOWNERS_PATH,
            line,
            1,
            f"is out of date with plan/team.yml: line {line} is {found!r}, should be {expected!r}; "
            "run `shelfpost codeowners --write` (or paste the output of `shelfpost codeowners`)",
            "codeowners",
        )
    ]


def _channel_ids(ids: tuple[str, ...], path: str, pos: Pos, library: Library, add: Any) -> None:
    plan = library.plan
    if "channels" not in plan.present:
        return
    for cid in ids:
        channel = plan.channels.get(cid)
        if channel is None:
            add(
                path,
                pos,
                f"channels: {cid!r} is not in plan/channels.yml"
                f"{did_you_mean(cid, plan.channels)} (channels: {', '.join(plan.channels)})",
                "channel-unknown",
            )
        elif not channel.social:
            what = "the mailing-list digest" if channel.kind == "email" else f"the {channel.kind} itself"
            add(
                path,
                pos,
                f"channels: {cid!r} is {what}, where every post goes: list only social channels",
                "channel-kind",
            )


def _media_problem(resolved: str | None, media: frozenset[str]) -> str | None:
    if resolved is None:
        return "the path leaves content/: put images under content/media/"
    if not resolved.lower().endswith(MEDIA_EXTENSIONS):
        return f"{resolved} is not an image shelfpost publishes ({', '.join(MEDIA_EXTENSIONS)})"
    if resolved not in media:
        return f"{resolved} does not exist: add the file or fix the path"
    return None


def without_broken(library: Library, problems: list[Problem]) -> Library:
    """The snapshot without documents that have errors, carrying all problems."""
    bad = {p.path for p in problems if p.is_error}
    return replace(
        library,
        posts=tuple(p for p in library.posts if p.path not in bad),
        pages=tuple(p for p in library.pages if p.path not in bad),
        problems=tuple(sorted(problems)),
    )
