"""Generate C struct definitions with matching binmodel CStruct classes, for comparison with compilers.

A ``StructSpec`` is written out twice: as C source (with sizeof, _Alignof,
offsetof, one instance per bit-field with that field all ones, and an
initialised instance) and as a binmodel class built from the same spec.
"""

import dataclasses
import random
from typing import List, Optional

from binmodel import Array
from binmodel.cabi import C_TYPES, Aligned, CStruct, CUnion

# binmodel name -> C spelling
C_NAMES = {name: scalar.node.c_name for name, scalar in C_TYPES.items()}
INT_TYPES = [n for n, s in C_TYPES.items() if s.node.kind == "int"]
BITFIELD_TYPES = ["c_int", "c_uint", "c_char", "c_uchar", "c_short", "c_ushort", "c_long", "c_ulong",
                  "c_longlong", "c_ulonglong", "c_bool", "uint8_t", "int16_t", "uint32_t", "int64_t"]


@dataclasses.dataclass
class MemberSpec:
    name: str
    type: str  # a key of C_TYPES, or the name of an earlier StructSpec
    count: Optional[int] = None  # array length; -1 for a flexible array member
    bits: Optional[int] = None
    aligned: Optional[int] = None
    unnamed: bool = False


@dataclasses.dataclass
class StructSpec:
    name: str
    members: List[MemberSpec]
    union: bool = False
    packed: bool = False
    pack: Optional[int] = None
    aligned: Optional[int] = None


def type_bits(target, type_name):
    return target.size_align(C_TYPES[type_name].node.ctype)[0] * 8


def c_source(specs, target):
    """C declarations and probe globals for ``specs``."""
    lines = ["#include <stddef.h>", "#include <stdint.h>", "#include <stdbool.h>", "typedef long ssize_t;" if
             target.name != "x86_64-windows" else "typedef long long ssize_t;"]
    for spec in specs:
        attrs = []
        if spec.packed:
            attrs.append("packed")
        if spec.aligned:
            attrs.append("aligned(%d)" % spec.aligned)
        body = []
        for m in spec.members:
            ctype = C_NAMES.get(m.type)
            if ctype is None:
                ctype = ("union " if _spec_union(specs, m.type) else "struct ") + m.type
            decl = "%s %s" % (ctype, "" if m.unnamed else m.name)
            if m.count is not None:
                decl += "[]" if m.count < 0 else "[%d]" % m.count
            if m.bits is not None:
                decl += " : %d" % m.bits
            if m.aligned:
                decl += " __attribute__((aligned(%d)))" % m.aligned
            body.append("    %s;" % decl)
        if spec.pack:
            lines.append("#pragma pack(push, %d)" % spec.pack)
        lines.append("%s %s {\n%s\n}%s;" % ("union" if spec.union else "struct", spec.name, "\n".join(body),
                                             " __attribute__((%s))" % ", ".join(attrs) if attrs else ""))
        if spec.pack:
            lines.append("#pragma pack(pop)")
        kind = "union" if spec.union else "struct"
        lines.append("const unsigned long long %s_size = sizeof(%s %s);" % (spec.name, kind, spec.name))
        lines.append("const unsigned long long %s_align = _Alignof(%s %s);" % (spec.name, kind, spec.name))
        for m in spec.members:
            if m.unnamed:
                continue
            if m.bits is None:
                lines.append("const unsigned long long %s_off_%s = offsetof(%s %s, %s);"
                             % (spec.name, m.name, kind, spec.name, m.name))
            else:
                lines.append("%s %s %s_ones_%s = { .%s = %s };" % (kind, spec.name, spec.name, m.name, m.name,
                                                                  "1" if m.type == "c_bool" else "-1"))
        values = instance_values(spec, specs, target)
        lines.append("%s %s %s_inst = %s;" % (kind, spec.name, spec.name, c_initializer(values)))
    return "\n".join(lines) + "\n"


def _spec_union(specs, name):
    return next(s for s in specs if s.name == name).union


def _int_value(type_name, target, seed, bits=None):
    node = C_TYPES[type_name].node
    width = bits if bits is not None else type_bits(target, type_name)
    if node.kind == "bool":
        return 1
    signed = target.char_signed if node.signed is None else node.signed
    if signed:
        lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    else:
        lo, hi = 0, (1 << width) - 1
    return lo + (seed * 2654435761 + 12345) % (hi - lo + 1)


def instance_values(spec, specs, target, seed=1):
    """{member: value} for an initialised instance (a union initialises its first member only)."""
    values = {}
    for i, m in enumerate(spec.members):
        if m.unnamed or m.count == -1:
            continue
        if spec.union and values:
            break
        values[m.name] = _value(m, specs, target, seed * 31 + i)
    return values


def _value(m, specs, target, seed):
    def one(k):
        if m.type not in C_NAMES:
            inner = next(s for s in specs if s.name == m.type)
            return instance_values(inner, specs, target, seed + k)
        kind = C_TYPES[m.type].node.kind
        if kind == "float":
            if m.type == "c_longdouble" and target.long_double_format != "double":
                return None  # left zero: binmodel keeps such long doubles as raw bytes
            return 0.5 + (seed + k) % 7
        return _int_value(m.type, target, seed + k, m.bits)
    if m.count is not None:
        return [one(k) for k in range(m.count)]
    return one(0)


