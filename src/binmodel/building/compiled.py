"""Generated builders put together and run: ``build_X(o)`` per struct, and the entry ``Model.build`` calls.

The mirror of ``parsing.compiled``. A struct is built by generated code when its generator wrote every
member (``building.generator``); a struct whose generator gave up is built by the interpreter. The
entry runs the generated body inside ``try``: any failure hands the object to the interpreter, which
gives the bytes or the exact error.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import codegen as g
from .. import schema as s
from ..parsing.analysis import places
from ..wire import NaN
from .generator import HELPERS, BuildCompiler
from .interpreter import build, typed_bytes

_ENTRY_NAMES = {"o": "obj"}
"""The entry's parameter keeps the name of ``Model.build``'s."""


class BuildRegistry:
    """Generated builders per struct node (None for a node built by the interpreter)."""

    def __init__(self) -> None:
        self.builders: Dict[int, Tuple[s.Struct, Optional[Any], Optional[Any]]] = {}  # node, builder, entry

    def buildable(self, node: s.Struct) -> bool:
        """Whether generated code builds ``node``."""
        return self._compiled(node)[1] is not None

    def builder(self, node: s.Struct) -> Callable[[Any], bytes]:
        """``build_X(o) -> bytes`` for ``node``; ``GiveUp`` when the interpreter builds it."""
        found = self._compiled(node)[1]
        if found is None:
            raise g.GiveUp
        return found  # type: ignore[no-any-return]

    def entry(self, node: s.Struct) -> Optional[Callable[[Any], bytes]]:
        """``entry_X(obj)`` for ``node``, or None when the interpreter builds it."""
        return self._compiled(node)[2]

    def _compiled(self, node: s.Struct) -> Tuple[s.Struct, Optional[Any], Optional[Any]]:
        """``(node, builder, entry)``, generated once; ``(node, None, None)`` when the generator gave up."""
        key = id(node)
        hit = self.builders.get(key)
        if hit is not None and hit[0] is node:
            return hit
        self.builders[key] = (node, None, None)  # (while being written: a struct that holds itself gives up)
        if places(node):  # (two passes: the interpreter measures, then places pointer data)
            return self.builders[key]
        try:
            compiler = BuildCompiler(node, self)
            body = compiler.compile()
        except g.GiveUp:
            return self.builders[key]
        name = "".join(c if c.isalnum() else "_" for c in node.name)
        source = "\n".join(_assemble(name, body)) + "\n"
        scope = dict(compiler.w.scope)
        scope.update((g.PREFIX + k, v) for k, v in HELPERS.items())
        scope.update(_bm_NaN=NaN, _bm_typed_bytes=typed_bytes, _bm_slow=build, _bm_node=node)
        defined = g.run(source, scope, node, "build")
        self.builders[key] = (node, defined["build_%s" % name], defined["entry_%s" % name])
        return self.builders[key]


def _assemble(name: str, body: List[g.Line]) -> List[str]:
    """``build_NAME(o)`` and ``entry_NAME(obj)``: the same body, the entry's inside ``try`` with the
    interpreter after it."""
    return ["def build_%s(_bm_o):" % name] + g.render(body) + [
        # (refresh: only a derived value that disagrees is decided otherwise, and that the interpreter does)
        "def entry_%s(obj, refresh=False):" % name,
        "    try:",
    ] + g.render(body, _ENTRY_NAMES, extra=1) + [
        "    except Exception:",
        "        pass",
        "    return _bm_slow(_bm_node, obj, refresh)",
    ]


BUILDERS = BuildRegistry()

_BUILD_ENTRIES: Dict[int, Tuple[s.Struct, Callable[..., bytes]]] = {}


def build_entry(node: s.Struct) -> Callable[..., bytes]:
    """``build(obj)`` for ``node``, made once: generated code when the model allows, the interpreter
    otherwise and on any failure (which then gives the bytes or the exact error)."""
    hit = _BUILD_ENTRIES.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    entry = BUILDERS.entry(node)
    if entry is None:
        slow = build

        def entry(obj: Any, refresh: bool = False) -> bytes:
            """``entry_X(obj)`` for ``node``, or None when the interpreter builds it."""
            return slow(node, obj, refresh)
    _BUILD_ENTRIES[id(node)] = (node, entry)
    return entry


def compiled_build(node: s.Struct, obj: Any) -> bytes:
    """Build with generated code when the model allows (see ``build_entry``): what the differential
    test compares with ``interpreter.build``."""
    return build_entry(node)(obj)


def source(node: s.Struct) -> str:
    """The generated source of ``node``'s builder, or a comment saying the interpreter builds it."""
    if not BUILDERS.buildable(node):
        return "# %s is built by the interpreter\n" % node.name
    return g.source_of(node, "build") or ""
