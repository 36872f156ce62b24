"""The class syntax: constructor, repr, equality, dicts, inheritance, name checks."""

import inspect

import pytest

from binmodel import (
    Array,
    BuildError,
    Bytes,
    Const,
    DefinitionError,
    Field,
    If,
    Padding,
    Struct,
    Switch,
    len_of,
    this,
    u8,
    u16be,
)
from binmodel.formats import PNG


class Header(Struct, endian="big"):
    magic: bytes = Const(b"HD")
    version: int = u8(default=1)
    length: int = u16be(derive=len_of("body"))
    body: bytes = Bytes(this.length)


class Outer(Struct):
    head: Header
    extra: "Header" = Field(Header)
    n: int = u8()
    items: list = Array(Header, count=this.n)


def test_constructor_signature_is_keyword_only_with_field_names():
    params = inspect.signature(Header.__init__).parameters
    assert list(params) == ["self", "magic", "version", "length", "body"]
    assert all(p.kind is p.KEYWORD_ONLY for name, p in params.items() if name != "self")
    with pytest.raises(TypeError):
        Header(b"x")  # positional
    with pytest.raises(TypeError):
        Header(version=2)  # body missing
    h = Header(body=b"abc")
    assert (h.magic, h.version, h.length, h.body) == (b"HD", 1, None, b"abc")


def test_repr_and_equality():
    a = Header(body=b"x", version=2)
    assert repr(a) == "Header(magic=b'HD', version=2, length=None, body=b'x')"
    assert a == Header(body=b"x", version=2)
    assert a != Header(body=b"y", version=2)
    assert Header.parse(a.to_bytes()) == Header(body=b"x", version=2, length=1)


def test_slots_no_stray_attributes():
    h = Header(body=b"")
    with pytest.raises(AttributeError):
        h.bdoy = b"typo"


def test_nested_and_dicts_round_trip():
    o = Outer(head=Header(body=b"ab"), extra=Header(body=b""), n=1, items=[Header(body=b"z", version=9)])
    raw = o.to_bytes()
    back = Outer.parse(raw)
    d = back.to_dict()
    assert d["head"] == {"magic": b"HD", "version": 1, "length": 2, "body": b"ab"}
    assert d["items"][0]["version"] == 9
    assert Outer.from_dict(d) == back
    assert Outer.build(d) == raw


def test_from_dict_rejects_unknown_and_missing():
    with pytest.raises(BuildError, match="bogus"):
        Header.from_dict({"body": b"", "bogus": 1})
    with pytest.raises(BuildError, match="body"):
        Header.from_dict({"version": 1})


def test_inheritance_appends_fields():
    class Base(Struct, endian="little"):
        kind: int = u8()

    class Child(Base):
        size: int = u16be()
        tail: int = u16be()

    c = Child(kind=1, size=2, tail=3)
    assert Child.build(c) == b"\x01\x00\x02\x00\x03"
    assert Child.parse(b"\x01\x00\x02\x00\x03") == c


def test_padding_is_not_an_attribute():
    class P(Struct):
        a: int = u8()
        _pad: None = Padding(2)
        b: int = u8()

    p = P.parse(b"\x01\xff\xff\x02")
    assert p.to_dict() == {"a": 1, "b": 2}
    assert P.build(p) == b"\x01\xff\xff\x02"  # the bytes a parse found there are kept (nothing is lost)
    assert P.build(P(a=1, b=2)) == b"\x01\0\0\x02"


def test_if_is_required_unless_given_a_default():
    class Opt(Struct):
        flag: int = u8()
        value: int = If(this.flag == 1, u8, default=None)
        other: int = If(this.flag == 1, u8)

    with pytest.raises(TypeError):
        Opt(flag=0, value=None)
    assert Opt(flag=0, other=None).value is None
    assert Opt.build(Opt(flag=0, other=None)) == b"\0"


@pytest.mark.parametrize("name", ["parse", "build", "__x", "_bm_node", "class"])
def test_reserved_and_invalid_names(name):
    with pytest.raises(DefinitionError):
        type(Struct)("Bad", (Struct,), {"__annotations__": {name: int}, name: u8(), "__module__": __name__})


def test_field_without_annotation_is_an_error():
    with pytest.raises(DefinitionError, match="annotation"):
        class NoAnn(Struct):
            a = u8()


def test_non_type_value_is_an_error():
    with pytest.raises(DefinitionError, match="binmodel type"):
        class Wrong(Struct):
            a: int = 5


def test_mutable_default_is_an_error():
    with pytest.raises(DefinitionError, match="mutable"):
        class M(Struct):
            a: list = Array(u8, count=2, default=[1, 2])


def test_build_rejects_wrong_object():
    with pytest.raises(BuildError, match="expected Header"):
        Header.build(42)
    with pytest.raises(BuildError) as err:
        Outer.build(Outer(head=Header(body=b""), extra=5, n=0, items=[]))
    assert err.value.path == "extra"


def test_field_named_self_works():
    class Odd(Struct):
        self: int = u8()

    assert Odd(self=3).to_bytes() == b"\x03"
    assert Odd.parse(b"\x04").self == 4


def test_unhashable_like_dataclasses():
    with pytest.raises(TypeError):
        hash(Header(body=b""))


def test_subclass_does_not_inherit_its_base_compiled_entry():
    class Base(Struct):
        kind: int = u8()

    assert Base.parse(b"\x01") == Base(kind=1)  # compiles and installs Base's entry
    assert Base.build(Base(kind=1)) == b"\x01"

    class Child(Base):
        extra: int = u8()

    assert Child.parse(b"\x01\x02") == Child(kind=1, extra=2)
    assert Child.build(Child(kind=1, extra=2)) == b"\x01\x02"
    assert Base.parse(b"\x07").kind == 7


def test_from_dict_inverts_to_dict_through_sized_and_switch():
    png = PNG.parse(__import__("pathlib").Path(__import__("binmodel").__file__).with_name("samples")
                    .joinpath("idle_16.png").read_bytes())
    assert PNG.from_dict(png.to_dict()) == png


def test_switch_from_dict_picks_the_case():
    class A(Struct):
        a: int = u8()

    class B(Struct):
        b: int = u8()

    class Outer(Struct):
        kind: int = u8()
        body: object = Switch(this.kind, {1: A, 2: B})

    assert Outer.from_dict({"kind": 2, "body": {"b": 5}}).body == B(b=5)


def test_parent_is_reserved():
    with pytest.raises(DefinitionError, match="reserved"):
        class Q(Struct):
            _parent: int = u8()
