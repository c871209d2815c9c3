"""The per-file cache of `check`: the same answers as without it, and an edited file is read again."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Lib, invoke, post_text
from shelfpost import load_library
from shelfpost.library import checks, loader
from shelfpost.library.filecache import CACHE_DIR, FileCache, code_fingerprint
from shelfpost.library.model import Library


def library(lib: Lib) -> Lib:
    lib.image()
    lib.post("2026-10-01-hello", publish_at="2026-10-01 10:00")
    lib.post(
        "2026-10-02-picture",
        post_text(publish_at="2026-10-02 10:00", extra="image: ../../media/pic.png\nimage_alt: 長桌\n"),
    )
    lib.post("2026-10-03-link", body="See [hello](2026-10-01-hello.md) and [gone](2026-01-01-gone.md).\n")
    lib.post("2026-10-04-broken", "---\ntitle: [unclosed\n---\nbody\n")  # a YAML error
    lib.post("2026-10-05-no-summary", "---\ntitle: T\npublish_at: 2026-10-05 10:00\ntype: news\n---\nx\n")
    lib.post("2026-10-06-wrong-date", publish_at="2026-10-07 10:00")  # a warning
    lib.post(
        "2026-10-08-talk",
        post_text(
            publish_at="2026-10-08 10:00",
            type_="event",
            extra="event:\n  start: 2026-10-20 14:00\n  end: 2026-10-20 16:00\n  location: 三樓\n",
        ),
    )
    lib.write("content/pages/about.md", "---\ntitle: About\nsummary: 關於\n---\nAbout us.\n")
    return lib


def snapshot(lib: Library) -> tuple[object, ...]:
    return (lib.problems, lib.posts, lib.pages, lib.media, lib.files)


def test_cached_and_uncached_loads_give_the_same_problems_and_snapshot(lib: Lib, tmp_path: Path) -> None:
    library(lib)
    state = tmp_path / "state"
    plain = load_library(lib.root)
    assert plain.problems and plain.posts and plain.pages  # the test means something

    cold = FileCache(lib.root, state)
    first = load_library(lib.root, cache=cold)
    assert (cold.hits, cold.misses) == (0, 8)
    warm = FileCache(lib.root, state)
    second = load_library(lib.root, cache=warm)
    assert (warm.hits, warm.misses) == (8, 0)
    assert snapshot(first) == snapshot(plain)
    assert snapshot(second) == snapshot(plain)


def test_an_edited_file_is_read_again_and_a_deleted_one_forgotten(lib: Lib, tmp_path: Path) -> None:
    library(lib)
    state = tmp_path / "state"
    load_library(lib.root, cache=FileCache(lib.root, state))
    lib.post("2026-10-01-hello", post_text(title="新標題", publish_at="2026-10-01 10:00"))
    lib.post("2026-10-05-no-summary", publish_at="2026-10-05 10:00")  # fixed
    (lib.root / "content/posts/2026/2026-10-06-wrong-date.md").unlink()
    cache = FileCache(lib.root, state)
    again = load_library(lib.root, cache=cache)
    assert (cache.hits, cache.misses) == (5, 2)
    assert snapshot(again) == snapshot(load_library(lib.root))
    assert {p.slug: p.title for p in again.posts}["hello"] == "新標題"
    assert not [p for p in again.problems if "no-summary" in p.path or "wrong-date" in p.path]
    # The deleted file's entry is gone from the cache files too.
    lib.post("2026-10-06-wrong-date", publish_at="2026-10-07 10:00")
    cache = FileCache(lib.root, state)
    load_library(lib.root, cache=cache)
    assert cache.misses == 1


def test_a_changed_config_misses_everywhere(lib: Lib, tmp_path: Path) -> None:
    library(lib)
    state = tmp_path / "state"
    load_library(lib.root, cache=FileCache(lib.root, state))
    lib.write("shelfpost.yml", (lib.root / "shelfpost.yml").read_text("utf-8").replace("Asia/Taipei", "UTC"))
    cache = FileCache(lib.root, state)
    moved = load_library(lib.root, cache=cache)
    assert cache.hits == 0
    assert snapshot(moved) == snapshot(load_library(lib.root))


class Boom:
    def __reduce__(self) -> tuple[object, ...]:
        return (shutil.rmtree, ("/nonexistent-shelfpost-test",))


def test_a_cache_file_not_signed_with_our_key_is_never_unpickled(lib: Lib, tmp_path: Path) -> None:
    library(lib)
    load_library(lib.root, cache=FileCache(lib.root, tmp_path / "state"))
    for shard in (lib.root / CACHE_DIR).glob("*.pickle"):
        shard.write_bytes(b"\0" * 32 + pickle.dumps(Boom()))  # would raise FileNotFoundError if loaded
    cache = FileCache(lib.root, tmp_path / "state")
    load_library(lib.root, cache=cache)
    assert cache.hits == 0
    # Another machine's (or another user's) key: a cold cache, the same answers.
    load_library(lib.root, cache=FileCache(lib.root, tmp_path / "state"))
    other = FileCache(lib.root, tmp_path / "other-state")
    assert snapshot(load_library(lib.root, cache=other)) == snapshot(load_library(lib.root))
    assert other.hits == 0


def test_check_gives_the_same_output_with_and_without_the_cache(lib: Lib, tmp_path: Path) -> None:
    library(lib)
    env = {"SHELFPOST_STATE_DIR": str(tmp_path / "state")}
    args = ["check", "--root", str(lib.root), "--format", "json"]
    plain = invoke(*args, "--no-cache", env=env)
    assert not (lib.root / CACHE_DIR).exists()
    cold = invoke(*args, env=env)
    assert (lib.root / CACHE_DIR).is_dir()
    warm = invoke(*args, env=env)
    assert plain.exit_code == cold.exit_code == warm.exit_code == 1
    assert plain.output == cold.output == warm.output


_REAL_CHUNK = loader._load_chunk


def _spy_chunk(*args: Any) -> Any:
    """loader._load_chunk, noting which process ran it (module level: workers unpickle it)."""
    with open(os.environ["SHELFPOST_TEST_PIDS"], "a") as log:
        log.write(f"{os.getpid()}\n")
    return _REAL_CHUNK(*args)


@pytest.mark.parametrize("processes", [2, 3, 8])
@pytest.mark.parametrize("count", [300, 301, 10_000])
def test_this_process_takes_the_larger_share_and_every_job_goes_to_one_process_in_order(
    processes: int, count: int
) -> None:
    jobs: list[Any] = list(range(count))
    shares = loader._shares(jobs, processes, loader.PARENT_SHARE)
    assert [job for share in shares for job in share] == jobs
    assert len(shares) == processes
    first, *others = map(len, shares)
    assert all(abs(first - loader.PARENT_SHARE * other) <= loader.PARENT_SHARE + 1 for other in others)
    assert max(others) - min(others) <= 1


def test_worker_processes_give_the_same_snapshot_and_problems(
    lib: Lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check --jobs 2` forks a worker for half the files; the answers must not change."""
    library(lib)
    for day in range(10, 28):  # enough files that each process gets several
        lib.post(f"2026-10-{day}-more-{day}", publish_at=f"2026-10-{day} 10:00", title=f"第 {day} 篇")
    lib.post("2026-10-28-bad", "---\ntitle: T\npublish_at: not a date\ntype: news\n---\nx\n")
    monkeypatch.setattr(loader, "PARALLEL_MIN", 2)
    log = tmp_path / "pids"
    monkeypatch.setenv("SHELFPOST_TEST_PIDS", str(log))
    monkeypatch.setattr(loader, "_load_chunk", _spy_chunk)

    serial = load_library(lib.root, jobs=1)
    assert log.read_text().split() == [str(os.getpid())]
    parallel = load_library(lib.root, jobs=2)
    assert snapshot(parallel) == snapshot(serial)
    assert len(serial.posts) == 22 and len([p for p in serial.problems if p.is_error]) >= 3
    pids = log.read_text().split()
    assert len(pids) == 3 and pids.count(str(os.getpid())) == 2, (
        "jobs=2: the larger share here, the rest in a worker"
    )

    cached = load_library(lib.root, cache=FileCache(lib.root, tmp_path / "state"), jobs=2)
    assert snapshot(cached) == snapshot(serial)

    env = {"SHELFPOST_STATE_DIR": str(tmp_path / "state2")}
    args = ["check", "--root", str(lib.root), "--format", "json", "--no-cache"]
    one, two = invoke(*args, "--jobs", "1", env=env), invoke(*args, "--jobs", "2", env=env)
    assert one.exit_code == two.exit_code == 1
    assert one.output == two.output


