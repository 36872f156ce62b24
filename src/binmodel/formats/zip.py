"""ZIP, as specified by PKWARE's APPNOTE.TXT "ZIP File Format Specification", version 6.3.x.

Section 4.3.7 (local file header, then the file data), 4.3.9 (data descriptor,
with its optional signature required here), 4.3.12 (central directory file
header), 4.3.14 and 4.3.15 (ZIP64 end of central directory record and
locator), 4.3.16 (end of central directory record), 4.4.4 (general purpose
bits: 3 data descriptor, 11 UTF-8 names), 4.5.1-4.5.3 (extra fields; the ZIP64
extended information field is decoded). A ZIP is read as a sequence of records
dispatched on their signature, ending with the end of central directory record.

On build, the lengths of names, extra fields and comments are computed; the
local header's CRC-32 and sizes from the file data (stored and deflated
entries); the central directory header ``k`` takes its name, CRC-32, sizes and
local header offset from the ``k``-th local file record; the end records their
entry counts, central directory size and offset. Values that cannot be computed
(encrypted or otherwise compressed entries, sizes in a data descriptor) stay as given.
"""

from __future__ import annotations

import bz2
import datetime
import enum
import weakref
import zlib
from typing import Any, List, Optional, Union

from ..expr import len_of, this
from ..fields import Array, Bytes, Enum, Field, Flags, Hex, If, Sized, String, Switch, u16, u32, u64
from ..model import Struct
from ..values import DosDateTime
from .gzip import deflate_end, inflate

DOS_START = datetime.datetime(1980, 1, 1)  # the first time a DOS date holds
MAX32 = 0xFFFFFFFF
MAX16 = 0xFFFF


class Signature(enum.IntEnum):
    LOCAL_FILE_HEADER = 0x04034B50
    DATA_DESCRIPTOR = 0x08074B50
    CENTRAL_DIRECTORY_HEADER = 0x02014B50
    ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064B50
    ZIP64_END_OF_CENTRAL_DIRECTORY_LOCATOR = 0x07064B50
    END_OF_CENTRAL_DIRECTORY = 0x06054B50


class GeneralPurpose(enum.IntFlag):
    """General purpose bit flag (4.4.4)."""

    ENCRYPTED = 1 << 0
    OPTION_1 = 1 << 1
    OPTION_2 = 1 << 2
    DATA_DESCRIPTOR = 1 << 3
    ENHANCED_DEFLATION = 1 << 4
    PATCHED_DATA = 1 << 5
    STRONG_ENCRYPTION = 1 << 6
    UNUSED_7 = 1 << 7
    UNUSED_8 = 1 << 8
    UNUSED_9 = 1 << 9
    UNUSED_10 = 1 << 10
    UTF8 = 1 << 11
    RESERVED_12 = 1 << 12
    MASKED_HEADER = 1 << 13
    RESERVED_14 = 1 << 14
    RESERVED_15 = 1 << 15


class CompressionMethod(enum.IntEnum):
    """Compression method (4.4.5); other values stay plain ints."""

    STORED = 0
    SHRUNK = 1
    IMPLODED = 6
    DEFLATED = 8
    DEFLATE64 = 9
    BZIP2 = 12
    LZMA = 14
    ZSTANDARD = 93
    XZ = 95
    AES = 99


def _text(size: Any) -> Any:
    """A name or comment: UTF-8 when general purpose bit 11 is set, else IBM Code Page 437 (Appendix D). Its
    length says where it ends, so a NUL in it is a character, not padding (kept in the text)."""
    return Switch(this.flags & GeneralPurpose.UTF8, {
        0: String(size, encoding="cp437", strip=False),
        GeneralPurpose.UTF8: String(size, encoding="utf-8", strip=False),
    })


# --- extra fields (4.5) --------------------------------------------------------------


def content(local: Any) -> Optional[bytes]:
    """The uncompressed data of a local file record, when it can be computed (stored, deflated, bzip2)."""
    if local.flags & GeneralPurpose.ENCRYPTED:
        return None
    if local.compression_method == CompressionMethod.STORED:
        return bytes(local.file_data)
    if local.compression_method == CompressionMethod.DEFLATED:
        return inflate(local.file_data)
    if local.compression_method == CompressionMethod.BZIP2:
        return bz2.decompress(local.file_data)
    return None


