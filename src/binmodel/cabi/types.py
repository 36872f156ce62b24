"""C scalar types for ``CStruct`` fields: ``c_int()``, ``c_ulong(bits=3)``, ``uint32_t(aligned=8)``.

A ``CType`` names a C type; its size and alignment come from the struct's
target ABI when the class is defined. ``bits=`` makes a bit-field of that
declared type; ``aligned=`` is ``__attribute__((aligned(N)))`` on the member.
"""

from __future__ import annotations

import dataclasses
import enum as _enum
from typing import Any, Dict, Optional

from .. import schema as s
from ..errors import DefinitionError
from ..fields import MISSING, FieldSpec, _Scalar, to_node


@dataclasses.dataclass(frozen=True, eq=False)
class CType(s.Node):
    """A C type before a target gives it a size: ``ctype`` is a key of ``Target.types``.

    ``signed=None`` (plain ``char``) takes the target's char signedness.
    """

    ctype: str
    signed: Optional[bool]
    kind: str = "int"  # "int" | "float" | "bool"
    fixed_size: Optional[int] = None  # int8_t..uint64_t, size_t (pointer width: 0)
    c_name: str = ""
    bits: Optional[int] = None
    aligned: Optional[int] = None

    @property
    def name(self) -> str:
        return self.c_name + ("" if self.bits is None else ":%d" % self.bits)


@dataclasses.dataclass(frozen=True, eq=False)
class AlignedNode(s.Node):
    """Any member type with ``__attribute__((aligned(N)))``."""

    type: s.Node
    to: int

    @property
    def name(self) -> str:
        return "%s aligned(%d)" % (self.type.name, self.to)


@dataclasses.dataclass(frozen=True, eq=False)
class CNamed(s.Node):
    """A member type with the member's name in C (``c_name="in"`` on a field Python calls ``in_``)."""

    type: s.Node
    c_name: str

    @property
    def name(self) -> str:
        return self.type.name


def _named(node: s.Node, c_name: Optional[str]) -> s.Node:
    if c_name is None:
        return node
    if not isinstance(c_name, str) or not c_name.replace("_", "a").isalnum() or c_name[:1].isdigit():
        raise DefinitionError("c_name= must be a C identifier, not %r" % (c_name,))
    return CNamed(node, c_name)


class _CScalar(_Scalar):
    """A C type usable as a field (``c_int()``), a bit-field (``c_int(bits=3)``) or an item type."""

    __slots__ = ()
    node: CType

    def __init__(self, node: CType) -> None:
        super().__init__(node, node.c_name)

    def __call__(self, *, bits: Optional[int] = None, aligned: Optional[int] = None,  # type: ignore[override]
                 unnamed: bool = False, default: Any = MISSING, derive: Any = None, check: bool = False,
                 c_name: Optional[str] = None) -> Any:
        if bits is not None and (not isinstance(bits, int) or isinstance(bits, bool) or bits < 0):
            raise DefinitionError("bits= must be a non-negative int")
        _check_aligned(aligned)
        if bits is not None and self.node.kind == "float":
            raise DefinitionError("a bit-field must have an integer type, not %s" % self.node.c_name)
        if unnamed and bits is None:
            raise DefinitionError("only bit-fields can be unnamed (bits=...)")
        if bits == 0 and not unnamed:
            raise DefinitionError("a ':0' bit-field has no name: write bits=0, unnamed=True")
        node = dataclasses.replace(self.node, bits=bits, aligned=aligned)
        # an unnamed bit-field (and every ':0') is padding: no attribute, written as zeros
        return FieldSpec(_named(node, c_name), default, derive, check, stored=not unnamed and bits != 0)



def _check_aligned(aligned: Optional[int]) -> None:
    if aligned is not None and (not isinstance(aligned, int) or aligned < 1 or aligned & (aligned - 1)):
        raise DefinitionError("aligned= must be a power of two, not %r" % (aligned,))


