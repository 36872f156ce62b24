"""Generated code for terminators, ``valid=``, range/set switch keys, transforms, arrays of converted values
and ``If`` of any kind: it is really used (no interpreter call in the source), its values agree with an
independent reading (``bytes.find``/``split``, Python predicates, ``zlib``, xor by hand), and on bad input
it gives exactly the interpreter's ``ParseError``: same type, path, offset, message, expected and found.
"""

from __future__ import annotations

import enum
import random
import struct
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

import binmodel
from binmodel import (
    AnyOf,
    Array,
    Bytes,
    Computed,
    CString,
    Endian,
    Enum,
    If,
    Lazy,
    Range,
    Sized,
    String,
    Struct,
    Switch,
    Transformed,
    UnlessEnd,
    Xor,
    Zlib,
    debug,
    f32,
    this,
    u8,
    u16,
    u32,
)
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse
from binmodel.values import UnixTime


def outcome(parse, model, data):
    """A parse's value (repr) or its error with every attribute a caller sees."""
    try:
        return ("value", repr(parse(model._bm_node, data)))
    except binmodel.Error as exc:
        return ("error", type(exc).__name__, exc.path, exc.offset, str(exc), repr(getattr(exc, "expected", None)),
                repr(getattr(exc, "found", None)))


def same(model, data):
    """The compiled and interpreted outcomes, which must be equal; returns it."""
    expected = outcome(interpreted_parse, model, data)
    assert outcome(compiled_parse, model, data) == expected, data
    return expected


def generated(model):
    """The model is parsed by generated code alone: no member handed to the interpreter."""
    src = debug.source(model)
    assert "_parse_node" not in src and "_evaluate" not in src, src
    return src


def every_damage(model, data, seed):
    """Compiled and interpreted agree on every truncation and on single-byte changes of ``data``."""
    for cut in range(len(data) + 1):
        same(model, data[:cut])
    rng = random.Random(seed)
    for _ in range(60):
        bad = bytearray(data)
        bad[rng.randrange(len(bad))] = rng.choice([0, 0xFF, ord("|"), ord(";"), rng.randrange(256)])
        same(model, bytes(bad))


# --- terminators -------------------------------------------------------------------------------------------

class Ended(Struct, endian="big"):
    name: bytes = Bytes(terminator=b"|")
    line: bytes = Bytes(terminator=b"\r\n", include=True)
    word: bytes = Bytes(terminator=b";", consume=False)
    semi: int = u8()
    text: str = CString()
    wide: str = CString("utf-16-le")
    fixed: bytes = Bytes(6, pad=b"@", terminator=b"!")
    rest: bytes = Bytes(terminator=b"#", eos_error=False)


part = st.binary(max_size=12)


def test_terminated_fields_are_generated_code():
    src = generated(Ended)
    assert ".find(" in src


@settings(max_examples=150)
@given(name=part, line=part, word=part, text=st.text(max_size=6), fixed=st.binary(max_size=5), rest=part,
       ended=st.booleans())
def test_terminated_fields_read_as_find_and_split_say(name, line, word, text, fixed, rest, ended):
    name, line, word, fixed, rest = (p.replace(b"|", b"") for p in (name, line, word, fixed, rest))
    line = line.replace(b"\r", b"")
    word = word.replace(b";", b"")
    text = text.replace("\0", "")
    fixed = fixed.replace(b"!", b"").rstrip(b"@")
    rest = rest.replace(b"#", b"")
    wide = text.encode("utf-16-le")
    data = (name + b"|" + line + b"\r\n" + word + b";" + text.encode() + b"\0" + wide + b"\0\0"
            + (fixed + b"!" + b"@" * 6)[:6] + rest + (b"#" if ended else b""))
    value = Ended.parse(data)
    assert same(Ended, data)[0] == "value"
    # the independent reading: split at each terminator in turn
    head, _, after = data.partition(b"|")
    assert value.name == head == name
    assert value.line == after[:after.find(b"\r\n") + 2] == line + b"\r\n"
    assert value.word == word and value.semi == ord(";")
    assert value.text == text and value.wide == text
    assert value.fixed == fixed and value.rest == rest
    assert value.rest.__class__ is bytes if ended else value.rest.__class__ is not bytes  # (open: no terminator)
    assert Ended.build(value) == data


