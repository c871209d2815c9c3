"""One publish run: every live post to every channel it names, exactly once.

The order of one item is what makes "exactly once" hold by design:

1. Look on the account first (:meth:`ChannelAdapter.find`), whether or not the
   record says a try happened: a runner lost after its send takes its records
   with it. If the post is there, record it.
2. Write the intent (key, record key, attempt) to the post's record and flush it
   to disk *before* calling the platform.
3. Call the platform with the deterministic key. On an unknown outcome, look
   again before any new try; retry with back-off (tenacity), a bounded number of
   times; honour ``Retry-After`` when it is short.
4. Record the result: ``published`` with the remote id, ``failed`` (nothing was
   created; the next run tries again), or ``unknown`` (the next run looks first).

A crash anywhere between 2 and 4 leaves ``intent`` on disk, or nothing when the
disk is gone with its runner: either way the next run finds the post on the
account or sends it, never both. One channel's or one post's failure never stops
the others; no error of an SDK ends the run (:class:`Guarded`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from shelfpost.library.channeltext import ChannelText, channel_text, image_embed, measure
from shelfpost.library.model import Channel, Library, Post
from shelfpost.library.progress import Progress, tick
from shelfpost.library.records import ChannelRecord, PostRecord, RecordReader, save_record
from shelfpost.library.runs import record_token
from shelfpost.publish.channel import (
    ChannelAdapter,
    Failure,
    Image,
    Item,
    PlatformError,
    Sent,
    idempotency_key,
    text_digest,
    tid,
)

AdapterFactory = Callable[[Channel], ChannelAdapter]


def _what(exc: BaseException) -> str:
    """One line naming an error that is not a :class:`PlatformError` (a transport error of an SDK)."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Guarded:
    """An adapter whose every call ends in an answer or a :class:`PlatformError`.

    Adapters turn their SDK's errors into :class:`PlatformError`; whatever escapes
    them (``httpx.RemoteProtocolError`` when a server drops the connection, a
    ``requests`` error, an SDK bug) must not end the run. A send that ends so may
    have landed: it is an unknown outcome, looked up before any new try. A look-up,
    a deletion or an edit that ends so changed nothing we rely on: it is a failure of
    that item, and the run goes on with the others.
    """

    def __init__(self, inner: ChannelAdapter) -> None:
        self.inner = inner
        self.channel = inner.channel

    def _guard(self, what: str, failure: Failure, call: Callable[[], Sent | None]) -> Sent | None:
        try:
            return call()
        except PlatformError:
            raise
        except Exception as exc:  # noqa: BLE001 - the point: nothing an SDK raises ends the run
            raise PlatformError(failure, f"{what}: {_what(exc)}") from exc

    def post(self, item: Item) -> Sent:
        sent = self._guard("post", Failure.UNKNOWN, lambda: self.inner.post(item))
        assert sent is not None
        return sent

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        return self._guard("look up", Failure.RETRYABLE, lambda: self.inner.find(item, remote_id))

    def delete(self, remote_id: str) -> None:
        self._guard("delete", Failure.RETRYABLE, lambda: self.inner.delete(remote_id))

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        return self._guard("edit", Failure.RETRYABLE, lambda: self.inner.edit(item, remote_id))


@dataclass(frozen=True)
class Settings:
    max_per_run: int = 20  # items (post x channel) sent in one run; the rest wait for the next
    max_lateness: timedelta = timedelta(hours=24)  # older than this waits for --allow-late
    allow_late: bool = False
    attempts: int = 3  # tries per item in one run
    max_wait: float = 60.0  # the longest Retry-After a run waits for
    backoff: float = 2.0  # seconds before the second try; doubles


@dataclass(frozen=True)
class Outcome:
    post: str
    channel: str
    action: str  # published | reconciled | failed | pending | late | withdrawn | edited | dry-run | ...
    state: str
    message: str = ""
    url: str | None = None
    text: str = ""
    length: int = 0  # dry run: the text's length as the platform counts it
    limit: int = 0
    unit: str = ""

    @property
    def needs_attention(self) -> bool:
        return self.action in ("failed", "pending", "late", "unknown", "not-deleted")


