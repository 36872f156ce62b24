"""PNG, as specified by W3C "Portable Network Graphics (PNG) Specification (Third Edition)".

Section 5.2 (signature), 5.3 (chunk layout: length, type, data, CRC-32 over
type and data), 11.2.1 (IHDR) and 11.3 (ancillary chunks decoded here: gAMA,
cHRM, pHYs, tIME, tEXt, bKGD is left raw since its layout depends on the
colour type). Unknown chunks keep their data as bytes.
"""

from __future__ import annotations

import enum
from typing import List, Union

from ..expr import crc32_of, len_of, this
from ..fields import Array, Bytes, Const, CString, Enum, Sized, String, Switch, u8, u16, u32
from ..model import Struct


class ColorType(enum.IntEnum):
    GREYSCALE = 0
    TRUECOLOR = 2
    INDEXED = 3
    GREYSCALE_ALPHA = 4
    TRUECOLOR_ALPHA = 6


class IHDR(Struct, endian="big"):
    """Image header (11.2.1)."""

    width: int = u32()
    height: int = u32()
    bit_depth: int = u8()
    color_type: ColorType = Enum(u8, ColorType)
    compression: int = u8()
    filter: int = u8()
    interlace: int = u8()


class Chromaticities(Struct, endian="big"):
    """cHRM (11.3.2.1): CIE x, y times 100000."""

    white_x: int = u32()
    white_y: int = u32()
    red_x: int = u32()
    red_y: int = u32()
    green_x: int = u32()
    green_y: int = u32()
    blue_x: int = u32()
    blue_y: int = u32()


class PhysicalSize(Struct, endian="big"):
    """pHYs (11.3.5.3): pixels per unit; unit 1 is the metre."""

    x: int = u32()
    y: int = u32()
    unit: int = u8()


class Time(Struct, endian="big"):
    """tIME (11.3.6.1): last modification, UTC."""

    year: int = u16()
    month: int = u8()
    day: int = u8()
    hour: int = u8()
    minute: int = u8()
    second: int = u8()


class Text(Struct):
    """tEXt (11.3.3.2): a Latin-1 keyword, a NUL, and Latin-1 text."""

    keyword: str = CString("latin-1")
    text: str = String(greedy=True, encoding="latin-1")


ChunkData = Union[IHDR, Chromaticities, PhysicalSize, Time, Text, int, bytes]


class Chunk(Struct, endian="big"):
    """A chunk (5.3); ``length`` and ``crc`` are computed when building."""

    length: int = u32(derive=len_of("data"))
    type: bytes = Bytes(4)
    data: ChunkData = Sized(this.length, Switch(this.type, {
        b"IHDR": IHDR,
        b"gAMA": u32,
        b"cHRM": Chromaticities,
        b"pHYs": PhysicalSize,
        b"tIME": Time,
        b"tEXt": Text,
    }, default=Bytes(greedy=True)))
    crc: int = u32(derive=crc32_of("type", "data"), check=True)


class PNG(Struct, endian="big"):
    """A PNG datastream: the signature, then chunks up to IEND."""

    signature: bytes = Const(b"\x89PNG\r\n\x1a\n")
    chunks: List[Chunk] = Array(Chunk, until=lambda chunk: chunk.type == b"IEND", on_error="keep")
