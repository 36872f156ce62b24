"""Kaitai's expression language as text and as a tree: the tokenizer, the parser and the printer.

The precedence is Kaitai's (its grammar follows Python's): ``c ? a : b`` lowest, then ``or``, ``and``,
``not``, one comparison, ``|``, ``^``, ``&``, ``<< >>``, ``+ -``, ``* / %``, unary ``- ~``, then postfix
``.name``, ``.method(...)``, ``[i]`` and ``.as<type>``. ``binmodel.kaitai.expr`` is the public face.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Dict, List, Optional, Tuple

from ..errors import Error


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


def walk(node: Node) -> List[Node]:
    """``node`` and every node inside it, depth first."""
    out = [node]
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            out.extend(walk(value))
        elif isinstance(value, tuple):
            for v in value:
                if isinstance(v, Node):
                    out.extend(walk(v))
    return out
