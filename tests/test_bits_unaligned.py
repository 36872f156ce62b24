"""Bit fields at any bit position, against Kaitai Struct's own compiler and runtime.

Each model is the binmodel form of a ``bits_*.ksy`` of Kaitai's test suite: ``bit-endian: be`` is
``bit_order="msb"`` and ``le`` is ``"lsb"``, in a struct without ``endian=`` (its bit groups are then
bit streams, as Kaitai reads them). Every value is compared with what Kaitai's generated Python reads
from the input its ``.kst`` names (a sibling's input where the suite has no ``.kst``) and from the
other inputs long enough; both stop at the same byte, and the bytes read are rebuilt exactly. Then
round trips and property tests with random widths and orders, built then parsed and parsed then built.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

import binmodel as bm
import kaitai_truth
from binmodel import Array, Bits, Bytes, Sized, Struct, i16be, u8
from binmodel.errors import ParseError

INPUTS = ("fixed_struct.bin", "process_xor_4.bin", "bcd_user_type_be.bin", "bits_shift_by_b32_le.bin",
          "bits_signed_shift_b32_le.bin")


class BitsSimple(Struct):
    byte_1: int = Bits(8)
    byte_2: int = Bits(8)
    bits_a: int = Bits(1)
    bits_b: int = Bits(3)
    bits_c: int = Bits(4)
    large_bits_1: int = Bits(10)
    spacer: int = Bits(3)
    large_bits_2: int = Bits(11)
    normal_s2: int = i16be()
    byte_8_9_10: int = Bits(24)
    byte_11_to_14: int = Bits(32)
    byte_15_to_19: int = Bits(40)
    byte_20_to_27: int = Bits(64)


class BitsSimpleLe(BitsSimple, bit_order="lsb"):
    pass


class Foo(Struct):
    inner: int = Bits(19)


class BitsByteAligned(Struct):
    one: int = Bits(6)
    byte_1: int = u8()
    two: int = Bits(3)
    three: int = Bits(1)
    byte_2: bytes = Bytes(1)
    four: int = Bits(14)
    byte_3: Foo = Sized(3, Foo)
    full_byte: int = Bits(8)
    byte_4: int = u8()
    five: int = Bits(22)
    bytes_term: list = Array(u8, until=lambda b: b == 0x45)
    six: int = Bits(8)


class BitsSeqEndianCombo(Struct):
    be1: int = Bits(6, order="msb")
    be2: int = Bits(10, order="msb")
    le3: int = Bits(8, order="lsb")
    be4: int = Bits(8, order="msb")
    le5: int = Bits(5, order="lsb")
    le6: int = Bits(6, order="lsb")
    le7: int = Bits(5, order="lsb")
    be8: int = Bits(1, order="msb")


def _abc(width: int, order: str) -> type:
    class Unaligned(Struct, bit_order=order):
        a: int = Bits(1)
        b: int = Bits(width)
        c: int = Bits(7)

    return Unaligned


def _pair(first: int, second: int, order: str) -> type:
    class Pair(Struct, bit_order=order):
        a: int = Bits(first)
        b: int = Bits(second)

    return Pair


def _one(width: int, order: str) -> type:
    class One(Struct, bit_order=order):
        a: int = Bits(width)

    return One


def _eof(order: str) -> type:
    class Eof(Struct, bit_order=order):
        prebuf: bytes = Bytes(8)
        bits: int = Bits(31)

    return Eof


MODELS = {
    "bits_simple": BitsSimple,
    "bits_simple_le": BitsSimpleLe,
    "bits_byte_aligned": BitsByteAligned,
    "bits_seq_endian_combo": BitsSeqEndianCombo,
    "bits_unaligned_b32_be": _abc(32, "msb"),
    "bits_unaligned_b32_le": _abc(32, "lsb"),
    "bits_unaligned_b64_be": _abc(64, "msb"),
    "bits_unaligned_b64_le": _abc(64, "lsb"),
    "bits_shift_by_b32_le": _pair(32, 8, "lsb"),
    "bits_shift_by_b64_le": _pair(64, 8, "lsb"),
    "bits_signed_shift_b32_le": _pair(31, 9, "lsb"),
    "bits_signed_shift_b64_le": _pair(63, 9, "lsb"),
    "bits_signed_res_b32_be": _one(32, "msb"),
    "bits_signed_res_b32_le": _one(32, "lsb"),
    "bits_byte_aligned_eof_be": _eof("msb"),
    "bits_byte_aligned_eof_le": _eof("lsb"),
}


def _kst_input(name: str) -> str:
    """The input the suite's ``.kst`` for ``name`` names, or None."""
    path = kaitai_truth.SUITE / "spec" / "ks" / (name + ".kst")
    if not path.is_file():
        return None
    for line in path.read_text().splitlines():
        if line.startswith("data:"):
            return line.split(":", 1)[1].strip()
    return None