def _local_z64(kind: str) -> Any:
    def derive(this: Any) -> Optional[int]:
        local = this._parent._parent
        if local.flags & GeneralPurpose.DATA_DESCRIPTOR:
            return None
        return _size(local, kind)

    derive.__name__ = "%s_of_file_data" % kind
    return derive


class LocalZip64(Struct, endian="little"):
    """ZIP64 extended information (4.5.3) in a local header: both sizes, always."""

    original_size: int = u64(derive=_local_z64("original_size"))
    compressed_size: int = u64(derive=_local_z64("compressed_size"))


def _header_is_max(name: str, bits: int = 32) -> Any:
    def condition(this: Any) -> bool:
        return getattr(this._parent._parent, name) == (MAX32 if bits == 32 else MAX16)

    condition.__name__ = "%s_in_zip64" % name
    return condition


def _central_z64(kind: str, header_field: str) -> Any:
    """A central ZIP64 value from the matching local record (None: absent, or nothing to compute: keep)."""

    def derive(this: Any) -> Optional[int]:
        header = this._parent._parent
        if getattr(header, header_field) != MAX32:
            return None  # the If's condition is false: the value is absent
        archive = _archive(this)
        local = archive.local_of(object.__getattribute__(header, "_ctx").obj)
        if local is None:
            return None
        if kind == "relative_header_offset":
            return archive.local_offset(local)
        return _size(local, kind)

    derive.__name__ = "%s_of_local_record" % kind
    return derive


class CentralZip64(Struct, endian="little"):
    """ZIP64 extended information (4.5.3) in a central header: the fields whose header value is all ones."""

    original_size: Optional[int] = If(_header_is_max("uncompressed_size"), u64,
                                      derive=_central_z64("original_size", "uncompressed_size"))
    compressed_size: Optional[int] = If(_header_is_max("compressed_size"), u64,
                                        derive=_central_z64("compressed_size", "compressed_size"))
    relative_header_offset: Optional[int] = If(_header_is_max("relative_offset_of_local_header"), u64,
                                               derive=_central_z64("relative_header_offset",
                                                                   "relative_offset_of_local_header"))
    disk_start_number: Optional[int] = If(_header_is_max("disk_number_start", 16), u32, default=None)


class LocalExtraField(Struct, endian="little"):
    """An extra field (4.5.1): header ID, data size, data; ID 0x0001 is ZIP64 (4.5.3)."""

    header_id: int = u16()
    size: int = u16(derive=len_of("data"))
    data: Union[LocalZip64, bytes] = Sized(this.size, Switch(this.header_id, {0x0001: LocalZip64},
                                                             default=Bytes(greedy=True)))


class CentralExtraField(Struct, endian="little"):
    """An extra field (4.5.1) of a central directory header; ID 0x0001 is ZIP64 (4.5.3)."""

    header_id: int = u16()
    size: int = u16(derive=len_of("data"))
    data: Union[CentralZip64, bytes] = Sized(this.size, Switch(this.header_id, {0x0001: CentralZip64},
                                                               default=Bytes(greedy=True)))


def zip64_of(extra_fields: Optional[List[Any]]) -> Optional[Any]:
    """The decoded ZIP64 extra field of a header's extra field list, if any."""
    for field in extra_fields or ():
        if field.header_id == 0x0001 and not isinstance(field.data, bytes):
            return field.data
    return None


# --- local file records (4.3.7, 4.3.8, 4.3.9) ------------------------------------------


def _size(local: Any, kind: str) -> Optional[int]:
    if kind == "compressed_size":
        return len(local.file_data)
    data = content(local)
    return None if data is None else len(data)


def _local_value(kind: str) -> Any:
    """A local header's crc32 / compressed_size / uncompressed_size, from the file data."""
    z64 = {"compressed_size": "compressed_size", "uncompressed_size": "original_size"}.get(kind)

    def derive(this: Any) -> Optional[int]:
        if this.flags & GeneralPurpose.DATA_DESCRIPTOR:
            return None  # zero here; the values follow the data (4.4.4 bit 3)
        if kind == "crc32":
            data = content(this)
            return None if data is None else zlib.crc32(data)
        n = _size(this, "compressed_size" if kind == "compressed_size" else "original_size")
        if n is None:
            return None
        zip64 = zip64_of(this.extra_field)
        if zip64 is not None and getattr(zip64, z64) == n:  # type: ignore[arg-type]
            return None  # both the value and all ones are right when a ZIP64 field has it: keep
        return MAX32 if n >= MAX32 else n

    derive.__name__ = "%s_of_file_data" % kind
    return derive


