"""LazyArray parses only the records it is asked for, at the right places; LazyRecord decodes fields on first
read; Lazy types (forward references) make recursive models and take the enclosing struct's byte order."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Bits,
    Bytes,
    Const,
    DefinitionError,
    Enum,
    Field,
    Lazy,
    ParseError,
    SizeofError,
    Struct,
    Switch,
    this,
    u8,
    u16,
    u16be,
    u32le,
)
from binmodel.lazy import LazyArray, LazyRecord


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


# --- lazy records: fields decoded on first read --------------------------------------


class Head(Struct, endian="big"):
    version: int = Bits(4)
    kind: int = Bits(4)
    length: int = u16be()


class Message(Struct, endian="big"):
    magic: bytes = Const(b"M")
    head: Head
    id: int = u32le()
    body: bytes = Bytes(this.head.length)
    tail: int = u8()


def message(version, kind, ident, body, tail):
    """Bytes written with struct: the independent truth."""
    return b"M" + struct.pack(">BH", version << 4 | kind, len(body)) + struct.pack("<I", ident) + body + bytes([tail])


messages = st.builds(message, st.integers(0, 15), st.integers(0, 15), st.integers(0, 2**32 - 1),
                     st.binary(max_size=40), st.integers(0, 255))


@given(messages)
def test_lazy_fields_equal_the_eager_parse(data):
    eager = Message.parse(data)
    lazy = Message.parse_lazy(data)
    for name in ("tail", "id", "magic", "body"):  # out of order on purpose
        assert getattr(lazy, name) == getattr(eager, name)
    assert (lazy.head.version, lazy.head.kind, lazy.head.length) == (eager.head.version, eager.head.kind,
                                                                     eager.head.length)
    assert lazy.to_model() == eager


def test_fixed_offset_fields_do_not_parse_the_record(monkeypatch):
    data = message(4, 5, 77, b"payload", 9)
    lazy = Message.parse_lazy(data)
    calls = []
    original = Message.parse
    monkeypatch.setattr(Message, "parse", staticmethod(lambda *a, **k: calls.append(1) or original(*a, **k)))
    assert (lazy.id, lazy.head.kind) == (77, 5) and calls == []  # both at a fixed offset
    assert lazy.body == b"payload" and lazy.tail == 9 and calls == [1]  # after the variable part: once


def test_lazy_records_in_a_lazy_array_name_record_and_offset():
    data = records(100)
    arr = LazyArray(Rec, data, fields=True)
    assert arr[42].a == 42 and isinstance(arr[42], LazyRecord)
    broken = bytearray(data)
    broken[42 * 4] = ord("X")
    bad = LazyArray(Rec, bytes(broken), fields=True)[42]
    assert bad.a == 42  # another field of the broken record still reads
    with pytest.raises(ParseError) as exc:
        _ = bad.magic
    assert exc.value.path == "[42].magic" and exc.value.offset == 42 * 4


def test_lazy_record_is_read_only_and_checks_its_size():
    data = message(1, 2, 3, b"", 4)
    lazy = Message.parse_lazy(data)
    with pytest.raises(AttributeError, match="read-only"):
        lazy.id = 5
    with pytest.raises(AttributeError, match="no field"):
        _ = lazy.nope
    with pytest.raises(ParseError, match="needs 4 bytes, 3 left"):
        Rec.parse_lazy(records(1)[:3])
    with pytest.raises(ParseError) as exc:
        _ = Message.parse_lazy(data[:-1]).tail  # the variable part: the whole-record parse says what is missing
    assert exc.value.path == "tail"


def test_enum_field_decoded_alone():
    import enum

    class Color(enum.IntEnum):
        RED = 1

    class Pixel(Struct):
        color: Color = Enum(u8, Color)
        level: int = u8()

    assert Pixel.parse_lazy(b"\x01\x07").color is Color.RED


# --- Lazy types: forward references and recursive models ---------------------------


def test_recursive_models_have_no_static_size_but_a_layout():
    class Expr(Struct):
        kind: int = u8()
        body: object = Switch(this.kind, {0: u8, 1: Lazy(lambda: Pair)})

    class Pair(Struct):
        left: Expr
        right: Expr

    with pytest.raises(SizeofError, match="contains itself"):
        Expr.sizeof()
    assert "body" in str(Expr.layout())
    assert Expr.parse(b"\x01\x00\x05\x00\x06").body.right.body == 6


def test_lazy_numbers_take_the_enclosing_byte_order():
    class K(Struct, endian="little"):
        x: int = Field(Lazy(lambda: u16))

    assert K.parse(b"\x01\x00").x == 1

    class NoOrder(Struct):
        x: int = Field(Lazy(lambda: u16))

    with pytest.raises(DefinitionError, match="byte order"):
        NoOrder.parse(b"\x01\x00")
