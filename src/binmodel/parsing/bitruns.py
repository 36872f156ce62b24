"""Parsing a ``BitRun``: bit fields, arrays of them and optional ones read from one bit cursor.

Kaitai Struct reads bit fields from a stream that keeps the bits left over from its last byte, so an
array of ``b3`` or a ``b5`` under ``if:`` starts wherever the bits before it ended. Here the cursor is a
bit count from the run's first byte: a field ``n`` bits wide at bit ``p`` is read from the bytes
``p // 8`` to ``ceil((p + n) / 8)``, most significant bit first (``order="msb"``, Kaitai's ``be``) or
least significant first (``"lsb"``). While the run is read, ``this._io.pos`` is the position after the
bytes begun so far, as in Kaitai. The bits after the last field up to the byte boundary are kept.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from .. import schema as s
from ..context import evaluate, until_holds
from ..errors import ParseError, join_path, path_depth
from .context import ParseContext, Span, count, need, ran_out, record_span


class _Cursor:
    """The run's bytes and the bits read so far (``at``, counted from ``start``)."""

    __slots__ = ("ctx", "start", "at", "msb")

    def __init__(self, ctx: ParseContext, start: int, msb: bool) -> None:
        self.ctx, self.start, self.at, self.msb = ctx, start, 0, msb

    @property
    def pos(self) -> int:
        """The byte after the bytes begun so far (Kaitai's ``_io.pos`` while it reads bits)."""
        return self.start + -(-self.at // 8)

    def left(self) -> int:
        """Bits left in the region from the cursor."""
        return (self.ctx.state.end - self.start) * 8 - self.at

    def take(self, field_type: s.Bits, path: str) -> Tuple[int, int, int, int]:
        """(value, first byte, bytes, lowest bit in them) of the next ``field_type.bits`` bits."""
        n = field_type.bits
        first = self.start + self.at // 8
        size = -(-(self.at % 8 + n) // 8)
        need(self.ctx.state, first, size, path, "a %d-bit field at bit %d of byte %d" % (n, self.at % 8, first))
        word = int.from_bytes(bytes(self.ctx.state.data[first:first + size]), "big" if self.msb else "little")
        low = size * 8 - self.at % 8 - n if self.msb else self.at % 8
        value = (word >> low) & ((1 << n) - 1)
        self.at += n
        if field_type.signed and value >> (n - 1):
            value -= 1 << n
        return value, first, size, low


def parse_bit_run(run: s.BitRun, ctx: ParseContext, pos: int, path: str) -> int:
    """The fields of ``run`` from ``pos``, each put in ``ctx`` as it is read; returns the byte after the run."""
    from .interpreter import bits_member  # (the interpreter imports this module)

    cursor = _Cursor(ctx, pos, run.order == "msb")
    state = ctx.state

    def one(bits: s.Bits, fpath: str, spans: bool = True) -> Any:
        value, first, size, low = cursor.take(bits, fpath)
        if bits.enum is not None:
            value = bits_member(bits.enum, value)
        if spans and state.spans is not None:
            state.spans.append(Span(fpath, first, size, value, "%s@%d" % (bits.name, low), "bits", path_depth(fpath)))
        return value

    for field in run.fields:
        fpath = join_path(path, field.name)
        ctx.pos = cursor.pos
        begin = cursor.start + cursor.at // 8  # (the byte it starts in)
        t = field.type
        if type(t) is s.BitPad:
            _pad(cursor, field, fpath)
            continue
        if isinstance(t, s.If):
            if not evaluate(t.condition, ctx, fpath, cursor.pos, "condition", ParseError):
                ctx.values[field.name] = None
                ctx.where[field.name] = (begin, begin)
                continue
            t = t.type
        if isinstance(t, s.Bits):
            value = one(t, fpath)
        else:
            value = _array(t, cursor, ctx, fpath, one)  # type: ignore[arg-type]
        ctx.values[field.name] = value
        ctx.where[field.name] = (begin, cursor.pos)
    return cursor.pos


def _array(node: s.Array, cursor: _Cursor, ctx: ParseContext, path: str, one: Any) -> List[Any]:
    """The items of an array of bit fields: a count (checked against the bits left first), ``until=``, or
    to the region's end (``greedy``: Kaitai's ``repeat: eos``, which stops only on a byte boundary)."""
    item: s.Bits = node.item  # type: ignore[assignment]
    state = ctx.state
    items: List[Any] = []
    record_span(state, path, cursor.pos, 0, None, node, "array")
    span = state.spans[-1] if state.spans is not None else None
    first = cursor.start + cursor.at // 8
    saved_index = ctx.index
    try:
        if node.count is not None:
            n = count(node.count, ctx, path, cursor.pos, "count")
            if n * item.bits > cursor.left():
                ran_out(state, cursor.start + -(-(cursor.at + n * item.bits) // 8))
                raise ParseError("count %d needs %d bits, %d left" % (n, n * item.bits, cursor.left()), path,
                                 cursor.pos, expected=n * item.bits, found=cursor.left())
            for i in range(n):
                ctx.index = i
                items.append(one(item, "%s[%d]" % (path, i)))
        else:
            i = 0
            while True:
                if node.greedy and cursor.at % 8 == 0 and cursor.pos >= state.end:
                    ran_out(state)
                    break
                ctx.index = i
                value = one(item, "%s[%d]" % (path, i))
                items.append(value)
                i += 1
                ctx.pos = cursor.pos
                if node.until is not None and until_holds(node.until, value, path, cursor.pos, ParseError, ctx):
                    break
    finally:
        ctx.index = saved_index
    if span is not None:
        span.offset, span.size, span.value = first, cursor.pos - first, items
    return items


def _pad(cursor: _Cursor, field: s.Field, path: str) -> None:
    """The bits from the cursor to the next byte boundary: kept (in the context, so in ``_bm_parsed``)
    when they are not zero, and shown as padding."""
    width = -cursor.at % 8
    if not width:
        return
    value, first, size, low = cursor.take(s.BitPad(width, False, None), path)
    state = cursor.ctx.state
    if value:
        cursor.ctx.values[field.name] = value
    if state.spans is not None:
        state.spans.append(Span(path, first, size, value, "pad%d@%d" % (width, low), "padding", path_depth(path)))
