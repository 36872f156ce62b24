"""``this._io.pos`` on build: where a value is written in its region, from the bytes written before it, so a
model whose offsets, checks or transform keys read it builds from objects alone, and what it builds parses
back (checked with Kaitai's own compiler and runtime where the suite has the format)."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import Array, BuildError, Bytes, Pointer, Sized, Struct, len_of, this, u8, u32le
from kaitai_truth import SUITE, kaitai_parse, missing

needs_kaitai = pytest.mark.skipif(missing() is not None, reason=missing() or "")


class Chunk(Struct, endian="little"):
    offset: int = u32le()
    len: int = u32le()


class Chunks(Struct, endian="little"):
    """Kaitai's instance_in_repeat_expr.ksy: the count lies 16 bytes after where it is first asked for."""

    num_chunks: int = Pointer(this._io.pos + 16, u32le())
    chunks: list = Array(Chunk, count=this.num_chunks)


@needs_kaitai
def test_an_offset_from_the_position_builds_from_objects_and_kaitai_reads_it():
    made = Chunks(num_chunks=2, chunks=[Chunk(offset=1, len=2), Chunk(offset=3, len=4)])
    raw = Chunks.build(made)
    assert raw == struct.pack("<4I", 1, 2, 3, 4) + struct.pack("<I", 2)
    theirs = kaitai_parse("instance_in_repeat_expr", raw)
    assert theirs.num_chunks == 2 and [(c.offset, c.len) for c in theirs.chunks] == [(1, 2), (3, 4)]


class Item(Struct):
    """An item that records where it starts in its region, and its payload."""

    at: int = u8(derive=this._io.pos, check=True)
    size: int = u8(derive=len_of("payload"))
    payload: bytes = Bytes(this.size)


class Block(Struct):
    length: int = u8(derive=len_of("items"))
    items: list = Sized(this.length, Array(Item, greedy=True))
    after: int = u8(derive=this._io.pos, check=True)


class Framed(Struct):
    lead_size: int = u8(derive=len_of("lead"))
    lead: bytes = Bytes(this.lead_size)
    block: Block = Sized(None, Block, greedy=True)  # a region of its own: positions count from its start


@given(st.lists(st.binary(max_size=5), max_size=6), st.binary(max_size=3))
def test_positions_count_from_the_region_and_after_the_items_before(payloads, lead):
    made = Framed(lead=lead, block=Block(items=[Item(payload=p) for p in payloads]))
    raw = Framed.build(made)
    expected, pos, starts = b"", 0, []
    for p in payloads:
        starts.append(pos)
        expected += bytes([pos, len(p)]) + p
        pos += 2 + len(p)
    assert raw == bytes([len(lead)]) + lead + bytes([len(expected)]) + expected + bytes([1 + len(expected)])
    parsed = Framed.parse(raw)  # (the check=True positions hold as parsed)
    assert [(i.at, i.payload) for i in parsed.block.items] == list(zip(starts, payloads))
    assert Framed.build(Framed.parse(raw)) == raw


@needs_kaitai
@given(st.binary(min_size=11, max_size=11))
def test_a_transform_key_from_the_position_builds_back(data):
    """process_repeat_usertype_dynarg_xor: each block's key reads _io.pos after its stored bytes."""
    from binmodel import kaitai

    model = kaitai.load(str(SUITE / "formats" / "process_repeat_usertype_dynarg_xor.ksy"))
    value = model.parse(data)
    assert [b.a for b in value.blocks] == [b.a for b in kaitai_parse("process_repeat_usertype_dynarg_xor", data).blocks]
    assert model.build(value) == data


def test_the_size_and_end_of_a_region_are_not_known_on_build():
    class Tail(Struct):
        n: int = u8()
        last: int = Pointer(this._io.size - 1, u8())

    value = Tail.parse(b"\x01\x02\x03")
    assert value.last == 3
    with pytest.raises(BuildError) as caught:
        Tail.build(value)
    assert caught.value.path == "last" and "this._io.size: the size of the region is known only while parsing" in str(
        caught.value)
