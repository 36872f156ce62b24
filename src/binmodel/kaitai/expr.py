"""Kaitai Struct's expression language: parse it, print it, evaluate it, translate it to binmodel.

Kaitai writes sizes, counts, conditions and computed values as expressions (``len_body * 2 + 4``,
``flags & 0x80 != 0 ? a : b``, ``name.to_s("ASCII").length``). This module reads that text into a small
tree (``parse``), prints a tree back (``unparse``, with the fewest parentheses Kaitai's precedence needs),
evaluates a tree over a parsed object (``evaluate``: the test specifications' asserts), and turns a tree
into a binmodel expression (``translate``: ``this.x``, arithmetic, ``where(...)``), falling back to a
function over the struct being parsed where binmodel has no equivalent.

The precedence is Kaitai's (its grammar follows Python's): ``c ? a : b`` lowest, then ``or``, ``and``,
``not``, one comparison, ``|``, ``^``, ``&``, ``<< >>``, ``+ -``, ``* / %``, unary ``- ~``, then postfix
``.name``, ``.method(...)``, ``[i]`` and ``.as<type>``. Integer ``/`` rounds toward minus infinity and ``%``
takes the sign of the divisor, as the Python that Kaitai's compiler generates does (``//`` and ``%``).

>>> tree = parse("a.b + 2 * -c")
>>> unparse(tree)
'a.b + 2 * -c'
>>> evaluate(parse("-7 / 2"), None), evaluate(parse("-7 % 2"), None)
(-4, 1)
"""

from __future__ import annotations

from .evaluation import Env, constant, evaluate, kaitai_div, sequence_bytes
from .syntax import (
    ArrayLit,
    Attr,
    Binary,
    Bool,
    Cast,
    EnumRef,
    FString,
    Index,
    KaitaiExprError,
    Method,
    Name,
    Node,
    Num,
    SizeOf,
    Str,
    Ternary,
    Unary,
    UnsupportedExpr,
    names_used,
    parse,
    unparse,
    walk,
)
from .translate import translate

__all__ = [
    "KaitaiExprError", "UnsupportedExpr", "Node", "Num", "Str", "FString", "Bool", "ArrayLit", "Name", "EnumRef",
    "Unary", "Binary", "Ternary", "Attr", "Method", "Index", "Cast", "SizeOf",
    "parse", "unparse", "names_used", "walk", "evaluate", "Env", "constant", "kaitai_div", "sequence_bytes",
    "translate",
]
