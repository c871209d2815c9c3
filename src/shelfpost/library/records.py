"""Publication records: what runs write back, one small file per post.

``data/published/<slug>.yml`` holds, per channel, the state of syndication (the
intent is written *before* any call to a platform), and the audit trail of who
wrote and who approved the post. One file per post means an editor's change and a
publish run never touch the same file. Sections this module does not know are
kept as they are, so later issues can add their own.

Nothing a member of the public wrote is ever stored here: only ids, URLs, times
and the library's own GitHub user names.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from shelfpost.library.atomic import write_atomically

if TYPE_CHECKING:
    from shelfpost.library.filecache import FileCache

try:  # libyaml's parser reads records 5-10x faster; the values are the same (Python resolver)
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

RECORDS_DIR = "data/published"

#: The life of one post on one channel. ``intent`` is written before the call;
#: ``unknown`` means the call may have landed (a time-out, a 5xx, a crash) and
#: must be reconciled on the platform before any new try.
STATES = ("intent", "unknown", "published", "failed", "pending-manual", "deleted", "withdrawn")


@dataclass(frozen=True)
class ChannelRecord:
    state: str
    key: str  # the idempotency key, deterministic per post and channel
    remote_id: str | None = None
    url: str | None = None
    at: str | None = None  # ISO 8601, when the state was set
    attempts: int = 0
    error: str | None = None
    rkey: str | None = None  # Bluesky: the record key chosen up front
    edited_at: str | None = None
    digest: str | None = None  # hash of the text that was sent (to notice edits)
    container: str | None = None  # Instagram, Threads: the media container, recorded before publishing

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != 0 or k in ("state", "key")}


@dataclass(frozen=True)
class AuditRecord:
    """Who wrote a post and who approved it, found from the merge commit's pull request."""

    author: str | None = None
    approvers: tuple[str, ...] = ()
    pull_request: int | None = None
    merge_commit: str | None = None
    recorded_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "author": self.author,
            "approvers": list(self.approvers),
            "pull_request": self.pull_request,
            "merge_commit": self.merge_commit,
            "recorded_at": self.recorded_at,
        }
        return {k: v for k, v in data.items() if v not in (None, [])}


@dataclass(frozen=True)
class PostRecord:
    slug: str
    path: str = ""
    channels: Mapping[str, ChannelRecord] = field(default_factory=dict)
    audit: AuditRecord | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # sections of later issues, kept as-is

    def with_channel(self, channel: str, record: ChannelRecord) -> PostRecord:
        return replace(self, channels={**self.channels, channel: record})

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"post": self.slug, "path": self.path}
        data["channels"] = {cid: rec.to_dict() for cid, rec in sorted(self.channels.items())}
        if self.audit is not None:
            data["audit"] = self.audit.to_dict()
        data.update(self.extra)
        return data


def record_path(root: Path, slug: str) -> Path:
    return root / RECORDS_DIR / f"{slug}.yml"


def load_record(root: Path, slug: str) -> PostRecord:
    """The record of one post (an empty one if it has none yet)."""
    path = record_path(root, slug)
    if not path.is_file():
        return PostRecord(slug)
    return parse_record(path.read_text(encoding="utf-8"), slug, path)


def parse_record(text: str, slug: str, path: Path) -> PostRecord:
    """A record from its file's text (``path`` names it in an error)."""
    data = yaml.load(text, Loader=_Loader) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a publication record must be a mapping")
    channels = {
        cid: ChannelRecord(
            **{k: v for k, v in (rec or {}).items() if k in ChannelRecord.__dataclass_fields__}
        )
        for cid, rec in (data.get("channels") or {}).items()
    }
    audit = None
    if isinstance(data.get("audit"), dict):
        a = data["audit"]
        audit = AuditRecord(
            a.get("author"),
            tuple(a.get("approvers") or ()),
            a.get("pull_request"),
            a.get("merge_commit"),
            a.get("recorded_at"),
        )
    extra = {k: v for k, v in data.items() if k not in ("post", "path", "channels", "audit")}
    return PostRecord(str(data.get("post") or slug), str(data.get("path") or ""), channels, audit, extra)


class RecordReader:
    """Each post's record read at most once per run, and parsed only when its bytes changed.

    ``reader(slug)`` is :func:`load_record`'s answer. With a ``cache`` (a
    :class:`~shelfpost.library.filecache.FileCache` of its own folder) a record whose
    ``lstat`` is unchanged since the last run is taken from it without being read (a
    10,000-post publish run parsed 10,000 YAML files). A record the run rewrites must be
    :meth:`forget` -ten, so a later look reads the new file.
    """

    def __init__(self, root: Path, cache: FileCache | None = None) -> None:
        self.root, self.cache = root, cache
        self._root = str(root)
        self._memo: dict[str, PostRecord] = {}

    def __call__(self, slug: str) -> PostRecord:
        found = self._memo.get(slug)
        if found is None:
            found = self._memo[slug] = self._read(slug)
        return found

    def _read(self, slug: str) -> PostRecord:
        if self.cache is None:
            return load_record(self.root, slug)
        rel = f"{RECORDS_DIR}/{slug}.yml"
        name = os.path.join(self._root, rel)  # a str: pathlib was a third of reading 10,000
        try:
            st = os.stat(name)
        except OSError:
            return PostRecord(slug)
        if not stat.S_ISREG(st.st_mode):
            return PostRecord(slug)
        raw = None
        digest = self.cache.known_digest(rel, st)
        if digest is None:
            raw, digest = self.cache.read(rel, Path(name), st)
        key = self.cache.digest_key(rel, digest)
        hit = self.cache.get(rel, key)
        if isinstance(hit, PostRecord):
            return hit
        if raw is None:
            raw, digest = self.cache.read(rel, Path(name), st)
            key = self.cache.digest_key(rel, digest)
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text reads it
        record = parse_record(text, slug, Path(name))
        self.cache.put(rel, key, record)
        return record

    def forget(self, slug: str) -> None:
        self._memo.pop(slug, None)

    def save(self) -> None:
        """Keep what was read for the next run (the cache's files)."""
        if self.cache is not None:
            self.cache.save()


def load_records(root: Path) -> dict[str, PostRecord]:
    folder = root / RECORDS_DIR
    if not folder.is_dir():
        return {}
    return {p.stem: load_record(root, p.stem) for p in sorted(folder.glob("*.yml"))}


def save_record(root: Path, record: PostRecord) -> Path:
    """Write atomically (a temp file renamed over the old one) and flush to disk.

    The intent must be on disk before the platform is called: a crash right after
    the call then leaves a record that says "maybe sent", never nothing.
    """
    path = record_path(root, record.slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by shelfpost publish: do not edit by hand.\n" + yaml.safe_dump(
        record.to_dict(), allow_unicode=True, sort_keys=False
    )
    return write_atomically(path, text)
