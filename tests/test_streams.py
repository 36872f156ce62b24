"""Reading models from file objects: one instance (``parse_stream``), records one at a time (``iter_stream``).

Truth: the same bytes parsed whole (``Model.parse``, whose agreement with the interpreter the differential
test checks), dpkt's pcap reader, and the bytes the stream still holds afterwards.
"""

from __future__ import annotations

import importlib.util
import io
import os
import pathlib
import random
import threading
from typing import List

import pytest

from binmodel import (
    Array,
    Bytes,
    Const,
    CString,
    ParseError,
    Pointer,
    StreamError,
    Struct,
    len_of,
    this,
    u8,
    u16be,
    u32be,
)
from binmodel.formats import Pcap, pcap


class Counting(io.RawIOBase):
    """A non-seekable raw stream (a pipe's behaviour) that records every read; ``size`` bytes of a
    pattern made on demand, so a "10 GB file" costs nothing until read."""

    def __init__(self, data: bytes = b"", size: int = 0) -> None:
        self.data, self.size, self.at, self.reads = data, max(size, len(data)), 0, []  # type: ignore[var-annotated]
        self.asked = 0  # the most bytes one read asked for

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        self.asked = max(self.asked, len(buffer))
        n = min(len(buffer), self.size - self.at)
        chunk = self.data[self.at:self.at + n] if self.at < len(self.data) else b""
        chunk += bytes(n - len(chunk))
        buffer[:n] = chunk
        self.at += n
        self.reads.append(n)
        return n


class Header(Struct, endian="big"):
    magic: bytes = Const(b"BMH1")
    version: int = u16be()
    count: int = u32be()


class Item(Struct, endian="big"):
    magic: bytes = Const(b"\xab")
    n: int = u16be(derive=len_of("data"))
    data: bytes = Bytes(this.n)
    name: str = CString()


def items(count: int, seed: int = 0) -> List[Item]:
    rng = random.Random(seed)
    return [Item.parse(Item(data=os.urandom(rng.randint(0, 300)), name="item%d" % i).to_bytes()) for i in range(count)]


def test_a_header_of_a_huge_file_costs_one_read_of_its_size():
    head = Header(version=3, count=7).to_bytes()
    f = Counting(head, size=10 << 30)  # 10 GB, made only where read
    assert Header.parse_stream(f) == Header.parse(head)
    assert f.reads == [Header.sizeof()]


def test_a_length_prefixed_record_reads_its_header_then_its_body_then_the_terminator():
    item = Item(data=b"x" * 1000, name="abc")
    raw = item.to_bytes()
    f = Counting(raw + b"rest")
    assert Item.parse_stream(f) == Item.parse(raw)
    # the fewest bytes an Item takes, then the rest of its data, then the text a byte at a time (no size
    # says where a terminator is): nothing past the record, so the pipe still holds "rest"
    assert f.reads == [4, 1003 - 4, 1, 1, 1, 1]
    assert f.read() == b"rest"


def test_parse_stream_on_a_pipe_leaves_the_rest_for_the_next_reader():
    records = items(30)
    raw = b"".join(r.to_bytes() for r in records)
    r, w = os.pipe()

    def write() -> None:
        with os.fdopen(w, "wb") as out:
            for i in range(0, len(raw), 7):  # in small pieces, as a slow writer would
                out.write(raw[i:i + 7])
                out.flush()
    writer = threading.Thread(target=write)
    writer.start()
    with os.fdopen(r, "rb") as pipe:
        assert not pipe.seekable()
        first = [Item.parse_stream(pipe) for _ in range(10)]
        rest = list(Item.iter_stream(pipe, chunk_size=64))
    writer.join(10)
    assert first + rest == records


def test_on_a_seekable_file_parse_stream_gives_back_what_it_read_past_the_value():
    records = items(5, seed=2)
    f = io.BytesIO(b"".join(r.to_bytes() for r in records))
    got = [Item.parse_stream(f) for _ in records]
    assert got == records and f.read() == b""


