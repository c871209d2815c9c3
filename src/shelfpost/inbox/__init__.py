"""The interactions inbox: what the public sent the library and whether it was answered.

Metadata only. Per item the store keeps a keyed hash (HMAC-SHA256) of the platform
and the item's id, the channel, the kind, when it came in, when the library first
answered and a state; never a text, a name, a handle, a raw id or a URL.

- :mod:`store`: the monthly files ``data/interactions/YYYY-MM.csv`` and the sync state.
- :mod:`sync`: one channel's reader → new items and answers → merged into the store.
- :mod:`mastodon`, :mod:`bluesky`: the readers (Mastodon.py, atproto).
- :mod:`report`: the month's numbers for ``shelfpost inbox`` and ``status``.
"""
