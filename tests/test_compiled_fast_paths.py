"""The compiler's fast paths, checked against independent truth (``struct``, ``int.from_bytes``) and
against the interpreter: the entry for ``bytes``, arrays read with ``iter_unpack``, array items written
inline (parse and build), odd-sized bit groups read as several words, integer-like values on build,
and derived fields that remember their parsed value.

Every model here is also in the differential test (tests/test_compiled_matches_interpreter.py).
"""

from __future__ import annotations

import array
import copy
import ctypes
import enum
import mmap
import pickle
import struct
import warnings
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

try:
    import numpy
except ImportError:  # an optional extra: the numpy buffers are then left out
    numpy = None

from binmodel import (
    ULEB128,
    Array,
    Bits,
    BuildError,
    Bytes,
    Enum,
    Flags,
    Padding,
    ParseError,
    Sized,
    Struct,
    count_of,
    debug,
    f16le,
    f32,
    f32be,
    f32le,
    f64be,
    len_of,
    this,
    u8,
    u16,
    u24,
    u32,
    u32be,
    u32le,
    u64,
)
from binmodel.building import build as interpreted_build
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse
from binmodel.parsing.items import PYPY
from both_engines import outcomes


class Rec(Struct, endian="little"):
    magic: int = u32()
    version: int = u16()
    flags: int = u16()
    length: int = u32()


class RecFile(Struct):
    records: List[Rec] = Array(Rec, greedy=True)


class Counted(Struct, endian="big"):
    n: int = u8()
    records: List[Rec] = Array(Rec, count=this.n)
    tail: int = u16()


class Boxed(Struct, endian="big"):
    size: int = u8()
    records: List[Rec] = Sized(this.size, Array(Rec, greedy=True))
    after: int = u8()


class FloatRec(Struct, endian="little"):
    x: float = f32()
    tag: int = u8()


class Floats(Struct):
    items: List[FloatRec] = Array(FloatRec, greedy=True)


class Item(Struct, endian="big"):
    tag: int = u8()
    len: int = u8(derive=len_of("data"))
    data: bytes = Bytes(this.len)


class Message(Struct, endian="big"):
    count: int = u16(derive=count_of("items"))
    items: List[Item] = Array(Item, count=this.count)


class Tail(Struct, endian="big"):
    size: int = u8()
    items: List[Item] = Sized(this.size, Array(Item, greedy=True))


class Empty(Struct):
    pass


def both(model, data, **kw):
    """The compiled and the interpreted outcome of one parse (a value's repr or the error's details)."""
    out = []
    for parse in (compiled_parse, interpreted_parse):
        try:
            out.append(("value", repr(parse(model._bm_node, data, kw.get("offset", 0),
                                            kw.get("allow_trailing", False)))))
        except ParseError as exc:
            out.append(("error", exc.path, exc.offset, str(exc)))
    assert out[0] == out[1]
    return out[0]


# --- the entry for bytes, and for everything else ---------------------------------------------

def test_entry_reads_what_struct_reads_from_every_buffer_type():
    fmt = struct.Struct("<IHHI")
    raw = fmt.pack(0x46464952, 2, 3, 400)
    with mmap.mmap(-1, len(raw)) as m:
        m.write(raw)
        buffers = [raw, bytearray(raw), memoryview(raw), m]
        for buf in buffers:
            r = Rec.parse(buf)
            assert (r.magic, r.version, r.flags, r.length) == fmt.unpack(raw)


def test_entry_offsets_and_trailing_bytes_match_the_interpreter():
    raw = struct.pack("<IHHI", 1, 2, 3, 4) * 3
    assert Rec.parse(raw, offset=12, allow_trailing=True).length == 4
    assert Rec.parse(raw, offset=24).length == 4
    for offset in (0, 11, 12, 24, 36, 37, -1, True, False, 1.0, None, "0"):
        for trailing in (False, True):
            outcome = both(Rec, raw, offset=offset, allow_trailing=trailing)
            start = offset if isinstance(offset, int) else None  # integers, bools too, as in struct
            assert (outcome[0] == "value") == (start is not None and 0 <= start <= 24
                                               and (trailing or start == 24))
    assert both(Empty, b"", offset=0)[0] == "value"
    assert both(Empty, b"ab", offset=2)[0] == "value"
    assert both(Empty, b"ab", offset=3, allow_trailing=True)[0] == "error"  # past the end


