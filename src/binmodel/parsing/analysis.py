"""Facts read off the schema tree that decide how generated parsers fit together: how deeply structs
nest, how far up a struct's references reach (``this._parent...``), which structs a struct's code
calls. They are about the model, not about any emitted line, so the generator asks them before it
writes and never needs to mirror itself.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .. import schema as s
from ..context import MAX_DEPTH
from ..expr import BinOp, Call, Expr, Invert, Not, Subscript, Where
from ..fields import resolve_lazy

MAX_STATIC_DEPTH = 32
"""Models nested deeper than this are left to the interpreter (its depth limit applies)."""
LAZY_LEVELS = MAX_DEPTH - MAX_STATIC_DEPTH
"""Struct levels generated code follows through ``Lazy`` types, on top of a compiled model's own (at most
``MAX_STATIC_DEPTH``): together never deeper than the interpreter's limit."""
UNBOUNDED = 1 << 20
"""``parent_need`` of a struct with a user function: it may reach any enclosing struct."""


def compilable(node: s.Struct) -> bool:
    """Whether generated code parses ``node`` at all: a model class's struct, not a union, not too deep."""
    return (node.union_size is None and node.cls is not None and depth(node) <= MAX_STATIC_DEPTH
            and not interpreted_only(node))


def lazy_resolved(node: s.Lazy) -> Optional[s.Node]:
    """What a ``Lazy`` names, or None when its function fails (the interpreter reports that when it parses)."""
    try:
        return resolve_lazy(node)
    except Exception:
        return None


def depth(node: s.Node, seen: int = 0) -> int:
    """How deeply structs nest in ``node`` (counting stops past the limit)."""
    if seen > MAX_STATIC_DEPTH:
        return seen
    if isinstance(node, s.Struct):
        return 1 + max([depth(f.type, seen + 1) for f in node.fields()] or [0])
    depths = [depth(child, seen) for child in s.children(node)]
    return max(depths or [0])


def parent_need(node: s.Struct) -> int:
    """The most enclosing structs any struct ``node`` reaches (nested, compiled or not, and through ``Lazy``
    types) refers to above ``node``: its own reach less its nesting below ``node``, the shortest way there.
    (Generated code may call ``node`` with no parent: what the interpreter then parses in its context must
    not need one, nor must a ``Fallback`` main type the interpreter judges alone.)"""
    need, level, found = 0, {id(node): 0}, [node]
    for struct_node in found:  # (breadth first: each struct at its least nesting)
        below = level[id(struct_node)]
        reach, inner = _own_reach(struct_node)
        need = max(need, reach - below)
        for child in inner:
            if id(child) not in level:
                level[id(child)] = below + 1
                found.append(child)
    return need


def _own_reach(node: s.Struct) -> Tuple[int, List[s.Struct]]:
    """How many enclosing structs ``node``'s own expressions reach, and the structs directly inside it."""
    reach, inner = 0, []

    def refs(e: Any) -> None:
        nonlocal reach
        if has_call(e):  # a user function may read this._parent at any depth
            reach = UNBOUNDED
        elif isinstance(e, Expr):
            for path in e.refs():
                up = 0
                while up < len(path) and path[up] == "_parent":
                    up += 1
                if "_prev" in path[up:up + 1]:  # the item before: its context hangs off the parent's
                    up += 1
                reach = max(reach, up)

    def walk(t: s.Node) -> None:
        if isinstance(t, s.Lazy):
            target = lazy_resolved(t)
            if target is None:
                return
            t = target
        if isinstance(t, s.Struct):
            inner.append(t)
            return
        for e in s.expressions(t):  # sizes, keys, offsets...
            refs(e)
        rule = t.constraint if isinstance(t, s.Valid) else t.rule if isinstance(t, s.ByteOrder) else None
        if rule is not None:  # (generated code compiles a constraint's or a byte order rule's expressions too)
            for e in rule.exprs():
                refs(e)
        for child in s.children(t):
            walk(child)

    for f in node.fields():
        walk(f.type)
        if f.check:
            refs(f.derive)
    return reach, inner


def has_call(e: Any) -> bool:
    """Whether an expression calls a user function (whose references cannot be known)."""
    if isinstance(e, Call):
        return True
    if isinstance(e, BinOp):
        return has_call(e.left) or has_call(e.right)
    if isinstance(e, Where):
        return has_call(e.cond) or has_call(e.then) or has_call(e.otherwise)
    if isinstance(e, (Not, Invert)):
        return has_call(e.operand)
    if isinstance(e, Subscript):
        return has_call(e.seq) or has_call(e.index)
    return False


def nested_structs(node: s.Struct) -> List[s.Struct]:
    """The structs directly inside ``node``'s fields (through arrays, switches and other wrappers)."""
    found: List[s.Struct] = []

    def walk(t: s.Node) -> None:
        if isinstance(t, s.Struct):
            found.append(t)
            return
        for child in s.children(t):
            walk(child)

    for f in node.fields():
        walk(f.type)
    return found


def lazy_structs(node: s.Struct, lazy_target: Callable[[s.Lazy], Optional[s.Struct]]) -> List[s.Struct]:
    """The structs ``node``'s generated code reaches through ``Lazy`` types (those ``lazy_target`` gives)."""
    found: List[s.Struct] = []

    def walk(t: s.Node) -> None:
        if isinstance(t, s.Lazy):
            target = lazy_target(t)
            if target is not None:
                found.append(target)
        elif not isinstance(t, s.Struct):
            for child in s.children(t):
                walk(child)

    for f in node.fields():
        walk(f.type)
    return found


INTERPRETED_NAMES = ("_root", "_index", "_io")
"""References generated parsers leave to the interpreter, for the whole model: only its contexts know the
outermost struct, the index of the array item being read and the region's start and position."""

