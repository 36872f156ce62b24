"""ctypes interop for C models of the running machine: equivalent ctypes types, buffers, addresses.

``ctype(Model)`` builds a ``ctypes.Structure``/``Union`` with the same members,
then checks that ctypes really placed every member (and every bit-field bit)
where the compiler would. ctypes gets some layouts wrong (bit-fields of mixed
declared types, packed bit-fields, ``aligned``); there it raises instead of
returning a type that would corrupt memory. Buffers and addresses need no
ctypes type at all: the model reads and writes the bytes itself.
"""

from __future__ import annotations

import ctypes
from typing import Any, Dict, List, Optional, Tuple, Type

from .. import schema as s
from ..errors import DefinitionError, ParseError
from .targets import native_name

_CACHE: Dict[type, Any] = {}


def _check_native(model: Any) -> None:
    info = model._bm_c
    if info.target.name != native_name():
        raise DefinitionError("%s is laid out for %s; ctypes works with this machine's ABI (%s)"
                              % (model.__name__, info.target.name, native_name()))


def _scalar_ctype(node: s.Node) -> Any:
    if isinstance(node, s.Int):
        return {(1, True): ctypes.c_int8, (1, False): ctypes.c_uint8, (2, True): ctypes.c_int16,
                (2, False): ctypes.c_uint16, (4, True): ctypes.c_int32, (4, False): ctypes.c_uint32,
                (8, True): ctypes.c_int64, (8, False): ctypes.c_uint64}[(node.size, node.signed)]
    if isinstance(node, s.Float):
        return {4: ctypes.c_float, 8: ctypes.c_double}[node.size]
    if isinstance(node, s.Bool):
        return ctypes.c_bool
    if isinstance(node, (s.Bytes, s.String)) and node.size is not None:
        return ctypes.c_char * node.size.value  # type: ignore[attr-defined]
    return None


def _member_ctype(node: s.Node, model: Any, name: str) -> Any:
    scalar = _scalar_ctype(node)
    if scalar is not None:
        if isinstance(node, s.Bytes) and node.size.value in (12, 16):  # type: ignore[union-attr]
            long_double = getattr(ctypes, "c_longdouble", None)
            if long_double is not None and ctypes.sizeof(long_double) == node.size.value:  # type: ignore[union-attr]
                return long_double
        return scalar
    if isinstance(node, s.Enum):
        return _member_ctype(node.base, model, name)
    if isinstance(node, s.Array):
        count = node.count.value if node.count is not None and hasattr(node.count, "value") else 0
        return _member_ctype(node.item, model, name) * count
    if isinstance(node, s.Struct) and getattr(node.cls, "_bm_c", None) is not None:
        return ctype(node.cls)
    raise DefinitionError("%s.%s: %s has no ctypes equivalent" % (model.__name__, name, node.name))


def ctype(model: Any) -> Any:
    """The ``ctypes.Structure`` (or ``Union``) equal in layout to ``model``, for this machine's ABI."""
    if model in _CACHE:
        return _CACHE[model]
    _check_native(model)
    info = model._bm_c
    if info.aligned is not None and info.aligned > _natural(model):
        raise DefinitionError("%s: ctypes cannot express aligned=%d" % (model.__name__, info.aligned))
    fields: List[Tuple[Any, ...]] = []
    node = model._bm_node
    for f in node.fields():
        if not f.stored and not isinstance(f.type, s.Bits):
            continue  # explicit padding: ctypes inserts its own, checked below
        decl = next((p.decl for p in info.layout.placements if p.decl.name == f.name), None)
        if decl is None:
            continue  # padding bits
        if decl.aligned is not None and decl.aligned > decl.align:
            raise DefinitionError("%s.%s: ctypes cannot express aligned=%d" % (model.__name__, f.name, decl.aligned))
        if isinstance(f.type, s.Bits):
            if not f.stored:
                raise DefinitionError("%s.%s: ctypes has no unnamed bit-fields" % (model.__name__, f.name))
            fields.append((f.name, _scalar_ctype(s.Int(decl.size * 8, f.type.signed)), f.type.bits))
        else:
            fields.append((f.name, _member_ctype(f.type, model, f.name)))
    base_cls = ctypes.Union if info.union else ctypes.Structure
    namespace: Dict[str, Any] = {"_fields_": fields}
    if info.packed or info.pack:
        namespace["_pack_"] = 1 if info.packed else info.pack
    try:
        result = type(model.__name__, (base_cls,), namespace)
        _verify(model, result)
    except (TypeError, ValueError, AttributeError) as exc:  # this interpreter's ctypes cannot (PyPy: bit-fields)
        raise DefinitionError("ctypes cannot express %s: %s: %s" % (model.__name__, type(exc).__name__, exc)) from None
    _CACHE[model] = result
    return result


def _natural(model: Any) -> int:
    return max([1] + [p.decl.align for p in model._bm_c.layout.placements])


def _verify(model: Any, result: Any) -> None:
    """Refuse a ctypes type that puts anything somewhere else than the compiler would."""
    info = model._bm_c
    problems = []
    if ctypes.sizeof(result) != info.size or ctypes.alignment(result) != info.align:
        problems.append("size/alignment %d/%d, the compiler's %d/%d" % (ctypes.sizeof(result), ctypes.alignment(result),
                                                                       info.size, info.align))
    for p in info.layout.placements:
        if not p.decl.named:
            continue
        if p.decl.bits is None:
            got = getattr(result, p.decl.name).offset
            if got * 8 != p.bit:
                problems.append("%s at byte %d, the compiler's %d" % (p.decl.name, got, p.bit // 8))
        else:
            probe = result()
            setattr(probe, p.decl.name, -1 if _signed_field(result, p.decl.name) else (1 << p.decl.bits) - 1)
            ones = int.from_bytes(bytes(probe), "little")
            lo = (ones & -ones).bit_length() - 1
            if lo != p.bit or bin(ones).count("1") != p.decl.bits:
                problems.append("bit-field %s at bit %d, the compiler's %d" % (p.decl.name, lo, p.bit))
    if problems:
        raise DefinitionError("ctypes lays out %s differently from the C compiler (%s); use the model's "
                              "buffer()/from_buffer() instead of a ctypes type" % (model.__name__, "; ".join(problems)))


def _signed_field(result: Any, name: str) -> bool:
    ftype = dict((f[0], f[1]) for f in result._fields_)[name]
    return ftype in (ctypes.c_int8, ctypes.c_int16, ctypes.c_int32, ctypes.c_int64)


def buffer(model: Any, obj: Optional[Any] = None) -> Any:
    """A writable ctypes buffer of ``sizeof(model)`` bytes, zeroed or holding ``obj``'s bytes."""
    data = model.build(obj) if obj is not None else bytes(model._bm_c.size)
    buf = ctypes.create_string_buffer(max(len(data), model._bm_c.size))
    ctypes.memmove(buf, data, len(data))
    return buf


def from_buffer(model: Type[Any], buf: Any, size: Optional[int] = None) -> Any:
    """Parse the first ``sizeof(model)`` bytes of ``buf`` (a ctypes object or any buffer)."""
    raw = bytes(memoryview(buf).cast("B"))
    return model.parse(raw[: size if size is not None else model._bm_c.size], allow_trailing=False)


def from_address(model: Type[Any], address: int, size: Optional[int] = None) -> Any:
    """Parse ``sizeof(model)`` bytes (or ``size``) read from memory at ``address``."""
    if not address:
        raise ParseError("NULL address", "", 0)
    return model.parse(ctypes.string_at(address, size if size is not None else model._bm_c.size))
