"""Rebuild after an edit: the incremental build gives exactly the files of a full build.

One copy of the sample library goes through a series of edits an editor makes
in a week. After each, the site is built twice from the same files and ``now``:
incrementally, in the work folder the previous builds left, and in full, in a
fresh work folder. Every file of the two sites (pages, search index, sitemap and
its gzip, feeds, calendar, images, theme assets) must have the same bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from shelfpost import load_library
from shelfpost.site.build import BuildResult, build_site

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=8)))
LATER = datetime(2026, 12, 5, 12, 0, tzinfo=timezone(timedelta(hours=8)))

pytestmark = pytest.mark.xdist_group("incremental")


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def assert_same_site(incremental: Path, full: Path, step: str) -> None:
    a, b = files(incremental), files(full)
    assert sorted(a) == sorted(b), (
        f"{step}: only incremental {sorted(set(a) - set(b))}; only full {sorted(set(b) - set(a))}"
    )
    differ = [name for name in a if a[name] != b[name]]
    assert differ == [], f"{step}: these files differ from a full build: {differ}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def post(root: Path, slug: str) -> Path:
    return next((root / "content/posts").rglob(f"{slug}.md"))


class Builds:
    def __init__(self, root: Path, tmp: Path) -> None:
        self.root, self.tmp = root, tmp
        self.work, self.out = tmp / "work-incremental", tmp / "site-incremental"

    def incremental(self, now: datetime = NOW) -> BuildResult:
        return build_site(load_library(self.root), now, self.out, work_dir=self.work)

    def full(self, now: datetime, step: str) -> Path:
        work = self.tmp / "work-full"
        if work.exists():
            shutil.rmtree(work)
        out = self.tmp / "site-full"
        result = build_site(load_library(self.root), now, out, work_dir=work, full=True)
        assert result.mode.startswith("full"), step
        return out


def _body_edit(root: Path) -> None:
    path = post(root, "2026-11-16-climate-reading-list")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n## 新增段落 New section\n\n寒假閱讀的新規則 new rules for the challenge.\n")


def _title_edit(root: Path) -> None:
    path = post(root, "2026-09-03-back-to-school-picture-books")
    text = path.read_text("utf-8")
    title = re.search(r"^title: (.*)$", text, re.MULTILINE)
    assert title
    edit(path, title.group(0), "title: 開學繪本推薦（更新版） Back-to-school picture books, updated")


def _tag_edit(root: Path) -> None:
    edit(post(root, "2026-09-05-september-story-time"), "tags: [說故事, ", "tags: [新標籤, 說故事, ")


NEW_POST = "content/posts/2026/2026-11-25-週三延長開放.md"  # a Chinese slug: percent-encoded URLs


def _new_post(root: Path) -> None:
    (root / NEW_POST).write_text(
        "---\ntitle: 週三延長開放 Late opening on Wednesdays\npublish_at: 2026-11-25 09:00\n"
        "type: news\nsummary: 每週三開放到晚上九點。\nauthors: [lin-yawen]\noriginal: true\n---\n"
        "每週三開放到晚上九點 open until 9 pm.\n",
        encoding="utf-8",
    )


def _delete_post(root: Path) -> None:
    (root / NEW_POST).unlink()


def _page_edit(root: Path) -> None:
    path = root / "content/pages/about.md"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n館長室電話：分機 100。\n")


STEPS: list[tuple[str, Callable[[Path], None], datetime]] = [
    ("a post's body edited (new heading: new search entries)", _body_edit, NOW),
    ("a post's title edited (lists and feeds change)", _title_edit, NOW),
    ("a tag added to a post (a new tag page, the tag index)", _tag_edit, NOW),
    ("a new post with a Chinese slug (pagination of every list shifts)", _new_post, NOW),
    ("a post deleted (its page and folder go)", _delete_post, NOW),
    ("a page edited", _page_edit, NOW),
    ("nothing edited, a later now (scheduled posts go live, sitemap date)", lambda root: None, LATER),
]


def test_incremental_builds_equal_full_builds_edit_after_edit(sample_copy: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(sample_copy, root)
    builds = Builds(root, tmp_path)
    first = builds.incremental()
    assert first.mode == "full (no previous build)"
    total = first.rendered

    for step, change, now in STEPS:
        change(root)
        result = builds.incremental(now)
        assert result.mode == "incremental", (step, result.mode)
        assert 0 < result.rendered < total / 2, (step, result.rendered, total)
        assert_same_site(builds.out, builds.full(now, step), step)
        if change is _new_post:  # its search entries are there (the index holds %-encoded URLs)
            index = (builds.out / "search/search_index.json").read_text("utf-8")
            assert "posts/%E9%80%B1%E4%B8%89%E5%BB%B6%E9%95%B7%E9%96%8B%E6%94%BE/" in index

    again = builds.incremental(LATER)
    assert (again.mode, again.rendered) == ("incremental", 0)
    assert_same_site(builds.out, builds.full(LATER, "unchanged"), "nothing changed at all")


def test_what_every_page_depends_on_forces_a_full_build(sample_copy: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(sample_copy, root)
    builds = Builds(root, tmp_path)
    builds.incremental()

    edit(root / "mkdocs.yml", "primary: teal", "primary: indigo")
    assert builds.incremental().mode == "full (configuration, theme or versions changed)"

    (root / "templates/site").mkdir(parents=True, exist_ok=True)
    (root / "templates/site/main.html").write_text(
        '{% extends "base.html" %}\n{% block announce %}Closed on 12/25{% endblock %}\n', encoding="utf-8"
    )
    assert builds.incremental().mode == "full (configuration, theme or versions changed)"
    assert "Closed on 12/25" in (builds.out / "posts").joinpath(
        next(p.name for p in (builds.out / "posts").iterdir()), "index.html"
    ).read_text("utf-8")

    edit(root / "mkdocs.yml", "plugins:\n", "plugins:\n  - tags\n")
    assert builds.incremental().mode == "full (plugin tags needs a full build)"
    edit(root / "mkdocs.yml", "plugins:\n  - tags\n", "plugins:\n")

    # A template that prints the build date: every page changes with the day.
    (root / "templates/site/main.html").write_text(
        '{% extends "base.html" %}\n{% block announce %}Built {{ build_date_utc.date() }}{% endblock %}\n',
        encoding="utf-8",
    )
    assert builds.incremental().mode.startswith("full")
    assert builds.incremental(NOW + timedelta(hours=1)).mode == "incremental"  # the same day
    assert builds.incremental(LATER).mode == "full (a new day, and a template prints the build date)"
    assert_same_site(builds.out, builds.full(LATER, "build date"), "a template with the build date")


def test_compiled_templates_are_kept_per_build_key_and_dropped_by_a_full_build(
    sample_copy: Path, tmp_path: Path
) -> None:
    """Jinja runs what its bytecode cache holds: never keep one across keys or full builds."""
    builds = Builds(sample_copy, tmp_path)
    builds.incremental()
    cache = builds.work / "jinja-cache"
    (folder,) = cache.iterdir()
    assert list(folder.iterdir()), "mkdocs compiled Material's templates into the cache"
    planted = cache / "planted-by-someone-else"
    planted.mkdir()
    _ = build_site(load_library(sample_copy), NOW, builds.out, work_dir=builds.work, full=True)
    assert not planted.exists() and [p.name for p in cache.iterdir()] == [folder.name]


def test_a_build_that_failed_half_way_is_followed_by_a_full_one(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "library"
    shutil.copytree(sample_copy, root)
    builds = Builds(root, tmp_path)
    builds.incremental()
    before = files(builds.out)
    _body_edit(root)

    # The process dies while the engine runs: the docs tree is new, the site half old.
    def killed(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("shelfpost.site.build.EngineProcess.finish", killed)
    with pytest.raises(KeyboardInterrupt):
        builds.incremental()
    assert files(builds.out) == before, "a failed build must leave the published site alone"
    monkeypatch.undo()

    result = builds.incremental()
    assert result.mode == "full (no previous build)"
    assert_same_site(builds.out, builds.full(NOW, "after a failure"), "after a failed build")


def test_a_full_build_on_several_engine_processes_equals_one_process(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each mkdocs renders every other page; the outputs and search indexes are merged."""
    import shelfpost.site.build

    monkeypatch.setattr(shelfpost.site.build, "SHARD_MIN_PAGES", 10)  # the sample is small
    root = tmp_path / "library"
    shutil.copytree(sample_copy, root)
    _new_post(root)  # a Chinese slug: its search entries must survive the merge
    library = load_library(root)
    one = build_site(library, NOW, tmp_path / "one", work_dir=tmp_path / "w1", full=True, jobs=1)
    two = build_site(library, NOW, tmp_path / "two", work_dir=tmp_path / "w2", full=True, jobs=2)
    assert one.log.count("Documentation built") == 1
    assert two.log.count("Documentation built") == 2, "two engine processes ran"
    assert not list((tmp_path / "w2").glob("site-part-*")), "the second share's folder was merged away"
    index = json.loads((tmp_path / "two/search/search_index.json").read_text("utf-8"))
    assert len({doc["location"].split("#")[0] for doc in index["docs"]}) > 30
    assert_same_site(tmp_path / "two", tmp_path / "one", "two engine processes")


