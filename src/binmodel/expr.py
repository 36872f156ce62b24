"""References to other fields: ``this.length``, ``this.hdr.count * 4``, ``len_of("data")``.

Writing ``this.length + 8`` builds a small expression tree instead of a number.
The interpreter evaluates it against a context (the fields parsed or built so
far), a compiler can turn it into plain arithmetic, and ``layout()`` prints it
as text (``length + 8``). A lambda is accepted wherever an expression is, but it
is opaque: it is called with a :class:`View` of the context and prints as
``<function>``.

A context is any object with ``get(name)`` (a field's value), ``parent``
(the enclosing context or ``None``), ``prev`` (for ``this._prev``: the previous
array item's context or ``None``) and ``part(name)`` (a field's bytes; only
derivations such as ``len_of`` use it).
"""

from __future__ import annotations

import operator
import zlib
from typing import Any, Callable, Dict, Optional, Tuple

__all__ = [
    "Expr",
    "this",
    "len_of",
    "count_of",
    "crc32_of",
    "as_expr",
    "where",
    "not_",
    "View",
]

MAX_SHIFT = 4096
"""The largest left shift an expression makes: ``1 << this.n`` with ``n`` from the data must not allocate
what the data did not pay for (a ValueError, which the parse reports naming the field)."""


def shift_left(value: Any, bits: Any) -> Any:
    """``value << bits``, refused past ``MAX_SHIFT`` bits (generated code calls it too)."""
    if isinstance(bits, int) and bits > MAX_SHIFT:
        raise ValueError("a shift by %d bits (more than %d)" % (bits, MAX_SHIFT))
    return value << bits


_BINARY_OPS: Dict[str, Tuple[Callable[[Any, Any], Any], int]] = {
    # symbol: (function, precedence); higher binds tighter, as in Python
    "*": (operator.mul, 6),
    "//": (operator.floordiv, 6),
    "%": (operator.mod, 6),
    "+": (operator.add, 5),
    "-": (operator.sub, 5),
    "<<": (shift_left, 4),
    ">>": (operator.rshift, 4),
    "&": (operator.and_, 3),
    "^": (operator.xor, 2),
    "|": (operator.or_, 1),
    "==": (operator.eq, 0),
    "!=": (operator.ne, 0),
    "<": (operator.lt, 0),
    "<=": (operator.le, 0),
    ">": (operator.gt, 0),
    ">=": (operator.ge, 0),
}


class Expr:
    """A value computed from other fields when the data is parsed or built."""

    __slots__ = ()
    precedence = 9

    def evaluate(self, ctx: Any) -> Any:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        """Paths of the fields this expression reads (for dependency checks)."""
        return ()

    def __repr__(self) -> str:
        return "<expr %s>" % self.text()

    # Comparisons build expressions too, so expressions are hashed by identity.
    __hash__ = object.__hash__

    def _bin(self, op: str, other: Any, swap: bool = False) -> BinOp:
        other_expr = as_expr(other)
        return BinOp(op, other_expr, self) if swap else BinOp(op, self, other_expr)

    def __add__(self, o: Any) -> Expr: return self._bin("+", o)
    def __radd__(self, o: Any) -> Expr: return self._bin("+", o, True)
    def __sub__(self, o: Any) -> Expr: return self._bin("-", o)
    def __rsub__(self, o: Any) -> Expr: return self._bin("-", o, True)
    def __mul__(self, o: Any) -> Expr: return self._bin("*", o)
    def __rmul__(self, o: Any) -> Expr: return self._bin("*", o, True)
    def __floordiv__(self, o: Any) -> Expr: return self._bin("//", o)
    def __rfloordiv__(self, o: Any) -> Expr: return self._bin("//", o, True)
    def __mod__(self, o: Any) -> Expr: return self._bin("%", o)
    def __rmod__(self, o: Any) -> Expr: return self._bin("%", o, True)
    def __lshift__(self, o: Any) -> Expr: return self._bin("<<", o)
    def __rlshift__(self, o: Any) -> Expr: return self._bin("<<", o, True)
    def __rshift__(self, o: Any) -> Expr: return self._bin(">>", o)
    def __rrshift__(self, o: Any) -> Expr: return self._bin(">>", o, True)
    def __and__(self, o: Any) -> Expr: return self._bin("&", o)
    def __rand__(self, o: Any) -> Expr: return self._bin("&", o, True)
    def __or__(self, o: Any) -> Expr: return self._bin("|", o)
    def __ror__(self, o: Any) -> Expr: return self._bin("|", o, True)
    def __xor__(self, o: Any) -> Expr: return self._bin("^", o)
    def __rxor__(self, o: Any) -> Expr: return self._bin("^", o, True)
    def __eq__(self, o: Any) -> Expr: return self._bin("==", o)  # type: ignore[override]
    def __ne__(self, o: Any) -> Expr: return self._bin("!=", o)  # type: ignore[override]
    def __lt__(self, o: Any) -> Expr: return self._bin("<", o)
    def __le__(self, o: Any) -> Expr: return self._bin("<=", o)
    def __gt__(self, o: Any) -> Expr: return self._bin(">", o)
    def __ge__(self, o: Any) -> Expr: return self._bin(">=", o)
    def __neg__(self) -> Expr: return BinOp("-", Lit(0), self)
    def __invert__(self) -> Expr: return Invert(self)
    def __getitem__(self, index: Any) -> Expr: return Subscript(self, as_expr(index))

    def __bool__(self) -> bool:
        raise TypeError(
            "a binmodel expression has no truth value when the class is defined; "
            "it is evaluated when data is parsed or built"
        )


