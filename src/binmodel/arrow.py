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

import calendar
import datetime as _dt
import enum as _enum
import io
import ipaddress
import json
import uuid as _uuid
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import schema as s
from .errors import DefinitionError, Error
from .expr import Lit
from .fields import resolve_lazy
from .malformed import Malformed

META = b"binmodel"  # field metadata: the binmodel type a column holds
FORM = b"binmodel.form"  # "wire" (the wire value of a converted field) or "json" (JSON text)


def _pa() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ImportError("binmodel.arrow needs pyarrow: pip install 'binmodel[arrow]'") from None
    return pyarrow


class ArrowError(Error, ValueError):
    """A value that has no place in its Arrow column, or a column value that is no value of its field:
    ``path`` names the field, ``row`` the record (counted from 0 in the values converted)."""

    def __init__(self, reason: str, path: str = "", row: Optional[int] = None) -> None:
        self.reason, self.path, self.row = reason, path, row
        where = path or "record"
        if row is not None:
            where = "row %d: %s" % (row, where)
        super().__init__("%s: %s" % (where, reason))


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


class _Ctx:
    """What ``this`` names while a switch's key is evaluated over a converted instance."""

    __slots__ = ("obj", "parent", "prev")

    def __init__(self, obj: Any, parent: Optional[_Ctx]) -> None:
        self.obj, self.parent, self.prev = obj, parent, None

    @property
    def values(self) -> Dict[str, Any]:
        if isinstance(self.obj, dict):  # (a parent given as its fields: {"header": header})
            return self.obj
        return {n: getattr(self.obj, n, None) for n in type(self.obj)._bm_stored}

    def get(self, name: str) -> Any:
        values = self.values
        if name not in values:
            raise LookupError(name)
        return values[name]


# --- converters: one per schema node --------------------------------------------------------------------


class Conv:
    """Values of one schema node to one Arrow array and back. ``needs_ctx``: it evaluates ``this`` (a switch)."""

    type: Any
    needs_ctx = False
    form: Optional[bytes] = None

    def __init__(self, path: str) -> None:
        self.path = path

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        raise NotImplementedError

    def from_arrow(self, arr: Any) -> List[Any]:
        raise NotImplementedError

    def fail(self, reason: str, row: Optional[int] = None) -> ArrowError:
        return ArrowError(reason, self.path, row)


def _first_bad(values: List[Any], type_: Any) -> Tuple[Optional[int], str]:
    pa = _pa()
    for i, v in enumerate(values):
        try:
            pa.array([v], type=type_)
        except Exception as exc:
            return i, "%r does not fit %s (%s)" % (v, type_, exc)
    return None, "does not fit %s" % type_


class Plain(Conv):
    """Values pyarrow takes as they are (after ``prepare``) and gives back (then ``post``)."""

    def __init__(self, path: str, type_: Any, prepare: Optional[Callable[[Any], Any]] = None,
                 post: Optional[Callable[[Any], Any]] = None) -> None:
        super().__init__(path)
        self.type, self.prepare, self.post = type_, prepare, post

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        pa = _pa()
        if self.prepare is not None:
            prepare, out = self.prepare, []
            for i, v in enumerate(values):
                try:
                    out.append(None if v is None else prepare(v))
                except ArrowError as exc:
                    raise self.fail(exc.reason, i) from None
                except Exception as exc:
                    raise self.fail("%r has no %s form (%s: %s)" % (v, self.type, type(exc).__name__, exc), i) from None
            values = out
        try:
            return pa.array(values, type=self.type)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            row, why = _first_bad(values, self.type)
            raise self.fail(why, row) from None

    def from_arrow(self, arr: Any) -> List[Any]:
        values = arr.to_pylist()
        post = self.post
        if post is None:
            return values  # type: ignore[no-any-return]
        out = []
        for i, v in enumerate(values):
            try:
                out.append(None if v is None else post(v))
            except ArrowError as exc:
                raise self.fail(exc.reason, i) from None
            except Exception as exc:
                raise self.fail("%r is no value of this field (%s: %s)" % (v, type(exc).__name__, exc), i) from None
        return out


def _int_type(bits: int, signed: bool, path: str) -> Any:
    pa = _pa()
    for width in (8, 16, 32, 64):
        if bits <= width:
            return getattr(pa, "%sint%d" % ("" if signed else "u", width))()
    if bits <= 126:
        return pa.decimal128(38, 0)
    if bits <= 252:
        return pa.decimal256(76, 0)
    raise DefinitionError("%s: a %d-bit integer has no Arrow type (decimal256 holds 252 bits)" % (path, bits))


