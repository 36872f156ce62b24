"""``Pointer(..., io=struct)``: a value at an offset in the region another struct was read in (Kaitai
Struct's ``io: other._io``), checked against Kaitai's own compiler and runtime on the suite's formats
that use it, with inputs hypothesis makes; built back into that region."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Array,
    BuildError,
    Bytes,
    CString,
    ParseError,
    Pointer,
    Sized,
    Struct,
    Transformed,
    Xor,
    count_of,
    this,
    u8,
    u32le,
)
from kaitai_truth import SUITE, kaitai_parse, missing


class Strings(Struct):
    names: list = Array(CString("utf-8"), greedy=True)


class Entry(Struct, endian="little"):
    name_ofs: int = u32le()
    name: str = Pointer(this.name_ofs, CString("utf-8"), io=this._root.strings, lazy=True)
    value: int = u32le()


class Catalog(Struct, endian="little"):
    """Kaitai's instance_io_user.ksy in the class syntax: entries naming into a string table after them."""

    count: int = u32le(derive=count_of("entries"))
    entries: list = Array(Entry, count=this.count)
    strings: Strings = Sized(None, Strings, greedy=True)


words = st.lists(st.text(st.characters(min_codepoint=1, max_codepoint=0x2FF), max_size=6), min_size=1, max_size=6)


@st.composite
def catalogs(draw):
    names = draw(words)
    table, starts = b"", []
    for name in names:
        starts.append(len(table))
        table += name.encode() + b"\0"
    picks = draw(st.lists(st.sampled_from(range(len(names))), max_size=5))
    values = draw(st.lists(st.integers(0, 2 ** 32 - 1), min_size=len(picks), max_size=len(picks)))
    body = b"".join(struct.pack("<II", starts[i], v) for i, v in zip(picks, values))
    return struct.pack("<I", len(picks)) + body + table, [names[i] for i in picks], values


needs_kaitai = pytest.mark.skipif(missing() is not None, reason=missing() or "")


@needs_kaitai
@given(catalogs())
def test_names_through_a_later_string_table_match_kaitai(case):
    from binmodel import kaitai

    data, names, values = case
    theirs = kaitai_parse("instance_io_user", data)
    loaded = kaitai.load(str(SUITE / "formats" / "instance_io_user.ksy"))
    for model in (Catalog, loaded):
        ours = model.parse(data)
        assert [e.name for e in ours.entries] == [e.name for e in theirs.entries] == names
        assert [e.value for e in ours.entries] == [e.value for e in theirs.entries] == values
        assert model.build(ours) == data


@needs_kaitai
@given(st.binary(min_size=11, max_size=11))
def test_bytes_of_decoded_regions_read_from_outside_match_kaitai(data):
    """process_repeat_usertype_dynarg_xor: each block is xor-ed with a key from _index and _io.pos, and a
    later struct reads the fifth byte of each decoded block through io:."""
    from binmodel import kaitai

    theirs = kaitai_parse("process_repeat_usertype_dynarg_xor", data)
    ours = kaitai.load(str(SUITE / "formats" / "process_repeat_usertype_dynarg_xor.ksy")).parse(data)
    assert [b.a for b in ours.blocks] == [b.a for b in theirs.blocks]
    assert ours.blocks_b.dummy == theirs.blocks_b.dummy
    assert ours.blocks_b.blocks_0_b == theirs.blocks_b.blocks_0_b
    assert ours.blocks_b.blocks_1_b == theirs.blocks_b.blocks_1_b


class Block(Struct):
    a: int = u8()
    rest: bytes = Bytes(greedy=True)


class Sealed(Struct):
    """Two xor-ed blocks, then a byte of each decoded block read from outside it."""

    blocks: list = Array(Transformed(Bytes(3), Xor(0x55), Block), count=2)
    second: int = Pointer(1, u8, io=this.blocks[1])
    first: int = Pointer(2, u8, io=this.blocks[0])


def sealed(plain: bytes) -> bytes:
    return bytes(b ^ 0x55 for b in plain)


@given(st.binary(min_size=6, max_size=6))
def test_a_pointer_reads_the_decoded_bytes_and_builds_back(plain):
    data = sealed(plain)
    value = Sealed.parse(data)
    assert (value.first, value.second) == (plain[2], plain[4])
    assert Sealed.build(value) == data
    spans = {span.path: span for span in Sealed.parse_trace(data).spans}
    first = spans["first"]
    assert (first.offset, first.value, first.source) == (2, plain[2], plain[:3])  # shown in the decoded bytes


def test_an_edited_value_that_its_region_does_not_hold_is_refused():
    value = Sealed.parse(sealed(b"abcdef"))
    value.first = 0
    with pytest.raises(BuildError) as caught:
        Sealed.build(value)
    assert caught.value.path == "first" and caught.value.expected == b"c" and caught.value.found == b"\0"
    value.first, value.blocks[0].rest = 0, b"b\0"  # the region's own fields say the same: both change
    assert Sealed.build(value) == sealed(b"ab\0def")


def test_an_offset_past_the_region_is_a_parse_error():
    class Far(Struct):
        blocks: list = Array(Transformed(Bytes(3), Xor(0x55), Block), count=2)
        byte: int = Pointer(4, u8, io=this.blocks[0])

    with pytest.raises(ParseError) as caught:
        Far.parse(sealed(b"abcdef"))
    assert caught.value.path == "byte" and "pointer to offset 4 is past the end of its region (3 bytes" in str(
        caught.value)


def test_io_must_name_a_struct():
    class Odd(Struct):
        n: int = u8()
        byte: int = Pointer(0, u8, io=this.n)

    with pytest.raises(ParseError) as caught:
        Odd.parse(b"\x01")
    assert caught.value.path == "byte" and "io=n is 1, not a struct this parse has read" in str(caught.value)
    with pytest.raises(BuildError) as built:
        Odd.build(Odd(n=1, byte=1))
    assert built.value.path == "byte" and "not a struct this build writes" in str(built.value)


def test_a_struct_built_alone_has_no_region_for_the_value():
    entry = Catalog.parse(struct.pack("<III", 1, 0, 7) + b"x\0").entries[0]
    assert entry.name == "x"
    with pytest.raises(BuildError) as caught:
        Entry.build(entry)
    assert caught.value.path == "name" and "no field 'strings' in Entry" in str(caught.value)
    elsewhere = Strings(names=["x"])

    class Stray(Struct):
        n: int = u8()
        byte: int = Pointer(0, u8, io=lambda this: elsewhere)

    with pytest.raises(BuildError) as stray:
        Stray.build(Stray(n=1, byte=120))
    assert stray.value.path == "byte" and "names a Strings that this build does not write" in str(stray.value)
