"""The AppView fixture itself: a reply written on the PDS comes back from the
REAL app.bsky.notification.listNotifications (computed by the AppView)."""

from __future__ import annotations

import pytest
from atproto import Client, models

from bsky_appview import AppView, appview  # noqa: F401 (the fixture)

pytestmark = pytest.mark.xdist_group("appview")


def test_notifications_come_from_the_appview(appview: AppView) -> None:  # noqa: F811
    reader = Client(base_url=appview.url + "/xrpc")
    reader.com.atproto.server.create_account(
        models.ComAtprotoServerCreateAccount.Data(
            handle="fixture-reader.test", password="pw-fixture", email="r@example.test"
        )
    )
    appview.process()
    library = Client(base_url=appview.url + "/xrpc")
    library.login(appview.handle, appview.password)
    post = library.send_post("開館時間 opening hours")
    appview.process()  # the AppView indexes repositories concurrently: the parent first, or the reply notifies no one
    me = reader.login("fixture-reader.test", "pw-fixture")
    ref = models.create_strong_ref(post)
    reader.send_post("請問週日有開嗎", reply_to=models.AppBskyFeedPost.ReplyRef(root=ref, parent=ref))
    appview.process()
    out = library.app.bsky.notification.list_notifications()
    assert [n.reason for n in out.notifications] == ["reply"]
    assert me is not None and out.notifications[0].author.did == me.did
