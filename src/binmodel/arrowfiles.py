"""``binmodel convert``: a file's records written as Parquet, an Arrow IPC file or NDJSON, one batch at a time.

A format the command line can stream (pcap: ``read_stream``) is read a chunk at a time and written a batch at a
time, so memory holds one batch whatever the file's size; any other model is parsed whole and its records
(``--records PATH``) written. Progress goes to standard error, only when it is a terminal.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, Iterator, Optional, Tuple, cast

from . import arrow


def _progress(total: int, where: Callable[[], int]) -> Callable[[int], None]:
    """A function to call after each batch: prints ``records, percent`` on a terminal's standard error."""
    if not sys.stderr.isatty() or total <= 0:
        return lambda count: None

    def show(count: int) -> None:
        sys.stderr.write("\r%d records, %3d%%" % (count, min(100, where() * 100 // total)))
        sys.stderr.flush()

    return show


def batches(model: Any, path: str, records: Optional[str], batch_size: int,
            stream: Optional[Callable[[Any], Any]], **options: str) -> Tuple[Any, Iterator[Any], Any]:
    """``(schema, record batches, file object to close)`` of the records of ``path`` read as ``model``."""
    f = open(path, "rb")
    total = os.fstat(f.fileno()).st_size
    if stream is not None and records in (None, "records"):
        magic, header, items = stream(f)
        item = _record_model(magic)
        show = _progress(total, f.tell)
        return arrow.schema(item, **options), _counted(arrow.iter_batches(
            item, items, batch_size=batch_size, parent={"header": header}, **options), show), f
    data = f.read()
    if records is None and hasattr(model, "records"):
        records = "records"
    if records:
        item, found, owner = arrow.records_at(model, data, records)
        batch_iter = arrow.iter_batches(item, found, batch_size=batch_size, parent=owner, **options)
        return arrow.schema(item, **options), batch_iter, f
    table = arrow.to_table(model, data, **cast(Dict[str, Any], options))
    return table.schema, iter(table.to_batches()), f


def _record_model(magic: int) -> Any:
    """The record model of a streamed pcap: the body's that its magic number chose."""
    from .formats import pcap

    records = [fd for fd in pcap._BODIES[magic]._bm_node.fields() if fd.name == "records"][0].type
    return records.item.cls  # type: ignore[attr-defined]


def _counted(batches: Iterator[Any], show: Callable[[int], None]) -> Iterator[Any]:
    count = 0
    for batch in batches:
        count += batch.num_rows
        show(count)
        yield batch
    if count:
        show(count)
        if sys.stderr.isatty():
            sys.stderr.write("\n")


def write(schema: Any, batches: Iterator[Any], to: str) -> int:
    """Write ``batches`` to ``to`` (``.parquet``, ``.arrow``/``.feather``/``.ipc``, or ``-`` for NDJSON on
    standard output); the number of records written."""
    pa = arrow._pa()
    count = 0
    if to == "-":
        out = sys.stdout
        for batch in batches:
            for row in batch.to_pylist():
                out.write(json.dumps(row, default=_json_default, ensure_ascii=False) + "\n")
            count += batch.num_rows
        return count
    if to.endswith(".parquet"):
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]

        with pq.ParquetWriter(to, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
                count += batch.num_rows
        return count
    if to.endswith((".arrow", ".feather", ".ipc")):
        with pa.OSFile(to, "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
                count += batch.num_rows
        return count
    raise ValueError("--to names a .parquet, .arrow (or .feather, .ipc) file, or - for NDJSON, not %r" % to)


def _json_default(value: Any) -> Any:
    """What JSON takes for the values Arrow gives back: bytes as hex, times and the rest as text."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return str(value)
