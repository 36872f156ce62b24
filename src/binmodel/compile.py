"""The compiler: specialised Python parse functions generated from the schema tree.

Like ``dataclasses`` does for ``__init__``, it writes Python source for each
struct and runs it through ``exec``: runs of fixed-size fields become one
precompiled ``struct.Struct.unpack_from``, bit groups become shifts and masks,
references such as ``this.length`` become local variables, and objects are
filled without per-field indirection. ``binmodel.debug.source(Model)`` shows
the code.

The interpreter (``binmodel.interp``) stays the reference. Compiled code never
builds an error itself: on any failure it raises, and ``parse`` runs the
interpreter on the same input, which gives the error with its path and offset
(or, if the compiled code was wrong to fail, the right value). A field the
compiler does not handle is parsed by the interpreter in place, with a context
built from the fields parsed so far. Untrusted text never reaches the source:
field names are validated identifiers, and every value (constants, enum
classes, nested parsers, schema nodes) is passed in through the function's
globals under a generated name.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import struct
import sys
import threading
import types
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import interp
from . import schema as s
from .expr import BinOp, Call, Expr, Lit, Ref, Where
from .sizes import min_size

_PYPY = sys.implementation.name == "pypy"
"""On PyPy the JIT makes ``unpack_from`` in a loop faster than ``iter_unpack``: arrays keep the loop there."""

MAX_STATIC_DEPTH = 32
"""Models nested deeper than this are left to the interpreter (its depth limit applies)."""
_LAZY_LEVELS = interp.MAX_DEPTH - MAX_STATIC_DEPTH
"""Struct levels generated code follows through ``Lazy`` types, on top of a compiled model's own (at most
``MAX_STATIC_DEPTH``): together never deeper than the interpreter's limit."""


class _LazyLevels(threading.local):
    """The struct levels the ``Lazy`` calls in progress in this thread have added (see
    ``Registry.lazy_parser``): per thread, so no other thread's calls can make it wrong."""

    levels = 0


_LAZY_DEPTH = _LazyLevels()

_PREFIX = {"big": ">", "little": "<", "native": "="}
_INT_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h",
              (4, False): "I", (4, True): "i", (8, False): "Q", (8, True): "q"}
_FLOAT_CODES = {16: "e", 32: "f", 64: "d"}
_SPLITS = {3: (2, 1), 5: (4, 1), 6: (4, 2), 7: (4, 2, 1)}
"""Word sizes an odd-sized bit group is read as, least significant first (then shifted together)."""


def _elide_end_checks(body: List[str], scope: Dict[str, Any]) -> List[str]:
    """In an entry, ``end`` is the length of the data: a check ``pos + N > end`` just before an
    ``unpack_from`` of N bytes at ``pos`` repeats the check ``unpack_from`` makes (it raises, and the
    interpreter gives the error), so it goes. Checks against a region's end (``Sized``) stay."""
    if any(re.match(r"\s*end = ", line) for line in body):
        return body
    out, i = [], 0
    while i < len(body):
        check = re.fullmatch(r"( *)if pos \+ (\d+) > end:", body[i])
        if check and i + 2 < len(body) and body[i + 1] == check.group(1) + "    raise _Fail":
            read = re.fullmatch(r" *[\w, ]+ = (_S\d+)\.unpack_from\(data, pos\)", body[i + 2])
            packer = scope.get(read.group(1)) if read else None
            if isinstance(packer, struct.Struct) and packer.size == int(check.group(2)):
                i += 2
                continue
        out.append(body[i])
        i += 1
    return out


_READ_AT = re.compile(r"unpack_from\(data, pos(?: \+ (\d+))?\)")
"""A read at ``pos`` or ``pos + N`` in generated code (see ``buffer_free_entry``)."""


def _read_at(at: int, read: re.Match[str]) -> str:
    return "unpack_from(data, %s)" % _plus("offset", at + int(read.group(1) or 0))


def _plus(name: str, n: int) -> str:
    return "%s + %d" % (name, n) if n else name


def _words(group: s.BitGroup) -> List[Tuple[str, int, int]]:
    """(struct code, shift, width in bits) of the words an odd-sized bit group is read and written as,
    in byte order: parse (``fixed_item``) and build (``_fixed_build``, ``fixed_value``) share it."""
    words, at = [], 0
    for n in _SPLITS[group.size]:
        words.append((_INT_CODES[(n, False)], at, 8 * n))
        at += 8 * n
    return words[::-1] if _byteorder(group.endian) == "big" else words  # big: most significant first

INTERPRETED, COMPILED, COMPILED_IN_CONTEXT = 0, 1, 2
"""How a member is parsed: by the interpreter in place, by generated code, or by generated code that
needs the struct's context (a key or size the interpreter evaluates, an interpreted case of a switch)."""

_UNBOUNDED = 1 << 20
"""``parent_need`` of a struct with a user function: it may reach any enclosing struct."""


class Fail(Exception):
    """Raised by compiled code when the input is not what it expects; the interpreter takes over."""


def _byteorder(endian: Optional[str]) -> str:
    return sys.byteorder if endian in (None, "native") else endian  # type: ignore[return-value]


class _Item:
    """One value in a fused fixed-size run: its struct code and how to finish it."""

    def __init__(self, code: str, size: int, parts: Tuple[Tuple[int, int], ...] = ()) -> None:
        self.code, self.size = code, size
        self.parts = parts  # for an item read as several words (an odd-sized bit group): (shift, width)


class _Writer:
    """Source lines and the globals they refer to."""

    def __init__(self) -> None:
        self.lines: List[str] = []
        self.scope: Dict[str, Any] = {}
        self.counter = 0
        self.base = 0  # extra indentation while an array item's body is written inline

    def const(self, value: Any, hint: str = "k") -> str:
        """A generated global name holding ``value`` (how values enter the source)."""
        for name, existing in self.scope.items():
            if existing is value and name.startswith("_" + hint):
                return name
        self.counter += 1
        name = "_%s%d" % (hint, self.counter)
        self.scope[name] = value
        return name

    def temp(self, hint: str = "t") -> str:
        self.counter += 1
        return "%s%d" % (hint, self.counter)

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * (depth + self.base) + line)


