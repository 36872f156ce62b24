"""Layout tables agree with where parsing actually puts each field; sizeof agrees with build."""

import pytest

from binmodel import Align, Array, Bits, Bytes, Const, Padding, SizeofError, Struct, len_of, this, u8, u16be, u32le


class Inner(Struct, endian="little"):
    x: int = u32le()
    flags: int = Bits(3)
    mode: int = Bits(5)


class Fixed(Struct, endian="little"):
    magic: bytes = Const(b"FX")
    a: int = u8()
    _gap: None = Padding(1)
    b: int = u16be()
    inner: Inner
    _al: None = Align(8)
    tail: list = Array(u8, count=3)


class Variable(Struct, endian="big"):
    n: int = u16be(derive=len_of("name"))
    name: bytes = Bytes(this.n)
    count: int = u8()
    items: list = Array(Inner, count=this.count)
    end: int = u8()


def test_fixed_layout_offsets_match_parse_spans():
    obj = Fixed(a=1, b=2, inner=Inner(x=3, flags=1, mode=2), tail=[1, 2, 3])
    raw = Fixed.build(obj)
    assert Fixed.sizeof() == len(raw) == 19
    spans = {s.path: s for s in Fixed.parse_trace(raw).spans}
    rows = Fixed.layout().rows
    for row in rows:
        if row.path in spans:
            assert row.offset == spans[row.path].offset, row.path
    assert [r.path for r in rows if r.notes == "padding"] == ["_gap", "_al"]
    assert next(r for r in rows if r.path == "_al").size == 5


def test_symbolic_offsets_after_variable_fields():
    rows = {r.path: r for r in Variable.layout().rows}
    assert rows["name"].offset == 2 and rows["name"].size == "n"
    assert rows["count"].offset == "2 + n"
    assert rows["items"].size == "count * 5"
    assert rows["end"].offset == "3 + n + (count * 5)"
    assert rows["items[i].flags"].notes.startswith("bits 7..5 of 8")
    assert "= len_of(name) on build" in rows["n"].notes


def test_sizeof_names_the_variable_field():
    with pytest.raises(SizeofError, match="name"):
        Variable.sizeof()


def test_str_and_markdown():
    text = str(Variable.layout())
    assert text.splitlines()[0] == "Variable (size 4 + n + (count * 5))"
    md = Variable.layout().to_markdown().splitlines()
    assert md[0] == "| offset | size | field | type | endian | notes |"
    assert len(md) == 2 + len(Variable.layout().rows)
