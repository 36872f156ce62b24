"""Switch, If, Enum and Flags."""

import enum
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Bits,
    BuildError,
    Bytes,
    DefinitionError,
    Enum,
    Flags,
    If,
    ParseError,
    String,
    Struct,
    Switch,
    this,
    u8,
    u16be,
    u32be,
)


class Kind(enum.IntEnum):
    NUMBER = 1
    TEXT = 2


class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1


class Record(Struct, endian="big"):
    kind: Kind = Enum(u8, Kind)
    body: object = Switch(this.kind, {Kind.NUMBER: u32be, Kind.TEXT: String(prefix=u8)}, default=Bytes(greedy=True))


def test_switch_cases_and_default():
    assert Record.parse(b"\x01" + struct.pack(">I", 7)) == Record(kind=Kind.NUMBER, body=7)
    assert Record.parse(b"\x02\x02hi").body == "hi"
    other = Record.parse(b"\x09raw")
    assert other.kind == 9 and not isinstance(other.kind, Kind) and other.body == b"raw"
    for obj in (Record(kind=Kind.NUMBER, body=7), Record(kind=Kind.TEXT, body="hi"), Record(kind=9, body=b"z")):
        assert Record.parse(Record.build(obj)) == obj


def test_switch_without_case_or_default():
    class S(Struct):
        k: int = u8()
        v: int = Switch(this.k, {1: u8})

    with pytest.raises(ParseError) as err:
        S.parse(b"\x02\x00")
    assert err.value.path == "v" and err.value.offset == 1 and err.value.found == 2
    with pytest.raises(BuildError):
        S.build(S(k=3, v=1))


def test_strict_enum():
    class E(Struct):
        k: Kind = Enum(u8, Kind, strict=True)

    assert E.parse(b"\x02").k is Kind.TEXT
    with pytest.raises(ParseError) as err:
        E.parse(b"\x05")
    assert err.value.found == 5
    with pytest.raises(BuildError):
        E.build(E(k=5))


def test_flags_keep_unknown_bits():
    class F(Struct, endian="big"):
        mode: Perm = Flags(u16be, Perm)

    f = F.parse(b"\x00\x0d")
    assert Perm.R in f.mode and Perm.X in f.mode and Perm.W not in f.mode
    assert int(f.mode) == 13
    assert F.build(f) == b"\x00\x0d"


class Opt(Struct, endian="big"):
    flags: int = u8()
    extra: int = If(this.flags & 1, u16be, default=None)
    name: str = If(lambda this: this.flags & 2, String(prefix=u8), default=None)


def test_if_present_and_absent():
    assert Opt.parse(b"\x00") == Opt(flags=0)
    assert Opt.parse(b"\x03\x01\x02\x01a") == Opt(flags=3, extra=0x102, name="a")
    assert Opt.build(Opt(flags=2, name="xy")) == b"\x02\x02xy"


def test_if_build_refuses_lost_or_missing_values():
    with pytest.raises(BuildError, match="would not be written"):
        Opt.build(Opt(flags=0, extra=5))
    with pytest.raises(BuildError, match="None"):
        Opt.build(Opt(flags=1))


def test_plain_enum_and_flag_classes():
    class Color(enum.Enum):
        RED = 1

    class Fl(enum.Flag):
        A = 1
        B = 2

    class M(Struct):
        c: Color = Enum(u8, Color)
        f: Fl = Enum(u8, Fl)

    m = M.parse(b"\x01\x03")
    assert m.c is Color.RED and m.f == Fl.A | Fl.B
    assert M.build(m) == b"\x01\x03"


@pytest.mark.skipif(not hasattr(enum, "STRICT"), reason="enum boundaries are Python 3.11+")
def test_flags_that_refuse_or_drop_bits():
    class Strict(enum.IntFlag, boundary=enum.STRICT):
        A = 1
        B = 2

    class Conform(enum.IntFlag, boundary=enum.CONFORM):
        A = 1
        B = 2

    class S(Struct):
        f: Strict = Flags(u8, Strict)

    class C(Struct):
        f: Conform = Flags(u8, Conform)

    with pytest.raises(BuildError):
        S.build(S(f=5))
    with pytest.raises(ParseError):
        C.parse(b"\x05")  # CONFORM would silently drop bit 2
    assert C.parse(b"\x03").to_bytes() == b"\x03"


def test_failing_custom_enum_is_a_plain_int():
    class Odd(enum.IntEnum):
        A = 1

        @classmethod
        def _missing_(cls, value):
            raise KeyError(value)

    class M(Struct):
        op: Odd = __import__("binmodel").Enum(u8, Odd)

    assert M.parse(b"\x07").op == 7


class _Kind(enum.IntEnum):
    small = 1
    big = 5


class _Flagged(Struct, bit_order="msb"):
    """An enum over a bit field: it keeps its place in the bit group."""

    kind: int = Enum(Bits(3), _Kind)
    level: int = Bits(5)
    tail: int = u8()


@given(st.integers(0, 255), st.integers(0, 255))
def test_an_enum_over_bits_reads_members_and_builds_back(byte, tail):
    raw = bytes([byte, tail])
    value = _Flagged.parse(raw)
    kind = byte >> 5  # the top three bits, by hand
    assert value.kind == kind and value.level == byte & 31 and value.tail == tail
    assert isinstance(value.kind, _Kind) == (kind in (1, 5))  # an unknown value stays an int
    assert _Flagged.build(value) == raw
    assert _Flagged.build(_Flagged(kind=_Kind.big, level=3, tail=tail)) == bytes([5 << 5 | 3, tail])


def test_an_enum_over_bits_is_not_strict():
    with pytest.raises(DefinitionError, match="IntEnum"):
        Enum(Bits(3), _Kind, strict=True)
