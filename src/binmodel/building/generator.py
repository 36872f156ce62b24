"""The build code generator: writes ``build_X(o) -> bytes`` for one struct as ``codegen.Line`` templates.

The mirror of ``parsing.generator``: runs of fixed-size members become one ``struct.Struct.pack``,
bytes and arrays become parts, derived lengths and counts are computed from the parts, and the parts
are joined once. Each member's emitter raises ``GiveUp`` for a form it does not write (a string, a
switch, a derivation that is not made of ``len_of``/``count_of`` and arithmetic, ...): the struct is
then built by the interpreter, which also takes over on any failure at run time and gives the bytes
or the exact error. The forms chosen after writing (an attribute read in place where it is used once,
one join for an item list and the parts around it, a list comprehension for an item loop that only
reads attributes) are decided from the tags and uses the writer recorded, never from the text.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from .. import codegen as g
from .. import schema as s
from ..expr import BinOp, CountOf, Expr, LenOf, Lit, Ref, shift_left
from ..fixed import SPLITS, fixed_code, member_endian, same_order, words, zero_padding
from ..sizes import min_size
from ..wire import FLOAT_CODES, INT_CODES, ORDER_PREFIX, byteorder

if TYPE_CHECKING:
    from .compiled import BuildRegistry


def inlinable(item: s.Struct) -> bool:
    """An array item whose build is written inside the array's loop: fixed members and bytes only,
    so inlining never nests."""
    return all(isinstance(m, s.BitGroup) or fixed_code(m) is not None
               or (isinstance(m, s.Field) and isinstance(m.type, (s.Bytes, s.Padding))) for m in item.members)


def fail() -> Any:
    """Raise ``Fail`` from inside an expression (a list comprehension's type check)."""
    raise g.Fail()


def check_float(v: Any) -> None:
    """What ``struct.pack`` would take as a float but the interpreter refuses (bools, strings) fails."""
    if v.__class__ is not float and (isinstance(v, bool) or not isinstance(v, (int, float))):
        raise g.Fail()


def check_bytes(v: Any) -> bytes:
    """The bytes of a bytes-like value; anything else fails."""
    if v.__class__ is bytes:
        return v  # type: ignore[no-any-return]
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    raise g.Fail()


class BuildCompiler:
    """Writes the checks and parts of one struct's bytes (``body``) and its whole function (``compile``).

    ``w``, ``prefix`` and ``obj`` are given when the struct is an array item written inside its array's
    loop: its locals must differ from the owner's, and the item is the loop's variable.
    """

    def __init__(self, node: s.Struct, registry: BuildRegistry, w: Optional[g.Writer] = None,
                 prefix: str = "", obj: str = "{o}") -> None:
        self.node, self.registry = node, registry
        self.w = w if w is not None else g.Writer()
        self.local: Dict[str, str] = {}
        self.fields = {f.name: f for f in node.fields()}
        self.prefix = prefix  # of local variables: an inlined item's differ from its array owner's
        self.obj = obj  # the variable holding the object being built
        self.lists: Dict[str, str] = {}  # part -> the list an item loop appends to (see one_join)

    def var(self, name: str) -> str:
        """The local of a field's value: ``{v3}``, never made from the field's name."""
        if name not in self.local:
            self.local[name] = "{%sv%d}" % (self.prefix, len(self.local))
        return self.local[name]

    def compile(self) -> List[g.Line]:
        """The lines of ``build_X``'s body (depth 1): checks, parts, and the return of the bytes."""
        w = self.w
        for f in self.node.fields():
            w.emit(1, "# %s: %s" % (f.name, g.type_label(f)), tag=g.COMMENT)
        parts = self.body()
        if not self.one_join(parts):
            w.emit(1, "return %s" % (" + ".join(parts) or "b''"))
        return read_in_place(w.lines)

    def body(self) -> List[str]:
        """The checks and parts of ``self.obj``'s bytes, at depth 1; returns the templates of the parts."""
        w, node, o = self.w, self.node, self.obj
        if node.union_size is not None or node.cls is None or any(isinstance(m, s.BitRun) for m in node.members):
            raise g.GiveUp  # (a run of bit fields whose size the data decides: the interpreter's)
        w.emit(1, "if %s.__class__ is not %s:" % (o, w.const(node.cls, "cls")), tag=g.CLASS_CHECK)
        w.emit(2, "raise {Fail}", tag=g.CLASS_CHECK)
        if any(isinstance(m, s.Field) and isinstance(m.type, s.Padding) for m in node.members):
            w.emit(1, "if getattr(%s, '_bm_parsed', None) is not None:" % o)  # (padding kept from a parse)
            w.emit(2, "raise {Fail}")
        for f in node.fields():
            if f.stored:
                w.emit(1, "%s = %s.%s" % (self.var(f.name), o, f.name), tag=g.ATTR_READ,
                       value=(g.name(self.var(f.name)), "%s.%s" % (o, f.name)))
        parts: Dict[str, str] = {}
        for m in node.members:  # variable parts first: derived lengths need them
            if isinstance(m, s.Field) and fixed_code(m) is None and not isinstance(m.type, s.Padding):
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
            if isinstance(m, s.BitGroup) or fixed_code(m) is not None:
                if run and not same_order(run, m):
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
        """A member built as a part of its own, by its type's emitter (``PART_EMITTERS``); GiveUp for a type
        that has none (the interpreter builds the struct). Returns the template of the part's bytes."""
        emitter = PART_EMITTERS.get(type(f.type))
        if emitter is None:
            raise g.GiveUp
        return emitter(self, f.type, self.var(f.name))

    def bytes_part(self, t: s.Bytes, v: str) -> str:
        """Bytes sized by a field or greedy: the field's own local becomes its bytes (checked to be bytes)."""
        if t.prefix is not None or t.measure is not None:
            raise g.GiveUp
        self.w.emit(1, "if %s.__class__ is not {bytes}:" % v)
        self.w.emit(2, "%s = {check_bytes}(%s)" % (v, v))
        return v

    def struct_part(self, t: s.Struct, v: str) -> str:
        """A nested struct: a call to its generated builder."""
        part = self.w.temp("p")
        self.w.emit(1, "%s = %s(%s)" % (part, self.w.const(self.registry.builder(t), "B"), v))
        return part

    def array_part(self, t: s.Array, v: str) -> str:
        """An array: numbers in one ``pack``, structs in an item loop or through their builder."""
        w, item = self.w, t.item
        if t.count is None and not (t.greedy and min_size(item)):  # until= checks stay interpreted
            raise g.GiveUp
        part = w.temp("p")
        if isinstance(item, (s.Int, s.Float)):
            if isinstance(item, s.Float):
                code = FLOAT_CODES[item.bits]
            elif (item.size, item.signed) in INT_CODES:
                code = INT_CODES[(item.size, item.signed)]
            else:
                raise g.GiveUp
            if t.typed:
                w.emit(1, "%s = {typed_bytes}(%s, %s)" % (part, w.const(t, "N"), v))
                return part
            w.emit(1, "if %s.__class__ is not {list}:" % v)
            w.emit(2, "raise {Fail}")
            if isinstance(item, s.Float):  # (ints: struct.pack takes what wire.as_int takes)
                x = w.temp("x")
                w.emit(1, "for %s in %s:" % (x, v))
                w.emit(2, "{check_float}(%s)" % x)
            fmt = w.const(ORDER_PREFIX[item.endian or "big"] + "%d" + code, "fmt")
            w.emit(1, "%s = {pack}(%s %% {len}(%s), *%s)" % (part, fmt, v, v))
            return part
        if not isinstance(item, s.Struct):
            raise g.GiveUp
        if inlinable(item):
            self.item_loop(item, part, v)
            return part
        child = w.const(self.registry.builder(item), "B")
        w.emit(1, "if %s.__class__ is not {list}:" % v)
        w.emit(2, "raise {Fail}")
        w.emit(1, "%s = {join}([%s({x}) for {x} in %s])" % (part, child, v))
        return part

    def item_loop(self, item: s.Struct, part: str, v: str) -> None:
        """The items' parts appended to one list in a loop (no call per item), joined into ``part``; a list
        comprehension when the item only reads attributes into one expression."""
        w = self.w
        w.emit(1, "if %s.__class__ is not {list}:" % v)
        w.emit(2, "raise {Fail}")
        items, x = w.temp("l"), w.temp("x")
        start = w.mark()
        w.emit(1, "%s = []" % items, tag=g.LIST_INIT, value=g.name(items))
        w.emit(1, "for %s in %s:" % (x, v))
        compiler = BuildCompiler(item, self.registry, w, g.name(w.temp("i")) + "_", x)
        w.base += 1
        mark = w.mark()
        pieces = compiler.body()
        body = w.lines[mark:]
        for piece in pieces:  # (an append each is cheaper than += of a tuple)
            w.emit(1, "%s.append(%s)" % (items, piece))
        w.base -= 1
        reads = [line for line in body if line.tag == g.ATTR_READ]
        if len(pieces) == 1 and len(reads) + 2 == len(body) and all(line.tag == g.CLASS_CHECK for line in body[:2]):
            expr = g.Line.parse(0, pieces[0])
            for line in reads:
                expr = expr.replaced(line.value[0], g.Line.parse(0, line.value[1]).parts)
            w.rollback(start)
            w.emit(1, "%s = {join}([%s if %s.__class__ is %s else {fail}() for %s in %s])" % (
                part, expr.template(), x, "{%s}" % body[0].names()[1], x, v))
            return
        w.emit(1, "%s = {join}(%s)" % (part, items), tag=g.LIST_JOIN, value=g.name(part))
        self.lists[part] = items

    def one_join(self, parts: List[str]) -> bool:
        """When one part is an item loop's list joined (``p2 = join(l3)``) and nothing else uses that part,
        the other parts go into the same list and one join makes the bytes: no join followed by
        ``A + p2 + B``, which copies the items' bytes twice more. Returns whether it wrote the return."""
        w = self.w
        lists = [p for p in parts if p in self.lists]
        if len(parts) < 2 or len(lists) != 1:
            return False
        part, items = lists[0], self.lists[lists[0]]
        init = [i for i, line in enumerate(w.lines) if line.tag == g.LIST_INIT and line.value == g.name(items)]
        joined = [i for i, line in enumerate(w.lines) if line.tag == g.LIST_JOIN and line.value == g.name(part)]
        if len(init) != 1 or len(joined) != 1 or sum(line.uses(g.name(part)) for line in w.lines) != 1:
            return False
        k = parts.index(part)
        w.lines[init[0]] = g.Line.parse(1, "%s = [%s]" % (items, ", ".join(["None"] * k)), g.LIST_INIT, g.name(items))
        del w.lines[joined[0]]
        for i, before in enumerate(parts[:k]):  # (computed after the loop, as they would have been)
            w.emit(1, "%s[%d] = %s" % (items, i, before))
        for after in parts[k + 1:]:
            w.emit(1, "%s.append(%s)" % (items, after))
        w.emit(1, "return {join}(%s)" % items)
        return True

    def derived(self, f: s.Field, parts: Dict[str, str]) -> None:
        """A derived integer: its value computed from the parts, and a value the user set checked against it."""
        if not isinstance(f.type, s.Int):  # a bit field, a varint, a text number...
            raise g.GiveUp
        w = self.w
        value = self.derive_expr(f.derive, parts)  # type: ignore[arg-type]
        computed = w.temp("d")
        w.emit(1, "%s = %s" % (computed, value))
        typed = self.var(f.name)
        # equal: the common case; otherwise the interpreter decides: a value the user typed must agree,
        # one that came from parsing stands or is recomputed (BuildContext._derive)
        w.emit(1, "if %s != %s and %s is not None:" % (typed, computed, typed))
        w.emit(2, "raise {Fail}")
        self.local[f.name] = computed  # from here on, the field's value is the computed one

    def derive_expr(self, e: Expr, parts: Dict[str, str]) -> str:
        """A derivation made of literals, ``len_of`` of parts, ``count_of`` of arrays, ``+ - *``."""
        if isinstance(e, Lit) and type(e.value) is int:  # written as text: only a plain int
            return repr(e.value)
        if isinstance(e, LenOf) and all(n in parts for n in e.names):
            return " + ".join("{len}(%s)" % parts[n] for n in e.names)
        if isinstance(e, CountOf) and e.names[0] in parts and isinstance(self.fields[e.names[0]].type, s.Array):
            t = self.fields[e.names[0]].type
            if t.typed:  # type: ignore[attr-defined]
                return "{len}(%s) // %d" % (parts[e.names[0]], t.item.size)  # type: ignore[attr-defined]
            return "{len}(%s)" % self.var(e.names[0])
        if isinstance(e, BinOp) and e.op in ("+", "-", "*"):
            return "(%s %s %s)" % (self.derive_expr(e.left, parts), e.op, self.derive_expr(e.right, parts))
        raise g.GiveUp

    def measured_by_derive(self, f: s.Field) -> bool:
        """Whether ``f``'s size (count) is a field just derived as ``len_of(f)`` (``count_of(f)``): equal by
        construction, so no check is written."""
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
        """A size or count that references a field must agree with what the value holds."""
        t = f.type
        rule = t.size if isinstance(t, s.Bytes) else t.count if isinstance(t, s.Array) else None
        if rule is None:
            return
        if isinstance(t, s.Array) and t.typed:
            measure = "{len}(%s) // %d" % (part, t.item.size)  # type: ignore[attr-defined]
        else:
            measure = "{len}(%s)" % (part if isinstance(t, s.Bytes) else self.var(f.name))
        self.w.emit(1, "if %s != %s:" % (measure, self.ref_expr(rule)))
        self.w.emit(2, "raise {Fail}")

    def ref_expr(self, e: Expr) -> str:
        """Sizes and counts the builder checks: literals, references to this struct's stored fields, arithmetic."""
        if isinstance(e, Lit) and type(e.value) is int:  # written as text: only a plain int
            return repr(e.value)
        if isinstance(e, Ref) and e.path and e.path[0] in self.fields and self.fields[e.path[0]].stored:
            return self.var(e.path[0]) + "".join("." + p for p in e.path[1:])
        if isinstance(e, BinOp):
            if e.op == "<<":  # (bounded: see expr.shift_left)
                return "%s(%s, %s)" % (self.w.const(shift_left, "shl"), self.ref_expr(e.left), self.ref_expr(e.right))
            return "(%s %s %s)" % (self.ref_expr(e.left), e.op, self.ref_expr(e.right))
        raise g.GiveUp

    # fixed runs -------------------------------------------------------------------------

    def pack(self, run: List[Any]) -> str:
        """One ``struct.pack`` of a run of fixed members (same byte order)."""
        w = self.w
        orders = [o for o in (member_endian(m) for m in run) if o is not None]
        fmt = (ORDER_PREFIX[orders[0]] if orders else "<") + "".join(fixed_code(m) or "" for m in run)
        args = []
        for m in run:
            arg = self.fixed_value(m)
            if arg is not None:
                args.append(arg)
        return "%s.pack(%s)" % (w.const(struct.Struct(fmt), "S"), ", ".join(args))

    def fixed_value(self, m: Any) -> Optional[str]:
        """The argument a fixed member gives to its run's ``pack`` (None for zero padding)."""
        if isinstance(m, s.BitGroup):
            return self.bits_value(m)
        w, t = self.w, m.type
        v = self.var(m.name)
        if isinstance(t, s.Padding):
            return None if zero_padding(t) else w.const(t.fill * t.size)
        if isinstance(t, s.Const):
            if not isinstance(t.type, (s.Int, s.Bytes)):
                raise g.GiveUp
            w.emit(1, "if %s is not None and %s != %s:" % (v, v, w.const(t.value)))
            w.emit(2, "raise {Fail}")
            return self.encode_fixed(t.type, w.const(t.value))
        return self.encode_fixed(t, v)

    def bits_value(self, m: s.BitGroup) -> str:
        """A bit group's word(s), with the checks that every field is an int that fits."""
        w = self.w
        if any(f.derive is not None for f in m.fields):
            raise g.GiveUp
        fields = [(f, at, bits) for f, at, bits in m.positions() if f.stored]
        if any(type(f.type) is s.BitPad for f in m.fields):  # padding bits kept from a parse: the interpreter
            w.emit(1, "if getattr(%s, '_bm_parsed', None) is not None:" % self.obj)
            w.emit(2, "raise {Fail}")
        types, ranges, signs = [], [], []
        for f, _at, bits in fields:  # exact ints only: a numpy int would wrap in the shifts below
            v = self.var(f.name)
            if f.type.enum is not None:  # type: ignore[attr-defined]  # (a member is an int: the shifts take it)
                types.append("%s.__class__ is not {int} and %s.__class__ is not %s" % (v, v, w.const(f.type.enum, "E")))  # type: ignore[attr-defined]
            else:
                types.append("%s.__class__ is not {int}" % v)
            if f.type.signed:  # type: ignore[attr-defined]
                ranges.append("not %d <= %s <= %d" % (-(1 << (bits - 1)), v, (1 << (bits - 1)) - 1))
            else:  # (plain comparisons of ints are the cheapest test CPython has)
                ranges.append("%s > %d" % (v, (1 << bits) - 1))
                signs.append("%s < 0" % v)
        if fields:
            w.emit(1, "if %s:" % " or ".join(types + ranges + signs))
            w.emit(2, "raise {Fail}")

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

        spans = [(lo, n) for _, lo, n in words(m)] if m.size in SPLITS else []
        if spans and all(any(lo <= a and a + b <= lo + n for lo, n in spans) for _, a, b in fields):
            return ", ".join(word_of(lo, n) for lo, n in spans)  # each field inside one word: no whole group
        word = w.temp("g")
        w.emit(1, "%s = %s" % (word, word_of(0, 8 * m.size)))
        if m.size in (1, 2, 4, 8):
            return word
        if spans:  # the words the parser reads (see fixed_code)
            return ", ".join("%s >> %d & %d" % (word, lo, (1 << n) - 1) if lo else "%s & %d" % (word, (1 << n) - 1)
                             for lo, n in spans)
        return "%s.to_bytes(%d, %r)" % (word, m.size, byteorder(m.endian))

    def encode_fixed(self, t: s.Node, v: str) -> str:
        """A number, bool or fixed bytes as ``pack`` takes it, with the checks the interpreter makes."""
        w = self.w
        if isinstance(t, s.Int):
            if t.size in (1, 2, 4, 8):  # struct.pack takes what wire.as_int takes, and checks the range
                return v
            w.emit(1, "if not %d <= %s <= %d:" % (t.min, v, t.max))
            w.emit(2, "raise {Fail}")
            return "%s.to_bytes(%d, %r, signed=%r)" % (v, t.size, byteorder(t.endian), t.signed)
        if isinstance(t, s.Float):
            w.emit(1, "if %s.__class__ is not {float}:" % v)
            w.emit(2, "{check_float}(%s)" % v)
            w.emit(1, "if %s.__class__ is {NaN}:" % v)  # a NaN read from data keeps its bits: the interpreter
            w.emit(2, "raise {Fail}")
            return v
        if isinstance(t, s.Bool):
            w.emit(1, "if %s is not True and %s is not False:" % (v, v))
            w.emit(2, "raise {Fail}")
            return v
        if isinstance(t, s.Bytes):
            w.emit(1, "if {len}({check_bytes}(%s)) != %d:" % (v, t.size.value))  # type: ignore[union-attr]
            w.emit(2, "raise {Fail}")
            return v
        if isinstance(t, (s.Enum, s.Flags)):  # a member of the class; anything else goes to the interpreter
            cls = t.enum if isinstance(t, s.Enum) else t.flags
            number = w.temp("m")
            w.emit(1, "if %s.__class__ is %s:" % (v, w.const(cls, "E")))
            w.emit(2, "%s = %s._value_" % (number, v))
            if isinstance(t, s.Enum) and not t.strict:  # a plain int is a value too
                w.emit(1, "elif %s.__class__ is {int}:" % v)
                w.emit(2, "%s = %s" % (number, v))
            w.emit(1, "else:")
            w.emit(2, "raise {Fail}")
            return self.encode_fixed(t.base, number)
        if isinstance(t, s.Mapped):  # the wire value of a converted one: the conversion, a constant, called
            wire = w.temp("m")
            w.emit(1, "%s = %s(%s)" % (wire, w.const(t.encode, "enc"), v))
            return self.encode_fixed(t.base, wire)
        raise g.GiveUp

    def mapped_part(self, t: s.Mapped, v: str) -> str:
        """A converted value built as a part: its wire value (``encode``), then the base type's part."""
        emitter = PART_EMITTERS.get(type(t.base))
        if emitter is None:
            raise g.GiveUp
        base = t.base
        rule = base.size if isinstance(base, s.Bytes) else base.count if isinstance(base, s.Array) else None
        if rule is not None and not (isinstance(rule, Lit) and type(rule.value) is int):
            raise g.GiveUp  # (a size from another field: the interpreter checks it)
        wire = self.w.temp("m")
        self.w.emit(1, "%s = %s(%s)" % (wire, self.w.const(t.encode, "enc"), v))
        part = emitter(self, base, wire)
        if rule is not None:  # the wire value must have the size parsing reads
            self.w.emit(1, "if {len}(%s) != %d:" % (part if isinstance(base, s.Bytes) else wire, rule.value))
            self.w.emit(2, "raise {Fail}")
        return part


PART_EMITTERS: Dict[type, Callable[..., str]] = {
    s.Bytes: BuildCompiler.bytes_part, s.Array: BuildCompiler.array_part, s.Struct: BuildCompiler.struct_part,
    s.Mapped: BuildCompiler.mapped_part,
}
"""The emitter of each member type built as a part of its own: ``emitter(compiler, type, local) -> part``
(the template of an expression for the part's bytes). Fixed-size members are packed in runs instead."""


def read_in_place(lines: List[g.Line]) -> List[g.Line]:
    """An attribute read into a local that one later line of the same block uses once is read on that line
    (``v0 = o.magic`` ... ``return S.pack(v0, ...)`` becomes ``return S.pack(o.magic, ...)``; the same
    for an item's fields inside its loop). That line runs once whenever the read did, so a missing
    attribute fails as before; nothing between the two assigns to an object's attributes."""
    lines = list(lines)
    i = 0
    while i < len(lines):
        read = lines[i]
        use = _single_use(lines, i, read.value[0]) if read.tag == g.ATTR_READ else None
        if use is None:
            i += 1
            continue
        lines[use] = lines[use].replaced(read.value[0], g.Line.parse(0, read.value[1]).parts)
        del lines[i]
    return lines


def _single_use(lines: List[g.Line], at: int, local: str) -> Optional[int]:
    """The index of the only line after ``at`` using ``local``, if it uses it once and sits in the same
    block at the same depth (every line between as deep or deeper); else None."""
    found = None
    for j, line in enumerate(lines):
        count = line.uses(local)
        if j == at or not count:
            continue
        if found is not None or count > 1 or j < at:
            return None
        found = j
    depth = lines[at].depth
    if found is None or lines[found].depth != depth:
        return None
    if any(line.depth < depth for line in lines[at + 1:found]):
        return None
    return found


HELPERS: Dict[str, Any] = {
    "Fail": g.Fail, "int": int, "len": len, "float": float, "list": list, "join": b"".join, "bytes": bytes,
    "check_float": check_float, "check_bytes": check_bytes, "fail": fail, "pack": struct.pack,
}
"""What generated builders call, under ``{name}``; the NaN type and ``typed_bytes`` are added by
``building.compiled`` (they live with the interpreter)."""


def _array_part_forms(compiler: BuildCompiler, t: s.Array, local: str) -> str:
    """Arrays counted by a length prefix (issue 14) are the interpreter's."""
    if t.prefix is not None:
        raise g.GiveUp
    return BuildCompiler.array_part(compiler, t, local)


PART_EMITTERS[s.Array] = _array_part_forms
