"""The parse code generator: writes the body of one struct's parser as ``codegen.Line`` templates.

Like ``dataclasses`` does for ``__init__``, it decides each line from the schema: runs of fixed-size
members become one precompiled ``struct.Struct.unpack_from``, bit groups become shifts and masks,
references such as ``this.length`` become local variables, arrays of small records are unrolled into
their loop (``parsing.items``). Each member type has an emitter (``MEMBER_EMITTERS``, ``StructCompiler.value``); an
emitter that cannot write a form raises ``GiveUp``, its lines are dropped, and the interpreter parses
that member in place, in a context holding the fields parsed so far. Whether a struct needs that
context is therefore a fact of its first emission (a line uses ``{ctx}``), not a predicate that
mirrors the emitters. ``parsing.compiled`` assembles the bodies into functions and entries.

Generated code never builds an error itself: on any failure it raises, and the entry runs the
interpreter on the same input, which gives the error with its path and offset (or, if the generated
code was wrong to fail, the right value).
"""

from __future__ import annotations

import dataclasses
import struct
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from .. import background
from .. import codegen as g
from .. import schema as s
from ..expr import BinOp, Expr, Invert, Lit, Not, Ref, Subscript, Where, invert, shift_left
from ..fixed import Item, fixed_item, member_endian, same_order
from ..sizes import min_size
from ..wire import FLOAT_CODES, INT_CODES, ORDER_PREFIX, PARSED_PREFIX, byteorder
from .items import ItemLoops

if TYPE_CHECKING:
    from .compiled import Registry

DATA_END = "{end}"
"""The region end a body starts with: in an entry for ``bytes``, the end of the data itself."""


def _direct(member: Any) -> bool:
    """Whether the unpacked value is the field's value as it is (unpack straight into its local)."""
    if isinstance(member, s.BitGroup):
        return False
    t = member.type
    return (isinstance(t, s.Int) and t.size in (1, 2, 4, 8)) or isinstance(t, (s.Float, s.Bytes))


def enum_converter(enum: Any, strict: bool) -> Callable[[int], Any]:
    """An enum's value for a number outside its value table (a ``_missing_`` hook, or the number itself)."""
    def convert(value: int) -> Any:
        try:
            return enum(value)
        except ValueError:
            if strict:
                raise g.Fail() from None
            return value

    return convert


def flags_converter(flags: Any) -> Callable[[int], Any]:
    """A flag class's value for a number outside its value table; a class that drops bits fails."""
    def convert(value: int) -> Any:
        result = flags(value)
        if int(result) != value:  # a boundary=CONFORM class dropped bits: the interpreter refuses it
            raise g.Fail()
        return result

    return convert


