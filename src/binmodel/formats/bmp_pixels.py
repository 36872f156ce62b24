"""The pixels of an uncompressed BMP as colours ("Bitmap Storage"; "BITMAPINFOHEADER structure" on
``biBitCount``, BI_BITFIELDS and the default 16-bit layout): ``BMP.pixel(x, y)`` and ``BMP.pixel_array()``.

Rows are stored bottom-up unless the height is negative; ``y`` counts from the top, as image
viewers (and Pillow) do. 1, 2, 4 and 8 bits a pixel are indexes into the colour table; 16 and 32
bits are colour masks (``masks`` after a BITMAPINFOHEADER, the V4/V5 header's own, or the defaults:
5-5-5 for 16 bits, BGRX for 32); 24 bits are blue, green, red. A channel narrower than 8 bits is
scaled to 0..255 as Pillow does (``v * 255 // 31`` for 5 bits).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

_DEFAULT_MASKS = {16: (0x7C00, 0x03E0, 0x001F, 0), 32: (0xFF0000, 0xFF00, 0xFF, 0)}
_BI_RGB, _BI_BITFIELDS, _BI_ALPHABITFIELDS = 0, 3, 6


class Layout:
    """How one bitmap's pixels are stored: size, bits, row order, masks or palette."""

    def __init__(self, bmp: Any) -> None:
        from .bmp import BitmapCoreHeader, BitmapV4Header, bit_count, dimensions, row_stride

        header = bmp.header
        self.width, height = dimensions(bmp)  # (KeyError for a header kept as bytes)
        self.height, self.top_down = abs(height), height < 0
        self.bits = bit_count(bmp)
        compression = 0 if isinstance(header, BitmapCoreHeader) else int(header.biCompression)
        if compression not in (_BI_RGB, _BI_BITFIELDS, _BI_ALPHABITFIELDS):
            raise ValueError("the pixels are compressed (biCompression %d): not decoded" % compression)
        if self.bits not in (1, 2, 4, 8, 16, 24, 32):
            raise ValueError("%d bits a pixel is not a BMP pixel format" % self.bits)
        self.stride = row_stride(self.width, self.bits)
        self.pixels = bmp.pixels
        if len(self.pixels) < self.stride * self.height:
            raise ValueError("%d bytes of pixels, %d rows of %d bytes needed"
                             % (len(self.pixels), self.height, self.stride))
        self.palette: List[Tuple[int, int, int]] = [_rgb(c) for c in bmp.colors]
        self.masks: Optional[Tuple[int, int, int, int]] = None
        if self.bits in (16, 32):
            masks = _DEFAULT_MASKS[self.bits]
            if isinstance(header, BitmapV4Header) and compression != _BI_RGB:
                masks = (header.bV4RedMask, header.bV4GreenMask, header.bV4BlueMask, header.bV4AlphaMask)
            elif compression != _BI_RGB:
                masks = tuple(bmp.masks) + (0,) * (4 - len(bmp.masks))  # type: ignore[assignment]
            self.masks = masks
        self.alpha = bool(self.masks and self.masks[3])

    def row(self, y: int) -> Any:
        """The bytes of row ``y`` counted from the top."""
        if not 0 <= y < self.height:
            raise IndexError("row %d of a bitmap %d rows high" % (y, self.height))
        stored = y if self.top_down else self.height - 1 - y
        return self.pixels[stored * self.stride:(stored + 1) * self.stride]

    def pixel(self, row: Any, x: int) -> Tuple[int, ...]:
        if not 0 <= x < self.width:
            raise IndexError("column %d of a bitmap %d pixels wide" % (x, self.width))
        bits = self.bits
        if bits == 24:
            b, g, r = row[3 * x:3 * x + 3]
            return r, g, b
        if bits <= 8:
            shift = 8 - bits - x * bits % 8
            index = (row[x * bits // 8] >> shift) & ((1 << bits) - 1)
            if index >= len(self.palette):
                raise ValueError("colour index %d at x=%d, but the colour table has %d entries"
                                 % (index, x, len(self.palette)))
            return self.palette[index]
        size = bits // 8
        value = int.from_bytes(row[size * x:size * x + size], "little")
        assert self.masks is not None
        out = tuple(_channel(value, m) for m in self.masks[:3])
        return out + (_channel(value, self.masks[3]),) if self.alpha else out


def _rgb(entry: Any) -> Tuple[int, int, int]:
    if hasattr(entry, "rgbRed"):
        return entry.rgbRed, entry.rgbGreen, entry.rgbBlue
    return entry.rgbtRed, entry.rgbtGreen, entry.rgbtBlue


def _channel(value: int, mask: int) -> int:
    """A mask's bits of ``value`` as 0..255 (a narrower field scaled, rounding down; a wider one cut)."""
    if not mask:
        return 0
    shift = (mask & -mask).bit_length() - 1
    width = (mask >> shift).bit_length()
    v = (value & mask) >> shift
    if width >= 8:
        return v >> (width - 8)
    return v * 255 // ((1 << width) - 1)


def pixel(bmp: Any, x: int, y: int) -> Tuple[int, ...]:
    """The colour at column ``x``, row ``y`` from the top: (red, green, blue), with alpha as a fourth
    value when the bitmap has an alpha mask."""
    layout = Layout(bmp)
    return layout.pixel(layout.row(y), x)


def pixel_array(bmp: Any) -> Any:
    """Every pixel as a numpy ``uint8`` array of shape (height, width, 3 or 4), top row first (numpy
    needed)."""
    import numpy as np

    layout = Layout(bmp)
    channels = 4 if layout.alpha else 3
    if layout.bits == 24:
        raw = np.frombuffer(bytes(layout.pixels[:layout.stride * layout.height]), np.uint8)
        rows = raw.reshape(layout.height, layout.stride)[:, :3 * layout.width].reshape(layout.height, layout.width, 3)
        out = rows[:, :, ::-1]
        return np.ascontiguousarray(out if layout.top_down else out[::-1])
    values = [[layout.pixel(row, x) for x in range(layout.width)]
              for row in (layout.row(y) for y in range(layout.height))]
    return np.array(values, dtype=np.uint8).reshape(layout.height, layout.width, channels)
