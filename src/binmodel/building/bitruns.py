"""Building a ``BitRun``: the mirror of ``parsing/bitruns.py``.

Each field's bits are appended where the last ones ended (after them in the byte, most significant first
for ``order="msb"``); the run ends with the padding bits it was parsed with, or zeros, up to the byte
boundary. An array to the end of the data (``greedy``) must then end on a byte boundary itself, since a
parse reads bits until the data ends.
"""

from __future__ import annotations

from typing import Any, List

from .. import schema as s
from ..context import evaluate, until_holds
from ..errors import BuildError, join_path, short
from ..wire import as_int


def _fit(bits: s.Bits, value: Any, path: str) -> int:
    """``value`` as the unsigned number of ``bits.bits`` bits that holds it, or a BuildError."""
    number = as_int(value)
    if number is None:
        raise BuildError("expected an int, found %s" % short(value), path, expected="int", found=value)
    n = bits.bits
    lo, hi = (-(1 << (n - 1)), (1 << (n - 1)) - 1) if bits.signed else (0, (1 << n) - 1)
    if not lo <= number <= hi:
        raise BuildError("%d does not fit %d bits (%d..%d)" % (number, n, lo, hi), path,
                         expected="%d..%d" % (lo, hi), found=value)
    return number & ((1 << n) - 1)


def build_bit_run(run: s.BitRun, ctx: Any) -> bytes:
    """The bytes of ``run``'s fields as the object being built (``ctx``, a BuildContext) holds them."""
    from .interpreter import deferred_size_check  # (the interpreter imports this module)

    msb = run.order == "msb"
    word, total = 0, 0
    greedy_at = None

    def put(number: int, n: int) -> None:
        nonlocal word, total
        word = (word << n) | number if msb else word | number << total
        total += n

    for field in run.fields:
        fpath = join_path(ctx.path, field.name)
        t = field.type
        if type(t) is s.BitPad:
            width = -total % 8
            kept = s.kept_bits(ctx.obj, field)
            put(kept if kept < 1 << width else 0, width)
            continue
        value = ctx.get(field.name)
        if isinstance(t, s.If):
            at = ctx.at
            if ctx.tracks_io:  # (this._io.pos: after the bytes begun so far, as on parse)
                ctx.at = (lambda begun=(total + 7) // 8, at=at: at() + begun)
            try:
                holds = evaluate(t.condition, ctx, fpath, None, "condition", BuildError)
            finally:
                ctx.at = at
            if not holds:
                if value is not None:
                    raise BuildError("has a value, but %s is false so it would not be written" % t.condition.text(),
                                     fpath, expected=None, found=value)
                continue
            if value is None:
                raise BuildError("is None, but %s is true" % t.condition.text(), fpath)
            t = t.type
        if isinstance(t, s.Bits):
            put(_fit(t, value, fpath), t.bits)
            continue
        items = _items(t, value, ctx, fpath)  # type: ignore[arg-type]
        for i, item in enumerate(items):
            put(_fit(t.item, item, "%s[%d]" % (fpath, i)), t.item.bits)  # type: ignore[attr-defined]
        if t.count is not None:  # type: ignore[attr-defined]
            deferred_size_check(ctx, t.count, len(items), fpath, "count")  # type: ignore[attr-defined]
        if t.greedy:  # type: ignore[attr-defined]
            greedy_at = (fpath, total)
    if greedy_at is not None and greedy_at[1] % 8:
        raise BuildError("an array of bit fields to the end of the data must end on a byte boundary (it ends "
                         "at bit %d); parsing would read the padding as items" % greedy_at[1], greedy_at[0],
                         expected="a multiple of 8 bits", found=greedy_at[1])
    return word.to_bytes(total // 8, "big" if msb else "little")


def _items(node: s.Array, value: Any, ctx: Any, path: str) -> List[Any]:
    """An array's items, with its ``until=`` condition holding for the last and no other."""
    if not isinstance(value, (list, tuple)):
        raise BuildError("expected a list, found %s" % ("None" if value is None else type(value).__name__), path,
                         expected="list", found=value)
    if node.until is not None:
        if not value:
            raise BuildError("an until= array needs at least its terminating item", path)
        saved = ctx.index
        try:
            for i, item in enumerate(value):
                ctx.index = i
                if until_holds(node.until, item, "%s[%d]" % (path, i), None, BuildError, ctx) != (i == len(value) - 1):
                    raise BuildError("the until= condition must hold for the last item and no other (item %d)" % i,
                                     "%s[%d]" % (path, i), found=item)
        finally:
            ctx.index = saved
    return list(value)
