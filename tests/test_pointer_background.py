"""Bytes no field reads, between a struct's fields and its pointers' data, build back as the parse found
them (``binmodel.background``): nothing is lost. An instance made by hand has no such bytes: zeros."""

import struct

from hypothesis import given
from hypothesis import strategies as st

from binmodel import Bytes, Pointer, Sized, Struct, this, u8, u16be
from binmodel.building import build as interpreted_build
from binmodel.building import compiled_build


class Index(Struct, endian="big"):
    """A header, then (somewhere after an unread gap) the name it points to."""

    offset: int = u8()
    size: int = u8()
    name: bytes = Pointer(this.offset, Bytes(this.size))


class LazyIndex(Struct, endian="big"):
    offset: int = u8()
    name: bytes = Pointer(this.offset, Bytes(2), lazy=True)


class Block(Struct, endian="big"):
    offset: int = u8()
    name: bytes = Pointer(this.offset, Bytes(3), region=True)


class Region(Struct, endian="big"):
    offset: int = u8()
    name: bytes = Pointer(this.offset, Bytes(3), region=True)
    rest: bytes = Bytes(greedy=True)


class File(Struct, endian="big"):
    length: int = u16be()
    block: Region = Sized(this.length, Region)
    trailer: bytes = Bytes(greedy=True)


def index(gap: bytes, name: bytes) -> bytes:
    return bytes([2 + len(gap), len(name)]) + gap + name


@given(st.binary(max_size=12), st.binary(min_size=1, max_size=8))
def test_the_gap_before_pointer_data_builds_back(gap, name):
    raw = index(gap, name)
    value = Index.parse(raw)
    assert value.name == name
    assert Index.build(value) == raw
    assert interpreted_build(Index._bm_node, value) == raw
    # a value made by hand has no parsed bytes around its pointer: the gap is zeros
    fresh = Index(offset=value.offset, size=value.size, name=value.name)
    assert Index.build(fresh) == raw[:2] + bytes(len(gap)) + name


@given(st.binary(max_size=12))
def test_an_unread_lazy_pointer_keeps_its_gap(gap):
    raw = bytes([1 + len(gap)]) + gap + b"ok"
    value = LazyIndex.parse(raw)
    assert LazyIndex.build(value) == raw  # nothing read yet
    assert value.name == b"ok" and LazyIndex.build(value) == raw  # read, then built


@given(st.binary(max_size=6), st.binary(max_size=4))
def test_the_gap_inside_a_region_builds_back(gap, trailer):
    # a region's struct must use the region up to its end (Kaitai's importer gives it an _unread field);
    # the gap is between the fields and the region pointer's data when the struct is not in one
    raw = bytes([1 + len(gap)]) + gap + b"abc" + trailer
    value = Block.parse(raw, allow_trailing=True)
    assert value.name == b"abc"
    assert Block.build(value) == raw[:len(raw) - len(trailer)]
    value.name = b"xyz"  # an edit writes over the kept bytes; the gap stays as it was
    assert Block.build(value) == bytes([1 + len(gap)]) + gap + b"xyz"
    body = bytes([1 + len(gap)]) + gap + b"abc"
    inside = struct.pack(">H", len(body) + len(trailer)) + body + trailer
    assert File.build(File.parse(inside)) == inside


def test_edited_fields_write_over_the_background():
    raw = index(b"\xaa\xbb\xcc", b"nm")
    value = Index.parse(raw)
    value.offset = 3  # the name moves into the old gap: its bytes win, the rest of the gap is kept
    assert Index.build(value) == b"\x03\x02\xaa" + b"nm"


def test_compiled_and_interpreted_builders_agree():
    for model, raw in ((Index, index(b"\x01\x02", b"abc")), (LazyIndex, b"\x03\xff\xeeok"),
                       (File, b"\x00\x05\x02\x99abcT"), (Block, b"\x02\x99abc")):
        value = model.parse(raw)
        assert interpreted_build(model._bm_node, value) == raw
        try:
            compiled = compiled_build(model._bm_node, value)
        except Exception as exc:  # no generated builder for pointers: the same interpreter answers
            raise AssertionError("compiled build failed: %s" % exc) from None
        assert compiled == raw
