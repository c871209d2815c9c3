"""The GitHub calls shelfpost makes, through github3.py, with failures made readable.

One :class:`RepoClient` per repository. Each method makes one kind of call, turns
github3's objects into small frozen dataclasses, and turns every failure into a
:class:`GitHubProblem` that names what to do:

- 401: the token is not valid;
- 403 without a rate limit: the permission the call needs (``pull-requests: write``...);
- 403/429 with ``x-ratelimit-remaining: 0`` / ``retry-after``: wait until the reset when
  that is at most ``max_wait`` seconds away (with the injected ``sleep``), else say when
  to run again;
- 404: what was not found (a deleted branch, a closed pull request, a token that
  cannot see the repository).

github3.py checks response bodies strictly (``IncompleteResponse`` when a field such
as ``body_html`` is missing) and sends ``Accept: application/vnd.github.v3.full+json``,
so GitHub answers with ``body``, ``body_html`` and ``body_text``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import github3
import requests
from github3 import exceptions as gh_exc

T = TypeVar("T")

PUBLIC_API = "https://api.github.com"


class GitHubProblem(Exception):
    """A GitHub call that failed; ``message`` says what happened and what to do.

    ``kind`` is one of ``auth``, ``permission``, ``rate-limit``, ``not-found``, ``unreachable``, ``error``.
    """

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def unreachable(exc: BaseException) -> str:
    """Why GitHub could not be reached, in words (not the requests exception's repr)."""
    inner = getattr(exc, "exception", None) or exc
    text = str(inner)
    if isinstance(inner, requests.Timeout):
        return "it did not answer in time"
    if isinstance(inner, requests.exceptions.SSLError):
        return "its TLS certificate could not be verified"
    if any(
        s in text
        for s in ("Name or service not known", "Temporary failure in name resolution", "getaddrinfo")
    ):
        return "its host name could not be resolved (DNS)"
    if "Connection refused" in text:
        return "the connection was refused"
    if "Connection reset" in text or "RemoteDisconnected" in text or "aborted" in text:
        return "the connection was dropped"
    return "the connection failed"


def connect(token: str, api_url: str | None = None) -> Any:
    """A github3 session for github.com, or for the server whose API is ``api_url``.

    ``api_url`` is what GitHub Actions puts in ``GITHUB_API_URL``:
    ``https://api.github.com`` or ``https://HOST/api/v3`` on GitHub Enterprise Server
    (the tests point it at a local server on 127.0.0.1).
    """
    if not api_url or api_url.rstrip("/") == PUBLIC_API:
        return github3.GitHub(token=token)
    base = api_url.rstrip("/").removesuffix("/api/v3")
    return github3.GitHubEnterprise(base, token=token)


@dataclass(frozen=True)
class PullInfo:
    number: int
    title: str
    author: str
    head_sha: str
    head_ref: str
    base_ref: str
    state: str
    merged: bool
    merge_commit_sha: str | None
    html_url: str


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str  # added | removed | modified | renamed | copied | changed | unchanged
    previous_path: str | None = None


@dataclass(frozen=True)
class ReviewInfo:
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    submitted_at: str | None
    commit_id: str | None


@dataclass(frozen=True)
class CommentInfo:
    id: int
    user: str
    body: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str | None  # the GitHub login, when GitHub could match the e-mail to one
    message: str


def _login(user: Any) -> str:
    return str(getattr(user, "login", "") or "")


def _pull_info(pr: Any) -> PullInfo:
    data = pr.as_dict()
    head, base = data.get("head") or {}, data.get("base") or {}
    return PullInfo(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        author=str((data.get("user") or {}).get("login") or ""),
        head_sha=str(head.get("sha") or ""),
        head_ref=str(head.get("ref") or ""),
        base_ref=str(base.get("ref") or ""),
        state=str(data.get("state") or ""),
        merged=data.get("merged_at") is not None,
        merge_commit_sha=data.get("merge_commit_sha"),
        html_url=str(data.get("html_url") or ""),
    )


class RepoClient:
    """The calls shelfpost makes on one repository (``OWNER/NAME``).

    ``sleep`` and ``clock`` (seconds since the epoch) come from the CLI, so tests wait
    for nothing. ``max_wait`` bounds a rate-limit wait; ``attempts`` bounds the tries.
    """

    def __init__(
        self,
        gh: Any,
        full_name: str,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        max_wait: float = 300.0,
        attempts: int = 3,
    ) -> None:
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise GitHubProblem(f"{full_name!r} is not a repository: write OWNER/NAME, e.g. library/social")
        self.gh = gh
        self.owner, self.name, self.full_name = owner, name, full_name
        self.sleep, self.clock = sleep, clock
        self.max_wait, self.attempts = max_wait, attempts
        self._repo: Any = None
        self._pulls: dict[int, Any] = {}
        self._comments: dict[int, Any] = {}
        self._commits: dict[str, Any] = {}
        self._issues: dict[int, Any] = {}

    # --- failures ----------------------------------------------------------------------

    def _call(self, what: str, needs: str, fn: Callable[[], T], missing: str = "") -> T:
        """Run one call; retry after a short rate-limit wait; raise :class:`GitHubProblem`."""
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except gh_exc.AuthenticationFailed as exc:
                raise GitHubProblem(
                    f"GitHub refused the token while trying to {what} (401 {exc.msg}): "
                    "set GITHUB_TOKEN to a valid token",
                    "auth",
                ) from None
            except gh_exc.NotFoundError:
                hint = missing or "it does not exist, or the token cannot see it"
                raise GitHubProblem(
                    f"GitHub answered 404 Not Found while trying to {what} in {self.full_name}: {hint}",
                    "not-found",
                ) from None
            except (gh_exc.ForbiddenError, gh_exc.ClientError) as exc:
                wait = self._rate_limit_wait(exc)
                if wait is None:
                    if exc.code == 403:
                        raise GitHubProblem(
                            f"the token may not {what} in {self.full_name}: it needs the permission "
                            f"'{needs}' (in a workflow: `permissions: {{{needs}}}`; for a personal "
                            f"token, the same permission). GitHub said: 403 {exc.msg}",
                            "permission",
                        ) from None
                    raise GitHubProblem(
                        f"GitHub answered {exc.code} {exc.msg} while trying to {what}"
                    ) from None
                if wait > self.max_wait or attempt == self.attempts:
                    raise GitHubProblem(self._rate_limit_message(exc, wait, what), "rate-limit") from None
                self.sleep(wait)
            except gh_exc.IncompleteResponse as exc:
                raise GitHubProblem(
                    f"GitHub's answer while trying to {what} lacks a field github3.py needs ({exc.msg})"
                ) from None
            except gh_exc.GitHubError as exc:
                raise GitHubProblem(f"GitHub answered {exc.code} {exc.msg} while trying to {what}") from None
            except gh_exc.TransportError as exc:
                raise GitHubProblem(
                    f"could not reach GitHub to {what}: {unreachable(exc)}; check the network, "
                    "or GITHUB_API_URL for GitHub Enterprise Server",
                    "unreachable",
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _rate_limit_wait(self, exc: Any) -> float | None:
        """Seconds until the limit lifts, or ``None`` when the answer is no rate limit."""
        if exc.code not in (403, 429):
            return None
        headers = exc.response.headers
        retry_after = str(headers.get("retry-after") or "")
        if retry_after.isdigit():
            return float(retry_after)
        reset = str(headers.get("x-ratelimit-reset") or "")
        if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            return max(0.0, float(reset) - self.clock()) + 1.0
        if "rate limit" in str(exc.msg or "").lower():
            return 60.0  # a secondary limit without headers: GitHub asks for at least a minute
        return None

    def _rate_limit_message(self, exc: Any, wait: float, what: str) -> str:
        reset = str(exc.response.headers.get("x-ratelimit-reset") or "")
        until = ""
        if reset.isdigit():
            until = f" until {datetime.fromtimestamp(int(reset), UTC):%Y-%m-%d %H:%M} UTC"
        minutes = max(1, round(wait / 60))
        return (
            f"GitHub's API rate limit for this token is used up{until} (about {minutes} min from now) "
            f"while trying to {what}; shelfpost waits at most {self.max_wait:.0f} s: run it again after "
            "that. Nothing was written."
        )

    # --- reads -------------------------------------------------------------------------

    @property
    def repo(self) -> Any:
        """The github3 repository, fetched once."""
        if self._repo is None:
            repo = self._call(
                "read the repository",
                "contents: read",
                lambda: self.gh.repository(self.owner, self.name),
                missing="check OWNER/NAME, and that the token may read this repository",
            )
            if repo is None:
                raise GitHubProblem(f"GitHub has no repository {self.full_name}", "not-found")
            self._repo = repo
        return self._repo

    def default_branch(self) -> str:
        return str(self.repo.default_branch)

    def _pull(self, number: int) -> Any:
        if number not in self._pulls:
            pr = self._call(
                f"read pull request #{number}",
                "pull-requests: read",
                lambda: self.repo.pull_request(number),
                missing=f"pull request #{number} does not exist",
            )
            if pr is None:
                raise GitHubProblem(f"pull request #{number} does not exist in {self.full_name}", "not-found")
            self._pulls[number] = pr
        return self._pulls[number]

    def pull(self, number: int) -> PullInfo:
        return _pull_info(self._pull(number))

    def changed_files(self, number: int) -> list[ChangedFile]:
        """Every file the pull request changes (all pages; GitHub lists at most 3,000)."""
        pr = self._pull(number)

        def fetch() -> list[ChangedFile]:
            files = []
            for f in pr.files():
                data = f.as_dict()
                files.append(
                    ChangedFile(str(data["filename"]), str(data["status"]), data.get("previous_filename"))
                )
            return files

        return self._call(
            f"list the files of pull request #{number}",
            "pull-requests: read",
            fetch,
            missing=f"pull request #{number} or its branch is gone (deleted branch or closed pull request)",
        )

    def reviews(self, number: int) -> list[ReviewInfo]:
        """Every review, oldest first (as GitHub lists them)."""
        pr = self._pull(number)

        def fetch() -> list[ReviewInfo]:
            out = []
            for r in pr.reviews():
                data = r.as_dict()
                out.append(
                    ReviewInfo(
                        _login(r.user),
                        str(data.get("state") or ""),
                        data.get("submitted_at"),
                        data.get("commit_id"),
                    )
                )
            return out

        return self._call(f"read the reviews of pull request #{number}", "pull-requests: read", fetch)

    def comments(self, number: int) -> list[CommentInfo]:
        """The conversation's comments (issue comments), oldest first."""
        pr = self._pull(number)

        def fetch() -> list[CommentInfo]:
            out = []
            for c in pr.issue_comments():
                self._comments[int(c.id)] = c
                out.append(CommentInfo(int(c.id), _login(c.user), str(c.body or "")))
            return out

        return self._call(f"read the comments of pull request #{number}", "pull-requests: read", fetch)

    def commits_for_path(self, path: str, branch: str, limit: int = 1) -> list[CommitInfo]:
        """The newest commits on ``branch`` that change ``path``, newest first."""

        def fetch() -> list[CommitInfo]:
            out = []
            for c in self.repo.commits(sha=branch, path=path, number=limit):
                self._commits[str(c.sha)] = c
                data = c.as_dict()
                message = str((data.get("commit") or {}).get("message") or "")
                author = (data.get("author") or {}).get("login")
                out.append(CommitInfo(str(c.sha), author, message.split("\n", 1)[0]))
            return out

        return self._call(
            f"list the commits of {branch} that change {path}",
            "contents: read",
            fetch,
            missing=f"the branch {branch!r} does not exist (deleted?)",
        )

    def pulls_of_commit(self, sha: str) -> list[PullInfo]:
        """The pull requests a commit belongs to (merged ones for a commit on the default branch)."""
        commit = self._commits.get(sha)
        if commit is None:
            commit = self._call(f"read commit {sha[:12]}", "contents: read", lambda: self.repo.commit(sha))
            self._commits[sha] = commit

        def fetch() -> list[PullInfo]:
            out = []
            for pr in commit.associated_pull_requests():
                self._pulls.setdefault(int(pr.number), pr)
                out.append(_pull_info(pr))
            return out

        return self._call(f"list the pull requests of commit {sha[:12]}", "pull-requests: read", fetch)

    # --- writes ------------------------------------------------------------------------

    def create_comment(self, number: int, body: str) -> CommentInfo:
        pr = self._pull(number)
        c = self._call(
            f"comment on pull request #{number}", "pull-requests: write", lambda: pr.create_comment(body)
        )
        if c is None:
            raise GitHubProblem(f"GitHub created no comment on pull request #{number}")
        self._comments[int(c.id)] = c
        return CommentInfo(int(c.id), _login(c.user), str(c.body or ""))

    def edit_comment(self, comment_id: int, body: str) -> None:
        comment = self._comments.get(comment_id)
        if comment is None:
            raise GitHubProblem(f"comment {comment_id} was not read first; list the comments before editing")
        ok = self._call(f"edit comment {comment_id}", "pull-requests: write", lambda: comment.edit(body))
        if not ok:
            raise GitHubProblem(f"GitHub did not edit comment {comment_id}")

    def set_status(
        self, sha: str, state: str, context: str, description: str, target_url: str | None
    ) -> None:
        """A commit status (``pending``, ``success``, ``failure`` or ``error``) on ``sha``."""
        self._call(
            f"set the commit status {context!r}",
            "statuses: write",
            lambda: self.repo.create_status(
                sha, state, target_url=target_url, description=description[:140], context=context
            ),
            missing=f"commit {sha[:12]} is not in the repository (a deleted branch of a fork?)",
        )

    # --- issues (the reports) ------------------------------------------------------------

    def labelled_issues(self, label: str) -> list[IssueInfo]:
        """Every issue with ``label``, open or closed, newest first (all pages). Listing by
        label, not the search API: search lags behind by minutes, a rerun must not."""

        def fetch() -> list[IssueInfo]:
            out = []
            for issue in self.repo.issues(state="all", labels=label):
                self._issues[int(issue.number)] = issue
                out.append(_issue_info(issue))
            return out

        return self._call(f"list the issues labelled {label!r}", "issues: read", fetch)

    def create_issue(self, title: str, body: str, labels: list[str], assignees: list[str]) -> IssueInfo:
        issue = self._call(
            "open an issue",
            "issues: write",
            lambda: self.repo.create_issue(title, body=body, labels=labels, assignees=assignees or None),
        )
        if issue is None:
            raise GitHubProblem("GitHub answered without an issue")
        self._issues[int(issue.number)] = issue
        return _issue_info(issue)

    def edit_issue(self, number: int, title: str, body: str) -> None:
        issue = self._issues.get(number)
        if issue is None:
            raise GitHubProblem(f"issue #{number} was not listed first; list the issues before editing")
        if not self._call(
            f"edit issue #{number}", "issues: write", lambda: issue.edit(title=title, body=body)
        ):
            raise GitHubProblem(f"GitHub did not edit issue #{number}")


@dataclass(frozen=True)
class IssueInfo:
    number: int
    title: str
    body: str
    state: str
    html_url: str


def _issue_info(issue: Any) -> IssueInfo:
    return IssueInfo(
        int(issue.number),
        str(issue.title or ""),
        str(issue.body or ""),
        str(issue.state),
        str(issue.html_url),
    )
