"""One schema engine for every file a person edits.

A schema is a class whose attributes are :class:`Field` objects, each with ``doc``
saying what the field means (``shelfpost schema`` prints them). ``Schema.validate``
walks a YAML node graph (see :mod:`shelfpost.library.yamlnodes`), converts every value,
and reports every problem it meets with the line and column of the key or value:
unknown keys (with a "did you mean"), missing keys, wrong types, duplicate keys,
YAML tags and aliases. It never stops at the first problem.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any, ClassVar
from urllib.parse import urlsplit

from shelfpost.library.problems import Problem, Severity
from shelfpost.library.yamlnodes import (
    STANDARD_TAGS,
    MappingNode,
    Node,
    Pos,
    ScalarNode,
    SequenceNode,
    node_pos,
    scalar_value,
)


class Invalid(Exception):
    """Raised by a field's converter; the engine turns it into a :class:`Problem`."""

    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass
class Context:
    """What converters need to know about the library (passed in, never global)."""

    timezone: tzinfo = UTC
    choices: Mapping[str, Iterable[str]] = field(default_factory=dict)


class Reporter:
    """Collects problems for one file, translating node marks to file positions."""

    def __init__(self, path: str, line_offset: int = 0) -> None:
        self.path = path
        self.line_offset = line_offset
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def pos(self, node: Node) -> Pos:
        return node_pos(node, self.line_offset)

    def error(
        self,
        where: Node | Pos | None,
        message: str,
        code: str = "schema",
        severity: Severity = Severity.ERROR,
    ) -> None:
        if where is None:
            pos = Pos(1, 1)
        elif isinstance(where, Pos):
            pos = where
        else:
            pos = self.pos(where)
        self.problems.append(Problem(self.path, pos.line, pos.column, message, code, severity))

    def visit(self, node: Node) -> bool:
        """Refuse aliases and hand-written tags; ``False`` means skip this node."""
        if id(node) in self._seen:
            self.error(
                node,
                "YAML anchors and aliases (& and *) are not allowed here: write the value out",
                "yaml-alias",
            )
            return False
        self._seen.add(id(node))
        if node.tag not in STANDARD_TAGS:
            shown = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.error(
                node, f"YAML tag {shown} is not allowed: remove it and write a plain value", "yaml-tag"
            )
            return False
        return True


# ---------------------------------------------------------------------------------
# Fields


class Field:
    """A key in a schema. Subclasses implement :meth:`convert`."""

    kind = "value"

    def __init__(self, *, required: bool = False, default: Any = None, doc: str = "") -> None:
        self.required = required
        self.default = default
        self.doc = doc

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return self.kind


def _scalar(node: Node, what: str) -> ScalarNode:
    if not isinstance(node, ScalarNode):
        found = "a list" if isinstance(node, SequenceNode) else "a mapping"
        raise Invalid(f"must be {what}, not {found}", node)
    return node


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG_LIKE = re.compile(r"<\s*/?\s*[A-Za-z!?]")


class Text(Field):
    """Plain text on one line (titles, summaries, names): HTML is refused, not escaped."""

    kind = "text"

    def __init__(self, *, max_length: int | None = None, multiline: bool = False, **kw: Any):
        super().__init__(**kw)
        self.max_length = max_length
        self.multiline = multiline

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        node = _scalar(node, "text")
        if node.tag.endswith(":null"):
            raise Invalid("is empty: write the text after the colon", node)
        value = str(node.value).strip()
        if not value:
            raise Invalid("is empty: write the text after the colon", node)
        if _CONTROL.search(value):
            raise Invalid("holds a control character: retype the text", node)
        if not self.multiline and "\n" in value:
            raise Invalid("must be one line", node)
        if _TAG_LIKE.search(value):
            raise Invalid(
                "holds HTML markup ("
                + repr(_TAG_LIKE.search(value).group(0))  # type: ignore[union-attr]
                + "...): this field is plain text, remove the tag",
                node,
            )
        if self.max_length is not None and len(value) > self.max_length:
            raise Invalid(f"is {len(value)} characters long; at most {self.max_length}", node)
        return unicodedata.normalize("NFC", value)


