"""C function signatures and where a call puts each argument on a named target.

>>> from binmodel.cabi import Signature, c_int, c_double
>>> call = Signature(returns=c_int, args=[("n", c_int), ("x", c_double)]).explain(abi="x86_64-linux")
>>> [(a.name, a.slots[0].reg) for a in call.args], call.ret.slots[0].reg
([('n', 'edi'), ('x', 'xmm0')], 'eax')

The rules live in ``cabi.conventions`` (one function per ABI, each rule
naming its ABI document section); this module holds the signature, the
prototype parser and the explanation's data.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..errors import DefinitionError
from . import types as _t
from .ctypeinfo import Ptr, TypeInfo, c_text, is_model, type_info
from .targets import Target, get_target


@dataclasses.dataclass(frozen=True)
class Slot:
    """Bytes ``offset .. offset+size`` of a value, held in register ``reg`` or at ``stack`` bytes above SP."""

    offset: int
    size: int
    reg: Optional[str] = None
    stack: Optional[int] = None  # offset from the stack pointer at the call instruction

    @property
    def where(self) -> str:
        return self.reg if self.reg is not None else "[sp+%d]" % (self.stack or 0)


@dataclasses.dataclass(frozen=True)
class Passed:
    """How one argument (or the return value) travels.

    ``how``: ``"registers"``, ``"stack"``, ``"split"`` (registers then stack), ``"reference"`` (the
    caller makes a copy and passes its address: ``slots`` say where the address goes), ``"memory"``
    (a returned value written through the hidden pointer).
    """

    name: str
    ctype: str
    size: int
    how: str
    slots: Tuple[Slot, ...]
    classes: str  # the ABI's classification: "INTEGER, SSE", "HFA of 3 float", "CPRC double", ...
    rule: str  # the rule applied, with the ABI document section
    info: Optional[TypeInfo] = dataclasses.field(default=None, repr=False, compare=False)
    variadic: bool = False


@dataclasses.dataclass(frozen=True)
class Call:
    """The explanation of one call on one ABI: what ``Signature.explain`` returns."""

    abi: str
    convention: str
    signature: Signature
    args: Tuple[Passed, ...]
    ret: Optional[Passed]  # None: void
    hidden: Optional[Slot]  # where the address of the returned struct goes, when it is returned in memory
    stack_size: int  # bytes of the outgoing argument area (with Windows' shadow space)
    shadow: int  # Windows x64: the 32 bytes the caller reserves for the four register arguments
    vector_count: Optional[int]  # x86-64 SysV variadic calls: the value in AL
    cleanup: str
    stack_align: int
    notes: Tuple[str, ...] = ()

    def table(self) -> str:
        from .callview import table

        return table(self)

    def picture(self, values: Optional[Dict[str, Any]] = None) -> str:
        from .callview import picture

        return picture(self, values)

    def dump(self, values: Optional[Dict[str, Any]] = None) -> str:
        """The registers and the stack area at the call, with ``values``' bytes, as binmodel's dump."""
        from .callview import dump_text

        return dump_text(self, values)

    def html(self, values: Optional[Dict[str, Any]] = None) -> str:
        """The same as a self-contained HTML page (binmodel's HTML view)."""
        from .callview import html

        return html(self, values)

    def __str__(self) -> str:
        return self.table()


Arg = Tuple[str, Any]


class Signature:
    """A C function type: ``Signature(returns=c_int, args=[("s", Point), ("x", c_double)], variadic=False)``.

    ``returns=None`` is ``void``. ``args`` items are ``(name, type)`` pairs or bare types (named ``arg0``...).
    Types: the C scalars of ``binmodel.cabi`` (``c_int``, ``c_double``, ``uint8_t``...), ``Ptr(...)``, or a
    ``CStruct``/``CUnion`` class (passed by value).
    """

    def __init__(self, returns: Any = None, args: Sequence[Any] = (), variadic: bool = False,
                 name: str = "f") -> None:
        self.name = name
        self.returns = returns
        self.variadic = bool(variadic)
        self.args: List[Arg] = []
        for i, a in enumerate(args):
            pair = a if isinstance(a, tuple) else ("arg%d" % i, a)
            if len(pair) != 2 or not isinstance(pair[0], str):
                raise DefinitionError("Signature: argument %d must be (name, type) or a type, not %r" % (i, a))
            _check_type(pair[1], "%s: argument %s" % (name, pair[0]))
            self.args.append((pair[0], pair[1]))
        if returns is not None:
            _check_type(returns, "%s: return type" % name)

    @classmethod
    def parse(cls, prototype: str, structs: Optional[Dict[str, Any]] = None) -> Signature:
        """A signature from a C prototype: ``"int f(struct point p, double, const char *)"``.

        ``structs`` maps a struct, union or typedef name to its ``CStruct``/``CUnion`` class (or C scalar).
        """
        return parse_prototype(prototype, structs)

    def c_text(self) -> str:
        args = ", ".join("%s %s" % (c_text(t), n) for n, t in self.args)
        if self.variadic:
            args = (args + ", " if args else "") + "..."
        return "%s %s(%s)" % ("void" if self.returns is None else c_text(self.returns), self.name, args or "void")

    def __repr__(self) -> str:
        return "Signature(%r)" % self.c_text()

    def explain(self, abi: str = "native", varargs: Sequence[Any] = ()) -> Call:
        """Where each argument and the return value go on ``abi``; ``varargs``: the extra arguments of one
        call to a variadic function (after C's default promotions: ``float`` becomes ``double``)."""
        from .conventions import CONVENTIONS

        target = get_target(abi)
        if varargs and not self.variadic:
            raise DefinitionError("%s: varargs= given for a function that is not variadic" % self.name)
        fixed = [(n, type_info(t, target, "%s: argument %s" % (self.name, n))) for n, t in self.args]
        extra = []
        promoted = {}
        for i, a in enumerate(varargs):
            n, t = a if isinstance(a, tuple) else ("vararg%d" % i, a)
            _check_type(t, "%s: variadic argument %s" % (self.name, n))
            p = _promote(t, target)
            if p is not t:
                promoted[len(fixed) + i] = "%s (%s promoted)" % (c_text(p), c_text(t))
            extra.append((n, type_info(p, target, "%s: variadic argument %s" % (self.name, n))))
        ret = None if self.returns is None else type_info(self.returns, target, "%s: return type" % self.name)
        call: Call = CONVENTIONS[target.name](self, target, fixed, extra, ret)
        if promoted:
            args = tuple(dataclasses.replace(a, ctype=promoted[i]) if i in promoted else a
                         for i, a in enumerate(call.args))
            call = dataclasses.replace(call, args=args)
        return call

    def bind(self, library: Any, name: Optional[str] = None) -> Any:
        """A Python callable that calls ``name`` in ``library`` (a ``ctypes.CDLL`` or a path) with this signature."""
        from .bind import bind

        return bind(self, library, name or self.name)


def _check_type(t: Any, where: str) -> None:
    if not (isinstance(t, (_t._CScalar, Ptr)) or is_model(t)):
        raise DefinitionError("%s: %r is not a C type; use c_int, c_double, ..., Ptr(...), or a CStruct/CUnion "
                              "class" % (where, t))


def _promote(t: Any, target: Target) -> Any:
    """C's default argument promotions (C11 6.5.2.2p7): float to double, small integers to int."""
    if isinstance(t, _t._CScalar):
        if t.node.ctype == "float":
            return _t.c_double
        if t.node.kind in ("int", "bool") and t.node.ctype in ("char", "short", "_Bool"):
            return _t.c_int
    return t


# --- prototype strings ---------------------------------------------------------------------------

_SCALARS = {
    "char": _t.c_char, "signed char": _t.c_schar, "unsigned char": _t.c_uchar,
    "short": _t.c_short, "unsigned short": _t.c_ushort, "int": _t.c_int, "unsigned int": _t.c_uint,
    "long": _t.c_long, "unsigned long": _t.c_ulong, "long long": _t.c_longlong,
    "unsigned long long": _t.c_ulonglong, "float": _t.c_float, "double": _t.c_double,
    "long double": _t.c_longdouble, "_Bool": _t.c_bool, "bool": _t.c_bool, "size_t": _t.c_size_t,
    "ssize_t": _t.c_ssize_t, "int8_t": _t.int8_t, "uint8_t": _t.uint8_t, "int16_t": _t.int16_t,
    "uint16_t": _t.uint16_t, "int32_t": _t.int32_t, "uint32_t": _t.uint32_t, "int64_t": _t.int64_t,
    "uint64_t": _t.uint64_t,
}
_BASE_WORDS = {"char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool", "bool", "void"}
_TOKEN = re.compile(r"\s*(\.\.\.|[A-Za-z_]\w*|[*(),\[\]]|\S)")


def parse_prototype(prototype: str, structs: Optional[Dict[str, Any]] = None) -> Signature:
    """``Signature`` of ``"ret name(type [name], ...)"``; unknown names raise ``DefinitionError``."""
    structs = dict(structs or {})
    text = prototype.strip().rstrip(";")
    m = re.match(r"^(.*?)\b([A-Za-z_]\w*)\s*\((.*)\)\s*$", text, re.S)
    if not m:
        raise DefinitionError("C prototype %r: expected 'type name(parameters)'" % prototype)
    head, fname, params = m.group(1), m.group(2), m.group(3).strip()
    returns, _ = _parse_decl(head, structs, prototype, allow_name=False)
    args: List[Arg] = []
    variadic = False
    parts = [p.strip() for p in params.split(",")] if params and params != "void" else []
    for i, part in enumerate(parts):
        if part == "...":
            if i != len(parts) - 1 or i == 0:
                raise DefinitionError("C prototype %r: '...' must follow at least one parameter, last" % prototype)
            variadic = True
            continue
        t, name = _parse_decl(part, structs, prototype, allow_name=True)
        if t is None:
            raise DefinitionError("C prototype %r: parameter %d has type void" % (prototype, i + 1))
        args.append((name or "arg%d" % i, t))
    return Signature(returns=returns, args=args, variadic=variadic, name=fname)


def _parse_decl(text: str, structs: Dict[str, Any], prototype: str, allow_name: bool) -> Tuple[Any, Optional[str]]:
    tokens = [t for t in _TOKEN.findall(text) if t]
    words: List[str] = []
    stars = 0
    name: Optional[str] = None
    model: Any = None
    const = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("const", "volatile", "restrict", "register"):
            const = const or tok == "const"
        elif tok in ("struct", "union", "enum"):
            if i + 1 >= len(tokens):
                raise DefinitionError("C prototype %r: %s without a name" % (prototype, tok))
            tag = tokens[i + 1]
            if tok == "enum":
                model = _t.c_int
            elif tag not in structs:
                raise DefinitionError("C prototype %r: unknown %s %s; pass structs={%r: Model}"
                                      % (prototype, tok, tag, tag))
            else:
                model = structs[tag]
            i += 1
        elif tok == "*":
            stars += 1
        elif tok == "[" and allow_name:  # an array parameter is a pointer (C11 6.7.6.3p7)
            j = tokens.index("]", i) if "]" in tokens[i:] else len(tokens)
            stars += 1
            i = j
        elif re.match(r"^[A-Za-z_]\w*$", tok):
            if tok in _BASE_WORDS and not stars and model is None:
                words.append(tok)
            elif tok in structs and not words and model is None and not stars:
                model = structs[tok]
            elif tok in _SCALARS and not words and model is None and not stars:
                words.append(tok)
            elif allow_name and name is None and (words or model is not None):
                name = tok
            else:
                raise DefinitionError("C prototype %r: unknown type name %r (pass structs={%r: ...})"
                                      % (prototype, tok, tok))
        else:
            raise DefinitionError("C prototype %r: cannot read %r (function pointers and arrays of arrays "
                                  "are not supported)" % (prototype, tok))
        i += 1
    base = model if model is not None else _scalar_from_words(words, prototype)
    if stars:
        inner = base
        for _ in range(stars - 1):
            inner = Ptr(inner)
        return Ptr(inner, const=const and stars == 1), name
    return base, name


def _scalar_from_words(words: List[str], prototype: str) -> Any:
    if not words:
        raise DefinitionError("C prototype %r: expected 'type name(parameters)', a type is missing" % prototype)
    if words == ["void"]:
        return None
    if len(words) == 1 and words[0] in _SCALARS:
        return _SCALARS[words[0]]
    unsigned = "unsigned" in words
    signed = "signed" in words
    rest = [w for w in words if w not in ("unsigned", "signed")]
    if rest != ["int"] and "int" in rest and ("short" in rest or "long" in rest):
        rest = [w for w in rest if w != "int"]
    key = " ".join(rest) or "int"
    if unsigned:
        key = "unsigned " + key
    elif signed and key == "char":
        key = "signed char"
    if key not in _SCALARS or key in ("bool", "_Bool") and (signed or unsigned):
        raise DefinitionError("C prototype %r: unknown type %r" % (prototype, " ".join(words) or "(none)"))
    return _SCALARS[key]
