"""Generated parsers put together and run: one function per struct, and the entry ``Model.parse`` calls.

``Registry`` keeps, per struct node, the body the generator wrote (``generator.StructCompiler``) and the
facts read from it, then assembles and runs the functions. The entry's form is decided from those
facts: in an entry for ``bytes`` the data's end is ``len(data)``, so end checks that ``unpack_from``
repeats (tagged ``END_CHECK``) are left out; a body that reads the data only through ``unpack_from``
needs no type checks before it (any bytes-like object reads the same); a body whose positions all
step by constants reads at ``offset + K`` with no position variable at all.

Any failure in generated code (``codegen.Fail`` or any other exception) hands the whole input to the
interpreter, which gives the value or the exact error.
"""

from __future__ import annotations

import operator
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import codegen as g
from .. import schema as s
from ..buffers import as_buffer
from ..errors import ParseError
from ..wire import NaN
from . import analysis
from .context import ParseContext, ParseState
from .generator import StructCompiler, fixed_item, same_order
from .interpreter import bits_member, check_derived, evaluate, item_done, parse, parse_node, parse_struct


class _LazyLevels(threading.local):
    """The struct levels the ``Lazy`` calls in progress in this thread have added (see
    ``Registry.lazy_parser``): per thread, so no other thread's calls can make it wrong."""

    levels = 0


_LAZY_DEPTH = _LazyLevels()


def interp_reads(node: s.Struct, data: Any, pos: int, end: int) -> bool:
    """Whether the interpreter reads ``node`` at ``pos`` in a region ending at ``end``: the judge when the
    generated code of a ``Fallback``'s main type fails (it may fail where the interpreter would not)."""
    state = ParseState(data, None)
    state.end = end
    try:
        parse_struct(node, None, pos, "", state)
    except ParseError:
        return False
    except Exception:  # (no verdict: the interpreter will parse everything)
        return True
    return True


_HELPERS = {
    "new": object.__new__, "ParseContext": ParseContext, "Fail": g.Fail, "check_derived": check_derived,
    "from_bytes": int.from_bytes, "NaN": NaN, "parse_node": parse_node, "evaluate": evaluate,
    "ParseError": ParseError, "item_done": item_done, "interp_reads": interp_reads, "bits_member": bits_member,
}
"""What generated parsers call, under ``{name}``."""

_ENTRY_NAMES = {"data": "data", "offset": "offset", "allow_trailing": "allow_trailing"}
"""An entry's parameters keep the names of ``Model.parse``'s (callers pass them by keyword)."""


def _line(depth: int, template: str) -> g.Line:
    """A fixed line of the assembled function (template syntax, like the generator's)."""
    return g.Line.parse(depth, template)


