"""The sans-IO ``Decoder``: messages fed in any pieces come out as one parse of the whole gives them;
garbage is reported at its exact stream offset and skipped to the next marker; the work done does not
grow with the square of a message's size.

Truth: ``Model.parse`` of the whole stream as an array of messages (checked against the interpreter by
the differential test), the offsets where the test itself put the garbage, and counts of parse tries.
"""

from __future__ import annotations

import enum
import zlib
from typing import List, Optional, Union

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from binmodel import (
    Array,
    Bytes,
    Computed,
    Const,
    CString,
    Decoder,
    Enum,
    Fallback,
    ParseError,
    Peek,
    Sized,
    StreamError,
    Struct,
    Switch,
    UnlessEnd,
    crc32_of,
    len_of,
    this,
    u8,
    u16,
    u32,
)
from binmodel import streams as streams_module
from strategies import models


class Kind(enum.IntEnum):
    DATA = 1
    TEXT = 2
    TICK = 3


class Data(Struct, endian="big"):
    payload: bytes = Bytes(prefix=u16)


class Text(Struct):
    text: str = CString()


class Tick(Struct, endian="big"):
    seq: int = u32()


MAGIC = b"\xb1\x0d"


class Frame(Struct, endian="big"):
    """Self-delimiting three ways: a length prefix, a terminator, a fixed size, chosen by a Switch."""

    magic: bytes = Const(MAGIC)
    kind: Kind = Enum(u8, Kind)
    body: Union[Data, Text, Tick] = Switch(this.kind, {Kind.DATA: Data, Kind.TEXT: Text, Kind.TICK: Tick})
    crc: int = u32(derive=crc32_of("kind", "body"), check=True)


class Stream(Struct):
    frames: List[Frame] = Array(Frame, greedy=True)


frames = st.one_of(
    st.binary(max_size=300).map(lambda b: Frame(kind=Kind.DATA, body=Data(payload=b))),
    st.text(st.characters(blacklist_characters="\0", max_codepoint=0x7FF), max_size=40).map(
        lambda t: Frame(kind=Kind.TEXT, body=Text(text=t))),
    st.integers(0, 2**32 - 1).map(lambda n: Frame(kind=Kind.TICK, body=Tick(seq=n))),
)


def pieces(raw: bytes, sizes: List[int]) -> List[bytes]:
    """``raw`` cut after each of ``sizes`` bytes in turn (cycling), the last piece what is left."""
    out, at, i = [], 0, 0
    while at < len(raw):
        n = sizes[i % len(sizes)] if sizes else len(raw)
        out.append(raw[at:at + n])
        at, i = at + n, i + 1
    return out


@given(st.lists(frames, max_size=12), st.lists(st.integers(1, 64), min_size=1, max_size=8))
def test_any_split_gives_the_messages_of_one_parse_of_the_whole(messages, sizes):
    raw = b"".join(m.to_bytes() for m in messages)
    dec = Decoder(Frame)
    got = []
    for piece in pieces(raw, sizes):
        dec.feed(piece)
        got.extend(dec)
    dec.close()
    got.extend(dec)
    assert got == Stream.parse(raw).frames
    assert dec.buffered == 0 and dec.offset == len(raw) and dec.decoded == len(messages)


@given(st.lists(frames, min_size=1, max_size=6))
def test_one_byte_at_a_time(messages):
    raw = b"".join(m.to_bytes() for m in messages)
    dec = Decoder(Frame)
    got = []
    for byte in raw:
        dec.feed(bytes([byte]))
        got.extend(dec)
    assert got == Stream.parse(raw).frames


garbage = st.binary(min_size=1, max_size=20).filter(lambda g: g[0] != MAGIC[0] and MAGIC[0] not in g)


@given(st.lists(st.tuples(frames, st.one_of(st.none(), garbage)), min_size=1, max_size=8),
       st.lists(st.integers(1, 50), min_size=1, max_size=5))
def test_garbage_between_messages_is_reported_at_its_offset_and_skipped(items, sizes):
    raw, where, expected = b"", [], []
    for message, junk in items:
        part = message.to_bytes()
        expected.append(Frame.parse(part))
        raw += part
        if junk is not None:
            where.append(len(raw))
            raw += junk
    dec = Decoder(Frame)
    got, errors = [], []

    def drain() -> None:
        while True:
            try:
                got.extend(dec)
                return
            except ParseError as exc:
                errors.append(exc.offset)
                dec.skip_to(MAGIC)
    for piece in pieces(raw, sizes):
        dec.feed(piece)
        drain()
    dec.close()
    drain()
    assert got == expected
    assert errors == where


