"""MessagePack in Construct 2.10: the same structures as binmodel.formats.msgpack (a type byte, then a
switch on it; ranges of type bytes mapped to one key by a function, since Construct's Switch takes exact
keys), parsing to and building from the same shapes (values stay wrapped with their type byte)."""

from construct import (
    Bytes,
    Computed,
    Error,
    Float32b,
    Float64b,
    GreedyBytes,
    Int8sb,
    Int8ub,
    Int16sb,
    Int16ub,
    Int32sb,
    Int32ub,
    Int64sb,
    Int64ub,
    LazyBound,
    PascalString,
    Prefixed,
    PrefixedArray,
    Rebuild,
    StringEncoded,
    Struct,
    Switch,
    len_,
    this,
)

Item = LazyBound(lambda: Value)
Pair = Struct("key" / Item, "value" / Item)


def fixext(size):
    return Struct("type" / Int8sb, "data" / Bytes(size))


def ext(length):
    return Struct("size" / Rebuild(length, len_(this.data)), "type" / Int8sb, "data" / Bytes(this.size))


def kind(t):
    """The switch key: a fix format's range, or the type byte itself."""
    for low, high in ((0x00, 0x7F), (0x80, 0x8F), (0x90, 0x9F), (0xA0, 0xBF), (0xE0, 0xFF)):
        if low <= t <= high:
            return low
    return t


Value = Struct(
    "t" / Int8ub,
    "value" / Switch(lambda c: kind(c.t), {
        0x00: Computed(this.t),
        0x80: Pair[this.t & 0x0F],
        0x90: Item[this.t & 0x0F],
        0xA0: StringEncoded(Bytes(this.t & 0x1F), "utf8"),
        0xC0: Computed(None),
        0xC2: Computed(False),
        0xC3: Computed(True),
        0xC4: Prefixed(Int8ub, GreedyBytes), 0xC5: Prefixed(Int16ub, GreedyBytes), 0xC6: Prefixed(Int32ub, GreedyBytes),
        0xCA: Float32b, 0xCB: Float64b,
        0xCC: Int8ub, 0xCD: Int16ub, 0xCE: Int32ub, 0xCF: Int64ub,
        0xD0: Int8sb, 0xD1: Int16sb, 0xD2: Int32sb, 0xD3: Int64sb,
        0xD4: fixext(1), 0xD5: fixext(2), 0xD6: fixext(4), 0xD7: fixext(8), 0xD8: fixext(16),
        0xC7: ext(Int8ub), 0xC8: ext(Int16ub), 0xC9: ext(Int32ub),
        0xD9: PascalString(Int8ub, "utf8"), 0xDA: PascalString(Int16ub, "utf8"), 0xDB: PascalString(Int32ub, "utf8"),
        0xDC: PrefixedArray(Int16ub, Item), 0xDD: PrefixedArray(Int32ub, Item),
        0xDE: PrefixedArray(Int16ub, Pair), 0xDF: PrefixedArray(Int32ub, Pair),
        0xE0: Computed(this.t - 0x100),
    }, default=Error),
)