def test_iter_stream_equals_the_whole_parse_in_any_chunk_size():
    records = items(200, seed=3)
    raw = b"".join(r.to_bytes() for r in records)

    class All(Struct):
        items: List[Item] = Array(Item, greedy=True)
    for chunk in (1, 5, 64, 1 << 16):
        assert list(Item.iter_stream(io.BytesIO(raw), chunk_size=chunk)) == All.parse(raw).items == records


def test_a_model_that_reads_to_the_end_is_read_to_the_end_of_a_pipe():
    class Rest(Struct):
        tag: int = u8()
        data: bytes = Bytes(greedy=True)
    f = Counting(b"\x07" + b"z" * 5000)
    assert Rest.parse_stream(f) == Rest.parse(b"\x07" + b"z" * 5000)


def test_a_cut_record_is_the_error_of_a_short_buffer_at_its_stream_offset():
    records = items(20, seed=4)
    raw = b"".join(r.to_bytes() for r in records)
    cut = raw[:-3]
    with pytest.raises(ParseError) as whole:
        class All(Struct):
            items: List[Item] = Array(Item, greedy=True)
        All.parse(cut)
    with pytest.raises(ParseError) as streamed:
        list(Item.iter_stream(io.BytesIO(cut), chunk_size=100))
    assert streamed.value.offset == whole.value.offset
    assert streamed.value.path == whole.value.path.replace("items", "")
    assert streamed.value.reason == whole.value.reason


def test_garbage_in_a_stream_is_reported_where_it_starts():
    records = items(6, seed=5)
    parts = [r.to_bytes() for r in records]
    at = len(b"".join(parts[:4]))
    raw = b"".join(parts[:4]) + b"\x00junk" + b"".join(parts[4:])
    with pytest.raises(ParseError) as info:
        list(Item.iter_stream(io.BytesIO(raw), chunk_size=16))
    assert (info.value.offset, info.value.path, info.value.expected) == (at, "[4].magic", b"\xab")


def test_a_huge_length_in_bad_data_is_not_one_huge_read():
    class Blob(Struct, endian="big"):
        n: int = u32be()
        data: bytes = Bytes(this.n)
    raw = b"\xff\xff\xff\xf0" + b"0123456789"
    f = Counting(raw)  # (RawIOBase.read(n) allocates n bytes before it reads)
    with pytest.raises(ParseError) as streamed:
        Blob.parse_stream(f)
    with pytest.raises(ParseError) as whole:
        Blob.parse(raw)
    assert str(streamed.value) == str(whole.value)
    assert f.asked <= 1 << 20
    f = Counting(raw)
    with pytest.raises(ParseError):
        list(Blob.iter_stream(f))
    assert f.asked <= 1 << 20


def test_a_model_that_needs_to_seek_is_refused_with_its_own_error():
    class Indirect(Struct, endian="big"):
        where: int = u8()
        target: int = Pointer(this.where, u8())
    reader, writer = os.pipe()
    os.write(writer, b"\x01\x02")
    os.close(writer)
    with open(reader, "rb") as pipe, pytest.raises(StreamError, match=r"Indirect\.target reads at another offset"):
        Indirect.parse_stream(pipe)
    with pytest.raises(StreamError):
        list(Indirect.iter_stream(io.BytesIO(b"\x01\x02")))


def test_a_model_that_seeks_is_read_from_a_file_through_an_mmap(tmp_path):
    class Indirect(Struct, endian="big"):
        where: int = u8()
        target: int = Pointer(this.where, u16be())

    raw = b"junk" + b"\x07" + b"\xee\xee" + b"\x12\x34" + b"tail"  # at 4: where=7 (from the file's start)
    path = tmp_path / "indirect.bin"
    path.write_bytes(raw)
    with open(path, "rb") as f:
        f.seek(4)
        value = Indirect.parse_stream(f)
        assert (value.where, value.target) == (7, 0x1234)
        assert f.tell() == 9 and f.read() == b"tail"  # left after the furthest byte it read
    f = io.BytesIO(raw)
    f.seek(4)
    assert Indirect.parse_stream(f).target == 0x1234 and f.tell() == 9
    short = io.BytesIO(raw[:8])  # the target's second byte is missing
    short.seek(4)
    with pytest.raises(ParseError) as caught:
        Indirect.parse_stream(short)
    assert caught.value.path == "target" and caught.value.offset == 7  # an offset in the file
    with pytest.raises(ParseError) as counted:
        Indirect.parse_stream(io.BytesIO(b"\x01\x00"), offset=100)
    assert counted.value.offset == 101  # counted from where the caller says the stream started


