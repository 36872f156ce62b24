"""binmodel.arrow: every gallery format's records as an Arrow table and back to the very bytes (the files come
from the standard library, Pillow, dpkt, mido... as in test_format_fuzz), a pcap's columns against dpkt's
reading, the types of each field kind against the stdlib's values, the numpy path against the object path,
batches over a stream, errors, and ``binmodel convert``."""

import enum
import io
import ipaddress
import json
import platform
import struct
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

if platform.python_implementation() != "CPython":
    pytest.skip("pyarrow has no wheel for PyPy", allow_module_level=True)
pa = pytest.importorskip("pyarrow", reason="binmodel.arrow needs pyarrow (pip install 'binmodel[arrow]')")

from binmodel import (  # noqa: E402
    Array,
    Bytes,
    Enum,
    Flags,
    Float,
    ParseError,
    String,
    Struct,
    arrow,  # noqa: E402
    this,
    u8,
    u16,
    u32,
    u64,
)
from binmodel.fields import Bool, Int  # noqa: E402
from binmodel.formats import FORMATS, Pcap  # noqa: E402
from binmodel.malformed import Malformed  # noqa: E402
from binmodel.values import UUID, DosDateTime, FileTime, IPv4, IPv6, SecondsAndFraction, UnixTime  # noqa: E402
from strategies import models  # noqa: E402
from test_format_fuzz import SAMPLES, _pcap  # noqa: E402


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_format_round_trips_through_a_table(name, tmp_path):
    model = FORMATS[name]
    data = SAMPLES[name](tmp_path)
    parsed = model.parse(data)
    table = arrow.to_table(model, data)
    assert table.schema == arrow.schema(model) and table.num_rows == 1
    back = arrow.from_table(model, table)
    assert back == [parsed]  # every field's value as the parse gave it
    assert model.build(back[0]) == data  # and so the very bytes of the file
    assert arrow.to_table(model, back).equals(table)  # table -> objects -> table


def test_pcap_records_against_dpkt(tmp_path):
    dpkt = pytest.importorskip("dpkt")
    data = _pcap()
    table = arrow.to_table(Pcap, data, record_path="records")
    truth = list(dpkt.pcap.Reader(io.BytesIO(data)))
    assert table.num_rows == len(truth)
    stamps = table.column("ts").cast(pa.int64()).to_pylist()  # microseconds since 1970
    assert stamps == [round(ts * 10 ** 6) for ts, _ in truth]
    assert table.column("incl_len").to_pylist() == [len(buf) for _, buf in truth]
    eth = table.column("data").combine_chunks().field("Ethernet")
    assert eth.field("src").to_pylist() == [dpkt.ethernet.Ethernet(buf).src.hex(":") for _, buf in truth]
    ip = eth.field("payload").field("IPv4")
    assert ip.field("src").to_pylist() == [str(ipaddress.ip_address(dpkt.ethernet.Ethernet(buf).data.src))
                                           for _, buf in truth]
    # a filtered table is a valid capture again
    kept = table.filter(pa.compute.greater(table.column("incl_len"), 50))
    pcap = Pcap.parse(data)
    pcap.body.records = arrow.from_table(type(pcap.body.records[0]), kept)
    again = list(dpkt.pcap.Reader(io.BytesIO(Pcap.build(pcap))))
    assert [buf for _, buf in again] == [buf for _, buf in truth if len(buf) > 50] and again


class Colour(enum.IntEnum):
    RED = 1
    GREEN = 2


class Perm(enum.IntFlag):
    R = 4
    W = 2


class Kinds(Struct, endian="big"):
    a: int = u8()
    b: int = Int(16, signed=True)
    c: int = Int(24)
    d: int = u64()
    e: int = Int(128)
    f: float = Float(32)
    g: bool = Bool()
    h: bytes = Bytes(3)
    i: str = String(prefix=u8)
    j: list = Array(u16, count=2)
    k: Colour = Enum(u8, Colour)
    m: Perm = Flags(u8, Perm)
    n: object = IPv4()
    o: object = IPv6()
    p: object = UUID()
    q: datetime = UnixTime(u64, "ns")
    r: datetime = SecondsAndFraction(u32, 10 ** 6)
    s: datetime = DosDateTime(u32)
    t: datetime = FileTime(u64)


def _kinds_bytes(colour=1):
    return (bytes([200]) + struct.pack(">h", -3) + (70000).to_bytes(3, "big") + struct.pack(">Q", 2 ** 64 - 1)
            + (2 ** 100 + 7).to_bytes(16, "big") + struct.pack(">f", 1.5) + b"\x01" + b"xyz" + b"\x02hi"
            + struct.pack(">HH", 7, 9) + bytes([colour, 6]) + bytes([192, 0, 2, 8])
            + ipaddress.IPv6Address("2001:db8::1").packed + uuid.UUID(int=12345).bytes
            + struct.pack(">Q", 1_700_000_000_123_456_789) + struct.pack(">II", 1_700_000_000, 250)
            + struct.pack(">I", (44 << 25 | 3 << 21 | 14 << 16) | (10 << 11 | 30 << 5 | 5))
            + struct.pack(">Q", 133_000_000_000_000_000))


