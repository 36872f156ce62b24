"""``Pointer(..., lazy=True)``: a value parsed when first read, like Kaitai Struct's instances: the offset is
evaluated with the struct, the value read on first access (its errors then), kept, usable by later fields
and by build; an instance never read still builds back to the same bytes. Compared with Kaitai's own code."""

import struct
from typing import Any, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Array,
    Bytes,
    If,
    Lazy,
    ParseError,
    Pointer,
    Sized,
    String,
    Struct,
    crc32_of,
    len_of,
    this,
    u8,
    u16le,
    u32le,
)
from kaitai_truth import kaitai_parse, missing, source_file


class Entry(Struct, endian="little"):
    word1: int = u16le()
    word2: int = u16le()


class UserArray(Struct, endian="little"):
    """Kaitai's instance_user_array: entries reached through an offset, read when asked for."""

    ofs: int = u32le()
    entry_size: int = u32le()
    qty_entries: int = u32le()
    user_entries: List[Entry] = Pointer(this.ofs, Array(Sized(this.entry_size, Entry), count=this.qty_entries),
                                        lazy=True)
    rest: bytes = Bytes(greedy=True)


def test_values_are_read_on_first_access_and_kept():
    raw = struct.pack("<III", 12, 4, 2) + struct.pack("<HHHH", 1, 2, 3, 4)
    value = UserArray.parse(raw)
    assert "not read yet" in repr(object.__getattribute__(value, "_bm_lazy_user_entries"))
    first = value.user_entries
    assert [(e.word1, e.word2) for e in first] == [(1, 2), (3, 4)]
    assert value.user_entries is first  # read once
    assert UserArray.build(UserArray.parse(raw)) == raw  # never read: still the same bytes


def test_an_error_in_a_lazy_value_is_raised_when_it_is_read():
    raw = struct.pack("<III", 100, 4, 2)
    value = UserArray.parse(raw)  # the offset is past the end, but nobody reads the entries yet
    with pytest.raises(ParseError) as caught:
        _ = value.user_entries
    assert caught.value.path == "user_entries" and caught.value.found == 100


def test_like_kaitai_instance_user_array():
    reason = missing()
    if reason:
        pytest.skip(reason)
    data = source_file("instance_std_array.bin")
    theirs = kaitai_parse("instance_user_array", data)
    ours = UserArray.parse(data)
    assert [(e.word1, e.word2) for e in ours.user_entries] == [(e.word1, e.word2) for e in theirs.user_entries]
    assert UserArray.build(ours) == data


class Later(Struct, endian="little"):
    """A later field reads a lazy one (its size), and a CRC covers it: both read it when needed."""

    ofs: int = u8()
    size: int = u8(derive=len_of("name"))
    name: bytes = Pointer(this.ofs, Bytes(this.size), lazy=True)
    crc: int = u32le(derive=crc32_of("name"), check=True)
    twice: str = If(this.size > 0, Pointer(this.ofs, String(this.size, encoding="latin-1", strip=False)))


@given(st.binary(max_size=12))
def test_later_fields_and_build_use_a_lazy_value(name):
    import zlib

    raw = struct.pack("<BBI", 6, len(name), zlib.crc32(name)) + name
    value = Later.parse(raw)
    assert value.name == name and value.crc == zlib.crc32(name)
    assert value.twice == (name.decode("latin-1") if name else None)
    assert Later.build(value) == raw
    assert Later.build(Later(ofs=6, size=None, name=name, crc=None, twice=value.twice)) == raw


def test_data_after_the_fields_is_explained_by_a_lazy_value():
    """Trailing bytes a lazy pointer reads are part of the value, as for an eager one (they are read to know)."""
    class Tail(Struct, endian="little"):
        ofs: int = u8()
        body: bytes = Pointer(this.ofs, Bytes(3), lazy=True)

    assert Tail.parse(b"\x01abc").body == b"abc"
    with pytest.raises(ParseError, match="left over"):
        Tail.parse(b"\x01abcd")


class Maybe(Struct, endian="little"):
    """A lazy value that may be absent, and a function that reads it."""

    ofs: int = u8()
    body: bytes = If(this.ofs > 0, Pointer(this.ofs, Bytes(2), lazy=True))
    twice: int = u8(derive=lambda this: 2 * len(this.body or b""))


def test_a_lazy_value_under_if_and_in_a_function():
    value = Maybe.parse(b"\x02\x04xy")
    assert "not read yet" in repr(value)  # (the If keeps it lazy: the field is a property too)
    assert value.body == b"xy" and Maybe.build(value) == b"\x02\x04xy"
    assert Maybe.build(Maybe(ofs=2, body=b"xy", twice=None)) == b"\x02\x04xy"  # the function reads it
    assert Maybe.parse(b"\x00\x00").body is None


class SelfIndex(Struct):
    """A lazy pointer to the model itself (Kaitai's cast_to_top.ksy): each value read holds another."""

    code: int = u8()
    again: Any = Pointer(1, Lazy(lambda: SelfIndex), lazy=True)


def test_a_chain_of_lazy_values_meets_the_depth_limit_not_the_memory():
    value = SelfIndex.parse(b"\x05\x07", allow_trailing=True)
    assert value.code == 5 and value.again.code == 7 and value.again.again.again.code == 7
    # explaining the trailing byte reads the lazy values, each of which holds one more: the depth limit
    with pytest.raises(ParseError, match="nested deeper than"):
        SelfIndex.parse(b"\x05\x07")