def _data_size(this: Any) -> Any:
    if this.compressed_size == MAX32:
        zip64 = zip64_of(this.extra_field)
        if zip64 is not None:
            return zip64.compressed_size
    return this.compressed_size


def _descriptor_value(kind: str) -> Any:
    def derive(this: Any) -> Optional[int]:
        local = this._parent
        if kind == "crc32":
            data = content(local)
            return None if data is None else zlib.crc32(data)
        return _size(local, kind)

    derive.__name__ = "%s_of_file_data" % kind
    return derive


def _zip64_sizes(this: Any) -> bool:
    return zip64_of(this._parent.extra_field) is not None


class DataDescriptor(Struct, endian="little"):
    """Data descriptor (4.3.9): sizes of 8 bytes when the local header has a ZIP64 field."""

    signature: int = Hex(u32, default=Signature.DATA_DESCRIPTOR)
    crc32: int = Hex(u32, derive=_descriptor_value("crc32"))
    compressed_size: int = Switch(_zip64_sizes, {True: u64, False: u32})
    uncompressed_size: int = Switch(_zip64_sizes, {True: u64, False: u32})


class LocalFile(Struct, endian="little"):
    """Local file header (4.3.7) after its signature, then the file data (4.3.8) and a data descriptor (4.3.9).

    With bit 3 set the data's length is not in the header: deflate data is measured (stored data cannot be).
    """

    version_needed_to_extract: int = u16(default=20)
    flags: GeneralPurpose = Flags(u16, GeneralPurpose, default=GeneralPurpose(0))
    compression_method: CompressionMethod = Enum(u16, CompressionMethod, default=CompressionMethod.STORED)
    last_modified: datetime.datetime = DosDateTime(default=DOS_START)  # last mod file time, then date
    crc32: int = Hex(u32, derive=_local_value("crc32"))
    compressed_size: int = u32(derive=_local_value("compressed_size"))
    uncompressed_size: int = u32(derive=_local_value("uncompressed_size"))
    file_name_length: int = u16(derive=len_of("file_name"))
    extra_field_length: int = u16(derive=len_of("extra_field"))
    file_name: str = _text(this.file_name_length)
    extra_field: List[LocalExtraField] = Sized(this.extra_field_length, Array(LocalExtraField, greedy=True),
                                               default=())
    file_data: bytes = Switch(this.flags & GeneralPurpose.DATA_DESCRIPTOR, {0: Bytes(_data_size)},
                              default=Bytes(measure=deflate_end))
    data_descriptor: Optional[DataDescriptor] = If(this.flags & GeneralPurpose.DATA_DESCRIPTOR, DataDescriptor,
                                                   default=None)


# --- the records that refer to others: a per-build view of the whole archive -------------

_ARCHIVES: Any = weakref.WeakKeyDictionary()


class _Archive:
    """Offsets and the local record of each central header, worked out once per build of a ZIP."""

    def __init__(self, records: List[Any]) -> None:
        self.records = records
        self.locals = [r.body for r in records if r.signature == Signature.LOCAL_FILE_HEADER]
        self.central_index = {id(r.body): i for i, r in enumerate(
            r for r in records if r.signature == Signature.CENTRAL_DIRECTORY_HEADER)}
        self.offsets: List[int] = [0]

    def offset(self, index: int) -> int:
        """Where record ``index`` starts in the output."""
        while len(self.offsets) <= index:
            record = self.records[len(self.offsets) - 1]
            self.offsets.append(self.offsets[-1] + self.length(record))
        return self.offsets[index]

    def length(self, record: Any) -> int:
        body = record.body
        if record.signature == Signature.CENTRAL_DIRECTORY_HEADER:
            local = self.local_of(body)
            name = local.file_name if local is not None else body.file_name
            extra = sum(4 + _extra_data_length(e.data) for e in body.extra_field)
            return 46 + len(_encode(name, body.flags)) + extra + len(_encode(body.file_comment, body.flags))
        return len(Record.build(record))

    def local_of(self, central: Any) -> Optional[Any]:
        k = self.central_index.get(id(central))
        if k is None or len(self.locals) != len(self.central_index):
            return None  # the k-th local record is no longer a match
        return self.locals[k]

    def local_offset(self, local: Any) -> int:
        for i, r in enumerate(self.records):
            if r.body is local:
                return self.offset(i)
        raise LookupError("local record not in the archive")

    def span(self, signature: int) -> List[int]:
        """Indexes of the records with this signature."""
        return [i for i, r in enumerate(self.records) if r.signature == signature]