class Flag(Field):
    kind = "true/false"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> bool:
        node = _scalar(node, "true or false")
        if not node.tag.endswith(":bool"):
            raise Invalid(f"must be true or false, not {node.value!r}", node)
        return bool(scalar_value(node))


class Integer(Field):
    kind = "integer"

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, **kw: Any):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> int:
        node = _scalar(node, "a whole number")
        if not node.tag.endswith(":int"):
            raise Invalid(f"must be a whole number, not {node.value!r}", node)
        value = int(scalar_value(node))
        if self.minimum is not None and value < self.minimum:
            raise Invalid(f"must be at least {self.minimum}, not {value}", node)
        if self.maximum is not None and value > self.maximum:
            raise Invalid(f"must be at most {self.maximum}, not {value}", node)
        return value


class Number(Field):
    """A number (whole or decimal), e.g. an amount of money or a rate."""

    kind = "number"

    def __init__(
        self, *, minimum: float | None = None, maximum: float | None = None, positive: bool = False, **kw: Any
    ):
        super().__init__(**kw)
        self.minimum, self.maximum, self.positive = minimum, maximum, positive

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> float:
        node = _scalar(node, "a number")
        if not (node.tag.endswith(":int") or node.tag.endswith(":float")):
            raise Invalid(f"must be a number, not {node.value!r}", node)
        value = float(scalar_value(node))
        if value != value or value in (float("inf"), float("-inf")):
            raise Invalid("must be a finite number", node)
        if self.positive and value <= 0:
            raise Invalid(f"must be more than 0, not {node.value}", node)
        if self.minimum is not None and value < self.minimum:
            raise Invalid(f"must be at least {self.minimum:g}, not {node.value}", node)
        if self.maximum is not None and value > self.maximum:
            raise Invalid(f"must be at most {self.maximum:g}, not {node.value}", node)
        return value


