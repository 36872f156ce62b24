"""What a calling convention needs to know about a C type: size, alignment and its scalar leaves.

A leaf is one scalar at a byte offset inside the value (``int``, ``float``,
``double``, ``long double``, a pointer, a bit-field's bytes), with arrays
expanded and nested structs flattened. Conventions classify values from
their leaves (System V eightbytes, AAPCS homogeneous aggregates).
"""

from __future__ import annotations

import dataclasses
from typing import Any, List, Optional, Tuple

from .. import schema as s
from ..errors import DefinitionError
from .targets import Target
from .types import CType, _CScalar


class Ptr:
    """A C pointer type, ``Ptr(c_char)`` for ``char *``; ``Ptr()`` is ``void *``, ``Ptr(Point)`` ``struct point *``."""

    __slots__ = ("to", "const")

    def __init__(self, to: Any = None, const: bool = False) -> None:
        self.to = to
        self.const = const

    @property
    def c_name(self) -> str:
        inner = "void" if self.to is None else c_text(self.to)
        return "%s%s *" % ("const " if self.const else "", inner)

    def __repr__(self) -> str:
        return "Ptr(%s)" % ("" if self.to is None else c_text(self.to))


@dataclasses.dataclass(frozen=True)
class Leaf:
    offset: int
    size: int
    kind: str  # "int" | "float" (binary32/64) | "x87" | "quad"
    align: int


@dataclasses.dataclass(frozen=True)
class TypeInfo:
    """A C type as a calling convention sees it."""

    text: str  # C spelling: "struct point", "unsigned short", "const char *"
    size: int
    align: int
    aggregate: bool  # a struct or union (composite type), as opposed to a scalar
    union: bool
    leaves: Tuple[Leaf, ...]
    bitfields: bool  # holds a bit-field (ctypes cannot pass these by value correctly)
    signed: Optional[bool] = None  # scalars: signedness (None: not an integer)
    model: Any = None  # the CStruct/CUnion class
    scalar: Optional[str] = None  # scalars: the Target.types key ("int", "double", "pointer", ...)
    natural_align: int = 1  # alignment from the members alone, ignoring aligned attributes (AAPCS's
    # "natural alignment", clang's unadjusted alignment)


def is_model(t: Any) -> bool:
    return isinstance(t, type) and getattr(t, "_bm_c", None) is not None


def c_text(t: Any) -> str:
    if isinstance(t, _CScalar):
        return t.node.c_name
    if isinstance(t, Ptr):
        return t.c_name
    if is_model(t):
        return "%s %s" % ("union" if t._bm_c.union else "struct", t.__name__)
    return repr(t)


def _float_kind(ctype: str, target: Target) -> str:
    if ctype == "long double" and target.long_double_format != "double":
        return target.long_double_format
    return "float"


def type_info(t: Any, target: Target, where: str) -> TypeInfo:
    """``t`` (a C scalar such as ``c_int``, a ``Ptr``, a ``CStruct``/``CUnion`` class) on ``target``."""
    if isinstance(t, _CScalar):
        node = t.node
        if node.bits is not None or node.aligned is not None:
            raise DefinitionError("%s: a parameter type cannot be a bit-field or aligned (%s)" % (where, node.name))
        size, align = target.size_align(node.ctype)
        kind = _float_kind(node.ctype, target) if node.kind == "float" else "int"
        signed = None if node.kind == "float" else (target.char_signed if node.signed is None else node.signed)
        return TypeInfo(node.c_name, size, align, False, False, (Leaf(0, size, kind, align),), False, signed,
                        scalar=node.ctype, natural_align=align)
    if isinstance(t, Ptr):
        size = target.pointer_size
        return TypeInfo(t.c_name, size, size, False, False, (Leaf(0, size, "int", size),), False, False,
                        scalar="pointer", natural_align=size)
    if is_model(t):
        info = t._bm_c
        if info.target.name != target.name:
            raise DefinitionError("%s: %s is laid out for %s, not %s; define it with abi=%r (or abi='native')"
                                  % (where, t.__name__, info.target.name, target.name, target.name))
        if info.size == 0:
            raise DefinitionError("%s: %s is empty (a GNU C extension), which the calling conventions here do "
                                  "not define" % (where, t.__name__))
        if info.flexible:
            raise DefinitionError("%s: %s ends in a flexible array member and cannot be passed by value"
                                  % (where, t.__name__))
        leaves: List[Leaf] = []
        bitfields = _leaves(t, target, 0, leaves)
        natural = 1
        for p in info.layout.placements:
            if p.decl.bits == 0 or not p.decl.named and not target.unnamed_bitfields_align_struct:
                continue
            a = 1 if info.packed else p.decl.align if info.pack is None else min(p.decl.align, info.pack)
            natural = max(natural, a, p.decl.aligned or 1)
        return TypeInfo(c_text(t), info.size, info.align, True, info.union, tuple(leaves), bitfields, model=t,
                        natural_align=natural)
    raise DefinitionError("%s: %r is not a C type; use c_int, c_double, ..., Ptr(...), or a CStruct/CUnion class"
                          % (where, t))


