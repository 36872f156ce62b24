"""Benchmarks: binmodel against hand-written ``struct`` code and other libraries, in one process.

    python bench/run.py --size tiny|small|full [--only W1,W3] [--repeats 5] [--write-docs]

Every workload is generated in memory (seeded, so every run sees the same bytes).
Before anything is timed, every implementation's output is compared with the
hand-written ``struct`` reference (decoded values on the first records, the
record count, and for builds the complete bytes), so no wrong parser is timed.
Then the implementations of one operation are timed in turn, one batch each per
round, for ``--repeats`` rounds, with ``time.perf_counter`` (a batch under 5 ms is
run in a loop of about 20 ms, as ``timeit`` does, and the time of one run taken);
taking turns puts a slow patch of the machine on every implementation alike. The
median batch time divided by the number of records is reported, with the ratio to
the reference (1.00x; higher is slower). The builds of W1, W2 and W4 have a second
hand-written row, ``CHECKED``: the reference plus exactly the checks binmodel's
generated builder makes for that model; binmodel's build is to be compared with
it (a line under the table gives that ratio), the ratio column staying against
the unchecked reference so that earlier numbers remain comparable.

Peers that are not installed are shown as ``n/a``. Runs on Python 3.9+.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import importlib
import io
import math
import platform
import random
import statistics
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import binmodel
from binmodel import (
    Array,
    Bits,
    Bytes,
    Struct,
    count_of,
    f32le,
    i32le,
    len_of,
    this,
    u8,
    u16be,
    u16le,
    u32be,
    u32le,
    wire_value,
)
from binmodel.formats import Pcap as GalleryPcap


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


construct = _optional("construct")
np = _optional("numpy")
_dissect = _optional("dissect.cstruct")
cstruct = getattr(_dissect, "cstruct", None)

SIZES = {"tiny": 0.01, "small": 0.1, "full": 1.0}
CHECK_RECORDS = 100  # records compared with the reference before timing
REF = "struct (hand-written, reference)"
CHECKED = "struct, with the builder's checks (hand-written)"  # W1, W2, W4 build: what binmodel is compared with
DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


# --------------------------------------------------------------------------- framework


class Impl:
    """One implementation of one operation.

    ``run`` does the whole batch and returns its result; ``decode`` turns that result
    into comparable values (a list, one entry a record, or bytes for a build).
    ``run is None`` marks an implementation that is not available here (``note`` says why).
    """

    def __init__(self, name: str, run: Optional[Callable[[], Any]], decode: Optional[Callable[[Any], Any]] = None,
                 note: str = "") -> None:
        self.name = name
        self.run = run
        self.decode = decode if decode is not None else (lambda result: result)
        self.note = note


class Operation:
    def __init__(self, name: str, records: int, nbytes: int, impls: List[Impl], compare: str = "records",
                 expected: Optional[bytes] = None) -> None:
        self.name = name
        self.records = records
        self.nbytes = nbytes
        self.impls = impls
        self.compare = compare  # "records": first CHECK_RECORDS values and the count; "bytes": equal output
        self.expected = expected  # for builds: the bytes the reference must produce (the generated input)


class Workload:
    def __init__(self, key: str, title: str, operations: List[Operation], notes: Sequence[str] = (),
                 pairs: Sequence[Tuple[str, str, str]] = ()) -> None:
        self.key = key
        self.title = title
        self.operations = operations
        self.notes = list(notes)
        self.pairs = list(pairs)  # (operation, implementation, peer): their ratio is printed under the table

    def release(self) -> None:
        """Drop the data and objects the implementations hold, once the table is written: the next workload
        is then timed with a small heap (on PyPy, a large live heap made a later workload 15x slower)."""
        for op in self.operations:
            op.expected = None
            for impl in op.impls:
                impl.run = impl.decode = None


class Row:
    def __init__(self, operation: Operation, impl: Impl, seconds: Optional[float]) -> None:
        self.operation = operation
        self.impl = impl
        self.seconds = seconds  # median batch time, None when n/a


def na(name: str, why: str) -> Impl:
    return Impl(name, None, note=why)


def missing(module: Any, name: str, package: str) -> Optional[Impl]:
    return None if module is not None else na(name, "%s not installed" % package)


def cross_check(op: Operation, workload: Workload) -> None:
    """Run every implementation once (also the warm-up); assert it agrees with the reference."""
    reference = op.impls[0]
    assert reference.name == REF and reference.run is not None
    expected = reference.decode(reference.run())
    if op.expected is not None:
        assert expected == op.expected, "%s %s: the reference does not give back the input bytes" % (
            workload.key, op.name)
    for impl in op.impls:
        if impl.run is None:
            continue
        got = impl.decode(impl.run())
        where = "%s %s: %s" % (workload.key, op.name, impl.name)
        if op.compare == "bytes":
            assert isinstance(got, bytes), "%s built %r, not bytes" % (where, type(got))
            assert got == expected, "%s builds different bytes than the reference (%d vs %d bytes)" % (
                where, len(got), len(expected))
        else:
            assert len(got) == len(expected), "%s decoded %d records, the reference %d" % (
                where, len(got), len(expected))
            for i in range(min(CHECK_RECORDS, len(expected))):
                assert got[i] == expected[i], "%s record %d decodes as %r, the reference as %r" % (
                    where, i, got[i], expected[i])


def loops_for(fn: Callable[[], Any]) -> int:
    """How many calls make one timed run: 1 for a batch of 5 ms or more, else about 20 ms of calls (a µs
    call, such as a zero-copy numpy view, is timed in a loop, as ``timeit`` does)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return 1 if once >= 0.005 else min(100_000, int(0.02 / max(once, 1e-7)) + 1)


def time_round_robin(fns: Sequence[Callable[[], Any]], repeats: int, keep_gc: bool = False) -> List[float]:
    """Median seconds of one call of each of ``fns``, timed in turn ``repeats`` times (one run of each, then
    the next round), so that a slow patch of the machine falls on every implementation alike instead of on
    whichever was being timed. The cyclic GC is off while timing unless ``keep_gc`` (as in ``timeit``:
    otherwise its pauses depend on what else the process holds, not on the parser)."""
    loops = [loops_for(fn) for fn in fns]
    times: List[List[float]] = [[] for _ in fns]
    enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            for fn, n, seen in zip(fns, loops, times):
                gc.collect()
                if not keep_gc:
                    gc.disable()
                start = time.perf_counter()
                for _ in range(n):
                    fn()
                seen.append((time.perf_counter() - start) / n)
                if enabled:
                    gc.enable()
    finally:
        if enabled:
            gc.enable()
    return [statistics.median(seen) for seen in times]


# --------------------------------------------------------------------------- formatting


def fmt_time(seconds_per_record: float) -> str:
    ns = seconds_per_record * 1e9
    if ns < 1000:
        return "%.3g ns" % ns
    if ns < 1e6:
        return "%.3g µs" % (ns / 1e3)
    return "%.3g ms" % (ns / 1e6)


def fmt_rate(per_second: float) -> str:
    for factor, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if per_second >= factor:
            return "%.3g %s" % (per_second / factor, unit)
    return "%.3g" % per_second


def versions() -> str:
    try:
        from importlib.metadata import version as dist_version
    except ImportError:  # pragma: no cover
        dist_version = None  # type: ignore[assignment]

    def ver(dist: str, module: Any) -> str:
        if module is None:
            return "not installed"
        for name in (dist, dist.replace(".", "_")):  # Python 3.9 does not normalise "dissect.cstruct"
            try:
                return dist_version(name) if dist_version else str(module.__version__)
            except Exception:
                pass
        return str(getattr(module, "__version__", "?"))

    parts = [
        "%s %s" % (platform.python_implementation(), platform.python_version()),
        "binmodel %s" % binmodel.__version__,
        "construct %s" % ver("construct", construct),
        "dissect.cstruct %s" % ver("dissect.cstruct", _dissect),
        "numpy %s" % ver("numpy", np),
        "%s %s" % (platform.system(), platform.machine()),
        datetime.date.today().isoformat(),
    ]
    return " · ".join(parts)


