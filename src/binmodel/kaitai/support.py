"""What source written by ``binmodel ksy2py`` imports besides binmodel itself: the parts of Kaitai's
semantics that binmodel has no expression or field form for (an expression only Kaitai's evaluator
computes, a value instance with ``enum:``, a ``valid:`` part, a substream, an unknown encoding)."""

from __future__ import annotations

import functools
from typing import Any, Dict, Optional, Tuple

from .. import expr as bx
from . import expr as kx
from .ksy import attr_name
from .loader import _SUBSTREAM as SUBSTREAM
from .loader import _KaitaiValid as KaitaiValid
from .loader import _ToEnum
from .loader import _UnknownEncoding as UnknownEncoding

__all__ = ["kaitai_eval", "as_enum", "KaitaiValid", "SUBSTREAM", "UnknownEncoding"]

_NO_ITEM = object()


@functools.cache
def _parsed(text: str) -> kx.Node:
    return kx.parse(text)


def kaitai_eval(text: str, obj: Any, enums: Optional[Dict[Tuple[Tuple[str, ...], str], Any]] = None,
                item: Any = _NO_ITEM) -> Any:
    """The value of Kaitai expression ``text`` over ``obj`` (the view of the struct being parsed; None in a
    ``repeat-until`` over ``item``, Kaitai's ``_``); ``enums`` maps each ``path::member`` it names to the
    member. A failure is a ``ValueError``, which the parse or build reports as its own error."""
    table = enums or {}

    def member(path: Tuple[str, ...], name: str) -> Any:
        try:
            return table[(path, name)]
        except KeyError:
            raise LookupError("unknown enum member %s::%s" % ("::".join(path), name)) from None

    env = kx.Env(enum=member, attr=attr_name, locals={} if item is _NO_ITEM else {"_": item})
    try:
        return kx.evaluate(_parsed(text), obj, env, text)
    except kx.KaitaiExprError as exc:
        raise ValueError(exc.args[0]) from None


def as_enum(value: Any, enum_cls: Any) -> Any:
    """A value instance with ``enum:``: the member of ``enum_cls`` with that value (unknown values stay ints)."""
    return bx.Call(_ToEnum(bx.as_expr(value), enum_cls))
