"""What the Meta adapters (Facebook, Instagram, Threads) share: the Graph API client and its errors.

Not an adapter: ``facebook``, ``instagram`` and ``threads`` import this module, never
each other. The client is python-facebook-api (``pyfacebook.GraphAPI``, which speaks
both graph.facebook.com and graph.threads.net), built with ``sleep_on_rate_limit=False``
so that a rate limit comes back to the run, which decides (the library would sleep).

Errors follow *Graph API > Handling Errors*: every error is ``{"error": {"code",
"error_subcode", "message", ...}}``, and :func:`failure` maps the code to what it means
for exactly-once. The container flow of Instagram and Threads (make, record its id,
wait for ``FINISHED``, publish once) is :class:`Containers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from pyfacebook import GraphAPI, ThreadsGraphAPI
from pyfacebook.exceptions import FacebookError, LibraryError

from shelfpost.library.model import Channel
from shelfpost.publish.channel import Failure, Item, PlatformError, Sent

FACEBOOK_URL = "https://graph.facebook.com/"
THREADS_URL = "https://graph.threads.net/"
FACEBOOK_VERSION = "v24.0"
THREADS_VERSION = "v1.0"
FIND_PAGES = 20  # pages of 50 a look-up reads at most
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001, 80002, 80004}  # app, user, Page, BUC limits
PERMISSION_CODES = {3, 10} | set(range(200, 300))
#: Instagram answers code 9 / subcode 2207042 when the 24-hour publishing limit is reached.
PUBLISHING_LIMIT_SUBCODE = 2207042
#: IG Media Publish: the container is not ready yet ("Media ID is not available").
NOT_READY = {(9007, 2207027)}


def advice(channel: Channel) -> str:
    """What to do when the token is refused: per platform, from the README's set-up steps."""
    variable = channel.credentials.get("access_token", "the variable")
    if channel.kind == "threads":
        return (
            "make a new long-lived Threads token (threads_basic, threads_content_publish; it lasts 60 days, "
            f"refresh it with GET /refresh_access_token before then) and store it in {variable}"
        )
    return (
        "make a new Page access token from a long-lived User token of a Page admin with a role on the app "
        "(GET /me/accounts; permissions in the README) and store it in "
        f"{variable}"
    )


def failure(channel: Channel, what: str, error: Mapping[str, Any]) -> PlatformError:
    """A Graph API error as a :class:`PlatformError` that says what to do."""
    code = int(error.get("code") or 0)
    sub = int(error.get("error_subcode") or 0)
    message = str(error.get("message") or "").strip()[:200]
    said = f"{what}: {channel.name} answered {code}{f'/{sub}' if sub else ''} ({message})"
    if code == 190 or code == 102:
        return PlatformError(Failure.PERMANENT, f"{said}: the token was refused; {advice(channel)}")
    if code in PERMISSION_CODES:
        return PlatformError(
            Failure.PERMANENT,
            f"{said}: a permission is missing; {advice(channel)} with the permissions the README lists",
        )
    if (code, sub) in NOT_READY:
        return PlatformError(Failure.RETRYABLE, f"{said}: the container is not ready yet")
    if code == 9 and sub == PUBLISHING_LIMIT_SUBCODE:
        return PlatformError(
            Failure.RATE_LIMITED, f"{said}: the 24-hour publishing limit is reached; a later run sends it"
        )
    if code in RATE_LIMIT_CODES:
        return PlatformError(Failure.RATE_LIMITED, f"{said}: rate limited; a later run tries again")
    if code == 368:
        return PlatformError(
            Failure.RATE_LIMITED,
            f"{said}: the account is temporarily blocked for policy reasons; a later run tries again "
            "(if it lasts, look at the account's notifications on Facebook)",
        )
    if code in (1, 2) or code >= 500:
        return PlatformError(Failure.UNKNOWN, f"{said}: a temporary problem at Meta")
    return PlatformError(Failure.PERMANENT, f"{said}: the request was refused")


