"""Arrays of fixed-size records through numpy: one structured array, no Python object per record.

``dtype(Model)`` is the numpy structured dtype laid out exactly like the model
(byte order, offsets and padding included), so ``parse_array`` is a zero-copy
``numpy.frombuffer`` and ``build_array`` one ``tobytes()``. numpy is imported
only when these functions are called (``pip install numpy``).

Mapping, field by field:

- integers of 1, 2, 4 and 8 bytes, ``f16``/``f32``/``f64`` and ``Bool`` become
  numpy scalars with the field's byte order (``>``, ``<``, ``=`` for native);
- ``Bytes(n)``, fixed-size strings (``String(n)``, ``CString(size=n)``) and
  integers of 3, 5, 6 or 7 bytes become ``n`` raw bytes, ``('u1', (n,))``: the
  exact bytes, where numpy's ``S`` type would drop trailing NULs on access;
  strings are not decoded;
- ``Array(T, count=n)`` becomes a sub-array, a nested model a nested dtype, a
  union a dtype whose members all start at offset 0;
- ``Const``, ``Enum`` and ``Flags`` become their underlying type; ``Padding`` and
  ``Align`` are gaps the dtype skips (its ``offsets`` and ``itemsize``);
- a bit group is not split by numpy: it is one unsigned integer field named
  after its members joined by ``__`` (``a__b``), or raw bytes when 3, 5, 6 or 7
  bytes wide; ``unpack_bits`` cuts the fields out with vectorised shifts.

Anything whose size depends on the data (sizes and counts from other fields,
greedy or ``until`` arrays, terminated strings, ``ULEB128``...) or whose place is
not fixed (``Switch``, ``If``, ``Pointer``) is a ``DefinitionError`` naming the field.

Nothing is checked per record: constants, ``derive``/``check`` fields and strict
enums are the model's checks, which only ``Model.parse`` and ``to_objects`` run.
"""

from __future__ import annotations

import operator
import sys
import weakref
from typing import Any, Dict, List, Optional

from . import schema as s
from .buffers import data_offset
from .errors import BuildError, DefinitionError, ParseError, SizeofError
from .expr import Lit

_ORDER = {"big": ">", "little": "<", "native": "="}
_CACHE: Any = weakref.WeakKeyDictionary()  # model class -> its dtype


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImportError("binmodel.bulk needs numpy: pip install numpy") from None
    return numpy


def group_name(group: s.BitGroup) -> str:
    """The dtype field holding a bit group: its members' names joined by ``__``."""
    return "__".join(f.name for f in group.fields if f.stored)


def _join(path: str, name: str) -> str:
    return "%s.%s" % (path, name) if path else name


def _lit(expr: Any) -> Optional[int]:
    return expr.value if isinstance(expr, Lit) and isinstance(expr.value, int) else None


def _fixed_error(node: s.Node, path: str) -> DefinitionError:
    return DefinitionError("%s: %s has no numpy layout (its size or place depends on the data)" % (path, node.name))


def _format(node: s.Node, path: str) -> Any:
    """The numpy format of one field's type (anything ``numpy.dtype`` accepts)."""
    np = _numpy()
    if isinstance(node, s.Int):
        if node.size in (1, 2, 4, 8):
            order = "|" if node.size == 1 else _ORDER[node.endian or "big"]
            return "%s%s%d" % (order, "i" if node.signed else "u", node.size)
        return ("u1", (node.size,))
    if isinstance(node, s.Float):
        return "%sf%d" % (_ORDER[node.endian or "big"], node.size)
    if isinstance(node, s.Bool):
        return "?"
    if isinstance(node, (s.Bytes, s.String)) and node.prefix is None and not node.greedy:
        n = _lit(node.size)
        if n is not None:
            return ("u1", (n,))
    if isinstance(node, s.Const):
        return _format(node.type, path)
    if isinstance(node, (s.Enum, s.Flags)):
        return _format(node.base, path)
    if isinstance(node, s.Array) and node.until is None and not node.greedy:
        n = _lit(node.count)
        if n is not None:
            return (_format(node.item, path + "[i]"), (n,))
    if isinstance(node, s.Sized) and node.prefix is None:
        n = _lit(node.size)
        if n is not None:
            inner = np.dtype(_format(node.type, path))
            if inner.itemsize != n:
                raise DefinitionError("%s: %s holds %d bytes of %d; numpy cannot leave the rest"
                                      % (path, node.name, inner.itemsize, n))
            return inner
    if isinstance(node, s.Lazy):
        from .fields import resolve_lazy

        return _format(resolve_lazy(node), path)
    if isinstance(node, s.Struct):
        return _struct_dtype(node, path)
    raise _fixed_error(node, path)


