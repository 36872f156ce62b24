"""``Malformed``: bytes that did not parse as what the model says, kept exactly with their error.

An array declared ``Array(T, ..., on_error="keep")`` does not fail its whole parse on one bad item.
The item is read again leniently: a ``Sized`` region inside it (a record's body, a packet's payload)
whose contents do not parse becomes a ``Malformed`` value holding the region's bytes, and the rest
of the item is read as usual. Where nothing says where the next item starts, the rest of the data
is one ``Malformed`` entry and the array ends there. A ``Malformed`` value builds back to its bytes.
"""

from __future__ import annotations

from typing import Any

from .errors import ParseError


class Malformed(bytes):
    """The bytes of a value that did not parse, with ``error`` (a ``ParseError``: path, offset, why).

    >>> from binmodel import ParseError
    >>> bad = Malformed(b"\\x01\\x02", ParseError("too short", "records[3].body", 40))
    >>> bad == b"\\x01\\x02", bad.error.offset
    (True, 40)
    >>> bad
    Malformed(b'\\x01\\x02', 'records[3].body at offset 40 (0x28): too short')
    """

    error: ParseError

    def __new__(cls, data: Any, error: ParseError) -> Malformed:
        obj = super().__new__(cls, data)
        obj.error = error
        return obj

    def __repr__(self) -> str:
        return "Malformed(%s, %r)" % (bytes.__repr__(self), str(self.error))

    def __reduce__(self) -> Any:
        return (Malformed, (bytes(self), self.error))
