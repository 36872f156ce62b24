"""Arrays of bit fields and optional bit fields (a ``BitRun``), against Kaitai Struct's compiler and runtime.

Kaitai reads bit fields from a cursor that keeps the bits left in its last byte, so ``repeat:`` and
``if:`` over ``b3`` or ``b1`` fields start wherever the bits before them ended, and realign only at the
next field that is not a bit field. The models below are the binmodel forms of the suite's
``repeat_eos_bits_*``, ``expr_io_pos_bits`` and of .ksy files written here for what the suite lacks
(counts, ``repeat-until``, both bit orders, a byte field after the run); every value, the position
Kaitai stops at and the failures are compared with Kaitai's generated Python on the suite's inputs and
on random bytes. Then property tests against a bit-at-a-time reader, round trips and the errors.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kaitai_truth
from binmodel import Array, Bits, If, Sized, Struct, Switch, this, u8
from binmodel.errors import BuildError, DefinitionError, ParseError


class RepeatEosBitsB1(Struct):
    bits: list = Array(Bits(1), greedy=True)


class RepeatEosBitsB4(Struct):
    nibbles: list = Array(Bits(4), greedy=True)


class ExprIoPosBits(Struct):
    foo: int = Bits(3)
    bar: int = If(this._io.pos == 1, Bits(5))
    baz: int = If(this._io.pos == 1, Bits(1))
    qux: int = If(this._io.pos == 2, Bits(7))


def _mix(order: str) -> type:
    class BitRunMix(Struct, bit_order=order):
        n: int = Bits(4)
        xs: list = Array(Bits(3), count=this.n)
        flag: int = If(this.n > 2, Bits(1))
        ys: list = Array(Bits(5), until=lambda y: y in (0, 31))
        tail: int = u8()

    return BitRunMix


def _eos(order: str) -> type:
    class BitRunEos(Struct, bit_order=order):
        head: int = u8()
        threes: list = Array(Bits(3), greedy=True)

    return BitRunEos


MIX_KSY = """meta:
  id: %s
  bit-endian: %s
seq:
  - id: n
    type: b4
  - id: xs
    type: b3
    repeat: expr
    repeat-expr: n
  - id: flag
    type: b1
    if: n > 2
  - id: ys
    type: b5
    repeat: until
    repeat-until: _ == 0 or _ == 31
  - id: tail
    type: u1
"""

EOS_KSY = """meta:
  id: %s
  bit-endian: %s
seq:
  - id: head
    type: u1
  - id: threes
    type: b3
    repeat: eos
"""

SUITE_MODELS = {"repeat_eos_bits_b1": RepeatEosBitsB1, "repeat_eos_bits_b4": RepeatEosBitsB4,
                "expr_io_pos_bits": ExprIoPosBits}
WRITTEN = {"bit_run_mix_be": (_mix("msb"), MIX_KSY, "be"), "bit_run_mix_le": (_mix("lsb"), MIX_KSY, "le"),
           "bit_run_eos_be": (_eos("msb"), EOS_KSY, "be"), "bit_run_eos_le": (_eos("lsb"), EOS_KSY, "le")}
SUITE_INPUTS = ("enum_negative.bin", "process_xor_4.bin", "fixed_struct.bin", "bits_shift_by_b32_le.bin")


def _kaitai(name: str, data: bytes):
    """Kaitai's parse of ``data`` (None where its runtime runs out of data)."""
    ksy = None
    if name in WRITTEN:
        _, text, order = WRITTEN[name]
        ksy = text % (name, order)
    try:
        return kaitai_truth.kaitai_parse(name, data, ksy)
    except EOFError:
        return None


def _same(ours, theirs, where):
    for name in type(ours)._bm_stored:
        mine, kaitai = getattr(ours, name), getattr(theirs, name, None)  # (an if: not met leaves it unset)
        if isinstance(mine, list):
            assert mine == [int(v) for v in kaitai], (where, name)
        else:
            assert mine == (None if kaitai is None else int(kaitai)), (where, name, mine, kaitai)


