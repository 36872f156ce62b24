"""Negation, ``this._root``/``_index``/``_io``, ``valid=``, switch keys that are ranges or sets with computed
cases, and byte orders the data decides: values against independent truths (``struct``, ``msgpack``),
round trips, property tests and the errors (path, offset, expected, found)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    AnyOf,
    Array,
    BuildError,
    Bytes,
    Computed,
    DefinitionError,
    Endian,
    If,
    ParseError,
    Range,
    Sized,
    Struct,
    Switch,
    i8,
    not_,
    this,
    u8,
    u16,
    u16be,
    u32,
    where,
)

# --- negation --------------------------------------------------------------------------------------------


class Flags(Struct):
    a: int = u8()
    b: int = u8()
    neg_cmp: bool = Computed(~(this.a == 1))
    neg_and: bool = Computed(~((this.a == 1) & (this.b == 2)))
    bitwise: int = Computed(~this.a)
    logical: bool = Computed(not_(this.a))
    extra: object = If(~(this.a == 1), u8)


@given(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
def test_tilde_negates_conditions_and_inverts_integers(a, b, c):
    raw = bytes([a, b]) + (bytes([c]) if a != 1 else b"")
    v = Flags.parse(raw)
    assert v.neg_cmp is (not a == 1)
    assert v.neg_and is (not (a == 1 and b == 2))
    assert v.bitwise == ~a  # a plain integer: bitwise, as Python's ~
    assert v.logical is (not a)
    assert v.extra == (None if a == 1 else c)
    assert Flags.build(v) == raw


def test_negations_print_as_written():
    assert (~(this.a == 1)).text() == "~(a == 1)"
    assert (~this.a).text() == "~a"
    assert not_(this.a & 4).text() == "not_(a & 4)"
    assert where(~(this.a == 1), 1, 2).text() == "where(~(a == 1), 1, 2)"
    assert this.sizes[this._index].text() == "sizes[_index]"


# --- this._root, this._index, this._io -------------------------------------------------------------------


class Leaf(Struct):
    n: int = u8()
    from_root: int = Computed(this._root.scale * this.n)
    position: int = Computed(this._index)
    at: int = Computed(this._io.pos)


class Tree(Struct):
    scale: int = u8()
    count: int = u8()
    leaves: list = Array(Leaf, count=this.count)


@given(st.integers(0, 9), st.lists(st.integers(0, 255), max_size=6))
def test_root_index_and_position_in_items(scale, ns):
    raw = bytes([scale, len(ns)] + ns)
    tree = Tree.parse(raw)
    assert [leaf.from_root for leaf in tree.leaves] == [scale * n for n in ns]
    assert [leaf.position for leaf in tree.leaves] == list(range(len(ns)))
    assert [leaf.at for leaf in tree.leaves] == [3 + i for i in range(len(ns))]  # after each leaf's n


class Built(Struct):
    n: int = u8()
    doubled: int = u8(derive=this._root.k * 2)


class BuildRoot(Struct):
    k: int = u8()
    items: list = Array(Built, count=this.k)
    sizes: list = Array(u8, count=this.k)
    bufs: list = Array(Bytes(this.sizes[this._index]), count=this.k)


def test_root_and_index_work_on_build():
    obj = BuildRoot(k=2, items=[Built(n=1), Built(n=2)], sizes=None, bufs=[b"ab", b"c"])
    obj.sizes = [2, 1]
    raw = BuildRoot.build(obj)
    assert raw == bytes([2, 1, 4, 2, 4, 2, 1]) + b"abc"
    assert BuildRoot.parse(raw).items[1].doubled == 4
    obj.bufs = [b"ab", b"cd"]
    with pytest.raises(BuildError) as info:
        BuildRoot.build(obj)
    assert info.value.path == "bufs[1]" and (info.value.expected, info.value.found) == (1, 2)


class Region(Struct):
    size: int = Computed(this._io.size)
    body: bytes = Bytes(this._io.size - this._io.pos - 1)
    last: int = u8()
    eof: bool = Computed(this._io.eof)


class Outer(Struct):
    n: int = u8()
    inner: Region = Sized(this.n, Region)
    whole: int = Computed(this._io.size)


@given(st.binary(min_size=1, max_size=20), st.binary(max_size=3))
def test_io_is_the_enclosing_region(body, tail):
    raw = bytes([len(body)]) + body
    v = Outer.parse(raw + tail, allow_trailing=True)
    assert (v.inner.size, v.inner.body, v.inner.last, v.inner.eof) == (len(body), body[:-1], body[-1], True)
    assert v.whole == len(raw + tail)


def test_io_names_only_what_a_region_has():
    with pytest.raises(DefinitionError, match="this._io has this._io.size, this._io.pos, this._io.eof"):
        class Bad(Struct):
            x: int = Computed(this._io.length)


def test_index_outside_an_array_is_a_parse_error():
    class NoArray(Struct):
        a: int = u8()
        i: int = Computed(this._index)

    with pytest.raises(ParseError, match="not inside an array") as info:
        NoArray.parse(b"\x01")
    assert info.value.path == "i"


@pytest.mark.parametrize("name", ["_index", "_io", "_value", "_root"])
def test_special_names_are_reserved(name):
    with pytest.raises(DefinitionError, match="reserved"):
        type(Struct)("Bad", (Struct,), {"__annotations__": {name: int}, name: u8(), "__module__": __name__})


# --- valid= ------------------------------------------------------------------------------------------------


CONSTRAINTS = [
    (range(1, 5), lambda v: 1 <= v < 5),
    (Range(10, 20), lambda v: 10 <= v <= 20),
    (Range(min=200), lambda v: v >= 200),
    (AnyOf(1, 3, 5), lambda v: v in (1, 3, 5)),
    (frozenset({2, 4}), lambda v: v in (2, 4)),
    (lambda v: v % 3 == 0, lambda v: v % 3 == 0),
    (this._value != 7, lambda v: v != 7),
    (Range(this.low, this.low + 2), None),
]


@pytest.mark.parametrize("valid,truth", CONSTRAINTS)
@given(low=st.integers(0, 255), value=st.integers(0, 255))
def test_valid_accepts_exactly_the_values_its_rule_holds_for(valid, truth, low, value):
    class Checked(Struct):
        low: int = u8()
        value: int = u8(valid=valid)

    ok = truth(value) if truth is not None else low <= value <= low + 2
    raw = bytes([low, value])
    if ok:
        assert Checked.parse(raw).value == value
        assert Checked.build(Checked.parse(raw)) == raw
    else:
        with pytest.raises(ParseError) as info:
            Checked.parse(raw)
        assert (info.value.path, info.value.offset, info.value.found) == ("value", 1, value)
        assert info.value.expected == Checked._bm_node.fields()[1].type.constraint.text
        assert "value" in str(info.value) and str(value) in str(info.value)
        with pytest.raises(BuildError) as refused:
            Checked.build(Checked(low=low, value=value))
        assert (refused.value.path, refused.value.found) == ("value", value)


def test_valid_messages_name_the_constraint():
    class Version(Struct):
        version: int = u8(valid=Range(1, 3))

    with pytest.raises(ParseError) as info:
        Version.parse(b"\x09")
    assert str(info.value) == "version at offset 0 (0x0): 9 is not valid: expected 1 <= value <= 3"
    assert Version.layout().rows[0].type == "u8 valid 1 <= value <= 3"


def test_a_failing_constraint_function_is_a_parse_error():
    class Odd(Struct):
        x: int = u8(valid=lambda v: 1 // (v - 5))

    with pytest.raises(ParseError, match="ZeroDivisionError") as info:
        Odd.parse(b"\x05")
    assert info.value.found == 5


def test_valid_rejects_what_it_cannot_use():
    with pytest.raises(DefinitionError, match="valid= takes"):
        u8(valid=[1, 2])
    with pytest.raises(DefinitionError, match="Range"):
        Range()


# --- switch keys that are ranges and sets, computed cases ----------------------------------------------


class PosFixInt(Struct):
    pass


class NegFixInt(Struct):
    pass


class MsgPackScalar(Struct, endian="big"):
    """The scalars of MessagePack (msgpack.org spec): a type byte, then the value."""

    t: int = u8()
    value: object = Switch(this.t, {
        range(0x00, 0x80): Computed(this.t),
        range(0xE0, 0x100): Computed(this.t - 0x100),
        0xC0: Computed(None),
        (0xC2, 0xC3): Computed(this.t == 0xC3),
        0xCC: u8, 0xCD: u16, 0xCE: u32,
        0xD0: i8,
        frozenset({0xA0 + n for n in range(32)}): Bytes(this.t - 0xA0),
    })


@given(st.one_of(st.none(), st.booleans(), st.integers(-32, 2 ** 32 - 1), st.integers(-128, -33),
                 st.text(max_size=31).filter(lambda s: len(s.encode()) < 32)))
def test_range_and_set_keys_read_msgpack_as_msgpack_does(value):
    msgpack = pytest.importorskip("msgpack")
    raw = msgpack.packb(value)
    ours = MsgPackScalar.parse(raw).value
    expected = msgpack.unpackb(raw)
    if isinstance(expected, str):
        assert ours.decode("utf-8") == expected
    else:
        assert ours == expected and type(ours) is type(expected)
    assert MsgPackScalar.build(MsgPackScalar.parse(raw)) == raw


def test_build_picks_the_case_by_the_key_and_checks_computed_values():
    assert MsgPackScalar.build(MsgPackScalar(t=0xCD, value=513)) == b"\xcd\x02\x01"
    assert MsgPackScalar.build(MsgPackScalar(t=5, value=5)) == b"\x05"
    with pytest.raises(BuildError) as info:
        MsgPackScalar.build(MsgPackScalar(t=5, value=6))
    assert (info.value.path, info.value.expected, info.value.found) == ("value", 5, 6)
    with pytest.raises(ParseError) as missing:
        MsgPackScalar.parse(b"\xc1")
    assert (missing.value.path, missing.value.found) == ("value", 0xC1)


def test_a_range_key_matches_integers_only():
    class K(Struct):
        k: float = Computed(2.0)
        v: object = Switch(this.k, {range(0, 10 ** 18): u8}, default=Computed("other"))

    assert K.parse(b"").v == "other"  # not a scan of the range: a float is no integer key


# --- byte order decided by the data ------------------------------------------------------------------------


class Tiff(Struct, endian=Endian(this.order == b"II", "little", "big")):
    order: bytes = Bytes(2, valid=AnyOf(b"II", b"MM"))
    magic: int = u16(valid=42)
    ifd: int = u32()
    fixed: int = u16be()
    items: list = Array(u16, count=2)
    body: object = Sized(4, Array(u16, greedy=True))


@given(st.sampled_from([b"II", b"MM"]), st.integers(0, 2 ** 32 - 1), st.integers(0, 65535),
       st.lists(st.integers(0, 65535), min_size=4, max_size=4))
def test_byte_order_from_the_data_matches_struct(order, ifd, fixed, words):
    fmt = "<" if order == b"II" else ">"
    raw = order + struct.pack(fmt + "HI", 42, ifd) + struct.pack(">H", fixed) + struct.pack(fmt + "4H", *words)
    v = Tiff.parse(raw)
    assert (v.magic, v.ifd, v.fixed, v.items, v.body) == (42, ifd, fixed, words[:2], words[2:])
    assert Tiff.build(v) == raw


def test_byte_order_errors():
    with pytest.raises(ParseError) as info:
        Tiff.parse(b"XX" + bytes(14))
    assert (info.value.path, info.value.found) == ("order", b"XX")
    with pytest.raises(DefinitionError, match="big"):
        Endian(this.x, {1: "middle"})
    with pytest.raises(DefinitionError, match="both byte orders"):
        Endian(this.x == 1, "little")

    class Strict(Struct, endian=Endian(this.mark, {1: "little", 2: "big"})):
        mark: int = u8()
        n: int = u16()

    assert Strict.parse(b"\x01\x01\x00").n == 1 and Strict.parse(b"\x02\x01\x00").n == 256
    with pytest.raises(ParseError) as undecided:
        Strict.parse(b"\x03\x01\x00")
    assert (undecided.value.path, undecided.value.offset, undecided.value.found) == ("n", 1, 3)
    assert undecided.value.expected == [1, 2]
    with pytest.raises(BuildError) as refused:
        Strict.build(Strict(mark=3, n=1))
    assert refused.value.path == "n"


# --- what generated code does with them --------------------------------------------------------------------


class Opt(Struct):
    x: int = u8()


class Negated(Struct):
    a: int = u8()
    extra: object = If(~(this.a == 1), Opt)
    more: object = If(not_(this.a), Opt)


def test_generated_parsers_compile_negations():
    from binmodel import debug, parsing

    source = debug.source(Negated).split("def build_")[0]
    assert "parse_node" not in source  # no member left to the interpreter
    for raw in (b"\x01", b"\x02\x05", b"\x00\x05\x06"):
        assert Negated.parse(raw) == parsing.parse(Negated._bm_node, raw)


def test_models_reading_root_index_or_io_are_parsed_by_the_interpreter():
    from binmodel.parsing import analysis

    assert analysis.interpreted_only(Tree._bm_node) and analysis.interpreted_only(Leaf._bm_node)
    assert analysis.interpreted_only(Outer._bm_node)
    assert not analysis.interpreted_only(Negated._bm_node) and not analysis.interpreted_only(Tiff._bm_node)


class GridBody(Struct):
    cells: bytes = Bytes(this._parent.n * this._root.k)


class Grid(Struct):
    k: int = u8()
    n: int = u8()
    body: GridBody


@given(st.integers(0, 4), st.integers(0, 4), st.binary(max_size=20))
def test_parent_and_root_sizes_are_checked_on_build(k, n, cells):
    obj = Grid(k=k, n=n, body=GridBody(cells=cells))
    if len(cells) == k * n:
        raw = Grid.build(obj)
        assert raw == bytes([k, n]) + cells and Grid.parse(raw) == obj
    else:
        with pytest.raises(BuildError) as info:
            Grid.build(obj)
        assert (info.value.path, info.value.expected, info.value.found) == ("body.cells", k * n, len(cells))


# --- shifts with the number on the left, and their bound ------------------------------------------------


class Shifted(Struct):
    """A block whose size is a power of two the data gives (``1 << this.order``), and a mask from it."""

    order: int = u8()
    block: bytes = Bytes(1 << this.order)
    top: int = Computed((0xFF >> this.order) & 0xF)


@given(st.integers(0, 6), st.binary(max_size=64))
def test_a_number_shifted_by_a_field_sizes_a_block(order, fill):
    block = (fill * 64)[:1 << order] if fill else bytes(1 << order)
    value = Shifted.parse(bytes([order]) + block)
    assert value.block == block and value.top == (0xFF >> order) & 0xF
    assert Shifted.build(value) == bytes([order]) + block


def test_a_shift_past_the_bound_is_a_parse_error_not_a_huge_number():
    with pytest.raises(ParseError) as caught:
        Shifted.parse(b"\xff" + bytes(10))  # 1 << 255: a number, but no block that size is in the data
    assert caught.value.path == "block"

    class Wide(Struct, endian="big"):
        order: int = u32()
        block: bytes = Bytes(1 << this.order)

    with pytest.raises(ParseError) as huge:
        Wide.parse(b"\xff\xff\xff\xff")  # 1 << 4294967295 would take 512 MiB before any check
    assert huge.value.path == "block" and "a shift by 4294967295 bits (more than 4096)" in str(huge.value)
