"""Generated code for the forms issue 14 added: terminated and padded bytes and text, ``valid=``
constraints, transformed regions, byte order decided by the data, arrays of converted values.

Registered into ``generator.VALUE_EMITTERS`` and ``generator.MEMBER_EMITTERS`` when the generator is
imported. As everywhere in generated code, nothing here builds an error: a value the interpreter would
refuse (no terminator, a constraint that does not hold, bytes a transform cannot decode) raises, and
the entry runs the interpreter, which gives the exact ``ParseError``. Where the outcome depends on
rules the interpreter keeps in one place (padding, kept regions, stored bytes of a transform), the
code calls those same functions (``regions``, ``ended``, ``valid``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import struct
import sys
from typing import Any, Iterator, List, Optional

from .. import codegen as g
from .. import schema as s
from .. import valid
from ..ended import OpenBytes, OpenStr
from ..expr import Expr, Ref
from ..sizes import min_size
from ..wire import FLOAT_CODES, ORDER_PREFIX, byteorder, code_unit, find_terminator
from .generator import DATA_END, MEMBER_EMITTERS, VALUE_EMITTERS, StructCompiler, enum_converter
from .regions import finish_transformed, region_bytes, region_text


def _count(c: StructCompiler, e: Expr, depth: int) -> str:
    """A size or count at ``depth``: a local known to be an int >= 0 (GiveUp when it needs the interpreter)."""
    src = c.expr(e)
    if src is None:
        raise g.GiveUp
    n = c.w.temp("n")
    c.w.emit(depth, "%s = %s" % (n, src))
    c.w.emit(depth, "if %s.__class__ is not int or %s < 0:" % (n, n))
    c.w.emit(depth + 1, "raise {Fail}")
    return n


def _region_size(c: StructCompiler, t: Any, end: str, depth: int) -> str:
    """How many bytes a sized ``TermBytes``/``String`` takes from ``{pos}`` (its length prefix read first),
    checked to be inside the region."""
    w = c.w
    if getattr(t, "prefix", None) is not None:
        n = w.temp("n")
        c.value(t.prefix, n, end, depth)  # (a prefix is an unsigned integer type: an int >= 0)
    elif t.greedy:
        n = w.temp("n")
        w.emit(depth, "%s = %s - {pos}" % (n, end))
        w.emit(depth, "if %s < 0:" % n)
        w.emit(depth + 1, "%s = 0" % n)
    else:
        n = _count(c, t.size, depth)
    w.emit(depth, "if {pos} + %s > %s:" % (n, end))
    w.emit(depth + 1, "raise {Fail}")
    return n


def _ended(c: StructCompiler, t: Any, target: str, end: str, depth: int, unit: int, open_kind: type) -> None:
    """Lines that read up to ``t.terminator`` into ``target`` (its bytes), as ``ended.scan`` does: the
    value ends at the terminator (``include``: with it), the next field starts after it (``consume``) or
    at it; ``eos_error=False``: the end of the region may come first (an ``open_kind`` value)."""
    w = c.w
    term = t.terminator
    i = w.temp("t")
    if unit == 1:  # (whole code units: find_terminator's loop is only for wider ones)
        w.emit(depth, "%s = {data}.find(%s, {pos}, %s)" % (i, w.const(term, "term"), end))
    else:
        w.emit(depth, "%s = %s({data}, {pos}, %s, %s, %d)" % (i, w.const(find_terminator, "find"), end,
                                                               w.const(term, "term"), unit))
    w.emit(depth, "if %s < 0:" % i)
    if t.eos_error:
        w.emit(depth + 1, "raise {Fail}")
    else:
        w.emit(depth + 1, "%s = %s({data}[{pos}:%s])" % (target, w.const(open_kind, "open"), end))
        w.emit(depth + 1, "{pos} = %s" % end)
        w.emit(depth, "else:")
        depth += 1
    stop = "%s + %d" % (i, len(term))
    w.emit(depth, "%s = {data}[{pos}:%s]" % (target, stop if t.include else i))
    w.emit(depth, "{pos} = %s" % (stop if t.consume else i))


def term_bytes_value(c: StructCompiler, t: s.TermBytes, target: str, end: str, depth: int) -> None:
    """Bytes up to a terminator, or a sized region cut by padding and terminator (``regions.region_bytes``)."""
    w = c.w
    if t.size is None and not t.greedy:
        if t.terminator is None:
            raise g.GiveUp
        _ended(c, t, target, end, depth, 1, OpenBytes)
        return
    n = _region_size(c, t, end, depth)
    w.emit(depth, "%s = %s(%s, {data}[{pos}:{pos} + %s])" % (target, w.const(region_bytes, "cut"),
                                                            w.const(t, "N"), n))
    w.emit(depth, "{pos} += %s" % n)


def string_value(c: StructCompiler, t: s.String, target: str, end: str, depth: int) -> None:
    """Text: ended by a terminator (then decoded), or a region (fixed size, prefix, the rest) cut and decoded
    as ``regions.region_text`` does. A decoding error raises: the interpreter names the bad byte."""
    w = c.w
    unit = code_unit(t.encoding)
    if t.terminator is not None and t.size is None and t.prefix is None and not t.greedy:
        raw = w.temp("s")
        _ended(c, t, raw, end, depth, unit, OpenBytes)
        decoded = "%s.decode(%s)" % (raw, w.const(t.encoding, "enc"))
        if t.eos_error:
            w.emit(depth, "%s = %s" % (target, decoded))
        else:  # (an open value stays open: OpenStr)
            w.emit(depth, "%s = %s if %s.__class__ is bytes else %s(%s)" % (
                target, decoded, raw, w.const(OpenStr, "open"), decoded))
        return
    if t.size is None and t.prefix is None and not t.greedy:
        raise g.GiveUp
    n = _region_size(c, t, end, depth)
    w.emit(depth, "%s = %s(%s, {data}[{pos}:{pos} + %s], '', {pos})" % (target, w.const(region_text, "text"),
                                                                       w.const(t, "N"), n))
    w.emit(depth, "{pos} += %s" % n)


# --- valid= -------------------------------------------------------------------------------------------

def holds(c: StructCompiler, constraint: Any, value: str, depth: int) -> str:
    """A template that is true when ``value`` (a local) meets ``constraint``, as ``Constraint.holds`` says:
    compiled for equality, ranges, any-of and expressions over the locals (``this._value`` is the value),
    a call of the constraint's own check for the rest."""
    w = c.w
    if isinstance(constraint, valid._Equal):
        return "%s == %s" % (value, w.const(constraint.value, "eq"))
    if isinstance(constraint, valid._InRange):  # (a plain int inline; an enum or a bool: the constraint decides)
        return "(%s in %s if %s.__class__ is int else %s(%s, None))" % (
            value, w.const(constraint.range, "range"), value, w.const(constraint.holds, "holds"), value)
    if isinstance(constraint, valid._Function):
        return "%s(%s)" % (w.const(constraint.func, "valid"), value)
    parts = _value_exprs(c, constraint, value)
    if parts is not None:
        if isinstance(constraint, valid.AnyOf):
            return "(%s)" % " or ".join("%s == %s" % (value, p) for p in parts)
        if isinstance(constraint, valid.Range):
            tests = []
            if constraint.min is not None:
                tests.append("%s <= %s" % (parts.pop(0), value))
            if constraint.max is not None:
                tests.append("%s <= %s" % (value, parts.pop(0)))
            return "(%s)" % " and ".join(tests)
        if isinstance(constraint, valid._Condition):
            return parts[0]
    # (any other constraint, or one over fields the locals do not hold: its own check, in the context)
    return "%s(%s, %s, {ctx}) is None" % (w.const(valid.check, "check"), w.const(constraint, "C"), value)


