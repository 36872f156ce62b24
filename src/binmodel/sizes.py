"""Static facts about sizes, read off the schema tree: exact size when fixed, minimum otherwise.

The interpreter uses ``min_size`` to refuse counts that the remaining input
cannot pay for before it allocates anything; ``static_size`` backs ``sizeof()``
and the layout table.
"""

from __future__ import annotations

from typing import Optional

from . import schema as s
from .errors import SizeofError
from .expr import Lit


def _lit(expr: object) -> Optional[int]:
    return expr.value if isinstance(expr, Lit) and isinstance(expr.value, int) else None


def static_size(node: s.Node, path: str = "", _visiting: Optional[set] = None) -> int:
    """The size in bytes of every value of ``node``; ``SizeofError`` naming the variable part otherwise."""
    visiting = _visiting if _visiting is not None else set()

    def variable(why: str) -> SizeofError:
        return SizeofError("%s has no fixed size: %s" % (path or node.name, why))

    fixed = getattr(node, "fixed_size", None)  # a node type added outside this module says its own size
    if fixed is not None:
        return fixed  # type: ignore[no-any-return]

    if isinstance(node, (s.Int, s.Float)):
        return node.size
    if isinstance(node, (s.Bool,)):
        return 1
    if isinstance(node, s.TextInt):
        return node.size
    if isinstance(node, s.BitGroup):
        return node.size
    if isinstance(node, (s.Bytes, s.String, s.Sized)):
        n = _lit(node.size)
        if n is None:
            raise variable("its size is %s" % node.name)
        return n
    if isinstance(node, s.Array):
        n = _lit(node.count)
        if n is None:
            raise variable("its length depends on the data (%s)" % node.name)
        return n * static_size(node.item, path + "[i]", visiting)
    if isinstance(node, (s.Const,)):
        return static_size(node.type, path, visiting)
    if isinstance(node, (s.Enum, s.Flags)):
        return static_size(node.base, path, visiting)
    if isinstance(node, s.Padding):
        return node.size
    if isinstance(node, (s.Pointer, s.Peek, s.Computed)):
        return 0
    if isinstance(node, s.Fallback):
        sizes = {static_size(node.type, path, visiting), static_size(node.otherwise, path, visiting)}
        if len(sizes) != 1:
            raise variable("its two readings differ in size")
        return sizes.pop()
    if isinstance(node, s.Switch):
        sizes = {static_size(t, path, visiting) for _, t in node.cases}
        if node.default is not None:
            sizes.add(static_size(node.default, path, visiting))
        if len(sizes) != 1:
            raise variable("its cases differ in size")
        return sizes.pop()
    if isinstance(node, s.Lazy):
        from .fields import resolve_lazy

        if id(node) in visiting:
            raise variable("it contains itself")
        visiting.add(id(node))
        try:
            return static_size(resolve_lazy(node), path, visiting)
        finally:
            visiting.discard(id(node))
    if isinstance(node, s.Struct) and node.union_size is not None:
        return node.union_size
    if isinstance(node, s.Struct):
        total = 0
        for m in node.members:
            if isinstance(m, s.BitGroup):
                total += m.size
            elif isinstance(m, s.BitRun):
                raise variable("its bit fields %s take as many bits as the data says" % m.fields[0].name)
            elif isinstance(m.type, s.Align):
                total += -total % m.type.to
            else:
                total += static_size(m.type, "%s.%s" % (path, m.name) if path else m.name, visiting)
        return total
    raise variable("%s depends on the data" % node.name)


def min_size(node: s.Node) -> int:
    """The fewest bytes any value of ``node`` can take (0 when it can be empty)."""
    fixed = getattr(node, "fixed_size", None)
    if fixed is not None:
        return fixed  # type: ignore[no-any-return]
    if isinstance(node, (s.Int, s.Float, s.BitGroup)):
        return node.size
    if isinstance(node, (s.Bool, s.VarInt)):
        return 1
    if isinstance(node, s.TextInt):
        return node.size
    if isinstance(node, s.Bytes):
        n = _lit(node.size)
        return n if n is not None else (node.prefix.size if node.prefix is not None and isinstance(node.prefix, s.Int) else 0)
    if isinstance(node, s.Sized):
        n = _lit(node.size)
        if n is not None:
            return n
        return node.prefix.size if isinstance(node.prefix, s.Int) else (1 if node.prefix is not None else 0)
    if isinstance(node, s.String):
        n = _lit(node.size)
        if n is not None:
            return n
        if node.prefix is not None:
            return node.prefix.size if isinstance(node.prefix, s.Int) else 1
        return len(node.terminator) if node.terminator and node.consume and not node.greedy else 0
    if isinstance(node, s.Array):
        n = _lit(node.count)
        if n is not None:
            return n * min_size(node.item)
        if node.prefix is not None:
            return node.prefix.size if isinstance(node.prefix, s.Int) else 1
        return min_size(node.item) if node.until is not None else 0
    if isinstance(node, s.Const):
        return min_size(node.type)
    if isinstance(node, (s.Enum, s.Flags, s.Mapped)):
        return min_size(node.base)
    if isinstance(node, s.Padding):
        return node.size
    if isinstance(node, s.Switch):
        options = [t for _, t in node.cases] + ([node.default] if node.default is not None else [])
        return min(min_size(t) for t in options)
    if isinstance(node, s.Fallback):
        return min(min_size(node.type), min_size(node.otherwise))
    if isinstance(node, s.Struct) and node.union_size is not None:
        return node.union_size
    if isinstance(node, s.Struct):
        return sum(min_size(m) if isinstance(m, s.BitGroup) else 0 if isinstance(m, s.BitRun) else min_size(m.type)
                   for m in node.members)
    if isinstance(node, s.TermBytes):
        return len(node.terminator) if node.terminator and node.consume and not node.greedy else 0
    if isinstance(node, s.Transformed):
        return min_size(node.base)
    return 0  # If, Align, Pointer, Lazy (may recurse)
