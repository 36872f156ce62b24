"""An annotated hex dump: every field's bytes on their own line, with path, value and offset.

``dump_lines`` turns a parse trace into lines of (text, style) segments;
``dump`` prints them, in colour through ``rich`` when it is installed
(``pip install binmodel[cli]``) and the output is a terminal (or
``color="always"``), honouring ``NO_COLOR``. The core never imports ``rich``.

How it reads:

- one line per leaf field where it starts: offset, hex, then the full path with
  array indices and the decoded value (``chunks[2].length = 13``);
- the same field in every array element keeps one colour, and the fields of one
  structure share a family of hues (see ``field_color``);
- a structure opens with ``┌ path: Type (n bytes)``; ``│`` guides run down its
  fields and ``└`` marks its last line, so its extent is visible;
- ``depth=N`` folds structures deeper than N into one block each;
- padding is dim, bytes no field covers are yellow, a parse failure is red and
  comes after everything parsed before it.
"""

from __future__ import annotations

import array
import colorsys
import enum
import os
import re
import shutil
import sys
from typing import IO, Any, Dict, List, Optional, Tuple

from .parsing.context import Span, Trace
from .shown import notes_of
from .shown import text as shown_text

Segment = Tuple[str, str]  # (text, style understood by rich: a colour like "#66ccaa", "dim", ""...)
Line = List[Segment]

PADDING_STYLE = "dim"
UNCOVERED_STYLE = "bold yellow"
ERROR_STYLE = "bold red"
OFFSET_STYLE = "dim"
_INDEX = re.compile(r"\[\d+\]")
_LAST_INDEX = re.compile(r"\[(\d+)\]$")
_ELEMENT = re.compile(r"^\[\d+\]$")
_GOLDEN_ANGLE = 137.508


def shape(path: str) -> str:
    """The path with indices folded, so every ``chunks[i].length`` shares a colour."""
    return _INDEX.sub("[*]", path)


def parent_shape(path: str) -> str:
    """The shape of the structure a path's field belongs to (``""`` for top-level fields)."""
    s = shape(path)
    while s.endswith("[*]"):
        s = s[:-3]
    return s.rpartition(".")[0]


_CUBE = (0, 95, 135, 175, 215, 255)  # the levels of the xterm 256-colour cube
_HUE_STEPS = (0.0, 24.0, -24.0, 12.0, -12.0, 36.0, -36.0)  # a member's hue within its family's band
_LIGHTS = (0.62, 0.54, 0.74)
_DISTINCT = 8  # a new colour keeps MIN_DELTA_E from this many siblings before it (and from the first one)
MIN_DELTA_E = 31.0  # CIELAB (CIE76) distance a field's colour keeps from its neighbours' (tests check 30)


def _snap(level: float) -> int:
    return min(_CUBE, key=lambda c: abs(c - level))


