"""The BMP model against Pillow, on bitmaps Pillow writes in the test run (1, 8, 24 and 32 bits per
pixel, with and without a colour table) and on variants made from them with the model (4 bits, a
BITMAPCOREHEADER, BI_BITFIELDS masks, V4 and V5 headers, a gap before the pixels) that Pillow reads."""

import io
import struct

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import BMP
from binmodel.formats.bmp import (
    BitmapCoreHeader,
    BitmapInfoHeader,
    BitmapV4Header,
    BitmapV5Header,
    CieXyz,
    CieXyzTriple,
    Compression,
    RgbQuad,
    RgbTriple,
    bit_count,
    dimensions,
    pixels_from_rows,
    row_stride,
    rows,
)

Image = pytest.importorskip("PIL.Image")

BITS = {"1": 1, "L": 8, "P": 8, "RGB": 24, "RGBA": 32}


def picture(mode, size=(13, 7)):
    """A test picture with a different value in most pixels, in ``mode``."""
    im = Image.new("RGBA", size)
    im.putdata([((x * 40) % 256, (y * 70) % 256, ((x + y) * 25) % 256, 255 - x * 9)
                for y in range(size[1]) for x in range(size[0])])
    if mode == "P":
        return im.convert("RGB").quantize(colors=9)
    return im.convert(mode)


def bmp_bytes(im):
    out = io.BytesIO()
    im.save(out, "BMP")
    return out.getvalue()


def pillow(data):
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def rgba(im):
    return im.convert("RGBA").tobytes()


