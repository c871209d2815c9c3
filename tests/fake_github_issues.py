"""The GitHub issues API subset that manual channels use, on 127.0.0.1.

Response bodies are complete objects shaped as GitHub's REST documentation gives
them (tests/fixtures/github-issues/*.json); github3.py refuses incomplete ones.
Served under /api/v3 as GitHub Enterprise Server does, so
``github3.GitHubEnterprise(url)`` talks to it.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "github-issues"
REPO = "/api/v3/repos/library/site"


class FakeGitHubIssues:
    def __init__(self) -> None:
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []
        # (method, path pattern, status, headers, body): answered once each instead of the real thing
        self.faults: list[tuple[str, str, int, dict[str, str], Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def payload(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                data: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
                return data

            def route(self) -> None:
                parts = urlsplit(self.path)
                server.calls.append((self.command, parts.path))
                for fault in server.faults:
                    method, pattern, status, headers, body = fault
                    if method == self.command and re.fullmatch(pattern, parts.path):
                        server.faults.remove(fault)
                        return self.send(status, body, headers)
                status, body = server.handle(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    self.payload() if self.command in ("POST", "PATCH") else {},
                )
                self.send(status, body)

            do_GET = do_POST = do_PATCH = route

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def fixture(self, name: str, **fields: Any) -> Any:
        text = (FIXTURES / f"{name}.json").read_text("utf-8")
        text = text.replace("{api}", self.url + "/api/v3").replace("{html}", "https://github.example")
        for key, value in fields.items():
            text = text.replace("{" + key + "}", str(value))
        return json.loads(text)

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any]:
        if method == "GET" and path == REPO:
            return 200, self.fixture("repository")
        if method == "POST" and path == f"{REPO}/issues":
            number = len(self.issues) + 1
            issue = self.fixture("issue", number=number)
            issue.update(
                number=number,
                id=1000 + number,
                title=body["title"],
                body=body.get("body", ""),
                body_text=body.get("body", ""),
                body_html=f"<p>{body.get('body', '')}</p>",
            )
            issue["labels"] = [dict(issue["labels"][0], name=n) for n in body.get("labels", [])]
            issue["assignees"] = [dict(issue["user"], login=a) for a in body.get("assignees") or []]
            self.issues[number] = issue
            return 201, issue
        if method == "GET" and path == f"{REPO}/issues":
            state = (query.get("state") or ["open"])[0]
            labels = set((query.get("labels") or [""])[0].split(",")) - {""}
            found = [
                i
                for i in self.issues.values()
                if (state == "all" or i["state"] == state) and labels <= {lbl["name"] for lbl in i["labels"]}
            ]
            return 200, [copy.deepcopy(i) for i in sorted(found, key=lambda i: -i["number"])]
        match = re.fullmatch(rf"{REPO}/issues/(\d+)(/comments)?", path)
        if match and int(match.group(1)) in self.issues:
            issue = self.issues[int(match.group(1))]
            if method == "GET" and not match.group(2):
                return 200, copy.deepcopy(issue)
            if method == "PATCH" and not match.group(2):
                for key in ("title", "body", "state"):
                    if key in body:
                        issue[key] = body[key]
                issue["closed_at"] = "2026-11-26T05:00:00Z" if issue["state"] == "closed" else None
                return 200, copy.deepcopy(issue)
            if method == "POST" and match.group(2):
                comment = self.fixture("issue-comment", number=issue["number"], id=len(self.comments) + 1)
                comment.update(
                    id=len(self.comments) + 1,
                    body=body["body"],
                    body_text=body["body"],
                    body_html=f"<p>{body['body']}</p>",
                )
                self.comments.append(comment)
                issue["comments"] += 1
                return 201, comment
        return 404, {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest",
            "status": "404",
        }

    def fail(self, method: str, path: str, status: int, message: str, **headers: str) -> None:
        """Answer the next ``method path`` with ``status`` and GitHub's error shape."""
        body = {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": str(status),
        }
        self.faults.append((method, path, status, {k.replace("_", "-"): v for k, v in headers.items()}, body))

    def close_issue(self, number: int) -> None:
        self.issues[number]["state"] = "closed"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
