"""Lazy access to many fixed-size records: a record is parsed only when it is read.

For files where a program looks at a few records out of millions, parsing all
of them up front is wasted work. ``LazyArray(Model, data)`` is a sequence whose
``[i]`` parses record ``i`` (compiled, as ``Model.parse``) from its place in
``data``; nothing else is read. Slices are lazy too.

>>> from binmodel import Struct, u32le
>>> class Rec(Struct):
...     id: int = u32le()
>>> records = LazyArray(Rec, b"".join(i.to_bytes(4, "little") for i in range(1000)))
>>> len(records), records[123], records[-1].id
(1000, Rec(id=123), 999)
"""

from __future__ import annotations

from typing import Any, Iterator, Optional, Sequence, Union, overload

from .errors import ParseError


class LazyArray(Sequence[Any]):
    """``count`` records of a fixed-size ``model`` in ``data`` from ``offset``, parsed on access."""

    def __init__(self, model: Any, data: Any, offset: int = 0, count: Optional[int] = None) -> None:
        self.model = model
        self.size = model.sizeof()  # SizeofError for models whose size depends on the data
        if self.size <= 0:
            raise ParseError("records of %s take no bytes" % model.__name__, "", offset)
        self.data = data
        total = len(memoryview(data).cast("B"))
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= total:
            raise ParseError("offset %r is outside the data (%d bytes)" % (offset, total), "", None,
                             expected="0..%d" % total, found=offset)
        left = total - offset
        if count is None:
            count, extra = divmod(left, self.size)
            if extra:
                raise ParseError("%d bytes after the last whole %s record" % (extra, model.__name__),
                                 "[%d]" % count, offset + count * self.size, expected=self.size, found=extra)
        elif isinstance(count, bool) or not isinstance(count, int) or count < 0 or count * self.size > left:
            raise ParseError("%r records of %d bytes do not fit the %d bytes left" % (count, self.size, left), "",
                             offset, expected=count, found=left // self.size)
        self.offset = offset
        self.length = count

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> LazyArray: ...

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.length)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return LazyArray(self.model, self.data, self.offset + start * self.size, max(stop - start, 0))
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError("record %d of %d" % (index, self.length))
        at = self.offset + index * self.size
        try:
            return self.model.parse(self.data[at:at + self.size])
        except ParseError as exc:  # say where in the whole data, and which record
            raise ParseError(exc.reason, "[%d]%s%s" % (index, "." if exc.path else "", exc.path),
                             None if exc.offset is None else at + exc.offset, expected=exc.expected,
                             found=exc.found) from None

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.length):
            yield self[i]

    def __repr__(self) -> str:
        return "<LazyArray of %d %s records>" % (self.length, self.model.__name__)
