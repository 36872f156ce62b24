"""Evaluating Kaitai expressions: over a parsed object, or over the view of a struct being parsed.

Integer ``/`` rounds toward minus infinity and ``%`` takes the sign of the divisor, as the Python that
Kaitai's compiler generates does (``//`` and ``%``). ``binmodel.kaitai.expr`` is the public face.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

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
    parse,
    unparse,
)


def kaitai_div(a: Any, b: Any) -> Any:
    """Kaitai's ``/``: integer division rounds toward minus infinity (Python's ``//``); floats divide."""
    if isinstance(a, int) and isinstance(b, int):
        return a // b
    return a / b


def _same_kind(op: str, a: Any, b: Any) -> None:
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric):
        return
    if op == "+" and ((isinstance(a, str) and isinstance(b, str)) or (isinstance(a, bytes) and isinstance(b, bytes))):
        return
    raise TypeError("%s %s %s: operands are %s and %s" % (_short(a), op, _short(b), _kind(a), _kind(b)))


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, enum.Enum):
        return "an enum"
    return {int: "an integer", float: "a float", str: "a string", bytes: "bytes", list: "an array"}.get(
        type(v), "a %s" % type(v).__name__)


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) < 40 else text[:37] + "..."


def _arith(op: str, a: Any, b: Any) -> Any:
    if op in ("+", "-", "*", "/", "%"):
        if isinstance(a, bool) or isinstance(b, bool):
            raise TypeError("arithmetic on a boolean")
        _same_kind(op, a, b)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return kaitai_div(a, b)
        return a % b
    if op in ("<<", ">>", "&", "|", "^"):
        if isinstance(a, bool) and isinstance(b, bool) and op in ("&", "|", "^"):
            return {"&": a and b, "|": a or b, "^": a != b}[op]
        if not (isinstance(a, int) and isinstance(b, int)) or isinstance(a, bool) or isinstance(b, bool):
            raise TypeError("%s needs integers, not %s and %s" % (op, _kind(a), _kind(b)))
        a, b = int(a), int(b)
        if op == "<<":
            if b < 0 or b > 4096:
                raise ValueError("shift by %d" % b)
            return a << b
        if op == ">>":
            if b < 0:
                raise ValueError("shift by %d" % b)
            return a >> b
        return {"&": a & b, "|": a | b, "^": a ^ b}[op]
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op in ("<", "<=", ">", ">="):
        if isinstance(a, (list, bytes)) and isinstance(b, (list, bytes)):
            a, b = list(a), list(b)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    raise ValueError("unknown operator %s" % op)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, (list, bytes, bytearray)) and isinstance(b, (list, bytes, bytearray)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


@dataclasses.dataclass
class Env:
    """What an expression sees besides the object it is evaluated on.

    ``root``: the object ``_root`` names (found by following ``_parent`` when None); ``locals``:
    ``_`` and ``_index``; ``enum``: looks up ``path::member`` (the enum's path as written, then the
    member's name); ``attr``: the Python attribute that holds a Kaitai field (a field named after a
    Python keyword or a reserved binmodel name gets another).
    """

    root: Any = None
    locals: Dict[str, Any] = dataclasses.field(default_factory=dict)
    enum: Optional[Callable[[Tuple[str, ...], str], Any]] = None
    attr: Callable[[str], str] = staticmethod(lambda name: name)  # type: ignore[assignment]


def evaluate(node: Node, obj: Any, env: Optional[Env] = None, text: str = "") -> Any:
    """The value of ``node`` with ``obj`` the current object (a parsed instance, or the view of a struct
    being parsed). A failure is a ``KaitaiExprError`` naming the expression (``text``, else the tree
    printed) and the position of the part that failed."""
    env = env or Env()
    try:
        return _Evaluator(env, obj).eval(node)
    except _Failed as failed:
        source = text or unparse(node)
        error = UnsupportedExpr if failed.unsupported else KaitaiExprError
        raise error(failed.message, source, failed.pos if text else None) from None


class _Failed(Exception):
    def __init__(self, message: str, pos: int, unsupported: bool = False) -> None:
        super().__init__(message)
        self.message, self.pos, self.unsupported = message, pos, unsupported


_MISSING = object()
_HEX = "0123456789abcdefABCDEF"


class _Evaluator:
    def __init__(self, env: Env, obj: Any) -> None:
        self.env, self.obj = env, obj

    def eval(self, node: Node) -> Any:
        try:
            return self._eval(node)
        except _Failed:
            raise
        except UnsupportedExpr as exc:
            raise _Failed(exc.reason, getattr(node, "pos", 0), True) from None
        except (ArithmeticError, TypeError, ValueError, AttributeError, LookupError, UnicodeError,
                OverflowError, RecursionError) as exc:
            message = str(exc) if isinstance(exc, (TypeError, ValueError)) else "%s: %s" % (type(exc).__name__, exc)
            raise _Failed(message, getattr(node, "pos", 0)) from None

    def _eval(self, node: Node) -> Any:
        if isinstance(node, (Num, Str, Bool)):
            return node.value
        if isinstance(node, FString):
            out = []
            for part in node.parts:
                v = self.eval(part)
                if isinstance(v, bool) or not isinstance(v, (int, str)):
                    raise TypeError("an f-string interpolates integers and strings, not %s" % _kind(v))
                out.append(v if isinstance(v, str) else str(int(v)))
            return "".join(out)
        if isinstance(node, ArrayLit):
            items = [self.eval(i) for i in node.items]
            if items and all(type(i) is int and 0 <= i <= 255 for i in items):
                return bytes(items)
            return items
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, EnumRef):
            if self.env.enum is None:
                raise LookupError("no enums are known here (%s)" % unparse(node))
            return self.env.enum(node.path, node.member)
        if isinstance(node, Unary):
            v = self.eval(node.operand)
            if node.op == "not":
                if not isinstance(v, bool):
                    raise TypeError("not needs a boolean, not %s" % _kind(v))
                return not v
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (node.op == "~" and isinstance(v, float)):
                raise TypeError("unary %s needs a number, not %s" % (node.op, _kind(v)))
            return -v if node.op == "-" else ~int(v)
        if isinstance(node, Binary):
            if node.op in ("and", "or"):
                left = self.eval(node.left)
                if not isinstance(left, bool):
                    raise TypeError("%s needs booleans, not %s" % (node.op, _kind(left)))
                if (node.op == "and") != left:
                    return left
                right = self.eval(node.right)
                if not isinstance(right, bool):
                    raise TypeError("%s needs booleans, not %s" % (node.op, _kind(right)))
                return right
            left, right = self.eval(node.left), self.eval(node.right)
            if node.op in ("/", "%") and right == 0 and not isinstance(right, float):
                raise ZeroDivisionError("division by zero")
            return _arith(node.op, left, right)
        if isinstance(node, Ternary):
            cond = self.eval(node.cond)
            if not isinstance(cond, bool):
                raise TypeError("the condition of ? : must be a boolean, not %s" % _kind(cond))
            return self.eval(node.then if cond else node.otherwise)
        if isinstance(node, Cast):
            return self.eval(node.obj)
        if isinstance(node, Index):
            seq, i = self.eval(node.obj), self.eval(node.index)
            if not isinstance(seq, (list, bytes, str)) or not isinstance(i, int) or isinstance(i, bool):
                raise TypeError("cannot index %s with %s" % (_kind(seq), _kind(i)))
            if not 0 <= i < len(seq):
                raise IndexError("index %d out of range (%d items)" % (i, len(seq)))
            return seq[i]
        if isinstance(node, Attr):
            return self.attr(self.eval(node.obj), node.name, (), node)
        if isinstance(node, Method):
            target = self.eval(node.obj)
            return self.attr(target, node.name, tuple(self.eval(a) for a in node.args), node)
        if isinstance(node, SizeOf):
            raise UnsupportedExpr("%s<%s> is not supported yet" % ("bitsizeof" if node.bits else "sizeof", node.type))
        raise TypeError("not an expression node: %r" % (node,))

    def name(self, node: Name) -> Any:
        name = node.name
        if name in self.env.locals:
            return self.env.locals[name]
        if name in ("_index", "_") and self.obj is not None:
            try:  # the view of a struct read in a repeat knows the item's number (and, in until=, the item)
                return self.obj._index if name == "_index" else self.obj._item
            except (AttributeError, LookupError):
                pass
        if name in ("_", "_index"):
            raise LookupError("%s is only defined inside a repeat" % name)
        if name in ("_io", "_sizeof"):
            raise UnsupportedExpr("%s is not supported yet" % name)
        if name == "_root":
            return self.root()
        if name == "_parent":
            return _parent_of(self.obj)
        return self.field(self.obj, name)

    def root(self) -> Any:
        if self.env.root is not None:
            return self.env.root
        obj = self.obj
        for _ in range(1000):
            try:
                parent = obj._parent
            except AttributeError:
                return obj
            obj = parent
        raise RecursionError("no root")

    def field(self, obj: Any, name: str) -> Any:
        if obj is None:
            raise TypeError("reading %s of a missing (null) value" % name)
        value = getattr(obj, self.env.attr(name), _MISSING)
        if value is _MISSING:
            raise AttributeError("%s has no field %s" % (type(obj).__name__, name))
        if callable(value) and not isinstance(value, type):  # a method, not a value (a foreign stream object)
            raise UnsupportedExpr("%s of %s is not a value" % (name, type(obj).__name__))
        return value

    def attr(self, target: Any, name: str, args: Tuple[Any, ...], node: Node) -> Any:
        method = METHODS.get(name)
        if method is not None and (args or not _has_field(target, self.env.attr(name))):
            return method(target, *args)
        if args:
            raise TypeError("%s is not a method" % name)
        if name == "_parent":
            return _parent_of(target)
        if name in ("_io", "_sizeof"):
            raise UnsupportedExpr("%s is not supported yet" % name)
        return self.field(target, name)


