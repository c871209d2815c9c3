"""Is a scheduled run needed? Decided from a small manifest, without loading the library.

The publish workflow runs every 15 minutes. Most runs have nothing to do: no post
became due and nobody changed anything. A full run checks, builds and deploys the
site and loads every post; this module answers in a fraction of a second instead.

After a successful run, ``shelfpost due --record`` writes ``data/runs/last-deploy.json``
(committed with the other records). It holds:

- ``fingerprint``: a hash of everything the site and the publish run are made from,
  except ``data/`` (:func:`fingerprint`);
- ``now``: the moment the run built the site for;
- ``next_due``: the earliest moment after ``now`` at which the same files would give
  a different site or a new send: a post's publish time, or the end of an upcoming
  event (it then leaves the upcoming lists);
- ``outstanding``: items the run did not finish (a live post not yet published on a
  channel, a manual channel's issue still open, a withdrawal not yet done). Any
  outstanding item makes the next run due.

:func:`decide` then says "due" when there is no (readable) manifest, when it was
written by another shelfpost version, when the fingerprint differs, when
``next_due <= now`` or when anything was outstanding. Every doubt resolves to
"due": a skipped run must never skip a post.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shelfpost.library.atomic import write_atomically
from shelfpost.library.procenv import child_env
from shelfpost.version import __version__

if TYPE_CHECKING:
    from shelfpost.library.model import Library
    from shelfpost.library.records import PostRecord

MANIFEST = "data/runs/last-deploy.json"
FORMAT = 1
#: Top-level names that never feed the site or a publish run: what runs write back
#: (``data/``), build output, caches, virtual environments and Git's own folder.
IGNORED = frozenset({"data", "site", ".git", ".shelfpost", ".venv", "node_modules", "__pycache__"})
#: A live post whose record on a channel is in one of these states is finished there.
DONE = frozenset({"published"})
#: A withdrawn post whose record on a channel is in one of these states still has
#: something on the platform to take down.
TO_WITHDRAW = frozenset({"published", "intent", "unknown", "pending-manual"})


@dataclass(frozen=True)
class Decision:
    due: bool
    reasons: tuple[str, ...]
    now: datetime
    fingerprint: str
    manifest: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest or {}
        return {
            "due": self.due,
            "reasons": list(self.reasons),
            "now": _iso(self.now),
            "fingerprint": self.fingerprint,
            "last_deploy": m.get("now"),
            "next_due": m.get("next_due"),
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


# --- the fingerprint ---------------------------------------------------------------------


def _git(root: Path, env: Mapping[str, str], *args: str) -> bytes | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=60,
            env=child_env(env, {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _top(path: str) -> str:
    return path.split("/", 1)[0]


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d not in IGNORED]
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", "__pycache__"))
        for name in sorted(filenames):
            yield here / name


def _from_git(root: Path, env: Mapping[str, str]) -> str | None:
    """From Git: the top-level tree of HEAD (one call) plus whatever differs from it."""
    tree = _git(root, env, "ls-tree", "-z", "HEAD")
    if tree is None:
        return None
    status = _git(root, env, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".")
    prefix = _git(root, env, "rev-parse", "--show-prefix")  # status names paths from the top
    if status is None or prefix is None:
        return None
    top = prefix.strip().decode("utf-8", "surrogateescape")
    h = hashlib.sha256(b"git\0")
    for entry in sorted(tree.split(b"\0")):
        if not entry:
            continue
        name = entry.split(b"\t", 1)[-1].decode("utf-8", "surrogateescape")
        if name not in IGNORED:
            h.update(entry + b"\0")
    # Uncommitted changes (a local checkout): their paths and current bytes.
    dirty = set()
    fields = status.split(b"\0")
    i = 0
    while i < len(fields):
        item = fields[i]
        i += 1
        if len(item) < 4:
            continue
        if item[:1] in (b"R", b"C"):
            i += 1  # the rename's source path follows
        dirty.add(item[3:].decode("utf-8", "surrogateescape").removeprefix(top))
    for rel in sorted(dirty):
        if _top(rel) in IGNORED:
            continue
        path = root / rel
        h.update(b"dirty\0" + rel.encode("utf-8", "surrogateescape") + b"\0")
        if path.is_file():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _from_files(root: Path) -> str:
    """Without Git: every file's path and bytes, outside the ignored folders."""
    h = hashlib.sha256(b"files\0")
    for path in _walk(root):
        rel = path.relative_to(root).as_posix()
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            h.update(b"unreadable")
    return h.hexdigest()


def fingerprint(root: Path, env: Mapping[str, str] | None = None) -> str:
    """A hash of every input of a run (``data/`` and build output excluded).

    In a Git checkout it is ``git ls-tree HEAD`` (the hashes of the top-level trees
    and files, which change with any file below them) plus the bytes of any file that
    differs from HEAD; elsewhere, every file's path and bytes. The two never compare
    equal, which only costs one extra run. shelfpost's version is part of it.
    """
    root = root.resolve()
    return f"{__version__}:" + (_from_git(root, env or {}) or _from_files(root))


