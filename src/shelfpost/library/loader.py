"""Read a library repository into one validated :class:`~shelfpost.library.model.Library`.

Each file is read once. A file with problems is reported (every problem, with
its line) and left out of the snapshot; it never stops the other files from
loading. Cross-file checks (slugs, links, images) run last, in
:mod:`shelfpost.library.checks`.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from shelfpost.library import checks, planfiles
from shelfpost.library.bodyscan import scan_body
from shelfpost.library.channeltext import ChannelText, channel_text, template_source
from shelfpost.library.filecache import FACTS, FILES
from shelfpost.library.fileschemas import AuthorsFile, ConfigFile, PageFrontMatter, PostFrontMatter
from shelfpost.library.links import resolve_target
from shelfpost.library.model import Author, Channel, Config, Event, Library, Page, Post, PostType, SiteConfig
from shelfpost.library.problems import Problem, Severity
from shelfpost.library.scaffold import placeholder_keys
from shelfpost.library.schema import Context, Reporter, Validated
from shelfpost.library.yamlnodes import MappingNode, Pos, YamlSyntaxError, compose

if TYPE_CHECKING:
    from shelfpost.library.filecache import FileCache

CONFIG_FILE = "shelfpost.yml"
AUTHORS_FILE = "content/authors.yml"
POSTS_DIR = "content/posts"
PAGES_DIR = "content/pages"
MEDIA_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"})

POST_NAME_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})-(?P<slug>.+)\.md$")
FENCE_LINE_RE = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)

DEFAULT_TYPES = {
    "news": PostType("news", "News", "news"),
    "resource": PostType("resource", "Resources", "resources"),
    "event": PostType("event", "Events", "events", events=True),
}


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` is not a safe URL path segment, or ``None`` if it is.

    Letters and digits of any script are allowed (Chinese slugs work), joined by
    single hyphens; ASCII must be lower case so URLs do not differ by case only.
    """
    if not slug:
        return "the slug is empty"
    if ".." in slug or "/" in slug or "\\" in slug:
        return f"slug {slug!r} holds '..' or a slash: use letters, digits and hyphens"
    if unicodedata.normalize("NFC", slug) != slug:
        return f"slug {slug!r} is not in Unicode NFC form: retype it"
    if len(slug) > 80:
        return f"slug {slug!r} is {len(slug)} characters long; at most 80"
    for ch in slug:
        if ch == "-" or ch.isdigit() or (ch.isalpha() and not ("A" <= ch <= "Z")):
            continue
        if "A" <= ch <= "Z":
            return f"slug {slug!r} has upper-case letters: use lower case"
        return f"slug {slug!r} holds {ch!r}: use only letters, digits and single hyphens"
    if slug.startswith("-") or slug.endswith("-") or "--" in slug:
        return f"slug {slug!r} must not start or end with a hyphen or hold two in a row"
    return None


# ---------------------------------------------------------------------------------
# Reading files


def read_text(path: Path, rel: str, rep: Reporter, raw: bytes | None = None) -> str | None:
    """The file (or ``raw``, its bytes read already) as text (UTF-8, BOM dropped, newlines normalised)."""
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            rep.error(Pos(1, 1), f"cannot read the file: {exc.strerror}", "io")
            return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        rep.error(
            Pos(line, col),
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the "
            "file as UTF-8 (in most editors: Save with Encoding > UTF-8)",
            "encoding",
        )
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def readable(path: Path, rel: str, rep_for: dict[str, Reporter]) -> bool:
    """Whether the build will be able to copy ``path``; reported when it will not."""
    try:
        os.close(os.open(path, os.O_RDONLY))
    except OSError as exc:
        rep_for.setdefault(rel, Reporter(rel)).error(
            Pos(1, 1),
            f"cannot read the file: {exc.strerror}; give the user running shelfpost read access "
            "(e.g. chmod a+r)",
            "io",
        )
        return False
    return True


def split_front_matter(text: str, rep: Reporter) -> tuple[str, int, str, int] | None:
    """``(yaml, yaml_line_offset, body, body_first_line)`` or ``None`` after reporting.

    python-frontmatter returns empty metadata for an unclosed block without a
    word, so the split is done here, where a missing fence can be reported.
    """
    first = FENCE_LINE_RE.match(text)
    if not first:
        rep.error(
            Pos(1, 1),
            "must start with front matter: a line '---', the keys (title, "
            "publish_at, ...), then a closing '---'",
            "front-matter-missing",
        )
        return None
    second = FENCE_LINE_RE.search(text, first.end())
    if not second:
        rep.error(
            Pos(1, 1),
            "the front matter opened here is never closed: add a line '---' after the last key",
            "front-matter-unclosed",
        )
        return None
    yaml_text = text[first.end() + 1 : second.start()]
    body_start = min(second.end() + 1, len(text))
    body_line = text.count("\n", 0, body_start) + 1
    return yaml_text, 1, text[body_start:], body_line


