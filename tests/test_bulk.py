"""numpy bulk arrays checked against struct and against the model's own parse."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Array,
    Bits,
    Bytes,
    Const,
    CString,
    DefinitionError,
    Field,
    Padding,
    ParseError,
    Struct,
    f32le,
    i16be,
    i64le,
    this,
    u8,
    u16le,
    u32le,
)

np = pytest.importorskip("numpy")
from binmodel import bulk  # noqa: E402


class Point(Struct, endian="little"):
    x: float = f32le()
    y: float = f32le()
    z: float = f32le()
    id: int = u32le()


class Inner(Struct, endian="big"):
    a: int = i16be()
    tag: bytes = Bytes(3)


class Mixed(Struct, endian="little"):
    magic: bytes = Const(b"MX")
    n: int = u16le()
    _gap: None = Padding(2)
    inner: Inner = Field(Inner)
    values: list = Array(i64le, count=2)


class BitsBE(Struct, endian="big"):
    a: int = Bits(3)
    b: int = Bits(5)
    c: int = Bits(4)
    d: int = Bits(12, signed=True)


def pack_points(points):
    return b"".join(struct.pack("<3fI", *p) for p in points)


floats = st.floats(width=32, allow_nan=False)


@given(st.lists(st.tuples(floats, floats, floats, st.integers(0, 2**32 - 1)), max_size=50))
def test_points_match_struct_and_parse(points):
    raw = pack_points(points)
    arr = bulk.parse_array(Point, raw)
    assert len(arr) == len(points)
    for rec, p in zip(arr, points):
        assert (float(rec["x"]), float(rec["y"]), float(rec["z"]), int(rec["id"])) == p
    for i in range(len(points)):
        one = Point.parse(raw[16 * i:16 * (i + 1)])
        assert (one.x, one.id) == (float(arr[i]["x"]), int(arr[i]["id"]))
    assert bulk.build_array(Point, arr) == raw


@given(st.lists(st.tuples(st.integers(0, 65535), st.integers(-32768, 32767), st.binary(min_size=3, max_size=3),
                          st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1)), max_size=20))
def test_nested_padding_const_and_arrays(rows):
    raw = b"".join(struct.pack("<2sH2x", b"MX", n) + struct.pack(">h3s", a, tag) + struct.pack("<2q", v1, v2)
                   for n, a, tag, v1, v2 in rows)
    arr = bulk.parse_array(Mixed, raw)
    assert bulk.dtype(Mixed).itemsize == Mixed.sizeof() == 27
    for rec, (n, a, tag, v1, v2) in zip(arr, rows):
        assert int(rec["n"]) == n and int(rec["inner"]["a"]) == a
        assert bytes(rec["inner"]["tag"]) == tag and list(rec["values"]) == [v1, v2]
    assert bulk.build_array(Mixed, arr) == raw


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 31), st.integers(0, 15), st.integers(-2048, 2047)),
                max_size=30))
def test_bit_groups_split_like_the_model(rows):
    raw = b"".join(BitsBE.build(BitsBE(a=a, b=b, c=c, d=d)) for a, b, c, d in rows)
    arr = bulk.parse_array(BitsBE, raw)
    fields = bulk.unpack_bits(arr, BitsBE)
    for i, (a, b, c, d) in enumerate(rows):
        assert [int(fields[k][i]) for k in "abcd"] == [a, b, c, d]


def test_zero_copy_and_counts():
    raw = bytearray(pack_points([(1.0, 2.0, 3.0, 4), (5.0, 6.0, 7.0, 8)]))
    arr = bulk.parse_array(Point, raw)
    assert np.shares_memory(arr, np.frombuffer(raw, dtype=np.uint8))
    raw[12] = 9  # the first id, seen through the view
    assert int(arr[0]["id"]) == 9
    assert len(bulk.parse_array(Point, bytes(raw), count=1, offset=16)) == 1


def test_errors():
    with pytest.raises(ParseError) as err:
        bulk.parse_array(Point, bytes(40))
    assert err.value.offset == 32 and err.value.found == 8
    with pytest.raises(ParseError):
        bulk.parse_array(Point, bytes(32), count=3)

    class Var(Struct):
        n: int = u8()
        data: bytes = Bytes(this.n)

    with pytest.raises(DefinitionError, match="data"):
        bulk.dtype(Var)

    class Text(Struct):
        name: str = CString()

    with pytest.raises(DefinitionError):
        bulk.dtype(Text)


def test_objects_both_ways():
    points = [Point(x=1.0, y=2.0, z=3.0, id=4), Point(x=0.5, y=0.0, z=-1.0, id=7)]
    arr = bulk.from_objects(Point, points)
    assert bulk.to_objects(Point, arr) == points