def _value_exprs(c: StructCompiler, constraint: Any, value: str) -> Optional[List[str]]:
    """The compiled expressions of an any-of, range or condition constraint, in the order it evaluates them,
    with ``this._value`` the value's local; None when one needs the interpreter."""
    if not isinstance(constraint, (valid.AnyOf, valid.Range, valid._Condition)):
        return None
    exprs = list(constraint.exprs())
    had = c.known.get("_value")
    c.known["_value"] = value
    try:
        parts = [c.expr(e) for e in exprs]
    finally:
        if had is None:
            del c.known["_value"]
        else:
            c.known["_value"] = had
    return None if None in parts else parts  # type: ignore[return-value]


def valid_value(c: StructCompiler, t: s.Valid, target: str, end: str, depth: int) -> None:
    """The value, then its constraint: when it does not hold, the interpreter gives the error."""
    c.value(t.type, target, end, depth)
    c.w.emit(depth, "if not %s:" % holds(c, t.constraint, target, depth))
    c.w.emit(depth + 1, "raise {Fail}")


def unless_end_value(c: StructCompiler, t: s.UnlessEnd, target: str, end: str, depth: int) -> None:
    """A value present unless its region ends where it would start: None there when it takes bytes (it could
    not be read), else it is read there too, as the interpreter tries it (where that fails, the interpreter's
    None comes from the interpreter)."""
    w = c.w
    w.emit(depth, "if {pos} < %s:" % end)
    c.value(t.type, target, end, depth + 1)
    w.emit(depth, "else:")
    if min_size(t.type):
        w.emit(depth + 1, "%s = None" % target)
    else:
        c.value(t.type, target, end, depth + 1)


