"""The language features of issue 14 against Kaitai Struct's own compiler and runtime: the same model written
in binmodel's syntax and as Kaitai's .ksy (from its test suite) reads the suite's input to the same values,
or both refuse it. ``this._root`` (nav_root), ``this._index`` (index_sizes, switch_repeat_expr*),
``this._io`` (expr_io_pos, expr_io_eof), negation (expr_io_eof), ``valid=`` (valid_*), a byte order the
data decides (default_endian_expr_*)."""

from __future__ import annotations

import pytest

import kaitai_truth as kt
from binmodel import (
    AnyOf,
    Array,
    BuildError,
    Bytes,
    Computed,
    CString,
    Endian,
    If,
    ParseError,
    Pointer,
    Range,
    Sized,
    String,
    Struct,
    Switch,
    f32le,
    i16le,
    not_,
    this,
    u8,
    u16,
    u16be,
    u16le,
    u32,
    where,
)

pytestmark = pytest.mark.skipif(kt.missing() is not None, reason=str(kt.missing()))


def both(name: str, data_file: str):
    data = kt.source_file(data_file)
    return kt.kaitai_parse(name, data), data


# --- this._root ----------------------------------------------------------------------------------------

class NavHeader(Struct, endian="little"):
    qty_entries: int = u32()
    filename_len: int = u32()


class NavEntry(Struct):
    filename: str = String(this._root.header.filename_len)


class NavIndex(Struct):
    magic: bytes = Bytes(4)
    entries: list = Array(NavEntry, count=this._root.header.qty_entries)


class NavRoot(Struct):
    header: NavHeader
    index: NavIndex


def test_root_reaches_the_outermost_struct_as_kaitai_does():
    ks, data = both("nav_root", "nav.bin")
    ours = NavRoot.parse(data, allow_trailing=True)
    assert (ours.header.qty_entries, ours.header.filename_len) == (ks.header.qty_entries, ks.header.filename_len)
    assert ours.index.magic == ks.index.magic
    assert [e.filename for e in ours.index.entries] == [e.filename for e in ks.index.entries]
    assert [e.filename for e in ours.index.entries] == ["FIRST___", "SECOND__"]  # nav_root.kst
    end = 8 + 4 + 2 * 8
    assert NavRoot.build(ours) == data[:end]


# --- this._index ---------------------------------------------------------------------------------------

class IndexSizes(Struct, endian="little"):
    qty: int = u32()
    sizes: list = Array(u32, count=this.qty)
    bufs: list = Array(String(this.sizes[this._index], encoding="ascii"), count=this.qty)


def test_index_picks_each_items_size_as_kaitai_does():
    ks, data = both("index_sizes", "index_sizes.bin")
    ours = IndexSizes.parse(data, allow_trailing=True)
    assert (ours.qty, ours.sizes, ours.bufs) == (ks.qty, ks.sizes, ks.bufs)
    assert IndexSizes.build(ours) == data[:4 + 4 * ours.qty + sum(ours.sizes)]


class RepeatOne(Struct):
    first: bytes = Bytes(greedy=True)


class RepeatTwo(Struct):
    second: bytes = Bytes(greedy=True)


class SwitchRepeatExpr(Struct):
    codes: list = Array(u8, count=3)
    body: list = Array(Sized(4, Switch(this.codes[this._index], {1: RepeatOne, 2: RepeatOne, 7: RepeatTwo})), count=3)


class SwitchRepeatExprInvalid(Struct):
    codes: list = Array(u8, count=3)
    body: list = Array(Sized(4, Switch(this.codes[this._index], {1: RepeatOne, 2: RepeatTwo},
                                       default=Bytes(greedy=True))), count=3)


def _switch_values(items):
    out = []
    for b in items:
        out.append(b if isinstance(b, bytes) else getattr(b, "first", None) or getattr(b, "second", None))
    return out


