"""``shelfpost metrics import``: exports of platforms without an open API.

- Meta Business Suite post exports (Facebook and Instagram): UTF-8 with a byte-order
  mark, one row per post with lifetime totals. The columns drift between months (32
  to 34 of them), so the columns needed are found by name, in English or in
  Traditional Chinese (the account's language). Only these are read: post id,
  publish time, reach, views, reactions (or likes), comments, shares, clicks; the
  page name is compared with the channel's to refuse another account's export.
- Meta's daily page-level exports (Insights > Export): UTF-16 with a ``sep=,`` first
  line, a date and one value per day (the followers): account rows.
- Any other platform (WeChat's official-account export...) through the channel's
  ``metrics_columns`` mapping in ``plan/channels.yml``.

Rows are added only where a counter changed: importing the same file twice changes
nothing. Nothing about people is read: no names, no comments' text.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from shelfpost.errors import ShelfpostError
from shelfpost.library.model import Channel, Library
from shelfpost.library.progress import Progress, tick
from shelfpost.metrics import store
from shelfpost.metrics.store import AccountRow, PostRow

#: Each field and the headers Meta gives it, in English and in Traditional Chinese.
META_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "post": ("Post ID", "貼文編號", "貼文 ID"),
    "published": ("Publish time", "發佈時間", "發布時間"),
    "reach": ("Reach", "觸及人數"),
    "views": ("Views", "瀏覽次數", "Impressions", "曝光次數"),
    "likes": ("Reactions", "心情", "Likes", "讚"),
    "replies": ("Comments", "留言", "留言次數"),
    "shares": ("Shares", "分享", "分享次數"),
    "clicks": ("Total clicks", "總點擊次數", "Link clicks", "連結點擊次數"),
    "page": ("Page name", "粉絲專頁名稱", "Account username", "帳號用戶名稱", "Account name", "帳號名稱"),
}
REQUIRED = ("post", "published", "reach")
MAPPABLE = ("post", "published", "reach", "views", "likes", "shares", "replies", "quotes", "clicks")
DAY_COLUMNS = ("Date", "日期")
#: Two hours either side: a Meta post is the library's post published on that channel then.
MATCH_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class Imported:
    kind: str  # posts | followers
    rows: int
    changed: int = 0
    unchanged: int = 0
    matched: int = 0  # posts matched to the library's own posts


def decode(data: bytes) -> str:
    """UTF-16 (Meta's page exports), UTF-8 with or without a BOM, else GB18030 (WeChat)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_table(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = decode(path.read_bytes())
    delimiter = ","
    first, _, rest = text.partition("\n")
    if first.strip().lower().startswith("sep="):  # Excel's hint, as Meta writes it
        delimiter = first.strip()[4:5] or ","
        text = rest
    else:
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append((reader.line_num, dict(zip(header, (c.strip() for c in row), strict=False))))
    return header, rows


def _find(header: Sequence[str], names: Sequence[str]) -> str | None:
    lowered = {h.casefold(): h for h in header}
    for name in names:
        if name.casefold() in lowered:
            return lowered[name.casefold()]
    return None


def _missing(path: Path, header: Sequence[str], missing: Sequence[str], what: str) -> ShelfpostError:
    return ShelfpostError(
        [],
        f"{path.name}: not {what}: it has the columns {', '.join(header) or '(none)'}; "
        f"missing: {', '.join(missing)}",
    )


def _number(text: str, path: Path, line: int, column: str) -> int | None:
    cleaned = text.replace(",", "").replace(" ", "")
    if cleaned in ("", "-", "--"):
        return None
    try:
        value = int(float(cleaned))
    except ValueError:
        raise ShelfpostError([], f"{path.name}:{line}: {column}: {text!r} is not a number") from None
    if value < 0:
        raise ShelfpostError([], f"{path.name}:{line}: {column}: {value} is below zero")
    return value


TIME_FORMATS = (
    "%m/%d/%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
)


def parse_time(text: str, tz: tzinfo, path: Path, line: int) -> datetime:
    """Meta's ``09/03/2026 10:00`` (the page's zone), ISO 8601, ``2026/09/03 10:00``."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    except ValueError:
        pass
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise ShelfpostError([], f"{path.name}:{line}: {text!r} is not a time (e.g. 09/03/2026 10:00)")


def import_file(
    library: Library, path: Path, channel: Channel, now: datetime, *, progress: Progress | None = None
) -> Imported:
    assert library.config is not None
    tz = library.config.timezone
    header, rows = read_table(path)
    if _find(header, DAY_COLUMNS) and len(header) == 2:
        return _import_days(library, path, header, rows, channel, tz)
    if channel.metrics_columns:
        unknown = sorted(set(channel.metrics_columns) - set(MAPPABLE))
        if unknown:
            raise ShelfpostError(
                [],
                f"plan/channels.yml: {channel.id}.metrics_columns: unknown field(s) {', '.join(unknown)} "
                f"(allowed: {', '.join(MAPPABLE)})",
            )
        columns = {f: (c if c in header else None) for f, c in channel.metrics_columns.items()}
        what = f"the export plan/channels.yml maps for {channel.id}"
    else:
        columns = {f: _find(header, names) for f, names in META_COLUMNS.items()}
        what = "a Meta Business Suite post export"
    if channel.metrics_columns:
        missing = [
            f"{f} ({channel.metrics_columns.get(f, 'not mapped')})" for f in REQUIRED if not columns.get(f)
        ]
    else:
        missing = [f"{f} ({' / '.join(META_COLUMNS[f][:2])})" for f in REQUIRED if not columns.get(f)]
    if missing:
        raise _missing(path, header, missing, what)
    _same_account(path, rows, columns.get("page"), channel)

    ours = sorted(
        (p for p in library.posts if channel.id in p.channels and not p.draft and not p.withdrawn),
        key=lambda p: p.publish_at,
    )
    times = [p.publish_at for p in ours]  # sorted: the posts near a time by bisection, not a scan
    out: list[PostRow] = []
    matched = 0
    observed = now.astimezone(UTC).replace(microsecond=0)
    for done, (line, row) in enumerate(rows):
        if done % 500 == 0:
            tick(progress, f"metrics import {path.name}", done, len(rows), "rows")
        post_id = row.get(columns["post"] or "", "").strip().strip("'")
        if not post_id:
            raise ShelfpostError([], f"{path.name}:{line}: the post id is empty")
        published = parse_time(row[columns["published"] or ""], tz, path, line)
        lo = bisect.bisect_left(times, published - MATCH_WINDOW)
        hi = bisect.bisect_right(times, published + MATCH_WINDOW)
        near = ours[lo:hi]
        key = near[0].slug if len(near) == 1 else f"{channel.id}:{post_id}"
        matched += len(near) == 1
        values = {
            f: _number(row.get(c, ""), path, line, c) for f, c in columns.items() if c and f in store.COUNTERS
        }
        out.append(
            PostRow(observed, channel.id, key, published.astimezone(UTC).replace(microsecond=0), **values)
        )
    tick(progress, f"metrics import {path.name}", len(rows), len(rows), "rows")
    month = now.astimezone(tz).strftime("%Y-%m")
    added = store.add_post_rows(library.root, month, out)
    return Imported("posts", len(out), added.changed, added.unchanged, matched)


def _same_account(
    path: Path, rows: list[tuple[int, dict[str, str]]], column: str | None, channel: Channel
) -> None:
    if not column:
        return
    names = {row.get(column, "") for _, row in rows} - {""}
    known = {n.strip().lstrip("@") for n in (channel.handle, channel.name) if n}
    if names and known and not names & known:
        raise ShelfpostError(
            [],
            f"{path.name}: an export of another account ({column}: {', '.join(sorted(names))}); "
            f"{channel.id} is {', '.join(sorted(known))} in plan/channels.yml",
        )


def _import_days(
    library: Library,
    path: Path,
    header: list[str],
    rows: list[tuple[int, dict[str, str]]],
    channel: Channel,
    tz: tzinfo,
) -> Imported:
    day_col = _find(header, DAY_COLUMNS) or ""
    value_col = next(h for h in header if h != day_col)
    out = []
    for line, row in rows:
        text = row.get(day_col, "")
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
        if not m:
            raise ShelfpostError([], f"{path.name}:{line}: {text!r} is not a date (YYYY-MM-DD)")
        out.append(
            AccountRow(
                date(*(int(g) for g in m.groups())),
                channel.id,
                _number(row.get(value_col, ""), path, line, value_col),
            )
        )
    changed = store.add_account_rows(library.root, out)
    return Imported("followers", len(out), changed, len(out) - changed)
