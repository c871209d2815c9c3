"""Seeding the inbox tests: accounts of the public that reply to, mention and
message the library on a real mastodon-mock, and the library's answers. Every
name, handle and text is distinctive so the privacy test can look for it."""

from __future__ import annotations

import csv
import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

INBOX_KEY = "fixture-inbox-key-not-a-secret-0001"  # a test fixture, not a credential


def utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass
class Expected:
    """What the test itself counts from the seed: item -> (kind, received, first answer)."""

    items: dict[str, tuple[str, datetime, datetime | None]] = field(default_factory=dict)

    def numbers(self) -> dict[str, Any]:
        times = sorted(int((a - r).total_seconds()) for _, r, a in self.items.values() if a is not None)
        answered = len(times)
        received = len(self.items)
        return {
            "received": received,
            "answered": answered,
            "excluded": 0,
            "reply_rate": round(answered / received, 3) if received else None,
            "median_response_s": round(statistics.median(times)) if times else None,
            "p90_response_s": times[math.ceil(0.9 * len(times)) - 1] if times else None,
        }

    def kinds(self) -> list[str]:
        return sorted(k for k, _, _ in self.items.values())


class Masto:
    """A small client of mastodon-mock for seeding (plain HTTP, as any app would)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def user(self, username: str, display_name: str) -> str:
        r = requests.post(
            f"{self.base}/api/v1/_mock/dev_user",
            json={"username": username, "display_name": display_name},
            timeout=10,
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def post(self, token: str, text: str, **params: Any) -> dict[str, Any]:
        r = requests.post(
            f"{self.base}/api/v1/statuses",
            headers={"Authorization": f"Bearer {token}"},
            data={"status": text, **params},
            timeout=10,
        )
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out

    def delete(self, token: str, status_id: str) -> None:
        requests.delete(
            f"{self.base}/api/v1/statuses/{status_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).raise_for_status()

    def notifications(self, token: str) -> dict[str, datetime]:
        """status id -> when its mention notification came (include_filtered)."""
        r = requests.get(
            f"{self.base}/api/v1/notifications",
            headers={"Authorization": f"Bearer {token}"},
            params=[
                ("include_filtered", "true"),
                ("limit", "80"),
                ("types[]", "mention"),
                ("types[]", "quote"),
            ],
            timeout=10,
        )
        r.raise_for_status()
        return {str(n["status"]["id"]): utc(n["created_at"]) for n in r.json() if n.get("status")}

    def policy(self, token: str, **fields: str) -> None:
        requests.patch(
            f"{self.base}/api/v1/notifications/policy",
            headers={"Authorization": f"Bearer {token}"},
            json=fields,
            timeout=10,
        ).raise_for_status()


#: Distinctive things members of the public "wrote": none may appear anywhere we write.
SECRETS_OF_THE_PUBLIC = [
    "zq_reader_mei",
    "Mei-Ling Zhuangqiu",
    "zq_reader_tomas",
    "Tomasz Quellwerk",
    "zq_reader_hana",
    "Hana Xiphodon",
    "zq_stranger_olu",
    "Olu Vantablack",
    "zq_reader_kofi",
    "Kofi Brightwater",
    "MARMALADE-HEDGEHOG-7741",
    "請幫我續借哲學書QX",
    "my library card number is 4417-ZX",
    "PLATYPUS-OBSERVATORY-3310",
    "ZEBRA-LANTERN-5521",
    "deleted-CORMORANT-0099",
]


def seed_mastodon(m: Masto) -> tuple[str, Expected]:
    """Seeds the library (`library` on the mock) and five members; returns the library's
    token and what the test expects ``inbox sync`` to record."""
    lib = m.user("library", "晴川市立圖書館")
    mei = m.user("zq_reader_mei", "Mei-Ling Zhuangqiu")
    tomas = m.user("zq_reader_tomas", "Tomasz Quellwerk")
    hana = m.user("zq_reader_hana", "Hana Xiphodon")
    olu = m.user("zq_stranger_olu", "Olu Vantablack")
    kofi = m.user("zq_reader_kofi", "Kofi Brightwater")
    # Mentions from accounts the library does not follow are filtered into requests
    # (Mastodon 4.3+ policies): only include_filtered=true sees them.
    m.policy(lib, for_not_following="filter")
    post = m.post(lib, "本週新書 New books this week")

    seen: dict[str, tuple[str, str | None]] = {}  # status id -> (kind, answer created_at)
    # A reply to the library's post, answered.
    r1 = m.post(mei, "@library MARMALADE-HEDGEHOG-7741 when do you open?", in_reply_to_id=post["id"])
    a1 = m.post(lib, "@zq_reader_mei 9:00 every day", in_reply_to_id=r1["id"])
    seen[r1["id"]] = ("reply", a1["created_at"])
    # A reply to the library's reply (a thread): a new item, left open.
    r2 = m.post(mei, "@library thanks! and on holidays?", in_reply_to_id=a1["id"])
    seen[r2["id"]] = ("reply", None)
    # A mention, unanswered.
    r3 = m.post(tomas, "@library PLATYPUS-OBSERVATORY-3310 is great")
    seen[r3["id"]] = ("mention", None)
    # A private message, answered with a private message.
    d1 = m.post(hana, "@library 請幫我續借哲學書QX", visibility="direct")
    d1a = m.post(lib, "@zq_reader_hana 已續借", visibility="direct", in_reply_to_id=d1["id"])
    seen[d1["id"]] = ("direct", d1a["created_at"])
    # A conversation: two messages, the library answers the later one: both answered.
    k1 = m.post(kofi, "@library my library card number is 4417-ZX", visibility="direct")
    k2 = m.post(
        kofi, "@library ZEBRA-LANTERN-5521 still there?", visibility="direct", in_reply_to_id=k1["id"]
    )
    k2a = m.post(
        lib, "@zq_reader_kofi please do not post card numbers", visibility="direct", in_reply_to_id=k2["id"]
    )
    seen[k1["id"]] = ("direct", k2a["created_at"])
    seen[k2["id"]] = ("direct", k2a["created_at"])
    # A stranger's mention (filtered by the policy), answered.
    s1 = m.post(olu, "@library Olu here, is the makerspace free?")
    s1a = m.post(lib, "@zq_stranger_olu yes, book it online", in_reply_to_id=s1["id"])
    seen[s1["id"]] = ("mention", s1a["created_at"])
    # A mention deleted before the sync: not an item.
    gone = m.post(tomas, "@library deleted-CORMORANT-0099")
    m.delete(tomas, gone["id"])

    came = m.notifications(lib)
    expected = Expected()
    for sid, (kind, answer) in seen.items():
        expected.items[sid] = (kind, came[sid], utc(answer) if answer else None)
    return lib, expected


def rows(root: Path) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted((root / "data/interactions").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            out.extend(csv.DictReader(handle))
    return out
