"""The sfnt wrapper of TrueType and OpenType fonts, as specified by the OpenType specification 1.9,
"Font file" chapter ("Organization of an OpenType font": the table directory and table records,
"Calculating checksums") and Apple's TrueType Reference Manual, chapter 6 ("The font directory").

A font starts with the table directory: ``sfntVersion`` (``0x00010000`` for TrueType outlines, ``OTTO``
for CFF, ``true`` for Apple's TrueType), ``numTables``, and ``searchRange``, ``entrySelector`` and
``rangeShift``, which are derived from ``numTables`` for a binary search. Then ``numTables`` table
records, sorted by tag: ``tableTag``, ``checksum``, ``offset`` (from the start of the font) and ``length``
(without the padding to 4 bytes every table gets). The checksum is the sum, modulo 2**32, of the table's
bytes read as big-endian u32 words (the last one padded with zeros); for ``head`` it is computed with
``checksumAdjustment`` (bytes 8-11) taken as zero. ``head``'s ``checksumAdjustment`` is
``0xB1B0AFBA`` minus the checksum of the whole font.

Each record's table is a ``Pointer`` to ``offset``: ``length`` and ``checksum`` are derived from its
bytes (``len_of`` and ``this._bytes`` over a pointer read its target), and the checksum is checked on
parse. ``head`` is decoded; the other tables keep their bytes. Offsets are kept as given (writers order
the tables in the file differently from the directory); ``place`` assigns them for a font built from
objects.
"""

from __future__ import annotations

from typing import Any, List, Union

from ..expr import count_of, len_of, this
from ..fields import Array, Bytes, Const, Pointer, Sized, Switch, i16, i64, u16, u32
from ..model import Struct


def checksum(data: bytes, head: bool = False) -> int:
    """TrueType's table checksum: the sum of big-endian u32 words, zero-padded, modulo 2**32 (a ``head``
    table's ``checksumAdjustment`` taken as zero)."""
    if head and len(data) >= 12:
        data = data[:8] + bytes(4) + data[12:]
    data += bytes(-len(data) % 4)
    return sum(int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4)) & 0xFFFFFFFF


class Head(Struct, endian="big"):
    """The 'head' table (font header), 54 bytes."""

    majorVersion: int = u16()
    minorVersion: int = u16()
    fontRevision: int = u32()  # Fixed 16.16
    checksumAdjustment: int = u32()
    magicNumber: int = Const(0x5F0F3CF5, u32)
    flags: int = u16()
    unitsPerEm: int = u16()
    created: int = i64()  # LONGDATETIME: seconds since 1904-01-01
    modified: int = i64()
    xMin: int = i16()
    yMin: int = i16()
    xMax: int = i16()
    yMax: int = i16()
    macStyle: int = u16()
    lowestRecPPEM: int = u16()
    fontDirectionHint: int = i16()
    indexToLocFormat: int = i16()
    glyphDataFormat: int = i16()


Table = Union[Head, bytes]


def _checksum(this: Any) -> int:
    # no expression sums words: a function over the pointer target's bytes
    return checksum(this._bytes("data"), this.tableTag == b"head")


class TableRecord(Struct, endian="big"):
    """One table record, and the table it points to."""

    tableTag: bytes = Bytes(4)
    checksum: int = u32(derive=_checksum, check=True)
    offset: int = u32()
    length: int = u32(derive=len_of("data"))
    data: Table = Pointer(this.offset, Sized(this.length, Switch(this.tableTag, {b"head": Head},
                                                                 default=Bytes(greedy=True))))
    # the table's padding to a multiple of 4: zeros (read as b""), written on build
    padding: bytes = Pointer(this.offset + this.length, Bytes((4 - this.length % 4) % 4, pad=b"\0"), default=b"")


def _log2(n: int) -> int:
    return max(n, 1).bit_length() - 1


class Font(Struct, endian="big"):
    """The table directory (offset table and table records); the tables through the records."""

    sfntVersion: int = u32(valid=(0x00010000, 0x4F54544F, 0x74727565))  # 1.0, 'OTTO', 'true'
    numTables: int = u16(derive=count_of("tables"))
    # derived for a binary search; no expression takes a logarithm, so these are functions
    searchRange: int = u16(derive=lambda this: 16 << _log2(this.numTables))
    entrySelector: int = u16(derive=lambda this: _log2(this.numTables))
    rangeShift: int = u16(derive=lambda this: 16 * this.numTables - (16 << _log2(this.numTables)))
    tables: List[TableRecord] = Array(TableRecord, count=this.numTables)


# --- helpers beyond the model ---
# (parsing and building do not need them; tools/line_count.py counts them apart)


def checksum_adjustment(data: bytes) -> int:
    """``head.checksumAdjustment`` for a whole font's bytes: 0xB1B0AFBA minus their checksum, taken with the
    adjustment itself as zero."""
    head = next(r for r in Font.parse(data).tables if r.tableTag == b"head")
    data = data[:head.offset + 8] + bytes(4) + data[head.offset + 12:]
    return (0xB1B0AFBA - checksum(data)) & 0xFFFFFFFF


def place(font: Font, order: Any = None) -> Font:
    """Give every table an offset: packed after the directory, each padded to 4 bytes, in ``order`` (tags;
    by default the directory's). Returns ``font``."""
    records = {r.tableTag: r for r in font.tables}
    at = 12 + 16 * len(records)
    for tag in order or list(records):
        record = records[tag]
        record.offset = at
        size = len(record.data) if isinstance(record.data, bytes) else Head.sizeof()
        at += size + -size % 4
    return font