def table(workload: Workload, rows: List[Row]) -> str:
    lines = ["### %s: %s" % (workload.key, workload.title), ""]
    lines.append("| operation | implementation | time / record | records/s | MB/s | vs struct |")
    lines.append("|---|---|--:|--:|--:|--:|")
    for op in workload.operations:
        ref = next(r for r in rows if r.operation is op and r.impl.name == REF)
        for row in rows:
            if row.operation is not op:
                continue
            name = "**%s**" % row.impl.name if row.impl.name.startswith("binmodel") else row.impl.name
            if row.seconds is None:
                lines.append("| %s | %s | n/a | | | %s |" % (op.name, name, row.impl.note))
                continue
            per_record = row.seconds / op.records
            ratio = row.seconds / ref.seconds if ref.seconds else float("nan")
            lines.append("| %s | %s | %s | %s | %.1f | %.2fx |" % (
                op.name, name, fmt_time(per_record), fmt_rate(op.records / row.seconds),
                op.nbytes / row.seconds / 1e6, ratio))
    for op in workload.operations:  # binmodel against the hand-written code that checks what its builder checks
        checked = next((r.seconds for r in rows if r.operation is op and r.impl.name == CHECKED), None)
        mine = [r for r in rows if r.operation is op and r.impl.name.startswith("binmodel") and r.seconds]
        if checked and mine:
            lines += ["", "%s, binmodel vs checked reference (`%s` = 1.00x): %s." % (
                op.name, CHECKED, ", ".join("`%s` %.2fx" % (r.impl.name, r.seconds / checked) for r in mine))]
    for op_name, mine, peer in workload.pairs:  # a ratio between two rows other than the reference
        timed = {r.impl.name: r.seconds for r in rows if r.operation.name == op_name and r.seconds}
        if mine in timed and peer in timed:
            lines += ["", "%s: `%s` takes %.2fx the time of `%s`." % (op_name, mine, timed[mine] / timed[peer], peer)]
    for note in workload.notes:
        lines.append("")
        lines.append(note)
    return "\n".join(lines)


# --------------------------------------------------------------------------- helpers


def attrs(names: Sequence[str]) -> Callable[[Any], Tuple[Any, ...]]:
    """A record decoder that reads the named attributes (works for slots objects, models,
    Construct containers, dissect structures and ctypes structures alike)."""
    def decode(obj: Any) -> Tuple[Any, ...]:
        return tuple(field(obj, n) for n in names)
    return decode


