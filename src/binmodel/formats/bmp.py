"""BMP (device-independent bitmap files), as documented by Microsoft: "Bitmap Storage" (Win32 GDI),
"BITMAPFILEHEADER structure", "BITMAPCOREHEADER structure", "BITMAPINFOHEADER structure",
"BITMAPV4HEADER structure", "BITMAPV5HEADER structure" and "RGBQUAD structure" (wingdi.h).

"Bitmap Storage": a file is a BITMAPFILEHEADER, a bitmap header, the colour table and the array of
pixel rows, which starts at ``bfOffBits``. The bitmap header is chosen by its size, its first
DWORD: BITMAPCOREHEADER (12 bytes, OS/2 1.x), BITMAPINFOHEADER (40), BITMAPV4HEADER (108),
BITMAPV5HEADER (124); other sizes (52, 56, OS/2 2.x 64) keep their bytes. After a 40-byte header
whose ``biCompression`` is BI_BITFIELDS (BI_ALPHABITFIELDS) come three (four) colour masks. The colour
table has ``biClrUsed`` entries, or ``2 ** biBitCount`` when that is 0 and ``biBitCount <= 8``
(RGBTRIPLE entries after a BITMAPCOREHEADER, RGBQUAD otherwise). Any bytes between the colour table
and ``bfOffBits`` are kept in ``gap``. The pixel data is kept as bytes: uncompressed, ``abs(height)``
rows of ``row_stride`` bytes, each padded to a multiple of 4 bytes, bottom-up unless the height is
negative (``rows()`` splits them); compressed (RLE, JPEG, PNG), ``biSizeImage`` bytes. Bytes after it
(an ICC profile of a V5 header, or anything a writer appended) are kept in ``trailing``; after a header
kept as bytes, the pixel data is all the rest of the file.

The BITMAPFILEHEADER fields are the first fields of ``BMP``. ``bfSize`` and ``bfOffBits`` are computed
when building; ``biSize`` is given, since it chooses the header. The fields shared by the
BITMAPINFOHEADER family are named as in BITMAPINFOHEADER (``biWidth``), those added by V4 and V5 as
in those structures (``bV4RedMask``, ``bV5Intent``).
"""

from __future__ import annotations

import enum
from typing import Any, List, Tuple, Union

from ..expr import len_of, this
from ..fields import Array, Bytes, Const, Enum, Sized, Switch, i32, u8, u16, u32
from ..model import Struct

FILE_HEADER_SIZE = 14


class Compression(enum.IntEnum):
    """``biCompression`` values."""

    BI_RGB = 0
    BI_RLE8 = 1
    BI_RLE4 = 2
    BI_BITFIELDS = 3
    BI_JPEG = 4
    BI_PNG = 5
    BI_ALPHABITFIELDS = 6
    BI_CMYK = 11
    BI_CMYKRLE8 = 12
    BI_CMYKRLE4 = 13


class BitmapCoreHeader(Struct, endian="little"):
    """BITMAPCOREHEADER after ``bcSize`` (12 bytes in all)."""

    bcWidth: int = u16()
    bcHeight: int = u16()
    bcPlanes: int = u16()
    bcBitCount: int = u16()


class BitmapInfoHeader(Struct, endian="little"):
    """BITMAPINFOHEADER after ``biSize`` (40 bytes in all). A negative ``biHeight`` is a top-down bitmap."""

    biWidth: int = i32()
    biHeight: int = i32()
    biPlanes: int = u16()
    biBitCount: int = u16()
    biCompression: int = Enum(u32, Compression)
    biSizeImage: int = u32()
    biXPelsPerMeter: int = i32()
    biYPelsPerMeter: int = i32()
    biClrUsed: int = u32()
    biClrImportant: int = u32()


class CieXyz(Struct, endian="little"):
    """CIEXYZ: three FXPT2DOT30 fixed-point numbers (2 integer bits, 30 fraction bits)."""

    ciexyzX: int = i32()
    ciexyzY: int = i32()
    ciexyzZ: int = i32()


class CieXyzTriple(Struct):
    """CIEXYZTRIPLE: the end points of red, green and blue."""

    ciexyzRed: CieXyz
    ciexyzGreen: CieXyz
    ciexyzBlue: CieXyz


class BitmapV4Header(BitmapInfoHeader):
    """BITMAPV4HEADER after ``bV4Size`` (108 bytes in all): colour masks and colour space."""

    bV4RedMask: int = u32()
    bV4GreenMask: int = u32()
    bV4BlueMask: int = u32()
    bV4AlphaMask: int = u32()
    bV4CSType: int = u32()  # LCS_sRGB is 0x73524742 ('sRGB')
    bV4Endpoints: CieXyzTriple
    bV4GammaRed: int = u32()
    bV4GammaGreen: int = u32()
    bV4GammaBlue: int = u32()


class BitmapV5Header(BitmapV4Header):
    """BITMAPV5HEADER after ``bV5Size`` (124 bytes in all): rendering intent and ICC profile location."""

    bV5Intent: int = u32()
    bV5ProfileData: int = u32()  # from the start of the header
    bV5ProfileSize: int = u32()
    bV5Reserved: int = u32()


class RgbTriple(Struct):
    """RGBTRIPLE: a colour table entry after a BITMAPCOREHEADER."""

    rgbtBlue: int = u8()
    rgbtGreen: int = u8()
    rgbtRed: int = u8()


class RgbQuad(Struct):
    """RGBQUAD: a colour table entry after the other headers."""

    rgbBlue: int = u8()
    rgbGreen: int = u8()
    rgbRed: int = u8()
    rgbReserved: int = u8()


DibHeader = Union[BitmapCoreHeader, BitmapInfoHeader, BitmapV4Header, BitmapV5Header, bytes]


