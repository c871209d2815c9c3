"""Makes the sample library's interactions for November 2026 (clearly fictional).

    .venv/bin/python scripts/make_sample_inbox.py

Writes data/interactions/2026-11.csv (Mastodon and Bluesky items), sync.yml and
data/interactions/manual/2026-11.yml (Facebook, counted by hand). No platform was
read: each item's key is the HMAC of a made-up id under SAMPLE_KEY, a fixture key
that is NOT a secret and must never be used for a real library. The same run
always writes the same bytes (a fixed random seed).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from shelfpost.inbox import store
from shelfpost.inbox.store import ChannelSync, Item

SAMPLE_KEY = b"sample-library-inbox-key-NOT-A-SECRET"  # a fixture, not a credential
ROOT = Path(__file__).resolve().parents[1]
TPE = ZoneInfo("Asia/Taipei")
START = datetime(2026, 11, 1, 8, 0, tzinfo=TPE)
END = datetime(2026, 11, 26, 11, 0, tzinfo=TPE)  # the sample's "now" is 2026-11-26 12:00
SYNCED = datetime(2026, 11, 26, 11, 30, tzinfo=TPE)


def made_up_items(rng: random.Random) -> list[Item]:
    items = []
    plan = {
        "mastodon": (34, ("reply", "reply", "mention", "direct", "quote")),
        "bluesky": (22, ("reply", "mention", "quote")),
    }
    for channel, (count, kinds) in plan.items():
        for n in range(count):
            received = START + timedelta(seconds=rng.randrange(int((END - START).total_seconds())))
            # opening hours: what comes in at night waits for the morning
            hours = rng.lognormvariate(0.9, 0.9) + (10 if received.hour >= 20 or received.hour < 8 else 0)
            answered = received + timedelta(hours=hours)
            roll = rng.random()
            state = "answered"
            if roll < 0.04:
                state = "spam"
            elif roll < 0.08:
                state = "no-reply-needed"
            elif roll < 0.10:
                state = "answered-elsewhere"
            elif answered > END:
                state = "open"
            key = store.item_key(SAMPLE_KEY, f"sample-{channel}", f"fictional-{n}")
            items.append(
                Item(
                    key,
                    channel,
                    rng.choice(kinds),
                    received.astimezone(UTC).replace(microsecond=0),
                    answered.astimezone(UTC).replace(microsecond=0) if state == "answered" else None,
                    state,
                )
            )
    # Two still open: one from this morning, one past the 24-hour target.
    for n, when in enumerate((END - timedelta(hours=2), END - timedelta(hours=30))):
        key = store.item_key(SAMPLE_KEY, "sample-mastodon", f"fictional-open-{n}")
        items.append(Item(key, "mastodon", "mention", when.astimezone(UTC), None, "open"))
    return items


def main() -> None:
    rng = random.Random(202611)
    items = made_up_items(rng)
    store.write_month(ROOT, "2026-11", items)
    newest = {c: max(i.received for i in items if i.channel == c) for c in ("mastodon", "bluesky")}
    store.write_sync(
        ROOT,
        {c: ChannelSync(t, SYNCED.astimezone(UTC), SYNCED.astimezone(UTC), None) for c, t in newest.items()},
    )
    manual = ROOT / "data/interactions/manual/2026-11.yml"
    manual.parent.mkdir(parents=True, exist_ok=True)
    manual.write_text(
        "# Counted by hand from the Facebook page's inbox (fictional sample numbers).\n"
        "channels:\n  facebook: {received: 41, answered: 38, excluded: 2, median_hours: 5.5}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