def _struct_dtype(node: s.Struct, path: str) -> Any:
    np = _numpy()
    names: List[str] = []
    formats: List[Any] = []
    offsets: List[int] = []
    at = 0
    size = 0
    for m in node.members:
        start = 0 if node.union_size is not None else at
        if isinstance(m, s.BitRun):  # (its size is the data's: sizeof() refuses it first)
            raise DefinitionError("%s: bit fields whose number the data decides" % _join(path, m.fields[0].name))
        if isinstance(m, s.BitGroup):
            size = m.size
            if any(f.stored for f in m.fields):  # a group of padding bits only is a gap
                names.append(group_name(m))
                formats.append(_format(s.Int(size * 8, False, m.endian or "big"), _join(path, m.fields[0].name)))
                offsets.append(start)
        elif isinstance(m.type, s.Align):
            size = -start % m.type.to
        elif isinstance(m.type, s.Padding):
            size = m.type.size
        else:
            fmt = _format(m.type, _join(path, m.name))
            size = np.dtype(fmt).itemsize
            if m.stored:
                names.append(m.name)
                formats.append(fmt)
                offsets.append(start)
        at = start + size
    itemsize = node.union_size if node.union_size is not None else at
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise DefinitionError("%s: the bit group field %s has the name of another field" % (path or node.name, twice[0]))
    return np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": itemsize})


def dtype(model: Any) -> Any:
    """The numpy structured dtype with ``model``'s exact layout (DefinitionError for variable-size models)."""
    node = getattr(model, "_bm_node", None)
    if not isinstance(node, s.Struct):
        raise DefinitionError("%r is not a binmodel model (a Struct subclass)" % (model,))
    hit = _CACHE.get(model)
    if hit is not None:
        return hit
    try:
        size = model.sizeof()
    except SizeofError as exc:
        raise DefinitionError("%s has no numpy dtype: %s" % (model.__name__, exc)) from None
    try:
        result = _struct_dtype(node, "")
    except DefinitionError as exc:
        raise DefinitionError("%s has no numpy dtype: %s" % (model.__name__, exc)) from None
    if result.itemsize != size:  # pragma: no cover - a mapping bug, not a user error
        raise DefinitionError("%s: numpy layout of %d bytes, model of %d" % (model.__name__, result.itemsize, size))
    _CACHE[model] = result
    return result


def _record_size(model: Any, dt: Any) -> int:
    if dt.itemsize == 0:
        raise DefinitionError("%s records take no bytes; there is no array of them to read" % model.__name__)
    return int(dt.itemsize)


