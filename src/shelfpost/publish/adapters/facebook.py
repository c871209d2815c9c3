"""A Facebook Page, through the Pages API (Graph API, python-facebook-api).

A post with an image goes to ``POST /{page-id}/photos`` with the image on the deployed
site (``url``), the text as ``caption`` and the alt text (``alt_text_custom``); without
one to ``POST /{page-id}/feed`` with ``message`` and ``link`` (Facebook makes the link
card). There is no idempotency key: :meth:`find` looks through the Page's posts since an
hour before the post's time for one carrying the post's link, and the run asks it before
the first try and after any unknown outcome. Edits (``POST /{post-id}``) and deletions
(``DELETE /{post-id}``) are applied. Pages API > Posts.
"""

from __future__ import annotations

from typing import Any

from shelfpost.library.model import Channel
from shelfpost.publish.adapters.graph import Graph, look_back
from shelfpost.publish.channel import Context, Failure, Item, PlatformError, Sent


def _link(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


class FacebookAdapter:
    def __init__(self, channel: Channel, token: str, *, api: Any | None = None) -> None:
        self.channel = channel
        self.graph = Graph(channel, token, api=api)

    def post(self, item: Item) -> Sent:
        page = self.graph.account
        if item.images and item.image_urls:
            data = self.graph.post(
                "post",
                f"{page}/photos",
                url=item.image_urls[0],
                caption=item.text,
                alt_text_custom=item.images[0].alt,
            )
            post_id = str(data.get("post_id") or "")
        else:
            data = self.graph.post("post", f"{page}/feed", message=item.text, link=item.url)
            post_id = str(data.get("id") or "")
        if not post_id:
            raise PlatformError(Failure.UNKNOWN, "post: Facebook answered without a post id")
        return Sent(post_id, _link(post_id))

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        if remote_id:
            try:
                data = self.graph.get("look up", remote_id, fields="id,permalink_url")
                return Sent(str(data.get("id") or remote_id), data.get("permalink_url") or _link(remote_id))
            except PlatformError as exc:
                if exc.failure is not Failure.PERMANENT or "token" in exc.message:
                    raise
        for entry in self.graph.pages(
            "look up", "posts", look_back(item), "id,message,permalink_url,created_time"
        ):
            if item.url in str(entry.get("message") or ""):
                return Sent(str(entry["id"]), entry.get("permalink_url") or _link(str(entry["id"])))
        return None

    def delete(self, remote_id: str) -> None:
        self.graph.delete("delete", remote_id)

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        self.graph.post("edit", remote_id, message=item.text)
        return Sent(remote_id, _link(remote_id))

    def token_expiry(self) -> Any:
        return self.graph.token_expiry()


def create(channel: Channel, context: Context) -> FacebookAdapter:
    """The registry's factory: the Page token from the variable ``credentials.access_token`` names."""
    return FacebookAdapter(channel, context.secret(channel, "access_token"))
