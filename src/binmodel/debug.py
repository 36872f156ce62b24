"""Looking inside: the Python code binmodel generates for a model.

>>> from binmodel import Struct, u16, Bytes, this
>>> from binmodel.debug import source
>>> class Item(Struct, endian="big"):
...     size: int = u16()
...     data: bytes = Bytes(this.size)
>>> print(source(Item).splitlines()[0])
def parse_Item(_bm_data, _bm_pos, _bm_end, _bm_state, _bm_parent):

The same text is what a traceback or ``pdb`` shows inside generated code: each function is registered
in ``linecache`` under a file name such as ``<binmodel: Item.parse #3>``.
"""

from __future__ import annotations

from typing import Any

from .building.compiled import source as build_source
from .parsing.compiled import source as parse_source


def source(model: Any) -> str:
    """The generated parse function(s) of ``model`` and, when it has one, its generated build function."""
    node = model._bm_node
    return parse_source(node) + "\n" + build_source(node)
