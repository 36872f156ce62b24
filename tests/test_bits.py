"""Bit fields, checked against bit strings assembled by hand (an independent method)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import Bits, BuildError, DefinitionError, Struct, u8


def pack_bits(fields, order, nbytes, endian):
    """Concatenate (value, width) pairs as a bit string, MSB- or LSB-first, then make bytes."""
    text = "".join(format(v & ((1 << w) - 1), "0%db" % w) for v, w in fields)
    if order == "lsb":
        text = "".join(format(v & ((1 << w) - 1), "0%db" % w) for v, w in reversed(fields))
    return int(text, 2).to_bytes(nbytes, endian)


class W4(Struct, endian="big"):
    a: int = Bits(3)
    b: int = Bits(5)
    tag: int = u8()
    c: int = Bits(4)
    d: int = Bits(12)


@given(a=st.integers(0, 7), b=st.integers(0, 31), tag=st.integers(0, 255), c=st.integers(0, 15),
       d=st.integers(0, 4095))
def test_msb_groups(a, b, tag, c, d):
    raw = pack_bits([(a, 3), (b, 5)], "msb", 1, "big") + bytes([tag]) + pack_bits([(c, 4), (d, 12)], "msb", 2, "big")
    obj = W4(a=a, b=b, tag=tag, c=c, d=d)
    assert W4.build(obj) == raw
    assert W4.parse(raw) == obj


class Lsb(Struct, endian="little", bit_order="lsb"):
    x: int = Bits(5)
    y: int = Bits(11, signed=True)
    z: int = Bits(16)


@given(x=st.integers(0, 31), y=st.integers(-1024, 1023), z=st.integers(0, 65535))
def test_lsb_little_endian_signed(x, y, z):
    raw = pack_bits([(x, 5), (y, 11), (z, 16)], "lsb", 4, "little")
    assert Lsb.build(Lsb(x=x, y=y, z=z)) == raw
    assert Lsb.parse(raw) == Lsb(x=x, y=y, z=z)


def test_ip_header_first_byte():
    class IPv4First(Struct):
        version: int = Bits(4)
        ihl: int = Bits(4)

    assert IPv4First.parse(b"\x45") == IPv4First(version=4, ihl=5)


def test_group_that_ends_inside_a_byte_is_padded_to_it():
    class Short(Struct):
        a: int = Bits(3)
        b: int = Bits(4)
        c: int = u8()

    assert Short.parse(b"\x2a\x09") == Short(a=1, b=5, c=9)  # 001 0101 | 0: the last bit is padding
    assert Short.sizeof() == 2


def test_multi_byte_group_without_endian_is_a_bit_stream():
    class Msb(Struct):
        a: int = Bits(4)
        b: int = Bits(12)

    class Lsb(Struct, bit_order="lsb"):
        a: int = Bits(4)
        b: int = Bits(12)

    assert Msb.parse(b"\x12\x34") == Msb(a=1, b=0x234)  # msb: the bytes in order, most significant first
    assert Lsb.parse(b"\x12\x34") == Lsb(a=2, b=0x341)  # lsb: the first byte is the least significant


def test_mixed_order_is_an_error():
    with pytest.raises(DefinitionError, match="mix"):
        class Bad(Struct):
            a: int = Bits(4, order="lsb")
            b: int = Bits(4, order="msb")


def test_out_of_range_bits():
    with pytest.raises(BuildError) as err:
        W4.build(W4(a=8, b=0, tag=0, c=0, d=0))
    assert err.value.path == "a"


def test_change_of_order_at_byte_boundary_starts_a_new_group():
    class Two(Struct, endian="big"):
        a: int = Bits(3, order="msb")
        b: int = Bits(5, order="msb")
        c: int = Bits(3, order="lsb")
        d: int = Bits(5, order="lsb")

    assert [m.order for m in Two._bm_node.members] == ["msb", "lsb"]
    raw = pack_bits([(1, 3), (2, 5)], "msb", 1, "big") + pack_bits([(3, 3), (4, 5)], "lsb", 1, "big")
    assert Two.build(Two(a=1, b=2, c=3, d=4)) == raw
