"""Posting a report as a GitHub issue, idempotently.

Each report's issue carries a hidden marker (``<!-- shelfpost:report=monthly:2026-11 -->``)
and the label :data:`LABEL`. A rerun lists the label's issues (not the search API,
which lags), finds the marker, and edits the issue only when its title or body
changed: rerunning a report twice opens one issue and edits it at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

from shelfpost.github.client import IssueInfo, RepoClient
from shelfpost.reports.documents import Report

LABEL = "shelfpost-report"


@dataclass(frozen=True)
class Posted:
    action: str  # created | edited | unchanged
    number: int
    url: str


def find(issues: list[IssueInfo], marker: str) -> IssueInfo | None:
    """The oldest issue holding ``marker`` (a duplicate opened by hand never wins)."""
    found = [i for i in issues if marker in i.body]
    return min(found, key=lambda i: i.number) if found else None


def post_report(
    client: RepoClient, report: Report, body: str, issues: list[IssueInfo], assignees: list[str]
) -> Posted:
    """Open the report's issue, or edit it when ``body`` or the title changed."""
    existing = find(issues, report.marker)
    if existing is None:
        made = client.create_issue(report.title, body, [LABEL, f"report:{report.kind}"], assignees)
        return Posted("created", made.number, made.html_url)
    if existing.body.strip() == body.strip() and existing.title == report.title:
        return Posted("unchanged", existing.number, existing.html_url)
    client.edit_issue(existing.number, report.title, body)
    return Posted("edited", existing.number, existing.html_url)
