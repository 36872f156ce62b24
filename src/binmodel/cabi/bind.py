"""``Signature.bind``: call a C function of a shared library through ctypes, with binmodel structs.

Structs by value go through ``Model.ctype()`` (which refuses a ctypes type
laid out differently from the compiler); structs by pointer go through the
model's own buffer, so any layout works, and an instance passed for a pointer
parameter is filled back with what the function wrote. Cases where ctypes is
documented or known to pass the wrong bytes are refused instead of called.
"""

from __future__ import annotations

import ctypes
import platform
from typing import Any, List, Tuple

from ..errors import DefinitionError
from .ctypeinfo import Ptr, TypeInfo, c_text, is_model, type_info
from .targets import get_target, native_name

_INTS = {(1, True): ctypes.c_int8, (1, False): ctypes.c_uint8, (2, True): ctypes.c_int16,
         (2, False): ctypes.c_uint16, (4, True): ctypes.c_int32, (4, False): ctypes.c_uint32,
         (8, True): ctypes.c_int64, (8, False): ctypes.c_uint64}


def _refuse_by_value(info: TypeInfo, where: str) -> None:
    """The by-value cases ctypes gets wrong, with the reason."""
    model = info.model
    if info.union:
        raise DefinitionError("%s: %s by value: ctypes does not support passing unions by value (ctypes "
                              "documentation, 'Structures and unions'); pass a pointer" % (where, info.text))
    if info.bitfields:
        raise DefinitionError("%s: %s by value: ctypes does not support passing structures with bit-fields "
                              "by value (ctypes documentation, 'Structures and unions'); pass a pointer"
                              % (where, info.text))
    if model._bm_c.packed or model._bm_c.pack:
        raise DefinitionError("%s: %s by value: libffi classifies a struct from its member types and misses "
                              "the unaligned members the psABI passes in memory; pass a pointer" % (where, info.text))
    if any(leaf.kind != "int" and leaf.kind != "float" for leaf in info.leaves):
        raise DefinitionError("%s: %s by value: it holds a long double, which ctypes structs cannot carry "
                              "by value; pass a pointer" % (where, info.text))


def _scalar_ctype(info: TypeInfo, where: str) -> Any:
    if info.scalar == "pointer":
        return ctypes.c_void_p
    kind = info.leaves[0].kind
    if kind == "float":
        return {4: ctypes.c_float, 8: ctypes.c_double}.get(info.size, ctypes.c_longdouble)
    if kind in ("x87", "quad"):
        if platform.python_implementation() == "PyPy":
            raise DefinitionError("%s: PyPy's ctypes cannot pass or return a long double" % where)
        return ctypes.c_longdouble
    if info.scalar == "_Bool":
        return ctypes.c_bool
    return _INTS[(info.size, bool(info.signed))]


class Bound:
    """A C function with a binmodel signature: call it with Python values, models and buffers."""

    def __init__(self, signature: Any, function: Any, name: str) -> None:
        self.signature = signature
        self.name = name
        self._function = function
        target = get_target("native")
        self._args: List[Tuple[str, Any, TypeInfo]] = []
        argtypes = []
        for pname, t in signature.args:
            where = "%s: argument %s" % (name, pname)
            info = type_info(t, target, where)
            if info.aggregate:
                _refuse_by_value(info, where)
                ct = t.ctype()
            else:
                ct = _scalar_ctype(info, where)
            argtypes.append(ct)
            self._args.append((pname, t, info))
        function.argtypes = argtypes
        self._ret_model = None
        if signature.returns is None:
            function.restype = None
        else:
            info = type_info(signature.returns, target, "%s: return type" % name)
            if info.aggregate:
                _refuse_by_value(info, "%s: return type" % name)
                function.restype = signature.returns.ctype()
                self._ret_model = signature.returns
            else:
                function.restype = _scalar_ctype(info, "%s: return type" % name)

    def __call__(self, *args: Any) -> Any:
        if len(args) != len(self._args):
            raise DefinitionError("%s takes %d arguments, not %d" % (self.name, len(self._args), len(args)))
        values: List[Any] = []
        fill: List[Tuple[Any, Any]] = []
        for (pname, t, info), value in zip(self._args, args):
            values.append(self._convert(pname, t, info, value, fill))
        try:
            result = self._function(*values)
        except ctypes.ArgumentError as exc:  # a Python value that the C type cannot hold
            raise DefinitionError("%s: %s" % (self.name, exc)) from None
        for obj, buf in fill:
            if isinstance(obj, bytearray):
                obj[:] = bytes(buf)[:len(obj)]
                continue
            filled = type(obj).from_buffer(buf)
            for field in type(obj)._bm_stored:
                setattr(obj, field, getattr(filled, field))
            # what parse remembered (a union's bytes, padding bits): the instance is now as if parsed
            object.__setattr__(obj, "_bm_parsed", getattr(filled, "_bm_parsed", None))
        if self._ret_model is not None:
            return self._ret_model.from_buffer(result)
        return result

    def _convert(self, pname: str, t: Any, info: TypeInfo, value: Any, fill: List[Tuple[Any, Any]]) -> Any:
        if info.aggregate:
            if not isinstance(value, t):
                raise DefinitionError("%s: argument %s is a %s, not %r" % (self.name, pname, info.text, value))
            return t.ctype().from_buffer_copy(t.build(value))
        if not isinstance(t, Ptr):
            return value
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if is_model(type(value)):
            buf = type(value).buffer(value)
            fill.append((value, buf))
            return buf
        if isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
            buf = ctypes.create_string_buffer(data, len(data) or 1)
            if isinstance(value, bytearray):
                fill.append((value, buf))
            return buf
        if isinstance(value, str):
            return value.encode()
        raise DefinitionError("%s: argument %s (%s) takes a model instance, bytes, bytearray, str, an int "
                              "address or None, not %r" % (self.name, pname, c_text(t), value))


def bind(signature: Any, library: Any, name: str) -> Bound:
    """``signature``'s function ``name`` from ``library`` (a ``ctypes.CDLL`` or a path to a shared library)."""
    native_name()  # raises on a machine that is none of the targets
    if signature.variadic:
        raise DefinitionError("%s: bind() does not call variadic functions (ctypes cannot mark which arguments "
                              "are variadic)" % name)
    if isinstance(library, str):
        library = ctypes.CDLL(library)
    try:
        function = getattr(library, name)
    except AttributeError:
        raise DefinitionError("%s has no function %r" % (library, name)) from None
    return Bound(signature, function, name)
