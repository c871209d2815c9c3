"""Threads, through the Threads API (graph.threads.net).

A post is a container (``POST /{threads-user-id}/threads`` with ``media_type`` ``TEXT``
or ``IMAGE``, the ``text``, ``image_url`` and ``alt_text``), then ``POST
/{threads-user-id}/threads_publish`` (*Threads Posts*). The text is what
:func:`~shelfpost.library.channeltext.channel_text` made and counted (500 characters,
an emoji as its UTF-8 bytes); the first link of a text post becomes its preview. The
container flow is :class:`~shelfpost.publish.adapters.graph.Containers`. Threads posts
cannot be edited through the API; deletion is ``DELETE /{threads-media-id}``.
"""

from __future__ import annotations

from typing import Any

from shelfpost.library.model import Channel
from shelfpost.publish.adapters.graph import Containers, Flavour, Graph
from shelfpost.publish.channel import Context, Item, Sent

FLAVOUR = Flavour(
    container_edge="threads",
    publish_edge="threads_publish",
    limit_edge="threads_publishing_limit",
    status_field="status",
    list_edge="threads",
    text_field="text",
    name="Threads",
)


class ThreadsAdapter:
    def __init__(self, channel: Channel, token: str, *, api: Any | None = None) -> None:
        self.channel = channel
        self.graph = Graph(channel, token, api=api)
        self.containers = Containers(self.graph, FLAVOUR)

    def post(self, item: Item) -> Sent:
        params = {"media_type": "TEXT", "text": item.text}
        if item.images and item.image_urls:
            params |= {"media_type": "IMAGE", "image_url": item.image_urls[0], "alt_text": item.images[0].alt}
        return self.containers.publish(item, params, self.containers.find)

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        return self.containers.find(item)

    def delete(self, remote_id: str) -> None:
        self.graph.delete("delete", remote_id)

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        return None  # the API cannot change a thread's text

    def token_expiry(self) -> Any:
        return self.graph.token_expiry()


def create(channel: Channel, context: Context) -> ThreadsAdapter:
    """The registry's factory: the Threads token from the variable ``credentials.access_token`` names."""
    return ThreadsAdapter(channel, context.secret(channel, "access_token"))