def test_index_chooses_each_items_switch_case_as_kaitai_does():
    model = SwitchRepeatExpr
    ks, data = both("switch_repeat_expr", "switch_integers.bin")
    ours = model.parse(data, allow_trailing=True)
    assert ours.codes == ks.codes
    kinds = [type(b).__name__ for b in ks.body]
    assert [type(b).__name__ if not isinstance(b, bytes) else "bytes" for b in ours.body] == [
        k.replace("One", "RepeatOne").replace("Two", "RepeatTwo") for k in kinds]
    assert _switch_values(ours.body) == _switch_values(ks.body)
    assert model.build(ours) == data[:15]


def test_index_with_a_case_missing_gives_the_values_the_kaitai_spec_asserts():
    # Kaitai's Python code for this format fails (it indexes a list it did not fill), so the values are
    # those of spec/ks/switch_repeat_expr_invalid.kst
    data = kt.source_file("switch_integers.bin")
    ours = SwitchRepeatExprInvalid.parse(data, allow_trailing=True)
    assert ours.codes == [0x01, 0x07, 0x02]
    assert ours.body[0].first == bytes([0x40, 0x40, 0x04, 0x37])
    assert ours.body[1] == bytes([0x13, 0x00, 0x00, 0x08])
    assert ours.body[2].second == bytes([0x37, 0x13, 0x00, 0x00])
    assert SwitchRepeatExprInvalid.build(ours) == data[:15]


# --- this._io ------------------------------------------------------------------------------------------

class AllPlusNumber(Struct, endian="little"):
    my_str: str = CString()
    body: bytes = Bytes(this._io.size - this._io.pos - 2)
    number: int = u16()


class ExprIoPos(Struct):
    substream1: AllPlusNumber = Sized(16, AllPlusNumber)
    substream2: AllPlusNumber = Sized(14, AllPlusNumber)


def test_io_size_and_pos_of_a_sized_region_as_kaitai_gives_them():
    ks, data = both("expr_io_pos", "expr_io_pos.bin")
    ours = ExprIoPos.parse(data, allow_trailing=True)
    for a, b in ((ours.substream1, ks.substream1), (ours.substream2, ks.substream2)):
        assert (a.my_str, a.body, a.number) == (b.my_str, b.body, b.number)
    with pytest.raises(BuildError, match="_io"):  # the region is known only while parsing
        ExprIoPos.build(ours)


class OneOrTwo(Struct, endian="little"):
    one: int = u32()
    two: object = If(~this._io.eof, u32)
    reflect_eof: bool = Computed(this._io.eof)


class OneOrTwoNot(Struct, endian="little"):
    one: int = u32()
    two: object = If(not_(this._io.eof), u32)
    reflect_eof: bool = Computed(this._io.eof)


@pytest.mark.parametrize("item", [OneOrTwo, OneOrTwoNot])
def test_io_eof_and_negation_as_kaitai_gives_them(item):
    class ExprIoEof(Struct):
        substream1: object = Sized(4, item)
        substream2: object = Sized(8, item)

    ks, data = both("expr_io_eof", "fixed_struct.bin")
    ours = ExprIoEof.parse(data, allow_trailing=True)
    for a, b in ((ours.substream1, ks.substream1), (ours.substream2, ks.substream2)):
        assert (a.one, a.two, a.reflect_eof) == (b.one, getattr(b, "two", None), b.reflect_eof)
    assert ours.substream1.two is None and ours.substream2.two == 1262698832  # expr_io_eof.kst


# --- negation and conditions in a switch key -----------------------------------------------------------

class Opcode(Struct, endian="little"):
    code: int = u8()
    body: object = Switch(where((this.code > 0) & (this.code <= 8) & where(this.code != 10, True, False),
                                this.code, 0), {1: u8, 2: u16, 4: u32, 8: Bytes(8)})


class SwitchMultiBoolOps(Struct):
    opcodes: list = Array(Opcode, greedy=True)


def test_conditions_joined_in_a_switch_key_as_kaitai_gives_them():
    ks, data = both("switch_multi_bool_ops", "switch_integers.bin")
    ours = SwitchMultiBoolOps.parse(data)
    assert [o.code for o in ours.opcodes] == [o.code for o in ks.opcodes]
    bodies = [int.from_bytes(o.body, "little") if isinstance(o.body, bytes) else o.body for o in ours.opcodes]
    assert bodies == [o.body for o in ks.opcodes]
    assert SwitchMultiBoolOps.build(ours) == data


