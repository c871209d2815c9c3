"""The audit trail: who wrote each live post and who approved it.

When a post goes live, the publish run records, from GitHub, the pull request that
last changed the post's file on the default branch: its author and every reviewer
whose latest review is an approval. The answer goes into the post's publication
record (``data/published/<slug>.yml``, section ``audit``, see
:mod:`shelfpost.library.records`), committed with the run's other records.

The question management asks, "which live posts were not reviewed by someone other
than their author?", is then answered from the records alone (:func:`audit_rows`),
without the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from shelfpost.github.client import GitHubProblem, RepoClient
from shelfpost.github.review import approvers
from shelfpost.library.model import Library, Post
from shelfpost.library.records import AuditRecord, PostRecord, load_record, load_records, save_record


def find_audit(client: RepoClient, post: Post, now: datetime, branch: str | None = None) -> AuditRecord:
    """The audit of ``post``: merge commit → pull request → author and approvals.

    The commit is the newest one on ``branch`` (default: the repository's default
    branch) that changes the post's file: the version that went live. A commit
    pushed without a pull request gives an audit with no pull request and no
    approvers, which :func:`audit_rows` reports as unreviewed.
    """
    branch = branch or client.default_branch()
    commits = client.commits_for_path(post.path, branch, limit=1)
    if not commits:
        raise GitHubProblem(f"no commit on {branch} changes {post.path}: is it merged?", "not-found")
    commit = commits[0]
    pulls = [p for p in client.pulls_of_commit(commit.sha) if p.merged and p.base_ref == branch]
    chosen = next((p for p in pulls if p.merge_commit_sha == commit.sha), pulls[0] if pulls else None)
    recorded = now.astimezone(UTC).isoformat(timespec="seconds")
    if chosen is None:
        return AuditRecord(commit.author, (), None, commit.sha, recorded)
    return AuditRecord(
        chosen.author, approvers(client.reviews(chosen.number)), chosen.number, commit.sha, recorded
    )


def record_audit(root: Path, repo: str, post: Post, client: RepoClient, now: datetime) -> AuditRecord:
    """Find the audit of ``post`` in ``repo`` (OWNER/NAME) and write it into the post's record.

    Other sections of the record (the channels the publish run keeps) are kept as
    they are; the write is atomic (:func:`shelfpost.library.records.save_record`).
    """
    if repo.lower() != client.full_name.lower():
        raise ValueError(f"the client is for {client.full_name}, not {repo}")
    audit = find_audit(client, post, now)
    record = load_record(root, post.slug)
    save_record(root, replace(record, path=record.path or post.path, audit=audit))
    return audit


@dataclass(frozen=True)
class Recorded:
    slug: str
    audit: AuditRecord | None
    error: str = ""


def record_missing(library: Library, client: RepoClient, now: datetime) -> list[Recorded]:
    """Fill the audit of every live post whose record has none; one failure stops nobody.

    A token or permission problem stops the run (every post would fail the same way).
    """
    done = []
    for post in sorted(library.live_posts(now), key=lambda p: p.path):
        if load_record(library.root, post.slug).audit is not None:
            continue
        try:
            done.append(Recorded(post.slug, record_audit(library.root, client.full_name, post, client, now)))
        except GitHubProblem as exc:
            if exc.kind in ("auth", "permission", "rate-limit"):
                raise
            done.append(Recorded(post.slug, None, exc.message))
    return done


# --- answering from the records -----------------------------------------------------------

STATES = ("reviewed", "unreviewed", "no-record")


@dataclass(frozen=True)
class AuditRow:
    slug: str
    path: str
    title: str
    publish_at: str
    state: str  # reviewed | unreviewed | no-record
    author: str | None
    approvers: list[str]
    pull_request: int | None
    why: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def judge(audit: AuditRecord | None) -> tuple[str, str]:
    """``(state, why)``: reviewed means an approval by someone other than the author."""
    if audit is None:
        return "no-record", "no audit recorded yet: run `shelfpost audit record`"
    author = (audit.author or "").lower()
    others = [a for a in audit.approvers if a.lower() != author]
    if others:
        return "reviewed", f"approved by {', '.join(others)}"
    if audit.pull_request is None:
        return (
            "unreviewed",
            f"commit {(audit.merge_commit or '')[:12]} reached the branch without a pull request",
        )
    if audit.approvers:
        return "unreviewed", f"only the author approved pull request #{audit.pull_request}"
    return "unreviewed", f"pull request #{audit.pull_request} was merged without an approval"


def audit_rows(library: Library, records: Mapping[str, PostRecord], now: datetime) -> list[AuditRow]:
    """Every live post with its audit state, oldest first."""
    rows = []
    for post in sorted(library.live_posts(now), key=lambda p: (p.publish_at, p.path)):
        record = records.get(post.slug)
        audit = record.audit if record is not None else None
        state, why = judge(audit)
        rows.append(
            AuditRow(
                post.slug,
                post.path,
                post.title,
                post.publish_at.isoformat(),
                state,
                audit.author if audit else None,
                list(audit.approvers) if audit else [],
                audit.pull_request if audit else None,
                why,
            )
        )
    return rows


def audit_library(library: Library, now: datetime) -> list[AuditRow]:
    return audit_rows(library, load_records(library.root), now)