def field(obj: Any, name: str) -> Any:
    """``obj.name``; a Construct container is a dict, whose ``.items`` is the dict method, so index it."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def each(decode: Callable[[Any], Any]) -> Callable[[Any], List[Any]]:
    return lambda results: [decode(r) for r in results]


def slots_class(name: str, names: Sequence[str]) -> type:
    """A plain ``__slots__`` class with a positional constructor: what hand-written code fills."""
    args = ", ".join(names)
    body = "".join("    self.%s = %s\n" % (n, n) for n in names) or "    pass\n"
    ns: Dict[str, Any] = {}
    exec("def __init__(self, %s):\n%s" % (args, body), ns)
    return type(name, (), {"__slots__": tuple(names), "__init__": ns["__init__"]})


def build_each(model: Any, objs: List[Any]) -> bytes:
    """Every object built by ``model.build`` (looked up once, as the parse loops do), joined."""
    build = model.build
    return b"".join([build(o) for o in objs])


def scaled(n: int, size: str) -> int:
    return max(1, int(round(n * SIZES[size])))


# --------------------------------------------------------------------------- W1: fixed 16-byte record

W1_FIELDS = ("magic", "version", "flags", "length", "crc")


class W1Record(Struct, endian="little"):
    magic: int = u32le()
    version: int = u16le()
    flags: int = u16le()
    length: int = u32le()
    crc: int = u32le()


REF_CALL = "struct, one function call per record"
REF_CALL_NOTE = ("`%s` is the reference's own body moved into a function and called once per record, with no "
                 "checks: the least a per-record call (`Model.parse`, `Model.build`) can cost." % REF_CALL)

FILE_MODEL_NOTE = ("`binmodel, file model` parses (builds) the whole file as one model, "
                   "`records: Array(Record, greedy=True)`: one call for all records, the record's body written "
                   "inline in the array loop.")


def checked_note(checks: str) -> str:
    return ("`%s` is the reference with the checks binmodel's generated builder makes for this model (see "
            "`binmodel.debug.source`) written out by hand, no more and no fewer: %s. binmodel's build is to be "
            "compared with this row (the line under the table); the `vs struct` column stays against the "
            "unchecked reference." % (CHECKED, checks))


class W1File(Struct):
    """The whole W1 file as one model: how a user reads many records in one call."""

    records: List[W1Record] = Array(W1Record, greedy=True)


class W1CRecord(ctypes.LittleEndianStructure):
    _pack_ = 1
    _fields_ = [("magic", ctypes.c_uint32), ("version", ctypes.c_uint16), ("flags", ctypes.c_uint16),
                ("length", ctypes.c_uint32), ("crc", ctypes.c_uint32)]


W1_CSOURCE = "struct rec { uint32 magic; uint16 version; uint16 flags; uint32 length; uint32 crc; };"


def w1(size: str) -> Workload:
    n = scaled(100_000, size)
    rng = random.Random(1)
    fmt = struct.Struct("<IHHII")
    data = b"".join(fmt.pack(0x46464952, rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(32),
                             rng.getrandbits(32)) for _ in range(n))
    Rec = slots_class("Rec", W1_FIELDS)
    offsets = range(0, len(data), 16)
    decode = each(attrs(W1_FIELDS))

    def ref_parse() -> List[Any]:
        unpack = fmt.unpack_from
        return [Rec(*unpack(data, off)) for off in offsets]

    def bm_parse() -> List[Any]:
        parse = W1Record.parse
        return [parse(data, offset=off, allow_trailing=True) for off in offsets]

    def ctypes_parse() -> List[Any]:
        make = W1CRecord.from_buffer_copy
        return [make(data, off) for off in offsets]

    def one_record(buf: bytes, off: int) -> Any:  # the reference's body as a function: what a call costs
        return Rec(*fmt.unpack_from(buf, off))

    def one_bytes(o: Any) -> bytes:
        return fmt.pack(o.magic, o.version, o.flags, o.length, o.crc)

    def slow_record(o: Any) -> bytes:  # where binmodel's fast path hands over to its interpreter
        if not isinstance(o, Rec):
            raise TypeError("%r is not a %s" % (o, Rec.__name__))
        return fmt.pack(o.magic, o.version, o.flags, o.length, o.crc)

    def checked_build(objs: List[Any]) -> bytes:
        # The checks binmodel's generated builder makes for W1Record, the same way: the record's class
        # (`o.__class__ is Rec`; anything else goes the slow way, which takes a subclass and rejects the rest),
        # and, once for the batch as the file model's builder does, that the records are a list (or a tuple).
        # The five numbers are checked by struct.pack alone (an int, in range), in binmodel as here and in the
        # unchecked reference. (binmodel's slow way also takes a dict for a record; no use for that here.)
        if objs.__class__ is not list and not isinstance(objs, (list, tuple)):
            raise TypeError("records must be a list")
        return b"".join([fmt.pack(o.magic, o.version, o.flags, o.length, o.crc) if o.__class__ is Rec
                         else slow_record(o) for o in objs])  # `fmt.pack` looked up a record, as in the reference

    parse_impls = [Impl(REF, ref_parse, decode), Impl(REF_CALL, lambda: [one_record(data, off) for off in offsets],
                                                      decode),
                   Impl("binmodel", bm_parse, decode),
                   Impl("binmodel, file model", lambda: W1File.parse(data).records, decode)]
    build_impls: List[Impl] = []
    ref_objs = ref_parse()
    bm_objs = bm_parse()
    build_impls.append(Impl(REF, lambda: b"".join([fmt.pack(o.magic, o.version, o.flags, o.length, o.crc)
                                                   for o in ref_objs])))
    build_impls.append(Impl(CHECKED, lambda: checked_build(ref_objs)))
    build_impls.append(Impl(REF_CALL, lambda: b"".join([one_bytes(o) for o in ref_objs])))
    build_impls.append(Impl("binmodel", lambda: build_each(W1Record, bm_objs)))
    build_impls.append(Impl("binmodel, file model", lambda: W1File.build(W1File(records=bm_objs))))

    if construct is not None:
        c = construct
        C = c.Struct("magic" / c.Int32ul, "version" / c.Int16ul, "flags" / c.Int16ul, "length" / c.Int32ul,
                     "crc" / c.Int32ul)
        for label, cc in (("Construct", C), ("Construct compiled", C.compile())):
            def c_parse(cc: Any = cc) -> List[Any]:
                parse = cc.parse
                return [parse(data[off:off + 16]) for off in offsets]
            parse_impls.append(Impl(label, c_parse, decode))
            objs = c_parse()
            build_impls.append(Impl(label, lambda cc=cc, objs=objs: b"".join([cc.build(o) for o in objs])))
    else:
        parse_impls.append(na("Construct", "construct not installed"))
        build_impls.append(na("Construct", "construct not installed"))

    if cstruct is not None:
        cs = cstruct(endian="<")
        cs.load(W1_CSOURCE)
        ds_rec = cs.rec

        def ds_parse() -> List[Any]:
            return [ds_rec(data[off:off + 16]) for off in offsets]
        parse_impls.append(Impl("dissect.cstruct", ds_parse, decode))
        ds_objs = ds_parse()
        build_impls.append(Impl("dissect.cstruct", lambda: b"".join([o.dumps() for o in ds_objs])))
    else:
        parse_impls.append(na("dissect.cstruct", "dissect.cstruct not installed"))

    parse_impls.append(Impl("ctypes from_buffer_copy", ctypes_parse, decode))
    ct_objs = ctypes_parse()
    build_impls.append(Impl("ctypes bytes(obj)", lambda: b"".join([bytes(o) for o in ct_objs])))
    return Workload("W1", "16-byte little-endian record `u32 magic, u16 version, u16 flags, u32 length, u32 crc`, "
                    "%d records" % n,
                    [Operation("parse", n, len(data), parse_impls),
                     Operation("build", n, len(data), build_impls, compare="bytes", expected=data)],
                    ["Parse: one object per record from the concatenated bytes (Construct and dissect.cstruct get "
                     "a 16-byte slice, binmodel `parse(data, offset=, allow_trailing=True)`). Build: every "
                     "record object back to bytes, joined.", FILE_MODEL_NOTE, REF_CALL_NOTE,
                     checked_note("each record's class, and once for the batch (as the file model's builder "
                                  "does) that the records are a list; the numbers are left to `struct.pack`, "
                                  "as in binmodel. It is a loop like the "
                                  "reference: `binmodel` adds a call per record, `binmodel, file model` is "
                                  "one call for all")])


# --------------------------------------------------------------------------- W2: nested variable message


class W2Item(Struct):
    tag: int = u8()
    len: int = u8(derive=len_of("data"))
    data: bytes = Bytes(this.len)


class W2Message(Struct, endian="big"):
    type: int = u8()
    count: int = u16be(derive=count_of("items"))
    items: List[W2Item] = Array(W2Item, count=this.count)
    trailer: int = u32be()


W2_CSOURCE = """
struct item { uint8 tag; uint8 len; char data[len]; };
struct message { uint8 type; uint16 count; item items[count]; uint32 trailer; };
"""


def w2_decode(msg: Any) -> Tuple[Any, ...]:
    return (msg.type, msg.count, tuple((i.tag, i.len, bytes(i.data)) for i in field(msg, "items")), msg.trailer)


def w2(size: str) -> Workload:
    n = scaled(20_000, size)
    rng = random.Random(2)
    head, item_head, tail = struct.Struct(">BH"), struct.Struct(">BB"), struct.Struct(">I")
    messages = []
    for _ in range(n):
        parts = []
        count = rng.randint(8, 12)
        parts.append(head.pack(rng.getrandbits(8), count))
        for _ in range(count):
            payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 24)))
            parts.append(item_head.pack(rng.getrandbits(8), len(payload)) + payload)
        parts.append(tail.pack(rng.getrandbits(32)))
        messages.append(b"".join(parts))
    nbytes = sum(map(len, messages))
    Item = slots_class("Item", ("tag", "len", "data"))
    Message = slots_class("Message", ("type", "count", "items", "trailer"))
    decode = each(w2_decode)

    def ref_parse_one(buf: bytes) -> Any:
        typ, count = head.unpack_from(buf, 0)
        off = 3
        items = []
        unpack_item = item_head.unpack_from
        for _ in range(count):
            tag, length = unpack_item(buf, off)
            off += 2
            items.append(Item(tag, length, buf[off:off + length]))
            off += length
        (trailer,) = tail.unpack_from(buf, off)
        if off + 4 != len(buf):
            raise ValueError("trailing bytes")
        return Message(typ, count, items, trailer)

    def ref_build_one(msg: Any) -> bytes:
        parts = [head.pack(msg.type, len(msg.items))]
        for item in msg.items:
            parts.append(item_head.pack(item.tag, len(item.data)))
            parts.append(item.data)
        parts.append(tail.pack(msg.trailer))
        return b"".join(parts)

    class Miss(Exception):
        """The fast path's check missed: build the slow way (binmodel: its interpreter)."""

    def as_bytes(v: Any) -> bytes:  # binmodel's _check_bytes: bytes, or a bytes-like copied to bytes
        if isinstance(v, (bytes, bytearray, memoryview)):
            return bytes(v)
        raise Miss

    def agrees(obj: Any, was: str, given: Any, measured: int) -> bool:
        """A hand-set count / len: None or the measured value, or else the value the object was parsed with
        (binmodel keeps that as `_bm_was_count` / `_bm_was_len`; the reference's objects keep none)."""
        return given == measured or given is None or getattr(obj, was, None) == given

    def slow_build_one(msg: Any) -> bytes:  # the same checks by isinstance: subclasses, tuples pass
        if not isinstance(msg, Message) or not isinstance(msg.items, (list, tuple)):
            raise TypeError("%r is not a Message with a list of items" % (msg,))
        items = msg.items
        if not agrees(msg, "_was_count", msg.count, len(items)):
            raise ValueError("count is %r but there are %d items" % (msg.count, len(items)))
        parts = [head.pack(msg.type, len(items))]
        for item in items:
            if not isinstance(item, Item) or not isinstance(item.data, (bytes, bytearray, memoryview)):
                raise TypeError("%r is not an Item with bytes data" % (item,))
            data = bytes(item.data)
            if not agrees(item, "_was_len", item.len, len(data)):
                raise ValueError("len is %r but data has %d bytes" % (item.len, len(data)))
            parts.append(item_head.pack(item.tag, len(data)))
            parts.append(data)
        parts.append(tail.pack(msg.trailer))
        return b"".join(parts)

    def checked_build_one(msg: Any) -> bytes:
        # The checks binmodel's generated builder makes for W2Message, the same way: the message's and each
        # item's class (`__class__ is`), `items` a list, `data` bytes (`__class__ is bytes`, else a bytes-like
        # is copied), and a hand-set `count` / `len` (not None) equal to the measured len(items) / len(data)
        # unless it is the parsed value; the measured values are what is packed. Anything that misses goes
        # the slow way (the same checks by isinstance). `type`, `tag` and `trailer` are left to struct.pack,
        # as in binmodel.
        try:
            if msg.__class__ is not Message:
                raise Miss
            items = msg.items
            if items.__class__ is not list:
                raise Miss
            count, n = msg.count, len(items)
            if count != n and count is not None and getattr(msg, "_was_count", None) != count:
                raise Miss
            parts = [head.pack(msg.type, n)]
            for item in items:
                if item.__class__ is not Item:
                    raise Miss
                data = item.data
                if data.__class__ is not bytes:
                    data = as_bytes(data)
                length, size = item.len, len(data)
                if length != size and length is not None and getattr(item, "_was_len", None) != length:
                    raise Miss
                parts.append(item_head.pack(item.tag, size))
                parts.append(data)
            parts.append(tail.pack(msg.trailer))
            return b"".join(parts)
        except Miss:
            return slow_build_one(msg)

    def ref_parse() -> List[Any]:
        return [ref_parse_one(m) for m in messages]

    def bm_parse() -> List[Any]:
        parse = W2Message.parse
        return [parse(m) for m in messages]

    ref_objs, bm_objs = ref_parse(), bm_parse()
    parse_impls = [Impl(REF, ref_parse, decode), Impl("binmodel", bm_parse, decode)]
    build_impls = [Impl(REF, lambda: b"".join([ref_build_one(m) for m in ref_objs])),
                   Impl(CHECKED, lambda: b"".join([checked_build_one(m) for m in ref_objs])),
                   Impl("binmodel", lambda: build_each(W2Message, bm_objs))]

    if construct is not None:
        c = construct
        CItem = c.Struct("tag" / c.Int8ub, "len" / c.Rebuild(c.Int8ub, c.len_(c.this.data)),
                         "data" / c.Bytes(c.this.len))
        CMessage = c.Struct("type" / c.Int8ub, "count" / c.Rebuild(c.Int16ub, c.len_(c.this.items)),
                            "items" / c.Array(c.this.count, CItem), "trailer" / c.Int32ub)
        for label, cc in (("Construct", CMessage), ("Construct compiled", CMessage.compile())):
            def c_parse(cc: Any = cc) -> List[Any]:
                parse = cc.parse
                return [parse(m) for m in messages]
            parse_impls.append(Impl(label, c_parse, decode))
            objs = c_parse()
            build_impls.append(Impl(label, lambda cc=cc, objs=objs: b"".join([cc.build(o) for o in objs])))
    else:
        parse_impls.append(na("Construct", "construct not installed"))
        build_impls.append(na("Construct", "construct not installed"))

    if cstruct is not None:
        cs = cstruct(endian=">")
        cs.load(W2_CSOURCE)
        ds_message = cs.message

        def ds_parse() -> List[Any]:
            return [ds_message(m) for m in messages]

        def ds_build(objs: List[Any]) -> bytes:
            out = []
            for msg in objs:  # dissect.cstruct does not derive counts: set them as a user would
                msg.count = len(msg.items)
                for item in msg.items:
                    item.len = len(item.data)
                out.append(msg.dumps())
            return b"".join(out)
        parse_impls.append(Impl("dissect.cstruct", ds_parse, decode))
        ds_objs = ds_parse()
        build_impls.append(Impl("dissect.cstruct", lambda: ds_build(ds_objs)))
    else:
        parse_impls.append(na("dissect.cstruct", "dissect.cstruct not installed"))

    return Workload("W2", "nested variable message `{type u8, count u16be}`, `count` x `{tag u8, len u8, data "
                    "bytes[len]}`, `u32be` trailer; %d messages of 8 to 12 items" % n,
                    [Operation("parse", n, nbytes, parse_impls),
                     Operation("build", n, nbytes, build_impls, compare="bytes", expected=b"".join(messages))],
                    ["One record = one message (a separate `bytes` object). Build recomputes `count` and `len`: "
                     "binmodel through `derive=count_of/len_of`, Construct through `Rebuild`, the hand-written "
                     "code and dissect.cstruct by setting them from `len()`. Build output is checked against "
                     "the original bytes.",
                     checked_note("the message's and each item's class, `items` a list, `data` bytes (a "
                                  "bytes-like is copied), and a hand-set `count` / `len` equal to the measured "
                                  "one unless it is the parsed value; like the reference, one function call "
                                  "per message")])