_INTERPRETED: Dict[int, Tuple[s.Struct, bool]] = {}


def interpreted_only(node: s.Struct) -> bool:
    """Whether ``node`` or a struct it reaches (nested, or through ``Lazy``) refers to ``this._root``,
    ``this._index`` or ``this._io``, or has a region or lazy ``Pointer`` or a ``BitRun``: then the interpreter
    parses the whole of it."""
    hit = _INTERPRETED.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    found, seen, todo = False, {id(node)}, [node]
    while todo and not found:
        struct_node = todo.pop()
        found = any(isinstance(m, s.BitRun) for m in struct_node.members)  # (a bit cursor across fields)
        for f in struct_node.fields():
            found = found or _names_interpreted(f.type, seen, todo)
    _INTERPRETED[id(node)] = (node, found)
    return found


def _names_interpreted(t: Any, seen: set, todo: List[s.Struct]) -> bool:
    if isinstance(t, s.Lazy):
        t = lazy_resolved(t)
    if isinstance(t, s.Struct):
        if id(t) not in seen:
            seen.add(id(t))
            todo.append(t)
        return False
    if not dataclasses.is_dataclass(t):
        return False
    if isinstance(t, s.Reparent):
        return True  # (generated code passes each struct its parent)
    if isinstance(t, s.Pointer) and (t.region or t.lazy or t.io is not None):
        return True  # (generated code keeps no region start; a lazy value read later names its whole path)
    if isinstance(t, s.Array) and isinstance(t.until, Expr):
        return True  # (an until= expression over the struct and this._item)
    for item in dataclasses.fields(t):
        value = getattr(t, item.name, None)
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            v = v[1] if isinstance(v, tuple) and len(v) == 2 else v  # (key, node) of switch cases
            if isinstance(v, Expr):
                exprs: List[Any] = [v]
            else:  # a constraint or rule holding expressions (valid=, a byte order decided by the data)
                exprs = list(v.exprs()) if callable(getattr(type(v), "exprs", None)) else []
            for e in exprs:
                if isinstance(e, Expr) and any(n in path for path in e.refs() for n in INTERPRETED_NAMES):
                    return True
            if isinstance(v, s.Node) and _names_interpreted(v, seen, todo):
                return True
    return False



def _any_struct(node: s.Struct, cache: Dict[int, Tuple[s.Struct, bool]], has: Callable[[s.Struct], bool]) -> bool:
    """Whether ``has`` holds for ``node`` or a struct inside it (through ``Lazy`` too), cached per node."""
    hit = cache.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    seen: Set[int] = set()
    todo = [node]
    found = False
    while todo and not found:
        struct = todo.pop()
        if id(struct) in seen:
            continue
        seen.add(id(struct))
        found = has(struct)
        todo.extend(nested_structs(struct))
        todo.extend(lazy_structs(struct, _struct_of_lazy))
    cache[id(node)] = (node, found)
    return found


def _struct_of_lazy(node: s.Lazy) -> Optional[s.Struct]:
    target = lazy_resolved(node)
    return target if isinstance(target, s.Struct) else None


_DERIVES: Dict[int, Tuple[s.Struct, bool]] = {}


def derives(node: s.Struct) -> bool:
    """Whether ``node`` or a struct inside it has a derived field: then a parse keeps where the data came
    from (``_bm_src``), for a build to tell a stale value from an edited one."""
    return _any_struct(node, _DERIVES, lambda struct: any(f.derive is not None for f in struct.fields()))


_PLACES: Dict[int, Tuple[s.Struct, bool]] = {}


def places(node: s.Struct) -> bool:
    """Whether a ``Pointer(..., place=...)`` is in ``node`` or a struct inside it: then a build measures
    first and places the pointers' data after everything else (building.interpreter.Placement)."""
    return _any_struct(node, _PLACES, lambda struct: any(_holds(f.type, _placed) for f in struct.fields()))


def _placed(t: s.Node) -> bool:
    return isinstance(t, s.Pointer) and t.place is not None


def _holds(t: s.Node, test: Callable[[s.Node], bool]) -> bool:
    """Whether ``test`` holds for ``t`` or a node inside it, short of the structs inside it."""
    return test(t) or (not isinstance(t, s.Struct) and any(_holds(c, test) for c in s.children(t)))


_IO: Dict[int, Tuple[s.Struct, bool]] = {}


def reads_regions(node: s.Struct) -> bool:
    """Whether a ``Pointer(..., io=)`` is in ``node`` or a struct inside it: then a parse remembers the
    region each struct was read in, and a build where each struct's bytes go (``io=`` names a struct)."""
    return _any_struct(node, _IO, lambda struct: any(_holds(f.type, _in_region) for f in struct.fields()))


def _in_region(t: s.Node) -> bool:
    return isinstance(t, s.Pointer) and t.io is not None


_READS_IO: Dict[int, Tuple[s.Struct, bool]] = {}


def reads_io(node: s.Struct) -> bool:
    """Whether an expression in ``node`` or a struct inside it names ``this._io``: then a build keeps track of
    where in its region each value is written (``this._io.pos`` on build)."""
    return _any_struct(node, _READS_IO, lambda struct: any(
        _holds(f.type, _names_io) or (f.derive is not None and _io_named(f.derive)) for f in struct.fields()))


def _names_io(t: s.Node) -> bool:
    for item in dataclasses.fields(t):
        value = getattr(t, item.name, None)
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, Expr) and _io_named(v):
                return True
            exprs = getattr(type(v), "exprs", None)
            if callable(exprs) and any(isinstance(e, Expr) and _io_named(e) for e in v.exprs()):
                return True
    return False


def _io_named(e: Expr) -> bool:
    return any("_io" in path for path in e.refs())
