"""References checked when a model is defined: ``Bytes(this.lenght)`` is a ``DefinitionError``, not a parse failure.

Where a reference is read decides what it may name:

- in a field's type (a size, a count, a ``Switch`` key, an ``If`` condition, a ``Pointer`` offset, a
  ``Computed`` value) it is read while the data is parsed, when only the fields *before* it have values;
- in ``derive=`` (``len_of``, ``count_of``, ``crc32_of``, expressions) it is read on build and, with
  ``check=True``, after the whole struct is parsed: any field of the struct.

Not checked, because the class cannot know them: ``this._parent...`` (the enclosing struct is whichever model
nests this one), functions (``lambda this: ...``), ``Lazy`` types and nested models (checked when *they* were
defined). ``this._prev.x`` must name a field of this struct (the previous item is one of these), and
``this.hdr.count`` must name a field or attribute of ``hdr`` when ``hdr`` is a nested model.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from . import schema as s
from .errors import DefinitionError
from .expr import IO_ATTRIBUTES, Expr, Ref, _FieldBytes


def check_references(model: str, node: s.Struct, params: Sequence[str] = ()) -> None:
    """Raise ``DefinitionError`` naming ``model.field`` for a reference no parse or build could resolve.
    A parameterised model's ``params`` are known from the start (``this.size``, ``this._params.size``)."""
    fields = [f for f in node.fields() if f.stored]
    types: Dict[str, s.Node] = {f.name: f.type for f in fields}
    names = list(types) + list(params) + (["_params"] if params else [])
    for position, field in enumerate(node.fields()):
        where = "%s.%s" % (model, field.name)
        earlier = [f.name for f in node.fields()[:position] if f.stored] + names[len(types):]
        for expr in _expressions(field.type):
            for path in expr.refs():
                _check_path(path, expr, where, model, field.name, names, earlier, types, parse_time=True)
        _check_frame(field.type, where)
        if field.derive is not None:
            for path in field.derive.refs():
                _check_path(path, field.derive, where, model, field.name, names, names, types, parse_time=False)


def _check_frame(node: s.Node, where: str) -> None:
    """``Array(Item, ..., frame=this.length + 4)``: the frame reads fields of the item."""
    frame, item = getattr(node, "frame", None), getattr(node, "item", None)
    if frame is None or not isinstance(item, s.Struct) or item.cls is None:
        return
    names = [f.name for f in item.fields() if f.stored]
    types = {f.name: f.type for f in item.fields() if f.stored}
    for path in frame.refs():
        _check_path(path, frame, where + " frame=", item.cls.__name__, "frame", names, names, types, parse_time=False)


def _expressions(node: s.Node) -> Iterator[Expr]:
    """The expressions a type reads in the enclosing struct's context (not inside nested models)."""
    if isinstance(node, (s.Struct, s.Lazy)) or not dataclasses.is_dataclass(node):
        return
    yield from s.expressions(node)
    for child in s.children(node):
        yield from _expressions(child)


def _check_path(path: Tuple[str, ...], expr: Expr, where: str, model: str, fname: str, names: Sequence[str],
                readable: Sequence[str], types: Dict[str, s.Node], parse_time: bool) -> None:
    if not path or path[0] in ("_parent", "_root", "_index", "_value", "_item"):
        return  # the struct itself (a function's view), an enclosing struct, an index: known only when parsed
    if path[0] == "_io":
        if len(path) != 2 or path[1] not in IO_ATTRIBUTES:
            raise DefinitionError("%s: %s: this._io has %s" % (where, _quote(expr), ", ".join(
                "this._io." + a for a in IO_ATTRIBUTES)))
        return
    what = _quote(expr)
    if path[0] == "_prev":
        if len(path) > 1 and path[1] not in names:
            raise DefinitionError("%s: %s: the previous item has no field %r (a %s has %s)%s"
                                  % (where, what, path[1], model, _listing(names), _nearest(path[1], names)))
        return
    name = path[0]
    if name == "_params" and name in names:
        if len(path) > 1 and path[1] not in names:
            raise DefinitionError("%s: %s: %s has no parameter %r" % (where, what, model, path[1]))
        return
    if name not in names:
        raise DefinitionError("%s: %s: %s has no field %r%s" % (where, what, model, name, _nearest(name, names)))
    if parse_time and name not in readable:
        when = "is %s itself" % fname if name == fname else "comes after %s" % fname
        hint = ("earlier fields: %s%s" % (_listing(readable), _nearest(name, readable, earlier=True)) if readable
                else "no field comes before %s" % fname)
        raise DefinitionError("%s: %s is read when %s is parsed, but %s %s; only earlier fields can be read there (%s)"
                              % (where, what, fname, name, when, hint))
    _check_attributes(path, expr, where, types.get(name))


def _check_attributes(path: Tuple[str, ...], expr: Expr, where: str, node: Optional[s.Node]) -> None:
    """``this.hdr.count``: ``count`` must be a field (or attribute) of ``hdr``'s model, and so on down."""
    for i, attr in enumerate(path[1:], 1):
        if not isinstance(node, s.Struct) or node.cls is None:
            return  # an Enum member, a list, a Switch's value...: Python attributes, known only when parsed
        sub = {f.name: f.type for f in node.fields() if f.stored}
        if attr in sub:
            node = sub[attr]
            continue
        if hasattr(node.cls, attr):  # a property or method of the model class
            return
        raise DefinitionError("%s: %s: %s (%s) has no field %r%s" % (
            where, _quote(expr), ".".join(path[:i]), node.name, attr, _nearest(attr, list(sub))))


def _quote(expr: Expr) -> str:
    if isinstance(expr, _FieldBytes):
        return expr.text()
    return "this.%s" % expr.text() if isinstance(expr, Ref) else expr.text()


def _listing(names: Sequence[str]) -> str:
    if not names:
        return "none"
    shown: List[str] = list(names[:8])
    return ", ".join(shown) + (", ..." if len(names) > 8 else "")


def _nearest(name: str, candidates: Sequence[str], earlier: bool = False) -> str:
    if not candidates:
        return ""
    close: Any = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if close:
        return "; did you mean %s?" % close[0]
    best = max(candidates, key=lambda c: difflib.SequenceMatcher(None, name, c).ratio())
    return "; the nearest %sname is %s" % ("earlier " if earlier else "", best)
