"""Read inventory YAML files into plain data, remembering where every value came from.

The reader is deliberately stricter than ordinary YAML loading:

* YAML 1.2 core scalars only: ``yes``/``no``/``on``/``off`` stay strings, ``010`` stays a string
  (official codes keep their leading zeros), ``0x10`` is sixteen, ``2023-04-10`` is a date;
* duplicate keys, anchors/aliases, non-string keys, several documents, empty files, files that are
  not UTF-8 and files over the size limit are problems, each reported with file:line:column.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.errors import Problem

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64
YAML_SUFFIXES = (".yaml", ".yml")

PathKey = tuple[str | int, ...]
Mark = tuple[int, int]


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.2 core-schema resolution of plain scalars (no YAML 1.1 surprises)."""


_Resolver.yaml_implicit_resolvers = {}
_IMPLICIT: list[tuple[str, str, str | list[str]]] = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),  # "" = an empty value
    ("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+|0o[0-7]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:timestamp", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "0123456789"),
]
for _tag, _pattern, _first in _IMPLICIT:
    _Resolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


_STR, _SEQ, _MAP, _NULL = (
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:null",
)
_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _pattern, _first in _IMPLICIT:
    for _char in _first:
        _BY_FIRST.setdefault(_char, []).append((_tag, re.compile(_pattern)))


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """The C parser with the strict resolver (dispatch on the first character: it runs for every scalar)."""

    yaml_implicit_resolvers = _Resolver.yaml_implicit_resolvers

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                if not value:
                    return _NULL
                for tag, regexp in _BY_FIRST.get(value[0], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path-based resolvers: nothing to track."""

    def ascend_resolver(self) -> None:
        """No path-based resolvers: nothing to track."""


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


@dataclass(slots=True)
class Document:
    """One inventory file: its data, and its YAML node tree to find where any value or key was written.

    Positions are looked up only when a problem needs one, so reading a valid inventory records none.
    """

    file: str
    data: Any
    root: yaml.Node | None = None
    patched: dict[PathKey, Mark] = field(default_factory=dict)
    reported: set[PathKey] = field(default_factory=set)

    def _walk(self, path: PathKey) -> tuple[int, yaml.Node | None, yaml.Node | None]:
        """How much of ``path`` exists, with the value node (and key node) reached."""
        node, key_node = self.root, None
        for depth, part in enumerate(path):
            nxt: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == part:
                        nxt, key_node = v, k
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                nxt, key_node = node.value[part], None
            if nxt is None:
                return depth, node, None
            node = nxt
        return len(path), node, key_node

    def mark(self, path: PathKey, *, key: bool = False) -> Mark | None:
        """Position of the value (or its key) at ``path``; falls back to the nearest parent."""
        if self.patched:  # inside an alias: the alias's own position, not its anchor's
            for cut in range(len(path), -1, -1):
                if path[:cut] in self.patched:
                    return self.patched[path[:cut]]
        depth, node, key_node = self._walk(path)
        if depth == len(path) and key and key_node is not None:
            return _mark(key_node)
        return _mark(node) if node is not None else None


def format_path(path: PathKey) -> str:
    """Render a path key as ``sites[3].parent``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def describe(value: Any) -> str:
    """A short, printable description of a found value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"string {shown!r}"
    if isinstance(value, dt.date):
        return f"date {value.isoformat()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class _Builder:
    """Turns a composed YAML node tree into plain data while recording positions.

    An alias is the very node of its anchor, so it carries the anchor's position; the position (and
    name) of each alias is taken from the parser's alias events instead, which come in the same
    document order as the builder meets the aliased nodes.
    """

    def __init__(self, doc: Document, problems: list[Problem], text: str) -> None:
        self.doc = doc
        self.problems = problems
        self.text = text
        self.seen: set[int] = set()
        self.track = "&" in text  # without an anchor there can be no alias to detect
        self.aliases: list[yaml.AliasEvent] | None = None

    def problem(self, mark: Mark, path: PathKey, found: str, expected: str, *, value: bool = False) -> None:
        """Record a problem; ``value=True`` when it is about the value at ``path`` (not reported again)."""
        self.problems.append(Problem(self.doc.file, mark[0], mark[1], format_path(path), found, expected))
        if value:
            self.doc.reported.add(path)

    def next_alias(self) -> yaml.AliasEvent | None:
        if self.aliases is None:
            self.aliases = [e for e in yaml.parse(self.text, Loader=_Loader) if isinstance(e, yaml.AliasEvent)]
            self.aliases.reverse()
        return self.aliases.pop() if self.aliases else None

    def skip(self, node: yaml.Node) -> None:
        """Pass over a subtree that is not used, in the order ``build`` would, to keep aliases in step."""
        if not self.track:
            return
        if id(node) in self.seen:
            self.next_alias()
            return
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                self.skip(key_node)
                self.skip(value_node)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self.skip(item)

    def alias(self, path: PathKey, node: yaml.Node) -> None:
        event = self.next_alias()
        at = event.start_mark if event is not None else None
        mark = (at.line + 1, at.column + 1) if at is not None else _mark(node)
        self.doc.patched[path] = mark
        found = f"an alias (*{event.anchor})" if event else "an alias"
        self.problem(mark, path, found, "plain values; share settings through profiles or defaults", value=True)

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        if self.track:
            if id(node) in self.seen:
                self.alias(path, node)
                return None
            self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                key_mark = _mark(key_node)
                shown = describe(self.build(key_node, (*path, "<key>")))
                self.problem(key_mark, path, f"key {shown}", "keys that are plain strings")
                self.skip(value_node)
                continue
            key = str(key_node.value)
            child = (*path, key)
            if self.track:
                if id(key_node) in self.seen:
                    self.alias(child, key_node)
                    self.skip(value_node)
                    continue
                self.seen.add(id(key_node))
            if key == "<<" and not key_node.style:
                found = "a YAML merge key (<<)"
                self.problem(_mark(key_node), child, found, "every key written out; share settings through profiles")
                self.doc.reported.add(path)
                self.skip(value_node)
                continue
            if key in first:
                found = f"duplicate key {key!r} (first at line {_mark(first[key])[0]})"
                self.problem(_mark(key_node), child, found, "each key once")
                self.skip(value_node)
                continue
            first[key] = key_node
            out[key] = self.build(value_node, child)
        return out

    def scalar(self, node: yaml.Node, path: PathKey) -> Any:
        tag, text = node.tag, str(node.value)
        if tag == _STR:
            return text
        if tag == _NULL:
            return None
        if tag == "tag:yaml.org,2002:bool":
            return text.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            return int(text, 0)
        if tag == "tag:yaml.org,2002:float":
            special = text.lower().lstrip("+-")
            if special in (".inf", ".nan"):
                return float(("-" if text.startswith("-") else "") + special[1:])
            return float(text)
        if tag == "tag:yaml.org,2002:timestamp":
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                self.problem(_mark(node), path, f"date {text!r}", "a real calendar date YYYY-MM-DD", value=True)
                return text
        self.problem(_mark(node), path, f"tag {tag!r}", "plain YAML values without explicit tags", value=True)
        return text


def _decode(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        line_start = raw.rfind(b"\n", 0, err.start) + 1
        column = len(raw[line_start : err.start].decode("utf-8", errors="replace")) + 1
        problems.append(Problem(file, line, column, "", f"byte 0x{raw[err.start]:02x} that is not UTF-8", "UTF-8 text"))
        return None
    return text.removeprefix("\ufeff")


def _read_one(path: Path, file: str, max_bytes: int, problems: list[Problem]) -> Document | None:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            found = f"a file of {size} bytes ({size / 2**20:.2f} MiB)"
            expected = f"at most {max_bytes} bytes ({max_bytes / 2**20:g} MiB) per file (split it into several files)"
            problems.append(Problem(file, 1, 1, "", found, expected))
            return None
        raw = path.read_bytes()
    except OSError as err:
        problems.append(Problem(file, 1, 1, "", f"an unreadable file ({err.strerror})", "a readable file"))
        return None
    text = _decode(raw, file, problems)
    if text is None:
        return None
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        found = "an empty file" if not text.strip() else "a file with only comments"
        problems.append(Problem(file, 1, 1, "", found, "a mapping of inventory sections"))
        return Document(file=file, data={})  # nothing in it can be missed by the other files' checks
    node = _compose(text, file, problems)
    if node is None:
        return None
    doc = Document(file=file, data=None, root=node)
    doc.data = _Builder(doc, problems, text).build(node, ())
    if not isinstance(doc.data, dict):
        problems.append(Problem(file, 1, 1, "", describe(doc.data), "a mapping of inventory sections"))
        return None
    return doc


_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_BLOCK_PREFIX = re.compile(r"^[ \t?-]*", re.MULTILINE)


def _depth_bound(text: str) -> int:
    """A cheap upper bound of the nesting depth: flow brackets plus the widest block-indentation prefix."""
    depth = top = 0
    for char in _NOT_BRACKETS.sub("", text):
        depth = depth + 1 if char in "[{" else max(depth - 1, 0)
        top = max(top, depth)
    return top + max(map(len, _BLOCK_PREFIX.findall(text)), default=0)


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where nesting first goes deeper than MAX_DEPTH, if it does (libyaml's composer recurses in C).

    The exact check walks the parser's events, without recursion; it runs only when the cheap bound
    says the file could be that deep, which no real inventory is.
    """
    if _depth_bound(text) <= MAX_DEPTH:
        return None
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            mark = event.start_mark
            if depth > MAX_DEPTH and mark is not None:
                return (mark.line + 1, mark.column + 1)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
    return None


