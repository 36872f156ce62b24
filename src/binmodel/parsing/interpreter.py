"""The reference parser: reads bytes by walking the schema tree, one handler per node type (``PARSERS``).

Simple on purpose: generated parsers (``parsing.generator``) must give the same values and the same
errors as this one. It can record a span for every field (path, offset, size, value) for renderers
and debugging. Input is never trusted: every read is checked against the bytes left, counts are
checked against what the rest of the input could hold before any list grows, repeated items must
consume bytes, and nesting depth is bounded.
"""

from __future__ import annotations

import array as _array
import struct
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import background
from .. import schema as s
from ..buffers import as_buffer, data_offset
from ..context import MAX_DEPTH, evaluate, item_done, reparent_target, until_holds
from ..errors import DefinitionError, Error, ParseError, join_path, path_depth, short
from ..expr import Expr, View
from ..fields import resolve_lazy as _resolve_lazy
from ..malformed import Malformed
from ..sizes import min_size
from ..valid import check as valid_check
from ..wire import (
    DIGITS,
    FLOAT_CODES,
    NaN,
    Numeral,
    byteorder,
    int_code,
    prefix,
    text_int_value,
)
from .analysis import derives, reads_regions
from .bitruns import parse_bit_run
from .context import (
    POINTER_REREAD_FACTOR,
    ZERO_SIZE_ITEM_LIMIT,
    Deferred,
    ParseContext,
    ParseState,
    Span,
    Trace,
    count,
    need,
    ran_out,
    read,
    record_span,
)


def _parse_int(node: s.Int, state: ParseState, pos: int, path: str) -> Any:
    size = node.size
    need(state, pos, size, path, node.name)
    code = int_code(node)
    if code is not None:
        return struct.unpack_from(prefix(node.endian) + code, state.data, pos)[0]
    return int.from_bytes(state.data[pos:pos + size], byteorder(node.endian), signed=node.signed)


