"""Standard MIDI Files, as specified by the MIDI Manufacturers Association "Standard MIDI Files 1.0".

Chunks (<type> <length> <data>), the header chunk MThd (format, ntrks,
division) and track chunks MTrk: a sequence of <delta-time> <event>, the
delta-time a variable-length quantity (most significant 7-bit group first).
Events: MIDI channel messages (MIDI 1.0 Detailed Specification: note off/on,
polyphonic key pressure, control change, program change, channel pressure,
pitch bend), sysex events (F0 or F7, a variable-length length, the bytes) and
meta events (FF, type, variable-length length, data; set tempo, time signature,
key signature, end of track and the text events are decoded). Running status:
a channel message whose status byte is omitted reuses the previous event's;
``status`` is then ``None`` and ``running_status`` holds the status in effect,
so the file is written back as it was. Chunk lengths are computed on build.
"""

from __future__ import annotations

from typing import List, Optional, Union

from ..expr import len_of, this
from ..fields import VLQ, Array, Bytes, Computed, Const, If, Peek, Sized, String, Switch, i8, u8, u16, u24, u32
from ..model import Struct


class HeaderData(Struct, endian="big"):
    """The header chunk's data (2.1): format 0, 1 or 2, the number of tracks, and the division."""

    format: int = u16()
    ntrks: int = u16()
    division: int = u16()  # ticks per quarter note, or (bit 15 set) SMPTE frames and ticks per frame


class NoteOff(Struct):
    key: int = u8()
    velocity: int = u8()


class NoteOn(Struct):
    key: int = u8()
    velocity: int = u8()


class PolyKeyPressure(Struct):
    key: int = u8()
    pressure: int = u8()


class ControlChange(Struct):
    controller: int = u8()
    value: int = u8()


class ProgramChange(Struct):
    program: int = u8()


class ChannelPressure(Struct):
    pressure: int = u8()


class PitchBend(Struct):
    lsb: int = u8()  # the 14-bit value is lsb | msb << 7, 0x2000 the centre
    msb: int = u8()


class SetTempo(Struct, endian="big"):
    """Meta event 51: microseconds per MIDI quarter note."""

    tempo: int = u24()


class TimeSignature(Struct):
    """Meta event 58: nn/2**dd, MIDI clocks per metronome click, 32nd notes per 24 MIDI clocks."""

    numerator: int = u8()
    denominator: int = u8()  # a negative power of two
    clocks_per_click: int = u8()
    notated_32nds_per_beat: int = u8()


class KeySignature(Struct):
    """Meta event 59: sharps (positive) or flats (negative), major (0) or minor (1)."""

    sf: int = i8()
    mi: int = u8()


TEXT_EVENTS = {0x01: "text", 0x02: "copyright", 0x03: "track_name", 0x04: "instrument_name", 0x05: "lyric",
               0x06: "marker", 0x07: "cue_point"}
"""Meta event types whose data is text (the specification suggests ASCII; Latin-1 keeps every byte)."""

MetaData = Union[SetTempo, TimeSignature, KeySignature, str, bytes]


class MetaEvent(Struct):
    """A meta event (FF <type> <length> <bytes>); the length is computed on build."""

    type: int = u8()
    length: int = VLQ(derive=len_of("data"))
    data: MetaData = Sized(this.length, Switch(this.type, {
        0x51: SetTempo,
        0x58: TimeSignature,
        0x59: KeySignature,
        **{code: String(greedy=True, encoding="latin-1") for code in TEXT_EVENTS},
    }, default=Bytes(greedy=True)))


class SysexEvent(Struct):
    """A sysex event after F0 or F7: <length> <bytes>; the length is computed on build."""

    length: int = VLQ(derive=len_of("data"))
    data: bytes = Bytes(this.length)


def status_in_effect(this: object) -> int:
    """The event's own status byte, or under running status the one in effect before it."""
    own: Optional[int] = this.status  # type: ignore[attr-defined]
    if own is not None:
        return own
    prev = this._prev  # type: ignore[attr-defined]
    if prev is None or prev.running_status is None or not 0x80 <= prev.running_status < 0xF0:
        raise ValueError("a data byte where a status byte is expected, and no running status in effect")
    return prev.running_status  # type: ignore[no-any-return]


def kind(this: object) -> int:
    """The message kind: the status byte's high nibble for channel messages, else the whole byte."""
    status: int = this.running_status  # type: ignore[attr-defined]
    return status & 0xF0 if status < 0xF0 else status


def _lead_byte(this: object) -> int:
    status: Optional[int] = this.status  # type: ignore[attr-defined]
    return 0 if status is None else status


ChannelData = Union[NoteOff, NoteOn, PolyKeyPressure, ControlChange, ProgramChange, ChannelPressure, PitchBend]


class Event(Struct, endian="big"):
    """<MTrk event> = <delta-time> <event> (2.3), with running status kept as it was written."""

    delta_time: int = VLQ()
    lead: int = Peek(u8, derive=_lead_byte)  # the byte after the delta-time: status (bit 7 set) or data
    status: Optional[int] = If(this.lead >= 0x80, u8, default=None)  # None: running status
    running_status: int = Computed(status_in_effect)
    message: Union[ChannelData, MetaEvent, SysexEvent] = Switch(kind, {
        0x80: NoteOff,
        0x90: NoteOn,
        0xA0: PolyKeyPressure,
        0xB0: ControlChange,
        0xC0: ProgramChange,
        0xD0: ChannelPressure,
        0xE0: PitchBend,
        0xF0: SysexEvent,
        0xF7: SysexEvent,
        0xFF: MetaEvent,
    })

    @property
    def channel(self) -> Optional[int]:
        """The channel (0 to 15) of a channel message, else None."""
        status = self.running_status
        return None if status is None or status >= 0xF0 else status & 0x0F


def _end_of_track(event: Event) -> bool:
    return event.running_status == 0xFF and isinstance(event.message, MetaEvent) and event.message.type == 0x2F


class Track(Struct, endian="big"):
    """A track chunk MTrk (2.3): events up to and including End of Track; the length is computed."""

    type: bytes = Const(b"MTrk")
    length: int = u32(derive=len_of("events"))
    events: List[Event] = Sized(this.length, Array(Event, until=_end_of_track))


class MidiFile(Struct, endian="big"):
    """A Standard MIDI File: the header chunk MThd, then the track chunks."""

    type: bytes = Const(b"MThd")
    length: int = u32(derive=len_of("header"))
    header: HeaderData = Sized(this.length, HeaderData)
    tracks: List[Track] = Array(Track, count=this.header.ntrks, on_error="keep")
