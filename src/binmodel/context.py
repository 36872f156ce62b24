"""What ``this`` means in both directions: evaluating a reference over the struct being parsed or built,
and the link from an array item to the one before it (``this._prev``). Parse and build contexts
(``parsing.context.ParseContext``, ``building.context.BuildContext``) both use these.
"""

from __future__ import annotations

from typing import Any, Optional

from .errors import Error
from .expr import Expr, Lit


def link_item(ctx: Any, parent: Any) -> None:
    """``this._prev``: a struct parsed or built as an array item sees the item before it.

    While an array is read or written, its enclosing context's ``item_prev`` is the
    previous item's context; a struct context created then takes it as ``prev``.
    """
    ctx.prev = parent.item_prev if parent is not None else None
    ctx.item_prev = ctx.last_child = None
    if parent is not None:
        parent.last_child = ctx


def link_index(ctx: Any, parent: Any) -> None:
    """``this._index``: a struct made while its parent reads or writes an array item knows that item's index.

    ``ctx.index`` is the index of the item of an array of ``ctx``'s own being read or written (None
    outside one); ``ctx.item_index`` the index of ``ctx`` itself in its parent's array.
    """
    ctx.index = None
    ctx.item_index = getattr(parent, "index", None) if parent is not None else None


def item_done(ctx: Any) -> Any:
    """The context of the array item just read or written, for the next item's ``this._prev``.

    Its own ``prev`` is dropped: ``_prev`` reaches one item back, and a long array does not
    keep a chain of contexts alive.
    """
    done = ctx.last_child
    if done is not None:
        done.prev = None
    return done


def evaluate(expr: Expr, ctx: Any, path: str, offset: Optional[int], what: str, error: type) -> Any:
    """The value of ``expr`` over ``ctx``; a failure of a reference or a user function becomes ``error``
    (ParseError or BuildError) naming the expression, at ``path`` and ``offset``."""
    if isinstance(expr, Lit):
        return expr.value
    try:
        return expr.evaluate(ctx)
    except Error:
        raise
    except Exception as exc:  # user lambdas and references may fail in any way
        raise error("cannot evaluate %s %s: %s: %s" % (what, expr.text(), type(exc).__name__, exc),
                    path, offset) from None


MAX_DEPTH = 64
"""Nested structs deeper than this are refused, on parse and on build (recursive models, pointer loops)."""


def until_holds(pred: Any, item: Any, path: str, pos: Optional[int], error: type, ctx: Any = None) -> bool:
    """Whether an ``until=`` condition holds for ``item``: a function of the item, or an expression over the
    struct ``ctx`` in which ``this._item`` is the item; its failure becomes ``error`` at ``path``."""
    try:
        if isinstance(pred, Expr):
            return bool(pred.evaluate(_WithItem(ctx, item)))
        return bool(pred(item))
    except Error:
        raise
    except Exception as exc:
        raise error("until= condition failed: %s: %s" % (type(exc).__name__, exc), path, pos) from None


class _WithItem:
    """The struct an ``until=`` expression reads, with ``this._item`` the array item just read or written."""

    __slots__ = ("_ctx", "_item")

    def __init__(self, ctx: Any, item: Any) -> None:
        self._ctx, self._item = ctx, item

    def get(self, name: str) -> Any:
        if name == "_item":
            return self._item
        if self._ctx is None:
            raise LookupError("no field %r: this array is not in a struct" % name)
        return self._ctx.get(name)

    def __getattr__(self, name: str) -> Any:
        if self._ctx is None:
            if name in ("parent", "prev", "index", "item_index", "io"):
                return None
            raise AttributeError(name)
        return getattr(self._ctx, name)


def reparent_target(node: Any, ctx: Any, path: str, offset: Optional[int], error: type) -> Any:
    """The context a ``Reparent``'s struct names as ``this._parent``: ``node.up`` levels out from the
    struct holding it (``ctx``), or None for none."""
    from .expr import parent_of

    if node.up is None:
        return None
    target = ctx
    for _ in range(node.up):
        target = parent_of(target) if target is not None else None
    if target is None:
        raise error("%s: the struct holding it has no struct %d level%s out" % (node.name, node.up,
                                                                                "" if node.up == 1 else "s"),
                    path, offset)
    return target