def read_yaml(path: Path, rel: str, rep: Reporter) -> Any:
    """The YAML node graph of a whole-YAML file; ``False`` when it could not be read."""
    text = read_text(path, rel, rep)
    if text is None:
        return False
    try:
        return compose(text)
    except YamlSyntaxError as exc:
        rep.error(exc.pos, exc.message, "yaml-syntax")
        return False


def folder_problem(rep_for: dict[str, Reporter], rel: str, exc: OSError) -> None:
    """A folder shelfpost cannot list: said, never skipped in silence."""
    rep_for.setdefault(rel, Reporter(rel)).error(
        Pos(0, 0),
        f"cannot read the folder: {exc.strerror or exc}; the files in it were not checked or "
        "built: give the user running shelfpost read access (e.g. chmod a+rx)",
        "io",
    )


def yaml_files(root: Path, folder: str, rep_for: dict[str, Reporter]) -> list[Path]:
    """The ``*.yml`` files directly in ``folder`` (sorted); an unreadable folder is reported."""
    base = root / folder
    if not base.is_dir():
        return []
    try:
        names = sorted(entry.name for entry in os.scandir(base) if entry.name.endswith(".yml"))
    except OSError as exc:
        folder_problem(rep_for, folder, exc)
        return []
    return [base / name for name in names]


def walk(root: Path, folder: str, rep_for: dict[str, Reporter]) -> Iterator[tuple[str, Path]]:
    """Regular files under ``folder`` (sorted), refusing symbolic links.

    A symlink could make a post out of any file on the machine running the build
    (``/etc/passwd``, a token file), so links are reported and skipped.
    """
    for rel, entry in walk_entries(root, folder, rep_for):
        yield rel, Path(entry.path)


