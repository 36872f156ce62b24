"""Streaming benchmark: records read from a pcap file as it is read, against dpkt, in one process.

    python bench/streaming.py                  # a 20 MB capture (about 15 s)
    python bench/streaming.py --mb 2           # what the test suite runs (tests/test_bench_streaming.py)
    python bench/streaming.py --mb 1024 --memory   # the 1 GB run, with peak memory (tracemalloc)

The capture is generated (seeded) into a temporary file: Ethernet/IPv4 packets, TCP with and without
options and UDP, written by dpkt, repeated to the size asked. Each side then reads the file from disk,
decoding down to the TCP/UDP header of every packet:

- ``binmodel pcap.read_stream``: ``binmodel.formats.pcap.read_stream(f)``, the bundled pcap model's records
  read one chunk at a time (each record parsed through Ethernet, IPv4 and TCP, its options included, or UDP);
- ``binmodel Pcap.parse (whole file)``: the same model over the whole file in memory (up to 256 MB);
- ``dpkt``: ``dpkt.pcap.Reader(f)`` and ``dpkt.ethernet.Ethernet(buf)`` for each packet (which decodes IP and
  TCP/UDP too), plus ``dpkt.tcp.parse_opts`` for TCP options, and the timestamp and addresses made into the
  values binmodel's model gives (a UTC ``datetime``, ``ipaddress.IPv4Address``), so both sides end with
  the same values.

Before timing, both sides' first records are compared (timestamps, addresses, ports, payload sizes).
``--memory`` runs binmodel's iteration once more under tracemalloc and reports its peak.
Each side is timed ``--repeats`` times, in turn; the median is reported, in MB/s of the file.
"""

from __future__ import annotations

import argparse
import datetime
import io
import ipaddress
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import binmodel
from binmodel.formats import Pcap, pcap

CHECKED = 200  # records compared before timing


def packets(seed: int = 1, n: int = 3000) -> bytes:
    """A capture of ``n`` packets, as dpkt writes it."""
    import dpkt

    buf = io.BytesIO()
    writer = dpkt.pcap.Writer(buf)
    rng = random.Random(seed)
    for i in range(n):
        payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 400)))
        if i % 3 == 0:
            l4: Any = dpkt.udp.UDP(sport=rng.randint(1024, 60000), dport=5000, data=payload)
            l4.ulen, proto = 8 + len(payload), 17
        else:
            l4 = dpkt.tcp.TCP(sport=rng.randint(1024, 60000), dport=80, seq=rng.getrandbits(32), flags=0x18,
                              data=payload)
            if i % 3 == 2:
                l4.opts, l4.off = b"\x02\x04\x05\xb4\x01\x01\x04\x02", 7
            proto = 6
        ip = dpkt.ip.IP(src=bytes([10, 0, 0, 1]), dst=bytes([10, 0, 0, 2]), p=proto, data=l4)
        eth = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=0x0800, data=ip)
        writer.writepkt(bytes(eth), ts=1_700_000_000 + i * 0.001)
    return buf.getvalue()