class Lit(Expr):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def evaluate(self, ctx: Any) -> Any:
        return self.value

    def text(self) -> str:
        return repr(self.value)


class Ref(Expr):
    """``this.a.b``: the value of field ``a`` of the current struct, then its attribute ``b``.

    ``this._parent.x`` reads field ``x`` of the enclosing struct; in a struct that is an
    array item, ``this._prev.x`` reads field ``x`` of the item before it.
    """

    __slots__ = ("path",)
    path: Tuple[str, ...]

    def __init__(self, path: Tuple[str, ...]) -> None:
        object.__setattr__(self, "path", path)

    def __getattr__(self, name: str) -> Ref:
        if name.startswith("__"):
            raise AttributeError(name)
        return Ref(self.path + (name,))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("expressions are immutable")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("'this.%s' is a reference to a field, not a function" % ".".join(self.path))

    def evaluate(self, ctx: Any) -> Any:
        if not self.path:
            return View(ctx)
        i = 0
        while self.path[i] in ("_parent", "_prev", "_root"):
            if self.path[i] == "_root":
                ctx = root_of(ctx)
            else:
                ctx = parent_of(ctx) if self.path[i] == "_parent" else getattr(ctx, "prev", None)
            if ctx is None:
                raise LookupError("'%s': %s" % (self.text(), "no enclosing struct" if self.path[i] == "_parent"
                                                 else "not an array item after another"))
            i += 1
            if i == len(self.path):
                return View(ctx)
        value = special(ctx, self.path[i])
        for name in self.path[i + 1:]:
            value = getattr(value, name)
        return value

    def text(self) -> str:
        return ".".join(self.path) if self.path else "this"

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        return (self.path,)


class BinOp(Expr):
    __slots__ = ("op", "left", "right", "precedence")

    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right
        self.precedence = _BINARY_OPS[op][1]

    def evaluate(self, ctx: Any) -> Any:
        return _BINARY_OPS[self.op][0](self.left.evaluate(ctx), self.right.evaluate(ctx))

    def text(self) -> str:
        def side(e: Expr, right: bool) -> str:
            t = e.text()
            tighter = e.precedence > self.precedence or (
                e.precedence == self.precedence and not right
            )
            return t if tighter else "(%s)" % t

        return "%s %s %s" % (side(self.left, False), self.op, side(self.right, True))

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        return self.left.refs() + self.right.refs()


class Where(Expr):
    """``where(cond, then, otherwise)``: ``then`` when ``cond`` is true, else ``otherwise`` (only the
    chosen one is evaluated). A conditional that stays an expression, so it prints and compiles."""

    __slots__ = ("cond", "then", "otherwise")
    precedence = 9

    def __init__(self, cond: Expr, then: Expr, otherwise: Expr) -> None:
        self.cond, self.then, self.otherwise = cond, then, otherwise

    def evaluate(self, ctx: Any) -> Any:
        return self.then.evaluate(ctx) if self.cond.evaluate(ctx) else self.otherwise.evaluate(ctx)

    def text(self) -> str:
        return "where(%s, %s, %s)" % (self.cond.text(), self.then.text(), self.otherwise.text())

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        return self.cond.refs() + self.then.refs() + self.otherwise.refs()


