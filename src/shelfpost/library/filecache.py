"""A cache of the per-file phase of loading, keyed by each file's content.

Reading, parsing, validating and scanning one post or page depends only on its
bytes, its path, ``shelfpost.yml`` and shelfpost's own code. So the result (the
:class:`~shelfpost.library.model.Post` or :class:`~shelfpost.library.model.Page`, or ``None``, and
the file's problems) is kept in ``.shelfpost/cache/files-NN.pickle`` under the
file's path, with ``sha256(salt, path, bytes)``; the salt is a hash of shelfpost's
version and source files (their sizes and modification times) and of
``shelfpost.yml``'s bytes. A file whose bytes changed misses and is read again; a
changed config or shelfpost misses everywhere. Each document's part of the cross-file
checks is kept too (by the loader, as a derived value), under its file's key and a hash
of what it reads of the others (``checks.document_context``); the library-wide checks
always run.

Two tables, each in shard files of its own: ``files-NN`` holds the whole results (and
the channel texts derived from them), ``facts-NN`` what ``check`` needs of a document: its
problems, its :class:`~shelfpost.library.checks.Summary` and its cross-file part. So
``check`` after one edit unpickles the small table and the edited file's shard of the
big one (at 10,000 posts: ~2 MB instead of ~27 MB); publish and build read both.

A file is not even read when it is unchanged, as Git's index decides it:
``index.pickle`` keeps each file's size, modification and change times (ns), inode
and the sha256 of its bytes, and a file whose ``lstat`` still gives the same four
numbers is taken to have the same bytes (the change time catches an edit whose tool
put the old modification time back). Git's "racily clean" rule applies: an entry
whose modification time is not older than the index file itself may have been
written in the same clock tick as the index, and changed again within that tick
with its size and time unchanged, so it is read and hashed again.
``check --no-cache`` reads everything.

The file is a pickle, and a pickle can run code when it is loaded. A repository is
not trusted (a pull request can add any file, ``.shelfpost/`` included), so the
cache is signed with HMAC-SHA256 under a secret kept outside the repository
(``cache-key`` in the state folder, mode 600, made on first use); a file whose
signature does not match is ignored, never unpickled.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
import zlib
from pathlib import Path
from typing import Any

from shelfpost.library.atomic import write_atomically
from shelfpost.library.model import frozen_mapping
from shelfpost.version import __version__

CACHE_DIR = ".shelfpost/cache"
RECORDS_CACHE_DIR = ".shelfpost/cache/records"  # publish and `due --record`: parsed records
KEY_FILE = "cache-key"
_SIG = 32  # bytes of HMAC-SHA256


# The model's frozen mappings pickle through model.frozen_mapping (registered there);
# the name stays importable here for caches written before it moved.
_make_proxy = frozen_mapping


PACKAGE = Path(__file__).resolve().parent.parent  # the whole shelfpost package


def code_fingerprint(package: Path = PACKAGE) -> str:
    """shelfpost's version, the size and mtime of each file of the package (its code and its
    templates: the channel texts the cache keeps come from them), and the versions of the
    libraries whose answers it keeps (YAML parsing, templates, grapheme counting)."""
    import jinja2
    import regex
    import yaml

    h = hashlib.sha256(
        f"{__version__}\0{yaml.__version__}\0{jinja2.__version__}\0{regex.__version__}".encode()
    )
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        st = path.stat()
        h.update(f"{path.relative_to(package).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def _secret(state_dir: Path) -> bytes:
    path = state_dir / KEY_FILE
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    data = secrets.token_bytes(32)
    fd, tmp = tempfile.mkstemp(prefix=".secret.", dir=state_dir)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data


SHARDS = 64
INDEX_FILE = "index.pickle"
#: The tables, each in its own shard files (``<table>-NN.pickle``): ``FILES`` holds each file's
#: full result (a post, a page, a publication record) and what is derived from it for
#: publishing (channel texts); ``FACTS`` the little the checks need of a document (its
#: problems, its summary, its part of the cross-file checks), so that ``check`` answers after
#: one edit without unpickling every unchanged post.
FILES = "files"
FACTS = "facts"

#: What the index keeps of a file: (size, mtime_ns, ctime_ns, inode, sha256 of the bytes).
IndexEntry = tuple[int, int, int, int, bytes]


def stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    """The numbers of ``lstat`` the index compares (Git's index compares these and more)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class FileCache:
    """Per-file results of one library, read at the start of a load and saved at its end.

    Entries are spread over :data:`SHARDS` files by a hash of the file's path, so
    saving after one edit rewrites one small shard, not the whole cache. ``folder``: another
    cache of the same kind beside it (:data:`RECORDS_CACHE_DIR`: the publication records).
    """

    def __init__(self, root: Path, state_dir: Path, folder: str = CACHE_DIR) -> None:
        self.folder = root / folder
        self._secret = _secret(state_dir)
        try:
            config = (root / "shelfpost.yml").read_bytes()
        except OSError:
            config = b""
        self._salt = hashlib.sha256(
            f"{code_fingerprint()}\0".encode() + hashlib.sha256(config).digest()
        ).digest()
        self._shards: dict[tuple[str, int], dict[str, tuple[str, Any]]] = {}
        self._changed: set[tuple[str, int]] = set()
        self._seen: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.reads = 0  # files read (and hashed) because the index could not vouch for them
        self._index, self._index_mtime = self._read_index()
        self._new_index: dict[str, IndexEntry] = {}

    # --- the index: which files are unchanged without reading them -------------------------
    def _read_index(self) -> tuple[dict[str, IndexEntry], int]:
        path = self.folder / INDEX_FILE
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return {}, 0
        data = self._unpickle(path)
        if not isinstance(data, dict) or data.get("version") != 1:
            return {}, 0
        entries = data.get("entries")
        return (entries, mtime) if isinstance(entries, dict) else ({}, 0)

    def known_digest(self, rel: str, st: os.stat_result) -> bytes | None:
        """The sha256 of ``rel``'s bytes if the index vouches for it (same ``lstat``, not racy)."""
        entry = self._index.get(rel)
        if entry is None or entry[:4] != stat_key(st):
            return None
        if entry[1] >= self._index_mtime:
            return None  # racily clean: written in the index's own tick, so read it again
        self._new_index[rel] = entry
        return entry[4]

    def read(self, rel: str, path: Path, st: os.stat_result) -> tuple[bytes, bytes]:
        """Read ``rel`` (its ``lstat`` was ``st``): its bytes and their sha256, noted for the
        next index."""
        raw = path.read_bytes()
        self.reads += 1
        digest = hashlib.sha256(raw).digest()
        self._new_index[rel] = (*stat_key(st), digest)
        return raw, digest

    def digest_key(self, rel: str, digest: bytes) -> str:
        """The cache key of ``rel`` given the sha256 of its bytes."""
        return hashlib.sha256(
            self._salt + rel.encode("utf-8", "surrogateescape") + b"\0" + digest
        ).hexdigest()

    def _shard_of(self, rel: str) -> int:
        return zlib.crc32(rel.encode("utf-8", "surrogateescape")) % SHARDS

    def _file(self, table: str, shard: int) -> Path:
        return self.folder / f"{table}-{shard:02d}.pickle"

    def _load(self, table: str, shard: int) -> dict[str, tuple[str, Any]]:
        found = self._shards.get((table, shard))
        if found is None:
            found = self._shards[table, shard] = self._read(self._file(table, shard), table)
        return found

    def _unpickle(self, path: Path) -> Any:
        """What a signed file of ours holds; ``None`` when absent, damaged or not signed by us."""
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        sig, payload = blob[:_SIG], blob[_SIG:]
        if not hmac.compare_digest(sig, hmac.new(self._secret, payload, hashlib.sha256).digest()):
            return None  # not ours (or damaged): never unpickle it
        collecting = gc.isenabled()
        gc.disable()
        try:
            data = pickle.loads(payload)  # noqa: S301 (signed by us, see the module's docstring)
        except Exception:  # noqa: BLE001 (an old or damaged cache is just a cold cache)
            return None
        finally:
            if collecting:
                gc.enable()
        # What a cache holds lives as long as the command and has no cycles: out of the cycle
        # collector's sight (refcounting still frees it), or every later collection re-scans
        # it (most of reading 10,000 publication records, outside load_library's own pause).
        # gc.freeze moves every object tracked now: cyclic garbage made meanwhile (a few
        # hundred objects a load) is never collected; commands are short-lived, and `serve`
        # loads without this cache.
        gc.freeze()
        return data

    def _read(self, path: Path, table: str) -> dict[str, tuple[str, Any]]:
        data = self._unpickle(path)
        # A shard says its table: both are signed alike, and one copied over the other's file
        # would otherwise hand the loader values of the wrong shape.
        if not isinstance(data, dict) or data.get("salt") != self._salt or data.get("table") != table:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def key(self, rel: str, raw: bytes) -> str:
        """The cache key of ``rel`` with the bytes ``raw``."""
        return self.digest_key(rel, hashlib.sha256(raw).digest())

    def get(self, rel: str, key: str, table: str = FILES) -> Any | None:
        """The cached result for ``rel`` when its bytes still give ``key``, else ``None``."""
        self._seen.add(rel)
        found = self._load(table, self._shard_of(rel)).get(rel)
        if found is None or found[0] != key:
            self.misses += 1
            return None
        self.hits += 1
        return found[1]

    def derived(self, rel: str, name: str, key: str, table: str = FILES) -> Any | None:
        """A value computed from ``rel`` and other inputs (hashed into ``key``), if cached.

        Kept beside the file's own entry and dropped with it; not counted as a hit or miss.
        """
        slot = f"{rel}\0{name}"
        self._seen.add(slot)
        found = self._load(table, self._shard_of(rel)).get(slot)
        return found[1] if found is not None and found[0] == key else None

    def put_derived(self, rel: str, name: str, key: str, value: Any, table: str = FILES) -> None:
        slot = f"{rel}\0{name}"
        self._seen.add(slot)
        shard = self._shard_of(rel)
        self._load(table, shard)[slot] = (key, value)
        self._changed.add((table, shard))

    def put(self, rel: str, key: str, value: Any, table: str = FILES) -> None:
        self._seen.add(rel)
        shard = self._shard_of(rel)
        self._load(table, shard)[rel] = (key, value)
        self._changed.add((table, shard))

    def save(self, sweep: tuple[str, ...] = (FILES, FACTS)) -> None:
        """Rewrite the shards that changed, dropping files this load did not see.

        A table in ``sweep`` was asked about every file of the load, so its shards none of
        whose files were seen hold only deleted files: they are read to drop them. A load that
        asked a table about some files only (``check`` reads the documents' ``FILES`` entries
        only for the files it parses) leaves that table's other shards as they are: a deleted
        file's entry there stays until a load that sweeps it (it can only miss meanwhile:
        entries are found by their content's key).
        """
        for table in sweep:  # shards none of whose files were seen (deleted files)
            for shard in range(SHARDS):
                if (table, shard) not in self._shards and self._file(table, shard).is_file():
                    self._load(table, shard)
        for where, entries in self._shards.items():
            # A file's derived values stay while the file does (a stale one just misses its key).
            gone = [
                rel for rel in entries if rel not in self._seen and rel.split("\0", 1)[0] not in self._seen
            ]
            for rel in gone:
                del entries[rel]
            if gone:
                self._changed.add(where)
        for table, shard in sorted(self._changed):
            self._write(
                self._file(table, shard),
                {"salt": self._salt, "table": table, "entries": self._shards[table, shard]},
            )
        self._changed.clear()
        # Last, so that its mtime is after every file it vouches for was read.
        if self._new_index != self._index or any(e[1] >= self._index_mtime for e in self._new_index.values()):
            self._write(self.folder / INDEX_FILE, {"version": 1, "entries": self._new_index})

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        sig = hmac.new(self._secret, payload, hashlib.sha256).digest()
        with contextlib.suppress(OSError):  # a read-only checkout or a full disk: no cache, same answers
            write_atomically(path, sig + payload)
