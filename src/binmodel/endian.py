"""Byte orders the data decides: ``class Tiff(Struct, endian=Endian(this.magic == b"II", "little", "big"))``.

A struct given an ``Endian`` rule keeps each field whose numbers have no byte order of their own in both
orders (``schema.ByteOrder``); when such a field is parsed or built, the rule is evaluated over the fields
before it (or over enclosing structs: ``this._parent.indicator``) and picks one. Fields with an explicit
order (``u16be``) and nested models keep theirs. Kaitai Struct calls this ``meta/endian`` with ``switch-on``.
"""

from __future__ import annotations

import sys
from typing import Any, Iterator, Mapping, Optional, Tuple

from . import schema as s
from .context import evaluate
from .errors import DefinitionError, short
from .expr import Expr, as_expr

__all__ = ["Endian", "resolve_field_endian"]

_ORDERS = ("big", "little", "native")


def _order(value: Any, what: str) -> str:
    if value not in _ORDERS:
        raise DefinitionError("Endian(): %s must be 'big', 'little' or 'native', not %r" % (what, value))
    return str(value)


class Endian:
    """The byte order of a struct's numbers, chosen by the data.

    ``Endian(condition, "little", "big")``: the first order when ``condition`` holds, else the second.
    ``Endian(this.mark, {b"II": "little", b"MM": "big"}, default=None)``: the order of the case whose key
    matches (keys as in ``Switch``: values, ranges, sets, tuples); with no match and no default, parsing
    fails (Kaitai's ``UndecidedEndiannessError``).
    """

    def __init__(self, on: Any, cases: Any, default: Optional[str] = None) -> None:
        self.on: Expr = as_expr(on)
        self.condition = isinstance(cases, str)
        if self.condition:
            if default is None:
                raise DefinitionError("Endian(condition, then, otherwise) needs both byte orders")
            self.cases: Tuple[Tuple[Any, str], ...] = ((True, _order(cases, "the order when it holds")),)
        elif isinstance(cases, Mapping) and cases:
            self.cases = tuple((k, _order(v, "each case")) for k, v in cases.items())
        else:
            raise DefinitionError("Endian(on, cases) takes a dict {key: 'big' | 'little'} or two byte orders")
        self.default = None if default is None else _order(default, "the default")

    @property
    def text(self) -> str:
        if self.condition:
            return "Endian(%s, %r, %r)" % (self.on.text(), self.cases[0][1], self.default)
        return "Endian(%s)" % self.on.text()

    def __repr__(self) -> str:
        return self.text

    def exprs(self) -> Iterator[Expr]:
        return iter([self.on])

    def decide(self, ctx: Any, path: str, offset: Optional[int], error: type) -> str:
        """'big' or 'little' for the struct ``ctx`` is reading or writing; ``error`` when no case matches."""
        key = evaluate(self.on, ctx, path, offset, "byte order", error)
        if self.condition:
            order = self.cases[0][1] if key else self.default
        else:
            order = next((v for k, v in self.cases if s.key_matches(k, key)), self.default)
        if order is None:
            raise error("no byte order for %s = %s" % (self.on.text(), short(key)), path, offset,
                        expected=[k for k, _ in self.cases], found=key)
        return sys.byteorder if order == "native" else order


def resolve_field_endian(node: s.Node, endian: Any, where: str) -> s.Node:
    """``schema.resolve_endian``, and for an ``Endian`` rule: a field whose numbers need a byte order becomes a
    ``ByteOrder`` holding it in both."""
    if not isinstance(endian, Endian):
        return s.resolve_endian(node, endian, where)
    try:
        return s.resolve_endian(node, None, where)
    except DefinitionError:
        return s.ByteOrder(s.resolve_endian(node, "big", where), s.resolve_endian(node, "little", where), endian)


def static_endian(endian: Any) -> Optional[str]:
    """A class's ``endian=`` when it is a fixed byte order, else None (a rule decides per parse)."""
    return None if isinstance(endian, Endian) else endian
