"""``CStruct`` and ``CUnion``: models laid out exactly as a C compiler lays them out for a named ABI.

The class syntax is the one of ``Struct``; the metaclass gives every C type its
target size, places the members with ``cabi.layout``, and makes the padding a
compiler would add explicit (``(padding@5)`` members, padding bits inside
bit-field groups), so that ``layout()``, ``parse``, ``build`` and dumps all see it.
"""

from __future__ import annotations

import dataclasses
import keyword
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Optional, Tuple

from .. import fields as _f
from .. import schema as s
from ..errors import DefinitionError
from ..expr import Lit
from ..model import Struct, StructMeta
from . import types as _t
from .layout import Decl, Layout, Placement, lay_out
from .targets import Target, get_target
from .types import AlignedNode, CNamed, CType

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**kwargs: Any) -> Any:
        return lambda cls: cls


@dataclasses.dataclass(frozen=True)
class CInfo:
    """What a C model knows about itself: its target, size, alignment and member placements."""

    target: Target
    size: int
    align: int
    layout: Layout
    packed: bool
    pack: Optional[int]
    aligned: Optional[int]
    union: bool
    flexible: bool  # ends in a flexible array member (items follow the fixed part)
    # a flexible array member's own: its offset, and the bytes of tail padding that follow its items (sizeof minus
    # that offset), as GCC writes a static initializer and as malloc(sizeof(S) + n * sizeof(item)) allocates
    tail: int = 0
    fam_offset: Optional[int] = None
    greedy: bool = False  # the flexible array member reads to the end (its tail padding is the data's last bytes)
    c_names: Tuple[Tuple[str, str], ...] = ()  # (field, C name) for members renamed for Python (in_ -> in)


