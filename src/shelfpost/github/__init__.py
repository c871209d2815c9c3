"""A small adapter over github3.py: the few GitHub calls shelfpost makes.

Everything GitHub-specific lives here: the review bot (:mod:`shelfpost.github.review`)
and the audit trail (:mod:`shelfpost.github.audit`) get plain dataclasses back, and
every failure arrives as one :class:`GitHubProblem` whose message says what to
do (which permission is missing, when the rate limit resets, what was not
found). Nothing here reads the environment or the clock: the CLI passes the
token, the API address, ``sleep`` and ``clock`` in.
"""

from __future__ import annotations

from shelfpost.github.client import (
    ChangedFile,
    CommentInfo,
    CommitInfo,
    GitHubProblem,
    PullInfo,
    RepoClient,
    ReviewInfo,
    connect,
)

__all__ = [
    "ChangedFile",
    "CommentInfo",
    "CommitInfo",
    "GitHubProblem",
    "PullInfo",
    "RepoClient",
    "ReviewInfo",
    "connect",
]