def parse_node(node: s.Node, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """Parse one value of ``node`` at ``pos``; return it and the position after it."""
    state = ctx.state
    kind = type(node)
    if kind is s.Int:
        value = _parse_int(node, state, pos, path)  # type: ignore[arg-type]
        record_span(state, path, pos, node.size, value, node, "field")  # type: ignore[attr-defined]
        return value, pos + node.size  # type: ignore[attr-defined]
    handler = PARSERS.get(kind)
    if handler is None:
        raise ParseError("internal: no parser for %s" % node.name, path, pos)
    return handler(node, ctx, pos, path)


def _parse_float(node: s.Float, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    need(state, pos, node.size, path, node.name)
    value = struct.unpack_from(prefix(node.endian) + FLOAT_CODES[node.bits], state.data, pos)[0]
    if value != value:  # NaN: a Python float may not keep the payload of a 16/32-bit NaN
        value = NaN(int.from_bytes(state.data[pos:pos + node.size], byteorder(node.endian)), node.bits)
    record_span(state, path, pos, node.size, value, node, "field")
    return value, pos + node.size


def _parse_bool(node: s.Bool, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    need(state, pos, 1, path, "bool")
    byte = state.data[pos]
    if byte > 1:
        raise ParseError("expected a bool (0 or 1), found %d" % byte, path, pos, expected="0 or 1", found=byte)
    record_span(state, path, pos, 1, bool(byte), node, "field")
    return bool(byte), pos + 1


def _parse_varint(node: s.VarInt, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    result = shift = 0
    i = pos
    while True:
        if i >= state.end:
            ran_out(state, i + 1)
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
    record_span(state, path, pos, count, result, node, "field")
    return result, i


def _size_of(node: Any, ctx: ParseContext, pos: int, path: str) -> Tuple[int, int]:
    """(number of bytes, where they start) for Bytes/String sized by expression, prefix, measure or greedy."""
    if node.size is not None:
        return count(node.size, ctx, path, pos, "size"), pos
    if node.prefix is not None:
        n, start = _quiet(node.prefix, ctx, pos, path)
        return n, start
    ran_out(ctx.state)  # a measured or greedy size depends on where the data ends
    if getattr(node, "measure", None) is not None:
        return measure(node, ctx.state.data, pos, ctx.state.end, path), pos
    return ctx.state.end - pos, pos


def measure(node: s.Bytes, data: Any, pos: int, end: int, path: str) -> int:
    """How many of the bytes from ``pos`` to ``end`` a ``Bytes(measure=f)`` field takes."""
    left = max(end - pos, 0)
    try:
        n = node.measure(memoryview(data)[pos:pos + left])  # type: ignore[misc]
    except Error:
        raise
    except Exception as exc:  # the function rejects the data (zlib.error, ValueError, ...)
        raise ParseError("%s: %s: %s" % (node.name, type(exc).__name__, exc), path, pos) from None
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= left:
        raise ParseError("%s gave %s, not a size within the %d bytes left" % (node.name, short(n), left), path, pos,
                         expected="0..%d" % left, found=n)
    return n


def _parse_text_int(node: s.TextInt, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    raw = read(state, pos, node.size, path, node.name)
    value = text_int_value(node, raw)
    if value is None:
        raise ParseError("%r is not a base-%d number" % (raw, node.base), path, pos,
                         expected="digits 0-%s" % DIGITS[node.base - 1], found=raw)
    value = Numeral(value, raw)
    record_span(state, path, pos, node.size, value, node, "field")
    return value, pos + node.size


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
    value = read(ctx.state, start, n, path, node.name)
    record_span(ctx.state, path, pos, start + n - pos, value, node, "field")
    return value, start + n


def _decode(raw: bytes, encoding: str, path: str, pos: int) -> str:
    """Text from bytes; a decoding error names the offset of the bad byte."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError("cannot decode %s as %s: %s" % (short(raw), encoding, exc.reason), path,
                         pos + exc.start, expected=encoding, found=raw[exc.start:exc.end]) from None


def _parse_sized(node: s.Sized, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    n, start = _size_of(node, ctx, pos, path)
    need(state, start, n, path, node.name)
    outer_end, state.end = state.end, start + n
    outer_begin, state.begin = state.begin, start
    if state.lenient:  # (inside an array item read again: see _parse_item)
        kept, high, last_child = len(state.spans) if state.spans is not None else 0, state.high, ctx.last_child
    outer_open, state.open = state.open, False  # the region's end is known: inside it, short is bad data
    try:
        value, after = parse_node(node.type, ctx, start, path)
        if after != start + n:
            what = type(value).__name__ if hasattr(type(value), "_bm_node") else node.type.name
            raise ParseError("the region is %d bytes (%s), but the %s read in it takes %d%s (%d left unread)"
                             % (n, _size_text(node), what, after - start, _said(value, after - start),
                                start + n - after),
                             path, after, expected=n, found=after - start)
    except ParseError as exc:
        if not state.lenient:
            raise
        if state.spans is not None:
            del state.spans[kept:]
        state.high, ctx.last_child = high, last_child
        value, after = Malformed(state.data[start:start + n], exc), start + n
        record_span(state, path, start, n, value, node, "malformed")
    finally:
        state.end = outer_end
        state.begin = outer_begin
        state.open = outer_open
    return value, after


def _said(value: Any, used: int) -> str:
    """The field of ``value`` that says how long it is, when one does: ``" (its length = 8)"``."""
    node = getattr(type(value), "_bm_node", None)
    for f in node.fields() if node is not None else ():
        said = getattr(value, f.name, None)
        if f.derive is not None and said.__class__ is int and said == used:
            return " (its %s = %d)" % (f.name, said)
    return ""


def _size_text(node: s.Sized) -> str:
    size = getattr(node, "size", None)
    return "size %s" % size.text() if isinstance(size, Expr) else "its size"


def _parse_typed(node: s.Array, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """A typed array: the bytes of all items go into one array.array, swapped to this machine's order."""
    state = ctx.state
    size = node.item.size  # type: ignore[attr-defined]
    if node.count is not None:
        n = count(node.count, ctx, path, pos, "count")
    else:
        ran_out(state)
        n, extra = divmod(state.end - pos, size)
        if extra:
            raise ParseError("%d bytes left, not a whole number of %d-byte items" % (state.end - pos, size), path,
                             pos, expected="a multiple of %d" % size, found=state.end - pos)
    need(state, pos, n * size, path, node.name)
    items = _array.array(node.typecode)
    items.frombytes(bytes(state.data[pos:pos + n * size]))
    if byteorder(node.item.endian) != sys.byteorder and size > 1:  # type: ignore[attr-defined]
        items.byteswap()
    record_span(state, path, pos, n * size, items, node, "array")
    return items, pos + n * size


def _parse_array(node: s.Array, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    if node.typed:
        return _parse_typed(node, ctx, pos, path)
    state = ctx.state
    span_index = len(state.spans) if state.spans is not None else 0
    record_span(state, path, pos, 0, None, node, "array")
    items: List[Any] = []
    start = pos
    if node.count is not None:
        n = count(node.count, ctx, path, pos, "count")
        least = min_size(node.item)
        left = state.end - pos
        if least and n * least > left and node.on_error is None:  # (kept items stop at the data's end)
            ran_out(state, pos + n * least)
            raise ParseError("count %d needs at least %d bytes, %d left" % (n, n * least, left), path, pos,
                             expected=n * least, found=left)
        if not least and n > ZERO_SIZE_ITEM_LIMIT:
            raise ParseError("count %d is over the limit of %d for items that can be empty"
                             % (n, ZERO_SIZE_ITEM_LIMIT), path, pos, expected=ZERO_SIZE_ITEM_LIMIT, found=n)
        saved, ctx.item_prev = ctx.item_prev, None
        saved_index = ctx.index
        try:
            for i in range(n):
                ctx.last_child = None
                ctx.index, ctx.pos = i, pos
                item, after = _parse_item(node, ctx, pos, "%s[%d]" % (path, i))
                ctx.item_prev = item_done(ctx)
                if after == pos:
                    _free_item(state, path, pos)
                items.append(item)
                pos = after
                if item.__class__ is Malformed and after == state.end:  # (where nothing says what follows)
                    break
        finally:
            ctx.item_prev, ctx.last_child = saved, None
            ctx.index = saved_index
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
    saved_index = ctx.index
    try:
        while True:
            if pos >= state.end:
                ran_out(state, None if node.greedy else pos + 1)
                if node.greedy:
                    break
                raise ParseError("end of data before the until= condition held (%d items)" % i, path, pos,
                                 expected="an item ending the array", found="end of data")
            ctx.last_child = None
            ctx.index, ctx.pos = i, pos
            item, after = _parse_item(node, ctx, pos, "%s[%d]" % (path, i))
            ctx.item_prev = item_done(ctx)
            items.append(item)
            empty, pos = after == pos, after
            ctx.pos = pos  # (this._io.pos in an until= expression: after the item)
            i += 1
            if item.__class__ is Malformed and after == state.end:
                break
            if node.until is not None and until_holds(node.until, item, path, pos, ParseError, ctx):
                break  # (an item that takes no bytes may end the array)
            if empty:
                raise ParseError("item %d took no bytes; the array would never end" % (i - 1), path, pos,
                                 expected="at least 1 byte", found=0)
    finally:
        ctx.item_prev, ctx.last_child = saved, None
        ctx.index = saved_index
    return pos


def _parse_item(node: s.Array, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """An array item; with ``on_error="keep"``, one that does not parse is read again with its failing
    ``Sized`` regions kept as ``Malformed`` (see _parse_sized), or is ``Malformed``: its ``frame=`` size,
    else the rest of the data."""
    if node.on_error is None:
        return parse_node(node.item, ctx, pos, path)
    state = ctx.state
    kept = len(state.spans) if state.spans is not None else 0
    high, end, begin, last_child = state.high, state.end, state.begin, ctx.last_child

    def forget() -> None:  # what the failed attempt read
        if state.spans is not None:
            del state.spans[kept:]
        state.high, state.end, state.begin, ctx.last_child = high, end, begin, last_child

    try:
        return parse_node(node.item, ctx, pos, path)
    except ParseError as exc:
        error, failed = exc, ctx.last_child  # (the item's own context: the fields it parsed)
        forget()
    state.lenient += 1
    try:
        return parse_node(node.item, ctx, pos, path)
    except ParseError:
        forget()
    finally:
        state.lenient -= 1
    size = _framed(node, failed if failed is not last_child else None, pos, path)
    if size is None or pos + size > state.end:
        ran_out(state)  # (in a stream, where "the rest of the data" ends is not known yet)
        size = state.end - pos
    value = Malformed(state.data[pos:pos + size], error)
    record_span(state, path, pos, size, value, node.item, "malformed")
    return value, pos + size


def _framed(node: s.Array, item: Optional[ParseContext], pos: int, path: str) -> Optional[int]:
    """The size ``frame=`` gives a failed item, over the fields it parsed; None where it cannot say
    (no frame, a field it names not parsed, not a size of at least one byte)."""
    if node.frame is None or item is None:
        return None
    try:
        size = count(node.frame, item, path, pos, "frame")
    except ParseError:
        return None
    return size or None


_SAME = object()  # (parse_struct: this._parent is the parent)


def _free_item(state: ParseState, path: str, pos: int) -> None:
    state.free_items -= 1
    if state.free_items < 0:
        raise ParseError("more than %d array items that take no bytes" % ZERO_SIZE_ITEM_LIMIT, path, pos,
                         expected="at most %d" % ZERO_SIZE_ITEM_LIMIT, found="more")


def parse_struct(node: s.Struct, ctx: Optional[ParseContext], pos: int, path: str,
                  state: Optional[ParseState] = None, up: Any = _SAME) -> Tuple[Any, int]:
    """A struct: the depth limit, then its members in a new context (``up``: what its ``this._parent`` names,
    when a ``Reparent`` says)."""
    state = state or ctx.state  # type: ignore[union-attr]
    if state.depth >= MAX_DEPTH:
        raise ParseError("structs nested deeper than %d" % MAX_DEPTH, path, pos,
                         expected="depth <= %d" % MAX_DEPTH, found="deeper")
    state.depth += 1
    sub = ParseContext(ctx, pos, state)
    if up is not _SAME:
        sub.up = up
    if state.regions is not None:  # (its region, for a Pointer(..., io=) that names it while it is read)
        state.regions[id(sub)] = (sub, state.data, state.begin, state.end)
    try:
        return _parse_members(node, sub, pos, path)
    finally:
        state.depth -= 1


_FILLS = (s.Padding, s.Align)  # members whose bytes are a fill, kept when they are something else


def _parse_members(node: s.Struct, sub: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """A struct's (or union's) members, derived checks, relative pointer bounds, then its object."""
    state = sub.state
    span_index = len(state.spans) if state.spans is not None else 0
    record_span(state, path, pos, 0, None, node, "struct")
    start = pos
    kept_fill: Dict[str, bytes] = {}
    union = node.union_size is not None
    if union:
        need(state, pos, node.union_size, path, node.name)  # type: ignore[arg-type]
    for member in node.members:
        if union:
            pos = start
        if isinstance(member, s.BitGroup):
            pos = parse_bits(member, sub, pos, path)
            continue
        if isinstance(member, s.BitRun):
            pos = parse_bit_run(member, sub, pos, path)
            continue
        fpath = join_path(path, member.name)
        if union:
            kept = len(state.spans) if state.spans is not None else 0
            try:
                value, after = parse_node(member.type, sub, pos, fpath)
            except ParseError:  # the union's bytes are not a valid value of this member: it stays None,
                value, after = None, pos  # and the bytes are kept for build
                if state.spans is not None:
                    del state.spans[kept:]
        else:
            sub.pos = pos
            value, after = parse_node(member.type, sub, pos, fpath)
        sub.where[member.name] = sub.last_target if type(member.type) is s.Pointer else (pos, after)
        if member.stored:
            sub.values[member.name] = value
        elif type(member.type) in _FILLS and after > pos:
            filled = bytes(state.data[pos:after])
            if filled != member.type.fill * (after - pos):  # type: ignore[attr-defined]
                kept_fill[member.name] = filled  # not the fill: kept for the build (nothing is lost)
        pos = after
    raw = None
    if union:
        pos = start + node.union_size  # type: ignore[operator]
        raw = bytes(state.data[start:pos])
    for field in node.fields():
        if field.derive is not None and field.check:
            if not state.lenient:
                check_derived(field, sub, path)
                continue
            try:  # (an array item read again: a value that fails its check is kept, its error shown)
                check_derived(field, sub, path)
            except ParseError as exc:
                _kept_error(state, join_path(path, field.name), exc)
    for target, after, ppath in sub.outside if sub.parent is not None else ():
        if target < start or after > pos:
            raise ParseError("relative pointer data at %d..%d lies outside its struct (%d..%d), so it could not be "
                             "written back" % (target, after, start, pos), ppath, target)
    obj = node.cls._bm_from_values(sub.values, raw) if node.cls is not None else dict(sub.values)
    if kept_fill and node.cls is not None:
        object.__setattr__(obj, "_bm_parsed", dict(getattr(obj, "_bm_parsed", None) or {}, **kept_fill))
    if background.kinds(node):  # the bytes around its pointers' data, for build
        background.keep(obj, node, state.data, state.begin, state.end)
    if state.regions is not None:
        state.regions[id(obj)] = (obj, state.data, state.begin, state.end)
    if state.spans is not None:
        state.spans[span_index].size = pos - start
        state.spans[span_index].value = obj
    return obj, pos


def _kept_error(state: ParseState, path: str, error: ParseError) -> None:
    """A traced field whose value is kept though it failed its check: its span shows it as malformed."""
    for span in reversed(state.spans or ()):
        if span.path == path:
            span.kind, span.value = "malformed", Malformed(state.data[span.offset:span.offset + span.size], error)
            return


def check_derived(field: s.Field, ctx: ParseContext, path: str) -> None:
    """A derived field's parsed value against its derivation (``check=True``)."""
    fpath = join_path(path, field.name)
    offset = ctx.where[field.name][0] if field.name in ctx.where else ctx.start
    pos, ctx.pos = ctx.pos, offset  # (this._io.pos in the derivation: where the field is)
    try:
        expected = evaluate(field.derive, ctx, fpath, offset, "check", ParseError)  # type: ignore[arg-type]
    finally:
        ctx.pos = pos
    found = ctx.values.get(field.name)
    if expected is not None and expected != found:  # None: the derivation has nothing to say
        raise ParseError("%s is %s, but %s gives %s" % (field.name, short(found), field.derive.text(),  # type: ignore[union-attr]
                                                        short(expected)),
                         fpath, offset, expected=expected, found=found)


def bits_member(enum: Any, value: int) -> Any:
    """A bit field's value as a member of its enum; a value the enum does not name stays an int."""
    member = enum._value2member_map_.get(value)
    if member is not None:
        return member
    try:
        return enum(value)
    except Exception:  # ValueError, or whatever a custom _missing_ raises
        return value


def parse_bits(group: s.BitGroup, ctx: ParseContext, pos: int, path: str) -> int:
    """A bit group: one integer of ``group.size`` bytes split into its fields."""
    state = ctx.state
    size = group.size
    names = "+".join(f.name for f in group.fields)
    raw = read(state, pos, size, join_path(path, group.fields[0].name), "bit group %s" % names)
    word = int.from_bytes(raw, byteorder(group.endian))
    for field, bit_at, bits in group.positions():
        value = (word >> bit_at) & ((1 << bits) - 1)
        if field.type.signed and value >> (bits - 1):  # type: ignore[attr-defined]
            value -= 1 << bits
        if field.type.enum is not None:  # type: ignore[attr-defined]
            value = bits_member(field.type.enum, value)  # type: ignore[attr-defined]
        if not field.stored:  # padding bits: those that end an unaligned run are kept when not zero
            if type(field.type) is s.BitPad:
                if value:
                    ctx.values[field.name] = value
                if state.spans is not None:  # shown, so a dump accounts for every bit
                    state.spans.append(Span(join_path(path, field.name), pos, size, value,
                                            "%s@%d" % (field.type.name, bit_at), "padding",
                                            path_depth(join_path(path, field.name))))
            continue
        ctx.values[field.name] = value
        ctx.where[field.name] = (pos, pos + size)
        if state.spans is not None:
            state.spans.append(Span(join_path(path, field.name), pos, size, value,
                                    "%s@%d" % (field.type.name, bit_at), "bits",
                                    path_depth(join_path(path, field.name))))
    return pos + size


def _parse_const(node: s.Const, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    value, after = _quiet(node.type, ctx, pos, path)
    if value != node.value:
        raise ParseError("expected %s, found %s" % (short(node.value), short(value)), path, pos,
                         expected=node.value, found=value)
    record_span(ctx.state, path, pos, after - pos, value, node, "const")
    return value, after


def _parse_padding(node: s.Padding, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    raw = read(ctx.state, pos, node.size, path, node.name)
    if node.strict and raw != node.fill * node.size:
        raise ParseError("padding is not all %r" % node.fill, path, pos, expected=node.fill * node.size, found=raw)
    record_span(ctx.state, path, pos, node.size, raw, node, "padding")
    return None, pos + node.size


def _parse_align(node: s.Align, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    n = -(pos - ctx.start) % node.to
    raw = read(ctx.state, pos, n, path, node.name)
    if n:
        record_span(ctx.state, path, pos, n, raw, node, "padding")
    return None, pos + n


def _parse_switch(node: s.Switch, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    key = evaluate(node.on, ctx, path, pos, "switch key", ParseError)
    case = node.case(key)
    if case is None:
        raise ParseError("no case for %s = %s" % (node.on.text(), short(key)), path, pos,
                         expected=[k for k, _ in node.cases], found=key)
    return parse_node(case, ctx, pos, path)


def _parse_if(node: s.If, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    if evaluate(node.condition, ctx, path, pos, "condition", ParseError):
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
    ran_out(state)
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
    record_span(ctx.state, path, pos, after - pos, value, node, "field")
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
    record_span(ctx.state, path, pos, after - pos, value, node, "field")
    return value, after


def _parse_pointer(node: s.Pointer, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    target = count(node.offset, ctx, path, pos, "pointer offset")
    state = ctx.state
    if node.io is not None:  # in another struct's region, found when the value is read
        if node.lazy:  # (that struct may come later: a traced parse, or one of a buffer that may change,
            # reads it at the end of the parse)
            return _defer(Deferred(node, ctx, target, path, (0, 0), pos), ctx), pos
        value, ctx.last_target = read_in_region(node, ctx, target, path, pos)  # type: ignore[assignment]
        return value, pos
    if node.relative:
        target += ctx.start
    elif node.region:  # inside the region the struct is read in, which also bounds it
        target += state.begin
    bounds = (state.begin, state.end) if node.region else (0, len(state.data))
    # (a traced parse reads everything, for dumps; a buffer that may change later is read now)
    if node.lazy and state.spans is None and state.data.__class__ is bytes:
        return _defer(Deferred(node, ctx, target, path, bounds, pos), ctx), pos
    value, after = read_pointer(node, ctx, target, path, pos, bounds)
    ctx.last_target = (target, after)  # where the field's bytes are (its struct's parser records them)
    return value, pos


def _defer(deferred: Deferred, ctx: ParseContext) -> Deferred:
    """A lazy pointer's value, to be read when first used (or at the end of the parse, see ``parse``)."""
    state = ctx.state
    if state.deferred is None:
        state.deferred = []
    state.deferred.append(deferred)
    ctx.last_target = deferred  # type: ignore[assignment]
    return deferred


def read_in_region(node: s.Pointer, ctx: ParseContext, offset: int, path: str,
                   pos: int) -> Tuple[Any, Tuple[Any, ...]]:
    """A ``Pointer(..., io=)`` value: at ``offset`` in the region the struct ``io`` names was read in.
    Returns it and where its bytes are: ``(start, end)`` in this data, ``(start, end, data)`` in other
    bytes (a transformed region's decoded bytes)."""
    state = ctx.state
    named = evaluate(node.io, ctx, path, pos, "io region", ParseError)  # type: ignore[arg-type]
    key = named._ctx if isinstance(named, View) else named
    region = state.regions.get(id(key)) if state.regions is not None else None
    if region is None or region[0] is not key:
        raise ParseError("io=%s is %s, not a struct this parse has read" % (node.io.text(), short(named)),  # type: ignore[union-attr]
                         path, pos, expected="a struct", found=named)
    _, data, begin, end = region
    if data is state.data:
        value, after = read_pointer(node, ctx, begin + offset, path, pos, (begin, end))
        return value, (begin + offset, after)
    sub = ParseState(data, [] if state.spans is not None else None)
    sub.depth, sub.free_items, sub.reread, sub.regions = state.depth, state.free_items, state.reread, state.regions
    ctx.state = sub
    try:
        value, after = read_pointer(node, ctx, begin + offset, path, pos, (begin, end))
    finally:
        ctx.state = state
        state.free_items, state.reread = sub.free_items, sub.reread
    if state.spans is not None:  # spans in those bytes: a dump shows them with the bytes they are in
        for sp in sub.spans or ():
            if sp.source is None:
                sp.source = data
            list.append(state.spans, sp)
    return value, (begin + offset, after, data)


def read_pointer(node: s.Pointer, ctx: ParseContext, target: int, path: str, pos: int,
                 bounds: Tuple[int, int]) -> Tuple[Any, int]:
    """A pointer's value at ``target`` inside ``bounds`` (the data, or its region), with the re-read budget;
    returns it and the end of its bytes. A lazy pointer's ``Deferred`` calls it when first read."""
    state = ctx.state
    begin, total = bounds
    if target > total:  # (a pointer may leave the Sized region it is read in, unless it is region's)
        where = ("its region (%d bytes from %d)" % (total - begin, begin) if node.region or node.io is not None
                 else "the data (%d bytes)" % total)
        raise ParseError("pointer to offset %d is past the end of %s" % (target, where),
                         path, pos, expected="<= %d" % total, found=target)
    state.reread -= 1
    outer_end, state.end = state.end, total
    outer_begin, state.begin = state.begin, begin
    try:
        value, after = parse_node(node.type, ctx, target, path)
    finally:
        state.end = outer_end
        state.begin = outer_begin
    state.reread -= after - target
    state.high = max(state.high, after)
    if node.relative:
        ctx.outside.append((target, after, path))
    if state.reread < 0:
        raise ParseError("pointers have read the data more than %d times over; refused as an amplification"
                         % POINTER_REREAD_FACTOR, path, pos)
    return value, after


def _parse_peek(node: s.Peek, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    value, after = _quiet(node.type, ctx, pos, path)
    record_span(ctx.state, path, pos, 0, value, node, "field")
    return value, pos


def _parse_computed(node: s.Computed, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    value = evaluate(node.expr, ctx, path, pos, "computed value", ParseError)
    record_span(ctx.state, path, pos, 0, value, node, "field")
    return value, pos


def _parse_reparent(node: s.Reparent, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """A nested struct whose ``this._parent`` is another struct, or none (Kaitai's ``parent:``)."""
    target = reparent_target(node, ctx, path, pos, ParseError)
    return parse_struct(struct_of(node), ctx, pos, path, up=target)


def struct_of(node: s.Reparent) -> s.Struct:
    """The struct a ``Reparent`` holds (through ``Lazy``)."""
    inner = node.type
    while isinstance(inner, s.Lazy):
        inner = resolve_lazy(inner)
    if not isinstance(inner, s.Struct):
        raise DefinitionError("Parent() holds a model, not %s" % inner.name)
    return inner


def _parse_lazy(node: s.Lazy, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    return parse_node(resolve_lazy(node), ctx, pos, path)


def resolve_lazy(node: s.Lazy) -> s.Node:
    """What a ``Lazy`` names (its function is called each time: it may name a class defined later)."""
    return _resolve_lazy(node)


PARSERS: Dict[type, Callable[..., Tuple[Any, int]]] = {
    s.Float: _parse_float, s.Bool: _parse_bool, s.VarInt: _parse_varint, s.Bytes: _parse_bytes,
    s.Sized: _parse_sized, s.Array: _parse_array, s.Struct: parse_struct, s.Const: _parse_const,
    s.Padding: _parse_padding, s.Align: _parse_align, s.Switch: _parse_switch, s.If: _parse_if,
    s.UnlessEnd: _parse_unless_end, s.Fallback: _parse_fallback,
    s.Enum: _parse_enum, s.Flags: _parse_flags, s.Pointer: _parse_pointer, s.Lazy: _parse_lazy,
    s.Peek: _parse_peek, s.Computed: _parse_computed,
    s.TextInt: _parse_text_int, s.Reparent: _parse_reparent,
}


class Params:
    """A parameterised model's arguments, as ``this._params`` (``this._params.size``)."""

    def __init__(self, values: Dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return "Params(%s)" % ", ".join("%s=%r" % item for item in self.__dict__.items())


def arguments(node: s.Args, ctx: Any, path: str, pos: Optional[int], error: type) -> Tuple[s.Struct, Dict[str, Any]]:
    """The model an ``Args`` node names and the values of its arguments in ``ctx`` (the enclosing struct),
    with ``_params``: what the model's context starts with, on parse and on build."""
    target = resolve_lazy(node.type) if isinstance(node.type, s.Lazy) else node.type
    declared = getattr(getattr(target, "cls", None), "_bm_params", None)
    if not isinstance(target, s.Struct) or declared is None or set(declared) != {k for k, _ in node.args}:
        raise error("%s does not take the arguments %s" % (target.name, ", ".join(k for k, _ in node.args)), path, pos)
    values = {k: evaluate(e, ctx, path, pos, "argument %s" % k, error) for k, e in node.args}
    return target, dict(values, _params=Params(values))


def _parse_args(node: s.Args, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    target, values = arguments(node, ctx, path, pos, ParseError)
    state = ctx.state
    if state.depth >= MAX_DEPTH:
        raise ParseError("structs nested deeper than %d" % MAX_DEPTH, path, pos,
                         expected="depth <= %d" % MAX_DEPTH, found="deeper")
    state.depth += 1
    try:
        sub = ParseContext(ctx, pos, state)
        sub.values.update(values)  # this.size: read like a field parsed before the first
        return _parse_members(target, sub, pos, path)
    finally:
        state.depth -= 1


PARSERS[s.Args] = _parse_args


def _parse_valid(node: s.Valid, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """A value, then its constraint (``valid=``): a failure names the constraint and the value."""
    value, after = parse_node(node.type, ctx, pos, path)
    why = valid_check(node.constraint, value, ctx)
    if why is not None:
        raise ParseError("%s is not valid: expected %s%s" % (short(value), node.constraint.text,
                                                             " (%s)" % why if why else ""),
                         path, pos, expected=node.constraint.text, found=value)
    return value, after


PARSERS[s.Valid] = _parse_valid


def _parse_mapped(node: s.Mapped, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """The wire value, then its conversion: a wire value the conversion refuses names both."""
    wire, after = _quiet(node.base, ctx, pos, path)
    try:
        value = node.decode(wire)
    except Exception as exc:
        raise ParseError("%s is not a %s: %s" % (short(wire), node.label, exc), path, pos,
                         expected=node.label, found=wire) from None
    record_span(ctx.state, path, pos, after - pos, value, node, "field")
    return value, after


PARSERS[s.Mapped] = _parse_mapped


def _parse_byte_order(node: s.ByteOrder, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """A field of a struct whose byte order the data decides: the rule, over the fields read so far, picks it."""
    return parse_node(node.variant(node.rule.decide(ctx, path, pos, ParseError)), ctx, pos, path)


PARSERS[s.ByteOrder] = _parse_byte_order


def parse_prefix(node: s.Struct, data: Any, offset: int, parent: Optional[ParseContext] = None) -> Tuple[Any, int]:
    """``(value, end)`` of a struct at ``offset`` in ``data`` (a buffer that holds the whole input: its pointers
    count from its start), and where its bytes end (past the data its pointers read, too)."""
    state = ParseState(data, None)
    if reads_regions(node):
        state.regions = {}
    try:
        value, end = parse_struct(node, parent, offset, "", state)
    except RecursionError:
        raise ParseError("the data nests too deeply", "", offset) from None
    for deferred in state.deferred or () if data.__class__ is not bytes else ():  # (another buffer may change)
        deferred.read()
    if node.cls is not None and derives(node):
        object.__setattr__(value, "_bm_src", (data, offset))
    return value, max(end, state.high)


def parse(node: s.Node, data: Any, offset: int = 0, allow_trailing: bool = False,
          spans: Optional[List[Span]] = None) -> Any:
    """Parse ``data`` from ``offset``; the whole rest must be used unless ``allow_trailing``."""
    buf = as_buffer(data)
    offset = data_offset(offset, len(buf))
    state = ParseState(buf, spans)
    if isinstance(node, s.Struct) and reads_regions(node):
        state.regions = {}
    root = ParseContext(None, offset, state)
    try:
        if isinstance(node, s.Struct):
            value, end = parse_struct(node, None, offset, "", state)
        else:
            value, end = parse_node(node, root, offset, "")
    except RecursionError:
        raise ParseError("the data nests too deeply", "", offset) from None
    if state.deferred and (spans is not None or buf.__class__ is not bytes):  # (io= pointers: see _parse_pointer)
        for deferred in state.deferred:
            deferred.read()
    end = max(end, state.high)  # data placed by pointers after the end is part of the value
    if state.deferred and not allow_trailing and end != len(buf):  # lazy pointers may explain the rest
        for deferred in state.deferred:
            deferred.read()
        end = max(end, state.high)
    if not allow_trailing and end != len(buf):
        raise ParseError("%d bytes left over after the end of %s" % (len(buf) - end, node.name), "", end,
                         expected="end of data", found="%d more bytes" % (len(buf) - end))
    if isinstance(node, s.Struct) and node.cls is not None and derives(node):
        object.__setattr__(value, "_bm_src", (buf, offset))  # (see BuildContext.as_parsed)
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
    buf = as_buffer(data)
    try:
        value = parse(node, buf, offset, allow_trailing, spans)
    except ParseError as exc:
        return Trace(None, spans, exc, bytes(buf))
    except _StopTrace:
        return Trace(None, spans, None, bytes(buf), stopped=True)
    return Trace(value, spans, None, bytes(buf))


from . import regions as _regions  # noqa: E402,F401  (registers the parsers of terminated, counted, transformed forms)
