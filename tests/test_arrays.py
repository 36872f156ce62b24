"""Arrays by count, until, greedy; of numbers, bytes, strings and structs."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Array,
    BuildError,
    Bytes,
    CString,
    DefinitionError,
    ParseError,
    Sized,
    String,
    Struct,
    count_of,
    i16le,
    this,
    u8,
    u16be,
    u32le,
)


class Point(Struct, endian="little"):
    x: int = i16le()
    y: int = i16le()


class Poly(Struct, endian="big"):
    n: int = u16be(derive=count_of("points"))
    points: list = Array(Point, count=this.n)
    ids: list = Array(u32le, count=3)


@given(pts=st.lists(st.tuples(st.integers(-32768, 32767), st.integers(-32768, 32767)), max_size=40),
       ids=st.lists(st.integers(0, 2**32 - 1), min_size=3, max_size=3))
def test_array_of_structs_against_struct(pts, ids):
    raw = struct.pack(">H", len(pts)) + b"".join(struct.pack("<hh", *p) for p in pts) + struct.pack("<3I", *ids)
    obj = Poly.parse(raw)
    assert [(p.x, p.y) for p in obj.points] == pts
    assert obj.ids == ids
    assert Poly.build(Poly(points=[Point(x=x, y=y) for x, y in pts], ids=ids)) == raw


def test_fixed_count_must_match_on_build():
    with pytest.raises(BuildError) as err:
        Poly.build(Poly(points=[], ids=[1, 2]))
    assert err.value.path == "ids"


class Records(Struct):
    names: list = Array(CString("ascii"), until=lambda s: s == "")


def test_until_includes_terminating_item():
    raw = b"ab\0cd\0\0"
    assert Records.parse(raw).names == ["ab", "cd", ""]
    assert Records.build(Records(names=["ab", "cd", ""])) == raw


def test_until_build_checks_terminator_position():
    with pytest.raises(BuildError):
        Records.build(Records(names=["ab"]))
    with pytest.raises(BuildError):
        Records.build(Records(names=["", "x", ""]))


def test_until_without_end_is_parse_error():
    with pytest.raises(ParseError) as err:
        Records.parse(b"ab\0cd\0")
    assert err.value.path == "names" and err.value.offset == 6


class Greedy(Struct):
    words: list = Array(String(2, encoding="ascii"), greedy=True)


def test_greedy_array():
    assert Greedy.parse(b"abcdef").words == ["ab", "cd", "ef"]
    assert Greedy.parse(b"").words == []
    with pytest.raises(ParseError) as err:
        Greedy.parse(b"abc")
    assert err.value.path == "words[1]" and err.value.offset == 2


def test_arrays_of_bytes_and_nested_arrays():
    class Grid(Struct):
        rows: list = Array(Array(u8, count=2), count=2)
        blobs: list = Array(Bytes(1), count=2)

    obj = Grid.parse(b"\x01\x02\x03\x04ab")
    assert obj.rows == [[1, 2], [3, 4]] and obj.blobs == [b"a", b"b"]
    assert Grid.build(obj) == b"\x01\x02\x03\x04ab"


def test_lambda_count():
    class L(Struct):
        n: int = u8()
        items: list = Array(u8, count=lambda this: this.n * 2)

    assert L.parse(b"\x02abcd").items == list(b"abcd")


def test_array_definition_errors():
    with pytest.raises(DefinitionError):
        Array(u8)
    with pytest.raises(DefinitionError):
        Array(u8, count=2, greedy=True)
    with pytest.raises(DefinitionError):
        Array(42, count=2)


def test_until_array_built_from_dicts():
    from binmodel import Bytes

    class Chunk(Struct):
        kind: bytes = Bytes(1)

    class File(Struct):
        chunks: list = Array(Chunk, until=lambda c: c.kind == b"E")

    assert File.build({"chunks": [{"kind": b"A"}, {"kind": b"E"}]}) == b"AE"
    with pytest.raises(BuildError):
        File.build({"chunks": [{"kind": b"A"}]})


def test_typed_arrays_are_array_module_arrays():
    import array
    import struct as st

    from binmodel import f64be, i16be, u32le

    class Samples(Struct):
        n: int = u8()
        le: object = Array(u32le, count=this.n, typed=True)
        be: object = Array(i16be, count=this.n, typed=True)
        rest: object = Array(f64be, greedy=True, typed=True)

    values = [1, 70000, 4000000000]
    signed = [-1, 2, -32768]
    raw = bytes([3]) + st.pack("<3I", *values) + st.pack(">3h", *signed) + st.pack(">2d", 1.5, -2.0)
    obj = Samples.parse(raw)
    assert isinstance(obj.le, array.array) and list(obj.le) == values and list(obj.be) == signed
    assert list(obj.rest) == [1.5, -2.0]
    assert Samples.build(obj) == raw
    assert Samples.build(Samples(n=3, le=values, be=signed, rest=[1.5, -2.0])) == raw
    with pytest.raises(ParseError, match="whole number"):
        Samples.parse(raw + b"\x00")
    with pytest.raises(BuildError):
        Samples.build(Samples(n=3, le=[1, 2, -3], be=signed, rest=[]))
    with pytest.raises(BuildError):
        Samples.build(Samples(n=2, le=values, be=signed, rest=[]))
    with pytest.raises(DefinitionError):
        Array(Bytes(2), count=2, typed=True)
    with pytest.raises(DefinitionError):
        Array(u8, until=lambda x: x == 0, typed=True)


def test_sized_items_can_be_empty():
    class Item(Struct):
        n: int = u8()
        body: bytes = Sized(this.n, Bytes(greedy=True))

    class Box(Struct):
        items: list = Array(Item, count=2)

    assert Box.parse(b"\x00\x00").items == [Item(n=0, body=b""), Item(n=0, body=b"")]


class UntilLast(Struct):
    """``until=`` as an expression: the item against an earlier field (``this._item``)."""

    last: int = u8()
    items: list = Array(u8, until=this._item == this.last)
    rest: bytes = Bytes(greedy=True)


class UntilEnd(Struct):
    items: list = Array(u8, until=this._io.eof)


class UntilEmpty(Struct):
    """The last item may take no bytes: an empty text whose terminator the next field reads."""

    words: list = Array(CString("ascii", terminator=b"\n", consume=False), until=this._item == "")
    newline: bytes = Bytes(1)


@given(st.integers(0, 255), st.lists(st.integers(0, 255), max_size=8), st.binary(max_size=4))
def test_until_expression_reads_the_item_and_the_struct(last, before, rest):
    before = [b for b in before if b != last]
    raw = bytes([last] + before + [last]) + rest
    value = UntilLast.parse(raw)
    assert value.items == before + [last] and value.rest == rest  # the first item equal to `last` ends it
    assert UntilLast.build(value) == raw
    with pytest.raises(BuildError, match="until="):  # no item ends it
        UntilLast.build(UntilLast(last=last, items=before, rest=b""))


def test_until_expression_can_ask_the_region():
    assert UntilEnd.parse(b"\x01\x02\x03").items == [1, 2, 3]
    with pytest.raises(BuildError, match=r"this\._io"):  # the region is known only while parsing
        UntilEnd.build(UntilEnd(items=[1]))


def test_an_empty_last_item_ends_an_until_array():
    value = UntilEmpty.parse(b"ab\n")
    assert value.words == ["ab", ""] and value.newline == b"\n"
    assert UntilEmpty.build(value) == b"ab\n"
    with pytest.raises(DefinitionError, match="until="):
        Array(u8, until=3)