def _has_field(target: Any, attr: str) -> bool:
    return not isinstance(target, (int, float, str, bytes, list, bool)) and target is not None and \
        hasattr(target, attr)


def _parent_of(obj: Any) -> Any:
    try:
        return obj._parent
    except AttributeError:
        raise LookupError("_parent is not known here (a parsed object does not link to its parent)") from None


def _to_s(v: Any, *args: Any) -> Any:
    if isinstance(v, (bytes, bytearray)):
        if len(args) != 1 or not isinstance(args[0], str):
            raise TypeError("bytes.to_s needs an encoding")
        return bytes(v).decode(_codec(args[0]))
    if isinstance(v, int) and not isinstance(v, bool) and not args:
        return str(int(v))
    raise TypeError("to_s of %s" % _kind(v))


def _codec(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError("unknown encoding %r" % name) from None


def _to_i(v: Any, *args: Any) -> Any:
    if isinstance(v, str):
        base = args[0] if args else 10
        if not isinstance(base, int) or base not in (2, 8, 10, 16):
            raise ValueError("to_i base %r" % (base,))
        digits = v[1:] if v[:1] in ("-", "+") else v
        allowed = _HEX if base == 16 else _HEX[:base]
        if not digits or not all(c in allowed for c in digits):
            raise ValueError("%r is not an integer in base %d" % (v, base))
        return int(v, base)
    if args:
        raise TypeError("to_i takes no argument here")
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, enum.Enum):
        return int(v.value)
    if isinstance(v, float):
        return int(v)
    if isinstance(v, int):
        return int(v)
    raise TypeError("to_i of %s" % _kind(v))


