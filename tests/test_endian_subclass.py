"""A subclass with another endian= re-resolves the byte order of what it inherits, nested models included."""

import struct
from typing import List

from binmodel import Array, Bits, Pointer, Struct, Switch, this, u8, u16, u16be, u32


class Entry(Struct, endian="little"):
    a: int = u16()
    fixed: int = u16be()


class Table(Struct, endian="little"):
    count: int = u16()
    kind: int = u8()
    hi: int = Bits(4)
    lo: int = Bits(12)
    entries: List[Entry] = Array(Entry, count=this.count)
    extra: object = Switch(this.kind, {1: Entry, 2: u32})
    at: int = u8()
    pointed: Entry = Pointer(this.at, Entry)


class TableBE(Table, endian="big"):
    pass


class TableLE(TableBE, endian="little"):
    pass


def _raw(e: str) -> bytes:
    entry = struct.pack(e + "H", 0x0102) + b"\x03\x04"
    return (struct.pack(e + "HB", 2, 1) + struct.pack(e + "H", 0x5678) + entry * 2 + entry
            + bytes([len(struct.pack(e + "HBH", 0, 0, 0)) + 4 * 3 + 1]) + entry)


def test_big_endian_subclass_reads_big_endian_data():
    le, be = Table.parse(_raw("<")), TableBE.parse(_raw(">"))
    assert le.to_dict() == be.to_dict()
    assert be.entries[0].a == 0x0102 and be.entries[0].fixed == 0x0304  # u16be stays big
    assert (be.hi, be.lo) == (5, 0x678)
    assert TableBE.build(be) == _raw(">")
    assert TableLE.parse(_raw("<")).to_dict() == le.to_dict()


def test_nested_models_become_variants_of_the_same_name():
    be = TableBE.parse(_raw(">"))
    assert type(be.entries[0]).__name__ == "Entry" and isinstance(be.entries[0], Entry)
    assert type(be.entries[0]) is not Entry
    assert type(be.pointed) is type(be.entries[0]) is type(be.extra)
    assert Entry._bm_variant("big") is type(be.entries[0])  # made once


def test_other_byte_orders_are_kept():
    class Net(Struct, endian="big"):
        port: int = u16()

    class Box(Struct, endian="little"):
        n: int = u16()
        net: Net

    class BoxBE(Box, endian="big"):
        pass

    class BoxLE2(BoxBE, endian="little"):
        pass

    assert Box.parse(b"\x01\x00\x00\x02").to_dict() == {"n": 1, "net": {"port": 2}}
    assert BoxBE.parse(b"\x00\x01\x00\x02").to_dict() == {"n": 1, "net": {"port": 2}}
    # what a field follows is decided where it was declared: Net stays big in every variant
    assert BoxLE2.parse(b"\x01\x00\x00\x02").to_dict() == {"n": 1, "net": {"port": 2}}
    assert type(BoxLE2.parse(b"\x01\x00\x00\x02").net) is Net


def test_same_byte_order_subclass_keeps_the_nodes():
    class Same(Table, endian="little"):
        pass

    assert Same._bm_node.fields()[0].type is Table._bm_node.fields()[0].type
