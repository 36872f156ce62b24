"""Pointer(..., overwrite=True): pointer data written over a base image kept as bytes."""

import struct
from typing import List

import pytest

from binmodel import Array, BuildError, Bytes, Pointer, Struct, this, u8, u16le, u32le


class Image(Struct, endian="little"):
    """A header with two table offsets, the whole rest kept as bytes; the tables are written over it."""

    a_at: int = u32le()
    b_at: int = u32le()
    image: bytes = Bytes(greedy=True)
    a: List[int] = Pointer(this.a_at, Array(u16le, count=2), overwrite=True)
    b: int = Pointer(this.b_at, u8, overwrite=True)


RAW = struct.pack("<II", 10, 15) + b"xy" + struct.pack("<HH", 0x1111, 0x2222) + b"z" + b"\x07" + b"tail"


def test_unchanged_image_rebuilds_exactly():
    img = Image.parse(RAW)
    assert (img.a, img.b) == ([0x1111, 0x2222], 7)
    assert Image.build(img) == RAW


def test_edited_pointer_values_replace_the_image_bytes():
    img = Image.parse(RAW)
    img.a[1] = 0x3333
    img.b = 9
    out = Image.build(img)
    assert out == RAW[:12] + struct.pack("<H", 0x3333) + b"z\x09tail"
    assert Image.parse(out).a == [0x1111, 0x3333]


def test_without_overwrite_the_same_edit_is_refused():
    class Strict(Struct, endian="little"):
        at: int = u32le()
        image: bytes = Bytes(greedy=True)
        v: int = Pointer(this.at, u8)

    s = Strict.parse(b"\x05\x00\x00\x00ab")
    assert Strict.build(s) == b"\x05\x00\x00\x00ab"
    s.v = 0
    with pytest.raises(BuildError, match="other fields"):
        Strict.build(s)


def test_overlapping_overwrite_pointers_must_agree():
    class Two(Struct, endian="little"):
        image: bytes = Bytes(greedy=True)
        whole: bytes = Pointer(0, Bytes(4), overwrite=True)
        last: int = Pointer(3, u8, overwrite=True)

    two = Two.parse(b"abcd")
    assert Two.build(two) == b"abcd"
    two.whole = b"ABCD"
    with pytest.raises(BuildError, match="another pointer"):
        Two.build(two)  # 'last' still says d
    two.last = ord("D")
    assert Two.build(two) == b"ABCD"


def test_overwrite_past_the_end_grows_with_zeros():
    img = Image.parse(RAW)
    img.b_at = len(RAW) + 2
    out = Image.build(img)
    assert out[len(RAW):] == b"\0\0\x07"


def test_relative_overwrite_pointer_stays_inside_its_struct():
    class Inner(Struct, endian="little"):
        at: int = u8()
        body: bytes = Bytes(3)
        v: int = Pointer(this.at, u8, relative=True, overwrite=True)

    class Outer(Struct, endian="little"):
        inner: Inner
        tail: bytes = Bytes(1)

    o = Outer.parse(b"\x02abcT")
    assert o.inner.v == ord("b")
    o.inner.v = ord("B")
    assert Outer.build(o) == b"\x02aBcT"
    o.inner.at = 9
    with pytest.raises(BuildError, match="outside its struct"):
        Outer.build(o)
