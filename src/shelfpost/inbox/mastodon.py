"""Read a Mastodon account's inbox with Mastodon.py.

Items: grouped notifications (``/api/v2/notifications``, Mastodon 4.3+) of type
``mention`` and ``quote`` with ``include_filtered=true`` (notification policies
otherwise hide strangers' and new accounts' mentions), newest first with
``max_id`` down to the checkpoint. A mention whose status is ``direct`` is a
private message; one that replies to the library's own status is a reply.

Answers: the library's own statuses since the oldest open item; each answers the
status it replies to (``in_reply_to_id``), and a private message of the library's
answers every earlier message of the conversation (its ancestors).

Nothing read here is written anywhere but as a keyed hash (see :mod:`.sync`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import mastodon as mastodon_py
import requests

from shelfpost.inbox.sync import Answer, Batch, RateLimited, Seen, SyncError

PAGE = 40  # Mastodon's largest page for notifications and statuses
TYPES = ("mention", "quote")
#: Conversations a run reads at most (``status_context``, one call each), newest first.
#: Mastodon allows 300 calls per 5 minutes per account, and a run reads the library's
#: statuses back to its oldest open item (up to 62 days): a library that answers a few
#: private messages a day would otherwise read more conversations than that in every run,
#: and every run would stop at the same 429. The older conversations were read by the runs
#: before (each reads the newest first); only a run after more than this many private
#: answers since the last one leaves some earlier messages of their conversations open
#: (the message each answer replies to still counts, from ``in_reply_to_id``).
CONVERSATIONS = 100


def _aware(moment: Any) -> datetime:
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class MastodonReader:
    """One Mastodon account (``instance`` + ``token``); ``client`` lets tests pass their own."""

    def __init__(
        self,
        instance: str,
        token: str,
        token_name: str = "the access token variable",  # noqa: S107 - a variable NAME
        timeout: float = 30.0,
        client: Any = None,
    ) -> None:
        self.platform = f"mastodon:{urlsplit(instance).netloc or instance}"
        self._conversations = CONVERSATIONS  # left in this read (see CONVERSATIONS)
        self.token_name = token_name
        self.api = client or mastodon_py.Mastodon(
            access_token=token,
            api_base_url=instance,
            ratelimit_method="throw",
            version_check_mode="none",
            request_timeout=timeout,
            session=requests.Session(),
        )

    def _call(self, what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except mastodon_py.MastodonRatelimitError:
            raise RateLimited() from None
        except mastodon_py.MastodonUnauthorizedError:
            raise SyncError("login refused (401)", f"check the access token in {self.token_name}") from None
        except mastodon_py.MastodonNetworkError:
            raise SyncError("server unreachable", f"while {what}; the next run tries again") from None
        except mastodon_py.MastodonAPIError as exc:
            code = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else "?"
            raise SyncError(f"server error ({code})", f"while {what}; the next run tries again") from None

    def read(self, since: datetime, answers_since: datetime) -> Batch:
        me = self._call("reading the account", self.api.account_verify_credentials)
        my_id = str(me["id"])
        batch = Batch()
        self._items(my_id, since, batch)
        self._conversations = CONVERSATIONS
        self._answers(my_id, answers_since, batch)
        return batch

    def _items(self, my_id: str, since: datetime, batch: Batch) -> None:
        max_id: str | None = None
        while True:
            page = self._call(
                "reading notifications",
                self.api.grouped_notifications,
                max_id=max_id,
                limit=PAGE,
                types=list(TYPES),
                include_filtered=True,
                expand_accounts="partial_avatars",
            )
            groups = list(page.get("notification_groups") or [])
            if not groups:
                return
            statuses = {str(s["id"]): s for s in page.get("statuses") or []}
            reached = False
            for group in groups:
                when = _aware(group["latest_page_notification_at"])
                if when < since:
                    reached = True
                    continue
                status = statuses.get(str(group.get("status_id")))
                if group["type"] not in TYPES or status is None:
                    batch.skipped += 1  # a type we do not count, or a status deleted since
                    continue
                kind = self._kind(group["type"], status, my_id)
                batch.items.append(
                    Seen(str(status["id"]), kind, when, status.get("url") or status.get("uri"))
                )
            oldest = min(int(g["page_min_id"]) for g in groups)
            if reached or len(groups) < PAGE:
                return
            max_id = str(oldest)

    @staticmethod
    def _kind(kind: str, status: Any, my_id: str) -> str:
        if kind == "quote":
            return "quote"
        if status.get("visibility") == "direct":
            return "direct"
        if str(status.get("in_reply_to_account_id") or "") == my_id:
            return "reply"
        return "mention"

    def _answers(self, my_id: str, since: datetime, batch: Batch) -> None:
        max_id: str | None = None
        while True:
            page = self._call(
                "reading the library's statuses",
                self.api.account_statuses,
                my_id,
                max_id=max_id,
                limit=PAGE,
                exclude_reblogs=True,
            )
            if not page:
                return
            for status in page:
                at = _aware(status["created_at"])
                if at < since:
                    return
                self._answer(status, at, my_id, batch)
            if len(page) < PAGE:
                return
            max_id = str(page[-1]["id"])

    def _answer(self, status: Any, at: datetime, my_id: str, batch: Batch) -> None:
        if status.get("in_reply_to_id"):
            batch.answers.append(Answer(str(status["in_reply_to_id"]), at))
        if status.get("visibility") != "direct" or self._conversations <= 0:
            return
        self._conversations -= 1
        # A private message of the library's answers every earlier message of the conversation.
        context = self._call("reading a conversation", self.api.status_context, status["id"])
        earlier: Iterable[Any] = context.get("ancestors") or []
        for other in earlier:
            if str(other["account"]["id"]) != my_id:
                batch.answers.append(Answer(str(other["id"]), at))
