"""YAML read as nodes, so every key and value keeps its line and column.

PyYAML's ``safe_load`` throws positions away, keeps the last of two duplicate keys
without a word, and expands aliases. shelfpost composes the node graph instead
(with the C parser where present) and lets the schema engine walk it: each problem
then names the exact line, and nothing is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

try:  # the C parser is 5-10x faster; fall back quietly where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Node = yaml.Node
ScalarNode = yaml.ScalarNode
SequenceNode = yaml.SequenceNode
MappingNode = yaml.MappingNode

#: Tags the resolver assigns by itself. Anything else was written by hand
#: (``!!python/object``, ``!include``...) and is refused in files people edit.
STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "binary")
) - {"tag:yaml.org,2002:binary"}


@dataclass(frozen=True, order=True)
class Pos:
    """A 1-based line and column in a file."""

    line: int
    column: int


class YamlSyntaxError(Exception):
    """The text is not YAML. ``pos`` is where the parser gave up, in file coordinates."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def node_pos(node: Node, line_offset: int = 0) -> Pos:
    mark = node.start_mark
    return Pos(mark.line + 1 + line_offset, mark.column + 1)


def compose(text: str, line_offset: int = 0) -> Node | None:
    """Parse one YAML document into a node graph; ``None`` for an empty document.

    ``line_offset`` shifts reported lines, for YAML that sits inside a larger file
    (front matter starts on the line after ``---``).
    """
    try:
        node = yaml.compose(text, Loader=_Loader)  # noqa: S506 - compose builds no objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        slip = _slip_near(text, mark.line if mark else 0)
        if slip is not None:
            index, column, hint = slip
            raise YamlSyntaxError(f"YAML syntax: {hint}", Pos(index + 1 + line_offset, column + 1)) from None
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        col = (mark.column + 1) if mark else 1
        msg = " ".join(s for s in (exc.context, exc.problem) if s) or "invalid YAML"
        if "\t" in _line_at(text, mark.line if mark else 0):
            msg += "; the line holds a tab, and YAML does not allow tabs for indentation: indent with spaces"
        raise YamlSyntaxError(f"YAML syntax: {msg}", Pos(line, col)) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        raise YamlSyntaxError(f"YAML syntax: {exc}", Pos(1 + line_offset, 1)) from None
    parsed_slip = _slip_in(node)
    if parsed_slip is not None:
        pos, hint = parsed_slip
        raise YamlSyntaxError(f"YAML syntax: {hint}", Pos(pos.line + line_offset, pos.column))
    return node


