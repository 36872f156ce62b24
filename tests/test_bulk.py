"""numpy bulk arrays checked against struct (and hand-written bit math) and against the model's own parse."""

import enum
import math
import mmap
import struct
import subprocess
import sys
import tempfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    ULEB128,
    Align,
    Array,
    Bits,
    Bool,
    BuildError,
    Bytes,
    Const,
    CString,
    DefinitionError,
    Enum,
    Field,
    If,
    Lazy,
    Padding,
    ParseError,
    Pointer,
    String,
    Struct,
    Switch,
    f16le,
    f32le,
    f64be,
    i8,
    i16be,
    i24le,
    i32be,
    i32le,
    i64le,
    this,
    u8,
    u16be,
    u16le,
    u24be,
    u32,
    u32le,
    u64be,
)

np = pytest.importorskip("numpy")
from binmodel import bulk  # noqa: E402

# --- the models, each with the struct format (or bit math) that is its independent truth


class Point(Struct, endian="little"):  # W3
    x: float = f32le()
    y: float = f32le()
    z: float = f32le()
    id: int = u32le()


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class MixedEndian(Struct, endian="native"):
    a: int = u8()
    b: int = i8()
    c: int = u16be()
    d: int = u16le()
    e: int = i32be()
    f: int = i32le()
    g: int = u64be()
    h: int = i64le()
    n: int = u32()  # native
    r: float = f64be()
    s: float = f16le()
    ok: bool = Bool()
    color: Color = Enum(u8, Color)


MIXED_ENDIAN = ("B", "b", ">H", "<H", ">i", "<i", ">Q", "<q", "=I", ">d", "<e", "?", "B")


class Inner(Struct, endian="big"):
    a: int = i16be()
    tag: bytes = Bytes(3)


class Mixed(Struct, endian="little"):
    magic: bytes = Const(b"MX")
    n: int = u16le()
    _gap: None = Padding(2)
    inner: Inner = Field(Inner)
    values: list = Array(i64le, count=2)
    _pad: None = Align(4)
    pairs: list = Array(Inner, count=2)


class BitsBE(Struct, endian="big"):  # {a:3,b:5}{c:4,d:12}, msb first: one 3-byte group in binmodel
    a: int = Bits(3)
    b: int = Bits(5)
    c: int = Bits(4)
    d: int = Bits(12, signed=True)


class BitsLE(Struct, endian="little", bit_order="lsb"):  # groups of 1, 2, 4 and 8 bytes
    a: int = Bits(3)
    b: int = Bits(5)
    sep: int = u8()
    c: int = Bits(4)
    d: int = Bits(12, signed=True)
    sep2: int = u8()
    e: int = Bits(20)
    f: int = Bits(12, signed=True)
    sep3: int = u8()
    g: int = Bits(1)
    h: int = Bits(63, signed=True)


class Int24(Struct, endian="big"):
    u: int = u24be()
    i: int = i24le()


def mask(value, bits):
    return value & ((1 << bits) - 1)


def pack_mixed_endian(row):
    return b"".join(struct.pack(fmt, v) for fmt, v in zip(MIXED_ENDIAN, row))


def pack_mixed(row):
    n, a, tag, v1, v2, pairs = row
    out = struct.pack("<2sH2x", b"MX", n) + struct.pack(">h3s", a, tag) + struct.pack("<2q", v1, v2)
    out += b"\0" * (-len(out) % 4)
    return out + b"".join(struct.pack(">h3s", pa, pt) for pa, pt in pairs)


def pack_bits_be(row):
    a, b, c, d = row
    return struct.pack(">BH", a << 5 | b, c << 12 | mask(d, 12))


def pack_bits_le(row):
    a, b, sep, c, d, sep2, e, f, sep3, g, h = row
    return struct.pack("<BBHBIBQ", a | b << 3, sep, c | mask(d, 12) << 4, sep2, e | mask(f, 12) << 20, sep3,
                       g | mask(h, 63) << 1)


def pack_int24(row):
    u, i = row
    return u.to_bytes(3, "big") + i.to_bytes(3, "little", signed=True)


def ints(bits, signed=False):
    return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else st.integers(0, (1 << bits) - 1)


