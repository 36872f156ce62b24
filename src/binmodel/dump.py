"""An annotated hex dump: every field's bytes on their own line, with path, value and offset.

This is the small, dependency-free first version: ``dump_lines`` turns a parse
trace into lines of (text, style) segments; ``dump`` prints them, in colour
through ``rich`` when it is installed (``pip install binmodel[cli]``) and the
output is a terminal (or ``color="always"``), honouring ``NO_COLOR``.
The same field in repeated instances (``chunks[*].length``) keeps one colour.
"""

from __future__ import annotations

import os
import re
import sys
from typing import IO, Any, Dict, List, Optional, Tuple

from .interp import Span, Trace

Segment = Tuple[str, str]  # (text, style name understood by rich; "" for none)
Line = List[Segment]

PALETTE = ["cyan", "green", "yellow", "magenta", "bright_blue", "bright_red", "bright_green", "bright_cyan",
           "orange3", "medium_purple1", "deep_sky_blue1", "gold3", "pale_violet_red1", "spring_green2"]
_INDEX = re.compile(r"\[\d+\]")


def shape(path: str) -> str:
    """The path with indices folded, so every ``chunks[i].length`` shares a colour."""
    return _INDEX.sub("[*]", path)


def value_text(span: Span, limit: int = 60) -> str:
    """A field's value as the dump shows it (cut to ``limit`` characters); empty for structs and arrays."""
    value = span.value
    if span.kind in ("struct", "array"):
        return ""
    if span.kind == "padding":
        return "padding"
    if hasattr(value, "name") and hasattr(value, "value"):  # an enum member
        text = "%s (%d)" % (value.name, value.value)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 9:
        text = "%d (0x%x)" % (value, value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def dump_lines(trace: Trace, width: int = 16, max_rows: int = 4, depth: Optional[int] = None) -> List[Line]:
    """Lines of segments for ``trace``: one line per leaf field (long fields wrap, then are cut)."""
    colors: Dict[str, str] = {}
    lines: List[Line] = []
    data = trace.data
    covered = 0
    last_end = 0
    for span in trace.spans:
        if depth is not None and span.depth > depth:
            continue
        indent = "  " * max(span.depth - 1, 0)
        if span.kind in ("struct", "array") and (depth is None or span.depth < depth):
            if span.path:
                label = "%s%s: %s" % (indent, span.path, span.type_name)
                lines.append([("%08x  " % span.offset, "dim"), (label, "bold"),
                              ("  (%d bytes)" % span.size if span.size else "", "dim")])
            continue
        style = colors.setdefault(shape(span.path), PALETTE[len(colors) % len(PALETTE)])
        if span.kind == "padding":
            style = "dim"
        raw = data[span.offset:span.offset + span.size]
        rows = [raw[i:i + width] for i in range(0, len(raw), width)] or [b""]
        shown = rows[:max_rows]
        for i, row in enumerate(shown):
            hex_text = " ".join("%02x" % b for b in row).ljust(width * 3 - 1)
            line: Line = [("%08x  " % (span.offset + i * width), "dim"), (hex_text, style)]
            if i == 0:
                label = "%s%s = %s" % (indent, span.path or "(value)", value_text(span))
                if span.kind == "bits":
                    label = "%s%s = %s  [%s]" % (indent, span.path, span.value, span.type_name)
                line.append(("  " + label, style))
            lines.append(line)
        if len(rows) > max_rows:
            lines.append([(" " * 10, ""), ("... %d more bytes of %s" % (len(raw) - max_rows * width, span.path),
                                           "dim")])
        if span.offset >= last_end:
            covered += span.size
        last_end = max(last_end, span.offset + span.size)
    if trace.error is not None:
        err = trace.error
        lines.append([("%08x  " % (err.offset or 0), "bold red"), ("error: %s" % err, "bold red")])
        rest = data[err.offset or 0:(err.offset or 0) + width]
        if rest:
            lines.append([(" " * 10, ""), (" ".join("%02x" % b for b in rest), "red"),
                          ("  (bytes at the failure)", "red")])
    elif last_end < len(data):
        lines.append([("%08x  " % last_end, "dim"), ("%d bytes not covered by any field" % (len(data) - last_end),
                                                      "bold yellow")])
    return lines


def _use_color(color: str, stream: IO[str]) -> bool:
    if color == "always":
        return True
    if color == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def render(lines: List[Line], color: bool) -> str:
    """Lines as text: ANSI colour through rich when ``color`` (and rich is installed), plain otherwise."""
    if color:
        try:
            from rich.console import Console
            from rich.text import Text
        except ImportError:
            color = False
    if not color:
        return "\n".join("".join(text for text, _ in line).rstrip() for line in lines) + "\n"
    console = Console(force_terminal=True, color_system="256", width=10_000, highlight=False)
    with console.capture() as capture:
        for line in lines:
            console.print(Text.assemble(*[(t, st or "") for t, st in line]), soft_wrap=True)
    return capture.get()


def dump(model: Any, data: Any, *, file: Optional[IO[str]] = None, color: str = "auto", width: int = 16,
         max_rows: int = 4, depth: Optional[int] = None) -> Trace:
    """Print an annotated dump of ``data`` parsed as ``model``; return the trace (with ``.error`` on failure)."""
    stream = file or sys.stdout
    trace = model.parse_trace(data)
    stream.write(render(dump_lines(trace, width, max_rows, depth), _use_color(color, stream)))
    return trace  # type: ignore[no-any-return]
