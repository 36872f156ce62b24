"""Kaitai expressions as binmodel expressions: ``this.x``, arithmetic, ``where(...)``, or a function.

``binmodel.kaitai.expr`` is the public face.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from .evaluation import METHODS, Env, evaluate, kaitai_div
from .syntax import (
    ArrayLit,
    Attr,
    Binary,
    Bool,
    Cast,
    EnumRef,
    KaitaiExprError,
    Name,
    Node,
    Num,
    SizeOf,
    Str,
    Ternary,
    Unary,
    UnsupportedExpr,
    names_used,
    unparse,
    walk,
)

MAX_NATIVE_SHIFT = 4096
"""A left shift is plain arithmetic only by a literal up to this; else the evaluator, which refuses larger
shifts (``1 << n`` with ``n`` from the data must not allocate what the data did not pay for)."""


IO_ATTRS = ("pos", "size", "eof")
"""What binmodel knows of Kaitai's ``_io`` while parsing: ``this._io.pos``, ``.size`` and ``.eof`` of the
region being parsed."""


IO_UNSUPPORTED = ("_io is not supported yet (Kaitai's stream object; binmodel has _io.pos, _io.size and _io.eof "
                  "of the region being parsed)")


def translate(node: Node, resolve: Callable[[Name], Optional[Any]], env: Env, text: str = "",
              kind: Optional[Callable[[Node], Optional[str]]] = None) -> Any:
    """A binmodel expression for ``node``: ``this.x`` references, arithmetic, comparisons and ``where``
    where binmodel has them, and a function over the struct being parsed (the evaluator, over the
    struct's view) for a part it has not (``.to_s``, indexing, integer ``/`` of values not known to be
    integers). ``resolve(name)`` gives the binmodel expression for a field or a value instance (or None:
    not one); ``kind(node)`` its static kind where known (``binmodel.kaitai.statics``): integer ``/`` and
    ``-x`` become arithmetic, bytes compared with ``[..]`` a comparison of bytes. A part that only Kaitai's
    run time could give (``_io``, ``sizeof``) is an ``UnsupportedExpr``."""
    from .. import expr as bx

    source = text or unparse(node)
    io_reads = {id(n.obj) for n in walk(node) if isinstance(n, Attr) and n.name in IO_ATTRS}
    for n in walk(node):
        if isinstance(n, Name) and n.name == "_sizeof":
            raise UnsupportedExpr("_sizeof (the size of a value) is not supported yet", source, n.pos if text else None)
        if isinstance(n, Name) and n.name == "_io" and id(n) not in io_reads:
            raise UnsupportedExpr(IO_UNSUPPORTED, source, n.pos if text else None)
        if isinstance(n, SizeOf) or (isinstance(n, Attr) and n.name == "_sizeof"):  # (the importer gives sizeof<t>)
            raise UnsupportedExpr("%s are not supported yet" % ("sizeof<...> of a type" if isinstance(n, SizeOf)
                                                                 else "._sizeof (the size of a value)"),
                                  source, n.pos if text else None)
        if isinstance(n, Attr) and n.name == "_io":
            raise UnsupportedExpr(IO_UNSUPPORTED, source, n.pos if text else None)

    def fallback(sub: Node) -> Any:
        if not names_used(sub):  # a constant (enum_0::animal::cat.to_i, "abc".length): its value
            try:
                return bx.Lit(evaluate(sub, None, env))
            except KaitaiExprError:
                pass  # fails when the data is read, as Kaitai's generated code does
        return bx.Call(_KaitaiFunction(sub, env, unparse(sub)))

    def kind_of(sub: Node) -> Optional[str]:
        return kind(sub) if kind is not None else ("int" if _is_int_literal(sub) else None)

    def byte_literal(sub: Node) -> Optional[bytes]:
        if isinstance(sub, ArrayLit) and all(_is_int_literal(i) and 0 <= i.value <= 255 for i in sub.items):  # type: ignore[attr-defined]
            return bytes(i.value for i in sub.items)  # type: ignore[attr-defined]
        return None

    def go(n: Node) -> Any:
        if isinstance(n, (Num, Str, Bool)):
            return bx.Lit(n.value)
        if isinstance(n, EnumRef) and env.enum is not None:
            try:
                return bx.Lit(env.enum(n.path, n.member))
            except LookupError as exc:
                raise KaitaiExprError(str(exc), source, n.pos if text else None) from None
        if isinstance(n, Name):
            if n.name == "_index":
                return bx.Ref(("_index",))
            if n.name == "_":  # the item of a repeat-until, where the caller has it as an expression
                found = resolve(n)
                return found if found is not None else fallback(n)
            if n.name == "_root":
                return fallback(n)
            if n.name == "_parent":
                return bx.Ref(("_parent",))
            found = resolve(n)
            if found is None:
                raise KaitaiExprError("unknown name %s" % n.name, source, n.pos if text else None)
            return found
        if isinstance(n, Attr) and n.name in IO_ATTRS and isinstance(n.obj, Name) and n.obj.name == "_io":
            return bx.Ref(("_io", n.name))
        if isinstance(n, Attr) and n.name not in METHODS:
            base = go(n.obj)
            if isinstance(base, bx.Ref):
                return bx.Ref(base.path + (env.attr(n.name) if n.name != "_parent" else "_parent",))
            return fallback(n)
        if isinstance(n, Cast):
            return go(n.obj)
        if isinstance(n, Unary):
            if n.op == "-" and isinstance(n.operand, Num):
                return bx.Lit(-n.operand.value)
            inner = go(n.operand)
            if n.op == "not":
                return bx.Where(inner, bx.Lit(False), bx.Lit(True))
            if n.op == "~":
                return bx.BinOp("^", inner, bx.Lit(-1))
            if kind_of(n.operand) == "int":
                return bx.BinOp("-", bx.Lit(0), inner)
            return fallback(n)  # -x of a float: 0 - x differs from -x for a float zero
        if isinstance(n, Binary):
            if n.op == "and":
                return bx.Where(go(n.left), go(n.right), bx.Lit(False))
            if n.op == "or":
                return bx.Where(go(n.left), bx.Lit(True), go(n.right))
            if n.op == "/":
                if _is_int_literal(n.right) and _is_int_literal(n.left) and n.right.value:  # type: ignore[attr-defined]
                    return bx.Lit(kaitai_div(n.left.value, n.right.value))  # type: ignore[attr-defined]
                if kind_of(n.left) == kind_of(n.right) == "int":
                    return bx.BinOp("//", go(n.left), go(n.right))
                return fallback(n)
            if n.op == "<<" and not (_is_int_literal(n.right) and n.right.value <= MAX_NATIVE_SHIFT):  # type: ignore[attr-defined]
                return fallback(n)
            if n.op in ("==", "!="):
                for this_side, other in ((n.left, n.right), (n.right, n.left)):
                    literal = byte_literal(this_side)
                    if literal is not None and kind_of(other) == "bytes":
                        return bx.BinOp(n.op, go(other), bx.Lit(literal))
            left, right = go(n.left), go(n.right)
            if n.op in ("==", "!=") and (isinstance(left, bx.Call) or isinstance(right, bx.Call)):
                return fallback(n)  # bytes compared with [..] lists need the evaluator's equality
            return bx.BinOp(n.op, left, right)
        if isinstance(n, Ternary):
            return bx.Where(go(n.cond), go(n.then), go(n.otherwise))
        return fallback(n)

    return go(node)


def _is_int_literal(n: Node) -> bool:
    return isinstance(n, Num) and isinstance(n.value, int)


class _KaitaiFunction:
    """A Kaitai expression as the function binmodel calls with the view of the struct being parsed."""

    def __init__(self, node: Node, env: Env, text: str) -> None:
        self.node, self.env, self.text = node, env, text
        self.__name__ = "kaitai[%s]" % text

    def __call__(self, view: Any) -> Any:
        try:
            return evaluate(self.node, view, self.env, self.text)
        except KaitaiExprError as exc:  # not a binmodel error here: the parse or build makes it its own
            raise ValueError(exc.args[0]) from None
