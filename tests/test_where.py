"""``where(cond, then, otherwise)``: a conditional that stays an expression (prints, compiles)."""

from __future__ import annotations

from typing import Union

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import Bytes, ParseError, Sized, Struct, Switch, debug, this, u8, u16, where
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse


class Inner(Struct, endian="big"):
    value: int = u16()


class Frame(Struct, endian="big"):
    flags: int = u8()
    kind: int = u8()
    size: int = u8()
    body: Union[Inner, bytes] = Sized(this.size, Switch(where((this.flags & 1) == 1, this.kind, None),
                                                        {7: Inner}, default=Bytes(greedy=True)))


def outcome(parse, node, data):
    try:
        return ("value", repr(parse(node, data, 0, False)))
    except ParseError as exc:
        return ("error", exc.path, exc.offset, str(exc))


@given(st.integers(0, 3), st.integers(0, 9), st.binary(max_size=4))
def test_where_picks_a_branch_as_python_does(flags, kind, body):
    raw = bytes([flags, kind, len(body)]) + body
    expected = outcome(interpreted_parse, Frame._bm_node, raw)
    assert outcome(compiled_parse, Frame._bm_node, raw) == expected
    if expected[0] == "value":
        frame = Frame.parse(raw)
        if flags & 1 and kind == 7:
            assert frame.body == Inner(value=int.from_bytes(body, "big"))
        else:
            assert frame.body == body
        assert Frame.build(frame) == raw


def test_where_is_generated_code_and_prints_as_text():
    src = debug.source(Frame)
    assert "_evaluate" not in src and " if " in src
    assert where((this.flags & 1) == 1, this.kind, None).text() == "where(flags & 1 == 1, kind, None)"


def test_only_the_chosen_branch_is_evaluated():
    class Alone(Struct):
        flag: int = u8()
        n: int = u8()
        data: bytes = Bytes(where(this.flag, this._parent.limit, this.n))  # no parent: only flag=0 works

    assert Alone.parse(b"\x00\x02ab").data == b"ab"
    with pytest.raises(ParseError, match="parent|enclosing"):
        Alone.parse(b"\x01\x02ab")
    with pytest.raises(ParseError, match="parent|enclosing"):
        interpreted_parse(Alone._bm_node, b"\x01\x02ab")


def test_where_needs_no_truth_value_when_the_class_is_defined():
    with pytest.raises(TypeError, match="truth value"):
        bool(this.a == 1)
