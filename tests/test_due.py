"""`shelfpost due`: the scheduled run's fast decision, on real folders and Git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import Lib, invoke, post_text
from shelfpost.publish.due import MANIFEST

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}
CHANNELS = (
    "channels:\n  mastodon:\n    kind: mastodon\n    name: Mastodon\n    instance: https://m.example\n"
    "    credentials:\n      access_token: TOKEN\n"
)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def commit(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


def due(root: Path, now: str) -> dict:  # type: ignore[type-arg]
    result = invoke("due", "--root", str(root), "--now", now, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def record(root: Path, now: str) -> dict:  # type: ignore[type-arg]
    result = invoke("due", "--record", "--root", str(root), "--now", now, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


@pytest.fixture
def repo(lib: Lib) -> Lib:
    """A library in a Git repository: one live post, one due on 2026-12-01 10:00 (+08:00)."""
    lib.post("2026-11-01-old", publish_at="2026-11-01 10:00")
    lib.post("2026-12-01-future", publish_at="2026-12-01 10:00")
    git(lib.root, "init", "-q")
    commit(lib.root, "library")
    return lib


def test_first_run_without_manifest_is_due(repo: Lib) -> None:
    answer = due(repo.root, "2026-11-26T04:00:00Z")
    assert answer["due"] is True
    assert "no readable data/runs/last-deploy.json" in answer["reasons"][0]


def test_nothing_due_after_a_recorded_run_until_the_next_post_time(repo: Lib) -> None:
    written = record(repo.root, "2026-11-26T04:00:00Z")
    assert written["next_due"] == "2026-12-01T02:00:00Z"  # 10:00 in Taipei
    assert written["outstanding"] == []
    assert (repo.root / MANIFEST).is_file()
    # Later scheduled runs: nothing changed, nothing became due.
    assert due(repo.root, "2026-11-26T04:15:00Z")["due"] is False
    assert due(repo.root, "2026-12-01T01:59:59Z")["due"] is False
    # The post's time has come: due, exactly at it and after.
    at = due(repo.root, "2026-12-01T02:00:00Z")
    assert at["due"] is True
    assert at["reasons"] == ["something became due at 2026-12-01T02:00:00Z"]
    assert due(repo.root, "2026-12-03T00:00:00Z")["due"] is True
    # The next run records again; the post is live now and nothing else is scheduled.
    assert record(repo.root, "2026-12-01T02:07:00Z")["next_due"] is None
    assert due(repo.root, "2027-06-01T00:00:00Z")["due"] is False


def test_the_manifest_itself_and_other_records_in_data_change_nothing(repo: Lib) -> None:
    record(repo.root, "2026-11-26T04:00:00Z")
    repo.write("data/published/old.yml", "slug: old\nchannels: {}\n")
    repo.write("data/runs/last-publish.yml", "at: 2026-11-26T04:00:00+00:00\n")
    assert due(repo.root, "2026-11-26T04:15:00Z")["due"] is False
    commit(repo.root, "data: records [skip ci]")  # what the publish workflow does next
    assert due(repo.root, "2026-11-26T04:30:00Z")["due"] is False


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "uncommitted"])
def test_an_edited_post_makes_the_run_due(repo: Lib, committed: bool) -> None:
    record(repo.root, "2026-11-26T04:00:00Z")
    path = repo.root / "content/posts/2026/2026-11-01-old.md"
    path.write_text(path.read_text("utf-8").replace("內文", "新內文"), "utf-8")
    if committed:
        commit(repo.root)
    answer = due(repo.root, "2026-11-26T04:15:00Z")
    assert answer["due"] is True
    assert answer["reasons"] == ["the files changed since the last deploy (or shelfpost's version did)"]


@pytest.mark.parametrize(
    "change",
    ["new post", "deleted post", "config", "mkdocs.yml", "plan", "template"],
)
def test_any_other_input_change_makes_the_run_due(repo: Lib, change: str) -> None:
    record(repo.root, "2026-11-26T04:00:00Z")
    if change == "new post":
        repo.post("2026-11-20-new", publish_at="2026-11-20 10:00")  # already in the past: live at once
    elif change == "deleted post":
        (repo.root / "content/posts/2026/2026-11-01-old.md").unlink()
    elif change == "config":
        repo.write("shelfpost.yml", (repo.root / "shelfpost.yml").read_text("utf-8") + "\n")
    elif change == "mkdocs.yml":
        repo.write("mkdocs.yml", "theme:\n  name: material\n")
    elif change == "plan":
        repo.write("plan/channels.yml", CHANNELS)
    else:
        repo.write("templates/channels/mastodon.txt.j2", "{{ post.title }}\n")
    assert due(repo.root, "2026-11-26T04:15:00Z")["due"] is True
    commit(repo.root)
    assert due(repo.root, "2026-11-26T04:30:00Z")["due"] is True


def test_without_git_the_files_themselves_are_compared(lib: Lib) -> None:
    lib.post("2026-11-01-old", publish_at="2026-11-01 10:00")
    record(lib.root, "2026-11-26T04:00:00Z")
    assert due(lib.root, "2026-11-26T04:15:00Z")["due"] is False
    path = lib.root / "content/posts/2026/2026-11-01-old.md"
    stat = path.stat()
    path.write_text(path.read_text("utf-8").replace("內文", "內容"), "utf-8")  # same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same mtime
    assert due(lib.root, "2026-11-26T04:30:00Z")["due"] is True


def test_an_upcoming_event_ending_makes_the_run_due(repo: Lib) -> None:
    repo.post(
        "2026-11-02-talk",
        post_text(
            publish_at="2026-11-02 10:00",
            type_="event",
            extra="event:\n  start: 2026-11-28 14:00\n  end: 2026-11-28 16:00\n  location: 三樓\n",
        ),
    )
    commit(repo.root)
    assert record(repo.root, "2026-11-26T04:00:00Z")["next_due"] == "2026-11-28T08:00:00Z"
    assert due(repo.root, "2026-11-28T07:59:00Z")["due"] is False
    assert due(repo.root, "2026-11-28T08:07:00Z")["due"] is True


def test_unfinished_channel_items_keep_the_run_due(repo: Lib) -> None:
    repo.write("plan/channels.yml", CHANNELS)
    repo.post("2026-11-26-hello", post_text(publish_at="2026-11-26 10:00", extra="channels: [mastodon]\n"))
    commit(repo.root)
    # Published at 02:00Z; the run at 02:07Z failed to send it (no record, or "failed").
    assert record(repo.root, "2026-11-26T02:07:00Z")["outstanding"] == ["hello:mastodon"]
    assert due(repo.root, "2026-11-26T02:22:00Z")["due"] is True
    repo.write("data/published/hello.yml", "slug: hello\nchannels:\n  mastodon: {state: failed, key: k}\n")
    assert record(repo.root, "2026-11-26T02:22:00Z")["outstanding"] == ["hello:mastodon"]
    # Sent: nothing left.
    repo.write("data/published/hello.yml", "slug: hello\nchannels:\n  mastodon: {state: published, key: k}\n")
    assert record(repo.root, "2026-11-26T02:37:00Z")["outstanding"] == []
    assert due(repo.root, "2026-11-26T02:52:00Z")["due"] is False


def test_a_post_too_late_to_send_does_not_keep_every_run_building(repo: Lib) -> None:
    """publish exits 1 for it (a person decides: --allow-late), but retrying cannot help."""
    repo.write("plan/channels.yml", CHANNELS)
    repo.post("2026-11-20-old", post_text(publish_at="2026-11-20 10:00", extra="channels: [mastodon]\n"))
    commit(repo.root)
    assert record(repo.root, "2026-11-26T02:07:00Z")["outstanding"] == []
    assert due(repo.root, "2026-11-26T02:22:00Z")["due"] is False


def test_a_broken_or_foreign_manifest_means_due(repo: Lib) -> None:
    record(repo.root, "2026-11-26T04:00:00Z")
    path = repo.root / MANIFEST
    good = json.loads(path.read_text("utf-8"))
    for bad in ("{not json", json.dumps({**good, "format": 99}), json.dumps({**good, "next_due": "soon"})):
        path.write_text(bad, "utf-8")
        assert due(repo.root, "2026-11-26T04:15:00Z")["due"] is True
    path.write_text(
        json.dumps({**good, "fingerprint": "0.0.1:" + good["fingerprint"].split(":")[1]}), "utf-8"
    )
    assert due(repo.root, "2026-11-26T04:15:00Z")["due"] is True  # another shelfpost version
    path.write_text(json.dumps(good), "utf-8")
    assert due(repo.root, "2026-11-26T03:00:00Z")["due"] is True  # a clock before the last deploy


def test_formats_and_a_moment_without_offset(repo: Lib) -> None:
    out = invoke("due", "--root", str(repo.root), "--now", "2026-11-26T04:00:00Z", "--format", "github")
    assert out.output == "due=true\n"
    record(repo.root, "2026-11-26T04:00:00Z")
    out = invoke("due", "--root", str(repo.root), "--now", "2026-11-26T04:15:00+00:00")
    assert out.exit_code == 0 and out.output.startswith("nothing due:")
    out = invoke("due", "--root", str(repo.root), "--now", "2026-11-26 12:15")
    assert out.exit_code == 2 and "offset" in out.output


def test_a_library_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    lib = Lib(tmp_path / "repo" / "library")
    lib.post("2026-11-01-old", publish_at="2026-11-01 10:00")
    (tmp_path / "repo" / "README.md").write_text("outside the library\n", "utf-8")
    git(tmp_path / "repo", "init", "-q")
    commit(tmp_path / "repo")
    record(lib.root, "2026-11-26T04:00:00Z")
    (tmp_path / "repo" / "README.md").write_text("changed, outside the library\n", "utf-8")
    assert due(lib.root, "2026-11-26T04:15:00Z")["due"] is False
    path = lib.root / "content/posts/2026/2026-11-01-old.md"
    path.write_text(path.read_text("utf-8").replace("內文", "新內文"), "utf-8")
    assert due(lib.root, "2026-11-26T04:30:00Z")["due"] is True
    path.write_text(path.read_text("utf-8").replace("新內文", "內文"), "utf-8")
    assert due(lib.root, "2026-11-26T04:45:00Z")["due"] is False  # back as it was
    lib.write("data/published/old.yml", "slug: old\nchannels: {}\n")
    assert due(lib.root, "2026-11-26T05:00:00Z")["due"] is False


def test_the_publish_workflow_skips_the_build_only_on_a_schedule_and_records_after_each_deploy() -> None:
    import yaml

    from conftest import REPO

    flow = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text("utf-8"))
    jobs = flow["jobs"]
    decide = "\n".join(step.get("run", "") for step in jobs["decide"]["steps"])
    assert 'shelfpost due --now "$NOW" --format github >> "$GITHUB_OUTPUT"' in decide
    assert '[ "$EVENT" = "schedule" ]' in decide  # pushes and runs by hand always build
    assert jobs["build"]["needs"] == "decide"
    assert "needs.decide.outputs.due == 'true'" in jobs["build"]["if"]
    assert "build" in jobs["deploy"]["needs"] and "deploy" in jobs["publish"]["needs"]
    steps = jobs["publish"]["steps"]
    names = [step.get("run", "") for step in steps]
    record = next(i for i, run in enumerate(names) if "shelfpost due --record" in run)
    publish = next(i for i, run in enumerate(names) if run.startswith("shelfpost publish"))
    commit = next(i for i, run in enumerate(names) if "git add data/" in run)
    assert publish < record < commit
    # After a publish that exited 1 too: the outstanding list, not the exit code, decides.
    assert steps[record]["if"] == "${{ !cancelled() }}"