def row_stride(width: int, bits: int) -> int:
    """Bytes per pixel row: ``width * bits`` rounded up to whole DWORDs ("Bitmap Storage")."""
    return ((width * bits + 31) // 32) * 4


def _masks(this: Any) -> int:
    """How many DWORD colour masks follow the header: only after a 40-byte one, by its compression."""
    header = this.header
    if type(header) is BitmapInfoHeader:
        return {3: 3, 6: 4}.get(int(header.biCompression), 0)  # BI_BITFIELDS, BI_ALPHABITFIELDS
    return 0


def _colors(this: Any) -> int:
    """Colour table entries: as the header says, but never past ``bfOffBits`` (some writers cut it short)."""
    header = this.header
    if isinstance(header, BitmapCoreHeader):
        count, entry = (1 << header.bcBitCount if header.bcBitCount <= 8 else 0), 3
    elif isinstance(header, BitmapInfoHeader):
        count = header.biClrUsed or (1 << header.biBitCount if header.biBitCount <= 8 else 0)
        entry = 4
    else:
        return 0
    room = this.bfOffBits - FILE_HEADER_SIZE - this.biSize - 4 * _masks(this)
    return max(0, min(count, room // entry))


def _gap(this: Any) -> int:
    used = FILE_HEADER_SIZE + this.biSize + len(this._bytes("masks")) + len(this._bytes("colors"))
    return this.bfOffBits - used  # type: ignore[no-any-return]


def _pixels(this: Any) -> int:
    """Bytes of pixel data: whole padded rows when uncompressed, else ``biSizeImage``."""
    header = this.header
    if isinstance(header, BitmapCoreHeader):
        return row_stride(header.bcWidth, header.bcBitCount) * header.bcHeight
    if header.biCompression in _UNCOMPRESSED:
        return row_stride(header.biWidth, header.biBitCount) * abs(header.biHeight)  # type: ignore[no-any-return]
    return header.biSizeImage  # type: ignore[no-any-return]


_UNCOMPRESSED = (Compression.BI_RGB, Compression.BI_BITFIELDS, Compression.BI_ALPHABITFIELDS, Compression.BI_CMYK)


class BMP(Struct, endian="little"):
    """A bitmap file: BITMAPFILEHEADER (its fields first), bitmap header, masks, colour table, pixel data."""

    bfType: bytes = Const(b"BM")
    bfSize: int = u32(derive=len_of("biSize", "header", "masks", "colors", "gap", "pixels") + FILE_HEADER_SIZE)
    bfReserved1: int = u16(default=0)
    bfReserved2: int = u16(default=0)
    bfOffBits: int = u32(derive=len_of("biSize", "header", "masks", "colors", "gap") + FILE_HEADER_SIZE)
    biSize: int = u32()
    header: DibHeader = Sized(this.biSize - 4, Switch(this.biSize, {
        12: BitmapCoreHeader,
        40: BitmapInfoHeader,
        108: BitmapV4Header,
        124: BitmapV5Header,
    }, default=Bytes(greedy=True)))
    masks: List[int] = Array(u32, count=_masks)
    colors: List[Union[RgbQuad, RgbTriple]] = Switch(this.biSize == 12, {
        True: Array(RgbTriple, count=_colors),
        False: Array(RgbQuad, count=_colors),
    })
    gap: bytes = Bytes(_gap, default=b"")
    pixels: bytes = Switch(lambda this: isinstance(this.header, bytes), {
        False: Bytes(_pixels),
        True: Bytes(greedy=True),
    })
    trailing: bytes = Bytes(greedy=True, default=b"")

    def pixel(self, x: int, y: int) -> Tuple[int, ...]:
        """The colour at column ``x``, row ``y`` counted from the top: (red, green, blue), and alpha when
        the bitmap has an alpha mask (see ``bmp_pixels``). Uncompressed bitmaps only (ValueError)."""
        from .bmp_pixels import pixel

        return pixel(self, x, y)

    def pixel_array(self) -> Any:
        """The pixels as a numpy ``uint8`` array of shape (height, width, 3 or 4), top row first."""
        from .bmp_pixels import pixel_array

        return pixel_array(self)


def bit_count(bmp: BMP) -> int:
    """Bits per pixel (``biBitCount``, ``bcBitCount``); ``KeyError`` for a header kept as bytes."""
    header = bmp.header
    if isinstance(header, BitmapCoreHeader):
        return header.bcBitCount
    if isinstance(header, BitmapInfoHeader):
        return header.biBitCount
    raise KeyError("bitmap header of %d bytes is not decoded" % bmp.biSize)


def dimensions(bmp: BMP) -> Tuple[int, int]:
    """(width, height) in pixels; the height is negative for a top-down bitmap."""
    header = bmp.header
    if isinstance(header, BitmapCoreHeader):
        return header.bcWidth, header.bcHeight
    if isinstance(header, BitmapInfoHeader):
        return header.biWidth, header.biHeight
    raise KeyError("bitmap header of %d bytes is not decoded" % bmp.biSize)


def rows(bmp: BMP) -> List[bytes]:
    """The pixel rows of an uncompressed bitmap, as stored (bottom row first unless the height is
    negative), each with its padding to 4 bytes. Bytes after the last row are not included."""
    width, height = dimensions(bmp)
    stride = row_stride(width, bit_count(bmp))
    return [bmp.pixels[i * stride:(i + 1) * stride] for i in range(abs(height))]


def pixels_from_rows(row_list: List[bytes], width: int, bits: int) -> bytes:
    """Rows (of at most ``row_stride`` bytes each) joined, each padded with zeros to its stride."""
    stride = row_stride(width, bits)
    return b"".join(row.ljust(stride, b"\0") for row in row_list)

