"""Which reader reads which channel, with the credentials its config names.

``env`` is the process environment passed down by the CLI; only the variables a
channel names in ``credentials`` are read from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shelfpost.inbox.sync import Reader, SyncError
from shelfpost.library.model import Channel

SYNCED_KINDS = ("mastodon", "bluesky", "facebook", "instagram", "threads")


def _secret(channel: Channel, env: Mapping[str, str], field_name: str) -> tuple[str, str]:
    name = channel.credentials.get(field_name)
    if not name:
        raise SyncError(
            "no credentials", f"plan/channels.yml names no environment variable for credentials.{field_name}"
        )
    value = env.get(name)
    if not value:
        raise SyncError(
            "no credentials",
            f"the environment variable {name} is not set (in GitHub: Settings > Secrets and variables > Actions)",
        )
    return name, value


def reader_for(channel: Channel, env: Mapping[str, str], state_dir: Path) -> Reader:
    if channel.kind == "mastodon":
        from shelfpost.inbox.mastodon import MastodonReader

        name, token = _secret(channel, env, "access_token")
        return MastodonReader(channel.instance or "", token, token_name=name)
    if channel.kind == "bluesky":
        from shelfpost.inbox.bluesky import BlueskyReader

        id_name, identifier = _secret(channel, env, "identifier")
        pw_name, password = _secret(channel, env, "app_password")
        # The publish run's session (same file): logins are limited to about 30 per 5 minutes.
        session_file = state_dir / f"bluesky-{channel.id}.session"
        session = session_file.read_text(encoding="utf-8") if session_file.is_file() else None

        def keep(text: str) -> None:
            state_dir.mkdir(parents=True, exist_ok=True)
            session_file.touch(mode=0o600)
            session_file.write_text(text, encoding="utf-8")

        return BlueskyReader(
            channel.service or "https://bsky.social",
            identifier,
            password,
            credentials_hint=f"{id_name} and {pw_name}",
            session=session,
            save_session=keep,
        )
    if channel.kind in ("facebook", "instagram", "threads"):
        from shelfpost.inbox.meta import MetaReader

        name, token = _secret(channel, env, "access_token")
        return MetaReader(channel, token, name)
    raise SyncError("not synced", f"{channel.kind} channels have no inbox API here")