def parse_array(model: Any, data: Any, count: Optional[int] = None, offset: int = 0) -> Any:
    """``count`` records (every record when None) at ``offset`` as a structured array viewing ``data``.

    No copy: the array shares ``data``'s memory (writable for a ``bytearray`` or a
    writable ``mmap``, read-only for ``bytes``). With ``count=None`` the data after
    ``offset`` must be whole records: trailing bytes are a ParseError at the first
    byte of the incomplete record, never silently dropped.
    """
    try:  # the common call: a model seen before, a whole bytes object (numpy refuses part of a record)
        fast = model._bm_bulk
        if fast is not None and fast[0] is model and count is None and offset == 0 and data.__class__ is bytes:
            return fast[2](data, fast[1])
    except (AttributeError, ValueError):  # not a model, or not whole records: the checks below say why
        pass
    np = _numpy()
    dt = dtype(model)
    itemsize = _record_size(model, dt)
    type.__setattr__(model, "_bm_bulk", (model, dt, np.frombuffer))  # (a subclass is not its base)
    with memoryview(data) as view:
        total = view.nbytes
    offset = data_offset(offset, total)
    left = total - offset
    whole, extra = divmod(left, itemsize)
    if count is None:
        if extra:
            raise ParseError("%d bytes after the last whole %s record (records take %d bytes)"
                             % (extra, model.__name__, itemsize),
                             "[%d]" % whole, offset + whole * itemsize, expected=itemsize, found=extra)
        count = whole
    else:
        try:
            count = operator.index(count)
        except TypeError:
            raise ParseError("count must be an integer, not %r" % (count,), "", offset) from None
        if count < 0:
            raise ParseError("count %d is negative" % count, "", offset, expected=">= 0", found=count)
        if count > whole:
            raise ParseError("%d %s records of %d bytes do not fit the %d bytes left"
                             % (count, model.__name__, itemsize, left),
                             "[%d]" % whole, offset + whole * itemsize, expected=count, found=whole)
    return np.frombuffer(data, dtype=dt, count=count, offset=offset)


def _names(dt: Any) -> Any:
    """The field names of a dtype, nested ones included (None for a plain number)."""
    if dt.subdtype is not None:
        return _names(dt.subdtype[0])
    if dt.names is None:
        return None
    return tuple((name, _names(dt.fields[name][0])) for name in dt.names)


def _check_values(np: Any, values: Any, src: Any, dst: Any, path: str) -> None:
    """BuildError when an integer field's values do not fit the model's type (numpy would wrap them)."""
    if dst.subdtype is not None:
        dst = dst.subdtype[0]
    if src.subdtype is not None:
        src = src.subdtype[0]
    if dst.names is not None:
        for name in dst.names:
            _check_values(np, values[name], src.fields[name][0], dst.fields[name][0], _join(path, name))
        return
    if dst.kind not in "iu" or np.can_cast(src, dst, "safe") or values.size == 0:
        return
    info = np.iinfo(dst)
    if src.kind == "f":
        bad = ~np.isfinite(values) | (values != np.floor(values))
        if bad.any():
            raise BuildError("%r is not an integer" % (values[bad].flat[0].item(),), path,
                             expected=dst.str, found=values[bad].flat[0].item())
    low, high = values.min().item(), values.max().item()
    if low < info.min or high > info.max:
        found = low if low < info.min else high
        raise BuildError("%r does not fit %s (%d..%d)" % (found, dst.str, info.min, info.max), path,
                         expected="%d..%d" % (info.min, info.max), found=found)


def build_array(model: Any, array: Any) -> bytes:
    """The bytes of a structured array of ``model`` records (as ``parse_array`` gives), record after record.

    The array's fields must have the model's names (nested ones too); their
    numbers may have other types or byte orders, and are converted like numpy's
    ``astype``, except that an integer that does not fit its field is a BuildError.
    """
    np = _numpy()
    dt = dtype(model)
    array = np.asarray(array)
    if _names(array.dtype) != _names(dt):
        raise BuildError("the array's fields are %s, %s records' are %s" % (_names(array.dtype), model.__name__,
                                                                             _names(dt)),
                         "", expected=dt.names, found=array.dtype.names)
    if array.dtype != dt:
        _check_values(np, array, array.dtype, dt, "")
    try:
        records = array.astype(dt, copy=False)
    except (TypeError, ValueError) as exc:
        raise BuildError("cannot convert to %s records: %s" % (model.__name__, exc), "") from None
    if records.dtype.itemsize != model.sizeof():  # pragma: no cover - astype keeps the dtype
        raise BuildError("records of %d bytes, not %d" % (records.dtype.itemsize, model.sizeof()), "")
    return bytes(records.tobytes())


