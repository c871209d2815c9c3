"""Three years of metrics and inbox data for a generated library (issue 18, item 5),
written with shelfpost's own store writers, as `metrics sync` and `inbox sync` would
have written them run after run:

- ``data/metrics/accounts/YYYY-MM.csv``: one row per social channel and day;
- ``data/metrics/posts/YYYY-MM.csv``: three observations of each post published in the
  three years on each of its social channels (a day, a week and a month after), with
  counters that grow;
- ``data/interactions/YYYY-MM.csv``: about a dozen items a day per channel (replies,
  mentions, quotes, messages), most answered within hours, keyed by a hash as sync keys
  them.

Deterministic: the same library and ``now`` give the same files.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

SOCIAL = ("mastodon", "bluesky", "facebook", "instagram", "threads")
YEARS = 3


def write_history(lib: Path, now: datetime) -> dict[str, int]:
    from shelfpost.inbox import store as inbox_store
    from shelfpost.inbox.store import Item
    from shelfpost.library.loader import load_library
    from shelfpost.metrics import store
    from shelfpost.metrics.store import AccountRow, PostRow

    rng = random.Random(18)
    library = load_library(lib)
    assert library.config is not None
    tz = library.config.timezone
    start = now - timedelta(days=365 * YEARS)
    channels = [c.id for c in library.plan.channels.values() if c.kind in SOCIAL]

    accounts: dict[str, list[AccountRow]] = defaultdict(list)
    day = start.astimezone(tz).date()
    followers = dict.fromkeys(channels, 800)
    while day <= now.astimezone(tz).date():
        for cid in channels:
            followers[cid] += rng.randint(-1, 4)
            accounts[f"{day:%Y-%m}"].append(AccountRow(day, cid, followers[cid], 150, None))
        day += timedelta(days=1)
    for month, rows in accounts.items():
        store.write_accounts(lib, month, rows)

    posts: dict[str, list[PostRow]] = defaultdict(list)
    n_rows = 0
    for post in library.posts:
        if not start <= post.publish_at <= now:
            continue
        for cid in post.channels:
            if cid not in channels:
                continue
            likes = shares = replies = 0
            for after in (timedelta(days=1), timedelta(days=7), timedelta(days=30)):
                observed = post.publish_at + after
                if observed > now:
                    break
                likes += rng.randint(0, 25)
                shares += rng.randint(0, 6)
                replies += rng.randint(0, 4)
                row = PostRow(
                    observed.replace(microsecond=0), cid, post.slug, post.publish_at, likes, shares, replies
                )
                posts[observed.astimezone(tz).strftime("%Y-%m")].append(row)
                n_rows += 1
    for month, prows in posts.items():
        store.write_posts(lib, month, prows)

    items: dict[str, list[Item]] = defaultdict(list)
    n_items = 0
    moment = start
    kinds = ("reply", "reply", "mention", "quote", "direct")
    while moment < now:
        for cid in channels:
            for _ in range(rng.randint(0, 4)):  # per 8 hours: about six a day per channel
                received = (moment + timedelta(minutes=rng.randint(0, 479))).replace(microsecond=0)
                if received > now:
                    continue
                answered = received + timedelta(minutes=rng.randint(5, 2000)) if rng.random() < 0.8 else None
                if answered is not None and answered > now:
                    answered = None
                key = f"{rng.getrandbits(256):064x}"
                item = Item(
                    key, cid, rng.choice(kinds), received, answered, "answered" if answered else "open"
                )
                items[inbox_store.month_of(received, tz)].append(item)
                n_items += 1
        moment += timedelta(hours=8)
    for month, month_items in items.items():
        inbox_store.write_month(lib, month, month_items)
    return {"account rows": sum(map(len, accounts.values())), "post rows": n_rows, "inbox items": n_items}


def first_month(now: datetime) -> date:
    return (now - timedelta(days=365 * YEARS)).date().replace(day=1)


if __name__ == "__main__":  # python bench/history.py LIBRARY NOW
    import sys

    print(write_history(Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2])))
