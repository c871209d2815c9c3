"""The channel interface every platform adapter implements, and what they share.

An adapter turns one :class:`Item` (a post's text, images and keys for one
channel) into a remote post. It never decides *whether* to post: the run in
:mod:`shelfpost.publish.run` does, around the records. Adapters raise
:class:`PlatformError` with a :class:`Failure` kind, so the run can tell "not
sent, try again later" from "maybe sent: look before trying again".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Protocol

from shelfpost.library.channeltext import Facet
from shelfpost.library.model import Channel, Post

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


class Failure(Enum):
    """What a failed call means for exactly-once."""

    RETRYABLE = "retryable"  # not created (e.g. 503 before processing, connection refused): try again
    UNKNOWN = "unknown"  # may have been created (time-out, 5xx, 200 without id): look first
    RATE_LIMITED = "rate-limited"  # not created; wait `retry_after` seconds
    PERMANENT = "permanent"  # not created and will not be until a person fixes something (401, 403, 422)


class PlatformError(Exception):
    def __init__(self, failure: Failure, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Image:
    path: Path
    alt: str


@dataclass(frozen=True)
class Item:
    """One post for one channel, with everything an adapter needs and nothing it must look up."""

    post: Post
    channel: Channel
    text: str  # exactly what is sent: :func:`shelfpost.library.channeltext.channel_text`
    url: str  # the post's page on the site
    key: str  # idempotency key: the same for every try of this post on this channel
    rkey: str  # Bluesky record key, chosen before the first try
    created_at: datetime
    images: tuple[Image, ...] = ()
    image_urls: tuple[str, ...] = ()  # the same images on the site (for people copying by hand)
    lang: str | None = None
    title: str = ""
    summary: str = ""
    facets: tuple[Facet, ...] = ()  # Bluesky: links and hashtags of ``text``, UTF-8 byte offsets
    written: str = ""  # the text as the template or ``texts`` wrote it, before the channel's finishing
    #: What earlier tries left in the record for this item (Instagram, Threads: ``container``).
    progress: Mapping[str, str] = field(default_factory=dict)
    #: Writes a step to the record before the next call (the container id before publishing).
    checkpoint: Callable[[str, str], None] | None = field(default=None, compare=False)

    @property
    def digest(self) -> str:
        """Identifies the text and images sent, so a later edit can be noticed.

        Taken over the text as written (before the channel's finishing), so a change in
        how shelfpost finishes a text (a link shown short) is not taken for an edit.
        """
        return text_digest(self.written or self.text, ((i.path.name, i.alt) for i in self.images))


def text_digest(written: str, images: Iterable[tuple[str, str]]) -> str:
    """:attr:`Item.digest` from the text as written and each image's (file name, alt text)."""
    parts = [written, *(f"{name}:{alt}" for name, alt in images)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Sent:
    remote_id: str
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What an adapter's ``create`` may use, passed down from the CLI.

    ``env`` is the process environment; only the variables a channel names in
    ``credentials`` are read from it (:meth:`secret`). ``state_dir`` holds what must
    not be in the repository (Bluesky sessions). ``clock`` is seconds since the
    epoch (to turn a rate limit's reset time into a wait); ``warn`` reaches the
    person running the command.
    """

    env: Mapping[str, str]
    state_dir: Path
    clock: Callable[[], float]
    warn: Callable[[str], None] = field(default=lambda message: None)

    def secret(self, channel: Channel, field_name: str) -> str:
        """The value of the environment variable ``credentials.<field_name>`` names."""
        name = channel.credentials.get(field_name)
        if not name:
            raise PlatformError(
                Failure.PERMANENT,
                f"{channel.id}: plan/channels.yml names no environment variable for credentials.{field_name}",
            )
        value = self.env.get(name)
        if not value:
            raise PlatformError(
                Failure.PERMANENT,
                f"{channel.id}: the environment variable {name} is not "
                "set (in GitHub: Settings > Secrets and variables > Actions)",
            )
        return value


class ChannelAdapter(Protocol):
    """post, find (reconcile), delete, edit: the small interface of a channel."""

    channel: Channel

    def post(self, item: Item) -> Sent:
        """Create the remote post; raise :class:`PlatformError` when it fails."""

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        """Look on the account: did an earlier try of ``item`` land? ``None`` if not."""

    def delete(self, remote_id: str) -> None:
        """Remove a remote post (withdrawal)."""

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        """Apply an edit; ``None`` when the platform cannot edit posts."""


def idempotency_key(site_url: str, slug: str, channel_id: str) -> str:
    """Deterministic per post and channel, so every try of one post carries the same key."""
    return hashlib.sha256(f"shelfpost|{site_url}|{slug}|{channel_id}".encode()).hexdigest()[:32]


def tid(moment: datetime, seed: str) -> str:
    """An atproto TID (13 characters, base32-sortable) fixed by the post and channel.

    Microseconds since the epoch in the top 53 bits and a 10-bit clock id from
    ``seed``: a valid record key that is the same on every try, so a retry cannot
    create a second record and ``getRecord`` tells whether the first try landed.
    """
    micros = int(moment.timestamp() * 1_000_000) & ((1 << 53) - 1)
    clock = int(hashlib.sha256(seed.encode()).hexdigest(), 16) & 0x3FF
    value = (micros << 10) | clock
    out = []
    for _ in range(13):
        out.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))
