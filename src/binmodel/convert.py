"""Plain values to model objects: the dicts of ``to_dict()`` (and of ``build({...})``) back into instances.

One function for ``Model.from_dict`` and for ``build``, guided by the schema:
nested dicts become nested models, lists of dicts lists of models, and a
``Switch`` picks its case from the fields converted before it.
"""

from __future__ import annotations

import array
import enum
from typing import Any, Dict, Mapping, Optional

from . import schema as s
from .errors import ParseError
from .fields import resolve_lazy
from .malformed import Malformed


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
    if isinstance(value, Mapping) and set(value) == {"malformed", "error"} and not (
            isinstance(node, s.Struct) and node.cls is not None and "malformed" in node.cls._bm_stored):
        return Malformed(bytes.fromhex(value["malformed"]), ParseError(str(value["error"])))  # (json_ready's)
    if isinstance(node, s.Struct):
        if node.cls is not None and isinstance(value, Mapping):
            return node.cls.from_dict(value)
        return value
    if isinstance(node, s.Array):
        if isinstance(value, (list, tuple)):
            return [from_plain(node.item, v) for v in value]
        return value
    if isinstance(node, (s.If, s.UnlessEnd, s.Pointer, s.Sized, s.Const, s.Peek, s.Valid, s.Reparent)):
        return from_plain(node.type, value, values)
    if isinstance(node, s.Fallback):  # a dict is the main type's; anything else is left as it is
        return from_plain(node.type, value, values) if isinstance(value, Mapping) else value
    if isinstance(node, s.Switch) and isinstance(value, Mapping):
        return from_plain(_case(node, value, values or {}), value, values)
    if isinstance(node, s.Switch) and isinstance(value, str):  # JSON text of a case's value (an address, bytes)
        case = _known_case(node, values or {})
        return value if case is None else from_plain(case, value, values)
    if isinstance(node, s.Mapped) and isinstance(value, (str, int, float, list)) and not isinstance(value, bool):
        try:  # JSON text (or the wire value) made the value it stands for: decode(encode(text))
            return node.decode(node.encode(value))
        except Exception:  # (left as given: building it names the problem)
            return value
    if isinstance(node, (s.Bytes, s.TermBytes)) and isinstance(value, str):  # bytes in JSON: hex
        try:
            return bytes.fromhex(value)
        except ValueError:
            return value
    return value


def _known_case(node: s.Switch, values: Dict[str, Any]) -> Optional[s.Node]:
    try:
        return node.case(node.on.evaluate(_Values(values)))
    except Exception:  # the key field is not known
        return None


def json_ready(value: Any) -> Any:
    """``value`` as JSON takes it (``to_dict(json=True)``): numbers, text and ``None`` as they are (enum
    members as their numbers), bytes as hex, models as dicts, arrays as lists, a value with a
    ``__bm_json__`` method (``values.OutOfRange``) as what it gives, anything else (an address, a
    ``datetime``, a UUID) as its ``str``, which ``from_dict`` reads back."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (int, float)):
        return value if type(value) in (int, float) else (int(value) if isinstance(value, int) else float(value))
    if isinstance(value, Malformed):  # bytes kept with their error (Array on_error="keep")
        return {"malformed": value.hex(), "error": str(value.error)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if hasattr(type(value), "_bm_node"):
        return value.to_dict(json=True)
    if isinstance(value, (list, tuple, array.array)):
        return [json_ready(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    hook = getattr(value, "__bm_json__", None)
    if hook is not None:
        return json_ready(hook())
    return str(value)


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
