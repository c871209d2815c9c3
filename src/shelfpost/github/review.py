"""The review bot: what a pull request changes, as one sticky comment and one commit status.

Two phases, so that a pull request from a fork is reviewed without any secret:

1. :func:`build_report` (the ``pull_request`` job, read-only token): the changed files
   from GitHub, validated with the library checked out from the pull request's head.
   The result is a :class:`Report`: plain data, written as JSON (``--report-only --out``).
2. :func:`post_report` (the ``workflow_run`` job, with write permission, running the
   default branch's code): reads the report *as data* (:func:`report_from_json` checks
   every field's type and size), renders the comment itself (every string escaped,
   channel texts in code blocks, user names in code spans so nobody is pinged), keeps
   ONE comment up to date (found by :data:`MARKER` and the bot's login, edited, never
   a second), and sets the commit status :data:`STATUS_CONTEXT` for the plan's review
   rule, judged with ``plan/team.yml`` from the default branch (a pull request cannot
   make its author a reviewer).

Everything is gathered before anything is written. ``now`` comes from the CLI.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from shelfpost.github.client import ChangedFile, GitHubProblem, PullInfo, RepoClient, ReviewInfo
from shelfpost.library.channeltext import channel_text
from shelfpost.library.dates import slot_state
from shelfpost.library.model import Config, Library, Member, Post
from shelfpost.library.problems import Problem

MARKER = "<!-- shelfpost:review -->"
STATUS_CONTEXT = "shelfpost/review-rule"
REPORT_FORMAT = "shelfpost-review/1"
DEFAULT_BOT = "github-actions[bot]"
#: Folders and files whose changes the bot previews; anything else is code or docs.
CONTENT_PREFIXES = ("content/", "calendar/", "partners/", "plan/", "templates/")
CONTENT_FILES = ("shelfpost.yml", ".github/CODEOWNERS")
MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters


# --- the report: plain data ------------------------------------------------------------


@dataclass(frozen=True)
class ProblemLine:
    line: int
    column: int
    severity: str
    message: str


@dataclass(frozen=True)
class ChannelPreview:
    channel: str
    name: str
    text: str
    length: int
    limit: int
    unit: str
    error: str = ""  # the channel's template failed for this post
    links: tuple[tuple[str, str], ...] = ()  # (shown text, full URL): Bluesky shows links short


@dataclass(frozen=True)
class SlotInfo:
    date: str
    topic: str
    owner: str
    state: str
    where: str


@dataclass(frozen=True)
class FileReport:
    """One changed file: for a post, everything a reviewer needs to approve it."""

    path: str
    status: str  # added | modified | removed | renamed ...
    kind: str  # post | page | plan | media | content
    previous: str | None = None
    title: str | None = None
    type: str | None = None
    type_label: str | None = None
    publish_at: str | None = None  # ISO 8601 with offset
    draft: bool = False
    channels: list[ChannelPreview] = field(default_factory=list)
    image: str | None = None
    image_alt: str | None = None
    slot: SlotInfo | None = None
    open_slots: list[str] = field(default_factory=list)  # unfilled slots on the post's day
    problems: list[ProblemLine] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    repo: str
    pr: int
    head_sha: str
    author: str
    files: list[FileReport]
    changed: int  # every file the pull request changes, content or not
    other_errors: int  # errors in files the pull request does not change
    format: str = REPORT_FORMAT

    @property
    def content_changed(self) -> bool:
        return bool(self.files)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def is_content(path: str) -> bool:
    return path.startswith(CONTENT_PREFIXES) or path in CONTENT_FILES


def _kind(path: str) -> str:
    if path.startswith("content/posts/") and path.endswith(".md"):
        return "post"
    if path.startswith("content/pages/") and path.endswith(".md"):
        return "page"
    if path.lower().endswith(MEDIA_SUFFIXES):
        return "media"
    if path.startswith("content/"):
        return "content"
    return "plan"


def _problem_lines(problems: Iterable[Problem]) -> list[ProblemLine]:
    return [ProblemLine(p.line, p.column, p.severity.value, p.message) for p in sorted(problems)]


def _channels(post: Post, library: Library) -> list[ChannelPreview]:
    assert library.config is not None
    out = []
    for cid in post.channels:
        channel = library.plan.channels.get(cid)
        if channel is None or not channel.social:
            continue  # `check` reports unknown channels
        try:
            text = channel_text(post, channel, library.config, library.channel_templates)
        except Exception as exc:  # a library's template may fail in many ways; `check` names it
            out.append(ChannelPreview(cid, channel.name, "", 0, 0, "", f"the template fails: {exc}"))
            continue
        out.append(
            ChannelPreview(cid, channel.name, text.text, text.length, text.limit, text.unit, links=text.links)
        )
    return out


def _post_report(
    f: ChangedFile, post: Post, library: Library, now: datetime, problems: list[Problem]
) -> FileReport:
    config = library.config
    assert config is not None
    posts = {p.slug: p for p in library.posts}
    local = post.publish_at.astimezone(config.timezone)
    day = now.astimezone(config.timezone).date()
    slot = next((s for s in library.calendar if s.post == post.slug), None)
    slot_info = None
    if slot is not None:
        slot_info = SlotInfo(
            str(slot.date),
            slot.topic,
            slot.owner,
            slot_state(slot, posts, now, day),
            f"{slot.path}:{slot.pos.line}",
        )
    open_slots = [
        f"{s.date} {s.type}: {s.topic} ({s.path}:{s.pos.line})"
        for s in library.calendar
        if slot is None and s.post is None and s.date == local.date()
    ]
    ptype = config.types.get(post.type)
    return FileReport(
        path=f.path,
        status=f.status,
        kind="post",
        previous=f.previous_path,
        title=post.title,
        type=post.type,
        type_label=ptype.label if ptype else post.type,
        publish_at=post.publish_at.isoformat(),
        draft=post.draft,
        channels=_channels(post, library),
        image=post.image,
        image_alt=post.image_alt,
        slot=slot_info,
        open_slots=open_slots,
        problems=_problem_lines(problems),
    )


def build_report(
    library: Library, repo: str, pr: PullInfo, files: Sequence[ChangedFile], now: datetime
) -> Report:
    """What the pull request changes, checked against the library from its head."""
    by_path: dict[str, list[Problem]] = defaultdict(list)
    for p in library.problems:
        by_path[p.path].append(p)
    posts = library.post_by_path()
    pages = {p.path: p for p in library.pages}
    changed = {f.path for f in files}
    reports = []
    for f in sorted(files, key=lambda f: f.path):
        if not is_content(f.path):
            continue
        kind = _kind(f.path)
        problems = by_path.get(f.path, [])
        post = posts.get(f.path)
        if f.status != "removed" and post is not None and library.config is not None:
            reports.append(_post_report(f, post, library, now, problems))
            continue
        page = pages.get(f.path)
        reports.append(
            FileReport(
                f.path,
                f.status,
                kind,
                f.previous_path,
                title=page.title if page is not None and f.status != "removed" else None,
                problems=_problem_lines(problems),
            )
        )
    other = sum(1 for p in library.problems if p.is_error and p.path not in changed)
    return Report(repo, pr.number, pr.head_sha, pr.author, reports, len(files), other)


def local_report(library: Library, files: Sequence[ChangedFile], now: datetime) -> Report:
    """The review bot's report for changes not yet in a pull request (``review --local``)."""
    pr = PullInfo(0, "", "", "", "", "", "open", False, None, "")
    return build_report(library, "local", pr, files, now)


