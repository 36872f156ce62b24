"""How a value is written for people when its type says so: integers in hex (``Hex(u32le)``), converted
values through their ``show`` (``values.IPv4`` as ``192.0.2.8``). Dumps, the HTML view and reprs ask here;
a type that says nothing is left to the renderer's default (``repr``)."""

from __future__ import annotations

import enum
from typing import Any, Callable, Dict, Optional

from . import schema as s


def hex_text(value: Any, size: int) -> str:
    """``0x04034b50``: an integer in hex with every digit of its ``size`` bytes."""
    if isinstance(value, bool) or not isinstance(value, int):
        return repr(value)
    return "%s0x%0*x" % ("-" if value < 0 else "", 2 * size, abs(value))


def shown(node: Optional[s.Node]) -> Optional[Callable[[Any], str]]:
    """The function that writes a value of ``node`` for people, or None when its type leaves it to the renderer."""
    while isinstance(node, (s.Valid, s.Const)):
        node = node.type
    if isinstance(node, s.Int) and node.show == "hex":
        size = node.size
        return lambda value: hex_text(value, size)
    if isinstance(node, s.Mapped):
        return node.show
    if isinstance(node, s.Enum) and isinstance(node.base, s.Int) and node.base.show == "hex":
        size = node.base.size  # a member by name, with its number in hex: LOCAL_FILE_HEADER (0x04034b50)
        return lambda value: ("%s (%s)" % (value.name, hex_text(value.value, size)) if isinstance(value, enum.Enum)
                              else hex_text(value, size))
    return None


def text(node: Optional[s.Node], value: Any) -> Optional[str]:
    """``value`` as its type writes it, or None (no such way, or the way failed on this value)."""
    show = shown(node)
    if show is None:
        return None
    try:
        out = show(value)
    except Exception:  # a value set by hand that the type cannot show: the renderer's default
        return None
    return out if isinstance(out, str) else None


_REPRS: Dict[int, Any] = {}


def repr_fields(cls: Any) -> Dict[str, Callable[[Any], str]]:
    """The fields of model ``cls`` whose reprs are written as hex (``magic=0xa1b2c3d4``), valid Python too."""
    hit = _REPRS.get(id(cls))
    if hit is not None and hit[0] is cls:
        return hit[1]  # type: ignore[no-any-return]
    out: Dict[str, Callable[[Any], str]] = {}
    for f in cls._bm_node.fields():
        node = f.type
        while isinstance(node, (s.Valid, s.Const)):
            node = node.type
        if isinstance(node, s.Int) and node.show == "hex":
            out[f.name] = shown(node)  # type: ignore[assignment]
    _REPRS[id(cls)] = (cls, out)
    return out


def notes_of(spans: Any) -> Dict[str, str]:
    """What a model says of its fields beyond their values, by path: a model class may define
    ``__bm_notes__(self) -> {path: text}`` (paths relative to the instance, as dumps write them) for values
    that point elsewhere, such as ELF's offsets into string tables (``sh_name`` -> ``.interp``). Dumps and
    the HTML view show each text beside its field. A hook that fails says nothing."""
    out: Dict[str, str] = {}
    for span in spans:
        hook = getattr(type(span.value), "__bm_notes__", None) if span.kind == "struct" else None
        if hook is None:
            continue
        try:
            notes = hook(span.value)
        except Exception:  # (a note is a courtesy: a damaged table must not stop the dump)
            continue
        prefix = span.path + "." if span.path else ""
        for path, text in notes.items():
            out[prefix + path if not path.startswith("[") else span.path + path] = str(text)
    return out
