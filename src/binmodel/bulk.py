"""Arrays of fixed-size records through numpy: one structured array, no Python object per record.

``dtype(Model)`` is the numpy structured dtype laid out exactly like the model
(byte order, offsets and padding included), so ``parse_array`` is a zero-copy
``numpy.frombuffer`` and ``build_array`` one ``tobytes()``. numpy is imported
only when these functions are called (``pip install numpy``).

Mapping: integers of 1, 2, 4 and 8 bytes, floats and bools become numpy
scalars with the field's byte order; ``Bytes(n)`` and integers of other widths
become ``n`` raw bytes (``('u1', (n,))``, so that no trailing NUL is lost, as it
would be with numpy's ``S`` type); fixed arrays become sub-arrays, nested models
nested dtypes, constants, enums and flags their integer. A bit group is one
unsigned integer field named after its members (``a__b``): ``unpack_bits``
splits it with vectorised shifts and masks.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional

from . import schema as s
from .errors import BuildError, DefinitionError, ParseError, SizeofError
from .expr import Lit

_ORDER = {"big": ">", "little": "<", "native": "="}


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImportError("binmodel.bulk needs numpy: pip install numpy") from None
    return numpy


def group_name(group: s.BitGroup) -> str:
    """The dtype field holding a bit group: its members' names joined by ``__``."""
    return "__".join(f.name for f in group.fields if f.stored) or "_bits_%d" % id(group)


def _scalar(node: s.Node, path: str) -> Any:
    if isinstance(node, s.Int):
        if node.size in (1, 2, 4, 8):
            return ("|" if node.size == 1 else _ORDER[node.endian or "big"]) + ("i" if node.signed else "u") + str(
                node.size)
        return ("u1", (node.size,))
    if isinstance(node, s.Float):
        return _ORDER[node.endian or "big"] + "f" + str(node.size)
    if isinstance(node, s.Bool):
        return "?"
    if isinstance(node, (s.Bytes, s.String)) and isinstance(node.size, Lit) and node.prefix is None and (
            not isinstance(node, s.String)):
        return ("u1", (node.size.value,))
    if isinstance(node, (s.Const,)):
        return _scalar(node.type, path)
    if isinstance(node, (s.Enum, s.Flags)):
        return _scalar(node.base, path)
    if isinstance(node, s.Array) and isinstance(node.count, Lit) and not node.typed or (
            isinstance(node, s.Array) and node.typed and isinstance(node.count, Lit)):
        item = _scalar(node.item, path + "[i]")
        return (item, (node.count.value,))  # type: ignore[union-attr]
    if isinstance(node, s.Struct):
        return _struct_dtype(node, path)
    raise DefinitionError("%s: %s has no fixed numpy layout (it depends on the data)" % (path or "model", node.name))


def _struct_dtype(node: s.Struct, path: str) -> Any:
    np = _numpy()
    if node.union_size is not None:
        raise DefinitionError("%s: unions have no numpy layout" % (path or node.name))
    names: List[str] = []
    formats: List[Any] = []
    offsets: List[int] = []
    at = 0
    for m in node.members:
        where = "%s.%s" % (path, m.fields[0].name if isinstance(m, s.BitGroup) else m.name) if path else (
            m.fields[0].name if isinstance(m, s.BitGroup) else m.name)
        if isinstance(m, s.BitGroup):
            fmt: Any = _scalar(s.Int(m.size * 8, False, m.endian or "big"), where)
            name = group_name(m)
            size = m.size
        elif isinstance(m.type, s.Padding):
            at += m.type.size
            continue
        elif isinstance(m.type, s.Align):
            at += -at % m.type.to
            continue
        else:
            fmt = _scalar(m.type, where)
            name = m.name
            size = np.dtype(fmt).itemsize
        if isinstance(m, s.Field) and not m.stored:
            at += size
            continue
        names.append(name)
        formats.append(fmt)
        offsets.append(at)
        at += size
    return np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": at})


