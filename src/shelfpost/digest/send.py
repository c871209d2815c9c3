"""Hand one message to an SMTP server (smtplib): starttls, ssl or none; AUTH when configured.

One call is one try. What the server or the connection said is sorted into what the
run must do next: :class:`Temporary` (4xx, no connection: nothing was delivered, try
again), :class:`Rejected` (5xx: nothing was delivered, a person must fix something),
:class:`Unknown` (the connection dropped after the message was handed over, before
or after the server's 250: it may have gone out; never resent blindly). The
``before_payload`` callback runs after the server said 354 and before the message
goes, so the run can record "sending" first.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from shelfpost.errors import ShelfpostError
from shelfpost.library.model import Channel, EmailSettings
from shelfpost.library.problems import Problem


class SendError(Exception):
    def __init__(self, message: str, reply: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reply = reply


class Temporary(SendError):
    """Nothing was delivered and trying again later may work (4xx, no connection)."""


class Rejected(SendError):
    """Nothing was delivered and trying again will not help until a person acts (5xx, auth)."""


class Unknown(SendError):
    """The message was handed over and the answer was lost: it may have gone out."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def credentials(channel: Channel, env: Mapping[str, str]) -> Credentials | None:
    """The SMTP user and password from the variables the channel names; missing ones end the
    command before anything is written or sent."""
    settings = channel.email
    assert settings is not None
    if settings.username_env is None or settings.password_env is None:
        return None
    missing = [n for n in (settings.username_env, settings.password_env) if not env.get(n)]
    if missing:
        raise ShelfpostError(
            [
                Problem(
                    "plan/channels.yml",
                    1,
                    1,
                    f"channels.{channel.id}: the environment variable {' and '.join(missing)} is not set: "
                    "set it to the SMTP account's user name and password (in CI, a secret of the "
                    "workflow's environment); nothing was sent",
                    "digest-credentials",
                )
            ],
            f"{channel.id}: SMTP credentials missing; nothing was sent",
        )
    return Credentials(env[settings.username_env], env[settings.password_env])


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"[:300]


def _classify(code: int, text: bytes | str, doing: str) -> SendError:
    reply = _reply(code, text)
    if 400 <= code < 500:
        return Temporary(f"the server answered {reply} to {doing} (temporary)", reply)
    return Rejected(f"the server refused {doing}: {reply}", reply)


_DOT = re.compile(rb"(?m)^\.")


class SmtpSender:
    """Sends to the channel's SMTP server; ``ssl_context`` decides which certificates are trusted
    (the system's by default; ``SSL_CERT_FILE`` points OpenSSL at others)."""

    def __init__(
        self,
        settings: EmailSettings,
        creds: Credentials | None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.settings = settings
        self.creds = creds
        self.context = ssl_context or ssl.create_default_context()
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=self.timeout, context=self.context
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
        smtp.ehlo()
        if s.security == "starttls":
            smtp.starttls(context=self.context)
            smtp.ehlo()
        if self.creds is not None:
            smtp.login(self.creds.username, self.creds.password)
        return smtp

    def send(self, msg: EmailMessage, before_payload: Callable[[], None]) -> str:
        """One try; the server's final answer (``250 ...``) or a :class:`SendError`."""
        sender = parseaddr(self.settings.sender)[1]
        recipient = parseaddr(self.settings.to)[1]
        payload = msg.as_bytes()
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise Rejected(
                f"the server refused the SMTP user name or password ({_reply(exc.smtp_code, exc.smtp_error)}): "
                f"check {self.settings.username_env} and {self.settings.password_env}",
                _reply(exc.smtp_code, exc.smtp_error),
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error, "the connection") from None
        except ssl.SSLError as exc:
            raise Rejected(f"TLS with {self.settings.smtp_host} failed: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise Temporary(
                f"could not talk to {self.settings.smtp_host}:{self.settings.smtp_port}: {exc}"
            ) from None
        handed_over = False
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                raise _classify(code, text, f"MAIL FROM {sender}")
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise _classify(code, text, f"RCPT TO {recipient}")
            code, text = smtp.docmd("DATA")
            if code != 354:
                raise _classify(code, text, "DATA")
            before_payload()
            handed_over = True
            data = _DOT.sub(b"..", payload)
            if not data.endswith(b"\r\n"):
                data += b"\r\n"
            smtp.send(data + b".\r\n")
            code, text = smtp.getreply()
            if code != 250:
                raise _classify(code, text, "the message")
            reply = _reply(code, text)
        except SendError:
            _close(smtp)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            _close(smtp)
            if handed_over:
                raise Unknown(
                    f"the connection to {self.settings.smtp_host} broke after the message was handed over "
                    f"({type(exc).__name__}: {exc}): it may have been sent"
                ) from None
            raise Temporary(
                f"the connection to {self.settings.smtp_host} broke before the message: {exc}"
            ) from None
        _close(smtp, polite=True)
        return reply


def _close(smtp: smtplib.SMTP, polite: bool = False) -> None:
    try:
        if polite:
            smtp.quit()
        else:
            smtp.close()
    except (OSError, smtplib.SMTPException):
        smtp.close()
