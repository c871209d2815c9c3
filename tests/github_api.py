"""GitHub's REST API for one repository, served on 127.0.0.1: the one GitHub server of the tests.

shelfpost talks to it through its real client (github3.py, ``shelfpost.github.client``),
pointed at it as a GitHub Enterprise Server: ``GITHUB_API_URL`` is :attr:`GitHubAPI.base`
(``http://127.0.0.1:PORT/api/v3``). What it keeps is plain state a test sets and reads
(issues, comments, pull requests, reviews, statuses, commits, the repository's settings);
what it answers is built from ``tests/fixtures/github/`` (the documentation's own examples,
complete objects: github3.py raises ``IncompleteResponse`` on a missing field) with the
fields the state decides.

As GitHub does (each rule names its documentation page, under https://docs.github.com/en/rest):

- authentication (``authentication/authenticating-to-the-rest-api``): no token, 401
  "Requires authentication"; an unknown token, 401 "Bad credentials"; a token without the
  permission an endpoint needs, 403 "Resource not accessible by integration" (or "by
  personal access token"), the permission named as fine-grained tokens name it
  (``authentication/permissions-required-for-fine-grained-personal-access-tokens``);
- rate limits (``using-the-rest-api/rate-limits-for-the-rest-api``): every answer carries
  ``x-ratelimit-limit``/``-remaining``/``-used``/``-reset``/``-resource``; a token whose
  budget is spent gets 403 "API rate limit exceeded" until the reset, read from the
  server's ``clock`` (a test moves it with the sleeper it gives the client); a secondary
  limit answers 403 with ``retry-after``;
- pagination (``using-the-rest-api/using-pagination-in-the-rest-api``): ``per_page``
  (default 30, at most 100) and ``page``, with a ``Link`` header (``next``, ``last``,
  ``first``, ``prev``);
- request bodies are checked as the endpoint's page says; a bad one is 422 "Validation
  Failed" with ``errors`` (``using-the-rest-api/troubleshooting-the-rest-api``);
- :meth:`GitHubAPI.fail` answers the next matching request with any status (404, 410,
  5xx) in GitHub's error shape, for the faults a test needs.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "github"
DOCS = "https://docs.github.com/rest"
#: The moment the server's clock starts at (2027-01-15 08:00 UTC), unless a test gives one.
EPOCH = 1_800_000_000.0

Answer = tuple[int, Any, dict[str, str]]


def error(status: int, message: str, page: str = "", **extra: Any) -> dict[str, Any]:
    """GitHub's error body: ``message``, ``documentation_url``, ``status`` (a string)."""
    return {
        "message": message,
        "documentation_url": f"{DOCS}/{page}" if page else DOCS,
        **extra,
        "status": str(status),
    }


@dataclass
class Token:
    """Who a token is and what it may do: ``permissions`` as fine-grained tokens name them
    (``issues: write`` includes ``issues: read``); ``None`` may do everything."""

    login: str
    permissions: frozenset[str] | None = None
    limit: int = 5000  # requests an hour (5,000 for a user; 1,000 for GITHUB_TOKEN)
    used: int = 0
    reset: float = EPOCH + 3600

    def may(self, needs: str) -> bool:
        if self.permissions is None or needs == "metadata: read":  # every token may read metadata
            return True
        scope, _, level = needs.partition(": ")
        return needs in self.permissions or (level == "read" and f"{scope}: write" in self.permissions)


@dataclass
class Protection:
    """``GET /repos/{owner}/{repo}/branches/{branch}/protection`` (branches/branch-protection)."""

    checks: list[str] = field(default_factory=list)
    approvals: int = 1


@dataclass
class Settings:
    """What a repository's admin sets: Pages, environments and their secrets' names,
    branch protection, the workflows' states and their runs' conclusions."""

    pages: str | None = None  # None: Pages off; else its build_type, "legacy" or "workflow"
    environments: dict[str, list[str]] = field(default_factory=dict)  # name -> secret names
    protection: dict[str, Protection] = field(default_factory=dict)  # branch -> rule
    workflows: dict[str, str] = field(default_factory=dict)  # file name -> state
    runs: dict[str, list[str]] = field(default_factory=dict)  # file name -> conclusions, newest first


@dataclass
class Pull:
    author: str
    files: list[str]
    head_sha: str = "a" * 40
    head_ref: str = "new-post"
    merged_sha: str | None = None
    reviews: list[tuple[str, str]] = field(default_factory=list)  # (login, state), oldest first