def _compare(name: str, model: type, data: bytes, where: str) -> bool:
    theirs = _kaitai(name, data)
    if theirs is None:
        with pytest.raises(ParseError) as err:
            model.parse(data, allow_trailing=True)
        assert err.value.expected is not None and err.value.found is not None, err.value
        return False
    ours = model.parse(data, allow_trailing=True)
    _same(ours, theirs, where)
    used = theirs._io.pos()
    assert model.parse(data[:used]) == ours  # it stops where Kaitai stops
    if model is not ExprIoPosBits:  # (its conditions read _io.pos, known only while parsing)
        assert model.build(ours) == data[:used]  # the padding bits included
    return True


@pytest.mark.parametrize("name", sorted(SUITE_MODELS) + sorted(WRITTEN))
def test_values_match_kaitai(name):
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    model = SUITE_MODELS.get(name) or WRITTEN[name][0]
    rng = random.Random(name)
    inputs = [(s, kaitai_truth.source_file(s)) for s in SUITE_INPUTS]
    inputs += [("random %d" % i, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))) for i in range(60)]
    parsed = sum(_compare(name, model, data, "%s on %s" % (name, label)) for label, data in inputs)
    assert parsed >= 10, "too few inputs parse for %s" % name


def test_a_bit_array_realigns_before_a_byte_field():
    Mix = _mix("msb")
    # n=3: xs 3 x 3 bits, flag 1 bit, ys 5 bits until 0: 4+9+1+5 = 19 bits, then 5 bits of padding
    raw = bytes([0b0011_001_0, 0b10_011_1_00, 0b000_10101, 0x7F])
    value = Mix.parse(raw)
    assert (value.n, value.xs, value.flag, value.ys, value.tail) == (3, [1, 2, 3], 1, [0], 0x7F)
    assert Mix.build(value) == raw  # the padding bits 10101 come back
    assert Mix.build(Mix(n=3, xs=[1, 2, 3], flag=1, ys=[0], tail=0x7F)) == raw[:2] + b"\x00\x7f"


def test_errors_name_the_field_and_what_was_missing():
    Mix = _mix("lsb")
    with pytest.raises(ParseError) as err:
        Mix.parse(bytes([0x0F]))  # n = 15: 45 bits of xs, 4 left
    assert err.value.path == "xs" and err.value.expected == 45 and err.value.found == 4
    with pytest.raises(ParseError) as err:
        Mix.parse(bytes([0x01, 0xFF]))  # n = 1, then ys never ends
    assert (err.value.path, err.value.offset, err.value.expected, err.value.found) == ("ys[1]", 1, 2, 1)
    with pytest.raises(BuildError) as err:
        Mix.build(Mix(n=1, xs=[8], flag=None, ys=[0], tail=0))
    assert err.value.path == "xs[0]" and "does not fit 3 bits" in str(err.value)
    with pytest.raises(BuildError) as err:
        Mix.build(Mix(n=2, xs=[1], flag=None, ys=[0], tail=0))
    assert err.value.path == "xs" and err.value.expected == 2 and err.value.found == 1
    with pytest.raises(BuildError) as err:
        Mix.build(Mix(n=3, xs=[1, 1, 1], flag=None, ys=[0], tail=0))
    assert err.value.path == "flag"
    with pytest.raises(BuildError) as err:
        Mix.build(Mix(n=1, xs=[1], flag=None, ys=[31, 0], tail=0))
    assert err.value.path == "ys[0]"
    Eos = _eos("msb")
    with pytest.raises(BuildError) as err:
        Eos.build(Eos(head=1, threes=[1, 2]))  # 6 bits: a parse would read the padding as more items
    assert err.value.path == "threes" and "byte boundary" in str(err.value)
    assert Eos.parse(Eos.build(Eos(head=1, threes=[1] * 8))).threes == [1] * 8


def test_bit_fields_elsewhere_are_refused_when_defined():
    for spec in (lambda: Sized(2, Bits(3)), lambda: Switch(this.k, {1: Bits(8)}), lambda: Array(Array(Bits(1), count=8), count=2)):
        with pytest.raises(DefinitionError, match="a bit field"):
            type(Struct)("Bad", (Struct,), {"__annotations__": {"k": int, "v": int}, "k": u8(), "v": spec(),
                                             "__module__": __name__})


