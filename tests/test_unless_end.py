"""UnlessEnd: a field present unless the data (or the Sized region) ends before it."""

from typing import List, Optional

import pytest

from binmodel import Array, BuildError, Bytes, ParseError, Sized, Struct, UnlessEnd, this, u8, u16le
from binmodel.layout import layout


class Versioned(Struct, endian="little"):
    """A header that grew: version 1 has two fields, version 2 appends a third."""

    a: int = u16le()
    b: int = u8()
    extra: Optional[int] = UnlessEnd(u16le)


class Chunk(Struct):
    size: int = u8()
    data: bytes = Bytes(this.size)
    pad: Optional[bytes] = UnlessEnd(Bytes(this.size % 2))


class Chunks(Struct):
    chunks: List[Chunk] = Array(Chunk, greedy=True)


class Boxed(Struct):
    size: int = u8()
    body: Versioned = Sized(this.size, Versioned)
    after: int = u8()


def test_present_and_absent():
    assert Versioned.parse(b"\x01\x00\x02") == Versioned(a=1, b=2, extra=None)
    assert Versioned.parse(b"\x01\x00\x02\x03\x00") == Versioned(a=1, b=2, extra=3)
    for raw in (b"\x01\x00\x02", b"\x01\x00\x02\x03\x00"):
        assert Versioned.parse(raw).to_bytes() == raw
    assert Versioned(a=1, b=2, extra=None).to_bytes() == b"\x01\x00\x02"


def test_a_partial_field_is_still_an_error():
    with pytest.raises(ParseError) as info:
        Versioned.parse(b"\x01\x00\x02\x03")
    assert info.value.path == "extra" and info.value.offset == 3


def test_the_sized_region_end_counts():
    assert Boxed.parse(b"\x03\x01\x00\x02\x09").body.extra is None
    assert Boxed.parse(b"\x05\x01\x00\x02\x03\x00\x09").body.extra == 3
    raw = b"\x03\x01\x00\x02\x09"
    assert Boxed.parse(raw).to_bytes() == raw


def test_pad_byte_left_off_at_the_end():
    raw = b"\x01a\x00\x02bc\x01d"  # the last odd chunk has no pad byte
    chunks = Chunks.parse(raw).chunks
    assert [c.pad for c in chunks] == [b"\x00", b"", None]
    assert Chunks.parse(raw).to_bytes() == raw
    assert Chunks.parse(b"\x02bc").chunks[0].pad == b""  # Bytes(0) needs no data: read even at the end
    trace = Chunks.parse_trace(raw)
    assert trace.ok and not [s for s in trace.spans if s.path == "chunks[2].pad"]
    with pytest.raises(ParseError):  # a pad byte is not optional in the middle: the next size is read as it
        Chunks.parse(b"\x01a\x02bc")


def test_dicts_and_layout():
    assert Boxed.build({"body": {"a": 1, "b": 2, "extra": None}, "size": 3, "after": 9}) == b"\x03\x01\x00\x02\x09"
    rows = {r.path: r for r in layout(Versioned._bm_node).rows}
    assert "absent if the data ends here" in rows["extra"].notes


class Tail(Struct):
    chunks: List[Chunk] = Array(Chunk, greedy=True)
    end: int = u8()


class SizedChunks(Struct):
    size: int = u8()
    chunks: List[Chunk] = Sized(this.size, Array(Chunk, greedy=True))
    after: int = u8()


def test_none_is_refused_where_bytes_follow():
    """None reads back only at the end of the data or of a Sized region: elsewhere the build refuses it
    rather than writing a file whose next field would be read where the absent one was."""
    with pytest.raises(BuildError) as info:  # an item follows
        Chunks(chunks=[Chunk(size=1, data=b"a", pad=None), Chunk(size=2, data=b"bc", pad=b"")]).to_bytes()
    assert info.value.path == "chunks[0].pad"
    with pytest.raises(BuildError) as info:  # a field of the enclosing struct follows
        Tail(chunks=[Chunk(size=1, data=b"a", pad=None)], end=7).to_bytes()
    assert info.value.path == "chunks[0].pad"
    with pytest.raises(BuildError) as info:  # a field of the same struct follows
        Sandwich(first=None, second=5).to_bytes()
    assert info.value.path == "first"


def test_none_at_an_end_builds_and_reads_back():
    for value in (Chunks(chunks=[Chunk(size=2, data=b"bc", pad=b""), Chunk(size=1, data=b"a", pad=None)]),
                  SizedChunks(size=2, chunks=[Chunk(size=1, data=b"a", pad=None)], after=7),
                  Boxed(size=3, body=Versioned(a=1, b=2, extra=None), after=9),
                  Sandwich(first=None, second=None)):
        raw = value.to_bytes()
        assert type(value).parse(raw) == value and type(value).parse(raw).to_bytes() == raw


class Sandwich(Struct):
    first: Optional[int] = UnlessEnd(u8)
    second: Optional[int] = UnlessEnd(u8)