def _bit_values(np: Any, word: Any, group: s.BitGroup) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for f, at, bits in group.positions():
        if not f.stored:
            continue
        if f.type.signed:  # type: ignore[attr-defined]
            # the field's top bit to bit 63, then an arithmetic shift back down
            top = (word << np.uint64(64 - at - bits)).astype(np.int64)
            out[f.name] = top >> np.int64(64 - bits)
        else:
            values = (word >> np.uint64(at)) & np.uint64((1 << bits) - 1)
            out[f.name] = values if bits == 64 else values.astype(np.int64)
    return out


def _unpack(np: Any, array: Any, node: s.Struct, prefix: str, out: Dict[str, Any]) -> None:
    for m in node.members:
        if isinstance(m, s.BitRun):  # (a dtype is never made for one: see _struct_dtype)
            continue
        if isinstance(m, s.BitGroup):
            if not any(f.stored for f in m.fields):
                continue
            if m.size > 8:
                raise DefinitionError("%s: a bit group of %d bytes; unpack_bits splits groups of at most 8"
                                      % (_join(prefix, group_name(m)), m.size))
            word = np.asarray(array[group_name(m)])
            if m.size in (1, 2, 4, 8):
                word = word.astype(np.uint64)
            else:  # 3, 5, 6 or 7 raw bytes: the integer from its bytes
                endian = sys.byteorder if m.endian == "native" else (m.endian or "big")
                order = range(m.size) if endian == "little" else range(m.size - 1, -1, -1)
                shifts = np.array([8 * k for k in order], dtype=np.uint64)
                word = (word.astype(np.uint64) << shifts).sum(axis=-1, dtype=np.uint64)
            for name, values in _bit_values(np, word, m).items():
                out[_join(prefix, name)] = values
            continue
        if not m.stored:
            continue
        inner: Any = m.type
        while True:  # through wrappers and fixed arrays to a nested model
            if isinstance(inner, s.Lazy):
                from .fields import resolve_lazy

                inner = resolve_lazy(inner)
            elif isinstance(inner, (s.Array, s.Sized, s.Const)):
                inner = inner.item if isinstance(inner, s.Array) else inner.type
            else:
                break
        if isinstance(inner, s.Struct):
            _unpack(np, array[m.name], inner, _join(prefix, m.name), out)


def unpack_bits(array: Any, model: Any) -> Dict[str, Any]:
    """Every bit field of ``model`` as its own numpy array, cut from the group fields of ``array``.

    Keys are field names, with dotted paths for nested models (``header.flags``;
    an array of nested models gives arrays with its extra dimension). Values are
    ``int64`` (``uint64`` for an unsigned 64-bit field), signed fields sign-extended;
    ``group.order`` ("msb": the first field takes the top bits) and the group's
    byte order are those of ``model``.
    """
    np = _numpy()
    dt = dtype(model)
    array = np.asarray(array)
    if _names(array.dtype) != _names(dt):
        raise DefinitionError("the array's fields %s are not %s's" % (array.dtype.names, model.__name__))
    out: Dict[str, Any] = {}
    _unpack(np, array, model._bm_node, "", out)
    return out


def to_objects(model: Any, array: Any) -> List[Any]:
    """One model instance per record, through ``model.parse`` (a per-record Python loop, checks included)."""
    raw = build_array(model, array)
    size = _record_size(model, dtype(model))
    return [model.parse(raw[i:i + size]) for i in range(0, len(raw), size)]


def from_objects(model: Any, objects: Any) -> Any:
    """A new, writable structured array from model instances (a per-record Python loop over ``model.build``)."""
    np = _numpy()
    dt = dtype(model)
    _record_size(model, dt)
    return np.frombuffer(bytearray(b"".join(model.build(o) for o in objects)), dtype=dt)

