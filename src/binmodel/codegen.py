"""How generated code is written, run and kept: the parts the parse and build code generators share.

An emitter writes lines as templates in which every generated name is a placeholder (``{pos}``,
``{v3}``, ``{S2}``); the ``Writer`` records, per line, the names it uses and what kind of line it is
(``Line.tag``). The generators decide every form from the schema and from those recorded facts,
never by searching generated text. On output each placeholder becomes the name with the reserved
prefix ``_bm_`` (no field name may start with it), so a field called ``pos`` or ``end`` can neither
collide with a generated name nor change the code chosen.

Values never enter the source as text: ``Writer.const`` gives each one a generated global name.
``run`` executes the source with a module dict as globals and registers it in ``linecache`` under a
readable file name, so tracebacks and pdb show generated code; ``source_of`` gives it back.

>>> w = Writer()
>>> line = w.emit(1, "{v0} = {S1}.unpack_from({data}, {pos})", tag=READ)
>>> sorted(line.uses()), line.render()
(['S1', 'data', 'pos', 'v0'], '    _bm_v0 = _bm_S1.unpack_from(_bm_data, _bm_pos)')
>>> line.render({"pos": "_bm_offset + 4"})
'    _bm_v0 = _bm_S1.unpack_from(_bm_data, _bm_offset + 4)'
"""

from __future__ import annotations

import linecache
import string
import types
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from . import schema as s

PREFIX = "_bm_"
"""Prefix of every name in generated code; field names may not start with it (see ``model._check_name``)."""

# line tags: what kind of line an emitter wrote (the facts later decisions read)
READ = "read"
"""``names = packer.unpack_from({data}, {pos} [+ k])``: a read of fixed bytes at the position."""
END_CHECK = "end-check"
"""``if {pos} + N > {end}: raise`` right before a READ of N bytes: ``unpack_from`` makes the same check."""
STEP = "step"
"""``{pos} += N`` with a constant N (``Line.value`` is N)."""
ITER_LOOP = "iter-loop"
"""``for ... in packer.iter_unpack(...)``: a loop over fixed items that keeps no position."""
ATTR_READ = "attr-read"
"""``{v} = {o}.name``: a field's value read from the object being built (``Line.value`` is the local)."""
CLASS_CHECK = "class-check"
"""``if {o}.__class__ is not {cls}: raise``: the type check opening a build."""
LIST_INIT = "list-init"
"""``{l} = []``: the list an item loop appends its parts to (``Line.value`` is the list's name)."""
COMMENT = "comment"
"""``# name: type`` above a member's code: a line that does nothing (facts about the code skip it)."""
LIST_JOIN = "list-join"
"""``{p} = {join}({l})``: the bytes of an item loop's parts (``Line.value`` is the part's name)."""

_FORMATTER = string.Formatter()


class Fail(Exception):
    """Raised by generated code when the input is not what it expects; the interpreter takes over
    (and gives the value, or the exact error with its path and offset)."""


class GiveUp(Exception):
    """Raised by an emitter for a form it does not write: the caller leaves that part to the interpreter."""


