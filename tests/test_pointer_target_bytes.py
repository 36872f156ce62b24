"""``len_of``, ``crc32_of`` and ``this._bytes`` over a ``Pointer`` field read the bytes it points to, on parse and
on build: an icon directory's image sizes, a table's checksum. Checked on ICO files Pillow writes."""

import io
import struct
import zlib
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import Array, Bytes, ParseError, Pointer, Struct, crc32_of, len_of, this, u8, u16le, u32le


class Entry(Struct, endian="little"):
    width: int = u8()
    height: int = u8()
    colors: int = u8()
    reserved: int = u8()
    planes: int = u16le()
    bpp: int = u16le()
    size: int = u32le(derive=len_of("image"))
    offset: int = u32le()
    image: bytes = Pointer(this.offset, Bytes(this.size))


class Icon(Struct, endian="little"):
    reserved: int = u16le()
    kind: int = u16le()
    count: int = u16le()
    entries: List[Entry] = Array(Entry, count=this.count)


def pillow_icon(sizes):
    PIL = pytest.importorskip("PIL.Image")
    image = PIL.new("RGBA", (64, 64), (200, 30, 90, 255))
    out = io.BytesIO()
    image.save(out, format="ICO", sizes=sizes)
    return out.getvalue()


def test_image_sizes_are_the_bytes_the_pointers_reach():
    raw = pillow_icon([(16, 16), (32, 32), (48, 48)])
    icon = Icon.parse(raw)
    assert icon.count == 3
    for entry in icon.entries:
        assert entry.image == raw[entry.offset:entry.offset + entry.size]
        assert entry.image.startswith(b"\x89PNG")  # (Pillow stores PNG images)
    assert Icon.build(icon) == raw
    for entry in icon.entries:  # sizes left to be derived: len_of reads what the pointer places
        entry.size = None
    assert Icon.build(icon) == raw


class Table(Struct, endian="little"):
    crc: int = u32le(derive=crc32_of("body"), check=True)
    length: int = u32le(derive=len_of("body"))
    offset: int = u32le()
    body: bytes = Pointer(this.offset, Bytes(this.length))
    words: int = u32le(derive=lambda this: len(this._bytes("body")) // 4)


@given(st.binary(max_size=64))
def test_crc_and_bytes_of_a_pointer_target(body):
    raw = struct.pack("<IIII", zlib.crc32(body), len(body), 16, len(body) // 4) + body
    table = Table.parse(raw)
    assert (table.crc, table.length, table.body, table.words) == (zlib.crc32(body), len(body), body, len(body) // 4)
    assert Table.build(table) == raw
    made = Table(crc=None, length=None, offset=16, body=body, words=None)
    assert Table.build(made) == raw
    if body:
        bad = bytearray(raw)
        bad[16] ^= 1
        with pytest.raises(ParseError) as caught:
            Table.parse(bytes(bad))
        assert caught.value.path == "crc" and caught.value.expected == zlib.crc32(bytes(bad[16:]))
