"""Python bytecode cache files (.pyc), as specified by PEP 552 "Deterministic pycs".

The 16-byte header (PEP 552, "Specification"): the magic number (two bytes of
version number, then ``b"\\r\\n"``), a 32-bit little-endian flags word (bit 0:
hash-based; bit 1: check_source, meaningful only for hash-based pycs), then
either the source's modification time and size (timestamp-based pycs) or the
8-byte SipHash of the source (``importlib.util.source_hash``). The rest is the
marshalled code object, kept as bytes (``marshal.loads`` reads it).
"""

from __future__ import annotations

import enum
from typing import Optional

from ..expr import this
from ..fields import Bytes, Const, Flags, If, u16, u32
from ..model import Struct


class PycFlags(enum.IntFlag):
    """The flags word (PEP 552); other bits are reserved, and a reader refuses them."""

    HASH_BASED = 1
    CHECK_SOURCE = 2


class Pyc(Struct, endian="little"):
    """A .pyc file: header, then the marshalled module code object."""

    magic_number: int = u16()  # importlib.util.MAGIC_NUMBER[:2]: changes with the bytecode
    magic_crlf: bytes = Const(b"\r\n")
    flags: PycFlags = Flags(u32, PycFlags)
    mtime: Optional[int] = If((this.flags & PycFlags.HASH_BASED) == 0, u32, default=None)
    source_size: Optional[int] = If((this.flags & PycFlags.HASH_BASED) == 0, u32, default=None)
    source_hash: Optional[bytes] = If(this.flags & PycFlags.HASH_BASED, Bytes(8), default=None)
    code: bytes = Bytes(greedy=True)
