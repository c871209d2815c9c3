"""The digest as an e-mail: subject, HTML (CSS inlined) and plain text, and the list headers.

Templates are jinja2, sandboxed (the library may edit them): the library's own
``templates/digest/<name>`` first, shelfpost's in ``src/shelfpost/templates/digest/``
otherwise. ``subject.txt.j2``, ``digest.txt.j2`` and ``digest.html.j2`` get the
same context, so both parts carry the same content. The HTML's ``<style>`` is
inlined into ``style=""`` attributes with css-inline (most clients drop ``<style>``);
the media queries (dark mode, narrow screens) stay in a ``<style>`` for the clients
that read it. Pure: no network, no clock (``date`` comes in).
"""

from __future__ import annotations

import email.policy
import email.utils
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import css_inline
import jinja2
from jinja2.sandbox import SandboxedEnvironment

from shelfpost.digest.plan import DigestPlan
from shelfpost.errors import ShelfpostError
from shelfpost.library.model import Library, Post
from shelfpost.library.problems import Problem
from shelfpost.library.uistrings import moment, strings_for

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "digest"
LIBRARY_TEMPLATES = "templates/digest"
IMAGE_WIDTH = 560  # px: the message is 600 wide with 20 of padding each side


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    links: tuple[str, ...]  # every absolute link of the HTML part, for the dry run and tests


def environment(library: Library) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    own = library.root / LIBRARY_TEMPLATES
    if own.is_dir():
        loaders.append(jinja2.FileSystemLoader(own))
    loaders.append(jinja2.FileSystemLoader(PACKAGE_TEMPLATES))
    return SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def image_size(path: Path) -> tuple[int, int] | None:
    try:
        from PIL import Image

        with Image.open(path) as im:
            return im.size
    except OSError:
        return None


def archive_url(library: Library, plan: DigestPlan) -> str:
    assert library.config is not None
    return f"{library.config.base_url}{quote(plan.channel.id)}/"


def context(library: Library, plan: DigestPlan) -> dict[str, Any]:
    cfg = library.config
    assert cfg is not None and plan.channel.email is not None
    s = strings_for(cfg.language)

    def when(at: datetime) -> str:
        return moment(at.astimezone(cfg.timezone), cfg.language)

    def item(post: Post) -> dict[str, Any]:
        image = None
        if post.image and post.image_alt:
            size = image_size(library.root / post.image)
            if size:
                w, h = size
                shown = min(IMAGE_WIDTH, w)
                image = {
                    "url": cfg.base_url + quote(post.image.removeprefix("content/")),
                    "alt": post.image_alt,
                    "width": shown,
                    "height": round(h * shown / w),
                }
        event = None
        if post.event is not None:
            end = post.event.end.astimezone(cfg.timezone)
            start = post.event.start.astimezone(cfg.timezone)
            until = f"{end:%H:%M}" if end.date() == start.date() else when(post.event.end)
            event = {
                "when": f"{when(post.event.start)}–{until}",
                "where": post.event.location,
                "register": post.event.registration_url,
            }
        return {
            "title": post.title,
            "summary": post.summary,
            "url": cfg.post_url(post.slug),
            "type": cfg.types[post.type].label if post.type in cfg.types else post.type,
            "published": when(post.publish_at),
            "image": image,
            "event": event,
            "lang": post.lang or "",
        }

    tz = cfg.timezone
    start = f"{plan.period_start.astimezone(tz):%Y-%m-%d}"
    end = f"{plan.period_end.astimezone(tz):%Y-%m-%d}"
    settings = plan.channel.email
    return {
        "s": s,
        "library": {"name": cfg.name, "url": cfg.base_url, "description": cfg.description},
        "language": cfg.language,
        "channel": {"id": plan.channel.id, "name": plan.channel.name},
        "period": {"start": start, "end": end, "text": s["period"].format(start=start, end=end)},
        "default_subject": s["subject"].format(name=cfg.name, end=end),
        "posts": [item(p) for p in plan.posts],
        "events": [item(p) for p in plan.events],
        "archive_url": archive_url(library, plan),
        "unsubscribe_url": settings.unsubscribe_url or settings.subscribe_url or "",
        "subscribe_url": settings.subscribe_url or "",
    }


def _render(env: jinja2.Environment, name: str, ctx: dict[str, Any], library: Library) -> str:
    try:
        return env.get_template(name).render(**ctx)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{LIBRARY_TEMPLATES}/{name}" if (library.root / LIBRARY_TEMPLATES / name).is_file() else name
        raise ShelfpostError(
            [Problem(where, exc.lineno or 1, 1, f"template syntax: {exc.message}", "template")],
            "a digest template has errors",
        ) from None
    except jinja2.TemplateError as exc:
        raise ShelfpostError(
            [Problem(f"{LIBRARY_TEMPLATES}/{name}", 1, 1, f"template fails: {exc}", "template")],
            "a digest template fails",
        ) from None


def render(library: Library, plan: DigestPlan) -> Rendered:
    env = environment(library)
    ctx = context(library, plan)
    subject = " ".join(_render(env, "subject.txt.j2", ctx, library).split())
    ctx["subject"] = subject
    text = _render(env, "digest.txt.j2", ctx, library).strip() + "\n"
    html = css_inline.CSSInliner(keep_style_tags=True).inline(_render(env, "digest.html.j2", ctx, library))
    import re

    links = tuple(dict.fromkeys(re.findall(r'href="([^"]+)"', html)))
    return Rendered(subject, text, html, links)


def build_message(library: Library, plan: DigestPlan, rendered: Rendered, date: str) -> EmailMessage:
    """The message with both parts and the headers list servers and mailbox providers read."""
    settings = plan.channel.email
    assert settings is not None and library.config is not None
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = settings.sender
    msg["To"] = settings.to
    msg["Subject"] = rendered.subject
    msg["Date"] = date
    msg["Message-ID"] = plan.message_id
    msg["Content-Language"] = library.config.language
    if settings.list_id:
        msg["List-Id"] = f"{plan.channel.name} <{settings.list_id}>"
    targets = []
    if settings.unsubscribe_email:
        address = email.utils.parseaddr(settings.unsubscribe_email)[1]
        targets.append(f"<mailto:{address}?subject=unsubscribe>")
    if settings.unsubscribe_url:
        targets.append(f"<{settings.unsubscribe_url}>")
    if targets:
        msg["List-Unsubscribe"] = ", ".join(targets)
    if settings.unsubscribe_url:  # RFC 8058: one click, by a POST to the https address
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Archive"] = f"<{archive_url(library, plan)}>"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


def date_header(moment: datetime, library: Library) -> str:
    """``Fri, 04 Dec 2026 09:00:05 +0800``: the Date header in the library's zone."""
    assert library.config is not None
    return email.utils.format_datetime(moment.astimezone(library.config.timezone).replace(microsecond=0))
