"""Instagram (a professional account linked to the Page), through the Instagram Graph API.

A post is a media container (``POST /{ig-user-id}/media`` with ``image_url``, the image
on the deployed site, the ``caption`` and ``alt_text``), then ``POST
/{ig-user-id}/media_publish`` with its id (*Content Publishing*). Instagram takes no
post without an image: ``check`` says so before a run does. The container flow
(publishing limit first, the container id recorded before publishing, expired
containers made again) is :class:`~shelfpost.publish.adapters.graph.Containers`.
Instagram media cannot be edited through the API; deletion is ``DELETE /{ig-media-id}``.
"""

from __future__ import annotations

from typing import Any

from shelfpost.library.model import Channel
from shelfpost.publish.adapters.graph import Containers, Flavour, Graph
from shelfpost.publish.channel import Context, Failure, Item, PlatformError, Sent

FLAVOUR = Flavour(
    container_edge="media",
    publish_edge="media_publish",
    limit_edge="content_publishing_limit",
    status_field="status_code",
    list_edge="media",
    text_field="caption",
    name="Instagram",
)


class InstagramAdapter:
    def __init__(self, channel: Channel, token: str, *, api: Any | None = None) -> None:
        self.channel = channel
        self.graph = Graph(channel, token, api=api)
        self.containers = Containers(self.graph, FLAVOUR)

    def post(self, item: Item) -> Sent:
        if not (item.images and item.image_urls):
            raise PlatformError(
                Failure.PERMANENT,
                "post: Instagram takes no post without an image: add image: and image_alt: to the post",
            )
        params = {"image_url": item.image_urls[0], "caption": item.text, "alt_text": item.images[0].alt}
        return self.containers.publish(item, params, self.containers.find)

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        return self.containers.find(item)

    def delete(self, remote_id: str) -> None:
        self.graph.delete("delete", remote_id)

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        return None  # the API cannot change a caption

    def token_expiry(self) -> Any:
        return self.graph.token_expiry()


def create(channel: Channel, context: Context) -> InstagramAdapter:
    """The registry's factory: the Page token from the variable ``credentials.access_token`` names."""
    return InstagramAdapter(channel, context.secret(channel, "access_token"))
