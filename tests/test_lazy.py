"""LazyArray parses only the records it is asked for, at the right places."""

import struct

import pytest

from binmodel import Const, ParseError, SizeofError, Struct, u8, u16be, u32le
from binmodel.lazy import LazyArray


class Rec(Struct, endian="big"):
    magic: bytes = Const(b"R")
    a: int = u16be()
    b: int = u8()


def records(n):
    return b"".join(b"R" + struct.pack(">HB", i, i % 256) for i in range(n))


def test_access_parses_only_what_is_read(monkeypatch):
    data = records(10000)
    calls = []
    arr = LazyArray(Rec, data)
    Rec.parse(data[:4])  # the first parse installs the compiled entry; count the calls after it
    original = Rec.parse
    monkeypatch.setattr(Rec, "parse", staticmethod(lambda raw: calls.append(raw) or original(raw)))
    assert len(arr) == 10000 and arr[1234] == Rec(a=1234, b=1234 % 256) and arr[-1].a == 9999
    assert len(calls) == 2
    assert [r.a for r in arr[10:13]] == [10, 11, 12] and isinstance(arr[10:13], LazyArray)
    assert [r.a for r in arr[1:7:3]] == [1, 4]


def test_errors_name_the_record_and_the_offset():
    data = bytearray(records(5))
    data[8] = ord("X")  # record 2's magic
    arr = LazyArray(Rec, bytes(data))
    assert arr[1].a == 1
    with pytest.raises(ParseError) as err:
        arr[2]
    assert err.value.path == "[2].magic" and err.value.offset == 8
    with pytest.raises(IndexError):
        arr[5]
    with pytest.raises(ParseError) as err:
        LazyArray(Rec, records(3) + b"R")
    assert err.value.offset == 12
    with pytest.raises(ParseError):
        LazyArray(Rec, records(3), count=4)

    class Var(Struct):
        n: int = u8()
        more: object = __import__("binmodel").Bytes(__import__("binmodel").this.n)

    with pytest.raises(SizeofError):
        LazyArray(Var, b"\x00")


def test_offset_and_count():
    data = b"head" + struct.pack("<4I", 1, 2, 3, 4)

    class Word(Struct):
        v: int = u32le()

    arr = LazyArray(Word, data, offset=4, count=3)
    assert [w.v for w in arr] == [1, 2, 3]