def walk_entries(
    root: Path, folder: str, rep_for: dict[str, Reporter]
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """:func:`walk` with each file's ``os.DirEntry`` (its ``stat()`` is the file's ``lstat``).

    ``os.scandir`` gives each entry's type with the name, so a walk of 10,000 posts makes
    no system call per file; the order is ``os.walk``'s (a folder's files, then its
    sub-folders, each sorted by name).
    """
    base = root / folder
    if not base.is_dir():
        return
    prefix = len(str(root)) + 1

    def visit(here: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            where = Path(exc.filename or here)
            rel = where.relative_to(root).as_posix() if where.is_relative_to(root) else where.as_posix()
            folder_problem(rep_for, rel, exc)
            return
        folders = []
        for entry in entries:
            rel = entry.path[prefix:].replace(os.sep, "/")
            if entry.is_symlink():
                rep_for.setdefault(rel, Reporter(rel)).error(
                    Pos(1, 1),
                    "is a symbolic link: shelfpost reads only regular files; replace "
                    "the link with the file itself",
                    "symlink",
                )
            elif entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif not entry.name.startswith("."):
                yield rel, entry
        for sub in folders:
            yield from visit(sub)

    yield from visit(str(base))


# ---------------------------------------------------------------------------------
# Config and authors


def load_config(root: Path, rep: Reporter) -> Config | None:
    path = root / CONFIG_FILE
    if not path.is_file():
        rep.error(
            Pos(1, 1),
            f"{CONFIG_FILE} is missing: shelfpost needs the library's name, "
            "site_url, language and timezone there (see README)",
            "config-missing",
        )
        return None
    node = read_yaml(path, CONFIG_FILE, rep)
    if node is False:
        return None
    data = ConfigFile.validate(node, Context(), rep, label=CONFIG_FILE)
    if data is None or not data.complete:
        return None
    lib = data["library"]
    types: dict[str, PostType] = dict(DEFAULT_TYPES)
    if data["types"]:
        types = {
            tid: PostType(tid, t["label"], t["path"], bool(t["events"]), t["description"])
            for tid, t in data["types"].items()
        }
    paths: dict[str, str] = {}
    for t in types.values():
        if t.path in paths:
            rep.error(
                data.mark("types"),
                f"types: {t.id} and {paths[t.path]} share the path {t.path!r}: give each type its own",
                "config",
            )
        paths[t.path] = t.id
    site = data["site"]
    site_cfg = SiteConfig(**site.values) if site is not None else SiteConfig()
    return Config(
        name=lib["name"],
        site_url=lib["site_url"],
        language=lib["language"],
        timezone=ZoneInfo(lib["timezone"]),
        timezone_name=lib["timezone"],
        description=lib["description"],
        types=MappingProxyType(types),
        site=site_cfg,
        inbox_key_env=data["inbox"]["key_env"] if data["inbox"] is not None else "SHELFPOST_INBOX_KEY",
    )


def load_authors(root: Path, reporters: dict[str, Reporter]) -> dict[str, Author]:
    path = root / AUTHORS_FILE
    if not path.is_file():
        return {}
    rep = reporters.setdefault(AUTHORS_FILE, Reporter(AUTHORS_FILE))
    node = read_yaml(path, AUTHORS_FILE, rep)
    if node is False:
        return {}
    data = AuthorsFile.validate(node, Context(), rep, label=AUTHORS_FILE)
    if data is None:
        return {}
    return {aid: Author(aid, a["name"], a["role"]) for aid, a in data["authors"].items() if a}


# ---------------------------------------------------------------------------------
# Posts and pages


def _front_matter(
    path: Path, rel: str, rep: Reporter, schema: type[Any], ctx: Context, raw: bytes | None = None
) -> tuple[Validated | None, str, int] | None:
    """Front matter (possibly incomplete) and body; ``None`` when there is no body to check."""
    text = read_text(path, rel, rep, raw)
    if text is None:
        return None
    parts = split_front_matter(text, rep)
    if parts is None:
        return None
    yaml_text, offset, body, body_line = parts
    try:
        node = compose(yaml_text, line_offset=offset)
    except YamlSyntaxError as exc:
        rep.error(exc.pos, exc.message, "yaml-syntax")
        return None, body, body_line
    rep.line_offset = offset
    data = schema.validate(node, ctx, rep, at=Pos(1, 1), label="the front matter")
    return data, body, body_line


def _scan(body: str, body_line: int, rep: Reporter) -> tuple[list[Any], bool]:
    links, findings = scan_body(body, body_line)
    for f in findings:
        rep.error(f.pos, f.message, f.code)
    return links, not findings


def load_post(
    path: Path, rel: str, rep: Reporter, config: Config, ctx: Context, raw: bytes | None = None
) -> Post | None:
    """One post, or ``None`` after reporting every problem it has."""
    name = POST_NAME_RE.match(path.name)
    if not name:
        rep.error(
            Pos(1, 1),
            "post file names look like YYYY-MM-DD-slug.md (e.g. 2026-12-01-winter-hours.md): rename the file",
            "post-name",
        )
        return None
    slug = name["slug"]
    problem = slug_problem(slug)
    if problem:
        rep.error(Pos(1, 1), f"{problem} (the slug is the file name after the date)", "slug")
    try:
        name_date: date | None = date(int(name["year"]), int(name["month"]), int(name["day"]))
    except ValueError:
        name_date = None
        problem = problem or "bad date"
        rep.error(
            Pos(1, 1),
            f"the file name's date {name['year']}-{name['month']}-{name['day']} "
            "is not a real date: rename the file to YYYY-MM-DD-slug.md",
            "post-name",
        )
    if path.parent.name != name["year"]:
        rep.error(
            Pos(1, 1),
            f"posts of {name['year']} live in {POSTS_DIR}/{name['year']}/: move the file",
            "post-folder",
            Severity.WARNING,
        )
    loaded = _front_matter(path, rel, rep, PostFrontMatter, ctx, raw)
    if loaded is None:
        return None
    data, body, body_line = loaded
    links, ok = _scan(body, body_line, rep)
    if data is None:
        return None
    ok = ok and data.complete and problem is None

    image, image_alt = data.get("image"), data.get("image_alt")
    if image and not image_alt and "image_alt" not in data.marks:
        rep.error(
            data.mark("image"),
            "image_alt: required when an image is given: describe "
            "what the image shows for people who cannot see it",
            "image-alt",
        )
        ok = False
    if image_alt and not image and "image" not in data.marks:
        rep.error(
            data.mark("image_alt"),
            "image_alt is set but there is no image: add `image:` or remove image_alt",
            "image-alt",
            Severity.WARNING,
        )

    event = None
    block = data.get("event")
    ptype = config.types.get(data.get("type", ""))
    if ptype is not None and ptype.events and "event" not in data.marks:
        rep.error(
            data.mark("type"),
            f"type: {ptype.id} posts need an `event:` block with start, end and location",
            "event-missing",
        )
        ok = False
    elif ptype is not None and block is not None and not ptype.events:
        rep.error(
            data.mark("event"),
            f"event: only event posts carry an event block, and this "
            f"is a {ptype.id} post: remove the block or change the type",
            "event-type",
        )
        ok = False
    elif block is not None and block.complete:
        if block["end"] <= block["start"]:
            rep.error(
                data.mark("event.end"),
                f"event.end must be after event.start ({block['start']:%Y-%m-%d %H:%M})",
                "event-end",
            )
            ok = False
        else:
            event = Event(block["start"], block["end"], block["location"], block["registration_url"])
    when = data.get("publish_at")
    if event is not None and when and event.end <= when:
        rep.error(
            data.mark("event.end"),
            f"event.end ({event.end.astimezone(config.timezone):%Y-%m-%d %H:%M}) is not after publish_at "
            f"({when.astimezone(config.timezone):%Y-%m-%d %H:%M}): the announcement would go out after the "
            "event is over; move publish_at earlier or correct the event's dates",
            "event-before-announcement",
        )
        ok = False
    if not data.get("draft"):
        # A skeleton from `shelfpost new` keeps its stand-in texts only while it is a draft.
        location = block.get("location") if block is not None else None
        values = {"title": data.get("title"), "summary": data.get("summary"), "event.location": location}
        for key in placeholder_keys(values):
            rep.error(
                data.mark(key),
                f"{key}: still the placeholder {values[key]!r} from `shelfpost new`: write the real "
                "text, or put back `draft: true` until it is ready",
                "placeholder",
            )
            ok = False
    if name_date and when and when.astimezone(config.timezone).date() != name_date:
        rep.error(
            data.mark("publish_at"),
            f"publish_at is {when.astimezone(config.timezone):%Y-%m-%d} "
            f"but the file name says {name_date}: rename the file so the folder stays in date "
            "order (the URL does not change)",
            "post-name-date",
            Severity.WARNING,
        )
    if not ok or ptype is None:
        return None
    return Post(
        **_document_fields(rel, slug, data, body, body_line, links),
        publish_at=data["publish_at"],
        type=ptype.id,
        tags=data["tags"],
        authors=data["authors"],
        original=data["original"],
        image=resolve_target(rel, image) if image else None,
        image_alt=image_alt,
        channels=data["channels"],
        partners=data["partners"],
        draft=data["draft"],
        lang=data["lang"],
        updated=data["updated"],
        event=event,
        withdrawn=data["withdrawn"],
        texts=MappingProxyType(dict(data["texts"])),
    )


def _document_fields(
    rel: str, slug: str, data: Validated, body: str, body_line: int, links: list[Any]
) -> dict[str, Any]:
    """What posts and pages share (:class:`~shelfpost.library.model.Document`)."""
    return {
        "path": rel,
        "slug": slug,
        "title": data["title"],
        "summary": data["summary"],
        "body": body,
        "body_line": body_line,
        "links": tuple(links),
        "marks": MappingProxyType(dict(data.marks)),
    }


def load_page(path: Path, rel: str, rep: Reporter, ctx: Context, raw: bytes | None = None) -> Page | None:
    slug = path.stem
    problem = slug_problem(slug)
    if problem:
        rep.error(Pos(1, 1), f"{problem} (the page's slug is its file name)", "slug")
    loaded = _front_matter(path, rel, rep, PageFrontMatter, ctx, raw)
    if loaded is None:
        return None
    data, body, body_line = loaded
    links, ok = _scan(body, body_line, rep)
    if data is None or not data.complete or not ok or problem or data["draft"]:
        return None
    return Page(
        **_document_fields(rel, slug, data, body, body_line, links),
        order=data["order"],
        nav=data["nav"],
    )


#: Below this many files to parse, another process costs more than it saves.
PARALLEL_MIN = 300

#: (rel, path, kind, raw bytes or None): one post or page to load.
_Job = tuple[str, Path, str, "bytes | None"]


def _load_one(job: _Job, config: Config, ctx: Context) -> tuple[Post | Page | None, list[Problem]]:
    rel, path, kind, raw = job
    rep = Reporter(rel)
    if kind == "post":
        item: Post | Page | None = load_post(path, rel, rep, config, ctx, raw)
    else:
        item = load_page(path, rel, rep, ctx, raw)
    return item, rep.problems


def _load_chunk(
    jobs: list[_Job], config: Config, ctx: Context
) -> list[tuple[Post | Page | None, list[Problem]]]:
    return [_load_one(job, config, ctx) for job in jobs]


def _cached_texts(
    cache: FileCache | None, keys: dict[str, str], library: Library, memo: dict[tuple[str, str], ChannelText]
) -> checks.TextFor:
    """``channel_text``, kept in ``memo`` (the snapshot's ``texts``) and, with a cache, in it:
    rendering every post for every channel was half of a warm check. The key covers the
    post's file (and shelfpost.yml and the code, through the file's key), the channel's
    settings and the template's source."""
    assert library.config is not None
    config, templates = library.config, library.channel_templates
    settings: dict[str, tuple[Channel, str]] = {}  # a channel's part of the key, made once

    def render(post: Post, channel: Channel) -> ChannelText:
        file_key = keys.get(post.path)
        if cache is None or file_key is None:
            return channel_text(post, channel, config, templates)
        known = settings.get(channel.id)
        if known is None or known[0] is not channel:
            known = settings[channel.id] = (channel, f"{channel!r}\0{template_source(channel, templates)}")
        part = known[1]
        key = hashlib.sha256(f"{file_key}\0{part}".encode()).hexdigest()
        found = cache.derived(post.path, "channel:" + channel.id, key)
        if isinstance(found, ChannelText):
            return found
        made = channel_text(post, channel, config, templates)
        cache.put_derived(post.path, "channel:" + channel.id, key, made)
        return made

    def text(post: Post, channel: Channel) -> ChannelText:
        made = memo[post.path, channel.id] = render(post, channel)
        return made

    return text


def default_jobs() -> int:
    """Processes ``check`` may use: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


#: How much more this process parses than each worker, in :func:`_load_all`: a worker's
#: results are pickled, piped and unpickled here (at 10,000 posts, ~30% on top of parsing
#: them), so with equal shares this process finished first and waited.
PARENT_SHARE = 1.4


def _shares(jobs: list[_Job], processes: int, weight: float) -> list[list[_Job]]:
    """``jobs`` cut in ``processes`` runs, in order: the first ``weight`` times each other's."""
    unit = len(jobs) / (weight + processes - 1)
    cuts = [0, *(round(weight * unit + i * unit) for i in range(processes - 1)), len(jobs)]
    return [jobs[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _load_all(
    jobs: list[_Job], config: Config, ctx: Context, processes: int
) -> list[tuple[Post | Page | None, list[Problem]]]:
    """Load every job, in order; with ``processes`` > 1, split over forked workers.

    This process takes the first share itself (a larger one: :data:`PARENT_SHARE`), so
    only the others' results travel back (pickled). The answers are the ones a single process gives
    (tests/test_check.py compares them).
    """
    import multiprocessing

    if processes <= 1 or len(jobs) < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
        return _load_chunk(jobs, config, ctx)
    from concurrent.futures import ProcessPoolExecutor

    chunks = _shares(jobs, processes, PARENT_SHARE)
    if len(chunks) < 2:
        return _load_chunk(jobs, config, ctx)
    with ProcessPoolExecutor(len(chunks) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_load_chunk, chunk, config, ctx) for chunk in chunks[1:]]
        results = _load_chunk(chunks[0], config, ctx)
        for future in futures:
            results.extend(future.result())
    return results


def load_library(root: Path | str, cache: FileCache | None = None, jobs: int = 1) -> Library:
    """Load and check everything under ``root``; never raises for bad content.

    With ``cache`` (:class:`~shelfpost.library.filecache.FileCache`), posts and pages whose
    bytes did not change are taken from it instead of being read again; with
    ``jobs`` > 1 the others are parsed by that many processes (forked: call it from
    a process without threads). The answers are the same either way. The snapshot's
    ``texts`` hold every channel text the checks look at.
    """
    return _paused_gc(lambda: _load_library(Path(root).resolve(), cache, jobs, documents=True)[0])


@dataclass(frozen=True)
class Checked:
    """What ``check`` answers: every problem of the library, and how many posts and pages
    have none that stops them. ``library`` is the snapshot without its posts and pages (its
    config, plan and files): a check with a cache does not unpickle unchanged documents."""

    library: Library
    posts: int
    pages: int

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.library.problems


def check_library(root: Path | str, cache: FileCache | None = None, jobs: int = 1) -> Checked:
    """:func:`load_library`'s problems, without building the snapshot's documents: with
    ``cache``, an unchanged post or page contributes its remembered problems and
    :class:`~shelfpost.library.checks.Summary` (the cache's light table), and only the files
    that changed (and those whose cross-file answer must be worked out again) are parsed or
    taken whole from the cache. The problems are :func:`load_library`'s (tests compare them)."""
    library, posts, pages = _paused_gc(
        lambda: _load_library(Path(root).resolve(), cache, jobs, documents=False)
    )
    bad = {p.path for p in library.problems if p.is_error}
    return Checked(
        replace(library, posts=(), pages=()),
        sum(1 for s in posts if s.path not in bad),
        sum(1 for s in pages if s.path not in bad),
    )


_T = TypeVar("_T")


def _paused_gc(work: Callable[[], _T]) -> _T:
    # Loading makes millions of small objects and no reference cycles worth finding:
    # Python's cycle collector would re-scan them all, again and again (~10% of a
    # 10,000-post check, and 80% of unpickling the cache or a worker's results).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return work()
    finally:
        if collecting:
            gc.enable()


def _load_library(
    root: Path, cache: FileCache | None, jobs: int, documents: bool
) -> tuple[Library, list[checks.Summary], list[checks.Summary]]:
    """The snapshot and its posts' and pages' summaries. With ``documents`` false and a cache,
    the snapshot holds only the documents that had to be parsed (the caller drops them)."""
    reporters: dict[str, Reporter] = {}
    config_rep = reporters.setdefault(CONFIG_FILE, Reporter(CONFIG_FILE))
    config = load_config(root, config_rep)
    if config is None:
        return Library(root, None, problems=tuple(_collect(reporters))), [], []

    ctx = Context(timezone=config.timezone, choices={"type": list(config.types)})
    authors = load_authors(root, reporters)
    light = cache is not None and not documents  # unchanged documents: their FACTS entry only
    table = FACTS if light else FILES

    # Phase 1: every file on its own (from the cache when its bytes are unchanged).
    media: set[str] = set()
    files: set[str] = set()
    order: list[str] = []
    kinds: dict[str, str] = {}
    loaded: dict[str, Post | Page | None] = {}
    known: dict[str, checks.Summary | None] = {}  # light: what the cache says of unchanged files
    todo: list[_Job] = []
    keys: dict[str, str] = {}
    for rel, entry in walk_entries(root, "content", reporters):
        files.add(rel)
        kind = (
            "post"
            if rel.startswith(POSTS_DIR + "/") and rel.endswith(".md")
            else "page"
            if rel.startswith(PAGES_DIR + "/") and rel.endswith(".md")
            else None
        )
        if kind is None:
            media_path = Path(entry.path)
            if media_path.suffix.lower() in MEDIA_EXTENSIONS and readable(media_path, rel, reporters):
                media.add(rel)
            continue
        order.append(rel)
        kinds[rel] = kind
        path: Path | None = None
        raw = None
        if cache is not None:
            try:
                st = entry.stat(follow_symlinks=False)
                digest = cache.known_digest(rel, st)  # unchanged since the index: not read again
                if digest is None:
                    raw, digest = cache.read(rel, path := Path(entry.path), st)
                key = cache.digest_key(rel, digest)
                hit = cache.get(rel, key, table)
                if hit is None and raw is None:  # the index knew it, the entry is gone: parse it
                    raw, digest = cache.read(rel, path := Path(entry.path), st)
                    key = cache.digest_key(rel, digest)
            except OSError:
                raw = None  # load_post reports why
            else:
                keys[rel] = key
                if hit is not None:
                    if light:
                        problems, known[rel] = hit
                    else:
                        loaded[rel], problems = hit
                    reporters.setdefault(rel, Reporter(rel)).problems.extend(problems)
                    continue
        todo.append((rel, path or Path(entry.path), kind, raw))
    for (rel, *_), (item, problems) in zip(todo, _load_all(todo, config, ctx, jobs), strict=True):
        loaded[rel] = item
        reporters.setdefault(rel, Reporter(rel)).problems.extend(problems)
        if cache is not None and rel in keys:
            _remember(cache, rel, keys[rel], item, problems)
    posts = [item for rel in order if isinstance(item := loaded.get(rel), Post)]
    pages = [item for rel in order if isinstance(item := loaded.get(rel), Page)]
    summary_of = {rel: checks.Summary.of(item) for rel, item in loaded.items() if item is not None}
    summary_of.update({rel: found for rel, found in known.items() if found is not None})
    post_summaries = [s for rel in order if (s := summary_of.get(rel)) is not None and kinds[rel] == "post"]
    page_summaries = [s for rel in order if (s := summary_of.get(rel)) is not None and kinds[rel] == "page"]

    # The plan as code: calendar, partners, plan/.
    slots = planfiles.load_calendar(root, ctx, reporters)
    partners = planfiles.load_partners(root, ctx, reporters)
    plan = planfiles.load_plan(root, ctx, reporters)
    counts = planfiles.load_interaction_counts(root, ctx, reporters, plan.channels)
    templates = load_channel_templates(root, reporters)
    parse_templates(root, DIGEST_TEMPLATES, "*.j2", reporters)  # used by `shelfpost digest`, checked here

    # Phase 2: what files say about each other.
    memo: dict[tuple[str, str], ChannelText] = {}
    library = Library(
        root,
        config,
        posts=tuple(posts),
        pages=tuple(pages),
        authors=MappingProxyType(authors),
        media=frozenset(media),
        files=frozenset(files),
        calendar=tuple(slots),
        partners=MappingProxyType(partners),
        plan=plan,
        channel_templates=MappingProxyType(templates),
        codeowners=load_codeowners(root, reporters),
        mkdocs=load_mkdocs(root, reporters),
        interaction_counts=tuple(counts),
        texts=memo,
    )
    text_for = _cached_texts(cache, keys, library, memo)
    if cache is None:
        cross = checks.cross_check(library, text_for)
    else:

        def document(rel: str) -> Post | Page | None:
            """The whole document of ``rel`` (light: one whose cross-file answer is not cached)."""
            if rel in loaded:
                return loaded[rel]
            assert cache is not None
            found = cache.get(rel, keys[rel])  # FILES: the document, beside its FACTS entry
            if isinstance(found, tuple) and isinstance(found[0], Post | Page):
                item: Post | Page | None = found[0]
            else:  # a FILES entry lost (its shard removed): parse the file again
                item, problems = _load_one((rel, root / rel, kinds[rel], None), config, ctx)
                _remember(cache, rel, keys[rel], item, problems)
            loaded[rel] = item
            return item

        cross = _cross_check_cached(
            cache, keys, library, text_for, post_summaries, page_summaries, document, channel_texts=not light
        )
        cache.save(sweep=(FACTS,) if light else (FILES, FACTS))
    return checks.without_broken(library, _collect(reporters) + cross), post_summaries, page_summaries


def _remember(
    cache: FileCache, rel: str, key: str, item: Post | Page | None, problems: list[Problem]
) -> None:
    """Keep a parsed file's result: whole (``FILES``) and what ``check`` needs of it (``FACTS``)."""
    cache.put(rel, key, (item, tuple(problems)))
    cache.put(rel, key, (tuple(problems), None if item is None else checks.Summary.of(item)), FACTS)


def _cross_check_cached(
    cache: FileCache,
    keys: dict[str, str],
    library: Library,
    text_for: checks.TextFor,
    posts: list[checks.Summary],
    pages: list[checks.Summary],
    document: Callable[[str], Post | Page | None],
    channel_texts: bool,
) -> list[Problem]:
    """``checks.cross_check`` with each document's part from the cache while the document
    and what it reads of the others (:func:`checks.document_context`) are unchanged: after
    one post is edited, only that post is checked again (and the library-wide checks, which
    are cheap). ``document`` gives a document whose part must be worked out again. With
    ``channel_texts`` a remembered part still looks its channel texts up (from the cache):
    publish uses them."""
    context = _digest(checks.document_context(library, posts, pages))
    problems = checks.library_checks(library, posts, pages)
    facts = checks.DocumentFacts.of(posts, pages)
    for summary in (*posts, *pages):
        file_key = keys.get(summary.path)
        key = None if file_key is None else hashlib.sha256(f"{file_key}\0{context}".encode()).hexdigest()
        found = None if key is None else cache.derived(summary.path, "cross", key, FACTS)
        if isinstance(found, tuple):
            problems += found
            if channel_texts and summary.type is not None:
                doc = document(summary.path)
                if isinstance(doc, Post):
                    checks.render_texts(library, text_for, doc)  # publish uses them
            continue
        doc = document(summary.path)
        if doc is None:  # cannot happen: a summary is made only of a loaded document
            continue
        made = checks.document_checks(library, doc, facts, text_for)
        if key is not None:
            cache.put_derived(summary.path, "cross", key, tuple(made), FACTS)
        problems += made
    return problems


def _digest(value: object) -> str:
    """A hash of ``value``'s contents: its ``repr`` (the model's dataclasses show every field
    but the snapshot's ``texts``), which, unlike a pickle, does not depend on which equal
    objects happen to be shared (a post from the cache against one parsed again)."""
    return hashlib.sha256(repr(value).encode("utf-8", "surrogateescape")).hexdigest()


CHANNEL_TEMPLATES = "templates/channels"


def load_channel_templates(root: Path, reporters: dict[str, Reporter]) -> dict[str, str]:
    """The library's own channel templates (``<channel id or kind>.txt.j2``), syntax-checked."""
    found = parse_templates(root, CHANNEL_TEMPLATES, "*.txt.j2", reporters)
    return {name.removesuffix(".txt.j2"): text for name, text in found.items()}


DIGEST_TEMPLATES = "templates/digest"


def parse_templates(
    root: Path, folder_name: str, pattern: str, reporters: dict[str, Reporter]
) -> dict[str, str]:
    """The jinja2 templates of ``folder_name`` matching ``pattern`` (file name -> text); a syntax
    error is reported with its line and the template left out. ``check`` runs it on
    ``templates/digest/`` too, so a broken digest template shows in the pull request."""
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    found: dict[str, str] = {}
    folder = root / folder_name
    if not folder.is_dir():
        return found
    env = SandboxedEnvironment()
    for path in sorted(folder.glob(pattern)):
        rel = f"{folder_name}/{path.name}"
        rep = reporters.setdefault(rel, Reporter(rel))
        text = read_text(path, rel, rep)
        if text is None:
            continue
        try:
            env.parse(text)
        except TemplateSyntaxError as exc:
            rep.error(Pos(exc.lineno or 1, 1), f"template syntax: {exc.message}", "template")
            continue
        found[path.name] = text
    return found


CODEOWNERS = ".github/CODEOWNERS"


def load_codeowners(root: Path, reporters: dict[str, Reporter]) -> str | None:
    """``.github/CODEOWNERS`` as text (``None`` when absent); checks compare it with the team."""
    path = root / CODEOWNERS
    if path.is_symlink() or not path.is_file():
        return None
    return read_text(path, CODEOWNERS, reporters.setdefault(CODEOWNERS, Reporter(CODEOWNERS)))


MKDOCS = "mkdocs.yml"
#: Keys of mkdocs.yml that shelfpost sets from shelfpost.yml and the content.
MKDOCS_OWNED_KEYS = ("site_name", "site_url", "docs_dir", "site_dir", "nav", "use_directory_urls")


def load_mkdocs(root: Path, reporters: dict[str, Reporter]) -> str | None:
    """The library's ``mkdocs.yml`` (the look of the site) as text, checked here so that
    ``check`` reports what ``build`` would fail on; ``None`` when absent or broken."""
    path = root / MKDOCS
    if not path.exists() and not path.is_symlink():
        return None
    rep = reporters.setdefault(MKDOCS, Reporter(MKDOCS))
    if path.is_symlink() or not path.is_file():
        rep.error(Pos(1, 1), "must be a regular file (not a link or a folder)", "io")
        return None
    text = read_text(path, MKDOCS, rep)
    if text is None:
        return None
    try:
        node = compose(text.replace("!!python/", "!python-"))  # positions only; tags are the engine's
    except YamlSyntaxError as exc:
        rep.error(exc.pos, exc.message, "yaml-syntax")
        return None
    broken = False
    if isinstance(node, MappingNode):
        for knode, vnode in node.value:
            pos = Pos(knode.start_mark.line + 1, knode.start_mark.column + 1)
            if knode.value in MKDOCS_OWNED_KEYS:
                rep.error(
                    pos,
                    f"{knode.value}: shelfpost sets this from shelfpost.yml and the content: remove it here",
                    "mkdocs-owned-key",
                )
                broken = True
            if knode.value == "theme" and isinstance(vnode, MappingNode):
                for tkey, _ in vnode.value:
                    if tkey.value == "custom_dir":
                        rep.error(
                            Pos(tkey.start_mark.line + 1, tkey.start_mark.column + 1),
                            "theme.custom_dir: put template overrides in templates/site/ instead; "
                            "shelfpost sets the folder",
                            "mkdocs-owned-key",
                        )
                        broken = True
    return None if broken else text


def _collect(reporters: dict[str, Reporter]) -> list[Problem]:
    return [p for rep in reporters.values() for p in rep.problems]
