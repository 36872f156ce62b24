"""ICO in Construct 2.10: the same structures as binmodel.formats.ico (PNG images split into chunks as
the binmodel gallery's PNG does, without decoding chunk bodies; DIB images with their header), with the
image sizes, offsets and count rebuilt from the images."""

from construct import (
    Bytes,
    Check,
    Const,
    FixedSized,
    GreedyBytes,
    Int8ul,
    Int16ul,
    Int32sl,
    Int32ub,
    Int32ul,
    Pointer,
    Rebuild,
    RepeatUntil,
    Select,
    Struct,
    len_,
    this,
)

Chunk = Struct(
    "length" / Rebuild(Int32ub, len_(this.data)),
    "type" / Bytes(4),
    "data" / Bytes(this.length),
    "crc" / Int32ub,
)
PNG = Struct(
    "signature" / Const(b"\x89PNG\r\n\x1a\n"),
    "chunks" / RepeatUntil(lambda c, lst, ctx: c.type == b"IEND", Chunk),
)
Dib = Struct(
    "biSize" / Const(40, Int32ul),
    "biWidth" / Int32sl,
    "biHeight" / Int32sl,
    "biPlanes" / Int16ul,
    "biBitCount" / Int16ul,
    "biCompression" / Int32ul,
    "biSizeImage" / Int32ul,
    "biXPelsPerMeter" / Int32sl,
    "biYPelsPerMeter" / Int32sl,
    "biClrUsed" / Int32ul,
    "biClrImportant" / Int32ul,
    "colors" / Bytes(lambda c: 4 * (c.biClrUsed or (1 << c.biBitCount if c.biBitCount <= 8 else 0))),
    "xor" / Bytes(lambda c: (c.biWidth * c.biBitCount + 31) // 32 * 4 * (c.biHeight // 2)),
    "and_mask" / GreedyBytes,
)
Image = Select(PNG, Dib)


def _offset(ctx):
    entries = ctx._.entries
    return 6 + 16 * len(entries) + sum(len(Image.build(e["image"])) for e in entries[:ctx._index])


IconDirEntry = Struct(
    "bWidth" / Int8ul,
    "bHeight" / Int8ul,
    "bColorCount" / Int8ul,
    "bReserved" / Int8ul,
    "wPlanes" / Int16ul,
    "wBitCount" / Int16ul,
    "dwBytesInRes" / Rebuild(Int32ul, lambda c: len(Image.build(c.image))),
    "dwImageOffset" / Rebuild(Int32ul, _offset),
    "image" / Pointer(this.dwImageOffset, FixedSized(this.dwBytesInRes, Image)),
)
ICO = Struct(
    "idReserved" / Const(0, Int16ul),
    "idType" / Int16ul,
    Check(lambda c: c.idType in (1, 2)),
    "idCount" / Rebuild(Int16ul, len_(this.entries)),
    "entries" / IconDirEntry[this.idCount],
)
