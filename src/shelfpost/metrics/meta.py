"""Counters of a Facebook Page, an Instagram account or a Threads profile (Graph APIs,
python-facebook-api). Only counts are read, never who reacted or commented.

- Facebook (*Page* node; *Pages API > Posts*; *Page Post Insights*): the Page's
  ``followers_count``; per post ``reactions`` and ``comments`` (``summary(total_count)``),
  ``shares``, and the insights ``post_impressions_unique`` (reach) and
  ``post_impressions`` (views). Needs ``read_insights`` for the insights.
- Instagram (*IG User*; *IG Media*; *IG Media Insights*): ``followers_count``,
  ``follows_count``, ``media_count``; per media ``like_count``, ``comments_count`` and the
  insights ``reach``, ``views``, ``shares``.
- Threads (*Insights*): the profile's ``followers_count``; per thread ``views``,
  ``likes``, ``replies``, ``reposts``, ``quotes``, ``shares``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import requests
from pyfacebook import GraphAPI, ThreadsGraphAPI
from pyfacebook.exceptions import FacebookError, LibraryError

from shelfpost.library.model import Channel
from shelfpost.metrics.sync import Account, Counts, SyncError


def _insights(data: Mapping[str, Any]) -> dict[str, int]:
    """``{"data": [{"name": ..., "values": [{"value": N}]} or "total_value": {"value": N}]}`` as name -> N."""
    out: dict[str, int] = {}
    for metric in data.get("data") or ():
        value = (metric.get("total_value") or {}).get("value")
        if value is None and metric.get("values"):
            value = metric["values"][-1].get("value")
        if isinstance(value, int):
            out[str(metric.get("name"))] = value
    return out


class MetaCounts:
    def __init__(self, channel: Channel, token: str, token_name: str, *, timeout: int = 30) -> None:
        if not channel.account_id:
            raise SyncError("no account id", "set account_id: in plan/channels.yml")
        self.kind, self.account_id, self.token_name = channel.kind, channel.account_id, token_name
        threads = channel.kind == "threads"
        default = "https://graph.threads.net/" if threads else "https://graph.facebook.com/"
        self.api = (ThreadsGraphAPI if threads else GraphAPI)(
            access_token=token,
            version="v1.0" if threads else "v24.0",
            base_url=(channel.service or default).rstrip("/") + "/",
            timeout=timeout,
            sleep_on_rate_limit=False,
        )

    def _get(self, what: str, path: str, **params: Any) -> dict[str, Any]:
        call: Callable[[], dict[str, Any]] = lambda: self.api.get(path, params)  # noqa: E731
        try:
            return call()
        except FacebookError as exc:
            code = int(getattr(exc, "code", 0) or 0)
            if code == 190:
                raise SyncError(
                    "token refused (190)", f"make a new token and store it in {self.token_name}"
                ) from None
            if code in (4, 17, 32, 613, 80001):
                raise SyncError("rate limited", "the next run reads the counters again") from None
            if code == 100 and "does not exist" in str(getattr(exc, "message", "")):
                raise KeyError(path) from None
            raise SyncError(f"Graph API error ({code})", f"while {what}; the next run tries again") from None
        except (LibraryError, requests.RequestException):
            raise SyncError("server unreachable", f"while {what}; the next run tries again") from None

    def account(self) -> Account:
        if self.kind == "threads":
            got = _insights(
                self._get(
                    "reading the profile", f"{self.account_id}/threads_insights", metric="followers_count"
                )
            )
            return Account(got.get("followers_count", 0))
        if self.kind == "instagram":
            me = self._get(
                "reading the account", self.account_id, fields="followers_count,follows_count,media_count"
            )
            return Account(int(me["followers_count"]), me.get("follows_count"), me.get("media_count"))
        page = self._get("reading the Page", self.account_id, fields="followers_count")
        return Account(int(page["followers_count"]))

    def counts(self, ids: Sequence[str]) -> Mapping[str, Counts]:
        out: dict[str, Counts] = {}
        for oid in ids:
            try:
                out[oid] = self._one(oid)
            except KeyError:
                continue  # deleted since it was published
        return out

    def _one(self, oid: str) -> Counts:
        if self.kind == "threads":
            got = _insights(
                self._get(
                    "reading a thread's insights",
                    f"{oid}/insights",
                    metric="views,likes,replies,reposts,quotes,shares",
                )
            )
            return Counts(
                got.get("likes", 0),
                got.get("reposts", 0) + got.get("shares", 0),
                got.get("replies", 0),
                got.get("quotes"),
                views=got.get("views"),
            )
        if self.kind == "instagram":
            media = self._get("reading a post", oid, fields="like_count,comments_count")
            got = _insights(
                self._get("reading a post's insights", f"{oid}/insights", metric="reach,views,shares")
            )
            return Counts(
                int(media.get("like_count") or 0),
                got.get("shares", 0),
                int(media.get("comments_count") or 0),
                reach=got.get("reach"),
                views=got.get("views"),
            )
        post = self._get(
            "reading a post",
            oid,
            fields="reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares",
        )
        got = _insights(
            self._get(
                "reading a post's insights",
                f"{oid}/insights",
                metric="post_impressions_unique,post_impressions",
            )
        )
        return Counts(
            int(((post.get("reactions") or {}).get("summary") or {}).get("total_count") or 0),
            int((post.get("shares") or {}).get("count") or 0),
            int(((post.get("comments") or {}).get("summary") or {}).get("total_count") or 0),
            reach=got.get("post_impressions_unique"),
            views=got.get("post_impressions"),
        )
