"""YAML read as nodes, so every key and value keeps its line and column.

PyYAML's ``safe_load`` throws positions away, keeps the last of two duplicate keys
without a word, and expands aliases. shelfpost composes the node graph instead
(with the C parser where present) and lets the schema engine walk it: each problem
then names the exact line, and nothing is silently dropped.
"""

from __future__ import annotations

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
        return yaml.compose(text, Loader=_Loader)  # noqa: S506 - compose builds no objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        col = (mark.column + 1) if mark else 1
        msg = " ".join(s for s in (exc.context, exc.problem) if s) or "invalid YAML"
        if "\t" in _line_at(text, mark.line if mark else 0):
            msg += "; the line holds a tab, and YAML does not allow tabs for indentation: indent with spaces"
        raise YamlSyntaxError(f"YAML syntax: {msg}", Pos(line, col)) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        raise YamlSyntaxError(f"YAML syntax: {exc}", Pos(1 + line_offset, 1)) from None


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
