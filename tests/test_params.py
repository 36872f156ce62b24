"""Parameterised models (``class Body(Struct, params=("size",))``, used as ``Args(Body, size=this.n)``),
against Kaitai Struct's own compiler and runtime on the ``params_*.ksy`` of its test suite, plus round
trips, a property test and the errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kaitai_truth
from binmodel import Args, BuildError, Bytes, DefinitionError, If, ParseError, Sized, String, Struct, this, u8


class MyStr1(Struct, params=("len",)):
    body: str = Sized(this.len, String(greedy=True, encoding="utf-8"))  # (Kaitai's str keeps NULs)


class MyStr2(Struct, params=("len", "has_trailer")):
    body: str = Sized(this._params.len, String(greedy=True, encoding="utf-8"))
    trailer: object = If(this.has_trailer, u8, default=None)


class ParamsCall(Struct):
    buf1: MyStr1 = Args(MyStr1, len=5)
    buf2: MyStr2 = Args(MyStr2, len=2 + 3, has_trailer=True)


class Block(Struct):
    foo: int = u8()


class ParamType(Struct, params=("foo",)):
    buf: bytes = Bytes(this.foo.foo)


class ParamsPassUsertype(Struct):
    first: Block
    one: ParamType = Args(ParamType, foo=this.first)


class Baz(Struct, params=("foo",)):
    qux: int = u8()


class StructType(Struct, params=("foo",)):
    bar: Baz = Args(Baz, foo=this.foo)


class ParamsPassStruct(Struct):
    first: Block
    one: StructType = Args(StructType, foo=this.first)


CASES = [("params_call", ParamsCall, "bcd_user_type_be.bin"), ("params_call", ParamsCall, "buffered_struct.bin"),
         ("params_pass_usertype", ParamsPassUsertype, "fixed_struct.bin"),
         ("params_pass_usertype", ParamsPassUsertype, "bcd_user_type_be.bin"),
         ("params_pass_struct", ParamsPassStruct, "enum_negative.bin")]


def _same(ours, theirs, where):
    for name in type(ours)._bm_stored:
        mine, kaitai = getattr(ours, name), getattr(theirs, name)
        if isinstance(mine, Struct):
            _same(mine, kaitai, where + "." + name)
        else:
            assert mine == kaitai, (where, name, mine, kaitai)


@pytest.mark.parametrize("name, model, source", CASES)
def test_values_match_kaitai(name, model, source):
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    data = kaitai_truth.source_file(source)
    try:
        theirs = kaitai_truth.kaitai_parse(name, data)
    except EOFError:  # the input is too short for this format: binmodel refuses it too
        with pytest.raises(ParseError):
            model.parse(data, allow_trailing=True)
        return
    ours = model.parse(data, allow_trailing=True)
    _same(ours, theirs, name)
    used = theirs._io.pos()
    assert model.build(ours) == data[:used]
    assert model.parse(data[:used]) == ours
    if name == "params_pass_struct":  # the struct passed down two levels is the parent's first field
        assert theirs.one.bar.foo.foo == ours.first.foo == 255


def test_arguments_are_evaluated_on_build_too():
    class Record(Struct):
        n: int = u8()
        text: MyStr2 = Args(MyStr2, len=this.n, has_trailer=this.n > 2)

    assert Record.build(Record(n=3, text=MyStr2(body="abc", trailer=9))) == b"\x03abc\x09"
    with pytest.raises(BuildError) as err:
        Record.build(Record(n=2, text=MyStr2(body="abc", trailer=None)))
    assert err.value.path.startswith("text")
    with pytest.raises(ParseError) as perr:
        Record.parse(b"\x04abc")
    assert perr.value.path == "text.body" and perr.value.offset == 1


def test_a_parameterised_model_alone_names_the_missing_parameter():
    with pytest.raises(ParseError, match="len"):
        MyStr1.parse(b"abc")


def test_definition_errors():
    with pytest.raises(DefinitionError, match="missing argument has_trailer"):
        Args(MyStr2, len=1)
    with pytest.raises(DefinitionError, match="no parameter size"):
        Args(MyStr1, len=1, size=2)
    with pytest.raises(DefinitionError, match="only a model declared with params"):
        Args(Block, foo=1)
    with pytest.raises(DefinitionError, match="both a parameter and a field"):
        class Clash(Struct, params=("n",)):
            n: int = u8()
    with pytest.raises(DefinitionError, match="has no field 'size'"):
        class Typo(Struct, params=("length",)):
            data: bytes = Bytes(this.size)


@given(st.text(max_size=20), st.booleans(), st.integers(0, 255))
def test_round_trip(s, trailer, value):
    class Outer(Struct):
        n: int = u8()
        flag: int = u8()
        inner: MyStr2 = Args(MyStr2, len=this.n, has_trailer=this.flag == 1)

    text = s.encode("utf-8")
    raw = bytes([len(text), int(trailer)]) + text + (bytes([value]) if trailer else b"")
    parsed = Outer.parse(raw)
    assert parsed.inner.body == s and parsed.inner.trailer == (value if trailer else None)
    assert Outer.build(parsed) == raw
    for cut in range(len(raw)):
        with pytest.raises(ParseError):
            Outer.parse(raw[:cut])
