"""Generated code follows ``Lazy`` types and tries ``Fallback`` main types itself, and still agrees with the
interpreter: on nesting at and past the interpreter's depth limit, and when the main type's generated code
fails where the interpreter would not."""

import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Bytes,
    Const,
    Fallback,
    Field,
    Lazy,
    ParseError,
    Sized,
    Struct,
    Switch,
    UnlessEnd,
    debug,
    this,
    u8,
    u16,
)
from binmodel.codegen import Fail
from binmodel.context import MAX_DEPTH
from binmodel.formats.ethernet import Ethernet, EtherType, VLANTag
from binmodel.parsing import compiled as parse_compiled
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse
from binmodel.parsing.analysis import LAZY_LEVELS
from both_engines import outcomes


class Chain(Struct, endian="big"):
    """A recursive model: kind 1 is followed by another link, anything else ends the chain."""

    kind: int = u8()
    rest: Any = Switch(this.kind, {1: Lazy(lambda: Chain)}, default=Bytes(greedy=True))


def chain(depth: int, tail: bytes = b"end") -> bytes:
    return b"\x01" * depth + b"\x00" + tail


def both(model, data):
    out = []
    for parse in (compiled_parse, interpreted_parse):
        try:
            out.append(("value", repr(parse(model._bm_node, data))))
        except ParseError as exc:
            out.append(("error", exc.path, exc.offset, str(exc)))
    assert out[0] == out[1]
    return out[0]


def test_a_recursive_model_is_generated_code_with_no_context():
    src = debug.source(Chain)
    assert "_parse_node" not in src and "_ParseContext" not in src
    value = Chain.parse(chain(3))
    assert (value.kind, value.rest.kind, value.rest.rest.kind, value.rest.rest.rest.rest) == (1, 1, 1, b"end")


@pytest.mark.parametrize("depth", [0, 1, 2, 31, 32, 33, 62, 63, 64, 65, 100])
def test_nesting_around_the_depth_limit_is_the_interpreters_outcome(depth):
    """The interpreter allows 64 levels of structs; generated code follows Lazy types for at most 32 levels
    beyond a model's own and leaves deeper data to the interpreter: same value or same error either way."""
    outcome = both(Chain, chain(depth))
    assert (outcome[0] == "value") == (depth + 1 <= MAX_DEPTH)
    assert parse_compiled._LAZY_DEPTH.levels == 0  # every call undid what it added, failures too
    parse, raw = parse_compiled.REGISTRY.parser(Chain._bm_node), chain(depth)
    if depth <= LAZY_LEVELS:  # generated code alone reads it
        assert parse(raw, 0, len(raw), None, None)[1] == len(raw)
    else:
        with pytest.raises(Fail):
            parse(raw, 0, len(raw), None, None)
    assert parse_compiled._LAZY_DEPTH.levels == 0


class Point(Struct, endian="big"):
    magic: bytes = Const(b"P")
    x: int = u16()
    y: int = u16()


class Datagram(Struct, endian="big"):
    """Like UDP's DNS guess: a Point when the port says so and the bytes are one, else bytes."""

    port: int = u16()
    size: int = u8()
    body: Any = Sized(this.size, Switch(this.port == 53, {True: Fallback(Point)}, default=Bytes(greedy=True)))
    after: int = u8()


def datagram(port: int, body: bytes) -> bytes:
    return struct.pack(">HB", port, len(body)) + body + b"\x09"


def test_fallback_is_generated_code_with_no_context():
    src = debug.source(Datagram)
    assert "_interp_reads" in src and "_ParseContext" not in src
    assert Datagram.parse(datagram(53, b"P\x00\x01\x00\x02")).body == Point(x=1, y=2)
    assert Datagram.parse(datagram(53, b"Q\x00\x01\x00\x02")).body == b"Q\x00\x01\x00\x02"
    assert Datagram.parse(datagram(53, b"P\x00")).body == b"P\x00"  # cut short by its region: bytes
    assert Datagram.parse(datagram(80, b"P\x00\x01\x00\x02")).body == b"P\x00\x01\x00\x02"


@given(st.sampled_from([53, 80]), st.binary(max_size=8), st.integers(0, 3))
def test_fallback_values_and_errors_match_the_interpreter(port, body, cut):
    raw = datagram(port, body)
    both(Datagram, raw)
    both(Datagram, raw[:len(raw) - cut])


def test_when_the_main_types_generated_code_fails_the_interpreter_judges():
    """Generated code may fail where the interpreter succeeds (the parse is then handed over): a failing main
    type must not be taken for bytes unless the interpreter cannot read it either."""
    def broken(*args):
        raise Fail("generated code gave up")

    registry = parse_compiled.Registry()
    registry.parsers[id(Point._bm_node)] = broken  # what Datagram's generated code will call for a Point
    parse = registry.parser(Datagram._bm_node)
    assert registry.needs_state(Datagram._bm_node) is False
    good, bad = datagram(53, b"P\x00\x01\x00\x02"), datagram(53, b"Q\x00\x01\x00\x02")
    with pytest.raises(Fail):  # the interpreter reads a Point there: it must parse all of it
        parse(good, 0, len(good), None, None)
    value, end = parse(bad, 0, len(bad), None, None)  # nobody reads a Point there: the other type
    assert (value.body, end) == (b"Q\x00\x01\x00\x02", len(bad))


def vlan_frame(tags: int, ethertype: int = 0x1234) -> bytes:
    frame = bytes(range(12))
    for _ in range(tags):
        frame += struct.pack(">HH", EtherType.VLAN, 0x2005)  # tag: PCP 1, VID 5
    return frame + struct.pack(">H", ethertype) + b"payload"


@pytest.mark.parametrize("tags", [0, 1, 2, 5, 40])
def test_vlan_tags_in_the_bundled_ethernet_model(tags):
    outcome = both(Ethernet, vlan_frame(tags))
    assert outcome[0] == "value"
    frame = Ethernet.parse(vlan_frame(tags))
    layer = frame.payload
    for _ in range(tags):
        assert isinstance(layer, VLANTag) and (layer.pcp, layer.vid) == (1, 5)
        layer = layer.payload
    assert layer == b"payload"
    assert Ethernet.build(frame) == vlan_frame(tags)
    src, tag = debug.source(Ethernet), debug.source(VLANTag)
    own = src[:src.index("def entry_Ethernet")] + tag[:tag.index("def entry_VLANTag")]
    assert "_parse_node" not in own and "_ParseContext" not in own


def test_threads_count_their_own_lazy_levels():
    """Each thread counts the levels its own Lazy calls added: parsing in several threads at once gives
    every thread the interpreter's outcome, and leaves every count at zero."""
    import threading

    expected = {depth: both(Chain, chain(depth)) for depth in (5, 30, 31, 40, 70)}
    wrong, counts = [], []

    def work() -> None:
        for _ in range(200):
            for depth, outcome in expected.items():
                try:
                    got = ("value", repr(Chain.parse(chain(depth))))
                except ParseError as exc:
                    got = ("error", exc.path, exc.offset, str(exc))
                if got != outcome:
                    wrong.append(depth)
        counts.append(parse_compiled._LAZY_DEPTH.levels)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [] and counts == [0, 0, 0, 0]


# --- Lazy reached through Fallback, and the interpreter inside generated code ----------




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