def _slip_in(node: Node | None) -> tuple[Pos, str] | None:
    """A slip that still parsed: a key that starts with a full-width space or holds a
    full-width colon, or a plain value written as a full-width ``［list］`` or ``｛map｝``."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and not key.style:
                if key.value.startswith("\u3000"):
                    return node_pos(key), slip_hint("\u3000", "in the indentation")
                if "\uff1a" in key.value:
                    pos = node_pos(key)
                    return Pos(pos.line, pos.column + key.value.index("\uff1a")), slip_hint(
                        "\uff1a", "after the key"
                    )
            found = _slip_in(value)
            if found is not None:
                return found
    elif isinstance(node, SequenceNode):
        for item in node.value:
            found = _slip_in(item)
            if found is not None:
                return found
    elif isinstance(node, ScalarNode) and not node.style and len(node.value) >= 2:
        for opener, closer in (("\uff3b", "\uff3d"), ("\uff5b", "\uff5d")):
            if node.value.startswith(opener) and node.value.endswith(closer):
                return node_pos(node), slip_hint(opener, "where the value starts")
    return None


#: What a Chinese (or Japanese) input method types where YAML needs an ASCII character.
FULL_WIDTH: dict[str, tuple[str, str]] = {
    "\uff1a": ("full-width colon", "':' followed by a space"),
    "\u3000": ("full-width space", "space"),
    "\uff3b": ("full-width bracket", "'['"),
    "\uff3d": ("full-width bracket", "']'"),
    "\uff5b": ("full-width brace", "'{'"),
    "\uff5d": ("full-width brace", "'}'"),
    "\uff02": ("full-width quote", "'\"'"),
    "\uff07": ("full-width quote", '"\'"'),
    "\u201c": ("curly quote", "'\"'"),
    "\u201d": ("curly quote", "'\"'"),
    "\u2018": ("curly quote", '"\'"'),
    "\u2019": ("curly quote", '"\'"'),
}


def slip_hint(char: str, where: str) -> str:
    """``'：' (U+FF1A) is a full-width colon after the key: type the ASCII ':' ...``."""
    name, ascii_ = FULL_WIDTH[char]
    return f"'{char}' (U+{ord(char):04X}) is a {name} {where}: type the ASCII {ascii_} instead"


_INDENT = re.compile(r"[ \u3000]*")
#: ``key：value`` or ``- key：value``: a key (no ASCII colon yet) closed by a full-width colon.
_KEY_COLON = re.compile(r"^[ ]*(?:-[ ]+)*[^\s:#'\"\[{][^:\uff1a]*?(\uff1a)")
#: ``key:\u3000value``: the ASCII colon followed by a full-width space.
_COLON_SPACE = re.compile(r"^[ ]*(?:-[ ]+)*[^\s:#'\"\[{][^:]*?:(\u3000)")
#: ``key: ［...`` or ``- “...``: a value that opens with a full-width bracket or a curly quote.
_VALUE_OPEN = re.compile(
    r"^[ ]*(?:(?:-[ ]+)+|[^\s:#'\"\[{][^:]*?:[ ]+)([\uff3b\uff5b\uff02\uff07\u201c\u201d\u2018\u2019])"
)


def full_width_slips(line: str) -> list[tuple[int, str]]:
    """The 0-based columns and hints of the input-method slips on one line, left to right.

    Only where YAML's syntax needs an ASCII character: the indentation, the colon after a
    key, the space after it, and the bracket or quote that opens a value. A full-width
    colon or space inside text (``title: 講座：閱讀``) is not a slip.
    """
    found: list[tuple[int, str]] = []
    indent = _INDENT.match(line)
    if indent and "\u3000" in indent.group():
        found.append((indent.group().index("\u3000"), slip_hint("\u3000", "in the indentation")))
    for rx, where in (
        (_KEY_COLON, "after the key"),
        (_COLON_SPACE, "after the colon"),
        (_VALUE_OPEN, "where the value starts"),
    ):
        m = rx.match(line)
        if m:
            found.append((m.start(1), slip_hint(m.group(1), where)))
    return sorted(found)


def _slip_near(text: str, index: int) -> tuple[int, int, str] | None:
    """The slip that most likely caused a parse error reported on 0-based line ``index``.

    The parser notices a full-width colon only on the line after it, so the line before
    the error is tried first, then the error's own line.
    """
    lines = text.splitlines()
    for i in (index - 1, index):
        if 0 <= i < len(lines):
            slips = full_width_slips(lines[i])
            if slips:
                return i, slips[0][0], slips[0][1]
    return None


def _line_at(text: str, index: int) -> str:
    lines = text.splitlines()
    return lines[index] if 0 <= index < len(lines) else ""


def scalar_value(node: ScalarNode) -> Any:
    """The Python value of a scalar with a standard tag (timestamps stay strings)."""
    tag = node.tag
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return node.value.lower() in ("true", "yes", "on", "y")
    if tag.endswith(":int"):
        return (
            int(node.value.replace("_", ""), 0)
            if node.value[:2] in ("0x", "0o")
            else int(node.value.replace("_", ""))
        )
    if tag.endswith(":float"):
        return float(node.value.replace("_", ""))
    return node.value


def plain(node: Node | None) -> Any:
    """Turn a *validated* node graph into plain Python values (no position data)."""
    if node is None:
        return None
    if isinstance(node, ScalarNode):
        return scalar_value(node)
    if isinstance(node, SequenceNode):
        return [plain(n) for n in node.value]
    if isinstance(node, MappingNode):
        return {k.value: plain(v) for k, v in node.value}
    raise TypeError(node)  # pragma: no cover