def c_initializer(values):
    if isinstance(values, dict):
        return "{ %s }" % ", ".join(".%s = %s" % (k, c_initializer(v)) for k, v in values.items() if v is not None)
    if isinstance(values, list):
        return "{ %s }" % ", ".join(c_initializer(v) if v is not None else "0" for v in values)
    if isinstance(values, float):
        return repr(values)
    if isinstance(values, int) and values < 0:
        return "(%d)" % values if values > -(1 << 63) else "(-9223372036854775807LL - 1)"
    return "%dULL" % values if isinstance(values, int) and values >= 1 << 31 else str(values)


def model_class(spec, models, target):
    """The binmodel class for ``spec`` (``models`` holds the classes of earlier specs)."""
    ns = {"__annotations__": {}, "__module__": __name__}
    for m in spec.members:
        if m.type in C_NAMES:
            if m.count is None:
                field = C_TYPES[m.type](bits=m.bits, aligned=m.aligned, unnamed=m.unnamed)
            else:
                item = C_TYPES[m.type]
                field = Array(item, count=m.count) if m.count >= 0 else Array(item, greedy=True)
                if m.aligned:
                    field = Aligned(m.aligned, field)
        else:
            inner = models[m.type]
            field = Aligned(m.aligned, inner) if m.aligned else __import__("binmodel").Field(inner)
        ns["__annotations__"][m.name] = object
        ns[m.name] = field
    kwargs = {"abi": target.name}
    if spec.packed:
        kwargs["packed"] = True
    if spec.pack:
        kwargs["pack"] = spec.pack
    if spec.aligned:
        kwargs["aligned"] = spec.aligned
    base = CUnion if spec.union else CStruct
    return type(base)(spec.name, (base,), ns, **kwargs)


def model_value(cls, values, models):
    """An instance of ``cls`` from ``instance_values`` output (absent members None / zero)."""
    kwargs = {}
    for f in cls._bm_node.fields():
        if not f.stored:
            continue
        v = values.get(f.name)
        kwargs[f.name] = _model_member(f.type, v, cls._bm_c.union, models)
    return cls(**kwargs)


def _model_member(node, v, union, models):
    from binmodel import schema as s

    if isinstance(node, s.Struct):
        if v is None:
            return None if union else model_value(node.cls, {}, models)
        return model_value(node.cls, v, models)
    if isinstance(node, s.Array):
        if v is None:
            if union:
                return None
            count = node.count.value if node.count is not None else 0
            return [_model_member(node.item, None, False, models) for _ in range(count)]
        return [_model_member(node.item, x, False, models) for x in v]
    if v is None:
        if union:
            return None
        if isinstance(node, s.Bytes):
            return bytes(node.size.value)
        if isinstance(node, s.Float):
            return 0.0
        if isinstance(node, s.Bool):
            return False
        return 0
    if isinstance(node, s.Bool):
        return bool(v)
    return v


def _has_flex(spec):
    return any(m.count == -1 for m in spec.members)


def random_specs(rng: random.Random, target, count=60, prefix="R"):
    specs: List[StructSpec] = []
    for n in range(count):
        name = "%s%d" % (prefix, n)
        members = []
        for i in range(rng.randint(1, 7)):
            roll = rng.random()
            if roll < 0.4:
                members.append(MemberSpec("m%d" % i, rng.choice(list(C_TYPES))))
            elif roll < 0.75:
                t = rng.choice(BITFIELD_TYPES)
                width = rng.randint(0, type_bits(target, t)) if t != "c_bool" else rng.randint(0, 1)
                members.append(MemberSpec("m%d" % i, t, bits=width, unnamed=width == 0 or rng.random() < 0.1))
            elif roll < 0.85:
                members.append(MemberSpec("m%d" % i, rng.choice(INT_TYPES + ["c_double"]), count=rng.randint(1, 4)))
            elif roll < 0.93 and any(not _has_flex(s) for s in specs):
                members.append(MemberSpec("m%d" % i, rng.choice([s for s in specs if not _has_flex(s)]).name))
            else:
                members.append(MemberSpec("m%d" % i, rng.choice(INT_TYPES), aligned=rng.choice([1, 2, 4, 8, 16])))
        if all(m.unnamed for m in members):
            members.append(MemberSpec("last", "c_int"))
        union = rng.random() < 0.15
        if not union and rng.random() < 0.1:
            members.append(MemberSpec("flex", rng.choice(INT_TYPES), count=-1))
        layout_roll = rng.random()
        specs.append(StructSpec(
            name, members, union=union,
            packed=layout_roll < 0.15,
            pack=rng.choice([1, 2, 4]) if 0.15 <= layout_roll < 0.3 else None,
            aligned=rng.choice([4, 8, 16, 32]) if rng.random() < 0.1 else None,
        ))
    return specs