def test_channel_texts_come_from_the_cache_until_their_inputs_change(
    lib: Lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendering every post for every channel was half of a warm check; the answers must not change."""
    lib.write(
        "plan/channels.yml",
        "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: https://m.example\n"
        "    max_characters: 120\n    credentials:\n      access_token: TOKEN\n",
    )
    lib.post("2026-10-01-short", publish_at="2026-10-01 10:00", extra="channels: [mastodon]\n")
    lib.post(
        "2026-10-02-long", publish_at="2026-10-02 10:00", title="很長" * 70, extra="channels: [mastodon]\n"
    )
    calls: list[str] = []
    real = loader.channel_text  # type: ignore[attr-defined]

    def counting(post: Any, *a: Any) -> Any:
        calls.append(post.slug)
        return real(post, *a)

    monkeypatch.setattr(loader, "channel_text", counting)
    state = tmp_path / "state"

    def problems() -> list[str]:
        found = load_library(lib.root, cache=FileCache(lib.root, state)).problems
        return [f"{p.path}:{p.line}: {p.message}" for p in found if p.code == "channel-too-long"]

    plain = [
        f"{p.path}:{p.line}: {p.message}"
        for p in load_library(lib.root).problems
        if p.code == "channel-too-long"
    ]
    assert len(plain) == 1 and "long" in plain[0]
    calls.clear()  # the uncached load renders through the loader too (into the snapshot's texts)
    assert problems() == plain and sorted(calls) == ["long", "short"]
    calls.clear()
    assert problems() == plain and calls == []  # warm: nothing rendered again
    lib.post("2026-10-01-short", publish_at="2026-10-01 10:00", title="改過", extra="channels: [mastodon]\n")
    assert problems() == plain and calls == ["short"]  # only the edited post
    calls.clear()
    lib.write("templates/channels/mastodon.txt.j2", "{{ post.title }}\n{{ url }}\n")  # a new template
    fresh = [
        f"{p.path}:{p.line}: {p.message}"
        for p in load_library(lib.root).problems
        if p.code == "channel-too-long"
    ]
    calls.clear()
    assert problems() == fresh
    assert sorted(calls) == ["long", "short"]


# --- the index: unchanged files are not read again (issue 18, item 3) -------------------


def _age(path: Path, seconds: int = 3600) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def _age_content(root: Path) -> None:
    """Every file under content/ modified an hour ago (injected time, not a sleep): none is
    in the index's own clock tick."""
    for path in (root / "content").rglob("*"):
        if path.is_file():
            _age(path)


def _reads_of_posts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The posts whose bytes are read (every read of a file under content/posts/)."""
    seen: list[str] = []
    real = Path.read_bytes

    def reading(self: Path) -> bytes:
        if "content/posts/" in self.as_posix():
            seen.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", reading)
    return seen


def test_a_warm_load_reads_no_unchanged_file(
    lib: Lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library(lib)
    _age_content(lib.root)
    state = tmp_path / "state"
    seen = _reads_of_posts(monkeypatch)
    first = load_library(lib.root, cache=FileCache(lib.root, state))
    assert len(seen) == 7  # cold: every post read once
    seen.clear()
    cache = FileCache(lib.root, state)
    second = load_library(lib.root, cache=cache)
    assert seen == [] and cache.reads == 0 and cache.hits == 8
    assert snapshot(second) == snapshot(first) == snapshot(load_library(lib.root))

    # An edit is seen (size or time changed), and only that file is read.
    lib.post("2026-10-01-hello", post_text(title="新標題", publish_at="2026-10-01 10:00"))
    _age(lib.root / "content/posts/2026/2026-10-01-hello.md", 60)
    seen.clear()
    cache = FileCache(lib.root, state)
    third = load_library(lib.root, cache=cache)
    assert seen == ["2026-10-01-hello.md"] and cache.reads == 1
    assert {p.slug: p.title for p in third.posts}["hello"] == "新標題"


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(lib: Lib, tmp_path: Path) -> None:
    """A tool that puts the old modification time back (rsync -t, touch -r): the change time
    differs, so the file is read again."""
    library(lib)
    _age_content(lib.root)
    state = tmp_path / "state"
    load_library(lib.root, cache=FileCache(lib.root, state))
    path = lib.root / "content/posts/2026/2026-10-01-hello.md"
    before = path.stat()
    text = path.read_text("utf-8")
    path.write_text(text.replace("測試文章", "改過文章", 1), "utf-8")
    assert path.stat().st_size == before.st_size  # the test means something
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    cache = FileCache(lib.root, state)
    again = load_library(lib.root, cache=cache)
    assert cache.reads == 1
    assert snapshot(again) == snapshot(load_library(lib.root))
    assert {p.slug: p.title for p in again.posts}["hello"] == "改過文章"


def test_a_racily_clean_entry_is_read_again(lib: Lib, tmp_path: Path) -> None:
    """Git's rule: a file modified in the index's own clock tick (here: the index's mtime set
    back to the post's) may have changed after it was hashed without its lstat changing, so it
    is read again; the rewritten index then vouches for it."""
    library(lib)
    _age_content(lib.root)
    post = lib.root / "content/posts/2026/2026-10-03-link.md"
    _age(post, -1800)  # the newest file: half an hour ago
    state = tmp_path / "state"
    load_library(lib.root, cache=FileCache(lib.root, state))
    index = lib.root / CACHE_DIR / "index.pickle"
    os.utime(index, ns=(post.stat().st_atime_ns, post.stat().st_mtime_ns))
    cache = FileCache(lib.root, state)
    load_library(lib.root, cache=cache)
    assert cache.reads == 1  # that post (its entry is not older than the index), nothing else
    cache = FileCache(lib.root, state)
    load_library(lib.root, cache=cache)
    assert cache.reads == 0


def test_no_cache_reads_every_file(lib: Lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library(lib)
    _age_content(lib.root)
    env = {"SHELFPOST_STATE_DIR": str(tmp_path / "state")}
    args = ["check", "--root", str(lib.root), "--format", "json", "--jobs", "1"]
    warm = invoke(*args, env=env)
    seen = _reads_of_posts(monkeypatch)
    again = invoke(*args, env=env)
    assert seen == []
    plain = invoke(*args, "--no-cache", env=env)
    assert len(seen) == 7
    assert warm.output == again.output == plain.output


# --- the cross-file checks' answer, remembered while nothing they read changed (issue 18) ---


PARTNER = (
    "name: 博物館\nkind: organisation\nstatus: active\nsince: 2026-01-01\nurl: https://partner.example.org/\n"
    "contact: {role: 推廣組, channel: info@partner.example.org}\nlast_contact: 2026-11-01\n"
    "cadence_days: 30\npublic: true\n"
)


@pytest.mark.parametrize("mode", ["load", "check"])
def test_cross_file_checks_run_again_when_anything_they_read_changes(
    lib: Lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """A post's remembered cross-file answer is reused only while the post and what it reads
    of the others are the same: a partner file, a calendar or the channels changing (no post
    touched) must give the uncached answer; the library-wide checks run every time. The same
    for ``check``'s load (``check_library``), which takes unchanged documents' summaries
    instead of the documents."""
    lib.write(
        "plan/channels.yml",
        "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: https://m.example\n"
        "    max_characters: 120\n    credentials:\n      access_token: TOKEN\n",
    )
    lib.write("partners/city-museum.yml", PARTNER)
    lib.post(
        "2026-10-01-with",
        publish_at="2026-10-01 10:00",
        title="很長" * 15,
        extra="partners: [city-museum]\nchannels: [mastodon]\n",
    )
    lib.post("2026-10-02-link", publish_at="2026-10-02 10:00", body="See [with](2026-10-01-with.md).\n")
    checked: list[str] = []  # the documents whose own cross-file checks ran
    real_document = checks.document_checks

    def per_document(library: Library, doc: Any, *args: Any, **kwargs: Any) -> Any:
        checked.append(Path(doc.path).stem)
        return real_document(library, doc, *args, **kwargs)

    monkeypatch.setattr(checks, "document_checks", per_document)  # the loader calls checks.<name>
    state = tmp_path / "state"

    def cached() -> tuple[Library, bool]:
        """A load with the cache, and whether it checked any document's cross-file part."""
        plain = load_library(lib.root)
        checked.clear()
        if mode == "load":
            return load_library(lib.root, cache=FileCache(lib.root, state)), bool(checked)
        found = loader.check_library(lib.root, cache=FileCache(lib.root, state))
        assert (found.posts, found.pages) == (len(plain.posts), len(plain.pages))
        assert not found.library.posts and not found.library.pages
        return found.library, bool(checked)

    def answer(library: Library) -> list[str]:
        return [f"{p.path}:{p.line}: {p.code}: {p.message}" for p in library.problems]

    first, ran = cached()
    assert not first.problems and ran
    again, ran = cached()
    assert not ran  # nothing changed: the answer is remembered
    assert answer(again) == answer(first)
    if mode == "load":
        assert dict(again.texts) == dict(load_library(lib.root).texts)  # publish still has every text

    # One post edited: that post's own checks run again, and only those.
    lib.post("2026-10-02-link", publish_at="2026-10-02 10:00", body="See [with](2026-10-01-with.md) 喔.\n")
    edited, ran = cached()
    assert checked == ["2026-10-02-link"]
    assert answer(edited) == answer(load_library(lib.root))
    # The post it links to becomes a draft: the linking post (unchanged) must now warn.
    lib.post(
        "2026-10-01-with",
        publish_at="2026-10-01 10:00",
        title="很長" * 15,
        extra="partners: [city-museum]\nchannels: [mastodon]\ndraft: true\n",
    )
    drafted, ran = cached()
    assert "2026-10-02-link" in checked
    assert "link-draft" in {p.code for p in drafted.problems}
    assert answer(drafted) == answer(load_library(lib.root))

    # (a change, whether the posts read it: then their parts must be checked again)
    steps: list[tuple[Callable[[], object], bool]] = [
        (lambda: (lib.root / "partners/city-museum.yml").unlink(), True),  # -> partner-unknown
        (
            lambda: lib.write(
                "calendar/2026-10.yml",
                "slots:\n  - {date: 2026-10-09, type: news, topic: x, owner: amy, channels: [mastodon], post: nobody}\n",
            ),
            False,  # -> slot-post-missing, a library-wide check
        ),
        (
            lambda: lib.write(
                "plan/channels.yml",
                "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: https://m.example\n"
                "    max_characters: 50\n    credentials:\n      access_token: TOKEN\n",
            ),
            True,  # -> channel-too-long
        ),
        (
            lambda: (lib.root / "content/posts/2026/2026-10-01-with.md").rename(
                lib.root / "content/posts/2026/2026-10-01-renamed.md"
            ),
            True,  # -> link-broken in the other post
        ),
    ]
    codes: set[str] = set()
    for n, (step, read_by_posts) in enumerate(steps, start=1):
        step()
        found, ran = cached()
        assert ran == read_by_posts, f"step {n}: the posts' parts were{'' if ran else ' not'} checked again"
        assert answer(found) == answer(load_library(lib.root))
        codes |= {p.code for p in found.problems}
        remembered, ran = cached()
        assert not ran and answer(remembered) == answer(found)  # the new answer is remembered in turn
    assert {"partner-unknown", "slot-post-missing", "channel-too-long", "link-broken"} <= codes


def test_the_remembered_answers_keys_are_the_same_in_every_process(tmp_path: Path) -> None:
    """Each command is a new process with its own string hashing (sets print in another
    order): keys that followed it would never match, and every run would check again."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from shelfpost.library import checks, loader\n"
        "from shelfpost.library.filecache import FileCache\n"
        "root, state = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "library = loader.load_library(root, cache=FileCache(root, state))\n"
        "print(loader._digest(checks.document_context(library)))\n"
        "print(len(library.plan.channels), len(library.files))\n"
    )
    outs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run(
            [sys.executable, "-c", script, str(REPO), str(tmp_path / "state")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=tmp_path,
        )
        outs.append(done.stdout)
    assert int(outs[0].split()[1]) >= 3 and int(outs[0].split()[2]) >= 30  # a real library's inputs
    assert outs[0].split()[0] and outs[0] == outs[1] == outs[2]


def test_the_salt_follows_every_file_of_the_package_not_only_its_code(tmp_path: Path) -> None:
    """The channel texts and their checks come from shelfpost's own templates too: an edited
    template (an editable install, or a reinstall of the same version) must miss."""
    package = tmp_path / "shelfpost"
    (package / "templates/channels").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    template = package / "templates/channels/mastodon.txt.j2"
    template.write_text("{{ post.title }}\n", encoding="utf-8")
    before = code_fingerprint(package)
    assert code_fingerprint(package) == before
    template.write_text("{{ post.title }} {{ post.summary }}\n", encoding="utf-8")
    assert code_fingerprint(package) != before


def test_a_reordered_channels_file_gives_the_messages_in_its_new_order(lib: Lib, tmp_path: Path) -> None:
    """A message lists the channels in the file's order: a cached post's answer must follow."""
    one = "  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: https://m.example\n"
    two = "  bluesky:\n    kind: bluesky\n    name: Bluesky\n    handle: lib.example.org\n"
    lib.write("plan/channels.yml", "channels:\n" + one + two)
    lib.post("2026-10-01-typo", publish_at="2026-10-01 10:00", extra="channels: [mastodn]\n")
    state = tmp_path / "state"

    def messages() -> list[str]:
        found = load_library(lib.root, cache=FileCache(lib.root, state)).problems
        return [p.message for p in found if p.code == "channel-unknown"]

    assert messages() == [m.message for m in load_library(lib.root).problems if m.code == "channel-unknown"]
    lib.write("plan/channels.yml", "channels:\n" + two + one)
    fresh = [m.message for m in load_library(lib.root).problems if m.code == "channel-unknown"]
    assert fresh and "bluesky, mastodon" in fresh[0]
    assert messages() == fresh


def test_a_warm_check_unpickles_only_the_documents_it_checks_again(
    lib: Lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check`` after one edit takes the unchanged documents' problems and summaries from the
    light table: of the documents' own table it reads only the edited file's shard. With that
    table gone, a change that makes every linking post's cross-file part run again still gives
    the uncached answer (the documents are parsed again)."""
    library(lib)
    for n in range(10, 30):  # enough posts to spread over many shards
        lib.post(
            f"2026-10-{n:02d}-more",
            publish_at=f"2026-10-{n:02d} 10:00",
            body="See [hello](2026-10-01-hello.md).\n",
        )
    state = tmp_path / "state"
    plain = load_library(lib.root)

    def answer(problems: Any) -> list[str]:
        return [f"{p.path}:{p.line}:{p.column}: {p.code}: {p.message}" for p in problems]

    first = loader.check_library(lib.root, cache=FileCache(lib.root, state))  # cold: writes both tables
    assert answer(first.problems) == answer(plain.problems) and plain.problems
    assert (first.posts, first.pages) == (len(plain.posts), len(plain.pages))

    read: list[str] = []
    real_read = FileCache._read

    def spy(self: FileCache, path: Path, table: str) -> Any:
        read.append(path.name)
        return real_read(self, path, table)

    monkeypatch.setattr(FileCache, "_read", spy)
    edited = "content/posts/2026/2026-10-12-more.md"
    lib.post("2026-10-12-more", publish_at="2026-10-12 10:00", body="Now [gone](2026-01-01-gone.md).\n")
    cache = FileCache(lib.root, state)
    second = loader.check_library(lib.root, cache=cache)
    assert answer(second.problems) == answer(load_library(lib.root).problems)
    assert "link-broken" in {p.code for p in second.problems if p.path == edited}
    documents_read = sorted(name for name in read if name.startswith("files-"))
    assert documents_read == [f"files-{cache._shard_of(edited):02d}.pickle"]
    assert sum(name.startswith("facts-") for name in read) > 10  # the light table, every shard

    for shard in (lib.root / CACHE_DIR).glob("files-*.pickle"):
        shard.unlink()
    lib.post("2026-10-01-hello", publish_at="2026-10-01 10:00", extra="draft: true\n")  # -> link-draft
    third = loader.check_library(lib.root, cache=FileCache(lib.root, state))
    plain = load_library(lib.root)
    assert answer(third.problems) == answer(plain.problems)
    assert sum(p.code == "link-draft" for p in third.problems) == 20
    assert (third.posts, third.pages) == (len(plain.posts), len(plain.pages))
    # A full load afterwards (publish, build) has its documents back, from the files parsed again.
    assert snapshot(load_library(lib.root, cache=FileCache(lib.root, state))) == snapshot(plain)


@pytest.mark.parametrize("copied", ["files", "facts"])
def test_a_shard_copied_over_the_other_tables_is_a_cold_cache(lib: Lib, tmp_path: Path, copied: str) -> None:
    """Both tables are signed with one key: a shard of one in the other's file must be read as
    absent (found by a review: it crashed every later check, or every load, until deleted)."""
    library(lib)
    state = tmp_path / "state"
    loader.check_library(lib.root, cache=FileCache(lib.root, state))
    folder = lib.root / CACHE_DIR
    n = FileCache(lib.root, state)._shard_of("content/posts/2026/2026-10-01-hello.md")
    other = "facts" if copied == "files" else "files"
    shutil.copyfile(folder / f"{copied}-{n:02d}.pickle", folder / f"{other}-{n:02d}.pickle")
    plain = load_library(lib.root)
    if other == "facts":  # what check reads
        assert loader.check_library(lib.root, cache=FileCache(lib.root, state)).problems == plain.problems
    else:  # what publish and build read
        assert snapshot(load_library(lib.root, cache=FileCache(lib.root, state))) == snapshot(plain)
