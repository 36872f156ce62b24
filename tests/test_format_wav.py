"""The WAVE model against the stdlib ``wave`` module, on files ``wave`` writes in the test run."""

import io
import struct
import sys
import wave

import pytest

from binmodel import BuildError, ParseError
from binmodel.cli import main
from binmodel.formats import WAVE
from binmodel.formats.wav import Chunk, FormatTag, WaveFormatEx, WaveFormatExtensible, chunk

# (channels, sample width in bytes, frame rate, frames); 1 x 1 x 7 frames is odd-sized data
CASES = [(1, 1, 8000, 7), (2, 1, 11025, 9), (1, 2, 22050, 10), (2, 2, 44100, 5), (1, 2, 16000, 0)]


def samples(n):
    return bytes((i * 37 + 11) % 256 for i in range(n))


def make_wav(channels, width, rate, frames):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples(channels * width * frames))
    return out.getvalue()


def read_wav(data):
    with wave.open(io.BytesIO(data), "rb") as w:
        params = w.getparams()
        return params, w.readframes(params.nframes)


@pytest.mark.parametrize("case", CASES)
def test_fields_match_wave_and_rebuild(case):
    data = make_wav(*case)
    parsed = WAVE.parse(data)
    params, frames = read_wav(data)
    fmt = chunk(parsed, b"fmt ").ckData
    assert isinstance(fmt, WaveFormatEx)
    assert fmt.wFormatTag == FormatTag.PCM and params.comptype == "NONE"  # wave's name for PCM
    assert fmt.nAvgBytesPerSec == params.framerate * params.nchannels * params.sampwidth
    assert (fmt.nChannels, fmt.wBitsPerSample // 8, fmt.nSamplesPerSec) == (
        params.nchannels, params.sampwidth, params.framerate)
    assert fmt.nBlockAlign == params.nchannels * params.sampwidth
    audio = chunk(parsed, b"data")
    assert audio.ckData == frames
    assert len(audio.ckData) // fmt.nBlockAlign == params.nframes
    assert parsed.ckSize == len(data) - 8
    if audio.ckSize % 2:
        assert audio.pad is None  # wave leaves the pad byte off at the end of the file
    assert WAVE.build(parsed) == data


@pytest.mark.parametrize("frames", [6, 7, 1, 0])
def test_edit_audio_length_recomputes_sizes(frames):
    parsed = WAVE.parse(make_wav(1, 1, 8000, 4))
    audio = chunk(parsed, b"data")
    audio.ckData = samples(frames)
    audio.pad = b"\0" if frames % 2 else b""
    parsed.chunks.append(Chunk(ckID=b"LIST", ckData=b"INFOISFT\x05\x00\x00\x00test\x00\x00"))
    out = WAVE.build(parsed)
    params, read = read_wav(out)
    assert params.nframes == frames and read == samples(frames)
    ck_size, = struct.unpack_from("<I", out, 4)
    assert ck_size == len(out) - 8
    data_at = out.index(b"data")
    assert struct.unpack_from("<I", out, data_at + 4)[0] == frames
    assert out[data_at + 8 + frames:].startswith(b"\0LIST" if frames % 2 else b"LIST")
    assert WAVE.parse(out).to_bytes() == out


def test_a_missing_pad_byte_in_the_middle_is_refused():
    parsed = WAVE.parse(make_wav(1, 1, 8000, 4))
    audio = chunk(parsed, b"data")
    audio.ckData = samples(5)  # odd now, and pad left b""
    parsed.chunks.append(Chunk(ckID=b"junk", ckData=b"xy"))
    with pytest.raises(BuildError) as info:
        WAVE.build(parsed)
    assert "pad" in info.value.path


def test_extensible_format():
    data = make_wav(2, 2, 48000, 6)
    parsed = WAVE.parse(data)
    fmt = chunk(parsed, b"fmt ").ckData
    sub_format = struct.pack("<HHI", FormatTag.PCM, 0, 0x00100000) + bytes.fromhex("800000aa00389b71")
    fmt.wFormatTag = FormatTag.EXTENSIBLE
    fmt.cbSize = 22
    fmt.extra = WaveFormatExtensible(wValidBitsPerSample=16, dwChannelMask=3, SubFormat=sub_format)
    out = WAVE.build(parsed)
    at = out.index(b"fmt ")
    size, tag, channels, rate, _, align, bits, cb, valid, mask, guid = struct.unpack_from("<IHHIIHHHHI16s", out, at + 4)
    assert (size, tag, channels, rate, align, bits, cb, valid, mask, guid) == (
        40, 0xFFFE, 2, 48000, 4, 16, 22, 16, 3, sub_format)
    again = WAVE.parse(out)
    assert again.to_bytes() == out
    assert chunk(again, b"fmt ").ckData.extra == fmt.extra
    if sys.version_info >= (3, 12):  # wave reads WAVE_FORMAT_EXTENSIBLE since 3.12
        params, frames = read_wav(out)
        assert (params.nchannels, params.sampwidth, frames) == (2, 2, samples(24))


def test_truncated_and_corrupted_files_raise_parse_error():
    data = make_wav(1, 1, 8000, 7)
    for n in range(len(data)):
        with pytest.raises(ParseError):
            WAVE.parse(data[:n])
    bad = bytearray(data)
    bad[16:20] = struct.pack("<I", 0xFFFFFF00)  # the fmt chunk's size
    with pytest.raises(ParseError) as info:
        WAVE.parse(bytes(bad))
    assert info.value.path.startswith("chunks[0]")


def test_cli_dump(tmp_path, capsys):
    path = tmp_path / "tone.wav"
    path.write_bytes(make_wav(2, 2, 44100, 5))
    assert main(["dump", str(path), "--format", "wav", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "chunks[0].ckData.nChannels = 2" in out
    assert "chunks[1].ckID = b'data'" in out


def test_a_pad_left_off_before_another_chunk_is_refused():
    """``pad=None`` (left off, as Python's wave module does after the last chunk) is refused on a chunk
    that another chunk follows: the file would not read back. As the last chunk it builds, and wave reads it."""
    parsed = WAVE.parse(make_wav(1, 1, 8000, 7))
    assert chunk(parsed, b"data").pad is None
    parsed.chunks.append(Chunk(ckID=b"junk", ckData=b"xy"))
    with pytest.raises(BuildError) as info:
        WAVE.build(parsed)
    assert info.value.path == "chunks[1].pad"
    parsed.chunks.insert(1, parsed.chunks.pop())  # the odd data chunk last again
    out = WAVE.build(parsed)
    params, frames = read_wav(out)
    assert frames == samples(7) and WAVE.parse(out).to_bytes() == out
