"""Defects found in review, each pinned by a test that failed before its fix."""

import enum
import struct

import pytest

from binmodel import (
    Array,
    Bool,
    BuildError,
    Bytes,
    DefinitionError,
    Field,
    Flags,
    Lazy,
    ParseError,
    Pointer,
    Sized,
    SizeofError,
    String,
    Struct,
    Switch,
    f16be,
    f32be,
    len_of,
    this,
    u8,
    u16,
)
from binmodel.cabi import CUnion, c_bool, c_char
from binmodel.formats import PNG


def test_failed_union_members_do_not_leak_nesting_depth():
    class B(Struct):
        flag: bool = Bool()

    class U(CUnion, abi="x86_64-linux"):
        raw: int = c_char()
        b: bool = c_bool()

    class Many(Struct):
        n: int = u8()
        us: list = Array(U, count=this.n)

    data = b"\x46" + b"\x0f" * 69 + b"\x01"
    parsed = Many.parse(data)
    assert parsed.us[-1].b is True and all(u.b is None for u in parsed.us[:-1])
    trace = Many.parse_trace(data)
    assert not any(s.path.endswith(".b") for s in trace.spans if s.path.startswith("us[0]"))


def test_recursive_models_have_no_static_size_but_a_layout():
    class Expr(Struct):
        kind: int = u8()
        body: object = Switch(this.kind, {0: u8, 1: Lazy(lambda: Pair)})

    class Pair(Struct):
        left: Expr
        right: Expr

    with pytest.raises(SizeofError, match="contains itself"):
        Expr.sizeof()
    assert "body" in str(Expr.layout())
    assert Expr.parse(b"\x01\x00\x05\x00\x06").body.right.body == 6


def test_sized_items_can_be_empty():
    class Item(Struct):
        n: int = u8()
        body: bytes = Sized(this.n, Bytes(greedy=True))

    class Box(Struct):
        items: list = Array(Item, count=2)

    assert Box.parse(b"\x00\x00").items == [Item(n=0, body=b""), Item(n=0, body=b"")]


def test_from_dict_inverts_to_dict_through_sized_and_switch():
    png = PNG.parse(__import__("pathlib").Path(__import__("binmodel").__file__).with_name("samples")
                    .joinpath("idle_16.png").read_bytes())
    assert PNG.from_dict(png.to_dict()) == png


def test_derived_length_string_refuses_trailing_pad():
    class N(Struct):
        n: int = u8(derive=len_of("name"))
        name: str = String(this.n)

    with pytest.raises(BuildError, match="pad"):
        N.build(N(name="ab\0"))


def test_flags_that_refuse_or_drop_bits():
    class Strict(enum.IntFlag, boundary=enum.STRICT):
        A = 1
        B = 2

    class Conform(enum.IntFlag, boundary=enum.CONFORM):
        A = 1
        B = 2

    class S(Struct):
        f: Strict = Flags(u8, Strict)

    class C(Struct):
        f: Conform = Flags(u8, Conform)

    with pytest.raises(BuildError):
        S.build(S(f=5))
    with pytest.raises(ParseError):
        C.parse(b"\x05")  # CONFORM would silently drop bit 2
    assert C.parse(b"\x03").to_bytes() == b"\x03"


pytestmark_flags = pytest.mark.skipif(not hasattr(enum, "STRICT"), reason="enum boundaries are Python 3.11+")
test_flags_that_refuse_or_drop_bits = pytestmark_flags(test_flags_that_refuse_or_drop_bits)


def test_relative_pointer_outside_a_nested_struct_is_refused_on_parse():
    class Inner(Struct):
        at: int = u8()
        val: int = Pointer(this.at, u8, relative=True)

    class Outer(Struct):
        inner: Inner
        tail: bytes = Bytes(2)

    with pytest.raises(ParseError, match="outside its struct"):
        Outer.parse(b"\x02\xaa\x2a")


def test_absolute_pointer_after_the_end_round_trips():
    class H(Struct):
        at: int = u8()
        val: int = Pointer(this.at, u8)

    raw = H.build(H(at=4, val=7))
    assert raw == b"\x04\0\0\0\x07"
    assert H.parse(raw) == H(at=4, val=7)


def test_nan_bits_only_reused_for_the_same_width():
    class Half(Struct):
        v: float = f16be()

    class Single(Struct):
        v: float = f32be()

    nan = Half.parse(b"\x7e\x01").v
    out = Single.build(Single(v=nan))
    assert struct.unpack(">f", out)[0] != struct.unpack(">f", out)[0]  # still a NaN
    assert Half.parse(b"\x7e\x01") == Half.parse(b"\x7e\x01")  # same bits, equal models


def test_non_string_keys_and_bad_inputs_are_binmodel_errors():
    class P(Struct):
        a: int = u8()

    with pytest.raises(BuildError, match="no field 1"):
        P.build({1: 2, "a": 1})
    with pytest.raises(TypeError, match="parse\\(\\) takes a bytes-like object"):
        P.parse("a")
    with pytest.raises(ParseError, match="offset 1.0"):
        P.parse(b"a", offset=1.0)
    with pytest.raises(ParseError, match="offset 2 is outside"):
        P.parse(b"a", offset=2)
    # a bool is an integer, as for struct.unpack_from and indexing
    assert P.parse(b"ab", offset=True) == P.parse(b"ab", offset=1) == P(a=ord("b"))


def test_failing_custom_enum_is_a_plain_int():
    class Odd(enum.IntEnum):
        A = 1

        @classmethod
        def _missing_(cls, value):
            raise KeyError(value)

    class M(Struct):
        op: Odd = __import__("binmodel").Enum(u8, Odd)

    assert M.parse(b"\x07").op == 7


def test_lazy_numbers_take_the_enclosing_byte_order():
    class K(Struct, endian="little"):
        x: int = Field(Lazy(lambda: u16))

    assert K.parse(b"\x01\x00").x == 1

    class NoOrder(Struct):
        x: int = Field(Lazy(lambda: u16))

    with pytest.raises(DefinitionError, match="byte order"):
        NoOrder.parse(b"\x01\x00")


def test_parent_is_reserved():
    with pytest.raises(DefinitionError, match="reserved"):
        class Q(Struct):
            _parent: int = u8()


def test_switch_from_dict_picks_the_case():
    class A(Struct):
        a: int = u8()

    class B(Struct):
        b: int = u8()

    class Outer(Struct):
        kind: int = u8()
        body: object = Switch(this.kind, {1: A, 2: B})

    assert Outer.from_dict({"kind": 2, "body": {"b": 5}}).body == B(b=5)


def test_generated_code_never_pastes_a_literal_repr():
    """An int subclass (an enum, a flag, anything with its own repr) goes in as a constant, not as text."""
    import enum

    from binmodel import Switch, debug

    class Evil(int):
        def __repr__(self):
            return "__import__('os').getpid()"

    class Flag(enum.IntFlag):
        UTF8 = 0x800

    class Guarded(Struct, endian="big"):
        n: int = u8()
        flags: int = u16()
        body: bytes = Bytes(this.n * Evil(2))
        text: object = Switch(this.flags & Flag.UTF8, {Flag.UTF8: Bytes(2)}, default=Bytes(1))
        rest: bytes = Bytes(Evil(1))

    value = Guarded.parse(b"\x01\x08\x00abcdz")
    assert (value.body, value.text, value.rest) == (b"ab", b"cd", b"z")
    assert Guarded.build(value) == b"\x01\x08\x00abcdz"
    assert "__import__" not in debug.source(Guarded)
    assert "<Flag" not in debug.source(Guarded)
