"""Fallback(T, otherwise): T where the data is a valid T, else the other reading, never a failed file."""

import struct

import pytest

from binmodel import Array, Bytes, Const, Fallback, ParseError, Struct, this, u8, u16
from binmodel.sizes import min_size


class Point(Struct, endian="big"):
    magic: bytes = Const(b"P")
    x: int = u16()
    y: int = u16()


class Frame(Struct, endian="big"):
    length: int = u8()
    payload: bytes = Bytes(this.length)


class Capture(Struct, endian="big"):
    frames: list = Array(Fallback(Point, Frame), greedy=True)


class Message(Struct, endian="big"):
    kind: int = u8()
    body: object = Fallback(Point)


def point(x, y):
    return b"P" + struct.pack(">HH", x, y)


def test_valid_main_type_else_the_rest_as_bytes():
    assert Message.parse(b"\x01" + point(3, 4)).body == Point(x=3, y=4)
    assert Message.parse(b"\x01Q\x00\x03\x00\x04").body == b"Q\x00\x03\x00\x04"  # not a Point: bytes
    assert Message.parse(b"\x01P\x00").body == b"P\x00"  # too short to be a Point
    for raw in (b"\x01" + point(3, 4), b"\x01Q\x00\x03\x00\x04", b"\x01P\x00", b"\x01"):
        assert Message.build(Message.parse(raw)) == raw


def test_items_fall_back_one_by_one():
    data = point(1, 2) + b"\x02ab" + point(5, 6)
    frames = Capture.parse(data).frames
    assert frames == [Point(x=1, y=2), Frame(length=2, payload=b"ab"), Point(x=5, y=6)]
    assert Capture.build(Capture(frames=frames)) == data


def test_build_by_value_kind_and_errors_when_neither_fits():
    assert Message.build({"kind": 1, "body": {"x": 1, "y": 2}}) == b"\x01" + point(1, 2)
    assert Message.build(Message(kind=1, body=b"raw")) == b"\x01raw"
    with pytest.raises(ParseError):
        Capture.parse(b"\x05ab")  # neither a Point nor a whole Frame: the other reading's error


def test_trace_keeps_only_the_reading_that_worked_and_layout_says_so():
    trace = Message.parse_trace(b"\x01Q\x00\x03\x00\x04")
    assert [s.path for s in trace.spans if s.path] == ["kind", "body"]
    assert "else Bytes[...]" in str(Message.layout())
    assert min_size(Capture._bm_node.fields()[0].type.item) == 1