class CStructMeta(StructMeta):
    """Lays out C structs and unions for the target named by ``abi=``."""

    def __new__(mcls, name: str, bases: Tuple[type, ...], ns: Dict[str, Any], **kwargs: Any) -> Any:
        cls = super().__new__(mcls, name, bases, ns, **kwargs)
        info = cls.__dict__.get("_bm_c")
        if info is not None and info.greedy and info.tail:
            _greedy_tail(cls)
        return cls

    @classmethod
    def _bm_options(mcls, name: str, base: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        if base is not None:
            raise DefinitionError("%s: C structs cannot extend other models (C has no inheritance); "
                                  "nest the other struct as the first field" % name)
        unknown = set(kwargs) - {"abi", "packed", "pack", "aligned"}
        if unknown:
            raise DefinitionError("%s: unknown class keyword %s (C structs take abi=, packed=, pack=, aligned=)"
                                  % (name, ", ".join(sorted(unknown))))
        if "abi" not in kwargs:
            raise DefinitionError("%s: name the C ABI, e.g. abi='x86_64-linux' or abi='native'" % name)
        target = get_target(kwargs["abi"])
        pack = kwargs.get("pack")
        if pack is not None and pack not in (1, 2, 4, 8, 16):
            raise DefinitionError("%s: pack= must be 1, 2, 4, 8 or 16, as #pragma pack allows" % name)
        aligned = kwargs.get("aligned")
        if aligned is not None and (not isinstance(aligned, int) or aligned < 1 or aligned & (aligned - 1)):
            raise DefinitionError("%s: aligned= must be a power of two" % name)
        return {"endian": target.endian, "bit_order": "lsb", "target": target, "packed": bool(kwargs.get("packed")),
                "pack": pack, "aligned": aligned}

    @classmethod
    def _bm_arrange(mcls, cls: Any, fields: List[s.Field], options: Dict[str, Any]) -> Tuple[Tuple[Any, ...], Any]:
        target: Target = options["target"]
        union = bool(getattr(cls, "_bm_is_union", False))
        decls: List[Decl] = []
        resolved: Dict[str, s.Field] = {}
        c_names: List[Tuple[str, str]] = []
        for i, f in enumerate(fields):
            where = "%s.%s" % (cls.__name__, f.name)
            declared, c_name = _c_name(f)
            if c_name != f.name:
                c_names.append((f.name, c_name))
            f = dataclasses.replace(f, type=declared)
            node, size, align, aligned, bits = _resolve(f.type, target, where)
            flexible = (isinstance(node, s.Array) and not isinstance(node.count, Lit)) or (
                isinstance(node, s.Struct) and node.cls._bm_c.flexible)
            if flexible and (union or i != len(fields) - 1):
                raise DefinitionError("%s: an array whose length depends on the data (or a struct ending in one) "
                                      "must be the last member, as a flexible array member" % where)
            required = node.cls._bm_c.layout.required if isinstance(node, s.Struct) else None
            decls.append(Decl(f.name, size, align, bits, aligned, required, named=f.stored,
                              flexible=flexible and isinstance(node, s.Array)))
            note = f.note or _c_text(f.type)
            if c_name != f.name:
                note = "C name %s; %s" % (c_name, note) if note else "C name %s" % c_name
            resolved[f.name] = dataclasses.replace(f, type=node, note=note)
        result = lay_out(decls, target, union=union, packed=options["packed"], pack=options["pack"],
                         aligned=options["aligned"])
        last: Any = resolved[fields[-1].name].type if fields else None
        flexible = any(d.flexible for d in decls) or (isinstance(last, s.Struct) and last.cls._bm_c.flexible)
        tail, fam_offset, greedy = 0, None, False
        if decls and decls[-1].flexible:
            fam_offset = result.placements[-1].bit // 8
            tail = result.size - fam_offset
            greedy = bool(last.greedy)
        cls._bm_c = CInfo(target, result.size, result.align, result, options["packed"], options["pack"],
                          options["aligned"], union, flexible, tail, fam_offset, greedy, tuple(c_names))
        if union:
            return tuple(_members([p], resolved, None)[0] for p in result.placements), result.size
        members = _members(result.placements, resolved, None if flexible else result.size)
        if tail and not greedy:  # items counted by a field: the tail padding is a member after them
            members.append(s.Field("(tail padding)", s.Padding(tail), stored=False))
        return tuple(members), None


def _c_name(f: s.Field) -> Tuple[s.Node, str]:
    """The member's declared type without its ``c_name=`` wrapper, and its name in C.

    ``c_name="in"`` names it; a field named like a Python keyword with ``_`` after it (``in_``, ``from_``,
    PEP 8's way) is that keyword in C unless ``c_name=`` says otherwise.
    """
    node = f.type
    if isinstance(node, CNamed):
        return node.type, node.c_name
    stem = f.name[:-1]
    if f.name.endswith("_") and keyword.iskeyword(stem):
        return node, stem
    return node, f.name


def _resolve(node: s.Node, target: Target, where: str) -> Tuple[s.Node, int, int, Optional[int], Optional[int]]:
    """(schema node, size, alignment, aligned attribute, bit width) of a member type on ``target``."""
    if isinstance(node, AlignedNode):
        inner, size, align, _, bits = _resolve(node.type, target, where)
        return inner, size, align, node.to, bits
    if isinstance(node, CType):
        size, align = target.size_align(node.ctype)
        if node.kind == "float":
            if node.ctype == "long double" and target.long_double_format != "double":
                out: s.Node = s.Bytes(Lit(size))  # x87 extended or IEEE quad: kept as raw bytes
            else:
                out = s.Float(size * 8, target.endian)
        elif node.kind == "bool" and node.bits is None:
            out = s.Bool()
        else:
            signed = target.char_signed if node.signed is None else node.signed
            out = s.Int(size * 8, signed, target.endian)
            if node.bits is not None:
                if node.bits > size * 8:
                    raise DefinitionError("%s: a %d-bit field does not fit its type %s (%d bits)"
                                          % (where, node.bits, node.c_name, size * 8))
                out = s.Bits(node.bits, signed and node.kind != "bool", "lsb")
        return out, size, align, node.aligned, node.bits
    if isinstance(node, s.Enum) and isinstance(node.base, CType):
        if node.base.bits is not None:
            raise DefinitionError("%s: enum bit-fields are not supported; use c_int(bits=n)" % where)
        base, size, align, aligned, _ = _resolve(node.base, target, where)
        return dataclasses.replace(node, base=base), size, align, aligned, None
    if isinstance(node, s.Array):
        item, isize, ialign, _, bits = _resolve(node.item, target, where + "[]")
        if bits is not None:
            raise DefinitionError("%s: arrays of bit-fields do not exist in C" % where)
        count = node.count.value if isinstance(node.count, Lit) else None
        if node.until is not None:
            raise DefinitionError("%s: a C array has a count (a reference or greedy=True for a flexible array "
                                  "member), not until=" % where)
        return dataclasses.replace(node, item=item), (count or 0) * isize, ialign, None, None
    if isinstance(node, s.Struct):
        info: Optional[CInfo] = getattr(node.cls, "_bm_c", None)
        if info is None:
            raise DefinitionError("%s: %s is not a CStruct/CUnion, so it has no C layout" % (where, node.name))
        if info.target.name != target.name:
            raise DefinitionError("%s: %s is laid out for %s, not %s" % (where, node.name, info.target.name,
                                                                         target.name))
        return node, info.size, info.align, None, None
    if isinstance(node, (s.Bytes, s.String)) and isinstance(node.size, Lit) and node.prefix is None:
        return node, node.size.value, 1, None, None
    if isinstance(node, s.Padding):
        return node, node.size, 1, None, None
    raise DefinitionError("%s: %s has no C layout; use C types (c_int, uint32_t, ...), arrays of them, "
                          "fixed-size Bytes/CString, or other CStructs" % (where, node.name))


def _c_text(node: s.Node) -> str:
    """How C would declare a member type: ``unsigned long``, ``int[4]``, ``unsigned int : 3``."""
    if isinstance(node, AlignedNode):
        return "%s aligned(%d)" % (_c_text(node.type), node.to)
    if isinstance(node, CType):
        return node.c_name + ("" if node.bits is None else " : %d" % node.bits)
    if isinstance(node, s.Enum) and isinstance(node.base, CType):
        return "enum %s" % node.enum.__name__
    if isinstance(node, s.Array):
        count = node.count.value if isinstance(node.count, Lit) else ""
        return "%s[%s]" % (_c_text(node.item), count)
    if isinstance(node, s.Struct):
        return "%s %s" % ("union" if node.union_size is not None else "struct", node.name)
    if isinstance(node, (s.Bytes, s.String)) and isinstance(node.size, Lit):
        return "char[%d]" % node.size.value
    return ""


def _members(placements: List[Placement], fields: Dict[str, s.Field], size: Optional[int]) -> List[Any]:
    """Schema members for placed declarations: fields, explicit padding, bit groups with padding bits."""
    out: List[Any] = []
    cursor = 0  # bytes
    i = 0
    while i < len(placements):
        p = placements[i]
        if p.decl.bits is None:
            start = p.bit // 8
            if start > cursor:
                out.append(_padding(cursor, start - cursor))
            out.append(fields[p.decl.name])
            cursor = p.end // 8
            i += 1
            continue
        run = [p]
        while i + len(run) < len(placements) and placements[i + len(run)].decl.bits is not None:
            run.append(placements[i + len(run)])
        i += len(run)
        first = min(q.bit for q in run) // 8
        last = -(-max(q.end for q in run) // 8)
        if first > cursor:
            out.append(_padding(cursor, first - cursor))
        out.append(_bit_group(run, fields, first, last))
        cursor = last
    if size is not None and size > cursor:
        out.append(_padding(cursor, size - cursor))
    return out


def _padding(offset: int, size: int) -> s.Field:
    return s.Field("(padding@%d)" % offset, s.Padding(size), stored=False)


def _bit_group(run: List[Placement], fields: Dict[str, s.Field], first: int, last: int) -> s.BitGroup:
    members: List[s.Field] = []
    bit = first * 8
    for q in sorted(run, key=lambda q: q.bit):
        if q.bit > bit:
            members.append(_pad_bits(bit, q.bit - bit))
        members.append(fields[q.decl.name])
        bit = q.bit + q.decl.bits  # type: ignore[operator]
    if last * 8 > bit:
        members.append(_pad_bits(bit, last * 8 - bit))
    return s.BitGroup(tuple(members), "lsb", "little")


def _pad_bits(bit: int, width: int) -> s.Field:
    return s.Field("(padding@%d.%d)" % (bit // 8, bit % 8), s.Bits(width, False, "lsb"), stored=False)


@dataclass_transform(
    kw_only_default=True,
    field_specifiers=(
        _t.c_char, _t.c_schar, _t.c_uchar, _t.c_short, _t.c_ushort, _t.c_int, _t.c_uint, _t.c_long, _t.c_ulong,
        _t.c_longlong, _t.c_ulonglong, _t.c_size_t, _t.c_ssize_t, _t.c_void_p, _t.c_float, _t.c_double,
        _t.c_longdouble, _t.c_bool, _t.int8_t, _t.uint8_t, _t.int16_t, _t.uint16_t, _t.int32_t, _t.uint32_t,
        _t.int64_t, _t.uint64_t, _t.CEnum, _t.Aligned, _f.Array, _f.Bytes, _f.CString, _f.String, _f.Field,
        _f.Padding,
    ),
)
class CStruct(Struct, metaclass=CStructMeta):
    """A struct laid out by C rules for ``abi=`` (``"x86_64-linux"``, ``"native"``, ...).

    Class keywords: ``abi=`` (required), ``packed=True`` (``__attribute__((packed))``),
    ``pack=N`` (``#pragma pack(N)``), ``aligned=N`` (``__attribute__((aligned(N)))``).
    """

    _bm_abstract: ClassVar[bool] = True
    _bm_c: ClassVar[CInfo]
    __slots__ = ()

    @classmethod
    def sizeof(cls) -> int:
        """C's ``sizeof``: with a flexible array member, the size without its items."""
        return cls._bm_c.size

    @classmethod
    def layout(cls) -> Any:
        """The table of members; a flexible array member that reads to the end has its tail padding last."""
        table = Struct.layout.__func__(cls)  # type: ignore[attr-defined]
        info = cls._bm_c
        if info.greedy and info.tail:
            from ..layout import Layout, Row

            last = table.rows[-1]
            at = "%s + %s" % (last.offset, last.size)
            table = Layout(table.name, table.rows + [Row("(tail padding)", at, info.tail, "Padding[%d]" % info.tail,
                                                         "", "padding (sizeof - offsetof: after the items)", 1)],
                           "%s + %d" % (table.size, info.tail))
        return table

    @classmethod
    def alignment(cls) -> int:
        """C's ``_Alignof``: the alignment of the struct on its target, in bytes."""
        return cls._bm_c.align

    @classmethod
    def c_name(cls, field: str) -> str:
        """The C name of a member: ``field`` itself, or the name kept for one renamed for Python (``in_``)."""
        names = dict(cls._bm_c.c_names)
        if field not in names and field not in cls._bm_stored:
            raise DefinitionError("%s has no field %r" % (cls.__name__, field))
        return names.get(field, field)

    @classmethod
    def ctype(cls) -> Any:
        """An equivalent ``ctypes.Structure``/``Union`` (native ABI only; an error where ctypes would differ)."""
        from .interop import ctype

        return ctype(cls)

    @classmethod
    def buffer(cls, obj: Any = None) -> Any:
        """A writable ctypes buffer of ``sizeof()`` bytes: zeroed (an out-parameter) or holding ``obj``."""
        from .interop import buffer

        return buffer(cls, obj)

    @classmethod
    def from_buffer(cls: Any, buf: Any, size: Optional[int] = None) -> Any:
        """Parse an instance from a ctypes buffer (or any object with the buffer protocol)."""
        from .interop import from_buffer

        return from_buffer(cls, buf, size)

    @classmethod
    def from_address(cls: Any, address: int, size: Optional[int] = None) -> Any:
        """Parse an instance from ``sizeof()`` bytes of memory at ``address`` (a pointer a C function returned)."""
        from .interop import from_address

        return from_address(cls, address, size)

    if TYPE_CHECKING:
        def __init_subclass__(cls, *, abi: str, packed: bool = False, pack: Optional[int] = None,  # type: ignore[override]
                              aligned: Optional[int] = None) -> None: ...


def _greedy_tail(cls: Any) -> None:
    """A struct whose flexible array member reads to the end: its last ``tail`` bytes are the tail padding.

    ``parse`` reads the items from the bytes before them and ``build`` writes them after the items, as GCC
    writes a static initializer (``sizeof(S) + n * sizeof(item)`` bytes); ``parse_trace`` shows them as padding.
    """
    info: CInfo = cls._bm_c
    tail = info.tail
    fixed = info.size  # the compiler's bytes are never fewer than sizeof

    def entries() -> Any:
        # the same compiled entries Struct.parse and Struct.build install, kept here under the wrappers
        found = cls.__dict__.get("_bm_fam_entries")
        if found is None:
            from ..building.compiled import build_entry
            from ..parsing.compiled import parse_entry

            found = (parse_entry(cls._bm_node), build_entry(cls._bm_node))
            type.__setattr__(cls, "_bm_fam_entries", found)
        return found

    def cut(data: Any, offset: int) -> Any:
        view = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else memoryview(data)
        if len(view) - offset < fixed:
            from ..errors import ParseError

            raise ParseError("%s needs at least sizeof = %d bytes (the fixed part and %d bytes of tail padding), "
                             "found %d" % (cls.__name__, fixed, tail, max(0, len(view) - offset)),
                             "", offset, expected=fixed, found=max(0, len(view) - offset))
        return view[:len(view) - tail]

    def parse(data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
        return entries()[0](cut(data, offset), offset, allow_trailing)

    def build(obj: Any, refresh: bool = False) -> bytes:
        return entries()[1](obj, refresh) + bytes(tail)  # type: ignore[no-any-return]

    def parse_trace(data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
        from ..parsing.context import Span

        whole = bytes(data)
        try:
            body = cut(whole, offset)
        except Exception:
            body = whole
        trace = Struct.parse_trace.__func__(cls, body, offset=offset, allow_trailing=allow_trailing)  # type: ignore[attr-defined]
        trace.data = whole
        if trace.error is None and len(body) < len(whole):
            for span in trace.spans:
                if span.path == "":
                    span.size += tail
            trace.spans.append(Span("(tail padding)", len(body), tail, None, "Padding[%d]" % tail, "padding", 1))
        return trace

    type.__setattr__(cls, "parse", staticmethod(parse))
    type.__setattr__(cls, "build", staticmethod(build))
    type.__setattr__(cls, "parse_trace", staticmethod(parse_trace))


class CUnion(CStruct):
    """A C union: every member starts at offset 0; the size is the largest member's, aligned."""

    _bm_abstract: ClassVar[bool] = True
    _bm_is_union: ClassVar[bool] = True
    __slots__ = ()