def test_terminator_errors_are_the_interpreters():
    good = b"ab|cd\r\nef;" + b"hi\0" + "é".encode("utf-16-le") + b"\0\0" + b"xy!@@@" + b"zz#"
    assert same(Ended, good)[0] == "value"
    every_damage(Ended, good, 1)
    assert same(Ended, b"ab")[1:4] == ("ParseError", "name", 0)  # no terminator before the end
    assert same(Ended, b"a|b\r\nc")[1:3] == ("ParseError", "word")
    assert same(Ended, b"a|b\r\nc;\xff\xfe\0")[1:3] == ("ParseError", "text")  # not UTF-8: the bad byte's offset


# --- valid= -------------------------------------------------------------------------------------------------

class Checked(Struct, endian="big"):
    version: int = u8(valid=range(1, 4))
    kind: int = u8(valid=AnyOf(1, 2, this.version * 10))
    limit: int = u8()
    level: int = u8(valid=Range(2, this.limit))
    even: int = u16(valid=this._value % 2 == 0)
    small: int = u8(valid=lambda v: v < 200)
    magic: bytes = Bytes(2, valid=b"OK")


def meets(version, kind, limit, level, even, small, magic):
    """The constraints, written as plain Python."""
    return (1 <= version < 4 and kind in (1, 2, version * 10) and 2 <= level <= limit and even % 2 == 0
            and small < 200 and magic == b"OK")


def test_valid_constraints_are_generated_code():
    generated(Checked)


@settings(max_examples=300)
@given(st.integers(0, 5), st.sampled_from([0, 1, 2, 3, 10, 20, 30, 40]), st.integers(0, 9), st.integers(0, 9),
       st.integers(0, 0xFFFF), st.integers(190, 210), st.sampled_from([b"OK", b"NO"]))
def test_valid_constraints_hold_as_python_says(version, kind, limit, level, even, small, magic):
    data = bytes([version, kind, limit, level]) + even.to_bytes(2, "big") + bytes([small]) + magic
    result = same(Checked, data)
    assert (result[0] == "value") == meets(version, kind, limit, level, even, small, magic)
    if result[0] == "error":
        assert "is not valid" in result[4]


def test_valid_errors_are_the_interpreters():
    good = bytes([2, 20, 5, 3, 0, 8, 7]) + b"OK"
    assert same(Checked, good)[0] == "value"
    every_damage(Checked, good, 2)
    error = same(Checked, bytes([2, 20, 5, 6, 0, 8, 7]) + b"OK")
    assert error[1:4] == ("ParseError", "level", 3) and "2 <= value <= limit" in error[4]


# --- switch keys that are ranges or sets, If of any kind ------------------------------------------------------

class Tagged(Struct, endian="big"):
    tag: int = u8()
    body: object = Switch(this.tag, {
        range(0x00, 0x80): Bytes(0),
        (0x80, 0x81): u16,
        frozenset({0x90, 0x91}): Bytes(terminator=b"\0"),
        range(0xA0, 0xC0): String(this.tag & 0x1F, strip=False),
    }, default=u32)
    more: object = If(this.tag >= 0xC0, Array(u8, count=2))


def by_hand(data):
    """What Tagged holds, read without binmodel: (body, more), or None when the data is not one."""
    tag, rest = data[0], data[1:]

    def take(n):
        nonlocal rest
        if len(rest) < n:
            raise ValueError
        out, rest = rest[:n], rest[n:]
        return out

    try:
        if tag < 0x80:
            body = b""
        elif tag in (0x80, 0x81):
            body = int.from_bytes(take(2), "big")
        elif tag in (0x90, 0x91):
            if b"\0" not in rest:
                return None
            body, _, rest = rest.partition(b"\0")
        elif 0xA0 <= tag < 0xC0:
            body = take(tag & 0x1F).decode()
        else:
            body = int.from_bytes(take(4), "big")
        more = list(take(2)) if tag >= 0xC0 else None
    except ValueError:  # (too short, or not UTF-8)
        return None
    return None if rest else (body, more)


def test_range_and_set_keys_and_ifs_are_generated_code():
    generated(Tagged)


def check_tagged(data):
    result = same(Tagged, data)
    truth = by_hand(data)
    assert (result[0] == "value") == (truth is not None)
    if truth is not None:
        value = Tagged.parse(data)
        assert (value.body, value.more) == truth


