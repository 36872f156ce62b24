"""Looking inside: the Python code binmodel generates for a model.

>>> from binmodel import Struct, u16, Bytes, this
>>> from binmodel.debug import source
>>> class Item(Struct, endian="big"):
...     size: int = u16()
...     data: bytes = Bytes(this.size)
>>> print(source(Item).splitlines()[0])
def parse_Item(data, pos, end, state, parent):
"""

from __future__ import annotations

from typing import Any

from . import compile as _compile


def source(model: Any) -> str:
    """The generated parse function(s) of ``model`` and, when it has one, its generated build function."""
    node = model._bm_node
    text = _compile.source(node)
    if _compile._BUILDERS.buildable(node):
        _compile._BUILDERS.builder(node)
        text += "\n" + _compile._REGISTRY.sources[-id(node)]
    else:
        text += "\n# %s is built by the interpreter\n" % node.name
    return text
