"""When the last successful publish run happened, and whether that is too long ago.

GitHub delays scheduled runs (by hours at busy times) and switches schedules off in
public repositories after 60 days without activity. A run that succeeds writes
``data/runs/last-publish.yml`` (:func:`record_publish_run`, committed with the other
records); ``shelfpost status`` warns through :func:`last_publish_warning` when that
time is older than the schedule allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from shelfpost.library.atomic import write_atomically

LAST_PUBLISH = "data/runs/last-publish.yml"


def record_publish_run(root: Path, now: datetime, run: str | None = None) -> Path:
    """Write the time of a successful publish run (atomically)."""
    path = root / LAST_PUBLISH
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, str] = {"at": now.astimezone(UTC).isoformat(timespec="seconds")}
    if run:
        data["run"] = run
    text = "# Written by the publish run: do not edit by hand.\n" + yaml.safe_dump(data, sort_keys=False)
    return write_atomically(path, text)


def last_publish(root: Path) -> datetime | None:
    """The recorded time, or ``None`` when there is no (readable) record."""
    path = root / LAST_PUBLISH
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        at = data["at"] if isinstance(data, dict) else None
        when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    except (yaml.YAMLError, KeyError, TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def last_publish_warning(root: Path, now: datetime, expected_minutes: float = 15) -> str | None:
    """A warning when the last successful publish run is older than expected, else ``None``.

    "Expected" allows one missed run and an hour of GitHub's usual delay
    (``2 * expected_minutes + 60``). No record at all gives ``None``: a library that
    never published has nothing to be late with.
    """
    when = last_publish(root)
    if when is None:
        return None
    age = now - when
    if age <= timedelta(minutes=2 * expected_minutes + 60):
        return None
    hours = age.total_seconds() / 3600
    ago = f"{hours:.0f} hours" if hours >= 2 else f"{age.total_seconds() / 60:.0f} minutes"
    return (
        f"the last successful publish run was {ago} ago ({when:%Y-%m-%d %H:%M} UTC); runs are "
        f"expected every {expected_minutes:g} minutes: look at the publish workflow in the Actions "
        "tab (GitHub delays scheduled runs and turns schedules off after 60 days without activity; "
        "run it by hand to catch up)"
    )


#: When each Meta channel's token stops working, as ``debug_token`` said at the last publish
#: run (Facebook, Instagram, Threads; issue 19). ``status`` warns :data:`TOKEN_WARN_DAYS` before.
TOKENS = "data/runs/tokens.yml"
TOKEN_WARN_DAYS = 21
RENEW = {
    "threads": "refresh it (GET /refresh_access_token?grant_type=th_refresh_token, once it is a day old) "
    "or make a new long-lived Threads token, and store it in the variable plan/channels.yml names",
    "data_access": "a Page admin with a role on the app logs in to the app again (Graph API Explorer) "
    "and makes a new Page token from a new long-lived User token",
}


def record_token(
    root: Path, channel: str, kind: str, expires: datetime | None, data_access: datetime | None, now: datetime
) -> Path:
    """Keep one channel's token expiry (atomically; the other channels' entries stay)."""
    path = root / TOKENS
    data = _tokens(root)
    data[channel] = {
        "kind": kind,
        "expires_at": _iso(expires),
        "data_access_expires_at": _iso(data_access),
        "checked_at": _iso(now),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by the publish run (debug_token): do not edit by hand.\n" + yaml.safe_dump(
        data, sort_keys=True
    )
    return write_atomically(path, text)


def token_warnings(root: Path, now: datetime, days: int = TOKEN_WARN_DAYS) -> list[str]:
    """One warning per token that stops working within ``days`` (or has), with what to do."""
    out = []
    for channel, entry in sorted(_tokens(root).items()):
        if not isinstance(entry, dict):
            continue
        kind = str(entry.get("kind") or "")
        for field_name, what in (("expires_at", "token"), ("data_access_expires_at", "token's data access")):
            when = _parse(entry.get(field_name))
            if when is None or when - now > timedelta(days=days):
                continue
            left = (when - now).days
            at = f"{when:%Y-%m-%d}"
            status = f"expired on {at}" if when <= now else f"expires on {at} (in {left} days)"
            fix = (
                RENEW["threads"] if kind == "threads" and field_name == "expires_at" else RENEW["data_access"]
            )
            if kind == "threads" and field_name == "data_access_expires_at":
                fix = "the Threads account grants the app its permissions again (log in to the app)"
            out.append(f"{channel}: its {what} {status}: {fix}")
    return out


def _tokens(root: Path) -> dict[str, object]:
    path = root / TOKENS
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return dict(data) if isinstance(data, dict) else {}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment is not None else None


def _parse(value: object) -> datetime | None:
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str) and value:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
