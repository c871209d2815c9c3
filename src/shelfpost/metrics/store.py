"""The metrics files: one CSV per month and kind, fixed columns, sorted, so a rerun
writes the same bytes and a year of history stays small and diffs read well.

``data/metrics/accounts/YYYY-MM.csv``: one row per channel and day::

    date,channel,followers,following,posts

``data/metrics/posts/YYYY-MM.csv``: one row each time a post's counters changed
(the month is the month of the observation, in the library's zone)::

    observed,channel,post,published,likes,shares,replies,quotes,reach,views,clicks

``post`` is the library's slug when the post is known, else ``<platform>:<id>`` of
the library's own post. An empty cell is "not available" (Mastodon and Bluesky
report no reach or views), never zero. Who liked or shared is never stored.

``data/metrics/surveys/<survey>.csv``: ``period,score,count``, one row per month
and score: the only thing kept of a survey.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from shelfpost.errors import ShelfpostError
from shelfpost.library.atomic import write_atomically

FOLDER = "data/metrics"
ACCOUNT_COLUMNS = ("date", "channel", "followers", "following", "posts")
POST_COLUMNS = (
    "observed", "channel", "post", "published", "likes", "shares", "replies", "quotes", "reach", "views", "clicks",
)  # fmt: skip
COUNTERS = ("likes", "shares", "replies", "quotes", "reach", "views", "clicks")
INTERACTIONS = ("likes", "shares", "replies", "quotes")
SURVEY_COLUMNS = ("period", "score", "count")


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    # The files' one form, YYYY-MM-DDTHH:MM:SSZ, by fromisoformat (strptime was most of a
    # three-year report's time); anything else goes through strptime, which refuses it.
    if len(text) == 20 and text[10] == "T" and text[19] == "Z" and text[4] == text[7] == "-":
        try:
            return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _num(text: str) -> int | None:
    if text == "":
        return None
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class AccountRow:
    day: date
    channel: str
    followers: int | None
    following: int | None = None
    posts: int | None = None

    def row(self) -> list[str]:
        return [
            self.day.isoformat(),
            self.channel,
            _cell(self.followers),
            _cell(self.following),
            _cell(self.posts),
        ]


@dataclass(frozen=True)
class PostRow:
    observed: datetime
    channel: str
    post: str
    published: datetime | None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    quotes: int | None = None
    reach: int | None = None
    views: int | None = None
    clicks: int | None = None

    def counters(self) -> tuple[int | None, ...]:
        return tuple(getattr(self, c) for c in COUNTERS)

    @property
    def interactions(self) -> int:
        return sum(getattr(self, c) or 0 for c in INTERACTIONS)

    def row(self) -> list[str]:
        return [
            utc_text(self.observed),
            self.channel,
            self.post,
            utc_text(self.published) if self.published else "",
            *(_cell(v) for v in self.counters()),
        ]


def month_path(root: Path, kind: str, month: str) -> Path:
    return root / FOLDER / kind / f"{month}.csv"


def months(root: Path, kind: str) -> list[str]:
    folder = root / FOLDER / kind
    return sorted(p.stem for p in folder.glob("????-??.csv")) if folder.is_dir() else []


def _rows(
    root: Path, kind: str, month: str, columns: tuple[str, ...]
) -> Iterable[tuple[int, list[str], str]]:
    path = month_path(root, kind, month)
    if not path.is_file():
        return
    rel = f"{FOLDER}/{kind}/{path.name}"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        if tuple(header) != columns:
            raise ShelfpostError(
                [], f"{rel}:1: the header must be {','.join(columns)}: restore the file from git"
            )
        for row in reader:
            yield reader.line_num, row, rel


def _bad(rel: str, line: int, columns: tuple[str, ...]) -> ShelfpostError:
    return ShelfpostError(
        [], f"{rel}:{line}: not a metrics row ({','.join(columns)}): restore the file from git"
    )


#: The rows of each month file read in this process, by path and (mtime, size, inode):
#: a report reads every month for each of its periods. Files are only ever replaced
#: whole (write_atomically), so a changed file has a new stat and is read again.
_READ: dict[tuple[str, Path], tuple[tuple[int, int, int], list[Any]]] = {}


def _memo(kind: str, path: Path, read: Callable[[], list[Any]]) -> list[Any]:
    try:
        st = path.stat()
    except OSError:
        return read()
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _READ.get((kind, path))
    if hit is None or hit[0] != stamp:
        hit = _READ[(kind, path)] = (stamp, read())
    return list(hit[1])


def read_accounts(root: Path, month: str) -> list[AccountRow]:
    return _memo("accounts", month_path(root, "accounts", month), lambda: _read_accounts(root, month))


def _read_accounts(root: Path, month: str) -> list[AccountRow]:
    out = []
    for line, row, rel in _rows(root, "accounts", month, ACCOUNT_COLUMNS):
        try:
            day, channel, followers, following, posts = row
            out.append(
                AccountRow(date.fromisoformat(day), channel, _num(followers), _num(following), _num(posts))
            )
        except ValueError:
            raise _bad(rel, line, ACCOUNT_COLUMNS) from None
    return out


def read_posts(root: Path, month: str) -> list[PostRow]:
    return _memo("posts", month_path(root, "posts", month), lambda: _read_posts(root, month))


def _read_posts(root: Path, month: str) -> list[PostRow]:
    out = []
    for line, row, rel in _rows(root, "posts", month, POST_COLUMNS):
        try:
            observed, channel, post, published, *counters = row
            if len(counters) != len(COUNTERS) or not post:
                raise ValueError(row)
            out.append(
                PostRow(
                    parse_utc(observed),
                    channel,
                    post,
                    parse_utc(published) if published else None,
                    *(_num(c) for c in counters),
                )
            )
        except ValueError:
            raise _bad(rel, line, POST_COLUMNS) from None
    return out


def _write(path: Path, columns: tuple[str, ...], rows: Iterable[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return write_atomically(path, out.getvalue())


def write_accounts(root: Path, month: str, rows: Iterable[AccountRow]) -> Path:
    ordered = sorted(rows, key=lambda r: (r.day, r.channel))
    return _write(month_path(root, "accounts", month), ACCOUNT_COLUMNS, (r.row() for r in ordered))


def write_posts(root: Path, month: str, rows: Iterable[PostRow]) -> Path:
    ordered = sorted(rows, key=lambda r: (r.observed, r.channel, r.post))
    return _write(month_path(root, "posts", month), POST_COLUMNS, (r.row() for r in ordered))


def all_accounts(root: Path) -> list[AccountRow]:
    return [r for m in months(root, "accounts") for r in read_accounts(root, m)]


def all_posts(root: Path) -> list[PostRow]:
    return [r for m in months(root, "posts") for r in read_posts(root, m)]


_LATEST: dict[Path, tuple[tuple[Any, ...], dict[tuple[str, str], PostRow]]] = {}


def latest_of(root: Path) -> dict[tuple[str, str], PostRow]:
    """:func:`latest_posts` of every month file, kept while no file changed (a report
    asks for it once per period it shows)."""
    stamps = []
    for month in months(root, "posts"):
        st = month_path(root, "posts", month).stat()
        stamps.append((month, st.st_mtime_ns, st.st_size, st.st_ino))
    key = tuple(stamps)
    hit = _LATEST.get(root)
    if hit is None or hit[0] != key:
        hit = _LATEST[root] = (key, latest_posts(all_posts(root)))
    return dict(hit[1])


def latest_posts(rows: Iterable[PostRow], until: datetime | None = None) -> dict[tuple[str, str], PostRow]:
    """The newest counters of each (channel, post), as of ``until``."""
    out: dict[tuple[str, str], PostRow] = {}
    for row in sorted(rows, key=lambda r: r.observed):
        if until is None or row.observed <= until:
            out[(row.channel, row.post)] = row
    return out


# --- surveys ------------------------------------------------------------------------


def survey_path(root: Path, survey: str) -> Path:
    return root / FOLDER / "surveys" / f"{survey}.csv"


def read_survey(root: Path, survey: str) -> dict[str, dict[int, int]]:
    """period -> score -> count."""
    path = survey_path(root, survey)
    out: dict[str, dict[int, int]] = {}
    if not path.is_file():
        return out
    rel = f"{FOLDER}/surveys/{path.name}"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if tuple(next(reader, ())) != SURVEY_COLUMNS:
            raise ShelfpostError(
                [], f"{rel}:1: the header must be {','.join(SURVEY_COLUMNS)}: restore it from git"
            )
        for row in reader:
            try:
                period, score, count = row
                if not 1 <= int(score) <= 5 or int(count) < 0:
                    raise ValueError(row)
                out.setdefault(period, {})[int(score)] = int(count)
            except ValueError:
                raise _bad(rel, reader.line_num, SURVEY_COLUMNS) from None
    return out


def write_survey(root: Path, survey: str, counts: dict[str, dict[int, int]]) -> Path:
    rows = [[p, str(s), str(counts[p][s])] for p in sorted(counts) for s in sorted(counts[p]) if counts[p][s]]
    return _write(survey_path(root, survey), SURVEY_COLUMNS, rows)


def surveys(root: Path) -> list[str]:
    folder = root / FOLDER / "surveys"
    return sorted(p.stem for p in folder.glob("*.csv")) if folder.is_dir() else []


@dataclass(frozen=True)
class Added:
    changed: int = 0
    unchanged: int = 0
    decreased: int = 0


def add_post_rows(root: Path, month: str, rows: Iterable[PostRow]) -> Added:
    """Add the rows whose counters differ from the newest row kept for that (channel,
    post): a rerun (the same sync, the same export imported twice) changes nothing."""
    latest = latest_posts(r for m in months(root, "posts") for r in read_posts(root, m))
    new, unchanged, decreased = [], 0, 0
    for row in rows:
        before = latest.get((row.channel, row.post))
        if before is not None and before.counters() == row.counters():
            unchanged += 1
            continue
        if before is not None and any(
            b is not None and n is not None and n < b
            for b, n in zip(before.counters(), row.counters(), strict=True)
        ):
            decreased += 1
        new.append(row)
        latest[(row.channel, row.post)] = row
    if new:
        write_posts(root, month, [*read_posts(root, month), *new])
    return Added(len(new), unchanged, decreased)


def add_account_rows(root: Path, rows: Iterable[AccountRow]) -> int:
    """Set the accounts' rows (one per channel and day); the number of rows that changed."""
    by_month: dict[str, list[AccountRow]] = {}
    for row in rows:
        by_month.setdefault(row.day.strftime("%Y-%m"), []).append(row)
    changed = 0
    for month, new in sorted(by_month.items()):
        current = {(r.day, r.channel): r for r in read_accounts(root, month)}
        before = dict(current)
        for row in new:
            current[(row.day, row.channel)] = row
        changed += sum(1 for k, v in current.items() if before.get(k) != v)
        if current != before:
            write_accounts(root, month, current.values())
    return changed


# --- the sync's place in the rotation of older posts (issue 18) -----------------------

SYNC_FILE = f"{FOLDER}/sync.yml"


def read_rotation(root: Path) -> dict[str, str]:
    """Per channel, the older post (``<published> <slug>``) the last sync read last: the
    next run goes on after it. A missing or unreadable file starts the rotation over."""
    import yaml

    path = root / SYNC_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return {}  # only a place in a rotation: losing it costs one pass, never data
    channels = data.get("channels") if isinstance(data, dict) else None
    if not isinstance(channels, dict):
        return {}
    return {
        str(cid): str(entry["after"])
        for cid, entry in channels.items()
        if isinstance(entry, dict) and isinstance(entry.get("after"), str)
    }


def write_rotation(root: Path, rotation: dict[str, str]) -> None:
    import yaml

    data = {"channels": {cid: {"after": rotation[cid]} for cid in sorted(rotation)}}
    text = (
        "# Written by `shelfpost metrics sync`: per channel, the last older post whose\n"
        "# counters were read (the next run goes on after it). Slugs only, no platform ids.\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )
    write_atomically(root / SYNC_FILE, text)