class StructCompiler(ItemLoops):
    """Writes the lines that parse one struct's members into locals, then its object (``emit``).

    ``with_ctx``: a ``ParseContext`` (``{ctx}``, ``{values}``) is kept up to date, for members the
    interpreter parses in place. ``w`` and ``prefix`` are given when the struct is an array item
    written inside its array's loop (its locals must differ from the array owner's).
    """

    def __init__(self, node: s.Struct, registry: Registry, with_ctx: bool,
                 w: Optional[g.Writer] = None, prefix: str = "") -> None:
        self.node = node
        self.registry = registry
        self.w = w if w is not None else g.Writer()
        self.with_ctx = with_ctx
        self.prefix = prefix
        self.known: Dict[str, str] = {}  # field name -> placeholder of the local holding its value
        self.locals: Dict[str, str] = {}
        self.fields_by_name = {f.name: f for f in node.fields()}
        self.positions = any(f.derive is not None and f.check for f in node.fields())
        self.unsigned: set = set()  # locals holding an unsigned int read by unpack_from (no type check needed)
        self.comments = w is None  # a comment per member in a struct's own function, not in an inlined item
        self.constraints: Dict[str, Any] = {}  # field name -> the valid= constraint of a field in a fused run

    # --- expressions -----------------------------------------------------------

    def expr(self, e: Expr) -> Optional[str]:
        """A template for ``e`` over the locals, or None when it needs the interpreter."""
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
                return "{parent}" + ".parent" * (up - 1) + ".get(%r)" % e.path[up] + "".join(
                    "." + p for p in e.path[up + 1:])
            if not e.path or e.path[0] not in self.known:
                return None
            return self.known[e.path[0]] + "".join("." + p for p in e.path[1:])
        if isinstance(e, BinOp):
            left, right = self.expr(e.left), self.expr(e.right)
            if left is None or right is None:
                return None
            if e.op == "<<":  # (bounded: see expr.shift_left)
                return "%s(%s, %s)" % (self.w.const(shift_left, "shl"), left, right)
            return "(%s %s %s)" % (left, e.op, right)
        if isinstance(e, Where):
            parts = [self.expr(x) for x in (e.then, e.cond, e.otherwise)]
            if None in parts:
                return None
            return "(%s if %s else %s)" % tuple(parts)  # type: ignore[str-format]
        return self.negation_expr(e)

    def negation_expr(self, e: Expr) -> Optional[str]:
        """``not_(x)``, ``~x`` (logical for a bool, bitwise otherwise: ``expr.invert``) and ``x[i]`` over the
        locals, or None."""
        if isinstance(e, (Not, Invert)):
            inner = self.expr(e.operand)
            if inner is None:
                return None
            return "(not %s)" % inner if isinstance(e, Not) else "%s(%s)" % (self.w.const(invert, "inv"), inner)
        if isinstance(e, Subscript):
            seq, index = self.expr(e.seq), self.expr(e.index)
            return None if seq is None or index is None else "%s[%s]" % (seq, index)
        return None

    def evaluated(self, e: Expr, what: str) -> str:
        """A template for ``e``: compiled, or evaluated by the interpreter over the context."""
        src = self.expr(e)
        if src is not None:
            return src
        return "{evaluate}(%s, {ctx}, '', {pos}, %r, {ParseError})" % (self.w.const(e, "X"), what)

    def size_expr(self, e: Expr) -> str:
        """A size or count as a local known to be an int >= 0 (GiveUp when it needs the interpreter)."""
        src = self.expr(e)
        if src is None:
            raise g.GiveUp
        if src in self.unsigned:  # an unsigned number just unpacked: an int >= 0 already
            return src
        n = self.w.temp("n")
        self.w.emit(1, "%s = %s" % (n, src))
        self.w.emit(1, "if %s.__class__ is not int or %s < 0:" % (n, n))
        self.w.emit(2, "raise {Fail}")
        return n

    # --- the body --------------------------------------------------------------

    def emit(self) -> None:
        """The members, the derived checks, and the object (``{o}``), at depth 1."""
        w, node = self.w, self.node
        self.members()
        if self.positions:
            for f in node.fields():
                if f.derive is not None and f.check:
                    w.emit(1, "{check_derived}(%s, {ctx}, '')" % w.const(f, "f"))
        if self.with_ctx:  # relative pointers recorded targets: the interpreter checks them against the struct
            w.emit(1, "if {ctx}.outside:")
            w.emit(2, "raise {Fail}")
        w.emit(1, "{o} = {new}(%s)" % w.const(node.cls, "cls"))
        for f in node.fields():
            if f.stored:
                w.emit(1, "{o}.%s = %s" % (f.name, self.known[f.name]))
        for f in node.fields():  # the value as parsed (see Struct._bm_from_values)
            if f.derive is not None:
                w.emit(1, "{o}.%s%s = %s" % (PARSED_PREFIX, f.name, self.known[f.name]))
        if background.kinds(node):  # the data around its pointers' targets, for build (region ones: interpreted)
            w.emit(1, "%s({o}, %s, {data}, 0, len({data}))" % (w.const(background.keep, "keep"),
                                                             w.const(node, "node")))

    def members(self) -> None:
        """The members in order: fixed runs fused into one read each, every other member by its emitter."""
        run: List[Tuple[Any, Item]] = []
        for member in self.node.members:
            member = self.checked_in_run(member)
            item = fixed_item(member)
            if item is not None and (not run or same_order([m for m, _ in run], member)):
                run.append((member, item))
                continue
            self.flush(run)
            run = []
            if item is not None:
                run.append((member, item))
                continue
            self.comment([member])
            self.variable(member)  # type: ignore[arg-type]  # (bit groups are always fixed)
        self.flush(run)

    def checked_in_run(self, member: Any) -> Any:
        """A fixed-size field with a ``valid=`` constraint, as the plain field that joins a fused run (its
        constraint kept in ``constraints``, checked once its value is known); any other member as it is."""
        if isinstance(member, s.Field) and isinstance(member.type, s.Valid):
            plain = dataclasses.replace(member, type=member.type.type)
            item = fixed_item(plain)
            if item is not None and not item.code.endswith("x"):
                self.constraints[member.name] = member.type.constraint
                return plain
        return member

    def comment(self, members: List[Any]) -> None:
        """``# name: type`` above the code of these members (only in a struct's own function)."""
        if self.comments:
            labels = [", ".join(f.name for f in m.fields) if isinstance(m, s.BitGroup) else m.name for m in members]
            types = [g.type_label(m) for m in members]
            self.w.emit(1, "# %s: %s" % (", ".join(labels), ", ".join(types)), tag=g.COMMENT)

    # --- fixed-size runs -------------------------------------------------------

    def flush(self, run: List[Tuple[Any, Item]], end: str = DATA_END, each: Optional[str] = None) -> None:
        """One fixed run: a bounds check, one unpack_from, the finishing checks. With ``each`` (a template
        of a bytes object holding whole runs), a loop over ``iter_unpack(each)`` instead, left open at
        depth 1 for the caller to write the rest of the item in."""
        if not run:
            return
        w = self.w
        orders = [o for o in (member_endian(m) for m, _ in run) if o is not None]
        fmt = (ORDER_PREFIX[orders[0]] if orders else "<") + "".join(item.code for _, item in run)
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
        if each is None:
            self.comment([m for m, _ in run])
        targets = ", ".join(names) + ("," if len(names) == 1 else "")
        if each is not None:
            w.emit(1, "for %s in %s.iter_unpack(%s):" % (targets, packer, each), tag=g.ITER_LOOP)
            w.base += 1
            self.finish_run(run, offsets, names)
            return
        self.read(1, targets if names else None, packer, size, end)
        self.finish_run(run, offsets, names)
        w.emit(1, "{pos} += %d" % size, tag=g.STEP, value=size)

    def read(self, depth: int, targets: Optional[str], packer: str, size: int, end: str) -> None:
        """The bounds check and the ``unpack_from`` of ``size`` bytes at ``{pos}`` (no read without targets).
        When the region is the data itself, the check is tagged as one ``unpack_from`` repeats."""
        w = self.w
        tag = g.END_CHECK if targets is not None and end == DATA_END else None
        w.emit(depth, "if {pos} + %d > %s:" % (size, end), tag=tag)
        w.emit(depth + 1, "raise {Fail}", tag=tag)
        if targets is not None:
            w.emit(depth, "%s = %s.unpack_from({data}, {pos})" % (targets, packer), tag=g.READ, value=0)

    def finish_run(self, run: List[Tuple[Any, Item]], offsets: List[int], names: List[str]) -> None:
        """Each run member's value from its unpacked name(s): checks, conversions, bit fields."""
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
            if getattr(member, "name", None) in self.constraints:
                self.w.emit(1, "if not %s:" % _forms.holds(self, self.constraints[member.name], self.known[member.name], 1))
                self.w.emit(2, "raise {Fail}")

    def var(self, member: s.Field) -> str:
        """The local of a field: ``{v3}``, never made from the field's name (C padding is ``(padding@1)``)."""
        if member.name not in self.locals:
            self.locals[member.name] = "{%sv%d}" % (self.prefix, len(self.locals))
        return self.locals[member.name]

    def bind(self, member: s.Field, source: str) -> None:
        """Make ``member``'s value available as a local (and in the context, when one is kept)."""
        var = self.var(member)
        if source != var:
            self.w.emit(1, "%s = %s" % (var, source))
        self.known[member.name] = var
        if self.with_ctx and member.stored:
            self.w.emit(1, "{values}[%r] = %s" % (member.name, var))

    def where(self, member: s.Field, start: str, end: str) -> None:
        """Record where a field lies (``ctx.where``) when derived checks need its bytes."""
        self.w.emit(1, "{ctx}.where[%r] = (%s, %s)" % (member.name, start, end))

    def finish(self, member: Any, raw: str, offset: int) -> None:
        """Turn an unpacked value into the field's value, with the checks the interpreter makes."""
        w = self.w
        if self.positions and not isinstance(member, s.BitGroup):
            self.where(member, "{pos} + %d" % offset, "{pos} + %d" % (offset + fixed_item(member).size))  # type: ignore[union-attr]
        if isinstance(member, s.BitGroup):
            self.bits(member, raw, offset)
            return
        t = member.type
        if isinstance(t, s.Int) and t.size not in (1, 2, 4, 8):
            self.bind(member, self.int_value(t, raw))
        elif isinstance(t, s.Float):
            w.emit(1, "if %s != %s:" % (raw, raw))
            # the bits again, as an unsigned number: unpack_from reads every buffer the same way
            bits = struct.Struct(ORDER_PREFIX[byteorder(t.endian)] + INT_CODES[t.size, False])
            w.emit(2, "%s = {NaN}(%s.unpack_from({data}, %s)[0], %d)" % (
                raw, w.const(bits, "S"), g.plus("{pos}", offset), t.bits), tag=g.READ, value=offset)
            self.bind(member, raw)
        elif isinstance(t, s.Bool):
            w.emit(1, "if %s > 1:" % raw)
            w.emit(2, "raise {Fail}")
            self.bind(member, "%s == 1" % raw)
        elif isinstance(t, s.Padding):
            w.emit(1, "if %s != %s:" % (raw, w.const(t.fill * t.size)))
            w.emit(2, "raise {Fail}")
            self.bind(member, "None")
        elif isinstance(t, s.Const):
            w.emit(1, "if %s != %s:" % (self.int_value(t.type, raw), w.const(t.value)))
            w.emit(2, "raise {Fail}")
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
                w.emit(2, "%s = %s(%s)" % (var, w.const(enum_converter(t.enum, t.strict), "e"), raw))
            else:  # (a flag class may keep a pseudo-member under a value it changed: the converter decides)
                w.emit(1, "if %s is None or %s._value_ != %s:" % (var, var, raw))
                w.emit(2, "%s = %s(%s)" % (var, w.const(flags_converter(t.flags), "F"), raw))
            self.bind(member, var)
        elif isinstance(t, s.Mapped):  # the conversion, a constant the code calls, on the wire value
            self.bind(member, "%s(%s)" % (w.const(t.decode, "dec"), raw))
        else:
            self.bind(member, raw)
            if isinstance(t, s.Int) and not t.signed:
                self.unsigned.add(self.var(member))

    @staticmethod
    def int_value(node: s.Node, raw: str) -> str:
        """An unpacked integer's value: ``struct`` has no code for 3, 5, 6 and 7 bytes (read as ``Ns``)."""
        if isinstance(node, s.Int) and node.size not in (1, 2, 4, 8):
            return "{from_bytes}(%s, %r, signed=%r)" % (raw, byteorder(node.endian), node.signed)
        return raw

    def bits(self, group: s.BitGroup, raw: str, offset: int,
             parts: Optional[List[Tuple[str, int, int]]] = None) -> None:
        """The group's fields from ``raw`` (its unpacked word or bytes), or from ``parts`` (name, shift,
        width) when an odd-sized group was read as several words: a field inside one word is read from it."""
        w = self.w
        positions = list(group.positions())
        inside: List[Any] = []
        if parts is not None:
            inside = [next((wd for wd in parts if wd[1] <= at and at + bits <= wd[1] + wd[2]), None)
                      for _, at, bits in positions]
            if any(wd is None for wd in inside):  # a field across words: put the group together
                raw = w.temp("g")
                w.emit(1, "%s = %s" % (raw, " | ".join("%s << %d" % (n, at) if at else n for n, at, _ in parts)))
                parts = None
        elif group.size not in (1, 2, 4, 8):
            word = w.temp("g")
            w.emit(1, "%s = {from_bytes}(%s, %r)" % (word, raw, byteorder(group.endian)))
            raw = word
        for i, (f, at, bits) in enumerate(positions):
            if self.positions:
                self.where(f, "{pos} + %d" % offset, "{pos} + %d" % (offset + group.size))
            if not f.stored and type(f.type) is not s.BitPad:
                continue
            word, width = raw, 8 * group.size
            if parts is not None:
                word, shift, width = inside[i]
                at -= shift
            value = "%s >> %d" % (word, at) if at else word
            if at + bits < width:
                value = "(%s) & %d" % (value, (1 << bits) - 1) if at else "%s & %d" % (value, (1 << bits) - 1)
            if not f.stored:  # padding bits after an unaligned run: the interpreter keeps them when not zero
                w.emit(1, "if %s:" % value)
                w.emit(2, "raise {Fail}")
                continue
            var = self.var(f)
            w.emit(1, "%s = %s" % (var, value))
            if f.type.signed:  # type: ignore[attr-defined]
                w.emit(1, "%s -= (%s >> %d) << %d" % (var, var, bits - 1, bits))
            if f.type.enum is not None:  # type: ignore[attr-defined]
                w.emit(1, "%s = {bits_member}(%s, %s)" % (var, w.const(f.type.enum, "E"), var))  # type: ignore[attr-defined]
            self.bind(f, var)

    # --- variable members ------------------------------------------------------

    def variable(self, member: s.Field) -> None:
        """A member with an emitter of its own; where the emitter gives up, the interpreter parses it."""
        emitter = MEMBER_EMITTERS.get(type(member.type))
        mark = self.w.mark()
        if emitter is not None:
            try:
                emitter(self, member, member.type)
                return
            except g.GiveUp:
                self.w.rollback(mark)
        self.interpreted(member)

    def interpreted(self, member: s.Field) -> None:
        """The interpreter parses this field, in a context holding the fields parsed so far."""
        w = self.w
        self.why(member.type, 1)
        start = w.temp("b")
        w.emit(1, "%s = {pos}" % start)
        w.emit(1, "%s, {pos} = {parse_node}(%s, {ctx}, {pos}, '')" % (self.var(member), w.const(member.type, "N")))
        if type(member.type) is s.Pointer:  # a pointer's bytes are its target's (len_of, crc32_of)
            w.emit(1, "{ctx}.where[%r] = {ctx}.last_target" % member.name)
        else:
            self.where(member, start, "{pos}")
        self.bind(member, self.var(member))

    def region_field(self, member: s.Field, t: s.Node) -> None:
        """A switch, a sized region, a lazy type or a fallback: a value parsed by ``value``."""
        if isinstance(t, s.Sized) and t.size is None and t.prefix is None:  # (the rest: interpreted)
            raise g.GiveUp
        start = self.w.temp("b")
        if self.positions:  # (the start is only needed for the field's bytes)
            self.w.emit(1, "%s = {pos}" % start)
        self.value(t, self.var(member), DATA_END, 1)
        if self.positions:
            self.where(member, start, "{pos}")
        self.bind(member, self.var(member))

    def bytes_field(self, member: s.Field, t: s.Bytes, end: str = DATA_END) -> None:
        """Bytes sized by an expression over earlier fields, by a length prefix, or the rest of the region
        (``greedy``)."""
        if t.measure is not None:
            raise g.GiveUp
        w = self.w
        start = "{pos}"
        if t.prefix is not None:  # (the field's bytes start at its prefix)
            start, n = w.temp("b"), w.temp("n")
            if self.positions:
                w.emit(1, "%s = {pos}" % start)
            self.value(t.prefix, n, end, 1)  # (a prefix is an unsigned integer type: an int >= 0)
            w.emit(1, "if {pos} + %s > %s:" % (n, end))
            w.emit(2, "raise {Fail}")
        elif t.greedy:
            n = w.temp("n")
            w.emit(1, "%s = %s - {pos}" % (n, end))
        else:
            n = self.size_expr(t.size)  # type: ignore[arg-type]
            w.emit(1, "if {pos} + %s > %s:" % (n, end))
            w.emit(2, "raise {Fail}")
        if self.positions:
            self.where(member, start, "{pos} + %s" % n)
        w.emit(1, "%s = {data}[{pos}:{pos} + %s]" % (self.var(member), n))
        w.emit(1, "{pos} += %s" % n)
        self.bind(member, self.var(member))

    def array_field(self, member: s.Field, t: s.Array) -> None:
        """An array member: numbers in one read (``number_array``), structs in a loop (``array_value``)."""
        w, item = self.w, t.item
        start = w.temp("b")
        if self.positions:
            w.emit(1, "%s = {pos}" % start)
        if t.typed or isinstance(item, (s.Int, s.Float)):
            self.number_array(member, t)
        elif isinstance(item, s.Struct) and self.registry.compilable(item) and min_size(item):
            self.array_value(t, self.var(member), DATA_END, 1)
        else:
            raise g.GiveUp
        if self.positions:
            self.where(member, start, "{pos}")
        self.bind(member, self.var(member))

    def number_array(self, member: s.Field, t: s.Array) -> None:
        """A counted array of numbers: one array.array (typed) or one unpack_from of ``count`` items."""
        w, item = self.w, t.item
        if t.count is None or not min_size(item):
            raise g.GiveUp
        n = self.size_expr(t.count)
        var = self.var(member)
        if t.typed:
            w.emit(1, "if {pos} + %s * %d > {end}:" % (n, item.size))  # type: ignore[attr-defined]
            w.emit(2, "raise {Fail}")
            w.emit(1, "%s = {array}(%r)" % (var, t.typecode))
            w.emit(1, "%s.frombytes({data}[{pos}:{pos} + %s * %d])" % (var, n, item.size))  # type: ignore[attr-defined]
            if byteorder(item.endian) != sys.byteorder and item.size > 1:  # type: ignore[attr-defined]
                w.emit(1, "%s.byteswap()" % var)
            w.emit(1, "{pos} += %s * %d" % (n, item.size))  # type: ignore[attr-defined]
            w.helper("array", __import__("array").array)
            return
        if isinstance(item, s.Float):
            code = FLOAT_CODES[item.bits]
        elif isinstance(item, s.Int) and (item.size, item.signed) in INT_CODES:
            code = INT_CODES[(item.size, item.signed)]
        else:
            raise g.GiveUp
        fmt = w.const(ORDER_PREFIX[item.endian or "big"] + "%d" + code, "fmt")
        cache = w.const({}, "cache")
        w.emit(1, "if {pos} + %s * %d > {end}:" % (n, item.size))
        w.emit(2, "raise {Fail}")
        packer = w.temp("u")
        w.emit(1, "%s = %s.get(%s)" % (packer, cache, n))
        w.emit(1, "if %s is None:" % packer)
        w.emit(2, "%s = %s[%s] = {Struct}(%s %% %s).unpack_from" % (packer, cache, n, fmt, n))
        w.emit(1, "%s = list(%s({data}, {pos}))" % (var, packer))
        if isinstance(item, s.Float):  # a NaN keeps its exact bits: the interpreter does that
            x = w.temp("x")
            w.emit(1, "for %s in %s:" % (x, var))
            w.emit(2, "if %s != %s:" % (x, x))
            w.emit(3, "raise {Fail}")
        w.emit(1, "{pos} += %s * %d" % (n, item.size))
        w.helper("Struct", struct.Struct)

    def struct_field(self, member: s.Field, t: s.Struct) -> None:
        """A nested compiled struct: a call to its generated parser."""
        if not self.registry.compilable(t):
            raise g.GiveUp
        w = self.w
        child = w.const(self.registry.parser(t), "P")
        start = w.temp("b")
        w.emit(1, "%s = {pos}" % start)
        w.emit(1, "%s, {pos} = %s({data}, {pos}, {end}, {state}, %s)" % (self.var(member), child, self.parent_for(t)))
        if self.positions:
            self.where(member, start, "{pos}")
        self.bind(member, self.var(member))

    def align_field(self, member: s.Field, t: s.Align) -> None:
        """Padding up to the next multiple of ``to`` bytes from the struct's start."""
        w = self.w
        pad = w.temp("a")
        w.emit(1, "%s = -({pos} - {start}) %% %d" % (pad, t.to))
        w.emit(1, "if {pos} + %s > {end}:" % pad)
        w.emit(2, "raise {Fail}")
        # bytes other than the fill are kept: the interpreter does that
        w.emit(1, "if %s and {data}[{pos}:{pos} + %s] != %s[:%s]:" % (pad, pad, w.const(t.fill * t.to), pad))
        w.emit(2, "raise {Fail}")
        w.emit(1, "{pos} += %s" % pad)
        self.bind(member, "None")

    # --- values inside regions ---------------------------------------------------

    def value(self, t: s.Node, target: str, end: str, depth: int) -> None:
        """Code that parses ``t`` at ``{pos}`` into ``target``, with ``end`` the end of its region; where no
        emitter writes ``t``, the interpreter parses it in this struct's context (whose ``state.end`` is
        kept equal to ``end``)."""
        w = self.w
        mark = w.mark()
        emitter = VALUE_EMITTERS.get(type(t))
        if emitter is not None:
            try:
                emitter(self, t, target, end, depth)
                return
            except g.GiveUp:
                w.rollback(mark)
        self.why(t, depth)
        w.emit(depth, "%s, {pos} = {parse_node}(%s, {ctx}, {pos}, '')" % (target, w.const(t, "N")))

    def why(self, t: s.Node, depth: int) -> None:
        """A comment above code that hands ``t`` to the interpreter, naming the kind of node (what ``debug``
        shows; the kind is a schema class's name, never text from the model)."""
        if self.comments:
            self.w.emit(depth, "# interpreted: %s (no generated code for this form)" % type(t).__name__,
                        tag=g.COMMENT)

    def struct_value(self, t: s.Struct, target: str, end: str, depth: int) -> None:
        """A compiled struct inside a region: a call to its parser with the region's end."""
        if not self.registry.compilable(t):
            raise g.GiveUp
        child = self.w.const(self.registry.parser(t), "P")
        parent = self.parent_for(t, depth)
        self.w.emit(depth, "%s, {pos} = %s({data}, {pos}, %s, {state}, %s)" % (target, child, end, parent))

    def bytes_value(self, t: s.Bytes, target: str, end: str, depth: int) -> None:
        """Bytes inside a region: sized by a compiled expression or a length prefix, or the rest of the region."""
        if t.measure is not None:
            raise g.GiveUp
        w = self.w
        if t.prefix is not None:
            n = w.temp("n")
            self.value(t.prefix, n, end, depth)  # (a prefix is an unsigned integer type: an int >= 0)
            w.emit(depth, "if {pos} + %s > %s:" % (n, end))
            w.emit(depth + 1, "raise {Fail}")
            w.emit(depth, "%s = {data}[{pos}:{pos} + %s]" % (target, n))
            w.emit(depth, "{pos} += %s" % n)
            return
        if t.greedy:
            w.emit(depth, "%s = {data}[{pos}:%s]" % (target, end))
            w.emit(depth, "{pos} = %s" % end)
            return
        if isinstance(t.size, Lit) and type(t.size.value) is int and t.size.value >= 0:  # (a fixed size)
            k = t.size.value
            w.emit(depth, "if {pos} + %d > %s:" % (k, end))
            w.emit(depth + 1, "raise {Fail}")
            w.emit(depth, "%s = {data}[{pos}:{pos} + %d]" % (target, k))
            w.emit(depth, "{pos} += %d" % k)
            return
        size = self.expr(t.size)  # type: ignore[arg-type]
        if size is None:
            raise g.GiveUp
        n = w.temp("n")
        w.emit(depth, "%s = %s" % (n, size))
        w.emit(depth, "if %s.__class__ is not int or %s < 0 or {pos} + %s > %s:" % (n, n, n, end))
        w.emit(depth + 1, "raise {Fail}")
        w.emit(depth, "%s = {data}[{pos}:{pos} + %s]" % (target, n))
        w.emit(depth, "{pos} += %s" % n)

    def int_value_at(self, t: s.Int, target: str, end: str, depth: int) -> None:
        """An integer ``struct`` has a code for, read at the position."""
        code = INT_CODES.get((t.size, t.signed))
        if code is None:
            raise g.GiveUp
        packer = self.w.const(struct.Struct(ORDER_PREFIX[t.endian or "big"] + code), "S")
        self.read(depth, target + ",", packer, t.size, end)
        self.w.emit(depth, "{pos} += %d" % t.size)

    def array_in_region(self, t: s.Array, target: str, end: str, depth: int) -> None:
        """An array of compiled structs that take bytes (counted, greedy or until=) inside a region."""
        item = t.item
        if t.typed or not isinstance(item, s.Struct) or not self.registry.compilable(item) or not min_size(item):
            raise g.GiveUp
        self.array_value(t, target, end, depth)

    def switch_value(self, t: s.Switch, target: str, end: str, depth: int) -> None:
        """One branch per case (tested in order, as ``Switch.case`` does: ``key_test``), then the default."""
        w = self.w
        key = w.temp("k")
        w.emit(depth, "%s = %s" % (key, self.evaluated(t.on, "switch key")))
        for i, (case_key, node) in enumerate(t.cases):
            w.emit(depth, "%s %s:" % ("if" if i == 0 else "elif", self.key_test(case_key, key)))
            self.value(node, target, end, depth + 1)
        if t.cases:
            w.emit(depth, "else:")
        inner = depth + 1 if t.cases else depth
        if t.default is None:
            w.emit(inner, "raise {Fail}")
        else:
            self.value(t.default, target, end, inner)

    def key_test(self, case_key: Any, key: str) -> str:
        """A template true when ``key`` selects ``case_key`` (``schema.key_matches``): ``==`` for one value; a
        plain int tested inline against a range or a set of plain ints; anything else by ``key_matches``."""
        w = self.w
        if not s.multi_key(case_key):
            return "%s == %s" % (key, w.const(case_key, "key"))
        match = "%s(%s, %s)" % (w.const(s.key_matches, "match"), w.const(case_key, "key"), key)
        if isinstance(case_key, range):
            inline: Any = case_key
        elif all(type(k) is int for k in case_key):
            inline = frozenset(case_key)
        else:
            return match
        return "(%s in %s if %s.__class__ is int else %s)" % (key, w.const(inline, "keys"), key, match)

    def if_value(self, t: s.If, target: str, end: str, depth: int) -> None:
        """A value present when its condition holds (compiled, or evaluated as the interpreter does), else
        None; what it holds is any value ``value`` writes."""
        w = self.w
        w.emit(depth, "if %s:" % self.evaluated(t.condition, "condition"))
        self.value(t.type, target, end, depth + 1)
        w.emit(depth, "else:")
        w.emit(depth + 1, "%s = None" % target)

    def sized_value(self, t: s.Sized, target: str, end: str, depth: int) -> None:
        """A region of a computed size (or a length prefix): its content parsed against the region's end,
        which it must use up."""
        if t.size is None and t.prefix is None:  # (the rest of the region: interpreted)
            raise g.GiveUp
        w = self.w
        n, sub = w.temp("n"), w.temp("e")
        if t.prefix is not None:
            self.value(t.prefix, n, end, depth)
        else:
            w.emit(depth, "%s = %s" % (n, self.evaluated(t.size, "size")))  # type: ignore[arg-type]
        w.emit(depth, "if %s.__class__ is not int or %s < 0 or {pos} + %s > %s:" % (n, n, n, end))
        w.emit(depth + 1, "raise {Fail}")
        w.emit(depth, "%s = {pos} + %s" % (sub, n))
        w.emit(depth, "if {state} is not None:")
        w.emit(depth + 1, "{state}.end = %s" % sub)
        self.value(t.type, target, sub, depth)
        w.emit(depth, "if {pos} != %s:" % sub)
        w.emit(depth + 1, "raise {Fail}")
        w.emit(depth, "if {state} is not None:")
        w.emit(depth + 1, "{state}.end = %s" % end)

    def lazy_value(self, t: s.Lazy, target: str, end: str, depth: int) -> None:
        """A ``Lazy`` type whose target needs nothing from its parents: a call through ``lazy_parser``."""
        node = self.registry.lazy_target(t)
        if node is None:
            raise g.GiveUp
        child = self.w.const(self.registry.lazy_parser(node), "P")
        self.w.emit(depth, "%s, {pos} = %s({data}, {pos}, %s, {state}, None)" % (target, child, end))

    def fallback_value(self, t: s.Fallback, target: str, end: str, depth: int) -> None:
        """The main type's generated code; when it fails, the state as it was, and the other type if the
        interpreter cannot read the main type either (else the interpreter parses everything). Given up
        when either side needs the context: the interpreter then judges the whole fallback."""
        main = self.registry.fallback_main(t)
        if main is None:
            raise g.GiveUp
        w = self.w
        mark = w.mark()
        at, high, region, level = w.temp("f"), w.temp("h"), w.temp("r"), w.temp("l")
        w.emit(depth, "%s = {pos}" % at)
        w.emit(depth, "if {state} is not None:")
        w.emit(depth + 1, "%s, %s, %s = {state}.high, {state}.end, {state}.depth" % (high, region, level))
        w.emit(depth, "try:")
        self.value(t.type, target, end, depth + 1)
        w.emit(depth, "except Exception:")
        w.emit(depth + 1, "{pos} = %s" % at)
        w.emit(depth + 1, "if {state} is not None:")
        w.emit(depth + 2, "{state}.high, {state}.end, {state}.depth = %s, %s, %s" % (high, region, level))
        w.emit(depth + 1, "if {interp_reads}(%s, {data}, {pos}, %s):" % (w.const(main, "N"), end))
        w.emit(depth + 2, "raise {Fail}")
        self.value(t.otherwise, target, end, depth + 1)
        if w.used("ctx", mark):
            raise g.GiveUp

    def mapped_value(self, t: s.Mapped, target: str, end: str, depth: int) -> None:
        """A converted value outside a fused run: its wire value parsed by ``value``, then converted."""
        wire = self.w.temp("m")
        self.value(t.base, wire, end, depth)
        self.w.emit(depth, "%s = %s(%s)" % (target, self.w.const(t.decode, "dec"), wire))

    def parent_for(self, child: s.Struct, depth: int = 1) -> str:
        """What a nested struct gets as ``parent``: None, or a context of the fields parsed so far."""
        if not self.registry.parent_need(child):
            return "None"
        if self.with_ctx:
            return "{ctx}"
        pc = self.w.temp("pc")
        self.w.emit(depth, "%s = {ParseContext}({parent}, {start}, {state})" % pc)
        self.w.emit(depth, "%s.values = {{%s}}" % (pc, ", ".join(
            "%r: %s" % (name, var) for name, var in self.known.items()
            if name in self.fields_by_name and self.fields_by_name[name].stored)))  # (not a count: forms.counted)
        return pc


