"""Records per second into Arrow: binmodel.arrow against what a user writes by hand (parse objects, then
``to_dict()`` each, then ``pyarrow.Table.from_pylist``), in the same run, on W1-shaped data (16-byte fixed
records: the numpy path), W6-shaped data (a header, then records each with a list of numbers, as lists and
as typed arrays) and W5-shaped data (a pcap of synthetic Ethernet/IPv4/UDP and TCP packets: the column
builders). Both sides' tables are checked to hold the same values before timing; times are the best of
``--repeats`` runs, the file's parse included on both sides (except W1's numpy path, which makes no objects).

    python bench/arrow.py [--records 200000] [--packets 20000] [--repeats 3]
    python bench/arrow.py --pipeline [--files 20] [--packets 20000]   # binmodel.dask with 1 and 2 workers
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import struct
import sys
import time
from typing import Any, Callable, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import pyarrow as pa  # noqa: E402

from binmodel import (  # noqa: E402
    Array,
    Struct,
    arrow,  # noqa: E402
    u16,
    u32,
)
from binmodel.formats import Pcap  # noqa: E402


class W1Record(Struct, endian="little"):
    magic: int = u32()
    version: int = u16()
    flags: int = u16()
    length: int = u32()
    crc: int = u32()


class W1File(Struct):
    records: List[W1Record] = Array(W1Record, greedy=True)


def w1_data(n: int) -> bytes:
    return b"".join(struct.pack("<IHHII", 0xA1B2C3D4, i & 0xFFFF, i % 7, i * 3, i ^ 0x5A5A) for i in range(n))


def pcap_data(n: int) -> bytes:
    import dpkt

    out = io.BytesIO()
    writer = dpkt.pcap.Writer(out)
    for i in range(n):
        if i % 2:
            body: Any = dpkt.udp.UDP(sport=1000 + i % 50, dport=53, data=b"x" * (i % 40))
            body.ulen = len(bytes(body))
            proto = dpkt.ip.IP_PROTO_UDP
        else:
            body = dpkt.tcp.TCP(sport=80, dport=2000 + i % 100, flags=dpkt.tcp.TH_ACK, data=b"y" * (i % 60))
            proto = dpkt.ip.IP_PROTO_TCP
        ip = dpkt.ip.IP(src=bytes([10, 0, 0, 1]), dst=bytes([10, 0, i % 256, 2]), p=proto, data=body)
        ip.len = len(bytes(ip))
        eth = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
        writer.writepkt(bytes(eth), ts=1700000000 + i / 1000)
    return out.getvalue()


def w6_data(n: int, values: int = 8) -> bytes:
    """W6's shape (bench/run.py): a header, then n records of six numbers and ``values`` u16s each."""
    header = struct.pack("<10H", 100, n // 100, values, 0, 0, 0, 0, 0, 0, 0)
    return header + b"".join(struct.pack("<3H3I%dH" % values, i & 0xFFFF, 1, 2, i, 3, 4, *range(values))
                             for i in range(n // 100 * 100))


def best(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, n: int, ours: float, baseline: float) -> None:
    print("%-44s %10.0f records/s   baseline %10.0f records/s   %5.1fx" % (name, n / ours, n / baseline,
                                                                           baseline / ours))


def pipeline(files: int, packets: int) -> None:
    """``binmodel.dask.write_parquet`` over ``files`` captures of ``packets`` packets each, on a LocalCluster of 1
    then 2 worker processes (the cluster's start not timed)."""
    import shutil
    import tempfile

    from distributed import Client, LocalCluster

    from binmodel.dask import write_parquet

    folder = tempfile.mkdtemp()
    try:
        cap = pcap_data(packets)
        for i in range(files):
            with open(os.path.join(folder, "c%03d.pcap" % i), "wb") as f:
                f.write(cap)
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None) as cluster, Client(cluster):
                out = os.path.join(folder, "out%d" % workers)
                start = time.perf_counter()
                count = write_parquet(os.path.join(folder, "*.pcap"), Pcap, out)
                took = time.perf_counter() - start
            assert count == files * packets
            print("pipeline, %d worker%s: %d files, %d records in %.1f s: %.0f records/s"
                  % (workers, "" if workers == 1 else "s", files, count, took, count / took))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200000)
    parser.add_argument("--packets", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pipeline", action="store_true", help="time binmodel.dask with 1 and 2 workers instead")
    parser.add_argument("--files", type=int, default=20)
    args = parser.parse_args()
    print("Python %s %s, pyarrow %s" % (platform.python_implementation(), platform.python_version(), pa.__version__))
    if args.pipeline:
        pipeline(args.files, args.packets)
        return

    data = w1_data(args.records)
    ours = lambda: arrow.to_table(W1Record, data)  # noqa: E731
    base = lambda: pa.Table.from_pylist([r.to_dict() for r in W1File.parse(data).records])  # noqa: E731
    assert ours().to_pylist()[:100] == base().to_pylist()[:100] and ours().num_rows == args.records
    report("W1 fixed 16-byte records (numpy path)", args.records, best(ours, args.repeats), best(base, args.repeats))
    objs = W1File.parse(data).records
    built = lambda: arrow.to_table(W1Record, objs)  # noqa: E731
    from_objs = lambda: pa.Table.from_pylist([r.to_dict() for r in objs])  # noqa: E731
    report("W1 from parsed objects (column builders)", args.records, best(built, args.repeats),
           best(from_objs, args.repeats))

    from run import W6File, W6FileTyped

    grid = w6_data(args.records // 10)
    for model, name in ((W6File, "W6 header + records with lists"), (W6FileTyped, "W6, typed arrays")):
        ours = lambda model=model: arrow.to_table(model, grid, record_path="records")  # noqa: E731
        base = lambda model=model: pa.Table.from_pylist([r.to_dict(json=True) for r in model.parse(grid).records])  # noqa: E731
        assert ours().column("values").to_pylist()[:50] == base().column("values").to_pylist()[:50]
        report(name, ours().num_rows, best(ours, args.repeats), best(base, args.repeats))

    cap = pcap_data(args.packets)
    ours = lambda: arrow.to_table(Pcap, cap, record_path="records")  # noqa: E731
    base = lambda: pa.Table.from_pylist([r.to_dict(json=True) for r in Pcap.parse(cap).records])  # noqa: E731
    t1, t2 = ours(), base()
    assert t1.num_rows == t2.num_rows == args.packets
    assert t1.column("incl_len").to_pylist() == t2.column("incl_len").to_pylist()
    report("W5 pcap records, parsed to the TCP/UDP header", args.packets, best(ours, args.repeats),
           best(base, args.repeats))
    packets = Pcap.parse(cap).records
    built = lambda: arrow.record_batch(type(packets[0]), packets)  # noqa: E731
    from_objs = lambda: pa.Table.from_pylist([r.to_dict(json=True) for r in packets])  # noqa: E731
    report("W5 from parsed objects (column builders)", args.packets, best(built, args.repeats),
           best(from_objs, args.repeats))


if __name__ == "__main__":
    main()
