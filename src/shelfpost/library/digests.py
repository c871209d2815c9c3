"""Digest records: what ``shelfpost digest`` writes back, one small file per digest.

``data/digests/<id>.yml`` (``<id>`` is the channel and the local day the period
ended, e.g. ``newsletter-2026-12-04``) holds the period, the Message-ID, which
posts and events the message carried (slugs only) and the state of the send. The
intent is written and flushed *before* the SMTP server is called, and again
(``sending``) just before the message itself goes, so a crash leaves a record that
says how far it got. Nothing about subscribers is ever stored: the list server
keeps them. The site's digest archive reads these records too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from shelfpost.library.atomic import write_atomically

DIGESTS_DIR = "data/digests"

#: ``intent``: written before connecting, nothing was sent (safe to try again);
#: ``sending``: the message was being handed over (a crash here is an unknown outcome);
#: ``sent``: the server said 250 (or a person confirmed it arrived);
#: ``failed``: a temporary failure (4xx, no connection) before the message went: the next run tries again;
#: ``rejected``: the server refused it (5xx): fix the cause, then ``--resend``;
#: ``unknown``: the connection dropped after the message was handed over: check the list's
#: archive, then ``--confirm`` or ``--resend``.
STATES = ("intent", "sending", "sent", "failed", "rejected", "unknown")
#: The states whose posts count as carried: a later digest never repeats them.
CARRIED = frozenset({"sending", "sent", "unknown"})


@dataclass(frozen=True)
class DigestRecord:
    id: str
    channel: str
    state: str
    period_start: datetime
    period_end: datetime
    message_id: str
    subject: str = ""
    date: str = ""  # the Date header, kept so every try sends the same message
    posts: tuple[str, ...] = ()  # slugs of the new posts it carried
    events: tuple[str, ...] = ()  # slugs of the coming events it listed
    attempts: int = 0
    at: str = ""  # ISO 8601 (UTC), when the state was set
    reply: str = ""  # the SMTP server's last answer, e.g. "250 2.0.0 Ok: queued"
    error: str = ""
    confirmed: str = ""  # set when a person confirmed (by hand) that it arrived
    history: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def with_state(self, state: str, at: datetime, **changes: Any) -> DigestRecord:
        stamp = iso(at)
        entry = {"at": stamp, "state": state}
        for key in ("reply", "error"):
            if changes.get(key):
                entry[key] = changes[key]
        return replace(self, state=state, at=stamp, history=(*self.history, entry), **changes)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "digest": self.id,
            "channel": self.channel,
            "state": self.state,
            "period_start": iso(self.period_start),
            "period_end": iso(self.period_end),
            "message_id": self.message_id,
            "subject": self.subject,
            "date": self.date,
            "posts": list(self.posts),
            "events": list(self.events),
            "attempts": self.attempts,
            "at": self.at,
            "reply": self.reply,
            "error": self.error,
            "confirmed": self.confirmed,
            "history": [dict(h) for h in self.history],
        }
        return {k: v for k, v in data.items() if v not in ("", None) or k in ("digest", "state")}


def iso(moment: datetime) -> str:
    from datetime import UTC

    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def digest_path(root: Path, digest_id: str) -> Path:
    return root / DIGESTS_DIR / f"{digest_id}.yml"


class BadRecord(ValueError):
    """A digest record that cannot be read (hand-edited, truncated): named, never guessed at."""


def load_digest(path: Path) -> DigestRecord:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return DigestRecord(
            id=str(data["digest"]),
            channel=str(data["channel"]),
            state=str(data["state"]),
            period_start=_moment(data["period_start"]),
            period_end=_moment(data["period_end"]),
            message_id=str(data["message_id"]),
            subject=str(data.get("subject") or ""),
            date=str(data.get("date") or ""),
            posts=tuple(str(s) for s in data.get("posts") or ()),
            events=tuple(str(s) for s in data.get("events") or ()),
            attempts=int(data.get("attempts") or 0),
            at=str(data.get("at") or ""),
            reply=str(data.get("reply") or ""),
            error=str(data.get("error") or ""),
            confirmed=str(data.get("confirmed") or ""),
            history=tuple(dict(h) for h in data.get("history") or ()),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadRecord(f"{path.name}: not a readable digest record ({type(exc).__name__}: {exc})") from None


def load_digests(root: Path) -> list[DigestRecord]:
    """Every digest record, oldest period first; unreadable ones raise :class:`BadRecord`."""
    folder = root / DIGESTS_DIR
    if not folder.is_dir():
        return []
    records = [load_digest(p) for p in sorted(folder.glob("*.yml"))]
    return sorted(records, key=lambda r: (r.period_end, r.id))


def save_digest(root: Path, record: DigestRecord) -> Path:
    """Written atomically and flushed to disk: the intent is on disk before the server is called."""
    text = (
        "# Written by shelfpost digest: do not edit by hand (use --confirm or --resend).\n"
        + yaml.safe_dump(record.to_dict(), allow_unicode=True, sort_keys=False)
    )
    return write_atomically(digest_path(root, record.id), text)
