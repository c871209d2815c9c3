"""The content model: one immutable snapshot of a library repository.

Everything below the CLI works on a :class:`Library` loaded once by
:func:`shelfpost.library.loader.load_library`; no later stage reads the files again. The
model imports nothing from the CLI, the renderers or any platform adapter.
"""

from __future__ import annotations

import copyreg
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from shelfpost.library.problems import Problem
from shelfpost.library.yamlnodes import Pos

if TYPE_CHECKING:
    from shelfpost.library.channeltext import ChannelText


def frozen_mapping(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(data)


def _reduce_mapping(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return frozen_mapping, (dict(m),)


# Snapshots travel as pickles (the check cache, worker processes of `check`), and
# the frozen mappings the model uses do not pickle on their own.
copyreg.pickle(MappingProxyType, _reduce_mapping)

EMPTY: Mapping[str, Pos] = MappingProxyType({})


@dataclass(frozen=True)
class PostType:
    """A kind of post (news, resource, event, or one a library adds in its config)."""

    id: str
    label: str
    path: str
    events: bool = False
    description: str = ""


@dataclass(frozen=True)
class SiteConfig:
    engine: str = "mkdocs"
    latest: int = 10
    page_size: int = 20
    feed_entries: int = 50
    date_format: str = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Config:
    """The library's settings from ``shelfpost.yml``, set once for every stage."""

    name: str
    site_url: str
    language: str
    timezone: tzinfo
    timezone_name: str
    description: str = ""
    types: Mapping[str, PostType] = field(default_factory=dict)
    site: SiteConfig = field(default_factory=SiteConfig)
    inbox_key_env: str = "SHELFPOST_INBOX_KEY"  # NAME of the inbox's hashing-key variable

    @property
    def base_url(self) -> str:
        return self.site_url if self.site_url.endswith("/") else self.site_url + "/"

    def post_url(self, slug: str) -> str:
        """The absolute URL of a post's page (what feeds and channels link to)."""
        return f"{self.base_url}posts/{quote(slug)}/"


@dataclass(frozen=True)
class Author:
    """A person who writes posts (content/authors.yml): shown on the site under their posts."""

    id: str
    name: str
    role: str = ""


@dataclass(frozen=True)
class Event:
    """When and where an event post's event happens."""

    start: datetime
    end: datetime
    location: str
    registration_url: str | None = None


@dataclass(frozen=True)
class Link:
    """A link or image in a Markdown body, with the span of its target in the body."""

    kind: str  # "link" | "image"
    target: str
    start: int  # span of the target in the body
    end: int
    pos: Pos
    text: str = ""  # link text, or an image's alt text
    outer: tuple[int, int] = (0, 0)  # span of the whole construct; (0, 0) for definitions


@dataclass(frozen=True)
class Document:
    """What posts and pages share: a Markdown file with front matter."""

    path: str  # relative to the library root, forward slashes
    slug: str
    title: str
    summary: str
    body: str
    body_line: int  # the file line on which the body starts
    links: tuple[Link, ...] = ()
    marks: Mapping[str, Pos] = field(default_factory=lambda: EMPTY)

    def mark(self, key: str) -> Pos:
        return self.marks.get(key, Pos(1, 1))


@dataclass(frozen=True)
class Post(Document):
    """One post: ``content/posts/YYYY/YYYY-MM-DD-slug.md``."""

    publish_at: datetime = datetime.min
    type: str = "news"
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    original: bool = True
    image: str | None = None  # resolved, relative to content/
    image_alt: str | None = None
    channels: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    draft: bool = False
    lang: str | None = None
    updated: datetime | None = None
    event: Event | None = None
    withdrawn: bool = False
    texts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # channel -> own text

    def is_live(self, now: datetime) -> bool:
        """Due, not a draft, not withdrawn: the only posts any public output may show."""
        return not self.draft and not self.withdrawn and self.publish_at <= now

    @property
    def last_modified(self) -> datetime:
        return max(self.publish_at, self.updated or self.publish_at)


@dataclass(frozen=True)
class Page(Document):
    """A standing page from ``content/pages/`` (about, handbook, ...)."""

    order: int = 100
    nav: bool = True


@dataclass(frozen=True)
class Library:
    """The snapshot: every valid file, plus every problem found while loading."""

    root: Path
    config: Config | None
    posts: tuple[Post, ...] = ()
    pages: tuple[Page, ...] = ()
    authors: Mapping[str, Author] = field(default_factory=dict)
    media: frozenset[str] = frozenset()  # images under content/ that outputs may copy
    files: frozenset[str] = frozenset()  # every regular file under content/
    calendar: tuple[Slot, ...] = ()
    partners: Mapping[str, Partner] = field(default_factory=dict)
    plan: Plan = field(default_factory=lambda: Plan())
    channel_templates: Mapping[str, str] = field(default_factory=dict)  # templates/channels/*.txt.j2
    codeowners: str | None = None  # .github/CODEOWNERS as text, checked against plan/team.yml
    mkdocs: str | None = None  # mkdocs.yml as text (checked; None when absent): the look of the site
    interaction_counts: tuple[ManualCounts, ...] = ()  # data/interactions/manual/*.yml
    problems: tuple[Problem, ...] = ()
    #: The channel texts the checks rendered, by (post path, channel id): what ``channel_text``
    #: gives for them, kept so a publish run does not render every post a second time.
    texts: Mapping[tuple[str, str], ChannelText] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    def post_by_path(self) -> dict[str, Post]:
        return {p.path: p for p in self.posts}

    def live_posts(self, now: datetime) -> list[Post]:
        """Live posts, newest first (ties broken by path, so order is stable)."""
        live = [p for p in self.posts if p.is_live(now)]
        live.sort(key=lambda p: (p.publish_at, p.path), reverse=True)
        return live


# --- the plan as code -------------------------------------------------------------------

SLOT_STATES = ("planned", "drafted", "scheduled", "published", "missed")


@dataclass(frozen=True)
class Slot:
    """A planned post in ``calendar/YYYY-MM.yml``. Its state is derived, never typed."""

    path: str
    pos: Pos
    date: date
    type: str
    topic: str
    owner: str
    channels: tuple[str, ...] = ()
    post: str | None = None  # the slug of the post that fills it
    original: bool = True
    marks: Mapping[str, Pos] = field(default_factory=lambda: EMPTY)

    def mark(self, key: str) -> Pos:
        return self.marks.get(key, self.pos)

    @property
    def uid(self) -> str:
        """Stable across re-ordering the file (for calendar subscriptions)."""
        digest = hashlib.sha1(f"{self.date}|{self.topic}".encode(), usedforsecurity=False).hexdigest()
        return f"slot-{self.date:%Y%m%d}-{digest[:10]}"


@dataclass(frozen=True)
class Partner:
    id: str
    path: str
    name: str
    kind: str
    status: str
    since: date
    contact_role: str
    contact_channel: str
    last_contact: date
    cadence_days: int = 30
    url: str | None = None
    activities: tuple[str, ...] = ()
    next_meeting: date | None = None
    public: bool = True


@dataclass(frozen=True)
class Targets:
    """The plan's numbers (``plan/targets.yml``); the defaults are the plan's own."""

    posts_per_month: int = 10
    originals_per_month: int = 10
    reply_rate: float = 0.9
    satisfaction_change: float = 0.05
    strategy_changes_per_month: int = 1
    active_partners: int = 3
    ready_channels: int = 2
    response_hours: float = 24.0
    satisfaction_baseline: str | None = None  # a survey period: YYYY-Qn or YYYY-MM
    follower_growth: float = 0.02  # share of followers gained each month (social channels together)


SOCIAL_KINDS = frozenset({"mastodon", "bluesky", "manual", "facebook", "instagram", "threads"})


@dataclass(frozen=True)
class EmailSettings:
    """A ``kind: email`` channel: the mailing-list digest (``shelfpost digest``).

    The list server (Mailman 3, a Google Group...) keeps the subscribers; shelfpost
    sends one message per period to the list's posting address ``to``.
    """

    smtp_host: str
    smtp_port: int
    security: str  # starttls | ssl | none
    sender: str  # the From address (`from:` in plan/channels.yml)
    to: str
    period: str  # weekly | monthly
    weekday: int | None  # weekly: 0 = Monday
    monthday: int | None  # monthly: 1-28
    hour: int
    minute: int
    username_env: str | None = None
    password_env: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_email: str | None = None
    list_id: str | None = None
    subscribe_url: str | None = None
    events_days: int = 28


@dataclass(frozen=True)
class Channel:
    id: str
    kind: str
    name: str
    handle: str | None = None
    profile_url: str | None = None
    instance: str | None = None
    credentials: Mapping[str, str] = field(default_factory=dict)  # field -> ENV VAR NAME
    readiness: Mapping[str, bool] = field(default_factory=dict)
    max_characters: int | None = None  # Mastodon: the instance's limit (500 by default)
    url_length: int = 23  # Mastodon: characters_reserved_per_url
    service: str | None = None  # Bluesky: the PDS (https://bsky.social by default)
    repo: str | None = None  # manual channels: the GitHub repository for copy-ready issues
    account_id: str | None = None  # Facebook: the Page id; Instagram: the IG user id; Threads: the user id
    email: EmailSettings | None = None  # kind: email, the mailing-list digest
    metrics_columns: Mapping[str, str] = field(default_factory=dict)  # metrics import: field -> column

    @property
    def missing(self) -> tuple[str, ...]:
        """Readiness items not yet done."""
        return tuple(k for k, done in self.readiness.items() if not done)

    @property
    def ready(self) -> bool:
        return bool(self.readiness) and not self.missing

    @property
    def social(self) -> bool:
        return self.kind in SOCIAL_KINDS


@dataclass(frozen=True)
class Risk:
    id: str
    pos: Pos
    title: str
    impact: str
    likelihood: str
    owner: str
    response: str
    window_start: date
    window_end: date
    review_every_days: int
    last_review: date
    status: str = "open"
    marks: Mapping[str, Pos] = field(default_factory=lambda: EMPTY)

    def review_due(self) -> date:
        return self.last_review + timedelta(days=self.review_every_days)


@dataclass(frozen=True)
class BudgetLine:
    id: str
    label: str
    amount: float


@dataclass(frozen=True)
class Spend:
    """One payment against a budget line (plan/budget.yml ``spent``)."""

    date: date
    line: str
    amount: float
    note: str = ""


@dataclass(frozen=True)
class Budget:
    """The period's budget: its lines and what was spent, for pace warnings and reports."""

    currency: str
    start: date
    end: date
    lines: Mapping[str, BudgetLine]
    spending: tuple[Spend, ...] = ()

    def spent(self, line: str, until: date | None = None) -> float:
        return sum(s.amount for s in self.spending if s.line == line and (until is None or s.date <= until))


@dataclass(frozen=True)
class StrategyMetric:
    """The metric a strategy change cites (``metric:``), checked against data/metrics/."""

    name: str
    period: str
    channel: str | None = None
    value: float | None = None
    pos: Pos = Pos(1, 1)


@dataclass(frozen=True)
class StrategyChange:
    date: date
    change: str
    evidence: str
    owner: str
    verdict: str = "pending"
    verdict_note: str = ""
    pos: Pos = Pos(1, 1)
    marks: Mapping[str, Pos] = field(default_factory=lambda: EMPTY)
    metric: StrategyMetric | None = None


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    github: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ManualCounts:
    """A month's hand-entered inbox counts for one manual channel
    (``data/interactions/manual/YYYY-MM.yml``)."""

    month: str  # YYYY-MM
    channel: str
    received: int
    answered: int
    excluded: int = 0
    median_hours: float | None = None
    path: str = ""
    pos: Pos = Pos(1, 1)


@dataclass(frozen=True)
class Plan:
    """Everything under ``plan/``; a file that is absent leaves its part empty."""

    targets: Targets = field(default_factory=Targets)
    channels: Mapping[str, Channel] = field(default_factory=dict)
    risks: tuple[Risk, ...] = ()
    budget: Budget | None = None
    strategy: tuple[StrategyChange, ...] = ()
    team: Mapping[str, Member] = field(default_factory=dict)
    present: frozenset[str] = frozenset()  # which plan files exist
