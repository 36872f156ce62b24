"""Bytes and text fields: sizes, prefixes, terminators, padding, encodings."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    ULEB128,
    BuildError,
    Bytes,
    CString,
    DefinitionError,
    ParseError,
    String,
    Struct,
    len_of,
    this,
    u8,
    u16be,
)


class Sized(Struct, endian="big"):
    n: int = u16be()
    data: bytes = Bytes(this.n)
    tail: bytes = Bytes(2)


class Prefixed(Struct):
    name: str = String(prefix=u8, encoding="utf-8")
    blob: bytes = Bytes(prefix=u16be)


@given(data=st.binary(max_size=300), tail=st.binary(min_size=2, max_size=2))
def test_sized_bytes_against_struct(data, tail):
    raw = struct.pack(">H%ds2s" % len(data), len(data), data, tail)
    obj = Sized.parse(raw)
    assert (obj.n, obj.data, obj.tail) == (len(data), data, tail)
    assert Sized.build(obj) == raw


def test_size_mismatch_on_build_names_field():
    with pytest.raises(BuildError) as err:
        Sized.build(Sized(n=3, data=b"ab", tail=b"xx"))
    assert err.value.path == "data"
    with pytest.raises(BuildError) as err:
        Sized.build(Sized(n=0, data=b"", tail=b"xxx"))
    assert err.value.path == "tail"


@given(name=st.text(max_size=60), blob=st.binary(max_size=500))
def test_prefixed(name, blob):
    encoded = name.encode()
    if len(encoded) > 255:
        return
    raw = struct.pack(">B%dsH%ds" % (len(encoded), len(blob)), len(encoded), encoded, len(blob), blob)
    assert Prefixed.build(Prefixed(name=name, blob=blob)) == raw
    assert Prefixed.parse(raw) == Prefixed(name=name, blob=blob)


def test_prefix_overflow_is_build_error():
    with pytest.raises(BuildError) as err:
        Prefixed.build(Prefixed(name="x" * 256, blob=b""))
    assert err.value.path == "name"


def test_varint_prefix():
    class V(Struct):
        data: bytes = Bytes(prefix=ULEB128)

    raw = V.build(V(data=b"x" * 300))
    assert raw[:2] == b"\xac\x02" and raw[2:] == b"x" * 300
    assert V.parse(raw).data == b"x" * 300


class Fixed(Struct):
    name: str = String(8, encoding="ascii")


def test_fixed_string_pads_and_strips():
    assert Fixed.build(Fixed(name="abc")) == b"abc\0\0\0\0\0"
    assert Fixed.parse(b"abc\0\0\0\0\0").name == "abc"
    assert Fixed.parse(b"abcdefgh").name == "abcdefgh"
    with pytest.raises(BuildError, match="more than"):
        Fixed.build(Fixed(name="abcdefghi"))
    with pytest.raises(BuildError, match="pad"):
        Fixed.build(Fixed(name="ab\0"))


def test_fixed_utf16_string_strips_whole_code_units():
    class Wide(Struct):
        name: str = String(8, encoding="utf-16-le")

    raw = "A\u0100".encode("utf-16-le") + b"\0" * 4
    assert Wide.parse(raw).name == "A\u0100"
    assert Wide.build(Wide(name="A\u0100")) == raw


class C(Struct):
    a: str = CString()
    b: str = CString("utf-16-le")
    c: str = CString("latin-1", size=6)


def test_cstrings():
    raw = b"hello\0" + "hi".encode("utf-16-le") + b"\0\0" + b"abc\0\0\0"
    obj = C.parse(raw)
    assert (obj.a, obj.b, obj.c) == ("hello", "hi", "abc")
    assert C.build(obj) == raw


def test_utf16_terminator_is_found_on_code_unit_boundary():
    # "\u0100" is 00 01 in UTF-16-LE; the zero byte inside must not end the string.
    class W(Struct):
        s: str = CString("utf-16-le")

    raw = "\u0100\u0041".encode("utf-16-le") + b"\0\0"
    assert W.parse(raw).s == "\u0100A"


def test_cstring_errors():
    with pytest.raises(ParseError) as err:
        C.parse(b"no terminator")
    assert err.value.path == "a" and err.value.offset == 0
    with pytest.raises(BuildError, match="terminator"):
        C.build(C(a="x\0y", b="", c=""))


def test_bad_encoding_is_parse_error_with_offset():
    class T(Struct):
        pre: bytes = Bytes(2)
        s: str = String(4, encoding="utf-8")

    with pytest.raises(ParseError) as err:
        T.parse(b"..ab\xffc")
    assert err.value.path == "s" and err.value.offset == 4
    with pytest.raises(BuildError):
        class A(Struct):
            s: str = String(4, encoding="ascii")
        A.build(A(s="\u00e9"))


def test_greedy():
    class G(Struct):
        head: int = u8()
        rest: bytes = Bytes(greedy=True)

    assert G.parse(b"\x01abc") == G(head=1, rest=b"abc")
    assert G.parse(b"\x01") == G(head=1, rest=b"")


def test_definition_errors():
    with pytest.raises(DefinitionError):
        Bytes()
    with pytest.raises(DefinitionError):
        Bytes(4, greedy=True)
    with pytest.raises(DefinitionError):
        String(4, encoding="no-such-codec")
    with pytest.raises(DefinitionError):
        Bytes(-1)
    with pytest.raises(DefinitionError):
        Bytes(prefix=Bytes(2))


def test_utf16_with_bom_and_multibyte_terminators():
    class Bom(Struct):
        s: str = CString("utf-16")

    raw = Bom.build(Bom(s="hi"))
    assert raw == "hi".encode("utf-16") + b"\0\0"
    assert Bom.parse(raw).s == "hi"

    class Line(Struct):
        s: str = CString("ascii", terminator=b"\r\n")

    assert Line.parse(b"a\r\n").s == "a"  # the terminator may start at any byte of a 1-byte encoding
    with pytest.raises(BuildError, match="terminator"):
        Line.build(Line(s="x\r\ny"))
    with pytest.raises(DefinitionError, match="code units"):
        CString("utf-16-le", size=5)
    with pytest.raises(DefinitionError, match="code units"):
        String(5, encoding="utf-32")


def test_string_sized_by_a_derived_length():
    from binmodel import len_of

    class Named(Struct):
        n: int = u8(derive=len_of("name"))
        name: str = String(this.n)

    assert Named.build(Named(name="abc")) == b"\x03abc"
    assert Named.build(Named.parse(b"\x03abc")) == b"\x03abc"


def test_derived_length_string_refuses_trailing_pad():
    class N(Struct):
        n: int = u8(derive=len_of("name"))
        name: str = String(this.n)

    with pytest.raises(BuildError, match="pad"):
        N.build(N(name="ab\0"))
