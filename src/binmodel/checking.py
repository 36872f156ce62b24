"""``binmodel.check``: which derived values (lengths, counts, checksums) disagree with their data.

A parse keeps a file's own values even where they are inconsistent (a checksum a network card was to
fill in, a length a writer got wrong), and ``build`` writes them back unchanged while what they
depend on is unchanged. ``check`` says where that is the case.
"""

from __future__ import annotations

from typing import Any, List, NamedTuple


class Disagreement(NamedTuple):
    """A derived field whose value is not what its derivation gives over the data."""

    path: str  #: the field, as in error messages (``records[3].header.checksum``)
    stored: Any  #: the value the object holds (as parsed, or as set)
    computed: Any  #: what ``derive=`` gives over the object's other values

    def __str__(self) -> str:
        return "%s: %r, computed %r" % (self.path, self.stored, self.computed)


def check(obj: Any) -> List[Disagreement]:
    """Every derived field of ``obj`` (a model instance) and its nested objects whose value disagrees
    with its data, in the order a build meets them; empty when the object is consistent.

    >>> from binmodel import Struct, Bytes, u8, len_of, this
    >>> class Record(Struct):
    ...     length: int = u8(derive=len_of("data"))
    ...     data: bytes = Bytes(this.length)
    >>> check(Record.parse(b"\\x02ab"))
    []
    >>> rec = Record.parse(b"\\x02ab")
    >>> rec.data = b"abc"
    >>> for disagreement in check(rec):
    ...     print(disagreement)
    length: 2, computed 3
    """
    from .building.interpreter import build

    node = getattr(type(obj), "_bm_node", None)
    if node is None:
        raise TypeError("check() takes a model instance, not %s" % type(obj).__name__)
    found: List[Any] = []
    build(node, obj, audit=found)
    return [Disagreement(*item) for item in found]
