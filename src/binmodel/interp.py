"""The reference interpreter: parse and build by walking the schema tree.

Simple on purpose: a faster implementation must give the same values, the same
bytes and the same errors as this one. Parsing can record a span for every
field (path, offset, size, value) for renderers and debugging.

Input is never trusted: every read is checked against the bytes left, counts
are checked against what the rest of the input could hold before any list
grows, repeated items must consume bytes, and nesting depth is bounded.
"""

from __future__ import annotations

import array as _array
import dataclasses
import enum as _enum
import operator
import struct
import sys
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple

from . import schema as s
from .errors import BuildError, Error, ParseError
from .expr import Expr, Lit
from .fields import resolve_lazy as _resolve_lazy
from .sizes import min_size

MAX_DEPTH = 64
"""Nested structs deeper than this are refused (recursive models, pointer loops)."""

ZERO_SIZE_ITEM_LIMIT = 1 << 16
"""A parse creates at most this many array items that take no bytes (over all arrays)."""

POINTER_REREAD_FACTOR = 16
"""Pointers may read the input again at most this many times over (plus 64 KiB): a pointer DAG or
many pointers to one big region would otherwise cost far more than the input paid for."""

_STRUCT_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h",
                 (4, False): "I", (4, True): "i", (8, False): "Q", (8, True): "q"}
_PREFIX = {"big": ">", "little": "<", "native": "="}
_FLOAT_CODES = {16: "e", 32: "f", 64: "d"}


def _byteorder(endian: Optional[str]) -> Any:  # "big" | "little" for int.to_bytes
    if endian == "native" or endian is None:
        return sys.byteorder
    return endian


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _join(path: str, name: str) -> str:
    return "%s.%s" % (path, name) if path else name


def path_depth(path: str) -> int:
    """How deep a path is nested: ``""`` 0, ``tag`` 1, ``chunks[2].data`` 3."""
    return 1 + path.count(".") + path.count("[") if path else 0


code_unit = s.code_unit


# --- spans -------------------------------------------------------------------

@dataclasses.dataclass
class Span:
    """Where one field lies in the data, and what it holds."""

    path: str
    offset: int
    size: int
    value: Any
    type_name: str
    kind: str  # "field" | "struct" | "array" | "padding" | "const" | "bits"
    depth: int


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
        return self.error is None


# --- parsing -----------------------------------------------------------------

class _ParseState:
    __slots__ = ("data", "end", "spans", "depth", "free_items", "reread", "high")

    def __init__(self, data: Any, spans: Optional[List[Span]]) -> None:
        self.data = data
        self.end = len(data)
        self.spans = spans
        self.depth = 0
        self.free_items = ZERO_SIZE_ITEM_LIMIT  # items that took no bytes, left to create
        self.reread = POINTER_REREAD_FACTOR * len(data) + (1 << 16)  # bytes pointers may still read
        self.high = 0  # the end of the furthest bytes read through a pointer


