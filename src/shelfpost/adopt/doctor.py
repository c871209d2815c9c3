"""``shelfpost doctor``: the settings a library sets once on GitHub, each checked.

After the repository exists on GitHub, the lead sets: Pages built by GitHub Actions,
the ``syndication`` environment holding the secrets ``plan/channels.yml`` names, branch
protection on the default branch (a review and the required checks), the publish
workflow enabled, and one successful publish run. :func:`offline_steps` lists them
(with the exact place to set each); :func:`check_online` reads each through the REST
API (github3's session, so the tests point it at a server on 127.0.0.1) and marks it
done or missing. Shapes: docs.github.com/rest (pages, deployments/environments,
actions/secrets, branches/branch-protection, actions/workflows, actions/workflow-runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from shelfpost.library.model import Library

if TYPE_CHECKING:  # github3 and requests cost every command ~0.2 s to import: only when called
    from shelfpost.github.client import RepoClient

ENVIRONMENT = "syndication"
PUBLISH_WORKFLOW = "publish.yml"
#: The checks a pull request must pass: pr.yml's job and the review bot's status.
REQUIRED_CHECKS = ("check, build and write the review report", "shelfpost/review-rule")


@dataclass(frozen=True)
class Step:
    """One setting: ``state`` is ``todo`` (offline), ``ok``, ``missing`` or ``unknown``."""

    id: str
    title: str
    where: str  # the exact place to set it
    state: str = "todo"
    detail: str = ""


#: The channel kinds the inbox workflow (inbox.yml) syncs: with one of them, it needs its key.
INBOX_KINDS = ("mastodon", "bluesky")


def secret_names(library: Library) -> list[str]:
    """The environment variable names plan/channels.yml gives for credentials, then the
    inbox's hashing key (shelfpost.yml ``inbox.key_env``) once a channel is synced."""
    names: list[str] = []
    for channel in library.plan.channels.values():
        names += list(channel.credentials.values())
        if channel.email is not None:
            names += [n for n in (channel.email.username_env, channel.email.password_env) if n]
    inbox = [library.config.inbox_key_env] if library.config else []
    synced = any(c.kind in INBOX_KINDS for c in library.plan.channels.values())
    return sorted(set(names)) + [n for n in inbox if synced and n not in names]


def offline_steps(library: Library, full_name: str = "OWNER/NAME", branch: str = "main") -> list[Step]:
    web = f"https://github.com/{full_name}"
    secrets = secret_names(library)
    return [
        Step(
            "pages",
            "GitHub Pages builds from GitHub Actions",
            f"{web}/settings/pages: Build and deployment > Source: GitHub Actions",
        ),
        Step(
            "environment",
            f"the `{ENVIRONMENT}` environment exists (only the publish job reads its secrets)",
            f"{web}/settings/environments: New environment, name `{ENVIRONMENT}`; "
            f"Deployment branches: `{branch}` only",
        ),
        Step(
            "secrets",
            f"the secrets plan/channels.yml (and the inbox) name are set in `{ENVIRONMENT}`: "
            + (", ".join(secrets) if secrets else "none named yet"),
            f"{web}/settings/environments: `{ENVIRONMENT}` > Environment secrets > Add secret",
        ),
        Step(
            "protection",
            f"`{branch}` is protected: a pull request with a review, and the required checks "
            + ", ".join(f"`{c}`" for c in REQUIRED_CHECKS),
            f"{web}/settings/branches: Add rule for `{branch}`: Require a pull request "
            "(1 approval, review from Code Owners), Require status checks: " + ", ".join(REQUIRED_CHECKS),
        ),
        Step(
            "workflow",
            "the publish workflow (and its 15-minute schedule) is enabled",
            f"{web}/actions/workflows/{PUBLISH_WORKFLOW}: Enable workflow (GitHub switches "
            "schedules off after 60 days without activity)",
        ),
        Step(
            "last-run",
            "the last publish run succeeded",
            f"{web}/actions/workflows/{PUBLISH_WORKFLOW}: Run workflow (about 3 minutes)",
        ),
    ]


