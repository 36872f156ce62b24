"""Terminators, padding, counted arrays and transformed regions: values against zlib and hand-written
xor/rotation, round trips (hypothesis), and the errors bad input gives."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Array,
    BuildError,
    Bytes,
    Codec,
    ParseError,
    Rol,
    Ror,
    String,
    Struct,
    Transformed,
    Xor,
    Zlib,
    dump,
    this,
    u8,
    u16be,
)


def xor_by_hand(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))


def rol_by_hand(data: bytes, n: int) -> bytes:
    return bytes(((b << n) | (b >> (8 - n))) & 0xFF for b in data)


class Keyed(Struct):
    key: bytes = Bytes(3)
    body: bytes = Transformed(Bytes(greedy=True), Xor(this.key))


class Rotated(Struct):
    n: int = u8()
    body: bytes = Transformed(Bytes(greedy=True), Rol(this.n))


class Point(Struct):
    x: int = u16be()
    y: int = u16be()


class Packed(Struct):
    length: int = u8()
    points: list = Transformed(Bytes(this.length), Zlib(), Array(Point, greedy=True))


class Counted(Struct):
    items: list = Array(u16be, prefix=u8)
    tail: list = Array(Point, prefix=u16be)


class Ended(Struct):
    name: bytes = Bytes(terminator=b"\r\n")
    text: str = String(terminator=b";", eos_error=False)


class Fixed(Struct):
    raw: str = String(4, strip=False, encoding="latin-1")
    label: bytes = Bytes(6, terminator=b"\0", pad=b" ")


@given(st.binary(min_size=3, max_size=3), st.binary(max_size=64))
def test_xor_with_a_key_field_matches_xor_by_hand(key: bytes, plain: bytes) -> None:
    stored = key + xor_by_hand(plain, key)
    assert Keyed.parse(stored).body == plain
    assert Keyed.build(Keyed.parse(stored)) == stored


@given(st.integers(0, 7), st.binary(max_size=64))
def test_rotation_matches_rotation_by_hand(n: int, plain: bytes) -> None:
    stored = bytes([n]) + rol_by_hand(plain, (8 - n) % 8)  # stored rotated right, so rol(n) decodes it
    assert Rotated.parse(stored).body == plain
    assert Rotated.build(Rotated(n=n, body=plain)) == stored
    assert Ror(3).decode(Rol(3).decode(plain)) == plain


@given(st.lists(st.tuples(st.integers(0, 65535), st.integers(0, 65535)), max_size=20), st.integers(0, 9))
def test_zlib_region_matches_zlib_and_keeps_its_stored_bytes(points: list, level: int) -> None:
    plain = b"".join(x.to_bytes(2, "big") + y.to_bytes(2, "big") for x, y in points)
    stored = zlib.compress(plain, level)
    if len(stored) > 255:
        return
    data = bytes([len(stored)]) + stored
    parsed = Packed.parse(data)
    assert [(p.x, p.y) for p in parsed.points] == points
    assert Packed.build(parsed) == data  # not recompressed: the level may differ from build's


def test_zlib_over_a_struct_keeps_stored_bytes_until_edited() -> None:
    class One(Struct):
        n: int = u8()
        p: Point = Transformed(Bytes(this.n), Zlib(), Point)

    stored = zlib.compress(b"\x00\x01\x00\x02", 1)
    data = bytes([len(stored)]) + stored
    obj = One.parse(data)
    assert One.build(obj) == data
    obj.p.x = 7
    new = zlib.compress(b"\x00\x07\x00\x02")
    assert One.build(One(n=len(new), p=obj.p)) == bytes([len(new)]) + new


def test_zlib_output_is_bounded() -> None:
    class Small(Struct):
        body: bytes = Transformed(Bytes(greedy=True), Zlib(limit=1000))

    bomb = zlib.compress(bytes(10 ** 6))
    with pytest.raises(ParseError) as err:
        Small.parse(bomb)
    assert err.value.path == "body" and err.value.offset == 0 and "limit of 1000" in str(err.value)
    with pytest.raises(ParseError, match="not a zlib stream"):
        Small.parse(b"\x00\x01\x02")
    with pytest.raises(ParseError, match="cut short"):
        Small.parse(zlib.compress(b"hello")[:-3])
    with pytest.raises(ParseError, match="follow the end"):
        Small.parse(zlib.compress(b"hello") + b"x")


def test_user_codec_both_ways_and_its_errors() -> None:
    class Reverse:
        def decode(self, raw: bytes) -> bytes:
            if raw.startswith(b"!"):
                raise ValueError("no bangs")
            return raw[::-1]

        def encode(self, data: bytes) -> bytes:
            return data[::-1]

    class Rev(Struct):
        body: str = Transformed(Bytes(greedy=True), Codec(Reverse()), String(greedy=True))

    assert Rev.parse(b"olleh").body == "hello"
    assert Rev.build(Rev(body="abc")) == b"cba"
    with pytest.raises(ParseError) as err:
        Rev.parse(b"!x")
    assert "no bangs" in str(err.value) and err.value.path == "body"


@given(st.lists(st.integers(0, 65535), max_size=30), st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)),
                                                             max_size=5))
def test_counted_arrays_round_trip(items: list, points: list) -> None:
    obj = Counted(items=items, tail=[Point(x=x, y=y) for x, y in points])
    raw = Counted.build(obj)
    assert raw[0] == len(items)
    assert Counted.parse(raw) == obj


def test_counted_array_errors() -> None:
    with pytest.raises(BuildError, match="more than its u8 count prefix"):
        Counted.build(Counted(items=[0] * 256, tail=[]))
    with pytest.raises(ParseError) as err:
        Counted.parse(b"\x05\x00\x01")
    assert err.value.path == "items" and err.value.offset == 1


@given(st.binary(max_size=20).filter(lambda b: b"\r\n" not in b and not b.endswith(b"\r")),
       st.text(alphabet="abc;", max_size=10), st.booleans())
def test_terminated_values_round_trip(name: bytes, text: str, ended: bool) -> None:
    text = text.replace(";", "")
    data = name + b"\r\n" + text.encode() + (b";" if ended else b"")
    parsed = Ended.parse(data)
    assert (parsed.name, parsed.text) == (name, text)
    assert Ended.build(parsed) == data  # a text the data ended before its terminator stays unterminated


def test_terminator_errors() -> None:
    with pytest.raises(ParseError) as err:
        Ended.parse(b"abc")
    assert (err.value.path, err.value.offset, err.value.expected) == ("name", 0, b"\r\n")
    with pytest.raises(BuildError, match="contains the terminator"):
        Ended.build(Ended(name=b"a\r\nb", text=""))


@given(st.binary(min_size=10, max_size=10))
def test_fixed_regions_build_back_exactly(data: bytes) -> None:
    parsed = Fixed.parse(data)
    assert len(parsed.raw) == 4  # strip=False: every byte, padding included
    assert Fixed.build(parsed) == data


def test_fixed_region_rules() -> None:
    assert Fixed.parse(b"a\0\0\0hi\0xyz").label == b"hi"
    assert Fixed.build(Fixed(raw="abcd", label=b"hi")) == b"abcdhi\0   "
    with pytest.raises(BuildError, match="padding is kept"):
        Fixed.build(Fixed(raw="a", label=b""))


def test_dump_shows_stored_and_decoded_bytes(capsys: pytest.CaptureFixture) -> None:
    stored = zlib.compress(b"\x00\x01\x00\x02", 9)
    dump(Packed, bytes([len(stored)]) + stored, color="never", legend=False)
    out = capsys.readouterr().out
    assert "points: %d bytes stored as zlib; decoded below" % len(stored) in out
    assert "+0000000  00 01" in out and "points[0].x = 1  (decoded)" in out


class PaddedXor(Struct):
    """Kaitai's process: over bytes with a terminator and padding: xor of what the terminator ends."""

    name: bytes = Transformed(Bytes(8, terminator=b"@", pad=b"+"), Xor(0x20))
    tail: int = u8()


