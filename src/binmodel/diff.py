"""Which fields differ between two binaries of the same format, with values side by side.

Fields are matched by their full path (``chunks[3].crc``), not by offset, so a
longer field early in a file does not make every later field "differ". Bytes
that differ are marked under each pair (``^^``) and in red in colour.
"""

from __future__ import annotations

import array
import dataclasses
from typing import Any, Dict, List, Optional, Tuple

from .dump import Line, is_leaf, value_text
from .parsing.context import Span, Trace


@dataclasses.dataclass
class Difference:
    """One field that is not the same in both inputs (``a`` or ``b`` is ``None`` when only one has it)."""

    path: str
    a: Optional[Span]
    b: Optional[Span]

    @property
    def kind(self) -> str:
        return "only in b" if self.a is None else "only in a" if self.b is None else "changed"


def _leaves(trace: Trace) -> Dict[str, Span]:
    return {s.path: s for s in trace.spans if s.path and is_leaf(s)}


def _same_value(a: Any, b: Any) -> bool:
    """Equal values; a NaN equals a NaN with the same bits (``nan != nan`` would make a file differ from itself)."""
    if a is b:
        return True
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return getattr(a, "bits", None) == getattr(b, "bits", None)
    if isinstance(a, array.array) and isinstance(b, array.array):  # typed arrays, NaNs included
        return a.typecode == b.typecode and a.tobytes() == b.tobytes()
    try:
        return bool(a == b)
    except Exception:  # a value type whose == does not answer yes or no
        return repr(a) == repr(b)


def _raw(trace: Trace, span: Span) -> bytes:
    return bytes(trace.data[span.offset:span.offset + span.size])


def diff_traces(ta: Trace, tb: Trace) -> List[Difference]:
    """Differences in the order fields appear in ``a`` (then fields only ``b`` has)."""
    la, lb = _leaves(ta), _leaves(tb)
    out = []
    for path, sa in la.items():
        sb = lb.get(path)
        if sb is None:
            out.append(Difference(path, sa, None))
        elif _raw(ta, sa) != _raw(tb, sb) or not _same_value(sa.value, sb.value):
            out.append(Difference(path, sa, sb))
    out.extend(Difference(path, None, sb) for path, sb in lb.items() if path not in la)
    return out


def diff(model: Any, a: Any, b: Any) -> List[Difference]:
    """The fields that differ between ``a`` and ``b`` parsed as ``model`` (parse failures included as traces)."""
    return diff_traces(model.parse_trace(a), model.parse_trace(b))


def _hex_pair(ra: bytes, rb: bytes, limit: int) -> List[Line]:
    """Hex of both sides with differing bytes styled, and a caret line under them."""
    rows: List[Line] = []
    for raw, other in ((ra, rb), (rb, ra)):
        segs: Line = []
        for i, byte in enumerate(raw[:limit]):
            same = i < len(other) and other[i] == byte
            segs.append(("%02x" % byte, "" if same else "bold red"))
            segs.append((" ", ""))
        rows.append(segs[:-1] + ([(" ...", "dim")] if len(raw) > limit else []))
    n = min(max(len(ra), len(rb)), limit)
    marks = "".join("   " if i < len(ra) and i < len(rb) and ra[i] == rb[i] else "^^ " for i in range(n))
    rows.append([(marks.rstrip(), "bold red")])
    return rows


def diff_lines(ta: Trace, tb: Trace, names: Tuple[str, str] = ("a", "b"), limit: int = 16) -> List[Line]:
    """The report ``binmodel diff`` prints: each difference, the failures, and a summary line."""
    diffs = diff_traces(ta, tb)
    lines: List[Line] = []
    width = max([len(n) for n in names] + [1])
    for d in diffs:
        if d.a is None or d.b is None:
            side, span, trace = (names[1], d.b, tb) if d.a is None else (names[0], d.a, ta)
            assert span is not None
            lines.append([(d.path, "bold"), ("  only in %s: " % side, "yellow"), (value_text(span), "")])
            continue
        lines.append([(d.path, "bold"), ("  %s  " % value_text(d.a), "cyan"), ("|", "dim"),
                      ("  %s" % value_text(d.b), "magenta")])
        ha, hb, marks = _hex_pair(_raw(ta, d.a), _raw(tb, d.b), limit)
        for name, span, hexsegs in ((names[0], d.a, ha), (names[1], d.b, hb)):
            lines.append([("  %-*s %08x  " % (width, name, span.offset), "dim")] + hexsegs)
        lines.append([(" " * (width + 13), "")] + marks)
    for name, trace in zip(names, (ta, tb)):
        if trace.error is not None:
            lines.append([("%s does not parse: %s" % (name, trace.error), "bold red")])
    changed = sum(1 for d in diffs if d.kind == "changed")
    only = len(diffs) - changed
    summary = "no differences" if not diffs else "%d field%s differ%s, %d only on one side" % (
        changed, "" if changed == 1 else "s", "s" if changed == 1 else "", only)
    lines.append([(summary, "bold")])
    return lines