# --- reading a report back, strictly as data ----------------------------------------------


class ReportError(ValueError):
    """The report file is not what :func:`build_report` writes."""


MAX_REPORT_BYTES = 2_000_000
MAX_TEXT = 5_000


def _get(data: Mapping[str, Any], key: str, kind: type, optional: bool = False, limit: int = MAX_TEXT) -> Any:
    value = data.get(key)
    if value is None and optional:
        return None
    if kind is int and isinstance(value, bool):
        raise ReportError(f"{key}: expected a number")
    if not isinstance(value, kind):
        raise ReportError(f"{key}: expected {kind.__name__}, found {type(value).__name__}")
    if isinstance(value, str) and len(value) > limit:
        raise ReportError(f"{key}: longer than {limit} characters")
    if isinstance(value, list) and len(value) > 1000:
        raise ReportError(f"{key}: more than 1000 items")
    return value


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ReportError(f"{what}: expected a mapping")
    return value


def _links(value: Any) -> tuple[tuple[str, str], ...]:
    """A preview's ``(shown text, URL)`` pairs (rendered with care: see :func:`_link_line`)."""
    if not isinstance(value, list) or len(value) > 100:
        raise ReportError("links: expected a list of at most 100 [text, url] pairs")
    out = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ReportError("links: expected [text, url] pairs")
        shown, url = pair
        if len(shown) > 500 or len(url) > 2000:
            raise ReportError("links: a link's text or URL is too long")
        out.append((shown, url))
    return tuple(out)