class Registry:
    """Generated parsers per struct node, and the facts the generator needs about other structs."""

    def __init__(self) -> None:
        self.bodies: Dict[int, Tuple[s.Struct, Optional[StructCompiler]]] = {}
        self.parsers: Dict[int, Any] = {}  # (the nodes are kept alive by ``bodies``)
        self.entries: Dict[int, Any] = {}
        self._need: Dict[int, int] = {}
        self._state: Dict[int, bool] = {}
        self.lazies: Dict[int, Any] = {}

    compilable = staticmethod(analysis.compilable)

    def parent_need(self, node: s.Struct) -> int:
        """How many enclosing structs ``node``'s compiled references reach (``this._parent._parent.x``: 2)."""
        key = id(node)
        if key not in self._need:
            self._need[key] = analysis.parent_need(node)
        return self._need[key]

    def body(self, node: s.Struct) -> Optional[StructCompiler]:
        """The lines the generator wrote for ``node`` (None while they are being written). Written first
        without a context; when those lines use one (the interpreter parses a member in place, or a
        derived check needs the fields' bytes), written again keeping it."""
        key = id(node)
        if key not in self.bodies:
            self.bodies[key] = (node, None)
            compiler = StructCompiler(node, self, with_ctx=False)
            compiler.emit()
            if compiler.positions or compiler.w.used("ctx"):
                compiler = StructCompiler(node, self, with_ctx=True)
                compiler.emit()
            self.bodies[key] = (node, compiler)
        return self.bodies[key][1]

    def needs_context(self, node: s.Struct) -> bool:
        """Whether parsing ``node`` keeps a real ParseContext (interpreted members, derived checks)."""
        body = self.body(node)
        return body is None or body.with_ctx  # (asked while being written: assume it does)

    def flat(self, node: s.Struct) -> bool:
        """Whether ``node`` is one run of fixed-size members that keeps no context: its body can be
        written inline in an array loop."""
        if not self.compilable(node) or self.parent_need(node) or self.needs_context(node):
            return False
        if not node.members or any(fixed_item(m) is None for m in node.members):
            return False
        return all(same_order(list(node.members[:i]), m) for i, m in enumerate(node.members))

    def needs_state(self, node: s.Struct) -> bool:
        """Whether ``node`` or a struct it parses with generated code keeps a context (needs a real state):
        every struct generated code reaches from ``node`` (nested, or through ``Lazy`` types, cycles too)."""
        key = id(node)
        if key not in self._state:
            seen, todo, found = {key}, [node], False
            while todo and not found:
                struct_node = todo.pop()
                found = self.needs_context(struct_node)
                for child in analysis.nested_structs(struct_node) + analysis.lazy_structs(struct_node, self.lazy_target):
                    if id(child) not in seen and self.compilable(child):
                        seen.add(id(child))
                        todo.append(child)
            self._state[key] = found
        return self._state[key]

    def lazy_target(self, node: s.Lazy) -> Optional[s.Struct]:
        """The struct a ``Lazy`` names when generated code can call its parser: compiled, and needing
        nothing of the structs around it (it is called with no parent)."""
        target = analysis.lazy_resolved(node)
        if isinstance(target, s.Struct) and self.compilable(target) and not self.parent_need(target):
            return target
        return None

    def fallback_main(self, t: s.Fallback) -> Optional[s.Struct]:
        """The main type of a ``Fallback`` that generated code can try: a compiled struct needing nothing of
        the structs around it, so that the interpreter can also try it alone (see ``interp_reads``)."""
        main = self.lazy_target(t.type) if isinstance(t.type, s.Lazy) else t.type
        if isinstance(main, s.Struct) and self.compilable(main) and not self.parent_need(main):
            return main
        return None

    def lazy_parser(self, node: s.Struct) -> Callable[..., Any]:
        """A parser for ``node`` reached through ``Lazy``, compiled on its first call (a model may name
        itself). Each call adds ``node``'s static depth to its thread's count of such levels; past
        ``LAZY_LEVELS`` it fails, and the interpreter, whose depth limit is the rule, does the parse."""
        key = id(node)
        if key not in self.lazies:
            count, size, budget, registry = _LAZY_DEPTH, analysis.depth(node), analysis.LAZY_LEVELS, self
            parser: List[Callable[..., Any]] = []

            def parse_lazy(data: Any, pos: int, end: int, state: Any, parent: Any) -> Tuple[Any, int]:
                if not parser:
                    parser.append(registry.parser(node))
                levels = count.levels + size
                if levels > budget:
                    raise g.Fail("Lazy types nest deeper than generated code follows")
                count.levels = levels
                try:
                    return parser[0](data, pos, end, state, parent)  # type: ignore[no-any-return]
                finally:
                    count.levels = levels - size
            self.lazies[key] = parse_lazy
        return self.lazies[key]  # type: ignore[no-any-return]

    def parser(self, node: s.Struct) -> Callable[..., Any]:
        """``parse_X(data, pos, end, state, parent) -> (obj, pos)`` for ``node``, generated once."""
        key = id(node)
        if key not in self.parsers:
            compiler = self.body(node)
            if compiler is None:  # (a model reaches itself only through Lazy, which calls lazy_parser)
                raise AssertionError("%s parses itself while being generated" % node.name)
            name = "".join(c if c.isalnum() else "_" for c in node.name)
            source = _assemble(self, node, compiler, name)
            scope = dict(compiler.w.scope)
            scope.update((g.PREFIX + k, v) for k, v in _HELPERS.items())
            scope.update(_bm_slow=parse, _bm_node=node, _bm_int=int, _bm_len=len, _bm_State=ParseState,
                         _bm_index=operator.index, _bm_bytes=bytes)
            functions: Dict[str, Any] = {}
            scope["_bm_other"] = _generic_entry(node, lambda: functions["parse"], self.needs_state(node))
            defined = g.run(source, scope, node, "parse")
            functions["parse"] = defined["parse_%s" % name]
            self.parsers[key] = defined["parse_%s" % name]
            self.entries[key] = defined["entry_%s" % name]
        return self.parsers[key]  # type: ignore[no-any-return]

    def entry(self, node: s.Struct) -> Callable[..., Any]:
        """``entry_X(data, offset=0, allow_trailing=False)``: what ``Model.parse`` becomes."""
        self.parser(node)
        return self.entries[id(node)]  # type: ignore[no-any-return]


