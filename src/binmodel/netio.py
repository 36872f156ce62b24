"""One message from a blocking socket (``recv``) or an ``asyncio.StreamReader`` (``read``), reading exactly
its bytes: what the model says it needs, and a byte at a time only where a terminator alone ends a field.
Writing is the ordinary build: ``sock.sendall(msg.to_bytes())``, ``writer.write(msg.to_bytes())``.

Bytes of a message cut short by an exception that is not about the data (a socket timeout, the
cancellation of a task) are kept for the socket or reader and read first by the next call, so a
cancelled ``await Model.read(reader)`` loses nothing.
"""

from __future__ import annotations

import weakref
from typing import Any, Awaitable, Callable, Dict, Optional

from .errors import ParseError
from .parsing.context import NeedMore
from .streams import READ_LIMIT, StreamPlan, check_forward, parent_context, read_prefix

_PARTIAL: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()
"""Per socket or reader: the bytes of a message whose reading an exception interrupted."""


def _step(found: StreamPlan, data: bytes, ended: bool, parent: Any, max_size: Optional[int]) -> Any:
    """``(value,)`` when ``data`` holds a whole message, else how many bytes to read next."""
    if ended and not data:
        raise EOFError("the stream ended before a message began")
    try:
        value, _end = read_prefix(found, data, 0, not ended, parent)
    except NeedMore as need:
        upto = need.upto if need.upto is not None and need.upto > len(data) else len(data) + 1
        if max_size is not None and upto > max_size:
            raise ParseError("a %s message of at least %d bytes is over max_size (%d)" % (
                found.node.name, upto, max_size), "", 0, expected="at most %d bytes" % max_size,
                found=upto) from None
        return upto - len(data)
    return (value,)


def recv(model: Any, sock: Any, *, parent: Optional[Dict[str, Any]] = None, max_size: Optional[int] = None) -> Any:
    """One ``model`` message from the blocking socket ``sock``. ``EOFError`` when the peer closed before
    it began; a ParseError (offsets from the message's start) when it is bad or cut short, or known to be
    longer than ``max_size`` bytes (then the socket is in the middle of it: close it)."""
    found = check_forward(model)
    ctx = parent_context(parent)
    data = _PARTIAL.pop(sock, b"")
    want = found.least - len(data)
    ended = False
    try:
        while True:
            if want > 0 and not ended:
                chunk = sock.recv(min(want, READ_LIMIT))  # (recv allocates what it is asked for)
                ended = not chunk
                data += chunk
                want -= len(chunk)
                if want > 0 and not ended:
                    continue
            step = _step(found, data, ended, ctx, max_size)
            if isinstance(step, tuple):
                data = b""
                return step[0]
            want = step
    except (ParseError, EOFError):
        data = b""  # read and refused: a later call starts after it
        raise
    finally:
        if data:
            _PARTIAL[sock] = data


async def read(model: Any, reader: Any, *, parent: Optional[Dict[str, Any]] = None,
               max_size: Optional[int] = None) -> Any:
    """One ``model`` message from ``reader`` (an ``asyncio.StreamReader``), as ``recv`` reads a socket.
    Safe to cancel: the bytes read so far are kept for the next call on the same reader."""
    import asyncio

    found = check_forward(model)
    ctx = parent_context(parent)
    data = _PARTIAL.pop(reader, b"")
    want = found.least - len(data)
    ended = False
    readexactly: Callable[[int], Awaitable[bytes]] = reader.readexactly
    try:
        while True:
            if want > 0 and not ended:
                try:
                    data += await readexactly(want)  # (takes nothing from the reader unless it has all)
                except asyncio.IncompleteReadError as short:
                    data += short.partial
                    ended = True
            step = _step(found, data, ended, ctx, max_size)
            if isinstance(step, tuple):
                data = b""
                return step[0]
            want = step
    except (ParseError, EOFError):
        data = b""
        raise
    finally:
        if data:
            _PARTIAL[reader] = data
