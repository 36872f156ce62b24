"""Parsed records as Apache Arrow tables: a model's Arrow schema, tables and record batches built column by
column from the schema tree, and instances (then bytes) back from a table. pyarrow is imported only when
these functions run (``pip install 'binmodel[arrow]'``); docs/arrow.md shows every mapping.

One converter per schema node, made once per model and options: it turns a list of Python values (one a
row) into one Arrow array, and an Arrow array back into the values, so a struct's column is its fields'
columns joined (no dict per record). Fixed-size records with no checks go through ``binmodel.bulk``'s numpy
view instead of objects (``to_table`` over their bytes). A form Arrow has no type for (a recursive model) is
the value's JSON text (``to_dict(json=True)``), marked so in the field's metadata; a value with no place in
its column (a record kept as ``Malformed``, a time outside a timestamp's range) is an ``ArrowError`` naming
the field path and the row.
"""

from __future__ import annotations

import datetime as _dt
import enum as _enum
import io
import ipaddress
import uuid as _uuid
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import schema as s
from .arrowconv import (
    META,
    ArrowError,
    BranchConv,
    Conv,
    ListConv,
    Plain,
    StructConv,
    Wrapped,
    _clock_conv,
    _Ctx,
    _Dictionary,
    _dos_conv,
    _int_conv,
    _join,
    _json_conv,
    _key_text,
    _pa,
    _text_int_conv,
)
from .errors import DefinitionError
from .expr import Lit
from .fields import resolve_lazy


class Options:
    """The choices a table makes: ``enums`` "int" (the number, default) or "name" (dictionary-encoded member
    names; an unknown value is its decimal text); ``addresses`` "text" (default) or "binary" (fixed-size
    binary); ``mapped`` "arrow" (times as timestamps, addresses..., default) or "wire" (every converted field
    as its wire value)."""

    __slots__ = ("enums", "addresses", "mapped")

    def __init__(self, enums: str = "int", addresses: str = "text", mapped: str = "arrow") -> None:
        for name, value, allowed in (("enums", enums, ("int", "name")), ("addresses", addresses, ("text", "binary")),
                                     ("mapped", mapped, ("arrow", "wire"))):
            if value not in allowed:
                raise ValueError("%s= is one of %s, not %r" % (name, ", ".join(map(repr, allowed)), value))
        self.enums, self.addresses, self.mapped = enums, addresses, mapped

    def key(self) -> Tuple[str, str, str]:
        return (self.enums, self.addresses, self.mapped)


# --- the converter of each node ----------------------------------------------------------------------------



