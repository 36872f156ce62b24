"""Defects found reviewing the buffer-free entry, compiled Lazy and compiled Fallback (each test failed before its
fix): the compiled parser must give the interpreter's outcome."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from binmodel import Bytes, Fallback, Field, Lazy, ParseError, Struct, Switch, UnlessEnd, this, u8, u32be, u32le
from binmodel.context import MAX_DEPTH
from binmodel.parsing import compiled as parse_compiled
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse


def outcomes(model, data, offset=0, allow_trailing=False):
    out = []
    for parse in (interpreted_parse, compiled_parse):
        try:
            out.append(("value", repr(parse(model._bm_node, data, offset, allow_trailing))))
        except ParseError as exc:
            out.append(("error", exc.path, exc.offset, str(exc)))
    assert out[0] == out[1]
    return out[0]


class TwoOrders(Struct):
    """Two runs (the byte order changes): the second is read at ``offset + 4``."""

    a: int = u32le()
    b: int = u32be()


def test_a_small_numpy_integer_offset_does_not_wrap_around():
    numpy = pytest.importorskip("numpy")
    data = bytes((i * 37 + i // 256) % 251 for i in range(600))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's overflow warning, had the sum been done in int8
        for offset in (numpy.int8(126), numpy.uint8(254), numpy.int16(32765)):
            if int(offset) + 8 <= len(data):
                assert outcomes(TwoOrders, data, offset, True)[0] == "value"
        assert outcomes(TwoOrders, bytes(32775), numpy.int16(32765), True)[0] == "value"


class Leaf(Struct):
    data: bytes = Bytes(this._parent._parent.n)  # two structs up: through the Lazy below


class Middle(Struct):
    magic: int = u8()
    leaf: Any = Lazy(lambda: Leaf)


class Outer(Struct):
    n: int = u8()
    body: Any = Fallback(Middle, Bytes(greedy=True))


class Inner(Struct):
    magic: int = u8()
    leaf: Any = Fallback(Lazy(lambda: Leaf), Bytes(greedy=True))


class Holder(Struct):
    n: int = u8()
    body: Inner = Field(Inner)


def test_a_fallback_main_type_reaching_its_parents_through_lazy_is_not_judged_alone():
    """Middle needs Outer (through Leaf): tried alone, with no parent, it fails, but the interpreter reads it."""
    assert outcomes(Outer, b"\x02\x07ab")[1] == repr(Outer(n=2, body=Middle(magic=7, leaf=Leaf(data=b"ab"))))
    assert outcomes(Holder, b"\x02\x07ab")[1] == repr(Holder(n=2, body=Inner(magic=7, leaf=Leaf(data=b"ab"))))


class Nest(Struct):
    """Kind 1 nests through generated code, kind 2 through the interpreter (UnlessEnd is interpreted)."""

    kind: int = u8()
    rest: Any = Switch(this.kind, {1: Lazy(lambda: Nest), 2: UnlessEnd(Lazy(lambda: Nest))},
                       default=Bytes(greedy=True))


@pytest.mark.parametrize("compiled_levels,interpreted_levels", [(0, 62), (0, 63), (0, 64), (1, 62), (1, 63),
                                                                 (30, 33), (30, 40), (20, 20)])
def test_the_interpreter_inside_generated_code_counts_the_levels_above_it(compiled_levels, interpreted_levels):
    data = b"\x01" * compiled_levels + b"\x02" * interpreted_levels + b"\x00"
    outcome = outcomes(Nest, data)
    assert (outcome[0] == "value") == (compiled_levels + interpreted_levels + 1 <= MAX_DEPTH)
    assert parse_compiled._LAZY_DEPTH.levels == 0
