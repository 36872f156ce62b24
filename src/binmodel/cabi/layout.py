"""Where a C compiler puts each member: the layout rules of GCC (System V, AAPCS) and MSVC.

Input is a list of ``Decl`` (one per declared member, sizes already taken from
the target), output the bit offset of each and the struct's size and
alignment. Kept free of the schema so that the rules read like the ABI texts.
"""

from __future__ import annotations

import dataclasses
from typing import List, Optional, Tuple

from .targets import Target


@dataclasses.dataclass
class Decl:
    """One declared member. ``bits`` is set for bit-fields (0 for ``:0``)."""

    name: str
    size: int  # bytes (a bit-field's declared type size)
    align: int  # natural alignment as a member on the target
    bits: Optional[int] = None
    aligned: Optional[int] = None  # __attribute__((aligned(N))) on the member
    required: Optional[int] = None  # alignment its type demands by attribute (a nested aligned struct)
    named: bool = True
    flexible: bool = False  # a flexible array member: takes no size


@dataclasses.dataclass
class Placement:
    decl: Decl
    bit: int  # offset from the struct start, in bits
    end: int  # first bit after what the member reserves (MSVC bit-fields reserve their whole unit)


@dataclasses.dataclass
class Layout:
    placements: List[Placement]
    size: int
    align: int
    required: int = 1  # alignment demanded by attributes alone (MSVC lets it beat #pragma pack)


def _roundup(n: int, to: int) -> int:
    return -(-n // to) * to


def _member_align(d: Decl, packed: bool, pack: Optional[int]) -> int:
    """``packed`` drops the natural alignment, ``aligned`` raises it, ``#pragma pack`` caps both."""
    a = 1 if packed else d.align
    if d.aligned is not None:
        a = max(a, d.aligned)
    if pack is not None:
        a = min(a, pack)
    return a


def lay_out(decls: List[Decl], target: Target, *, union: bool = False, packed: bool = False,
            pack: Optional[int] = None, aligned: Optional[int] = None) -> Layout:
    """Place ``decls`` as ``target``'s compiler would (``packed``: ``__attribute__((packed))``;
    ``pack``: ``#pragma pack(N)``; ``aligned``: the struct's own ``aligned(N)``)."""
    if target.bitfields == "msvc":
        if packed:
            packed, pack = False, 1
        placements, end_bits, align = _msvc(decls, pack, union)
    else:
        placements, end_bits, align = _sysv(decls, target, packed, pack, union)
    if aligned is not None:
        align = max(align, aligned)
    required = max([1] + [max(d.aligned or 1, d.required or 1) for d in decls])
    if aligned is not None:  # an aligned struct demands its whole alignment (MSVC)
        required = max(required, align)
    return Layout(placements, _roundup(_roundup(end_bits, 8) // 8, align), align, required)


def _sysv(decls: List[Decl], target: Target, packed: bool, pack: Optional[int],
          union: bool) -> Tuple[List[Placement], int, int]:
    bit, end, align = 0, 0, 1
    out = []
    for d in decls:
        if union:
            bit = 0
        if d.bits is None:
            a = _member_align(d, packed, pack)
            bit = _roundup(_roundup(bit, 8), a * 8)
            out.append(Placement(d, bit, bit + (0 if d.flexible else d.size * 8)))
            align = max(align, a)
            if not d.flexible:
                bit += d.size * 8
        else:
            type_align = d.align if pack is None else min(d.align, pack)
            if d.bits == 0:  # ':0' aligns to its type's natural alignment, whatever packing says
                bit = _roundup(bit, d.align * 8)
                end = max(end, bit)
                if target.unnamed_bitfields_align_struct:  # AAPCS: and aligns the struct, even packed
                    align = max(align, d.align)
                continue
            if d.aligned is not None:
                a = min(d.aligned, pack) if pack is not None else d.aligned
                bit = _roundup(bit, a * 8)
                align = max(align, a)
            if not packed and pack is None and (bit % (type_align * 8)) + d.bits > d.size * 8:
                # it would span more alignment units of its type than the type itself
                # (GCC does not apply this rule under #pragma pack)
                bit = _roundup(bit, type_align * 8)
            out.append(Placement(d, bit, bit + d.bits))
            bit += d.bits
            if (d.named or target.unnamed_bitfields_align_struct) and not packed:
                align = max(align, type_align)
        end = max(end, bit)
    return out, end, align


def _msvc_align(d: Decl, pack: Optional[int]) -> int:
    """MSVC caps the natural alignment by #pragma pack, but never what __declspec(align) asks."""
    natural = d.align if pack is None else min(d.align, pack)
    return max(natural, d.aligned or 1, d.required or 1)


def _msvc(decls: List[Decl], pack: Optional[int], union: bool) -> Tuple[List[Placement], int, int]:
    bit, end, align = 0, 0, 1
    unit: Optional[Tuple[int, int, int]] = None  # (start bit, type size, bits used)
    out = []
    for d in decls:
        if union:
            bit, unit = 0, None
        if d.bits is None:
            unit = None
            a = _msvc_align(d, pack)
            bit = _roundup(bit, a * 8)
            out.append(Placement(d, bit, bit + (0 if d.flexible else d.size * 8)))
            align = max(align, a)
            if not d.flexible:
                bit += d.size * 8
        else:
            a = _msvc_align(d, pack)
            if d.bits == 0:  # ends a run of bit-fields: the next member starts at this type's alignment
                if unit is not None:
                    unit = None
                    bit = _roundup(bit, a * 8)
                    end = max(end, bit)
                    align = max(align, a)
                continue
            if unit is not None and unit[1] == d.size and unit[2] + d.bits <= d.size * 8:
                out.append(Placement(d, unit[0] + unit[2], unit[0] + d.size * 8))
                unit = (unit[0], unit[1], unit[2] + d.bits)
            else:
                bit = _roundup(bit, a * 8)
                out.append(Placement(d, bit, bit + d.size * 8))
                unit = (bit, d.size, d.bits)
                bit += d.size * 8
            if not union:  # bit-fields of a union do not align it
                align = max(align, a)
        end = max(end, bit)
    return out, end, align