MEMBER_EMITTERS: Dict[type, Callable[..., None]] = {
    s.Bytes: StructCompiler.bytes_field, s.Array: StructCompiler.array_field, s.Struct: StructCompiler.struct_field,
    s.If: StructCompiler.region_field, s.Align: StructCompiler.align_field,
    s.Switch: StructCompiler.region_field, s.Sized: StructCompiler.region_field,
    s.Lazy: StructCompiler.region_field, s.Fallback: StructCompiler.region_field,
    s.Mapped: StructCompiler.region_field,
}
"""The emitter of each member type that is not part of a fixed run: ``emitter(compiler, member, type)``."""

VALUE_EMITTERS: Dict[type, Callable[..., None]] = {
    s.Struct: StructCompiler.struct_value, s.Bytes: StructCompiler.bytes_value, s.Int: StructCompiler.int_value_at,
    s.Array: StructCompiler.array_in_region, s.Switch: StructCompiler.switch_value, s.Sized: StructCompiler.sized_value,
    s.Lazy: StructCompiler.lazy_value, s.Fallback: StructCompiler.fallback_value,
    s.Mapped: StructCompiler.mapped_value, s.If: StructCompiler.if_value,
}
"""The emitter of each type that can be a value inside a region (a switch case, a sized region's content):
``emitter(compiler, type, target, end, depth)``."""


