"""VLQ (big-endian base-128), Peek (look-ahead), Computed (no bytes) and this._prev (the previous array item)."""

import pytest

from binmodel import VLQ, Array, BuildError, Computed, If, ParseError, Peek, Struct, this, u8

# The examples table of "Standard MIDI Files 1.0", section 1.1 (variable-length quantities).
SMF_EXAMPLES = [(0x00, "00"), (0x40, "40"), (0x7F, "7F"), (0x80, "81 00"), (0x2000, "C0 00"), (0x3FFF, "FF 7F"),
                (0x4000, "81 80 00"), (0x100000, "C0 80 00"), (0x1FFFFF, "FF FF 7F"), (0x200000, "81 80 80 00"),
                (0x8000000, "C0 80 80 00"), (0xFFFFFFF, "FF FF FF 7F")]


class One(Struct):
    v: int = VLQ()


@pytest.mark.parametrize("value,text", SMF_EXAMPLES)
def test_vlq_matches_the_smf_table(value, text):
    raw = bytes.fromhex(text)
    assert One.parse(raw).v == value
    assert One.build(One(v=value)) == raw


def test_vlq_refuses_bad_input_and_values():
    with pytest.raises(ParseError, match="overlong"):
        One.parse(b"\x80\x01")
    with pytest.raises(ParseError, match="past the end"):
        One.parse(b"\x81\x80")
    with pytest.raises(ParseError, match="longer than"):
        One.parse(b"\x81" * 11 + b"\x00")
    with pytest.raises(BuildError, match="negative"):
        One.build(One(v=-1))


class Tagged(Struct):
    """A kind byte that may be left out: a byte below 0x80 is already the value."""

    lead: int = Peek(u8, derive=lambda this: this.kind if this.kind is not None else 0)
    kind: object = If(this.lead >= 0x80, u8, default=None)
    value: int = u8()


def test_peek_reads_ahead_and_writes_nothing():
    assert Tagged.parse(b"\x85\x07") == Tagged(lead=0x85, kind=0x85, value=7)
    assert Tagged.parse(b"\x07").kind is None
    assert Tagged.build(Tagged(kind=0x90, value=1)) == b"\x90\x01"
    assert Tagged.build(Tagged(kind=None, value=1)) == b"\x01"
    with pytest.raises(ParseError):
        Tagged.parse(b"")
    assert "look-ahead" in str(Tagged.layout())


class Step(Struct):
    """Each item adds its step to the running total of the item before it."""

    step: int = u8()
    total: int = Computed(lambda this: this.step + (this._prev.total if this._prev is not None else 0))


class Steps(Struct):
    n: int = u8()
    items: list = Array(Step, count=this.n)
    rest: list = Array(Step, greedy=True)


def test_prev_and_computed_on_parse_and_build():
    parsed = Steps.parse(b"\x03\x01\x02\x03\x05\x05")
    assert [s.total for s in parsed.items] == [1, 3, 6]
    assert [s.total for s in parsed.rest] == [5, 10]  # a new array starts without a previous item
    built = Steps(n=2, items=[Step(step=4), Step(step=4)], rest=[])
    assert Steps.build(built) == b"\x02\x04\x04"
    with pytest.raises(BuildError, match="total"):
        Steps.build(Steps(n=1, items=[Step(step=4, total=9)], rest=[]))
    assert Step.parse(b"\x02").total == 2  # not an array item: no previous item


class Diff(Struct):
    value: int = u8()
    delta: int = Computed(this.value - this._prev.value)


def test_prev_reference_without_a_previous_item_is_a_parse_error():
    class Diffs(Struct):
        items: list = Array(Diff, greedy=True)

    with pytest.raises(ParseError, match="not an array item after another"):
        Diffs.parse(b"\x01\x02")