class Graph:
    """One channel's Graph API: ``get``, ``post``, ``delete`` that end in data or a PlatformError."""

    def __init__(self, channel: Channel, token: str, *, timeout: int = 30, api: Any | None = None) -> None:
        if not channel.account_id:
            raise PlatformError(
                Failure.PERMANENT,
                f"{channel.id}: set `account_id:` in plan/channels.yml (the README says where to find it)",
            )
        self.channel = channel
        self.account = channel.account_id
        self.token = token
        threads = channel.kind == "threads"
        base = (channel.service or (THREADS_URL if threads else FACEBOOK_URL)).rstrip("/") + "/"
        cls = ThreadsGraphAPI if threads else GraphAPI
        self.api = api or cls(
            access_token=token,
            version=THREADS_VERSION if threads else FACEBOOK_VERSION,
            base_url=base,
            timeout=timeout,
            sleep_on_rate_limit=False,
        )

    def call(self, what: str, func: Callable[[], Any]) -> Any:
        try:
            return func()
        except FacebookError as exc:
            raise failure(self.channel, what, getattr(exc, "_data", {}).get("error", {})) from exc
        except LibraryError as exc:  # not JSON (an HTML error page), or a transport error
            raise PlatformError(
                Failure.UNKNOWN, f"{what}: unexpected answer ({getattr(exc, 'message', exc)})"
            ) from exc
        except requests.ConnectionError as exc:
            if isinstance(exc, requests.ConnectTimeout) or "Connection refused" in str(exc):
                raise PlatformError(Failure.RETRYABLE, f"{what}: could not connect") from exc
            raise PlatformError(
                Failure.UNKNOWN, f"{what}: the connection failed ({type(exc).__name__})"
            ) from exc
        except requests.Timeout as exc:
            raise PlatformError(Failure.UNKNOWN, f"{what}: no answer in time") from exc

    def get(self, what: str, path: str, **params: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.call(what, lambda: self.api.get(path, params))
        return data

    def post(self, what: str, path: str, **data: Any) -> dict[str, Any]:
        obj, _, edge = path.partition("/")
        out: dict[str, Any] = self.call(what, lambda: self.api.post_object(obj, edge or None, data=data))
        return out

    def delete(self, what: str, object_id: str) -> None:
        self.call(what, lambda: self.api.delete_object(object_id))

    def pages(self, what: str, edge: str, since: datetime, fields: str) -> Iterator[dict[str, Any]]:
        """The account's items on ``edge``, newest first, back to ``since`` (at most FIND_PAGES pages)."""
        params: dict[str, Any] = {"fields": fields, "since": int(since.timestamp()), "limit": 50}
        for _ in range(FIND_PAGES):
            page = self.get(what, f"{self.account}/{edge}", **params)
            yield from page.get("data") or ()
            after = ((page.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (page.get("paging") or {}).get("next"):
                return
            params["after"] = after
        raise PlatformError(
            Failure.RETRYABLE,
            f"{what}: more than {FIND_PAGES * 50} items since the post's time; could not tell whether "
            "an earlier try landed",
        )

    def token_expiry(self) -> tuple[datetime | None, datetime | None]:
        """``expires_at`` and ``data_access_expires_at`` of the token (``debug_token``); 0 = never."""
        data = self.get("token check", "debug_token", input_token=self.token).get("data") or {}
        if data.get("is_valid") is False:
            raise PlatformError(
                Failure.PERMANENT, f"token check: the token is not valid; {advice(self.channel)}"
            )

        def at(value: Any) -> datetime | None:
            return datetime.fromtimestamp(int(value), UTC) if value else None

        return at(data.get("expires_at")), at(data.get("data_access_expires_at"))


def look_back(item: Item) -> datetime:
    """No try of a post is older than its time less an hour."""
    return item.created_at - timedelta(hours=1)


@dataclass(frozen=True)
class Flavour:
    """Where Instagram and Threads differ in the container flow."""

    container_edge: str  # media | threads
    publish_edge: str  # media_publish | threads_publish
    limit_edge: str  # content_publishing_limit | threads_publishing_limit
    status_field: str  # status_code | status
    list_edge: str  # media | threads
    text_field: str  # caption | text
    name: str  # Instagram | Threads


class Containers:
    """Make a container, record its id, wait until ``FINISHED``, publish it once.

    - The publishing limit is read before anything is made: at the limit nothing is sent.
    - The container id goes to the record (``item.checkpoint``) before publishing, so a run
      killed between the two leaves it there; the next run reads its status: ``PUBLISHED``
      means an earlier try published it (look it up, never publish again), ``FINISHED`` is
      published, ``EXPIRED`` or ``ERROR`` makes a new one.
    - ``IN_PROGRESS`` raises a retryable error: the run waits (its back-off) and asks again.
    """

    def __init__(self, graph: Graph, flavour: Flavour) -> None:
        self.graph, self.flavour = graph, flavour
        self.made: dict[str, str] = {}  # item key -> container id, within this run

    def container_of(self, item: Item) -> str | None:
        return self.made.get(item.key) or item.progress.get("container")

    def status(self, container: str) -> str:
        data = self.graph.get("container status", container, fields=f"id,{self.flavour.status_field}")
        return str(data.get(self.flavour.status_field) or "")

    def quota(self) -> tuple[int, int]:
        data = self.graph.get(
            "publishing limit", f"{self.graph.account}/{self.flavour.limit_edge}", fields="quota_usage,config"
        )
        first = (data.get("data") or [{}])[0]
        total = int((first.get("config") or {}).get("quota_total") or 0)
        return int(first.get("quota_usage") or 0), total

    def publish(self, item: Item, params: dict[str, str], find: Callable[[Item], Sent | None]) -> Sent:
        name = self.flavour.name
        container = self.container_of(item)
        if container is not None:
            state = self.status(container)
            if state == "PUBLISHED":  # an earlier try published it: never again
                found = find(item)
                if found is None:
                    raise PlatformError(
                        Failure.UNKNOWN,
                        f"post: the container {container} was published but the post is not on the account yet",
                    )
                return found
            if state in ("EXPIRED", "ERROR"):
                container = None  # made again below, never published blind
            elif state == "IN_PROGRESS":
                raise PlatformError(Failure.RETRYABLE, f"post: the {name} container is still IN_PROGRESS")
            elif state != "FINISHED":
                raise PlatformError(
                    Failure.UNKNOWN, f"post: the container answered status {state or 'nothing'}"
                )
        used, total = self.quota()  # read before anything is made or published: never exceed it
        if total and used >= total:
            raise PlatformError(
                Failure.RATE_LIMITED,
                f"post: {name}'s publishing limit is reached ({used} of {total} in 24 hours); "
                "a later run sends it",
            )
        if container is None:
            made = self.graph.post(
                "make container", f"{self.graph.account}/{self.flavour.container_edge}", **params
            )
            container = str(made.get("id") or "")
            if not container:
                raise PlatformError(Failure.RETRYABLE, "make container: answered without an id")
            self.made[item.key] = container
            if item.checkpoint is not None:
                item.checkpoint("container", container)  # on disk before any publish
            state = self.status(container)
            if state == "IN_PROGRESS":
                raise PlatformError(Failure.RETRYABLE, f"post: the {name} container is still IN_PROGRESS")
            if state != "FINISHED":
                self.made.pop(item.key, None)
                raise PlatformError(
                    Failure.RETRYABLE, f"post: the new {name} container is {state or 'unknown'}"
                )
        published = self.graph.post(
            "publish", f"{self.graph.account}/{self.flavour.publish_edge}", creation_id=container
        )
        media = str(published.get("id") or "")
        if not media:
            raise PlatformError(Failure.UNKNOWN, "publish: answered without a media id")
        try:
            link = self.graph.get("permalink", media, fields="id,permalink").get("permalink")
        except PlatformError:
            link = None  # published all the same: the record needs the id, the link is a nicety
        return Sent(media, str(link) if link else None, {"container": container})

    def find(self, item: Item) -> Sent | None:
        for entry in self.graph.pages(
            "look up",
            self.flavour.list_edge,
            look_back(item),
            f"id,{self.flavour.text_field},permalink,timestamp",
        ):
            if item.url in str(entry.get(self.flavour.text_field) or ""):
                return Sent(str(entry["id"]), entry.get("permalink"))
        return None
