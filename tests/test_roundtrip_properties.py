"""Symmetry on generated models: parse(build(x)) == x and build(parse(b)) == b."""

from hypothesis import given
from hypothesis import strategies as st

from binmodel import ParseError, Struct
from strategies import models


def user_values(value):
    """The values a user typed: derived fields (computed on build) left out, at every level."""
    if isinstance(value, Struct):
        return {f.name: user_values(getattr(value, f.name)) for f in type(value)._bm_node.fields()
                if f.stored and f.derive is None}
    if isinstance(value, list):
        return [user_values(v) for v in value]
    return value


@given(data=st.data())
def test_parse_of_build_gives_the_object_back(data):
    gen = data.draw(models())
    obj = data.draw(gen.values)
    raw = gen.model.build(obj)
    back = gen.model.parse(raw)
    assert user_values(back) == user_values(obj)
    assert gen.model.build(back) == raw


@given(data=st.data())
def test_build_of_parse_gives_the_bytes_back_even_after_edits(data):
    gen = data.draw(models())
    raw = bytearray(gen.model.build(data.draw(gen.values)))
    if raw:
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    try:
        parsed = gen.model.parse(bytes(raw))
    except ParseError:
        return
    assert gen.model.build(parsed) == bytes(raw)