def _assemble(registry: Registry, node: s.Struct, compiler: StructCompiler, name: str) -> str:
    """The source of ``parse_NAME`` and ``entry_NAME`` from the body's lines and facts."""
    needs_state = registry.needs_state(node)
    head: List[g.Line] = []
    tail: List[g.Line] = []
    if needs_state:  # the interpreter, parsing in a context, counts the struct levels from here
        head += [_line(1, "if {state} is not None:"), _line(2, "{state}.depth += 1")]
        # (a failure leaves it counted: the entry drops the state, a Fallback restores it)
        tail += [_line(1, "if {state} is not None:"), _line(2, "{state}.depth -= 1")]
    if compiler.with_ctx:
        head += [_line(1, "{ctx} = {ParseContext}({parent}, {start}, {state})"), _line(1, "{values} = {ctx}.values")]
    core = head + compiler.w.lines + tail
    start = [_line(1, "{start} = {pos}")] if g.uses(core, "start") else []
    function = [_line(0, "def parse_%s({data}, {pos}, {end}, {state}, {parent}):" % name)] + start + core + [
        _line(1, "return {o}, {pos}")]
    lines = g.render(function) + _entry(name, core, needs_state, analysis.derives(node))
    return "\n".join(lines) + "\n"


def _entry(name: str, core: List[g.Line], needs_state: bool, keeps_source: bool) -> List[str]:
    """``entry_NAME(data, offset, allow_trailing)``: the body inside the checks of ``interpreter.parse``,
    so that a top-level parse of ``bytes`` costs one call. Any failure hands the input to the
    interpreter; other buffers (bytearray, memoryview, mmap) take the generic entry."""
    body = [line for line in core if line.tag != g.END_CHECK]  # end = len(data): unpack_from checks it
    code = [line for line in body if line.tag != g.COMMENT]
    # an unpack_from first proves offset <= len(data) (it raises otherwise): only a short parse is wrong
    reads_first = bool(code) and code[0].tag == g.READ and code[0].depth == 1
    if g.uses(body, "start"):
        body.insert(0, _line(1, "{start} = {pos}"))
    uses_end = g.uses(body, "end")
    only_unpacks = all(line.tag == g.READ for line in body if line.uses("data"))
    if keeps_source:  # where the object came from, for a build to tell stale derived values from edits
        body.append(_line(1, "{o}._bm_src = (data, offset)"))
    if reads_first and not uses_end and not needs_state and only_unpacks and not keeps_source:
        return _buffer_free_entry(name, body)
    subst = dict(_ENTRY_NAMES)
    out = [
        "def entry_%s(data, offset=0, allow_trailing=False):" % name,
        "    if data.__class__ is not _bm_bytes or offset.__class__ is not _bm_int or offset < 0:",
        "        return _bm_other(data, offset, allow_trailing)",
    ]
    if uses_end or not reads_first:
        out.append("    _bm_end = _bm_len(data)")
    if not reads_first:  # nothing proves the offset is inside the data: check it here
        out += ["    if offset > _bm_end:", "        return _bm_slow(_bm_node, data, offset, allow_trailing)"]
    out.append("    _bm_pos = offset")
    if needs_state:
        out.append("    _bm_state = _bm_State(data, None)")
    elif g.uses(body, "state"):
        out.append("    _bm_state = None")
    if g.uses(body, "parent"):
        out.append("    _bm_parent = None")
    out += ["    try:"] + g.render(body, subst, extra=1) + [
        "    except Exception:",
        "        return _bm_slow(_bm_node, data, offset, allow_trailing)",
    ]
    if needs_state:
        out += ["    if _bm_state.high > _bm_pos:", "        _bm_pos = _bm_state.high"]
    if uses_end or not reads_first:
        out.append("    if _bm_pos == _bm_end or allow_trailing and _bm_pos < _bm_end:")
    else:
        out.append("    if allow_trailing or _bm_pos == _bm_len(data):")
    out += [
        "        return _bm_o",
        "    return _bm_slow(_bm_node, data, offset, allow_trailing)",
    ]
    return out


