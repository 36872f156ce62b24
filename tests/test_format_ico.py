"""The ICO model against Pillow, on icons Pillow writes in the test run: several sizes in one file, PNG
images (Pillow's default) and DIB images (``bitmap_format="bmp"``: 32-bit, and 8- and 1-bit with a colour
table and an AND mask). Every entry is compared with Pillow's reading of the directory, every image with
the pixels Pillow decodes; every file rebuilds byte for byte, and builds from objects with the sizes,
offsets and count derived."""

import io
import struct

import pytest

from binmodel import Error, ParseError
from binmodel.formats import FORMATS, ICO
from binmodel.formats.ico import Dib, IconDirEntry
from binmodel.formats.png import PNG
from construct_models import construct_model

Image = pytest.importorskip("PIL.Image")
IcoImagePlugin = pytest.importorskip("PIL.IcoImagePlugin")

SIZES = [(16, 16), (24, 24), (32, 32), (48, 48)]


def picture(mode="RGBA", size=64):
    im = Image.new("RGBA", (size, size))
    im.putdata([((x * 4) % 256, (y * 4) % 256, ((x + y) * 2) % 256, 255 - 3 * x)
                for y in range(size) for x in range(size)])
    return im if mode == "RGBA" else im.convert(mode)


def ico_bytes(im, sizes=SIZES, **options):
    out = io.BytesIO()
    im.save(out, "ICO", sizes=sizes, **options)
    return out.getvalue()


