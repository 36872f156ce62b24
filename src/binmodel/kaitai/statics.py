"""The static kinds of Kaitai expressions: what Kaitai's compiler refuses before any data is read.

Kaitai types every expression (``if: 5`` is refused: an integer is not a condition; ``size: '"foo"'``: a
string is not a size). The importer does the same with coarse kinds: ``int``, ``float``, ``bool``, ``str``,
``bytes``, ``enum``, ``struct``, ``array``, or None where it cannot tell (a switch, a cast, an item of an
array). Only what is known to be wrong is an error, so a valid description is never refused here.
"""

from __future__ import annotations

from typing import Callable, Dict, Optional

from . import expr as kx

INT, FLOAT, BOOL, STR, BYTES, ENUM, STRUCT, ARRAY = "int", "float", "bool", "str", "bytes", "enum", "struct", "array"
_NAMES = {INT: "an integer", FLOAT: "a float", BOOL: "a boolean", STR: "a string", BYTES: "bytes", ENUM: "an enum",
          STRUCT: "a user type", ARRAY: "an array"}

_METHODS: Dict[str, Dict[str, Optional[str]]] = {
    STR: {"length": INT, "reverse": STR, "to_i": INT, "substring": STR},
    BYTES: {"length": INT, "size": INT, "first": INT, "last": INT, "min": INT, "max": INT, "to_s": STR},
    INT: {"to_s": STR, "to_i": INT},
    FLOAT: {"to_i": INT},
    BOOL: {"to_i": INT},
    ENUM: {"to_i": INT},
    ARRAY: {"size": INT, "first": None, "last": None, "min": None, "max": None},
}


def describe(kind: Optional[str]) -> str:
    return _NAMES.get(kind or "", "a value")


