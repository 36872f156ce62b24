"""The sfnt model (TrueType/OpenType table directory) against fontTools, on a small TrueType font
fontTools builds in the test run: the directory's fields, every table's tag, offset, length and checksum
as fontTools' reader gives them, the checksum the model derives from the pointer's target bytes equal to
the file's, ``head`` against fontTools' decoding; rebuilt byte for byte, built from objects (count,
lengths, checksums and the search fields derived), and edited tables read back by fontTools."""

import io

import pytest

from binmodel import ParseError
from binmodel.formats import FORMATS
from binmodel.formats.sfnt import Font, Head, TableRecord, checksum, checksum_adjustment, place
from construct_models import construct_model

fontTools = pytest.importorskip("fontTools")
from fontTools.fontBuilder import FontBuilder  # noqa: E402
from fontTools.pens.ttGlyphPen import TTGlyphPen  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from fontTools.ttLib.ttFont import getSearchRange  # noqa: E402


def font_bytes(family="Worked", glyphs=("A", "B")):
    fb = FontBuilder(1000, isTTF=True)
    names = [".notdef", *glyphs]
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(g): g for g in glyphs})
    outlines = {}
    for i, name in enumerate(names):
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 700 - 50 * i))
        pen.lineTo((500 + i, 700))
        pen.lineTo((500, 0))
        pen.closePath()
        outlines[name] = pen.glyph()
    fb.setupGlyf(outlines)
    fb.setupHorizontalMetrics({n: (600, 100) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def reader(data):
    return TTFont(io.BytesIO(data)).reader


@pytest.mark.parametrize("family,glyphs", [("Worked", ("A", "B")), ("Odd length name", ("A", "B", "C", "D", "E"))])
def test_directory_and_tables_match_fonttools_and_rebuild(family, glyphs):
    data = font_bytes(family, glyphs)
    font = Font.parse(data)
    theirs = reader(data)
    assert font.sfntVersion == 0x00010000 and theirs.sfntVersion == "\0\1\0\0"
    assert font.numTables == len(theirs.tables)
    assert (font.searchRange, font.entrySelector, font.rangeShift) == getSearchRange(font.numTables, 16)
    assert [r.tableTag for r in font.tables] == sorted(r.tableTag for r in font.tables)
    for record in font.tables:
        entry = theirs.tables[record.tableTag.decode("latin-1")]
        assert (record.offset, record.length, record.checksum) == (entry.offset, entry.length, entry.checkSum)
        raw = Head.build(record.data) if isinstance(record.data, Head) else record.data
        assert raw == theirs[record.tableTag.decode("latin-1")]
        assert checksum(raw, record.tableTag == b"head") == record.checksum  # derived == the file's
    head = next(r.data for r in font.tables if r.tableTag == b"head")
    ft_head = TTFont(io.BytesIO(data))["head"]
    assert (head.unitsPerEm, head.checksumAdjustment, head.indexToLocFormat, head.xMax) == \
        (ft_head.unitsPerEm, ft_head.checkSumAdjustment, ft_head.indexToLocFormat, ft_head.xMax)
    assert checksum_adjustment(data) == head.checksumAdjustment
    assert Font.build(font) == data


def test_build_from_objects_derives_the_directory():
    data = font_bytes()
    parsed = Font.parse(data)
    order = [r.tableTag for r in sorted(parsed.tables, key=lambda r: r.offset)]  # the file's order
    fresh = Font(sfntVersion=0x00010000, tables=[TableRecord(tableTag=r.tableTag, offset=0, data=r.data)
                                                 for r in parsed.tables])
    assert Font.build(place(fresh, order)) == data


def test_edited_table_gets_its_length_checksum_and_padding():
    data = font_bytes()
    font = Font.parse(data)
    name = next(r for r in font.tables if r.tableTag == b"name")
    other = Font.parse(font_bytes("A much longer family name"))
    name.data = next(r for r in other.tables if r.tableTag == b"name").data
    place(font, [r.tableTag for r in sorted(font.tables, key=lambda r: r.offset)])
    out = Font.build(font)
    assert len(out) % 4 == 0
    edited = TTFont(io.BytesIO(out))
    assert edited["name"].getDebugName(1) == "A much longer family name"
    entry = edited.reader.tables["name"]
    assert entry.length == len(name.data) and entry.checkSum == checksum(name.data)
    assert Font.build(Font.parse(out)) == out


def test_bad_input_names_the_field_and_offset():
    data = font_bytes()
    with pytest.raises(ParseError) as info:
        Font.parse(b"\0\2" + data[2:])
    assert info.value.path == "sfntVersion" and info.value.offset == 0
    broken = bytearray(data)
    broken[-1] ^= 0xFF  # the last table's last byte: its checksum no longer holds
    with pytest.raises(ParseError) as info:
        Font.parse(bytes(broken))
    assert info.value.path.startswith("tables[") and info.value.path.endswith("checksum")
    with pytest.raises(ParseError):
        Font.parse(data[:-8])
    assert FORMATS["sfnt"] is Font




@pytest.mark.parametrize("family,glyphs", [("Worked", ("A", "B")), ("Odd length name", ("A", "B", "C", "D", "E"))])
def test_construct_model_reads_the_same_files(family, glyphs):
    c = construct_model("sfnt")
    data = font_bytes(family, glyphs)
    ours, theirs = Font.parse(data), c.Font.parse(data)
    assert [(r.tableTag, r.checksum, r.offset, r.length) for r in ours.tables] == \
        [(r.tableTag, r.checksum, r.offset, r.length) for r in theirs.tables]
    assert c.Font.build(theirs) == data
