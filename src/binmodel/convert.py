"""Plain values to model objects: the dicts of ``to_dict()`` (and of ``build({...})``) back into instances.

One function for ``Model.from_dict`` and for ``build``, guided by the schema:
nested dicts become nested models, lists of dicts lists of models, and a
``Switch`` picks its case from the fields converted before it.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from . import schema as s
from .fields import resolve_lazy


class _Values:
    """A context over already-converted values, so that ``Switch(on=this.kind)`` can be evaluated."""

    parent = None

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def get(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise LookupError(name) from None


def from_plain(node: s.Node, value: Any, values: Optional[Dict[str, Any]] = None) -> Any:
    """``value`` with dicts turned into model instances where ``node`` has models."""
    if isinstance(node, s.Lazy):
        node = resolve_lazy(node)
    if value is None:
        return None
    if isinstance(node, s.Struct):
        if node.cls is not None and isinstance(value, Mapping):
            return node.cls.from_dict(value)
        return value
    if isinstance(node, s.Array):
        if isinstance(value, (list, tuple)):
            return [from_plain(node.item, v) for v in value]
        return value
    if isinstance(node, (s.If, s.UnlessEnd, s.Pointer, s.Sized, s.Const, s.Peek)):
        return from_plain(node.type, value, values)
    if isinstance(node, s.Fallback):  # a dict is the main type's; anything else is left as it is
        return from_plain(node.type, value, values) if isinstance(value, Mapping) else value
    if isinstance(node, s.Switch) and isinstance(value, Mapping):
        return from_plain(_case(node, value, values or {}), value, values)
    return value


def _case(node: s.Switch, value: Mapping[str, Any], values: Dict[str, Any]) -> s.Node:
    try:
        case = node.case(node.on.evaluate(_Values(values)))
    except Exception:  # the key field is not known (yet): match the dict's keys instead
        case = None
    if case is not None:
        return case
    options = [t for _, t in node.cases] + ([node.default] if node.default is not None else [])
    fits = [t for t in options if isinstance(t, s.Struct) and t.cls is not None
            and set(value) <= set(t.cls._bm_stored)]
    return fits[0] if len(fits) == 1 else s.Bytes()