# --------------------------------------------------------------------------- W3: 1M small float records


class W3Point(Struct, endian="little"):
    x: float = f32le()
    y: float = f32le()
    z: float = f32le()
    id: int = u32le()


class W3CPoint(ctypes.LittleEndianStructure):
    _pack_ = 1
    _fields_ = [("x", ctypes.c_float), ("y", ctypes.c_float), ("z", ctypes.c_float), ("id", ctypes.c_uint32)]


W3_FIELDS = ("x", "y", "z", "id")


def find_bulk() -> Optional[Callable[[Any, Any], Any]]:
    if np is None:  # binmodel.bulk imports, but needs numpy to run
        return None
    bulk = getattr(binmodel, "bulk", None)
    if bulk is None:
        try:
            bulk = importlib.import_module("binmodel.bulk")
        except ImportError:
            return None
    return getattr(bulk, "parse_array", None)


def bulk_rows(result: Any) -> List[Tuple[Any, ...]]:
    """Rows of a bulk result: a numpy structured array, or a sequence of records."""
    names = getattr(getattr(result, "dtype", None), "names", None)
    if names:
        columns = [result[name].tolist() for name in names]
        return list(zip(*columns))
    return [tuple(getattr(r, n) for n in W3_FIELDS) for r in result]


def w3(size: str) -> Workload:
    n = scaled(1_000_000, size)
    rng = random.Random(3)
    fmt = struct.Struct("<fffI")
    data = b"".join(fmt.pack(rng.uniform(-1e3, 1e3), rng.uniform(-1e3, 1e3), rng.uniform(-1e3, 1e3), i)
                    for i in range(n))
    Point = slots_class("Point", W3_FIELDS)
    offsets = range(0, len(data), 16)
    decode = each(attrs(W3_FIELDS))

    def ref_parse() -> List[Any]:
        unpack = fmt.unpack_from
        return [Point(*unpack(data, off)) for off in offsets]

    def bm_parse() -> List[Any]:
        parse = W3Point.parse
        return [parse(data, offset=off, allow_trailing=True) for off in offsets]

    def ctypes_parse() -> List[Any]:
        make = W3CPoint.from_buffer_copy
        return [make(data, off) for off in offsets]

    parse_impls = [Impl(REF, ref_parse, decode), Impl("binmodel", bm_parse, decode)]
    if construct is not None:
        c = construct
        C = c.Struct("x" / c.Float32l, "y" / c.Float32l, "z" / c.Float32l, "id" / c.Int32ul)
        for label, cc in (("Construct", C), ("Construct compiled", C.compile())):
            def c_parse(cc: Any = cc) -> List[Any]:
                parse = cc.parse
                return [parse(data[off:off + 16]) for off in offsets]
            parse_impls.append(Impl(label, c_parse, decode))
    else:
        parse_impls.append(na("Construct", "construct not installed"))
    if cstruct is not None:
        cs = cstruct(endian="<")
        cs.load("struct point { float x; float y; float z; uint32 id; };")
        ds_point = cs.point
        parse_impls.append(Impl("dissect.cstruct", lambda: [ds_point(data[off:off + 16]) for off in offsets],
                                decode))
    else:
        parse_impls.append(na("dissect.cstruct", "dissect.cstruct not installed"))
    parse_impls.append(Impl("ctypes from_buffer_copy", ctypes_parse, decode))

    bulk_impls = [Impl(REF, ref_parse, decode),
                  Impl("struct.iter_unpack (tuples)", lambda: list(fmt.iter_unpack(data)), list)]
    parse_array = find_bulk()
    if parse_array is not None:
        bulk_impls.append(Impl("binmodel.bulk.parse_array", lambda: parse_array(W3Point, data), bulk_rows))
    else:
        bulk_impls.append(na("binmodel.bulk.parse_array", "numpy not installed" if np is None
                                else "binmodel.bulk not present in this version"))
    if np is not None:
        dtype = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("id", "<u4")])
        bulk_impls.append(Impl("numpy.frombuffer (zero-copy view)", lambda: np.frombuffer(data, dtype=dtype),
                               bulk_rows))
        bulk_impls.append(Impl("numpy.frombuffer + .copy()", lambda: np.frombuffer(data, dtype=dtype).copy(),
                               bulk_rows))
    else:
        bulk_impls.append(na("numpy.frombuffer", "numpy not installed"))
    return Workload("W3", "%d records `{x f32, y f32, z f32, id u32}` little-endian" % n,
                    [Operation("parse", n, len(data), parse_impls),
                     Operation("bulk", n, len(data), bulk_impls)],
                    ["`bulk` turns the whole buffer into one array; its ratio is against the per-object "
                     "reference loop. The numpy view copies nothing, so its time is nearly independent of size."],
                    [("bulk", "binmodel.bulk.parse_array", "numpy.frombuffer (zero-copy view)")])


# --------------------------------------------------------------------------- W4: bit fields


class W4Bits(Struct, endian="big"):
    a: int = Bits(3)
    b: int = Bits(5)
    c: int = Bits(4)
    d: int = Bits(12)


class W4File(Struct):
    records: List[W4Bits] = Array(W4Bits, greedy=True)