# --- valid= ----------------------------------------------------------------------------------------------

def _u8_model(valid):
    class Foo(Struct):
        foo: int = u8(valid=valid)
    return Foo


VALID_U8 = [
    ("valid_fail_range_int", Range(5, 10)),
    ("valid_fail_max_int", Range(max=12)),
    ("valid_fail_min_int", Range(min=123)),
    ("valid_fail_anyof_int", AnyOf(5, 6, 7, 8, 10, 11, 12, 47)),
]


def _kaitai_verdict(name, data):
    import kaitaistruct

    try:
        kt.kaitai_parse(name, data)
    except kaitaistruct.ValidationFailedError as exc:
        return getattr(exc, "actual", None)
    return "accepted"


def _our_verdict(model, data):
    try:
        model.parse(data, allow_trailing=True)
    except ParseError as exc:
        return exc.found
    return "accepted"


@pytest.mark.parametrize("name,valid", VALID_U8, ids=[n for n, _ in VALID_U8])
def test_integer_constraints_refuse_what_kaitai_refuses(name, valid):
    data = kt.source_file("fixed_struct.bin")
    model = _u8_model(valid)
    assert _our_verdict(model, data) == _kaitai_verdict(name, data) == 0x50
    with pytest.raises(ParseError) as info:
        model.parse(data, allow_trailing=True)
    assert (info.value.path, info.value.offset, info.value.found) == ("foo", 0, 0x50)
    assert info.value.expected == valid.text
    with pytest.raises(BuildError) as refused:
        model.build(model(foo=0x50))
    assert (refused.value.path, refused.value.expected, refused.value.found) == ("foo", valid.text, 0x50)


def test_range_of_bytes_text_and_floats_refuse_what_kaitai_refuses():
    class RangeBytes(Struct):
        foo: bytes = Bytes(2, valid=Range(b"P", b"P1"))

    class RangeStr(Struct):
        foo: str = String(2, encoding="ascii", valid=Range("P", "P1"))

    class RangeFloat(Struct):
        foo: float = f32le(valid=Range(0.25, 0.375))

    fixed, floats = kt.source_file("fixed_struct.bin"), kt.source_file("floating_points.bin")
    assert _our_verdict(RangeBytes, fixed) == _kaitai_verdict("valid_fail_range_bytes", fixed) == b"PA"
    assert _our_verdict(RangeStr, fixed) == _kaitai_verdict("valid_fail_range_str", fixed) == "PA"
    assert _our_verdict(RangeFloat, floats) == _kaitai_verdict("valid_fail_range_float", floats) == 0.5


def test_expression_constraint_refuses_what_kaitai_refuses():
    class Both(Struct):
        foo: int = u8(valid=this._value == 1)
        bar: int = i16le(valid=(this._value < -190) | (this._value > -190))

    class WithNot(Struct):
        foo: int = u8(valid=lambda v: v == 1)
        bar: int = i16le(valid=not_(this._value == -190))

    data = kt.source_file("nav_parent_switch.bin")
    assert _kaitai_verdict("valid_fail_expr", data) == -190
    for model in (Both, WithNot):
        assert _our_verdict(model, data) == -190


def test_constraints_on_repeated_items_refuse_what_kaitai_refuses():
    class RepeatEq(Struct, endian="big"):
        foo: list = Array(u32(valid=0x12345678), greedy=True)

    class RepeatAnyOf(Struct):
        foo: list = Array(u8(valid=AnyOf(0, 1, 0x41)), greedy=True)

    bcd = kt.source_file("bcd_user_type_be.bin")
    assert _our_verdict(RepeatEq, bcd) == _kaitai_verdict("valid_fail_repeat_eq_int", bcd) == 0x00123456
    data = kt.source_file("enum_0.bin")
    assert _our_verdict(RepeatAnyOf, data) == _kaitai_verdict("valid_fail_repeat_anyof_int", data)


