"""``Pointer(region=True)``: offsets from the start of the ``Sized`` region a struct is read in, bounded by its
end (Kaitai Struct's ``pos:`` inside a substream); built back into the region's bytes."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import Bytes, ParseError, Pointer, Sized, Struct, len_of, this, u8, u16be
from kaitai_truth import kaitai_parse, missing


class Directory(Struct, endian="big"):
    """A region that starts with a table of (offset, size) entries pointing into itself."""

    count: int = u8()
    offset: int = u8()
    size: int = u8(derive=len_of("name"))
    name: bytes = Pointer(this.offset, Bytes(this.size), region=True)
    rest: bytes = Bytes(greedy=True)


class Archive(Struct, endian="big"):
    magic: bytes = Bytes(2)
    length: int = u16be(derive=len_of("body"))
    body: Directory = Sized(this.length, Directory)
    trailer: int = u8()


def archive(name: bytes, pad: bytes) -> bytes:
    body = bytes([1, 3 + len(pad), len(name)]) + pad + name
    return b"AR" + struct.pack(">H", len(body)) + body + b"\x07"


@given(st.binary(max_size=20), st.binary(max_size=5))
def test_offsets_count_from_the_region_and_build_back(name, pad):
    raw = archive(name, pad)
    value = Archive.parse(raw)
    assert value.body.name == name and value.body.offset == 3 + len(pad)  # 4 bytes before the region
    assert Archive.build(value) == raw


def test_a_region_pointer_cannot_leave_its_region():
    raw = bytearray(archive(b"abc", b""))
    raw[5] = 40  # the offset: past the region's 6 bytes (the data is longer)
    with pytest.raises(ParseError) as caught:
        Archive.parse(bytes(raw) + bytes(64))
    error = caught.value
    assert error.path == "body.name" and error.found == 44 and "past the end of its region" in str(error)


def test_built_from_objects_the_data_lands_in_the_region():
    made = Archive(magic=b"AR", length=None, body=Directory(count=1, offset=3, size=None, name=b"xyz", rest=b"xyz"),
                   trailer=7)
    assert Archive.build(made) == archive(b"xyz", b"")


SUBSTREAM_KSY = """
meta:
  id: region_pos
  endian: be
seq:
  - id: magic
    size: 4
  - id: body
    size: 12
    type: body
  - id: rest
    size-eos: true
types:
  body:
    seq:
      - id: ofs
        type: u1
    instances:
      pointed:
        pos: ofs
        type: u2
"""


class KBody(Struct, endian="big"):
    ofs: int = u8()
    pointed: int = Pointer(this.ofs, u16be, region=True)
    tail: bytes = Bytes(greedy=True)


class KOuter(Struct, endian="big"):
    magic: bytes = Bytes(4)
    body: KBody = Sized(12, KBody)
    rest: bytes = Bytes(greedy=True)


@given(st.integers(0, 10), st.binary(min_size=20, max_size=24))
def test_positions_in_a_substream_agree_with_kaitai(ofs, data):
    """Kaitai's ``pos:`` inside a type read from a sized substream counts from the substream's start."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    raw = data[:4] + bytes([ofs]) + data[5:]
    theirs = kaitai_parse("region_pos", raw, SUBSTREAM_KSY)
    ours = KOuter.parse(raw)
    assert ours.body.pointed == theirs.body.pointed
    assert ours.body.pointed == struct.unpack_from(">H", raw, 4 + ofs)[0]
    assert KOuter.build(ours) == raw