W4_FIELDS = ("a", "b", "c", "d")


def w4(size: str) -> Workload:
    n = scaled(100_000, size)
    rng = random.Random(4)
    data = rng.getrandbits(8 * 3 * n).to_bytes(3 * n, "little")
    fmt = struct.Struct(">BH")
    Rec = slots_class("BitsRec", W4_FIELDS)
    offsets = range(0, len(data), 3)
    decode = each(attrs(W4_FIELDS))

    def ref_parse() -> List[Any]:
        unpack = fmt.unpack_from
        out = []
        for off in offsets:
            ab, cd = unpack(data, off)
            out.append(Rec(ab >> 5, ab & 0x1F, cd >> 12, cd & 0xFFF))
        return out

    def bm_parse() -> List[Any]:
        parse = W4Bits.parse
        return [parse(data, offset=off, allow_trailing=True) for off in offsets]

    ref_objs, bm_objs = ref_parse(), bm_parse()
    pack = fmt.pack

    def slow_bits(o: Any) -> bytes:  # where binmodel's fast path hands over to its interpreter
        if not isinstance(o, Rec):
            raise TypeError("%r is not a %s" % (o, Rec.__name__))
        values = (o.a, o.b, o.c, o.d)
        for value, width in zip(values, (3, 5, 4, 12)):
            if not isinstance(value, int) or not 0 <= value < 1 << width:
                raise ValueError("%r does not fit %d bits" % (value, width))
        a, b, c, d = values
        return pack(a << 5 | b, c << 12 | d)

    def checked_build(objs: List[Any]) -> bytes:
        # The checks binmodel's generated builder makes for W4Bits, the same way: the record's class
        # (`o.__class__ is Rec`) and each bit field an int (`__class__ is int`) within its width, 0..7, 0..31,
        # 0..15, 0..4095; a record that misses goes the slow way (the same checks by isinstance, so a subclass,
        # a bool or an IntEnum that fits passes). Once for the batch, as the file model's builder does: the
        # records are a list (or a tuple). Without these checks (the unchecked reference) a value that does
        # not fit its width is ORed into its neighbours without a word.
        if objs.__class__ is not list and not isinstance(objs, (list, tuple)):
            raise TypeError("records must be a list")
        out = []
        for o in objs:
            if o.__class__ is not Rec:
                out.append(slow_bits(o))
                continue
            a, b, c, d = o.a, o.b, o.c, o.d
            if (a.__class__ is not int or b.__class__ is not int or c.__class__ is not int
                    or d.__class__ is not int or a > 7 or b > 31 or c > 15 or d > 4095
                    or a < 0 or b < 0 or c < 0 or d < 0):
                out.append(slow_bits(o))
                continue
            out.append(pack(a << 5 | b, c << 12 | d))
        return b"".join(out)

    parse_impls = [Impl(REF, ref_parse, decode), Impl("binmodel", bm_parse, decode),
                   Impl("binmodel, file model", lambda: W4File.parse(data).records, decode)]
    build_impls = [Impl(REF, lambda: b"".join([pack(o.a << 5 | o.b, o.c << 12 | o.d) for o in ref_objs])),
                   Impl(CHECKED, lambda: checked_build(ref_objs)),
                   Impl("binmodel", lambda: build_each(W4Bits, bm_objs)),
                   Impl("binmodel, file model", lambda: W4File.build(W4File(records=bm_objs)))]
    if construct is not None:
        c = construct
        C = c.BitStruct("a" / c.BitsInteger(3), "b" / c.BitsInteger(5), "c" / c.BitsInteger(4),
                        "d" / c.BitsInteger(12))
        for label, cc in (("Construct", C), ("Construct compiled", C.compile())):
            def c_parse(cc: Any = cc) -> List[Any]:
                parse = cc.parse
                return [parse(data[off:off + 3]) for off in offsets]
            parse_impls.append(Impl(label, c_parse, decode))
            objs = c_parse()
            build_impls.append(Impl(label, lambda cc=cc, objs=objs: b"".join([cc.build(o) for o in objs])))
    else:
        parse_impls.append(na("Construct", "construct not installed"))
        build_impls.append(na("Construct", "construct not installed"))
    if cstruct is not None:
        cs = cstruct(endian=">")
        cs.load("struct bits { uint8 a:3; uint8 b:5; uint16 c:4; uint16 d:12; };")
        ds_bits = cs.bits

        def ds_parse() -> List[Any]:
            return [ds_bits(data[off:off + 3]) for off in offsets]
        parse_impls.append(Impl("dissect.cstruct", ds_parse, decode))
        ds_objs = ds_parse()
        build_impls.append(Impl("dissect.cstruct", lambda: b"".join([o.dumps() for o in ds_objs])))
    else:
        parse_impls.append(na("dissect.cstruct", "dissect.cstruct not installed"))
    return Workload("W4", "bit fields `{a:3, b:5}` in one byte and `{c:4, d:12}` in two, MSB-first big-endian, "
                    "%d records" % n,
                    [Operation("parse", n, len(data), parse_impls),
                     Operation("build", n, len(data), build_impls, compare="bytes", expected=data)],
                    [FILE_MODEL_NOTE,
                     checked_note("each record's class, each bit field an `int` that fits its width, and once "
                                  "for the batch (as the file model's builder does) that the records are a "
                                  "list. It is a loop like the reference: `binmodel` "
                                  "adds a call per record, `binmodel, file model` is one call for all")])


# --------------------------------------------------------------------------- W5: pcap-like file


class PcapHeader(Struct, endian="little"):
    magic: int = u32le()
    version_major: int = u16le()
    version_minor: int = u16le()
    thiszone: int = i32le()
    sigfigs: int = u32le()
    snaplen: int = u32le()
    network: int = u32le()


class Ethernet(Struct, endian="big"):
    dst: bytes = Bytes(6)
    src: bytes = Bytes(6)
    ethertype: int = u16be()


class IPv4(Struct, endian="big"):
    version: int = Bits(4)
    ihl: int = Bits(4)
    tos: int = u8()
    total_length: int = u16be()
    identification: int = u16be()
    flags_fragment: int = u16be()
    ttl: int = u8()
    protocol: int = u8()
    checksum: int = u16be()
    src: int = u32be()
    dst: int = u32be()


class UDP(Struct, endian="big"):
    sport: int = u16be()
    dport: int = u16be()
    length: int = u16be()
    checksum: int = u16be()


class Packet(Struct, endian="little"):
    ts_sec: int = u32le()
    ts_usec: int = u32le()
    incl_len: int = u32le()
    orig_len: int = u32le()
    eth: Ethernet
    ip: IPv4
    udp: UDP
    payload: bytes = Bytes(this.incl_len - 42)


class Pcap(Struct, endian="little"):
    header: PcapHeader
    packets: List[Packet] = Array(Packet, greedy=True)


REC_FIELDS = ("ts_sec", "ts_usec", "incl_len", "orig_len")
ETH_FIELDS = ("dst", "src", "ethertype")
IP_FIELDS = ("version", "ihl", "tos", "total_length", "identification", "flags_fragment", "ttl", "protocol",
             "checksum", "src", "dst")
UDP_FIELDS = ("sport", "dport", "length", "checksum")


def w5_decode(p: Any) -> Tuple[Any, ...]:
    """A packet object with attributes (``p.eth.dst``, ``p.ip.version``, ...) as one flat tuple."""
    return (attrs(REC_FIELDS)(p) + attrs(ETH_FIELDS)(p.eth) + attrs(IP_FIELDS)(p.ip) + attrs(UDP_FIELDS)(p.udp)
            + (bytes(p.payload),))