def bytes_likes(raw):
    """``raw`` as every kind of bytes-like object parse takes, each with the same bytes."""
    words = array.array("I")
    words.frombytes(raw[:len(raw) // 4 * 4])
    out = [raw, bytearray(raw), memoryview(raw)]
    if raw:  # a 2-D view: len() counts rows
        out.append(memoryview(bytearray(raw)).cast("B", (1, len(raw))))
    if len(raw) % 4 == 0:
        out += [words, memoryview(words)]
    out.append((ctypes.c_ubyte * len(raw)).from_buffer_copy(raw))
    if numpy is not None:
        out += [numpy.frombuffer(raw, numpy.uint8), numpy.frombuffer(raw, numpy.uint8).reshape(1, -1)]
    return out


@pytest.mark.parametrize("model", [Rec, Item], ids=["numbers only", "with bytes"])
@given(raw=st.binary(max_size=24).map(lambda b: b + bytes(-len(b) % 4)), offset=st.integers(-3, 28),
       trailing=st.booleans())
def test_every_bytes_like_object_parses_as_its_bytes(model, raw, offset, trailing):
    """Numbers-only models read any buffer with unpack_from and no type check: the outcome must still be the
    interpreter's, which reads a copy of the bytes, and the same as for bytes."""
    expected = both(model, raw, offset=offset, allow_trailing=trailing)
    for buf in bytes_likes(raw):
        for off in ([offset, numpy.int64(offset)] if numpy is not None else [offset]):
            assert both(model, buf, offset=off, allow_trailing=trailing) == expected


class FloatWidths(Struct):
    half: float = f16le()
    big: float = f32be()
    little: float = f32le()
    double: float = f64be()


@given(st.sampled_from([0x7E00, 0x7D01, 0xFE00]), st.integers(0, 2**22 - 1), st.integers(0, 2**22 - 1),
       st.integers(0, 2**51 - 1), st.integers(0, 3))
def test_nan_bits_are_read_again_from_every_buffer(half, big, little, double, lead):
    """A NaN keeps its exact bits: they are read again as an unsigned number at the float's offset."""
    raw = bytes(lead) + (struct.pack("<H", half) + struct.pack(">I", 0x7FC00000 | big)
                         + struct.pack("<I", 0xFF800001 | little) + struct.pack(">Q", 0x7FF0000000000001 | double))
    raw += bytes(-len(raw) % 4)
    expected = (half, 0x7FC00000 | big, 0xFF800001 | little, 0x7FF0000000000001 | double)
    for buf in bytes_likes(raw):
        value = FloatWidths.parse(buf, offset=lead, allow_trailing=True)
        assert (value.half.bits, value.big.bits, value.little.bits, value.double.bits) == expected
        assert both(FloatWidths, buf, offset=lead, allow_trailing=True)[0] == "value"
        assert FloatWidths.build(value) == raw[lead:lead + 18]


def test_buffers_unpack_from_cannot_read_take_the_interpreter():
    raw = bytes(range(24))
    strided = memoryview(raw)[::2]  # not contiguous: unpack_from refuses it, the interpreter copies it
    assert both(Rec, strided, allow_trailing=True) == both(Rec, strided.tobytes(), allow_trailing=True)
    for bad in ("abcdabcdabcd", None, 12, [1, 2]):
        with pytest.raises(TypeError, match="bytes-like"):
            Rec.parse(bad)
        with pytest.raises(TypeError, match="bytes-like"):
            interpreted_parse(Rec._bm_node, bad)


def test_entry_values_do_not_follow_a_changed_bytearray():
    buf = bytearray(struct.pack(">BB", 7, 2) + b"hi")
    item = Item.parse(buf)
    buf[2:4] = b"XY"
    assert item.data == b"hi"


# --- arrays read with iter_unpack ---------------------------------------------------------------

@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**16 - 1), st.integers(0, 2**16 - 1),
                          st.integers(0, 2**32 - 1)), max_size=20), st.integers(0, 11))
def test_greedy_records_match_iter_unpack(values, cut):
    fmt = struct.Struct("<IHHI")
    raw = b"".join(fmt.pack(*v) for v in values)
    parsed = RecFile.parse(raw)
    assert [(r.magic, r.version, r.flags, r.length) for r in parsed.records] == list(fmt.iter_unpack(raw))
    assert RecFile.build(parsed) == raw
    if cut and values:  # a record cut short: the interpreter's error, at the record that does not fit
        outcome = both(RecFile, raw + raw[:cut])
        first_short = next(at for at, size in ((0, 4), (4, 2), (6, 2), (8, 4)) if at + size > cut)
        assert outcome[0] == "error" and outcome[2] == len(raw) + first_short
        assert outcome[1].startswith("records[%d]" % len(values))