class StructCompiler:
    """Generates ``def p(state, pos, parent) -> (obj, pos)`` for one struct node."""

    def __init__(self, node: s.Struct, registry: Registry) -> None:
        self.node = node
        self.registry = registry
        self.w = _Writer()
        self.known: Dict[str, str] = {}  # field name -> local variable holding its value
        self.locals: Dict[str, str] = {}
        self.fields_by_name = {f.name: f for f in node.fields()}
        self.needs_ctx = False  # set by compile(); the analysis (_needs_context) uses the rest only
        self.needs_state = False
        self.prefix = ""  # of local variables: an inlined item's differ from its array owner's
        self.positions = any(f.derive is not None and f.check for f in node.fields())
        self.unsigned: set = set()  # locals holding an unsigned int read by unpack_from (no type check needed)

    # --- expressions -----------------------------------------------------------

    def expr(self, e: Expr) -> Optional[str]:
        """Python source for ``e`` over the locals, or None when it needs the interpreter."""
        if isinstance(e, Lit):
            if type(e.value) is int:  # only a plain int is written as text; enums, flags go in as constants
                return repr(e.value)
            return self.w.const(e.value)
        if isinstance(e, Ref):
            if "_prev" in e.path:  # the previous array item: the interpreter's contexts know it
                return None
            up = 0
            while up < len(e.path) and e.path[up] == "_parent":
                up += 1
            if up:  # this._parent.x: the context the caller passed (see StructCompiler.parent_for)
                if up == len(e.path):
                    return None
                return ".".join(("parent" + ".parent" * (up - 1) + ".get(%r)" % e.path[up],) + e.path[up + 1:])
            if not e.path or e.path[0] not in self.known:
                return None
            return ".".join((self.known[e.path[0]],) + e.path[1:])
        if isinstance(e, BinOp):
            left, right = self.expr(e.left), self.expr(e.right)
            if left is None or right is None:
                return None
            return "(%s %s %s)" % (left, e.op, right)
        if isinstance(e, Where):
            parts = [self.expr(x) for x in (e.then, e.cond, e.otherwise)]
            if None in parts:
                return None
            return "(%s if %s else %s)" % tuple(parts)  # type: ignore[str-format]
        return None

    # --- the function ----------------------------------------------------------

    def compile(self) -> Tuple[str, Dict[str, Any]]:
        w, node = self.w, self.node
        self.needs_ctx = self.registry.needs_context(node)
        self.needs_state = self.registry.needs_state(node)
        w.emit(0, "def parse_%s(data, pos, end, state, parent):" % _ident(node.name))
        w.emit(1, "start = pos")
        if self.needs_state:  # the interpreter, parsing in a context, counts the struct levels from here
            w.emit(1, "if state is not None:")
            w.emit(2, "state.depth += 1")
        if self.needs_ctx:
            w.emit(1, "ctx = _ParseContext(parent, start, state)")
            w.emit(1, "values = ctx.values")
        run: List[Tuple[Any, _Item]] = []
        for member in node.members:
            item = self.fixed_item(member)
            if item is not None and (not run or _same_order([m for m, _ in run], member)):
                run.append((member, item))
                continue
            self.flush(run)
            run = []
            if item is not None:
                run.append((member, item))
                continue
            self.variable(member)  # type: ignore[arg-type]  # bit groups are always fixed
        self.flush(run)
        if self.positions:
            for f in node.fields():
                if f.derive is not None and f.check:
                    w.emit(1, "_check_derived(%s, ctx, '')" % w.const(f, "f"))
        if self.needs_ctx:  # relative pointers recorded targets: the interpreter checks them against the struct
            w.emit(1, "if ctx.outside:")
            w.emit(2, "raise _Fail")
        cls = w.const(node.cls, "cls")
        w.emit(1, "o = _new(%s)" % cls)
        for f in node.fields():
            if f.stored:
                w.emit(1, "o.%s = %s" % (f.name, self.known[f.name]))
        derived = [f for f in node.fields() if f.derive is not None]
        for f in derived:  # the value as parsed (see Struct._bm_from_values)
            w.emit(1, "o.%s%s = %s" % (interp.PARSED_PREFIX, f.name, self.known[f.name]))
        if self.needs_state:  # (a failure leaves it counted: the entry drops the state, a Fallback restores it)
            w.emit(1, "if state is not None:")
            w.emit(2, "state.depth -= 1")
        w.emit(1, "return o, pos")
        w.scope.update(_new=object.__new__, _ParseContext=interp.ParseContext, _Fail=Fail,
                       _check_derived=interp._check_derived, _from_bytes=int.from_bytes, _NaN=interp.NaN,
                       _parse_node=interp.parse_node, _bytes=bytes, _evaluate=interp._evaluate,
                       _ParseError=interp.ParseError, _item_done=interp._item_done)
        return "\n".join(w.lines + self.entry_lines()) + "\n", w.scope

    def entry_lines(self) -> List[str]:
        """``entry_X(data, offset, allow_trailing)``: the same body inside the checks of ``interp.parse``,
        so that a top-level parse of ``bytes`` costs one call. Any failure hands the input to the
        interpreter; other buffers (bytearray, memoryview, mmap) take ``_generic_entry``."""
        w, name = self.w, _ident(self.node.name)
        w.scope.update(_slow=interp.parse, _node=self.node, _int=int, _len=len, _State=interp._ParseState,
                       _index=operator.index)
        w.scope["_other"] = _generic_entry(self.node, lambda: w.scope["parse_" + name], self.needs_state)
        body = _elide_end_checks([line for line in w.lines[2:] if line.strip() != "return o, pos"], w.scope)
        # an unpack_from first proves offset <= len(data) (it raises otherwise): only a short parse is wrong
        reads_first = bool(body) and re.fullmatch(r"    [\w, ]+ = _S\d+\.unpack_from\(data, pos\)", body[0]) is not None
        if re.search(r"\bstart\b", "\n".join(body)):  # (w.lines: the def, then "start = pos")
            body.insert(0, w.lines[1])
        text = "\n".join(body)
        uses_end = re.search(r"\bend\b", text) is not None
        if reads_first and not uses_end and not self.needs_state and self.buffer_free(text):
            return self.buffer_free_entry(name, body)
        out = [
            "def entry_%s(data, offset=0, allow_trailing=False):" % name,
            "    if data.__class__ is not _bytes or offset.__class__ is not _int or offset < 0:",
            "        return _other(data, offset, allow_trailing)",
        ]
        if uses_end or not reads_first:
            out.append("    end = _len(data)")
        if not reads_first:  # nothing proves the offset is inside the data: check it here
            out += ["    if offset > end:", "        return _slow(_node, data, offset, allow_trailing)"]
        out.append("    pos = offset")
        if self.needs_state:
            out.append("    state = _State(data, None)")
        elif re.search(r"\bstate\b", text):
            out.append("    state = None")
        if re.search(r"\bparent\b", text):
            out.append("    parent = None")
        out += ["    try:"] + ["    " + line for line in body] + [
            "    except Exception:",
            "        return _slow(_node, data, offset, allow_trailing)",
        ]
        if self.needs_state:
            out += ["    if state.high > pos:", "        pos = state.high"]
        if uses_end or not reads_first:
            out.append("    if pos == end or allow_trailing and pos < end:")
        else:
            out.append("    if allow_trailing or pos == _len(data):")
        out += [
            "        return o",
            "    return _slow(_node, data, offset, allow_trailing)",
        ]
        return out

    @staticmethod
    def buffer_free(text: str) -> bool:
        """Whether the body reads the data only through ``unpack_from``, whose values are the same for every
        bytes-like object (``unpack_from`` reads the raw bytes, and rejects the buffers it cannot read)."""
        return len(re.findall(r"\bdata\b", text)) == len(re.findall(r"\.unpack_from\(data, ", text))

    def buffer_free_entry(self, name: str, body: List[str]) -> List[str]:
        """The entry of a body that only unpacks: no type checks before it. Any bytes-like ``data`` and any
        integer ``offset`` give what the interpreter gives; a negative offset, which ``unpack_from`` would
        count from the end, goes to the interpreter. Only the length of ``bytes`` is trusted for the
        trailing-bytes check (``len`` of an array counts items); other buffers with nothing left over take
        ``_other``. Positions are ``offset + K`` when every step is a constant, so there is no ``pos``."""
        static, at = [], 0
        for line in body:
            step = re.fullmatch(r"\s*pos \+= (\d+)", line)
            if step:
                at += int(step.group(1))
                continue
            static.append(_READ_AT.sub(functools.partial(_read_at, at), line))
        if not any(re.search(r"\bpos\b", line) for line in static):
            body, head, end = static, "offset", _plus("offset", at)
        else:
            head, end = "pos = offset", "pos"
        return [
            "def entry_%s(data, offset=0, allow_trailing=False):" % name,
            "    try:",
            "        if offset.__class__ is not _int:",  # (a numpy int8 + K would wrap around: a plain int)
            "            offset = _index(offset)",
            "        if offset < 0:",
            "            raise _Fail",
        ] + (["        " + head] if head != "offset" else []) + ["    " + line for line in body] + [
            "        if allow_trailing or %s == _len(data) and data.__class__ is _bytes:" % end,
            "            return o",
            "    except Exception:",
            "        return _slow(_node, data, offset, allow_trailing)",
            "    return _other(data, offset, allow_trailing)",
        ]

    # --- fixed-size runs -------------------------------------------------------

    def fixed_item(self, member: Any) -> Optional[_Item]:
        if isinstance(member, s.BitGroup):
            code = _INT_CODES.get((member.size, False))
            if code is None and member.size in _SPLITS:  # unsigned words of 1, 2, 4 bytes, shifted together
                words = _words(member)
                return _Item("".join(c for c, _, _ in words), member.size, tuple((a, n) for _, a, n in words))
            return _Item(code or "%ds" % member.size, member.size)
        t = member.type
        if isinstance(t, s.Int):
            return _Item(_INT_CODES.get((t.size, t.signed)) or "%ds" % t.size, t.size)
        if isinstance(t, s.Float):
            return _Item(_FLOAT_CODES[t.bits], t.size)
        if isinstance(t, s.Bool):
            return _Item("B", 1)
        if isinstance(t, s.Bytes) and isinstance(t.size, Lit):
            return _Item("%ds" % t.size.value, t.size.value)
        if isinstance(t, s.Padding):
            return _Item("%ds" % t.size if t.strict else "%dx" % t.size, t.size)
        if isinstance(t, (s.Const, s.Enum, s.Flags)):
            inner = t.type if isinstance(t, s.Const) else t.base
            if isinstance(inner, s.Int) or (isinstance(inner, s.Bytes) and isinstance(inner.size, Lit)):
                return self.fixed_item(s.Field(member.name, inner))
        return None

    def flush(self, run: List[Tuple[Any, _Item]], end: str = "end", each: Optional[str] = None) -> None:
        """One fixed run: a bounds check, one unpack_from, the finishing checks. With ``each`` (the source of
        a bytes object holding whole runs), a loop over ``iter_unpack(each)`` instead, left open at depth 1
        for the caller to write the rest of the item in."""
        if not run:
            return
        w = self.w
        orders = [o for o in (_endian(m) for m, _ in run) if o is not None]
        prefix = _PREFIX[orders[0]] if orders else "<"
        fmt = prefix + "".join(item.code for _, item in run)
        size = sum(item.size for _, item in run)
        names: List[str] = []
        offsets = []
        at = 0
        for member, item in run:
            offsets.append(at)
            at += item.size
            if item.code.endswith("x"):
                continue
            if item.parts:
                names.extend(w.temp("r") for _ in item.parts)
                continue
            names.append(self.var(member) if _direct(member) else w.temp("r"))
        packer = w.const(struct.Struct(fmt), "S")
        if each is not None:
            w.emit(1, "for %s%s in %s.iter_unpack(%s):" % (", ".join(names), "," if len(names) == 1 else "",
                                                          packer, each))
            w.base += 1
            self.finish_run(run, offsets, names)
            return
        w.emit(1, "if pos + %d > %s:" % (size, end))
        w.emit(2, "raise _Fail")
        if names:
            w.emit(1, "%s%s = %s.unpack_from(data, pos)" % (", ".join(names), "," if len(names) == 1 else "",
                                                           packer))
        self.finish_run(run, offsets, names)
        w.emit(1, "pos += %d" % size)

    def finish_run(self, run: List[Tuple[Any, _Item]], offsets: List[int], names: List[str]) -> None:
        i = 0
        for (member, item), offset in zip(run, offsets):
            if item.code.endswith("x"):
                self.bind(member, "None")
                continue
            if item.parts:  # (only bit groups are read as several words)
                used = names[i:i + len(item.parts)]
                i += len(item.parts)
                self.bits(member, "", offset, [(name, at, n) for name, (at, n) in zip(used, item.parts)])
                continue
            self.finish(member, names[i], offset)
            i += 1

    def var(self, member: s.Field) -> str:
        """The local variable of a field: ``v3``, never built from the name (C padding is ``(padding@1)``)."""
        if member.name not in self.locals:
            self.locals[member.name] = "%sv%d" % (self.prefix, len(self.locals))
        return self.locals[member.name]

    def bind(self, member: s.Field, source: str) -> None:
        """Make ``member``'s value available as a local (and in the context, when one is kept)."""
        var = self.var(member)
        if source != var:
            self.w.emit(1, "%s = %s" % (var, source))
        self.known[member.name] = var
        if self.needs_ctx and member.stored:
            self.w.emit(1, "values[%r] = %s" % (member.name, var))

    def finish(self, member: Any, raw: str, offset: int) -> None:
        """Turn an unpacked value into the field's value, with the checks the interpreter makes."""
        w = self.w
        if self.positions and not isinstance(member, s.BitGroup):
            w.emit(1, "ctx.where[%r] = (pos + %d, pos + %d)" % (member.name, offset, offset + self.size_of(member)))
        if isinstance(member, s.BitGroup):
            self.bits(member, raw, offset)
            return
        t = member.type
        if isinstance(t, s.Int) and t.size not in (1, 2, 4, 8):
            self.bind(member, "_from_bytes(%s, %r, signed=%r)" % (raw, _byteorder(t.endian), t.signed))
        elif isinstance(t, s.Float):
            w.emit(1, "if %s != %s:" % (raw, raw))
            # the bits again, as an unsigned number: unpack_from reads every buffer the same way
            bits = struct.Struct(_PREFIX[_byteorder(t.endian)] + _INT_CODES[t.size, False])
            w.emit(2, "%s = _NaN(%s.unpack_from(data, %s)[0], %d)" % (
                raw, w.const(bits, "S"), _plus("pos", offset), t.bits))
            self.bind(member, raw)
        elif isinstance(t, s.Bool):
            w.emit(1, "if %s > 1:" % raw)
            w.emit(2, "raise _Fail")
            self.bind(member, "%s == 1" % raw)
        elif isinstance(t, s.Padding):
            w.emit(1, "if %s != %s:" % (raw, w.const(t.fill * t.size)))
            w.emit(2, "raise _Fail")
            self.bind(member, "None")
        elif isinstance(t, s.Const):
            value = raw
            if isinstance(t.type, s.Int) and t.type.size not in (1, 2, 4, 8):
                value = "_from_bytes(%s, %r, signed=%r)" % (raw, _byteorder(t.type.endian), t.type.signed)
            w.emit(1, "if %s != %s:" % (value, w.const(t.value)))
            w.emit(2, "raise _Fail")
            self.bind(member, w.const(t.value))
        elif isinstance(t, (s.Enum, s.Flags)):  # the class's own value -> member table first: no call
            cls = t.enum if isinstance(t, s.Enum) else t.flags
            number, var = self.int_value(t.base, raw), self.var(member)
            if number != raw or raw == var:
                raw = w.temp("r")
                w.emit(1, "%s = %s" % (raw, number))
            table = w.const(getattr(cls, "_value2member_map_", {}), "vm")
            w.emit(1, "%s = %s.get(%s)" % (var, table, raw))
            if isinstance(t, s.Enum):
                w.emit(1, "if %s is None:" % var)
                w.emit(2, "%s = %s(%s)" % (var, w.const(_enum_converter(t.enum, t.strict), "e"), raw))
            else:  # (a flag class may keep a pseudo-member under a value it changed: the converter decides)
                w.emit(1, "if %s is None or %s._value_ != %s:" % (var, var, raw))
                w.emit(2, "%s = %s(%s)" % (var, w.const(_flags_converter(t.flags), "F"), raw))
            self.bind(member, var)
        else:
            self.bind(member, raw)
            if isinstance(t, s.Int) and not t.signed:
                self.unsigned.add(self.var(member))

    def int_value(self, node: s.Node, raw: str) -> str:
        if isinstance(node, s.Int) and node.size not in (1, 2, 4, 8):
            return "_from_bytes(%s, %r, signed=%r)" % (raw, _byteorder(node.endian), node.signed)
        return raw

    def size_of(self, member: s.Field) -> int:
        item = self.fixed_item(member)
        return item.size if item is not None else 0

    def bits(self, group: s.BitGroup, raw: str, offset: int,
             words: Optional[List[Tuple[str, int, int]]] = None) -> None:
        """The group's fields from ``raw`` (its unpacked word or bytes), or from ``words`` (name, shift,
        width) when an odd-sized group was read as several: a field inside one word is read from it."""
        w = self.w
        positions = list(group.positions())
        if words is not None:
            inside = [next((wd for wd in words if wd[1] <= at and at + bits <= wd[1] + wd[2]), None)
                      for _, at, bits in positions]
            if any(wd is None for wd in inside):  # a field across words: put the group together
                raw = w.temp("g")
                w.emit(1, "%s = %s" % (raw, " | ".join("%s << %d" % (n, at) if at else n for n, at, _ in words)))
                words = None
        elif group.size not in (1, 2, 4, 8):
            word = w.temp("g")
            w.emit(1, "%s = _from_bytes(%s, %r)" % (word, raw, _byteorder(group.endian)))
            raw = word
        for i, (f, at, bits) in enumerate(positions):
            if self.positions:
                w.emit(1, "ctx.where[%r] = (pos + %d, pos + %d)" % (f.name, offset, offset + group.size))
            if not f.stored:
                continue
            word, width = raw, 8 * group.size
            if words is not None:
                word, shift, width = inside[i]  # type: ignore[misc]
                at -= shift
            value = "%s >> %d" % (word, at) if at else word
            if at + bits < width:
                value = "(%s) & %d" % (value, (1 << bits) - 1) if at else "%s & %d" % (value, (1 << bits) - 1)
            var = self.var(f)
            w.emit(1, "%s = %s" % (var, value))
            if f.type.signed:  # type: ignore[attr-defined]
                w.emit(1, "%s -= (%s >> %d) << %d" % (var, var, bits - 1, bits))
            self.bind(f, var)

    # --- variable members ------------------------------------------------------

    def variable(self, member: s.Field) -> None:
        t = member.type
        if not _compiled_member(self, member, t, self.registry):
            self.fallback(member)
        elif isinstance(t, (s.Switch, s.Sized, s.Lazy, s.Fallback)):
            start = self.w.temp("b")
            self.w.emit(1, "%s = pos" % start)
            self.value(t, self.var(member), "end", 1)
            if self.positions:
                self.w.emit(1, "ctx.where[%r] = (%s, pos)" % (member.name, start))
            self.bind(member, self.var(member))
        elif isinstance(t, s.Bytes):
            self.bytes_field(member, t)
        elif isinstance(t, s.Array):
            self.array_field(member, t)
        elif isinstance(t, s.Struct):
            self.struct_field(member, t)
        elif isinstance(t, s.If):
            self.if_field(member, t)
        elif isinstance(t, s.Align):
            w = self.w
            pad = w.temp("a")
            w.emit(1, "%s = -(pos - start) %% %d" % (pad, t.to))
            w.emit(1, "if pos + %s > end:" % pad)
            w.emit(2, "raise _Fail")
            w.emit(1, "pos += %s" % pad)
            self.bind(member, "None")
        else:
            raise AssertionError(t.name)

    def value(self, t: s.Node, target: str, end: str, depth: int) -> None:
        """Code that parses ``t`` at ``pos`` into ``target``, with ``end`` the end of its region.

        Handles what ``_value_mode`` calls compiled; anything else is parsed by the
        interpreter in this struct's context, whose ``state.end`` is kept equal to ``end``.
        """
        w = self.w
        if isinstance(t, s.Struct) and self.registry.compilable(t):
            child = w.const(self.registry.parser(t), "P")
            parent = self.parent_for(t, depth)
            w.emit(depth, "%s, pos = %s(data, pos, %s, state, %s)" % (target, child, end, parent))
        elif _simple_bytes(t, self):
            if t.greedy:  # type: ignore[attr-defined]
                w.emit(depth, "%s = data[pos:%s]" % (target, end))
                w.emit(depth, "pos = %s" % end)
            else:
                n = w.temp("n")
                w.emit(depth, "%s = %s" % (n, self.expr(t.size)))  # type: ignore[attr-defined,arg-type]
                w.emit(depth, "if %s.__class__ is not int or %s < 0 or pos + %s > %s:" % (n, n, n, end))
                w.emit(depth + 1, "raise _Fail")
                w.emit(depth, "%s = data[pos:pos + %s]" % (target, n))
                w.emit(depth, "pos += %s" % n)
        elif _plain_int(t):
            code = _PREFIX[t.endian or "big"] + _INT_CODES[(t.size, t.signed)]  # type: ignore[attr-defined]
            w.emit(depth, "if pos + %d > %s:" % (t.size, end))  # type: ignore[attr-defined]
            w.emit(depth + 1, "raise _Fail")
            w.emit(depth, "%s, = %s.unpack_from(data, pos)" % (target, w.const(struct.Struct(code), "S")))
            w.emit(depth, "pos += %d" % t.size)  # type: ignore[attr-defined]
        elif _struct_array(t, self.registry):
            self.array_value(t, target, end, depth)  # type: ignore[arg-type]
        elif isinstance(t, s.Switch):
            key = w.temp("k")
            w.emit(depth, "%s = %s" % (key, self.evaluated(t.on, "switch key")))
            for i, (case_key, node) in enumerate(t.cases):
                w.emit(depth, "%s %s == %s:" % ("if" if i == 0 else "elif", key, w.const(case_key, "key")))
                self.value(node, target, end, depth + 1)
            if t.cases:
                w.emit(depth, "else:")
            inner = depth + 1 if t.cases else depth
            if t.default is None:
                w.emit(inner, "raise _Fail")
            else:
                self.value(t.default, target, end, inner)
        elif isinstance(t, s.Sized) and t.prefix is None:
            n, sub = w.temp("n"), w.temp("e")
            w.emit(depth, "%s = %s" % (n, self.evaluated(t.size, "size")))  # type: ignore[arg-type]
            w.emit(depth, "if %s.__class__ is not int or %s < 0 or pos + %s > %s:" % (n, n, n, end))
            w.emit(depth + 1, "raise _Fail")
            w.emit(depth, "%s = pos + %s" % (sub, n))
            w.emit(depth, "if state is not None:")
            w.emit(depth + 1, "state.end = %s" % sub)
            self.value(t.type, target, sub, depth)
            w.emit(depth, "if pos != %s:" % sub)
            w.emit(depth + 1, "raise _Fail")
            w.emit(depth, "if state is not None:")
            w.emit(depth + 1, "state.end = %s" % end)
        elif isinstance(t, s.Lazy) and self.registry.lazy_target(t) is not None:
            child = w.const(self.registry.lazy_parser(self.registry.lazy_target(t)), "P")  # type: ignore[arg-type]
            w.emit(depth, "%s, pos = %s(data, pos, %s, state, None)" % (target, child, end))
        elif isinstance(t, s.Fallback) and _value_mode(self, t, self.registry) == COMPILED:
            self.fallback_value(t, target, end, depth)
        else:
            w.emit(depth, "%s, pos = _parse_node(%s, ctx, pos, '')" % (target, w.const(t, "N")))

    def fallback_value(self, t: s.Fallback, target: str, end: str, depth: int) -> None:
        """The main type's generated code; when it fails, the state as it was, and the other type if the
        interpreter cannot read the main type either (else the interpreter parses everything)."""
        w = self.w
        at, high, region, level = w.temp("f"), w.temp("h"), w.temp("r"), w.temp("l")
        w.emit(depth, "%s = pos" % at)
        w.emit(depth, "if state is not None:")
        w.emit(depth + 1, "%s, %s, %s = state.high, state.end, state.depth" % (high, region, level))
        w.emit(depth, "try:")
        self.value(t.type, target, end, depth + 1)
        w.emit(depth, "except Exception:")
        w.emit(depth + 1, "pos = %s" % at)
        w.emit(depth + 1, "if state is not None:")
        w.emit(depth + 2, "state.high, state.end, state.depth = %s, %s, %s" % (high, region, level))
        main = w.const(_fallback_main(t, self.registry), "N")
        w.emit(depth + 1, "if _interp_reads(%s, data, pos, %s):" % (main, end))
        w.emit(depth + 2, "raise _Fail")
        self.value(t.otherwise, target, end, depth + 1)
        w.scope["_interp_reads"] = _interp_reads

    def array_value(self, t: s.Array, target: str, end: str, depth: int) -> None:
        """An array of compiled structs (counted, greedy or until=) whose region ends at ``end``."""
        w = self.w
        flat = self.registry.flat(t.item)  # type: ignore[arg-type]
        parent = "None" if flat else self.parent_for(t.item, depth)  # type: ignore[arg-type]
        if flat and t.until is None and not _PYPY and self.iterated_items(t, target, end, depth):
            return
        if parent == "None" and not self.registry.needs_context(t.item):  # type: ignore[arg-type]
            mark = len(w.lines)
            self.loop_header(t, target, end, depth)
            if self.inline_item(t.item, target, t.until, depth, end):  # type: ignore[arg-type]
                return
            del w.lines[mark:]
        saved = self.items_begin(parent, depth)
        self.loop_header(t, target, end, depth)
        child = w.const(self.registry.parser(t.item), "P")  # type: ignore[arg-type]
        self.item_begin(parent, depth + 1)
        w.emit(depth + 1, "x, pos = %s(data, pos, %s, state, %s)" % (child, end, parent))
        self.item_done(parent, depth + 1)
        w.emit(depth + 1, "%s.append(x)" % target)
        if t.until is not None:
            w.emit(depth + 1, "if %s(x):" % w.const(t.until, "until"))
            w.emit(depth + 2, "break")
        self.items_end(parent, saved, depth)

    def loop_header(self, t: s.Array, target: str, end: str, depth: int) -> None:
        """``target = []`` and the array's loop (counted, greedy or until=) at ``depth``."""
        w = self.w
        w.emit(depth, "%s = []" % target)
        if t.count is not None:
            w.emit(depth, "for _ in range(%s):" % self.item_count(t, end, depth))
        elif t.greedy:
            w.emit(depth, "while pos < %s:" % end)
        else:
            w.emit(depth, "while True:")
            w.emit(depth + 1, "if pos >= %s:" % end)
            w.emit(depth + 2, "raise _Fail")

    def item_count(self, t: s.Array, end: str, depth: int) -> str:
        """A counted array's count, checked to be an int >= 0 whose items can fit before ``end``."""
        w, n = self.w, self.expr(t.count)  # type: ignore[arg-type]
        if n in self.unsigned:  # (already a non-negative int)
            w.emit(depth, "if %s * %d > %s - pos:" % (n, min_size(t.item), end))
        else:
            src, n = n, w.temp("n")
            w.emit(depth, "%s = %s" % (n, src))
            w.emit(depth, "if %s.__class__ is not int or %s < 0 or %s * %d > %s - pos:" % (
                n, n, n, min_size(t.item), end))
        w.emit(depth + 1, "raise _Fail")
        return n  # type: ignore[return-value]

    def evaluated(self, e: Expr, what: str) -> str:
        """Source for ``e``: compiled, or evaluated by the interpreter over the context."""
        src = self.expr(e)
        if src is not None:
            return src
        return "_evaluate(%s, ctx, '', pos, %r, _ParseError)" % (self.w.const(e, "X"), what)

    def size_expr(self, e: Expr) -> Optional[str]:
        src = self.expr(e)
        if src is None:
            return None
        if src in self.unsigned:  # an unsigned number just unpacked: an int >= 0 already
            return src
        n = self.w.temp("n")
        self.w.emit(1, "%s = %s" % (n, src))
        self.w.emit(1, "if %s.__class__ is not int or %s < 0:" % (n, n))
        self.w.emit(2, "raise _Fail")
        return n

    def bytes_field(self, member: s.Field, t: s.Bytes, end: str = "end") -> None:
        w = self.w
        if t.greedy:
            n = w.temp("n")
            w.emit(1, "%s = %s - pos" % (n, end))
        else:
            n = self.size_expr(t.size)  # type: ignore[arg-type,assignment]
            w.emit(1, "if pos + %s > %s:" % (n, end))
            w.emit(2, "raise _Fail")
        if self.positions:
            w.emit(1, "ctx.where[%r] = (pos, pos + %s)" % (member.name, n))
        w.emit(1, "%s = data[pos:pos + %s]" % (self.var(member), n))
        w.emit(1, "pos += %s" % n)
        self.bind(member, self.var(member))

    def array_field(self, member: s.Field, t: s.Array) -> None:
        w = self.w
        item = t.item
        start = w.temp("b")
        if t.count is None or isinstance(item, s.Struct):  # structs: counted, greedy or until= (_compiled_member)
            if self.positions:
                w.emit(1, "%s = pos" % start)
            self.array_value(t, self.var(member), "end", 1)
        else:
            self.number_array(member, t, start)
        if self.positions:
            w.emit(1, "ctx.where[%r] = (%s, pos)" % (member.name, start))
        self.bind(member, self.var(member))

    def number_array(self, member: s.Field, t: s.Array, start: str) -> None:
        """A counted array of numbers: one array.array (typed) or one unpack_from of ``count`` items."""
        w, item = self.w, t.item
        n = self.size_expr(t.count)  # type: ignore[arg-type]
        if self.positions:
            w.emit(1, "%s = pos" % start)
        if t.typed:
            w.emit(1, "if pos + %s * %d > end:" % (n, item.size))  # type: ignore[attr-defined]
            w.emit(2, "raise _Fail")
            w.emit(1, "%s = _array(%r)" % (self.var(member), t.typecode))
            w.emit(1, "%s.frombytes(data[pos:pos + %s * %d])" % (self.var(member), n, item.size))  # type: ignore[attr-defined]
            if _byteorder(item.endian) != sys.byteorder and item.size > 1:  # type: ignore[attr-defined]
                w.emit(1, "%s.byteswap()" % self.var(member))
            w.emit(1, "pos += %s * %d" % (n, item.size))  # type: ignore[attr-defined]
            w.scope["_array"] = __import__("array").array
        elif isinstance(item, (s.Int, s.Float)):  # numbers of 1, 2, 4 or 8 bytes (see _compiled_member)
            code = _FLOAT_CODES[item.bits] if isinstance(item, s.Float) else _INT_CODES[(item.size, item.signed)]
            fmt = w.const(_PREFIX[item.endian or "big"] + "%d" + code, "fmt")
            cache = w.const({}, "cache")
            w.emit(1, "if pos + %s * %d > end:" % (n, item.size))
            w.emit(2, "raise _Fail")
            packer = w.temp("u")
            w.emit(1, "%s = %s.get(%s)" % (packer, cache, n))
            w.emit(1, "if %s is None:" % packer)
            w.emit(2, "%s = %s[%s] = _Struct(%s %% %s).unpack_from" % (packer, cache, n, fmt, n))
            w.emit(1, "%s = list(%s(data, pos))" % (self.var(member), packer))
            if isinstance(item, s.Float):  # a NaN keeps its exact bits: the interpreter does that
                w.emit(1, "for x in %s:" % self.var(member))
                w.emit(2, "if x != x:")
                w.emit(3, "raise _Fail")
            w.emit(1, "pos += %s * %d" % (n, item.size))
            w.scope["_Struct"] = struct.Struct

    def iterated_items(self, t: s.Array, target: str, end: str, depth: int) -> bool:
        """A counted or greedy array of flat items as one ``iter_unpack`` loop over their bytes: the item
        count is known before the loop, and no position is kept per item. False (nothing written) when
        an item's checks need its position (a float NaN keeps its exact bits) or it has no values."""
        w = self.w
        mark, stop = len(w.lines), w.temp("z")
        size = min_size(t.item)
        if t.count is not None:
            n = self.item_count(t, end, depth)
        else:
            n = w.temp("n")
            w.emit(depth, "%s, %s = divmod(%s - pos, %d)" % (n, stop, end, size))
            w.emit(depth, "if %s:" % stop)  # the last item would be cut short: the interpreter says where
            w.emit(depth + 1, "raise _Fail")
        w.emit(depth, "%s = pos + %s * %d" % (stop, n, size))
        w.emit(depth, "%s = []" % target)
        loop = len(w.lines)
        done = self.inline_item(t.item, target, None, depth, end, each="data[pos:%s]" % stop)  # type: ignore[arg-type]
        if not done or any(re.search(r"\bpos\b", line) for line in w.lines[loop + 1:]) \
                or not w.lines[loop].lstrip().startswith("for "):
            del w.lines[mark:]
            return False
        w.emit(depth, "pos = %s" % stop)
        return True

    def inline_item(self, item: s.Struct, target: str, until: Any, depth: int, end: str,
                    each: Optional[str] = None) -> bool:
        """The body of an item inside its array's loop at ``depth``, no call per item: fixed runs and
        bytes (greedy or sized by the item's own fields); False, with lines left to remove, for anything else.
        With ``each``, the loop itself: ``for ... in iter_unpack(each)`` (see ``iterated_items``)."""
        w = self.w
        if not self.registry.compilable(item) or self.registry.needs_context(item) or self.registry.parent_need(item):
            return False
        body = StructCompiler(item, self.registry)
        body.w, body.prefix = w, w.temp("i") + "_"
        if body.positions:
            return False
        base = w.base
        w.base += depth if each is None else depth - 1  # (flush opens the loop at depth 1)
        try:
            if each is not None:
                run = [(m, body.fixed_item(m)) for m in item.members]
                if any(i is None or i.code.endswith("x") for _, i in run):
                    return False
                body.flush(run, end, each)  # type: ignore[arg-type]
            elif not body.members_inline(end):
                return False
            self.new_item(item, body, target, until)
        finally:
            w.base = base
        return True

    def members_inline(self, end: str) -> bool:
        """This struct's members as fixed runs and simple bytes, ending at ``end``; False at anything else."""
        run: List[Tuple[Any, _Item]] = []
        for member in self.node.members:
            item = self.fixed_item(member)
            if item is not None and (not run or _same_order([m for m, _ in run], member)):
                run.append((member, item))
                continue
            self.flush(run, end)
            run = []
            if item is not None:
                run.append((member, item))
            elif isinstance(member, s.Field) and isinstance(member.type, s.Bytes) \
                    and _simple_bytes(member.type, self):
                self.bytes_field(member, member.type, end)
            else:
                return False
        self.flush(run, end)
        return True

    def new_item(self, item: s.Struct, body: StructCompiler, target: str, until: Any) -> None:
        """The item's object from ``body``'s locals, appended to ``target`` (at depth 1)."""
        w = self.w
        obj = w.temp("it")
        w.emit(1, "%s = _new(%s)" % (obj, w.const(item.cls, "cls")))
        for f in item.fields():
            if f.stored:
                w.emit(1, "%s.%s = %s" % (obj, f.name, body.known[f.name]))
        derived = [f for f in item.fields() if f.derive is not None]
        for f in derived:
            w.emit(1, "%s.%s%s = %s" % (obj, interp.PARSED_PREFIX, f.name, body.known[f.name]))
        w.emit(1, "%s.append(%s)" % (target, obj))
        if until is not None:
            w.emit(1, "if %s(%s):" % (w.const(until, "until"), obj))
            w.emit(2, "break")

    # ``this._prev`` in items that see their parent's context, as the interpreter keeps it
    def items_begin(self, parent: str, depth: int = 1) -> str:
        if parent == "None":
            return ""
        saved = self.w.temp("ip")
        self.w.emit(depth, "%s, %s.item_prev = %s.item_prev, None" % (saved, parent, parent))
        return saved

    def item_begin(self, parent: str, depth: int = 2) -> None:
        if parent != "None":
            self.w.emit(depth, "%s.last_child = None" % parent)

    def item_done(self, parent: str, depth: int = 2) -> None:
        if parent != "None":
            self.w.emit(depth, "%s.item_prev = _item_done(%s)" % (parent, parent))

    def items_end(self, parent: str, saved: str, depth: int = 1) -> None:
        if parent != "None":
            self.w.emit(depth, "%s.item_prev, %s.last_child = %s, None" % (parent, parent, saved))

    def parent_for(self, child: s.Struct, depth: int = 1) -> str:
        """What a nested struct gets as ``parent``: None, or a context of the fields parsed so far."""
        if not self.registry.parent_need(child):
            return "None"
        if self.needs_ctx:
            return "ctx"
        pc = self.w.temp("pc")
        self.w.emit(depth, "%s = _ParseContext(parent, start, state)" % pc)
        self.w.emit(depth, "%s.values = {%s}" % (pc, ", ".join(
            "%r: %s" % (name, var) for name, var in self.known.items() if self.fields_by_name[name].stored)))
        return pc

    def struct_field(self, member: s.Field, t: s.Struct) -> None:
        w = self.w
        child = w.const(self.registry.parser(t), "P")
        start = w.temp("b")
        w.emit(1, "%s = pos" % start)
        w.emit(1, "%s, pos = %s(data, pos, end, state, %s)" % (self.var(member), child, self.parent_for(t)))
        if self.positions:
            w.emit(1, "ctx.where[%r] = (%s, pos)" % (member.name, start))
        self.bind(member, self.var(member))

    def if_field(self, member: s.Field, t: s.If) -> None:
        w = self.w
        child = w.const(self.registry.parser(t.type), "P")  # type: ignore[arg-type]
        parent = self.parent_for(t.type)  # type: ignore[arg-type]
        w.emit(1, "if %s:" % self.expr(t.condition))
        w.emit(2, "%s, pos = %s(data, pos, end, state, %s)" % (self.var(member), child, parent))
        w.emit(1, "else:")
        w.emit(2, "%s = None" % self.var(member))
        self.bind(member, self.var(member))

    def fallback(self, member: s.Field) -> None:
        """The interpreter parses this field, in a context holding the fields parsed so far."""
        w = self.w
        if not self.needs_ctx:  # cannot happen: needs_context() is true for structs with fallbacks
            raise AssertionError("fallback without a context")
        start = w.temp("b")
        w.emit(1, "%s = pos" % start)
        w.emit(1, "%s, pos = _parse_node(%s, ctx, pos, '')" % (self.var(member), w.const(member.type, "N")))
        w.emit(1, "ctx.where[%r] = (%s, pos)" % (member.name, start))
        self.bind(member, self.var(member))