def _get(client: RepoClient, *parts: str, params: dict[str, Any] | None = None) -> Any:
    """The JSON of one GET below the repository, or None on 404 (not set up)."""
    from shelfpost.github.client import GitHubProblem

    repo = client.repo
    url = repo._build_url(*parts, base_url=repo._api)
    response = repo._get(url, params=params)
    if response.status_code == 404:
        return None
    if response.status_code in (401, 403):
        raise GitHubProblem(
            f"GitHub answered {response.status_code} reading {'/'.join(parts)} of {client.full_name}: "
            "doctor needs a token that may read the repository's settings (a fine-grained token "
            "with Administration, Environments, Secrets and Actions: read)",
            "permission",
        )
    if response.status_code >= 400:
        raise GitHubProblem(f"GitHub answered {response.status_code} reading {'/'.join(parts)}")
    return response.json()


def _mark(step: Step, ok: bool, detail: str) -> Step:
    return replace(step, state="ok" if ok else "missing", detail=detail)


def check_online(library: Library, client: RepoClient) -> list[Step]:
    """Each step read through the API: ``ok`` or ``missing`` with what GitHub showed."""
    branch = client.default_branch()
    steps = {s.id: s for s in offline_steps(library, client.full_name, branch)}
    out: list[Step] = []

    pages = _get(client, "pages")
    build_type = (pages or {}).get("build_type")
    out.append(
        _mark(
            steps["pages"],
            build_type == "workflow",
            "Pages is not enabled"
            if pages is None
            else f"the source is {build_type or 'a branch'}, not GitHub Actions"
            if build_type != "workflow"
            else "built by GitHub Actions",
        )
    )

    environment = _get(client, "environments", ENVIRONMENT)
    out.append(
        _mark(
            steps["environment"],
            environment is not None,
            "exists" if environment is not None else f"no environment `{ENVIRONMENT}`",
        )
    )
    wanted = secret_names(library)
    if environment is None:
        out.append(replace(steps["secrets"], state="missing", detail="the environment is missing"))
    else:
        listed = _get(client, "environments", ENVIRONMENT, "secrets", params={"per_page": 100}) or {}
        have = {s.get("name") for s in listed.get("secrets", [])}
        absent = [n for n in wanted if n not in have]
        out.append(
            _mark(
                steps["secrets"],
                not absent,
                "missing: " + ", ".join(absent) if absent else f"{len(wanted)} secret(s) set",
            )
        )

    protection = _get(client, "branches", branch, "protection")
    if protection is None:
        out.append(_mark(steps["protection"], False, f"`{branch}` is not protected"))
    else:
        status = protection.get("required_status_checks") or {}
        contexts = set(status.get("contexts") or []) | {c.get("context") for c in status.get("checks") or []}
        reviews = protection.get("required_pull_request_reviews") or {}
        lacking = [c for c in REQUIRED_CHECKS if c not in contexts]
        problems = []
        if not reviews:
            problems.append("no pull request review required")
        elif int(reviews.get("required_approving_review_count") or 0) < 1:
            problems.append("0 approvals required")
        if lacking:
            problems.append("checks not required: " + ", ".join(lacking))
        out.append(_mark(steps["protection"], not problems, "; ".join(problems) or "protected"))

    workflows = (_get(client, "actions", "workflows", params={"per_page": 100}) or {}).get("workflows", [])
    publish = next((w for w in workflows if str(w.get("path", "")).endswith(f"/{PUBLISH_WORKFLOW}")), None)
    state = (publish or {}).get("state")
    out.append(
        _mark(
            steps["workflow"],
            state == "active",
            f".github/workflows/{PUBLISH_WORKFLOW} is not on `{branch}`"
            if publish is None
            else f"state: {state}",
        )
    )

    runs = (
        _get(
            client, "actions", "workflows", PUBLISH_WORKFLOW, "runs", params={"per_page": 1, "branch": branch}
        )
        or {}
    ).get("workflow_runs", [])
    if not runs:
        out.append(_mark(steps["last-run"], False, "no publish run yet"))
    else:
        run = runs[0]
        conclusion = run.get("conclusion") or run.get("status")
        out.append(
            _mark(
                steps["last-run"],
                conclusion == "success",
                f"{conclusion} at {run.get('created_at')} ({run.get('html_url')})",
            )
        )
    return out


def all_done(steps: Sequence[Step]) -> bool:
    return all(s.state == "ok" for s in steps)