class _Checker:
    def __init__(self, name_kind: Callable[[str], Optional[str]], text: str) -> None:
        self.name_kind, self.text = name_kind, text

    def fail(self, node: kx.Node, message: str) -> kx.KaitaiExprError:
        return kx.KaitaiExprError(message, self.text, getattr(node, "pos", None) if self.text else None)

    def kind(self, node: kx.Node) -> Optional[str]:  # noqa: C901 - one case a node type
        if isinstance(node, kx.Num):
            return FLOAT if isinstance(node.value, float) else INT
        if isinstance(node, (kx.Str, kx.FString)):
            if isinstance(node, kx.FString):
                for part in node.parts:
                    self.kind(part)
            return STR
        if isinstance(node, kx.Bool):
            return BOOL
        if isinstance(node, kx.ArrayLit):
            kinds = [self.kind(i) for i in node.items]
            if node.items and all(isinstance(i, kx.Num) and type(i.value) is int and 0 <= i.value <= 255
                                  for i in node.items):
                return BYTES
            return ARRAY if all(k is not None for k in kinds) else None
        if isinstance(node, kx.EnumRef):
            return ENUM
        if isinstance(node, kx.Name):
            if node.name == "_index":
                return INT
            if node.name in ("_root", "_parent"):
                return STRUCT
            if node.name in ("_", "_io"):
                return None
            return self.name_kind(node.name)
        if isinstance(node, kx.Unary):
            k = self.kind(node.operand)
            if node.op == "not":
                if k is not None and k != BOOL:
                    raise self.fail(node, "not needs a boolean, not %s" % describe(k))
                return BOOL
            if k is not None and k not in (INT, FLOAT) or (node.op == "~" and k == FLOAT):
                raise self.fail(node, "unary %s needs a number, not %s" % (node.op, describe(k)))
            return k
        if isinstance(node, kx.Binary):
            return self.binary(node)
        if isinstance(node, kx.Ternary):
            c = self.kind(node.cond)
            if c is not None and c != BOOL:
                raise self.fail(node, "the condition of ? : must be a boolean, not %s" % describe(c))
            a, b = self.kind(node.then), self.kind(node.otherwise)
            if a == b:
                return a
            if {a, b} == {INT, FLOAT}:
                return FLOAT
            return None
        if isinstance(node, (kx.Attr, kx.Method)):
            return self.member(node)
        if isinstance(node, kx.Index):
            k = self.kind(node.obj)
            i = self.kind(node.index)
            if i is not None and i != INT:
                raise self.fail(node, "an index must be an integer, not %s" % describe(i))
            if k is not None and k not in (ARRAY, BYTES):
                raise self.fail(node, "cannot index %s" % describe(k))
            return INT if k == BYTES else None
        if isinstance(node, kx.Cast):
            self.kind(node.obj)
            return None
        if isinstance(node, kx.SizeOf):
            return INT
        return None

    def binary(self, node: kx.Binary) -> Optional[str]:
        a, b = self.kind(node.left), self.kind(node.right)
        op = node.op
        if op in ("and", "or"):
            for k in (a, b):
                if k is not None and k != BOOL:
                    raise self.fail(node, "%s needs booleans, not %s" % (op, describe(k)))
            return BOOL
        if op in ("==", "!=", "<", "<=", ">", ">="):
            if a is not None and b is not None and not comparable(a, b):
                raise self.fail(node, "cannot compare %s and %s" % (describe(a), describe(b)))
            if op not in ("==", "!=") and ENUM in (a, b):
                raise self.fail(node, "enums have no order (%s)" % op)
            return BOOL
        if op == "+":
            for text_kind in (STR, ARRAY):
                if text_kind in (a, b) and {a, b} <= {text_kind, None}:
                    return text_kind if a == b else None
        if op in ("+", "-", "*", "/", "%"):
            for k in (a, b):
                if k is not None and k not in (INT, FLOAT):
                    raise self.fail(node, "%s needs numbers, not %s" % (op, describe(k)))
            if a is None or b is None:
                return None
            return FLOAT if FLOAT in (a, b) else INT
        for k in (a, b):  # << >> & | ^
            if k is not None and k != INT and not (op in ("&", "|", "^") and k == BOOL and a == b):
                raise self.fail(node, "%s needs integers, not %s" % (op, describe(k)))
        return a if a == b else None

    def member(self, node: kx.Node) -> Optional[str]:
        assert isinstance(node, (kx.Attr, kx.Method))
        k = self.kind(node.obj)
        args = node.args if isinstance(node, kx.Method) else ()
        arg_kinds = [self.kind(a) for a in args]
        if k is None and node.name in ("to_i", "to_s"):  # whatever it is called on, these give one kind
            return INT if node.name == "to_i" else STR
        if k is None or k == STRUCT:
            return None
        methods = _METHODS.get(k, {})
        if node.name not in methods:
            raise self.fail(node, "%s has no method %s" % (describe(k), node.name))
        if k == BYTES and node.name == "to_s":
            if len(args) != 1 or not isinstance(args[0], kx.Str):
                raise self.fail(node, "bytes.to_s takes one argument, the name of an encoding as a string literal")
        elif node.name == "substring":
            if len(args) != 2 or any(a not in (INT, None) for a in arg_kinds):
                raise self.fail(node, "substring takes two integers")
        elif node.name == "to_i" and k == STR:
            if len(args) > 1 or any(a not in (INT, None) for a in arg_kinds):
                raise self.fail(node, "to_i takes at most one integer, the base")
        elif args:
            raise self.fail(node, "%s takes no arguments" % node.name)
        return methods[node.name]


def comparable(a: str, b: str) -> bool:
    """Whether values of kinds ``a`` and ``b`` can be compared (numbers with numbers, else the same kind)."""
    if a == b:
        return True
    return {a, b} <= {INT, FLOAT}


def kind_of(node: kx.Node, name_kind: Callable[[str], Optional[str]], text: str = "") -> Optional[str]:
    """The kind of ``node`` (None: not known), given the kinds of the names it reads; a ``KaitaiExprError``
    (naming the expression and the position) where Kaitai's compiler would refuse it."""
    return _Checker(name_kind, text).kind(node)