def test_needed_is_exact_once_the_length_is_known():
    raw = Frame(kind=Kind.DATA, body=Data(payload=b"p" * 1000)).to_bytes()
    dec = Decoder(Frame)
    assert dec.needed == 2 + 1 + 1 + 4  # the fewest bytes a frame takes (its smallest body: an empty Text)
    dec.feed(raw[:5])
    assert list(dec) == [] and dec.needed == 3  # (no try before the fewest bytes are in)
    dec.feed(raw[5:8])
    assert list(dec) == [] and dec.needed == 2 + 1 + 2 + 1000 - 8  # the rest of the payload (the CRC after it)
    dec.feed(raw[8:-4])
    assert list(dec) == [] and dec.needed == 4
    dec.feed(raw[-4:])
    assert [f.body.payload for f in dec] == [b"p" * 1000]


def test_feeding_a_long_message_a_byte_at_a_time_is_not_quadratic(monkeypatch):
    tries = []
    real = streams_module.read_prefix

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        tries.append(1)
        return real(*args, **kwargs)
    import binmodel.decoder as decoder_module
    monkeypatch.setattr(decoder_module, "read_prefix", counted)
    raw = Frame(kind=Kind.DATA, body=Data(payload=bytes(50_000))).to_bytes()
    dec = Decoder(Frame)
    out = []
    for byte in raw:
        dec.feed(bytes([byte]))
        out.extend(dec)
    assert len(out) == 1 and out[0].body.payload == bytes(50_000)
    assert len(tries) <= 4  # the header, the payload's length, the rest: not one try per byte


def test_many_coalesced_messages_are_joined_once():
    messages = [Frame(kind=Kind.TICK, body=Tick(seq=i)) for i in range(20_000)]
    raw = b"".join(m.to_bytes() for m in messages)
    dec = Decoder(Frame)
    dec.feed(raw)
    assert [f.body.seq for f in dec] == list(range(20_000))


def test_a_bad_crc_is_an_error_at_the_message_and_the_decoder_stays_failed_until_resynchronised():
    good = Frame(kind=Kind.TICK, body=Tick(seq=1)).to_bytes()
    bad = bytearray(good)
    bad[-1] ^= 1
    dec = Decoder(Frame)
    dec.feed(good + bytes(bad) + good)
    assert next(dec).body.seq == 1
    with pytest.raises(ParseError) as first:
        next(dec)
    assert first.value.path == "crc" and first.value.offset == len(good) + len(good) - 4
    with pytest.raises(ParseError) as again:
        next(dec)
    assert again.value is first.value
    dec.skip_to(MAGIC)
    assert [f.body.seq for f in dec] == [1]


def test_a_message_cut_by_the_end_of_the_stream_is_the_error_of_a_short_buffer():
    raw = Frame(kind=Kind.DATA, body=Data(payload=b"abc")).to_bytes()
    dec = Decoder(Frame)
    dec.feed(b"x" * 0 + raw + raw[:7])
    assert len(list(dec)) == 1
    dec.close()
    with pytest.raises(ParseError) as streamed:
        next(dec)
    with pytest.raises(ParseError) as whole:
        Frame.parse(raw[:7])
    assert (streamed.value.offset, streamed.value.reason) == (len(raw) + whole.value.offset, whole.value.reason)
    with pytest.raises(StreamError):
        dec.feed(b"more")


def test_max_size_refuses_a_long_message_as_soon_as_its_length_is_read():
    dec = Decoder(Frame, max_size=100)
    dec.feed(MAGIC + b"\x01\xff\xffabc")  # a DATA frame announcing 65535 bytes
    with pytest.raises(ParseError, match="over max_size"):
        next(dec)


def test_a_model_that_reads_to_the_end_is_complete_only_at_close():
    class Rest(Struct):
        data: bytes = Bytes(greedy=True)
    dec = Decoder(Rest)
    dec.feed(b"abc")
    dec.feed(b"def")
    assert list(dec) == []
    dec.close()
    assert [r.data for r in dec] == [b"abcdef"]


def test_a_checksum_is_zlibs():
    raw = Frame(kind=Kind.TICK, body=Tick(seq=7)).to_bytes()
    dec = Decoder(Frame)
    dec.feed(raw)
    frame = next(dec)
    assert frame.crc == zlib.crc32(raw[2:-4])


# --- every kind of field: generated models, valid and corrupted inputs -----------------------------


def outcome(step, *args, **kwargs):  # type: ignore[no-untyped-def]
    """("value", v), ("error", offset, reason) or ("none",) of one call."""
    try:
        return ("value", step(*args, **kwargs))
    except StopIteration:
        return ("none",)
    except ParseError as exc:
        return ("error", exc.offset, exc.reason)