def _compose(text: str, file: str, problems: list[Problem]) -> yaml.Node | None:
    """The file's node tree, or None with the reason recorded (syntax, control characters, depth)."""
    try:
        deep = _too_deep(text)
        if deep is not None:
            problems.append(Problem(file, *deep, "", f"nesting deeper than {MAX_DEPTH} levels", "a shallower file"))
            return None
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
        if node is None:
            raise yaml.MarkedYAMLError(problem="no document")
        return node
    except yaml.MarkedYAMLError as err:
        problems.append(_syntax_problem(err, text, file))
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        found = f"the control character U+{err.character:04X}" if isinstance(err.character, int) else "a bad character"
        problems.append(Problem(file, line, column, "", found, "printable text (YAML forbids control characters)"))
    except yaml.YAMLError as err:
        problems.append(Problem(file, 1, 1, "", f"a YAML error ({err})", "valid YAML"))
    return None


def _syntax_problem(err: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """A YAML syntax error, in plain words for the common cases (tabs, several documents)."""
    mark = err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    what = (err.problem or "invalid YAML").strip()
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        return Problem(file, line, column, "", "a tab character", "spaces for indentation (YAML does not allow tabs)")
    if "another document" in what:
        return Problem(file, line, column, "", "a second YAML document ('---')", "one document per file")
    return Problem(file, line, column, "", f"a YAML syntax error ({what})", "valid YAML")


def read_documents(
    paths: list[Path], *, displays: list[str], max_bytes: int = MAX_FILE_BYTES
) -> tuple[list[Document], list[Problem]]:
    """Read every file, collecting all problems rather than stopping at the first."""
    problems: list[Problem] = []
    docs: list[Document] = []
    for path, file in zip(paths, displays, strict=True):
        doc = _read_one(path, file, max_bytes, problems)
        if doc is not None:
            docs.append(doc)
    return docs, problems


def find_files(root: Path) -> tuple[list[Path], list[Problem]]:
    """The YAML files that make up an inventory: one file, or every YAML file under a directory."""
    if not root.exists():
        return [], [Problem(str(root), None, None, "", "no such file or directory", "an inventory file or directory")]
    if root.is_file():
        return [root], []
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in YAML_SUFFIXES)
    if not files:
        return [], [Problem(str(root), None, None, "", "a directory without YAML files", "*.yaml inventory files")]
    return files, []