def w5(size: str) -> Workload:
    n = scaled(5_000, size)
    rng = random.Random(5)
    parts = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(n):
        payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 600)))
        incl = 42 + len(payload)
        parts.append(struct.pack("<IIII", 1_700_000_000 + i, rng.randint(0, 999_999), incl, incl + rng.randint(0, 1)))
        parts.append(bytes(rng.getrandbits(8) for _ in range(12)) + struct.pack(">H", 0x0800))
        parts.append(struct.pack(">BBHHHBBHII", 0x45, rng.getrandbits(8), 28 + len(payload), rng.getrandbits(16),
                                 0x4000, 64, 17, rng.getrandbits(16), rng.getrandbits(32), rng.getrandbits(32)))
        sport, dport = (port if port != 53 else 54 for port in (rng.getrandbits(16), rng.getrandbits(16)))
        parts.append(struct.pack(">HHHH", sport, dport, 8 + len(payload), rng.getrandbits(16)))  # not DNS
        parts.append(payload)
    data = b"".join(parts)

    RecP = slots_class("PcapPacket", REC_FIELDS + ("eth", "ip", "udp", "payload"))
    Eth = slots_class("Eth", ETH_FIELDS)
    IP = slots_class("IP", IP_FIELDS)
    Udp = slots_class("Udp", UDP_FIELDS)
    GlobalHeader = struct.Struct("<IHHiIII")
    rec_s, eth_s = struct.Struct("<IIII"), struct.Struct(">6s6sH")
    ip_s, udp_s = struct.Struct(">BBHHHBBHII"), struct.Struct(">HHHH")

    def ref_parse() -> List[Any]:
        GlobalHeader.unpack_from(data, 0)
        off, end = GlobalHeader.size, len(data)
        out = []
        while off < end:
            ts_sec, ts_usec, incl, orig = rec_s.unpack_from(data, off)
            eth = Eth(*eth_s.unpack_from(data, off + 16))
            vi, *rest = ip_s.unpack_from(data, off + 30)
            ip = IP(vi >> 4, vi & 15, *rest)
            udp = Udp(*udp_s.unpack_from(data, off + 50))
            start = off + 58
            off = start + incl - 42
            if off > end:
                raise ValueError("truncated packet")
            out.append(RecP(ts_sec, ts_usec, incl, orig, eth, ip, udp, data[start:off]))
        return out

    def bm_parse() -> List[Any]:
        return Pcap.parse(data).packets

    def gallery_decode(r: Any) -> Tuple[Any, ...]:
        eth = r.data
        ip, udp = eth.payload, eth.payload.payload
        # (the gallery reads the time as a datetime and the addresses as text: their wire values compared)
        return ((*wire_value(r, "ts"), r.incl_len, r.orig_len, wire_value(eth, "dst"), wire_value(eth, "src"),
                 int(eth.type), ip.version, ip.ihl,
                 ip.dscp << 2 | ip.ecn, ip.total_length, ip.identification,
                 ip.reserved << 15 | ip.df << 14 | ip.mf << 13 | ip.fragment_offset, ip.ttl, int(ip.protocol),
                 ip.header_checksum, int(ip.src), int(ip.dst),
                 udp.src_port, udp.dst_port, udp.length, udp.checksum, bytes(udp.data)))

    decode = each(w5_decode)
    impls = [Impl(REF, ref_parse, decode), Impl("binmodel", bm_parse, decode),
             Impl("binmodel.formats.Pcap", lambda: GalleryPcap.parse(data).records, each(gallery_decode))]
    notes = ["One record = one packet; the whole file is parsed (pcap global header, then every packet down to "
             "its Ethernet, IPv4 and UDP headers and payload).",
             "`binmodel` is a model written for this file; `binmodel.formats.Pcap` is the bundled pcap model, which "
             "dispatches on link type, EtherType, IP protocol and port (IPv6, ARP, TCP with options, DNS), keeps "
             "Ethernet padding and records what checksums and lengths to recompute on build."]
    if construct is not None:
        c = construct
        CEth = c.Struct("dst" / c.Bytes(6), "src" / c.Bytes(6), "ethertype" / c.Int16ub)
        CIP = c.Struct("vi" / c.BitStruct("version" / c.BitsInteger(4), "ihl" / c.BitsInteger(4)),
                       "tos" / c.Int8ub, "total_length" / c.Int16ub, "identification" / c.Int16ub,
                       "flags_fragment" / c.Int16ub, "ttl" / c.Int8ub, "protocol" / c.Int8ub,
                       "checksum" / c.Int16ub, "src" / c.Int32ub, "dst" / c.Int32ub)
        CUDP = c.Struct("sport" / c.Int16ub, "dport" / c.Int16ub, "length" / c.Int16ub, "checksum" / c.Int16ub)
        CPacket = c.Struct("ts_sec" / c.Int32ul, "ts_usec" / c.Int32ul, "incl_len" / c.Int32ul,
                           "orig_len" / c.Int32ul, "eth" / CEth, "ip" / CIP, "udp" / CUDP,
                           "payload" / c.Bytes(c.this.incl_len - 42))
        CPcap = c.Struct("header" / c.Bytes(24), "packets" / c.GreedyRange(CPacket))

        def c_decode(p: Any) -> Tuple[Any, ...]:
            ip = p.ip
            return (attrs(REC_FIELDS)(p) + attrs(ETH_FIELDS)(p.eth) + (ip.vi.version, ip.vi.ihl)
                    + attrs(IP_FIELDS[2:])(ip) + attrs(UDP_FIELDS)(p.udp) + (p.payload,))
        for label, cc in (("Construct", CPcap), ("Construct compiled", CPcap.compile())):
            impls.append(Impl(label, lambda cc=cc: cc.parse(data).packets, each(c_decode)))
    else:
        impls.append(na("Construct", "construct not installed"))
    if cstruct is not None:
        le, be = cstruct(endian="<"), cstruct(endian=">")
        le.load("struct rec { uint32 ts_sec; uint32 ts_usec; uint32 incl_len; uint32 orig_len; };")
        be.load("""
struct eth { char dst[6]; char src[6]; uint16 ethertype; };
struct ipv4 { uint8 version:4; uint8 ihl:4; uint8 tos; uint16 total_length; uint16 identification;
              uint16 flags_fragment; uint8 ttl; uint8 protocol; uint16 checksum; uint32 src; uint32 dst; };
struct udp { uint16 sport; uint16 dport; uint16 length; uint16 checksum; };
""")
        ds_rec, ds_eth, ds_ip, ds_udp = le.rec, be.eth, be.ipv4, be.udp

        def ds_parse() -> List[Any]:
            fh = io.BytesIO(data)
            fh.seek(24)
            end = len(data)
            out = []
            while fh.tell() < end:
                rec = ds_rec(fh)
                out.append((rec, ds_eth(fh), ds_ip(fh), ds_udp(fh), fh.read(rec.incl_len - 42)))
            return out

        def ds_decode(t: Any) -> Tuple[Any, ...]:
            rec, eth, ip, udp, payload = t
            return (attrs(REC_FIELDS)(rec) + attrs(ETH_FIELDS)(eth) + attrs(IP_FIELDS)(ip) + attrs(UDP_FIELDS)(udp)
                    + (payload,))
        impls.append(Impl("dissect.cstruct", ds_parse, each(ds_decode)))
        notes.append("dissect.cstruct has one byte order per `cstruct` instance, so its packet loop reads the "
                     "little-endian record header and the big-endian network headers with two instances from "
                     "one stream.")
    else:
        impls.append(na("dissect.cstruct", "dissect.cstruct not installed"))
    return Workload("W5", "pcap-like file, %d UDP packets (%d bytes)" % (n, len(data)),
                    [Operation("parse", n, len(data), impls)], notes)


# --------------------------------------------------------------------------- W6: header + grid of records


class W6Header(Struct, endian="little"):
    field_1: int = u16le()
    field_2: int = u16le()
    field_3: int = u16le()
    field_4: int = u16le()
    field_5: int = u16le()
    field_6: int = u16le()
    field_7: int = u16le()
    field_8: int = u16le()
    field_9: int = u16le()
    field_10: int = u16le()


class W6Record(Struct, endian="little"):
    a1: int = u16le()
    a2: int = u16le()
    a3: int = u16le()
    b1: int = u32le()
    b2: int = u32le()
    b3: int = u32le()
    values: List[int] = Array(u16le, count=this._parent.header.field_3)


class W6File(Struct, endian="little"):
    header: W6Header
    records: List[W6Record] = Array(W6Record, count=this.header.field_1 * this.header.field_2)


class W6RecordTyped(Struct, endian="little"):
    a1: int = u16le()
    a2: int = u16le()
    a3: int = u16le()
    b1: int = u32le()
    b2: int = u32le()
    b3: int = u32le()
    values: Any = Array(u16le, count=this._parent.header.field_3, typed=True)  # one array.array


