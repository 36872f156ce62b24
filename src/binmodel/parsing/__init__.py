"""Parsing: bytes to objects. The mirror of ``binmodel.building``.

- ``context``: what a parse carries (the input's state, the struct's fields so far, spans);
- ``interpreter``: the reference parser, one handler per node type (``PARSERS``);
- ``regions``: its handlers for terminated, counted-by-prefix and transformed regions;
- ``generator``: writes a struct's parser as lines of Python, one emitter per node type;
- ``items``: the loops over arrays of structs the generator writes;
- ``analysis``: facts about the schema the generator needs (nesting, reach of references);
- ``compiled``: assembles and runs the generated parsers and the entry ``Model.parse`` calls.
"""

from .compiled import compiled_parse, parse_entry
from .context import ParseContext, Span, Trace
from .interpreter import parse, parse_trace

__all__ = ["ParseContext", "Span", "Trace", "compiled_parse", "parse", "parse_entry", "parse_trace"]