def test_layout_and_dump_show_the_run():
    Mix = _mix("msb")
    text = str(Mix.layout())
    assert "3 bits * n" in text and "from a bit cursor, msb first" in text and "size(n..ys)" in text
    trace = Mix.parse_trace(bytes([0b0011_001_0, 0b10_011_1_00, 0b000_10101, 0x7F]))
    spans = {span.path: span for span in trace.spans}
    assert (spans["xs[1]"].offset, spans["xs[1]"].size) == (0, 2)  # bits 7..9 straddle two bytes
    assert spans["(padding after ys)"].value == 0b10101 and spans["(padding after ys)"].kind == "padding"


# --- property tests: random runs against a bit-at-a-time reader --------------------------------

_MODELS: dict = {}


def _model(shape, order):
    """A struct of the run ``shape``: ("bits", w), ("array", w, count) or ("if", w, present), then a u8."""
    key = (shape, order)
    if key not in _MODELS:
        ns = {"__annotations__": {}, "__module__": __name__}
        for i, part in enumerate(shape):
            ns["__annotations__"]["f%d" % i] = object
            if part[0] == "bits":
                ns["f%d" % i] = Bits(part[1])
            elif part[0] == "array":
                ns["f%d" % i] = Array(Bits(part[1]), count=part[2])
            else:
                ns["f%d" % i] = If(part[2], Bits(part[1]))
        ns["__annotations__"]["tail"] = int
        ns["tail"] = u8()
        _MODELS[key] = type(Struct)("RandomRun", (Struct,), ns, bit_order=order)
    return _MODELS[key]


def _reference(shape, order, data):
    """The values of ``shape`` read from ``data`` one bit at a time (Kaitai's runtime's definition)."""
    bits = [(byte >> (7 - i if order == "msb" else i)) & 1 for byte in data for i in range(8)]
    at = 0

    def take(w):
        nonlocal at
        chunk, at = bits[at:at + w], at + w
        value = 0
        for b in (chunk if order == "msb" else chunk[::-1]):
            value = value << 1 | b
        return value

    out = []
    for part in shape:
        if part[0] == "bits":
            out.append(take(part[1]))
        elif part[0] == "array":
            out.append([take(part[1]) for _ in range(part[2])])
        else:
            out.append(take(part[1]) if part[2] else None)
    return out, -(-at // 8)


part = st.one_of(st.tuples(st.just("bits"), st.integers(1, 20)),
                 st.tuples(st.just("array"), st.integers(1, 12), st.integers(0, 5)),
                 st.tuples(st.just("if"), st.integers(1, 9), st.booleans()))
shapes = st.tuples(st.lists(part, min_size=1, max_size=5).map(tuple), st.sampled_from(["msb", "lsb"]))


def _run_shape(shape):
    """Shapes with at least one array or optional field (a plain run is a BitGroup, tested elsewhere)."""
    return shape if any(p[0] != "bits" for p in shape) else shape + (("if", 1, True),)


@given(shapes, st.data())
def test_parse_reads_the_bit_stream_and_build_gives_the_bytes_back(drawn, data):
    shape, order = _run_shape(drawn[0]), drawn[1]
    model = _model(shape, order)
    size = _reference(shape, order, bytes(64))[1] + 1
    raw = data.draw(st.binary(min_size=size, max_size=size))
    parsed = model.parse(raw)
    values, used = _reference(shape, order, raw)
    assert [getattr(parsed, "f%d" % i) for i in range(len(shape))] == values and parsed.tail == raw[used]
    assert model.build(parsed) == raw
    with pytest.raises(ParseError):
        model.parse(raw[:-1])


@given(shapes, st.data())
def test_build_then_parse_gives_the_values_back(drawn, data):
    shape, order = _run_shape(drawn[0]), drawn[1]
    model = _model(shape, order)
    values = {}
    for i, p in enumerate(shape):
        one = st.integers(0, (1 << p[1]) - 1)
        if p[0] == "bits":
            values["f%d" % i] = data.draw(one)
        elif p[0] == "array":
            values["f%d" % i] = data.draw(st.lists(one, min_size=p[2], max_size=p[2]))
        else:
            values["f%d" % i] = data.draw(one) if p[2] else None
    obj = model(tail=data.draw(st.integers(0, 255)), **values)
    raw = model.build(obj)
    assert len(raw) == _reference(shape, order, bytes(64))[1] + 1
    assert model.parse(raw) == obj
