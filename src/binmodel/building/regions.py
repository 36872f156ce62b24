"""Builders of the bytes forms of issue 14, the mirror of ``parsing.regions``: terminated and padded bytes
and text, arrays counted by a length prefix, transformed regions. Registered into
``interpreter.BUILDERS`` when the interpreter is imported.

Every form checks that what it writes reads back as the value (a terminator inside the value, a
trailing pad byte, a short text that keeps its padding are errors, not silent changes), and values
that came from a parse build back to the bytes they were read from (``ended``'s ``Open*`` and
``Kept*`` values; a transform that need not be exact keeps the stored bytes of an unchanged value).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from .. import schema as s
from ..context import evaluate
from ..ended import cut, fill, unterminated
from ..errors import BuildError, short
from ..expr import Lit
from ..parsing.regions import stored_of, transform_arg
from ..transforms import TransformError
from ..wire import code_unit
from .context import Cycle
from .interpreter import (
    BUILDERS,
    _build_array,
    _build_string,
    _sized,
    build_node,
    build_region,
    deferred_size_check,
    encode_text,
    kind_of,
)


def _region(node: Any, body: bytes, value: Any, ctx: Any, path: str, pad: Optional[bytes], unit: int) -> bytes:
    """The bytes of a fixed-size region holding ``body`` (a parsed region that is unchanged is kept)."""
    try:
        size = evaluate(node.size, ctx, path, None, "size", BuildError)
    except Cycle:  # the size is derived from this very value: it takes exactly its own bytes
        size = len(body) + (len(node.terminator) if node.terminator is not None and not node.include else 0)
        out, why = fill(body, size, pad, node.terminator, node.include, unit)
        if out is None:
            raise BuildError(why, path, found=value) from None
        deferred_size_check(ctx, node.size, len(out), path, "size")
        return out
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise BuildError("size %s is %s" % (node.size.text(), short(size)), path, found=size)
    raw = getattr(value, "raw", None)
    if isinstance(raw, bytes) and len(raw) == size and cut(raw, pad, node.terminator, node.include, unit) == body:
        return raw
    out, why = fill(body, size, pad, node.terminator, node.include, unit)
    if out is None:
        raise BuildError(why, path, expected="%d bytes" % size, found=value)
    return out


def _ended(node: Any, body: bytes, value: Any, path: str, unit: int) -> bytes:
    """The bytes of a value ended by a terminator: the terminator is written unless the next field
    starts with it (``consume=False``) or the value met the end of the data (``eos_error=False``)."""
    inner, why = unterminated(body, node.terminator, node.include and not getattr(value, "open", False), unit)
    if inner is None:
        raise BuildError(why, path, found=value)
    if getattr(value, "open", False) and not node.eos_error:
        return inner
    return inner + node.terminator if node.consume else inner


def build_term_bytes(node: s.TermBytes, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise BuildError("expected bytes, found %s" % kind_of(value), path, expected="bytes", found=value)
    body = bytes(value)
    if node.greedy:  # the rest of the data: the bytes it was read from, else the value and its terminator
        raw = getattr(value, "raw", None)
        if isinstance(raw, bytes) and cut(raw, node.pad, node.terminator, node.include, 1) == body:
            return raw
        term = len(node.terminator) if node.terminator is not None and not node.include else 0
        out, why = fill(body, len(body) + term, node.pad, node.terminator, node.include, 1)
        if out is None:
            raise BuildError(why, path, found=value)
        return out
    if node.size is None:
        return _ended(node, body, value, path, 1)
    return _region(node, body, value, ctx, path, node.pad, 1)


BUILDERS[s.TermBytes] = build_term_bytes


def build_string_forms(node: s.String, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """Text with Kaitai's terminator options or ``strip=False``; the other forms as ``_build_string`` writes them."""
    unsized = node.size is None and node.prefix is None and not node.greedy
    plain = node.consume and node.eos_error and not node.include and node.strip and (
        node.terminator is None or unsized or node.pad == b"\0" and node.size is not None)
    if plain and not isinstance(getattr(value, "raw", None), bytes) and not getattr(value, "open", False):
        return _build_string(node, value, ctx, path, name)
    body = encode_text(node, value, path)
    unit = code_unit(node.encoding)
    if node.size is not None:
        return _region(node, body, value, ctx, path, node.pad if node.strip else None, unit)
    if node.prefix is None and not node.greedy:
        return _ended(node, body, value, path, unit)
    out = body  # a prefixed or greedy region with a terminator: the terminator ends the text inside it
    if node.terminator is not None and not node.include:
        out += node.terminator
    if cut(out, None, node.terminator, node.include, unit) != body:
        raise BuildError("contains the terminator %r, which would end it early" % node.terminator, path, found=value)
    return _sized(node, out, ctx, path)


BUILDERS[s.String] = build_string_forms


def build_array_forms(node: s.Array, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """An array: its count as a length prefix, then the items (``prefix=``); or as ``_build_array`` writes it."""
    if node.prefix is None:
        return _build_array(node, value, ctx, path, name)
    try:
        n = len(value)
    except TypeError:
        raise BuildError("expected a list, found %s" % kind_of(value), path, expected="list", found=value) from None
    limit = node.prefix.max if isinstance(node.prefix, s.Int) else None
    if limit is not None and n > limit:
        raise BuildError("has %d items, more than its %s count prefix holds (at most %d)" % (n, node.prefix.name, limit),
                         path, expected="<= %d items" % limit, found=n)
    items = _build_array(dataclasses.replace(node, count=Lit(n), prefix=None), value, ctx, path, name)
    return build_node(node.prefix, n, ctx, path, None) + items


BUILDERS[s.Array] = build_array_forms


def build_transformed(node: s.Transformed, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """The inner value's bytes, encoded (an unchanged value of an inexact transform: the stored bytes)."""
    if node.type is None:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise BuildError("expected bytes, found %s" % kind_of(value), path, expected="bytes", found=value)
        inner = bytes(value)
    else:
        inner = build_region(node.type, value, ctx, path)
    at = ctx.at if ctx is not None else None
    if ctx is not None and ctx.tracks_io:  # (the argument is read after the stored bytes, as on parse)
        ctx.at = _past_stored(node, at, len(inner))
    try:
        arg = transform_arg(node, ctx, path, None, BuildError)
    finally:
        if ctx is not None:
            ctx.at = at
    stored = stored_of(value)  # (an exact transform keeps them only where its stored bytes hold more)
    if stored is not None and stored[0] == inner and stored[2] == arg:
        raw = stored[1]
    else:
        try:
            raw = node.process.encode(inner, arg)
        except TransformError as exc:
            raise BuildError("%s: %s" % (node.process.text(node.arg), exc.reason), path,
                             expected=exc.expected, found=exc.found) from None
    return build_node(node.base, raw, ctx, path, None)


BUILDERS[s.Transformed] = build_transformed


def _past_stored(node: s.Transformed, at: Any, decoded: int) -> Any:
    """Where the stored bytes of a transform that keeps the length end (``this._io.pos`` for its argument)."""
    base = node.base

    def pos() -> int:
        if not (isinstance(base, s.Bytes) and base.prefix is None and base.measure is None
                and getattr(node.process, "keeps_size", False)):
            raise LookupError("this._io.pos: where %s's stored bytes end is known only while parsing"
                              % node.process.text(node.arg))
        return int(at()) + decoded

    return pos