def test_counted_and_sized_arrays_stop_where_they_must():
    rec = struct.pack("<IHHI", 1, 2, 3, 4)
    assert [r.length for r in Counted.parse(b"\x02" + rec * 2 + b"\x00\x09").records] == [4, 4]
    assert both(Counted, b"\x03" + rec * 2 + b"\x00\x09")[0] == "error"
    boxed = Boxed.parse(b"\x18" + rec * 2 + b"\x05")  # 24 bytes: the greedy array ends with its region
    assert len(boxed.records) == 2 and boxed.after == 5
    outcome = both(Boxed, b"\x10" + rec * 2 + b"\x05")  # a region that cuts the second record
    assert outcome[0] == "error"
    if not PYPY:  # (PyPy keeps an unpack_from loop, which its JIT makes faster)
        assert "iter_unpack" in debug.source(RecFile) and "iter_unpack" in debug.source(Counted)


def test_items_with_floats_keep_nan_bits():
    nan = struct.pack("<I", 0x7FC00001)  # a quiet NaN with a payload
    raw = nan + b"\x01" + struct.pack("<f", 1.5) + b"\x02"
    parsed = Floats.parse(raw)
    assert parsed.items[1].x == 1.5 and parsed.items[0].x != parsed.items[0].x
    assert Floats.build(parsed) == raw
    both(Floats, raw)


# --- items written inline -----------------------------------------------------------------------

@given(st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=20)), max_size=12))
def test_variable_items_parse_and_build_like_struct(items):
    raw = struct.pack(">H", len(items)) + b"".join(struct.pack(">BB", t, len(d)) + d for t, d in items)
    msg = Message.parse(raw)
    assert [(i.tag, i.data) for i in msg.items] == items
    assert Message.build(msg) == raw
    assert "_P" not in debug.source(Message).split("def entry_Message")[0]  # no call per item
    msg.items.append(Item(tag=1, data=b"new"))  # lengths and the count are derived on build
    msg.count = None
    assert Message.build(msg) == raw[:0] + struct.pack(">H", len(items) + 1) + raw[2:] + b"\x01\x03new"


def test_inline_items_inside_a_region_use_its_end():
    inner = b"\x01\x02ab\x02\x00"
    assert [(i.tag, i.data) for i in Tail.parse(bytes([len(inner)]) + inner).items] == [(1, b"ab"), (2, b"")]
    outcome = both(Tail, bytes([3]) + inner)  # the region ends inside the first item's data
    assert outcome[0] == "error"


# --- odd-sized bit groups -----------------------------------------------------------------------

def _bits_model(widths, endian, order, signed_at=None):
    ns = {"__annotations__": {}}
    for i, w in enumerate(widths):
        ns["f%d" % i] = Bits(w, signed=(i == signed_at), order=order)
        ns["__annotations__"]["f%d" % i] = int
    return type(Struct)("Bits_%s_%s_%s" % (endian, order, "_".join(map(str, widths))), (Struct,), ns, endian=endian)


GROUPS = [(3, 5, 4, 12), (8, 16), (4, 8, 12), (1, 39), (20, 20), (12, 12, 12, 12), (7, 9, 16, 24),
          (13, 43), (56,), (5, 11, 8)]
MODELS = [(widths, endian, order, signed, _bits_model(widths, endian, order, signed)) for widths in GROUPS
          for endian in ("big", "little") for order in ("msb", "lsb") for signed in (None, 1 % len(widths))]


@pytest.mark.parametrize("widths,endian,order,signed,model", MODELS,
                         ids=lambda v: "" if isinstance(v, type) else str(v))
@given(data=st.data())
def test_odd_bit_groups_match_int_from_bytes(widths, endian, order, signed, model, data):
    size = sum(widths) // 8
    raw = data.draw(st.binary(min_size=size, max_size=size))
    word = int.from_bytes(raw, endian)
    expected, at = [], sum(widths) if order == "msb" else 0
    for i, w in enumerate(widths):  # the first field at the top (msb) or at bit 0 (lsb) of the word
        if order == "msb":
            at -= w
        v = (word >> at) & ((1 << w) - 1)
        if order == "lsb":
            at += w
        if i == signed and v >> (w - 1):
            v -= 1 << w
        expected.append(v)
    parsed = model.parse(raw)
    assert [getattr(parsed, "f%d" % i) for i in range(len(widths))] == expected
    assert both(model, raw)[0] == "value"
    assert model.build(parsed) == raw
    assert interpreted_build(model._bm_node, parsed) == raw