class Builder:
    """Makes the converters of one model's nodes with one set of options; a struct met again inside itself
    (a recursive model) becomes JSON text."""

    DEPTH = 2  # how many times a recursive model nests in a column's type before the rest is JSON text

    def __init__(self, options: Options) -> None:
        self.options = options
        self.open: List[int] = []

    def struct(self, node: s.Struct, path: str) -> Conv:
        if self.open.count(id(node)) >= self.DEPTH:
            return _json_conv(node, path)
        if node.cls is None:
            raise DefinitionError("%s: %s is not a model class's struct" % (path or "record", node.name))
        self.open.append(id(node))
        try:
            stored = set(node.cls._bm_stored)
            fields = [(f.name, self.conv(f.type, _join(path, f.name)), f.type.name) for f in node.fields()
                      if f.stored and f.name in stored]
        finally:
            self.open.pop()
        return StructConv(path, node, fields)

    def conv(self, node: s.Node, path: str) -> Conv:
        pa = _pa()
        if isinstance(node, s.Lazy):
            return self.conv(resolve_lazy(node), path)
        if isinstance(node, s.Struct):
            return self.struct(node, path)
        if isinstance(node, s.Int):
            return _int_conv(path, node.bits, node.signed)
        if isinstance(node, s.Bits):
            base = _int_conv(path, node.bits, node.signed)
            return base if node.enum is None else self.enum(path, base, node.enum)
        if isinstance(node, s.Float):
            return Plain(path, pa.float64() if node.bits == 64 else pa.float32(), float)
        if isinstance(node, s.Bool):
            return Plain(path, pa.bool_())
        if isinstance(node, s.VarInt):
            return _int_conv(path, 64, node.kind in ("signed", "zigzag"))
        if isinstance(node, s.TextInt):
            return _text_int_conv(node, path)
        if isinstance(node, s.Computed):  # (its type is whatever the expression gives)
            return _json_conv(node, path)
        if isinstance(node, (s.Bytes, s.TermBytes)):
            size = getattr(node, "size", None)
            fixed = isinstance(size, Lit) and isinstance(size.value, int) and not isinstance(node, s.TermBytes)
            return Plain(path, pa.binary(size.value) if fixed else pa.binary())  # type: ignore[union-attr]
        if isinstance(node, s.String):
            return Plain(path, pa.string())
        if isinstance(node, s.Array):
            item = self.conv(node.item, path + "[]")
            code = None
            if node.typed and isinstance(node.item, (s.Int, s.Float)) and node.item.bits in (
                    (8, 16, 32, 64) if isinstance(node.item, s.Int) else (32, 64)):
                code = s.typecode(node.item)  # (the item's width: Arrow's own type holds it as it is)
            return ListConv(path, item, code)
        if isinstance(node, s.Enum):
            return self.enum(path, self.conv(node.base, path), node.enum)
        if isinstance(node, s.Flags):
            flags = node.flags
            return Wrapped(path, self.conv(node.base, path), int, flags)
        if isinstance(node, s.Mapped):
            return self.mapped(node, path)
        if isinstance(node, s.Switch):
            return self.switch(node, path)
        if isinstance(node, s.Fallback):
            return self.fallback(node, path)
        if isinstance(node, s.Transformed):
            return self.conv(node.type, path) if node.type is not None else Plain(path, pa.binary(), bytes)
        if isinstance(node, s.Const):
            return self.conv(node.type, path)
        if isinstance(node, (s.If, s.UnlessEnd, s.Pointer, s.Peek, s.Sized, s.Valid, s.Args, s.ByteOrder)):
            return self.conv(node.type, path)
        raise DefinitionError("%s: %s has no Arrow form" % (path or "record", node.name))

    def enum(self, path: str, base: Conv, kind: Any) -> Conv:
        members = kind._value2member_map_

        def member(v: Any) -> Any:
            return members.get(v, v)

        if self.options.enums == "int":
            return Wrapped(path, base, int, member)
        pa = _pa()

        def name(v: Any) -> str:
            return v.name if isinstance(v, _enum.Enum) else str(int(v))

        def back(text: str) -> Any:
            return kind[text] if text in kind.__members__ else int(text)

        return _Dictionary(path, Plain(path, pa.string(), name, back))

    def mapped(self, node: s.Mapped, path: str) -> Conv:
        pa = _pa()
        label, decode = node.label, node.decode
        if self.options.mapped == "arrow":
            if label in ("IPv4", "IPv6"):
                if self.options.addresses == "binary":
                    return Plain(path, pa.binary(4 if label == "IPv4" else 16), node.encode, decode)
                kind = ipaddress.IPv4Address if label == "IPv4" else ipaddress.IPv6Address
                return Plain(path, pa.string(), str, kind)
            if label == "MAC":
                return Plain(path, pa.string(), str)
            if label in ("UUID", "GUID"):
                return Plain(path, pa.binary(16), lambda v: _uuid.UUID(str(v)).bytes, lambda b: _uuid.UUID(bytes=b))
            if label.startswith(("Q", "UQ")) and isinstance(node.base, s.Int):
                return Plain(path, pa.float64(), float)
            clock = getattr(decode, "clock", None)
            if clock is not None:
                conv = _clock_conv(node, clock, path)
                if conv is not None:
                    return conv
            if label == "DosDateTime" and getattr(decode, "tz", None) in (None, _dt.timezone.utc):
                return _dos_conv(node, path)
        base = self.conv(node.base, path)
        conv = Wrapped(path, base, node.encode, decode)
        conv.form = b"wire"
        return conv

    def switch(self, node: s.Switch, path: str) -> Conv:
        options = [(k, t) for k, t in node.cases] + ([("default", node.default)] if node.default is not None else [])
        branches: List[Tuple[str, s.Node, Conv]] = []
        index: Dict[int, int] = {}
        for key, t in options:
            resolved = resolve_lazy(t) if isinstance(t, s.Lazy) else t
            same = next((i for i, b in enumerate(branches) if b[1] is resolved), None)
            if same is not None:
                index[id(t)] = same
                continue
            name = resolved.type_name if isinstance(resolved, s.Struct) else (
                "default" if key == "default" and t is node.default else "case_%s" % _key_text(key))
            taken = {b[0] for b in branches}
            base, n = name, 2
            while name in taken:
                name, n = "%s_%d" % (base, n), n + 1
            index[id(t)] = len(branches)
            branches.append((name, resolved, self.conv(resolved, _join(path, name))))
        structs = {id(b[1]): i for i, b in enumerate(branches) if isinstance(b[1], s.Struct)}
        others = [i for i, b in enumerate(branches) if not isinstance(b[1], s.Struct)]

        def choose(value: Any, owner: Any) -> int:
            found = structs.get(id(getattr(type(value), "_bm_node", None)))
            if found is not None:
                return found
            if len(others) == 1:
                return others[0]
            try:
                case = node.case(node.on.evaluate(owner))
            except Exception as exc:
                raise ArrowError("cannot tell which case %r is (%s: %s)" % (value, type(exc).__name__, exc)) from None
            if case is None or id(case) not in index:
                raise ArrowError("%r is no case of %s" % (value, node.name))
            return index[id(case)]

        return BranchConv(path, branches, choose, len(others) > 1)

    def fallback(self, node: s.Fallback, path: str) -> Conv:
        main = resolve_lazy(node.type) if isinstance(node.type, s.Lazy) else node.type
        other = resolve_lazy(node.otherwise) if isinstance(node.otherwise, s.Lazy) else node.otherwise
        branches = [("value", main, self.conv(main, _join(path, "value"))),
                    ("otherwise", other, self.conv(other, _join(path, "otherwise")))]

        def choose(value: Any, owner: Any) -> int:
            if isinstance(main, s.Struct):
                return 0 if isinstance(value, main.cls) else 1
            if isinstance(other, s.Struct):
                return 1 if isinstance(value, other.cls) else 0
            return 0

        return BranchConv(path, branches, choose, False)


