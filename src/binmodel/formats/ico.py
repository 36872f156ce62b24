"""ICO and CUR (Windows icon and cursor resources), as documented by Microsoft: "Icons" (Win32 UI,
"Icon Resource" / ICONDIR, ICONDIRENTRY in the resource file format), and the ICO description the
PNG-in-ICO change of Windows Vista added.

A file is an ICONDIR (``idReserved`` 0, ``idType`` 1 for icons, 2 for cursors, ``idCount``) followed by
``idCount`` 16-byte ICONDIRENTRY records. Each entry gives the image's size (0 means 256), colour count,
planes and bits per pixel (for a cursor: the hotspot), and where its image is: ``dwBytesInRes`` bytes
at file offset ``dwImageOffset``. An image is either a whole PNG file or a DIB: a BITMAPINFOHEADER whose
``biHeight`` is twice the icon's height (the XOR bitmap and the AND mask), the colour table, the XOR
pixel rows and the 1-bit AND mask rows, each row padded to 4 bytes.

``dwBytesInRes`` is derived on build from the image's bytes (``len_of`` over the pointer reads its
target); the images are placed by the build (``Pointer(..., place=True)``) one after another, in entry
order, after the directory, and ``dwImageOffset`` says where (``placed("image")``). A file that places
its images otherwise parses and, unedited, is written back as it was (``refresh=True`` packs it).
"""

from __future__ import annotations

from typing import List, Union

from ..expr import as_expr, count_of, len_of, placed, this, where
from ..fields import Array, Bytes, Fallback, Pointer, Sized, u8, u16, u32
from ..model import Struct
from .bmp import BitmapInfoHeader, RgbQuad
from .png import PNG


class Dib(Struct, endian="little"):
    """A DIB icon image: BITMAPINFOHEADER (height doubled), colour table, XOR rows, AND mask rows."""

    biSize: int = u32(valid=40)
    header: BitmapInfoHeader
    colors: List[RgbQuad] = Array(RgbQuad, count=where(
        this.header.biClrUsed != 0, this.header.biClrUsed,
        where(this.header.biBitCount <= 8, as_expr(1) << this.header.biBitCount, 0)))
    xor: bytes = Bytes((this.header.biWidth * this.header.biBitCount + 31) // 32 * 4 * (this.header.biHeight // 2))
    # the AND mask: 1 bit a pixel, rows padded to 4 bytes; writers leave it out of 32-bit images
    and_mask: bytes = Bytes(greedy=True, default=b"")

Image = Union[PNG, Dib]

class IconDirEntry(Struct, endian="little"):
    """ICONDIRENTRY: one image's size, colours and place."""

    bWidth: int = u8()  # 0 means 256
    bHeight: int = u8()
    bColorCount: int = u8(default=0)
    bReserved: int = u8(default=0)
    wPlanes: int = u16(default=0)  # a cursor's hotspot x
    wBitCount: int = u16(default=32)  # a cursor's hotspot y
    dwBytesInRes: int = u32(derive=len_of("image"))
    dwImageOffset: int = u32(derive=placed("image"))  # the images after the directory, in entry order
    image: Image = Pointer(this.dwImageOffset, Sized(this.dwBytesInRes, Fallback(PNG, Dib)), place=True)

class ICO(Struct, endian="little"):
    """ICONDIR and its entries (the images are reached through the entries' pointers)."""

    idReserved: int = u16(valid=0, default=0)
    idType: int = u16(valid=range(1, 3), default=1)  # 1 icon, 2 cursor
    idCount: int = u16(derive=count_of("entries"))
    entries: List[IconDirEntry] = Array(IconDirEntry, count=this.idCount)