# --- arrays counted by a length prefix (issue 14): the interpreter reads them ---------------------

def _array_value(compiler: StructCompiler, t: s.Array, target: str, end: str, depth: int) -> None:
    if t.prefix is not None:
        with _forms.counted(compiler, t, end, depth) as plain:
            _array_value(compiler, plain, target, end, depth)
        return
    if _forms.value_array(compiler, t, target, end, depth):
        return
    item = t.item
    if isinstance(t.count, Lit) and not t.typed and isinstance(item, s.Int) and (item.size, item.signed) in INT_CODES:
        # a few integers of a fixed count (a time's seconds and fraction): one unpack_from into a list
        n = t.count.value
        packer = compiler.w.const(struct.Struct(ORDER_PREFIX[item.endian or "big"] + "%d" % n
                                                + INT_CODES[(item.size, item.signed)]), "S")
        compiler.w.emit(depth, "if {pos} + %d > %s:" % (n * item.size, end))
        compiler.w.emit(depth + 1, "raise {Fail}")
        compiler.w.emit(depth, "%s = list(%s.unpack_from({data}, {pos}))" % (target, packer))
        compiler.w.emit(depth, "{pos} += %d" % (n * item.size))
        return
    StructCompiler.array_in_region(compiler, t, target, end, depth)


VALUE_EMITTERS[s.Array] = _array_value

from . import forms as _forms  # noqa: E402,F401  (registers the emitters of the issue-14 forms)
