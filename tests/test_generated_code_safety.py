"""Generated code takes the model's values as constants, never as text: a value whose repr is code (an int
subclass with its own repr, an enum or a flag member) in a size or a switch key is not pasted into the source."""

import enum

from binmodel import Bytes, Struct, Switch, debug, this, u8, u16


def test_generated_code_never_pastes_a_literal_repr():
    """An int subclass (an enum, a flag, anything with its own repr) goes in as a constant, not as text."""
    class Evil(int):
        def __repr__(self):
            return "__import__('os').getpid()"

    class Flag(enum.IntFlag):
        UTF8 = 0x800

    class Guarded(Struct, endian="big"):
        n: int = u8()
        flags: int = u16()
        body: bytes = Bytes(this.n * Evil(2))
        text: object = Switch(this.flags & Flag.UTF8, {Flag.UTF8: Bytes(2)}, default=Bytes(1))
        rest: bytes = Bytes(Evil(1))

    value = Guarded.parse(b"\x01\x08\x00abcdz")
    assert (value.body, value.text, value.rest) == (b"ab", b"cd", b"z")
    assert Guarded.build(value) == b"\x01\x08\x00abcdz"
    assert "__import__" not in debug.source(Guarded)
    assert "<Flag" not in debug.source(Guarded)
