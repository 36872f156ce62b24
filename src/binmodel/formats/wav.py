"""WAVE audio in a RIFF file, as specified by Microsoft and IBM, "Multimedia Programming Interface and
Data Specifications 1.0" (August 1991), and Microsoft's WAVEFORMATEX / WAVEFORMATEXTENSIBLE structures.

Chapter 2, "Resource Interchange File Format": a chunk is ``ckID``, ``ckSize`` (the size of ``ckData``,
not counting the pad byte) and ``ckData``, followed by one pad byte when ``ckSize`` is odd; a RIFF form
is the chunk ``"RIFF"`` whose data is a form type and chunks. Chapter 3, "Waveform Audio File Format":
the form type ``"WAVE"``, the ``"fmt "`` chunk (decoded here as WAVEFORMATEX: the PCMWAVEFORMAT fields,
then ``cbSize`` and ``cbSize`` bytes of format-specific information, decoded for
WAVE_FORMAT_EXTENSIBLE) and the ``"data"`` chunk (the samples, kept as bytes). Every other chunk
(``"LIST"``, ``"fact"``, ``"cue "``...) keeps its data as bytes.

Two deviations that real writers produce are kept so that every file rebuilds exactly: a pad byte left
off after the last chunk (Python's ``wave`` module does this) and bytes after the RIFF chunk.
"""

from __future__ import annotations

import enum
from typing import List, Optional, Union

from ..expr import len_of, this
from ..fields import Array, Bytes, Const, Enum, If, Sized, Switch, UnlessEnd, u16, u32
from ..model import Struct


class FormatTag(enum.IntEnum):
    """``wFormatTag`` values (mmreg.h) most often seen; others stay plain ints."""

    PCM = 0x0001
    ADPCM = 0x0002
    IEEE_FLOAT = 0x0003
    ALAW = 0x0006
    MULAW = 0x0007
    EXTENSIBLE = 0xFFFE


class WaveFormatExtensible(Struct, endian="little"):
    """The 22 bytes WAVEFORMATEXTENSIBLE adds after ``cbSize`` (``wFormatTag`` WAVE_FORMAT_EXTENSIBLE)."""

    wValidBitsPerSample: int = u16()  # the Samples union; also wSamplesPerBlock for compressed formats
    dwChannelMask: int = u32()
    SubFormat: bytes = Bytes(16)  # a GUID; its first two bytes are the format tag for KSDATAFORMAT_SUBTYPE_*


class WaveFormatEx(Struct, endian="little"):
    """The ``"fmt "`` chunk (chapter 3, "WAVE Format Header"; WAVEFORMATEX).

    ``cbSize`` is absent from the 16-byte PCMWAVEFORMAT that many PCM files carry; it is then ``None``.
    It is given, not derived: whether it is there at all is part of the file.
    """

    wFormatTag: int = Enum(u16, FormatTag)
    nChannels: int = u16()
    nSamplesPerSec: int = u32()
    nAvgBytesPerSec: int = u32()
    nBlockAlign: int = u16()
    wBitsPerSample: int = u16()
    cbSize: Optional[int] = UnlessEnd(u16, default=None)
    extra: Union[WaveFormatExtensible, bytes, None] = If(this.cbSize, Sized(this.cbSize, Switch(this.wFormatTag, {
        FormatTag.EXTENSIBLE: WaveFormatExtensible,
    }, default=Bytes(greedy=True))), default=None)


ChunkData = Union[WaveFormatEx, bytes]


class Chunk(Struct, endian="little"):
    """A RIFF chunk (chapter 2, "RIFF Chunks"); ``ckSize`` is computed when building.

    ``pad`` is the byte after odd-sized data (``b""`` after even-sized data), or ``None`` when the file
    ends right after odd-sized data (the writer left the pad byte off). It is given, not derived, so
    that such files rebuild exactly: a chunk made odd-sized needs ``pad=b"\\0"`` unless it stays last
    (``b""`` there is a ``BuildError``, and so is ``None`` on a chunk that another chunk follows).
    """

    ckID: bytes = Bytes(4)
    ckSize: int = u32(derive=len_of("ckData"))
    ckData: ChunkData = Sized(this.ckSize, Switch(this.ckID, {
        b"fmt ": WaveFormatEx,
    }, default=Bytes(greedy=True)))
    pad: Optional[bytes] = UnlessEnd(Bytes(this.ckSize % 2), default=b"")


class WAVE(Struct, endian="little"):
    """A RIFF form of type ``"WAVE"`` (chapter 2, "RIFF Forms"); ``ckSize`` is computed when building."""

    ckID: bytes = Const(b"RIFF")
    ckSize: int = u32(derive=len_of("formType", "chunks"))
    formType: bytes = Const(b"WAVE")
    chunks: List[Chunk] = Sized(this.ckSize - 4, Array(Chunk, greedy=True))
    trailing: bytes = Bytes(greedy=True, default=b"")  # after the RIFF chunk: not part of the form


def chunk(wave: WAVE, ck_id: bytes) -> Chunk:
    """The first chunk with this ``ckID`` (``KeyError`` if there is none)."""
    for c in wave.chunks:
        if c.ckID == ck_id:
            return c
    raise KeyError(ck_id)
