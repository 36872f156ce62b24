"""SQLite database files, as specified by sqlite.org "Database File Format" (fileformat2.html).

Section 1.3 "The Database Header": the first 100 bytes of page 1, big-endian.
A page size of 1 means 65536 (1.3.2). The pages themselves (1.1, 1.5 onward:
b-tree, freelist, overflow and pointer-map pages) are kept as bytes, one
``bytes`` per page; page 1's bytes after the header are ``page1_rest``.
"""

from __future__ import annotations

import enum
from typing import List

from ..fields import Array, Bytes, Const, Enum, u8, u16, u32
from ..model import Struct


class TextEncoding(enum.IntEnum):
    """1.3.13 Text encoding."""

    UTF8 = 1
    UTF16LE = 2
    UTF16BE = 3


class Header(Struct, endian="big"):
    """1.3 The database header (offsets 0 to 99)."""

    header_string: bytes = Const(b"SQLite format 3\x00")
    page_size: int = u16()  # a power of two from 512 to 32768, or 1 for 65536
    write_version: int = u8()  # 1 legacy (rollback journal), 2 WAL
    read_version: int = u8()
    reserved_space: int = u8()  # unused bytes at the end of each page
    max_payload_fraction: int = u8()  # must be 64
    min_payload_fraction: int = u8()  # must be 32
    leaf_payload_fraction: int = u8()  # must be 32
    file_change_counter: int = u32()
    database_size: int = u32()  # in pages; valid when version_valid_for == file_change_counter
    first_freelist_trunk_page: int = u32()
    freelist_pages: int = u32()
    schema_cookie: int = u32()
    schema_format: int = u32()  # 1 to 4
    default_page_cache_size: int = u32()
    largest_root_btree_page: int = u32()  # nonzero in auto-vacuum and incremental-vacuum modes
    text_encoding: TextEncoding = Enum(u32, TextEncoding)
    user_version: int = u32()
    incremental_vacuum: int = u32()
    application_id: int = u32()
    reserved: bytes = Bytes(20)  # reserved for expansion, zero
    version_valid_for: int = u32()
    sqlite_version_number: int = u32()


def page_bytes(this: object) -> int:
    """The page size in bytes: the header's value, where 1 stands for 65536 (1.3.2)."""
    size: int = this.header.page_size  # type: ignore[attr-defined]
    return 65536 if size == 1 else size


class Database(Struct, endian="big"):
    """A database file: page 1 (the header and the rest of the page), then pages 2, 3, ..."""

    header: Header
    page1_rest: bytes = Bytes(lambda this: page_bytes(this) - 100)
    pages: List[bytes] = Array(Bytes(page_bytes), greedy=True)
