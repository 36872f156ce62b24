"""The input side of every parse: which objects can be parsed (any bytes-like object) and which offsets
(any integer inside the data). The interpreter, generated entries, lazy records and bulk arrays share it.
"""

from __future__ import annotations

from typing import Any

from .errors import ParseError
from .wire import as_int


def as_buffer(data: Any) -> Any:
    """``data`` as something to slice and measure in bytes: bytes, bytearray and mmap as they are, any other
    bytes-like object (memoryview, array.array, a numpy array, a ctypes object) as a copy of its bytes."""
    if isinstance(data, (bytes, bytearray)):
        return data
    if hasattr(data, "find") and hasattr(data, "__getitem__") and not isinstance(data, str):  # mmap
        return data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError("parse() takes a bytes-like object (bytes, bytearray, memoryview, mmap, array, ...), "
                        "not %s" % type(data).__name__) from None
    with view:
        return view.tobytes()  # in C order, whatever the item format and shape


def data_offset(offset: Any, total: int, path: str = "") -> int:
    """``offset`` as a plain int inside ``0..total``: any integer ``operator.index`` takes (bools and numpy
    integers too, as in ``struct`` and indexing), or the ParseError that names it."""
    number = as_int(offset)
    if number is None or not 0 <= number <= total:
        shown = offset if number is None else number
        raise ParseError("offset %r is outside the data (%d bytes)" % (shown, total), path, None,
                         expected="0..%d" % total, found=shown)
    return number