class GitHubAPI:
    """One repository (``full_name``) on a local server; state in plain attributes.

    ``issues``: number -> the issue as GitHub holds it (``title``, ``body``, ``state``,
    ``labels``, ``assignees``...); ``comments``: issue or pull request number -> its
    conversation, ``{"id", "user", "body"}`` each; ``pulls``: number -> :class:`Pull`;
    ``statuses``: the commit statuses set, in order; ``commits``: path -> ``(sha, author)``
    newest first; ``commit_pulls``: sha -> pull request numbers; ``settings``:
    :class:`Settings`. ``requests`` lists ``(method, path)`` of every request.
    """

    def __init__(self, full_name: str = "library/site", clock: Callable[[], float] | None = None) -> None:
        self.full_name = full_name
        self.default_branch = "main"
        self.tokens: dict[str, Token] = {"test-token": Token("shelfpost-bot")}
        self.clock = clock or (lambda: EPOCH)
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.pulls: dict[int, Pull] = {}
        self.statuses: list[dict[str, Any]] = []
        self.commits: dict[str, list[tuple[str, str]]] = {}
        self.commit_pulls: dict[str, list[int]] = {}
        self.settings = Settings()
        self.requests: list[tuple[str, str]] = []
        self._faults: list[tuple[str, str, int, dict[str, str], dict[str, Any]]] = []
        self._ids = iter(range(1001, 10**9))
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # --- addresses and life ----------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root: GitHub Enterprise Server's web address (``html_url``s)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base(self) -> str:
        """The REST API's root, as ``GITHUB_API_URL`` gives it on GitHub Enterprise Server."""
        return f"{self.url}/api/v3"

    def env(self, token: str = "test-token") -> dict[str, str]:
        """The variables a workflow step has for this server: token, API, repository."""
        return {"GITHUB_TOKEN": token, "GITHUB_API_URL": self.base, "GITHUB_REPOSITORY": self.full_name}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what a test sets ------------------------------------------------------------------

    def token(self, value: str, login: str, *permissions: str, limit: int = 5000) -> Token:
        """Accept ``value`` as ``login``'s token, with only ``permissions`` when named."""
        self.tokens[value] = Token(login, frozenset(permissions) if permissions else None, limit)
        return self.tokens[value]

    def add_pull(self, number: int, author: str, files: list[str], **kw: Any) -> Pull:
        self.pulls[number] = Pull(author, files, **kw)
        self.comments.setdefault(number, [])
        return self.pulls[number]

    def add_issue(
        self, title: str, body: str = "", labels: tuple[str, ...] = (), login: str = "octocat"
    ) -> int:
        """Someone opens an issue on GitHub; its number."""
        status, issue, _ = self._create_issue({"title": title, "body": body, "labels": list(labels)}, login)
        assert status == 201, issue
        return int(issue["number"])

    def close_issue(self, number: int) -> None:
        """Someone closes the issue on GitHub."""
        self.issues[number].update(state="closed", state_reason="completed", closed_at="2026-11-26T05:00:00Z")

    def spend_rate_limit(self, token: str, reset: float) -> None:
        """``token`` has used its hour's requests; the limit lifts at ``reset`` (epoch seconds)."""
        self.tokens[token].used = self.tokens[token].limit
        self.tokens[token].reset = reset

    def fail(self, method: str, pattern: str, status: int, message: str, **headers: str) -> None:
        """Answer the next ``method`` whose path matches the regex ``pattern`` (searched)
        with ``status`` and GitHub's error body; ``retry_after="30"`` sends ``retry-after``."""
        body = error(status, message)
        self._faults.append(
            (method, pattern, status, {k.replace("_", "-"): v for k, v in headers.items()}, body)
        )

    def secondary_limit(self, method: str, pattern: str, retry_after: int) -> None:
        """The next matching request meets a secondary rate limit (403 with ``retry-after``)."""
        self.fail(
            method,
            pattern,
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            retry_after=str(retry_after),
        )

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] in ("POST", "PATCH", "PUT", "DELETE")]

    # --- shapes ------------------------------------------------------------------------

    def load(self, name: str) -> Any:
        """A fixture with the documentation's addresses made this server's and this repository's."""
        text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
        text = text.replace("https://api.github.com", self.base).replace("https://github.com", self.url)
        for example in ("octocat/Hello-World", "octo-org/octo-repo"):
            text = text.replace(example, self.full_name)
        return json.loads(text)

    def user(self, login: str) -> dict[str, Any]:
        """A simple user (``users/users``), a bot when the login ends in ``[bot]``."""
        user: dict[str, Any] = self.load("issue-comment")["user"]
        for key, value in list(user.items()):
            if isinstance(value, str):
                user[key] = value.replace("/octocat", f"/{login}")
        user.update(login=login, type="Bot" if login.endswith("[bot]") else "User")
        return user

    def label(self, name: str) -> dict[str, Any]:
        """``issues/labels``: a label of this repository."""
        label: dict[str, Any] = self.load("label")
        label.update(name=name, url=label["url"].replace("/labels/bug", f"/labels/{name}"), default=False)
        return label

    def _issue(self, number: int) -> dict[str, Any]:
        """``issues/issues#get-an-issue``: what GitHub holds, with ``body_html``/``body_text``
        as the ``full`` media type github3.py asks for gives them."""
        issue = copy.deepcopy(self.issues[number])
        issue.update(body_text=issue["body"], body_html=f"<p>{issue['body']}</p>")
        issue["comments"] = len(self.comments.get(number, []))
        return issue

    def _comment(self, number: int, c: dict[str, Any]) -> dict[str, Any]:
        """``issues/comments``: one comment of the conversation of issue or pull ``number``."""
        data: dict[str, Any] = self.load("issue-comment")
        data.update(id=c["id"], body=c["body"], body_text=c["body"], body_html=f"<p>{c['body']}</p>")
        data["url"] = f"{self.base}/repos/{self.full_name}/issues/comments/{c['id']}"
        data["html_url"] = f"{self.url}/{self.full_name}/issues/{number}#issuecomment-{c['id']}"
        data["issue_url"] = f"{self.base}/repos/{self.full_name}/issues/{number}"
        data["user"] = self.user(c["user"])
        return data

    def _pull(self, number: int, simple: bool = False) -> dict[str, Any]:
        """``pulls/pulls#get-a-pull-request`` (or, ``simple``, an item of a list of them)."""
        pull = self.pulls[number]
        text = json.dumps(self.load("pull-request-simple" if simple else "pull-request"))
        text = text.replace("/pulls/1347", f"/pulls/{number}").replace("/issues/1347", f"/issues/{number}")
        text = text.replace("/pull/1347", f"/pull/{number}")
        data: dict[str, Any] = json.loads(text)
        data.update(number=number, user=self.user(pull.author))
        data["head"].update(sha=pull.head_sha, ref=pull.head_ref)
        if pull.merged_sha:
            data.update(
                state="closed",
                merged_at="2026-11-20T02:00:00Z",
                closed_at="2026-11-20T02:00:00Z",
                merge_commit_sha=pull.merged_sha,
            )
            if not simple:
                data["merged"] = True
        return data

    # --- the endpoints -----------------------------------------------------------------

    def route(
        self, method: str, rest: str, query: dict[str, str], body: Any, login: str
    ) -> tuple[str, Callable[[], Answer]]:
        """The permission ``method rest`` needs and what answers it (``rest``: the path
        below ``/repos/{owner}/{repo}``)."""
        m = re.fullmatch
        if method == "GET" and rest == "":
            return "metadata: read", lambda: (200, self._repository(), {})
        if method == "GET" and rest == "/issues":
            return "issues: read", lambda: self._list_issues(query, rest)
        if method == "POST" and rest == "/issues":
            return "issues: write", lambda: self._create_issue(body, login)
        if n := m(r"/issues/(\d+)", rest):
            number = int(n[1])
            if method == "GET":
                return "issues: read", lambda: self._found(number in self.issues, lambda: self._issue(number))
            if method == "PATCH":
                return "issues: write", lambda: self._edit_issue(number, body)
        if n := m(r"/issues/(\d+)/comments", rest):
            number = int(n[1])
            needs = "pull_requests" if number in self.pulls else "issues"
            if method == "GET":
                return f"{needs}: read", lambda: self._list_comments(number, query, rest)
            if method == "POST":
                return f"{needs}: write", lambda: self._create_comment(number, body, login)
        if (n := m(r"/issues/comments/(\d+)", rest)) and method == "PATCH":
            return "issues: write", lambda: self._edit_comment(int(n[1]), body)
        if (n := m(r"/pulls/(\d+)", rest)) and method == "GET":
            number = int(n[1])
            return "pull_requests: read", lambda: self._found(
                number in self.pulls, lambda: self._pull(number)
            )
        if (n := m(r"/pulls/(\d+)/files", rest)) and method == "GET":
            return "pull_requests: read", lambda: self._list_files(int(n[1]), query, rest)
        if (n := m(r"/pulls/(\d+)/reviews", rest)) and method == "GET":
            return "pull_requests: read", lambda: self._list_reviews(int(n[1]), query, rest)
        if (n := m(r"/statuses/([0-9a-f]{40})", rest)) and method == "POST":
            return "statuses: write", lambda: self._create_status(n[1], body, login)
        if rest == "/commits" and method == "GET":
            return "contents: read", lambda: self._list_commits(query, rest)
        if (n := m(r"/commits/([0-9a-f]{40})", rest)) and method == "GET":
            return "contents: read", lambda: self._commit(n[1])
        if (n := m(r"/commits/([0-9a-f]{40})/pulls", rest)) and method == "GET":
            return "contents: read", lambda: self._paged(
                [self._pull(p, simple=True) for p in self.commit_pulls.get(n[1], [])], query, rest
            )
        if method == "GET" and rest == "/pages":
            return "pages: read", self._pages
        if method == "GET" and (n := m(r"/environments/([^/]+)", rest)):
            return "actions: read", lambda: self._environment(n[1])
        if method == "GET" and (n := m(r"/environments/([^/]+)/secrets", rest)):
            return "secrets: read", lambda: self._secrets(n[1], query, rest)
        if method == "GET" and (n := m(r"/branches/([^/]+)/protection", rest)):
            return "administration: read", lambda: self._protection(n[1])
        if method == "GET" and rest == "/actions/workflows":
            return "actions: read", lambda: self._workflows(query, rest)
        if method == "GET" and (n := m(r"/actions/workflows/([^/]+)/runs", rest)):
            return "actions: read", lambda: self._runs(n[1], query, rest)
        return "metadata: read", lambda: (404, error(404, "Not Found"), {})

    def _found(self, exists: bool, answer: Callable[[], Any]) -> Answer:
        return (200, answer(), {}) if exists else (404, error(404, "Not Found"), {})

    def _paged(self, items: list[Any], query: dict[str, str], rest: str, key: str = "") -> Answer:
        """One page of ``items`` and the ``Link`` header (using-pagination-in-the-rest-api);
        ``key``: the list sits in ``{"total_count", key}``, as the Actions endpoints answer."""
        per_page = max(1, min(int(query.get("per_page") or 30), 100))
        page = max(1, int(query.get("page") or 1))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        address = f"{self.base}/repos/{self.full_name}{rest}?"
        links = []
        for rel, target in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
            if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last):
                links.append(
                    f'<{address}{urlencode({**query, "per_page": per_page, "page": target})}>; rel="{rel}"'
                )
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, ({"total_count": len(items), key: chunk} if key else chunk), headers

    def _invalid(self, resource: str, problems: list[dict[str, str]]) -> Answer:
        for p in problems:
            p.setdefault("resource", resource)
        return (
            422,
            error(
                422, "Validation Failed", "using-the-rest-api/troubleshooting-the-rest-api", errors=problems
            ),
            {},
        )

    def _repository(self) -> dict[str, Any]:
        """``repos/repos#get-a-repository``."""
        data: dict[str, Any] = self.load("repository")
        owner, _, name = self.full_name.partition("/")
        data.update(name=name, full_name=self.full_name, default_branch=self.default_branch)
        data["owner"] = self.user(owner)
        return data

    # issues (issues/issues, issues/comments)

    def _list_issues(self, query: dict[str, str], rest: str) -> Answer:
        state = query.get("state", "open")
        wanted = set(query.get("labels", "").split(",")) - {""}
        found = [
            self._issue(n)
            for n, i in sorted(self.issues.items(), reverse=True)  # sort=created, direction=desc
            if (state == "all" or i["state"] == state) and wanted <= {lbl["name"] for lbl in i["labels"]}
        ]
        return self._paged(found, query, rest)

    def _create_issue(self, body: Any, login: str) -> Answer:
        """``issues/issues#create-an-issue``: ``title`` required; ``labels``, ``assignees`` lists."""
        if not isinstance(body, dict) or not isinstance(body.get("title"), str | int):
            return self._invalid("Issue", [{"code": "missing_field", "field": "title"}])
        for key in ("labels", "assignees"):
            if body.get(key) is not None and not (
                isinstance(body[key], list) and all(isinstance(v, str) for v in body[key])
            ):
                return self._invalid("Issue", [{"code": "invalid", "field": key}])
        number = max([*self.issues, *self.pulls, 0]) + 1  # issues and pull requests share numbers
        issue: dict[str, Any] = json.loads(json.dumps(self.load("issue")).replace("/1347", f"/{number}"))
        issue.update(
            id=next(self._ids),
            number=number,
            title=str(body["title"]),
            body=body.get("body") or "",
            user=self.user(login),
            labels=[self.label(n) for n in body.get("labels") or []],
            assignees=[self.user(a) for a in body.get("assignees") or []],
            created_at="2026-11-26T04:00:00Z",
            updated_at="2026-11-26T04:00:00Z",
        )
        issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None
        self.issues[number] = issue
        return 201, self._issue(number), {}

    def _edit_issue(self, number: int, body: Any) -> Answer:
        """``issues/issues#update-an-issue``: ``state`` is ``open`` or ``closed``."""
        if number not in self.issues:
            return 404, error(404, "Not Found"), {}
        if not isinstance(body, dict) or body.get("state", "open") not in ("open", "closed"):
            return self._invalid("Issue", [{"code": "invalid", "field": "state"}])
        issue = self.issues[number]
        for key in ("title", "body", "state"):
            if key in body:
                issue[key] = body[key]
        if "state" in body:
            closed = issue["state"] == "closed"
            issue.update(
                closed_at="2026-11-26T05:00:00Z" if closed else None,
                state_reason="completed" if closed else "reopened",
            )
        return 200, self._issue(number), {}

    def _list_comments(self, number: int, query: dict[str, str], rest: str) -> Answer:
        if number not in self.issues and number not in self.pulls:
            return 404, error(404, "Not Found"), {}
        return self._paged([self._comment(number, c) for c in self.comments.get(number, [])], query, rest)

    def _create_comment(self, number: int, body: Any, login: str) -> Answer:
        """``issues/comments#create-an-issue-comment``: ``body`` required."""
        if number not in self.issues and number not in self.pulls:
            return 404, error(404, "Not Found", "issues/comments#create-an-issue-comment"), {}
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return self._invalid("IssueComment", [{"code": "missing_field", "field": "body"}])
        comment = {"id": next(self._ids), "user": login, "body": body["body"]}
        self.comments.setdefault(number, []).append(comment)
        return 201, self._comment(number, comment), {}

    def _edit_comment(self, comment_id: int, body: Any) -> Answer:
        """``issues/comments#update-an-issue-comment``: ``body`` required."""
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return self._invalid("IssueComment", [{"code": "missing_field", "field": "body"}])
        for number, conversation in self.comments.items():
            for c in conversation:
                if c["id"] == comment_id:
                    c["body"] = body["body"]
                    return 200, self._comment(number, c), {}
        return 404, error(404, "Not Found"), {}

    # pull requests (pulls/pulls, pulls/reviews), statuses, commits

    def _list_files(self, number: int, query: dict[str, str], rest: str) -> Answer:
        """``pulls/pulls#list-pull-requests-files``."""
        if number not in self.pulls:
            return 404, error(404, "Not Found", "pulls/pulls#list-pull-requests-files"), {}
        entries = []
        for name in self.pulls[number].files:
            entry: dict[str, Any] = self.load("diff-entry")
            entry.update(
                filename=name, status="modified" if name.startswith("content/posts/2026/2026-11") else "added"
            )
            entries.append(entry)
        return self._paged(entries, query, rest)

    def _list_reviews(self, number: int, query: dict[str, str], rest: str) -> Answer:
        """``pulls/reviews#list-reviews-for-a-pull-request``, oldest first."""
        if number not in self.pulls:
            return 404, error(404, "Not Found"), {}
        out = []
        for i, (login, state) in enumerate(self.pulls[number].reviews):
            review: dict[str, Any] = self.load("review")
            review.update(
                id=80 + i, state=state, user=self.user(login), commit_id=self.pulls[number].head_sha
            )
            out.append(review)
        return self._paged(out, query, rest)

    def _create_status(self, sha: str, body: Any, login: str) -> Answer:
        """``commits/statuses#create-a-commit-status``: ``state`` one of four; a
        ``description`` of at most 140 characters."""
        if not isinstance(body, dict) or body.get("state") not in ("error", "failure", "pending", "success"):
            return self._invalid(
                "Status",
                [{"code": "custom", "field": "state", "message": "state is not included in the list"}],
            )
        if len(body.get("description") or "") > 140:
            return self._invalid(
                "Status",
                [
                    {
                        "code": "custom",
                        "field": "description",
                        "message": "description is too long (maximum is 140 characters)",
                    }
                ],
            )
        self.statuses.append({"sha": sha, **body})
        status: dict[str, Any] = self.load("status")
        status.update(
            state=body["state"],
            context=body.get("context") or "default",
            description=body.get("description"),
            target_url=body.get("target_url"),
            creator=self.user(login),
        )
        return 201, status, {}

    def _commit(self, sha: str) -> Answer:
        """``commits/commits#get-a-commit``: 422 "No commit found for SHA" when there is none."""
        for commits in self.commits.values():
            for known, author in commits:
                if known == sha:
                    commit: dict[str, Any] = self.load("commit")
                    url = f"{self.base}/repos/{self.full_name}/commits/{sha}"
                    commit.update(sha=sha, url=url, author=self.user(author))
                    # One commit has what a list item lacks: its stats and changed files.
                    commit["stats"] = {"additions": 104, "deletions": 4, "total": 108}
                    commit["files"] = [self.load("diff-entry")]
                    return 200, commit, {}
        return 422, error(422, f"No commit found for SHA: {sha}", "commits/commits#get-a-commit"), {}

    def _list_commits(self, query: dict[str, str], rest: str) -> Answer:
        """``commits/commits#list-commits``: ``path`` and ``sha`` (the branch) filter them."""
        out = []
        for sha, author in self.commits.get(query.get("path", ""), []):
            commit: dict[str, Any] = self.load("commit")
            commit.update(
                sha=sha, url=f"{self.base}/repos/{self.full_name}/commits/{sha}", author=self.user(author)
            )
            out.append(commit)
        return self._paged(out, query, rest)

    # settings (pages/pages, deployments/environments, actions/secrets,
    # branches/branch-protection, actions/workflows, actions/workflow-runs)

    def _pages(self) -> Answer:
        """``pages/pages#get-a-apiname-pages-site``: 404 while Pages is off."""
        if self.settings.pages is None:
            return 404, error(404, "Not Found", "pages/pages#get-a-apiname-pages-site"), {}
        site: dict[str, Any] = self.load("pages")
        owner, _, name = self.full_name.partition("/")
        site.update(build_type=self.settings.pages, html_url=f"https://{owner}.github.io/{name}/")
        site["source"]["branch"] = self.default_branch
        return 200, site, {}

    def _environment(self, name: str) -> Answer:
        """``deployments/environments#get-an-environment``."""
        if name not in self.settings.environments:
            return 404, error(404, "Not Found", "deployments/environments#get-an-environment"), {}
        data: dict[str, Any] = self.load("environment")
        data.update(
            name=name,
            url=data["url"].replace("/staging", f"/{name}"),
            html_url=data["html_url"].replace("=staging", f"={name}"),
            protection_rules=[],
        )
        return 200, data, {}

    def _secrets(self, environment: str, query: dict[str, str], rest: str) -> Answer:
        """``actions/secrets#list-environment-secrets``: names and dates, never a value."""
        if environment not in self.settings.environments:
            return 404, error(404, "Not Found", "actions/secrets#list-environment-secrets"), {}
        secrets = []
        for name in sorted(self.settings.environments[environment]):
            secret: dict[str, Any] = self.load("secret")
            secret["name"] = name
            secrets.append(secret)
        return self._paged(secrets, query, rest, key="secrets")

    def _protection(self, branch: str) -> Answer:
        """``branches/branch-protection#get-branch-protection``: 404 "Branch not protected"."""
        rule = self.settings.protection.get(branch)
        if rule is None:
            return (
                404,
                error(404, "Branch not protected", "branches/branch-protection#get-branch-protection"),
                {},
            )
        data: dict[str, Any] = json.loads(
            json.dumps(self.load("branch-protection")).replace("/branches/master/", f"/branches/{branch}/")
        )
        data["required_status_checks"].update(
            contexts=list(rule.checks), checks=[{"context": c, "app_id": None} for c in rule.checks]
        )
        data["required_pull_request_reviews"]["required_approving_review_count"] = rule.approvals
        return 200, data, {}

    def _workflows(self, query: dict[str, str], rest: str) -> Answer:
        """``actions/workflows#list-repository-workflows``."""
        out = []
        for i, (name, state) in enumerate(sorted(self.settings.workflows.items())):
            workflow: dict[str, Any] = self.load("workflow")
            workflow.update(
                id=161335 + i, name=name.removesuffix(".yml"), path=f".github/workflows/{name}", state=state
            )
            out.append(workflow)
        return self._paged(out, query, rest, key="workflows")

    def _runs(self, workflow: str, query: dict[str, str], rest: str) -> Answer:
        """``actions/workflow-runs#list-workflow-runs-for-a-workflow``, newest first."""
        if workflow not in self.settings.workflows:
            return 404, error(404, "Not Found", "actions/workflow-runs#list-workflow-runs-for-a-workflow"), {}
        out = []
        for i, conclusion in enumerate(self.settings.runs.get(workflow, [])):
            run: dict[str, Any] = self.load("workflow-run")
            run_id = 30433642 - i
            run = json.loads(json.dumps(run).replace("30433642", str(run_id)))
            run.update(
                name=workflow.removesuffix(".yml"),
                event="schedule",
                status="completed",
                conclusion=conclusion,
                head_branch=query.get("branch", self.default_branch),
                path=f".github/workflows/{workflow}",
                created_at="2026-12-02T01:07:00Z",
            )
            out.append(run)
        return self._paged(out, query, rest, key="workflow_runs")

    # --- HTTP --------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: Any, authorization: str) -> Answer:
        """Authentication, then the rate limit, then a planted fault, then the endpoint."""
        self.requests.append((method, path))
        value = authorization.removeprefix("token ").removeprefix("Bearer ").strip()
        token = self.tokens.get(value)
        if not value:
            return (
                401,
                error(401, "Requires authentication", "authentication/authenticating-to-the-rest-api"),
                {},
            )
        if token is None:
            return 401, error(401, "Bad credentials"), {}
        now = self.clock()
        if now >= token.reset:  # a new hour: the limit is whole again
            token.used, token.reset = 0, now + 3600
        limited = token.used >= token.limit
        token.used = min(token.limit, token.used + (0 if limited else 1))
        headers = {
            "x-ratelimit-limit": str(token.limit),
            "x-ratelimit-remaining": str(token.limit - token.used),
            "x-ratelimit-used": str(token.used),
            "x-ratelimit-reset": str(int(token.reset)),
            "x-ratelimit-resource": "core",
        }
        if limited:
            message = "API rate limit exceeded for user ID 1."
            return 403, error(403, message, "using-the-rest-api/rate-limits-for-the-rest-api"), headers
        for fault in self._faults:
            method_, pattern, status, extra, data = fault
            if method_ == method and re.search(pattern, path):
                self._faults.remove(fault)
                return status, data, {**headers, **extra}
        prefix = f"/api/v3/repos/{self.full_name}"
        if path != prefix and not path.startswith(prefix + "/"):
            return 404, error(404, "Not Found"), headers
        needs, endpoint = self.route(method, path[len(prefix) :], query, body, token.login)
        if not token.may(needs):
            who = "integration" if token.login.endswith("[bot]") else "personal access token"
            return (
                403,
                error(403, f"Resource not accessible by {who}"),
                {
                    **headers,
                    "x-accepted-github-permissions": needs.replace(": ", "="),
                },
            )
        status, data, more = endpoint()
        return status, data, {**headers, **more}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def handle_one(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers: dict[str, str]
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    status, data, headers = 400, error(400, "Problems parsing JSON"), {}
                else:
                    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                    with api._lock:
                        status, data, headers = api.answer(
                            self.command, url.path, query, body, self.headers.get("Authorization") or ""
                        )
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(out)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_one

        return Handler


def serve(full_name: str = "library/site", clock: Callable[[], float] | None = None) -> Iterator[GitHubAPI]:
    """A server for a fixture: started, yielded, stopped."""
    api = GitHubAPI(full_name, clock)
    try:
        yield api
    finally:
        api.stop()
