"""A sans-IO incremental decoder: feed it bytes as they arrive, in pieces of any size, and take whole
messages out. It does no I/O itself, so the same decoder serves sockets, asyncio, serial ports and tests.

>>> from binmodel import Struct, Bytes, u8, len_of, this
>>> class Msg(Struct):
...     n: int = u8(derive=len_of("data"))
...     data: bytes = Bytes(this.n)
>>> dec = Decoder(Msg)
>>> dec.feed(b"\\x02hi\\x03ab")
>>> next(dec).data
b'hi'
>>> len(list(dec)), dec.needed
(0, 1)
>>> dec.feed(b"c")
>>> next(dec).data
b'abc'

Bytes are kept until a message is complete and joined once per try; a try is made only when the
buffered bytes reach what the model said it needs (a length-prefixed message: one try for its header,
one for the rest), so feeding a byte at a time costs no more than feeding it whole. Only where nothing
says how much is missing (a terminator not seen yet) is every feed a new try.
"""

from __future__ import annotations

from typing import Any, Dict, Generic, Iterator, List, Optional, Type, TypeVar

from .errors import ParseError
from .parsing.context import NeedMore
from .streams import StreamError, check_forward, moved, parent_context, read_prefix

M = TypeVar("M")


class Decoder(Generic[M]):
    """Whole ``model`` messages out of bytes fed in any pieces (``feed``); iterate for the messages ready.

    Bad bytes raise a ``ParseError`` whose offset counts from the start of the stream; the decoder then
    stays failed (every next raises it again) until the caller resynchronises with ``skip_to(marker)``
    or ``skip(n)``. ``close()`` says the stream ended: a message that reads to the end of its data is
    then complete, and a message cut short is the ParseError of a short buffer. ``max_size`` refuses a
    message longer than that many bytes as soon as it is known to be (a peer announcing 4 GB).
    """

    def __init__(self, model: Type[M], *, max_size: Optional[int] = None,
                 parent: Optional[Dict[str, Any]] = None) -> None:
        self.model = model
        self._plan = check_forward(model)
        self._parent = parent_context(parent)
        self.max_size = max_size
        self._data = b""  # bytes joined so far; the next message starts at _pos
        self._pos = 0
        self._pending: List[bytes] = []  # bytes fed since the last join
        self._pending_size = 0
        self._base = 0  # the stream offset of _data[0]
        self._want = self._plan.least  # bytes from _pos a try needs
        self._ended = False
        self._error: Optional[ParseError] = None
        self._marker: Optional[bytes] = None  # skip_to() is looking for it
        self.decoded = 0
        """Messages decoded so far."""

    # --- input ----------------------------------------------------------------------------

    def feed(self, data: Any) -> None:
        """Add bytes that arrived (any bytes-like object; copied, so the caller may reuse its buffer)."""
        if self._ended:
            raise StreamError("feed() after close(): the stream has ended")
        chunk = bytes(data)
        if chunk:
            self._pending.append(chunk)
            self._pending_size += len(chunk)

    def close(self) -> None:
        """The stream has ended: no more bytes will come."""
        self._ended = True

    @property
    def offset(self) -> int:
        """The stream offset where the next message starts."""
        return self._base + self._pos

    @property
    def buffered(self) -> int:
        """Bytes received and not yet part of a message."""
        return len(self._data) - self._pos + self._pending_size

    @property
    def needed(self) -> int:
        """At least this many more bytes before the next message can be complete (0: try now); exact once
        the model knows the message's size (after a length prefix), 1 when only a terminator will tell."""
        return max(self._want - self.buffered, 0)

    # --- output ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[M]:
        return self

    def __next__(self) -> M:
        if self._error is not None:
            raise self._error
        if self._marker is not None and not self._find_marker():
            raise StopIteration
        if self.buffered < self._want and not self._ended:
            raise StopIteration
        self._join()
        pos, data = self._pos, self._data
        if pos == len(data):
            raise StopIteration
        try:
            value, end = read_prefix(self._plan, data, pos, not self._ended, self._parent)
        except NeedMore as need:
            self._want = (need.upto if need.upto is not None else len(data) + 1) - pos
            self._check_size(self._want)
            raise StopIteration from None
        except ParseError as exc:
            self._fail(moved(exc, self._base))
        if end == pos:
            self._fail(ParseError("a %s message took no bytes: the stream would never end" % self.model.__name__,
                                  "", self._base + pos, expected="at least 1 byte", found=0))
        self._check_size(end - pos)
        self._pos, self._want = end, self._plan.least
        self.decoded += 1
        return value  # type: ignore[no-any-return]

    def _fail(self, error: ParseError) -> Any:
        self._error = error
        raise error

    def _check_size(self, size: int) -> None:
        if self.max_size is not None and size > self.max_size:
            self._fail(ParseError("a %s message of at least %d bytes is over max_size (%d)"
                                  % (self.model.__name__, size, self.max_size), "", self.offset,
                                  expected="at most %d bytes" % self.max_size, found=size))

    def _join(self) -> None:
        """The bytes fed since the last try after the unused ones: one copy per try, of one message's bytes."""
        if self._pending:
            self._base += self._pos
            self._data = self._data[self._pos:] + b"".join(self._pending)
            self._pos = 0
            self._pending, self._pending_size = [], 0

    # --- after an error ---------------------------------------------------------------------

    def skip(self, n: int) -> None:
        """Drop ``n`` bytes from where the next message would start (after an error: its first ``n``)."""
        self._join()
        self._pos = min(self._pos + max(n, 0), len(self._data))
        self._error, self._marker, self._want = None, None, self._plan.least

    def skip_to(self, marker: bytes) -> None:
        """Resynchronise after an error: drop bytes up to the next ``marker`` after the start of the message
        that failed (bytes that arrive later are searched too); decoding goes on from there."""
        if not marker:
            raise ValueError("skip_to() needs a marker of at least one byte")
        self.skip(1)
        self._marker = bytes(marker)

    def _find_marker(self) -> bool:
        """Whether the marker ``skip_to`` looks for is at the next message's start (bytes before it dropped)."""
        assert self._marker is not None
        self._join()
        at = self._data.find(self._marker, self._pos)
        if at < 0:  # keep only what could be the marker's beginning
            self._pos = max(self._pos, len(self._data) - len(self._marker) + 1)
            return False
        self._pos, self._marker = at, None
        return True