def _state(sent: Sent) -> str:
    return "pending-manual" if sent.extra.get("pending") else "published"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def local_time(moment: datetime, library: Library) -> str:
    """``2026-09-01 09:00`` in the library's time zone (what people read; records keep UTC)."""
    tz = library.config.timezone if library.config is not None else UTC
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def final_text(library: Library, post: Post, channel: Channel) -> ChannelText:
    """The text ``channel`` gets for ``post``: the one the checks rendered, else rendered now."""
    assert library.config is not None
    found = library.texts.get((post.path, channel.id))
    if found is None:
        found = channel_text(post, channel, library.config, library.channel_templates)
    return found


def item_digest(library: Library, post: Post, channel: Channel) -> str:
    """``make_item(library, post, channel).digest`` without making the item (no keys, no URLs):
    what a run compares with a published record's digest to notice an edit."""
    final = final_text(library, post, channel)
    embedded = embedded_image(post)
    images = ((Path(embedded[0]).name, embedded[1]),) if embedded else ()
    return text_digest(final.written or final.text, images)


def embedded_image(post: Post) -> tuple[str, str] | None:
    """The post's image and its alt text when the channel gets it as an image
    (:func:`~shelfpost.library.channeltext.image_embed`), else ``None``."""
    if not image_embed(post):
        return None
    assert post.image is not None and post.image_alt is not None
    return post.image, post.image_alt


def make_item(library: Library, post: Post, channel: Channel) -> Item:
    assert library.config is not None
    cfg = library.config
    images: tuple[Image, ...] = ()
    image_urls: tuple[str, ...] = ()
    embedded = embedded_image(post)  # the test channel_text makes: the Bluesky text then carries the link
    if embedded is not None:
        image, alt = embedded
        images = (Image(library.root / image, alt),)
        image_urls = (cfg.base_url + quote(image.removeprefix("content/")),)
    key = idempotency_key(cfg.base_url, post.slug, channel.id)
    final = final_text(library, post, channel)
    return Item(
        post=post,
        channel=channel,
        text=final.text,
        facets=final.facets,
        written=final.written,
        url=cfg.post_url(post.slug),
        key=key,
        rkey=tid(post.publish_at, key),
        created_at=post.publish_at,
        images=images,
        image_urls=image_urls,
        lang=post.lang or cfg.language,
        title=post.title,
        summary=post.summary,
    )


def social_channels(library: Library, post: Post, only: str | None) -> list[Channel]:
    out = []
    for cid in post.channels:
        channel = library.plan.channels.get(cid)
        if channel is None or not channel.social or (only and cid != only):
            continue
        out.append(channel)
    return out


