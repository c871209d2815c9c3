"""Meta's Graph APIs (Facebook Pages, Instagram, Threads) as a server on 127.0.0.1, for tests.

No Meta server can run here, so this one answers the requests shelfpost makes with the
shapes of Meta's documentation; the page each shape comes from is named beside it
(developers.facebook.com/docs/...). It keeps what a real account keeps: a Page's posts,
an Instagram user's containers and media, a Threads user's containers and threads, the
publishing quota of the last 24 hours, and the tokens with their expiry (``debug_token``).
Time is the server's ``now`` (set by the test), never the clock, so a container can be
let expire without waiting a day.

Faults are planted with :meth:`MetaGraph.fail` (an error of *Handling Errors*: 190, 368,
4, 17, 100, ...), :attr:`MetaGraph.processing_reads` (a container stays ``IN_PROGRESS``
for that many status reads) and :meth:`MetaGraph.expire` (a container is ``EXPIRED``).
Every request is kept in :attr:`MetaGraph.calls`, so a test can count them.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

PAGE_ID = "104857600000001"
IG_ID = "17841400000000001"
THREADS_ID = "25000000000000001"
PAGE_TOKEN = "EAAtest-page-token"  # not a credential: the fixture's own value
THREADS_TOKEN = "THtest-threads-token"
DAY = 86400


@dataclass
class Fault:
    """One planted error: the JSON of *Graph API > Handling Errors* ("Error Responses")."""

    method: str
    path: str  # regular expression on the path without the version
    code: int
    subcode: int | None = None
    message: str = ""
    status: int = 400
    times: int = 1
    type: str = "OAuthException"


@dataclass
class Remote:
    id: str
    account: str
    text: str
    created: float
    kind: str  # feed | photo | ig | threads
    link: str | None = None
    image_url: str | None = None
    alt_text: str | None = None
    permalink: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # likes, comments, shares, reach, views, ...


@dataclass
class Container:
    id: str
    account: str
    params: dict[str, str]
    created: float
    reads: int = 0
    status: str = "IN_PROGRESS"
    published: str | None = None  # the media id once published
    expired: bool = False
    error: str | None = None


@dataclass
class Comment:
    """A comment (Facebook, Instagram) or a reply (Threads) by someone, or by the library."""

    id: str
    post: str  # the library's post or media it is under
    parent: str | None  # the comment it answers, if any
    author: str  # an account id
    name: str  # what Meta returns beside the id; shelfpost must never keep it
    created: float


@dataclass
class Token:
    kind: str  # PAGE | USER
    account: str
    expires_at: int  # 0 = never (a Page token from a long-lived User token)
    data_access_expires_at: int
    valid: bool = True
    scopes: tuple[str, ...] = ()


@dataclass
class State:
    now: float = field(default_factory=lambda: datetime(2026, 11, 26, 4, 0, tzinfo=UTC).timestamp())
    posts: dict[str, Remote] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    quota_total: dict[str, int] = field(default_factory=lambda: {IG_ID: 50, THREADS_ID: 250})
    used_before: dict[str, int] = field(default_factory=dict)  # posts published by other tools
    processing_reads: int = 0
    comments: dict[str, Comment] = field(default_factory=dict)
    followers: dict[str, int] = field(default_factory=lambda: {PAGE_ID: 1200, IG_ID: 830, THREADS_ID: 410})


class MetaGraph:
    """The server. ``url`` is what ``service:`` in plan/channels.yml points at."""

    def __init__(self) -> None:
        self.state = State()
        self.lock = threading.Lock()
        self.ids = itertools.count(18000000000000001)
        now = int(self.state.now)
        self.state.tokens[PAGE_TOKEN] = Token(
            "PAGE",
            PAGE_ID,
            0,
            now + 90 * DAY,
            scopes=(
                "pages_manage_posts",
                "pages_read_engagement",
                "instagram_basic",
                "instagram_content_publish",
            ),
        )
        self.state.tokens[THREADS_TOKEN] = Token(
            "USER",
            THREADS_ID,
            now + 60 * DAY,
            now + 90 * DAY,
            scopes=("threads_basic", "threads_content_publish"),
        )
        graph = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def _params(self) -> dict[str, str]:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    params.update(parse_qsl(self.rfile.read(length).decode("utf-8")))
                return params

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                params = self._params()
                status, body = graph.handle(self.command, parts.path, params)
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- for tests ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, path: str, code: int, **kwargs: Any) -> None:
        with self.lock:
            self.state.faults.append(Fault(method, path, code, **kwargs))

    def expire(self, container_id: str) -> None:
        with self.lock:
            self.state.containers[container_id].expired = True

    def remote(self, account: str) -> list[Remote]:
        with self.lock:
            return [p for p in self.state.posts.values() if p.account == account]

    def comment(
        self, post: str, author: str, at: float, parent: str | None = None, name: str = "王小明"
    ) -> str:
        with self.lock:
            cid = str(next(self.ids))
            self.state.comments[cid] = Comment(cid, post, parent, author, name, at)
            return cid

    def count(self, method: str, path: str) -> int:
        with self.lock:
            return sum(1 for m, p, _ in self.state.calls if m == method and re.fullmatch(path, p))

    # --- the API -----------------------------------------------------------------------------
    def handle(self, method: str, full_path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        path = re.sub(r"^/v\d+\.\d+", "", full_path).rstrip("/") or "/"
        with self.lock:
            self.state.calls.append((method, path, {k: v for k, v in params.items() if k != "access_token"}))
            for fault in self.state.faults:
                if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path):
                    fault.times -= 1
                    return fault.status, _error(fault.code, fault.message, fault.subcode, fault.type)
            token = self.state.tokens.get(params.get("access_token", ""))
            if token is None or not token.valid:
                # Handling Errors: "190 Access token has expired", subcode 463 (expired).
                return 400, _error(190, "Error validating access token: Session has expired.", 463)
            try:
                return self.route(method, path, params, token)
            except KeyError as exc:
                # Handling Errors: code 100, "Invalid parameter" / unsupported get request.
                return 400, _error(
                    100, f"Unsupported request: object {exc} does not exist", 33, "GraphMethodException"
                )

    def route(self, method: str, path: str, p: dict[str, str], token: Token) -> tuple[int, dict[str, Any]]:
        s = self.state
        parts = path.strip("/").split("/")
        if parts == ["debug_token"]:
            # Graph API reference "debug_token"; Threads "Debug Access Token" (example response).
            t = s.tokens.get(p.get("input_token", ""))
            if t is None:
                return 400, _error(190, "Invalid OAuth access token - Cannot parse access token", None)
            return 200, {
                "data": {
                    "app_id": "1234567890",
                    "type": t.kind,
                    "application": "shelfpost test app",
                    "data_access_expires_at": t.data_access_expires_at,
                    "expires_at": t.expires_at,
                    "is_valid": t.valid,
                    "issued_at": int(s.now) - DAY,
                    "scopes": list(t.scopes),
                    "user_id": t.account,
                }
            }
        if len(parts) == 2:
            account, edge = parts
            if edge == "feed" and method == "POST":
                # Pages API "Posts": POST /{page-id}/feed -> {"id": "{page-id}_{post-id}"}.
                if "message" not in p and "link" not in p:
                    return 400, _error(100, "(#100) Missing message or attachment", None)
                pid = f"{account}_{next(self.ids)}"
                s.posts[pid] = Remote(pid, account, p.get("message", ""), s.now, "feed", link=p.get("link"))
                return 200, {"id": pid}
            if edge == "photos" and method == "POST":
                # Graph API reference "Page Photos": {"id": "{photo-id}", "post_id": "{page-id}_{post-id}"}.
                if "url" not in p:
                    return 400, _error(100, "(#100) No photo uploaded or url given", 324)
                photo, pid = str(next(self.ids)), f"{account}_{next(self.ids)}"
                s.posts[pid] = Remote(
                    pid,
                    account,
                    p.get("caption", ""),
                    s.now,
                    "photo",
                    image_url=p["url"],
                    alt_text=p.get("alt_text_custom"),
                )
                return 200, {"id": photo, "post_id": pid}
            if edge == "posts" and method == "GET":
                # Graph API reference "Page Feed" (/posts): data + paging.cursors, fields on request.
                items = [x for x in s.posts.values() if x.account == account and x.kind in ("feed", "photo")]
                return 200, self.page(
                    items,
                    p,
                    lambda x: {
                        "id": x.id,
                        "message": x.text,
                        "created_time": _fb_time(x.created),
                        "permalink_url": f"https://www.facebook.com/{x.id}",
                    },
                )
            if edge == "insights" and method == "GET":
                # Page Post Insights, IG Media Insights, Threads Media Insights:
                # {"data": [{"name": ..., "period": "lifetime", "values": [{"value": N}]}]}.
                x = s.posts[account]
                names = p.get("metric", "").split(",")
                return 200, {
                    "data": [
                        {
                            "name": n,
                            "period": "lifetime",
                            "values": [{"value": x.counts.get(n, 0)}],
                            "id": f"{x.id}/insights/{n}/lifetime",
                        }
                        for n in names
                    ]
                }
            if edge == "threads_insights" and method == "GET":
                # Threads User Insights: followers_count comes as total_value.
                return 200, {
                    "data": [
                        {
                            "name": "followers_count",
                            "total_value": {"value": s.followers[account]},
                            "id": f"{account}/insights/followers_count/lifetime",
                        }
                    ]
                }
            if edge in ("comments", "replies", "conversation") and method == "GET":
                return 200, self.comments(account, edge, p)
            if edge in ("media", "threads") and method == "POST":
                return self.make_container(account, edge, p)
            if edge in ("media_publish", "threads_publish") and method == "POST":
                return self.publish(account, edge, p)
            if edge in ("media", "threads") and method == "GET":
                # IG User "Media" edge; Threads "Retrieve Posts" (/{threads-user-id}/threads).
                kind = "ig" if edge == "media" else "threads"
                items = [x for x in s.posts.values() if x.account == account and x.kind == kind]
                text_field = "caption" if kind == "ig" else "text"
                return 200, self.page(
                    items,
                    p,
                    lambda x: {
                        "id": x.id,
                        text_field: x.text,
                        "timestamp": _ig_time(x.created),
                        "permalink": x.permalink,
                    },
                )
            if edge in ("content_publishing_limit", "threads_publishing_limit") and method == "GET":
                # IG User "Content Publishing Limit"; Threads "Overview" (Posts, threads_publishing_limit):
                # {"data": [{"quota_usage": N, "config": {"quota_total": T, "quota_duration": 86400}}]}
                return 200, {
                    "data": [
                        {
                            "quota_usage": self.usage(account),
                            "config": {"quota_total": s.quota_total.get(account, 50), "quota_duration": DAY},
                        }
                    ]
                }
        if len(parts) == 1:
            oid = parts[0]
            if oid in s.containers and method == "GET":
                return 200, self.container_status(s.containers[oid], p)
            if oid in s.posts and method == "POST":
                # Pages API "Posts" (Update a post): POST /{post-id} with message -> {"success": true}.
                s.posts[oid].text = p.get("message", s.posts[oid].text)
                return 200, {"success": True}
            if oid in s.posts and method == "DELETE":
                # Pages API "Posts" (Delete a post); IG Media and Threads "Delete Posts": {"success": true}.
                del s.posts[oid]
                return 200, {"success": True}
            if oid in s.posts and method == "GET":
                # Page Post (reactions/comments with summary, shares), IG Media (like_count, comments_count).
                x = s.posts[oid]
                return 200, {
                    "id": x.id,
                    "permalink": x.permalink,
                    "permalink_url": x.permalink,
                    "like_count": x.counts.get("likes", 0),
                    "comments_count": x.counts.get("comments", 0),
                    "reactions": {"data": [], "summary": {"total_count": x.counts.get("likes", 0)}},
                    "comments": {"data": [], "summary": {"total_count": x.counts.get("comments", 0)}},
                    "shares": {"count": x.counts.get("shares", 0)},
                }
            if oid in (PAGE_ID, IG_ID) and method == "GET":
                # Page node (followers_count); IG User (followers_count, follows_count, media_count).
                media = sum(1 for x in s.posts.values() if x.account == oid)
                return 200, {
                    "id": oid,
                    "followers_count": s.followers[oid],
                    "follows_count": 12,
                    "media_count": media,
                }
            raise KeyError(oid)
        return 400, _error(100, f"Unknown path components: {path}", 2500)

    def page(self, items: list[Remote], p: dict[str, str], shape: Any) -> dict[str, Any]:
        """Newest first, ``since`` (a Unix time), ``limit`` and an ``after`` cursor (*Paginated Results*)."""
        items = sorted(items, key=lambda x: (x.created, x.id), reverse=True)
        if "since" in p:
            items = [x for x in items if x.created >= float(p["since"])]
        start = int(p.get("after") or 0)
        limit = int(p.get("limit") or 25)
        chunk = items[start : start + limit]
        out: dict[str, Any] = {"data": [shape(x) for x in chunk]}
        if start + limit < len(items):
            cursor = str(start + limit)
            out["paging"] = {
                "cursors": {"before": str(start), "after": cursor},
                "next": f"{self.url}?{urlencode({**{k: v for k, v in p.items() if k != 'access_token'}, 'after': cursor})}",
            }
        return out

    def comments(self, oid: str, edge: str, p: dict[str, str]) -> dict[str, Any]:
        s = self.state
        if edge == "comments" and oid in s.posts and s.posts[oid].kind in ("feed", "photo"):
            # Pages API "Comments": GET /{post-id}/comments?filter=stream: every comment, with parent.
            items = [c for c in s.comments.values() if c.post == oid]
            return self.page_of(
                items,
                p,
                lambda c: {
                    "id": c.id,
                    "created_time": _fb_time(c.created),
                    "from": {"id": c.author, "name": c.name},
                    "message": "留言內容",
                    **({"parent": {"id": c.parent}} if c.parent else {}),
                },
            )
        if edge == "comments":
            # IG Media "comments" edge: top-level comments (id, timestamp, from{id, username}).
            items = [c for c in s.comments.values() if c.post == oid and c.parent is None]
        elif edge == "replies":
            # IG Comment "replies" edge: the replies under one comment.
            items = [c for c in s.comments.values() if c.parent == oid]
        else:
            # Threads "Retrieve and Manage Replies": /{media-id}/conversation, the whole tree flattened.
            items = [c for c in s.comments.values() if c.post == oid]
            return self.page_of(
                items,
                p,
                lambda c: {
                    "id": c.id,
                    "timestamp": _ig_time(c.created),
                    "username": c.name,
                    "text": "回覆內容",
                    "is_reply_owned_by_me": c.author == THREADS_ID,
                    "replied_to": {"id": c.parent or c.post},
                },
            )
        return self.page_of(
            items,
            p,
            lambda c: {
                "id": c.id,
                "timestamp": _ig_time(c.created),
                "from": {"id": c.author, "username": c.name},
                "text": "留言內容",
            },
        )

    def page_of(self, items: list[Comment], p: dict[str, str], shape: Any) -> dict[str, Any]:
        items = sorted(items, key=lambda c: (c.created, c.id))
        start, limit = int(p.get("after") or 0), int(p.get("limit") or 25)
        out: dict[str, Any] = {"data": [shape(c) for c in items[start : start + limit]]}
        if start + limit < len(items):
            out["paging"] = {
                "cursors": {"after": str(start + limit)},
                "next": f"{self.url}?after={start + limit}",
            }
        return out

    def make_container(self, account: str, edge: str, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        s = self.state
        if edge == "media":
            # IG User Media: POST /{ig-user-id}/media needs image_url for an image -> {"id": "<IG_CONTAINER_ID>"}.
            if not p.get("image_url"):
                return 400, _error(100, "(#100) Only photo or video can be accepted as media type.", 2207052)
        else:
            # Threads Posts, step 1: media_type TEXT (text required) or IMAGE (image_url required).
            kind = p.get("media_type")
            if kind not in ("TEXT", "IMAGE"):
                return 400, _error(100, "(#100) The parameter media_type is required.", None)
            if kind == "IMAGE" and not p.get("image_url"):
                return 400, _error(100, "(#100) The parameter image_url is required.", None)
            if kind == "TEXT" and not p.get("text"):
                return 400, _error(100, "(#100) The parameter text is required.", None)
            if len(set(re.findall(r"https?://\S+", p.get("text", "")))) > 5:
                # Text Attachments: more than 5 links fail at container creation.
                return 400, _error(100, "THREADS_API__LINK_LIMIT_EXCEEDED", None)
        cid = str(next(self.ids))
        s.containers[cid] = Container(cid, account, dict(p), s.now)
        return 200, {"id": cid}

    def container_status(self, c: Container, p: dict[str, str]) -> dict[str, Any]:
        """IG Container ``status_code``; Threads Troubleshooting ``status`` (+ ``error_message``)."""
        s = self.state
        c.reads += 1
        if c.published:
            c.status = "PUBLISHED"
        elif c.expired or s.now - c.created > DAY:
            c.status = "EXPIRED"  # "The container was not published within 24 hours and has expired."
        elif c.error:
            c.status = "ERROR"
        elif c.reads > s.processing_reads:
            c.status = "FINISHED"
        out: dict[str, Any] = {"id": c.id}
        if c.account == THREADS_ID:
            out["status"] = c.status
            if c.status == "ERROR":
                out["error_message"] = c.error or "UNKNOWN"
        else:
            out["status_code"] = c.status
            if c.status == "ERROR":
                out["status"] = c.error or "Error: 2207026"
        return out

    def usage(self, account: str) -> int:
        s = self.state
        kinds = ("ig", "threads")
        done = sum(
            1
            for x in s.posts.values()
            if x.account == account and x.kind in kinds and s.now - x.created < DAY
        )
        return done + s.used_before.get(account, 0)

    def publish(self, account: str, edge: str, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        s = self.state
        c = s.containers.get(p.get("creation_id", ""))
        if c is None or c.account != account:
            return 400, _error(100, "(#100) Param creation_id is not a valid container id", 2207004)
        if self.usage(account) >= s.quota_total.get(account, 50):
            # IG "Content Publishing" troubleshooting: code 9, subcode 2207042, the publishing limit.
            return 400, _error(9, "Application request limit reached", 2207042)
        if c.published:
            # IG: a container publishes once ("The media has already been published", 2207006 family).
            return 400, _error(100, "(#100) The media has already been published", 2207006)
        if c.expired or s.now - c.created > DAY:
            return 400, _error(100, "(#100) The container has expired", 2207008)
        if c.reads <= s.processing_reads:
            # IG Media Publish troubleshooting: "Media ID is not available", 9007 / 2207027 (not ready).
            return 400, _error(9007, "Media ID is not available", 2207027)
        mid = str(next(self.ids))
        kind = "ig" if edge == "media_publish" else "threads"
        text = c.params.get("caption" if kind == "ig" else "text", "")
        host = "www.instagram.com/p" if kind == "ig" else "www.threads.net/@library/post"
        s.posts[mid] = Remote(
            mid,
            account,
            text,
            s.now,
            kind,
            image_url=c.params.get("image_url"),
            alt_text=c.params.get("alt_text"),
            permalink=f"https://{host}/{mid}",
        )
        c.published = mid
        return 200, {"id": mid}


def _error(code: int, message: str, subcode: int | None, type_: str = "OAuthException") -> dict[str, Any]:
    """Graph API "Handling Errors", Error Responses: message, type, code, error_subcode, fbtrace_id."""
    err: dict[str, Any] = {"message": message, "type": type_, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


def _fb_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")  # Graph API datetime


def _ig_time(ts: float) -> str:
    return _fb_time(ts)