def test_a_three_byte_group_is_read_as_two_words():
    model = _bits_model((3, 5, 4, 12), "big", "msb")
    src = debug.source(model)
    assert "_from_bytes" not in src and "to_bytes" not in src


# --- integer-like values on build ---------------------------------------------------------------

class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Ints(Struct, endian="little"):
    a: int = u8()
    b: int = u16()
    c: int = u32()
    d: int = u64()
    e: int = u24()
    hi: int = Bits(3)
    lo: int = Bits(5)
    v: int = ULEB128()
    color: Color = Enum(u8, Color)
    numbers: List[int] = Array(u16, count=2)


def _ints(**changes):
    values = dict(a=1, b=2, c=3, d=4, e=5, hi=1, lo=2, v=300, color=Color.GREEN, numbers=[7, 8])
    values.update(changes)
    return Ints(**values)


def test_integer_like_values_build_like_plain_ints():
    np = pytest.importorskip("numpy")
    plain = Ints.build(_ints())
    assert plain[:18] == struct.pack("<BHIQ", 1, 2, 3, 4) + (5).to_bytes(3, "little")
    likes = [dict(a=True, hi=True, numbers=[np.uint16(7), 8]), dict(b=np.int64(2), c=np.uint32(3), d=Color.RED + 3),
             dict(e=np.uint8(5), lo=np.int8(2), v=np.int32(300), color=2), dict(a=Color.RED)]
    for changes in likes:
        obj = _ints(**changes)
        assert Ints.build(obj) == interpreted_build(Ints._bm_node, obj) == plain


@pytest.mark.parametrize("field", ["a", "b", "c", "d", "e", "hi", "v", "color"])
@pytest.mark.parametrize("bad", [1.0, "1", None, b"\x01", 2 ** 70, -1])
def test_values_that_are_not_integers_or_do_not_fit_are_build_errors(field, bad):
    obj = _ints(**{field: bad})
    with pytest.raises(BuildError) as compiled_error:
        Ints.build(obj)
    with pytest.raises(BuildError) as interpreted:
        interpreted_build(Ints._bm_node, obj)
    assert compiled_error.value.path == interpreted.value.path
    assert field in compiled_error.value.path


# --- derived fields remember their parsed value ---------------------------------------------------

def test_a_stale_derived_value_is_recomputed_and_a_contradiction_is_an_error():
    item = Item.parse(b"\x01\x02ab")
    item.data = b"abcd"  # len is stale (2): recomputed
    assert Item.build(item) == b"\x01\x04abcd"
    item.len = 3  # set by hand to something else: an error, in both implementations
    with pytest.raises(BuildError, match="len"):
        Item.build(item)
    with pytest.raises(BuildError, match="len"):
        interpreted_build(Item._bm_node, item)
    fresh = Item(tag=1, len=2, data=b"abcd")  # never parsed: a wrong length is an error
    with pytest.raises(BuildError, match="len"):
        Item.build(fresh)


def test_the_parsed_value_survives_copy_and_pickle():
    item = Item.parse(b"\x01\x02ab")
    for clone in (copy.copy(item), copy.deepcopy(item), pickle.loads(pickle.dumps(item))):
        clone.data = b"xyz"
        assert Item.build(clone) == b"\x01\x03xyz"


# --- enums and flags read through the class's value table -----------------------------------------

class Mode(enum.IntEnum):
    OFF = 0
    ON = 1
    AUTO = 2
    DEFAULT = 2  # an alias: the table gives the canonical member, as Mode(2) does


class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1


class Settings(Struct, endian="big"):
    mode: Mode = Enum(u8, Mode)
    strict: Mode = Enum(u16, Mode, strict=True)
    perm: Perm = Flags(u8, Perm)
    odd: Mode = Enum(u24, Mode)


@given(st.binary(min_size=7, max_size=7))
def test_enum_and_flag_values_are_the_classes_own(raw):
    outcome = both(Settings, raw)
    if outcome[0] == "error":  # only a strict enum refuses a value
        assert int.from_bytes(raw[1:3], "big") not in {m.value for m in Mode}
        return
    for _ in range(2):  # the second time, a flag combination is in the class's table already
        s = Settings.parse(raw)
        assert s.mode == Mode(raw[0]) if raw[0] in (0, 1, 2) else s.mode == raw[0]
        assert type(s.mode) is (Mode if raw[0] in (0, 1, 2) else int)
        assert s.strict is Mode(int.from_bytes(raw[1:3], "big"))
        assert type(s.perm) is Perm and int(s.perm) == raw[3]
        assert Settings.build(s) == raw


