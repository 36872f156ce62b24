"""Models of real formats checked against the files the standard library writes and reads.

gzip and zipfile write the files; zlib computes the CRCs; wave both writes
files for us to parse and reads the files we build.
"""

import gzip
import io
import struct
import wave
import zipfile
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Align,
    Array,
    Bits,
    Bytes,
    Const,
    CString,
    If,
    Sized,
    Struct,
    Switch,
    crc32_of,
    f64,
    i16,
    len_of,
    this,
    u8,
    u16,
    u32,
)

# --- gzip (RFC 1952, section 2.3) -------------------------------------------


class GzipHeader(Struct, endian="little"):
    magic: bytes = Const(b"\x1f\x8b")
    method: int = u8()
    reserved: int = Bits(3)
    fcomment: int = Bits(1)
    fname: int = Bits(1)
    fextra: int = Bits(1)
    fhcrc: int = Bits(1)
    ftext: int = Bits(1)
    mtime: int = u32()
    xfl: int = u8()
    os: int = u8()
    extra: bytes = If(this.fextra, Bytes(prefix=u16))
    name: str = If(this.fname, CString("latin-1"))
    comment: str = If(this.fcomment, CString("latin-1"))
    header_crc: int = If(this.fhcrc, u16)


class GzipTrailer(Struct, endian="little"):
    crc32: int = u32()
    isize: int = u32()


@given(payload=st.binary(max_size=2000), name=st.text("abcxyz.", min_size=1, max_size=12),
       mtime=st.integers(0, 2**32 - 1))
def test_gzip_header_and_trailer(payload, name, mtime):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=mtime) as f:
        f.write(payload)
    data = buf.getvalue()
    header = GzipHeader.parse(data, allow_trailing=True)
    assert (header.method, header.fname, header.name, header.mtime) == (8, 1, name, mtime)
    trailer = GzipTrailer.parse(data, offset=len(data) - 8)
    assert (trailer.crc32, trailer.isize) == (zlib.crc32(payload), len(payload))
    head = GzipHeader.build(header)
    assert data.startswith(head)
    # a header we build, with a deflate body and trailer, is a file gzip reads back
    body = data[len(head):-8]
    header.name, header.mtime = "other.bin", 1234
    rebuilt = GzipHeader.build(header) + body + GzipTrailer.build(trailer)
    assert gzip.decompress(rebuilt) == payload


# --- ZIP (PKWARE APPNOTE 6.3, section 4.3.7) ---------------------------------


class LocalFile(Struct, endian="little"):
    signature: bytes = Const(b"PK\x03\x04")
    version: int = u16()
    flags: int = u16()
    method: int = u16()
    mod_time: int = u16()
    mod_date: int = u16()
    crc32: int = u32(derive=crc32_of("data"), check=True)
    compressed_size: int = u32(derive=len_of("data"))
    size: int = u32()
    name_length: int = u16(derive=len_of("name"))
    extra_length: int = u16(derive=len_of("extra"))
    name: str = Bytes(this.name_length)
    extra: bytes = Bytes(this.extra_length)
    data: bytes = Bytes(this.compressed_size)


@given(files=st.dictionaries(st.text("abcdef/", min_size=1, max_size=10).filter(lambda n: not n.endswith("/")),
                             st.binary(max_size=300), min_size=1, max_size=4))
def test_zip_local_headers(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for name, content in files.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 2, 3, 4, 6)), content)
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
    for info in infos:
        entry = LocalFile.parse(data, offset=info.header_offset, allow_trailing=True)
        assert entry.name.decode() == info.filename
        assert (entry.crc32, entry.size, entry.data) == (info.CRC, info.file_size, files[info.filename])
        start = info.header_offset
        assert LocalFile.build(entry) == data[start:start + 30 + len(entry.name) + len(entry.extra) + len(entry.data)]
        # built from scratch: CRC and lengths are derived, the bytes are zipfile's
        fresh = LocalFile(version=entry.version, flags=entry.flags, method=0, mod_time=entry.mod_time,
                          mod_date=entry.mod_date, size=len(entry.data), name=entry.name, extra=entry.extra,
                          data=entry.data)
        assert LocalFile.build(fresh) == LocalFile.build(entry)


# --- WAV (RIFF) ----------------------------------------------------------------


class Format(Struct, endian="little"):
    audio_format: int = u16()
    channels: int = u16()
    sample_rate: int = u32()
    byte_rate: int = u32()
    block_align: int = u16()
    bits_per_sample: int = u16()


class RiffChunk(Struct, endian="little"):
    id: bytes = Bytes(4)
    size: int = u32(derive=len_of("data"))
    data: object = Sized(this.size, Switch(this.id, {b"fmt ": Format}, default=Bytes(greedy=True)))
    pad: None = Align(2)


class Wave(Struct, endian="little"):
    riff: bytes = Const(b"RIFF")
    size: int = u32(derive=len_of("form", "chunks"))
    form: bytes = Const(b"WAVE")
    chunks: list = Array(RiffChunk, greedy=True)


@pytest.mark.parametrize("channels,width,rate,frames", [(1, 1, 8000, 8), (2, 2, 44100, 100), (1, 3, 22050, 4),
                                                        (2, 4, 48000, 33)])
def test_wave_files(channels, width, rate, frames):
    # RIFF pads odd chunks to an even size; Python's wave writer omits that pad byte,
    # so the files it writes here have even-sized data, and the edit below makes odd ones.
    audio = bytes((i * 7) % 256 for i in range(channels * width * frames))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(audio)
    data = buf.getvalue()
    parsed = Wave.parse(data)
    fmt = parsed.chunks[0].data
    assert (fmt.channels, fmt.bits_per_sample, fmt.sample_rate) == (channels, width * 8, rate)
    assert parsed.chunks[1].id == b"data" and parsed.chunks[1].data == audio
    assert Wave.build(parsed) == data
    # edit the samples (odd length: a pad byte appears), build, and let wave read it
    parsed.chunks[1].data = audio + bytes(channels * width)
    rebuilt = Wave.build(parsed)
    with wave.open(io.BytesIO(rebuilt)) as r:
        assert r.getnframes() == frames + 1
        assert r.readframes(frames + 1) == audio + bytes(channels * width)


# --- struct itself: a packed record ------------------------------------------------


@given(values=st.tuples(st.integers(0, 255), st.integers(-(2**15), 2**15 - 1), st.integers(0, 2**32 - 1),
                        st.floats(allow_nan=False), st.binary(min_size=3, max_size=3)))
def test_record_against_struct_format(values):
    fmt = struct.Struct(">Bh I d 3s".replace(" ", ""))

    class R(Struct, endian="big"):
        a: int = u8()
        b: int = i16()
        c: int = u32()
        d: float = f64()
        e: bytes = Bytes(3)

    raw = fmt.pack(*values)
    assert R.build(R(a=values[0], b=values[1], c=values[2], d=values[3], e=values[4])) == raw
    assert tuple(R.parse(raw).to_dict().values()) == values
    assert R.sizeof() == fmt.size