def _file_from(data: Mapping[str, Any]) -> FileReport:
    slot = data.get("slot")
    slot_info = None
    if slot is not None:
        s = _mapping(slot, "slot")
        slot_info = SlotInfo(*(_get(s, k, str) for k in ("date", "topic", "owner", "state", "where")))
    return FileReport(
        path=_get(data, "path", str, limit=500),
        status=_get(data, "status", str, limit=40),
        kind=_get(data, "kind", str, limit=40),
        previous=_get(data, "previous", str, optional=True, limit=500),
        title=_get(data, "title", str, optional=True),
        type=_get(data, "type", str, optional=True, limit=80),
        type_label=_get(data, "type_label", str, optional=True, limit=200),
        publish_at=_get(data, "publish_at", str, optional=True, limit=40),
        draft=_get(data, "draft", bool),
        channels=[
            ChannelPreview(
                _get(c, "channel", str, limit=80),
                _get(c, "name", str, limit=200),
                _get(c, "text", str),
                _get(c, "length", int),
                _get(c, "limit", int),
                _get(c, "unit", str, limit=40),
                _get(c, "error", str),
                _links(c.get("links", [])),
            )
            for c in (_mapping(x, "channel") for x in _get(data, "channels", list))
        ],
        image=_get(data, "image", str, optional=True, limit=500),
        image_alt=_get(data, "image_alt", str, optional=True),
        slot=slot_info,
        open_slots=[str(_get({"slot": s}, "slot", str)) for s in _get(data, "open_slots", list)],
        problems=[
            ProblemLine(
                _get(p, "line", int),
                _get(p, "column", int),
                _get(p, "severity", str, limit=20),
                _get(p, "message", str),
            )
            for p in (_mapping(x, "problem") for x in _get(data, "problems", list))
        ],
    )


def report_from_json(text: str | bytes) -> Report:
    """A report made by another job, checked field by field; nothing in it is executed."""
    if len(text) > MAX_REPORT_BYTES:
        raise ReportError(f"the report is larger than {MAX_REPORT_BYTES} bytes")
    try:
        data = _mapping(json.loads(text), "the report")
    except json.JSONDecodeError as exc:
        raise ReportError(f"the report is not JSON: {exc}") from None
    if data.get("format") != REPORT_FORMAT:
        raise ReportError(f"the report's format is not {REPORT_FORMAT}")
    return Report(
        repo=_get(data, "repo", str, limit=140),
        pr=_get(data, "pr", int),
        head_sha=_get(data, "head_sha", str, limit=64),
        author=_get(data, "author", str, limit=80),
        files=[_file_from(_mapping(f, "file")) for f in _get(data, "files", list)],
        changed=_get(data, "changed", int),
        other_errors=_get(data, "other_errors", int),
    )


# --- the review rule ---------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    state: str  # success | pending (a commit status state)
    description: str
    approvers: tuple[str, ...]  # every approver whose latest review is an approval


def latest_states(reviews: Iterable[ReviewInfo]) -> dict[str, str]:
    """Each reviewer's latest decisive review (a comment after an approval keeps the approval)."""
    latest: dict[str, str] = {}
    for r in reviews:
        if r.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[r.user] = r.state
    return latest


def approvers(reviews: Iterable[ReviewInfo]) -> tuple[str, ...]:
    return tuple(sorted(u for u, s in latest_states(reviews).items() if s == "APPROVED"))


def review_rule(author: str, reviews: Iterable[ReviewInfo], team: Mapping[str, Member]) -> RuleResult:
    """The plan's rule: approved by a reviewer from plan/team.yml who is not the author."""
    approved = approvers(reviews)
    reviewers = {m.github.lower(): m for m in team.values() if "reviewer" in m.roles}
    qualifying = [a for a in approved if a.lower() in reviewers and a.lower() != author.lower()]
    if qualifying:
        names = ", ".join(qualifying)
        return RuleResult("success", f"approved by {names} (reviewer in plan/team.yml)", approved)
    if author.lower() in (a.lower() for a in approved):
        why = f"the author's own approval does not count; needs a reviewer other than {author}"
    elif approved:
        why = f"approved by {', '.join(approved)}, not a reviewer in plan/team.yml"
    else:
        why = f"needs an approval by a reviewer in plan/team.yml other than {author}"
    return RuleResult("pending", why, approved)


# --- rendering the comment ---------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")  # what GitHub reads as Markdown inside a line


