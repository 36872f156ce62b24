"""Models as a type checker sees them: run ``mypy examples/typed_models.py``.

Each field has its Python type, and each model's constructor takes exactly
the fields a user types (derived fields, constants and padding are left out).
"""

from __future__ import annotations

import enum
from typing import List, Optional

from binmodel import (
    Array,
    Bits,
    Bytes,
    Const,
    CString,
    Enum,
    Field,
    If,
    Padding,
    String,
    Struct,
    count_of,
    crc32_of,
    len_of,
    this,
    u8,
    u16be,
    u32be,
)


class Kind(enum.IntEnum):
    DATA = 1
    END = 2


class Header(Struct, endian="big"):
    magic: bytes = Const(b"BM")
    version: int = u8(default=1)
    kind: Kind = Enum(u8, Kind)
    flags: int = Bits(4)
    level: int = Bits(4)


class Record(Struct, endian="big"):
    header: Header = Field(Header)
    length: int = u16be(derive=len_of("payload"))
    payload: bytes = Bytes(this.length)
    name: str = CString("utf-8")
    label: str = String(8, encoding="ascii")
    note: Optional[int] = If(this.header.flags & 1, u8, default=None)
    _pad: None = Padding(2)
    count: int = u8(derive=count_of("values"))
    values: List[int] = Array(u32be, count=this.count)
    crc: int = u32be(derive=crc32_of("payload"))


def make() -> bytes:
    header = Header(kind=Kind.DATA, flags=1, level=3)
    record = Record(header=header, payload=b"abc", name="x", label="lbl", note=7, values=[1, 2])
    width: int = record.length if record.length is not None else 0
    text: str = record.name
    numbers: List[int] = record.values
    del width, text, numbers
    return record.to_bytes()


def parse(data: bytes) -> int:
    record: Record = Record.parse(data)
    return record.header.level + len(record.payload)


# C structs are typed the same way (binmodel.cabi)
from binmodel.cabi import CStruct, c_double, c_int, c_uint  # noqa: E402


class Reading(CStruct, abi="x86_64-linux"):
    sensor: int = c_int()
    value: float = c_double()
    flags: int = c_uint(bits=3)
    _spare: None = c_uint(bits=5, unnamed=True)


def reading() -> bytes:
    return Reading(sensor=1, value=0.5, flags=2).to_bytes()


# converted values are typed as what they convert to (binmodel.values, binmodel.Mapped)
import datetime  # noqa: E402
import ipaddress  # noqa: E402

from binmodel import Hex, Mapped, u16be, u32be  # noqa: E402
from binmodel.values import MAC, IPv4, UnixTime  # noqa: E402


class Frame(Struct, endian="big"):
    magic: int = Hex(u32be)
    src: ipaddress.IPv4Address = IPv4()
    mac: str = MAC()
    sent: datetime.datetime = UnixTime(u32be)
    celsius: float = Mapped(u16be, lambda tenths: tenths / 10, lambda c: round(c * 10))


def frame() -> bytes:
    f = Frame(magic=0xCAFE, src=ipaddress.IPv4Address("192.0.2.8"), mac="aa:bb:cc:dd:ee:ff",
              sent=datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc), celsius=21.5)
    when: datetime.datetime = f.sent
    warm: float = f.celsius
    del when, warm
    return f.to_bytes()
