"""Bluesky, through the atproto SDK, using only ``com.atproto.*`` endpoints.

The record key (a TID) is chosen before the first try and kept in the record, so
a retry writes to the same key: it cannot create a second post, and
``getRecord`` on that key answers whether an earlier try landed. Facets (links,
hashtags) use UTF-8 byte offsets, as the protocol requires; the text and its facets
come made in the item (:func:`shelfpost.library.channeltext.channel_text`: what ``check``
measured and the dry run printed is what is sent). Images go up as blobs
with their alt text, shrunk below the blob limit; a post without an image gets a
link card with its title and summary. Bluesky cannot edit a post: edits are
reported, not applied.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable
from typing import Any

import httpx
from atproto import Client, models
from atproto_client import exceptions as atp_errors

from shelfpost.library.atomic import write_atomically
from shelfpost.library.model import Channel
from shelfpost.publish.channel import Context, Failure, Item, PlatformError, Sent

COLLECTION = "app.bsky.feed.post"
BLOB_LIMIT = 1_000_000  # bytes; the PDS refuses bigger image blobs


def shrink(data: bytes, limit: int = BLOB_LIMIT) -> tuple[bytes, str | None]:
    """The image below ``limit`` bytes (re-encoded as JPEG, scaled down as needed)."""
    if len(data) <= limit:
        return data, None
    from PIL import Image as PILImage

    image = PILImage.open(io.BytesIO(data)).convert("RGB")
    quality = 85
    while True:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=quality, optimize=True)
        if buf.tell() <= limit:
            return buf.getvalue(), "image/jpeg"
        if quality > 60:
            quality -= 10
        else:
            image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)))


class BlueskyAdapter:
    def __init__(
        self,
        channel: Channel,
        identifier: str,
        password: str,
        *,
        session: str | None = None,
        save_session: Callable[[str], None] | None = None,
        clock: Callable[[], float],
        warn: Callable[[str], None] = lambda message: None,
        timeout: float = 30.0,
    ) -> None:
        self.channel = channel
        self.clock, self.warn = clock, warn
        service = (channel.service or "https://bsky.social").rstrip("/")
        self.client = Client(base_url=f"{service}/xrpc")
        self.client.request._client.timeout = timeout  # noqa: SLF001 - httpx client of the SDK
        self.identifier, self.password = identifier, password
        self.session, self.save_session = session, save_session
        self.did: str | None = None

    # --- session: reuse it between runs (logins are limited to 30 per 5 minutes) ------------
    def _login(self) -> None:
        if self.did is not None:
            return
        if self.session:
            try:
                self.client.login(session_string=self.session, fetch_bsky_profile=False)
            except (ValueError, IndexError, KeyError, TypeError) as exc:  # Session.decode: cut short, edited
                self.warn(
                    f"{self.channel.id}: the saved Bluesky session could not be read "
                    f"({type(exc).__name__}); logging in again"
                )
                self.session = None
            except atp_errors.AtProtocolError:  # expired or revoked: log in again
                self.session = None
        if not self.session:
            self._call("log in", self.client.login, self.identifier, self.password, fetch_bsky_profile=False)
        session = self.client._session  # noqa: SLF001 - the SDK exposes no public getter
        self.did = str(session.did) if session else None
        if self.save_session is not None:
            self.save_session(self.client.export_session_string())

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except atp_errors.RateLimitExceededError as exc:
            raise PlatformError(
                Failure.RATE_LIMITED, f"{what}: rate limited (429)", _retry_after(exc, self.clock())
            ) from exc
        except atp_errors.UnauthorizedError as exc:
            raise PlatformError(
                Failure.PERMANENT,
                f"{what}: refused ({_status(exc)}): check the handle and "
                "the app password named in plan/channels.yml (create an app password in "
                "Settings > Privacy and security)",
            ) from exc
        except atp_errors.BadRequestError as exc:
            raise PlatformError(
                Failure.PERMANENT, f"{what}: the server refused the request: {_message(exc)}"
            ) from exc
        except (atp_errors.InvokeTimeoutError, atp_errors.NetworkError) as exc:
            raise PlatformError(Failure.UNKNOWN, f"{what}: no clear answer ({_message(exc)})") from exc
        except httpx.TransportError as exc:  # e.g. "Server disconnected without sending a response"
            raise PlatformError(
                Failure.UNKNOWN, f"{what}: the connection failed ({type(exc).__name__}: {exc})"
            ) from exc
        except atp_errors.RequestException as exc:
            status = _status(exc)
            failure = Failure.UNKNOWN if status is None or status >= 500 else Failure.PERMANENT
            raise PlatformError(failure, f"{what}: the server answered {status}: {_message(exc)}") from exc
        except atp_errors.AtProtocolError as exc:  # e.g. a 200 whose body is not what was expected
            raise PlatformError(Failure.UNKNOWN, f"{what}: unexpected answer ({exc})") from exc

    def _url(self, rkey: str) -> str:
        handle = self.identifier if "." in self.identifier else self.did
        return f"https://bsky.app/profile/{handle}/post/{rkey}"

    # --- the interface -------------------------------------------------------------------------
    def post(self, item: Item) -> Sent:
        self._login()
        embed: dict[str, Any]
        if item.images:  # the text carries the post's link already (channeltext.channel_text)
            images = []
            for image in item.images[:4]:
                data, mime = shrink(image.path.read_bytes())
                blob = self._call("upload image", self.client.upload_blob, data)
                images.append(
                    {"alt": image.alt, "image": _blob(blob, mime or mimetypes.guess_type(image.path.name)[0])}
                )
            embed = {"$type": "app.bsky.embed.images", "images": images}
        else:
            embed = {
                "$type": "app.bsky.embed.external",
                "external": {"uri": item.url, "title": item.title, "description": item.summary},
            }
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": item.text,  # exactly what check and the dry run measured
            "createdAt": item.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "facets": [f.record() for f in item.facets],
            "embed": embed,
        }
        if item.lang:
            record["langs"] = [item.lang]
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self.did or "", collection=COLLECTION, rkey=item.rkey, record=record
        )
        try:
            result = self._call("post", self.client.com.atproto.repo.create_record, data)
        except PlatformError as exc:
            if exc.failure is Failure.RATE_LIMITED:
                raise
            # The record key is fixed per post: if it is taken, an earlier try landed (the PDS
            # answers 400 InvalidSwap / "already exists", or 500 for a duplicate key).
            try:
                found = self.find(item, None)
            except PlatformError:
                raise exc from None
            if found is not None:
                return found
            raise
        uri = getattr(result, "uri", None)
        if not uri:
            raise PlatformError(Failure.UNKNOWN, "post: the server answered without a record URI")
        return Sent(str(uri), self._url(item.rkey))

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        self._login()
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=self.did or "", collection=COLLECTION, rkey=item.rkey
        )
        try:
            result = self._call("look up", self.client.com.atproto.repo.get_record, params)
        except PlatformError as exc:
            if "RecordNotFound" in exc.message or "Could not locate record" in exc.message:
                return None
            raise
        return Sent(str(result.uri), self._url(item.rkey))

    def delete(self, remote_id: str) -> None:
        self._login()
        rkey = remote_id.rsplit("/", 1)[-1]
        data = models.ComAtprotoRepoDeleteRecord.Data(repo=self.did or "", collection=COLLECTION, rkey=rkey)
        self._call("delete", self.client.com.atproto.repo.delete_record, data)

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        return None  # Bluesky posts cannot be edited


def _blob(uploaded: Any, mime: str | None) -> Any:
    # The PDS sniffs the type from the bytes; ours is only a fallback for its answer.
    blob = uploaded.blob
    if mime and not getattr(blob, "mime_type", None):
        blob.mime_type = mime
    return blob


def _status(exc: Exception) -> int | None:
    response = exc.args[0] if exc.args else None
    return getattr(response, "status_code", None)


def _message(exc: Exception) -> str:
    response = exc.args[0] if exc.args else None
    content = getattr(response, "content", None)
    error = getattr(content, "error", None)
    message = getattr(content, "message", None)
    if error or message:
        return f"{error or ''} {message or ''}".strip()
    return str(exc)[:200] or type(exc).__name__


def _retry_after(exc: Exception, now: float) -> float | None:
    response = exc.args[0] if exc.args else None
    headers = getattr(response, "headers", None) or {}
    if "retry-after" in headers:
        try:
            return float(headers["retry-after"])
        except ValueError:
            return None
    if "ratelimit-reset" in headers:
        try:
            return max(0.0, float(headers["ratelimit-reset"]) - now)
        except ValueError:
            return None
    return None


def create(channel: Channel, context: Context) -> BlueskyAdapter:
    """The registry's factory: the handle and app password from the variables
    ``credentials`` names; the session is kept in the state folder between runs
    (logins are limited to about 30 per 5 minutes)."""
    session_file = context.state_dir / f"bluesky-{channel.id}.session"
    try:
        session = session_file.read_text(encoding="utf-8") if session_file.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        context.warn(f"{channel.id}: the saved Bluesky session could not be read ({exc}); logging in again")
        session = None

    def keep(text: str) -> None:
        # Atomically (a run killed mid-write leaves the old session or the new, never half)
        # and readable by this user only: the session is a credential.
        write_atomically(session_file, text, mode=0o600)

    return BlueskyAdapter(
        channel,
        context.secret(channel, "identifier"),
        context.secret(channel, "app_password"),
        session=session,
        save_session=keep,
        clock=context.clock,
        warn=context.warn,
    )