pairs = st.lists(st.tuples(ints(16, True), st.binary(min_size=3, max_size=3)), min_size=2, max_size=2)
ROWS = {
    Point: (st.tuples(*[st.floats(width=32, allow_nan=False)] * 3, ints(32)), lambda r: struct.pack("<3fI", *r)),
    MixedEndian: (st.tuples(ints(8), ints(8, True), ints(16), ints(16), ints(32, True), ints(32, True), ints(64),
                            ints(64, True), ints(32), st.floats(allow_nan=False), st.floats(width=16, allow_nan=False),
                            st.booleans(), st.sampled_from([1, 2])), pack_mixed_endian),
    Mixed: (st.tuples(ints(16), ints(16, True), st.binary(min_size=3, max_size=3), ints(64, True), ints(64, True),
                      pairs), pack_mixed),
    BitsBE: (st.tuples(ints(3), ints(5), ints(4), ints(12, True)), pack_bits_be),
    BitsLE: (st.tuples(ints(3), ints(5), ints(8), ints(4), ints(12, True), ints(8), ints(20), ints(12, True), ints(8),
                       ints(1), ints(63, True)), pack_bits_le),
    Int24: (st.tuples(ints(24), ints(24, True)), pack_int24),
}


def records(model):
    rows, pack = ROWS[model]
    return st.lists(rows, max_size=20).map(lambda rs: (rs, b"".join(pack(r) for r in rs)))


def same(value, expected):
    """A numpy record (or field) equals a value ``Model.parse`` gave."""
    if isinstance(value, np.void) and value.dtype.names:
        return all(same(value[n], getattr(expected, n)) for n in value.dtype.names if "__" not in n)
    if isinstance(expected, bytes):
        return value.dtype == np.uint8 and bytes(value) == expected
    if isinstance(expected, list):
        return len(value) == len(expected) and all(same(v, e) for v, e in zip(value, expected))
    if isinstance(expected, float):
        return value.item() == expected or (math.isnan(expected) and math.isnan(value.item()))
    return type(value.item()) is type(expected if not isinstance(expected, enum.Enum) else 0) and (
        value.item() == expected)


def check_against_model(model, raw, arr):
    size = model.sizeof()
    assert len(arr) * size == len(raw)
    bits = bulk.unpack_bits(arr, model)
    for i, rec in enumerate(arr):
        obj = model.parse(raw[i * size:(i + 1) * size])
        assert same(rec, obj), (rec, obj)
        for name, values in bits.items():
            assert values[i].item() == getattr(obj, name)


# --- dtype


def test_dtype_layouts_match_struct():
    assert bulk.dtype(Point) == np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("id", "<u4")])
    assert bulk.dtype(BitsBE) == np.dtype({"names": ["a__b__c__d"], "formats": [("u1", (3,))], "offsets": [0],
                                           "itemsize": 3})
    assert bulk.dtype(BitsLE).names == ("a__b", "sep", "c__d", "sep2", "e__f", "sep3", "g__h")
    assert [bulk.dtype(BitsLE).fields[n][0].str for n in ("a__b", "c__d", "e__f", "g__h")] == ["|u1", "<u2", "<u4",
                                                                                               "<u8"]
    mixed = bulk.dtype(Mixed)
    assert mixed.names == ("magic", "n", "inner", "values", "pairs")  # padding and alignment are gaps
    assert [mixed.fields[n][1] for n in mixed.names] == [0, 2, 6, 11, 28]
    assert mixed.fields["pairs"][0].shape == (2,) and mixed.fields["pairs"][0].base.names == ("a", "tag")
    native = "<" if sys.byteorder == "little" else ">"
    assert bulk.dtype(MixedEndian).fields["n"][0].str == native + "u4"
    assert bulk.dtype(MixedEndian).fields["c"][0].str == ">u2"
    for model, fmt in ((Point, "<3fI"), (MixedEndian, "<BbHHiiQqIde?B"), (Mixed, "<2sH2xh3s2q1x10s"),
                       (BitsLE, "<BBHBIBQ"), (Int24, "6s")):
        assert bulk.dtype(model).itemsize == model.sizeof() == struct.calcsize(fmt)
    assert bulk.dtype(Point) is bulk.dtype(Point)  # cached