def _int_conv(path: str, bits: int, signed: bool) -> Conv:
    type_ = _int_type(bits, signed, path)
    if bits > 64:
        import decimal

        return Plain(path, type_, decimal.Decimal, int)
    return Plain(path, type_, int)


class Wrapped(Conv):
    """A converter over another one's values: ``prepare`` on the way in, ``post`` on the way out."""

    def __init__(self, path: str, inner: Conv, prepare: Callable[[Any], Any], post: Callable[[Any], Any],
                 type_: Any = None) -> None:
        super().__init__(path)
        self.inner, self.prepare, self.post = inner, prepare, post
        self.type = inner.type if type_ is None else type_
        self.needs_ctx = inner.needs_ctx

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        out = []
        for i, v in enumerate(values):
            try:
                out.append(None if v is None else self.prepare(v))
            except ArrowError as exc:
                raise self.fail(exc.reason, i) from None
            except Exception as exc:
                raise self.fail("%r has no Arrow form here (%s: %s)" % (v, type(exc).__name__, exc), i) from None
        arr = self.inner.to_arrow(out, owners)
        return arr if self.type is self.inner.type else arr.cast(self.type)

    def from_arrow(self, arr: Any) -> List[Any]:
        if self.type is not self.inner.type:
            arr = arr.cast(self.inner.type)
        out = []
        for i, v in enumerate(self.inner.from_arrow(arr)):
            try:
                out.append(None if v is None else self.post(v))
            except ArrowError as exc:
                raise self.fail(exc.reason, i) from None
            except Exception as exc:
                raise self.fail("%r is no value of this field (%s: %s)" % (v, type(exc).__name__, exc), i) from None
        return out


class ListConv(Conv):
    """An array: a list column whose items are one flat column."""

    def __init__(self, path: str, item: Conv) -> None:
        super().__init__(path)
        self.item, self.needs_ctx = item, item.needs_ctx
        self.type = _pa().list_(item.type)

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        pa = _pa()
        offsets: List[int] = []
        nulls: List[bool] = []
        flat: List[Any] = []
        item_owners: Optional[List[Any]] = [] if owners is not None else None
        for i, v in enumerate(values):
            offsets.append(len(flat))
            nulls.append(v is None)
            if v is None:
                continue
            if isinstance(v, (bytes, str)) or not hasattr(v, "__len__"):
                raise self.fail("expected a list, found %s" % type(v).__name__, i)
            flat.extend(v)
            if item_owners is not None and owners is not None:
                item_owners.extend([owners[i]] * len(v))
        offsets.append(len(flat))
        items = self.item.to_arrow(flat, item_owners)
        mask = pa.array(nulls) if any(nulls) else None
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, type=self.type, mask=mask)

    def from_arrow(self, arr: Any) -> List[Any]:
        offsets = arr.offsets.to_pylist()
        items = self.item.from_arrow(arr.values)
        valid = arr.is_valid().to_pylist() if arr.null_count else None
        return [items[offsets[i]:offsets[i + 1]] if valid is None or valid[i] else None for i in range(len(arr))]