class W6FileTyped(Struct, endian="little"):
    header: W6Header
    records: List[W6RecordTyped] = Array(W6RecordTyped, count=this.header.field_1 * this.header.field_2)


W6_HEADER = tuple("field_%d" % i for i in range(1, 11))
W6_RECORD = ("a1", "a2", "a3", "b1", "b2", "b3")


def w6_decode(f: Any) -> List[Any]:
    """The header on its own, then one entry a record (so the cross-check compares the first records)."""
    return [attrs(W6_HEADER)(f.header)] + [attrs(W6_RECORD)(r) + (tuple(field(r, "values")),) for r in f.records]


def w6(size: str) -> Workload:
    side = max(1, int(round(100 * math.sqrt(SIZES[size]))))
    field_3 = 1991
    rng = random.Random(6)
    header = [side, side, field_3] + [rng.getrandbits(16) for _ in range(7)]
    rec_head = struct.Struct("<3H3I")
    nrec = side * side
    parts = [struct.pack("<10H", *header)]
    blob = rng.getrandbits(8 * 2 * field_3 * 7).to_bytes(2 * field_3 * 7, "little")  # 7 distinct value rows
    for i in range(nrec):
        parts.append(rec_head.pack(i & 0xFFFF, rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(32),
                                   rng.getrandbits(32), i))
        k = i % 7
        parts.append(blob[k * 2 * field_3:(k + 1) * 2 * field_3])
    data = b"".join(parts)

    File = slots_class("W6FileRef", ("header", "records"))
    Header = slots_class("W6HeaderRef", W6_HEADER)
    Record = slots_class("W6RecordRef", W6_RECORD + ("values",))
    head_s = struct.Struct("<10H")

    def ref_parse() -> Any:
        h = Header(*head_s.unpack_from(data, 0))
        vals = struct.Struct("<%dH" % h.field_3)
        unpack_head, unpack_vals, step = rec_head.unpack_from, vals.unpack_from, vals.size
        off = head_s.size
        records = []
        for _ in range(h.field_1 * h.field_2):
            a1, a2, a3, b1, b2, b3 = unpack_head(data, off)
            off += 18
            records.append(Record(a1, a2, a3, b1, b2, b3, list(unpack_vals(data, off))))
            off += step
        if off != len(data):
            raise ValueError("trailing bytes")
        return File(h, records)

    impls = [Impl(REF, ref_parse, w6_decode), Impl("binmodel", lambda: W6File.parse(data), w6_decode),
             Impl("binmodel, typed arrays", lambda: W6FileTyped.parse(data), w6_decode)]
    notes = ["One record = one 4000-byte record (%d records, %.1f MB). Each record's `field_3` numbers become a "
             "Python list (`binmodel, typed arrays`: one `array.array` a record, `Array(..., typed=True)`)."
             % (nrec, len(data) / 1e6)]
    if construct is not None:
        c = construct
        CHeader = c.Struct(*[name / c.Int16ul for name in W6_HEADER])
        CRecord = c.Struct("a1" / c.Int16ul, "a2" / c.Int16ul, "a3" / c.Int16ul, "b1" / c.Int32ul,
                           "b2" / c.Int32ul, "b3" / c.Int32ul,
                           "values" / c.Array(c.this._.header.field_3, c.Int16ul))
        CFile = c.Struct("header" / CHeader,
                         "records" / c.Array(c.this.header.field_1 * c.this.header.field_2, CRecord))
        for label, cc in (("Construct", CFile), ("Construct compiled", CFile.compile())):
            impls.append(Impl(label, lambda cc=cc: cc.parse(data), w6_decode))
    else:
        impls.append(na("Construct", "construct not installed"))
    if cstruct is not None:
        cs = cstruct(endian="<")
        cs.load("struct header { %s };" % " ".join("uint16 %s;" % name for name in W6_HEADER))
        ds_header = cs.header
        record_types: Dict[int, Any] = {}

        def ds_record_type(count: int) -> Any:
            # a dissect.cstruct struct cannot refer to a field of the enclosing header: define the record
            # type for this file's field_3 (once, cached) and read field_1 x field_2 of them
            if count not in record_types:
                cs.load("struct record_%d { uint16 a1; uint16 a2; uint16 a3; uint32 b1; uint32 b2; uint32 b3; "
                        "uint16 values[%d]; };" % (count, count))
                record_types[count] = getattr(cs, "record_%d" % count)
            return record_types[count]

        def ds_parse() -> Any:
            fh = io.BytesIO(data)
            h = ds_header(fh)
            rec = ds_record_type(h.field_3)
            return File(h, [rec(fh) for _ in range(h.field_1 * h.field_2)])
        impls.append(Impl("dissect.cstruct", ds_parse, w6_decode))
        notes.append("dissect.cstruct cannot size an array inside a record by a field of the file header, so "
                     "its record type is defined for the header's `field_3` at run time (once, cached).")
    else:
        impls.append(na("dissect.cstruct", "dissect.cstruct not installed"))
    return Workload("W6", "header of ten `u16le`, then `field_1` x `field_2` records of `{u16le x3, u32le x3, "
                    "field_3 x u16le}`, field_1 = field_2 = %d, field_3 = %d" % (side, field_3),
                    [Operation("parse", nrec, len(data), impls)], notes)


