"""Building: objects to bytes. The mirror of ``binmodel.parsing``.

- ``context``: what a build keeps beside the struct (pointer patches, deferred errors);
- ``interpreter``: the reference builder, one handler per node type (``BUILDERS``), and ``BuildContext``;
- ``regions``: its handlers for terminated, counted-by-prefix and transformed regions;
- ``generator``: writes a struct's builder as lines of Python, one emitter per member kind;
- ``compiled``: assembles and runs the generated builders and the entry ``Model.build`` calls.
"""

from .compiled import build_entry, compiled_build
from .interpreter import BuildContext, build

__all__ = ["BuildContext", "build", "build_entry", "compiled_build"]
