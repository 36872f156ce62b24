"""tar, as specified by IEEE Std 1003.1-2017 (POSIX), pax, "ustar Interchange Format", with GNU tar's variant.

A tar archive is a series of 512-byte blocks: for each file a header block
(name, mode, uid, gid, size, mtime, chksum, typeflag, linkname, magic, version,
uname, gname, devmajor, devminor, prefix), then its data padded to a whole
block; the archive ends with two blocks of zeros, and writers pad it to a whole
record (tarfile and GNU tar: 20 blocks, 10240 bytes). Numbers are octal ASCII
digits ended by a NUL (the checksum by NUL and space). The GNU format ("GNU tar
manual", "Basic Tar Format") has magic ``"ustar "`` and version ``" \\0"`` and
the same layout for what is modelled here. Extension headers (pax ``x``/``g``,
GNU ``L``/``K`` long names) are members whose data is kept as bytes.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, Iterator, List, Optional

from ..fields import Align, Array, Bytes, CString, Enum, TextInt, u8
from ..model import Struct
from ..values import UNIX_EPOCH, UnixTime

BLOCK = 512


class TypeFlag(enum.IntEnum):
    """typeflag: what the member is (ustar values, pax and GNU extensions)."""

    AREGTYPE = 0  # regular file (pre-POSIX)
    REGTYPE = ord("0")
    LNKTYPE = ord("1")
    SYMTYPE = ord("2")
    CHRTYPE = ord("3")
    BLKTYPE = ord("4")
    DIRTYPE = ord("5")
    FIFOTYPE = ord("6")
    CONTTYPE = ord("7")
    XHDTYPE = ord("x")  # pax extended header for the next member
    XGLTYPE = ord("g")  # pax global extended header
    GNU_LONGNAME = ord("L")
    GNU_LONGLINK = ord("K")


NO_DATA = (TypeFlag.LNKTYPE, TypeFlag.SYMTYPE, TypeFlag.CHRTYPE, TypeFlag.BLKTYPE, TypeFlag.DIRTYPE,
           TypeFlag.FIFOTYPE)
"""Types whose size field does not count data blocks (links, devices, directories, FIFOs)."""

_HEADER = ("name", "mode", "uid", "gid", "size", "mtime", "chksum", "typeflag", "linkname", "magic", "version",
           "uname", "gname", "devmajor", "devminor", "prefix", "pad")


def header_checksum(this: Any) -> Optional[int]:
    """chksum: the sum of the header's bytes as unsigned numbers, the chksum field counted as eight spaces.

    An all-zero block (the end-of-archive marker) has no checksum: None, nothing to check.
    """
    total, zero = 0, True
    for name in _HEADER:
        if name == "chksum":
            total += 8 * ord(" ")
            continue
        raw = this._bytes(name)
        total += sum(raw)
        zero = zero and not any(raw)
    return None if zero else total


def _data_size(this: Any) -> Optional[int]:
    """size: the length of the data, for types that have data (links and directories keep theirs)."""
    if this.typeflag in NO_DATA or _zero_block(this):
        return None
    return len(this.data)


def _zero_block(this: Any) -> bool:
    """The end-of-archive block: no name, typeflag NUL, no magic (its numbers are kept as read: all NUL)."""
    return not this.name and this.typeflag == TypeFlag.AREGTYPE and not this.magic.strip(b"\0")


def _data_blocks(this: Any) -> int:
    return 0 if this.typeflag in NO_DATA else int(this.size)


class Member(Struct):
    """A header block (pax "ustar Interchange Format", the ustar header block table: 512 bytes, ``pad``
    being its last 12 unused bytes), then the member's data padded with zeros to a whole block."""

    name: str = CString("utf-8", size=100)
    mode: int = TextInt(8, base=8, terminator=b"\0", default=0o644)
    uid: int = TextInt(8, base=8, terminator=b"\0", default=0)
    gid: int = TextInt(8, base=8, terminator=b"\0", default=0)
    size: int = TextInt(12, base=8, terminator=b"\0", derive=_data_size)
    mtime: datetime.datetime = UnixTime(TextInt(12, base=8, terminator=b"\0"), default=UNIX_EPOCH)  # digits kept
    chksum: int = TextInt(8, base=8, terminator=b"\0 ", derive=header_checksum, check=True)
    typeflag: TypeFlag = Enum(u8, TypeFlag, default=TypeFlag.REGTYPE)
    linkname: str = CString("utf-8", size=100, default="")
    magic: bytes = Bytes(6, default=b"ustar\0")
    version: bytes = Bytes(2, default=b"00")
    uname: str = CString("utf-8", size=32, default="")
    gname: str = CString("utf-8", size=32, default="")
    devmajor: int = TextInt(8, base=8, terminator=b"\0", default=0)
    devminor: int = TextInt(8, base=8, terminator=b"\0", default=0)
    prefix: str = CString("utf-8", size=155, default="")
    pad: bytes = Bytes(12, default=bytes(12))
    data: bytes = Bytes(_data_blocks, default=b"")
    padding: None = Align(BLOCK)

    @property
    def path(self) -> str:
        """The member's path: prefix, a slash and name when prefix is set (ustar long names)."""
        return "%s/%s" % (self.prefix, self.name) if self.prefix else self.name


def is_end_marker(member: Member) -> bool:
    """The first zero block of the end-of-archive marker parses as a member with an all-zero header."""
    return not (member.name or member.chksum or member.typeflag or member.magic.strip(b"\0") or member.size
                or member.mtime != UNIX_EPOCH)


class Tar(Struct):
    """A tar archive: members up to the first zero block, then the rest of the end (zero blocks and record padding)."""

    members: List[Member] = Array(Member, until=is_end_marker)
    end: bytes = Bytes(greedy=True, default=bytes(BLOCK * 19))


def read_stream(f: Any, chunk_size: int = 1 << 16) -> Iterator[Member]:
    """The members of a tar archive read from the binary file object ``f`` as they arrive (a pipe from
    ``tar c``, a tape), one at a time, up to the end-of-archive marker (the padding after it is not read)."""
    for member in Member.iter_stream(f, chunk_size=chunk_size):
        if is_end_marker(member):
            return
        yield member