@given(st.binary(max_size=6).filter(lambda b: b"@" not in b), st.binary(max_size=7))
def test_bytes_after_a_terminator_build_back_through_a_transform(body, after):
    after = after[:7 - len(body)]
    raw = body + b"@" + after + b"+" * (7 - len(body) - len(after)) + b"\x09"
    value = PaddedXor.parse(raw)
    assert value.name == bytes(b ^ 0x20 for b in body)
    assert PaddedXor.build(value) == raw  # what followed the terminator (not padding) is kept
    fresh = PaddedXor(name=bytes(value.name), tail=9)  # made by hand: padded as the field says
    assert PaddedXor.build(fresh) == body + b"@" + b"+" * (7 - len(body)) + b"\x09"


class RestTerminated(Struct):
    """Kaitai's size-eos with a terminator and padding: the rest of the data, cut at the terminator."""

    head: int = u8()
    name: bytes = Bytes(greedy=True, terminator=b"@", pad=b"+")


@given(st.binary(max_size=12))
def test_the_rest_of_the_data_cut_at_a_terminator(rest):
    raw = b"\x01" + rest
    value = RestTerminated.parse(raw)
    expected = rest.rstrip(b"+")  # by hand: strip the padding, then cut at the first terminator
    expected = expected[:expected.index(b"@")] if b"@" in expected else expected
    assert value.name == expected
    assert RestTerminated.build(value) == raw  # what the region held is kept
    assert RestTerminated.build(RestTerminated(head=1, name=bytes(expected))) == b"\x01" + expected + b"@"


def test_the_rest_of_the_data_with_a_terminator_needs_no_size():
    with pytest.raises(BuildError, match="terminator"):
        RestTerminated.build(RestTerminated(head=1, name=b"a@b"))
    assert RestTerminated.parse(b"\x01").name == b""
