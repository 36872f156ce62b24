"""References are checked when the class is defined: an unknown name, or a field read before it is parsed,
is a ``DefinitionError`` naming ``Model.field``, the bad name and the nearest existing one. The legitimate
forms (``_parent``, ``_prev``, lambdas, derivations of later fields, pointer offsets ...) keep working, and
each is shown to parse and build as before."""

from __future__ import annotations

import inspect
import zlib

import pytest

import binmodel.formats
from binmodel import (
    Array,
    Bytes,
    Computed,
    DefinitionError,
    Field,
    If,
    Pointer,
    Sized,
    String,
    Struct,
    Switch,
    count_of,
    crc32_of,
    len_of,
    this,
    u8,
    u16,
    u32,
    where,
)
from binmodel.cabi import CStruct, c_int


def refused(body: dict, base: type = Struct, **keywords) -> str:
    with pytest.raises(DefinitionError) as exc:
        type(base)("Model", (base,), dict(body, __annotations__={k: object for k in body}, __module__=__name__),
                   **keywords)
    return str(exc.value)


def test_the_issue_example_misspelt_length():
    message = refused({"length": u16(), "data": Bytes(this.lenght)}, endian="big")
    assert message.startswith("Model.data: ")
    assert "'lenght'" in message and "did you mean length?" in message


def test_a_forward_reference_is_refused():
    message = refused({"data": Bytes(this.length), "length": u16()}, endian="big")
    assert message.startswith("Model.data: this.length is read when data is parsed, but length comes after data")
    assert "only earlier fields" in message


def test_a_field_reading_itself_is_refused():
    message = refused({"n": u8(), "data": Bytes(this.data)})
    assert message.startswith("Model.data: ") and "data is data itself" in message


@pytest.mark.parametrize("make", [
    lambda r: String(r, encoding="ascii"),
    lambda r: Array(u8, count=r),
    lambda r: Sized(r, Bytes(greedy=True)),
    lambda r: Switch(r, {1: u8}),
    lambda r: Switch(this.count, {1: Bytes(r)}),  # inside a case, read in this struct too
    lambda r: If(r, u8),
    lambda r: Pointer(r, u8),
    lambda r: Computed(r + 1),
    lambda r: Array(Bytes(r), count=2),  # an item type read in this struct
    lambda r: Bytes(where(this.count, r, 0)),
    lambda r: Bytes(r * 2 + this.count),
])
def test_every_place_a_reference_is_read_on_parse(make):
    assert "did you mean count?" in refused({"count": u8(), "data": make(this.cuont)})
    assert "comes after data" in refused({"count": u8(), "data": make(this.later), "later": u8()})
    make(this.count)  # and the right name is fine:

    class Fine(Struct):
        count: int = u8()
        data: object = make(this.count)

    assert Fine.layout().rows


def test_derivations_may_name_later_fields_but_not_unknown_ones():
    class Chunk(Struct, endian="big"):
        length: int = u32(derive=len_of("data"))
        items: int = u8(derive=count_of("values"))
        total: int = u8(derive=this.length + 1)
        data: bytes = Bytes(this.length)
        values: list = Array(u8, count=this.items)
        crc: int = u32(derive=crc32_of("data", "values"), check=True)

    built = Chunk.build(Chunk(data=b"abc", values=[1, 2]))
    assert built == b"\0\0\0\3" + b"\2" + b"\4" + b"abc" + b"\1\2" + zlib.crc32(b"abc\1\2").to_bytes(4, "big")
    assert Chunk.parse(built).values == [1, 2]
    assert "did you mean data?" in refused({"length": u32(derive=len_of("dta")), "data": Bytes(this.length)},
                                          endian="big")
    assert "'nope'" in refused({"n": u8(derive=count_of("nope"))})
    assert "did you mean values?" in refused({"n": u8(derive=this.vlaues), "values": Array(u8, count=2)})


def test_parent_prev_lambdas_and_attributes():
    class Item(Struct):
        size: int = u8()
        data: bytes = Bytes(this._parent.width)  # the enclosing struct's field: not checked here
        delta: object = Computed(lambda this: this.size - (this._prev.size if this._prev is not None else 0))

    class Header(Struct):
        count: int = u8()

        @property
        def twice(self) -> int:
            return self.count * 2

    class File(Struct):
        width: int = u8()
        header: Header = Field(Header)
        items: list = Array(Item, count=this.header.count)
        extra: bytes = Bytes(lambda this: this.width)
        tail: bytes = Bytes(this.header.twice)

    data = bytes([1, 2, 5]) + b"a" + bytes([7]) + b"b" + b"x" + b"yzyz"
    f = File.parse(data)
    assert [i.delta for i in f.items] == [5, 2] and f.extra == b"x" and f.tail == b"yzyz"
    assert File.build(f) == data
    assert "did you mean count?" in refused({"header": Field(Header), "data": Bytes(this.header.cuont)})


def test_prev_names_a_field_of_this_struct():
    message = refused({"value": u8(), "delta": Computed(this.value - this._prev.vaule)})
    assert message.startswith("Model.delta: ") and "'vaule'" in message and "did you mean value?" in message


def test_pointer_offsets_from_earlier_fields_and_relative():
    class Table(Struct):
        at: int = u8()
        value: int = Pointer(this.at, u8)
        near: int = Pointer(this.at - 1, u8, relative=True)

    assert Table.parse(b"\x02\x09\x07", allow_trailing=True).value == 7
    assert "the nearest name is at" in refused({"at": u8(), "value": Pointer(this.ta, u8)})


def test_c_structs_are_checked_too():
    class Flex(CStruct, abi="x86_64-linux"):
        n: int = c_int()
        data: list = Array(c_int, count=this.n)

    assert Flex.parse(b"\1\0\0\0\5\0\0\0").data == [5]
    message = refused({"n": c_int(), "data": Array(c_int, count=this.m)}, CStruct, abi="x86_64-linux")
    assert message.startswith("Model.data: ") and "the nearest name is n" in message


def test_every_bundled_format_model_still_defines():
    """The gallery (and every model in its modules) passed the check on import; none was refused."""
    models = [obj for module in binmodel.formats.__dict__.values() if inspect.ismodule(module)
              for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, Struct)
              and obj.__module__.startswith("binmodel.formats")]
    assert len(models) > 50
    for model in models:
        assert model.layout().rows is not None
