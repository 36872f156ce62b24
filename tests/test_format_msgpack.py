"""The MessagePack model against the ``msgpack`` package: random nested values (hypothesis) packed by
msgpack, parsed by the model, compared with ``msgpack.unpackb`` and rebuilt byte for byte; the same values
encoded by ``from_python`` (lengths and counts derived on build) give msgpack's bytes; every format of
the specification is reached; bad input is a binmodel error with its path and offset."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binmodel import BuildError, Error, ParseError
from binmodel.formats import FORMATS
from binmodel.formats.msgpack import Ext8, ExtType, FixExt, Pair, Value, from_python, to_python
from construct_models import construct_model

msgpack = pytest.importorskip("msgpack")

scalars = (st.none() | st.booleans() | st.integers(-(1 << 63), (1 << 64) - 1)
           | st.floats(allow_nan=False) | st.text(max_size=40) | st.binary(max_size=40)
           | st.builds(msgpack.ExtType, st.integers(0, 127), st.binary(max_size=20)))
keys = st.integers(-1000, 1000) | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=18)
                      | st.dictionaries(keys, inner, max_size=18), max_leaves=40)


def unpack(raw):
    return msgpack.unpackb(raw, strict_map_key=False)


@settings(max_examples=200, deadline=None)
@given(values)
def test_random_values_packed_by_msgpack(value):
    raw = msgpack.packb(value)
    parsed = Value.parse(raw)
    assert to_python(parsed) == unpack(raw)
    assert Value.build(parsed) == raw
    assert Value.build(from_python(value)) == raw


@pytest.mark.parametrize("value,first", [
    (5, 0x05), (-1, 0xFF), (-32, 0xE0), (None, 0xC0), (False, 0xC2), (True, 0xC3),
    (b"x", 0xC4), (b"x" * 256, 0xC5), (b"x" * 65536, 0xC6),
    (msgpack.ExtType(1, b"abc"), 0xC7), (msgpack.ExtType(1, b"a" * 256), 0xC8),
    (msgpack.ExtType(1, b"a" * 65536), 0xC9), (1.5, 0xCB),
    (200, 0xCC), (60000, 0xCD), (1 << 31, 0xCE), (1 << 63, 0xCF),
    (-100, 0xD0), (-30000, 0xD1), (-(1 << 31), 0xD2), (-(1 << 63), 0xD3),
    (msgpack.ExtType(2, b"a"), 0xD4), (msgpack.ExtType(2, b"ab"), 0xD5), (msgpack.ExtType(2, b"abcd"), 0xD6),
    (msgpack.ExtType(2, b"a" * 8), 0xD7), (msgpack.ExtType(2, b"a" * 16), 0xD8),
    ("a" * 31, 0xBF), ("a" * 32, 0xD9), ("a" * 256, 0xDA), ("a" * 65536, 0xDB),
    ([1] * 15, 0x9F), ([1] * 16, 0xDC), ([None] * 65536, 0xDD),
    ({1: 2}, 0x81), ({i: 0 for i in range(16)}, 0xDE), ({i: 0 for i in range(65536)}, 0xDF),
])
def test_every_format(value, first):
    raw = msgpack.packb(value)
    assert raw[0] == first
    parsed = Value.parse(raw)
    assert parsed.t == first and to_python(parsed) == unpack(raw)
    assert Value.build(parsed) == raw and Value.build(from_python(value)) == raw


def test_single_float_and_timestamp():
    raw = msgpack.packb(1.25, use_single_float=True)
    assert Value.parse(raw) == Value(t=0xCA, value=1.25) and Value.build(Value.parse(raw)) == raw
    stamp = msgpack.Timestamp(1700000000, 5)
    raw = msgpack.packb(stamp)
    parsed = to_python(Value.parse(raw))
    assert parsed.code == -1 and msgpack.Timestamp.from_bytes(parsed.data) == unpack(raw) == stamp
    assert Value.build(from_python(ExtType(-1, parsed.data))) == raw


def test_fixstr_keeps_nuls():
    for text in ("\x00", "a\x00\x00", "\x00" * 31):
        raw = msgpack.packb(text)
        assert to_python(Value.parse(raw)) == text == unpack(raw)
        assert Value.build(Value.parse(raw)) == raw


def test_build_from_objects_derives_lengths():
    value = Value(t=0xDE, value=[Pair(key=Value(t=0xD9, value="key"), value=Value(t=0xC4, value=b"\x00\x01")),
                                 Pair(key=Value(t=0x01, value=1), value=Value(t=0xC7, value=Ext8(type=3, data=b"e")))])
    raw = Value.build(value)
    assert raw == b"\xde\x00\x02\xd9\x03key\xc4\x02\x00\x01\x01\xc7\x01\x03e"
    assert unpack(raw) == {"key": b"\x00\x01", 1: msgpack.ExtType(3, b"e")}
    assert Value.build(Value(t=0xD5, value=FixExt(type=1, data=b"ab"))) == msgpack.packb(msgpack.ExtType(1, b"ab"))


def test_a_count_in_the_type_byte_that_disagrees_is_a_build_error():
    with pytest.raises(BuildError):
        Value.build(Value(t=0x92, value=[Value(t=1, value=1)]))  # fixarray of 2 with one item
    with pytest.raises(BuildError):
        Value.build(Value(t=0xA3, value="ab"))  # fixstr of 3 bytes, 2 given
    with pytest.raises(Error):
        Value.build(Value(t=0x05, value=6))  # a positive fixint is its type byte


def test_bad_input_names_the_field_and_offset():
    with pytest.raises(ParseError) as info:
        Value.parse(b"\x92\x01\xc1")  # 0xc1 is never used
    assert info.value.path == "value[1].value" and info.value.offset == 3
    with pytest.raises(ParseError) as info:
        Value.parse(b"\xda\x00\x05abc")  # str 16 of 5 bytes, 3 there
    assert info.value.path == "value" and info.value.offset == 3
    with pytest.raises(ParseError):
        Value.parse(b"\xa2\xff\xfe")  # not UTF-8
    assert FORMATS["msgpack"] is Value
    assert math.isinf(to_python(Value.parse(msgpack.packb(float("inf")))))




def construct_python(v):
    if isinstance(v.value, list):
        if 0x80 <= v.t <= 0x8F or v.t in (0xDE, 0xDF):
            return {construct_python(p.key): construct_python(p.value) for p in v.value}
        return [construct_python(x) for x in v.value]
    if hasattr(v.value, "data") and hasattr(v.value, "type"):
        return ExtType(v.value.type, v.value.data)
    return v.value


@settings(max_examples=60, deadline=None)
@given(values)
def test_construct_model_reads_the_same_values(value):
    c = construct_model("msgpack")
    raw = msgpack.packb(value)
    parsed = c.Value.parse(raw)
    assert construct_python(parsed) == unpack(raw) == to_python(Value.parse(raw))
    assert c.Value.build(parsed) == raw
