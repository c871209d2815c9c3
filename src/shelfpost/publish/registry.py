"""Which adapter serves which kind of channel: ``kind`` -> factory.

A new platform is one module in :mod:`shelfpost.publish.adapters` with a
``create(channel, context)`` function, plus one entry in :data:`ADAPTERS`. The CLI
knows no platform: it builds one :class:`~shelfpost.publish.channel.Context`
(the environment, the state folder, the clock) and asks :func:`adapter_factory`.
Modules are imported when a channel of their kind is first used, so a run that
only posts to Mastodon never loads the Bluesky SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from shelfpost.library.model import Channel
from shelfpost.publish.channel import ChannelAdapter, Context, Failure, PlatformError

#: ``kind`` in plan/channels.yml -> the module whose ``create(channel, context)`` builds the adapter.
ADAPTERS: dict[str, str] = {
    "mastodon": "shelfpost.publish.adapters.mastodon",
    "bluesky": "shelfpost.publish.adapters.bluesky",
    "manual": "shelfpost.publish.adapters.manual",
    "facebook": "shelfpost.publish.adapters.facebook",
    "instagram": "shelfpost.publish.adapters.instagram",
    "threads": "shelfpost.publish.adapters.threads",
}

Factory = Callable[[Channel, Context], ChannelAdapter]

#: Kinds of channel that exist in plan/channels.yml but get no post of their own:
#: ``publish`` leaves them alone, and names who serves them.
NOT_PER_POST: dict[str, str] = {
    "site": "every live post is on the site",
    "feed": "every live post is in the feeds",
    "email": "`shelfpost digest` sends one message per period with the new posts",
}


def factory_for(kind: str) -> Factory:
    """The ``create`` function for ``kind``; :class:`PlatformError` when no adapter serves it."""
    module = ADAPTERS.get(kind)
    if kind in NOT_PER_POST:
        raise PlatformError(
            Failure.PERMANENT, f"{kind} channels get no post of their own: {NOT_PER_POST[kind]}"
        )
    if module is None:
        raise PlatformError(Failure.PERMANENT, f"shelfpost cannot post to {kind} channels")
    create: Factory = importlib.import_module(module).create
    return create


def adapter_factory(context: Context) -> Callable[[Channel], ChannelAdapter]:
    """What :class:`~shelfpost.publish.run.Run` calls to get a channel's adapter."""

    def make(channel: Channel) -> ChannelAdapter:
        try:
            create = factory_for(channel.kind)
        except PlatformError as exc:
            raise PlatformError(exc.failure, f"{channel.id}: {exc.message}") from None
        return create(channel, context)

    return make