def _length(v: Any) -> int:
    if isinstance(v, (str, bytes, list)):
        return len(v)
    raise TypeError("length of %s" % _kind(v))


def _pick(which: str) -> Callable[[Any], Any]:
    def pick(v: Any) -> Any:
        if not isinstance(v, (bytes, list)):
            raise TypeError("%s of %s" % (which, _kind(v)))
        if not v:
            raise IndexError("%s of an empty %s" % (which, _kind(v)))
        return {"first": lambda: v[0], "last": lambda: v[-1], "min": lambda: min(v), "max": lambda: max(v)}[which]()
    return pick


def _reverse(v: Any) -> Any:
    if isinstance(v, (str, bytes, list)):
        return v[::-1]
    raise TypeError("reverse of %s" % _kind(v))


def _substring(v: Any, *args: Any) -> Any:
    if not isinstance(v, str) or len(args) != 2 or not all(isinstance(a, int) for a in args):
        raise TypeError("substring(from, to) of a string")
    return v[args[0]:args[1]]


METHODS: Dict[str, Callable[..., Any]] = {
    "to_s": _to_s, "to_i": _to_i, "length": _length, "size": _length,
    "first": _pick("first"), "last": _pick("last"), "min": _pick("min"), "max": _pick("max"),
    "reverse": _reverse, "substring": _substring,
}


def constant(text: Any, env: Optional[Env] = None) -> Any:
    """The value of an expression that reads no field (a switch case key, a literal)."""
    return evaluate(parse(text), None, env, text if isinstance(text, str) else "")


def sequence_bytes(items: Sequence[Any]) -> bytes:
    """Bytes of Kaitai ``contents:`` items (integers 0..255 and strings, UTF-8)."""
    out = bytearray()
    for item in items:
        if isinstance(item, bool):
            raise ValueError("contents item %r" % (item,))
        if isinstance(item, int):
            if not 0 <= item <= 255:
                raise ValueError("contents byte %d is not 0..255" % item)
            out.append(item)
        elif isinstance(item, str):
            out += item.encode("utf-8")
        else:
            raise ValueError("contents item %r" % (item,))
    return bytes(out)
