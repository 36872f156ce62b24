"""Array(..., on_error="keep", frame=...): an item that fails outside every Sized region goes on after
its frame (issue 17).

The truth: captures written by dpkt's pcap.Writer and read back by dpkt's pcap.Reader; record offsets
computed from the lengths dpkt wrote; and the input bytes (every parse builds back to them).
"""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binmodel import Array, Bytes, Const, DefinitionError, Struct, this, u32
from binmodel.malformed import Malformed

dpkt = pytest.importorskip("dpkt")

MARK = b"\xca\xfe"


class Record(Struct, endian="little"):
    """A pcap record whose body is read in place, not in a Sized region: a two-byte mark, then the rest."""

    ts_sec: int = u32()
    ts_usec: int = u32()
    incl_len: int = u32()
    orig_len: int = u32()
    mark: bytes = Const(MARK)
    rest: bytes = Bytes(this.incl_len - 2)


class Capture(Struct, endian="little"):
    header: bytes = Bytes(24)
    records: list = Array(Record, greedy=True, on_error="keep", frame=this.incl_len + 16)


class Unframed(Struct, endian="little"):
    header: bytes = Bytes(24)
    records: list = Array(Record, greedy=True, on_error="keep")


def capture(bodies):
    """A pcap file of ``bodies`` by dpkt, and each record's (offset, size) from the lengths it wrote."""
    out = io.BytesIO()
    writer = dpkt.pcap.Writer(out)
    for i, body in enumerate(bodies):
        writer.writepkt(body, ts=1700000000 + i + 0.25)
    data, at, where = out.getvalue(), 24, []
    for body in bodies:
        where.append((at, 16 + len(body)))
        at += 16 + len(body)
    return data, where


def test_a_record_with_a_bad_mark_is_kept_by_its_frame_and_the_next_ones_parse():
    bodies = [MARK + b"one", b"\x00\x00bad mark", MARK + b"three!"]
    data, where = capture(bodies)
    cap = Capture.parse(data)
    assert len(cap.records) == 3
    bad = cap.records[1]
    at, size = where[1]
    assert isinstance(bad, Malformed) and bytes(bad) == data[at:at + size]
    assert bad.error.path == "records[1].mark" and bad.error.offset == at + 16
    for rec, (ts, body) in zip([cap.records[0], cap.records[2]], [p for i, p in enumerate(dpkt.pcap.Reader(
            io.BytesIO(data))) if i != 1]):
        assert (rec.ts_sec, rec.ts_usec, MARK + rec.rest) == (int(ts), round(ts % 1 * 10 ** 6), body)
    assert Capture.build(cap) == data
    assert [e.path for e in Capture.parse_trace(data).errors] == ["records[1].mark"]
    # without frame=, nothing says where record 2 starts: the rest of the data is one Malformed entry
    loose = Unframed.parse(data)
    assert len(loose.records) == 2 and bytes(loose.records[1]) == data[at:]


def test_a_frame_past_the_end_or_not_computable_is_the_rest_of_the_data():
    data, where = capture([MARK + b"ok", b"\x00\x00bad"])
    cut = data[:-1]  # the bad record's incl_len now reaches past the end
    cap = Capture.parse(cut)
    assert bytes(cap.records[1]) == cut[where[1][0]:] and Capture.build(cap) == cut
    short = data[:where[1][0] + 6]  # the bad record's header cut short: its incl_len was never read
    cap = Capture.parse(short)
    assert bytes(cap.records[1]) == short[where[1][0]:] and cap.records[1].error.path == "records[1].ts_usec"


def test_frame_needs_on_error():
    with pytest.raises(DefinitionError, match="frame= .* needs on_error='keep'"):
        Array(Record, greedy=True, frame=this.incl_len + 16)
    with pytest.raises(DefinitionError, match="Array frame must be"):
        Array(Record, greedy=True, on_error="keep", frame="incl_len")
    with pytest.raises(DefinitionError, match="Bad.records frame=: incl_lenn \\+ 16: Record has no field 'incl_lenn'"):
        class Bad(Struct):
            records: list = Array(Record, greedy=True, on_error="keep", frame=this.incl_lenn + 16)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=12)), min_size=1, max_size=8))
def test_good_records_read_as_dpkt_reads_them_whatever_the_bad_ones_between(packets):
    bodies = [(MARK if good else b"\x00" + MARK[1:]) + rest for good, rest in packets]
    data, where = capture(bodies)
    cap = Capture.parse(data)
    assert Capture.build(cap) == data
    assert len(cap.records) == len(bodies)
    for (good, _), rec, (ts, body), (at, size) in zip(packets, cap.records, dpkt.pcap.Reader(io.BytesIO(data)),
                                                        where):
        if good:
            assert (rec.ts_sec, rec.incl_len, MARK + rec.rest) == (int(ts), len(body), body)
        else:
            assert isinstance(rec, Malformed) and bytes(rec) == data[at:at + size]
            assert rec.error.offset == at + 16