def w7(size: str) -> Workload:
    """Two .ksy formats imported with ``binmodel.kaitai.load`` against Kaitai's generated Python."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import kaitai_formats as kf
    finally:
        sys.path.pop(0)
    from binmodel.kaitai import load

    n = scaled(20000, size)
    rng = random.Random(7)
    why = kf.kaitai_missing()
    operations, notes = [], []
    for name, text, make, ref, decode in (("xored", kf.XORED, kf.xored_data, kf.ref_xored, kf.decode_xored),
                                          ("indexed", kf.INDEXED, kf.indexed_data, kf.ref_indexed,
                                           kf.decode_indexed)):
        data, values = make(n, rng)
        assert ref(data) == values, "W7 %s: the reference does not decode the generated data" % name
        model = load(text)
        # every implementation is timed with the values read out (Kaitai's instances, binmodel's lazy
        # pointers are read when used: the timing includes using them)
        impls = [Impl(REF, lambda data=data, ref=ref: ref(data)),
                 Impl("binmodel (from .ksy)", lambda data=data, m=model, d=decode: d(m.parse(data)))]
        if why is None:
            from_bytes = kf.kaitai_class(name, text)
            impls.append(Impl("Kaitai Struct (generated Python)", lambda data=data, f=from_bytes, d=decode: d(f(data))))
        else:
            impls.append(na("Kaitai Struct (generated Python)", why))
        operations.append(Operation("parse %s" % name, n, len(data), impls))
    notes.append("`xored`: %d records whose payload is stored `process: xor(key)`; `indexed`: a table of %d "
                 "entries, each with two parse instances (`pos:`). Each implementation is timed with "
                 "the values read out of its objects (so the instances, read when first used, are read). Both .ksy texts are in bench/kaitai_formats.py; "
                 "Kaitai's Python comes from its own compiler (npm `kaitai-struct-compiler`) and runs on "
                 "`kaitaistruct`." % (n, n))
    return Workload("W7", "two formats imported from .ksy: payloads with `process: xor`, an index read "
                    "through `pos:` instances", operations, notes)


WORKLOADS: Dict[str, Callable[[str], Workload]] = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6,
                                                   "W7": w7}


# --------------------------------------------------------------------------- C1: compile time

COMPILE_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import binmodel
from binmodel import Array, Bits, Bytes, Enum, Struct, f32, f64, i16, i32, this, u8, u16, u32, u64
try:
    from binmodel.building import build as interpreted_build
    from binmodel.building.compiled import build_entry
    from binmodel.parsing.compiled import REGISTRY as _parsers
    parser_for = _parsers.parser
except ImportError:  # (binmodel 0.1 had one module for each engine: the same calls there)
    from binmodel import compile as _compiled
    parser_for, build_entry, interpreted_build = _compiled.parser_for, _compiled.build_entry, binmodel.interp.build
import enum
t_import = time.perf_counter() - t0


class Kind(enum.IntEnum):
    A = 1
    B = 2


class Point(Struct, endian="little"):
    x: float = f32()
    y: float = f32()


def define(name):
    fields = dict(
        magic=u32(), version=u16(), flags=u16(), kind=Enum(u8, Kind), hi=Bits(3), mid=Bits(5), lo=Bits(8),
        count=u16(), size=u32(), stamp=u64(), delta=i16(), offset=i32(), scale=f64(), ratio=f32(),
        origin=None, name_len=u8(), name=Bytes(this.name_len), values=Array(u16, count=this.count),
        tail=Bytes(this.size), crc=u32(),
    )
    ns = {"__annotations__": {key: Point if spec is None else object for key, spec in fields.items()}}
    ns.update((key, spec) for key, spec in fields.items() if spec is not None)
    return type(Struct)(name, (Struct,), ns, endian="little")


t0 = time.perf_counter()
One = define("One")
t_define = time.perf_counter() - t0
assert len(One._bm_node.fields()) == 20, len(One._bm_node.fields())
t0 = time.perf_counter()
parser_for(One._bm_node)
t_parse_code = time.perf_counter() - t0
t0 = time.perf_counter()
build_entry(One._bm_node)
t_build_code = time.perf_counter() - t0
Two = define("Two")
obj = Two(magic=1, version=2, flags=3, kind=Kind.B, hi=1, mid=2, lo=3, count=2, size=3, stamp=4, delta=-5,
          offset=-6, scale=0.5, ratio=0.25, origin=Point(x=1.0, y=2.0),
          name_len=2, name=b"hi", values=[7, 8], tail=b"abc", crc=9)
raw = interpreted_build(Two._bm_node, obj)
t0 = time.perf_counter()
Two.parse(raw)
t_first_parse = time.perf_counter() - t0
t0 = time.perf_counter()
Two.build(obj)
t_first_build = time.perf_counter() - t0
out = dict(t_import=t_import, t_define=t_define, t_parse_code=t_parse_code, t_build_code=t_build_code,
           t_first_parse=t_first_parse, t_first_build=t_first_build)
try:
    import construct as c
    C = c.Struct(*[name / kind for name, kind in [
        ("magic", c.Int32ul), ("version", c.Int16ul), ("flags", c.Int16ul), ("kind", c.Int8ul),
        ("bits", c.BitStruct("hi" / c.BitsInteger(3), "mid" / c.BitsInteger(5), "lo" / c.BitsInteger(8))),
        ("count", c.Int16ul), ("size", c.Int32ul), ("stamp", c.Int64ul), ("delta", c.Int16sl),
        ("offset", c.Int32sl), ("scale", c.Float64l), ("ratio", c.Float32l),
        ("origin", c.Struct("x" / c.Float32l, "y" / c.Float32l)), ("name_len", c.Int8ul),
        ("name", c.Bytes(c.this.name_len)), ("values", c.Array(c.this.count, c.Int16ul)),
        ("tail", c.Bytes(c.this.size)), ("crc", c.Int32ul)]])
    t0 = time.perf_counter()
    C.compile()
    out["t_construct_compile"] = time.perf_counter() - t0
except ImportError:
    pass
print(json.dumps(out))
"""

COMPILE_ROWS = [
    ("t_import", "`import binmodel` (fresh process)"),
    ("t_define", "class statement of a 20-field model"),
    ("t_parse_code", "generate and compile its parser (`exec`)"),
    ("t_build_code", "generate and compile its builder"),
    ("t_first_parse", "first `Model.parse` of a second such model, compile included"),
    ("t_first_build", "first `Model.build` of it, compile included"),
    ("t_construct_compile", "Construct: `Struct.compile()` of the same 20 fields (for comparison)"),
]


def compile_times(repeats: int) -> str:
    """C1: what a model costs before its first record, each run in a fresh interpreter (nothing cached)."""
    import json
    import os
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    runs = []
    for _ in range(max(3, repeats)):
        out = subprocess.run([sys.executable, "-c", COMPILE_CHILD], env=env, capture_output=True, text=True,
                             check=True)
        runs.append(json.loads(out.stdout))
    lines = ["### C1: compile time of a 20-field model (median of %d fresh processes)" % len(runs), "",
             "| step | time |", "|---|--:|"]
    for key, label in COMPILE_ROWS:
        values = [r[key] for r in runs if key in r]
        if values:
            lines.append("| %s | %.2f ms |" % (label, statistics.median(values) * 1e3))
    lines += ["", "The model mixes fixed numbers, a bit group, an enum, a nested struct, bytes and an array sized "
              "by fields. Targets: compile under 5 ms, first parse under 20 ms in all."]
    return "\n".join(lines)


# --------------------------------------------------------------------------- driver


def run(size: str = "small", only: Optional[Sequence[str]] = None, repeats: int = 5,
        log: Optional[Callable[[str], None]] = None, keep_gc: bool = False) -> Tuple[str, Dict[str, List[Row]]]:
    """Cross-check and time the chosen workloads; returns the Markdown text and the rows per workload."""
    if size not in SIZES:
        raise ValueError("size must be one of %s" % ", ".join(SIZES))
    keys = [k for k in keys_asked(only) if k != "C1"] if only else list(WORKLOADS)
    unknown = [k for k in keys if k not in WORKLOADS]
    if unknown:
        raise ValueError("unknown workload(s) %s; choose from %s" % (", ".join(unknown), ", ".join(WORKLOADS)))
    say = log or (lambda text: None)
    sections = ["%s · size %s · median of %d rounds, implementations timed in turn · cyclic GC %s while timing" % (
        versions(), size, repeats, "on" if keep_gc else "off")]
    all_rows: Dict[str, List[Row]] = {}
    for key in keys:
        say("%s: generating data" % key)
        workload = WORKLOADS[key](size)
        rows = []
        for op in workload.operations:
            say("%s %s: cross-checking %d implementations" % (key, op.name, sum(i.run is not None for i in op.impls)))
            cross_check(op, workload)
            timed = [impl for impl in op.impls if impl.run is not None]
            say("%s %s: timing %s in turn" % (key, op.name, ", ".join(impl.name for impl in timed)))
            seconds = dict(zip(map(id, timed), time_round_robin([i.run for i in timed], repeats, keep_gc)))
            rows.extend(Row(op, impl, seconds.get(id(impl))) for impl in op.impls)
        all_rows[key] = rows
        sections.append(table(workload, rows))
        workload.release()
        gc.collect()
    if only is None or "C1" in keys_asked(only):
        say("C1: compile time in fresh processes")
        sections.append(compile_times(repeats))
    return "\n\n".join(sections) + "\n", all_rows


def keys_asked(only: Sequence[str]) -> List[str]:
    return [k.strip().upper() for k in only]


DOCS_HEAD = """# Benchmarks

Generated by `python bench/run.py --size full --write-docs` (see `bench/README.md`).
Each table gives, for one workload, the median time per record over the repeats,
the throughput, and the ratio to hand-written `struct.Struct.unpack_from` / `pack`
code filling `__slots__` objects (1.00x; higher is slower). Every implementation
was checked to decode the same values (and build the same bytes) as that reference
before it was timed. The builds of W1, W2 and W4 also have `struct, with the
builder's checks (hand-written)`: the reference plus exactly the checks binmodel's
generated builder makes for that model; binmodel's build is to be compared with
that row (the `binmodel vs checked reference` line under those tables), the
`vs struct` column staying against the unchecked reference. Numbers are only
comparable within one run, on one machine.

"""


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), default="small",
                        help="tiny = 1/100 of the full sizes, small = 1/10 (default: small)")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W3 (default: all)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs per implementation (default: 5; 1 for --size tiny, a smoke run)")
    parser.add_argument("--write-docs", action="store_true", help="also write docs/benchmarks.md")
    parser.add_argument("--gc", action="store_true", help="keep the cyclic garbage collector on while timing")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    only = [k for k in args.only.split(",") if k.strip()] or None

    def log(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    repeats = args.repeats if args.repeats is not None else (1 if args.size == "tiny" else 5)
    text, _ = run(args.size, only, max(1, repeats), log, keep_gc=args.gc)
    print(text, end="")
    if args.write_docs:
        DOCS_PATH.write_text(DOCS_HEAD + text, encoding="utf-8")
        log("wrote %s" % DOCS_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
