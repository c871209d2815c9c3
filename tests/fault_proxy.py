"""A small fault-injecting HTTP proxy on 127.0.0.1, in front of a real server.

Rules match a method and a path and say what goes wrong, a given number of times:

- ``Rule("POST", "/api/v1/statuses", status=429, headers={"Retry-After": "1"})``:
  answer without forwarding (the request never reaches the server);
- ``Rule(..., after=504)``: forward, let the server do the work, then answer 504;
- ``Rule(..., hold=True)``: hold the request until ``proxy.release`` is set (the client
  times out meanwhile), then forward it and signal ``proxy.landed`` (it lands late);
- ``Rule(..., html=True)``: forward, then answer 200 with an HTML error page;
- ``Rule(..., hang=True)``: forward, signal ``proxy.landed``, then never answer
  (a test kills the client process here: "sent but not recorded");
- ``Rule(..., drop=True)``: forward, then close the connection without a word (httpx:
  ``RemoteProtocolError: Server disconnected without sending a response``);
  ``Rule(..., drop_unsent=True)``: close it without forwarding.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


@dataclass
class Rule:
    method: str
    path: str  # a regular expression matched against the path (no query)
    times: int = 1
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    after: int | None = None
    hold: bool = False
    delay: float = 0.0  # seconds before forwarding (a crash test's window)
    html: bool = False
    hang: bool = False
    drop: bool = False
    drop_unsent: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and method == self.method and re.fullmatch(self.path, path) is not None


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.host, self.port_up = parts.hostname or "127.0.0.1", parts.port or 80
        self.rules: list[Rule] = []
        self.hits: list[tuple[str, str, int]] = []
        self.landed = threading.Event()
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do(self) -> None:
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rule = next((r for r in proxy.rules if r.matches(self.command, path)), None)
                if rule is not None:
                    rule.times -= 1
                if rule is not None and rule.status is not None:
                    proxy.hits.append((self.command, path, rule.status))
                    return self.reply(rule.status, rule.headers, b'{"error":"injected"}', "application/json")
                if rule is not None and rule.drop_unsent:
                    proxy.hits.append((self.command, path, 0))
                    return self.hang_up()
                if rule is not None and rule.hold:
                    proxy.release.wait(60)
                if rule is not None and rule.delay:
                    time.sleep(rule.delay)
                status, headers, data = proxy.forward(self.command, self.path, self.headers, body)
                proxy.hits.append((self.command, path, status))
                if rule is not None and rule.hold:
                    proxy.landed.set()
                if rule is not None and rule.hang:
                    proxy.landed.set()
                    proxy.release.wait(60)
                    return
                if rule is not None and rule.drop:
                    return self.hang_up()
                if rule is not None and rule.after is not None:
                    return self.reply(rule.after, {}, b"<html><body>Bad gateway</body></html>", "text/html")
                if rule is not None and rule.html:
                    return self.reply(200, {}, b"<html><body>Oops</body></html>", "text/html")
                self.reply(status, headers, data, None)

            def hang_up(self) -> None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

            def reply(self, status: int, headers: dict[str, str], data: bytes, ctype: str | None) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    # send_response wrote its own Date and Server: a second Date would make
                    # "Date: a, b", which Mastodon.py's rate-limit clock cannot parse.
                    if key.lower() not in HOP and key.lower() not in ("content-length", "date", "server"):
                        self.send_header(key, value)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def forward(
        self, method: str, path: str, headers: object, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port_up, timeout=60)
        out = {k: v for k, v in headers.items() if k.lower() not in HOP and k.lower() != "host"}  # type: ignore[attr-defined]
        out["Host"] = f"{self.host}:{self.port_up}"
        conn.request(method, path, body=body or None, headers=out)
        response = conn.getresponse()
        data = response.read()
        result = {k: v for k, v in response.getheaders()}
        conn.close()
        return response.status, result, data

    def count(self, method: str, path: str, status: int | None = None) -> int:
        return sum(
            1
            for m, p, s in self.hits
            if m == method and re.fullmatch(path, p) and (status is None or s == status)
        )

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