def md(text: str) -> str:
    """Text that reads as itself in a GitHub comment: no Markdown, no HTML, no @mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text).replace("@", "&#64;")
    return " ".join(text.split())


def code(text: str) -> str:
    """A code span that holds ``text`` whatever backticks it contains."""
    text = " ".join(text.split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fenced(text: str) -> str:
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}text\n{text}\n{fence}"


def relative(when: datetime, now: datetime) -> str:
    """ "in 3 days", "2 hours ago", "now"."""
    seconds = (when - now).total_seconds()
    size = abs(seconds)
    if size < 60:
        return "now"
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            n = int(size // length)
            words = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {words}" if seconds > 0 else f"{words} ago"
    return "now"  # pragma: no cover


SEVERITY_MARK = {"error": "❌", "warning": "⚠️"}


def _render_post(f: FileReport, config: Config, now: datetime) -> list[str]:
    lines = [f"#### {md(f.title or f.path)}", ""]
    where = code(f.path) + (f" (renamed from {code(f.previous)})" if f.previous else "")
    lines += [f"{where} · {md(f.status)}", "", "| | |", "|---|---|"]
    lines.append(f"| type | {md(f.type_label or '')} ({code(f.type or '')}) |")
    if f.publish_at:
        try:
            when = datetime.fromisoformat(f.publish_at)
            local = when.astimezone(config.timezone)
            shown = f"{local:%Y-%m-%d %H:%M} ({md(config.timezone_name)}), {relative(when, now)}"
        except ValueError:
            shown = md(f.publish_at)
        lines.append(f"| publish time | {shown}{' · **draft: not published**' if f.draft else ''} |")
    if f.slot is not None:
        s = f.slot
        lines.append(
            f"| calendar slot | fills {md(s.date)} {md(s.topic)} (owner {code(s.owner)}, now {md(s.state)}; "
            f"{code(s.where)}) |"
        )
    else:
        free = "; open that day: " + "; ".join(md(x) for x in f.open_slots) if f.open_slots else ""
        lines.append(f"| calendar slot | fills no slot in calendar/{free} |")
    if f.image:
        lines.append(f"| image | {code(f.image)} |")
        lines.append(f"| alt text | {md(f.image_alt or '') or '❌ missing'} |")
    else:
        lines.append("| image | none |")
    lines.append("")
    if f.channels:
        for c in f.channels:
            if c.error:
                lines += [f"**{md(c.name)}** ({code(c.channel)}): ❌ {md(c.error)}", ""]
                continue
            mark = "✅" if c.length <= c.limit else f"❌ {c.length - c.limit} over the limit"
            lines += [f"**{md(c.name)}** ({code(c.channel)}): {c.length} / {c.limit} {md(c.unit)} {mark}", ""]
            lines += [fenced(c.text), ""]
            if any(shown != url for shown, url in c.links):
                lines += [*(_link_line(shown, url) for shown, url in c.links if shown != url), ""]
    else:
        lines += ["No social channels: the post goes to the site and the feeds only.", ""]
    return lines


SAFE_URL_RE = re.compile(r"https?://[^\s<>\"`\\]+")


def _link_line(shown: str, url: str) -> str:
    """``- `shown` links to <url>``: an autolink only for a plain http(s) URL, else code."""
    target = f"<{url}>" if SAFE_URL_RE.fullmatch(url) else code(url)
    return f"- {code(shown)} links to {target}"


def _render_problems(f: FileReport) -> list[str]:
    if not f.problems:
        return ["No problems found by `shelfpost check`.", ""]
    lines = [f"**Problems** ({len(f.problems)}):", ""]
    for p in f.problems:
        mark = SEVERITY_MARK.get(p.severity, "❌")
        lines.append(f"- {mark} line {p.line}, column {p.column}: {md(p.message)}")
    return [*lines, ""]


def render_comment(report: Report, config: Config, now: datetime, rule: RuleResult | None) -> str:
    """The sticky comment's Markdown (with :data:`MARKER` on its first line)."""
    posts = [f for f in report.files if f.kind == "post" and f.status != "removed"]
    lines = [MARKER, "## shelfpost preview", ""]
    subject = "This pull request" if report.pr else "The working tree"
    if not report.content_changed:
        lines += [
            f"{subject} changes no posts, pages or plan files ({report.changed} file(s) "
            "changed): there is nothing to preview.",
            "",
        ]
    else:
        errors = sum(1 for f in report.files for p in f.problems if p.severity == "error")
        summary = f"{len(posts)} post(s) and {len(report.files) - len(posts)} other content file(s) changed"
        state = f"❌ {errors} error(s) to fix" if errors else "✅ no errors"
        where = f"at {code(report.head_sha[:12])}" if report.head_sha else "in the working tree"
        lines += [f"{summary} {where}: {state}.", ""]
    if rule is not None:
        mark = "✅" if rule.state == "success" else "⏳"
        lines += [f"**Review rule**: {mark} {md(rule.description)}", ""]
    for f in sorted(report.files, key=lambda f: (f.kind != "post", f.path)):
        lines += ["---", ""]
        if f.kind == "post" and f.status != "removed" and f.title is not None:
            lines += _render_post(f, config, now)
        else:
            head = md(f.title) if f.title else code(f.path)
            lines += [f"#### {head}", "", f"{code(f.path)} · {md(f.kind)} · {md(f.status)}", ""]
            if f.kind == "post" and f.status != "removed":
                lines += [
                    "This post has errors, so it is left out of the site and the channels until they "
                    "are fixed; the preview appears once it loads.",
                    "",
                ]
            if f.status == "removed" and f.kind == "post":
                lines += [
                    "The post file is removed: if it was published, set `withdrawn: true` instead "
                    "so the channels delete it too.",
                    "",
                ]
        lines += _render_problems(f) if f.status != "removed" else []
    if report.other_errors:
        lines += [
            "---",
            "",
            f"{report.other_errors} error(s) in files {'this pull request does' if report.pr else 'you did'} "
            "not change: see `shelfpost check`.",
        ]
    footer = (
        "Updated by `shelfpost review` at each push"
        if report.pr
        else "Made by `shelfpost review --local`: what the bot will say once this is a pull request"
    )
    lines += ["", f"<sub>{footer}; times in the library's time zone.</sub>"]
    body = "\n".join(lines).rstrip() + "\n"
    if len(body) > COMMENT_LIMIT:
        body = body[: COMMENT_LIMIT - 200] + "\n\n… (cut: the comment is too long; see the check job)\n"
    return body