def write_capture(path: str, megabytes: float) -> int:
    """Write a capture of about ``megabytes`` MB to ``path``; the number of records."""
    block = packets()
    head, body = block[:24], block[24:]
    per_block = len(pcap.Pcap.parse(block).records)
    repeats = max(1, int(megabytes * 1e6 // len(body)))
    with open(path, "wb") as out:
        out.write(head)
        for _ in range(repeats):
            out.write(body)
    return per_block * repeats


def binmodel_stream(path: str) -> Iterable[Tuple[Any, ...]]:
    with open(path, "rb") as f:
        for r in pcap.read_stream(f)[2]:
            ip = r.data.payload
            l4 = ip.payload
            yield (r.ts, ip.src, ip.dst, int(ip.protocol), l4.src_port, l4.dst_port, len(l4.data))


def binmodel_whole(path: str) -> Iterable[Tuple[Any, ...]]:
    with open(path, "rb") as f:
        data = f.read()
    for r in Pcap.parse(data).records:
        ip = r.data.payload
        l4 = ip.payload
        yield (r.ts, ip.src, ip.dst, int(ip.protocol), l4.src_port, l4.dst_port, len(l4.data))


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def dpkt_reader(path: str) -> Iterable[Tuple[Any, ...]]:
    import dpkt

    with open(path, "rb") as f:
        for ts, buf in dpkt.pcap.Reader(f):
            ip = dpkt.ethernet.Ethernet(buf).data
            l4 = ip.data
            if ip.p == 6:
                dpkt.tcp.parse_opts(l4.opts)
            sec = int(ts)  # the same values binmodel gives: a UTC datetime and address objects
            when = EPOCH + datetime.timedelta(seconds=sec, microseconds=round((ts - sec) * 1e6))
            yield (when, ipaddress.IPv4Address(ip.src), ipaddress.IPv4Address(ip.dst), ip.p, l4.sport, l4.dport,
                   len(l4.data))


def consume(rows: Iterable[Any]) -> int:
    count = 0
    for _ in rows:
        count += 1
    return count


def first(rows: Iterable[Any], n: int) -> List[Any]:
    out = []
    for row in rows:
        out.append(row)
        if len(out) == n:
            break
    return out


def peak_memory(fn: Callable[[str], Iterable[Any]], path: str) -> int:
    import tracemalloc  # (not on PyPy)

    tracemalloc.start()
    try:
        consume(fn(path))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(megabytes: float = 20, repeats: int = 3, memory: bool = False,
        directory: Optional[str] = None) -> Dict[str, Any]:
    """Generate, cross-check and time; the results (also printed by ``main``)."""
    import dpkt

    fd, path = tempfile.mkstemp(suffix=".pcap", dir=directory)
    os.close(fd)
    try:
        records = write_capture(path, megabytes)
        size = os.path.getsize(path)
        sides: Dict[str, Callable[[str], Iterable[Any]]] = {"binmodel pcap.read_stream": binmodel_stream,
                                                            "dpkt pcap.Reader + Ethernet": dpkt_reader}
        if size <= 256e6:
            sides["binmodel Pcap.parse (whole file)"] = binmodel_whole
        truth = first(dpkt_reader(path), CHECKED)
        for name, fn in sides.items():
            got = first(fn(path), CHECKED)
            if got != truth:
                raise AssertionError("%s decodes the first records differently from dpkt" % name)
        times: Dict[str, List[float]] = {name: [] for name in sides}
        for _ in range(repeats):
            for name, fn in sides.items():
                start = time.perf_counter()
                count = consume(fn(path))
                times[name].append(time.perf_counter() - start)
                if count != records:
                    raise AssertionError("%s read %d records, not %d" % (name, count, records))
        result = {"size": size, "records": records, "seconds": {k: statistics.median(v) for k, v in times.items()},
                  "versions": "Python %s (%s) · binmodel %s · dpkt %s" % (
                      platform.python_version(), platform.python_implementation(), binmodel.__version__,
                      dpkt.__version__)}
        if memory:
            result["peak"] = peak_memory(binmodel_stream, path)
        return result
    finally:
        os.unlink(path)


def report(result: Dict[str, Any]) -> str:
    lines = [result["versions"], "",
             "%d records, %.1f MB" % (result["records"], result["size"] / 1e6), "",
             "| reads the file, decodes to TCP/UDP | MB/s | records/s | vs dpkt |", "|---|---:|---:|---:|"]
    base = result["seconds"]["dpkt pcap.Reader + Ethernet"]
    for name, seconds in result["seconds"].items():
        lines.append("| %s | %.1f | %.0f | %.2fx |" % (name, result["size"] / 1e6 / seconds,
                                                       result["records"] / seconds, seconds / base))
    if "peak" in result:
        lines += ["", "peak memory of binmodel pcap.read_stream (tracemalloc): %.2f MB" % (result["peak"] / 1e6)]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=20, help="size of the generated capture in MB (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side (default 3)")
    parser.add_argument("--memory", action="store_true", help="also measure binmodel's peak memory")
    parser.add_argument("--dir", default=None, help="where to write the capture (default: the temp directory)")
    args = parser.parse_args(argv)
    print(report(run(args.mb, args.repeats, args.memory, args.dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
