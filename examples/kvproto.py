"""A small request/response protocol over TCP: a key-value store, as docs/streams.md walks through it.

Every message is a header (magic ``KV``, a type, the body's length), a body chosen by the type, and a
CRC-32 of the type, length and body. The server answers ``GET`` with ``VALUE`` (or ``ERROR``), ``PUT``
with ``OK`` and ``PING`` with ``PONG``; a message it cannot decode ends that connection only.

Run ``python examples/kvproto.py``: it starts the server on 127.0.0.1, runs a client against it and
prints the dump of what the client sent and received.
"""

from __future__ import annotations

import asyncio
import enum
import zlib
from typing import Dict, List, Tuple, Union

from binmodel import Bytes, Const, Enum, ParseError, Sized, String, Struct, Switch, crc32_of, len_of, this, u8, u16, u32


class Kind(enum.IntEnum):
    PING = 1
    PONG = 2
    GET = 3
    VALUE = 4
    PUT = 5
    OK = 6
    ERROR = 7


class Empty(Struct):
    """The body of PING, PONG and OK."""


class Key(Struct, endian="big"):
    """The body of GET: a key of up to 255 bytes of UTF-8."""

    key: str = String(prefix=u8)


class Put(Struct, endian="big"):
    """The body of PUT: a key and its value."""

    key: str = String(prefix=u8)
    value: bytes = Bytes(prefix=u16)


class Value(Struct, endian="big"):
    """The body of VALUE: the value asked for."""

    value: bytes = Bytes(prefix=u16)


class Problem(Struct, endian="big"):
    """The body of ERROR: a code and a text."""

    code: int = u8()
    text: str = String(prefix=u8)


Body = Union[Empty, Key, Put, Value, Problem]


class Message(Struct, endian="big"):
    """One message of either side."""

    magic: bytes = Const(b"KV")
    kind: Kind = Enum(u8, Kind)
    length: int = u16(derive=len_of("body"))
    body: Body = Sized(this.length, Switch(this.kind, {
        Kind.PING: Empty, Kind.PONG: Empty, Kind.OK: Empty,
        Kind.GET: Key, Kind.VALUE: Value, Kind.PUT: Put, Kind.ERROR: Problem,
    }))
    crc: int = u32(derive=crc32_of("kind", "length", "body"), check=True)


def message(kind: Kind, body: Body) -> Message:
    """A message with its length and CRC to be computed on build."""
    return Message(kind=kind, body=body)


def answer(store: Dict[str, bytes], request: Message) -> Message:
    """The server's reply to one request."""
    body = request.body
    if request.kind == Kind.PING:
        return message(Kind.PONG, Empty())
    if request.kind == Kind.PUT and isinstance(body, Put):
        store[body.key] = body.value
        return message(Kind.OK, Empty())
    if request.kind == Kind.GET and isinstance(body, Key):
        if body.key in store:
            return message(Kind.VALUE, Value(value=store[body.key]))
        return message(Kind.ERROR, Problem(code=1, text="no key %r" % body.key))
    return message(Kind.ERROR, Problem(code=2, text="not a request: %s" % request.kind.name))


async def serve_client(store: Dict[str, bytes], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer one connection's requests until it closes or sends what is not a message."""
    try:
        while True:
            try:
                request = await Message.read(reader)
            except EOFError:
                break  # closed between messages
            except ParseError as exc:  # garbage, a bad CRC, or closed in the middle of a message
                writer.write(message(Kind.ERROR, Problem(code=3, text=exc.reason[:200])).to_bytes())
                break
            writer.write(answer(store, request).to_bytes())
            await writer.drain()
    finally:
        writer.close()


class Server:
    """The server on 127.0.0.1 (``port``), with the tasks serving its connections (to wait for at the end)."""

    def __init__(self) -> None:
        self.store: Dict[str, bytes] = {}
        self.handlers: List[asyncio.Task[None]] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.handlers.append(task)
        await serve_client(self.store, reader, writer)

    async def stop(self) -> None:
        """Stop listening, then wait for the connections being served to finish."""
        self.server.close()
        await self.server.wait_closed()
        await asyncio.wait_for(asyncio.gather(*self.handlers), 10)


async def exchange(port: int, requests: List[Message]) -> Tuple[bytes, bytes, List[Message]]:
    """Send ``requests`` one by one, reading each reply: (bytes sent, bytes received, the replies)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent, received, replies = b"", b"", []
    for request in requests:
        raw = request.to_bytes()
        writer.write(raw)
        await writer.drain()
        reply = await Message.read(reader)
        sent, received = sent + raw, received + reply.to_bytes()
        replies.append(reply)
    writer.close()
    await writer.wait_closed()
    return sent, received, replies


DEMO = [message(Kind.PING, Empty()), message(Kind.PUT, Put(key="colour", value=b"teal")),
        message(Kind.GET, Key(key="colour")), message(Kind.GET, Key(key="size"))]


async def demo() -> Tuple[bytes, bytes, List[Message]]:
    """Start a server, run the demo requests against it, stop it."""
    server = Server()
    port = await server.start()
    try:
        return await exchange(port, DEMO)
    finally:
        await server.stop()


def crc_ok(raw: bytes) -> bool:
    """Whether a message's CRC is zlib's CRC-32 of its type, length and body (a check independent of the model)."""
    return zlib.crc32(raw[2:-4]) == int.from_bytes(raw[-4:], "big")


if __name__ == "__main__":
    from binmodel import Decoder, dump

    sent, received, _ = asyncio.run(demo())
    for title, raw in (("client -> server", sent), ("server -> client", received)):
        print("== %s (%d bytes)" % (title, len(raw)))
        dec = Decoder(Message)
        dec.feed(raw)
        offset = 0
        for _ in dec:
            size = dec.offset - offset
            dump(Message, raw[offset:offset + size], color="never", legend=False)
            offset += size
