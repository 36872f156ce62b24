"""BMP.pixel(x, y) and BMP.pixel_array() against Pillow's decoding, on bitmaps Pillow writes and on
bitmaps laid out here with struct (16-bit 5-5-5 and 5-6-5, 32-bit masks with alpha in a V4 header,
top-down rows, a BITMAPCOREHEADER), whose pixel bytes are random."""

import io
import random
import struct

import pytest

from binmodel.formats import BMP
from binmodel.formats.bmp import row_stride

Image = pytest.importorskip("PIL.Image")


def pillow_rgb(data, mode):
    im = Image.open(io.BytesIO(data))
    return im.convert(mode)


def laid_out(width, height, bits, *, compression=0, masks=(), v4_masks=None, colors=(), core=False, seed=1):
    """A bitmap file with random pixel bytes: BITMAPCOREHEADER, BITMAPINFOHEADER (+ masks) or V4."""
    rng = random.Random(seed)
    stride = row_stride(width, bits)
    pixels = bytes(rng.randrange(256) for _ in range(stride * abs(height)))
    if bits <= 8:  # indexes within the colour table, so every pixel has a colour
        n = len(colors)
        out = bytearray(pixels)
        for y in range(abs(height)):
            for x in range(width):
                at, shift = y * stride + x * bits // 8, 8 - bits - x * bits % 8
                out[at] = (out[at] & ~(((1 << bits) - 1) << shift)) | (rng.randrange(n) << shift)
        pixels = bytes(out)
    if core:
        header = struct.pack("<IHHHH", 12, width, height, 1, bits)
        table = b"".join(struct.pack("<BBB", b, g, r) for r, g, b in colors)
    else:
        info = struct.pack("<iiHHIIiiII", width, height, 1, bits, compression, len(pixels), 2835, 2835, len(colors), 0)
        if v4_masks is not None:
            header = struct.pack("<I", 108) + info + struct.pack("<4I", *v4_masks) + struct.pack("<I", 0x73524742) \
                + bytes(36 + 12)
        else:
            header = struct.pack("<I", 40) + info + b"".join(struct.pack("<I", m) for m in masks)
        table = b"".join(struct.pack("<BBBB", b, g, r, 0) for r, g, b in colors)
    offset = 14 + len(header) + len(table)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + table + pixels


PALETTE = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30), (200, 100, 50), (1, 2, 3), (7, 8, 9), (99, 98, 97),
           (0, 0, 0), (255, 255, 255), (128, 64, 32), (32, 64, 128), (5, 5, 5), (6, 6, 6), (70, 80, 90), (1, 1, 1)]

CASES = {
    "16-bit 5-5-5 (BI_RGB)": (dict(width=7, height=5, bits=16), "RGB"),
    "16-bit 5-6-5 (BI_BITFIELDS)": (dict(width=6, height=4, bits=16, compression=3, masks=(0xF800, 0x07E0, 0x001F)),
                                    "RGB"),
    "32-bit BGRX masks": (dict(width=5, height=3, bits=32, compression=3, masks=(0xFF0000, 0xFF00, 0xFF)), "RGB"),
    "32-bit BGRA in a V4 header": (dict(width=5, height=3, bits=32, compression=3,
                                        v4_masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000)), "RGBA"),
    "24-bit top-down": (dict(width=5, height=-4, bits=24), "RGB"),
    "8-bit top-down": (dict(width=9, height=-3, bits=8, colors=PALETTE), "RGB"),
    "4-bit": (dict(width=9, height=3, bits=4, colors=PALETTE), "RGB"),
    "1-bit core header": (dict(width=11, height=3, bits=1, colors=PALETTE[:2], core=True), "RGB"),
    "8-bit core header": (dict(width=3, height=2, bits=8, colors=PALETTE, core=True), "RGB"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pixels_match_pillow(name):
    options, mode = CASES[name]
    data = laid_out(**options)
    bmp = BMP.parse(data)
    theirs = pillow_rgb(data, mode)
    width, height = theirs.size
    assert (width, height) == (options["width"], abs(options["height"]))
    for y in range(height):
        for x in range(width):
            assert bmp.pixel(x, y) == theirs.getpixel((x, y)), (x, y)
    np = pytest.importorskip("numpy")
    assert np.array_equal(bmp.pixel_array(), np.asarray(theirs))
    assert BMP.build(bmp) == data


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA"])
def test_pixels_of_bitmaps_pillow_writes(mode):
    im = Image.new("RGBA", (13, 7))
    im.putdata([((x * 40) % 256, (y * 70) % 256, ((x + y) * 25) % 256, 255 - x * 9) for y in range(7) for x in range(13)])
    im = im.convert("RGB").quantize(colors=9) if mode == "P" else im.convert(mode)
    out = io.BytesIO()
    im.save(out, "BMP")
    bmp = BMP.parse(out.getvalue())
    theirs = pillow_rgb(out.getvalue(), "RGB")  # (Pillow reads its 32-bit BI_RGB files as BGRX: no alpha)
    assert [bmp.pixel(x, y) for y in range(7) for x in range(13)] == [theirs.getpixel((x, y)) for y in range(7)
                                                                        for x in range(13)]


def test_outside_the_bitmap_and_compressed_pixels_are_refused():
    bmp = BMP.parse(laid_out(5, 3, 24))
    with pytest.raises(IndexError, match="column 5 of a bitmap 5 pixels wide"):
        bmp.pixel(5, 0)
    with pytest.raises(IndexError, match="row -1 of a bitmap 3 rows high"):
        bmp.pixel(0, -1)
    rle = BMP.parse(laid_out(4, 2, 8, compression=1, colors=PALETTE))
    with pytest.raises(ValueError, match="compressed"):
        rle.pixel(0, 0)