@settings(max_examples=200)
@given(data=st.data())
def test_generated_models_fed_in_pieces_read_as_one_parse_of_the_whole(data):
    """Whatever the fields (sizes, prefixes, terminators, counts, bit fields, varints, conditions, nesting)
    and whatever the bytes (valid, corrupted, cut), the first message a Decoder gives from pieces, or its
    error, is what one parse of all the bytes (trailing bytes allowed) gives."""
    gen = data.draw(models())
    raw = bytearray(gen.model.build(data.draw(gen.values)))
    if raw and data.draw(st.booleans()):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[:data.draw(st.integers(0, len(raw)))] if data.draw(st.booleans()) else raw
    raw = bytes(raw) + data.draw(st.binary(max_size=8))  # (what follows the message in the stream)
    assume(raw)
    whole = outcome(gen.model.parse, raw, allow_trailing=True)
    if whole[0] == "value" and gen.model.build(whole[1]) == b"":
        return  # (a message of no bytes: a stream of them would never end, and the decoder says so)
    dec = Decoder(gen.model)
    for piece in pieces(raw, data.draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))):
        dec.feed(piece)
        first = outcome(next, dec)
        if first != ("none",):
            break
    else:
        dec.close()
        first = outcome(next, dec)
    assert first == whole


class Tail(Struct, endian="big"):
    """A trailing field only some writers add."""

    n: int = u16()
    extra: Optional[int] = UnlessEnd(u8)


class Maybe(Struct, endian="big"):
    """A payload read as a Tick when it is one, as the rest of the data otherwise."""

    tag: int = u8()
    body: Union[Tick, bytes] = Fallback(Tick)


class Remaining(Struct):
    """Fields sized by where the data ends: this._io, as an expression and in a function."""

    count: int = u8()
    left: int = Computed(lambda this: this._io.size - this._io.pos)
    rest: bytes = Bytes(this._io.size - this._io.pos)


class Boxed(Struct, endian="big"):
    """Greedy and open-ended fields inside a sized region: ordinary, the region's end is known."""

    size: int = u8(derive=len_of("inner"))
    inner: Tail = Sized(this.size, Tail)
    rest: bytes = Bytes(2)


END_DEPENDENT = [
    (Tail, [b"\x00\x01", b"\x00\x01\x07", b"\x00"]),
    (Maybe, [b"\x01\x00\x00\x00\x05", b"\x01ab", b"\x01"]),
    (Remaining, [b"\x03abc", b"\x00"]),
    (Boxed, [b"\x02\x00\x01zz", b"\x03\x00\x01\x07zz", b"\x03\x00\x01"]),
]


@pytest.mark.parametrize("model,inputs", END_DEPENDENT, ids=lambda v: getattr(v, "__name__", ""))
def test_fields_decided_by_the_end_of_the_data_wait_for_it(model, inputs):
    """A message whose reading depends on where the data ends is given when more bytes cannot change it
    (at close(), or once the optional part is there), as one parse of all of it; one whose open-ended
    parts lie in a sized region, as soon as it is complete."""
    for raw in inputs:
        whole = outcome(model.parse, raw)
        dec = Decoder(model)
        early = []
        for byte in raw:
            dec.feed(bytes([byte]))
            early.append(outcome(next, dec))
        dec.close()
        last = outcome(next, dec)
        given = [o for o in early + [last] if o != ("none",)]
        assert given[:1] == [whole], raw  # never an early reading that more bytes would change
    dec = Decoder(Tail)  # a Tail without its extra byte is only known to be one when the stream ends
    dec.feed(b"\x00\x01")
    assert list(dec) == []
    dec.close()
    assert list(dec) == [Tail.parse(b"\x00\x01")]


class Tagged(Struct, endian="big"):
    """A look ahead at the next byte: a stream allows it (it reads forward)."""

    kind: int = Peek(u8())
    body: Union[Tick, Text] = Switch(this.kind, {3: Tick}, default=Text)


def test_a_look_ahead_reads_forward_and_streams():
    raw = b"\x03\x00\x00\x07" + b"hi\x00" + b"\x03\x00\x00\x08"  # (a Tick takes the byte looked at)
    whole = []
    at = 0
    while at < len(raw):
        value = Tagged.parse(raw[at:], allow_trailing=True)
        whole.append(value)
        at += len(Tagged.build(value))
    dec = Decoder(Tagged)
    got = []
    for byte in raw:
        dec.feed(bytes([byte]))
        got.extend(dec)
    assert got == whole and len(got) == 3
