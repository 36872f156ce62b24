"""Parsers of the bytes forms of issue 14: terminated and padded bytes and text (``TermBytes``, ``String``),
arrays counted by a length prefix, and transformed regions (``Transformed``: xor, rotation, zlib, codecs).

Registered into ``interpreter.PARSERS`` when the interpreter is imported. A transformed region's inner
value is parsed from the decoded bytes as its own input: its spans carry those bytes (``Span.source``)
and offsets into them, so a dump shows the stored bytes and, marked as decoded, what they decode to.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional, Tuple

from .. import schema as s
from ..context import evaluate
from ..ended import KeptBytes, KeptStr, OpenBytes, OpenStr, cut, kept, scan
from ..errors import ParseError, path_depth
from ..expr import Lit
from ..transforms import TransformError
from ..wire import code_unit
from .context import ParseContext, ParseState, Span, count, ran_out, read, record_span
from .interpreter import PARSERS, _decode, _parse_array, _quiet, _size_of, parse_node


def _ended(node: Any, ctx: ParseContext, pos: int, path: str, unit: int) -> Tuple[bytes, int, bool]:
    """(the value's bytes, the position after the field, whether a terminator ended it) of an unsized field."""
    state = ctx.state
    found = scan(state.data, pos, state.end, node.terminator, unit, node.include, node.consume)
    if found is not None:
        return found[0], found[1], True
    ran_out(state)
    if node.eos_error:
        raise ParseError("no terminator %r before the end of the data" % node.terminator, path, pos,
                         expected=node.terminator, found="end of data")
    return bytes(state.data[pos:state.end]), state.end, False


def parse_term_bytes(node: s.TermBytes, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    state = ctx.state
    if node.size is None and not node.greedy:
        raw, end, ended = _ended(node, ctx, pos, path, 1)
        value: bytes = raw if ended else OpenBytes(raw)
    else:
        n = max(state.end - pos, 0) if node.greedy else count(node.size, ctx, path, pos, "size")  # type: ignore[arg-type]
        value = region_bytes(node, read(state, pos, n, path, node.name))
        end = pos + n
    record_span(state, path, pos, end - pos, value, node, "field")
    return value, end


def region_bytes(node: s.TermBytes, region: bytes) -> bytes:
    """The value of a sized ``TermBytes`` read as ``region``: cut by its padding and terminator, and kept
    with the region (``KeptBytes``) when the value alone would not build back to it (generated code too)."""
    raw = cut(region, node.pad, node.terminator, node.include, 1)
    # (a greedy region builds as the value and its terminator: kept unless that is what it holds)
    size = len(raw) + (len(node.terminator) if node.terminator and not node.include else 0) \
        if node.greedy else len(region)
    if kept(region, raw, size, node.pad, node.terminator, node.include, 1):
        value = KeptBytes(raw)
        value.raw = region
        return value
    return raw


PARSERS[s.TermBytes] = parse_term_bytes


def parse_string(node: s.String, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """Text: ended by a terminator, or a region (fixed size, prefix, the rest) cut by padding and terminator."""
    state = ctx.state
    unit = code_unit(node.encoding)
    if node.terminator is not None and node.size is None and node.prefix is None and not node.greedy:
        raw, end, ended = _ended(node, ctx, pos, path, unit)
        value = _decode(raw, node.encoding, path, pos)
        if not ended:
            value = OpenStr(value)
        record_span(state, path, pos, end - pos, value, node, "field")
        return value, end
    n, start = _size_of(node, ctx, pos, path)
    value = region_text(node, read(state, start, n, path, node.name), path, start)
    record_span(state, path, pos, start + n - pos, value, node, "field")
    return value, start + n


def region_text(node: s.String, region: bytes, path: str, start: int) -> str:
    """The text of a sized ``String`` read as ``region`` (at ``start``): cut by padding (a fixed size's) and
    terminator, decoded, and kept with the region (``KeptStr``) when the text alone would not build back to it."""
    unit = code_unit(node.encoding)
    pad = node.pad if node.size is not None and node.strip else None
    raw = cut(region, pad, node.terminator, node.include, unit)
    value = _decode(raw, node.encoding, path, start)
    if node.size is not None and kept(region, raw, len(region), pad, node.terminator, node.include, unit):
        value = KeptStr(value)
        value.raw = region
    return value


PARSERS[s.String] = parse_string


def parse_array_forms(node: s.Array, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """An array: counted by a length prefix before its items (``prefix=``), or as ``_parse_array`` reads it."""
    if node.prefix is None:
        return _parse_array(node, ctx, pos, path)
    n, start = _quiet(node.prefix, ctx, pos, path)
    spans = ctx.state.spans
    first = len(spans) if spans is not None else 0
    value, end = _parse_array(dataclasses.replace(node, count=Lit(n), prefix=None), ctx, start, path)
    if spans is not None and len(spans) > first:  # the array's span covers its count too
        spans[first].offset, spans[first].size = pos, end - pos
        spans[first].type_name = node.name
    return value, end


PARSERS[s.Array] = parse_array_forms


def transform_arg(node: s.Transformed, ctx: Any, path: str, offset: Optional[int], error: type) -> Any:
    """The key or amount of a transform that reads it from the struct (None for constants)."""
    if node.arg is None:
        return None
    return evaluate(node.arg, ctx, path, offset, "%s argument" % node.process.text(node.arg), error)


def parse_transformed(node: s.Transformed, ctx: ParseContext, pos: int, path: str) -> Tuple[Any, int]:
    """The stored bytes, decoded; the inner type parsed from the decoded bytes, which it must use up."""
    state = ctx.state
    raw, end = _quiet(node.base, ctx, pos, path)
    outer_pos, ctx.pos = ctx.pos, end  # (the argument is read after the stored bytes: this._io.pos is past
    try:  # them, as in Kaitai Struct's process: arguments)
        arg = transform_arg(node, ctx, path, pos, ParseError)
    finally:
        ctx.pos = outer_pos
    try:
        decoded = node.process.decode(bytes(raw), arg)
    except TransformError as exc:
        raise ParseError("%s: %s" % (node.process.text(node.arg), exc.reason), path, pos,
                         expected=exc.expected, found=exc.found) from None
    if state.spans is not None:  # the stored bytes, named by their transform; the decoded spans follow
        state.spans.append(Span(path, pos, end - pos, bytes(raw), node.process.text(node.arg), "encoded",
                                path_depth(path)))
    sub = ParseState(decoded, [] if state.spans is not None else None)
    sub.depth, sub.free_items, sub.reread, sub.regions = state.depth, state.free_items, state.reread, state.regions
    if node.type is None:
        value: Any = decoded
        record_span(sub, path, 0, len(decoded), value, node, "field")
        after = len(decoded)
    else:
        outer, ctx.state = ctx.state, sub
        try:
            value, after = parse_node(node.type, ctx, 0, path)
        finally:
            ctx.state = outer
            state.free_items, state.reread = sub.free_items, sub.reread
    if after != len(decoded):
        raise ParseError("%s used %d of the %d decoded bytes" % (node.type.name if node.type else "it",
                                                                  after, len(decoded)),
                         path, pos, expected=len(decoded), found=after)
    if state.spans is not None:
        for sp in sub.spans or ():
            sp.source = decoded
            list.append(state.spans, sp)  # decoded offsets: a dump window's stop does not apply
    return finish_transformed(node, value, decoded, raw, arg), end


def finish_transformed(node: s.Transformed, value: Any, decoded: bytes, raw: Any, arg: Any) -> Any:
    """A transformed region's value as a build needs it: with its stored bytes when the transform need not
    give them back (zlib), or when they hold more than the value (the bytes after a terminator)."""
    if not node.process.exact:
        return keep_stored(value, decoded, bytes(raw), arg)
    if getattr(raw, "raw", None) is not None:
        return keep_stored(value, decoded, raw, arg)
    return value


PARSERS[s.Transformed] = parse_transformed


class StoredBytes(bytes):
    """Decoded bytes that remember the stored bytes they came from (a recompression may differ)."""

    stored: Tuple[bytes, bytes, Any]


class StoredStr(str):
    """Decoded text that remembers the stored bytes it came from."""

    stored: Tuple[bytes, bytes, Any]


class StoredList(list):  # type: ignore[type-arg]
    """Decoded items that remember the stored bytes they came from (the build checks they still encode to them)."""

    stored: Tuple[bytes, bytes, Any]


_STORED: Dict[type, Any] = {bytes: StoredBytes, str: StoredStr, list: StoredList}


def keep_stored(value: Any, decoded: bytes, raw: bytes, arg: Any) -> Any:
    """``value`` marked with its stored bytes, so an unchanged value builds back to them exactly.

    Bytes, text and lists become ``Stored*`` values; a model instance keeps them in ``_bm_parsed``.
    Other values (a number, an ``array.array``) are encoded afresh on build."""
    kind = _STORED.get(type(value))
    if kind is not None:
        out = kind(value)
        out.stored = (decoded, raw, arg)
        return out
    if hasattr(type(value), "_bm_node"):
        parsed = dict(getattr(value, "_bm_parsed", None) or {})
        parsed["__stored__"] = (decoded, raw, arg)
        try:
            object.__setattr__(value, "_bm_parsed", parsed)
        except AttributeError:
            pass
    return value


def stored_of(value: Any) -> Optional[Tuple[bytes, bytes, Any]]:
    """The (decoded, stored, argument) a value was parsed from through a transform that need not be exact."""
    if isinstance(value, (StoredBytes, StoredStr, StoredList)):
        return value.stored
    parsed = getattr(value, "_bm_parsed", None) if hasattr(type(value), "_bm_node") else None
    return parsed.get("__stored__") if isinstance(parsed, dict) else None