# --- byte order decided by the data ------------------------------------------------------------------------

def byte_order_value(c: StructCompiler, t: s.ByteOrder, target: str, end: str, depth: int) -> None:
    """A field whose byte order a rule picks from the fields before it (``Endian``): the rule's key, then one
    branch per order its cases give (tested in order, as ``Endian.decide`` does), each the field's variant."""
    w, rule = c.w, t.rule
    key = w.temp("k")
    w.emit(depth, "%s = %s" % (key, c.evaluated(rule.on, "byte order")))
    if rule.condition:
        branches = [(key, rule.cases[0][1])]
    else:
        branches = [(c.key_test(k, key), order) for k, order in rule.cases]
    for i, (test, order) in enumerate(branches):
        w.emit(depth, "%s %s:" % ("if" if i == 0 else "elif", test))
        c.value(t.variant(_order(order)), target, end, depth + 1)
    w.emit(depth, "else:")
    if rule.default is None:
        w.emit(depth + 1, "raise {Fail}")
    else:
        c.value(t.variant(_order(rule.default)), target, end, depth + 1)


def _order(order: str) -> str:
    return sys.byteorder if order == "native" else order


# --- transformed regions ----------------------------------------------------------------------------------

def transformed_value(c: StructCompiler, t: s.Transformed, target: str, end: str, depth: int) -> None:
    """The stored bytes, decoded by the transform; the decoded bytes themselves, or a compiled struct (named
    or through ``Lazy``) that needs nothing of the parse around it, parsed from them and using them up
    (``regions.finish_transformed`` keeps what a build needs, as the interpreter does)."""
    w = c.w
    inner, parser = t.type, None
    if isinstance(inner, s.Lazy):  # (a .ksy type: its parser through lazy_parser, which counts the levels)
        inner = c.registry.lazy_target(inner)
        if inner is None or c.registry.needs_state(inner):
            raise g.GiveUp
        parser = c.registry.lazy_parser(inner)
    elif inner is not None:
        if not (isinstance(inner, s.Struct) and c.registry.compilable(inner) and not c.registry.parent_need(inner)
                and not c.registry.needs_state(inner)):
            raise g.GiveUp
        parser = c.registry.parser(inner)
    raw, arg, decoded = w.temp("x"), w.temp("xa"), w.temp("xd")
    c.value(t.base, raw, end, depth)
    w.emit(depth, "%s = %s" % (arg, "None" if t.arg is None else c.evaluated(t.arg, "transform argument")))
    w.emit(depth, "%s = %s.decode(bytes(%s), %s)" % (decoded, w.const(t.process, "T"), raw, arg))
    if parser is None:
        value = decoded
    else:
        value, after = w.temp("xv"), w.temp("xe")
        w.emit(depth, "%s, %s = %s(%s, 0, len(%s), None, None)" % (value, after, w.const(parser, "P"), decoded,
                                                                  decoded))
        w.emit(depth, "if %s != len(%s):" % (after, decoded))
        w.emit(depth + 1, "raise {Fail}")
    w.emit(depth, "%s = %s(%s, %s, %s, %s, %s)" % (target, w.const(finish_transformed, "kept"), w.const(t, "N"),
                                                   value, decoded, raw, arg))


# --- values that are not part of a fused run: computed values, enums, floats ----------------------------------

def computed_value(c: StructCompiler, t: s.Computed, target: str, end: str, depth: int) -> None:
    """A value that takes no bytes: its expression over the locals (or evaluated as the interpreter does)."""
    c.w.emit(depth, "%s = %s" % (target, c.evaluated(t.expr, "computed value")))


def enum_value(c: StructCompiler, t: s.Enum, target: str, end: str, depth: int) -> None:
    """An enum read on its own (a switch case, an array item): its number, then the member, as in a fused run."""
    if not isinstance(t.base, s.Int):
        raise g.GiveUp
    w, raw = c.w, c.w.temp("r")
    c.value(t.base, raw, end, depth)
    w.emit(depth, "%s = %s.get(%s)" % (target, w.const(getattr(t.enum, "_value2member_map_", {}), "vm"), raw))
    w.emit(depth, "if %s is None:" % target)
    w.emit(depth + 1, "%s = %s(%s)" % (target, w.const(enum_converter(t.enum, t.strict), "e"), raw))


