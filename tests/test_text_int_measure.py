"""Core additions for archive formats: numbers written as text (TextInt), bytes that measure their own
end (Bytes(measure=...)), derivations that may leave a value as given (None), derived If fields."""

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import BuildError, Bytes, DefinitionError, If, ParseError, Struct, TextInt, this, u8, u32le


class Octal(Struct):
    """tar-style: 7 octal digits and a NUL; the checksum's 6 digits, NUL, space."""

    mode: int = TextInt(8, base=8, terminator=b"\0")
    chksum: int = TextInt(8, base=8, terminator=b"\0 ")


class Decimal(Struct):
    """ar-style: decimal, left-aligned, space-filled."""

    size: int = TextInt(10, fill=b" ", align="left")


class Hex(Struct):
    """cpio newc-style: 8 hex digits, no terminator."""

    ino: int = TextInt(8, base=16)


def test_text_int_matches_the_printf_forms():
    for n in (0, 1, 0o644, 0o7777777):
        raw = Octal.build(Octal(mode=n, chksum=n % 0o777777))
        assert raw == b"%07o\0%06o\0 " % (n, n % 0o777777)
        assert Octal.parse(raw) == Octal(mode=n, chksum=n % 0o777777)
    assert Decimal.build(Decimal(size=1234)) == b"%-10d" % 1234
    assert Hex.build(Hex(ino=0xBEEF)) == b"%08x" % 0xBEEF


@given(st.integers(0, 8 ** 7 - 1), st.integers(0, 8 ** 6 - 1))
def test_text_int_round_trips(mode, chksum):
    raw = Octal.build(Octal(mode=mode, chksum=chksum))
    assert Octal.parse(raw).to_bytes() == raw
    assert int(Octal.parse(raw).mode) == int(oct(mode)[2:], 8)


@given(st.integers(0, 16 ** 8 - 1))
def test_hex_round_trips(n):
    raw = Hex.build(Hex(ino=n))
    assert int(raw, 16) == n and Hex.parse(raw).ino == n


def test_other_spellings_are_read_and_written_back_unchanged():
    for raw in (b"\0" * 8, b"  644 \0 ", b"644\0\0\0\0\0", b"000644 \0"):
        value = Octal.parse(raw + b"000000\0 ")
        assert Octal.build(value) == raw + b"000000\0 "
    value = Octal.parse(b"\0" * 8 + b"000000\0 ")
    assert value.mode == 0 and repr(value.mode) == "0"
    value.mode = 0o600  # a changed value is written in the model's own form
    assert Octal.build(value)[:8] == b"0000600\0"


@pytest.mark.parametrize("raw", [b"0000944\0", b"00x0644\0", b"0644\0abc", b"-000644\0"])
def test_text_int_refuses_what_is_not_digits(raw):
    with pytest.raises(ParseError) as err:
        Octal.parse(raw + b"000000\0 ")
    assert err.value.path == "mode" and err.value.offset == 0


def test_text_int_refuses_what_does_not_fit():
    with pytest.raises(BuildError, match="digits"):
        Octal.build(Octal(mode=8 ** 7, chksum=0))
    with pytest.raises(BuildError, match="negative"):
        Octal.build(Octal(mode=-1, chksum=0))
    with pytest.raises(ParseError):
        Octal.parse(b"0000644")


def test_text_int_definition_errors():
    for kwargs in ({"base": 7}, {"terminator": b"\0" * 8}, {"fill": b"x"}, {"align": "left"}, {"align": "middle"}):
        with pytest.raises(DefinitionError):
            TextInt(8, **kwargs)


def deflate_end(rest):
    """Where a raw deflate stream ends."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    d.decompress(rest)
    if not d.eof:
        raise ValueError("the deflate stream has no final block")
    return len(rest) - len(d.unused_data)


class Member(Struct, endian="little"):
    data: bytes = Bytes(measure=deflate_end)
    crc: int = u32le(derive=lambda this: zlib.crc32(zlib.decompress(this.data, -15)), check=True)


def raw_deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


@given(st.lists(st.binary(max_size=200), min_size=1, max_size=4))
def test_measured_bytes_split_concatenated_streams(payloads):
    raw = b"".join(raw_deflate(p) + zlib.crc32(p).to_bytes(4, "little") for p in payloads)
    from binmodel import Array

    class Stream(Struct):
        members: list = Array(Member, greedy=True)

    parsed = Stream.parse(raw)
    assert [zlib.decompress(m.data, -15) for m in parsed.members] == payloads
    assert Stream.build(parsed) == raw


def test_measured_bytes_errors():
    with pytest.raises(ParseError) as err:
        Member.parse(b"\xff" * 12)
    assert err.value.path == "data" and "deflate" not in type(err.value).__name__
    with pytest.raises(ParseError):
        Member.parse(raw_deflate(b"abc")[:-1])
    with pytest.raises(BuildError, match="reads"):
        Member.build(Member(data=raw_deflate(b"x") + b"extra"))
    with pytest.raises(DefinitionError):
        Bytes(4, measure=deflate_end)

    class Liar(Struct):
        data: bytes = Bytes(measure=lambda rest: len(rest) + 1)

    with pytest.raises(ParseError, match="not a size"):
        Liar.parse(b"ab")


def test_a_derivation_giving_none_leaves_the_value_as_given():
    class Entry(Struct):
        method: int = u8()
        size: int = u8(derive=lambda this: len(this.data) if this.method == 0 else None)
        data: bytes = Bytes(greedy=True)

    assert Entry.build(Entry(method=0, data=b"abc")) == b"\x00\x03abc"
    assert Entry.build(Entry(method=9, size=7, data=b"abc")) == b"\x09\x07abc"
    with pytest.raises(BuildError):
        Entry.build(Entry(method=9, data=b"abc"))  # nothing computed, nothing given


def test_derived_and_checked_if_field():
    class Header(Struct):
        flag: int = u8()
        text: bytes = Bytes(3)
        crc: int = If(this.flag, u8(), derive=lambda this: zlib.crc32(this.text) & 0xFF if this.flag else None,
                      check=True)

    assert Header.build(Header(flag=1, text=b"abc")) == b"\x01abc" + bytes([zlib.crc32(b"abc") & 0xFF])
    assert Header.build(Header(flag=0, text=b"abc")) == b"\x00abc"
    assert Header.parse(b"\x00abc").crc is None
    with pytest.raises(ParseError, match="crc"):
        Header.parse(b"\x01abc" + bytes([(zlib.crc32(b"abc") + 1) & 0xFF]))


def test_text_int_in_a_layout_table():
    from binmodel.layout import layout

    rows = layout(Octal._bm_node).rows
    assert [(r.offset, r.size) for r in rows] == [(0, 8), (8, 8)]
    assert "base 8" in rows[0].type