def test_each_field_kind_has_its_arrow_type_and_value():
    schema = arrow.schema(Kinds)
    types = {f.name: f.type for f in schema}
    assert types["a"] == pa.uint8() and types["b"] == pa.int16() and types["c"] == pa.uint32()
    assert types["d"] == pa.uint64() and types["e"] == pa.decimal256(76, 0) and types["f"] == pa.float32()
    assert types["h"] == pa.binary(3) and types["i"] == pa.string() and types["j"] == pa.list_(pa.uint16())
    assert types["n"] == pa.string() and types["p"] == pa.binary(16)
    assert types["q"] == pa.timestamp("ns", tz="UTC") and types["r"] == pa.timestamp("us", tz="UTC")
    assert types["s"] == pa.timestamp("s") and types["t"] == pa.timestamp("ns", tz="UTC")
    assert schema.field("c").metadata[b"binmodel"] == b"u24be"
    data = _kinds_bytes()
    row = arrow.to_table(Kinds, data).to_pylist()[0]
    assert row["e"] == 2 ** 100 + 7 and row["d"] == 2 ** 64 - 1 and row["k"] == 1 and row["m"] == 6
    assert row["n"] == "192.0.2.8" and row["o"] == "2001:db8::1" and row["p"] == uuid.UUID(int=12345).bytes
    table = arrow.to_table(Kinds, data)
    assert table.column("q").cast(pa.int64())[0].as_py() == 1_700_000_000_123_456_789  # the wire value, exact
    assert row["r"] == datetime.fromtimestamp(1_700_000_000.00025, timezone.utc)
    assert row["s"] == datetime(2024, 3, 14, 10, 30, 10)
    assert table.column("t").cast(pa.int64())[0].as_py() == (133_000_000_000_000_000 - 116444736000000000) * 100
    assert arrow.to_bytes(Kinds, table) == data
    named = arrow.to_table(Kinds, _kinds_bytes(colour=9), enums="name", addresses="binary")
    assert named.schema.field("k").type == pa.dictionary(pa.int32(), pa.string())
    assert named.column("k").to_pylist() == ["9"] and named.column("n").to_pylist() == [bytes([192, 0, 2, 8])]
    assert arrow.to_bytes(Kinds, named, enums="name", addresses="binary") == _kinds_bytes(colour=9)
    assert arrow.from_table(Kinds, arrow.to_table(Kinds, data, enums="name"), enums="name")[0].k is Colour.RED
    wire = arrow.to_table(Kinds, data, mapped="wire")
    assert wire.schema.field("q").type == pa.uint64() and wire.schema.field("q").metadata[b"binmodel.form"] == b"wire"
    assert arrow.to_bytes(Kinds, wire, mapped="wire") == data


class Rec(Struct, endian="little"):
    magic: int = u32()
    version: int = u16()
    flags: int = u16()
    length: int = u32()
    tag: bytes = Bytes(4)


def test_fixed_records_through_numpy_equal_the_object_path():
    pytest.importorskip("numpy")
    data = b"".join(struct.pack("<IHHI4s", i * 7, i, i % 3, i * 1000, b"ab%02d" % i) for i in range(50))
    fast = arrow.to_table(Rec, data)
    slow = arrow.to_table(Rec, [Rec.parse(data[i:i + 16]) for i in range(0, len(data), 16)])
    assert fast.equals(slow)
    truth = list(struct.iter_unpack("<IHHI4s", data))
    assert fast.column("length").to_pylist() == [t[3] for t in truth]
    assert fast.column("tag").to_pylist() == [t[4] for t in truth]
    assert arrow.to_bytes(Rec, fast) == data


def test_batches_over_a_stream_hold_at_most_batch_size_records():
    data = b"".join(struct.pack("<IHHI4s", i, 1, 2, 3, b"abcd") for i in range(10))
    batches = list(arrow.iter_batches(Rec, Rec.iter_stream(io.BytesIO(data)), batch_size=4))
    assert [b.num_rows for b in batches] == [4, 4, 2]
    assert pa.Table.from_batches(batches).equals(arrow.to_table(Rec, data))
    assert arrow.to_table(Rec, io.BytesIO(data)).equals(arrow.to_table(Rec, data))