@given(tag=st.integers(0, 255), tail=st.binary(max_size=40))
def test_range_and_set_keys_choose_as_by_hand(tag, tail):
    check_tagged(bytes([tag]) + tail)


def test_range_and_set_keys_on_every_tag():
    for tag in range(256):
        for size in (0, 1, 2, 4, 6, tag & 0x1F):
            check_tagged(bytes([tag]) + bytes(range(65, 65 + size)))
        check_tagged(bytes([tag, 65, 0]))


def test_tcp_options_are_generated_code():
    from binmodel.formats.transport import TCP, TCPOption

    generated(TCPOption)
    assert "_parse_node" not in debug.source(TCP)


# --- transforms, arrays of converted numbers ----------------------------------------------------------------------

class Point(Struct):
    x: int = u8()
    y: int = u8()


class Packed(Struct, endian="big"):
    key: int = u8()
    secret: bytes = Transformed(Bytes(3), Xor(this.key))
    size: int = u8()
    point: Point = Transformed(Bytes(this.size), Zlib(), Point)
    times: list = Array(UnixTime(u32), count=2)


def test_transforms_and_converted_arrays_are_generated_code():
    generated(Packed)


@given(key=st.integers(0, 255), secret=st.binary(min_size=3, max_size=3), x=st.integers(0, 255),
       y=st.integers(0, 255), level=st.integers(0, 9), times=st.lists(st.integers(0, 2**32 - 1), min_size=2, max_size=2))
def test_transforms_read_as_zlib_and_xor_by_hand(key, secret, x, y, level, times):
    import datetime

    stored = zlib.compress(bytes([x, y]), level)
    data = (bytes([key]) + bytes(b ^ key for b in secret) + bytes([len(stored)]) + stored
            + b"".join(t.to_bytes(4, "big") for t in times))
    assert same(Packed, data)[0] == "value"
    value = Packed.parse(data)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    assert value.secret == secret and value.point == Point(x=x, y=y)
    assert value.times == [epoch + datetime.timedelta(seconds=t) for t in times]
    assert Packed.build(value) == data


def test_transform_errors_are_the_interpreters():
    stored = zlib.compress(b"\x01\x02")
    good = bytes([7, 1, 2, 3, len(stored)]) + stored + bytes(8)
    every_damage(Packed, good, 3)
    assert same(Packed, good[:5] + b"\x00" + good[6:])[1:3] == ("ParseError", "point")  # not a zlib stream


class Hidden(Struct):
    key: int = u8()
    point: Point = Transformed(Bytes(2), Xor(this.key), Lazy(lambda: Point))  # (how .ksy types are named)


def test_a_transform_over_a_lazy_type_is_generated_code():
    generated(Hidden)
    assert Hidden.parse(bytes([3, 1 ^ 3, 2 ^ 3])).point == Point(x=1, y=2)
    every_damage(Hidden, bytes([3, 1, 2]), 4)


# --- byte order decided by the data -------------------------------------------------------------------------

class Marked(Struct, endian=Endian(this.mark, {b"II": "little", b"MM": "big"})):
    mark: bytes = Bytes(2)
    magic: int = u16()
    offset: int = u32()
    tag: int = u16(valid=range(0, 0x8000))


class Flagged(Struct, endian=Endian(this.flag == 1, "little", "big")):
    flag: int = u8()
    value: int = u32()


def test_byte_order_decided_by_the_data_is_generated_code():
    generated(Marked)
    generated(Flagged)


@given(mark=st.sampled_from([b"II", b"MM", b"XX"]), body=st.binary(min_size=8, max_size=8))
def test_byte_order_decided_by_the_data_reads_as_struct_says(mark, body):
    data = mark + body
    result = same(Marked, data)
    if mark == b"XX":
        assert result[1:4] == ("ParseError", "magic", 2)  # no case for the mark: the interpreter's error
        return
    magic, offset, tag = struct.unpack(("<" if mark == b"II" else ">") + "HIH", body)
    assert (result[0] == "value") == (tag < 0x8000)
    if tag < 0x8000:
        assert (Marked.parse(data).magic, Marked.parse(data).offset) == (magic, offset)
    flag = same(Flagged, bytes([mark == b"II"]) + body[:4])
    assert flag[0] == "value" and Flagged.parse(bytes([mark == b"II"]) + body[:4]).value == struct.unpack(
        "<I" if mark == b"II" else ">I", body[:4])[0]


