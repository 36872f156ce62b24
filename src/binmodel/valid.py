"""Constraints a field's value must meet: ``u8(valid=range(1, 5))``, ``valid=Range(0, this.limit)``,
``valid=AnyOf(1, 2, 3)``, ``valid=lambda v: v % 2 == 0`` or an expression over ``this._value``.

``as_constraint`` turns what ``valid=`` was given into a ``Constraint``: ``holds(value, ctx)`` says whether
the value meets it (``ctx`` is the struct being parsed or built, for expressions), ``text`` describes it
for errors and tables. The ``schema.Valid`` node wraps the field's type with one; the interpreters check
it after parsing and before building (generated parsers compile the common constraints: ``parsing.forms``).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Tuple

from .errors import DefinitionError
from .expr import Call, Expr, Lit, as_expr

__all__ = ["Range", "AnyOf", "Constraint", "as_constraint"]


class Constraint:
    """What a valid value is: ``holds(value, ctx)``, described by ``text``."""

    text = ""

    def holds(self, value: Any, ctx: Any) -> bool:
        raise NotImplementedError

    def exprs(self) -> Iterator[Expr]:
        """The expressions it evaluates over the struct (for the analysis of what a model reads)."""
        return iter(())

    def __repr__(self) -> str:
        return "<valid %s>" % self.text


class ValueScope:
    """The struct being parsed or built, with ``this._value`` the value being checked."""

    __slots__ = ("_ctx", "_value", "values")

    def __init__(self, ctx: Any, value: Any) -> None:
        self._ctx, self._value = ctx, value
        self.values = dict(getattr(ctx, "values", None) or {}, _value=value)

    def get(self, name: str) -> Any:
        if name == "_value":
            return self._value
        if self._ctx is None:
            raise LookupError("no field %r: this value is not in a struct" % name)
        return self._ctx.get(name)

    def __getattr__(self, name: str) -> Any:
        if self._ctx is None:
            if name in ("parent", "prev", "index", "item_index"):
                return None
            raise AttributeError(name)
        return getattr(self._ctx, name)


def _value_of(e: Expr, ctx: Any, value: Any) -> Any:
    return e.value if isinstance(e, Lit) else e.evaluate(ValueScope(ctx, value))


class Range(Constraint):
    """``min <= value <= max`` (both included, as Kaitai's ``valid: {min, max}``); either may be None or an
    expression (``Range(1, this.count)``). Works for any ordered values: numbers, bytes, text."""

    def __init__(self, min: Any = None, max: Any = None) -> None:
        if min is None and max is None:
            raise DefinitionError("Range() needs a min, a max or both")
        self.min = None if min is None else as_expr(min)
        self.max = None if max is None else as_expr(max)
        low = "" if self.min is None else "%s <= " % self.min.text()
        high = "" if self.max is None else " <= %s" % self.max.text()
        self.text = "%svalue%s" % (low, high)

    def holds(self, value: Any, ctx: Any) -> bool:
        if self.min is not None and not _value_of(self.min, ctx, value) <= value:
            return False
        return self.max is None or bool(value <= _value_of(self.max, ctx, value))

    def exprs(self) -> Iterator[Expr]:
        return iter([e for e in (self.min, self.max) if e is not None])


class _InRange(Constraint):
    """A Python ``range``: an integer in it (``range(1, 5)``: 1 to 4)."""

    def __init__(self, r: range) -> None:
        self.range = r
        self.text = "in %r" % (r,)

    def holds(self, value: Any, ctx: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and int(value) in self.range


class AnyOf(Constraint):
    """One of the values given (``AnyOf(1, 2, 3)``; expressions are evaluated), compared with ``==``."""

    def __init__(self, *values: Any) -> None:
        if not values:
            raise DefinitionError("AnyOf() needs at least one value")
        self.values: Tuple[Expr, ...] = tuple(as_expr(v) for v in values)
        self.text = "any of %s" % ", ".join(v.text() for v in self.values)

    def holds(self, value: Any, ctx: Any) -> bool:
        return any(value == _value_of(v, ctx, value) for v in self.values)

    def exprs(self) -> Iterator[Expr]:
        return iter(self.values)


class _Equal(Constraint):
    def __init__(self, value: Any) -> None:
        self.value = value
        self.text = "== %r" % (value,)

    def holds(self, value: Any, ctx: Any) -> bool:
        return bool(value == self.value)


class _Function(Constraint):
    """``lambda v: ...``: called with the value alone."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        name = getattr(func, "__name__", "")
        self.text = "<function> holds" if name in ("", "<lambda>") else "%s(value)" % name

    def holds(self, value: Any, ctx: Any) -> bool:
        return bool(self.func(value))


class _Condition(Constraint):
    """An expression over the struct, in which ``this._value`` is the value being checked."""

    def __init__(self, expr: Expr) -> None:
        self.expr = expr
        self.text = expr.text()

    def holds(self, value: Any, ctx: Any) -> bool:
        return bool(self.expr.evaluate(ValueScope(ctx, value)))

    def exprs(self) -> Iterator[Expr]:
        return iter([self.expr])


def as_constraint(valid: Any) -> Constraint:
    """The constraint ``valid=`` describes: a Constraint, a ``range``, a set or tuple (any of), a function of the
    value, an expression (``this._value``), or a value it must equal."""
    if isinstance(valid, Constraint):
        return valid
    if isinstance(valid, range):
        return _InRange(valid)
    if isinstance(valid, (set, frozenset, tuple)):
        if isinstance(valid, (set, frozenset)):
            valid = sorted(valid, key=repr)
        return AnyOf(*valid)
    if isinstance(valid, Call):
        return _Function(valid.func)
    if isinstance(valid, Expr):
        return _Condition(valid)
    if callable(valid) and not isinstance(valid, type):
        return _Function(valid)
    if isinstance(valid, (int, float, bytes, str)):
        return _Equal(valid)
    raise DefinitionError("valid= takes a range, Range(min, max), AnyOf(...), a function of the value or an "
                          "expression, not %r" % (valid,))


def check(constraint: Constraint, value: Any, ctx: Any) -> Optional[str]:
    """None when ``value`` meets ``constraint``; otherwise why not (a failing function's error included)."""
    try:
        if constraint.holds(value, ctx):
            return None
        return ""
    except Exception as exc:  # a comparison of unlike values, a user function that fails
        return "%s: %s" % (type(exc).__name__, exc)