# --- talking to GitHub -------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    comment: str  # created | edited | unchanged | none
    rule: RuleResult | None
    skipped: str = ""  # why nothing was posted (a report about an older commit)


def gather_report(library: Library, client: RepoClient, number: int, now: datetime) -> Report:
    """Phase 1: read the pull request and its files; write nothing."""
    pr = client.pull(number)
    files = client.changed_files(number)
    return build_report(library, client.full_name, pr, files, now)


def post_report(
    library: Library,
    client: RepoClient,
    report: Report,
    now: datetime,
    *,
    bot_login: str = DEFAULT_BOT,
    head_sha: str | None = None,
) -> Posted:
    """Phase 2: keep the one sticky comment and the review-rule status up to date.

    ``library`` is the trusted one (the default branch): its time zone renders the times
    and its ``plan/team.yml`` judges the review rule. With ``head_sha`` (from the
    ``workflow_run`` event), a report about another commit is not posted.
    """
    if library.config is None:
        raise GitHubProblem("shelfpost.yml has errors: run `shelfpost check`")
    if report.repo.lower() != client.full_name.lower():
        raise GitHubProblem(f"the report is about {report.repo}, not {client.full_name}: nothing was written")
    # Gather: the pull request, its reviews and comments.
    pr = client.pull(report.pr)
    if head_sha is not None and (report.head_sha != head_sha or pr.head_sha != head_sha):
        return Posted(
            "none",
            None,
            f"the report is about {report.head_sha[:12]}, the pull request's head is "
            f"{pr.head_sha[:12]}: a newer run will post",
        )
    rule = review_rule(pr.author, client.reviews(report.pr), library.plan.team)
    body = render_comment(report, library.config, now, rule)
    mine = [c for c in client.comments(report.pr) if c.user == bot_login and c.body.startswith(MARKER)]
    # Write: one comment (edited when it exists), then the status.
    action = "none"
    if mine:
        if mine[0].body.strip() != body.strip():
            client.edit_comment(mine[0].id, body)
            action = "edited"
        else:
            action = "unchanged"
    elif report.content_changed:
        client.create_comment(report.pr, body)
        action = "created"
    client.set_status(pr.head_sha, rule.state, STATUS_CONTEXT, rule.description, pr.html_url or None)
    return Posted(action, rule)


__all__ = [
    "MARKER",
    "STATUS_CONTEXT",
    "Report",
    "build_report",
    "gather_report",
    "post_report",
    "render_comment",
    "report_from_json",
    "review_rule",
]
