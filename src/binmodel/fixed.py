"""Fixed-size runs, shared by the parse and build generators: which members fuse into one
``struct.Struct`` (same byte order, every size known), with which codes, and which words an odd-sized
bit group is read and written as.

>>> from binmodel import schema as s
>>> fixed_item(s.Field("n", s.Int(16, False, "little"))).code, member_endian(s.Field("n", s.Int(8, False)))
('H', None)
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from . import schema as s
from .expr import Lit
from .wire import FLOAT_CODES, INT_CODES, byteorder

SPLITS = {3: (2, 1), 5: (4, 1), 6: (4, 2), 7: (4, 2, 1)}
"""Word sizes an odd-sized bit group is read as, least significant first (then shifted together)."""


def words(group: s.BitGroup) -> List[Tuple[str, int, int]]:
    """(struct code, shift, width in bits) of the words an odd-sized bit group is read and written as,
    in byte order: the parse and build generators share it."""
    out, at = [], 0
    for n in SPLITS[group.size]:
        out.append((INT_CODES[(n, False)], at, 8 * n))
        at += 8 * n
    return out[::-1] if byteorder(group.endian) == "big" else out  # big: most significant first


def member_endian(member: Any) -> Optional[str]:
    """The byte order a fixed member needs from its run's ``struct`` prefix (None: any)."""
    if isinstance(member, s.BitGroup):
        return None if member.size == 1 or member.size not in (2, 3, 4, 5, 6, 7, 8) else (member.endian or "big")
    t = member.type
    if isinstance(t, s.Const):
        t = t.type
    if isinstance(t, (s.Enum, s.Flags)):
        t = t.base
    if isinstance(t, s.Mapped):
        t = t.base
    if isinstance(t, s.Int):
        return None if t.size == 1 or t.size not in (2, 4, 8) else (t.endian or "big")
    if isinstance(t, s.Float):
        return t.endian or "big"
    return None


def same_order(run: List[Any], member: Any) -> bool:
    """Whether ``member`` can join a fused run: its byte order agrees with the run's."""
    orders = {member_endian(m) for m in run} | {member_endian(member)}
    orders.discard(None)
    return len(orders) <= 1


class Item:
    """One value in a fused fixed-size run: its struct code and how to finish it."""

    def __init__(self, code: str, size: int, parts: Tuple[Tuple[int, int], ...] = ()) -> None:
        self.code, self.size = code, size
        self.parts = parts  # for an item read as several words (an odd-sized bit group): (shift, width)


def fixed_item(member: Any) -> Optional[Item]:
    """The run item a fixed-size member is read as, or None for members with an emitter of their own."""
    if isinstance(member, s.BitRun):
        return None
    if isinstance(member, s.BitGroup):
        code = INT_CODES.get((member.size, False))
        if code is None and member.size in SPLITS:  # unsigned words of 1, 2, 4 bytes, shifted together
            ws = words(member)
            return Item("".join(c for c, _, _ in ws), member.size, tuple((a, n) for _, a, n in ws))
        return Item(code or "%ds" % member.size, member.size)
    t = member.type
    if isinstance(t, s.Int):
        return Item(INT_CODES.get((t.size, t.signed)) or "%ds" % t.size, t.size)
    if isinstance(t, s.Float):
        return Item(FLOAT_CODES[t.bits], t.size)
    if isinstance(t, s.Bool):
        return Item("B", 1)
    if isinstance(t, s.Bytes) and isinstance(t.size, Lit):
        return Item("%ds" % t.size.value, t.size.value)
    if isinstance(t, s.Padding):  # read: bytes other than the fill are kept (the interpreter does it)
        return Item("%ds" % t.size, t.size)
    if isinstance(t, (s.Const, s.Enum, s.Flags)):
        inner = t.type if isinstance(t, s.Const) else t.base
        if isinstance(inner, s.Int) or (isinstance(inner, s.Bytes) and isinstance(inner.size, Lit)):
            return fixed_item(s.Field(member.name, inner))
    if isinstance(t, s.Mapped) and mapped_in_run(t):
        return fixed_item(s.Field(member.name, t.base))
    return None


def mapped_in_run(t: s.Mapped) -> bool:
    """Whether a converted value's wire value is read and written in a fused run: an integer ``struct``
    has a code for, or fixed bytes (the generators then call the conversion on it)."""
    base = t.base
    return (isinstance(base, s.Int) and base.size in (1, 2, 4, 8)) or (
        isinstance(base, s.Bytes) and isinstance(base.size, Lit) and base.prefix is None)


def fixed_code(m: Any) -> Optional[str]:
    """The struct code a fixed member packs with, or None for members built as parts."""
    if isinstance(m, s.BitRun):
        return None
    if isinstance(m, s.BitGroup):
        if m.size in SPLITS:
            return "".join(code for code, _, _ in words(m))
        return INT_CODES.get((m.size, False)) or "%ds" % m.size
    t = m.type
    if isinstance(t, s.Const):
        t = t.type
    if isinstance(t, (s.Enum, s.Flags)) and isinstance(t.base, s.Int) and t.base.size in (1, 2, 4, 8):
        t = t.base
    if isinstance(t, s.Mapped):
        if not mapped_in_run(t):
            return None
        t = t.base
    if isinstance(t, s.Int):
        return INT_CODES.get((t.size, t.signed)) or "%ds" % t.size
    if isinstance(t, s.Float):
        return FLOAT_CODES[t.bits]
    if isinstance(t, s.Bool):
        return "?"
    if isinstance(t, s.Bytes) and isinstance(t.size, Lit):
        return "%ds" % t.size.value
    if isinstance(t, s.Padding):
        return "%dx" % t.size if zero_padding(t) else "%ds" % t.size
    return None


def zero_padding(t: s.Padding) -> bool:
    """Padding ``struct`` can write as ``x`` codes: zero bytes, and not checked on parse."""
    return not t.strict and t.fill * t.size == bytes(t.size)
