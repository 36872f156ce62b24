"""What a parse carries along: the input and its limits (``ParseState``), the fields of the struct being
read (``ParseContext``, what ``this`` means), the spans a trace records, and the checked reads and
evaluations every parser uses. The reference interpreter and generated parsers share these.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Tuple

from .. import schema as s
from ..context import evaluate, link_index, link_item
from ..errors import Error, ParseError, path_depth, short
from ..expr import Expr, Region

ZERO_SIZE_ITEM_LIMIT = 1 << 16
"""A parse creates at most this many array items that take no bytes (over all arrays)."""

POINTER_REREAD_FACTOR = 16
"""Pointers may read the input again at most this many times over (plus 64 KiB): a pointer DAG or
many pointers to one big region would otherwise cost far more than the input paid for."""


@dataclasses.dataclass
class Span:
    """Where one field lies in the data, and what it holds."""

    path: str
    offset: int
    size: int
    value: Any
    type_name: str
    kind: str  # "field" | "struct" | "array" | "padding" | "const" | "bits" | "encoded"
    depth: int
    source: Optional[bytes] = None  # the decoded bytes offset and size refer to (inside a Transformed region)
    node: Optional[s.Node] = None  # the field's type, for renderers that show values as people write them


@dataclasses.dataclass
class Trace:
    """The outcome of a traced parse: the value (``None`` on failure), the spans, the error."""

    value: Any
    spans: List[Span]
    error: Optional[ParseError]
    data: bytes
    stopped: bool = False  # parse_trace(stop=...) ended at the window's end: no value, no verdict after it

    @property
    def ok(self) -> bool:
        """Whether the parse succeeded."""
        return self.error is None

    @property
    def errors(self) -> List[ParseError]:
        """Every error: those kept with ``Malformed`` values (``Array(..., on_error="keep")``), in the
        order of the data, then the one that ended the parse, if any."""
        kept = [span.value.error for span in self.spans if span.kind == "malformed"]
        return kept + ([self.error] if self.error is not None else [])


class ParseState:
    """The input and what a parse may still spend: the region's end, spans, depth, empty items, pointer re-reads."""
    __slots__ = ("data", "end", "spans", "depth", "free_items", "reread", "high", "begin", "deferred", "lenient",
                 "open", "regions")

    def __init__(self, data: Any, spans: Optional[List[Span]]) -> None:
        self.data = data
        self.end = len(data)
        self.spans = spans
        self.depth = 0
        self.free_items = ZERO_SIZE_ITEM_LIMIT  # items that took no bytes, left to create
        self.reread = POINTER_REREAD_FACTOR * len(data) + (1 << 16)  # bytes pointers may still read
        self.high = 0  # the end of the furthest bytes read through a pointer
        self.begin = 0  # where the current region (the data, or a Sized region) starts: this._io
        self.deferred: Optional[List[Deferred]] = None  # lazy pointers not read yet
        self.lenient = 0  # inside an array item read again: Sized regions that do not parse are Malformed
        self.open = False  # the data may go on past ``end`` (a stream): running out is NeedMore, not an error
        # id(struct object or context) -> (it, data, begin, end): the region each struct was read in, kept
        # only when a Pointer(..., io=) may ask for one (analysis.reads_regions)
        self.regions: Optional[Dict[int, Tuple[Any, Any, int, int]]] = None


class NeedMore(Error):
    """A parse of an open region (``ParseState.open``: a stream's bytes so far) ran out of data: more bytes
    may make it a value. ``upto`` is the end the parse needs (None: unknown, at least one more byte).
    Not a ParseError, so that no Fallback or UnlessEnd takes it for bad data; an Error, so that evaluating
    a user function (which may read ``this._io``) passes it on. The stream readers catch it: it never
    reaches their callers."""

    def __init__(self, upto: Optional[int] = None) -> None:
        super().__init__(upto)
        self.upto = upto


def ran_out(state: ParseState, upto: Optional[int] = None) -> None:
    """NeedMore when ``state`` is open (the data may go on), else nothing: the caller raises its ParseError."""
    if state.open:
        raise NeedMore(upto)