def srgb_to_lab(rgb: Tuple[int, int, int]) -> Tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour given as three 0..255 levels."""
    def linear(c: int) -> float:
        v = c / 255.0
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(v: float) -> float:
        return v ** (1.0 / 3.0) if v > 216.0 / 24389.0 else (24389.0 / 27.0 * v + 16.0) / 116.0

    fx, fy, fz = f(x), f(y), f(z)
    return 116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)


def delta_e(a: Tuple[float, float, float], b: Tuple[float, float, float]) -> float:
    return float(sum((p - q) ** 2 for p, q in zip(a, b)) ** 0.5)


def _candidates() -> List[Tuple[str, Tuple[float, float, float]]]:
    """The cube colours readable on dark and light backgrounds, and not grey, with their Lab values."""
    out = []
    for r in _CUBE:
        for g in _CUBE:
            for b in _CUBE:
                luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
                lab = srgb_to_lab((r, g, b))
                if 110 <= luma <= 225 and (lab[1] ** 2 + lab[2] ** 2) ** 0.5 >= 25:
                    out.append(("#%02x%02x%02x" % (r, g, b), lab))
    return out


_CANDIDATES = _candidates()


class Palette:
    """Colours by path shape: a hue family per structure, neighbours clearly apart.

    A shape's colour is chosen when it first appears: the cube colour nearest its family's hue
    (siblings step through hue and lightness) that keeps ``MIN_DELTA_E`` in CIELAB from the
    colours it can stand next to: the line before it, its recent siblings and the first one (the
    next array element starts there), and the fields around its structure. Colours are points of
    the xterm 256-colour cube, so a terminal with 256 colours shows exactly the colours a
    truecolor one does. Deterministic for a given order of first appearance, so the terminal
    dump and a snapshot agree.
    """

    def __init__(self, order: Optional[List[Tuple[str, bool]]] = None) -> None:
        self._families: Dict[str, int] = {}
        self._members: Dict[str, int] = {}
        self._used: Dict[str, List[str]] = {}
        self._colors: Dict[str, str] = {}
        self._lab = {color: lab for color, lab in _CANDIDATES}
        self._last: Optional[str] = None
        self.requests: List[Tuple[str, bool]] = []  # (shape, a field?) asked for, in order: a dry run's is ``order``
        # with the order of the coloured lines known, a shape also keeps apart from every shape it will be
        # next to, wherever that happens (a field of another record type, the field after an elided array)
        self._next_to: Dict[str, set] = {}
        seq = [key for key, _ in order or ()]
        fields = [key for key, leaf in order or () if leaf]
        # lines next to each other, two apart (a frame line between), and fields with only frame lines between
        for a, b in list(zip(seq, seq[1:])) + list(zip(seq, seq[2:])) + list(zip(fields, fields[1:])):
            if a != b:
                self._next_to.setdefault(a, set()).add(b)
                self._next_to.setdefault(b, set()).add(a)

    def color(self, path: str, leaf: bool = True) -> str:
        key = shape(path)
        self.requests.append((key, leaf))
        hit = self._colors.get(key)
        if hit is not None:
            self._last = hit
            return hit
        parent = parent_shape(path)
        family = self._families.setdefault(parent, len(self._families))
        member = self._members[parent] = self._members.get(parent, -1) + 1
        used = self._used.setdefault(parent, [])
        hue = (family * _GOLDEN_ANGLE + _HUE_STEPS[member % len(_HUE_STEPS)]) % 360.0
        r, g, b = colorsys.hls_to_rgb(hue / 360.0, _LIGHTS[member % len(_LIGHTS)], 0.7)
        target = srgb_to_lab((_snap(r * 255), _snap(g * 255), _snap(b * 255)))
        siblings = used[-_DISTINCT:] + used[:1]
        around = self._used.get(parent_shape(parent), []) if parent else []
        known = [self._colors[n] for n in sorted(self._next_to.get(key, ())) if n in self._colors]
        near = [c for c in [self._last] + siblings if c] + known
        color = ""
        for avoid in (near + around, near, [c for c in [self._last] + used[-3:] if c] + known, known):
            labs = [self._lab[c] for c in avoid if c in self._lab]
            fits = [(delta_e(lab, target), c) for c, lab in _CANDIDATES
                    if all(delta_e(lab, other) >= MIN_DELTA_E for other in labs)]
            if fits:
                color = min(fits)[1]
                break
        if not color:  # cannot happen with the candidates above; a colour all the same
            color = min(_CANDIDATES, key=lambda c: delta_e(c[1], target))[0]
        used.append(color)
        self._colors[key] = color
        self._last = color
        return color


def value_text(span: Span, limit: int = 60) -> str:
    """A span's value as one short line of text (empty for structures and arrays)."""
    value = span.value
    if isinstance(value, array.array):  # a typed array: its first numbers
        head = ", ".join(repr(v) for v in value[: limit // 2])
        text = "[%s%s]" % (head, ", ..." if len(value) > limit // 2 else "")
        return text if len(text) <= limit else text[: limit - 4] + "...]"
    if span.kind in ("struct", "array"):
        return ""
    if span.kind == "padding":
        return "padding"
    human = shown_text(span.node, value)
    if human is not None:
        return human if len(human) <= limit else human[: limit - 3] + "..."
    if isinstance(value, enum.Flag):
        names = [m.name for m in type(value) if m.value and m in value and bin(m.value).count("1") == 1]
        text = "%s (0x%x)" % ("|".join(str(n) for n in names) or "no flags", int(value.value))
    elif hasattr(value, "name") and hasattr(value, "value"):  # an enum member
        text = "%s (%d)" % (value.name, value.value)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 9:
        text = "%d (0x%x)" % (value, value)
    elif isinstance(value, (bytes, bytearray, memoryview, str)) and len(value) > limit:
        text = repr(value[:limit]) + "..."  # never the repr of a whole large field
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_BITS = re.compile(r"^(?:bits|pad)(\d+)@(\d+)$")  # pad: the bits an unaligned run ends with


def _bits_text(span: Span) -> str:
    """Where a bit field lies in its group: ``(0b0100, bits 15-12)``."""
    m = _BITS.match(span.type_name)
    if m is None or not isinstance(span.value, int):
        return "[%s]" % span.type_name
    n, low = int(m.group(1)), int(m.group(2))
    where = "bit %d" % low if n == 1 else "bits %d-%d" % (low + n - 1, low)
    return "(0b%s, %s)" % (format(span.value, "0%db" % n), where)


def _hex(raw: bytes) -> str:
    return " ".join("%02x" % b for b in raw)


class _Row:
    """One output line before rendering: offset, hex cell, structure guides, label."""

    __slots__ = ("offset", "hex", "hex_style", "guides", "label", "decoded")

    def __init__(self, offset: Optional[int], hex_text: str, hex_style: str, guides: List[str],
                 label: List[Segment], decoded: bool = False) -> None:
        self.decoded = decoded  # the offset is into a Transformed region's decoded bytes
        self.offset = offset
        self.hex = hex_text
        self.hex_style = hex_style
        self.guides = guides
        self.label = label


def is_leaf(span: Span) -> bool:
    """A span shown with its own bytes: not a struct, and not an array with item spans.

    A typed array (``Array(u16le, count=n, typed=True)``) is one span holding an
    ``array.array``: it has no item spans, so it is shown (and compared) as one field.
    """
    return span.kind not in ("struct", "array") or isinstance(span.value, array.array)


def _gaps(trace: Trace) -> List[Tuple[int, int]]:
    """The byte ranges no leaf span covers, in offset order (pointers may visit bytes out of order).

    After a parse failure, only gaps before the furthest byte parsed count: the rest was never read.
    """
    ranges = sorted((sp.offset, sp.offset + sp.size) for sp in trace.spans
                    if sp.size > 0 and is_leaf(sp) and sp.source is None)
    end = len(trace.data)
    if trace.error is not None:
        end = min(end, max([e for _, e in ranges] + [0]))
    gaps: List[Tuple[int, int]] = []
    cursor = 0
    for a, b in ranges:
        if a > cursor:
            gaps.append((cursor, min(a, end)))
        cursor = max(cursor, b)
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if a < b]


class _Skip:
    """Elements of one array past the ``items`` limit: counted, then summed up in one row."""

    __slots__ = ("array_path", "count", "row")

    def __init__(self, array_path: str, row: _Row) -> None:
        self.array_path, self.count, self.row = array_path, 0, row


def c_names(model: Any) -> Dict[str, str]:
    """``{layout path: C name}`` for the members of C structs renamed for Python (``in_`` is C's ``in``)."""
    try:
        rows = model.layout().rows
    except Exception:  # a model whose table cannot be made still dumps, with Python names
        return {}
    return {row.path: row.c_name for row in rows if row.c_name}


class _Builder:
    def __init__(self, trace: Trace, width: int, max_rows: int, depth: Optional[int], offset: int,
                 length: Optional[int], items: Optional[int], names: Optional[Dict[str, str]] = None,
                 order: Optional[List[Tuple[str, bool]]] = None) -> None:
        self.names = names or {}
        self.notes = notes_of(trace.spans)
        self.trace, self.data = trace, trace.data
        self.width, self.max_rows, self.depth, self.items = width, max_rows, depth, items
        self.lo, self.hi = offset, (len(trace.data) if length is None else offset + length)
        if length is not None:  # a window the user sized is shown whole, whatever --rows says
            self.max_rows = max(max_rows, -(-length // width) + 1)
        self.palette = Palette(order)
        self.rows: List[_Row] = []
        self.open: List[Tuple[Span, int, str]] = []  # (container span, index of its last row, colour)
        self.gaps = _gaps(trace)
        self.next_gap = 0
        self.skip: Optional[_Skip] = None
        self.first_item: Dict[str, int] = {}  # array path -> index of its first element shown
        self.fields = self.structures = 0
        self.window = (self.data, self.lo, self.hi)
        self.decoded = False

    # --- structure guides ---------------------------------------------------
    def _close_until(self, depth: int) -> None:
        while self.open and self.open[-1][0].depth >= depth:
            span, last, _ = self.open.pop()
            if last >= 0:
                row = self.rows[last]
                level = len(self.open)
                # a structure the window cuts off (or a failure interrupted) has no end to mark
                unfinished = span.size == 0 and (self.trace.error is not None or self.trace.stopped)
                ends_here = span.offset + span.size <= self.hi and not unfinished
                if level < len(row.guides) and ends_here:
                    row.guides[level] = "└"

    def _add(self, offset: Optional[int], hex_text: str, hex_style: str, label: List[Segment],
             opening: bool = False) -> None:
        guides = ["│"] * len(self.open) + (["┌"] if opening else [])
        self.rows.append(_Row(offset, hex_text, hex_style, guides, label, self.decoded))
        for i, (span, _, color) in enumerate(self.open):
            self.open[i] = (span, len(self.rows) - 1, color)

    # --- pieces ---------------------------------------------------------------
    def _bytes_rows(self, start: int, size: int, style: str, label: List[Segment], what: str) -> None:
        """Hex rows of ``size`` bytes at ``start``, within the window, at most ``max_rows`` of them."""
        end = start + size
        first = start
        if start < self.lo:  # the window opens inside this field: start at the row holding its first byte
            first = start + (self.lo - start) // self.width * self.width
            if first > start:
                label = label + [("  (from 0x%x; starts at 0x%x)" % (first, start), "dim")]
        stop = min(end, self.hi)
        shown = 0
        pos = first
        while pos < stop and shown < self.max_rows:
            raw = bytes(self.data[pos:min(pos + self.width, end)])
            self._add(pos, _hex(raw), style, label if shown == 0 else [])
            shown += 1
            pos += self.width
        if shown == 0:
            self._add(start, "", style, label)
        elif pos < end:
            self._add(None, "", "", [("... %d more bytes of %s" % (end - pos, what), "dim")])

    def _uncovered(self, start: int, end: int) -> None:
        n = min(end, self.hi) - max(start, self.lo)
        if n <= 0:
            return
        self._bytes_rows(start, end - start, UNCOVERED_STYLE,
                         [("%d byte%s not covered by any field" % (n, "" if n == 1 else "s"), UNCOVERED_STYLE)],
                         "uncovered bytes")

    def _gaps_before(self, offset: int) -> None:
        """Show the uncovered ranges that start before ``offset`` and were not shown yet."""
        if self.decoded:
            return
        while self.next_gap < len(self.gaps) and self.gaps[self.next_gap][0] < offset:
            a, b = self.gaps[self.next_gap]
            self.next_gap += 1
            self._uncovered(a, b)

    def _end_skip(self) -> None:
        skip = self.skip
        if skip is not None:
            skip.row.label = [("... %d more item%s of %s (items=%d shown)" % (
                skip.count, "" if skip.count == 1 else "s", skip.array_path, self.items or 0), "dim")]
            self.skip = None

    def _skipping(self, span: Span) -> bool:
        """True for the spans inside an element already left out by ``items``; counts the elements."""
        skip = self.skip
        if skip is None:
            return False
        rest = span.path[len(skip.array_path):] if span.path.startswith(skip.array_path) else ""
        if rest[:1] == "[":
            if _ELEMENT.match(rest):
                skip.count += 1
            return True
        if rest[:1] == ".":
            return True
        self._end_skip()
        return False

    def _starts_skip(self, span: Span) -> bool:
        """Apply ``items``: the first element past the limit starts a skip (counted from the first shown)."""
        if self.items is None:
            return False
        m = _LAST_INDEX.search(span.path)
        if m is None:
            return False
        array_path, index = span.path[: m.start()], int(m.group(1))
        first = self.first_item.setdefault(array_path, index)
        if index - first < self.items:
            return False
        self._close_until(span.depth)
        self._add(None, "", "", [])
        self.skip = _Skip(array_path, self.rows[-1])
        self.skip.count = 1
        return True

    def _view(self, span: Optional[Span]) -> None:
        """Read the decoded bytes of a Transformed region for its inner spans, the input otherwise."""
        source = span.source if span is not None else None
        if source is None:
            self.data, self.lo, self.hi = self.window
            self.decoded = False
        else:
            self.data, self.lo, self.hi = source, 0, len(source)
            self.decoded = True

    # --- the walk ---------------------------------------------------------------
    def build(self) -> List[_Row]:
        folded: Optional[str] = None
        for span in self.trace.spans:
            if not span.path:
                continue
            self._view(span)
            if self._skipping(span):
                continue
            if folded is not None:
                if span.path.startswith(folded) and span.path[len(folded):][:1] in (".", "["):
                    continue
                folded = None
            open_end = span.size == 0 and not is_leaf(span) and (self.trace.stopped or self.trace.error is not None)
            if (span.offset + max(span.size, 1) <= self.lo and not open_end) or span.offset >= self.hi:
                continue  # (a structure still open when the parse ended reaches into the window)
            if self._starts_skip(span):
                continue
            self._close_until(span.depth)
            leaf = is_leaf(span)
            if not leaf and (self.depth is None or span.depth < self.depth):
                self.structures += 1
                color = self.palette.color(span.path, leaf=False)
                failed_inside = self.trace.error is not None and span.size == 0
                size = "  (incomplete: the parse failed inside)" if failed_inside else "  (%s)" % _bytes(span.size)
                if self.trace.stopped and span.size == 0:
                    size = "  (goes on past the window: not parsed further)"
                note = [(" = %s" % self.notes[span.path], color)] if span.path in self.notes else []
                self._add(span.offset, "", "", [("%s: %s" % (span.path, span.type_name), "bold " + color)] + note
                          + [(size, "dim")], opening=True)
                self.open.append((span, len(self.rows) - 1, color))
                continue
            self._gaps_before(span.offset)
            if not leaf:  # folded by depth: one block for the whole structure
                folded = span.path
                color = self.palette.color(span.path)
                label = [("%s: %s (%s, folded)" % (span.path, span.type_name, _bytes(span.size)), color)]
            elif span.kind == "padding":
                color = PADDING_STYLE
                label = [("%s: %s of padding" % (span.path, _bytes(span.size)), PADDING_STYLE)]
                if _BITS.match(span.type_name):  # the bits after an unaligned run of bit fields
                    label = [("%s = %s  %s, padding" % (span.path, span.value, _bits_text(span)), PADDING_STYLE)]
            elif span.kind == "malformed":  # kept bytes that did not parse (Array(..., on_error="keep"))
                color = ERROR_STYLE
                error = getattr(span.value, "error", None)
                why = "" if error is None else ": %s%s" % (
                    "" if error.path == span.path else error.path + ": ", error.reason)
                if error is not None and error.offset is not None:
                    why += " (at 0x%x)" % error.offset
                label = [("%s: %s, malformed%s" % (span.path, _bytes(span.size), why), ERROR_STYLE)]
            elif span.kind == "encoded":
                color = self.palette.color(span.path)
                label = [("%s: %s stored as %s; decoded below" % (span.path, _bytes(span.size),
                                                                   span.type_name), color)]
            else:
                self.fields += 1
                color = self.palette.color(span.path)
                name = span.path
                c_name = self.names.get(_INDEX.sub("[i]", name)) if self.names else None
                if c_name:
                    name = "%s (C: %s)" % (name, c_name)
                shown = "%s = %s" % (name, value_text(span))
                if span.path in self.notes:  # what the value points at (a name in a string table)
                    shown += " \u2192 %s" % self.notes[span.path]
                if span.kind == "bits":
                    bit_value = span.value  # (a member of the field's enum: its name and number)
                    text = "%s (%d)" % (bit_value.name, bit_value.value) if isinstance(bit_value, enum.Enum) else str(bit_value)
                    shown = "%s = %s  %s" % (name, text, _bits_text(span))
                label = [(shown, color)] + ([("  (decoded)", "dim")] if self.decoded else [])
            self._bytes_rows(span.offset, span.size, color, label, span.path)
        self._view(None)
        self._end_skip()
        self._gaps_before(len(self.data))
        err = self.trace.error
        if err is not None:  # inside the structures it interrupted (their frames stay open)
            while self.open and not _inside(err.path, self.open[-1][0].path):  # (those it did not: closed)
                self._close_until(self.open[-1][0].depth)
            at = err.offset or 0
            self._add(at, "", "", [("error: %s" % err, ERROR_STYLE)])
            rest = bytes(self.data[at:at + self.width])
            if rest:
                self._add(at, _hex(rest), "red", [("bytes at the failure", "red")])
        self._close_until(1)
        return self.rows


def _inside(path: str, outer: str) -> bool:
    """Whether the field at ``path`` is ``outer`` or inside it."""
    return not outer or path == outer or path.startswith(outer + ".") or path.startswith(outer + "[")


def _bytes(n: int) -> str:
    return "1 byte" if n == 1 else "%d bytes" % n


def auto_width(columns: Optional[int]) -> int:
    """Bytes per hex row that leave room for labels in ``columns`` (16, 8 or 4)."""
    if columns is None or columns >= 10 + 47 + 2 + 32:
        return 16
    return 8 if columns >= 10 + 23 + 2 + 24 else 4


def legend_lines() -> List[Line]:
    """What the styles mean, printed under a dump."""
    return [[("legend: ", "bold"), ("colour", "#6fc3a6"), (" = one field, alike in every element · ", ""),
             ("┌│└", "bold"), (" = a structure's extent", "")],
            [("        ", ""), ("dim = padding", PADDING_STYLE), (" · ", ""),
             ("yellow = bytes no field covers", UNCOVERED_STYLE), (" · ", ""), ("red = parse failure", ERROR_STYLE)]]


def dump_lines(trace: Trace, width: int = 16, max_rows: int = 4, depth: Optional[int] = None, *,
               offset: int = 0, length: Optional[int] = None, items: Optional[int] = None,
               columns: Optional[int] = None, legend: bool = False,
               names: Optional[Dict[str, str]] = None) -> List[Line]:
    """Lines of segments for ``trace``: one line per leaf field (long fields wrap, then are cut).

    ``offset``/``length`` keep only fields that overlap that window; ``items``
    shows at most that many elements of each array; ``columns`` cuts labels to
    fit a terminal that wide; ``names`` (see ``c_names``) adds C members' names where Python renamed them.
    """
    dry = _Builder(trace, width, max_rows, depth, offset, length, items, names)
    dry.build()  # the order in which lines take colours, so that every two lines next to each other differ
    rows = _Builder(trace, width, max_rows, depth, offset, length, items, names, dry.palette.requests).build()
    hex_cols = width * 3 - 1
    lines: List[Line] = []
    for row in rows:
        at = ("+%07x  " if row.decoded else "%08x  ") % row.offset if row.offset is not None else " " * 10
        line: Line = [(at, OFFSET_STYLE),
                      (row.hex.ljust(hex_cols), row.hex_style), ("  ", "")]
        if row.guides:
            line.append(("".join(g + " " for g in row.guides), "dim"))
        line.extend(row.label)
        lines.append(_fit(line, columns))
    if legend:
        lines.extend(_fit(line, columns) for line in legend_lines())
    return lines


def _fit(line: Line, columns: Optional[int]) -> Line:
    """Cut a line to ``columns`` characters, ending in ``…`` when something was cut."""
    if columns is None or sum(len(t) for t, _ in line) <= columns:
        return line
    out: Line = []
    room = max(columns - 1, 0)
    for text, style in line:
        if len(text) >= room:
            out.append((text[:room] + "…", style))
            break
        out.append((text, style))
        room -= len(text)
    return out


def use_color(color: str, stream: IO[str]) -> bool:
    """``always``/``never``, or ``auto``: only on a terminal and when ``NO_COLOR`` is unset."""
    if color == "always":
        return True
    if color == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def render(lines: List[Line], color: bool, color_system: Optional[str] = None) -> str:
    """Lines as text: ANSI colour through rich when ``color`` (and rich is installed), plain otherwise."""
    if color:
        try:
            from rich.console import Console
            from rich.text import Text
        except ImportError:
            color = False
    if not color:
        return "\n".join("".join(text for text, _ in line).rstrip() for line in lines) + "\n"
    if color_system is None:
        truecolor = os.environ.get("COLORTERM", "") in ("truecolor", "24bit")
        color_system = "truecolor" if truecolor else "256"
    console = Console(force_terminal=True, color_system=color_system,  # type: ignore[arg-type]
                      width=10_000, highlight=False)
    with console.capture() as capture:
        for line in lines:
            console.print(Text.assemble(*[(t, st or "") for t, st in line]), soft_wrap=True)
    return capture.get()


def terminal_columns(stream: IO[str]) -> Optional[int]:
    """The terminal's width when ``stream`` is one; ``None`` (no cutting) for files and pipes."""
    if hasattr(stream, "isatty") and stream.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return None


def dump(model: Any, data: Any, *, file: Optional[IO[str]] = None, color: str = "auto",
         width: Optional[int] = None, max_rows: int = 4, depth: Optional[int] = None, offset: int = 0,
         length: Optional[int] = None, items: Optional[int] = None, columns: Optional[int] = None,
         legend: bool = True) -> Trace:
    """Print an annotated dump of ``data`` parsed as ``model``; return the trace (with ``.error`` on failure).

    ``width`` (bytes per row) and ``columns`` default to what fits the terminal. With ``length``
    the parse stops at the end of the window (``trace.stopped``), so a large file costs only
    what comes before the window's end, and a failure after it is not seen.
    """
    stream = file or sys.stdout
    if length is not None:  # nothing after the window is shown: the parse stops there
        from .parsing.interpreter import parse_trace

        trace = parse_trace(model._bm_node, data, stop=offset + length)
    else:
        trace = model.parse_trace(data)
    if columns is None:
        columns = terminal_columns(stream)
    lines = dump_lines(trace, width or auto_width(columns), max_rows, depth, offset=offset, length=length,
                       items=items, columns=columns, legend=legend, names=c_names(model))
    stream.write(render(lines, use_color(color, stream)))
    return trace  # type: ignore[no-any-return]
