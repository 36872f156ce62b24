"""Pointer(..., place=) and placed(): a file with an offset table built from objects alone (issue 17).

The truth: fontTools' own sfnt directory reader for a TrueType-like table directory, the bytes read
back, and round trips.
"""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binmodel import (
    Array,
    BuildError,
    Bytes,
    DefinitionError,
    Pointer,
    Struct,
    count_of,
    len_of,
    placed,
    this,
    u8,
    u16,
    u32,
)
from binmodel.building.interpreter import build as interpreted_build


class TableRecord(Struct, endian="big"):
    tableTag: bytes = Bytes(4)
    checkSum: int = u32(default=0)
    offset: int = u32(derive=placed("data"))
    length: int = u32(derive=len_of("data"))
    data: bytes = Pointer(this.offset, Bytes(this.length), place=4)


class TableDirectory(Struct, endian="big"):
    sfntVersion: int = u32(default=0x00010000)
    numTables: int = u16(derive=count_of("tables"))
    searchRange: int = u16(default=0)
    entrySelector: int = u16(default=0)
    rangeShift: int = u16(default=0)
    tables: list = Array(TableRecord, count=this.numTables)


def test_a_table_directory_built_from_objects_reads_with_fonttools():
    sfnt = pytest.importorskip("fontTools.ttLib.sfnt")
    tables = {b"cmap": b"\x00\x01\x02", b"glyf": b"glyph data!", b"head": bytes(range(54)), b"name": b"n"}
    raw = TableDirectory.build(TableDirectory(tables=[TableRecord(tableTag=t, data=d) for t, d in tables.items()]))
    reader = sfnt.SFNTReader(io.BytesIO(raw), checkChecksums=0)
    assert sorted(reader.keys()) == sorted(t.decode() for t in tables)
    for tag, data in tables.items():
        entry = reader.tables[tag.decode()]
        assert entry.offset % 4 == 0 and entry.length == len(data)
        assert reader[tag.decode()] == data
    offsets = [reader.tables[t.decode()].offset for t in tables]
    assert offsets[0] == 12 + 16 * len(tables) and offsets == sorted(offsets)  # after the directory, in order


class Blob(Struct, endian="little"):
    align: int = u8()
    offset: int = u16(derive=placed("data"))
    size: int = u8(derive=len_of("data"))
    data: bytes = Pointer(this.offset, Bytes(this.size), place=8)


class Blobs(Struct, endian="little"):
    n: int = u8(derive=count_of("blobs"))
    blobs: list = Array(Blob, count=this.n)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=20), max_size=6), st.data())
def test_placed_data_is_aligned_in_order_and_reads_back(datas, draw):
    obj = Blobs(blobs=[Blob(align=0, data=d) for d in datas])
    raw = Blobs.build(obj)
    assert raw == interpreted_build(Blobs._bm_node, obj)
    back = Blobs.parse(raw)
    assert [b.data for b in back.blobs] == datas
    end = 1 + 4 * len(datas)
    for b in back.blobs:  # each at the next multiple of 8 after the one before
        assert b.offset == end + -end % 8
        end = b.offset + len(b.data)
    assert len(raw) == (end if datas else 1)
    assert Blobs.build(back) == raw
    if datas:  # an edit moves what follows it, and nothing else
        k = draw.draw(st.integers(0, len(datas) - 1))
        back.blobs[k].data = datas[k] + b"longer by nine"
        again = Blobs.parse(Blobs.build(back))
        assert [b.data for b in again.blobs] == datas[:k] + [datas[k] + b"longer by nine"] + datas[k + 1:]
        assert [b.offset for b in again.blobs][:k + 1] == [b.offset for b in Blobs.parse(raw).blobs][:k + 1]


def test_a_parsed_file_with_its_data_elsewhere_is_written_back_as_it_was():
    obj = Blobs(blobs=[Blob(align=0, data=b"first"), Blob(align=0, data=b"second")])
    raw = bytearray(Blobs.build(obj))
    # swap the two data blocks' places, as another writer might
    a, b = Blobs.parse(bytes(raw)).blobs
    moved = bytes(raw[:a.offset]) + bytes(8) + b"second" + bytes(2) + b"first"
    moved = bytearray(moved)
    moved[2:4] = (a.offset + 16).to_bytes(2, "little")
    moved[6:8] = (a.offset + 8).to_bytes(2, "little")
    moved = bytes(moved)
    parsed = Blobs.parse(moved)
    assert [x.data for x in parsed.blobs] == [b"first", b"second"]
    assert Blobs.build(parsed) == moved
    assert Blobs.build(parsed, refresh=True) == bytes(raw)


def test_place_is_checked_when_the_class_is_defined():
    with pytest.raises(DefinitionError, match="place="):
        class Bad(Struct):
            offset: int = u8()
            data: bytes = Pointer(this.offset, Bytes(2), place=0)
    with pytest.raises(DefinitionError, match="data's start"):
        class Relative(Struct):
            offset: int = u8()
            data: bytes = Pointer(this.offset, Bytes(2), relative=True, place=True)


def test_placed_names_a_placed_pointer():
    class Wrong(Struct):
        offset: int = u8(derive=placed("data"))
        data: bytes = Pointer(this.offset, Bytes(2))
    with pytest.raises(BuildError, match=r"placed\(data\): data is not a Pointer\(\.\.\., place=\.\.\.\) field") as info:
        Wrong.build(Wrong(data=b"ab"))
    assert info.value.path == "data"
