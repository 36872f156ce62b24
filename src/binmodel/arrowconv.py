"""The converters of ``binmodel.arrow``: one per schema node, turning a list of Python values (one a row)
into one Arrow array and an Arrow array back into the values, so a struct's column is its fields' columns
joined, with no dict per record. A column whose values are all null is made at once (``pyarrow.nulls``):
the cases a switch did not take cost nothing per row.
"""

from __future__ import annotations

import array
import calendar
import datetime as _dt
import enum as _enum
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import schema as s
from .errors import DefinitionError, Error
from .malformed import Malformed

_UNITS = (("s", 1), ("ms", 10 ** 3), ("us", 10 ** 6), ("ns", 10 ** 9))
_UNIX = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_INT64 = (-(1 << 63), (1 << 63) - 1)

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


ArrowError.__module__ = "binmodel.arrow"  # (where users import it from)


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
        """One array of ``values``; ``owners``: each row's ``this`` (only where ``needs_ctx``)."""
        if all(v is None for v in values):
            return _pa().nulls(len(values), self.type)
        return self.build(values, owners)

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
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

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
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
    return Plain(path, type_)


class Wrapped(Conv):
    """A converter over another one's values: ``prepare`` on the way in, ``post`` on the way out."""

    def __init__(self, path: str, inner: Conv, prepare: Callable[[Any], Any], post: Callable[[Any], Any],
                 type_: Any = None) -> None:
        super().__init__(path)
        self.inner, self.prepare, self.post = inner, prepare, post
        self.type = inner.type if type_ is None else type_
        self.needs_ctx = inner.needs_ctx

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
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
    """An array: a list column whose items are one flat column. A typed array's items (``array.array`` of
    ``typecode``) are joined into one buffer that Arrow takes as it is, no Python int an item."""

    def __init__(self, path: str, item: Conv, typecode: Optional[str] = None) -> None:
        super().__init__(path)
        self.item, self.needs_ctx, self.typecode = item, item.needs_ctx, typecode
        self.type = _pa().list_(item.type)

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
        pa = _pa()
        if self.typecode is not None and all(v is None or type(v) is array.array and v.typecode == self.typecode
                                             for v in values):
            return self.typed(values)
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

    def typed(self, values: List[Any]) -> Any:
        pa = _pa()
        flat = array.array(self.typecode)  # type: ignore[arg-type]
        offsets, nulls = [], []
        for v in values:
            offsets.append(len(flat))
            nulls.append(v is None)
            if v is not None:
                flat.extend(v)
        offsets.append(len(flat))
        items = pa.Array.from_buffers(self.item.type, len(flat), [None, pa.py_buffer(flat)])
        mask = pa.array(nulls) if any(nulls) else None
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, type=self.type, mask=mask)

    def from_arrow(self, arr: Any) -> List[Any]:
        offsets = arr.offsets.to_pylist()
        items = self.item.from_arrow(arr.values)
        valid = arr.is_valid().to_pylist() if arr.null_count else None
        out = [items[offsets[i]:offsets[i + 1]] if valid is None or valid[i] else None for i in range(len(arr))]
        if self.typecode is not None:  # (as a parse gives them: one array.array a value)
            code = self.typecode
            return [None if v is None else array.array(code, v) for v in out]
        return out


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

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
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

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
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

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
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

    def build(self, values: List[Any], owners: Optional[List[Any]]) -> Any:
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
    if isinstance(node.base, s.TextInt):
        return None  # (a time written as digits, tar's: the wire value keeps the digits, so the bytes come back)
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


