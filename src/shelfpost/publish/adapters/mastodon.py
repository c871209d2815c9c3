"""Mastodon, through Mastodon.py.

Each status carries the post's ``Idempotency-Key``, so retries within Mastodon's
one-hour window return the first status instead of making a second. Beyond that
window (GitHub can run a schedule hours late) :meth:`find` looks for the post's
link among the account's recent statuses before any new try.

Mastodon.py is built with ``ratelimit_method="throw"``: by default it sleeps
until the limit resets, which could hold a publish run for minutes; here a 429
comes back to the run, which decides. ``version_check_mode="none"`` keeps it off
the instance endpoint on every media upload: when that endpoint fails, Mastodon.py
2.x recurses without end (its issue 450); a RecursionError is caught anyway.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import mastodon as mastodon_py
import requests

from shelfpost.library.model import Channel
from shelfpost.publish.channel import Context, Failure, Item, PlatformError, Sent

FIND_PAGES = 25  # pages of 40 statuses a look-up reads at most
RENEW_ADVICE = (
    "create a new access token with the scopes write:statuses and write:media and store it in "
    "the environment variable named in plan/channels.yml"
)


class MastodonAdapter:
    def __init__(
        self,
        channel: Channel,
        token: str,
        *,
        clock: Callable[[], float],
        timeout: float = 30.0,
        client: Any | None = None,
    ) -> None:
        if not channel.instance:
            raise PlatformError(
                Failure.PERMANENT,
                f"{channel.id}: set `instance:` (the server's address) in plan/channels.yml",
            )
        self.channel = channel
        self.clock = clock
        # Mastodon.py keeps no response headers on its errors: remember the last
        # response, to read Retry-After / X-RateLimit-Reset on a 429.
        self.last_headers: dict[str, str] = {}
        session = requests.Session()
        session.hooks["response"].append(self._remember)
        self.api = client or mastodon_py.Mastodon(
            session=session,
            access_token=token,
            api_base_url=channel.instance,
            ratelimit_method="throw",
            request_timeout=timeout,
            version_check_mode="none",
            user_agent="shelfpost",
        )
        self._account_id: str | None = None

    # --- errors ---------------------------------------------------------------------------
    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except mastodon_py.MastodonRatelimitError as exc:
            wait = retry_after(self.last_headers, self.clock())
            until = f", for {wait:.0f} s" if wait is not None else ""
            raise PlatformError(Failure.RATE_LIMITED, f"{what}: rate limited (429{until})", wait) from exc
        except mastodon_py.MastodonUnauthorizedError as exc:
            raise PlatformError(
                Failure.PERMANENT, f"{what}: the token was refused (401): {RENEW_ADVICE}"
            ) from exc
        except mastodon_py.MastodonNotFoundError as exc:
            raise PlatformError(Failure.PERMANENT, f"{what}: not found (404)") from exc
        except mastodon_py.MastodonServerError as exc:  # 5xx: the server may have done it
            raise PlatformError(Failure.UNKNOWN, f"{what}: the server answered {_status(exc)}") from exc
        except mastodon_py.MastodonNetworkError as exc:  # time-outs and dropped connections
            raise PlatformError(Failure.UNKNOWN, f"{what}: no answer ({_short(exc)})") from exc
        except mastodon_py.MastodonAPIError as exc:
            status = _status(exc)
            if status == 403:
                raise PlatformError(
                    Failure.PERMANENT,
                    f"{what}: forbidden (403): the token lacks a scope or "
                    f"the account is limited; {RENEW_ADVICE}",
                ) from exc
            if status == 422:
                raise PlatformError(
                    Failure.PERMANENT, f"{what}: the server refused the content (422): {_short(exc)}"
                ) from exc
            # Anything else (an HTML error page, unparsable JSON): we cannot know.
            raise PlatformError(Failure.UNKNOWN, f"{what}: unexpected answer ({_short(exc)})") from exc
        except RecursionError as exc:  # Mastodon.py issue 450, should the guard above ever fail
            raise PlatformError(
                Failure.UNKNOWN, f"{what}: the client library failed (RecursionError)"
            ) from exc

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = {k.lower(): v for k, v in response.headers.items()}

    # --- the interface ----------------------------------------------------------------------
    def post(self, item: Item) -> Sent:
        media_ids = []
        for image in item.images[:4]:
            mime = mimetypes.guess_type(image.path.name)[0] or "application/octet-stream"
            media = self._call(
                "media upload", self.api.media_post, str(image.path), mime_type=mime, description=image.alt
            )
            media_ids.append(media["id"])
        status = self._call(
            "post",
            self.api.status_post,
            item.text,
            media_ids=media_ids or None,
            language=(item.lang or "")[:2] or None,
            idempotency_key=item.key,
            visibility="public",
        )
        remote_id = _get(status, "id")
        if not remote_id:
            raise PlatformError(Failure.UNKNOWN, "post: the server answered without a status id")
        return Sent(str(remote_id), _get(status, "url"))

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        if remote_id:
            try:
                status = self._call("look up", self.api.status, remote_id)
                return Sent(str(_get(status, "id")), _get(status, "url"))
            except PlatformError as exc:
                if "404" not in exc.message:
                    raise
        if self._account_id is None:
            me = self._call("verify credentials", self.api.account_verify_credentials)
            self._account_id = str(_get(me, "id"))
        # Page back through the account's statuses (newest first) until they are older than
        # the post's time less an hour (no try of it can be older), so staff posts and
        # boosts made since a lost try cannot hide it.
        oldest = item.created_at - timedelta(hours=1)
        max_id: str | None = None
        for _ in range(FIND_PAGES):
            statuses = self._call(
                "recent statuses", self.api.account_statuses, self._account_id, max_id=max_id, limit=40
            )
            for status in statuses or ():
                if item.url in str(_get(status, "content") or ""):
                    return Sent(str(_get(status, "id")), _get(status, "url"))
            if not statuses:
                return None
            last = statuses[-1]
            created = _get(last, "created_at")
            if isinstance(created, str):
                created = datetime.fromisoformat(created.replace("Z", "+00:00"))
            if isinstance(created, datetime) and created < oldest:
                return None
            max_id = str(_get(last, "id"))
        raise PlatformError(
            Failure.RETRYABLE,
            f"look up: more than {FIND_PAGES * 40} statuses since the post's time; "
            "could not tell whether an earlier try landed",
        )

    def delete(self, remote_id: str) -> None:
        try:
            self._call("delete", self.api.status_delete, remote_id)
        except PlatformError as exc:
            if "404" not in exc.message:  # already gone is what we wanted
                raise

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        status = self._call("edit", self.api.status_update, remote_id, status=item.text)
        return Sent(str(_get(status, "id") or remote_id), _get(status, "url"))


def retry_after(headers: dict[str, str], now: float) -> float | None:
    """Seconds to wait: ``Retry-After`` (seconds or an HTTP date), else Mastodon's
    ``X-RateLimit-Reset`` (an ISO 8601 time)."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            return max(0.0, datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp() - now)
        except ValueError:
            return None
    return None


def _get(obj: Any, key: str) -> Any:
    try:
        return obj[key]
    except (KeyError, TypeError, IndexError):
        return getattr(obj, key, None)


def _status(exc: Exception) -> int | None:
    for arg in exc.args:
        if isinstance(arg, int):
            return arg
    return None


def _short(exc: Exception) -> str:
    text = " ".join(str(a) for a in exc.args if not isinstance(a, int))
    return text[:200]


def create(channel: Channel, context: Context) -> MastodonAdapter:
    """The registry's factory: the token from the variable ``credentials.access_token`` names."""
    return MastodonAdapter(channel, context.secret(channel, "access_token"), clock=context.clock)
