"""Writes three months (September to November 2026) of FICTIONAL metrics for the
sample library: daily follower counts of its Mastodon, Bluesky and Facebook
accounts, the counters of each post it published there, and the score counts of a
reader-satisfaction survey. The numbers come from a seeded random generator shaped
like a small public library's accounts (a few hundred followers, a handful of
interactions a post); no real account or person is behind any of them.

    .venv/bin/python scripts/make_sample_metrics.py     # rewrites data/metrics/ (same bytes each run)
"""

from __future__ import annotations

import random
import shutil
from datetime import UTC, date, timedelta
from pathlib import Path

from shelfpost.library.loader import load_library
from shelfpost.metrics import store
from shelfpost.metrics.store import AccountRow, PostRow

ROOT = Path(__file__).resolve().parents[1]
FIRST, LAST = date(2026, 9, 1), date(2026, 11, 30)
START = {"mastodon": (412, 0.9), "bluesky": (188, 0.8), "facebook": (1480, 1.6)}  # followers, gain a day
TYPE_RATE = {"news": 0.045, "resource": 0.06, "event": 0.075}
#: Reader-satisfaction survey (fictional): scores 1-5 per month.
SURVEY = {
    "2026-09": {1: 3, 2: 6, 3: 14, 4: 22, 5: 13},
    "2026-10": {1: 2, 2: 5, 3: 12, 4: 26, 5: 17},
    "2026-11": {1: 2, 2: 4, 3: 11, 4: 27, 5: 21},
}


def main() -> None:
    rng = random.Random(15)
    library = load_library(ROOT)
    assert library.config is not None
    tz = library.config.timezone
    folder = ROOT / store.FOLDER
    if folder.exists():
        shutil.rmtree(folder)

    accounts: list[AccountRow] = []
    followers: dict[tuple[str, date], int] = {}
    for channel, (count, gain) in START.items():
        day, value, posts = FIRST, float(count), 120
        while day <= LAST:
            value += max(-1.0, rng.gauss(gain, 1.2))
            posts += day.weekday() in (0, 2, 4)
            followers[(channel, day)] = round(value)
            following = 35 + (day - FIRST).days // 20 if channel != "facebook" else None
            accounts.append(
                AccountRow(day, channel, round(value), following, posts if channel != "facebook" else None)
            )
            day += timedelta(days=1)
    for month in sorted({r.day.strftime("%Y-%m") for r in accounts}):
        store.write_accounts(ROOT, month, [r for r in accounts if r.day.strftime("%Y-%m") == month])

    rows: list[PostRow] = []
    for post in sorted(library.posts, key=lambda p: p.publish_at):
        local = post.publish_at.astimezone(tz).date()
        if post.draft or post.withdrawn or not FIRST <= local <= LAST:
            continue
        for channel in ("mastodon", "bluesky", "facebook"):
            if channel not in post.channels:
                continue
            base = TYPE_RATE.get(post.type, 0.05) * (1.5 if post.partners else 1.0)
            base *= 1.2 if 9 <= post.publish_at.astimezone(tz).hour <= 11 else 0.9
            published = post.publish_at.astimezone(UTC)
            observed = published + timedelta(days=3)
            if channel == "facebook":
                reach = round(followers[(channel, local)] * rng.uniform(0.25, 0.6))
                total = round(reach * base * rng.uniform(0.6, 1.4))
                likes, replies = round(total * 0.7), round(total * 0.12)
                rows.append(
                    PostRow(
                        observed,
                        channel,
                        post.slug,
                        published,
                        likes,
                        total - likes - replies,
                        replies,
                        None,
                        reach,
                        round(reach * rng.uniform(1.3, 1.8)),
                        round(reach * rng.uniform(0.03, 0.09)),
                    )
                )
            else:
                total = max(0, round(followers[(channel, local)] * base * rng.uniform(0.5, 1.5)))
                likes = round(total * 0.6)
                shares = round(total * 0.25)
                replies = max(0, total - likes - shares - 1)
                rows.append(
                    PostRow(
                        observed,
                        channel,
                        post.slug,
                        published,
                        likes,
                        shares,
                        replies,
                        total - likes - shares - replies,
                    )
                )
    for month in sorted({r.observed.astimezone(tz).strftime("%Y-%m") for r in rows}):
        store.write_posts(
            ROOT, month, [r for r in rows if r.observed.astimezone(tz).strftime("%Y-%m") == month]
        )
    store.write_survey(ROOT, "reader-satisfaction", SURVEY)
    print(
        f"wrote {len(accounts)} account rows, {len(rows)} post rows and {sum(sum(v.values()) for v in SURVEY.values())} survey answers (as counts) under {store.FOLDER}/"
    )


if __name__ == "__main__":
    main()