# --- the public functions --------------------------------------------------------------------------------

_CONVS: Dict[Tuple[int, Tuple[str, str, str]], Tuple[Any, StructConv]] = {}


def converter(model: Any, options: Optional[Options] = None) -> StructConv:
    """The converter of ``model``'s records (made once per model and options)."""
    options = options or Options()
    key = (id(model), options.key())
    hit = _CONVS.get(key)
    if hit is not None and hit[0] is model:
        return hit[1]
    node = getattr(model, "_bm_node", None)
    if not isinstance(node, s.Struct):
        raise TypeError("expected a model class (a binmodel.Struct subclass), found %r" % (model,))
    conv = Builder(options).struct(node, "")
    if not isinstance(conv, StructConv):
        raise DefinitionError("%s: a model that is its own first field has no Arrow form" % model.__name__)
    _CONVS[key] = (model, conv)
    return conv


def schema(model: Any, **options: str) -> Any:
    """The ``pyarrow.Schema`` of a table of ``model``'s records: one column per stored field (``Computed``
    fields, which take no bytes, are left out), each field's metadata naming its binmodel type."""
    conv = converter(model, Options(**options))
    return _pa().schema(conv.arrow_fields, metadata={META: model.__name__.encode()})


def record_batch(model: Any, records: Sequence[Any], *, parent: Any = None, **options: str) -> Any:
    """One ``pyarrow.RecordBatch`` of ``records`` (instances of ``model``), built column by column.
    ``parent``: the instance the records were read in, for a switch whose key is ``this._parent.x``."""
    pa = _pa()
    conv = converter(model, Options(**options))
    records = list(records)
    owners = [_Ctx(parent, None)] * len(records) if conv.needs_ctx and parent is not None else None
    columns = conv.columns(records, owners)
    if any(r is None for r in records):
        raise ArrowError("a record is None", "", next(i for i, r in enumerate(records) if r is None))
    return pa.RecordBatch.from_arrays(columns, schema=schema(model, **options)) if columns else \
        pa.RecordBatch.from_pylist([{}] * len(records))