def test_strings_lazy_and_c_models():
    class Named(Struct, endian="big"):
        name: str = String(8)
        code: str = CString(size=4)
        inner: Inner = Lazy(lambda: Inner)

    raw = Named.build(Named(name="hi", code="ab", inner=Inner(a=-2, tag=b"x\0\0")))
    arr = bulk.parse_array(Named, raw)
    assert bytes(arr[0]["name"]) == b"hi\0\0\0\0\0\0" and bytes(arr[0]["inner"]["tag"]) == b"x\0\0"
    assert bulk.build_array(Named, arr) == raw

    from binmodel.cabi import CStruct, CUnion, c_char, c_double, c_int, c_uint

    class C(CStruct, abi="x86_64-linux"):
        c: int = c_char()
        d: float = c_double()
        x: int = c_uint(bits=3)
        y: int = c_uint(bits=7)

    raw = struct.pack("<b7xdH6x", -5, 2.5, 6 | 100 << 3)
    arr = bulk.parse_array(C, raw)
    assert (arr[0]["c"].item(), arr[0]["d"].item()) == (-5, 2.5)
    assert {k: v.tolist() for k, v in bulk.unpack_bits(arr, C).items()} == {"x": [6], "y": [100]}
    assert bulk.build_array(C, arr) == raw

    class U(CUnion, abi="x86_64-linux"):
        i: int = c_int()
        d: float = c_double()

    raw = struct.pack("<d", -1.5)
    arr = bulk.parse_array(U, raw)
    assert arr[0]["d"].item() == -1.5 and arr[0]["i"].item() == struct.unpack("<i", raw[:4])[0]
    assert bulk.build_array(U, arr) == raw


# --- parse_array against struct and against Model.parse


@given(records(Point))
def test_points(case):
    rows, raw = case
    arr = bulk.parse_array(Point, raw)
    assert [tuple(r.item()) for r in arr] == [struct.unpack("<3fI", raw[16 * i:16 * i + 16]) for i in range(len(rows))]
    assert [tuple(r.item()) for r in arr] == rows
    check_against_model(Point, raw, arr)
    assert bulk.build_array(Point, arr) == raw


@given(records(MixedEndian))
def test_mixed_endian(case):
    rows, raw = case
    arr = bulk.parse_array(MixedEndian, raw)
    for rec, row in zip(arr, rows):
        assert tuple(rec.item()) == row
    check_against_model(MixedEndian, raw, arr)
    assert bulk.build_array(MixedEndian, arr) == raw


@given(records(Mixed))
def test_nested_padding_const_and_arrays(case):
    rows, raw = case
    arr = bulk.parse_array(Mixed, raw)
    for rec, (n, a, tag, v1, v2, prs) in zip(arr, rows):
        assert bytes(rec["magic"]) == b"MX" and rec["n"].item() == n
        assert rec["inner"]["a"].item() == a and bytes(rec["inner"]["tag"]) == tag
        assert rec["values"].tolist() == [v1, v2]
        assert [(p["a"].item(), bytes(p["tag"])) for p in rec["pairs"]] == prs
    check_against_model(Mixed, raw, arr)
    assert bulk.build_array(Mixed, arr) == raw


@given(records(BitsBE))
def test_bit_groups_msb_big_endian(case):
    rows, raw = case
    arr = bulk.parse_array(BitsBE, raw)
    fields = bulk.unpack_bits(arr, BitsBE)
    assert [tuple(fields[k][i].item() for k in "abcd") for i in range(len(rows))] == rows
    check_against_model(BitsBE, raw, arr)
    assert bulk.build_array(BitsBE, arr) == raw


@given(records(BitsLE))
def test_bit_groups_lsb_little_endian(case):
    rows, raw = case
    arr = bulk.parse_array(BitsLE, raw)
    fields = bulk.unpack_bits(arr, BitsLE)
    assert sorted(fields) == list("abcdefgh")
    assert all(v.dtype == np.int64 for v in fields.values())
    for i, row in enumerate(rows):
        a, b, sep, c, d, sep2, e, f, sep3, g, h = row
        assert [fields[k][i].item() for k in "abcdefgh"] == [a, b, c, d, e, f, g, h]
        assert arr[i]["sep"].item() == sep
    check_against_model(BitsLE, raw, arr)
    assert bulk.build_array(BitsLE, arr) == raw


