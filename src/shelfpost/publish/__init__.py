"""Syndication: posts to Mastodon, Bluesky and manual channels, exactly once."""

from .base import ChannelAdapter, Failure, Item, PlatformError, Sent
from .run import Outcome, Run, Settings, publish

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