class StructConv(Conv):
    """A model: a struct column of its stored fields (bit-group members flattened)."""

    def __init__(self, path: str, node: s.Struct, fields: List[Tuple[str, Conv, str]]) -> None:
        super().__init__(path)
        pa = _pa()
        self.node, self.cls, self.fields = node, node.cls, fields
        self.names = [name for name, _, _ in fields]
        self.arrow_fields = [pa.field(name, conv.type, metadata=_metadata(conv, shown))
                             for name, conv, shown in fields]
        self.type = pa.struct(self.arrow_fields)
        self.needs_ctx = any(conv.needs_ctx for _, conv, _ in fields)

    def columns(self, values: List[Any], owners: Optional[List[Any]]) -> List[Any]:
        """Each field's column over ``values`` (instances, or None for a null row)."""
        cls, nulls = self.cls, False
        for i, v in enumerate(values):
            if v is None:
                nulls = True
            elif type(v) is not cls and not isinstance(v, cls):
                if isinstance(v, Malformed):
                    raise self.fail("kept as malformed (%s); filter such records out first" % v.error, i)
                raise self.fail("expected a %s, found %s" % (cls.__name__, type(v).__name__), i)
        inner = None
        if self.needs_ctx:
            inner = [None if v is None else _Ctx(v, None if owners is None else owners[i])
                     for i, v in enumerate(values)]
        out = []
        for name, conv, _ in self.fields:
            if nulls:
                column = [None if v is None else getattr(v, name, None) for v in values]
            else:
                column = [getattr(v, name, None) for v in values]
            try:
                out.append(conv.to_arrow(column, inner))
            except ArrowError:
                raise
        return out

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        pa = _pa()
        columns = self.columns(values, owners)
        mask = pa.array([v is None for v in values]) if any(v is None for v in values) else None
        if not columns:
            return pa.array([None if v is None else {} for v in values], type=self.type)
        return pa.StructArray.from_arrays(columns, fields=self.arrow_fields, mask=mask)

    def rows(self, columns: List[List[Any]], valid: Optional[List[bool]]) -> List[Any]:
        cls, names = self.cls, self.names
        out: List[Any] = []
        for i, row in enumerate(zip(*columns)):
            if valid is not None and not valid[i]:
                out.append(None)
                continue
            try:  # as a parse makes it: derived values kept as read, recomputed on build only when null
                out.append(cls._bm_from_values(dict(zip(names, row))))
            except Error:
                raise
            except Exception as exc:
                raise self.fail("cannot make a %s: %s" % (cls.__name__, exc), i) from None
        return out

    def from_arrow(self, arr: Any) -> List[Any]:
        columns = [conv.from_arrow(arr.field(i)) for i, (_, conv, _) in enumerate(self.fields)]
        if not columns:
            return [None if not ok else self.cls() for ok in arr.is_valid().to_pylist()]
        return self.rows(columns, arr.is_valid().to_pylist() if arr.null_count else None)


class BranchConv(Conv):
    """A ``Switch`` or ``Fallback``: a struct with one nullable field a branch, the taken one set."""

    def __init__(self, path: str, branches: List[Tuple[str, s.Node, Conv]], choose: Callable[[Any, Any], int],
                 needs_ctx: bool) -> None:
        super().__init__(path)
        pa = _pa()
        self.branches, self.choose = branches, choose
        self.arrow_fields = [pa.field(name, conv.type, metadata=_metadata(conv, node.name))
                             for name, node, conv in branches]
        self.type = pa.struct(self.arrow_fields)
        self.needs_ctx = needs_ctx or any(conv.needs_ctx for _, _, conv in branches)

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        pa = _pa()
        columns: List[List[Any]] = [[None] * len(values) for _ in self.branches]
        for i, v in enumerate(values):
            if v is None:
                continue
            try:
                taken = self.choose(v, None if owners is None else owners[i])
            except ArrowError as exc:
                raise self.fail(exc.reason, i) from None
            columns[taken][i] = v
        arrays = [conv.to_arrow(col, owners) for (_, _, conv), col in zip(self.branches, columns)]
        mask = pa.array([v is None for v in values]) if any(v is None for v in values) else None
        return pa.StructArray.from_arrays(arrays, fields=self.arrow_fields, mask=mask)

    def from_arrow(self, arr: Any) -> List[Any]:
        columns = [conv.from_arrow(arr.field(i)) for i, (_, _, conv) in enumerate(self.branches)]
        out = []
        for row in zip(*columns):
            out.append(next((v for v in row if v is not None), None))
        return out


def _metadata(conv: Conv, shown: str) -> Dict[bytes, bytes]:
    meta = {META: shown.encode("utf-8", "replace")}
    if conv.form is not None:
        meta[FORM] = conv.form
    return meta


# --- the converter of each node ----------------------------------------------------------------------------

_UNITS = (("s", 1), ("ms", 10 ** 3), ("us", 10 ** 6), ("ns", 10 ** 9))
_UNIX = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_INT64 = (-(1 << 63), (1 << 63) - 1)


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
            return Plain(path, pa.binary(size.value) if fixed else pa.binary(), bytes)  # type: ignore[union-attr]
        if isinstance(node, s.String):
            return Plain(path, pa.string())
        if isinstance(node, s.Array):
            return ListConv(path, self.conv(node.item, path + "[]"))
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


def _key_text(key: Any) -> str:
    if isinstance(key, _enum.Enum):
        return key.name
    text = str(key) if isinstance(key, (int, str, bytes)) else repr(key)
    return "".join(c if c.isalnum() else "_" for c in text)


def _join(path: str, name: str) -> str:
    return "%s.%s" % (path, name) if path else name