def parse_moment(text: str, tz: tzinfo) -> datetime:
    """An ISO 8601 date-time; without an offset it is wall time in ``tz``.

    Refuses times that do not exist in ``tz`` (skipped by a DST change) and times
    that happen twice (repeated by one), since either would publish at a guess.
    """
    s = text.strip()
    try:
        dt = datetime.fromisoformat(s)
    except ValueError as exc:
        raise Invalid(
            f"{s!r} is not a real date and time ({exc}); write it as YYYY-MM-DD HH:MM, e.g. 2026-12-01 10:00"
        ) from None
    if dt.tzinfo is not None:
        return dt
    local = dt.replace(tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != dt:
        raise Invalid(f"{s} does not exist in {tz} (the clocks skip it): pick another time")
    if dt.replace(fold=1, tzinfo=tz).utcoffset() != local.utcoffset():
        raise Invalid(
            f"{s} happens twice in {tz} (the clocks go back): add an offset such "
            f"as {local.strftime('%z')[:3]}:{local.strftime('%z')[3:]}"
        )
    return local


class Moment(Field):
    """An ISO 8601 date and time; without an offset, in the library's time zone."""

    kind = "date-time (YYYY-MM-DD HH:MM)"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> datetime:
        node = _scalar(node, "a date and time")
        try:
            return parse_moment(node.value, ctx.timezone)
        except Invalid as exc:
            exc.node = node
            raise


class Day(Field):
    kind = "date (YYYY-MM-DD)"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> date:
        node = _scalar(node, "a date")
        try:
            return date.fromisoformat(node.value.strip())
        except ValueError as exc:
            raise Invalid(f"{node.value!r} is not a real date ({exc}); write YYYY-MM-DD", node) from None


class Choice(Field):
    """One of a fixed set, or of a set the context supplies (e.g. the configured types)."""

    kind = "one of"

    def __init__(self, values: Iterable[str] | None = None, *, from_context: str = "", **kw: Any):
        super().__init__(**kw)
        self.values = tuple(values or ())
        self.from_context = from_context

    def allowed(self, ctx: Context) -> tuple[str, ...]:
        if self.from_context:
            return tuple(ctx.choices.get(self.from_context, ()))
        return self.values

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        node = _scalar(node, "a name")
        value = str(node.value).strip()
        allowed = self.allowed(ctx)
        if value not in allowed:
            raise Invalid(
                f"{value!r} is not one of: {', '.join(allowed)}{did_you_mean(value, allowed)}", node
            )
        return value

    def describe(self) -> str:
        return "one of: " + ", ".join(self.values) if self.values else f"a {self.from_context} id"


ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")


class Ident(Field):
    """A lower-case id (letters, digits, ``-``, ``_``) naming something defined elsewhere."""

    kind = "id"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        node = _scalar(node, "an id")
        value = str(node.value).strip()
        if not ID_RE.match(value):
            raise Invalid(f"{value!r} is not a valid id: use lower-case letters, digits, - and _", node)
        return value


class Url(Field):
    kind = "URL"

    def __init__(self, *, schemes: tuple[str, ...] = ("https", "http"), **kw: Any):
        super().__init__(**kw)
        self.schemes = schemes

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        node = _scalar(node, "a URL")
        value = str(node.value).strip()
        parts = urlsplit(value)
        if parts.scheme not in self.schemes or not parts.netloc or _CONTROL.search(value) or " " in value:
            raise Invalid(
                f"{value!r} is not a full {' or '.join(self.schemes)} URL (e.g. https://example.org/page)",
                node,
            )
        return value


class RelPath(Field):
    """A path to a file, relative to the file that names it; existence is checked later."""

    kind = "path"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        node = _scalar(node, "a file path")
        value = str(node.value).strip()
        if not value or "\\" in value or _CONTROL.search(value) or "://" in value:
            raise Invalid(
                f"{value!r} is not a file path in the repository: write a path such as "
                "../../media/2026/photo.jpg",
                node,
            )
        return value


class ListOf(Field):
    kind = "list"

    def __init__(self, item: Field, *, unique: bool = True, min_items: int = 0, **kw: Any):
        kw.setdefault("default", ())
        super().__init__(**kw)
        self.item, self.unique, self.min_items = item, unique, min_items

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> tuple[Any, ...]:
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            node_items: list[Node] = []
        elif not isinstance(node, SequenceNode):
            raise Invalid(
                f"must be a list, e.g. {key}: [{node.value if isinstance(node, ScalarNode) else '...'}]", node
            )
        else:
            node_items = node.value
        out: list[Any] = []
        seen: dict[Any, Node] = {}
        for index, item in enumerate(node_items):
            if not rep.visit(item):
                continue
            try:
                value = self.item.convert(item, ctx, rep, f"{key}[{index}]")
            except Invalid as exc:
                rep.error(exc.node or item, f"{key}: {exc.message}", "schema")
                continue
            if self.unique:
                if value in seen:
                    rep.error(item, f"{key}: {value!r} is listed twice", "schema")
                    continue
                seen[value] = item
            out.append(value)
        if len(out) < self.min_items and len(node_items) < self.min_items:
            raise Invalid(f"needs at least {self.min_items} item(s)", node)
        return tuple(out)

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


class Nested(Field):
    """A mapping with its own schema (e.g. a post's ``event`` block)."""

    kind = "mapping"

    def __init__(self, schema: type[Schema], **kw: Any):
        super().__init__(**kw)
        self.schema = schema

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> Validated | None:
        return self.schema.validate(node, ctx, rep, prefix=key + ".")


class MapOf(Field):
    """A mapping from ids to values that all share one field type (e.g. authors)."""

    kind = "mapping of id to"

    def __init__(self, value: Field, **kw: Any):
        kw.setdefault("default", {})
        super().__init__(**kw)
        self.value = value

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> dict[str, Any]:
        if not isinstance(node, MappingNode):
            raise Invalid("must be a mapping of id: value", node)
        out: dict[str, Any] = {}
        for knode, vnode in _unique_pairs(node, rep, key + "."):
            if not ID_RE.match(knode.value):
                rep.error(
                    knode,
                    f"{key}: {knode.value!r} is not a valid id: use lower-case letters, digits, - and _",
                    "schema",
                )
                continue
            if not rep.visit(vnode):
                continue
            try:
                out[knode.value] = self.value.convert(vnode, ctx, rep, f"{key}.{knode.value}")
            except Invalid as exc:
                rep.error(exc.node or vnode, f"{key}.{knode.value}: {exc.message}", "schema")
        return out


# ---------------------------------------------------------------------------------
# Schemas


@dataclass(frozen=True)
class Validated:
    """The converted values of one mapping plus the position of each key."""

    values: Mapping[str, Any]
    marks: Mapping[str, Pos]
    pos: Pos
    complete: bool

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def mark(self, key: str) -> Pos:
        return self.marks.get(key, self.pos)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unique_pairs(node: MappingNode, rep: Reporter, prefix: str) -> list[tuple[ScalarNode, Node]]:
    """Key/value pairs of a mapping, refusing duplicate, merge and non-text keys."""
    pairs: list[tuple[ScalarNode, Node]] = []
    first: dict[str, Node] = {}
    for knode, vnode in node.value:
        if not isinstance(knode, ScalarNode) or knode.tag.endswith(":merge") or knode.value == "<<":
            rep.error(knode, "keys must be plain names (no merge keys or complex keys)", "yaml-key")
            continue
        name = knode.value
        if name in first:
            line = rep.pos(first[name]).line
            rep.error(
                knode,
                f"{prefix}{name}: duplicate key (first on line {line}); YAML would "
                "silently keep only the last one: remove one of them",
                "yaml-duplicate-key",
            )
            continue
        first[name] = knode
        pairs.append((knode, vnode))
    return pairs


class Schema:
    """Base class: subclasses declare :class:`Field` attributes."""

    fields: ClassVar[dict[str, Field]] = {}
    #: The file this schema describes, shown in ``shelfpost schema`` and the docs.
    document_name: ClassVar[str] = ""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        collected: dict[str, Field] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Field):
                    collected[name] = value
        cls.fields = collected

    @classmethod
    def validate(
        cls,
        node: Node | None,
        ctx: Context,
        rep: Reporter,
        prefix: str = "",
        at: Pos | None = None,
        label: str = "this file",
    ) -> Validated | None:
        """Convert ``node``; report every problem; ``None`` when it is not a mapping.

        ``at`` is where to report a missing document or missing top-level keys
        (e.g. the opening ``---`` of front matter); ``label`` names the document.
        """
        where = prefix.rstrip(".") if prefix else label
        if node is None:
            missing = ", ".join(n for n, f in cls.fields.items() if f.required)
            rep.error(at, f"{where} is empty; it needs: {missing}", "schema-empty")
            return None
        if not prefix and not rep.visit(node):  # nested mappings were visited by their parent
            return None
        if not isinstance(node, MappingNode):
            found = "a list" if isinstance(node, SequenceNode) else f"the text {node.value!r}"
            rep.error(
                node, f"{where} must be a mapping of key: value lines, not {found}", "schema-not-mapping"
            )
            return None
        values: dict[str, Any] = {}
        marks: dict[str, Pos] = {}
        complete = True
        for knode, vnode in _unique_pairs(node, rep, prefix):
            name = knode.value
            spec = cls.fields.get(name)
            if spec is None:
                rep.error(
                    knode,
                    f"{prefix}{name}: unknown key{did_you_mean(name, cls.fields)}"
                    f" (allowed: {', '.join(cls.fields)})",
                    "schema-unknown-key",
                )
                complete = False
                continue
            marks[name] = rep.pos(knode)
            if not rep.visit(vnode):
                complete = False
                continue
            before = len(rep.problems)
            try:
                value = spec.convert(vnode, ctx, rep, prefix + name)
            except Invalid as exc:
                rep.error(exc.node or vnode, f"{prefix}{name}: {exc.message}", "schema-value")
                complete = False
                continue
            if len(rep.problems) > before or (isinstance(spec, Nested) and value is None):
                complete = False
            if isinstance(value, Validated):
                for sub, pos in value.marks.items():
                    marks[f"{name}.{sub}"] = pos
                if not value.complete:
                    complete = False
            values[name] = value
        node_at = rep.pos(node)
        for name, spec in cls.fields.items():
            if name in values or name in marks:
                continue
            if spec.required:
                rep.error(
                    node_at if prefix else (at or node_at),
                    f"{prefix}{name}: required key is missing: add '{name}: ...'",
                    "schema-missing",
                )
                complete = False
            else:
                values[name] = spec.default
        return Validated(values, marks, node_at, complete)

    @classmethod
    def document(cls) -> list[tuple[str, str, bool, str]]:
        """(name, kind, required, doc) for each field, for docs and ``--help``."""
        return [(n, f.describe(), f.required, f.doc) for n, f in cls.fields.items()]