class ParseContext:
    """The fields of one struct parsed so far; what ``this`` refers to while parsing."""

    __slots__ = ("values", "parent", "start", "state", "where", "outside", "prev", "item_prev", "last_child")
    prev: Optional[ParseContext]  # this._prev: the array item before this one (see _link_item)
    item_prev: Optional[ParseContext]
    last_child: Optional[ParseContext]

    def __init__(self, parent: Optional[ParseContext], start: int, state: _ParseState) -> None:
        self.outside: List[Tuple[int, int, str]] = []  # relative pointer targets, checked at the end
        self.values: Dict[str, Any] = {}
        self.parent = parent
        _link_item(self, parent)
        self.start = start
        self.state = state
        self.where: Dict[str, Tuple[int, int]] = {}

    def get(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise LookupError("no field %r parsed before this point" % name) from None

    def part(self, name: str) -> Any:
        start, end = self.where[name]
        return bytes(self.state.data[start:end])


def _link_item(ctx: Any, parent: Any) -> None:
    """``this._prev``: a struct parsed or built as an array item sees the item before it.

    While an array is read or written, its enclosing context's ``item_prev`` is the
    previous item's context; a struct context created then takes it as ``prev``.
    """
    ctx.prev = parent.item_prev if parent is not None else None
    ctx.item_prev = ctx.last_child = None
    if parent is not None:
        parent.last_child = ctx


def _item_done(ctx: Any) -> Any:
    """The context of the array item just read or written, for the next item's ``this._prev``.

    Its own ``prev`` is dropped: ``_prev`` reaches one item back, and a long array does not
    keep a chain of contexts alive.
    """
    done = ctx.last_child
    if done is not None:
        done.prev = None
    return done


def _evaluate(expr: Expr, ctx: Any, path: str, offset: Optional[int], what: str, error: type) -> Any:
    if isinstance(expr, Lit):
        return expr.value
    try:
        return expr.evaluate(ctx)
    except Error:
        raise
    except Exception as exc:  # user lambdas and references may fail in any way
        raise error("cannot evaluate %s %s: %s: %s" % (what, expr.text(), type(exc).__name__, exc),
                    path, offset) from None


def _count(expr: Expr, ctx: Any, path: str, offset: Optional[int], what: str) -> int:
    n = _evaluate(expr, ctx, path, offset, what, ParseError)
    if isinstance(n, bool) or not isinstance(n, int):
        raise ParseError("%s %s is %s, not an integer" % (what, expr.text(), _short(n)), path, offset,
                         expected="int", found=n)
    if n < 0:
        raise ParseError("%s %s is negative (%d)" % (what, expr.text(), n), path, offset,
                         expected=">= 0", found=n)
    return n


def _need(state: _ParseState, pos: int, size: int, path: str, what: str) -> None:
    if pos + size > state.end:
        left = max(state.end - pos, 0)
        raise ParseError("expected %d bytes for %s, found %d" % (size, what, left), path, pos,
                         expected=size, found=left)


def _read(state: _ParseState, pos: int, size: int, path: str, what: str) -> bytes:
    _need(state, pos, size, path, what)
    return bytes(state.data[pos:pos + size])


def _span(state: _ParseState, path: str, pos: int, size: int, value: Any, node: s.Node, kind: str) -> None:
    if state.spans is not None:
        state.spans.append(Span(path, pos, size, value, node.name, kind, path_depth(path)))


def _parse_int(node: s.Int, state: _ParseState, pos: int, path: str) -> Any:
    size = node.size
    _need(state, pos, size, path, node.name)
    code = _STRUCT_CODES.get((size, node.signed))
    if code is not None:
        return struct.unpack_from(_PREFIX.get(node.endian or "big", ">") + code, state.data, pos)[0]
    return int.from_bytes(state.data[pos:pos + size], _byteorder(node.endian), signed=node.signed)


def parse_node(node: s.Node, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """Parse one value of ``node`` at ``pos``; return it and the position after it."""
    state = ctx.state
    kind = type(node)
    if kind is s.Int:
        value = _parse_int(node, state, pos, path)  # type: ignore[arg-type]
        _span(state, path, pos, node.size, value, node, "field")  # type: ignore[attr-defined]
        return value, pos + node.size  # type: ignore[attr-defined]
    handler = _PARSERS.get(kind)
    if handler is None:
        raise ParseError("internal: no parser for %s" % node.name, path, pos)
    return handler(node, ctx, pos, path)


class NaN(float):
    """A NaN read from data, keeping its exact bits (payload, signalling bit) so it is written back unchanged."""

    __slots__ = ("bits", "width")
    bits: int
    width: int

    def __new__(cls, bits: int, width: int = 64) -> NaN:
        obj = super().__new__(cls, "nan")
        obj.bits, obj.width = bits, width
        return obj

    def __repr__(self) -> str:
        return "nan"


def _parse_float(node: s.Float, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    _need(state, pos, node.size, path, node.name)
    value = struct.unpack_from(_PREFIX[node.endian or "big"] + _FLOAT_CODES[node.bits], state.data, pos)[0]
    if value != value:  # NaN: a Python float may not keep the payload of a 16/32-bit NaN
        value = NaN(int.from_bytes(state.data[pos:pos + node.size], _byteorder(node.endian)), node.bits)
    _span(state, path, pos, node.size, value, node, "field")
    return value, pos + node.size


def _parse_bool(node: s.Bool, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    _need(state, pos, 1, path, "bool")
    byte = state.data[pos]
    if byte > 1:
        raise ParseError("expected a bool (0 or 1), found %d" % byte, path, pos, expected="0 or 1", found=byte)
    _span(state, path, pos, 1, bool(byte), node, "field")
    return bool(byte), pos + 1


def _parse_varint(node: s.VarInt, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    result = shift = 0
    i = pos
    while True:
        if i >= state.end:
            raise ParseError("%s runs past the end of the data" % node.name, path, pos,
                             expected="a byte below 0x80 to end it", found="end of data")
        if i - pos >= node.max_bytes:
            raise ParseError("%s longer than %d bytes" % (node.name, node.max_bytes), path, pos,
                             expected="at most %d bytes" % node.max_bytes, found="more")
        byte = state.data[i]
        if node.kind == "vlq":
            if i == pos and byte == 0x80:
                raise ParseError("%s has a redundant leading byte (overlong encoding)" % node.name, path, pos)
            result = (result << 7) | (byte & 0x7F)
        else:
            result |= (byte & 0x7F) << shift
        shift += 7
        i += 1
        if not byte & 0x80:
            break
    count = i - pos
    if count > 1 and node.kind != "vlq":
        last, before = state.data[i - 1], state.data[i - 2]
        overlong = last == 0 if node.kind != "signed" else (
            (last == 0 and not before & 0x40) or (last == 0x7F and before & 0x40))
        if overlong:
            raise ParseError("%s has a redundant trailing byte (overlong encoding)" % node.name, path, pos)
    if node.kind == "signed" and byte & 0x40:
        result -= 1 << shift
    elif node.kind == "zigzag":
        result = (result >> 1) ^ -(result & 1)
    _span(state, path, pos, count, result, node, "field")
    return result, i


def _size_of(node: Any, ctx: ParseContext, pos: int, path: str) -> Tuple[int, int]:
    """(number of bytes, where they start) for Bytes/String sized by expression, prefix, measure or greedy."""
    if node.size is not None:
        return _count(node.size, ctx, path, pos, "size"), pos
    if node.prefix is not None:
        n, start = _quiet(node.prefix, ctx, pos, path)
        return n, start
    if getattr(node, "measure", None) is not None:
        return _measure(node, ctx.state.data, pos, ctx.state.end, path), pos
    return ctx.state.end - pos, pos


def _measure(node: s.Bytes, data: Any, pos: int, end: int, path: str) -> int:
    """How many of the bytes from ``pos`` to ``end`` a ``Bytes(measure=f)`` field takes."""
    left = max(end - pos, 0)
    try:
        n = node.measure(memoryview(data)[pos:pos + left])  # type: ignore[misc]
    except Error:
        raise
    except Exception as exc:  # the function rejects the data (zlib.error, ValueError, ...)
        raise ParseError("%s: %s: %s" % (node.name, type(exc).__name__, exc), path, pos) from None
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= left:
        raise ParseError("%s gave %s, not a size within the %d bytes left" % (node.name, _short(n), left), path, pos,
                         expected="0..%d" % left, found=n)
    return n


class Numeral(int):
    """A number read as text (``TextInt``), keeping the exact bytes it was read from.

    It is an ``int`` in every other way; an unchanged value is written back as those bytes.
    """

    raw: bytes

    def __new__(cls, value: int, raw: bytes) -> Numeral:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj

    __repr__ = int.__repr__
    __str__ = int.__repr__


_DIGITS = "0123456789abcdef"


def text_int_value(node: s.TextInt, raw: bytes) -> Optional[int]:
    """The number in a ``TextInt`` field's bytes, or None when they are not digits of its base."""
    text = raw.split(b"\0", 1)[0]
    if raw[len(text):].strip(b"\0 "):  # only NULs and spaces may follow the first NUL
        return None
    text = text.strip(b" ")
    if not text:
        return 0
    digits = _DIGITS[:node.base]
    if not all(chr(c) in digits for c in text.lower()):
        return None
    return int(text, node.base)


def _parse_text_int(node: s.TextInt, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    raw = _read(state, pos, node.size, path, node.name)
    value = text_int_value(node, raw)
    if value is None:
        raise ParseError("%r is not a base-%d number" % (raw, node.base), path, pos,
                         expected="digits 0-%s" % _DIGITS[node.base - 1], found=raw)
    value = Numeral(value, raw)
    _span(state, path, pos, node.size, value, node, "field")
    return value, pos + node.size


def _build_text_int(node: s.TextInt, value: Any, path: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BuildError("expected an int for %s, found %s" % (node.name, type(value).__name__), path,
                         expected="int", found=value)
    raw = getattr(value, "raw", None)
    if isinstance(value, Numeral) and isinstance(raw, bytes) and len(raw) == node.size \
            and text_int_value(node, raw) == value:
        return raw
    if value < 0:
        raise BuildError("%d is negative; %s holds only digits" % (value, node.name), path, found=value)
    digits = "".join(_DIGITS[d] for d in _digits(int(value), node.base)).encode("ascii")
    width = node.size - len(node.terminator)
    if len(digits) > width:
        raise BuildError("%d takes %d base-%d digits, more than the field's %d" % (value, len(digits), node.base, width),
                         path, expected="<= %d digits" % width, found=value)
    text = digits.rjust(width, node.fill) if node.align == "right" else digits.ljust(width, node.fill)
    return text + node.terminator


def _digits(n: int, base: int) -> List[int]:
    out = [n % base]
    while n >= base:
        n //= base
        out.append(n % base)
    return out[::-1]


def _quiet(node: s.Node, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """Parse without recording spans (a length prefix, an enum's integer): the caller records one."""
    state = ctx.state
    spans, state.spans = state.spans, None
    try:
        return parse_node(node, ctx, pos, path)
    finally:
        state.spans = spans


def _parse_bytes(node: s.Bytes, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    n, start = _size_of(node, ctx, pos, path)
    value = _read(ctx.state, start, n, path, node.name)
    _span(ctx.state, path, pos, start + n - pos, value, node, "field")
    return value, start + n


def _decode(raw: bytes, encoding: str, path: str, pos: int) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError("cannot decode %s as %s: %s" % (_short(raw), encoding, exc.reason), path,
                         pos + exc.start, expected=encoding, found=raw[exc.start:exc.end]) from None


def find_terminator(data: Any, start: int, end: int, terminator: bytes, unit: int = 1) -> int:
    """Index of the first ``terminator`` starting a whole number of code units after ``start``, or -1."""
    i = start
    while True:
        i = data.find(terminator, i, end)
        if i < 0 or (i - start) % unit == 0:
            return i
        i += 1


def _strip_pad(raw: bytes, pad: bytes, unit: int) -> bytes:
    block = pad * unit
    end = len(raw) - len(raw) % unit
    while end >= unit and raw[end - unit:end] == block:
        end -= unit
    return raw[:end] + raw[len(raw) - len(raw) % unit:] if len(raw) % unit else raw[:end]


def _parse_string(node: s.String, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    if node.terminator is not None and node.size is None:
        i = find_terminator(state.data, pos, state.end, node.terminator, code_unit(node.encoding))
        if i < 0:
            raise ParseError("no terminator %r before the end of the data" % node.terminator, path, pos,
                             expected=node.terminator, found="end of data")
        value = _decode(bytes(state.data[pos:i]), node.encoding, path, pos)
        end = i + len(node.terminator)
        _span(state, path, pos, end - pos, value, node, "field")
        return value, end
    n, start = _size_of(node, ctx, pos, path)
    raw = _read(state, start, n, path, node.name)
    if node.terminator is not None:
        i = find_terminator(raw, 0, len(raw), node.terminator, code_unit(node.encoding))
        text = raw if i < 0 else raw[:i]
    elif node.size is not None:
        text = _strip_pad(raw, node.pad, code_unit(node.encoding))
    else:
        text = raw
    value = _decode(text, node.encoding, path, start)
    _span(state, path, pos, start + n - pos, value, node, "field")
    return value, start + n


def _parse_sized(node: s.Sized, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    n, start = _size_of(node, ctx, pos, path)
    _need(state, start, n, path, node.name)
    outer_end, state.end = state.end, start + n
    try:
        value, after = parse_node(node.type, ctx, start, path)
    finally:
        state.end = outer_end
    if after != start + n:
        raise ParseError("%s used %d of its %d bytes" % (node.type.name, after - start, n), path, after,
                         expected=n, found=after - start)
    return value, after


def _parse_typed(node: s.Array, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """A typed array: the bytes of all items go into one array.array, swapped to this machine's order."""
    state = ctx.state
    size = node.item.size  # type: ignore[attr-defined]
    if node.count is not None:
        n = _count(node.count, ctx, path, pos, "count")
    else:
        n, extra = divmod(state.end - pos, size)
        if extra:
            raise ParseError("%d bytes left, not a whole number of %d-byte items" % (state.end - pos, size), path,
                             pos, expected="a multiple of %d" % size, found=state.end - pos)
    _need(state, pos, n * size, path, node.name)
    items = _array.array(node.typecode)
    items.frombytes(bytes(state.data[pos:pos + n * size]))
    if _byteorder(node.item.endian) != sys.byteorder and size > 1:  # type: ignore[attr-defined]
        items.byteswap()
    _span(state, path, pos, n * size, items, node, "array")
    return items, pos + n * size


def _parse_array(node: s.Array, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    if node.typed:
        return _parse_typed(node, ctx, pos, path)
    state = ctx.state
    span_index = len(state.spans) if state.spans is not None else 0
    _span(state, path, pos, 0, None, node, "array")
    items: List[Any] = []
    start = pos
    if node.count is not None:
        n = _count(node.count, ctx, path, pos, "count")
        least = min_size(node.item)
        left = state.end - pos
        if least and n * least > left:
            raise ParseError("count %d needs at least %d bytes, %d left" % (n, n * least, left), path, pos,
                             expected=n * least, found=left)
        if not least and n > ZERO_SIZE_ITEM_LIMIT:
            raise ParseError("count %d is over the limit of %d for items that can be empty"
                             % (n, ZERO_SIZE_ITEM_LIMIT), path, pos, expected=ZERO_SIZE_ITEM_LIMIT, found=n)
        saved, ctx.item_prev = ctx.item_prev, None
        try:
            for i in range(n):
                ctx.last_child = None
                item, after = parse_node(node.item, ctx, pos, "%s[%d]" % (path, i))
                ctx.item_prev = _item_done(ctx)
                if after == pos:
                    _free_item(state, path, pos)
                items.append(item)
                pos = after
        finally:
            ctx.item_prev, ctx.last_child = saved, None
    else:
        pos = _parse_open_array(node, ctx, pos, path, items)
    if state.spans is not None:
        state.spans[span_index].size = pos - start
        state.spans[span_index].value = items
    return items, pos


def _parse_open_array(node: s.Array, ctx: ParseContext, pos: int, path: str, items: List[Any]) -> int:
    """The items of an ``until=`` or greedy array; returns the position after them."""
    state = ctx.state
    i = 0
    saved, ctx.item_prev = ctx.item_prev, None
    try:
        while True:
            if pos >= state.end:
                if node.greedy:
                    break
                raise ParseError("end of data before the until= condition held (%d items)" % i, path, pos,
                                 expected="an item ending the array", found="end of data")
            ctx.last_child = None
            item, after = parse_node(node.item, ctx, pos, "%s[%d]" % (path, i))
            ctx.item_prev = _item_done(ctx)
            if after == pos:
                raise ParseError("item %d took no bytes; the array would never end" % i, path, pos,
                                 expected="at least 1 byte", found=0)
            items.append(item)
            pos = after
            i += 1
            if node.until is not None and _until(node.until, item, path, pos):
                break
    finally:
        ctx.item_prev, ctx.last_child = saved, None
    return pos


def _free_item(state: _ParseState, path: str, pos: int) -> None:
    state.free_items -= 1
    if state.free_items < 0:
        raise ParseError("more than %d array items that take no bytes" % ZERO_SIZE_ITEM_LIMIT, path, pos,
                         expected="at most %d" % ZERO_SIZE_ITEM_LIMIT, found="more")


def _until(pred: Callable[[Any], Any], item: Any, path: str, pos: Optional[int], error: type = ParseError) -> bool:
    try:
        return bool(pred(item))
    except Exception as exc:
        raise error("until= condition failed: %s: %s" % (type(exc).__name__, exc), path, pos) from None


def _parse_struct(node: s.Struct, ctx: Optional[ParseContext], pos: int, path: str,
                  state: Optional[_ParseState] = None) -> Tuple[Any, int]:
    state = state or ctx.state  # type: ignore[union-attr]
    if state.depth >= MAX_DEPTH:
        raise ParseError("structs nested deeper than %d" % MAX_DEPTH, path, pos,
                         expected="depth <= %d" % MAX_DEPTH, found="deeper")
    state.depth += 1
    try:
        return _parse_members(node, ParseContext(ctx, pos, state), pos, path)
    finally:
        state.depth -= 1


def _parse_members(node: s.Struct, sub: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = sub.state
    span_index = len(state.spans) if state.spans is not None else 0
    _span(state, path, pos, 0, None, node, "struct")
    start = pos
    union = node.union_size is not None
    if union:
        _need(state, pos, node.union_size, path, node.name)  # type: ignore[arg-type]
    for member in node.members:
        if union:
            pos = start
        if isinstance(member, s.BitGroup):
            pos = _parse_bits(member, sub, pos, path)
            continue
        fpath = _join(path, member.name)
        if union:
            kept = len(state.spans) if state.spans is not None else 0
            try:
                value, after = parse_node(member.type, sub, pos, fpath)
            except ParseError:  # the union's bytes are not a valid value of this member: it stays None,
                value, after = None, pos  # and the bytes are kept for build
                if state.spans is not None:
                    del state.spans[kept:]
        else:
            value, after = parse_node(member.type, sub, pos, fpath)
        sub.where[member.name] = (pos, after)
        if member.stored:
            sub.values[member.name] = value
        pos = after
    raw = None
    if union:
        pos = start + node.union_size  # type: ignore[operator]
        raw = bytes(state.data[start:pos])
    for field in node.fields():
        if field.derive is not None and field.check:
            _check_derived(field, sub, path)
    for target, after, ppath in sub.outside if sub.parent is not None else ():
        if target < start or after > pos:
            raise ParseError("relative pointer data at %d..%d lies outside its struct (%d..%d), so it could not be "
                             "written back" % (target, after, start, pos), ppath, target)
    obj = node.cls._bm_from_values(sub.values, raw) if node.cls is not None else dict(sub.values)
    if state.spans is not None:
        state.spans[span_index].size = pos - start
        state.spans[span_index].value = obj
    return obj, pos


def _check_derived(field: s.Field, ctx: ParseContext, path: str) -> None:
    fpath = _join(path, field.name)
    offset = ctx.where[field.name][0] if field.name in ctx.where else ctx.start
    expected = _evaluate(field.derive, ctx, fpath, offset, "check", ParseError)  # type: ignore[arg-type]
    found = ctx.values.get(field.name)
    if expected is not None and expected != found:  # None: the derivation has nothing to say
        raise ParseError("%s is %s, but %s gives %s" % (field.name, _short(found), field.derive.text(),  # type: ignore[union-attr]
                                                        _short(expected)),
                         fpath, offset, expected=expected, found=found)


def _parse_bits(group: s.BitGroup, ctx: ParseContext, pos: int, path: str) -> int:
    state = ctx.state
    size = group.size
    names = "+".join(f.name for f in group.fields)
    raw = _read(state, pos, size, _join(path, group.fields[0].name), "bit group %s" % names)
    word = int.from_bytes(raw, _byteorder(group.endian))
    for field, bit_at, bits in group.positions():
        value = (word >> bit_at) & ((1 << bits) - 1)
        if field.type.signed and value >> (bits - 1):  # type: ignore[attr-defined]
            value -= 1 << bits
        if not field.stored:  # padding bits
            continue
        ctx.values[field.name] = value
        ctx.where[field.name] = (pos, pos + size)
        if state.spans is not None:
            state.spans.append(Span(_join(path, field.name), pos, size, value,
                                    "%s@%d" % (field.type.name, bit_at), "bits",
                                    path_depth(_join(path, field.name))))
    return pos + size


def _parse_const(node: s.Const, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    value, after = _quiet(node.type, ctx, pos, path)
    if value != node.value:
        raise ParseError("expected %s, found %s" % (_short(node.value), _short(value)), path, pos,
                         expected=node.value, found=value)
    _span(ctx.state, path, pos, after - pos, value, node, "const")
    return value, after


def _parse_padding(node: s.Padding, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    raw = _read(ctx.state, pos, node.size, path, node.name)
    if node.strict and raw != node.fill * node.size:
        raise ParseError("padding is not all %r" % node.fill, path, pos, expected=node.fill * node.size, found=raw)
    _span(ctx.state, path, pos, node.size, raw, node, "padding")
    return None, pos + node.size


def _parse_align(node: s.Align, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    n = -(pos - ctx.start) % node.to
    raw = _read(ctx.state, pos, n, path, node.name)
    if n:
        _span(ctx.state, path, pos, n, raw, node, "padding")
    return None, pos + n


def _parse_switch(node: s.Switch, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    key = _evaluate(node.on, ctx, path, pos, "switch key", ParseError)
    case = node.case(key)
    if case is None:
        raise ParseError("no case for %s = %s" % (node.on.text(), _short(key)), path, pos,
                         expected=[k for k, _ in node.cases], found=key)
    return parse_node(case, ctx, pos, path)


def _parse_if(node: s.If, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    if _evaluate(node.condition, ctx, path, pos, "condition", ParseError):
        return parse_node(node.type, ctx, pos, path)
    return None, pos


def _parse_fallback(node: s.Fallback, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    kept = len(state.spans) if state.spans is not None else 0
    high, end, last_child = state.high, state.end, ctx.last_child
    try:
        return parse_node(node.type, ctx, pos, path)
    except ParseError:  # not a valid main type: forget what it read, and read the other way
        if state.spans is not None:
            del state.spans[kept:]
        state.high, state.end, ctx.last_child = high, end, last_child
        return parse_node(node.otherwise, ctx, pos, path)


def _parse_unless_end(node: s.UnlessEnd, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    if pos < state.end:
        return parse_node(node.type, ctx, pos, path)
    kept = len(state.spans) if state.spans is not None else 0
    try:  # at the end: a value that takes no bytes (Bytes(0), an empty array) is still there
        return parse_node(node.type, ctx, pos, path)
    except ParseError:
        if state.spans is not None:
            del state.spans[kept:]
        return None, pos


def _parse_enum(node: s.Enum, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    raw, after = _quiet(node.base, ctx, pos, path)
    try:
        value = node.enum(raw)
    except Exception:  # ValueError, or whatever a custom _missing_ raises
        if node.strict:
            raise ParseError("%d is not a %s" % (raw, node.enum.__name__), path, pos,
                             expected=[m.value for m in node.enum], found=raw) from None
        value = raw
    _span(ctx.state, path, pos, after - pos, value, node, "field")
    return value, after


def _parse_flags(node: s.Flags, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    raw, after = _quiet(node.base, ctx, pos, path)
    try:
        value = node.flags(raw)
    except Exception:  # a Flag class declared with boundary=STRICT, or a failing _missing_
        value = None
    if value is None or int(value) != raw:  # refused, or a boundary=CONFORM class dropped bits
        raise ParseError("%d has bits that %s does not define" % (raw, node.flags.__name__), path, pos,
                         expected=int(sum(m.value for m in node.flags)), found=raw) from None
    _span(ctx.state, path, pos, after - pos, value, node, "field")
    return value, after


def _parse_pointer(node: s.Pointer, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    target = _count(node.offset, ctx, path, pos, "pointer offset")
    if node.relative:
        target += ctx.start
    state = ctx.state
    total = len(state.data)  # a pointer may leave the Sized region it is read in
    if target > total:
        raise ParseError("pointer to offset %d is past the end of the data (%d bytes)" % (target, total),
                         path, pos, expected="<= %d" % total, found=target)
    state.reread -= 1
    outer_end, state.end = state.end, total
    try:
        value, after = parse_node(node.type, ctx, target, path)
    finally:
        state.end = outer_end
    state.reread -= after - target
    state.high = max(state.high, after)
    if node.relative:
        ctx.outside.append((target, after, path))
    if state.reread < 0:
        raise ParseError("pointers have read the data more than %d times over; refused as an amplification"
                         % POINTER_REREAD_FACTOR, path, pos)
    return value, pos


def _parse_peek(node: s.Peek, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    value, after = _quiet(node.type, ctx, pos, path)
    _span(ctx.state, path, pos, 0, value, node, "field")
    return value, pos


def _parse_computed(node: s.Computed, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    value = _evaluate(node.expr, ctx, path, pos, "computed value", ParseError)
    _span(ctx.state, path, pos, 0, value, node, "field")
    return value, pos


def _parse_lazy(node: s.Lazy, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    return parse_node(resolve_lazy(node), ctx, pos, path)


def resolve_lazy(node: s.Lazy) -> s.Node:
    return _resolve_lazy(node)


_PARSERS: Dict[type, Callable[..., Tuple[Any, int]]] = {
    s.Float: _parse_float, s.Bool: _parse_bool, s.VarInt: _parse_varint, s.Bytes: _parse_bytes,
    s.String: _parse_string, s.Sized: _parse_sized, s.Array: _parse_array, s.Struct: _parse_struct, s.Const: _parse_const,
    s.Padding: _parse_padding, s.Align: _parse_align, s.Switch: _parse_switch, s.If: _parse_if,
    s.UnlessEnd: _parse_unless_end, s.Fallback: _parse_fallback,
    s.Enum: _parse_enum, s.Flags: _parse_flags, s.Pointer: _parse_pointer, s.Lazy: _parse_lazy,
    s.Peek: _parse_peek, s.Computed: _parse_computed,
    s.TextInt: _parse_text_int,
}


def _as_buffer(data: Any) -> Any:
    """``data`` as something to slice and measure in bytes: bytes, bytearray and mmap as they are, any other
    bytes-like object (memoryview, array.array, a numpy array, a ctypes object) as a copy of its bytes."""
    if isinstance(data, (bytes, bytearray)):
        return data
    if hasattr(data, "find") and hasattr(data, "__getitem__") and not isinstance(data, str):  # mmap
        return data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError("parse() takes a bytes-like object (bytes, bytearray, memoryview, mmap, array, ...), "
                        "not %s" % type(data).__name__) from None
    with view:
        return view.tobytes()  # in C order, whatever the item format and shape


def data_offset(offset: Any, total: int, path: str = "") -> int:
    """``offset`` as a plain int inside ``0..total``: any integer ``operator.index`` takes (bools and numpy
    integers too, as in ``struct`` and indexing), or the ParseError that names it."""
    number = as_int(offset)
    if number is None or not 0 <= number <= total:
        shown = offset if number is None else number
        raise ParseError("offset %r is outside the data (%d bytes)" % (shown, total), path, None,
                         expected="0..%d" % total, found=shown)
    return number


def parse(node: s.Node, data: Any, offset: int = 0, allow_trailing: bool = False,
          spans: Optional[List[Span]] = None) -> Any:
    """Parse ``data`` from ``offset``; the whole rest must be used unless ``allow_trailing``."""
    buf = _as_buffer(data)
    offset = data_offset(offset, len(buf))
    state = _ParseState(buf, spans)
    root = ParseContext(None, offset, state)
    try:
        if isinstance(node, s.Struct):
            value, end = _parse_struct(node, None, offset, "", state)
        else:
            value, end = parse_node(node, root, offset, "")
    except RecursionError:
        raise ParseError("the data nests too deeply", "", offset) from None
    end = max(end, state.high)  # data placed by pointers after the end is part of the value
    if not allow_trailing and end != len(buf):
        raise ParseError("%d bytes left over after the end of %s" % (len(buf) - end, node.name), "", end,
                         expected="end of data", found="%d more bytes" % (len(buf) - end))
    return value


class _StopTrace(BaseException):
    """A traced parse reached ``stop``: not an error, so not an Exception any handler could take."""


class _SpansUntil(list):  # type: ignore[type-arg]
    """Spans that end the parse at the first one starting at or after ``stop``."""

    def __init__(self, stop: int) -> None:
        super().__init__()
        self.stop = stop

    def append(self, span: Span) -> None:
        if span.offset >= self.stop:
            raise _StopTrace
        super().append(span)


def parse_trace(node: s.Node, data: Any, offset: int = 0, allow_trailing: bool = False,
                stop: Optional[int] = None) -> Trace:
    """Parse and record spans; a failure is returned in the trace with the spans up to it.

    With ``stop``, parsing ends before the first field starting at or after that offset
    (``trace.stopped``; no value): what a window of a large file needs, and no more.
    """
    spans: List[Span] = _SpansUntil(stop) if stop is not None else []
    buf = _as_buffer(data)
    try:
        value = parse(node, buf, offset, allow_trailing, spans)
    except ParseError as exc:
        return Trace(None, spans, exc, bytes(buf))
    except _StopTrace:
        return Trace(None, spans, None, bytes(buf), stopped=True)
    return Trace(value, spans, None, bytes(buf))


# --- building ----------------------------------------------------------------

class _Patch:
    """Bytes written at an offset of the final output (absolute) or of a struct (``relative`` pointers)."""

    __slots__ = ("offset", "data", "path", "overwrite")

    def __init__(self, offset: int, data: bytes, path: str, overwrite: bool = False) -> None:
        self.offset, self.data, self.path, self.overwrite = offset, data, path, overwrite


class _Cycle(BuildError):
    """A value needs bytes that are still being built (a derived length of the field being built)."""


class BuildContext:
    """The struct being built: values come from the object, derived ones are computed on demand.

    ``part(name)`` builds a field's bytes the first time it is asked for, so a
    derived value may depend on later fields (a CRC over what follows) and a
    size check may wait for a derived length. Cycles are reported, not looped.
    """

    prev: Optional[BuildContext]  # this._prev: the array item before this one (see _link_item)
    item_prev: Optional[BuildContext]
    last_child: Optional[BuildContext]

    def __init__(self, node: s.Struct, obj: Any, parent: Optional[BuildContext], path: str,
                 patches: List[_Patch], depth: int) -> None:
        self.node = node
        self.obj = obj
        self.parent = parent
        _link_item(self, parent)
        self.path = path
        self.patches = patches
        self.depth = depth
        self.fields = {f.name: f for f in node.fields()}
        self.values: Dict[str, Any] = {}
        self.parts: Dict[str, bytes] = {}
        self.deriving: Set[str] = set()
        self.building: Set[str] = set()
        self.checks: List[Callable[[], None]] = []
        self.local_patches: List[_Patch] = []
        # path of a part (field or array item) -> path of the UnlessEnd left None that ends it: that
        # None reads back only where the data (or its Sized region) ends, so nothing may follow it
        self.open_ends: Dict[str, str] = {}
        self.group_of: Dict[str, s.BitGroup] = {}
        for m in node.members:
            if isinstance(m, s.BitGroup):
                for f in m.fields:
                    self.group_of[f.name] = m
        parsed = getattr(obj, "_bm_parsed", None)
        self.parsed: Mapping[str, Any] = parsed or {}

    def raw(self, name: str) -> Any:
        try:
            return getattr(self.obj, name)
        except AttributeError:
            raise BuildError("missing value for field %s" % name, _join(self.path, name)) from None

    def get(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        field = self.fields.get(name)
        if field is None:
            raise LookupError("no field %r in %s" % (name, self.node.name))
        if field.derive is None:
            value = self.raw(name) if field.stored else None
        else:
            value = self._derive(field)
        self.values[name] = value
        return value

    def _derive(self, field: s.Field) -> Any:
        fpath = _join(self.path, field.name)
        if field.name in self.deriving:
            raise _Cycle("%s depends on itself through %s" % (field.name, field.derive.text()), fpath)  # type: ignore[union-attr]
        self.deriving.add(field.name)
        try:
            computed = _evaluate(field.derive, self, fpath, None, "derive", BuildError)  # type: ignore[arg-type]
        finally:
            self.deriving.discard(field.name)
        typed = getattr(self.obj, field.name, None)
        if computed is None:  # the derivation has nothing to say here: the value given stands
            return typed
        if typed is not None and typed != computed:
            untouched = getattr(self.obj, PARSED_PREFIX + field.name, None) == typed
            if not untouched:
                raise BuildError("%s is %s, but %s gives %s; leave it unset (None) to have it computed"
                                 % (field.name, _short(typed), field.derive.text(), _short(computed)),  # type: ignore[union-attr]
                                 fpath, expected=computed, found=typed)
        return computed

    def part(self, name: str) -> bytes:
        if name in self.parts:
            return self.parts[name]
        group = self.group_of.get(name)
        key = group.fields[0].name if group is not None else name
        if key in self.parts:
            return self.parts[key]
        if key in self.building:
            raise _Cycle("the bytes of %s are needed to compute themselves" % name, _join(self.path, name))
        self.building.add(key)
        try:
            if group is not None:
                data = _build_bits(group, self)
            else:
                field = self.fields[name]
                data = build_node(field.type, self.get(name), self, _join(self.path, name), name)
        finally:
            self.building.discard(key)
        self.parts[key] = data
        return data

    def offset_of(self, name: str) -> int:
        """Bytes before field ``name`` in this struct (builds the fields before it)."""
        total = 0
        for m in self.node.members:
            first = m.fields[0].name if isinstance(m, s.BitGroup) else m.name
            if first == name:
                return total
            total += len(self.part(first))
        raise LookupError(name)


PARSED_PREFIX = "_bm_was_"
"""Slot prefix of a derived field's value as parsed (see ``Struct._bm_from_values``)."""


def as_int(value: Any) -> Optional[int]:
    """``value`` as a plain int when Python treats it as an integer (``operator.index``: int, bool,
    IntEnum, numpy integers), as ``struct`` does; None otherwise (floats, strings, None)."""
    if type(value) is int:
        return value
    try:
        return operator.index(value)
    except TypeError:
        return None


def _build_int(node: s.Int, value: Any, path: str) -> bytes:
    number = as_int(value)
    if number is None:
        raise BuildError("expected an int for %s, found %s" % (node.name, type(value).__name__), path,
                         expected="int", found=value)
    if not node.min <= number <= node.max:
        raise BuildError("%d does not fit %s (%d..%d)" % (number, node.name, node.min, node.max), path,
                         expected="%d..%d" % (node.min, node.max), found=value)
    return number.to_bytes(node.size, _byteorder(node.endian), signed=node.signed)


def _deferred_size_check(ctx: Any, expr: Expr, actual: int, path: str, what: str) -> None:
    def check() -> None:
        want = _evaluate(expr, ctx, path, None, what, BuildError)
        if want != actual:
            raise BuildError("%s %s is %s, but the value has %d" % (what, expr.text(), _short(want), actual),
                             path, expected=want, found=actual)

    if isinstance(expr, Lit):
        check()
    elif isinstance(ctx, BuildContext):
        ctx.checks.append(check)
    else:
        check()


def _measured(node: s.Bytes, raw: bytes, path: str) -> bytes:
    """The bytes of a ``Bytes(measure=f)`` field, which must measure as exactly themselves (or parsing differs)."""
    try:
        n = _measure(node, raw, 0, len(raw), path)
    except ParseError as exc:
        raise BuildError("the value is not what %s reads: %s" % (node.name, exc.reason), path, found=raw) from None
    if n != len(raw):
        raise BuildError("%s reads %d of the value's %d bytes" % (node.name, n, len(raw)), path,
                         expected=len(raw), found=n)
    return raw


def _sized(node: Any, raw: bytes, ctx: Any, path: str) -> bytes:
    """Prefix or check the length of ``raw`` as a Bytes/String node says."""
    if node.prefix is not None:
        return build_node(node.prefix, len(raw), ctx, path, None) + raw
    if node.size is not None:
        _deferred_size_check(ctx, node.size, len(raw), path, "size")
    return raw


def build_node(node: s.Node, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """The bytes of ``value`` as ``node`` (``ctx`` is the enclosing struct's BuildContext)."""
    kind = type(node)
    if kind is s.Int:
        return _build_int(node, value, path)  # type: ignore[arg-type]
    if kind is s.Float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BuildError("expected a float for %s, found %s" % (node.name, type(value).__name__), path,
                             expected="float", found=value)
        if isinstance(value, NaN) and value.width == node.bits:  # type: ignore[attr-defined]
            return value.bits.to_bytes(node.size, _byteorder(node.endian))  # type: ignore[attr-defined]
        try:
            return struct.pack(_PREFIX[node.endian or "big"] + _FLOAT_CODES[node.bits], value)  # type: ignore[attr-defined]
        except (OverflowError, struct.error) as exc:
            raise BuildError("%r does not fit %s: %s" % (value, node.name, exc), path, found=value) from None
    if kind is s.Bool:
        if value not in (True, False) or not isinstance(value, (bool, int)):
            raise BuildError("expected a bool, found %s" % _short(value), path, expected="bool", found=value)
        return b"\x01" if value else b"\x00"
    if kind is s.VarInt:
        return _build_varint(node, value, path)  # type: ignore[arg-type]
    if kind is s.Bytes:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise BuildError("expected bytes, found %s" % type(value).__name__, path, expected="bytes", found=value)
        if node.measure is not None:  # type: ignore[attr-defined]
            return _measured(node, bytes(value), path)  # type: ignore[arg-type]
        return _sized(node, bytes(value), ctx, path)
    if kind is s.TextInt:
        return _build_text_int(node, value, path)  # type: ignore[arg-type]
    if kind is s.String:
        return _build_string(node, value, ctx, path)  # type: ignore[arg-type]
    if kind is s.Sized:
        inner = build_node(node.type, value, ctx, path, None)  # type: ignore[attr-defined]
        if ctx is not None:  # the region's end is an end: a field left off at it reads back as absent
            ctx.open_ends.pop(path, None)
        return _sized(node, inner, ctx, path)
    if kind is s.Array:
        return _build_array(node, value, ctx, path)  # type: ignore[arg-type]
    if kind is s.Struct:
        return build_struct(node, value, ctx, path, ctx.patches if ctx is not None else [],  # type: ignore[arg-type]
                            ctx.depth + 1 if ctx is not None else 0)
    if kind is s.Const:
        if value is not None and value != node.value:  # type: ignore[attr-defined]
            raise BuildError("must be %s, found %s" % (_short(node.value), _short(value)), path,  # type: ignore[attr-defined]
                             expected=node.value, found=value)  # type: ignore[attr-defined]
        return build_node(node.type, node.value, ctx, path, None)  # type: ignore[attr-defined]
    if kind is s.Padding:
        return node.fill * node.size  # type: ignore[attr-defined]
    if kind is s.Align:
        return node.fill * (-ctx.offset_of(name) % node.to)  # type: ignore[attr-defined]
    if kind is s.Switch:
        key = _evaluate(node.on, ctx, path, None, "switch key", BuildError)  # type: ignore[attr-defined]
        case = node.case(key)  # type: ignore[attr-defined]
        if case is None:
            raise BuildError("no case for %s = %s" % (node.on.text(), _short(key)), path, found=key)  # type: ignore[attr-defined]
        return build_node(case, value, ctx, path, None)
    if kind is s.If:
        present = _evaluate(node.condition, ctx, path, None, "condition", BuildError)  # type: ignore[attr-defined]
        if not present:
            if value is not None:
                raise BuildError("has a value, but %s is false so it would not be written"
                                 % node.condition.text(), path, expected=None, found=value)  # type: ignore[attr-defined]
            return b""
        if value is None:
            raise BuildError("is None, but %s is true" % node.condition.text(), path)  # type: ignore[attr-defined]
        return build_node(node.type, value, ctx, path, None)  # type: ignore[attr-defined]
    if kind is s.Fallback:
        main = node.type  # type: ignore[attr-defined]
        is_main = isinstance(value, Mapping) or (isinstance(main, s.Struct) and main.cls is not None
                                                 and isinstance(value, main.cls))
        if not isinstance(main, s.Struct):  # a non-struct main type: whichever accepts the value
            try:
                return build_node(main, value, ctx, path, None)
            except BuildError:
                return build_node(node.otherwise, value, ctx, path, None)  # type: ignore[attr-defined]
        return build_node(main if is_main else node.otherwise, value, ctx, path, None)  # type: ignore[attr-defined]
    if kind is s.UnlessEnd:
        if value is not None:
            return build_node(node.type, value, ctx, path, None)  # type: ignore[attr-defined]
        if ctx is not None:  # absent: only the end of the data (or of a Sized region) may follow
            ctx.open_ends[path] = path
        return b""
    if kind is s.Enum:
        if node.strict and not isinstance(value, node.enum):  # type: ignore[attr-defined]
            try:
                node.enum(value)  # type: ignore[attr-defined]
            except (ValueError, TypeError):
                raise BuildError("%s is not a %s" % (_short(value), node.enum.__name__), path, found=value) from None  # type: ignore[attr-defined]
        return build_node(node.base, _plain_int(value, path), ctx, path, None)  # type: ignore[attr-defined]
    if kind is s.Flags:
        number = _plain_int(value, path)
        try:
            kept = int(node.flags(number))  # type: ignore[attr-defined]
        except Exception:
            kept = None
        if kept != number:
            raise BuildError("%d has bits that %s does not define" % (number, node.flags.__name__), path,  # type: ignore[attr-defined]
                             found=number)
        return build_node(node.base, number, ctx, path, None)  # type: ignore[attr-defined]
    if kind is s.Pointer:
        return _build_pointer(node, value, ctx, path)  # type: ignore[arg-type]
    if kind is s.Lazy:
        return build_node(resolve_lazy(node), value, ctx, path, name)  # type: ignore[arg-type]
    if kind is s.Peek or kind is s.Computed:  # the bytes a Peek reads are written by the fields after it
        return b""
    raise BuildError("internal: no builder for %s" % node.name, path)


def _plain_int(value: Any, path: str) -> int:
    if isinstance(value, _enum.Enum) and not isinstance(value, int):  # enum.Enum / enum.Flag members
        value = value.value
    number = as_int(value)
    if number is None:
        raise BuildError("expected an int or enum member, found %s" % _short(value), path, found=value)
    return number


def _build_varint(node: s.VarInt, value: Any, path: str) -> bytes:
    number = as_int(value)
    if number is None:
        raise BuildError("expected an int for %s, found %s" % (node.name, type(value).__name__), path, found=value)
    value = number
    if node.kind in ("unsigned", "vlq") and value < 0:
        raise BuildError("%d is negative; %s holds only unsigned values" % (value, node.name), path, found=value)
    if node.kind == "zigzag":
        value = value * 2 if value >= 0 else -value * 2 - 1
    if node.kind == "vlq":
        groups = bytearray([value & 0x7F])
        while value > 0x7F:
            value >>= 7
            groups.append(0x80 | (value & 0x7F))
        if len(groups) > node.max_bytes:
            raise BuildError("value needs %d bytes, more than %s allows (%d)" % (len(groups), node.name,
                             node.max_bytes), path, found=len(groups))
        return bytes(reversed(groups))
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40) if node.kind == "signed" \
            else value == 0
        out.append(byte if done else byte | 0x80)
        if done:
            break
    if len(out) > node.max_bytes:
        raise BuildError("value needs %d bytes, more than %s allows (%d)" % (len(out), node.name, node.max_bytes),
                         path, found=len(out))
    return bytes(out)


def _build_string(node: s.String, value: Any, ctx: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise BuildError("expected str, found %s" % type(value).__name__, path, expected="str", found=value)
    try:
        raw = value.encode(node.encoding)
    except UnicodeEncodeError as exc:
        raise BuildError("cannot encode %s as %s: %s" % (_short(value), node.encoding, exc.reason), path,
                         expected=node.encoding, found=value[exc.start:exc.end]) from None
    if node.terminator is not None and find_terminator(raw, 0, len(raw), node.terminator,
                                                       code_unit(node.encoding)) >= 0:
        raise BuildError("text contains the terminator %r" % node.terminator, path, found=value)
    if node.terminator is not None and node.size is None:
        return raw + node.terminator
    if node.size is not None:
        try:
            size = _evaluate(node.size, ctx, path, None, "size", BuildError)
        except _Cycle:  # the size is derived from this very text (len_of): no padding, checked at the end
            if node.terminator is not None:
                raw += node.terminator
            elif _strip_pad(raw, node.pad, code_unit(node.encoding)) != raw:
                raise BuildError("text ends with the pad byte %r, which parsing would strip" % node.pad, path,
                                 found=value) from None
            _deferred_size_check(ctx, node.size, len(raw), path, "size")
            return raw
        if not isinstance(size, int) or size < 0:
            raise BuildError("size %s is %s" % (node.size.text(), _short(size)), path, found=size)
        if len(raw) > size:
            raise BuildError("text takes %d bytes, more than the field's %d" % (len(raw), size), path,
                             expected="<= %d bytes" % size, found=len(raw))
        if node.terminator is not None and len(raw) < size:
            raw += node.terminator[: size - len(raw)]
        elif node.terminator is None and _strip_pad(raw, node.pad, code_unit(node.encoding)) != raw:
            raise BuildError("text ends with the pad byte %r, which parsing would strip" % node.pad, path,
                             found=value)
        return raw + node.pad * (size - len(raw))
    return _sized(node, raw, ctx, path)


def typed_bytes(node: s.Array, value: Any) -> bytes:
    """The bytes of a typed array's value (an array.array or a sequence of numbers); ValueError if it does not fit."""
    if not (isinstance(value, _array.array) and value.typecode == node.typecode):
        if not isinstance(value, (list, tuple, _array.array)) or any(isinstance(v, bool) for v in value):
            raise ValueError("expected an array.array(%r) or a list of numbers" % node.typecode)
        try:
            value = _array.array(node.typecode, value)
        except (OverflowError, TypeError) as exc:
            raise ValueError(str(exc)) from None
    if _byteorder(node.item.endian) != sys.byteorder and value.itemsize > 1:  # type: ignore[attr-defined]
        value = _array.array(node.typecode, value)
        value.byteswap()
    return value.tobytes()  # type: ignore[no-any-return]


def _build_array(node: s.Array, value: Any, ctx: Any, path: str) -> bytes:
    if node.typed:
        try:
            raw = typed_bytes(node, value)
        except ValueError as exc:
            raise BuildError("%s does not fit %s: %s" % (_short(value), node.name, exc), path, found=value) from None
        if node.count is not None:
            _deferred_size_check(ctx, node.count, len(raw) // node.item.size, path, "count")  # type: ignore[attr-defined]
        return raw
    if not isinstance(value, (list, tuple)):
        raise BuildError("expected a list, found %s" % type(value).__name__, path, expected="list", found=value)
    if node.until is not None:  # the predicate reads attributes: give it instances, not dicts
        value = [_instance(node.item, item) for item in value]
    parts = []
    saved = ctx.item_prev if ctx is not None else None
    try:
        for i, item in enumerate(value):
            if ctx is not None:
                ctx.last_child = None
            item_path = "%s[%d]" % (path, i)
            parts.append(build_node(node.item, item, ctx, item_path, None))
            if ctx is not None:
                ctx.item_prev = _item_done(ctx)
                open_at = ctx.open_ends.pop(item_path, None)
                if open_at is not None:
                    if i + 1 < len(value):
                        _left_off(open_at, "item %d follows" % (i + 1))
                    ctx.open_ends[path] = open_at
    finally:
        if ctx is not None:
            ctx.item_prev, ctx.last_child = saved, None
    if node.count is not None:
        _deferred_size_check(ctx, node.count, len(value), path, "count")
    elif node.until is not None:
        for i, item in enumerate(value):
            last = i == len(value) - 1
            if _until(node.until, item, "%s[%d]" % (path, i), None, BuildError) != last:
                raise BuildError("the until= condition must hold for the last item and no other "
                                 "(item %d)" % i, "%s[%d]" % (path, i), found=item)
        if not value:
            raise BuildError("an until= array needs at least its terminating item", path)
    if node.until is not None or node.greedy:
        for i, part in enumerate(parts):
            if not part:
                raise BuildError("item %d builds to no bytes; parsing could not find its end" % i,
                                 "%s[%d]" % (path, i))
    return b"".join(parts)


def _instance(node: s.Node, item: Any) -> Any:
    from .convert import from_plain

    return from_plain(node, item)


def _build_bits(group: s.BitGroup, ctx: BuildContext) -> bytes:
    word = 0
    for field, bit_at, bits in group.positions():
        value = ctx.get(field.name) if field.stored else 0
        fpath = _join(ctx.path, field.name)
        number = as_int(value)
        if number is None:
            raise BuildError("expected an int, found %s" % _short(value), fpath, found=value)
        value = number
        lo, hi = ((-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if field.type.signed  # type: ignore[attr-defined]
                  else (0, (1 << bits) - 1))
        if not lo <= value <= hi:
            raise BuildError("%d does not fit %d bits (%d..%d)" % (value, bits, lo, hi), fpath,
                             expected="%d..%d" % (lo, hi), found=value)
        word |= (value & ((1 << bits) - 1)) << bit_at
    return word.to_bytes(group.size, _byteorder(group.endian))


def _left_off(path: str, what: str) -> None:
    raise BuildError("is None (absent, as when the data ends before it), but %s: it would not read back; "
                     "give it a value" % what, path, expected="a value", found=None)


def _build_pointer(node: s.Pointer, value: Any, ctx: BuildContext, path: str) -> bytes:
    target = _evaluate(node.offset, ctx, path, None, "pointer offset", BuildError)
    if isinstance(target, bool) or not isinstance(target, int) or target < 0:
        raise BuildError("pointer offset %s is %s" % (node.offset.text(), _short(target)), path, found=target)
    data = build_node(node.type, value, ctx, path, None)
    ctx.open_ends.pop(path, None)  # the target is elsewhere: nothing follows it here
    patch = _Patch(target, data, path, node.overwrite)
    (ctx.local_patches if node.relative else ctx.patches).append(patch)
    return b""


def _apply_patches(out: bytearray, patches: List[_Patch], may_grow: bool) -> None:
    """Write pointer data in offset order: over identical bytes, or past the end (zero-filling any gap).

    An ``overwrite`` pointer replaces the bytes other fields wrote, but must agree with the bytes of
    the pointers written before it; every other pointer must agree with all the bytes under it.
    Patches go in offset order, so a gap is never written into later.
    """
    written: List[Tuple[int, int]] = []  # (start, end) of patches applied that may still overlap
    for p in sorted(patches, key=lambda p: p.offset):
        offset, data, end = p.offset, p.data, p.offset + len(p.data)
        if end > len(out) and not may_grow:
            raise BuildError("pointer data at %d..%d lies outside its struct (%d bytes)" % (offset, end, len(out)),
                             p.path, offset)
        written = [w for w in written if w[1] > offset]
        spans = [(max(a, offset), min(b, end)) for a, b in written] if p.overwrite else [(offset, end)]
        for a, b in spans:
            overlap = bytes(out[a:b])
            if overlap != data[a - offset:a - offset + len(overlap)]:
                what = "another pointer's" if p.overwrite else "other fields'"
                raise BuildError("pointer data at offset %d would overwrite %s bytes" % (offset, what), p.path,
                                 offset, expected=overlap, found=data)
        if offset > len(out):
            out.extend(b"\0" * (offset - len(out)))
        out[offset:end] = data
        written.append((offset, end))


def build_struct(node: s.Struct, value: Any, parent: Optional[BuildContext], path: str,
                 patches: List[_Patch], depth: int) -> bytes:
    if depth >= MAX_DEPTH:
        raise BuildError("structs nested deeper than %d" % MAX_DEPTH, path)
    cls = node.cls
    if cls is not None and not isinstance(value, cls):
        if isinstance(value, Mapping):
            value = cls.from_dict(value)
        else:
            raise BuildError("expected %s, found %s" % (node.name, type(value).__name__), path,
                             expected=node.name, found=value)
    ctx = BuildContext(node, value, parent, path, patches, depth)
    if node.union_size is not None:
        return _build_union(node, ctx)
    out = bytearray()
    open_at: Optional[str] = None
    for m in node.members:
        key = m.fields[0].name if isinstance(m, s.BitGroup) else m.name
        part = ctx.part(key)
        if part and open_at is not None:
            _left_off(open_at, "%s follows" % key)
        open_at = ctx.open_ends.get(_join(path, key), open_at)
        out += part
    if open_at is not None and parent is not None:
        parent.open_ends[path] = open_at
    for check in ctx.checks:
        check()
    _apply_patches(out, ctx.local_patches, may_grow=parent is None)
    return bytes(out)


def _build_union(node: s.Struct, ctx: BuildContext) -> bytes:
    """A union's bytes from the members that have values.

    A union that came from ``parse`` keeps its bytes; the one member whose value
    no longer matches them is written over them (two changed members are an
    error: which one should win?). A union made by hand is the overlay of its
    members that are not ``None``, which must agree where they overlap.
    """
    size = node.union_size or 0
    raw = (ctx.parsed or {}).get("__union_bytes__")
    given = [f for f in node.fields() if f.stored and getattr(ctx.obj, f.name, None) is not None]
    if raw is not None:
        before = parse(node, raw)
        given = [f for f in given if getattr(ctx.obj, f.name) != getattr(before, f.name)]
        if len(given) > 1:
            raise BuildError("members %s were all changed since parsing; set all but one to None"
                             % ", ".join(f.name for f in given), ctx.path)
    out = bytearray(raw if raw is not None else bytes(size))
    written = [False] * size
    for f in given:
        part = ctx.part(f.name)
        if len(part) > size:
            raise BuildError("takes %d bytes, more than the union's %d" % (len(part), size), _join(ctx.path, f.name))
        group = ctx.group_of.get(f.name)
        mask = _bit_mask(group, f) if group is not None else None
        for i, byte in enumerate(part):
            keep = 0xFF if mask is None else mask[i]
            merged = (out[i] & ~keep) | (byte & keep)
            if written[i] and (out[i] & keep) != (byte & keep):
                raise BuildError("the bytes of %s disagree with another member's at union offset %d" % (f.name, i),
                                 _join(ctx.path, f.name), expected=out[i], found=byte)
            out[i] = merged
            written[i] = written[i] or keep == 0xFF
    for check in ctx.checks:
        check()
    return bytes(out)


def _bit_mask(group: s.BitGroup, field: s.Field) -> bytes:
    """The bits of ``group``'s bytes that ``field`` occupies (for overlaying bit-field union members)."""
    for f, at, bits in group.positions():
        if f is field:
            return (((1 << bits) - 1) << at).to_bytes(group.size, _byteorder(group.endian))
    raise LookupError(field.name)


def build(node: s.Node, value: Any) -> bytes:
    """The bytes of ``value`` as ``node``, with derived fields computed and pointers placed."""
    patches: List[_Patch] = []
    try:
        if isinstance(node, s.Struct):
            data = build_struct(node, value, None, "", patches, 0)
        else:
            data = build_node(node, value, None, "", None)
    except RecursionError:
        raise BuildError("the value nests too deeply", "") from None
    if patches:
        out = bytearray(data)
        _apply_patches(out, patches, may_grow=True)
        data = bytes(out)
    return data
