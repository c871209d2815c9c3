"""Read a Markdown body for what matters before it reaches readers.

Finds links and images (with the span of each target, so renderers can rewrite
them), raw HTML that could run script, and attribute lists that add event
handlers. Code (fenced blocks and inline spans) is masked first, so a post that
*shows* ``<script>`` in a code block is fine.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from shelfpost.library.model import Link
from shelfpost.library.yamlnodes import Pos

FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?(?:^\1?\2[`~]*[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
CODE_SPAN_RE = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.DOTALL)
HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
# [text](target "title") and ![alt](target); the target may be wrapped in <...>.
INLINE_LINK_RE = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*"
    r"(?:<(?P<angle>[^>\n]*)>|(?P<target>[^\s()]*(?:\([^\s()]*\)[^\s()]*)*))"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
REF_DEF_RE = re.compile(r"^ {0,3}\[(?P<label>[^\]\n]+)\]:[ \t]*<?(?P<target>[^\s>]+)>?", re.MULTILINE)
AUTOLINK_RE = re.compile(r"<(?P<target>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
ATTR_LIST_RE = re.compile(r"\{:?[ \t]*(?P<body>[^{}\n]*)\}")
EVENT_ATTR_RE = re.compile(r"(?:^|[\s\"'])(?P<name>on[a-z]+)\s*=", re.IGNORECASE)

#: Elements that run script, load active content, or change where the page goes.
DANGEROUS_TAGS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "form",
        "meta",
        "link",
        "style",
        "svg",
        "math",
        "template",
        "noscript",
        "portal",
    }
)
URL_ATTRS = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "poster",
        "background",
        "srcset",
        "cite",
        "longdesc",
    }
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
_GAP = r"[\s\x00-\x1f]*"
#: Script URLs anywhere outside code, even spelled with gaps ("java\tscript:"),
#: whatever construct carries them: Markdown parsers disagree on edge cases.
SCRIPT_URL_RE = re.compile(
    r"(?<![A-Za-z])(?:"
    + "|".join(_GAP.join(word) for word in ("javascript", "vbscript"))
    + r")"
    + _GAP
    + r":|data"
    + _GAP
    + r":"
    + _GAP
    + r"text/html",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    pos: Pos
    message: str
    code: str


def _blank(text: str, start: int, end: int) -> str:
    """Replace a span with spaces but keep its newlines, so offsets and lines hold."""
    chunk = text[start:end]
    return text[:start] + re.sub(r"[^\n]", " ", chunk) + text[end:]


def mask_code(text: str) -> str:
    """The body with code blocks, code spans and HTML comments blanked out."""
    for regex in (FENCE_RE, CODE_SPAN_RE, HTML_COMMENT_RE):
        spans = [m.span() for m in regex.finditer(text)]
        for start, end in reversed(spans):
            text = _blank(text, start, end)
    return text


class Positions:
    """Offset in the body to (line, column) in the file."""

    def __init__(self, text: str, first_line: int) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.first_line = first_line

    def at(self, offset: int) -> Pos:
        index = bisect.bisect_right(self.starts, offset) - 1
        return Pos(self.first_line + index, offset - self.starts[index] + 1)


def url_scheme(url: str) -> str | None:
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    cleaned = re.sub(r"[\x00-\x20]", "", url)
    match = SCHEME_RE.match(cleaned)
    return match.group(1).lower() if match else None


class _TagFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, col = self.getpos()
        self.found.append((line, col, tag, attrs))

    handle_startendtag = handle_starttag


def scan_html(masked: str, where: Positions) -> list[Finding]:
    """Raw HTML in the body that could run script or load active content."""
    if "<" not in masked:
        return []
    finder = _TagFinder()
    finder.feed(masked)
    finder.close()
    findings = []
    for line, col, tag, attrs in finder.found:
        pos = Pos(where.first_line + line - 1, col + 1)
        if tag in DANGEROUS_TAGS:
            findings.append(
                Finding(
                    pos,
                    f"raw HTML <{tag}> is not allowed in posts: it could run "
                    "script or load active content; remove it",
                    "unsafe-html",
                )
            )
            continue
        for name, value in attrs:
            if name.startswith("on"):
                findings.append(
                    Finding(
                        pos,
                        f"raw HTML attribute {name}= on <{tag}> runs script: remove the attribute",
                        "unsafe-html",
                    )
                )
            elif name in URL_ATTRS and value and url_scheme(value) not in (None, *SAFE_SCHEMES):
                findings.append(
                    Finding(
                        pos,
                        f'<{tag} {name}="{value[:40]}"> uses a '
                        f"{url_scheme(value)}: URL, which is not allowed: "
                        "use an http(s) link",
                        "unsafe-url",
                    )
                )
            elif name == "style" and value and re.search(r"expression\s*\(|url\s*\(", value, re.I):
                findings.append(
                    Finding(pos, f"style= on <{tag}> loads or runs something: remove it", "unsafe-html")
                )
    return findings


def scan_attr_lists(masked: str, where: Positions) -> list[Finding]:
    """Markdown attribute lists (``{: onclick=...}``) that would add event handlers."""
    findings = []
    for match in ATTR_LIST_RE.finditer(masked):
        for attr in EVENT_ATTR_RE.finditer(match.group("body")):
            findings.append(
                Finding(
                    where.at(match.start()),
                    f"attribute list sets {attr.group('name')}=, which runs script: remove it",
                    "unsafe-html",
                )
            )
    return findings


def find_links(masked: str, where: Positions) -> list[Link]:
    links: list[Link] = []
    for m in INLINE_LINK_RE.finditer(masked):
        group = "angle" if m.group("angle") is not None else "target"
        start, end = m.span(group)
        kind = "image" if m.group("bang") else "link"
        links.append(
            Link(
                kind,
                m.group(group),
                start,
                end,
                where.at(m.start()),
                text=m.group("text").strip(),
                outer=m.span(),
            )
        )
    for m in REF_DEF_RE.finditer(masked):
        start, end = m.span("target")
        links.append(Link("link", m.group("target"), start, end, where.at(m.start())))
    for m in AUTOLINK_RE.finditer(masked):
        start, end = m.span("target")
        links.append(Link("link", m.group("target"), start, end, where.at(m.start())))
    links.sort(key=lambda link: link.start)
    return links


def scan_body(body: str, first_line: int) -> tuple[list[Link], list[Finding]]:
    """Links and images in ``body`` and the unsafe constructs it holds."""
    masked = mask_code(body)
    where = Positions(body, first_line)
    findings = scan_html(masked, where) + scan_attr_lists(masked, where)
    links = find_links(masked, where)
    covered: list[tuple[int, int]] = []
    for link in links:
        scheme = url_scheme(link.target)
        if scheme is not None and scheme not in SAFE_SCHEMES:
            findings.append(
                Finding(
                    link.pos,
                    f"{link.kind} to a {scheme}: URL is not allowed: use http, https, mailto or tel",
                    "unsafe-url",
                )
            )
            covered.append((link.start, link.end))
    reported = {f.pos.line for f in findings}
    for match in SCRIPT_URL_RE.finditer(masked):
        pos = where.at(match.start())
        if pos.line in reported or any(a <= match.start() < b for a, b in covered):
            continue
        findings.append(
            Finding(
                pos,
                "a script URL (javascript:, vbscript: or data:text/html) is "
                "not allowed outside code: remove it, or put it in `code`",
                "unsafe-url",
            )
        )
    return links, findings


def splice(body: str, replacements: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping ``(start, end, new_text)`` replacements to ``body``."""
    out: list[str] = []
    last = 0
    for start, end, new in sorted(replacements):
        if start < last:
            continue  # overlaps the previous replacement (a link inside a link's text)
        out.append(body[last:start])
        out.append(new)
        last = end
    out.append(body[last:])
    return "".join(out)