def _direct(member: Any) -> bool:
    """Whether the unpacked value is the field's value as it is (unpack straight into its local)."""
    if isinstance(member, s.BitGroup):
        return False
    t = member.type
    return (isinstance(t, s.Int) and t.size in (1, 2, 4, 8)) or isinstance(t, (s.Float,)) or (
        isinstance(t, s.Bytes))


def _endian(member: Any) -> Optional[str]:
    """The byte order a fixed member needs from its run's prefix (None: any)."""
    if isinstance(member, s.BitGroup):
        return None if member.size == 1 or member.size not in (2, 3, 4, 5, 6, 7, 8) else (member.endian or "big")
    t = member.type
    if isinstance(t, (s.Const,)):
        t = t.type
    if isinstance(t, (s.Enum, s.Flags)):
        t = t.base
    if isinstance(t, s.Int):
        return None if t.size == 1 or t.size not in (2, 4, 8) else (t.endian or "big")
    if isinstance(t, s.Float):
        return t.endian or "big"
    return None


def _enum_converter(enum: Any, strict: bool) -> Callable[[int], Any]:
    def convert(value: int) -> Any:
        try:
            return enum(value)
        except ValueError:
            if strict:
                raise Fail() from None
            return value

    return convert


def _flags_converter(flags: Any) -> Callable[[int], Any]:
    def convert(value: int) -> Any:
        result = flags(value)
        if int(result) != value:  # a boundary=CONFORM class dropped bits: the interpreter refuses it
            raise Fail()
        return result

    return convert


