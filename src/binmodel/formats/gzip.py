"""gzip, as specified by RFC 1952 "GZIP file format specification version 4.3" (May 1996).

Section 2.2 (a file is a series of members), 2.3 (member format: ID1 ID2 CM FLG
MTIME XFL OS, the optional FEXTRA / FNAME / FCOMMENT / FHCRC parts, the
compressed blocks, CRC32 and ISIZE) and 2.3.1.1 (extra field subfields). The
compressed blocks are RFC 1951 deflate data kept as bytes: their length is not
stored, so the field ends where the deflate stream ends (found with zlib).
CRC32 and ISIZE are computed from the decompressed data on build and checked on
parse; the FLG bits for the optional parts follow from which parts are present.
"""

from __future__ import annotations

import datetime
import enum
import zlib
from typing import Any, List, Optional, Tuple

from ..expr import len_of, this
from ..fields import Array, Bits, Bytes, Const, CString, Enum, If, Sized, u8, u16, u32
from ..model import Struct
from ..values import UnixTime

_CHUNK = 1 << 20


def deflate_end(rest: Any) -> int:
    """How many bytes of ``rest`` the raw deflate stream at its start takes (RFC 1951: up to the final block)."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    pending = rest
    while not d.eof:
        out = d.decompress(pending, _CHUNK)  # at most 1 MiB of output at a time, discarded
        pending = d.unconsumed_tail
        if not pending and not out and not d.eof:
            raise ValueError("the deflate stream ends before its final block")
    return len(rest) - len(d.unused_data)


_LAST: List[Tuple[bytes, bytes]] = []


def inflate(raw: bytes) -> bytes:
    """The data a raw deflate stream holds (the last result is kept: CRC32 and ISIZE both need it)."""
    if _LAST and _LAST[0][0] is raw:
        return _LAST[0][1]
    data = zlib.decompress(raw, -zlib.MAX_WBITS)
    _LAST[:] = [(raw, data)]
    return data


def deflate(data: bytes, level: int = 9) -> bytes:
    """Raw deflate data for ``data`` (to put in ``Member.compressed``)."""
    c = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


class OS(enum.IntEnum):
    """OS (2.3.1): the file system the file came from."""

    FAT = 0
    AMIGA = 1
    VMS = 2
    UNIX = 3
    VM_CMS = 4
    ATARI_TOS = 5
    HPFS = 6
    MACINTOSH = 7
    Z_SYSTEM = 8
    CP_M = 9
    TOPS_20 = 10
    NTFS = 11
    QDOS = 12
    ACORN_RISCOS = 13
    UNKNOWN = 255


class Subfield(Struct, endian="little"):
    """An extra field subfield (2.3.1.1): SI1 SI2, LEN, LEN bytes of data."""

    si1: int = u8()
    si2: int = u8()
    len: int = u16(derive=len_of("data"))
    data: bytes = Bytes(this.len)


class Extra(Struct, endian="little"):
    """FEXTRA present (2.3.1): XLEN, then XLEN bytes of subfields."""

    xlen: int = u16(derive=len_of("subfields"))
    subfields: List[Subfield] = Sized(this.xlen, Array(Subfield, greedy=True))


def _present(name: str) -> Any:
    def flag(this: Any) -> int:
        return int(getattr(this, name) is not None)

    flag.__name__ = "%s_present" % name
    return flag


def header_crc16(this: Any) -> Optional[int]:
    """FHCRC (2.3.1): the two least significant bytes of the CRC-32 of the header bytes before it."""
    if not this.fhcrc:
        return None
    crc = 0
    for name in ("id1", "id2", "cm", "ftext", "mtime", "xfl", "os", "extra", "name", "comment"):
        crc = zlib.crc32(this._bytes(name), crc)
    return crc & 0xFFFF


def _data_crc32(this: Any) -> int:
    return zlib.crc32(inflate(this.compressed))


def _data_isize(this: Any) -> int:
    return len(inflate(this.compressed)) & 0xFFFFFFFF


class Member(Struct, endian="little", bit_order="lsb"):
    """A gzip member (2.3). FLG is read bit 0 (FTEXT) first."""

    id1: int = Const(0x1F, u8)
    id2: int = Const(0x8B, u8)
    cm: int = Const(8, u8)  # deflate, the only method defined
    ftext: int = Bits(1, default=0)
    fhcrc: int = Bits(1, default=0)
    fextra: int = Bits(1, derive=_present("extra"))
    fname: int = Bits(1, derive=_present("name"))
    fcomment: int = Bits(1, derive=_present("comment"))
    reserved: int = Bits(3, default=0)
    mtime: Optional[datetime.datetime] = UnixTime(u32, none=0, default=None)  # 0: no time stamp (2.3.1)
    xfl: int = u8(default=0)
    os: OS = Enum(u8, OS, default=OS.UNKNOWN)
    extra: Optional[Extra] = If(this.fextra, Extra, default=None)
    name: Optional[str] = If(this.fname, CString("latin-1"), default=None)
    comment: Optional[str] = If(this.fcomment, CString("latin-1"), default=None)
    crc16: Optional[int] = If(this.fhcrc, u16, derive=header_crc16, check=True)
    compressed: bytes = Bytes(measure=deflate_end)
    crc32: int = u32(derive=_data_crc32, check=True)
    isize: int = u32(derive=_data_isize, check=True)


class Gzip(Struct):
    """A gzip file (2.2): one or more members, one after the other."""

    members: List[Member] = Array(Member, greedy=True)
