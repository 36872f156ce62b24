"""What the compiler handles itself (the differential test checks it agrees with the interpreter).

These tests look at the generated source, not at timings: a switch, a sized
region and an array inside them are generated code, and a field the compiler
does not know stays in place for the interpreter without dragging its whole
struct (and every struct around it) into the interpreter.
"""

from binmodel import Array, Bytes, Pointer, Sized, Struct, Switch, debug, this, u8, u16


class Point(Struct, endian="big"):
    x: int = u16()
    y: int = u16()


class Shape(Struct, endian="big"):
    kind: int = u8()
    size: int = u8()
    body: object = Sized(this.size, Switch(this.kind, {1: Point, 2: Array(Point, greedy=True), 3: u16},
                                           default=Bytes(greedy=True)))


class Jump(Struct):
    at: int = u8()
    far: int = Pointer(this.at, u8)  # the interpreter's, in place


class Holder(Struct):
    shapes: list = Array(Shape, count=2)
    jump: Jump


def test_switch_sized_and_arrays_are_generated_code():
    src = debug.source(Shape)
    assert "_parse_node" not in src and "_evaluate" not in src
    assert Shape.parse(bytes([1, 4, 0, 1, 0, 2])).body == Point(x=1, y=2)
    assert Shape.parse(bytes([2, 8, 0, 1, 0, 2, 0, 3, 0, 4])).body == [Point(x=1, y=2), Point(x=3, y=4)]
    assert Shape.parse(bytes([3, 2, 1, 2])).body == 0x102
    assert Shape.parse(bytes([9, 2, 1, 2])).body == b"\x01\x02"


def test_an_interpreted_field_stays_local():
    src = debug.source(Holder)
    assert "def parse_Holder" in src and "def parse_Shape" in src and "def parse_Jump" in src
    assert src.count("_parse_node") == 2  # Jump.far, in parse_Jump and in its entry
    assert "# interpreted: Pointer" in src  # (why: a comment above the call)
    data = bytes([1, 4, 0, 1, 0, 2, 3, 2, 0, 7, 11, 5])
    value = Holder.parse(data)
    assert value.shapes[1].body == 7 and value.jump.far == 5
