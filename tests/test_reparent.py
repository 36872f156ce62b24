"""``Reparent``: a nested model whose ``this._parent`` is another struct, or none (Kaitai's ``parent:``).

The models are the binmodel forms of the suite's ``nav_parent_override`` (``parent: _parent``) and
``nav_parent_false`` (``parent: false``); their values, where they stop and their failures are compared
with Kaitai's generated Python on the suite's input and on random bytes, and so are the models ``load``
makes of the same files. Then builds, ``this._root`` under a reparented struct, and the errors.
"""

from __future__ import annotations

import random

import pytest

import kaitai_truth
from binmodel import Bytes, Field, If, Reparent, Struct, this, u8
from binmodel.errors import BuildError, DefinitionError, ParseError
from binmodel.kaitai import load


class OverrideChild(Struct):
    data: bytes = Bytes(this._parent.child_size)


class Mediator(Struct):
    child_2: OverrideChild = Reparent(OverrideChild, 1)


class NavParentOverride(Struct):
    child_size: int = u8()
    child_1: OverrideChild = Field(OverrideChild)
    mediator_2: Mediator = Field(Mediator)


class FalseChild(Struct):
    code: int = u8()
    more: bytes = If(this.code == 73, Bytes(this._parent._parent.child_size))


class ParentB(Struct):
    foo: FalseChild = Reparent(FalseChild, None)


class ParentA(Struct):
    foo: FalseChild = Field(FalseChild)
    bar: ParentB = Field(ParentB)


class NavParentFalse(Struct):
    child_size: int = u8()
    element_a: ParentA = Field(ParentA)
    element_b: ParentB = Field(ParentB)


MODELS = {"nav_parent_override": NavParentOverride, "nav_parent_false": NavParentFalse}


def _plain(value):
    """A parsed object as nested tuples of its seq values."""
    if hasattr(type(value), "_bm_stored"):
        return tuple((name, _plain(getattr(value, name))) for name in type(value)._bm_stored)
    return value


def _same(ours, theirs, where):
    """Every value of a binmodel instance equals the attribute Kaitai read (nested types too)."""
    for name in type(ours)._bm_stored:
        mine, kaitai = getattr(ours, name), getattr(theirs, name, None)  # (an if: not met leaves it unset)
        if isinstance(mine, Struct):
            _same(mine, kaitai, "%s.%s" % (where, name))
        else:
            assert mine == kaitai, (where, name, mine, kaitai)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_values_match_kaitai(name):
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    model = MODELS[name]
    loaded = load(kaitai_truth.SUITE / "formats" / (name + ".ksy"))
    rng = random.Random(name)
    inputs = [kaitai_truth.source_file("nav_parent_codes.bin")]
    inputs += [bytes([rng.randrange(5), rng.choice([73, rng.randrange(256)])]) +
               bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12))) for _ in range(80)]
    parsed = 0
    for data in inputs:
        try:
            theirs = kaitai_truth.kaitai_parse(name, data)
        except EOFError:
            for m in (model, loaded):
                with pytest.raises(ParseError):
                    m.parse(data, allow_trailing=True)
            continue
        used = theirs._io.pos()
        ours = model.parse(data, allow_trailing=True)
        _same(ours, theirs, repr(data))
        assert _plain(loaded.parse(data, allow_trailing=True)) == _plain(ours)
        assert model.build(ours) == data[:used] and model.parse(data[:used]) == ours
        parsed += 1
    assert parsed >= 20


def test_no_parent_is_an_error_when_read_and_root_stays():
    with pytest.raises(ParseError) as err:
        NavParentFalse.parse(bytes([2, 66, 66, 73, 1, 2]))  # element_b.foo reads _parent._parent: it has none
    assert err.value.path == "element_b.foo.more" and "no enclosing struct" in str(err.value)

    class RootReader(Struct):
        n: int = If(this._root.k > 0, u8())

    class Holder(Struct):
        inner: RootReader = Reparent(RootReader, None)

    class Top(Struct):
        k: int = u8()
        holder: Holder = Field(Holder)

    top = Top.parse(b"\x01\x07")
    assert top.holder.inner.n == 7 and Top.build(top) == b"\x01\x07"  # _root is the outermost struct still
    assert Top.parse(b"\x00").holder.inner.n is None


def test_build_reads_the_other_parent():
    value = NavParentOverride.parse(bytes([2, 1, 2, 3, 4]))
    assert value.mediator_2.child_2.data == b"\x03\x04"
    assert NavParentOverride.from_dict(value.to_dict()) == value
    assert "mediator_2.child_2.data" in str(NavParentOverride.layout())
    value.mediator_2.child_2.data = b"\x09"
    with pytest.raises(BuildError) as err:  # its size is child_size of the top struct, not of the mediator
        NavParentOverride.build(value)
    assert err.value.path == "mediator_2.child_2.data" and err.value.expected == 2


def test_definition_errors():
    with pytest.raises(DefinitionError, match="holds a model"):
        Reparent(u8(), 1)
    with pytest.raises(DefinitionError, match="levels >= 1"):
        Reparent(OverrideChild, 0)

    class TooFar(Struct):
        inner: OverrideChild = Reparent(OverrideChild, 3)

    with pytest.raises(ParseError, match="no struct 3 levels out"):
        TooFar.parse(b"\x01")
