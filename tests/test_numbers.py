"""Numbers against the standard library's struct and int.to_bytes."""

import math
import struct
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import binmodel as bm
from binmodel import BuildError, DefinitionError, ParseError, Struct, f16be, f32be

STRUCT_CODE = {8: "b", 16: "h", 32: "i", 64: "q"}
INT_TYPES = [
    (name, bits, sign == "i", {"be": "big", "le": "little"}[suffix])
    for bits in (16, 24, 32, 64)
    for sign in "ui"
    for suffix in ("be", "le")
    for name in ["%s%d%s" % (sign, bits, suffix)]
] + [("u8", 8, False, "big"), ("i8", 8, True, "big")]


def expected_bytes(value, bits, signed, endian):
    if bits in STRUCT_CODE:
        code = STRUCT_CODE[bits]
        return struct.pack((">" if endian == "big" else "<") + (code if signed else code.upper()), value)
    return value.to_bytes(bits // 8, endian, signed=signed)


def single(type_):
    class One(Struct):
        v: int = type_()

    return One


@pytest.mark.parametrize("name,bits,signed,endian", INT_TYPES)
@given(data=st.data())
def test_int_types_match_struct(name, bits, signed, endian, data):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    value = data.draw(st.integers(lo, hi))
    model = single(getattr(bm, name))
    raw = model.build(model(v=value))
    assert raw == expected_bytes(value, bits, signed, endian)
    assert model.parse(raw).v == value


@pytest.mark.parametrize("name,bits,signed,endian", INT_TYPES)
def test_int_out_of_range_is_build_error(name, bits, signed, endian):
    model = single(getattr(bm, name))
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    with pytest.raises(BuildError) as err:
        model.build(model(v=hi + 1))
    assert err.value.path == "v"
    with pytest.raises(BuildError):
        model.build(model(v="1"))


@pytest.mark.parametrize("bits,code", [(16, "e"), (32, "f"), (64, "d")])
@pytest.mark.parametrize("suffix,prefix", [("be", ">"), ("le", "<")])
@given(x=st.floats(allow_nan=False, width=16))
def test_floats_match_struct(bits, code, suffix, prefix, x):
    model = single(getattr(bm, "f%d%s" % (bits, suffix)))
    raw = model.build(model(v=x))
    assert raw == struct.pack(prefix + code, x)
    back = model.parse(raw).v
    assert back == x or (math.isnan(back) and math.isnan(x))


def test_float_nan_round_trips_bytes():
    model = single(bm.f64be)
    raw = b"\x7f\xf8\x00\x00\x00\x00\x00\x01"
    assert math.isnan(model.parse(raw).v)
    assert model.build(model.parse(raw)) == raw


def test_float_overflow_is_build_error():
    model = single(bm.f16le)
    with pytest.raises(BuildError, match="f16le"):
        model.build(model(v=1e10))


def test_struct_level_endian_applies_and_type_suffix_wins():
    class Mixed(Struct, endian="little"):
        a: int = bm.u32()
        b: int = bm.u32be()
        c: float = bm.f32()

    raw = Mixed.build(Mixed(a=1, b=1, c=1.5))
    assert raw == struct.pack("<I", 1) + struct.pack(">I", 1) + struct.pack("<f", 1.5)


def test_native_endian_is_the_machines():
    class Native(Struct, endian="native"):
        a: int = bm.u32()
        b: int = bm.Int(48, signed=True)

    raw = Native.build(Native(a=0x01020304, b=-2))
    assert raw[:4] == struct.pack("=I", 0x01020304)
    assert raw[4:] == (-2).to_bytes(6, sys.byteorder, signed=True)


def test_missing_endian_is_definition_error_naming_field():
    with pytest.raises(DefinitionError, match=r"NoOrder\.count.*u16"):
        class NoOrder(Struct):
            tag: int = bm.u8()
            count: int = bm.u16()


def test_missing_endian_inside_array_is_definition_error():
    with pytest.raises(DefinitionError, match="items"):
        class NoOrder(Struct):
            items: list = bm.Array(bm.u32, count=2)


def test_bad_endian_and_int_widths():
    with pytest.raises(DefinitionError):
        class Bad(Struct, endian="middle"):
            a: int = bm.u8()
    with pytest.raises(DefinitionError):
        bm.Int(12)
    with pytest.raises(DefinitionError):
        bm.Float(24)


@given(value=st.integers(0, (1 << 48) - 1))
def test_any_width_int(value):
    class Wide(Struct):
        v: int = bm.Int(48, endian="big")

    raw = Wide.build(Wide(v=value))
    assert raw == value.to_bytes(6, "big")
    assert Wide.parse(raw).v == value


def test_bool_parses_zero_and_one_only():
    class Flag(Struct):
        on: bool = bm.Bool()

    assert Flag.parse(b"\x01").on is True
    assert Flag.parse(b"\x00").on is False
    assert Flag.build(Flag(on=True)) == struct.pack("?", True)
    with pytest.raises(ParseError) as err:
        Flag.parse(b"\x02")
    assert (err.value.path, err.value.offset, err.value.found) == ("on", 0, 2)


@pytest.mark.parametrize("name,raw", [("f32be", b"\x7f\x80\x00\x01"), ("f32le", b"\x01\x00\xa0\xff"),
                                      ("f16be", b"\x7d\x01"), ("f64le", b"\x01\x00\x00\x00\x00\x00\xf0\x7f")])
def test_signalling_nan_payloads_survive(name, raw):
    model = single(getattr(bm, name))
    value = model.parse(raw).v
    assert math.isnan(value)
    assert model.build(model.parse(raw)) == raw


def test_nan_bits_only_reused_for_the_same_width():
    class Half(Struct):
        v: float = f16be()

    class Single(Struct):
        v: float = f32be()

    nan = Half.parse(b"\x7e\x01").v
    out = Single.build(Single(v=nan))
    assert struct.unpack(">f", out)[0] != struct.unpack(">f", out)[0]  # still a NaN
    assert Half.parse(b"\x7e\x01") == Half.parse(b"\x7e\x01")  # same bits, equal models
