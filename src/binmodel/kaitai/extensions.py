"""What a .ksy leaves to its users' code: custom ``process:`` routines and opaque types.

Kaitai Struct lets a description name a processing routine it does not define (``process: my_fx(key, 3)``)
and, with ``meta.ks-opaque-types: true``, types it does not define; its users supply them as code. Here
they are given to ``load``: ``processes={"my_fx": MyFx}`` maps a routine's name, as the .ksy writes it
(``nested.deeply.custom_fx`` too), to a factory called with the routine's arguments (Kaitai's Python
convention: a class whose instance has ``decode(bytes) -> bytes`` and, to build, ``encode(bytes) ->
bytes``); ``opaque_types={"hello_world": Model}`` maps a type name to a binmodel model.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from .. import schema as s
from ..errors import DefinitionError
from ..expr import Expr
from ..transforms import Transform, TransformError, bytes_from


@dataclasses.dataclass(frozen=True)
class Extensions:
    """The routines and opaque types a ``load`` was given: the routines checked when given, an opaque type
    when a .ksy names it (so the mapping may make its models when asked, as the conformance runner's does)."""

    processes: Mapping[str, Callable[..., Any]] = dataclasses.field(default_factory=dict)
    opaque_types: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, processes: Optional[Mapping[str, Callable[..., Any]]],
           opaque_types: Optional[Mapping[str, Any]]) -> Extensions:
        processes = dict(processes or {})
        for name, factory in processes.items():
            if not isinstance(name, str) or not callable(factory):
                raise DefinitionError("processes= maps a routine's name to a callable that makes its codec, not "
                                      "%r: %r" % (name, factory))
        return cls(processes, opaque_types if opaque_types is not None else {})

    def opaque_type(self, name: str) -> Any:
        """The model of opaque type ``name`` (None: not given); DefinitionError for what is not a model."""
        model = self.opaque_types.get(name)
        if model is not None and not isinstance(getattr(model, "_bm_node", None), s.Struct):
            raise DefinitionError("opaque_types= maps a type name to a binmodel model, not %r: %r" % (name, model))
        return model


class Process(Transform):
    """A custom routine: ``factory(*args)`` makes the codec that decodes (and encodes) the region's bytes.

    The arguments are constants, or evaluated in the struct each time (``arg``: an expression giving the
    tuple). Not ``exact``: an unchanged value builds back to the bytes it was read from, so a routine with
    no ``encode`` (Kaitai's only need ``decode``) still round-trips what it read."""

    exact = False

    def __init__(self, label: str, factory: Callable[..., Any], args: Tuple[Any, ...],
                 arg: Optional[Expr] = None) -> None:
        self.label, self.factory, self.args, self.arg = label, factory, args, arg

    def text(self, arg: Optional[Expr] = None) -> str:
        return self.label

    def _codec(self, arg: Any) -> Any:
        args = self.args if self.arg is None else tuple(arg)
        try:
            return self.factory(*args)
        except Exception as exc:
            raise TransformError("%s cannot be made with %r: %s: %s" % (self.label, args, type(exc).__name__, exc),
                                 found=args) from None

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        return _call(self._codec(arg), "decode", raw, self.label)

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        return _call(self._codec(arg), "encode", data, self.label)


def _call(codec: Any, what: str, data: bytes, label: str) -> bytes:
    fn = getattr(codec, what, None)
    if not callable(fn):
        raise TransformError("%s has no %s(); only a value as parsed can be built" % (label, what),
                             expected="a codec with %s()" % what, found=type(codec).__name__)
    return bytes_from(fn, data, what)


class Arguments(Expr):
    """The arguments of a custom routine that reads fields: a tuple of the values of its expressions."""

    __slots__ = ("items", "source")

    def __init__(self, items: Tuple[Expr, ...], source: str) -> None:
        self.items, self.source = items, source

    def evaluate(self, ctx: Any) -> Any:
        return tuple(item.evaluate(ctx) for item in self.items)

    def text(self) -> str:
        return self.source

    def refs(self) -> Tuple[Tuple[str, ...], ...]:
        out: Dict[Tuple[str, ...], None] = {}
        for item in self.items:
            out.update(dict.fromkeys(item.refs()))
        return tuple(out)