class Run:
    def __init__(
        self,
        library: Library,
        now: datetime,
        adapters: AdapterFactory,
        *,
        sleep: Callable[[float], None],
        settings: Settings = Settings(),
        dry_run: bool = False,
        only: str | None = None,
        records: Callable[[str], PostRecord] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.library, self.now, self.factory = library, now, adapters
        #: Each post's record, read once (the CLI passes a cached :class:`RecordReader`).
        self.records = records if records is not None else RecordReader(library.root)
        self.settings, self.sleep, self.dry_run, self.only = settings, sleep, dry_run, only
        self.root: Path = library.root
        self._adapters: dict[str, ChannelAdapter | PlatformError] = {}
        self.outcomes: list[Outcome] = []
        self.sent = 0
        self.progress = progress

    def adapter(self, channel: Channel) -> ChannelAdapter:
        found = self._adapters.get(channel.id)
        if found is None:
            try:
                found = Guarded(self.factory(channel))
                self.check_token(channel, found.inner)
            except PlatformError as exc:
                found = exc
            except Exception as exc:  # noqa: BLE001 - e.g. a transport error while logging in
                found = PlatformError(Failure.RETRYABLE, f"{channel.id}: could not connect: {_what(exc)}")
            self._adapters[channel.id] = found
        if isinstance(found, PlatformError):
            raise found
        return found

    def check_token(self, channel: Channel, adapter: ChannelAdapter) -> None:
        """Meta channels: keep the token's expiry for ``status`` (``data/runs/tokens.yml``).

        A token ``debug_token`` calls invalid fails the channel here (PERMANENT, with what to
        do); any other trouble asking leaves the record as it was and the run goes on.
        """
        expiry = getattr(adapter, "token_expiry", None)
        if expiry is None or self.dry_run:
            return
        try:
            expires, data_access = expiry()
        except PlatformError as exc:
            if exc.failure is Failure.PERMANENT:
                raise PlatformError(exc.failure, f"{channel.id}: {exc.message}") from None
            return
        except Exception:  # noqa: BLE001 - a look at the token never ends the run
            return
        record_token(self.root, channel.id, channel.kind, expires, data_access, self.now)

    def note(
        self,
        item: Item | tuple[Post, Channel],
        action: str,
        state: str,
        message: str = "",
        url: str | None = None,
    ) -> None:
        post, channel = (item.post, item.channel) if isinstance(item, Item) else item
        text = item.text if isinstance(item, Item) else ""
        length, limit, unit = measure(text, channel) if text and self.dry_run else (0, 0, "")
        self.outcomes.append(
            Outcome(post.slug, channel.id, action, state, message, url, text, length, limit, unit)
        )

    # --- the run --------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        live = sorted(
            (p for p in self.library.posts if p.is_live(self.now)), key=lambda p: (p.publish_at, p.path)
        )
        for done, post in enumerate(live):
            tick(self.progress, "publish", done, len(live), "live posts")
            record = self.records(post.slug)
            for channel in social_channels(self.library, post, self.only):
                current = record.channels.get(channel.id)
                if self.settled(post, channel, current):
                    continue
                item = make_item(self.library, post, channel)
                record = self.one(item, record, current)
        for post in self.library.posts:
            if post.withdrawn:
                self.withdraw(post)
        tick(self.progress, "publish", len(live), len(live), "live posts")
        return self.outcomes

    def settled(self, post: Post, channel: Channel, current: ChannelRecord | None) -> bool:
        """Published, and the text is the one sent: nothing to do (most posts of a library,
        so the run makes no item for them: at 10,000 posts that was a third of a run)."""
        if current is None or current.state != "published":
            return False
        return current.digest is None or current.digest == item_digest(self.library, post, channel)

    def save(self, record: PostRecord, channel: str, rec: ChannelRecord, path: str) -> PostRecord:
        record = record.with_channel(channel, rec)
        if not record.path:
            record = PostRecord(record.slug, path, record.channels, record.audit, record.extra)
        if not self.dry_run:
            save_record(self.root, record)
            forget = getattr(self.records, "forget", None)
            if forget is not None:
                forget(record.slug)  # a later look reads the new file
        return record

    def one(self, item: Item, record: PostRecord, current: ChannelRecord | None) -> PostRecord:
        cid = item.channel.id
        if current is not None and current.state == "published":
            return self.maybe_edit(item, record, current)
        if current is not None and current.state == "pending-manual":
            return self.check_manual(item, record, current)
        tried = current is not None and current.state in ("intent", "unknown")
        if current is not None and current.container:  # Instagram, Threads: a container made earlier
            item = replace(item, progress={"container": current.container})
        late = self.now - item.post.publish_at > self.settings.max_lateness
        if late and not tried and not self.settings.allow_late:
            self.note(
                item,
                "late",
                current.state if current else "none",
                f"due {local_time(item.post.publish_at, self.library)}, more than "
                f"{self.settings.max_lateness.total_seconds() / 3600:g} hours ago: run with --allow-late "
                "to send it",
            )
            return record
        if self.dry_run:  # what the real run would do, as far as it can be known without calls
            if self.sent >= self.settings.max_per_run:
                self.note(
                    item,
                    "pending",
                    current.state if current else "none",
                    f"would wait: a run sends at most {self.settings.max_per_run} (--max); "
                    "the next run sends it",
                )
                return record
            self.sent += 1
            length, limit, unit = measure(item.text, item.channel)
            images = f", {len(item.images)} image(s)" if item.images else ""
            action = "would look on the account first, then send" if tried else "would send"
            self.note(
                item,
                "dry-run",
                current.state if current else "none",
                f"{action} ({length}/{limit} {unit}{images})",
            )
            return record
        if self.sent >= self.settings.max_per_run:
            self.note(
                item,
                "pending",
                current.state if current else "none",
                f"this run reached its limit of {self.settings.max_per_run}; the next run sends it",
            )
            return record
        try:
            adapter = self.adapter(item.channel)
        except PlatformError as exc:
            self.note(item, "failed", current.state if current else "none", exc.message)
            return record

        # 1. Look on the account before sending, also when no record says a try happened:
        #    on a GitHub runner the records of a run lost after its send go with the
        #    runner's disk, and the platform's own key window (Mastodon: 1 hour) may be over.
        try:
            found = adapter.find(item, current.remote_id if current else None)
        except PlatformError as exc:
            if exc.failure is Failure.PERMANENT:  # e.g. a refused password: a person must act
                self.note(item, "failed", current.state if current else "none", exc.message)
            else:
                self.note(
                    item,
                    "pending",
                    current.state if current else "none",
                    f"could not look on the account before sending: {exc.message}; the next run tries again",
                )
            return record
        if found is not None:
            rec = ChannelRecord(
                _state(found),
                item.key,
                found.remote_id,
                found.url,
                _iso(self.now),
                current.attempts if current else 1,
                rkey=item.rkey,
                digest=item.digest,
            )
            self.note(
                item, "reconciled", _state(found), "found on the account from an earlier try", found.url
            )
            return self.save(record, cid, rec, item.post.path)

        # 2. Record the intent before any call.
        attempts = (current.attempts if current else 0) + 1
        record = self.save(
            record,
            cid,
            ChannelRecord(
                "intent",
                item.key,
                at=_iso(self.now),
                attempts=attempts,
                rkey=item.rkey,
                container=item.progress.get("container"),
            ),
            item.post.path,
        )
        self.sent += 1
        # A step an adapter records before its next call (the container id before publishing).
        kept = {"record": record}

        def checkpoint(name: str, value: str) -> None:
            rec = kept["record"].channels[cid]
            if name == "container":
                kept["record"] = self.save(kept["record"], cid, replace(rec, container=value), item.post.path)

        item = replace(item, checkpoint=checkpoint)
        # 3. Send, looking before every new try after an unknown outcome.
        unknown_seen = False

        def send(state: RetryCallState) -> Sent:
            nonlocal unknown_seen
            if unknown_seen:
                found = adapter.find(item, None)
                if found is not None:
                    return found
            try:
                return adapter.post(item)
            except PlatformError as exc:
                if exc.failure is Failure.UNKNOWN:
                    unknown_seen = True
                raise

        try:
            sent = self.retrying(send)
        except PlatformError as exc:
            record = kept["record"]
            state = "unknown" if unknown_seen or exc.failure is Failure.UNKNOWN else "failed"
            rec = ChannelRecord(
                state,
                item.key,
                at=_iso(self.now),
                attempts=attempts,
                error=exc.message,
                rkey=item.rkey,
                container=record.channels[cid].container,
            )
            what = (
                "the outcome is unknown; the next run looks on the account before trying again"
                if state == "unknown"
                else "nothing was posted; the next run tries again"
            )
            self.note(item, "failed" if state == "failed" else "unknown", state, f"{exc.message} ({what})")
            return self.save(record, cid, rec, item.post.path)
        # 4. Record the result.
        record = kept["record"]
        state = _state(sent)
        rec = ChannelRecord(
            state,
            item.key,
            sent.remote_id,
            sent.url,
            _iso(self.now),
            attempts,
            rkey=item.rkey,
            digest=item.digest,
            container=sent.extra.get("container") or record.channels[cid].container,
        )
        if state == "pending-manual":
            self.note(
                item,
                "opened-issue",
                state,
                f"copy-ready issue for {item.channel.name}: the channel "
                "counts as reached when someone closes it",
                sent.url,
            )
        else:
            self.note(item, "published", state, "", sent.url)
        return self.save(record, cid, rec, item.post.path)

    def check_manual(self, item: Item, record: PostRecord, current: ChannelRecord) -> PostRecord:
        """A copy-ready issue is open: reached once someone closes it."""
        if self.dry_run:
            return record
        try:
            adapter = self.adapter(item.channel)
            if current.digest and current.digest != item.digest and current.remote_id:
                adapter.edit(item, current.remote_id)
                current = ChannelRecord(**{**current.__dict__, "digest": item.digest})
                record = self.save(record, item.channel.id, current, item.post.path)
            found = adapter.find(item, current.remote_id)
        except PlatformError as exc:
            self.note(item, "pending", current.state, f"could not look at the issue: {exc.message}")
            return record
        if found is None:
            self.note(
                item,
                "failed",
                current.state,
                f"the issue {current.url or current.remote_id} is gone: "
                "post by hand and record it, or delete the record's entry to open a new issue",
            )
            return record
        if _state(found) == "pending-manual":
            self.note(item, "waiting-manual", current.state, "the issue is still open", current.url)
            return record
        rec = ChannelRecord(**{**current.__dict__, "state": "published", "at": _iso(self.now)})
        self.note(item, "published", "published", "the issue was closed: posted by hand", current.url)
        return self.save(record, item.channel.id, rec, item.post.path)

    def retrying(self, send: Callable[[RetryCallState], Sent]) -> Sent:
        settings = self.settings

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, PlatformError):
                return False
            if exc.failure is Failure.RATE_LIMITED:
                return exc.retry_after is not None and exc.retry_after <= settings.max_wait
            return exc.failure in (Failure.RETRYABLE, Failure.UNKNOWN)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, PlatformError) and exc.retry_after is not None:
                return min(exc.retry_after, settings.max_wait)
            return float(settings.backoff * (2 ** (state.attempt_number - 1)))

        retrying = Retrying(
            stop=stop_after_attempt(settings.attempts),
            wait=wait,
            retry=retry_if_exception(retryable),
            sleep=self.sleep,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                return send(attempt.retry_state)
        raise AssertionError("unreachable")  # pragma: no cover

    def maybe_edit(self, item: Item, record: PostRecord, current: ChannelRecord) -> PostRecord:
        if current.digest is None or current.digest == item.digest:
            return record
        if self.dry_run:
            self.note(
                item,
                "would-edit",
                "published",
                "its text changed since it was sent: the real run applies the edit (a channel that "
                "cannot edit posts keeps the old text and says so)",
                current.url,
            )
            return record
        try:
            adapter = self.adapter(item.channel)
            result = adapter.edit(item, current.remote_id or "")
        except PlatformError as exc:
            self.note(item, "failed", "published", f"edit not applied: {exc.message}")
            return record
        if result is None:
            rec = ChannelRecord(
                **{
                    **current.__dict__,
                    "digest": item.digest,
                    "error": f"edited on {_iso(self.now)} but {item.channel.name} cannot edit "
                    "posts: the old text stays; withdraw and re-post if it matters",
                }
            )
            self.note(item, "edit-unsupported", "published", rec.error or "", current.url)
        else:
            rec = ChannelRecord(
                **{**current.__dict__, "digest": item.digest, "edited_at": _iso(self.now), "error": None}
            )
            self.note(item, "edited", "published", "", current.url)
        return self.save(record, item.channel.id, rec, item.post.path)

    def withdraw(self, post: Post) -> None:
        record = self.records(post.slug)
        for cid, current in record.channels.items():
            if self.only and cid != self.only:
                continue
            channel = self.library.plan.channels.get(cid)
            if channel is None or current.state not in ("published", "intent", "unknown"):
                continue
            pair = (post, channel)
            if self.dry_run:
                self.note(pair, "dry-run", current.state, "would delete the remote post (withdrawn)")
                continue
            try:
                adapter = self.adapter(channel)
                remote = current.remote_id
                if remote is None:  # a try that may have landed: find it first
                    found = adapter.find(make_item(self.library, post, channel), None)
                    remote = found.remote_id if found else None
                if remote is not None:
                    adapter.delete(remote)
            except PlatformError as exc:
                self.note(
                    pair, "not-deleted", current.state, f"withdrawn, but deleting failed: {exc.message}"
                )
                continue
            rec = ChannelRecord(
                **{**current.__dict__, "state": "withdrawn", "at": _iso(self.now), "error": None}
            )
            record = self.save(record, cid, rec, post.path)
            self.note(pair, "withdrawn", "withdrawn", "deleted on the platform", current.url)


def publish(library: Library, now: datetime, adapters: AdapterFactory, **kwargs: object) -> list[Outcome]:
    """Run one publish pass and return what happened to every item it looked at."""
    return Run(library, now, adapters, **kwargs).run()  # type: ignore[arg-type]


def summary(outcomes: list[Outcome]) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
    return counts