class ParseContext:
    """The fields of one struct parsed so far; what ``this`` refers to while parsing."""

    __slots__ = ("values", "parent", "start", "state", "where", "outside", "prev", "item_prev", "last_child",
                 "index", "item_index", "pos", "last_target", "up")
    prev: Optional[ParseContext]  # this._prev: the array item before this one (see link_item)
    item_prev: Optional[ParseContext]
    last_child: Optional[ParseContext]
    index: Optional[int]  # this._index: the item of an array of this struct being read (see link_index)
    item_index: Optional[int]
    last_target: Tuple[int, int]  # where the pointer just parsed read its value (set by its parser)

    def __init__(self, parent: Optional[ParseContext], start: int, state: ParseState) -> None:
        self.outside: List[Tuple[int, int, str]] = []  # relative pointer targets, checked at the end
        self.values: Dict[str, Any] = {}
        self.parent = parent
        self.up = parent  # what this._parent names: the parent, unless a Reparent says otherwise
        link_item(self, parent)
        link_index(self, parent)
        self.pos = start  # where the member being read starts (this._io.pos)
        self.start = start
        self.state = state
        self.where: Dict[str, Tuple[int, int]] = {}

    def get(self, name: str) -> Any:
        """A field parsed so far (``this.name``), or LookupError; a lazy pointer's value is read now."""
        try:
            value = self.values[name]
        except KeyError:
            raise LookupError("no field %r parsed before this point" % name) from None
        if value.__class__ is Deferred:
            value = self.values[name] = value.read()
        return value

    def io(self) -> Region:
        """``this._io``: the current region's size, the position in it, and whether it is at its end."""
        state = self.state
        ran_out(state)  # the size and the end are not known before the stream ends
        return Region(state.end - state.begin, self.pos - state.begin, self.pos >= state.end)

    def part(self, name: str) -> Any:
        """The bytes a field was parsed from (a pointer's: its target's)."""
        where: Any = self.where[name]
        if where.__class__ is Deferred:  # a lazy pointer not read yet: read it
            self.get(name)
            where = self.where[name] = where.span
        if len(where) == 3:  # (start, end, data): read in another region's bytes (Pointer(..., io=))
            return bytes(where[2][where[0]:where[1]])
        start, end = where
        return bytes(self.state.data[start:end])

    bytes_of = part
    """What ``len_of``, ``crc32_of`` and ``this._bytes`` read on parse."""

    def placed_at(self, name: str) -> int:
        """``placed(name)`` on parse: where the pointer field ``name`` read its value."""
        if self.where[name].__class__ is Deferred:
            self.part(name)
        return self.where[name][0]  # type: ignore[index]


class Deferred:
    """A lazy pointer's value before it is first read (``Pointer(..., lazy=True)``): where and what to parse.

    ``read()`` parses it once, in the struct's context, as the pointer would have (the same bounds and
    errors, raised when it is read), and keeps where its bytes lie (``span``) for ``len_of`` and ``crc32_of``."""

    __slots__ = ("node", "ctx", "target", "path", "bounds", "pos", "span", "value", "done", "depth")
    _bm_deferred = True  # (how ``expr.View`` recognises one without importing this module)

    def __init__(self, node: Any, ctx: ParseContext, target: int, path: str, bounds: Tuple[int, int],
                 pos: int) -> None:
        self.node, self.ctx, self.target, self.path, self.bounds, self.pos = node, ctx, target, path, bounds, pos
        self.span, self.value, self.done = (target, target), None, False
        self.depth = ctx.state.depth  # how deeply its struct nests, counting the lazy values read to reach it

    def read(self) -> Any:
        if not self.done:
            from .interpreter import read_in_region, read_pointer  # (the interpreter imports this module)

            # read at the depth of its struct: a lazy value inside it (read later) is one level deeper, so a
            # chain of them (a type whose instance is the type itself) meets the depth limit, not the memory's
            state = self.ctx.state
            outer, state.depth = state.depth, self.depth
            try:
                if self.node.io is not None:  # (the struct it names may have come after this one)
                    self.value, self.span = read_in_region(self.node, self.ctx, self.target, self.path, self.pos)
                else:
                    self.value, after = read_pointer(self.node, self.ctx, self.target, self.path, self.pos,
                                                     self.bounds)
                    self.span = (self.target, after)
            finally:
                state.depth = outer
            self.done = True
        return self.value

    def __repr__(self) -> str:
        return "<%s at %d, not read yet>" % (self.node.type.name, self.target)


def count(expr: Expr, ctx: Any, path: str, offset: Optional[int], what: str) -> int:
    """A count or size that must be an int >= 0 (``what`` names it in the error)."""
    n = evaluate(expr, ctx, path, offset, what, ParseError)
    if isinstance(n, bool) or not isinstance(n, int):
        raise ParseError("%s %s is %s, not an integer" % (what, expr.text(), short(n)), path, offset,
                         expected="int", found=n)
    if n < 0:
        raise ParseError("%s %s is negative (%d)" % (what, expr.text(), n), path, offset,
                         expected=">= 0", found=n)
    return n


def need(state: ParseState, pos: int, size: int, path: str, what: str) -> None:
    """A ParseError unless ``size`` bytes are left at ``pos`` in the current region."""
    if pos + size > state.end:
        ran_out(state, pos + size)
        left = max(state.end - pos, 0)
        raise ParseError("expected %d byte%s for %s, found %d" % (size, "" if size == 1 else "s", what, left), path, pos,
                         expected=size, found=left)


def read(state: ParseState, pos: int, size: int, path: str, what: str) -> bytes:
    """``size`` bytes at ``pos``, checked (a copy: values never alias a buffer that can change)."""
    need(state, pos, size, path, what)
    return bytes(state.data[pos:pos + size])


def record_span(state: ParseState, path: str, pos: int, size: int, value: Any, node: s.Node, kind: str) -> None:
    """Record a span when the parse is traced."""
    if state.spans is not None:
        state.spans.append(Span(path, pos, size, value, node.name, kind, path_depth(path), None, node))