# --- found in review ---------------------------------------------------------------------------

class Rest(Struct):
    rest: bytes = Bytes(greedy=True)


class Words(Struct):
    items: List[Rec] = Array(Rec, greedy=True)


def test_an_offset_past_the_end_is_an_error_whatever_comes_first():
    for model, data in ((Rest, b"abcd"), (Words, bytes(24)), (Message, b"\x00\x00")):
        for offset in (len(data) + 1, len(data) + 12):
            outcome = both(model, data, offset=offset, allow_trailing=True)
            assert outcome[0] == "error" and "outside the data" in outcome[3]
        assert both(model, data, offset=len(data), allow_trailing=True)[0] == ("value" if model is not Message
                                                                               else "error")


class Filled(Struct, endian="big"):
    a: int = u8()
    gap: None = Padding(2, fill=b"\xff")
    b: int = u16()
    zero: None = Padding(1)


class FilledItems(Struct):
    items: List[Filled] = Array(Filled, count=2)


def test_padding_is_written_with_its_fill():
    assert Filled.build(Filled(a=1, b=2)) == b"\x01\xff\xff\x00\x02\x00" == interpreted_build(
        Filled._bm_node, Filled(a=1, b=2))
    items = FilledItems(items=[Filled(a=1, b=2), Filled(a=3, b=4)])
    assert FilledItems.build(items) == b"\x01\xff\xff\x00\x02\x00\x03\xff\xff\x00\x04\x00"
    assert Filled.parse(b"\x01\x00\x00\x00\x02\x00").b == 2  # (not strict: any bytes are taken on parse)


@given(st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=6)), min_size=1, max_size=5))
def test_entry_reads_items_without_repeating_unpack_froms_bounds_check(items):
    """In the entry for bytes, ``end`` is the data's length: the check before an item's ``unpack_from`` is left
    to ``unpack_from`` itself. Every cut of a valid message must still give the interpreter's error."""
    src = debug.source(Message)
    entry = src[src.index("def entry_Message"):]
    entry = entry[:entry.index("\ndef ")] if "\ndef " in entry else entry
    assert "_bm_pos + 2 > _bm_end" not in entry and "_bm_pos + 2 > _bm_end" in src  # (the nested parser keeps its check)
    raw = struct.pack(">H", len(items)) + b"".join(struct.pack(">BB", t, len(d)) + d for t, d in items)
    for cut in range(len(raw) + 1):
        both(Message, raw[:cut])


class Framed(Struct, endian="big"):
    kind: int = u8()
    count: int = u16(derive=count_of("items"))
    items: List[Item] = Array(Item, count=this.count)
    trailer: int = u32()


class SizedList(Struct, endian="big"):
    size: int = u16(derive=len_of("items"))
    items: List[Item] = Sized(this.size, Array(Item, greedy=True))


@given(st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=6)), max_size=6), st.integers(0, 2**32 - 1))
def test_items_and_the_parts_around_them_are_joined_once(items, trailer):
    """The header and trailer go into the items' list, joined once; the bytes are struct's."""
    body = b"".join(struct.pack(">BB", t, len(d)) + d for t, d in items)
    raw = struct.pack(">BH", 7, len(items)) + body + struct.pack(">I", trailer)
    value = Framed.parse(raw)
    assert Framed.build(value) == raw == interpreted_build(Framed._bm_node, value)
    src = debug.source(Framed)
    built = src[src.index("def build_Framed"):]
    assert "return _bm_join(" in built.split("def entry_Framed")[0]
    sized = struct.pack(">H", len(body)) + body  # (a part measured by len_of keeps its own join)
    assert SizedList.build(SizedList.parse(sized)) == sized


# --- offsets of any integer type ---------------------------------------------------------




class TwoOrders(Struct):
    """Two runs (the byte order changes): the second is read at ``offset + 4``."""

    a: int = u32le()
    b: int = u32be()


def test_a_small_numpy_integer_offset_does_not_wrap_around():
    numpy = pytest.importorskip("numpy")
    data = bytes((i * 37 + i // 256) % 251 for i in range(600))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's overflow warning, had the sum been done in int8
        for offset in (numpy.int8(126), numpy.uint8(254), numpy.int16(32765)):
            if int(offset) + 8 <= len(data):
                assert outcomes(TwoOrders, data, offset, True)[0] == "value"
        assert outcomes(TwoOrders, bytes(32775), numpy.int16(32765), True)[0] == "value"
