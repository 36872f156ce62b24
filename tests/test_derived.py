"""Derived fields: computed on build, checked on parse when asked, never typed twice."""

import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Array,
    BuildError,
    Bytes,
    ParseError,
    String,
    Struct,
    count_of,
    crc32_of,
    len_of,
    this,
    u8,
    u16be,
    u32be,
)


class Chunk(Struct, endian="big"):
    length: int = u32be(derive=len_of("data"))
    type: bytes = Bytes(4)
    data: bytes = Bytes(this.length)
    crc: int = u32be(derive=crc32_of("type", "data"), check=True)


def png_chunk(type_, data):
    return struct.pack(">I", len(data)) + type_ + data + struct.pack(">I", zlib.crc32(type_ + data))


@given(type_=st.binary(min_size=4, max_size=4), data=st.binary(max_size=200))
def test_chunk_matches_zlib(type_, data):
    raw = png_chunk(type_, data)
    assert Chunk.build(Chunk(type=type_, data=data)) == raw
    obj = Chunk.parse(raw)
    assert (obj.length, obj.crc) == (len(data), zlib.crc32(type_ + data))


def test_check_on_parse_reports_bad_crc():
    raw = bytearray(png_chunk(b"IHDR", b"abc"))
    raw[-1] ^= 1
    with pytest.raises(ParseError) as err:
        Chunk.parse(bytes(raw))
    assert err.value.path == "crc" and err.value.offset == 11
    assert err.value.expected == zlib.crc32(b"IHDRabc")


def test_edit_then_build_recomputes():
    obj = Chunk.parse(png_chunk(b"tEXt", b"old"))
    obj.data = b"much newer"
    assert Chunk.build(obj) == png_chunk(b"tEXt", b"much newer")


def test_typed_wrong_value_is_build_error():
    with pytest.raises(BuildError) as err:
        Chunk.build(Chunk(type=b"IDAT", data=b"abc", length=4))
    assert err.value.path == "length" and err.value.expected == 3 and err.value.found == 4
    assert Chunk.build(Chunk(type=b"IDAT", data=b"abc", length=3)) == png_chunk(b"IDAT", b"abc")


def test_edited_derived_value_is_checked():
    obj = Chunk.parse(png_chunk(b"tEXt", b"old"))
    obj.length = 99
    with pytest.raises(BuildError):
        Chunk.build(obj)


def test_count_of_and_arithmetic():
    class Msg(Struct, endian="big"):
        total: int = u16be(derive=len_of("name", "items") + 2)
        n: int = u8(derive=count_of("items"))
        name: str = String(prefix=u8)
        items: list = Array(u16be, count=this.n)

    raw = Msg.build(Msg(name="ab", items=[1, 2, 3]))
    assert raw == struct.pack(">HBB2s3H", 3 + 6 + 2, 3, 2, b"ab", 1, 2, 3)
    assert Msg.parse(raw).items == [1, 2, 3]


def test_derive_function_sees_values_and_bytes():
    class F(Struct):
        data: bytes = Bytes(4)
        xor: int = u8(derive=lambda this: __import__("functools").reduce(lambda a, b: a ^ b, this._bytes("data")),
                      check=True)

    assert F.build(F(data=b"\x01\x02\x04\x08")) == b"\x01\x02\x04\x08\x0f"
    with pytest.raises(ParseError):
        F.parse(b"\x01\x02\x04\x08\x00")


def test_derived_from_later_field_and_cycle():
    class Later(Struct):
        size: int = u8(derive=len_of("rest"))
        rest: bytes = Bytes(greedy=True)

    assert Later.build(Later(rest=b"abc")) == b"\x03abc"

    class Cycle(Struct):
        a: int = u8(derive=len_of("b"))
        b: bytes = Bytes(this.a)
        c: int = u8(derive=this.c + 1)

    with pytest.raises(BuildError, match="depends on itself"):
        Cycle.build(Cycle(b=b"x"))
