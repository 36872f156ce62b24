"""The sfnt table directory in Construct 2.10: the same structures as binmodel.formats.sfnt (the table
records, each table reached by a pointer and its head decoded, the checksum computed over the table's
bytes and checked on parse, the lengths, count and search fields rebuilt, the padding after each table)."""

from construct import (
    Bytes,
    Check,
    Const,
    FixedSized,
    GreedyBytes,
    Int16sb,
    Int16ub,
    Int32ub,
    Int64sb,
    Pointer,
    Rebuild,
    Struct,
    Switch,
    len_,
    this,
)

Head = Struct(
    "majorVersion" / Int16ub,
    "minorVersion" / Int16ub,
    "fontRevision" / Int32ub,
    "checksumAdjustment" / Int32ub,
    "magicNumber" / Const(0x5F0F3CF5, Int32ub),
    "flags" / Int16ub,
    "unitsPerEm" / Int16ub,
    "created" / Int64sb,
    "modified" / Int64sb,
    "xMin" / Int16sb,
    "yMin" / Int16sb,
    "xMax" / Int16sb,
    "yMax" / Int16sb,
    "macStyle" / Int16ub,
    "lowestRecPPEM" / Int16ub,
    "fontDirectionHint" / Int16sb,
    "indexToLocFormat" / Int16sb,
    "glyphDataFormat" / Int16sb,
)
Table = Switch(this.tableTag, {b"head": Head}, default=GreedyBytes)


def checksum(data, head):
    if head:
        data = data[:8] + bytes(4) + data[12:]
    data += bytes(-len(data) % 4)
    return sum(int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4)) & 0xFFFFFFFF


def table_bytes(ctx):
    return Table.build(ctx.data, tableTag=ctx.tableTag)


TableRecord = Struct(
    "tableTag" / Bytes(4),
    "checksum" / Rebuild(Int32ub, lambda ctx: checksum(table_bytes(ctx), ctx.tableTag == b"head")),
    "offset" / Int32ub,
    "length" / Rebuild(Int32ub, lambda ctx: len(table_bytes(ctx))),
    "data" / Pointer(this.offset, FixedSized(this.length, Table)),
    Check(lambda ctx: ctx.checksum == checksum(table_bytes(ctx), ctx.tableTag == b"head")),
    "padding" / Pointer(this.offset + this.length, Bytes(lambda c: -c.length % 4)),
)


def log2(n):
    return max(n, 1).bit_length() - 1


Font = Struct(
    "sfntVersion" / Int32ub,
    Check(lambda c: c.sfntVersion in (0x00010000, 0x4F54544F, 0x74727565)),
    "numTables" / Rebuild(Int16ub, len_(this.tables)),
    "searchRange" / Rebuild(Int16ub, lambda c: 16 << log2(c.numTables)),
    "entrySelector" / Rebuild(Int16ub, lambda c: log2(c.numTables)),
    "rangeShift" / Rebuild(Int16ub, lambda c: 16 * c.numTables - (16 << log2(c.numTables))),
    "tables" / TableRecord[this.numTables],
)