class Line:
    """One line of generated code: its indentation, its template split into text and names, and a tag."""

    __slots__ = ("depth", "parts", "tag", "value")

    def __init__(self, depth: int, parts: List[str], tag: Optional[str] = None, value: Any = None) -> None:
        self.depth, self.parts, self.tag, self.value = depth, parts, tag, value

    @classmethod
    def parse(cls, depth: int, template: str, tag: Optional[str] = None, value: Any = None) -> Line:
        """Read a template: text and ``{name}`` placeholders (``{{`` and ``}}`` stand for braces)."""
        parts: List[str] = [""]  # text, name, text, name, ..., text
        for text, name, _spec, _conv in _FORMATTER.parse(template):
            parts[-1] += text
            if name is not None:
                parts.extend((name, ""))
        return cls(depth, parts, tag, value)

    def names(self) -> List[str]:
        """The generated names the line uses, in order, with repeats."""
        return self.parts[1::2]

    def uses(self, name: Optional[str] = None) -> Any:
        """The set of names the line uses; with ``name``, how many times it uses that one."""
        names = self.parts[1::2]
        return set(names) if name is None else names.count(name)

    def replaced(self, name: str, parts: Sequence[str]) -> Line:
        """This line with each use of ``name`` replaced by the template ``parts`` (text and names)."""
        out: List[str] = [self.parts[0]]
        for i in range(1, len(self.parts), 2):
            if self.parts[i] == name:
                out[-1] += parts[0]
                out.extend(parts[1:])
                out[-1] += self.parts[i + 1]
            else:
                out.extend((self.parts[i], self.parts[i + 1]))
        return Line(self.depth, out, self.tag, self.value)

    def template(self) -> str:
        """The line's text as a template again (what ``Line.parse`` reads)."""
        out = []
        for i, part in enumerate(self.parts):
            out.append(part.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{%s}" % part)
        return "".join(out)

    def render(self, subst: Optional[Dict[str, str]] = None, extra: int = 0) -> str:
        """The line as Python source: placeholders become prefixed names (or ``subst``'s text)."""
        out = ["    " * (self.depth + extra)]
        for i, part in enumerate(self.parts):
            if i % 2 == 0:
                out.append(part)
            else:
                out.append(subst[part] if subst and part in subst else PREFIX + part)
        return "".join(out)

    def __repr__(self) -> str:
        return "Line(%r, tag=%r)" % (self.render(), self.tag)


class Writer:
    """Lines being written, and the globals (constants, helpers) they refer to."""

    def __init__(self) -> None:
        self.lines: List[Line] = []
        self.scope: Dict[str, Any] = {}
        self.counter = 0
        self.base = 0  # extra indentation while an array item's body is written inline

    def const(self, value: Any, hint: str = "k") -> str:
        """A placeholder for a generated global holding ``value`` (how values enter the source)."""
        for name, existing in self.scope.items():
            if existing is value and name.startswith(PREFIX + hint) and name[len(PREFIX + hint):].isdigit():
                return "{%s}" % name[len(PREFIX):]
        self.counter += 1
        name = "%s%d" % (hint, self.counter)
        self.scope[PREFIX + name] = value
        return "{%s}" % name

    def helper(self, name: str, value: Any) -> None:
        """Make ``value`` available to the lines as ``{name}``."""
        self.scope[PREFIX + name] = value

    def temp(self, hint: str = "t") -> str:
        """A placeholder for a new local variable."""
        self.counter += 1
        return "{%s%d}" % (hint, self.counter)

    def emit(self, depth: int, template: str, tag: Optional[str] = None, value: Any = None) -> Line:
        """Append a line at ``depth`` (plus the current base indentation); returns it."""
        line = Line.parse(depth + self.base, template, tag, value)
        self.lines.append(line)
        return line

    def mark(self) -> int:
        """A point to ``rollback`` to."""
        return len(self.lines)

    def rollback(self, mark: int) -> None:
        """Forget the lines written since ``mark`` (an emitter that gave up)."""
        del self.lines[mark:]

    def used(self, name: str, since: int = 0) -> bool:
        """Whether a line written since ``since`` uses ``name``."""
        return any(name in line.parts[1::2] for line in self.lines[since:])


def uses(lines: Iterable[Line], name: str) -> bool:
    """Whether any of ``lines`` uses the generated name ``name``."""
    return any(name in line.parts[1::2] for line in lines)


def render(lines: Iterable[Line], subst: Optional[Dict[str, str]] = None, extra: int = 0) -> List[str]:
    """The line as Python source: placeholders become prefixed names (or ``subst``'s text)."""
    return [line.render(subst, extra) for line in lines]


def name(placeholder: str) -> str:
    """The bare name of a placeholder: ``{v3}`` -> ``v3``."""
    return placeholder[1:-1]


def plus(name: str, n: int) -> str:
    """``name + n`` as source, or ``name`` when ``n`` is 0."""
    return "%s + %d" % (name, n) if n else name


def type_label(member: Any) -> str:
    """A member's type for the comment above its code: names made of numbers (``u32le``, ``bits[16]``), a
    model's class name, or the node kind (``Bytes``, ``Switch``); never text a model supplied (sizes,
    constants and keys stay out of the source, as every value does)."""
    t = member if isinstance(member, s.BitGroup) else member.type
    if isinstance(t, (s.Int, s.Float, s.Bool, s.BitGroup, s.Bits)):
        return t.name
    if isinstance(t, s.Struct) and t.type_name.isidentifier():
        return t.type_name
    return type(t).__name__


_SOURCES: Dict[Tuple[int, str], Tuple[Any, str]] = {}
_serial = [0]


def run(source: str, scope: Dict[str, Any], node: Any, kind: str) -> Dict[str, Any]:
    """Run generated ``source`` with ``scope`` as its globals and return what it defined.

    The globals are a module's dictionary: PyPy's JIT treats a module's globals as constants (a plain
    dict's are looked up on every use, which doubled the time of a record there). The source is put
    in ``linecache`` under ``<binmodel: Model.kind #N>`` so that tracebacks and pdb show it, and kept
    for ``source_of(node, kind)``."""
    _serial[0] += 1
    filename = "<binmodel: %s.%s #%d>" % (node.name, kind, _serial[0])
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    module = types.ModuleType("binmodel_generated")
    module.__dict__.update(scope)
    exec(compile(source, filename, "exec"), module.__dict__)
    _SOURCES[(id(node), kind)] = (node, source)
    return module.__dict__


def source_of(node: Any, kind: str) -> Optional[str]:
    """The generated source of ``node``'s ``kind`` (``"parse"`` or ``"build"``), once it was run."""
    hit = _SOURCES.get((id(node), kind))
    return hit[1] if hit is not None and hit[0] is node else None