@given(records(Int24))
def test_24_bit_ints_are_raw_bytes(case):
    rows, raw = case
    arr = bulk.parse_array(Int24, raw)
    for rec, (u, i) in zip(arr, rows):
        assert int.from_bytes(bytes(rec["u"]), "big") == u
        assert int.from_bytes(bytes(rec["i"]), "little", signed=True) == i
    assert bulk.build_array(Int24, arr) == raw


def test_bits_inside_nested_models_and_arrays():
    class Outer(Struct, endian="big"):
        tag: int = u8()
        one: BitsBE = Field(BitsBE)
        many: list = Array(BitsBE, count=2)

    rows = [(1, 2, 3, -4), (7, 31, 15, 2047), (0, 0, 0, -2048)]
    raw = bytes([9]) + b"".join(pack_bits_be(r) for r in rows)
    fields = bulk.unpack_bits(bulk.parse_array(Outer, raw * 2), Outer)
    assert fields["one.d"].tolist() == [-4, -4]
    assert fields["many.a"].tolist() == [[7, 0], [7, 0]] and fields["many.d"].tolist() == [[2047, -2048]] * 2


def test_unsigned_64_bit_field():
    class Wide(Struct, endian="little"):
        w: int = Bits(64)

    raw = struct.pack("<2Q", 2**64 - 1, 5)
    fields = bulk.unpack_bits(bulk.parse_array(Wide, raw), Wide)
    assert fields["w"].dtype == np.uint64 and fields["w"].tolist() == [2**64 - 1, 5]


@given(st.sampled_from(sorted(ROWS, key=lambda m: m.__name__)), st.binary(max_size=200))
def test_any_bytes_round_trip(model, blob):
    """Whatever the bytes (NaN payloads, bools of 7, wrong constants), build_array gives them back."""
    raw = blob[:len(blob) - len(blob) % model.sizeof()]
    assert bulk.build_array(model, bulk.parse_array(model, raw)) == raw


# --- zero copy, inputs, offset and count


def test_zero_copy_views_the_input():
    raw = bytearray(b"".join(struct.pack("<3fI", 1.0, 2.0, 3.0, i) for i in range(4)))
    arr = bulk.parse_array(Point, raw)
    assert np.shares_memory(arr, np.frombuffer(raw, dtype=np.uint8))
    base = arr
    while not isinstance(base, bytearray) and getattr(base, "base", None) is not None:
        base = base.base
    assert base is raw or (isinstance(base, memoryview) and base.obj is raw)
    raw[12] = 9  # the first id, seen through the view
    assert arr[0]["id"].item() == 9
    arr[1]["id"] = 77  # and written through it
    assert struct.unpack_from("<I", raw, 28)[0] == 77
    assert not bulk.parse_array(Point, bytes(raw)).flags.writeable


def test_inputs_offset_and_count():
    raw = b"".join(struct.pack("<3fI", i, i, i, i) for i in range(5))
    assert bulk.parse_array(Point, memoryview(raw), count=2, offset=16)["id"].tolist() == [1, 2]
    assert bulk.parse_array(Point, raw, offset=48)["id"].tolist() == [3, 4]
    assert bulk.parse_array(Point, raw, offset=80).shape == (0,)
    assert bulk.parse_array(Point, raw, count=0).shape == (0,)
    assert bulk.parse_array(Point, b"").shape == (0,)
    assert bulk.parse_array(Point, raw, count=np.int64(1))["id"].tolist() == [0]
    with tempfile.TemporaryFile() as f:
        f.write(b"xx" + raw)
        f.flush()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            arr = bulk.parse_array(Point, m, offset=2)
            assert arr["id"].tolist() == [0, 1, 2, 3, 4]
            del arr  # the view must go before the map closes


# --- errors


def test_trailing_partial_record_is_an_error():
    with pytest.raises(ParseError) as err:
        bulk.parse_array(Point, bytes(40))
    assert err.value.offset == 32 and err.value.found == 8 and err.value.path == "[2]"
    with pytest.raises(ParseError) as err:
        bulk.parse_array(Point, bytes(40), offset=3)
    assert err.value.offset == 35 and err.value.found == 5
    with pytest.raises(ParseError) as err:
        bulk.parse_array(Point, bytes(40), count=3)
    assert err.value.offset == 32 and err.value.found == 2
    for kwargs in ({"count": -1}, {"offset": 41}, {"offset": -1}, {"offset": 1.0}):
        with pytest.raises(ParseError):
            bulk.parse_array(Point, bytes(40), **kwargs)


