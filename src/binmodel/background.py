"""The bytes around pointer data: what a parse found where no field reads, kept so build writes it back.

A struct with a ``Pointer`` reads a value somewhere else in its region (the data, or the enclosing
``Sized`` region with ``region=True``); the bytes between the struct's own fields and that value
belong to no field. Build places pointer data past the end of what the fields wrote, and the gap
would be zeros: bytes lost. So a parse keeps, on each instance of a struct with such pointers, the
region it was read from (a view of the data, not a copy, when the data is ``bytes``), and build
fills a gap with the bytes that region held at the same offsets (zeros only past its end). The
bytes are a background: every byte a field or pointer writes is written over it.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from . import schema as s

REGION, DATA = "__region__", "__data__"
"""Keys of the parsed instance's ``_bm_parsed``: its ``Sized`` region's bytes (``region=True`` pointers)
and the whole data's (absolute pointers)."""

_KINDS: Dict[int, Tuple[s.Struct, Tuple[str, ...]]] = {}


def kinds(node: s.Struct) -> Tuple[str, ...]:
    """Which backgrounds a struct's pointers need: ``REGION`` for ``region=True``, ``DATA`` for absolute
    offsets (a pointer ``relative`` to its struct writes inside it: no gap)."""
    hit = _KINDS.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    found = set()
    for f in node.fields():
        t = f.type
        while isinstance(t, (s.If, s.Valid)):
            t = t.type
        if isinstance(t, s.Pointer) and not t.relative:
            found.add(REGION if t.region else DATA)
    out = tuple(sorted(found))
    _KINDS[id(node)] = (node, out)
    return out


def keep(obj: Any, node: s.Struct, data: Any, begin: int, end: int) -> None:
    """Remember on ``obj`` (just parsed as ``node``) the bytes of its region and of the data, as its
    pointers need them."""
    needed = kinds(node)
    if not needed or not hasattr(type(obj), "_bm_node"):
        return
    parsed = dict(getattr(obj, "_bm_parsed", None) or {})
    for kind in needed:
        parsed[kind] = _view(data, begin, end) if kind == REGION else _view(data, 0, len(data))
    object.__setattr__(obj, "_bm_parsed", parsed)


def _view(data: Any, begin: int, end: int) -> Any:
    """``data[begin:end]`` without a copy when nothing can change it (``bytes``), else a copy."""
    if isinstance(data, bytes):
        return memoryview(data)[begin:end]
    return bytes(data[begin:end])


def of(parsed: Any, region: bool) -> Optional[Any]:
    """The background a pointer of a struct with ``parsed`` (its ``_bm_parsed``) writes over."""
    if not parsed:
        return None
    return parsed.get(REGION if region else DATA)


def detach(obj: Any) -> Any:
    """Drop what a parse kept of its data: the root's ``_bm_src`` (for change tracking) and every
    instance's background views, so the data can be freed while the objects live on; lazy pointer
    values are read first. Returns ``obj``. Its build is then that of objects made by hand: derived
    values recomputed, zeros in the gaps between pointer data."""
    seen = set()
    stack = [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple)):
            stack.extend(value)
            continue
        if isinstance(value, dict):
            stack.extend(value.values())
            continue
        if not hasattr(type(value), "_bm_node") or id(value) in seen:
            continue
        seen.add(id(value))
        if getattr(value, "_bm_src", None) is not None:
            object.__setattr__(value, "_bm_src", None)
        parsed = getattr(value, "_bm_parsed", None)
        if parsed and (REGION in parsed or DATA in parsed):
            object.__setattr__(value, "_bm_parsed", {k: v for k, v in parsed.items() if k not in (REGION, DATA)})
        stack.extend(getattr(value, name) for name in type(value)._bm_stored)  # (reads lazy values)
    return obj
