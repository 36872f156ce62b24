"""The Standard MIDI File model on files mido writes in the test run, compared message by message with mido."""

import io

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import MidiFile
from binmodel.formats.midi import Event, MetaEvent, NoteOff, NoteOn, SetTempo
from binmodel.malformed import Malformed

mido = pytest.importorskip("mido")


def song():
    mid = mido.MidiFile(type=1, ticks_per_beat=384)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("set_tempo", tempo=416667))
    conductor.append(mido.MetaMessage("time_signature", numerator=6, denominator=8))
    conductor.append(mido.MetaMessage("key_signature", key="Bb"))
    conductor.append(mido.MetaMessage("text", text="made in the test run"))
    piano = mido.MidiTrack()
    piano.append(mido.MetaMessage("track_name", name="piano"))
    piano.append(mido.Message("program_change", channel=0, program=1))
    piano.append(mido.Message("sysex", data=[0x7E, 0x7F, 0x09, 0x01]))
    for i in range(40):  # runs of note_on on one channel: written with running status
        piano.append(mido.Message("note_on", channel=0, note=48 + i % 24, velocity=90, time=0 if i % 3 else 200))
        piano.append(mido.Message("note_on", channel=0, note=48 + i % 24, velocity=0, time=96))
    piano.append(mido.Message("control_change", channel=0, control=64, value=127, time=20000))
    piano.append(mido.Message("control_change", channel=0, control=64, value=0))
    piano.append(mido.Message("pitchwheel", channel=0, pitch=-2000))
    piano.append(mido.Message("aftertouch", channel=0, value=33))
    piano.append(mido.Message("polytouch", channel=0, note=60, value=12))
    piano.append(mido.Message("note_off", channel=0, note=60, velocity=40, time=3))
    drums = mido.MidiTrack()
    drums.append(mido.Message("program_change", channel=9, program=0))
    for i in range(16):
        drums.append(mido.Message("note_on", channel=9, note=36 + (i % 2) * 2, velocity=100, time=192))
    mid.tracks += [conductor, piano, drums]
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def mido_view(event, ticks):
    """The mido message binmodel's event stands for: type, time and the fields mido reports."""
    m = event.message
    status = event.running_status
    if isinstance(m, MetaEvent):
        raw = MetaEvent.build(m)
        return mido.MetaMessage.from_bytes(b"\xff" + raw).copy(time=ticks)
    if status in (0xF0, 0xF7):
        return ("sysex", ticks, list(m.data[:-1]))
    return mido.Message.from_bytes(bytes([status]) + type(m).build(m)).copy(time=ticks)


def test_matches_mido_message_by_message_and_rebuilds():
    raw = song()
    ours = MidiFile.parse(raw)
    theirs = mido.MidiFile(file=io.BytesIO(raw))
    assert ours.header.format == theirs.type == 1
    assert ours.header.division == theirs.ticks_per_beat == 384
    assert ours.header.ntrks == len(ours.tracks) == len(theirs.tracks)
    running = 0
    for track, their_track in zip(ours.tracks, theirs.tracks):
        assert len(track.events) == len(their_track)
        for event, msg in zip(track.events, their_track):
            running += event.status is None
            if msg.type == "sysex":
                assert mido_view(event, event.delta_time) == ("sysex", msg.time, list(msg.data))
                continue
            assert mido_view(event, event.delta_time) == msg
            if not msg.is_meta:
                assert event.channel == msg.channel
    assert running > 50  # mido wrote running status, and the model kept it
    assert isinstance(ours.tracks[0].events[0].message.data, SetTempo)
    assert ours.tracks[0].events[0].message.data.tempo == theirs.tracks[0][0].tempo
    assert MidiFile.build(ours) == raw


def test_appending_an_event_recomputes_the_track_length():
    raw = song()
    ours = MidiFile.parse(raw)
    drums = ours.tracks[2]
    end = drums.events.pop()
    drums.events.append(Event(delta_time=7, status=None, message=NoteOn(key=49, velocity=127)))  # running status
    drums.events.append(Event(delta_time=1, status=0x89, message=NoteOff(key=49, velocity=0)))
    drums.events.append(end)
    out = MidiFile.build(ours)
    again = mido.MidiFile(file=io.BytesIO(out))
    tail = [m for m in again.tracks[2] if not m.is_meta][-2:]
    assert tail == [mido.Message("note_on", channel=9, note=49, velocity=127, time=7),
                    mido.Message("note_off", channel=9, note=49, velocity=0, time=1)]
    assert len(out) == len(raw) + 3 + 4
    assert MidiFile.parse(out).tracks[2].length == MidiFile.parse(raw).tracks[2].length + 7


def test_truncated_and_corrupted_tracks_are_kept_as_malformed():
    """Tracks are framed (``Array(..., on_error="keep")``): a bad one is kept with its error."""
    raw = song()
    for cut in (0, 4, 13):  # the header chunk itself: nothing to keep
        with pytest.raises(ParseError):
            MidiFile.parse(raw[:cut])
    for cut in (14, 30, len(raw) // 2, len(raw) - 1):
        ours = MidiFile.parse(raw[:cut])
        last = ours.tracks[-1]
        assert isinstance(last, Malformed) or isinstance(last.events, Malformed)
        assert MidiFile.build(ours) == raw[:cut]
    first = raw.index(b"MTrk", raw.index(b"MTrk") + 4) + 8  # the piano track's first event
    bad = bytearray(raw)
    bad[first + 1] = 0x45  # a data byte where a status byte is needed, with no running status yet
    ours, good = MidiFile.parse(bytes(bad)), MidiFile.parse(raw)
    assert isinstance(ours.tracks[1].events, Malformed) and "running status" in str(ours.tracks[1].events.error)
    assert ours.tracks[0] == good.tracks[0] and ours.tracks[2:] == good.tracks[2:]
    assert MidiFile.build(ours) == bytes(bad)
    bad = bytearray(raw)
    bad[18:22] = (len(raw)).to_bytes(4, "big")  # the first track's length beyond the file
    ours = MidiFile.parse(bytes(bad))
    assert isinstance(ours.tracks[0], Malformed) and len(ours.tracks) == 1  # nothing says where track 2 starts
    assert MidiFile.build(ours) == bytes(bad)


def test_cli_dump_midi(tmp_path, capsys):
    path = tmp_path / "song.mid"
    path.write_bytes(song())
    assert main(["dump", str(path), "--format", "midi", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "tracks[0].events[0].message.data.tempo = 416667" in out