# --- arrays of values, computed values, enums and floats on their own -------------------------------------------

class Colour(enum.IntEnum):
    RED = 1
    GREEN = 2


class Listing(Struct, endian="little"):
    n: int = u8()
    names: list = Array(String(3), count=this.n)
    words: list = Array(Bytes(terminator=b"\0"), count=2)
    kind: int = u8()
    value: object = Switch(this.kind, {0: Computed(this.n * 2), 1: Enum(u8, Colour), 2: f32}, default=u16)
    rest: list = Array(Bytes(2), greedy=True)


def listing_by_hand(data):
    """(names, words, value, rest) read without binmodel, or None when the data is not a Listing."""
    try:
        n, at = data[0], 1
        names = [data[at + 3 * i:at + 3 * i + 3].decode() for i in range(n)]
        at += 3 * n
        if len(data) < at or any(len(x) != 3 for x in names):
            return None
        words = []
        for _ in range(2):
            end = data.index(b"\0", at)
            words.append(data[at:end])
            at = end + 1
        kind, at = data[at], at + 1
        if kind == 0:
            value = n * 2
        elif kind == 1:
            value, at = data[at], at + 1
            value = Colour(value) if value in (1, 2) else value  # (a number outside the enum is kept)
        elif kind == 2:
            (value,), at = struct.unpack_from("<f", data, at), at + 4
            if value != value:
                return "nan"  # (kept with its bits by the interpreter: not compared here)
        else:
            (value,), at = struct.unpack_from("<H", data, at), at + 2
    except (IndexError, ValueError, struct.error, UnicodeDecodeError):
        return None
    rest = data[at:]
    if len(rest) % 2:
        return None
    return names, words, value, [rest[i:i + 2] for i in range(0, len(rest), 2)]


def test_arrays_of_values_computed_enums_and_floats_are_generated_code():
    generated(Listing)


@given(data=st.binary(max_size=30), n=st.integers(0, 3), kind=st.integers(0, 4))
def test_arrays_of_values_read_as_by_hand(data, n, kind):
    data = bytes([n]) + b"abcdefghi"[:3 * n] + b"x\0yz\0" + bytes([kind]) + data
    result = same(Listing, data)
    truth = listing_by_hand(data)
    if truth == "nan":
        return
    assert (result[0] == "value") == (truth is not None)
    if truth is not None:
        value = Listing.parse(data)
        assert (value.names, value.words, value.value, value.rest) == truth


def test_arrays_of_values_errors_are_the_interpreters():
    good = bytes([2]) + b"abcdef" + b"x\0yz\0" + bytes([1, 2]) + b"1234"
    assert same(Listing, good)[0] == "value"
    every_damage(Listing, good, 5)


class Prefixed(Struct, endian="big"):
    name: bytes = Bytes(prefix=u8)
    texts: list = Sized(type=Array(Bytes(prefix=u8), greedy=True), prefix=u16)  # (a DNS TXT record's strings)


def prefixed_by_hand(data):
    """(name, texts) read without binmodel, or None."""
    if not data or len(data) < 1 + data[0] + 2:
        return None
    name, at = data[1:1 + data[0]], 1 + data[0]
    size = int.from_bytes(data[at:at + 2], "big")
    region, at = data[at + 2:at + 2 + size], at + 2 + size
    if len(region) != size or at != len(data):
        return None
    texts, i = [], 0
    while i < len(region):
        n = region[i]
        if i + 1 + n > len(region):
            return None
        texts.append(region[i + 1:i + 1 + n])
        i += 1 + n
    return name, texts


def test_length_prefixed_bytes_are_generated_code():
    from binmodel.formats import DNSMessage

    generated(Prefixed)
    generated(DNSMessage)


@given(name=st.binary(max_size=5), texts=st.lists(st.binary(max_size=4), max_size=4), cut=st.integers(0, 3))
def test_length_prefixed_bytes_read_as_by_hand(name, texts, cut):
    region = b"".join(bytes([len(t)]) + t for t in texts)
    data = bytes([len(name)]) + name + len(region).to_bytes(2, "big") + region
    data = data[:len(data) - cut]
    result = same(Prefixed, data)
    truth = prefixed_by_hand(data)
    assert (result[0] == "value") == (truth is not None)
    if truth is not None:
        assert (Prefixed.parse(data).name, Prefixed.parse(data).texts) == truth


