"""Time zone information files, as specified by RFC 8536 "The Time Zone Information Format (TZif)".

Section 3.1 (header: magic "TZif", version, 15 reserved bytes, six counts),
3.2 (data block: transition times and types, local time type records, time
zone designations, leap second records, standard/wall and UT/local
indicators) and 3.3 (footer: a POSIX TZ string between newlines). Versions
1 to 4 (RFC 8536 and its update RFC 9636): a version 1 file is one header and
a data block with 32-bit times; version 2 and later repeat both with 64-bit
times and end with the footer. The counts are computed from the arrays on build.
"""

from __future__ import annotations

from typing import Any, List, Optional

from ..expr import count_of, len_of, this
from ..fields import Array, Bytes, Const, CString, If, i32, i64, u8, u32
from ..model import Struct
from ..values import UnixTime


class LocalTimeType(Struct, endian="big"):
    """A local time type record (3.2): UT offset in seconds, DST flag, index into the designations."""

    utoff: int = i32()
    isdst: int = u8()
    desigidx: int = u8()


class LeapSecond32(Struct, endian="big"):
    """A leap second record of the version 1 data block (3.2): 32-bit occurrence."""

    occurrence: int = i32()
    correction: int = i32()


class LeapSecond64(Struct, endian="big"):
    """A leap second record of the version 2+ data block (3.2): 64-bit occurrence."""

    occurrence: int = i64()
    correction: int = i32()


class DataBlockV1(Struct, endian="big"):
    """The first header (3.1) and the version 1 data block (3.2), with 32-bit times."""

    magic: bytes = Const(b"TZif")
    version: int = u8()  # 0 for version 1, else the ASCII digit: 0x32 '2', 0x33 '3', 0x34 '4'
    reserved: bytes = Bytes(15, default=bytes(15))  # zero
    isutcnt: int = u32(derive=count_of("ut_local_indicators"))
    isstdcnt: int = u32(derive=count_of("standard_wall_indicators"))
    leapcnt: int = u32(derive=count_of("leap_seconds"))
    timecnt: int = u32(derive=count_of("transition_times"))
    typecnt: int = u32(derive=count_of("local_time_types"))
    charcnt: int = u32(derive=len_of("designations"))
    transition_times: List[Any] = Array(UnixTime(i32), count=this.timecnt)  # UTC datetimes
    transition_types: List[int] = Array(u8, count=this.timecnt)
    local_time_types: List[LocalTimeType] = Array(LocalTimeType, count=this.typecnt)
    designations: bytes = Bytes(this.charcnt)  # NUL-terminated abbreviations ("LMT\0CEST\0...")
    leap_seconds: List[LeapSecond32] = Array(LeapSecond32, count=this.leapcnt)
    standard_wall_indicators: List[int] = Array(u8, count=this.isstdcnt)
    ut_local_indicators: List[int] = Array(u8, count=this.isutcnt)


class DataBlockV2(Struct, endian="big"):
    """The second header (3.1) and the version 2+ data block (3.2), with 64-bit times."""

    magic: bytes = Const(b"TZif")
    version: int = u8()
    reserved: bytes = Bytes(15, default=bytes(15))  # zero
    isutcnt: int = u32(derive=count_of("ut_local_indicators"))
    isstdcnt: int = u32(derive=count_of("standard_wall_indicators"))
    leapcnt: int = u32(derive=count_of("leap_seconds"))
    timecnt: int = u32(derive=count_of("transition_times"))
    typecnt: int = u32(derive=count_of("local_time_types"))
    charcnt: int = u32(derive=len_of("designations"))
    # UTC datetimes; the big-bang sentinel (-2**59) and other times datetime cannot hold stay OutOfRange
    transition_times: List[Any] = Array(UnixTime(i64), count=this.timecnt)
    transition_types: List[int] = Array(u8, count=this.timecnt)
    local_time_types: List[LocalTimeType] = Array(LocalTimeType, count=this.typecnt)
    designations: bytes = Bytes(this.charcnt)
    leap_seconds: List[LeapSecond64] = Array(LeapSecond64, count=this.leapcnt)
    standard_wall_indicators: List[int] = Array(u8, count=this.isstdcnt)
    ut_local_indicators: List[int] = Array(u8, count=this.isutcnt)


class Footer(Struct):
    """The footer (3.3): a newline, a POSIX TZ string (possibly empty), a newline."""

    start: bytes = Const(b"\n")
    tz_string: str = CString("ascii", terminator=b"\n")


class TZif(Struct, endian="big"):
    """A TZif file: the version 1 part, then for version 2 and later the 64-bit part and the footer."""

    v1: DataBlockV1
    v2: Optional[DataBlockV2] = If(this.v1.version != 0, DataBlockV2, default=None)
    footer: Optional[Footer] = If(this.v1.version != 0, Footer, default=None)