def test_constraints_that_hold_accept_what_kaitai_accepts():
    class ValidSwitch(Struct):
        a: int = u8(valid=0x50)
        b: int = Switch(this.a, {0x50: u16le}, default=u16be, valid=0x4341)

    class NotParsedIf(Struct):
        not_parsed: object = If(False, u8(valid=42))
        parsed: object = If(True, u8(valid=0x50))

    data = kt.source_file("fixed_struct.bin")
    ks = kt.kaitai_parse("valid_switch", data)
    ours = ValidSwitch.parse(data, allow_trailing=True)
    assert (ours.a, ours.b) == (ks.a, ks.b)
    assert ValidSwitch.build(ours) == data[:3]
    ks2 = kt.kaitai_parse("valid_not_parsed_if", data)
    ours2 = NotParsedIf.parse(data, allow_trailing=True)
    assert (ours2.not_parsed, ours2.parsed) == (getattr(ks2, "not_parsed", None), ks2.parsed)


# --- byte order decided by the data ----------------------------------------------------------------------

class SubMainObj(Struct, endian=Endian(this._parent._parent.indicator, {b"MM": "big"}, default="little")):
    foo: int = u32()


class MainObjBe(Struct, endian=Endian(this._parent.indicator, {b"MM": "big"}, default="little")):
    some_int: int = u32()
    some_int_be: int = u16be()
    some_int_le: int = u16le()
    inst_int: int = Pointer(2, u32)
    inst_sub: SubMainObj = Pointer(2, SubMainObj)


class DocBe(Struct):
    indicator: bytes = Bytes(2)
    main: MainObjBe


class DefaultEndianExprIsBe(Struct):
    docs: list = Array(DocBe, greedy=True)


class MainObjLe(Struct, endian=Endian(this._parent.indicator == b"II", "little", "big")):
    some_int: int = u32()
    some_int_be: int = u16be()
    some_int_le: int = u16le()


class DocLe(Struct):
    indicator: bytes = Bytes(2)
    main: MainObjLe


class DefaultEndianExprIsLe(Struct):
    docs: list = Array(DocLe, greedy=True)


def _mains(docs):
    return [(d.indicator, d.main.some_int, d.main.some_int_be, d.main.some_int_le) for d in docs]


def test_byte_order_switched_by_an_earlier_field_as_kaitai_does():
    ks, data = both("default_endian_expr_is_be", "endian_expr.bin")
    ours = DefaultEndianExprIsBe.parse(data)
    assert _mains(ours.docs) == _mains(ks.docs)
    assert [d.main.inst_int for d in ours.docs] == [d.main.inst_int for d in ks.docs]
    assert [d.main.inst_sub.foo for d in ours.docs] == [d.main.inst_sub.foo for d in ks.docs]
    assert DefaultEndianExprIsBe.build(ours) == data


def test_byte_order_by_a_condition_as_kaitai_does():
    ks, data = both("default_endian_expr_is_le", "endian_expr.bin")
    ours = DefaultEndianExprIsLe.parse(data)
    assert _mains(ours.docs) == _mains(ks.docs)
    assert DefaultEndianExprIsLe.build(ours) == data


class MainObjStrict(Struct, endian=Endian(this._parent.indicator, {b"II": "little", b"MM": "big"})):
    some_int: int = u32()
    some_int_be: int = u16be()
    some_int_le: int = u16le()


class DocStrict(Struct):
    indicator: bytes = Bytes(2)
    main: MainObjStrict


class DefaultEndianExprException(Struct):
    docs: list = Array(DocStrict, greedy=True)


def test_undecided_byte_order_fails_where_kaitai_fails():
    import kaitaistruct

    data = kt.source_file("endian_expr.bin")
    with pytest.raises(kaitaistruct.UndecidedEndiannessError):
        kt.kaitai_parse("default_endian_expr_exception", data)
    with pytest.raises(ParseError) as info:
        DefaultEndianExprException.parse(data)
    assert info.value.path == "docs[2].main.some_int"
    assert info.value.found == b"XX" and info.value.offset == 2 * 10 + 2