class Counted(Struct, endian="big"):
    numbers: list = Array(u16, prefix=u8)
    pairs: list = Array(Bytes(2), prefix=u8)
    size: int = u8()
    tail: object = UnlessEnd(u16)
    pad: object = UnlessEnd(Bytes(this.size % 2))  # (may take no bytes: read at the end too, as WAV's pad)


def counted_by_hand(data):
    """(numbers, pairs, tail, pad) read without binmodel, or None."""
    try:
        n, at = data[0], 1
        numbers = list(struct.unpack_from(">%dH" % n, data, at))
        at += 2 * n
        m, at = data[at], at + 1
        pairs = [data[at + 2 * i:at + 2 * i + 2] for i in range(m)]
        at += 2 * m
        if at > len(data):
            return None
        size, at = data[at], at + 1
    except (IndexError, struct.error):
        return None
    tail = None
    if at < len(data):
        if at + 2 > len(data):
            return None
        tail, at = int.from_bytes(data[at:at + 2], "big"), at + 2
    k = size % 2
    if at + k > len(data):
        pad = None if at == len(data) else "bad"
    else:
        pad, at = data[at:at + k], at + k
    return None if pad == "bad" or at != len(data) else (numbers, pairs, tail, pad)


def test_prefixed_arrays_and_unless_end_are_generated_code():
    from binmodel.formats import WAVE

    generated(Counted)
    generated(WAVE)


@given(data=st.binary(max_size=14))
def test_prefixed_arrays_and_unless_end_read_as_by_hand(data):
    result = same(Counted, data)
    truth = counted_by_hand(data)
    assert (result[0] == "value") == (truth is not None)
    if truth is not None:
        value = Counted.parse(data)
        assert (value.numbers, value.pairs, value.tail, value.pad) == truth


def test_prefixed_arrays_and_unless_end_on_every_short_input():
    for good in (bytes([1, 0, 7, 1, 65, 66, 3, 0, 9, 0]), bytes([0, 0, 2]), bytes([0, 0, 3]), bytes([0, 0, 2, 1, 2])):
        every_damage(Counted, good, 6)


def test_model_values_in_the_new_forms_are_constants_not_source():
    """An int whose repr is code, as a size, a constraint, a switch key and a terminator's neighbour, never
    reaches the generated source (values go in as constants)."""
    class Evil(int):
        def __repr__(self):
            return "__import__('os').getpid()"

    class Guarded(Struct, endian="big"):
        n: int = u8(valid=AnyOf(Evil(1), Evil(2)))
        m: int = u8(valid=Range(Evil(0), Evil(9)))
        body: object = Switch(this.n, {frozenset({Evil(1)}): Bytes(Evil(2)), range(2, 3): u16})
        name: bytes = Bytes(terminator=b"\0")

    src = generated(Guarded)
    assert "__import__" not in src
    assert Guarded.parse(b"\x01\x05ab\x00").body == b"ab"
    assert same(Guarded, b"\x03\x05ab\x00")[1:3] == ("ParseError", "n")


class Inner(Struct, endian=Endian(this._parent.mark == b"II", "little", "big")):
    value: int = u16()


class Limited(Struct, endian="big"):
    value: int = u8(valid=Range(0, this._parent.limit))


class Outer(Struct):
    mark: bytes = Bytes(2)
    limit: int = u8()
    inner: Inner
    limited: Limited


def test_rules_and_constraints_over_the_parent_are_generated_code():
    """The parent's fields reach a nested struct's byte order rule and constraint (``analysis.parent_need``
    counts them), so its generated parser gets them without the interpreter."""
    from binmodel.parsing.compiled import REGISTRY
    from binmodel.parsing.context import ParseState

    generated(Outer)
    for data in (b"II\x09\x05\x00\x05", b"MM\x09\x00\x05\x05", b"II\x04\x05\x00\x05", b"MM\x09\x05"):
        result = same(Outer, data)
        if result[0] == "value":
            assert (Outer.parse(data).inner.value, Outer.parse(data).limited.value) == (5, 5)
            # the generated parser itself reads it (no failure handed to the interpreter)
            value, end = REGISTRY.parser(Outer._bm_node)(data, 0, len(data), ParseState(data, None), None)
            assert (value.inner.value, value.limited.value, end) == (5, 5, len(data))
    assert same(Outer, b"II\x04\x05\x00\x05")[1:3] == ("ParseError", "limited.value")