def dib_pixels(dib):
    """Pixels, top row first, decoded from a DIB icon image's XOR rows: RGBA for 32 bits, RGB through the
    colour table otherwise. (Pillow writes the AND mask of the others unpadded, against the format's 4-byte
    rows, and reads it back the same way; the model keeps it as bytes, so it is not compared here.)"""
    width, bits = dib.header.biWidth, dib.header.biBitCount
    height = dib.header.biHeight // 2
    stride = (width * bits + 31) // 32 * 4
    out = []
    for y in reversed(range(height)):  # bottom-up
        row = dib.xor[y * stride:(y + 1) * stride]
        for x in range(width):
            if bits == 32:
                b, g, r, a = row[4 * x:4 * x + 4]
                out.append((r, g, b, a))
            else:
                index = (row[x * bits // 8] >> (8 - bits - x * bits % 8)) & ((1 << bits) - 1)
                c = dib.colors[index]
                out.append((c.rgbRed, c.rgbGreen, c.rgbBlue))
    return out


def pillow_frames(data):
    """Pillow's reading: its directory entries by offset, and the image it decodes for each."""
    ico = IcoImagePlugin.IcoFile(io.BytesIO(data))
    return {h.offset: (h, ico.frame(i)) for i, h in enumerate(ico.entry)}


@pytest.mark.parametrize("mode,options", [
    ("RGBA", {}), ("RGBA", {"bitmap_format": "bmp"}), ("P", {"bitmap_format": "bmp"}),
    ("1", {"bitmap_format": "bmp"}), ("L", {"bitmap_format": "bmp"}),
])
def test_entries_and_images_match_pillow_and_rebuild(mode, options):
    data = ico_bytes(picture(mode), **options)
    ico = ICO.parse(data)
    frames = pillow_frames(data)
    assert ico.idType == 1 and ico.idCount == len(ico.entries) == len(SIZES) == len(frames)
    for entry, size in zip(ico.entries, SIZES):
        header, frame = frames[entry.dwImageOffset]
        assert (entry.bWidth or 256, entry.bHeight or 256) == header.dim == size == frame.size
        assert (entry.bColorCount, entry.wPlanes, entry.wBitCount, entry.dwBytesInRes) == \
            (header.nb_color, header.planes, header.bpp, header.size)
        if options:
            assert isinstance(entry.image, Dib) and entry.image.header.biHeight == 2 * size[1]
            mode = "RGBA" if entry.wBitCount == 32 else "RGB"
            pixels = frame.convert(mode).tobytes()
            assert b"".join(bytes(p) for p in dib_pixels(entry.image)) == pixels
        else:
            assert isinstance(entry.image, PNG)
            png = Image.open(io.BytesIO(PNG.build(entry.image)))
            assert png.convert("RGBA").tobytes() == frame.convert("RGBA").tobytes()
    assert ICO.build(ico) == data


@pytest.mark.parametrize("options", [{}, {"bitmap_format": "bmp"}])
def test_build_from_objects_derives_count_sizes_and_offsets(options):
    data = ico_bytes(picture(), **options)
    parsed = ICO.parse(data)
    fresh = ICO(entries=[IconDirEntry(bWidth=e.bWidth, bHeight=e.bHeight, bColorCount=e.bColorCount,
                                      wPlanes=e.wPlanes, wBitCount=e.wBitCount, image=e.image)
                         for e in parsed.entries])
    assert ICO.build(fresh) == data


def test_edit_an_image_moves_the_ones_after_it():
    data = ico_bytes(picture(), sizes=[(16, 16), (32, 32)])
    ico = ICO.parse(data)
    small = Image.new("RGBA", (16, 16), (10, 200, 30, 255))
    out = io.BytesIO()
    small.save(out, "PNG")
    ico.entries[0].image = PNG.parse(out.getvalue())
    edited = ICO.build(ico)
    frames = pillow_frames(edited)
    first, second = ICO.parse(edited).entries
    assert first.dwBytesInRes == len(out.getvalue()) and second.dwImageOffset == 6 + 32 + len(out.getvalue())
    assert frames[first.dwImageOffset][1].convert("RGBA").getpixel((3, 3)) == (10, 200, 30, 255)
    assert frames[second.dwImageOffset][1].size == (32, 32)
    assert ICO.build(ICO.parse(edited)) == edited


def test_a_file_with_a_gap_before_an_image_is_written_back_as_it_was_or_packed_on_refresh():
    data = ico_bytes(picture(), sizes=[(16, 16)])
    offset = struct.unpack_from("<I", data, 18)[0]
    spaced = data[:18] + struct.pack("<I", offset + 4) + data[22:offset] + b"\0" * 4 + data[offset:]
    ico = ICO.parse(spaced)
    assert ico.entries[0].dwImageOffset == offset + 4
    assert ICO.build(ico) == spaced  # unedited: the offset the file had stands
    assert ICO.build(ico, refresh=True) == data  # every derived value recomputed: the usual packed place


def test_registered_for_the_command_line():
    assert FORMATS["ico"] is ICO


def test_bad_input_names_the_field_and_offset():
    data = ico_bytes(picture(), sizes=[(16, 16)], bitmap_format="bmp")
    with pytest.raises(ParseError) as info:
        ICO.parse(data[:2] + b"\x07\x00" + data[4:])
    assert info.value.path == "idType" and info.value.offset == 2
    with pytest.raises(ParseError) as info:
        ICO.parse(data[:-10])
    assert info.value.path.startswith("entries[0].image")
    with pytest.raises(Error):
        ICO.parse(data[:22] + b"\x00\x00\x00\x00" + data[26:])  # the first image byte is biSize's




@pytest.mark.parametrize("mode,options", [("RGBA", {}), ("P", {"bitmap_format": "bmp"})])
def test_construct_model_reads_the_same_files(mode, options):
    c = construct_model("ico")
    data = ico_bytes(picture(mode), **options)
    ours, theirs = ICO.parse(data), c.ICO.parse(data)
    assert theirs.idCount == ours.idCount
    for mine, other in zip(ours.entries, theirs.entries):
        assert [getattr(mine, k) for k in ("bWidth", "bHeight", "wBitCount", "dwBytesInRes", "dwImageOffset")] == \
            [other[k] for k in ("bWidth", "bHeight", "wBitCount", "dwBytesInRes", "dwImageOffset")]
        assert c.Image.build(other.image) == data[mine.dwImageOffset:mine.dwImageOffset + mine.dwBytesInRes]
    assert c.ICO.build(theirs) == data
    fresh = {"idType": 1, "entries": [{k: e[k] for k in ("bWidth", "bHeight", "bColorCount", "bReserved", "wPlanes",
                                                         "wBitCount", "image")} for e in theirs.entries]}
    assert c.ICO.build(fresh) == data
