"""A Bluesky account's counters with the atproto SDK: ``app.bsky.actor.getProfile``
(followersCount, followsCount, postsCount) and ``app.bsky.feed.getPosts``, 25 URIs a
call (the lexicon's limit): likeCount, repostCount, replyCount, quoteCount. Both are
served by the AppView behind the account's PDS. Who liked or reposted is never read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from atproto import Client
from atproto_client import exceptions as atp_errors

from shelfpost.metrics.sync import Account, Counts, SyncError

BATCH = 25  # app.bsky.feed.getPosts takes at most 25 URIs


class BlueskyCounts:
    def __init__(self, service: str, identifier: str, password: str, hint: str = "the credentials") -> None:
        self.client = Client(base_url=f"{service.rstrip('/')}/xrpc")
        self.identifier, self.password, self.hint = identifier, password, hint
        self.calls = 0  # getPosts calls made (the tests check the batching)

    def _login(self) -> Any:
        try:
            return self.client.login(self.identifier, self.password)
        except atp_errors.UnauthorizedError:
            raise SyncError("login refused (401)", f"check {self.hint}") from None
        except atp_errors.NetworkError:
            raise SyncError("server unreachable", "the next run tries again") from None

    def account(self) -> Account:
        profile = self._login()
        try:
            got = self.client.app.bsky.actor.get_profile({"actor": profile.did})
        except atp_errors.RequestException as exc:
            raise SyncError(f"server error ({getattr(exc.response, 'status_code', '?')})") from None
        return Account(int(got.followers_count or 0), int(got.follows_count or 0), int(got.posts_count or 0))

    def counts(self, ids: Sequence[str]) -> Mapping[str, Counts]:
        out: dict[str, Counts] = {}
        for start in range(0, len(ids), BATCH):
            uris = list(ids[start : start + BATCH])
            try:
                got = self.client.app.bsky.feed.get_posts({"uris": uris})
            except atp_errors.RequestException as exc:
                raise SyncError(f"server error ({getattr(exc.response, 'status_code', '?')})") from None
            self.calls += 1
            for post in got.posts:  # a deleted post is simply absent
                out[post.uri] = Counts(
                    int(post.like_count or 0),
                    int(post.repost_count or 0),
                    int(post.reply_count or 0),
                    int(post.quote_count or 0),
                )
        return out
