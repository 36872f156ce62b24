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

import dataclasses
import enum
import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..errors import Error

__all__ = [
    "KaitaiExprError",
    "Node",
    "parse",
    "unparse",
    "evaluate",
    "Env",
    "translate",
    "names_used",
]


class KaitaiExprError(Error, ValueError):
    """A Kaitai expression that cannot be parsed or evaluated; names the expression and the position."""

    def __init__(self, message: str, text: str = "", pos: Optional[int] = None) -> None:
        self.reason, self.text, self.pos = message, text, pos
        where = ""
        if text:
            where = "expression %r" % text.rstrip()  # a YAML block scalar ends with a newline
            if pos is not None:
                where += " at position %d" % pos
            where += ": "
        super().__init__(where + message)


class UnsupportedExpr(KaitaiExprError):
    """An expression that is valid Kaitai but uses what binmodel does not support yet (``_io``, ``sizeof``)."""


# --- the tree ------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Node:
    """Base of expression nodes; ``pos`` (where the node starts in the text) does not take part in equality."""


def _pos() -> Any:
    return dataclasses.field(default=0, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class Num(Node):
    value: Any  # int or float
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Str(Node):
    value: str
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class FString(Node):
    """``f"abc={n}"``: literal text (``Str``) and interpolated expressions, joined as text."""

    parts: Tuple[Node, ...]
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Bool(Node):
    value: bool
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class ArrayLit(Node):
    """``[1, 2, 3]``: a byte array when every item is an integer 0..255, else an array."""

    items: Tuple[Node, ...]
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Name(Node):
    """An identifier: a field, an instance, or ``_root``, ``_parent``, ``_io``, ``_index``, ``_``."""

    name: str
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class EnumRef(Node):
    """``animal::cat`` or ``outer::inner::animal::cat``: ``path`` is the types then the enum's name."""

    path: Tuple[str, ...]
    member: str
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "~", "not"
    operand: Node
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Ternary(Node):
    cond: Node
    then: Node
    otherwise: Node
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Attr(Node):
    """``obj.name``; a method call without parentheses (``.to_s``, ``.length``) is one too."""

    obj: Node
    name: str
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Method(Node):
    """``obj.name(args)``."""

    obj: Node
    name: str
    args: Tuple[Node, ...]
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Index(Node):
    obj: Node
    index: Node
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class Cast(Node):
    """``obj.as<type>``: changes the static type only."""

    obj: Node
    type: str
    pos: int = _pos()


@dataclasses.dataclass(frozen=True)
class SizeOf(Node):
    """``sizeof<type>`` / ``bitsizeof<type>``."""

    type: str
    bits: bool = False
    pos: int = _pos()


# precedence: higher binds tighter
_BINARY_PREC: Dict[str, int] = {
    "or": 1, "and": 2,
    "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "|": 5, "^": 6, "&": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}
_TERNARY, _NOT, _UNARY, _POSTFIX = 0, 3, 11, 12
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


# --- the tokenizer -------------------------------------------------------------------------------------------

_PUNCT = ("::", "<<", ">>", "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "~",
          "?", ":", "(", ")", "[", "]", ",", ".")
_HEX = "0123456789abcdefABCDEF"
_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b",
            '"': '"', "'": "'", "\\": "\\"}


@dataclasses.dataclass
class _Token:
    kind: str  # "num", "str", "name", "op", "end"
    value: Any
    pos: int


def _digits(text: str, start: int, allowed: str) -> int:
    i = start
    while i < len(text) and (text[i] in allowed or text[i] == "_"):
        i += 1
    return i


def _number(text: str, i: int) -> Tuple[Any, int]:
    if text.startswith(("0x", "0X", "0o", "0O", "0b", "0B"), i):
        base = {"x": 16, "o": 8, "b": 2}[text[i + 1].lower()]
        allowed = {16: "0123456789abcdefABCDEF", 8: "01234567", 2: "01"}[base]
        end = _digits(text, i + 2, allowed)
        digits = text[i + 2:end].replace("_", "")
        if not digits:
            raise KaitaiExprError("a number in base %d needs digits" % base, text, i)
        return int(digits, base), end
    end = _digits(text, i, "0123456789")
    is_float = False
    if end + 1 < len(text) and text[end] == "." and text[end + 1].isdigit():
        end = _digits(text, end + 1, "0123456789")
        is_float = True
    if end < len(text) and text[end] in "eE":
        j = end + 1
        if j < len(text) and text[j] in "+-":
            j += 1
        if j < len(text) and text[j].isdigit():
            end = _digits(text, j, "0123456789")
            is_float = True
    literal = text[i:end].replace("_", "")
    return (float(literal) if is_float else int(literal)), end


def _string(text: str, i: int, body: bool = False) -> Tuple[str, int]:
    """A string literal starting at ``i`` (its quote), and where it ends; ``body``: one character (or
    escape) of a double-quoted string starting at ``i + 1``."""
    quote = '"' if body else text[i]
    out: List[str] = []
    j = i + 1
    while True:
        if body and out:
            return "".join(out), j
        if j >= len(text):
            raise KaitaiExprError("unterminated string", text, i)
        c = text[j]
        if c == quote:
            return "".join(out), j + 1
        if c == "\\" and quote == '"':
            if j + 1 >= len(text):
                raise KaitaiExprError("unterminated string", text, i)
            e = text[j + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                j += 2
            elif e in "01234567":
                k = j + 1
                while k < len(text) and k < j + 4 and text[k] in "01234567":
                    k += 1
                out.append(chr(int(text[j + 1:k], 8)))
                j = k
            elif e == "u" and len(text[j + 2:j + 6]) == 4 and all(ch in _HEX for ch in text[j + 2:j + 6]):
                out.append(chr(int(text[j + 2:j + 6], 16)))
                j += 6
            else:
                raise KaitaiExprError("unknown escape \\%s in a string" % e, text, j)
        else:
            out.append(c)
            j += 1


def _fstring(text: str, i: int) -> Tuple[Tuple[Node, ...], int]:
    """The parts of ``f"..."`` starting at ``i`` (text with ``{expression}`` inside) and where it ends."""
    parts: List[Node] = []
    literal: List[str] = []
    j = i + 2
    start = j
    while True:
        if j >= len(text):
            raise KaitaiExprError("unterminated f-string", text, i)
        c = text[j]
        if c == '"':
            break
        if c == "{":
            if literal:
                parts.append(Str("".join(literal), start))
                literal = []
            depth, k, quote = 1, j + 1, ""
            while k < len(text) and depth:
                ch = text[k]
                if quote:
                    if ch == "\\" and quote == '"':
                        k += 1
                    elif ch == quote:
                        quote = ""
                elif ch in "\"'":
                    quote = ch
                elif ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                k += 1
            if depth:
                raise KaitaiExprError("unclosed { in an f-string", text, j)
            inner = text[j + 1:k - 1]
            try:
                parts.append(_Parser(inner).parse())
            except KaitaiExprError as exc:
                raise KaitaiExprError(exc.reason, text, j + 1 + (exc.pos or 0)) from None
            j = k
            start = j
            continue
        value, end = _string(text, j - 1, body=True)
        literal.append(value)
        j = end
    if literal:
        parts.append(Str("".join(literal), start))
    return tuple(parts), j + 1


def _tokens(text: str) -> List[_Token]:
    out: List[_Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c.isdigit():
            value, end = _number(text, i)
            out.append(_Token("num", value, i))
            i = end
        elif c in "\"'":
            value, end = _string(text, i)
            out.append(_Token("str", value, i))
            i = end
        elif c == "f" and text.startswith('f"', i):
            value, end = _fstring(text, i)
            out.append(_Token("fstr", value, i))
            i = end
        elif c.isalpha() or c == "_":
            end = i
            while end < len(text) and (text[end].isalnum() or text[end] == "_") and text[end].isascii():
                end += 1
            if end == i:
                raise KaitaiExprError("unexpected character %r" % c, text, i)
            out.append(_Token("name", text[i:end], i))
            i = end
        else:
            for p in _PUNCT:
                if text.startswith(p, i):
                    out.append(_Token("op", p, i))
                    i += len(p)
                    break
            else:
                raise KaitaiExprError("unexpected character %r" % c, text, i)
    out.append(_Token("end", None, len(text)))
    return out


# --- the parser ----------------------------------------------------------------------------------------------

_KEYWORDS = ("and", "or", "not", "true", "false")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.toks[self.i]

    def at(self, kind: str, value: Any = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def at_word(self, word: str) -> bool:
        return self.at("name", word)

    def take(self) -> _Token:
        t = self.tok
        self.i += 1
        return t

    def fail(self, what: str) -> KaitaiExprError:
        t = self.tok
        found = "the end" if t.kind == "end" else repr(self.text[t.pos:t.pos + 12].split(" ")[0] or t.value)
        return KaitaiExprError("expected %s, found %s" % (what, found), self.text, t.pos)

    def expect(self, value: str) -> _Token:
        if not self.at("op", value):
            raise self.fail("'%s'" % value)
        return self.take()

    def parse(self) -> Node:
        if self.at("end"):
            raise self.fail("an expression")
        node = self.ternary()
        if not self.at("end"):
            raise self.fail("an operator or the end")
        return node

    def ternary(self) -> Node:
        start = self.tok.pos
        cond = self.binary(1)
        if self.at("op", "?"):
            self.take()
            then = self.ternary()
            self.expect(":")
            otherwise = self.ternary()
            return Ternary(cond, then, otherwise, start)
        return cond

    def binary(self, level: int) -> Node:
        if level == _NOT:
            if self.at_word("not"):
                pos = self.take().pos
                return Unary("not", self.binary(_NOT), pos)
            return self.comparison()
        if level > 10:
            return self.unary()
        node = self.binary(level + 1)
        while True:
            op = self._binary_op()
            if op is None or _BINARY_PREC[op] != level:
                return node
            at = self.take().pos
            node = Binary(op, node, self.binary(level + 1), at)

    def comparison(self) -> Node:
        left = self.binary(_NOT + 2)
        op = self._binary_op()
        if op in _COMPARISONS:
            at = self.take().pos
            right = self.binary(_NOT + 2)
            if self._binary_op() in _COMPARISONS:
                raise self.fail("no second comparison (write parentheses)")
            return Binary(op, left, right, at)  # type: ignore[arg-type]
        return left

    def _binary_op(self) -> Optional[str]:
        t = self.tok
        if t.kind == "op" and t.value in _BINARY_PREC:
            return str(t.value)
        if t.kind == "name" and t.value in ("and", "or"):
            return str(t.value)
        return None

    def unary(self) -> Node:
        if self.at("op", "-") or self.at("op", "~"):
            t = self.take()
            return Unary(t.value, self.unary(), t.pos)
        if self.at("op", "+"):
            self.take()
            return self.unary()
        return self.postfix(self.atom())

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            return Num(t.value, t.pos)
        if t.kind == "str":
            self.take()
            return Str(t.value, t.pos)
        if t.kind == "fstr":
            self.take()
            return FString(t.value, t.pos)
        if t.kind == "op" and t.value == "(":
            self.take()
            node = self.ternary()
            self.expect(")")
            return node
        if t.kind == "op" and t.value == "[":
            self.take()
            items: List[Node] = []
            while not self.at("op", "]"):
                items.append(self.ternary())
                if not self.at("op", ","):
                    break
                self.take()
            self.expect("]")
            return ArrayLit(tuple(items), t.pos)
        if t.kind == "name":
            if t.value in ("true", "false"):
                self.take()
                return Bool(t.value == "true", t.pos)
            if t.value in ("and", "or", "not"):
                raise self.fail("an operand")
            if t.value in ("sizeof", "bitsizeof") and self.toks[self.i + 1].kind == "op" \
                    and self.toks[self.i + 1].value == "<":
                self.take()
                self.take()
                return SizeOf(self.type_name(), t.value == "bitsizeof", t.pos)
            self.take()
            if self.at("op", "::"):
                path = [t.value]
                while self.at("op", "::"):
                    self.take()
                    if not self.at("name"):
                        raise self.fail("a name after '::'")
                    path.append(self.take().value)
                return EnumRef(tuple(path[:-1]), path[-1], t.pos)
            return Name(t.value, t.pos)
        raise self.fail("an operand")

    def type_name(self) -> str:
        parts = []
        if not self.at("name"):
            raise self.fail("a type name")
        parts.append(self.take().value)
        while self.at("op", "::"):
            self.take()
            if not self.at("name"):
                raise self.fail("a type name after '::'")
            parts.append(self.take().value)
        if self.at("op", "[") and self.toks[self.i + 1].kind == "op" and self.toks[self.i + 1].value == "]":
            self.take()
            self.take()
            parts[-1] += "[]"
        self.expect(">")
        return "::".join(parts)

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at("op", "."):
                self.take()
                if not self.at("name"):
                    raise self.fail("a name after '.'")
                t = self.take()
                if t.value == "as" and self.at("op", "<"):
                    self.take()
                    node = Cast(node, self.type_name(), t.pos)
                elif self.at("op", "("):
                    self.take()
                    args: List[Node] = []
                    while not self.at("op", ")"):
                        args.append(self.ternary())
                        if not self.at("op", ","):
                            break
                        self.take()
                    self.expect(")")
                    node = Method(node, t.value, tuple(args), t.pos)
                else:
                    node = Attr(node, t.value, t.pos)
            elif self.at("op", "["):
                t = self.take()
                index = self.ternary()
                self.expect("]")
                node = Index(node, index, t.pos)
            else:
                return node


def parse(text: Any) -> Node:
    """The tree of a Kaitai expression (a YAML scalar: an int, a bool or a string of expression text)."""
    if isinstance(text, bool):
        return Bool(text)
    if isinstance(text, (int, float)):
        return Num(text)
    if not isinstance(text, str):
        raise KaitaiExprError("an expression must be text or a number, not %s" % type(text).__name__)
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise KaitaiExprError("nested too deeply", text) from None


# --- the printer ---------------------------------------------------------------------------------------------

def _prec(node: Node) -> int:
    if isinstance(node, Ternary):
        return _TERNARY
    if isinstance(node, Binary):
        return _BINARY_PREC[node.op]
    if isinstance(node, Unary):
        return _NOT if node.op == "not" else _UNARY
    if isinstance(node, Num) and (node.value < 0 or (isinstance(node.value, float) and math.copysign(1, node.value) < 0)):
        return _UNARY
    return _POSTFIX


def _quote(value: str) -> str:
    out = ['"']
    for c in value:
        if c in ('"', "\\"):
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\%03o" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def unparse(node: Node) -> str:
    """Kaitai expression text for ``node``, parenthesised only where the precedence needs it."""

    def wrap(child: Node, need: int) -> str:
        text = unparse(child)
        return "(%s)" % text if _prec(child) < need else text

    if isinstance(node, Num):
        if isinstance(node.value, float):
            text = repr(node.value)
            return text if text[0].isdigit() or text[0] == "-" else "(%s)" % text
        return str(node.value)
    if isinstance(node, Str):
        return _quote(node.value)
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, FString):
        return 'f"%s"' % "".join(_quote(p.value)[1:-1].replace("{", "\\173") if isinstance(p, Str)
                                 else "{%s}" % unparse(p) for p in node.parts)
    if isinstance(node, ArrayLit):
        return "[%s]" % ", ".join(unparse(i) for i in node.items)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, EnumRef):
        return "::".join(node.path + (node.member,))
    if isinstance(node, SizeOf):
        return "%s<%s>" % ("bitsizeof" if node.bits else "sizeof", node.type)
    if isinstance(node, Unary):
        if node.op == "not":
            return "not " + wrap(node.operand, _NOT)
        return node.op + wrap(node.operand, _UNARY)
    if isinstance(node, Binary):
        p = _BINARY_PREC[node.op]
        if p == 4:  # one comparison: both sides tighter
            return "%s %s %s" % (wrap(node.left, 5), node.op, wrap(node.right, 5))
        return "%s %s %s" % (wrap(node.left, p), node.op, wrap(node.right, p + 1))
    if isinstance(node, Ternary):
        return "%s ? %s : %s" % (wrap(node.cond, 1), unparse(node.then), unparse(node.otherwise))
    if isinstance(node, Attr):
        return "%s.%s" % (wrap(node.obj, _POSTFIX), node.name)
    if isinstance(node, Method):
        return "%s.%s(%s)" % (wrap(node.obj, _POSTFIX), node.name, ", ".join(unparse(a) for a in node.args))
    if isinstance(node, Index):
        return "%s[%s]" % (wrap(node.obj, _POSTFIX), unparse(node.index))
    if isinstance(node, Cast):
        return "%s.as<%s>" % (wrap(node.obj, _POSTFIX), node.type)
    raise TypeError("not an expression node: %r" % (node,))


def names_used(node: Node) -> List[str]:
    """The identifiers ``node`` reads at its top level (``a`` of ``a.b``, ``_io``), in order, once each."""
    out: List[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Name):
            if n.name not in out:
                out.append(n.name)
            return
        for f in dataclasses.fields(n):
            value = getattr(n, f.name)
            if isinstance(value, Node):
                walk(value)
            elif isinstance(value, tuple):
                for v in value:
                    if isinstance(v, Node):
                        walk(v)

    walk(node)
    return out


# --- evaluation ----------------------------------------------------------------------------------------------

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
        method = _METHODS.get(name)
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


_METHODS: Dict[str, Callable[..., Any]] = {
    "to_s": _to_s, "to_i": _to_i, "length": _length, "size": _length,
    "first": _pick("first"), "last": _pick("last"), "min": _pick("min"), "max": _pick("max"),
    "reverse": _reverse, "substring": _substring,
}


# --- translation to binmodel expressions ---------------------------------------------------------------------

def translate(node: Node, resolve: Callable[[Name], Optional[Any]], env: Env, text: str = "") -> Any:
    """A binmodel expression for ``node``: ``this.x`` references, arithmetic, comparisons and ``where``
    where binmodel has them, and a function over the struct being parsed (the evaluator, over the
    struct's view) for a part it has not (``.to_s``, indexing, integer ``/`` of values not known to be
    integers). ``resolve(name)`` gives the binmodel expression for a field or a value instance (or None:
    not one). A part that only Kaitai's run time could give (``_io``, ``sizeof``) is an ``UnsupportedExpr``."""
    from .. import expr as bx

    source = text or unparse(node)
    for n in _walk(node):
        if isinstance(n, Name) and n.name in ("_io", "_sizeof"):
            raise UnsupportedExpr("_io is not supported yet (Kaitai's stream object)", source, n.pos if text else None)
        if isinstance(n, SizeOf) or (isinstance(n, Attr) and n.name == "_sizeof"):
            raise UnsupportedExpr("sizeof<...> and ._sizeof are not supported yet", source, n.pos if text else None)
        if isinstance(n, Attr) and n.name == "_io":
            raise UnsupportedExpr("_io is not supported yet (Kaitai's stream object)", source, n.pos if text else None)

    def fallback(sub: Node) -> Any:
        return bx.Call(_KaitaiFunction(sub, env, unparse(sub)))

    def go(n: Node) -> Any:
        if isinstance(n, (Num, Str, Bool)):
            return bx.Lit(n.value)
        if isinstance(n, EnumRef) and env.enum is not None:
            try:
                return bx.Lit(env.enum(n.path, n.member))
            except LookupError as exc:
                raise KaitaiExprError(str(exc), source, n.pos if text else None) from None
        if isinstance(n, Name):
            if n.name in ("_", "_index", "_root"):
                return fallback(n)
            if n.name == "_parent":
                return bx.Ref(("_parent",))
            found = resolve(n)
            if found is None:
                raise KaitaiExprError("unknown name %s" % n.name, source, n.pos if text else None)
            return found
        if isinstance(n, Attr) and n.name not in _METHODS:
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
            return fallback(n)  # -x: 0 - x differs from -x for a float zero
        if isinstance(n, Binary):
            if n.op == "and":
                return bx.Where(go(n.left), go(n.right), bx.Lit(False))
            if n.op == "or":
                return bx.Where(go(n.left), bx.Lit(True), go(n.right))
            if n.op == "/":
                if _is_int_literal(n.right) and _is_int_literal(n.left):
                    return bx.Lit(kaitai_div(n.left.value, n.right.value))  # type: ignore[attr-defined]
                return fallback(n)
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


def _walk(node: Node) -> List[Node]:
    out = [node]
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            out.extend(_walk(value))
        elif isinstance(value, tuple):
            for v in value:
                if isinstance(v, Node):
                    out.extend(_walk(v))
    return out


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