# --- pcap records, against dpkt ---------------------------------------------------------------------


def capture(n: int, seed: int = 1) -> bytes:
    """A pcap of ``n`` Ethernet/IPv4 packets (TCP with and without options, UDP), written by dpkt: the
    streaming benchmark's own generator (bench/streaming.py), so tests and benchmark read the same kind
    of capture."""
    pytest.importorskip("dpkt")
    spec = importlib.util.spec_from_file_location("binmodel_bench_streaming",
                                                  pathlib.Path(__file__).resolve().parent.parent / "bench"
                                                  / "streaming.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.packets(seed=seed, n=n)


def test_pcap_records_streamed_match_dpkt_and_the_whole_parse():
    dpkt = pytest.importorskip("dpkt")
    data = capture(300)
    magic, header, records = pcap.read_stream(Counting(data))
    streamed = list(records)
    truth = list(dpkt.pcap.Reader(io.BytesIO(data)))
    assert header.snaplen == dpkt.pcap.Reader(io.BytesIO(data)).snaplen
    assert [(r.ts.timestamp(), r.data.to_bytes()) for r in streamed] == [
        (pytest.approx(ts), buf) for ts, buf in truth]
    assert streamed == Pcap.parse(data).records


def test_iterating_a_capture_keeps_memory_to_a_chunk_and_a_record(tmp_path):
    tracemalloc = pytest.importorskip("tracemalloc", reason="PyPy has no tracemalloc")
    data = capture(60)
    body = data[24:]
    path = tmp_path / "big.pcap"
    with open(path, "wb") as out:  # about 8 MB: the same packets again and again
        out.write(data[:24])
        for _ in range(8 << 20 // len(body)):
            out.write(body)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = 0
        with open(path, "rb") as f:
            for _record in pcap.read_stream(f, chunk_size=1 << 16)[2]:
                count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 60 * (8 << 20 // len(body))
    assert peak < 1 << 20, "peak %d bytes while iterating a %d-byte file" % (peak, size)  # under 1 MiB


def test_tar_members_streamed_from_a_pipe_match_tarfile(tmp_path):
    import tarfile

    from binmodel.formats import tar

    contents = {"a.txt": b"hello\n", "dir/big.bin": os.urandom(300_000), "empty": b"", "odd": os.urandom(513)}
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.USTAR_FORMAT) as out:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    raw = archive.getvalue()
    truth = tarfile.open(fileobj=io.BytesIO(raw))
    expected = [(m.name, m.size, truth.extractfile(m).read()) for m in truth.getmembers()]  # type: ignore[union-attr]
    got = [(m.path, m.size, m.data) for m in tar.read_stream(Counting(raw), chunk_size=4096)]
    assert got == expected


def test_a_streamed_record_with_an_inconsistent_checksum_builds_back_to_its_own_bytes():
    """As a parse does (the checksum left to the network card): a derived value read from the stream stands
    while what it depends on is unchanged."""
    from binmodel import Decoder, crc32_of

    class Packet(Struct, endian="big"):
        n: int = u8(derive=len_of("data"))
        data: bytes = Bytes(this.n)
        crc: int = u32be(derive=crc32_of("data"))
    good = Packet(data=b"abc").to_bytes()
    bad = good[:-4] + b"\x00\x00\x00\x00"
    assert Packet.build(Packet.parse(bad)) == bad
    streamed = list(Packet.iter_stream(io.BytesIO(bad + good)))
    assert [Packet.build(p) for p in streamed] == [bad, good]
    dec = Decoder(Packet)
    dec.feed(bad + good)
    assert [p.to_bytes() for p in dec] == [bad, good]
    edited = streamed[0]
    edited.data = b"xyz"
    assert Packet.build(edited) == Packet(data=b"xyz").to_bytes()  # an edit recomputes what depends on it