def _ident(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


class Registry:
    """Compiled parsers per struct node, and which nodes the compiler handles."""

    def __init__(self) -> None:
        self.parsers: Dict[int, Any] = {}
        self.entries: Dict[int, Any] = {}
        self.sources: Dict[int, str] = {}
        self._context: Dict[int, bool] = {}
        self._state: Dict[int, bool] = {}
        self._need: Dict[int, int] = {}
        self.lazies: Dict[int, Any] = {}

    def compilable(self, node: s.Struct) -> bool:
        return node.union_size is None and node.cls is not None and _depth(node) <= MAX_STATIC_DEPTH

    def parent_need(self, node: s.Struct) -> int:
        """How many enclosing structs ``node``'s compiled references reach (``this._parent._parent.x``: 2)."""
        key = id(node)
        if key not in self._need:
            self._need[key] = _parent_need(node)
        return self._need[key]

    def needs_context(self, node: s.Struct) -> bool:
        """Whether parsing ``node`` needs a real ParseContext: interpreted fields, or derived checks."""
        key = id(node)
        if key not in self._context:
            self._context[key] = False  # recursion guard
            self._context[key] = _needs_context(node, self)
        return self._context[key]

    def flat(self, node: s.Struct) -> bool:
        """Whether ``node`` is one run of fixed-size members that keeps no context: its body can be
        written inline in an array loop."""
        if not self.compilable(node) or self.needs_context(node) or self.parent_need(node):
            return False
        probe = StructCompiler(node, self)
        if not node.members or any(probe.fixed_item(m) is None for m in node.members):
            return False
        return all(_same_order(list(node.members[:i]), m) for i, m in enumerate(node.members))

    def needs_state(self, node: s.Struct) -> bool:
        """Whether ``node`` or a struct it parses with generated code keeps a context (needs a real state):
        every struct generated code reaches from ``node`` (nested, or through ``Lazy`` types, cycles too)."""
        key = id(node)
        if key not in self._state:
            seen, todo, found = {key}, [node], False
            while todo and not found:
                struct_node = todo.pop()
                found = self.needs_context(struct_node)
                for child in _nested_structs(struct_node) + _lazy_structs(struct_node, self):
                    if id(child) not in seen and self.compilable(child):
                        seen.add(id(child))
                        todo.append(child)
            self._state[key] = found
        return self._state[key]

    def lazy_target(self, node: s.Lazy) -> Optional[s.Struct]:
        """The struct a ``Lazy`` names when generated code can call its parser: compiled, and needing
        nothing of the structs around it (it is called with no parent)."""
        try:
            target = interp.resolve_lazy(node)
        except Exception:  # (a name that does not resolve: the interpreter reports it when it parses)
            return None
        if isinstance(target, s.Struct) and self.compilable(target) and not self.parent_need(target):
            return target
        return None

    def lazy_parser(self, node: s.Struct) -> Callable[..., Any]:
        """A parser for ``node`` reached through ``Lazy``, compiled on its first call (a model may name
        itself). Each call adds ``node``'s static depth to its thread's count of such levels; past
        ``_LAZY_LEVELS`` it fails, and the interpreter, whose depth limit is the rule, does the parse."""
        key = id(node)
        if key not in self.lazies:
            count, size, budget, registry = _LAZY_DEPTH, _depth(node), _LAZY_LEVELS, self
            parser: List[Callable[..., Any]] = []

            def parse_lazy(data: Any, pos: int, end: int, state: Any, parent: Any) -> Tuple[Any, int]:
                if not parser:
                    parser.append(registry.parser(node))
                levels = count.levels + size
                if levels > budget:
                    raise Fail("Lazy types nest deeper than generated code follows")
                count.levels = levels
                try:
                    return parser[0](data, pos, end, state, parent)  # type: ignore[no-any-return]
                finally:
                    count.levels = levels - size
            self.lazies[key] = parse_lazy
        return self.lazies[key]  # type: ignore[no-any-return]

    def parser(self, node: s.Struct) -> Callable[..., Any]:
        key = id(node)
        if key not in self.parsers:  # (a model reaches itself only through Lazy, which is interpreted)
            source, scope = StructCompiler(node, self).compile()
            _run(source, scope, "<binmodel %s>" % node.name)
            self.parsers[key] = scope["parse_%s" % _ident(node.name)]
            self.entries[key] = scope["entry_%s" % _ident(node.name)]
            self.sources[key] = source
        return self.parsers[key]  # type: ignore[no-any-return]


def _run(source: str, scope: Dict[str, Any], filename: str) -> None:
    """Run generated ``source`` with ``scope`` as its globals, then put what it defined in ``scope``.

    The globals are a module's dictionary: PyPy's JIT treats a module's globals as constants
    (a plain dict's are looked up on every use, which doubled the time of a record there)."""
    module = types.ModuleType("binmodel_generated")
    module.__dict__.update(scope)
    exec(compile(source, filename, "exec"), module.__dict__)
    scope.update(module.__dict__)


def _depth(node: s.Node, seen: int = 0) -> int:
    """How deeply structs nest in ``node`` (counting stops past the limit)."""
    if seen > MAX_STATIC_DEPTH:
        return seen
    if isinstance(node, s.Struct):
        return 1 + max([_depth(f.type, seen + 1) for f in node.fields()] or [0])
    depths = [_depth(child, seen) for child in _children(node)]
    return max(depths or [0])


def _needs_context(node: s.Struct, registry: Registry) -> bool:
    compiler = StructCompiler(node, registry)  # only its expression and layout helpers are used
    for f in node.fields():
        if f.derive is not None and f.check:
            return True
        if _member_mode(compiler, f, f.type, registry) != COMPILED:
            return True
        compiler.known[f.name] = compiler.var(f)
    return False


def _parent_need(node: s.Struct) -> int:
    """The most enclosing structs any struct ``node`` reaches (nested, compiled or not, and through ``Lazy``
    types) refers to above ``node``: its own reach less its nesting below ``node``, the shortest way there.
    (Generated code may call ``node`` with no parent: what the interpreter then parses in its context must
    not need one, nor must a ``Fallback`` main type the interpreter judges alone.)"""
    need, level, found = 0, {id(node): 0}, [node]
    for struct_node in found:  # (breadth first: each struct at its least nesting)
        below = level[id(struct_node)]
        reach, inner = _own_reach(struct_node)
        need = max(need, reach - below)
        for child in inner:
            if id(child) not in level:
                level[id(child)] = below + 1
                found.append(child)
    return need


def _own_reach(node: s.Struct) -> Tuple[int, List[s.Struct]]:
    """How many enclosing structs ``node``'s own expressions reach, and the structs directly inside it."""
    reach, inner = 0, []

    def refs(e: Any) -> None:
        nonlocal reach
        if _has_call(e):  # a user function may read this._parent at any depth
            reach = _UNBOUNDED
        elif isinstance(e, Expr):
            for path in e.refs():
                up = 0
                while up < len(path) and path[up] == "_parent":
                    up += 1
                if "_prev" in path[up:up + 1]:  # the item before: its context hangs off the parent's
                    up += 1
                reach = max(reach, up)

    def walk(t: s.Node) -> None:
        if isinstance(t, s.Lazy):
            try:
                t = interp.resolve_lazy(t)
            except Exception:  # (the interpreter reports it when it parses)
                return
        if isinstance(t, s.Struct):
            inner.append(t)
            return
        for item in dataclasses.fields(t):  # every expression a node holds: sizes, keys, offsets...
            refs(getattr(t, item.name, None))
        for child in _children(t):
            walk(child)

    for f in node.fields():
        walk(f.type)
        if f.check:
            refs(f.derive)
    return reach, inner


def _has_call(e: Any) -> bool:
    if isinstance(e, Call):
        return True
    if isinstance(e, BinOp):
        return _has_call(e.left) or _has_call(e.right)
    if isinstance(e, Where):
        return _has_call(e.cond) or _has_call(e.then) or _has_call(e.otherwise)
    return False


def _children(t: s.Node) -> List[s.Node]:
    """The nodes a node parses inside it: an item, a wrapped type, a switch's cases."""
    out = [c for c in (getattr(t, attr, None) for attr in ("type", "item", "base", "otherwise"))
           if isinstance(c, s.Node)]
    if isinstance(t, s.Switch):
        out.extend(node for _, node in t.cases)
        if t.default is not None:
            out.append(t.default)
    return out


def _simple_bytes(t: s.Node, compiler: StructCompiler) -> bool:
    return (isinstance(t, s.Bytes) and t.prefix is None and t.measure is None
            and (t.greedy or compiler.expr(t.size) is not None))  # type: ignore[arg-type]


def _plain_int(t: s.Node) -> bool:
    return isinstance(t, s.Int) and (t.size, t.signed) in _INT_CODES


def _struct_array(t: s.Node, registry: Registry) -> bool:
    """An untyped array of compiled structs that always take bytes (the loops ``array_value`` writes)."""
    return (isinstance(t, s.Array) and not t.typed and isinstance(t.item, s.Struct)
            and registry.compilable(t.item) and bool(min_size(t.item)))


def _value_mode(compiler: StructCompiler, t: s.Node, registry: Registry) -> int:
    """How ``StructCompiler.value`` parses ``t`` (a switch case, a sized region's content)."""
    if isinstance(t, s.Struct):
        return COMPILED if registry.compilable(t) else COMPILED_IN_CONTEXT
    if _simple_bytes(t, compiler) or _plain_int(t):
        return COMPILED
    if _struct_array(t, registry):
        count = t.count  # type: ignore[attr-defined]
        return COMPILED if count is None or compiler.expr(count) is not None else COMPILED_IN_CONTEXT
    if isinstance(t, s.Switch):
        modes = [_value_mode(compiler, node, registry) for node in _children(t)]
        key = COMPILED if compiler.expr(t.on) is not None else COMPILED_IN_CONTEXT
        return max(modes + [key])
    if isinstance(t, s.Sized) and t.prefix is None:
        size = COMPILED if compiler.expr(t.size) is not None else COMPILED_IN_CONTEXT  # type: ignore[arg-type]
        return max(size, _value_mode(compiler, t.type, registry))
    if isinstance(t, s.Lazy):
        return COMPILED if registry.lazy_target(t) is not None else COMPILED_IN_CONTEXT
    if isinstance(t, s.Fallback):
        return COMPILED if _fallback_main(t, registry) is not None and _value_mode(
            compiler, t.otherwise, registry) == COMPILED else COMPILED_IN_CONTEXT
    return COMPILED_IN_CONTEXT


def _fallback_main(t: s.Fallback, registry: Registry) -> Optional[s.Struct]:
    """The main type of a ``Fallback`` that generated code can try: a compiled struct needing nothing of
    the structs around it, so that the interpreter can also try it alone (see ``_interp_reads``)."""
    main = registry.lazy_target(t.type) if isinstance(t.type, s.Lazy) else t.type
    if isinstance(main, s.Struct) and registry.compilable(main) and not registry.parent_need(main):
        return main
    return None


def _interp_reads(node: s.Struct, data: Any, pos: int, end: int) -> bool:
    """Whether the interpreter reads ``node`` at ``pos`` in a region ending at ``end``: the judge when the
    generated code of a ``Fallback``'s main type fails (it may fail where the interpreter would not)."""
    state = interp._ParseState(data, None)
    state.end = end
    try:
        interp._parse_struct(node, None, pos, "", state)
    except interp.ParseError:
        return False
    except Exception:  # (no verdict: the interpreter will parse everything)
        return True
    return True


def _compiled_member(compiler: StructCompiler, f: s.Field, t: s.Node, registry: Registry) -> bool:
    """Whether the compiler handles ``f`` itself (mirrors ``StructCompiler.variable``)."""
    return _member_mode(compiler, f, t, registry) != INTERPRETED


def _member_mode(compiler: StructCompiler, f: s.Field, t: s.Node, registry: Registry) -> int:
    """INTERPRETED, COMPILED or COMPILED_IN_CONTEXT for one member."""
    if isinstance(t, (s.Switch, s.Sized, s.Lazy, s.Fallback)):
        if isinstance(t, s.Sized) and t.prefix is not None:
            return INTERPRETED
        return _value_mode(compiler, t, registry)
    return COMPILED if _plain_compiled(compiler, f, t, registry) else INTERPRETED


def _plain_compiled(compiler: StructCompiler, f: s.Field, t: s.Node, registry: Registry) -> bool:
    if isinstance(t, s.Bits) or compiler.fixed_item(f) is not None:
        return True
    if isinstance(t, s.Align):
        return True
    if isinstance(t, s.Bytes):
        return t.prefix is None and t.measure is None and (
            t.greedy or compiler.expr(t.size) is not None)  # type: ignore[arg-type]
    if isinstance(t, s.Array):
        item = t.item
        if t.typed:
            return t.count is not None and compiler.expr(t.count) is not None
        if t.count is None:  # until / greedy: compiled when the items are compiled structs
            return isinstance(item, s.Struct) and registry.compilable(item) and bool(min_size(item))
        if not min_size(t.item) or compiler.expr(t.count) is None:
            return False
        if isinstance(item, (s.Int, s.Float)) and item.size in (1, 2, 4, 8):
            return isinstance(item, s.Float) or (item.size, item.signed) in _INT_CODES
        return isinstance(item, s.Struct) and registry.compilable(item)
    if isinstance(t, s.Struct):
        return registry.compilable(t)
    if isinstance(t, s.If):
        return (compiler.expr(t.condition) is not None and isinstance(t.type, s.Struct)
                and registry.compilable(t.type))
    return False


# --- entry points ------------------------------------------------------------------

_REGISTRY = Registry()


def parser_for(node: s.Struct) -> Optional[Callable[..., Any]]:
    """The compiled parser of a model's node, or None when the interpreter must do it all."""
    if not _REGISTRY.compilable(node):
        return None
    return _REGISTRY.parser(node)


def source(node: s.Struct) -> str:
    """The generated source of ``node``'s parser, then of the nested parsers it calls."""
    if parser_for(node) is None:
        return "# %s is parsed by the interpreter\n" % node.name
    out, seen, todo = [], set(), [node]
    while todo:
        n = todo.pop(0)
        if id(n) in seen or id(n) not in _REGISTRY.sources:
            continue
        seen.add(id(n))
        out.append(_REGISTRY.sources[id(n)])
        todo.extend(_nested_structs(n) + _lazy_structs(n, _REGISTRY))
    return "\n".join(out)


def _nested_structs(node: s.Struct) -> List[s.Struct]:
    found: List[s.Struct] = []

    def walk(t: s.Node) -> None:
        if isinstance(t, s.Struct):
            found.append(t)
            return
        for child in _children(t):
            walk(child)

    for f in node.fields():
        walk(f.type)
    return found


def _lazy_structs(node: s.Struct, registry: Registry) -> List[s.Struct]:
    """The structs ``node``'s generated code reaches through ``Lazy`` types (see ``Registry.lazy_target``)."""
    found: List[s.Struct] = []

    def walk(t: s.Node) -> None:
        if isinstance(t, s.Lazy):
            target = registry.lazy_target(t)
            if target is not None:
                found.append(target)
        elif not isinstance(t, s.Struct):
            for child in _children(t):
                walk(child)

    for f in node.fields():
        walk(f.type)
    return found


_PARSE_ENTRIES: Dict[int, Tuple[s.Struct, Callable[..., Any]]] = {}


def parse_entry(node: s.Struct) -> Callable[..., Any]:
    """``parse(data, offset, allow_trailing)`` for ``node``, made once: the compiled parser behind the
    same checks as ``interp.parse``; on any failure the interpreter decides (a value or the exact error)."""
    hit = _PARSE_ENTRIES.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    slow = interp.parse
    if parser_for(node) is None:
        def entry(data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
            return slow(node, data, offset, allow_trailing)
    else:
        entry = _REGISTRY.entries[id(node)]  # generated by StructCompiler.entry_lines
    _PARSE_ENTRIES[id(node)] = (node, entry)
    return entry


def _generic_entry(node: s.Struct, parser: Callable[[], Callable[..., Any]],
                   needs_state: bool) -> Callable[..., Any]:
    """The entry for buffers other than ``bytes`` and for unusual offsets: the checks of ``interp.parse``,
    then the compiled parser (``parser()`` gives it once it exists); any failure goes to the interpreter."""
    slow, as_buffer, make_state = interp.parse, interp._as_buffer, interp._ParseState

    def entry(data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
        buf = as_buffer(data)
        if type(buf) is bytearray:
            buf = bytes(buf)  # values must not change when the caller's buffer does
        end = len(buf)
        if type(offset) is not int or not 0 <= offset <= end:
            return slow(node, data, offset, allow_trailing)
        state = make_state(buf, None) if needs_state else None
        try:
            obj, pos = parser()(buf, offset, end, state, None)
        except Exception:
            return slow(node, data, offset, allow_trailing)
        if state is not None and state.high > pos:
            pos = state.high
        if pos == end or allow_trailing and pos < end:
            return obj
        return slow(node, data, offset, allow_trailing)
    return entry


def parse(node: s.Struct, data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
    """Parse with the compiled code (see ``parse_entry``)."""
    return parse_entry(node)(data, offset, allow_trailing)


# --- builders ------------------------------------------------------------------------
#
# A struct is built by generated code when every member is one the builder knows
# (fixed-size numbers, bytes, bit groups, constants, padding; bytes and arrays
# sized by references; nested structs of the same kind) and every derived field
# is made of len_of / count_of and arithmetic. Anything else, and any failure,
# goes to the interpreter, which gives the bytes or the exact error.


def _read_in_place(body: List[str]) -> List[str]:
    """An attribute read into a local that one later line of the same block uses once is read on that line
    (``v0 = o.magic`` ... ``return _S.pack(v0, ...)`` becomes ``return _S.pack(o.magic, ...)``; the same
    for an item's fields inside its loop). That line runs once whenever the read did, so a missing
    attribute fails as before; nothing between the two assigns to an object's attributes."""
    lines = list(body)
    i = 0
    while i < len(lines):
        read = re.fullmatch(r"( *)(\w+) = (\w+)\.(\w+)", lines[i])
        use = _single_use(lines, i, read.group(1), read.group(2)) if read else None
        if read is None or use is None:
            i += 1
            continue
        lines[use] = re.sub(r"\b%s\b" % read.group(2), "%s.%s" % (read.group(3), read.group(4)), lines[use])
        del lines[i]
    return lines


def _single_use(lines: List[str], at: int, indent: str, name: str) -> Optional[int]:
    """The index of the only line after ``at`` naming ``name``, if it names it once and sits in the same
    block at the same depth (every line between as deep or deeper); else None."""
    pattern = re.compile(r"\b%s\b" % name)
    found = None
    for j, line in enumerate(lines):
        count = len(pattern.findall(line))
        if j == at or not count:
            continue
        if found is not None or count > 1 or j < at:
            return None
        found = j
    if found is None or not lines[found].startswith(indent) or lines[found][len(indent)] == " ":
        return None
    if any(not line.startswith(indent) for line in lines[at + 1:found]):
        return None
    return found


class BuildCompiler:
    """Generates ``def b(o) -> bytes`` for one struct node."""

    def __init__(self, node: s.Struct, registry: BuildRegistry) -> None:
        self.node, self.registry, self.w = node, registry, _Writer()
        self.local: Dict[str, str] = {}
        self.fields = {f.name: f for f in node.fields()}
        self.prefix = ""  # of local variables: an inlined item's differ from its array owner's
        self.obj = "o"  # the variable holding the object being built
        self.lists: Dict[str, str] = {}  # part -> the list an item loop appends to (see one_join)

    def var(self, name: str) -> str:
        if name not in self.local:
            self.local[name] = "%sv%d" % (self.prefix, len(self.local))
        return self.local[name]

    def compile(self) -> Tuple[str, Dict[str, Any]]:
        w, node = self.w, self.node
        w.emit(0, "def build_%s(o):" % _ident(node.name))
        parts = self.body()
        if not self.one_join(parts):
            w.emit(1, "return %s" % (" + ".join(parts) or "b''"))
        w.lines[1:] = body = _read_in_place(w.lines[1:])
        w.lines.append("def entry_%s(o):" % _ident(node.name))
        w.lines.append("    try:")
        w.lines.extend("    " + line for line in body)
        w.lines.append("    except Exception:")
        w.lines.append("        pass")
        w.lines.append("    return _slow(_node, o)")
        w.scope.update(_slow=interp.build, _node=node)
        w.scope.update(_Fail=Fail, _int=int, _len=len, _NaN=interp.NaN,
                       _float=float, _list=list, _join=b"".join, _bytes=bytes,
                       _check_float=_check_float, _check_bytes=_check_bytes)
        return "\n".join(w.lines) + "\n", w.scope

    def one_join(self, parts: List[str]) -> bool:
        """When one part is an item loop's list joined (``p2 = _join(l3)``) and nothing else uses that
        part, the other parts go into the same list and one join makes the bytes: no join followed by
        ``A + p2 + B``, which copies the items' bytes twice more. Returns whether it wrote the return."""
        w = self.w
        lists = [p for p in parts if p in self.lists]
        if len(parts) < 2 or len(lists) != 1:
            return False
        part, items = lists[0], self.lists[lists[0]]
        init, joined = "    %s = []" % items, "    %s = _join(%s)" % (part, items)
        if init not in w.lines or joined not in w.lines or sum(
                len(re.findall(r"\b%s\b" % part, line)) for line in w.lines) != 1:
            return False
        k = parts.index(part)
        w.lines[w.lines.index(init)] = "    %s = [%s]" % (items, ", ".join(["None"] * k))
        w.lines.remove(joined)
        for i, before in enumerate(parts[:k]):  # (computed after the loop, as they would have been)
            w.emit(1, "%s[%d] = %s" % (items, i, before))
        for after in parts[k + 1:]:
            w.emit(1, "%s.append(%s)" % (items, after))
        w.emit(1, "return _join(%s)" % items)
        return True

    def body(self) -> List[str]:
        """The checks and parts of ``self.obj``'s bytes, at depth 1; returns the expressions of the parts."""
        w, node, o = self.w, self.node, self.obj
        w.emit(1, "if %s.__class__ is not %s:" % (o, w.const(node.cls, "cls")))
        w.emit(2, "raise _Fail")
        for f in node.fields():
            if f.stored:
                w.emit(1, "%s = %s.%s" % (self.var(f.name), o, f.name))
        parts: Dict[str, str] = {}
        for m in node.members:  # variable parts first: derived lengths need them
            if isinstance(m, s.Field) and _fixed_build(m) is None and not isinstance(m.type, s.Padding):
                parts[m.name] = self.variable_part(m)
        for f in node.fields():
            if f.derive is not None:
                self.derived(f, parts)
        for m in node.members:  # checks of sizes and counts that are references
            if isinstance(m, s.Field) and m.name in parts and not self.measured_by_derive(m):
                self.size_check(m, parts[m.name])
        out: List[str] = []
        run: List[Any] = []
        for m in node.members:
            if isinstance(m, s.BitGroup) or _fixed_build(m) is not None:
                if run and not _same_order(run, m):
                    out.append(self.pack(run))
                    run = []
                run.append(m)
                continue
            if run:
                out.append(self.pack(run))
                run = []
            out.append(parts[m.name])
        if run:
            out.append(self.pack(run))
        return out

    # parts ----------------------------------------------------------------------------

    def variable_part(self, f: s.Field) -> str:
        w, t, v = self.w, f.type, self.var(f.name)
        part = w.temp("p")
        if isinstance(t, s.Bytes):  # the field's own local becomes its bytes
            w.emit(1, "if %s.__class__ is not _bytes:" % v)
            w.emit(2, "%s = _check_bytes(%s)" % (v, v))
            return v
        elif isinstance(t, s.Array) and t.typed:
            w.emit(1, "%s = _typed_bytes(%s, %s)" % (part, w.const(t, "N"), v))
            w.scope["_typed_bytes"] = interp.typed_bytes
        elif isinstance(t, s.Array) and isinstance(t.item, (s.Int, s.Float)):
            code = _FLOAT_CODES[t.item.bits] if isinstance(t.item, s.Float) else _INT_CODES[(t.item.size,
                                                                                            t.item.signed)]
            w.emit(1, "if %s.__class__ is not _list:" % v)
            w.emit(2, "raise _Fail")
            if isinstance(t.item, s.Float):  # (ints: struct.pack takes what interp.as_int takes)
                x = w.temp("x")
                w.emit(1, "for %s in %s:" % (x, v))
                w.emit(2, "_check_float(%s)" % x)
            fmt = w.const(_PREFIX[t.item.endian or "big"] + "%d" + code, "fmt")
            w.emit(1, "%s = _pack(%s %% _len(%s), *%s)" % (part, fmt, v, v))
            w.scope["_pack"] = struct.pack
        elif isinstance(t, s.Array) and _inlinable(t.item):  # type: ignore[arg-type]
            w.emit(1, "if %s.__class__ is not _list:" % v)
            w.emit(2, "raise _Fail")
            items, x = w.temp("l"), w.temp("x")
            w.emit(1, "%s = []" % items)
            w.emit(1, "for %s in %s:" % (x, v))
            item = BuildCompiler(t.item, self.registry)  # type: ignore[arg-type]
            item.w, item.prefix, item.obj = w, w.temp("i") + "_", x
            w.base += 1
            mark = len(w.lines)
            pieces = item.body()
            for piece in pieces:  # (an append each is cheaper than += of a tuple)
                w.emit(1, "%s.append(%s)" % (items, piece))
            w.base -= 1
            w.emit(1, "%s = _join(%s)" % (part, items))
            self.lists[part] = items
            self.comprehension(mark, x, pieces, part, v)
        elif isinstance(t, s.Array):
            child = w.const(self.registry.builder(t.item), "B")  # type: ignore[arg-type]
            w.emit(1, "if %s.__class__ is not _list:" % v)
            w.emit(2, "raise _Fail")
            w.emit(1, "%s = _join([%s(x) for x in %s])" % (part, child, v))
        elif isinstance(t, s.Struct):
            w.emit(1, "%s = %s(%s)" % (part, w.const(self.registry.builder(t), "B"), v))
        else:
            raise AssertionError(t.name)
        return part

    def comprehension(self, mark: int, x: str, pieces: List[str], part: str, v: str) -> None:
        """When the item loop just written (from line ``mark - 2``) only reads attributes into one expression,
        make it a list comprehension: ``[pack(x.a, x.b) if x.__class__ is cls else _fail() for x in v]``."""
        w = self.w
        body = w.lines[mark:-2]
        loads = [re.match(r"\s*(\w+) = %s\.(\w+)$" % x, line) for line in body[2:]]
        check = re.match(r"\s*if %s\.__class__ is not (\w+):$" % x, body[0]) if body else None
        if len(pieces) != 1 or check is None or not all(loads):
            return
        expr = pieces[0]
        for m in loads:
            expr = re.sub(r"\b%s\b" % m.group(1), "%s.%s" % (x, m.group(2)), expr)  # type: ignore[union-attr]
        del w.lines[mark - 2:]
        w.emit(1, "%s = _join([%s if %s.__class__ is %s else _fail() for %s in %s])" % (
            part, expr, x, check.group(1), x, v))
        w.scope["_fail"] = _fail

    def derived(self, f: s.Field, parts: Dict[str, str]) -> None:
        w = self.w
        value = self.derive_expr(f.derive, parts)  # type: ignore[arg-type]
        computed = w.temp("d")
        w.emit(1, "%s = %s" % (computed, value))
        typed = self.var(f.name)
        # a value the user typed must agree; one that came from parsing and was not touched is replaced
        w.emit(1, "if %s != %s and %s is not None:" % (typed, computed, typed))  # (equal: the common case)
        w.emit(2, "if getattr(%s, %r, None) != %s:" % (self.obj, interp.PARSED_PREFIX + f.name, typed))
        w.emit(3, "raise _Fail")
        self.local[f.name] = computed  # from here on, the field's value is the computed one

    def derive_expr(self, e: Expr, parts: Dict[str, str]) -> str:
        from .expr import CountOf, LenOf

        if isinstance(e, Lit):
            return repr(e.value)
        if isinstance(e, LenOf):
            return " + ".join("_len(%s)" % parts[n] for n in e.names)
        if isinstance(e, CountOf):
            f = self.fields[e.names[0]]
            if isinstance(f.type, s.Array) and f.type.typed:
                return "_len(%s) // %d" % (parts[f.name], f.type.item.size)  # type: ignore[attr-defined]
            return "_len(%s)" % self.var(e.names[0])
        if isinstance(e, BinOp):
            return "(%s %s %s)" % (self.derive_expr(e.left, parts), e.op, self.derive_expr(e.right, parts))
        raise AssertionError(e.text())

    def measured_by_derive(self, f: s.Field) -> bool:
        """Whether ``f``'s size (count) is a field just derived as ``len_of(f)`` (``count_of(f)``): equal by
        construction, so no check is written."""
        from .expr import CountOf, LenOf

        t = f.type
        rule = t.size if isinstance(t, s.Bytes) else t.count if isinstance(t, s.Array) else None
        if not isinstance(rule, Ref) or len(rule.path) != 1 or rule.path[0] not in self.fields:
            return False
        derive = self.fields[rule.path[0]].derive
        if isinstance(t, s.Bytes):
            return isinstance(derive, LenOf) and tuple(derive.names) == (f.name,)
        return (isinstance(derive, CountOf) and tuple(derive.names) == (f.name,)
                and isinstance(t, s.Array) and not t.typed)

    def size_check(self, f: s.Field, part: str) -> None:
        t = f.type
        rule = t.size if isinstance(t, s.Bytes) else t.count if isinstance(t, s.Array) else None
        if rule is None:
            return
        if isinstance(t, s.Array) and t.typed:
            measure = "_len(%s) // %d" % (part, t.item.size)  # type: ignore[attr-defined]
        else:
            measure = "_len(%s)" % (part if isinstance(t, s.Bytes) else self.var(f.name))
        self.w.emit(1, "if %s != %s:" % (measure, _build_expr(rule, self.var)))
        self.w.emit(2, "raise _Fail")

    # fixed runs -------------------------------------------------------------------------

    def pack(self, run: List[Any]) -> str:
        w = self.w
        orders = [o for o in (_endian(m) for m in run) if o is not None]
        fmt = (_PREFIX[orders[0]] if orders else "<") + "".join(_fixed_build(m) or "" for m in run)  # type: ignore[misc]
        args = []
        for m in run:
            arg = self.fixed_value(m)
            if arg is not None:
                args.append(arg)
        return "%s.pack(%s)" % (w.const(struct.Struct(fmt), "S"), ", ".join(args))

    def fixed_value(self, m: Any) -> Optional[str]:
        w = self.w
        if isinstance(m, s.BitGroup):
            fields = [(f, at, bits) for f, at, bits in m.positions() if f.stored]
            types, ranges, signs = [], [], []
            for f, _at, bits in fields:  # exact ints only: a numpy int would wrap in the shifts below
                v = self.var(f.name)
                types.append("%s.__class__ is not _int" % v)
                if f.type.signed:  # type: ignore[attr-defined]
                    ranges.append("not %d <= %s <= %d" % (-(1 << (bits - 1)), v, (1 << (bits - 1)) - 1))
                else:  # (plain comparisons of ints are the cheapest test CPython has)
                    ranges.append("%s > %d" % (v, (1 << bits) - 1))
                    signs.append("%s < 0" % v)
            if fields:
                w.emit(1, "if %s:" % " or ".join(types + ranges + signs))
                w.emit(2, "raise _Fail")

            def word_of(shift: int, width: int) -> str:
                terms = []
                for f, at, bits in fields:
                    if at + bits <= shift or at >= shift + width:
                        continue
                    v = self.var(f.name)
                    if f.type.signed:  # type: ignore[attr-defined]
                        v = "(%s & %d)" % (v, (1 << bits) - 1)
                    terms.append("%s << %d" % (v, at - shift) if at > shift else v)
                return " | ".join(terms) or "0"

            spans = [(lo, n) for _, lo, n in _words(m)] if m.size in _SPLITS else []
            if spans and all(any(lo <= a and a + b <= lo + n for lo, n in spans) for _, a, b in fields):
                return ", ".join(word_of(lo, n) for lo, n in spans)  # each field inside one word: no whole group
            word = w.temp("g")
            w.emit(1, "%s = %s" % (word, word_of(0, 8 * m.size)))
            if m.size in (1, 2, 4, 8):
                return word
            if spans:  # the words fixed_item reads (see _fixed_build)
                return ", ".join("%s >> %d & %d" % (word, lo, (1 << n) - 1) if lo else "%s & %d" % (word, (1 << n) - 1)
                                 for lo, n in spans)
            return "%s.to_bytes(%d, %r)" % (word, m.size, _byteorder(m.endian))
        t = m.type
        v = self.var(m.name)
        if isinstance(t, s.Padding):
            return None if _zero_padding(t) else w.const(t.fill * t.size)
        if isinstance(t, s.Const):
            w.emit(1, "if %s is not None and %s != %s:" % (v, v, w.const(t.value)))
            w.emit(2, "raise _Fail")
            return self.encode_fixed(t.type, w.const(t.value))
        return self.encode_fixed(t, v)

    def encode_fixed(self, t: s.Node, v: str) -> str:
        w = self.w
        if isinstance(t, s.Int):
            if t.size in (1, 2, 4, 8):  # struct.pack takes what interp.as_int takes, and checks the range
                return v
            w.emit(1, "if not %d <= %s <= %d:" % (t.min, v, t.max))
            w.emit(2, "raise _Fail")
            return "%s.to_bytes(%d, %r, signed=%r)" % (v, t.size, _byteorder(t.endian), t.signed)
        if isinstance(t, s.Float):
            w.emit(1, "if %s.__class__ is not _float:" % v)
            w.emit(2, "_check_float(%s)" % v)
            w.emit(1, "if %s.__class__ is _NaN:" % v)  # a NaN read from data keeps its bits: the interpreter
            w.emit(2, "raise _Fail")
            return v
        if isinstance(t, s.Bool):
            w.emit(1, "if %s is not True and %s is not False:" % (v, v))
            w.emit(2, "raise _Fail")
            return v
        if isinstance(t, s.Bytes):
            w.emit(1, "if _len(_check_bytes(%s)) != %d:" % (v, t.size.value))  # type: ignore[union-attr]
            w.emit(2, "raise _Fail")
            return v
        if isinstance(t, (s.Enum, s.Flags)):  # a member of the class; anything else goes to the interpreter
            cls = t.enum if isinstance(t, s.Enum) else t.flags
            number = w.temp("m")
            w.emit(1, "if %s.__class__ is %s:" % (v, w.const(cls, "E")))
            w.emit(2, "%s = %s._value_" % (number, v))
            if isinstance(t, s.Enum) and not t.strict:  # a plain int is a value too
                w.emit(1, "elif %s.__class__ is _int:" % v)
                w.emit(2, "%s = %s" % (number, v))
            w.emit(1, "else:")
            w.emit(2, "raise _Fail")
            return self.encode_fixed(t.base, number)
        raise AssertionError(t.name)


def _fail() -> Any:
    raise Fail()


def _check_float(v: Any) -> None:
    if v.__class__ is not float and (isinstance(v, bool) or not isinstance(v, (int, float))):
        raise Fail()


def _check_bytes(v: Any) -> bytes:
    if v.__class__ is bytes:
        return v  # type: ignore[no-any-return]
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    raise Fail()


def _build_expr(e: Expr, var: Callable[[str], str]) -> str:
    if isinstance(e, Lit):
        return repr(e.value)
    if isinstance(e, Ref):
        return ".".join((var(e.path[0]),) + e.path[1:])
    if isinstance(e, BinOp):
        return "(%s %s %s)" % (_build_expr(e.left, var), e.op, _build_expr(e.right, var))
    raise AssertionError(e.text())


def _fixed_build(m: Any) -> Optional[str]:
    """The struct code a fixed member packs with, or None for members built as parts."""
    if isinstance(m, s.BitGroup):
        if m.size in _SPLITS:
            return "".join(code for code, _, _ in _words(m))
        return _INT_CODES.get((m.size, False)) or "%ds" % m.size
    t = m.type
    if isinstance(t, s.Const):
        t = t.type
    if isinstance(t, (s.Enum, s.Flags)) and isinstance(t.base, s.Int) and t.base.size in (1, 2, 4, 8):
        t = t.base
    if isinstance(t, s.Int):
        return _INT_CODES.get((t.size, t.signed)) or "%ds" % t.size
    if isinstance(t, s.Float):
        return _FLOAT_CODES[t.bits]
    if isinstance(t, s.Bool):
        return "?"
    if isinstance(t, s.Bytes) and isinstance(t.size, Lit):
        return "%ds" % t.size.value
    if isinstance(t, s.Padding):
        return "%dx" % t.size if _zero_padding(t) else "%ds" % t.size
    return None


def _zero_padding(t: s.Padding) -> bool:
    """Padding ``struct`` can write as ``x`` codes: zero bytes, and not checked on parse."""
    return not t.strict and t.fill * t.size == bytes(t.size)


def _same_order(run: List[Any], member: Any) -> bool:
    orders = {_endian(m) for m in run} | {_endian(member)}
    orders.discard(None)
    return len(orders) <= 1


def _simple_ref(e: Optional[Expr], fields: Dict[str, s.Field]) -> bool:
    """Sizes and counts the builder can check: literals, references to this struct's fields, arithmetic."""
    if e is None:
        return True
    if isinstance(e, Lit):  # written into the source as text: only a plain int (never a subclass's repr)
        return type(e.value) is int
    if isinstance(e, Ref):
        return bool(e.path) and e.path[0] in fields and fields[e.path[0]].stored
    if isinstance(e, BinOp):
        return _simple_ref(e.left, fields) and _simple_ref(e.right, fields)
    return False


def _simple_derive(e: Expr, fields: Dict[str, s.Field]) -> bool:
    from .expr import CountOf, LenOf

    if isinstance(e, Lit):  # written into the source as text: only a plain int
        return type(e.value) is int
    if isinstance(e, LenOf):
        return all(n in fields and _part_member(fields[n]) for n in e.names)
    if isinstance(e, CountOf):
        return e.names[0] in fields and isinstance(fields[e.names[0]].type, s.Array)
    if isinstance(e, BinOp):
        return e.op in ("+", "-", "*") and _simple_derive(e.left, fields) and _simple_derive(e.right, fields)
    return False


def _part_member(f: s.Field) -> bool:
    """Members the builder writes as separate parts (so their lengths are known)."""
    return _fixed_build(f) is None and not isinstance(f.type, s.Padding)


class BuildRegistry:
    def __init__(self) -> None:
        self.builders: Dict[int, Any] = {}
        self.entries: Dict[int, Any] = {}
        self.ok: Dict[int, bool] = {}

    def buildable(self, node: s.Struct) -> bool:
        key = id(node)
        if key not in self.ok:
            self.ok[key] = False  # recursion guard
            self.ok[key] = _buildable(node, self)
        return self.ok[key]

    def builder(self, node: s.Struct) -> Callable[[Any], bytes]:
        key = id(node)
        if key not in self.builders:
            source, scope = BuildCompiler(node, self).compile()
            _run(source, scope, "<binmodel build %s>" % node.name)
            self.builders[key] = scope["build_%s" % _ident(node.name)]
            self.entries[key] = scope["entry_%s" % _ident(node.name)]
            _REGISTRY.sources[-key] = source
        return self.builders[key]  # type: ignore[no-any-return]


def _inlinable(item: s.Struct) -> bool:
    """An array item whose build is written inside the array's loop: fixed members and bytes only
    (the caller checked it is buildable), so inlining never nests."""
    return all(isinstance(m, s.BitGroup) or _fixed_build(m) is not None or isinstance(m.type, (s.Bytes, s.Padding))
               for m in item.members)


def _buildable(node: s.Struct, registry: BuildRegistry) -> bool:
    if node.union_size is not None or node.cls is None:
        return False
    fields = {f.name: f for f in node.fields()}
    for m in node.members:
        if isinstance(m, s.BitGroup):
            if any(f.derive is not None for f in m.fields):
                return False
            continue
        t = m.type
        if m.derive is not None:
            if not (_fixed_build(m) is not None and isinstance(t, (s.Int,)) and _simple_derive(m.derive, fields)):
                return False
            continue
        if _fixed_build(m) is not None:
            if isinstance(t, s.Const) and not isinstance(t.type, (s.Int, s.Bytes)):
                return False
            continue
        if isinstance(t, s.Bytes):
            if t.prefix is not None or t.measure is not None or not _simple_ref(t.size, fields):
                return False
        elif isinstance(t, s.Array):
            item = t.item
            if t.count is None and not (t.greedy and min_size(item)):  # until= checks stay interpreted
                return False
            if not _simple_ref(t.count, fields):
                return False
            numbers = isinstance(item, (s.Int, s.Float)) and (
                isinstance(item, s.Float) or (item.size, item.signed) in _INT_CODES)
            if not numbers and not (isinstance(item, s.Struct) and registry.buildable(item)):
                return False
        elif isinstance(t, s.Struct):
            if not registry.buildable(t):
                return False
        else:
            return False
    return True


_BUILDERS = BuildRegistry()


_BUILD_ENTRIES: Dict[int, Tuple[s.Struct, Callable[[Any], bytes]]] = {}


def build_entry(node: s.Struct) -> Callable[[Any], bytes]:
    """``build(obj)`` for ``node``, made once: generated code when the model allows, the interpreter
    otherwise and on any failure (which then gives the bytes or the exact error)."""
    hit = _BUILD_ENTRIES.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    slow = interp.build
    cls = node.cls
    if cls is not None and _BUILDERS.buildable(node):
        _BUILDERS.builder(node)
        entry = _BUILDERS.entries[id(node)]  # the builder's body inside try, then the interpreter
    else:
        def entry(obj: Any) -> bytes:
            return slow(node, obj)
    _BUILD_ENTRIES[id(node)] = (node, entry)
    return entry


def build(node: s.Struct, obj: Any) -> bytes:
    """Build with generated code when the model allows (see ``build_entry``)."""
    return build_entry(node)(obj)