class _Dictionary(Conv):
    """Text kept dictionary-encoded (enum names)."""

    def __init__(self, path: str, inner: Plain) -> None:
        super().__init__(path)
        self.inner = inner
        self.type = _pa().dictionary(_pa().int32(), _pa().string())

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        return self.inner.to_arrow(values, owners).dictionary_encode()

    def from_arrow(self, arr: Any) -> List[Any]:
        return self.inner.from_arrow(arr.cast(_pa().string()))


def _json_conv(node: s.Node, path: str) -> Conv:
    from .convert import from_plain, json_ready

    conv = Plain(path, _pa().string(), lambda v: json.dumps(json_ready(v)), lambda t: from_plain(node, json.loads(t)))
    conv.form = b"json"
    return conv


class _TextIntConv(Conv):
    """A number written as text: a struct of the number and the exact bytes it was read from."""

    def __init__(self, node: s.TextInt, path: str) -> None:
        super().__init__(path)
        pa = _pa()
        self.node = node
        self.type = pa.struct([pa.field("value", pa.int64()), pa.field("text", pa.binary())])

    def to_arrow(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        pa = _pa()
        numbers = Plain(self.path + ".value", pa.int64(), int).to_arrow(values, None)
        texts = pa.array([getattr(v, "raw", None) for v in values], pa.binary())
        mask = pa.array([v is None for v in values]) if any(v is None for v in values) else None
        return pa.StructArray.from_arrays([numbers, texts], fields=list(self.type), mask=mask)

    def from_arrow(self, arr: Any) -> List[Any]:
        from .wire import Numeral, text_int_value

        numbers, texts = arr.field(0).to_pylist(), arr.field(1).to_pylist()
        valid = arr.is_valid().to_pylist()
        out: List[Any] = []
        for ok, n, raw in zip(valid, numbers, texts):
            if not ok or n is None:
                out.append(None)
            elif raw is not None and text_int_value(self.node, raw) == n:
                out.append(Numeral(n, raw))  # (unchanged: written back as it was read)
            else:
                out.append(n)
        return out


def _text_int_conv(node: s.TextInt, path: str) -> Conv:
    return _TextIntConv(node, path)


def _clock_conv(node: s.Mapped, clock: Any, path: str) -> Optional[Conv]:
    """Ticks since an epoch as an Arrow timestamp (UTC), where a unit holds every tick exactly."""
    pa = _pa()
    per_second = clock.per_second
    unit = next(((u, n // per_second) for u, n in _UNITS if n % per_second == 0), None)
    if unit is None or clock.epoch.tzinfo is None:
        return None  # (NTP's 2**-32 s: the wire value)
    name, factor = unit
    shift = int((clock.epoch - _UNIX).total_seconds()) * per_second * factor
    pair = isinstance(node.base, s.Array)
    encode, decode = node.encode, node.decode

    def prepare(value: Any) -> int:
        wire = encode(value)
        if pair:
            seconds, fraction = wire
            if not 0 <= fraction < per_second:
                raise ArrowError("%s has no timestamp (use mapped='wire' to keep such values)" % (value,))
            wire = seconds * per_second + fraction
        at = wire * factor + shift
        if not _INT64[0] <= at <= _INT64[1]:
            raise ArrowError("%s is outside a timestamp[%s]'s range (use mapped='wire')" % (value, name))
        return int(at)

    def post(at: int) -> Any:
        ticks, rest = divmod(at - shift, factor)
        if rest:
            raise ArrowError("%d %s is not a whole tick of 1/%d s" % (at, name, per_second))
        return decode(list(divmod(ticks, per_second)) if pair else ticks)

    conv = Wrapped(path, Plain(path, pa.int64()), prepare, post, pa.timestamp(name, tz="UTC"))
    return conv


def _dos_conv(node: s.Mapped, path: str) -> Conv:
    """A DOS date and time: a timestamp in seconds (no zone: local wall time, as DOS writes it)."""
    pa = _pa()
    tz = getattr(node.decode, "tz", None)

    def prepare(value: Any) -> int:
        if not isinstance(value, _dt.datetime):
            raise ArrowError("%s has no timestamp (use mapped='wire' to keep such values)" % (value,))
        return calendar.timegm(value.utctimetuple() if tz is not None else value.timetuple())

    def post(seconds: int) -> Any:
        return _dt.datetime(1970, 1, 1, tzinfo=tz) + _dt.timedelta(seconds=seconds)

    return Wrapped(path, Plain(path, pa.int64()), prepare, post, pa.timestamp("s", tz=None if tz is None else "UTC"))


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
