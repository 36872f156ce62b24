"""Bytes no field covers between pointer targets come back exactly (issue 17), and ``detach`` lets a
parsed object outlive its data.

The truth: icons Pillow writes and fonts fontTools builds, with junk spliced between their images or
tables (offsets moved with struct), read back by Pillow and fontTools; and the input bytes.
"""

import gc
import io
import platform
import struct
import sys

import pytest

from binmodel import detach
from binmodel.formats import ICO
from binmodel.formats.sfnt import Font

Image = pytest.importorskip("PIL.Image")
fontTools = pytest.importorskip("fontTools")
from fontTools.ttLib import TTFont  # noqa: E402

from test_format_sfnt import font_bytes  # noqa: E402


def icon_with_junk():
    """Pillow's icon of two sizes, with junk before the first image and between the two."""
    out = io.BytesIO()
    im = Image.new("RGBA", (32, 32), (10, 20, 30, 255))
    im.putpixel((3, 4), (200, 100, 50, 255))
    im.save(out, "ICO", sizes=[(16, 16), (32, 32)])
    data = out.getvalue()
    (o1,), (o2,) = struct.unpack_from("<I", data, 18), struct.unpack_from("<I", data, 34)
    junk1, junk2 = b"JUNK!", b"\xff\xfe more junk"
    spliced = (data[:18] + struct.pack("<I", o1 + len(junk1)) + data[22:34]
               + struct.pack("<I", o2 + len(junk1) + len(junk2)) + data[38:o1]
               + junk1 + data[o1:o2] + junk2 + data[o2:])
    return data, spliced, [(o1, junk1), (o2 + len(junk1), junk2)]


def test_junk_between_icon_images_is_written_back():
    data, spliced, gaps = icon_with_junk()
    ico = ICO.parse(spliced)
    assert ICO.build(ico) == spliced
    for frame in (16, 32):  # Pillow reads the same pictures from both files
        a = Image.open(io.BytesIO(data), formats=["ICO"])
        b = Image.open(io.BytesIO(spliced), formats=["ICO"])
        a.size = b.size = (frame, frame)
        assert a.convert("RGBA").tobytes() == b.convert("RGBA").tobytes() and a.size == (frame, frame)
    ico.entries[0].bColorCount = 7  # an edit elsewhere keeps the junk too
    edited = ICO.build(ico)
    assert [i for i in range(len(spliced)) if edited[i] != spliced[i]] == [8]
    for at, junk in gaps:
        assert edited[at:at + len(junk)] == junk


def test_junk_between_font_tables_is_written_back():
    data = font_bytes()
    font = Font.parse(data)
    order = sorted(font.tables, key=lambda r: r.offset)
    first = order[0].offset
    moved, body, at = {}, b"", first
    for i, record in enumerate(order):
        junk = (b"junk%03d!" % i)[: 4 * (i % 3)]  # 0, 4 or 8 bytes: the tables stay 4-aligned
        body += junk
        at += len(junk)
        moved[record.tableTag] = at
        size = record.length + (-record.length % 4)
        body += data[record.offset:record.offset + size]
        at += size
    directory = bytearray(data[:first])
    for i in range(len(font.tables)):
        tag = bytes(directory[12 + 16 * i:16 + 16 * i])
        struct.pack_into(">I", directory, 12 + 16 * i + 8, moved[tag])
    spliced = bytes(directory) + body
    assert spliced != data
    parsed = Font.parse(spliced)
    assert Font.build(parsed) == spliced
    ours, theirs = TTFont(io.BytesIO(data)).reader, TTFont(io.BytesIO(spliced)).reader
    assert sorted(theirs.keys()) == sorted(ours.keys())
    for tag in ours.keys():
        assert theirs[tag] == ours[tag]
        record = next(r for r in parsed.tables if r.tableTag.decode("latin-1") == tag)
        assert theirs.tables[tag].offset == record.offset


def test_detach_drops_the_data_and_builds_as_objects_made_by_hand():
    _, spliced, gaps = icon_with_junk()
    ico = ICO.parse(spliced)
    assert detach(ico) is ico and ico._bm_src is None
    rebuilt = ICO.build(ico)  # offsets recomputed, images packed after the directory: no gaps left
    assert rebuilt == ICO.build(ICO.parse(spliced), refresh=True) != spliced
    assert len(rebuilt) == len(spliced) - sum(len(junk) for _, junk in gaps)
    assert ICO.parse(rebuilt).entries[1].image == ico.entries[1].image


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="reference counts are CPython's")
def test_after_detach_nothing_refers_to_the_data():
    _, spliced, _ = icon_with_junk()
    data = bytes(bytearray(spliced))  # (a fresh object: no other holder)
    before = sys.getrefcount(data)
    ico = ICO.parse(data)
    assert sys.getrefcount(data) > before  # the root's _bm_src and the entries' backgrounds
    detach(ico)
    gc.collect()  # (the contexts of attempts that failed, PNG before DIB, are cyclic garbage)
    assert sys.getrefcount(data) == before
    assert ico.entries[0].bWidth == 16