def _leaves(model: Any, target: Target, base: int, out: List[Leaf]) -> bool:
    """Append the leaves of ``model`` at ``base``; True when it holds a bit-field."""
    info = model._bm_c
    fields = {f.name: f for f in model._bm_node.fields()}
    bitfields = False
    for p in info.layout.placements:
        f = fields.get(p.decl.name)
        if f is None or p.decl.bits is not None:
            if p.decl.bits:  # a bit-field: integer bytes it touches
                bitfields = True
                first, last = p.bit // 8, (p.bit + p.decl.bits - 1) // 8
                out.append(Leaf(base + first, last - first + 1, "int", 1))
            continue
        bitfields |= _node_leaves(f.type, f.note, target, base + p.bit // 8, out)
    return bitfields


def _node_leaves(node: s.Node, note: str, target: Target, at: int, out: List[Leaf]) -> bool:
    if isinstance(node, s.Enum):
        node = node.base
    if isinstance(node, (s.Int, s.Float)):
        size = node.bits // 8
        out.append(Leaf(at, size, "float" if isinstance(node, s.Float) else "int", _member_align(size, node, target)))
    elif isinstance(node, s.Bool):
        out.append(Leaf(at, 1, "int", 1))
    elif isinstance(node, s.Array):
        count = node.count.value  # type: ignore[union-attr]
        if not count:
            return False
        item_leaves: List[Leaf] = []
        bitfields = _node_leaves(node.item, note.split("[")[0], target, 0, item_leaves)
        step = _node_size(node.item, target)
        for i in range(count):
            out.extend(dataclasses.replace(leaf, offset=at + i * step + leaf.offset) for leaf in item_leaves)
        return bitfields
    elif isinstance(node, s.Struct):
        return _leaves(node.cls, target, at, out)
    elif isinstance(node, (s.Bytes, s.String)):
        size = node.size.value  # type: ignore[union-attr]
        ld = target.size_align("long double")
        if "long double" in note and size == ld[0] and target.long_double_format != "double":
            out.append(Leaf(at, size, target.long_double_format, ld[1]))
        else:
            out.extend(Leaf(at + i, 1, "int", 1) for i in range(size))
    elif isinstance(node, CType):  # pragma: no cover - resolved by the model already
        raise DefinitionError("unresolved C type %s" % node.name)
    return False


def _member_align(size: int, node: s.Node, target: Target) -> int:
    """A scalar member's alignment on ``target`` (i386 aligns 8-byte members to 4)."""
    if isinstance(node, s.Float):
        return target.size_align("float" if size == 4 else "double")[1]
    return {1: 1, 2: 2, 4: 4}.get(size) or target.size_align("long long")[1]


def _node_size(node: s.Node, target: Target) -> int:
    if isinstance(node, s.Enum):
        node = node.base
    if isinstance(node, (s.Int, s.Float)):
        return node.bits // 8
    if isinstance(node, s.Bool):
        return 1
    if isinstance(node, s.Struct):
        return int(node.cls._bm_c.size)
    if isinstance(node, (s.Bytes, s.String)):
        return int(node.size.value)  # type: ignore[union-attr]
    if isinstance(node, s.Array):
        return int(node.count.value) * _node_size(node.item, target)  # type: ignore[union-attr]
    raise DefinitionError("%s has no C size" % node.name)
