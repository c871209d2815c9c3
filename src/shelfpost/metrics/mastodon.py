"""A Mastodon account's counters with Mastodon.py: ``verify_credentials`` for the
account (followers_count, following_count, statuses_count), ``status`` for each of
the library's statuses (favourites_count, reblogs_count, replies_count, and
quotes_count where the server has quotes). Who favourited or boosted is never read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mastodon as mastodon_py
import requests

from shelfpost.metrics.sync import Account, Counts, SyncError


class MastodonCounts:
    def __init__(
        self,
        instance: str,
        token: str,
        token_name: str = "the token variable",  # noqa: S107 - a NAME
        timeout: float = 30.0,
    ) -> None:
        self.token_name = token_name
        self.api = mastodon_py.Mastodon(
            access_token=token,
            api_base_url=instance,
            ratelimit_method="throw",
            version_check_mode="none",
            request_timeout=timeout,
            session=requests.Session(),
        )

    def _call(self, what: str, func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except mastodon_py.MastodonRatelimitError:
            raise SyncError("rate limited (429)", "the next run reads the counters again") from None
        except mastodon_py.MastodonUnauthorizedError:
            raise SyncError("login refused (401)", f"check the access token in {self.token_name}") from None
        except mastodon_py.MastodonNetworkError:
            raise SyncError("server unreachable", f"while {what}; the next run tries again") from None

    def account(self) -> Account:
        me = self._call("reading the account", self.api.account_verify_credentials)
        return Account(int(me["followers_count"]), int(me["following_count"]), int(me["statuses_count"]))

    def counts(self, ids: Sequence[str]) -> Mapping[str, Counts]:
        out: dict[str, Counts] = {}
        for sid in ids:
            try:
                status = self._call("reading a status", self.api.status, sid)
            except mastodon_py.MastodonNotFoundError:
                continue  # deleted since it was published
            quotes = status.get("quotes_count")
            out[sid] = Counts(
                int(status["favourites_count"]),
                int(status["reblogs_count"]),
                int(status["replies_count"]),
                int(quotes) if quotes is not None else None,
            )
        return out