def test_values_with_no_place_in_their_column_are_errors_naming_the_field_and_row():
    records = [Rec(magic=1, version=1, flags=0, length=0, tag=b"abcd"),
               Malformed(b"\x01\x02", ParseError("cut short"))]
    with pytest.raises(arrow.ArrowError, match="row 1: record: kept as malformed") as caught:
        arrow.record_batch(Rec, records)
    assert caught.value.row == 1
    with pytest.raises(arrow.ArrowError, match=r"row 0: version: .*does not fit uint16"):
        arrow.record_batch(Rec, [Rec(magic=1, version=70000, flags=0, length=0, tag=b"abcd")])
    cut = b"\x00" * 20  # a record and a cut one: the stream's ParseError, its offset in the data
    with pytest.raises(ParseError, match=r"\[1\]\.version at offset 20"):
        arrow.to_table(Rec, cut)


def test_recursive_models_nest_then_become_json_text(tmp_path):
    model = FORMATS["msgpack"]
    data = SAMPLES["msgpack"](tmp_path)
    forms = [(f.metadata or {}).get(b"binmodel.form") for f in _leaves(arrow.schema(model))]
    assert b"json" in forms  # (the third Value inside a Value)
    assert arrow.to_bytes(model, arrow.to_table(model, data)) == data


def _leaves(schema):
    def walk(field):
        if pa.types.is_struct(field.type):
            for child in field.type:
                yield from walk(child)
        elif pa.types.is_list(field.type):
            yield from walk(field.type.value_field)
        else:
            yield field
    for f in schema:
        yield from walk(f)


def test_convert_command_writes_parquet_arrow_and_ndjson(tmp_path, capsys):
    from binmodel.cli import main

    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("dpkt")
    data = _pcap()
    path = tmp_path / "c.pcap"
    path.write_bytes(data)
    expected = arrow.to_table(Pcap, data, record_path="records")
    args = ["convert", str(path), "--format", "pcap", "--to"]
    assert main(args + [str(tmp_path / "o.parquet")]) == 0
    assert "2 records written" in capsys.readouterr().err
    assert pq.read_table(tmp_path / "o.parquet").equals(expected)
    assert main(args + [str(tmp_path / "o.arrow"), "--batch-size", "1"]) == 0
    assert pa.ipc.open_file(str(tmp_path / "o.arrow")).read_all().equals(expected)
    capsys.readouterr()
    assert main(args + ["-"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["incl_len"] for r in rows] == expected.column("incl_len").to_pylist()
    assert main(args + [str(tmp_path / "o.txt")]) == 2 and "--to names a .parquet" in capsys.readouterr().err
    # the command itself, once: the entry point and its exit status
    done = subprocess.run([sys.executable, "-m", "binmodel"] + args + [str(tmp_path / "p.parquet")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and pq.read_table(tmp_path / "p.parquet").equals(expected)


class Samples(Struct, endian="little"):
    n: int = u8()
    values: object = Array(Int(16, signed=True), count=this.n, typed=True)
    scale: object = Array(Float(64), count=2, typed=True)


def test_typed_arrays_are_primitive_lists_and_come_back_as_typed_arrays():
    data = b"".join(bytes([k]) + struct.pack("<%dh" % k, *range(-k, 0)) + struct.pack("<2d", k / 2, -k)
                    for k in (3, 0, 5))
    table = arrow.to_table(Samples, data)
    assert table.schema.field("values").type == pa.list_(pa.int16())
    assert table.column("values").to_pylist() == [list(range(-k, 0)) for k in (3, 0, 5)]
    assert table.column("scale").to_pylist() == [[k / 2, -k] for k in (3, 0, 5)]
    back = arrow.from_table(Samples, table)
    assert back == list(Samples.iter_stream(io.BytesIO(data))) and type(back[0].values).__name__ == "array"
    assert arrow.to_bytes(Samples, table) == data


def test_importing_binmodel_and_its_arrow_modules_imports_neither_pyarrow_nor_dask():
    code = ("import sys, binmodel, binmodel.arrow, binmodel.dask, binmodel.cli; "
            "print(sorted(m for m in ('pyarrow', 'pandas', 'dask', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_generated_models_round_trip_through_a_table(data):
    """Random models (tests/strategies.py): a record's row builds back to its bytes, and two tables agree."""
    gen = data.draw(models())
    records = [gen.model.parse(gen.model.build(data.draw(gen.values))) for _ in range(data.draw(st.integers(1, 3)))]
    raw = b"".join(gen.model.build(r) for r in records)
    table = arrow.to_table(gen.model, records)
    assert table.num_rows == len(records) and table.schema == arrow.schema(gen.model)
    assert arrow.to_bytes(gen.model, table) == raw
    assert arrow.to_table(gen.model, arrow.from_table(gen.model, table)).equals(table)