def where(cond: Any, then: Any, otherwise: Any) -> Any:
    """``then`` if ``cond`` else ``otherwise``, as an expression: ``where(this.flags & 1, this.a, None)``.

    Python's ``x if c else y`` and ``and``/``or`` cannot be expressions of fields (they ask for a truth
    value when the class is defined); combine conditions with ``&`` and ``|`` around comparisons."""
    return Where(as_expr(cond), as_expr(then), as_expr(otherwise))


class Call(Expr):
    """A user function (usually a lambda) called with a :class:`View` of the context."""

    __slots__ = ("func",)

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def evaluate(self, ctx: Any) -> Any:
        return self.func(View(ctx))

    def text(self) -> str:
        name = getattr(self.func, "__name__", "")
        return "<function>" if name in ("", "<lambda>") else "%s(this)" % name


class _FieldBytes(Expr):
    """Base of derivations that read other fields' bytes or values on build."""

    __slots__ = ("names",)
    label = ""

    def __init__(self, *names: str) -> None:
        if not names or not all(isinstance(n, str) and n.isidentifier() for n in names):
            raise TypeError("%s() takes field names as strings" % self.label)
        self.names = names

    def text(self) -> str:
        return "%s(%s)" % (self.label, ", ".join(self.names))

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        return tuple((n,) for n in self.names)


class LenOf(_FieldBytes):
    __slots__ = ()
    label = "len_of"

    def evaluate(self, ctx: Any) -> Any:
        return sum(len(ctx.bytes_of(n)) for n in self.names)


class Placed(_FieldBytes):
    __slots__ = ()
    label = "placed"

    def evaluate(self, ctx: Any) -> Any:
        return ctx.placed_at(self.names[0])


class CountOf(_FieldBytes):
    __slots__ = ()
    label = "count_of"

    def evaluate(self, ctx: Any) -> Any:
        (name,) = self.names
        return len(ctx.get(name))


class Crc32Of(_FieldBytes):
    __slots__ = ()
    label = "crc32_of"

    def evaluate(self, ctx: Any) -> Any:
        crc = 0
        for n in self.names:
            crc = zlib.crc32(ctx.bytes_of(n), crc)
        return crc


def len_of(*names: str) -> Expr:
    """The number of bytes that the named fields take (summed), as written."""
    return LenOf(*names)


def placed(name: str) -> Expr:
    """Where the data of ``name``, a ``Pointer(..., place=...)`` field, goes on build: its offset, derived
    (on parse: where it was read).

    >>> from binmodel import Struct, Bytes, Pointer, u8, len_of, this
    >>> class Entry(Struct):
    ...     size:   int   = u8(derive=len_of("blob"))
    ...     offset: int   = u8(derive=placed("blob"))
    ...     blob:   bytes = Pointer(this.offset, Bytes(this.size), place=True)
    >>> Entry.build(Entry(blob=b"abc"))
    b'\\x03\\x02abc'
    """
    return Placed(name)


def count_of(name: str) -> Expr:
    """The number of items in the named array field."""
    return CountOf(name)


def crc32_of(*names: str) -> Expr:
    """CRC-32 (zlib, as in PNG, gzip and ZIP) over the bytes of the named fields, in order."""
    return Crc32Of(*names)


this: Any = Ref(())
"""The struct being parsed or built: ``this.length`` refers to its field ``length``."""


def as_expr(value: Any) -> Expr:
    """Turn an int, an expression or a callable into an expression."""
    if isinstance(value, Expr):
        return value
    if callable(value) and not isinstance(value, type):
        return Call(value)
    return Lit(value)