@pytest.mark.parametrize("mode", sorted(BITS))
@pytest.mark.parametrize("width", [1, 5, 13, 32])
def test_fields_match_pillow_and_rebuild(mode, width):
    data = bmp_bytes(picture(mode, (width, 3)))
    bmp = BMP.parse(data)
    im = pillow(data)
    header = bmp.header
    assert isinstance(header, BitmapInfoHeader) and bmp.biSize == 40
    assert (header.biWidth, header.biHeight) == im.size
    assert header.biBitCount == BITS[mode]
    assert header.biCompression == im.info["compression"] == Compression.BI_RGB
    assert bmp.bfSize == len(data) and bmp.bfOffBits == len(data) - len(bmp.pixels)
    if im.mode == "P":
        palette = [v for c in bmp.colors for v in (c.rgbRed, c.rgbGreen, c.rgbBlue)]
        assert palette == im.getpalette()[:len(palette)]
        assert len(bmp.colors) * 3 == len(im.getpalette())
    elif header.biBitCount <= 8:
        assert len(bmp.colors) == 1 << header.biBitCount
    else:
        assert bmp.colors == []
    # the rows against Pillow's pixels: bottom-up, padded to 4 bytes
    stored = rows(bmp)
    assert len(stored) == im.size[1] and all(len(r) == row_stride(width, header.biBitCount) for r in stored)
    top_down = Image.open(io.BytesIO(data)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    raw = {1: "1", 8: "P" if im.mode == "P" else "L", 24: "BGR", 32: "BGR"}[header.biBitCount]
    line = (width * header.biBitCount + 7) // 8
    pixels = b"".join(r[:line] for r in stored)
    if header.biBitCount == 32:  # Pillow reads BI_RGB 32-bit as RGB: leave out the fourth byte
        pixels = bytes(b for i, b in enumerate(pixels) if i % 4 != 3)
    assert pixels == top_down.tobytes("raw", raw)
    assert BMP.build(bmp) == data


def test_edit_pixels_and_height_recomputes_file_size():
    data = bmp_bytes(picture("RGB", (5, 3)))
    bmp = BMP.parse(data)
    stored = rows(bmp)
    bmp.pixels = pixels_from_rows(stored + stored[::-1], 5, 24)
    bmp.header.biHeight = 6
    bmp.header.biSizeImage = len(bmp.pixels)
    out = BMP.build(bmp)
    assert struct.unpack_from("<I", out, 2)[0] == len(out)
    im = pillow(out)
    assert im.size == (5, 6)
    before = pillow(data)
    assert im.crop((0, 3, 5, 6)).tobytes() == before.tobytes()
    assert im.crop((0, 0, 5, 3)).tobytes() == before.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes()
    assert BMP.parse(out).to_bytes() == out


def test_gap_before_the_pixels_moves_the_offset():
    data = bmp_bytes(picture("P"))
    bmp = BMP.parse(data)
    bmp.gap = b"\xaa" * 10
    out = BMP.build(bmp)
    assert struct.unpack_from("<I", out, 10)[0] == BMP.parse(data).bfOffBits + 10
    assert rgba(pillow(out)) == rgba(pillow(data))
    assert BMP.parse(out).gap == b"\xaa" * 10 and BMP.parse(out).to_bytes() == out


def test_four_bits_per_pixel():
    data = bmp_bytes(picture("P"))  # 9 colours: fits 4 bits
    bmp = BMP.parse(data)
    width, height = dimensions(bmp)
    packed = []
    for row in rows(bmp):
        indices = row[:width] + b"\0"
        packed.append(bytes((indices[i] << 4) | indices[i + 1] for i in range(0, width, 2)))
    bmp.header.biBitCount = 4
    bmp.header.biClrUsed = bmp.header.biClrImportant = len(bmp.colors)
    bmp.pixels = pixels_from_rows(packed, width, 4)
    bmp.header.biSizeImage = len(bmp.pixels)
    out = BMP.build(bmp)
    assert rgba(pillow(out)) == rgba(pillow(data))
    again = BMP.parse(out)
    assert bit_count(again) == 4 and again.to_bytes() == out


def test_core_header_with_rgbtriple_colours():
    data = bmp_bytes(picture("L"))
    bmp = BMP.parse(data)
    info = bmp.header
    bmp.biSize = 12
    bmp.header = BitmapCoreHeader(bcWidth=info.biWidth, bcHeight=info.biHeight, bcPlanes=1, bcBitCount=8)
    bmp.colors = [RgbTriple(rgbtBlue=c.rgbBlue, rgbtGreen=c.rgbGreen, rgbtRed=c.rgbRed) for c in bmp.colors]
    out = BMP.build(bmp)
    assert rgba(pillow(out)) == rgba(pillow(data))
    again = BMP.parse(out)
    assert isinstance(again.header, BitmapCoreHeader) and len(again.colors) == 256
    assert again.bfOffBits == 14 + 12 + 3 * 256 and again.to_bytes() == out


def test_bitfields_masks_after_an_info_header():
    data = bmp_bytes(picture("RGBA"))
    bmp = BMP.parse(data)
    bmp.header.biCompression = Compression.BI_BITFIELDS
    bmp.masks = [0x00FF0000, 0x0000FF00, 0x000000FF]
    out = BMP.build(bmp)
    assert struct.unpack_from("<I", out, 10)[0] == 14 + 40 + 12
    assert rgba(pillow(out)) == rgba(pillow(data))
    assert BMP.parse(out).masks == bmp.masks and BMP.parse(out).to_bytes() == out
    bmp.header.biCompression = Compression.BI_ALPHABITFIELDS  # four masks (Pillow does not read these)
    bmp.masks.append(0xFF000000)
    out = BMP.build(bmp)
    assert struct.unpack_from("<I", out, 10)[0] == 14 + 40 + 16
    assert BMP.parse(out).masks == bmp.masks and BMP.parse(out).to_bytes() == out


@pytest.mark.parametrize("version", [4, 5])
def test_v4_and_v5_headers(version):
    data = bmp_bytes(picture("RGBA"))
    bmp = BMP.parse(data)
    info = bmp.header
    common = {name: getattr(info, name) for name in BitmapInfoHeader._bm_stored}
    common["biCompression"] = Compression.BI_BITFIELDS
    xyz = CieXyz(ciexyzX=0, ciexyzY=0, ciexyzZ=0)
    v4 = dict(common, bV4RedMask=0x00FF0000, bV4GreenMask=0x0000FF00, bV4BlueMask=0x000000FF,
              bV4AlphaMask=0xFF000000, bV4CSType=0x73524742,
              bV4Endpoints=CieXyzTriple(ciexyzRed=xyz, ciexyzGreen=xyz, ciexyzBlue=xyz),
              bV4GammaRed=0, bV4GammaGreen=0, bV4GammaBlue=0)
    if version == 4:
        bmp.biSize, bmp.header = 108, BitmapV4Header(**v4)
    else:
        bmp.biSize = 124
        bmp.header = BitmapV5Header(**v4, bV5Intent=4, bV5ProfileData=0, bV5ProfileSize=0, bV5Reserved=0)
    out = BMP.build(bmp)
    assert struct.unpack_from("<II", out, 10) == (14 + bmp.biSize, bmp.biSize)
    im = pillow(out)
    assert im.mode == "RGBA" and rgba(im) == picture("RGBA").tobytes()
    again = BMP.parse(out)
    assert type(again.header) is type(bmp.header) and again.header.bV4AlphaMask == 0xFF000000
    assert again.to_bytes() == out


def test_unknown_header_size_keeps_bytes():
    data = bmp_bytes(picture("RGB"))
    bmp = BMP.parse(data)
    raw = BitmapInfoHeader.build(bmp.header)
    bmp.biSize = 64  # OS/2 2.x: the BITMAPINFOHEADER fields, then 24 more bytes
    bmp.header = raw + bytes(24)
    out = BMP.build(bmp)
    again = BMP.parse(out)
    assert again.header == raw + bytes(24) and again.pixels == bmp.pixels and again.to_bytes() == out
    assert rgba(pillow(out)) == rgba(pillow(data))


def test_truncated_and_corrupted_files_raise_parse_error():
    data = bmp_bytes(picture("P", (6, 4)))
    for n in range(len(data)):
        with pytest.raises(ParseError):
            BMP.parse(data[:n])
    bad = bytearray(data)
    bad[10:14] = struct.pack("<I", 20)  # bfOffBits inside the header
    with pytest.raises(ParseError) as info:
        BMP.parse(bytes(bad))
    assert info.value.path == "gap"
    bad = bytearray(data)
    bad[46:50] = struct.pack("<I", 0xFFFFFFF0)  # biClrUsed: far more colours than the file holds
    BMP.parse(bytes(bad)).to_bytes()  # the colour table stops at bfOffBits; the file still rebuilds
    assert BMP.parse(bytes(bad)).to_bytes() == bytes(bad)


def test_cli_dump(tmp_path, capsys):
    path = tmp_path / "picture.bmp"
    path.write_bytes(bmp_bytes(picture("P")))
    assert main(["dump", str(path), "--format", "bmp", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "header.biWidth = 13" in out
    assert "colors[8].rgbRed" in out


def test_colour_entry_types():
    assert RgbQuad.sizeof() == 4 and RgbTriple.sizeof() == 3
    assert BitmapV4Header.sizeof() == 104 and BitmapV5Header.sizeof() == 120 and BitmapInfoHeader.sizeof() == 36