def _scalar(c_name: str, ctype: str, signed: Optional[bool], kind: str = "int", fixed: Optional[int] = None) -> _CScalar:
    return _CScalar(CType(ctype, signed, kind, fixed, c_name))


c_char = _scalar("char", "char", None)
c_schar = _scalar("signed char", "char", True)
c_uchar = _scalar("unsigned char", "char", False)
c_short = _scalar("short", "short", True)
c_ushort = _scalar("unsigned short", "short", False)
c_int = _scalar("int", "int", True)
c_uint = _scalar("unsigned int", "int", False)
c_long = _scalar("long", "long", True)
c_ulong = _scalar("unsigned long", "long", False)
c_longlong = _scalar("long long", "long long", True)
c_ulonglong = _scalar("unsigned long long", "long long", False)
c_size_t = _scalar("size_t", "pointer", False)
c_ssize_t = _scalar("ssize_t", "pointer", True)
c_void_p = _scalar("void *", "pointer", False)
c_float = _scalar("float", "float", None, "float")
c_double = _scalar("double", "double", None, "float")
c_longdouble = _scalar("long double", "long double", None, "float")
c_bool = _scalar("_Bool", "_Bool", False, "bool")
int8_t = _scalar("int8_t", "char", True)
uint8_t = _scalar("uint8_t", "char", False)
int16_t = _scalar("int16_t", "short", True)
uint16_t = _scalar("uint16_t", "short", False)
int32_t = _scalar("int32_t", "int", True)
uint32_t = _scalar("uint32_t", "int", False)
int64_t = _scalar("int64_t", "long long", True)
uint64_t = _scalar("uint64_t", "long long", False)

C_TYPES: Dict[str, _CScalar] = {
    "c_char": c_char,
    "c_schar": c_schar,
    "c_uchar": c_uchar,
    "c_short": c_short,
    "c_ushort": c_ushort,
    "c_int": c_int,
    "c_uint": c_uint,
    "c_long": c_long,
    "c_ulong": c_ulong,
    "c_longlong": c_longlong,
    "c_ulonglong": c_ulonglong,
    "c_size_t": c_size_t,
    "c_ssize_t": c_ssize_t,
    "c_void_p": c_void_p,
    "c_float": c_float,
    "c_double": c_double,
    "c_longdouble": c_longdouble,
    "c_bool": c_bool,
    "int8_t": int8_t,
    "uint8_t": uint8_t,
    "int16_t": int16_t,
    "uint16_t": uint16_t,
    "int32_t": int32_t,
    "uint32_t": uint32_t,
    "int64_t": int64_t,
    "uint64_t": uint64_t,
}


def CEnum(enum: Any, *, bits: Optional[int] = None, aligned: Optional[int] = None, default: Any = MISSING,
          c_name: Optional[str] = None) -> Any:
    """A C ``enum``: an ``int`` (``unsigned int`` when no value is negative, as GCC does) read as ``enum``."""
    if not (isinstance(enum, type) and issubclass(enum, _enum.Enum)):
        raise DefinitionError("CEnum() needs an enum class")
    negative = any(int(m.value) < 0 for m in enum)
    base = (c_int if negative else c_uint)(bits=bits, aligned=aligned).node
    return FieldSpec(_named(s.Enum(base, enum, False), c_name), default)


def Aligned(to: int, type: Any, *, c_name: Optional[str] = None) -> Any:
    """``type`` with ``__attribute__((aligned(to)))``: for arrays and nested structs (scalars take ``aligned=``)."""
    _check_aligned(to)
    return FieldSpec(_named(AlignedNode(to_node(type), to), c_name))


def CName(c_name: str, type: Any, **options: Any) -> Any:
    """Any member type (an array, a nested struct, ``Bytes``) with its name in C: ``CName("from", Array(...))``.

    C scalars, ``CEnum`` and ``Aligned`` take ``c_name=`` directly.
    """
    node = type.node if isinstance(type, FieldSpec) else to_node(type)
    default = type.default if isinstance(type, FieldSpec) else options.pop("default", MISSING)
    return FieldSpec(_named(node, c_name), default, **options)
