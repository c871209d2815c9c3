"""Publication records read back exactly as shelfpost wrote them, with libyaml's loader or without."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shelfpost.library import records
from shelfpost.library.records import AuditRecord, ChannelRecord, PostRecord, load_record, save_record

needs_libyaml = pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")

# Every field filled, with values a resolver could mistake for something else: keys and
# ids made of digits (int, octal, hex, float, sexagesimal), dates, booleans, null.
FULL = PostRecord(
    "图书馆-新书",
    "content/posts/2026/2026-03-01-图书馆-新书.md",
    {
        "mastodon": ChannelRecord(
            "published",
            "12345678901234567890123456789012",
            remote_id="0123456789",
            url="https://m.example/@青川图书馆/0123456789",
            at="2026-03-01T09:00:00+08:00",
            attempts=3,
            error="第一次：超时（504）\n第二次: 503: try again # later\n  indented: yes",
            rkey="3m6yedkpqc2ql",
            edited_at="2026-03-02T01:02:03Z",
            digest="0000000000001234",
        ),
        "bluesky": ChannelRecord(
            "unknown",
            "1e10",
            remote_id="at://did:plc:abc/app.bsky.feed.post/3m6yedkpqc2ql",
            url="null",
            at="2026-03-01",
            attempts=1,
            error="yes",
            rkey="0x1F",
            edited_at="12:30",
            digest="1_000",
        ),
    },
    AuditRecord("amy-lin", ("李明", "ben"), 42, "1234567890" * 4, "2026-03-01T01:00:00+00:00"),
    {
        "later": {
            "when": datetime(2026, 3, 1, 9, 0, 30, tzinfo=timezone(timedelta(hours=8))),
            "day": date(2026, 3, 1),
            "note": "读者留言：很好！ 😀",
            "numbers": [1, 2.5, "3", "010", "+1", ".5", "~", "", True, None],
            "quote": "'single' \"double\" \\back\\slash",
        }
    },
)


def typed(value: Any) -> str:
    """``repr`` tells 1 from 1.0 from True and a str from a date, where ``==`` does not."""
    return repr(value)


@needs_libyaml
def test_a_full_record_reads_the_same_through_libyaml_and_pure_python(tmp_path: Path) -> None:
    text = save_record(tmp_path, FULL).read_text(encoding="utf-8")
    assert "图书馆" in text  # written as text (allow_unicode), not escaped
    python = yaml.load(text, Loader=yaml.SafeLoader)
    c = yaml.load(text, Loader=yaml.CSafeLoader)
    assert typed(c) == typed(python) == typed(FULL.to_dict())


@pytest.mark.parametrize("loader", ["default", "pure-python"])
def test_a_full_record_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: str) -> None:
    if loader == "pure-python":
        monkeypatch.setattr(records, "_Loader", yaml.SafeLoader)
    save_record(tmp_path, FULL)
    back = load_record(tmp_path, FULL.slug)
    assert back == FULL
    assert typed(back.to_dict()) == typed(FULL.to_dict())
    assert back.channels["mastodon"].at == "2026-03-01T09:00:00+08:00"  # a string, never a datetime
    assert back.channels["mastodon"].digest == "0000000000001234"  # not the octal number 668


@needs_libyaml
@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_any_text_shelfpost_writes_reads_the_same_with_either_loader(values: list[str]) -> None:
    record = PostRecord(
        "post",
        "content/posts/p.md",
        {"c": ChannelRecord(values[0], values[-1], error="\n".join(values))},
        extra={"values": values},
    )
    with tempfile.TemporaryDirectory() as folder:
        text = save_record(Path(folder), record).read_text(encoding="utf-8")

    def read(loader: Any) -> str:
        try:
            return typed(yaml.load(text, Loader=loader))
        except yaml.YAMLError as exc:
            return type(exc).__name__

    assert read(yaml.CSafeLoader) == read(yaml.SafeLoader)