def test_the_hooks_read_the_variables_the_engine_sets() -> None:
    """mkdocs_hooks repeats engine.py's names (it loads inside mkdocs, without shelfpost's imports)."""
    from shelfpost.site import engine, incremental, mkdocs_hooks

    assert (mkdocs_hooks.WAIT_VARIABLE, mkdocs_hooks.SHARE_VARIABLE, mkdocs_hooks.CACHE_VARIABLE) == (
        engine.WAIT_VARIABLE,
        engine.SHARE_VARIABLE,
        engine.CACHE_VARIABLE,
    )
    assert mkdocs_hooks.ENGINE_CACHE_VARIABLE == incremental.ENGINE_CACHE_VARIABLE
    assert mkdocs_hooks.BUILD_KEY_VARIABLE == incremental.BUILD_KEY_VARIABLE
    assert mkdocs_hooks.PAGE_SAFE_PLUGINS == incremental.DIRTY_SAFE_PLUGINS
    caches = (mkdocs_hooks.RENDER_CACHE, mkdocs_hooks.SEGMENT_CACHE, mkdocs_hooks.PAGE_CACHE)
    assert caches == incremental.ENGINE_CACHES and mkdocs_hooks.PAGE_CACHE == incremental.PAGE_FILES


def _engine_cache(work: Path, name: str) -> dict[str, Any]:
    data = json.loads((work / "engine-cache" / f"{name}.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_a_full_build_from_a_warm_engine_cache_equals_a_cold_one(sample_copy: Path, tmp_path: Path) -> None:
    """Converted Markdown and Chinese words come from the cache, and the site is byte for byte the same."""
    root = tmp_path / "library"
    shutil.copytree(sample_copy, root)
    _new_post(root)  # a Chinese slug and a Chinese body
    library = load_library(root)
    work = tmp_path / "work"
    cold = build_site(library, NOW, tmp_path / "cold", work_dir=work, full=True)
    render, segments = _engine_cache(work, "render"), _engine_cache(work, "segments")
    pages = list((work / "docs").rglob("*.md"))
    assert len(render) == len(pages), "one converted page per docs page"
    assert any(key.endswith("週三延長開放") for key in segments), "the new post's title, segmented"
    assert not list((work / "engine-cache").glob("*-*.json")), "the processes' parts were merged away"

    def page_files() -> list[Path]:
        return sorted((work / "engine-cache" / "pages").glob("*/*.html.z"))

    assert len(page_files()) == len(pages), "one page's HTML per docs page"

    warm = build_site(library, NOW, tmp_path / "warm", work_dir=work, full=True)
    assert warm.mode == cold.mode == "full (--full)"
    assert_same_site(tmp_path / "warm", tmp_path / "cold", "a full build from a warm engine cache")
    assert _engine_cache(work, "render") == render and _engine_cache(work, "segments") == segments
    assert len(page_files()) == len(pages)

    # It is really the cache that answers: mark every cached conversion, and the
    # pages show the mark (their HTML is rendered again: its input changed).
    marked = {k: {**v, "content": v["content"] + "<!-- from the cache -->"} for k, v in render.items()}
    (work / "engine-cache" / "render.json").write_text(json.dumps(marked), "utf-8")
    build_site(library, NOW, tmp_path / "marked", work_dir=work, full=True)
    post_pages = list((tmp_path / "marked" / "posts").rglob("index.html"))
    assert post_pages and all("<!-- from the cache -->" in p.read_text("utf-8") for p in post_pages)
    assert len(page_files()) == len(pages), "a full build keeps only the pages' HTML it used"

    # The pages' HTML comes from the cache too.
    for path in page_files():
        text = zlib.decompress(path.read_bytes()).decode("utf-8") + "<!-- page from the cache -->"
        path.write_bytes(zlib.compress(text.encode("utf-8")))
    build_site(library, NOW, tmp_path / "pages", work_dir=work, full=True)
    html = list((tmp_path / "pages").rglob("*.html"))
    assert len(html) > 40 and all(
        p.read_text("utf-8").endswith("<!-- page from the cache -->") for p in html if p.name != "404.html"
    )


def test_editing_a_posts_text_invalidates_its_cached_conversion_and_words(
    sample_copy: Path, tmp_path: Path
) -> None:
    root = tmp_path / "library"
    shutil.copytree(sample_copy, root)
    _new_post(root)
    with (root / NEW_POST).open("a", encoding="utf-8") as handle:
        handle.write("\n海豚特展提早到早上八點 dolphins.\n")
    work = tmp_path / "work"
    build_site(load_library(root), NOW, tmp_path / "before", work_dir=work, full=True)
    index_before = (tmp_path / "before" / inc_index()).read_text("utf-8")
    assert "鯨豚" not in index_before
    assert any(key.endswith("海豚特展提早到早上八點") for key in _engine_cache(work, "segments"))
    edit(root / NEW_POST, "海豚特展提早到早上八點", "鯨豚特展延長到晚上九點")

    build_site(load_library(root), NOW, tmp_path / "after", work_dir=work, full=True)
    index_after = json.loads((tmp_path / "after" / inc_index()).read_text("utf-8"))
    texts = [doc["text"] for doc in index_after["docs"] if "%E9%80%B1" in doc["location"]]
    assert any("鯨豚" in text and "\u200b" in text for text in texts), texts
    segments = _engine_cache(work, "segments")
    assert any(key.endswith("鯨豚特展延長到晚上九點") for key in segments)
    assert not any(key.endswith("海豚特展提早到早上八點") for key in segments), (
        "a full build drops unused runs"
    )
    shutil.rmtree(work)
    build_site(load_library(root), NOW, tmp_path / "fresh", work_dir=work, full=True)
    assert_same_site(tmp_path / "after", tmp_path / "fresh", "after an edit, against a cold cache")


def inc_index() -> str:
    from shelfpost.site.incremental import SEARCH_INDEX

    return SEARCH_INDEX


def test_sync_site_copies_changed_bytes_and_only_retimes_a_file_rendered_again_the_same(
    tmp_path: Path,
) -> None:
    import os

    from shelfpost.site.incremental import sync_site

    staged, out = tmp_path / "staged", tmp_path / "out"
    (staged / "a").mkdir(parents=True)
    (staged / "a/index.html").write_text("same", "utf-8")
    (staged / "b.html").write_text("old1", "utf-8")
    assert sync_site(staged, out) == 2
    # A full build writes every file again: one with the same bytes, one changed (same size).
    (staged / "a/index.html").write_text("same", "utf-8")
    (staged / "b.html").write_text("new2", "utf-8")
    later = (staged / "a/index.html").stat().st_mtime_ns + 5_000_000_000
    for name in ("a/index.html", "b.html"):
        os.utime(staged / name, ns=(later, later))
    assert sync_site(staged, out) == 1, "only the changed file is copied"
    assert (out / "b.html").read_text("utf-8") == "new2"
    assert (out / "a/index.html").stat().st_mtime_ns == later, "the same bytes get the new time"
    assert sync_site(staged, out) == 0