class View:
    """Attribute access to a context, handed to user lambdas: ``lambda this: this.n * 2``."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    def __getattr__(self, name: str) -> Any:
        ctx = self._ctx
        values = ctx.values  # the fields known so far (never _parent, _prev or a dunder: reserved names)
        if name in values:
            value = values[name]
            if getattr(value, "_bm_deferred", False):  # a lazy pointer not read yet: read it now
                return ctx.get(name)
            return value
        if name == "_parent":
            parent: Optional[Any] = parent_of(ctx)
            if parent is None:
                raise AttributeError("this struct has no enclosing struct")
            return View(parent)
        if name == "_prev":  # the previous item of the array this struct is an item of, or None
            prev: Optional[Any] = getattr(ctx, "prev", None)
            return None if prev is None else View(prev)
        if name == "_root":
            return View(root_of(ctx))
        if name in SPECIAL_NAMES:
            try:
                return special(ctx, name)
            except LookupError as exc:
                raise AttributeError(str(exc)) from None
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return ctx.get(name)
        except LookupError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def _bytes(self, name: str) -> bytes:
        """The bytes of field ``name`` (available to ``derive=`` functions): a pointer's are its target's."""
        return bytes(self._ctx.bytes_of(name))


# --- negation, indexing, and what a struct knows of where it is (this._root, this._index, this._io) ---

class Not(Expr):
    """``not_(e)``: true when ``e`` is false (Python's ``not``, which cannot be applied to an expression)."""

    __slots__ = ("operand",)
    precedence = 9

    def __init__(self, operand: Expr) -> None:
        self.operand = operand

    def evaluate(self, ctx: Any) -> Any:
        return not self.operand.evaluate(ctx)

    def text(self) -> str:
        return "not_(%s)" % self.operand.text()

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        return self.operand.refs()


class Invert(Expr):
    """``~e``: logical not when ``e`` gives a bool (a comparison, ``&``/``|`` of comparisons, a ``Bool``
    field), bitwise not (``-e - 1``) when it gives another integer. Python's ``~True`` is ``-2``, which no
    condition means, so a bool is negated as a truth value."""

    __slots__ = ("operand",)
    precedence = 7

    def __init__(self, operand: Expr) -> None:
        self.operand = operand

    def evaluate(self, ctx: Any) -> Any:
        return invert(self.operand.evaluate(ctx))

    def text(self) -> str:
        inner = self.operand.text()
        return "~%s" % (inner if self.operand.precedence >= self.precedence else "(%s)" % inner)

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        return self.operand.refs()


def invert(value: Any) -> Any:
    """What ``~`` means for a value: ``not`` for a bool, bitwise not for any other integer."""
    if isinstance(value, bool):
        return not value
    return ~value


class Subscript(Expr):
    """``this.sizes[this._index]``: an item of a list (or a byte of bytes) chosen by an expression."""

    __slots__ = ("seq", "index")
    precedence = 9

    def __init__(self, seq: Expr, index: Expr) -> None:
        self.seq, self.index = seq, index

    def evaluate(self, ctx: Any) -> Any:
        return self.seq.evaluate(ctx)[self.index.evaluate(ctx)]

    def text(self) -> str:
        inner = self.seq.text()
        return "%s[%s]" % (inner if self.seq.precedence >= self.precedence else "(%s)" % inner, self.index.text())

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        return self.seq.refs() + self.index.refs()


def not_(expr: Any) -> Any:
    """``not_(this.flags & 1)``: the logical negation of a condition, as an expression (``~`` also negates
    comparisons; on a plain integer ``~`` is bitwise)."""
    return Not(as_expr(expr))


SPECIAL_NAMES = ("_index", "_io", "_value", "_item")
"""Names ``this`` gives that are no field: the array index, the region being read, a value being validated."""

IO_ATTRIBUTES = ("size", "pos", "eof")


class Region:
    """``this._io``: the region being parsed (the data, or the enclosing ``Sized`` region)."""

    __slots__ = ("size", "pos", "eof")

    def __init__(self, size: int, pos: int, eof: bool) -> None:
        self.size, self.pos, self.eof = size, pos, eof

    def __repr__(self) -> str:
        return "Region(size=%d, pos=%d, eof=%r)" % (self.size, self.pos, self.eof)


def parent_of(ctx: Any) -> Any:
    """``this._parent``: the enclosing struct, or the one a ``Reparent`` names instead (None: none)."""
    up = getattr(ctx, "up", _NO_UP)
    return ctx.parent if up is _NO_UP else up


_NO_UP = object()


def root_of(ctx: Any) -> Any:
    """``this._root``: the outermost struct being parsed or built."""
    while getattr(ctx, "parent", None) is not None:
        ctx = ctx.parent
    return ctx


def special(ctx: Any, name: str) -> Any:
    """A field's value, or what ``this._index``, ``this._io`` (``_value`` in ``valid=``, ``_item`` in ``until=``)
    mean over ``ctx``."""
    if name == "_index":
        index = getattr(ctx, "index", None)
        if index is None:
            index = getattr(ctx, "item_index", None)
        if index is None:
            raise LookupError("this._index: not inside an array")
        return index
    if name == "_io":
        io = getattr(ctx, "io", None)
        if io is None:
            raise LookupError("this._io: the region is known only while parsing")
        return io()
    return ctx.get(name)
