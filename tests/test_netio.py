"""Messages over loopback TCP (127.0.0.1 only, bounded counts and time): ``Model.recv`` on blocking sockets
and ``await Model.read`` on asyncio streams, with the worked protocol of ``examples/kvproto.py``.

Truth: the messages the peer built, zlib's CRC-32 of the bytes on the wire, and a plain dict store.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import pathlib
import socket
import sys
import threading
import time
from typing import List

import pytest

from binmodel import ParseError, dump

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from kvproto import DEMO, Empty, Key, Kind, Message, Put, Server, crc_ok, demo, exchange, message  # noqa: E402

TIMEOUT = 20


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


# --- blocking sockets -----------------------------------------------------------------------------


def pair():  # type: ignore[no-untyped-def]
    """A connected pair of TCP sockets on 127.0.0.1."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname(), timeout=TIMEOUT)
        server, _ = listener.accept()
    server.settimeout(TIMEOUT)
    return client, server


def test_recv_reads_each_message_exactly_whatever_the_writes():
    client, server = pair()
    msgs = [message(Kind.PUT, Put(key="k%d" % i, value=b"v" * i)) for i in range(50)]
    raw = b"".join(m.to_bytes() for m in msgs)

    def send() -> None:
        client.sendall(raw[:3])  # a partial header
        time.sleep(0.05)
        client.sendall(raw[3:200])  # the rest of one, several whole, part of another
        for i in range(200, 400):  # a slow peer: a byte at a time
            client.sendall(raw[i:i + 1])
        client.sendall(raw[400:])  # everything else coalesced
    sender = threading.Thread(target=send)
    sender.start()
    try:
        got = [Message.recv(server) for _ in msgs]
    finally:
        sender.join(TIMEOUT)
        client.close()
    assert [(m.body.key, m.body.value) for m in got] == [(m.body.key, m.body.value) for m in msgs]
    with pytest.raises(EOFError):
        Message.recv(server)  # closed between messages
    server.close()


def test_a_timeout_in_the_middle_of_a_message_loses_no_bytes():
    client, server = pair()
    raw = message(Kind.GET, Key(key="colour")).to_bytes()
    server.settimeout(0.2)
    client.sendall(raw[:6])
    with pytest.raises(socket.timeout):
        Message.recv(server)
    client.sendall(raw[6:])
    assert Message.recv(server).body.key == "colour"
    client.close()
    server.close()


def test_a_peer_that_disconnects_mid_message_is_a_parse_error_not_a_hang():
    client, server = pair()
    raw = message(Kind.GET, Key(key="colour")).to_bytes()
    client.sendall(raw[:9])
    client.close()
    with pytest.raises(ParseError) as info:
        Message.recv(server)
    with pytest.raises(ParseError) as whole:
        Message.parse(raw[:9])
    assert (info.value.offset, info.value.reason) == (whole.value.offset, whole.value.reason)
    server.close()


# --- asyncio --------------------------------------------------------------------------------------


def test_the_demo_exchange_answers_as_a_dict_would_and_every_crc_is_zlibs():
    sent, received, replies = run(demo())
    assert [r.kind for r in replies] == [Kind.PONG, Kind.OK, Kind.VALUE, Kind.ERROR]
    assert replies[2].body.value == b"teal"
    wire = [m.to_bytes() for m in DEMO] + [r.to_bytes() for r in replies]
    assert all(crc_ok(raw) for raw in wire)
    assert sent == b"".join(m.to_bytes() for m in DEMO)


async def _misbehaving_peers() -> List[object]:
    server = Server()
    port = await server.start()
    results: List[object] = []
    try:
        async def raw_peer(chunks: List[bytes], close_after: bool) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for chunk in chunks:
                writer.write(chunk)
                await writer.drain()
                await asyncio.sleep(0)
            if close_after:
                writer.write_eof()
            reply = await reader.read()  # until the server closes
            writer.close()
            await writer.wait_closed()
            return reply

        ping = message(Kind.PING, Empty()).to_bytes()
        put = message(Kind.PUT, Put(key="a", value=b"1")).to_bytes()
        garbage = raw_peer([b"GET /index.html HTTP/1.1\r\n\r\n"], False)
        cut = raw_peer([put[:7]], True)  # disconnects mid-message
        slow = raw_peer([bytes([b]) for b in ping + put], True)  # a byte at a time
        coalesced = raw_peer([ping * 20], True)
        results = list(await asyncio.gather(garbage, cut, slow, coalesced))
        # the server still serves a well-behaved client after all that
        results.append((await exchange(port, [message(Kind.GET, Key(key="a"))]))[2][0])
    finally:
        await server.stop()
    return results


def decoded(raw: bytes) -> List[Message]:
    from binmodel import Decoder

    dec = Decoder(Message)
    dec.feed(raw)
    return list(dec)


def test_loopback_server_survives_garbage_cuts_slow_and_coalesced_peers():
    garbage, cut, slow, coalesced, after = run(_misbehaving_peers())
    [error] = decoded(garbage)  # type: ignore[arg-type]
    assert error.kind == Kind.ERROR and "expected b'KV'" in error.body.text
    [error] = decoded(cut)  # type: ignore[arg-type]
    assert error.kind == Kind.ERROR and error.body.code == 3
    assert [m.kind for m in decoded(slow)] == [Kind.PONG, Kind.OK]  # type: ignore[arg-type]
    assert [m.kind for m in decoded(coalesced)] == [Kind.PONG] * 20  # type: ignore[arg-type]
    assert after.kind == Kind.VALUE and after.body.value == b"1"  # type: ignore[attr-defined]


def test_cancelling_a_read_loses_no_bytes():
    async def scenario() -> Message:
        reader = asyncio.StreamReader()
        raw = message(Kind.PUT, Put(key="k", value=b"value")).to_bytes()
        reader.feed_data(raw[:8])  # the header and part of the body
        task = asyncio.ensure_future(Message.read(reader))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        reader.feed_data(raw[8:])
        return await Message.read(reader)
    got = run(scenario())
    assert (got.body.key, got.body.value) == ("k", b"value")


def test_the_dump_in_docs_streams_is_what_the_example_server_exchanges():
    """docs/streams.md shows a captured exchange as text: it must be what the example's server and
    client put on the wire for the same two requests, dumped the same way."""
    async def capture() -> tuple:
        server = Server()
        port = await server.start()
        try:
            return await exchange(port, [message(Kind.PUT, Put(key="colour", value=b"teal")),
                                         message(Kind.GET, Key(key="colour"))])
        finally:
            await server.stop()
    sent, received, _ = run(capture())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for raw in (sent, received):
            for msg in decoded(raw):
                dump(Message, msg.to_bytes(), color="never", legend=False)
    page = (ROOT / "docs" / "streams.md").read_text(encoding="utf-8")
    shown = page.split("What went over the wire")[1].split("```text\n")[1].split("```")[0]
    assert shown == out.getvalue()


def test_max_size_refuses_an_announced_huge_message_before_reading_it():
    client, server = pair()
    client.sendall(b"KV\x05\xff\xffabcd")  # a PUT announcing a 65535-byte body (the fewest bytes a message takes)
    with pytest.raises(ParseError, match="over max_size") as info:
        Message.recv(server, max_size=1024)
    assert info.value.found == 2 + 1 + 2 + 0xFFFF  # (what the body's size says; its CRC is not counted yet)

    async def scenario() -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(b"KV\x05\xff\xffabcd")
        await Message.read(reader, max_size=1024)
    with pytest.raises(ParseError, match="over max_size"):
        run(scenario())
    client.close()
    server.close()
