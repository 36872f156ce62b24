"""Array(..., on_error="keep"): one bad record does not sink a file (issue 17).

The truth: each good record parsed on its own, and the input bytes (every parse builds back to them).
"""

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binmodel import Array, Bytes, DefinitionError, ParseError, Sized, Struct, len_of, this, u8, u16be
from binmodel.building import compiled_build
from binmodel.building.interpreter import build as interpreted_build
from binmodel.malformed import Malformed
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse


class Body(Struct, endian="big"):
    kind: int = u8(valid=range(0, 10))
    value: int = u16be()


class Record(Struct, endian="big"):
    length: int = u8(derive=len_of("body"))
    body: Body = Sized(this.length, Body)


class Log(Struct, endian="big"):
    records: list = Array(Record, greedy=True, on_error="keep")


class Counted(Struct, endian="big"):
    n: int = u8()
    records: list = Array(Record, count=this.n, on_error="keep")


def record(kind, value, extra=b""):
    body = struct.pack(">BH", kind, value) + extra
    return bytes([len(body)]) + body


def both_parse(model, data):
    one, two = interpreted_parse(model._bm_node, data), compiled_parse(model._bm_node, data)
    assert repr(one) == repr(two)
    return one


def both_build(obj):
    node = type(obj)._bm_node
    one, two = interpreted_build(node, obj), compiled_build(node, obj)
    assert one == two
    return one


records = st.one_of(
    st.tuples(st.integers(0, 9), st.integers(0, 0xFFFF)).map(lambda kv: ("good", record(*kv))),
    st.tuples(st.integers(10, 255), st.integers(0, 0xFFFF)).map(lambda kv: ("bad kind", record(*kv))),
    st.tuples(st.integers(0, 9), st.binary(min_size=1, max_size=3)).map(
        lambda kv: ("too long", record(kv[0], 7, kv[1]))),
)


cut_short = st.one_of(st.just(b""), st.tuples(st.integers(3, 9), st.integers(0, 2)).map(
    lambda t: bytes([t[0]]) + b"\x01" * min(t[1], t[0] - 1)))  # a record whose length runs past the data


@settings(max_examples=200, deadline=None)
@given(st.lists(records, max_size=8), cut_short)
def test_good_records_read_as_alone_and_bad_ones_keep_their_bytes(items, tail):
    data = b"".join(raw for _, raw in items) + tail
    log = both_parse(Log, data)
    got = log.records
    for (what, raw), item in zip(items, got):
        if what == "good":
            assert item == Record.parse(raw)
        else:
            assert isinstance(item.body, Malformed) and item.body == raw[1:]
            assert item.body.error.path.startswith("records[")
    assert len(got) == len(items) + (1 if tail else 0)
    if tail:  # a record cut short: nothing says where another would start
        assert isinstance(got[-1], Malformed) and got[-1] == tail
    assert both_build(log) == data
    errors = Log.parse_trace(data).errors
    assert len(errors) == sum(what != "good" for what, _ in items) + (1 if tail else 0)


def test_a_counted_array_ends_at_a_record_it_cannot_frame():
    data = bytes([3]) + record(1, 2) + b"\x09\x01"  # the second record says 9 bytes, 1 is there
    obj = both_parse(Counted, data)
    assert obj.records[0] == Record.parse(record(1, 2))
    assert isinstance(obj.records[1], Malformed) and obj.records[1] == b"\x09\x01"
    assert len(obj.records) == 2 and obj.n == 3
    assert both_build(obj) == data


def test_without_on_error_a_bad_record_fails_the_parse():
    class Strict(Struct, endian="big"):
        records: list = Array(Record, greedy=True)
    with pytest.raises(ParseError) as info:
        Strict.parse(record(1, 2) + record(50, 2))
    assert info.value.path == "records[1].body.kind"


def test_the_error_of_a_region_says_what_filled_it():
    log = Log.parse(record(1, 2, b"??"))
    message = str(log.records[0].body.error)
    assert "the region is 5 bytes (size length), but the Body read in it takes 3 (2 left unread)" in message


def test_on_error_is_checked_when_the_class_is_defined():
    with pytest.raises(DefinitionError, match="on_error"):
        class Bad(Struct):
            items: list = Array(u8, greedy=True, on_error="skip")
    with pytest.raises(DefinitionError, match="typed"):
        class Typed(Struct):
            items: list = Array(u8, greedy=True, typed=True, on_error="keep")


def test_malformed_values_are_bytes_and_build_where_their_node_would():
    class Holder(Struct):
        data: bytes = Bytes(4)
    bad = Malformed(b"abcd", ParseError("no", "data", 0))
    assert Holder.build(Holder(data=bad)) == b"abcd"
    assert both_build(Log(records=[Record(body=Body(kind=1, value=2)), bad])) == record(1, 2) + b"abcd"


def test_the_html_view_marks_malformed_bytes():
    from binmodel.html import view_data

    data = record(1, 2) + record(1, 2, b"?") + record(3, 4)
    view = view_data(Log.parse_trace(data))
    kinds = [view["kinds"][k] for k in view["kind"]]
    assert kinds.count("malformed") == 1
    at = kinds.index("malformed")
    assert (view["off"][at], view["len"][at]) == (5, 4) and "Malformed" in view["value"][at]


class Checked(Struct, endian="big"):
    length: int = u8(derive=len_of("data"))
    data: bytes = Bytes(this.length)
    total: int = u8(derive=lambda this: sum(this.data) & 0xFF, check=True)


class CheckedLog(Struct, endian="big"):
    items: list = Array(Checked, greedy=True, on_error="keep")


def test_an_item_that_fails_its_check_is_kept_and_its_error_shown():
    good, bad = b"\x02ab" + bytes([(97 + 98) & 0xFF]), b"\x01c\x00"  # the second's total is wrong
    data = good + bad + good
    log = both_parse(CheckedLog, data)
    assert [item.data for item in log.items] == [b"ab", b"c", b"ab"]  # the next item is read as usual
    assert log.items[1].total == 0
    assert both_build(log) == data
    errors = CheckedLog.parse_trace(data).errors
    assert [(e.path, e.offset) for e in errors] == [("items[1].total", 6)]
    with pytest.raises(ParseError):  # without on_error, the check fails the parse
        Checked.parse(bad)