def _extra_data_length(data: Any) -> int:
    if isinstance(data, CentralZip64):
        return sum(8 for v in (data.original_size, data.compressed_size, data.relative_header_offset)
                   if v is not None) + (4 if data.disk_start_number is not None else 0)
    return len(data)


def _encode(text: str, flags: int) -> bytes:
    return text.encode("utf-8" if flags & GeneralPurpose.UTF8 else "cp437")


def _archive(view: Any) -> _Archive:
    ctx = object.__getattribute__(view, "_ctx")
    while ctx.parent is not None:
        ctx = ctx.parent
    archive = _ARCHIVES.get(ctx)
    if archive is None:
        archive = _ARCHIVES[ctx] = _Archive(ctx.get("records"))
    return archive  # type: ignore[no-any-return]


def _record_view(this: Any) -> Any:
    return this._parent


def _central_value(kind: str) -> Any:
    """A central header's value from its local file record (None: nothing to compute, keep as given)."""
    z64 = {"compressed_size": "compressed_size", "uncompressed_size": "original_size",
           "relative_offset_of_local_header": "relative_header_offset"}.get(kind)

    def derive(this: Any) -> Any:
        archive = _archive(this)
        central = object.__getattribute__(this, "_ctx").obj
        local = archive.local_of(central)
        if local is None:
            return None
        if kind == "file_name":
            return local.file_name
        if kind == "crc32":
            data = content(local)
            if data is None and local.data_descriptor is not None:
                return local.data_descriptor.crc32  # type: ignore[no-any-return]
            return None if data is None else zlib.crc32(data)
        if kind == "relative_offset_of_local_header":
            n: Optional[int] = archive.local_offset(local)
        else:
            n = _size(local, "compressed_size" if kind == "compressed_size" else "original_size")
        if n is None:
            return None
        zip64 = zip64_of(this.extra_field)
        if zip64 is not None and getattr(zip64, z64) is not None:  # type: ignore[arg-type]
            return MAX32
        return n

    derive.__name__ = "%s_of_local_record" % kind
    return derive


class CentralDirectoryHeader(Struct, endian="little"):
    """Central directory file header (4.3.12) after its signature; it describes the matching local record."""

    version_made_by: int = u16(default=20)
    version_needed_to_extract: int = u16(default=20)
    flags: GeneralPurpose = Flags(u16, GeneralPurpose, default=GeneralPurpose(0))
    compression_method: CompressionMethod = Enum(u16, CompressionMethod, default=CompressionMethod.STORED)
    last_modified: datetime.datetime = DosDateTime(default=DOS_START)  # last mod file time, then date
    crc32: int = Hex(u32, derive=_central_value("crc32"))
    compressed_size: int = u32(derive=_central_value("compressed_size"))
    uncompressed_size: int = u32(derive=_central_value("uncompressed_size"))
    file_name_length: int = u16(derive=len_of("file_name"))
    extra_field_length: int = u16(derive=len_of("extra_field"))
    file_comment_length: int = u16(derive=len_of("file_comment"))
    disk_number_start: int = u16(default=0)
    internal_file_attributes: int = u16(default=0)
    external_file_attributes: int = u32(default=0)
    relative_offset_of_local_header: int = u32(derive=_central_value("relative_offset_of_local_header"))
    file_name: str = Field(_text(this.file_name_length), derive=_central_value("file_name"))
    extra_field: List[CentralExtraField] = Sized(this.extra_field_length, Array(CentralExtraField, greedy=True),
                                                 default=())
    file_comment: str = _text(this.file_comment_length)


def _directory(kind: str, limit: int, name: str = "") -> Any:
    """Entry counts, size and offset of the central directory, as the end records hold them (``name``:
    the field, in the end record, whose all-ones value is kept when a ZIP64 end record holds the value)."""

    def derive(this: Any) -> Optional[int]:
        archive = _archive(this)
        found = archive.span(Signature.CENTRAL_DIRECTORY_HEADER)
        if kind == "entries":
            n = len(found)
        elif kind == "offset":
            n = archive.offset(found[0]) if found else archive.offset(_first(archive, this))
        else:
            n = sum(archive.length(archive.records[i]) for i in found)
        if limit != 0 and archive.span(Signature.ZIP64_END_OF_CENTRAL_DIRECTORY):
            # the ZIP64 record holds the values: this one holds them too (while they fit), or all ones
            given = getattr(object.__getattribute__(this, "_ctx").obj, name, None)
            return None if given == limit else min(n, limit)
        return n

    derive.__name__ = "central_directory_%s" % kind
    return derive


