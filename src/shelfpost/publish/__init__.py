"""Syndication: posts to Mastodon, Bluesky and manual channels, exactly once."""

from shelfpost.publish.channel import ChannelAdapter, Failure, Item, PlatformError, Sent
from shelfpost.publish.run import Outcome, Run, Settings, publish

__all__ = [
    "ChannelAdapter",
    "Failure",
    "Item",
    "Outcome",
    "PlatformError",
    "Run",
    "Sent",
    "Settings",
    "publish",
]
