"""Checks across files: what one file says about another.

Runs after every file was read on its own (phase 2 of loading): unique slugs,
authors that exist, images and links that resolve. Later issues add their
cross-references here (calendar slots, partners, channels).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from .bodyscan import url_scheme
from .model import Document, Library, Post
from .problems import Problem, Severity
from .schema import did_you_mean

CONTENT = "content"
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
        "404",
        "sitemap",
        "events",
    }
)


def resolve_target(doc_path: str, target: str) -> str | None:
    """A link target as a repository path, or ``None`` if it leaves ``content/``.

    Relative targets are read from the linking file's folder, like GitHub's preview
    does; ``/media/x.png`` is read from ``content/``.
    """
    path = unquote(urlsplit(target).path)
    if not path:
        return None
    if path.startswith("/"):
        joined = posixpath.normpath(CONTENT + path)
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), path))
    if not joined.startswith(CONTENT + "/"):
        return None
    return joined


def _problem(
    doc: Document, pos_line: int, pos_col: int, message: str, code: str, severity: Severity = Severity.ERROR
) -> Problem:
    return Problem(doc.path, pos_line, pos_col, message, code, severity)


def cross_check(library: Library) -> list[Problem]:
    problems: list[Problem] = []
    posts_by_path = {p.path: p for p in library.posts}
    pages_by_path = {p.path: p for p in library.pages}

    # Slugs: one URL per post and per page.
    by_slug: dict[str, list[Post]] = defaultdict(list)
    for post in library.posts:
        by_slug[post.slug].append(post)
    for slug, same in by_slug.items():
        if len(same) < 2:
            continue
        for post in same:
            others = ", ".join(p.path for p in same if p is not post)
            problems.append(
                _problem(
                    post,
                    1,
                    1,
                    f"slug {slug!r} is also used by {others}: two posts would share one URL; rename one file",
                    "slug-duplicate",
                )
            )
    type_paths = {t.path for t in library.config.types.values()} if library.config else set()
    page_slugs: dict[str, str] = {}
    for page in library.pages:
        if page.slug in RESERVED_SLUGS or page.slug in type_paths:
            problems.append(
                _problem(
                    page,
                    1,
                    1,
                    f"the page name {page.slug!r} is taken by the site's own sections: rename the file",
                    "slug-reserved",
                )
            )
        elif page.slug in page_slugs:
            problems.append(
                _problem(
                    page,
                    1,
                    1,
                    f"the page name {page.slug!r} is also used by {page_slugs[page.slug]}: rename one file",
                    "slug-duplicate",
                )
            )
        page_slugs.setdefault(page.slug, page.path)

    # Authors and images named in front matter.
    for post in library.posts:
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

    # Links and images in bodies.
    for doc in (*library.posts, *library.pages):
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
                        f"link {link.target!r} "
                        "points outside content/: link to a post, page or file in "
                        "content/",
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
                elif isinstance(target, Post) and target.draft and not getattr(doc, "draft", False):
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
    return problems


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