def dtype(model: Any) -> Any:
    """The numpy structured dtype with ``model``'s exact layout (DefinitionError for variable-size models)."""
    try:
        size = model.sizeof()
    except SizeofError as exc:
        raise DefinitionError("%s has no numpy dtype: %s" % (model.__name__, exc)) from None
    result = _struct_dtype(model._bm_node, "")
    if result.itemsize != size:  # pragma: no cover - a mapping bug, not a user error
        raise DefinitionError("%s: numpy layout of %d bytes, model of %d" % (model.__name__, result.itemsize, size))
    return result


def parse_array(model: Any, data: Any, count: Optional[int] = None, offset: int = 0) -> Any:
    """``count`` records (all whole ones when None) as a structured array viewing ``data`` (no copy)."""
    np = _numpy()
    dt = dtype(model)
    total = len(memoryview(data).cast("B")) if not isinstance(data, (bytes, bytearray)) else len(data)
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= total:
        raise ParseError("offset %r is outside the data (%d bytes)" % (offset, total), "", None,
                         expected="0..%d" % total, found=offset)
    left = total - offset
    if count is None:
        count, extra = divmod(left, dt.itemsize)
        if extra:
            raise ParseError("%d bytes after the last whole %s record (%d bytes each)" % (extra, model.__name__,
                                                                                         dt.itemsize),
                             "[%d]" % count, offset + count * dt.itemsize, expected=dt.itemsize, found=extra)
    elif isinstance(count, bool) or not isinstance(count, int) or count < 0 or count * dt.itemsize > left:
        raise ParseError("%r records of %d bytes do not fit the %d bytes left" % (count, dt.itemsize, left), "",
                         offset, expected=count, found=left // dt.itemsize)
    return np.frombuffer(data, dtype=dt, count=count, offset=offset)


def build_array(model: Any, array: Any) -> bytes:
    """The bytes of a structured array of ``model`` records (as ``parse_array`` gives)."""
    np = _numpy()
    dt = dtype(model)
    array = np.asarray(array)
    if array.dtype.names != dt.names:
        raise BuildError("expected fields %s, found %s" % (dt.names, array.dtype.names), "", expected=dt.names,
                         found=array.dtype.names)
    try:
        return bytes(array.astype(dt, copy=False).tobytes())
    except (TypeError, ValueError) as exc:
        raise BuildError("cannot convert to %s records: %s" % (model.__name__, exc), "") from None


def unpack_bits(array: Any, model: Any) -> Dict[str, Any]:
    """Each bit field of ``model`` as its own numpy array, cut from the group fields of ``array``."""
    np = _numpy()
    out: Dict[str, Any] = {}
    for m in model._bm_node.members:
        if not isinstance(m, s.BitGroup):
            continue
        word = array[group_name(m)]
        if m.size > 8:
            raise DefinitionError("bit group %s spans %d bytes; at most 8 can be split" % (group_name(m), m.size))
        if word.ndim > array.ndim:  # 3, 5, 6 or 7 bytes: assemble the integer from its bytes
            endian = sys.byteorder if m.endian == "native" else (m.endian or "big")
            order = range(m.size) if endian == "little" else range(m.size - 1, -1, -1)
            shifts = np.array([8 * k for k in order], dtype=np.uint64)
            word = (word.astype(np.uint64) << shifts).sum(axis=-1, dtype=np.uint64)
        else:
            word = word.astype(np.uint64)
        for f, at, bits in m.positions():
            if not f.stored:
                continue
            values = ((word >> np.uint64(at)) & np.uint64((1 << bits) - 1)).astype(np.int64)
            if f.type.signed:  # type: ignore[attr-defined]
                values = values - ((values >> (bits - 1)) << bits)
            out[f.name] = values
    return out


def to_objects(model: Any, array: Any) -> List[Any]:
    """One model instance per record (a Python loop: for the few records you need as objects)."""
    raw = build_array(model, array)
    size = dtype(model).itemsize
    return [model.parse(raw[i:i + size]) for i in range(0, len(raw), size)]


def from_objects(model: Any, objects: Any) -> Any:
    """A structured array from model instances (a Python loop over ``build``)."""
    np = _numpy()
    return np.frombuffer(b"".join(model.build(o) for o in objects), dtype=dtype(model)).copy()
