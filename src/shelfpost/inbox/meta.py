"""Read the comments on the library's Facebook and Instagram posts and the replies on its
Threads posts, with the library's answers, through the Graph APIs (python-facebook-api).

Meta has no notification feed an app can read for these, so the reader walks the
library's own posts of the last :data:`POSTS_DAYS` days before ``since`` (comments come
late to old posts, rarely after a month) and reads what is under each:

- Facebook (*Pages API > Comments*): ``GET /{post-id}/comments?filter=stream`` with
  ``from`` and ``parent``: a comment by the Page answers its ``parent``; any other is an item.
- Instagram (*IG Media > comments*, *IG Comment > replies*): top-level comments are items;
  a reply by the library's account answers the comment it is under.
- Threads (*Retrieve and Manage Replies*): ``GET /{media-id}/conversation`` with
  ``is_reply_owned_by_me`` and ``replied_to``: the library's own replies answer what they
  reply to; the others are items.

Only ids (hashed by :mod:`.sync`), kinds and times leave this module: never a name, a
handle or a text (``from`` is asked for its id alone). Messenger and Instagram direct
messages need Meta's messaging permissions and App Review: not read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from pyfacebook import GraphAPI, ThreadsGraphAPI
from pyfacebook.exceptions import FacebookError, LibraryError

from shelfpost.inbox.sync import Answer, Batch, RateLimited, Seen, SyncError
from shelfpost.library.model import Channel

POSTS_DAYS = 30
PAGES = 20  # pages of 50 per listing at most
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}


def _when(value: Any) -> datetime:
    text = str(value).replace("+0000", "+00:00").replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class MetaReader:
    """One Facebook Page, Instagram account or Threads profile (``channel.kind``)."""

    def __init__(
        self, channel: Channel, token: str, token_name: str, *, api: Any = None, timeout: int = 30
    ) -> None:
        if not channel.account_id:
            raise SyncError("no account id", "set account_id: in plan/channels.yml")
        self.kind, self.account, self.token_name = channel.kind, channel.account_id, token_name
        self.platform = f"{channel.kind}:{channel.account_id}"
        threads = channel.kind == "threads"
        default = "https://graph.threads.net/" if threads else "https://graph.facebook.com/"
        cls = ThreadsGraphAPI if threads else GraphAPI
        self.api = api or cls(
            access_token=token,
            version="v1.0" if threads else "v24.0",
            base_url=(channel.service or default).rstrip("/") + "/",
            timeout=timeout,
            sleep_on_rate_limit=False,
        )

    def _call(self, what: str, func: Callable[[], Any]) -> Any:
        try:
            return func()
        except FacebookError as exc:
            code = int(getattr(exc, "code", 0) or 0)
            if code in RATE_LIMIT_CODES:
                raise RateLimited() from None
            if code == 190:
                raise SyncError(
                    "token refused (190)", f"make a new token and store it in {self.token_name}"
                ) from None
            if code == 10 or 200 <= code < 300:
                raise SyncError(
                    f"permission missing ({code})", "the README lists the inbox permissions"
                ) from None
            raise SyncError(f"Graph API error ({code})", f"while {what}; the next run tries again") from None
        except (LibraryError, requests.RequestException):
            raise SyncError("server unreachable", f"while {what}; the next run tries again") from None

    def _list(self, what: str, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        params = {"limit": 50, **params}
        for _ in range(PAGES):
            page = self._call(what, lambda: self.api.get(path, dict(params)))
            yield from page.get("data") or ()
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not after or not paging.get("next"):
                return
            params["after"] = after

    def read(self, since: datetime, answers_since: datetime) -> Batch:
        batch = Batch()
        oldest = min(since, answers_since) - timedelta(days=POSTS_DAYS)
        edge, stamp = {"facebook": ("posts", "created_time"), "instagram": ("media", "timestamp")}.get(
            self.kind, ("threads", "timestamp")
        )
        posts = self._list(
            "reading the library's posts",
            f"{self.account}/{edge}",
            fields=f"id,{stamp}",
            since=int(oldest.timestamp()),
        )
        for post in posts:
            if self.kind == "facebook":
                self._facebook(str(post["id"]), since, answers_since, batch)
            elif self.kind == "instagram":
                self._instagram(str(post["id"]), since, answers_since, batch)
            else:
                self._threads(str(post["id"]), since, answers_since, batch)
        return batch

    def _keep(self, batch: Batch, item_id: str, at: datetime, since: datetime) -> None:
        if at >= since:
            batch.items.append(Seen(item_id, "reply", at))

    def _facebook(self, post: str, since: datetime, answers_since: datetime, batch: Batch) -> None:
        for c in self._list(
            "reading comments",
            f"{post}/comments",
            filter="stream",
            fields="id,created_time,from{id},parent{id}",
        ):
            at = _when(c["created_time"])
            parent = (c.get("parent") or {}).get("id")
            if str((c.get("from") or {}).get("id") or "") == self.account:
                if parent and at >= answers_since:
                    batch.answers.append(Answer(str(parent), at))
            else:
                self._keep(batch, str(c["id"]), at, since)

    def _instagram(self, media: str, since: datetime, answers_since: datetime, batch: Batch) -> None:
        for c in self._list("reading comments", f"{media}/comments", fields="id,timestamp,from{id}"):
            if str((c.get("from") or {}).get("id") or "") != self.account:
                self._keep(batch, str(c["id"]), _when(c["timestamp"]), since)
            for r in self._list("reading replies", f"{c['id']}/replies", fields="id,timestamp,from{id}"):
                at = _when(r["timestamp"])
                if str((r.get("from") or {}).get("id") or "") == self.account:
                    if at >= answers_since:
                        batch.answers.append(Answer(str(c["id"]), at))
                else:
                    self._keep(batch, str(r["id"]), at, since)

    def _threads(self, media: str, since: datetime, answers_since: datetime, batch: Batch) -> None:
        fields = "id,timestamp,is_reply_owned_by_me,replied_to"
        for r in self._list("reading replies", f"{media}/conversation", fields=fields):
            at = _when(r["timestamp"])
            if r.get("is_reply_owned_by_me"):
                to = (r.get("replied_to") or {}).get("id")
                if to and at >= answers_since:
                    batch.answers.append(Answer(str(to), at))
            else:
                self._keep(batch, str(r["id"]), at, since)
