"""Send each email channel's digest exactly once.

The order of one digest:

1. If ``data/digests/<id>.yml`` says it went out (``sent``), do nothing. If it says
   the message was being handed over (``sending``, ``unknown``), do nothing either:
   say what happened and how to confirm it by hand (``--confirm ID``) or send it
   again on purpose (``--resend ID``). ``rejected`` waits for a person the same way.
2. Write the intent (period, Message-ID, Date, the posts it carries) and flush it.
3. Try; a temporary failure (4xx, no connection) is tried again with back-off
   (tenacity, the caller's ``sleep``), a bounded number of times; every try sends
   the same bytes (the Date and Message-ID are in the record).
4. Record ``sent`` with the server's answer, ``failed`` (nothing went: the next run
   tries again), ``rejected`` (5xx) or ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from shelfpost.digest.message import Rendered, build_message, date_header, render
from shelfpost.digest.plan import DigestPlan, email_channels, plan_digest, plan_period
from shelfpost.digest.send import Rejected, SendError, Temporary, Unknown
from shelfpost.errors import ShelfpostError
from shelfpost.library.digests import DigestRecord, iso, load_digests, save_digest
from shelfpost.library.model import Channel, Library
from shelfpost.library.problems import Problem


class Sender(Protocol):
    """What :class:`DigestRun` sends with (:class:`~shelfpost.digest.send.SmtpSender`)."""

    def send(self, msg: EmailMessage, before_payload: Callable[[], None]) -> str: ...


SenderFactory = Callable[[Channel], "Sender"]
NEEDS_A_PERSON = ("failed", "rejected", "unknown")


@dataclass(frozen=True)
class Outcome:
    digest: str
    channel: str
    action: str  # sent | nothing-new | already-sent | dry-run | failed | rejected | unknown | confirmed
    message: str = ""
    subject: str = ""
    posts: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    period_start: str = ""
    period_end: str = ""
    text: str = ""  # dry run: the plain-text part
    links: tuple[str, ...] = field(default_factory=tuple)

    @property
    def needs_attention(self) -> bool:
        return self.action in NEEDS_A_PERSON


@dataclass(frozen=True)
class Settings:
    attempts: int = 3
    backoff: float = 30.0  # seconds before the second try; doubles


def how_to_settle(digest: str) -> str:
    return (
        f"look in the list's archive (or ask a subscriber): if it arrived, run `shelfpost digest --confirm {digest}`; "
        f"if not, `shelfpost digest --resend {digest}`"
    )


class DigestRun:
    def __init__(
        self,
        library: Library,
        now: datetime,
        senders: SenderFactory,
        *,
        sleep: Callable[[float], None],
        settings: Settings = Settings(),
        dry_run: bool = False,
    ) -> None:
        assert library.config is not None
        self.library, self.now, self.senders = library, now, senders
        self.sleep, self.settings, self.dry_run = sleep, settings, dry_run
        self.root: Path = library.root
        self.records = self._records()

    def _records(self) -> list[DigestRecord]:
        from shelfpost.library.digests import BadRecord

        try:
            return load_digests(self.root)
        except BadRecord as exc:
            raise ShelfpostError(
                [
                    Problem(
                        f"data/digests/{str(exc).split(':')[0]}",
                        1,
                        1,
                        f"{exc}: restore it from Git",
                        "digest-record",
                    )
                ],
                "a digest record cannot be read; nothing was sent",
            ) from None

    # --- the scheduled run --------------------------------------------------------
    def run(self) -> list[Outcome]:
        out: list[Outcome] = []
        for channel in email_channels(self.library):
            outcome = self.run_channel(channel)
            out.append(outcome)
            out += self.waiting(channel, outcome.digest)
        return out

    def waiting(self, channel: Channel, current: str) -> list[Outcome]:
        """Older digests of ``channel`` that still wait for a person (a later period went on)."""
        out = []
        for r in self.records:
            if (
                r.channel != channel.id
                or r.id == current
                or r.state not in ("sending", "unknown", "rejected")
            ):
                continue
            action = "rejected" if r.state == "rejected" else "unknown"
            fix = (
                f"fix the cause, then `shelfpost digest --resend {r.id}`"
                if action == "rejected"
                else how_to_settle(r.id)
            )
            out.append(
                Outcome(
                    r.id,
                    channel.id,
                    action,
                    f"still {r.state} ({r.error or 'interrupted while sending'}): {fix}",
                    r.subject,
                )
            )
        return out

    def run_channel(self, channel: Channel) -> Outcome:
        plan = plan_digest(self.library, channel, self.now, self.records)
        existing = next((r for r in self.records if r.id == plan.id), None)
        base = Outcome(
            plan.id, channel.id, "", period_start=iso(plan.period_start), period_end=iso(plan.period_end)
        )
        if existing is not None and existing.state == "sent":
            return replace(
                base, action="already-sent", message=f"sent {existing.at}", subject=existing.subject
            )
        if existing is not None and existing.state in ("sending", "unknown"):
            return replace(
                base,
                action="unknown",
                subject=existing.subject,
                message=f"the outcome of the last try is unknown ({existing.error or 'interrupted while sending'}): "
                + how_to_settle(plan.id),
            )
        if existing is not None and existing.state == "rejected":
            return replace(
                base,
                action="rejected",
                subject=existing.subject,
                message=f"the server refused it ({existing.error}): fix the cause, then "
                f"`shelfpost digest --resend {plan.id}`",
            )
        if plan.empty:
            start = plan.period_start.astimezone(self.library.config.timezone)  # type: ignore[union-attr]
            return replace(
                base,
                action="nothing-new",
                message=f"no post went live since {start:%Y-%m-%d %H:%M}: nothing to send",
            )
        return self.send(plan, existing)

    # --- by hand ----------------------------------------------------------------------
    def _record(self, digest: str) -> tuple[DigestRecord, Channel]:
        record = next((r for r in self.records if r.id == digest), None)
        known = ", ".join(r.id for r in self.records) or "none yet"
        if record is None:
            raise ShelfpostError(summary=f"no digest {digest!r} in data/digests/ (digests: {known})")
        channel = self.library.plan.channels.get(record.channel)
        if channel is None or channel.email is None:
            raise ShelfpostError(
                summary=f"{digest}: channel {record.channel!r} is no longer an email channel in plan/channels.yml"
            )
        return record, channel

    def resend(self, digest: str) -> Outcome:
        """Send digest ``digest`` again, on purpose, whatever its record says (same Message-ID)."""
        record, channel = self._record(digest)
        plan = plan_period(
            self.library, channel, record.period_start, record.period_end, self.records, digest
        )
        return self.send(plan, record)

    def confirm(self, digest: str) -> Outcome:
        """A person saw the digest arrive: record it as sent, so it is never sent again."""
        record, channel = self._record(digest)
        base = Outcome(
            digest, channel.id, "", subject=record.subject, posts=record.posts, events=record.events
        )
        if record.state == "sent":
            return replace(base, action="already-sent", message=f"already recorded as sent {record.at}")
        if not self.dry_run:
            done = record.with_state("sent", self.now, confirmed=f"by hand {iso(self.now)}", error="")
            save_digest(self.root, done)
        return replace(base, action="confirmed", message="recorded as sent (confirmed by hand)")

    # --- one digest -------------------------------------------------------------------
    def send(self, plan: DigestPlan, existing: DigestRecord | None) -> Outcome:
        rendered: Rendered = render(self.library, plan)
        base = Outcome(
            plan.id,
            plan.channel.id,
            "",
            subject=rendered.subject,
            posts=tuple(p.slug for p in plan.posts),
            events=tuple(p.slug for p in plan.events),
            period_start=iso(plan.period_start),
            period_end=iso(plan.period_end),
            links=rendered.links,
        )
        if self.dry_run:
            return replace(
                base, action="dry-run", text=rendered.text, message="would send this (dry run: nothing sent)"
            )
        sender = self.senders(plan.channel)  # credentials are read here: missing ones send nothing
        date = (
            existing.date if existing is not None and existing.date else date_header(self.now, self.library)
        )
        msg = build_message(self.library, plan, rendered, date)
        record = DigestRecord(
            id=plan.id,
            channel=plan.channel.id,
            state="intent",
            period_start=plan.period_start,
            period_end=plan.period_end,
            message_id=plan.message_id,
            subject=rendered.subject,
            date=date,
            posts=base.posts,
            events=base.events,
            attempts=existing.attempts if existing is not None else 0,
            history=existing.history if existing is not None else (),
        )
        current = record.with_state("intent", self.now)
        save_digest(self.root, current)

        def one_try() -> str:
            nonlocal current
            current = replace(current, attempts=current.attempts + 1)
            save_digest(self.root, current)

            def sending() -> None:
                nonlocal current
                current = current.with_state("sending", self.now)
                save_digest(self.root, current)

            try:
                return sender.send(msg, sending)
            except Temporary:
                current = replace(current, state="intent")  # nothing went: the record says so again
                save_digest(self.root, current)
                raise

        retrying = Retrying(
            retry=retry_if_exception_type(Temporary),
            stop=stop_after_attempt(self.settings.attempts),
            wait=wait_exponential(multiplier=self.settings.backoff, max=600),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            reply = retrying(one_try)
        except Unknown as exc:
            save_digest(self.root, current.with_state("unknown", self.now, error=exc.message))
            return replace(base, action="unknown", message=f"{exc.message}; " + how_to_settle(plan.id))
        except Rejected as exc:
            save_digest(
                self.root, current.with_state("rejected", self.now, error=exc.message, reply=exc.reply)
            )
            return replace(
                base,
                action="rejected",
                message=f"{exc.message}; fix the cause, then `shelfpost digest --resend {plan.id}`",
            )
        except SendError as exc:
            save_digest(self.root, current.with_state("failed", self.now, error=exc.message, reply=exc.reply))
            return replace(
                base,
                action="failed",
                message=f"{exc.message}; tried {self.settings.attempts} times, nothing was sent: the next run tries again",
            )
        save_digest(self.root, current.with_state("sent", self.now, reply=reply, error=""))
        return replace(base, action="sent", message=reply)


def exit_code(outcomes: Sequence[Outcome]) -> int:
    return 1 if any(o.needs_attention for o in outcomes) else 0