def _first(archive: _Archive, this: Any) -> int:
    """Index of the first record after the local records (an empty central directory starts there)."""
    return len(archive.locals)


class Zip64EndOfCentralDirectory(Struct, endian="little"):
    """ZIP64 end of central directory record (4.3.14) after its signature."""

    size_of_zip64_end_of_central_directory_record: int = u64(derive=len_of(
        "version_made_by", "version_needed_to_extract", "number_of_this_disk", "disk_where_central_directory_starts",
        "entries_on_this_disk", "total_entries", "size_of_central_directory", "offset_of_start_of_central_directory",
        "extensible_data"))
    version_made_by: int = u16(default=45)
    version_needed_to_extract: int = u16(default=45)
    number_of_this_disk: int = u32(default=0)
    disk_where_central_directory_starts: int = u32(default=0)
    entries_on_this_disk: int = u64(derive=_directory("entries", 0))
    total_entries: int = u64(derive=_directory("entries", 0))
    size_of_central_directory: int = u64(derive=_directory("size", 0))
    offset_of_start_of_central_directory: int = u64(derive=_directory("offset", 0))
    extensible_data: bytes = Bytes(this.size_of_zip64_end_of_central_directory_record - 44, default=b"")


def _zip64_record_offset(this: Any) -> int:
    archive = _archive(this)
    found = archive.span(Signature.ZIP64_END_OF_CENTRAL_DIRECTORY)
    return archive.offset(found[-1]) if found else 0


class Zip64EndOfCentralDirectoryLocator(Struct, endian="little"):
    """ZIP64 end of central directory locator (4.3.15) after its signature."""

    disk_with_zip64_end_of_central_directory: int = u32(default=0)
    relative_offset_of_zip64_end_of_central_directory: int = u64(derive=_zip64_record_offset)
    total_number_of_disks: int = u32(default=1)


class EndOfCentralDirectory(Struct, endian="little"):
    """End of central directory record (4.3.16) after its signature."""

    number_of_this_disk: int = u16(default=0)
    disk_where_central_directory_starts: int = u16(default=0)
    entries_on_this_disk: int = u16(derive=_directory("entries", MAX16, "entries_on_this_disk"))
    total_entries: int = u16(derive=_directory("entries", MAX16, "total_entries"))
    size_of_central_directory: int = u32(derive=_directory("size", MAX32, "size_of_central_directory"))
    offset_of_start_of_central_directory: int = u32(derive=_directory("offset", MAX32,
                                                                      "offset_of_start_of_central_directory"))
    comment_length: int = u16(derive=len_of("comment"))
    comment: str = String(this.comment_length, encoding="cp437", strip=False, default="")  # (no flag: CP437)


RecordBody = Union[LocalFile, CentralDirectoryHeader, Zip64EndOfCentralDirectory, Zip64EndOfCentralDirectoryLocator,
                   EndOfCentralDirectory]


class Record(Struct, endian="little"):
    """A signature (4.3.6 and the sections of each record), then the record it names."""

    signature: Signature = Enum(Hex(u32), Signature)
    body: RecordBody = Switch(this.signature, {
        Signature.LOCAL_FILE_HEADER: LocalFile,
        Signature.CENTRAL_DIRECTORY_HEADER: CentralDirectoryHeader,
        Signature.ZIP64_END_OF_CENTRAL_DIRECTORY: Zip64EndOfCentralDirectory,
        Signature.ZIP64_END_OF_CENTRAL_DIRECTORY_LOCATOR: Zip64EndOfCentralDirectoryLocator,
        Signature.END_OF_CENTRAL_DIRECTORY: EndOfCentralDirectory,
    })


class ZIP(Struct):
    """A ZIP file (4.3.6): records up to and including the end of central directory record."""

    records: List[Record] = Array(Record, until=lambda r: r.signature == Signature.END_OF_CENTRAL_DIRECTORY)


__all__ = ["ZIP", "Record", "LocalFile", "CentralDirectoryHeader", "EndOfCentralDirectory", "DataDescriptor",
           "Zip64EndOfCentralDirectory", "Zip64EndOfCentralDirectoryLocator", "LocalExtraField", "CentralExtraField",
           "LocalZip64", "CentralZip64", "Signature", "GeneralPurpose", "CompressionMethod", "content", "zip64_of"]