def _buffer_free_entry(name: str, body: List[g.Line]) -> List[str]:
    """The entry of a body that only unpacks: no type checks before it. Any bytes-like ``data`` and any
    integer ``offset`` give what the interpreter gives; a negative offset, which ``unpack_from`` would
    count from the end, goes to the interpreter. Only the length of ``bytes`` is trusted for the
    trailing-bytes check (``len`` of an array counts items); other buffers with nothing left over take
    the generic entry. When every use of the position is a read or a constant step of the function's
    own block, reads are at ``offset + K`` and there is no position variable."""
    subst = dict(_ENTRY_NAMES)
    positions = [line for line in body if line.uses("pos")]
    static = all(line.tag == g.READ or (line.tag == g.STEP and line.depth == 1) for line in positions)
    lines: List[str] = []
    if static:
        at = 0
        for line in body:
            if line.tag == g.STEP:
                at += line.value
                continue
            lines.append(line.render(dict(subst, pos=g.plus("offset", at)), extra=1))
        end = g.plus("offset", at)
    else:
        lines = ["        _bm_pos = offset"] + g.render(body, subst, extra=1)
        end = "_bm_pos"
    return [
        "def entry_%s(data, offset=0, allow_trailing=False):" % name,
        "    try:",
        "        if offset.__class__ is not _bm_int:",  # (a numpy int8 + K would wrap around: a plain int)
        "            offset = _bm_index(offset)",
        "        if offset < 0:",
        "            raise _bm_Fail",
    ] + lines + [
        "        if allow_trailing or %s == _bm_len(data) and data.__class__ is _bm_bytes:" % end,
        "            return _bm_o",
        "    except Exception:",
        "        return _bm_slow(_bm_node, data, offset, allow_trailing)",
        "    return _bm_other(data, offset, allow_trailing)",
    ]


def _generic_entry(node: s.Struct, parser: Callable[[], Callable[..., Any]],
                   needs_state: bool) -> Callable[..., Any]:
    """The entry for buffers other than ``bytes`` and for unusual offsets: the checks of ``interpreter.parse``,
    then the compiled parser (``parser()`` gives it once it exists); any failure goes to the interpreter."""
    slow, make_state = parse, ParseState
    keeps_source = analysis.derives(node)

    def entry(data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
        buf = as_buffer(data)
        if type(buf) is bytearray:
            buf = bytes(buf)  # values must not change when the caller's buffer does
        end = len(buf)
        if type(offset) is not int or not 0 <= offset <= end:
            return slow(node, data, offset, allow_trailing)
        state = make_state(buf, None) if needs_state else None
        try:
            obj, pos = parser()(buf, offset, end, state, None)
        except Exception:
            return slow(node, data, offset, allow_trailing)
        if state is not None and state.high > pos:
            pos = state.high
        if pos == end or allow_trailing and pos < end:
            if keeps_source:
                obj._bm_src = (buf, offset)
            return obj
        return slow(node, data, offset, allow_trailing)
    return entry


REGISTRY = Registry()

_PARSE_ENTRIES: Dict[int, Tuple[s.Struct, Callable[..., Any]]] = {}


def parse_entry(node: s.Struct) -> Callable[..., Any]:
    """``parse(data, offset, allow_trailing)`` for ``node``, made once: the compiled parser behind the
    same checks as ``interpreter.parse``; on any failure the interpreter decides (a value or the exact error)."""
    hit = _PARSE_ENTRIES.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    if REGISTRY.compilable(node):
        entry = REGISTRY.entry(node)
    else:
        slow = parse

        def entry(data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
            return slow(node, data, offset, allow_trailing)
    _PARSE_ENTRIES[id(node)] = (node, entry)
    return entry


def compiled_parse(node: s.Struct, data: Any, offset: int = 0, allow_trailing: bool = False) -> Any:
    """Parse with the generated code (see ``parse_entry``): what the differential test compares with
    ``interpreter.parse``."""
    return parse_entry(node)(data, offset, allow_trailing)


def source(node: s.Struct) -> str:
    """The generated source of ``node``'s parser, then of the nested parsers it calls."""
    if not REGISTRY.compilable(node):
        return "# %s is parsed by the interpreter\n" % node.name
    REGISTRY.parser(node)
    out, seen, todo = [], set(), [node]
    while todo:
        n = todo.pop(0)
        if id(n) in seen or id(n) not in REGISTRY.parsers:
            continue
        seen.add(id(n))
        text = g.source_of(n, "parse")
        if text is not None:
            out.append(text)
        todo.extend(analysis.nested_structs(n) + analysis.lazy_structs(n, REGISTRY.lazy_target))
    return "\n".join(out)