def iter_batches(model: Any, records: Iterable[Any], *, batch_size: int = 65536, parent: Any = None,
                 **options: str) -> Iterator[Any]:
    """``pyarrow.RecordBatch`` es of at most ``batch_size`` records each, taken from ``records`` (any iterable,
    such as ``Model.iter_stream(f)``) as they come: memory holds one batch's objects, never the stream."""
    if batch_size < 1:
        raise ValueError("batch_size is at least 1, not %r" % (batch_size,))
    batch: List[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            yield record_batch(model, batch, parent=parent, **options)
            batch = []
    if batch:
        yield record_batch(model, batch, parent=parent, **options)


def records_at(model: Any, data: Any, record_path: str) -> Tuple[Any, List[Any], Any]:
    """``(record model, records, the instance holding them)``: ``data`` parsed as ``model``, then the
    attributes (or properties) named by ``record_path`` ("records", "body.records") followed."""
    value = model.parse(data)
    holder = value
    for name in record_path.split("."):
        holder, value = value, getattr(value, name)
    records = list(value)
    item = next((type(r) for r in records if hasattr(type(r), "_bm_node")), None)
    if item is None:
        item = _item_model(model._bm_node, record_path.split("."))
    return item, records, _owner(holder, record_path.split(".")[-1])


def _owner(holder: Any, name: str) -> Any:
    """The instance whose field holds the records (a property such as ``Pcap.records`` reads another's)."""
    if name in getattr(type(holder), "_bm_stored", ()):
        return holder
    for field in getattr(type(holder), "_bm_stored", ()):
        inner = getattr(holder, field, None)
        if name in getattr(type(inner), "_bm_stored", ()):
            return inner
    return holder


def _item_model(node: s.Node, names: List[str]) -> Any:
    for name in names:
        while not isinstance(node, s.Struct):
            inner = getattr(node, "type", None)
            if not isinstance(inner, s.Node):
                raise ArrowError("cannot tell the record model at %r without a record" % ".".join(names))
            node = inner
        found = [f.type for f in node.fields() if f.name == name]
        if not found:
            raise ArrowError("%s has no field %r: give records to tell their model" % (node.name, name))
        node = found[0]
    while not isinstance(node, s.Array):
        inner = getattr(node, "type", None)
        if not isinstance(inner, s.Node):
            raise ArrowError("%s at %r holds no array of records" % (node.name, ".".join(names)))
        node = inner
    item = resolve_lazy(node.item) if isinstance(node.item, s.Lazy) else node.item
    return item.cls  # type: ignore[attr-defined]


def to_table(model: Any, data: Any, *, record_path: Optional[str] = None, batch_size: int = 65536,
             **options: str) -> Any:
    """A ``pyarrow.Table`` with one row a record. ``data``: the bytes of ``model`` records one after another
    (a fixed-size model with no checks is read through numpy, no object a record), a binary file object
    (read as a stream, one batch at a time), or instances of ``model``. With ``record_path``, ``data`` is
    one ``model`` (a whole capture file) and the rows are its records at that path ("records")."""
    pa = _pa()
    if record_path is not None:
        item, records, owner = records_at(model, data, record_path)
        batches = list(iter_batches(item, records, batch_size=batch_size, parent=owner, **options))
        return pa.Table.from_batches(batches, schema=schema(item, **options))
    if isinstance(data, (bytes, bytearray, memoryview)):
        from .fastarrow import fast_table
        from .streams import plan

        table = fast_table(model, data, Options(**options))
        if table is not None:
            return table
        data = io.BytesIO(bytes(data)) if plan(model._bm_node).seeks is None else [model.parse(data)]
    records = model.iter_stream(data) if hasattr(data, "read") else data
    return pa.Table.from_batches(list(iter_batches(model, records, batch_size=batch_size, **options)),
                                 schema=schema(model, **options))


def from_table(model: Any, table: Any, **options: str) -> List[Any]:
    """The instances of ``model`` in ``table`` (a ``Table`` or ``RecordBatch`` such as ``to_table`` gives,
    perhaps filtered or sliced), made column by column: ``Model.build`` writes each back."""
    pa = _pa()
    conv = converter(model, Options(**options))
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    missing = [n for n in conv.names if n not in table.column_names]
    if missing:
        raise ArrowError("the table has no column %s (columns: %s)" % (", ".join(missing), ", ".join(table.column_names)))
    out: List[Any] = []
    for batch in table.select(conv.names).to_batches():
        columns = [c.from_arrow(batch.column(i)) for i, (_, c, _) in enumerate(conv.fields)]
        out.extend(conv.rows(columns, None))
    return out


def to_bytes(model: Any, table: Any, **options: str) -> bytes:
    """``table``'s records built back to back: a file of ``model`` records again (for a container such as a
    pcap, build the container with ``from_table``'s records, as docs/arrow.md shows)."""
    return b"".join(model.build(r) for r in from_table(model, table, **options))


__all__ = ["ArrowError", "Options", "schema", "record_batch", "iter_batches", "to_table", "from_table", "to_bytes"]