class Inline(Struct, endian="big"):
    n: int = u8()
    data: bytes = Bytes(this.n)


class Holder(Struct, endian="big"):
    head: int = u8()
    body: Inline = Field(Inline)


class Chosen(Struct, endian="big"):
    kind: int = u8()
    value: int = Switch(this.kind, {1: u16be, 2: u16be})


class Rest(Struct):
    items: list = Array(u8, greedy=True)


class Until(Struct):
    items: list = Array(u8, until=lambda v: v == 0)


class Text(Struct):
    name: str = CString()


class Var(Struct):
    v: int = ULEB128()


class Maybe(Struct):
    flag: int = u8()
    extra: int = If(this.flag == 1, u8)


class Far(Struct):
    at: int = u8()
    value: int = Pointer(this.at, u8)


@pytest.mark.parametrize("model, field", [(Inline, "data"), (Holder, "body.data"), (Chosen, "value"),
                                          (Rest, "items"), (Until, "items"), (Text, "name"), (Var, "v"),
                                          (Maybe, "extra"), (Far, "value")])
def test_variable_size_models_have_no_dtype(model, field):
    with pytest.raises(DefinitionError) as err:
        bulk.dtype(model)
    assert str(err.value).startswith(model.__name__) and (" %s:" % field in str(err.value) or
                                                          " %s has" % field in str(err.value))
    with pytest.raises(DefinitionError):
        bulk.parse_array(model, b"")


def test_empty_model_has_no_array():
    class Empty(Struct):
        pass

    assert bulk.dtype(Empty).itemsize == 0
    with pytest.raises(DefinitionError):
        bulk.parse_array(Empty, b"")


def test_build_array_checks_fields_and_values():
    wide = np.array([(1.0, 2.0, 3.0, 4)], dtype=[("x", "f8"), ("y", "f8"), ("z", "f8"), ("id", "i8")])
    assert bulk.build_array(Point, wide) == struct.pack("<3fI", 1.0, 2.0, 3.0, 4)  # converted like astype
    swapped = bulk.parse_array(Point, struct.pack("<3fI", 1.0, 2.0, 3.0, 4)).astype(
        bulk.dtype(Point).newbyteorder(">"))
    assert bulk.build_array(Point, swapped) == struct.pack("<3fI", 1.0, 2.0, 3.0, 4)
    with pytest.raises(BuildError):
        bulk.build_array(Point, np.zeros(2, dtype=[("x", "<f4"), ("y", "<f4"), ("id", "<u4")]))
    with pytest.raises(BuildError):
        bulk.build_array(Point, np.zeros(3, dtype=np.uint8))
    with pytest.raises(BuildError) as err:
        bulk.build_array(Point, np.array([(0, 0, 0, 2**32)], dtype=[("x", "f4"), ("y", "f4"), ("z", "f4"),
                                                                      ("id", "i8")]))
    assert err.value.path == "id" and err.value.found == 2**32
    with pytest.raises(BuildError):
        bulk.build_array(Point, np.array([(0, 0, 0, -1)], dtype=[("x", "f4"), ("y", "f4"), ("z", "f4"),
                                                                   ("id", "i8")]))


def test_objects_both_ways():
    points = [Point(x=1.0, y=2.0, z=3.0, id=4), Point(x=0.5, y=0.0, z=-1.0, id=7)]
    arr = bulk.from_objects(Point, points)
    assert arr.flags.writeable and bulk.to_objects(Point, arr) == points
    assert bulk.from_objects(Point, []).shape == (0,)
    bad = bulk.parse_array(Mixed, b"XX" + bytes(Mixed.sizeof() - 2))  # numpy does not check constants
    with pytest.raises(ParseError):
        bulk.to_objects(Mixed, bad)  # Model.parse does


def test_import_without_numpy():
    code = ("import sys; sys.modules['numpy'] = None\n"
            "import binmodel.bulk as b\n"
            "from binmodel import Struct, u8\n"
            "class M(Struct):\n    a: int = u8()\n"
            "try:\n    b.dtype(M)\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install numpy" in out