def float_value(c: StructCompiler, t: s.Float, target: str, end: str, depth: int) -> None:
    """A float read on its own; a NaN (whose payload the interpreter keeps) goes to the interpreter."""
    packer = c.w.const(struct.Struct(ORDER_PREFIX[byteorder(t.endian)] + FLOAT_CODES[t.bits]), "S")
    c.read(depth, target + ",", packer, t.size, end)
    c.w.emit(depth, "if %s != %s:" % (target, target))
    c.w.emit(depth + 1, "raise {Fail}")
    c.w.emit(depth, "{pos} += %d" % t.size)


def value_array(c: StructCompiler, t: s.Array, target: str, end: str, depth: int) -> bool:
    """A counted or greedy array of values that are not structs or numbers (bytes, text, switches...) whose
    items each take at least one byte: a loop over the item's generated code. False (nothing written) for
    other arrays, or when an item needs the interpreter (its context would not know the item's index)."""
    item = t.item
    if (t.typed or t.on_error is not None or t.until is not None or t.prefix is not None
            or isinstance(item, (s.Struct, s.Int, s.Float)) or (t.count is None and not t.greedy)
            or not min_size(item)):
        return False
    w = c.w
    mark = w.mark()
    try:
        if t.count is not None:
            n = c.item_count(t, end, depth)
            w.emit(depth, "%s = []" % target)
            w.emit(depth, "for _ in range(%s):" % n)
        else:
            w.emit(depth, "%s = []" % target)
            w.emit(depth, "while {pos} < %s:" % end)
        x = w.temp("x")
        c.value(item, x, end, depth + 1)
        w.emit(depth + 1, "%s.append(%s)" % (target, x))
    except g.GiveUp:
        w.rollback(mark)
        return False
    if w.used("ctx", mark):
        w.rollback(mark)
        return False
    return True


# --- arrays counted by a prefix, arrays of converted values --------------------------------------------------

@contextlib.contextmanager
def counted(c: StructCompiler, t: s.Array, end: str, depth: int) -> Iterator[s.Array]:
    """An array counted by a length prefix as a counted array: the prefix read into a local, which the
    array's count names (under a name no field can have) while its code is written."""
    n = c.w.temp("n")
    c.value(t.prefix, n, end, depth)  # type: ignore[arg-type]
    c.unsigned.add(n)  # (a prefix is an unsigned integer type: an int >= 0)
    name = "(count %s)" % n
    c.known[name] = n
    try:
        yield dataclasses.replace(t, count=Ref((name,)), prefix=None)
    finally:
        del c.known[name]


def array_member(c: StructCompiler, member: s.Field, t: s.Array) -> None:
    """An array member; a counted array of converted numbers (``Array(UnixTime(i32), count=n)``) is one read
    of the numbers, then the conversion of each, in order (the first that fails: the interpreter's error)."""
    if t.prefix is not None:
        if c.positions:  # (its bytes would have to start at the prefix)
            raise g.GiveUp
        with counted(c, t, DATA_END, 1) as plain:
            array_member(c, member, plain)
        return
    item = t.item
    if value_array(c, t, c.var(member), DATA_END, 1):
        c.bind(member, c.var(member))
        return
    if not (isinstance(item, s.Mapped) and isinstance(item.base, s.Int) and item.base.size in (1, 2, 4, 8)
            and not t.typed and t.count is not None):
        StructCompiler.array_field(c, member, t)
        return
    StructCompiler.array_field(c, member, dataclasses.replace(t, item=item.base))
    var, x = c.var(member), c.w.temp("x")
    c.w.emit(1, "%s = [%s(%s) for %s in %s]" % (var, c.w.const(item.decode, "dec"), x, x, var))
    c.bind(member, var)


VALUE_EMITTERS.update({
    s.TermBytes: term_bytes_value, s.String: string_value, s.Valid: valid_value, s.Transformed: transformed_value,
    s.ByteOrder: byte_order_value, s.Computed: computed_value, s.Enum: enum_value, s.Float: float_value,
    s.UnlessEnd: unless_end_value,
})
MEMBER_EMITTERS[s.Array] = array_member
for _kind in (s.TermBytes, s.String, s.Valid, s.Transformed, s.ByteOrder, s.Computed, s.UnlessEnd):
    MEMBER_EMITTERS[_kind] = StructCompiler.region_field