# --- the manifest ------------------------------------------------------------------------


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = root / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_manifest(root: Path, data: dict[str, Any]) -> Path:
    path = root / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return write_atomically(path, text)


def decide(
    root: Path, now: datetime, *, current_fingerprint: str | None = None, env: Mapping[str, str] | None = None
) -> Decision:
    """Is a run due at ``now``? Reads the manifest and the fingerprint only."""
    current = current_fingerprint or fingerprint(root, env)
    manifest = read_manifest(root)
    reasons: list[str] = []
    if manifest is None:
        reasons.append(f"no readable {MANIFEST}: first run, or the last one did not finish")
        return Decision(True, tuple(reasons), now, current, None)
    if manifest.get("format") != FORMAT:
        reasons.append(f"{MANIFEST} has another format")
    if manifest.get("fingerprint") != current:
        reasons.append("the files changed since the last deploy (or shelfpost's version did)")
    built = _parse(manifest.get("now"))
    if built is None:
        reasons.append(f"{MANIFEST} has no valid 'now'")
    elif now < built:
        reasons.append(f"now ({_iso(now)}) is before the last deploy's time ({_iso(built)})")
    if "next_due" not in manifest:
        reasons.append(f"{MANIFEST} has no 'next_due'")
    else:
        next_due = _parse(manifest["next_due"])
        if manifest["next_due"] is not None and next_due is None:
            reasons.append(f"{MANIFEST} has an invalid 'next_due'")
        elif next_due is not None and next_due <= now:
            reasons.append(f"something became due at {_iso(next_due)}")
    outstanding = manifest.get("outstanding")
    if not isinstance(outstanding, list):
        reasons.append(f"{MANIFEST} has no valid 'outstanding' list")
    elif outstanding:
        more = f" and {len(outstanding) - 3} more" if len(outstanding) > 3 else ""
        reasons.append("the last run left work to do: " + ", ".join(map(str, outstanding[:3])) + more)
    return Decision(bool(reasons), tuple(reasons), now, current, manifest)


# --- what a run leaves behind (needs the loaded library) ---------------------------------


def next_change(library: Library, now: datetime) -> datetime | None:
    """The earliest moment after ``now`` at which the same files give another site or send.

    A post's publish time (it goes live: site, feeds, channels) and an event's end (it
    leaves the upcoming lists). Drafts and withdrawn posts change nothing by time alone.
    """
    moments: list[datetime] = []
    for post in library.posts:
        if post.draft or post.withdrawn:
            continue
        if post.publish_at > now:
            moments.append(post.publish_at)
        if post.event is not None and post.event.end >= now:
            # Upcoming while ``end >= now``: a run at ``end`` itself is one run early, never late.
            moments.append(post.event.end)
    return min(moments, default=None)


def outstanding_items(
    library: Library,
    now: datetime,
    max_lateness: timedelta = timedelta(hours=24),
    records: Callable[[str], PostRecord] | None = None,
) -> list[str]:
    """``slug:channel`` items a publish run at ``now`` would still act on.

    A live post on a social channel without a ``published`` record (failed, unknown,
    intent, waiting for a manual channel's issue to be closed, not tried yet), and a
    withdrawn post still up somewhere. A live post more than ``max_lateness`` late and
    never tried is not counted: publish sends it only with ``--allow-late``, which a
    person starts by hand.
    """
    from shelfpost.library.records import RecordReader

    load_record = records if records is not None else RecordReader(library.root)
    out: list[str] = []
    for post in library.posts:
        channels = [
            c for c in post.channels if c in library.plan.channels and library.plan.channels[c].social
        ]
        if not channels:
            continue
        if post.withdrawn:
            record = load_record(post.slug)
            out += [f"{post.slug}:{c}" for c, r in record.channels.items() if r.state in TO_WITHDRAW]
            continue
        if not post.is_live(now):
            continue
        record = load_record(post.slug)
        late = now - post.publish_at > max_lateness
        for cid in channels:
            rec = record.channels.get(cid)
            if rec is not None and rec.state in DONE:
                continue
            tried = rec is not None and rec.state in ("intent", "unknown", "pending-manual")
            if late and not tried:
                continue
            out.append(f"{post.slug}:{cid}")
    return out


def manifest_for(
    library: Library,
    now: datetime,
    fp: str,
    run: str | None = None,
    also_due: datetime | None = None,
    records: Callable[[str], PostRecord] | None = None,
) -> dict[str, Any]:
    """``also_due``: another stage's next moment (the digest's next period, from the CLI);
    ``records``: how to read a post's record (default: :func:`~shelfpost.library.records.load_record`)."""
    next_due = min((m for m in (next_change(library, now), also_due) if m is not None), default=None)
    data: dict[str, Any] = {
        "format": FORMAT,
        "shelfpost": __version__,
        "fingerprint": fp,
        "now": _iso(now),
        "next_due": _iso(next_due) if next_due else None,
        "outstanding": outstanding_items(library, now, records=records),
    }
    if run:
        data["run"] = run
    return data