def _same(ours, theirs, where):
    """Every value of a binmodel instance equals the attribute Kaitai read (nested types too)."""
    for name in type(ours)._bm_stored:
        mine, kaitai = getattr(ours, name), getattr(theirs, name)
        if isinstance(mine, Struct):
            _same(mine, kaitai, "%s.%s" % (where, name))
        elif isinstance(mine, list):
            assert bytes(mine) == kaitai, (where, name)
        else:
            assert mine == kaitai, (where, name, mine, kaitai)  # (a Kaitai b1 is a bool: True == 1)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_values_match_kaitai(name):
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    model = MODELS[name]
    named = _kst_input(name)
    compared = 0
    for source in ((named,) if named else ()) + INPUTS:
        data = kaitai_truth.source_file(source)
        try:
            theirs = kaitai_truth.kaitai_parse(name, data)
        except EOFError:  # too short for this format: binmodel must refuse it too
            with pytest.raises(ParseError):
                model.parse(data, allow_trailing=True)
            continue
        ours = model.parse(data, allow_trailing=True)
        _same(ours, theirs, "%s on %s" % (name, source))
        used = theirs._io.pos()
        assert model.build(ours) == data[:used]  # the same bytes read, padding bits included
        assert model.parse(data[:used]) == ours
        compared += 1
    assert compared, "no input long enough for %s" % name


@pytest.mark.parametrize("name", ["bits_unaligned_b32_be", "bits_byte_aligned_eof_le", "bits_byte_aligned"])
def test_every_cut_fails_where_kaitai_does(name):
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    model = MODELS[name]
    data = kaitai_truth.source_file(_kst_input(name) or "fixed_struct.bin")
    used = kaitai_truth.kaitai_parse(name, data)._io.pos()
    for cut in range(used):
        with pytest.raises(EOFError):
            kaitai_truth.kaitai_parse(name, data[:cut])
        with pytest.raises(ParseError) as err:
            model.parse(data[:cut])
        assert err.value.expected is not None and err.value.found is not None


def test_padding_bits_are_kept_for_the_rebuild():
    Model = MODELS["bits_seq_endian_combo"]
    raw = bytes([0xEC, 0xBB, 0xA3, 0x14, 0x8A, 0xD4, 0xCC])
    parsed = Model.parse(raw)
    assert parsed.be8 == 1
    assert Model.build(parsed) == raw  # the 7 bits after be8 (1001100) come back
    assert Model.build(Model(**parsed.to_dict())) == raw[:-1] + b"\x80"  # made by hand: zeros


def test_realigned_run_layout_shows_bit_offsets():
    text = str(MODELS["bits_unaligned_b32_le"].layout())
    assert "bits 32..1 of 40" in text and "padding" not in text  # (a, b, c fill 40 bits: no padding)
    text = str(BitsByteAligned.layout())
    assert "(padding after one)" in text and "bits 1..0 of 8; padding bits" in text


def test_dump_shows_padding_bits():
    raw = bytes([0xEC, 0xBB, 0xA3, 0x14, 0x8A, 0xD4, 0xCC])
    out = io.StringIO()
    bm.dump(BitsSeqEndianCombo, raw, color="never", legend=False, file=out)
    shown = out.getvalue()
    assert "(padding after be8) = 76  (0b1001100, bits 6-0), padding" in shown


# --- property tests: random widths and orders -------------------------------------------------

_MODELS_BY_SHAPE: dict = {}


def _model(widths, order, tail):
    key = (tuple(widths), order, tail)
    if key not in _MODELS_BY_SHAPE:
        ns = {"__annotations__": {}, "__module__": __name__}
        for i, w in enumerate(widths):
            ns["__annotations__"]["f%d" % i] = int
            ns["f%d" % i] = Bits(w, signed=i % 3 == 2)
        if tail:
            ns["__annotations__"]["tail"] = int
            ns["tail"] = u8()
        _MODELS_BY_SHAPE[key] = type(Struct)("Random", (Struct,), ns, bit_order=order)
    return _MODELS_BY_SHAPE[key]


shapes = st.tuples(st.lists(st.integers(1, 70), min_size=1, max_size=6), st.sampled_from(["msb", "lsb"]),
                   st.booleans())


def _stream(widths, order, data):
    """The fields read from ``data`` one bit at a time, in bit order (the definition Kaitai's runtime uses)."""
    bits = [(byte >> (7 - i if order == "msb" else i)) & 1 for byte in data for i in range(8)]
    out, at = [], 0
    for w in widths:
        chunk = bits[at:at + w]
        at += w
        value = 0
        for b in (chunk if order == "msb" else chunk[::-1]):
            value = value << 1 | b
        out.append(value)
    return out


@given(shapes, st.data())
def test_parse_reads_the_bit_stream_and_build_gives_the_bytes_back(shape, data):
    widths, order, tail = shape
    model = _model(widths, order, tail)
    size = -(-sum(widths) // 8) + tail
    raw = data.draw(st.binary(min_size=size, max_size=size))
    parsed = model.parse(raw)
    unsigned = [v % (1 << w) for v, w in zip((getattr(parsed, "f%d" % i) for i in range(len(widths))), widths)]
    assert unsigned == _stream(widths, order, raw)
    assert model.build(parsed) == raw
    with pytest.raises(ParseError):
        model.parse(raw[:-1])


@given(shapes, st.data())
def test_build_then_parse_gives_the_values_back(shape, data):
    widths, order, tail = shape
    model = _model(widths, order, tail)
    values = {}
    for i, w in enumerate(widths):
        lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if i % 3 == 2 else (0, (1 << w) - 1)
        values["f%d" % i] = data.draw(st.integers(lo, hi))
    if tail:
        values["tail"] = data.draw(st.integers(0, 255))
    obj = model(**values)
    raw = model.build(obj)
    assert len(raw) == -(-sum(widths) // 8) + tail
    assert model.parse(raw) == obj
