"""The spec table of a model: every field with its offset, size, type and byte order.

Offsets after a field whose size depends on the data are symbolic
(``8 + length``): the table is read off the schema, no data needed.
"""

from __future__ import annotations

import dataclasses
from typing import List, Optional, Tuple, Union

from . import schema as s
from .errors import SizeofError
from .sizes import static_size

Size = Union[int, str]


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of a layout table.

    A bit field's row also has ``bit_offset``, its lowest bit in the bit group that starts at ``offset``
    (bit 0 the least significant bit of the group read as one integer; in a little-endian C struct,
    ``offset * 8 + bit_offset`` is the compiler's bit position) and ``bit_width``; other rows have None.
    ``c_name`` is the member's name in C where a C struct renamed it for Python (``in_`` for ``in``).
    """

    path: str
    offset: Size
    size: Size
    type: str
    endian: str
    notes: str
    depth: int
    bit_offset: Optional[int] = None
    bit_width: Optional[int] = None
    c_name: Optional[str] = None


class _Offset:
    """A constant plus symbolic terms: ``8 + length + len(name)``."""

    def __init__(self, const: int = 0, terms: Tuple[str, ...] = ()) -> None:
        self.const, self.terms = const, terms

    def plus(self, size: Size) -> _Offset:
        if isinstance(size, int):
            return _Offset(self.const + size, self.terms)
        term = size if size.isidentifier() or size.startswith(("size(", "len(", "align(")) else "(%s)" % size
        return _Offset(self.const, self.terms + (term,))

    def value(self) -> Size:
        if not self.terms:
            return self.const
        const = [str(self.const)] if self.const else []
        if self.terms[0].endswith("]"):  # inside an array item: items[i] + 2
            return " + ".join(list(self.terms) + const)
        return " + ".join(const + list(self.terms))


class Layout:
    """The rows of a layout table; ``str()`` prints it, ``to_markdown()`` gives a Markdown table."""

    headers = ("offset", "size", "field", "type", "endian", "notes")

    def __init__(self, name: str, rows: List[Row], size: Size) -> None:
        self.name, self.rows, self.size = name, rows, size

    def _cells(self) -> List[Tuple[str, ...]]:
        return [(str(r.offset), str(r.size), "  " * (r.depth - 1) + r.path, r.type, r.endian, r.notes)
                for r in self.rows]

    def __str__(self) -> str:
        cells = [self.headers] + self._cells()
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.headers))]
        lines = ["%s (size %s)" % (self.name, self.size)]
        for i, row in enumerate(cells):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def to_markdown(self) -> str:
        def esc(text: str) -> str:
            return text.replace("|", "\\|")

        lines = ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        for r in self.rows:
            cells = (str(r.offset), str(r.size), "`%s`" % r.path, "`%s`" % r.type, r.endian, r.notes)
            lines.append("| " + " | ".join(esc(c) for c in cells) + " |")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<Layout %s: %d rows>" % (self.name, len(self.rows))


def _size(node: s.Node, name: str) -> Size:
    try:
        return static_size(node)
    except SizeofError:
        pass
    if isinstance(node, (s.Bytes, s.String, s.Sized)) and node.size is not None:
        return node.size.text()
    if isinstance(node, s.Array) and node.count is not None:
        try:
            item = static_size(node.item)
            return node.count.text() if item == 1 else "%s * %d" % (node.count.text(), item)
        except SizeofError:
            pass
    return "size(%s)" % name


def _endian(node: s.Node) -> str:
    for attr in ("endian",):
        value = getattr(node, attr, None)
        if value is not None:
            return value
    if isinstance(node, s.Switch):  # its cases may differ
        return ""
    for child in s.children(node):
        if not isinstance(child, s.Struct):
            return _endian(child)
    return ""


def _notes(field: Optional[s.Field], node: s.Node) -> str:
    notes = [field.note] if field is not None and field.note else []
    if field is not None and field.derive is not None:
        notes.append("= %s on build%s" % (field.derive.text(), ", checked on parse" if field.check else ""))
    if isinstance(node, s.Const):
        notes.append("must be %r" % (node.value,))
    if isinstance(node, (s.Padding, s.Align)):
        notes.append("padding")
    if isinstance(node, s.Switch):
        cases = ", ".join("%r: %s" % (k, t.name) for k, t in node.cases)
        notes.append("by %s: %s%s" % (node.on.text(), cases, ", else %s" % node.default.name if node.default else ""))
    if isinstance(node, s.If):
        notes.append("only if %s" % node.condition.text())
    if isinstance(node, s.Peek):
        notes.append("look-ahead: takes no bytes")
    if isinstance(node, s.Computed):
        notes.append("takes no bytes")
    if isinstance(node, s.UnlessEnd):
        notes.append("absent if the data ends here")
    if isinstance(node, s.Fallback):
        notes.append("else %s" % node.otherwise.name)
    if isinstance(node, s.Pointer):
        where = (" from struct start" if node.relative else " of its region" if node.region
                 else " of %s's region" % node.io.text() if node.io is not None else "")
        notes.append("at offset %s%s" % (node.offset.text(), where))
    if isinstance(node, (s.Bytes, s.String)) and node.prefix is not None:
        notes.append("%s length prefix" % node.prefix.name)
    if isinstance(node, s.String) and node.terminator is not None:
        notes.append("ends at %r" % node.terminator)
    if isinstance(node, s.Array) and node.until is not None:
        notes.append("until a condition holds")
    if isinstance(node, s.Array) and node.greedy:
        notes.append("to the end of the data")
    if field is not None and field.has_default and not isinstance(node, s.Const):
        notes.append("default %r" % (field.default,))
    return "; ".join(notes)


def _walk(node: s.Struct, prefix: str, at: _Offset, depth: int, rows: List[Row]) -> _Offset:
    start = at
    info = getattr(node.cls, "_bm_c", None) if node.cls is not None else None
    c_names = dict(getattr(info, "c_names", ()) or ())
    for member in node.members:
        if node.union_size is not None:
            at = start
        if isinstance(member, s.BitGroup):
            total = member.size * 8
            for f, lo, bits in member.positions():
                notes = ["bits %d..%d of %d" % (lo + bits - 1, lo, total), _notes(f, f.type)]
                if not f.stored:
                    notes.append("padding bits")
                rows.append(Row(prefix + f.name, at.value(), "%d bit%s" % (bits, "s" * (bits > 1)),
                                f.type.name, (member.endian or "") if member.size > 1 else "",
                                "; ".join(x for x in notes if x), depth, lo, bits, c_names.get(f.name)))
            at = at.plus(member.size)
            continue
        if isinstance(member, s.BitRun):
            at = _bit_run(member, prefix, at, depth, rows)
            continue
        node_t = member.type
        path = prefix + member.name
        if isinstance(node_t, s.Align):
            try:
                gap: Size = -(static_size_of_offset(at, start)) % node_t.to
            except ValueError:
                gap = "align(%d)" % node_t.to
            rows.append(Row(path, at.value(), gap, node_t.name, "", "padding", depth))
            at = at.plus(gap)
            continue
        size = _size(node_t, path)
        rows.append(Row(path, at.value(), size, node_t.name, _endian(node_t), _notes(member, node_t), depth,
                        c_name=c_names.get(member.name)))
        inner = node_t.type if isinstance(node_t, (s.Const, s.If, s.UnlessEnd, s.Sized, s.Reparent)) else node_t
        if isinstance(inner, s.Struct):
            _walk(inner, path + ".", at, depth + 1, rows)
        elif isinstance(inner, s.Array) and isinstance(inner.item, s.Struct):
            _walk(inner.item, path + "[i].", _Offset(0, (path + "[i]",)), depth + 1, rows)
        if not isinstance(node_t, s.Pointer):
            at = at.plus(size)
    return start.plus(node.union_size) if node.union_size is not None else at


def _bit_run(run: s.BitRun, prefix: str, at: _Offset, depth: int, rows: List[Row]) -> _Offset:
    """A run of bit fields read from one bit cursor: each field where the bits before it end, so each row
    has the run's offset; the run ends at the byte boundary after its last bits."""
    where = "from a bit cursor, %s first" % ("msb" if run.order == "msb" else "lsb")
    for f in run.fields:
        t = f.type
        if type(t) is s.BitPad:
            rows.append(Row(prefix + f.name, at.value(), "0-7 bits", t.name, "", "padding bits to the byte", depth))
            continue
        bits = s.bit_item(t)
        width = "%d bit%s" % (bits.bits, "s" * (bits.bits > 1))  # type: ignore[union-attr]
        inner = t.type if isinstance(t, s.If) else t
        if isinstance(inner, s.Array):
            width = "%s * %s" % (width, inner.count.text() if inner.count is not None else "n")
        rows.append(Row(prefix + f.name, at.value(), width, t.name, "", "; ".join(x for x in (where, _notes(f, t)) if x),
                        depth))
    names = [f.name for f in run.fields if f.stored]
    return at.plus("size(%s)" % (names[0] if len(names) == 1 else "%s..%s" % (names[0], names[-1])))


def static_size_of_offset(at: _Offset, start: _Offset) -> int:
    if at.terms != start.terms:
        raise ValueError("symbolic")
    return at.const - start.const


def layout(node: s.Struct) -> Layout:
    rows: List[Row] = []
    end = _walk(node, "", _Offset(), 1, rows)
    return Layout(node.name, rows, end.value())
