"""Pointers and LEB128/zig-zag integers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import SLEB128, ULEB128, BuildError, Bytes, ParseError, Pointer, String, Struct, ZigZag, this, u8, u32le

# Examples from the DWARF standard (section 7.6) and Wikipedia's LEB128 article.
ULEB_EXAMPLES = [(2, b"\x02"), (127, b"\x7f"), (128, b"\x80\x01"), (129, b"\x81\x01"), (130, b"\x82\x01"),
                 (12857, b"\xb9\x64"), (624485, b"\xe5\x8e\x26")]
SLEB_EXAMPLES = [(2, b"\x02"), (-2, b"\x7e"), (127, b"\xff\x00"), (-127, b"\x81\x7f"), (128, b"\x80\x01"),
                 (-128, b"\x80\x7f"), (129, b"\x81\x01"), (-129, b"\xff\x7e"), (-123456, b"\xc0\xbb\x78")]
# Protocol Buffers encoding guide: sint32 zig-zag.
ZIGZAG_EXAMPLES = [(0, b"\x00"), (-1, b"\x01"), (1, b"\x02"), (-2, b"\x03"), (2147483647, b"\xfe\xff\xff\xff\x0f"),
                   (-2147483648, b"\xff\xff\xff\xff\x0f")]


def one(t):
    class V(Struct):
        v: int = t()
    return V


@pytest.mark.parametrize("kind,examples", [(ULEB128, ULEB_EXAMPLES), (SLEB128, SLEB_EXAMPLES),
                                           (ZigZag, ZIGZAG_EXAMPLES)])
def test_published_examples(kind, examples):
    model = one(kind)
    for value, raw in examples:
        assert model.build(model(v=value)) == raw
        assert model.parse(raw).v == value


@given(v=st.integers(-(2**63), 2**63 - 1))
def test_signed_round_trip(v):
    for kind in (SLEB128, ZigZag):
        model = one(kind)
        assert model.parse(model.build(model(v=v))).v == v


def test_varint_errors():
    u = one(ULEB128)
    with pytest.raises(ParseError):
        u.parse(b"\x80\x80")
    with pytest.raises(ParseError, match="longer than 10"):
        u.parse(b"\x80" * 11 + b"\x00")
    with pytest.raises(ParseError, match="overlong"):
        u.parse(b"\x80\x00")
    with pytest.raises(ParseError, match="overlong"):
        one(SLEB128).parse(b"\xff\x7f")
    with pytest.raises(BuildError):
        u.build(u(v=-1))


class Table(Struct):
    name_at: int = u32le()
    count: int = u8()
    name: str = Pointer(this.name_at, String(prefix=u8))
    body: bytes = Bytes(greedy=True)


def test_pointer_reads_without_moving():
    raw = b"\x07\x00\x00\x00\x09" + b"xx" + b"\x03abc"
    t = Table.parse(raw)
    assert (t.count, t.name, t.body) == (9, "abc", b"xx\x03abc")
    assert Table.build(t) == raw


def test_pointer_build_places_data_and_detects_conflicts():
    t = Table(name_at=8, count=1, name="hi", body=b"")
    assert Table.build(t) == b"\x08\x00\x00\x00\x01\x00\x00\x00\x02hi"
    with pytest.raises(BuildError, match="overwrite"):
        Table.build(Table(name_at=0, count=1, name="hi", body=b""))


def test_pointer_past_end():
    with pytest.raises(ParseError) as err:
        Table.parse(b"\xff\x00\x00\x00\x00")
    assert err.value.path == "name"


def test_relative_pointer():
    class Inner(Struct):
        at: int = u8()
        v: int = Pointer(this.at, u8, relative=True)
        rest: bytes = Bytes(2)

    class Outer(Struct):
        pad: bytes = Bytes(1)
        inner: Inner

    o = Outer.parse(b"\xee\x02\xaa\xbb")
    assert o.inner.v == 0xbb
    assert Outer.build(o) == b"\xee\x02\xaa\xbb"


def test_relative_pointer_outside_a_nested_struct_is_refused_on_parse():
    class Inner(Struct):
        at: int = u8()
        val: int = Pointer(this.at, u8, relative=True)

    class Outer(Struct):
        inner: Inner
        tail: bytes = Bytes(2)

    with pytest.raises(ParseError, match="outside its struct"):
        Outer.parse(b"\x02\xaa\x2a")


def test_absolute_pointer_after_the_end_round_trips():
    class H(Struct):
        at: int = u8()
        val: int = Pointer(this.at, u8)

    raw = H.build(H(at=4, val=7))
    assert raw == b"\x04\0\0\0\x07"
    assert H.parse(raw) == H(at=4, val=7)
