"""Read a Bluesky account's inbox with the atproto SDK.

Items: ``app.bsky.notification.listNotifications`` with reasons reply, mention
and quote (served by the AppView behind the account's PDS). It has no ``since``:
pages are read newest first until one reaches the checkpoint.

Answers: the library's own posts (``com.atproto.repo.listRecords``, newest
first); a post whose ``reply.parent.uri`` is an item answers it.

Direct messages go through Bluesky's separate chat service and are not read (see
the README). The login session is the publish run's, kept in the state folder
(Bluesky allows about 30 logins per 5 minutes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from atproto import Client, models
from atproto_client import exceptions as atp_errors

from shelfpost.inbox.sync import Answer, Batch, RateLimited, Seen, SyncError

PAGE = 100
REASONS = {"reply": "reply", "mention": "mention", "quote": "quote"}
PRIORITY = ("reply", "quote", "mention")  # one post that both replies and mentions is a reply


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class BlueskyReader:
    def __init__(
        self,
        service: str,
        identifier: str,
        password: str,
        credentials_hint: str = "the handle and app password",
        session: str | None = None,
        save_session: Callable[[str], None] | None = None,
    ) -> None:
        self.platform = "bluesky"  # at:// URIs are global
        self.client = Client(base_url=service.rstrip("/") + "/xrpc")
        self.identifier, self.password = identifier, password
        self.hint = credentials_hint
        self.session, self.save_session = session, save_session
        self.did = ""

    def _call(self, what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except atp_errors.RateLimitExceededError:
            raise RateLimited() from None
        except atp_errors.UnauthorizedError:
            raise SyncError("login refused (401)", f"check {self.hint}") from None
        except (atp_errors.InvokeTimeoutError, atp_errors.NetworkError):
            raise SyncError("server unreachable", f"while {what}; the next run tries again") from None
        except atp_errors.RequestException as exc:
            status = getattr(getattr(exc, "response", None), "status_code", "?")
            raise SyncError(f"server error ({status})", f"while {what}; the next run tries again") from None
        except atp_errors.AtProtocolError:
            raise SyncError("unexpected answer", f"while {what}; the next run tries again") from None

    def _login(self) -> None:
        if self.session:
            try:
                self.client.login(session_string=self.session, fetch_bsky_profile=False)
            except atp_errors.AtProtocolError:
                self.session = None
        if not self.session:
            self._call(
                "logging in", self.client.login, self.identifier, self.password, fetch_bsky_profile=False
            )
        session = self.client._session  # noqa: SLF001 - the SDK exposes no public getter
        self.did = str(session.did) if session else ""
        if self.save_session is not None:
            self.save_session(self.client.export_session_string())

    def read(self, since: datetime, answers_since: datetime) -> Batch:
        self._login()
        batch = Batch()
        self._items(since, batch)
        self._answers(answers_since, batch)
        return batch

    def _items(self, since: datetime, batch: Batch) -> None:
        found: dict[str, Seen] = {}
        cursor: str | None = None
        while True:
            page = self._call(
                "reading notifications",
                self.client.app.bsky.notification.list_notifications,
                models.AppBskyNotificationListNotifications.Params(
                    limit=PAGE, cursor=cursor, reasons=list(REASONS)
                ),
            )
            reached = False
            for note in page.notifications:
                when = _aware(note.indexed_at)
                if when < since:
                    reached = True
                    continue
                kind = REASONS.get(note.reason)
                if kind is None or note.author.did == self.did:
                    batch.skipped += 1  # a reason we do not count (like, follow...) or our own
                    continue
                old = found.get(note.uri)
                if old is None or PRIORITY.index(kind) < PRIORITY.index(old.kind):
                    did, _, rkey = note.uri.removeprefix("at://").partition("/app.bsky.feed.post/")
                    url = f"https://bsky.app/profile/{did}/post/{rkey}" if rkey else None
                    found[note.uri] = Seen(note.uri, kind, min(when, old.received) if old else when, url)
            cursor = page.cursor
            if reached or not cursor or not page.notifications:
                break
        batch.items.extend(found.values())

    def _answers(self, since: datetime, batch: Batch) -> None:
        cursor: str | None = None
        while True:
            page = self._call(
                "reading the library's posts",
                self.client.com.atproto.repo.list_records,
                models.ComAtprotoRepoListRecords.Params(
                    repo=self.did, collection="app.bsky.feed.post", limit=PAGE, cursor=cursor
                ),
            )
            for record in page.records:
                value = record.value
                created = getattr(value, "created_at", None)
                if created is None:
                    continue
                at = _aware(created)
                if at < since:
                    return
                reply = getattr(value, "reply", None)
                if reply is not None:
                    batch.answers.append(Answer(str(reply.parent.uri), at))
            cursor = page.cursor
            if not cursor or not page.records:
                return
