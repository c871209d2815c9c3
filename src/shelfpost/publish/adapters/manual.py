"""Manual channels: platforms without an open API (Facebook, Instagram, WeChat...).

A person posts there by hand. The run opens one GitHub issue per post per
channel with the copy-ready text, the image and its alt text; the channel counts
as reached when someone closes the issue. The issue body carries a hidden marker
with the idempotency key, so an unknown outcome is reconciled by finding the
issue, never by opening a second one.
"""

from __future__ import annotations

from typing import Any

import requests
from github3 import exceptions as gh_exc

from shelfpost.github.client import connect
from shelfpost.library.model import Channel
from shelfpost.publish.channel import Context, Failure, Item, PlatformError, Sent

LABEL = "shelfpost-manual"
PENDING = {"pending": "open issue"}


def marker(key: str) -> str:
    return f"<!-- shelfpost:key={key} -->"


def issue_body(item: Item) -> str:
    lines = [
        marker(item.key),
        f"Please publish this post on **{item.channel.name}** by hand, then close this issue.",
        "",
        "Copy this text:",
        "",
        "```text",
        item.text.replace("```", "'''"),
        "```",
        "",
    ]
    for url, image in zip(item.image_urls, item.images, strict=False):
        lines += [f"Image: {url}", f"Alt text (add it as the image description): {image.alt}", ""]
    lines += [
        f"The post on the site: {item.url}",
        "",
        "_Opened by `shelfpost publish`. Closing the issue marks the channel as reached._",
    ]
    return "\n".join(lines)


class ManualAdapter:
    """Copy-ready GitHub issues, through github3.py (a repository object is passed in)."""

    def __init__(self, channel: Channel, repository: Any) -> None:
        self.channel = channel
        self.repo = repository

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except gh_exc.AuthenticationFailed as exc:
            raise PlatformError(Failure.PERMANENT, f"{what}: GitHub refused the token (401)") from exc
        except gh_exc.ForbiddenError as exc:
            wait = _secondary_limit(exc)
            if wait is not None:
                raise PlatformError(
                    Failure.RATE_LIMITED,
                    f"{what}: GitHub's rate limit (403, secondary or primary; retry after {wait:.0f} s): "
                    "the next run goes on",
                    wait,
                ) from exc
            raise PlatformError(
                Failure.PERMANENT,
                f"{what}: the token lacks the permission issues: write "
                "(in the workflow: permissions: issues: write)",
            ) from exc
        except gh_exc.NotFoundError as exc:
            raise PlatformError(Failure.PERMANENT, f"{what}: not found (404)") from exc
        except gh_exc.ServerError as exc:
            raise PlatformError(Failure.UNKNOWN, f"{what}: GitHub answered {exc.code}") from exc
        except gh_exc.ConnectionError as exc:
            raise PlatformError(Failure.UNKNOWN, f"{what}: no answer from GitHub") from exc
        except gh_exc.GitHubError as exc:
            if exc.code == 410:
                raise PlatformError(
                    Failure.PERMANENT,
                    f"{what}: GitHub answered 410 Gone: issues are turned off for the repository "
                    "(Settings > General > Features > Issues) or it was deleted",
                ) from exc
            failure = Failure.UNKNOWN if exc.code is None or exc.code >= 500 else Failure.PERMANENT
            raise PlatformError(failure, f"{what}: GitHub answered {exc.code}: {exc.msg}") from exc
        except requests.RequestException as exc:  # a transport error github3.py did not wrap
            raise PlatformError(
                Failure.UNKNOWN, f"{what}: no answer from GitHub ({type(exc).__name__})"
            ) from exc

    def _sent(self, issue: Any) -> Sent:
        return Sent(str(issue.number), issue.html_url, dict(PENDING) if issue.state == "open" else {})

    def post(self, item: Item) -> Sent:
        issue = self._call(
            "open issue",
            self.repo.create_issue,
            f"[{self.channel.name}] {item.post.title}",
            body=issue_body(item),
            labels=[LABEL],
        )
        if issue is None:
            raise PlatformError(Failure.UNKNOWN, "open issue: GitHub answered without an issue")
        return self._sent(issue)

    def find(self, item: Item, remote_id: str | None) -> Sent | None:
        if remote_id:
            try:
                return self._sent(self._call("look up issue", self.repo.issue, int(remote_id)))
            except PlatformError as exc:
                if "404" not in exc.message:
                    raise
        # github3.py pages lazily: read every page inside the error handling.
        issues = self._call("list issues", lambda: list(self.repo.issues(state="all", labels=LABEL)))
        for issue in issues:
            if marker(item.key) in (issue.body or ""):
                return self._sent(issue)
        return None

    def delete(self, remote_id: str) -> None:
        issue = self._call("look up issue", self.repo.issue, int(remote_id))
        self._call(
            "comment",
            issue.create_comment,
            f"This post was **withdrawn**: please delete it on {self.channel.name}, then close this issue.",
        )
        if issue.state != "open":
            self._call("reopen issue", issue.reopen)

    def edit(self, item: Item, remote_id: str) -> Sent | None:
        issue = self._call("look up issue", self.repo.issue, int(remote_id))
        self._call("edit issue", issue.edit, body=issue_body(item))
        if issue.state != "open":
            self._call(
                "comment",
                issue.create_comment,
                f"The post changed after it went out: please update it on {self.channel.name} "
                "(the new text is above), then close this issue.",
            )
            self._call("reopen issue", issue.reopen)
        return Sent(str(issue.number), issue.html_url)


def _secondary_limit(exc: gh_exc.ForbiddenError) -> float | None:
    """Seconds to wait when a 403 is GitHub's secondary rate limit, not a missing permission.

    GitHub's REST docs: a secondary limit answers 403 (or 429) with ``retry-after``, or
    with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset``, or a message saying so.
    """
    response = getattr(exc, "response", None)
    headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
    if "retry-after" in headers:
        try:
            return max(0.0, float(headers["retry-after"]))
        except ValueError:
            return 60.0
    if "secondary rate limit" in (exc.msg or "").lower() or headers.get("x-ratelimit-remaining") == "0":
        return 60.0
    return None


def create(channel: Channel, context: Context) -> ManualAdapter:
    """The registry's factory: GITHUB_TOKEN (with issues: write) and the repository
    (``repo:`` in plan/channels.yml, else GITHUB_REPOSITORY)."""
    repo_name = channel.repo or context.env.get("GITHUB_REPOSITORY") or ""
    token = context.env.get("GITHUB_TOKEN")
    if "/" not in repo_name or not token:
        raise PlatformError(
            Failure.PERMANENT,
            f"{channel.id}: copy-ready issues need GITHUB_TOKEN (with "
            "issues: write) and the repository (repo: OWNER/NAME in plan/channels.yml, "
            "or GITHUB_REPOSITORY)",
        )
    owner, name = repo_name.split("/", 1)
    try:
        repository = connect(token, context.env.get("GITHUB_API_URL")).repository(owner, name)
    except (gh_exc.ConnectionError, requests.RequestException) as exc:
        raise PlatformError(
            Failure.RETRYABLE, f"{channel.id}: GitHub could not be reached ({type(exc).__name__})"
        ) from exc
    except gh_exc.GitHubError as exc:
        raise PlatformError(
            Failure.PERMANENT, f"{channel.id}: GitHub refused to open {repo_name} ({exc.code})"
        ) from exc
    if repository is None:
        raise PlatformError(Failure.PERMANENT, f"{channel.id}: repository {repo_name} not found")
    return ManualAdapter(channel, repository)
