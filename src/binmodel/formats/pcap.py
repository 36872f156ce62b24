"""The libpcap capture file format, as specified by draft-ietf-opsawg-pcap ("PCAP Capture File Format").

Section 4 (file header), 5 (packet record) and the link types of
draft-ietf-opsawg-pcaplinktype (LINKTYPE_ETHERNET and a few more by name).
The magic number gives the byte order of everything after it and the
timestamp resolution: 0xA1B2C3D4 microseconds, 0xA1B23C4D nanoseconds, read
in the writer's byte order (so a swapped magic means the other order).

A record's data is an Ethernet frame (:mod:`binmodel.formats.ethernet`) when
the link type is LINKTYPE_ETHERNET and the packet was captured whole (its
Original Packet Length is at most SnapLen); otherwise it is bytes.
The Captured Packet Length is computed on build; the Original Packet Length
is not (after an edit that changes a frame's size, set it too).
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, Dict, List, Tuple, Union

from ..expr import len_of, this, where
from ..fields import Array, Bytes, Enum, Hex, Sized, Switch, i32, u16, u32, u32be
from ..model import Struct
from ..streams import Records
from ..values import SecondsAndFraction
from .ethernet import Ethernet

MAGIC_MICROSECONDS = 0xA1B2C3D4
MAGIC_NANOSECONDS = 0xA1B23C4D
MAGIC_MICROSECONDS_SWAPPED = 0xD4C3B2A1
MAGIC_NANOSECONDS_SWAPPED = 0x4D3CB2A1


class LinkType(enum.IntEnum):
    """LinkType values (draft-ietf-opsawg-pcaplinktype); unknown ones stay ints."""

    NULL = 0
    ETHERNET = 1
    PPP = 9
    RAW = 101
    IEEE802_11 = 105
    LOOP = 108
    LINUX_SLL = 113
    IEEE802_11_RADIOTAP = 127
    IPV4 = 228
    IPV6 = 229
    LINUX_SLL2 = 276


class FileHeader(Struct, endian="little"):
    """The file header after the magic number (section 4)."""

    version_major: int = u16(default=2)
    version_minor: int = u16(default=4)
    thiszone: int = i32(default=0)
    sigfigs: int = u32(default=0)
    snaplen: int = u32(default=262144)
    network: LinkType = Enum(u32, LinkType, default=LinkType.ETHERNET)


# The link type of a packet captured whole; None (bytes) for one longer than the snapshot length.
# (Not incl_len == orig_len: incl_len is computed from the data on build.)
_link_layer = where(this.orig_len <= this._parent.header.snaplen, this._parent.header.network, None)


_packet_data = Sized(this.incl_len, Switch(_link_layer, {LinkType.ETHERNET: Ethernet}, default=Bytes(greedy=True)))


class Record(Struct, endian="little"):
    """A packet record (section 5) of a microsecond file: the timestamp's seconds and microseconds as one
    UTC ``datetime`` (a fraction of a second or more is kept as a ``values.OutOfRange``)."""

    ts: datetime.datetime = SecondsAndFraction(u32, 10 ** 6)
    incl_len: int = u32(derive=len_of("data"))
    orig_len: int = u32()
    data: Union[Ethernet, bytes] = _packet_data


class NanoRecord(Struct, endian="little"):
    """A packet record of a nanosecond file: the fraction counts nanoseconds (kept exactly: ``values.Time``)."""

    ts: datetime.datetime = SecondsAndFraction(u32, 10 ** 9)
    incl_len: int = u32(derive=len_of("data"))
    orig_len: int = u32()
    data: Union[Ethernet, bytes] = _packet_data


class PcapLE(Struct, endian="little"):
    """Everything after the magic number, in a little-endian file (the common case)."""

    header: FileHeader
    records: List[Record] = Array(Record, greedy=True, on_error="keep")  # one odd packet does not sink the capture


class PcapBE(PcapLE, endian="big"):
    """Everything after the magic number, in a big-endian file: header and records swapped.

    The frames inside keep network byte order: only models declared little-endian
    (as the pcap ones above) are swapped.
    """


class NanoPcapLE(Struct, endian="little"):
    """Everything after the magic number of a little-endian nanosecond file."""

    header: FileHeader
    records: List[NanoRecord] = Array(NanoRecord, greedy=True, on_error="keep")


class NanoPcapBE(NanoPcapLE, endian="big"):
    """Everything after the magic number of a big-endian nanosecond file."""


class Pcap(Struct):
    """A pcap file: the magic number (read big-endian here) chooses the byte order of the rest and the
    timestamps' resolution."""

    magic: int = Hex(u32be, default=MAGIC_MICROSECONDS)
    body: Union[PcapBE, PcapLE, NanoPcapBE, NanoPcapLE] = Switch(this.magic, {
        MAGIC_MICROSECONDS: PcapBE,
        MAGIC_NANOSECONDS: NanoPcapBE,
        MAGIC_MICROSECONDS_SWAPPED: PcapLE,
        MAGIC_NANOSECONDS_SWAPPED: NanoPcapLE,
    })

    @property
    def nanoseconds(self) -> bool:
        """Whether the timestamps' second field counts nanoseconds (else microseconds)."""
        return self.magic in (MAGIC_NANOSECONDS, MAGIC_NANOSECONDS_SWAPPED)

    @property
    def header(self) -> FileHeader:
        return self.body.header

    @property
    def records(self) -> List[Any]:
        return self.body.records  # type: ignore[return-value]


class Magic(Struct):
    """The first four bytes of a pcap file, read big-endian."""

    magic: int = u32be()


def read_stream(f: Any, chunk_size: int = 1 << 16) -> Tuple[int, FileHeader, Records]:
    """A pcap file read from the binary file object ``f`` as it arrives: its magic number, its file header,
    and an iterator over its records (parsed as ``Pcap`` parses them, held one chunk at a time; its
    ``offset`` is where the next record starts)."""
    from ..streams import tell

    start = tell(f)
    magic = Magic.parse_stream(f, offset=start).magic
    body: Any = _BODIES.get(magic)
    if body is None:
        Pcap.parse(Magic(magic=magic).to_bytes(), allow_trailing=True)  # the error Pcap.parse gives
    header_type, records = (f.type for f in body._bm_node.fields())
    header = header_type.cls.parse_stream(f, offset=start + 4)  # type: ignore[attr-defined]
    record = records.item.cls  # type: ignore[attr-defined]
    return magic, header, record.iter_stream(f, parent={"header": header}, chunk_size=chunk_size, offset=start + 24)


_BODIES: Dict[int, Any] = {MAGIC_MICROSECONDS: PcapBE, MAGIC_NANOSECONDS: NanoPcapBE, MAGIC_MICROSECONDS_SWAPPED: PcapLE,
                            MAGIC_NANOSECONDS_SWAPPED: NanoPcapLE}

__all__ = ["FileHeader", "LinkType", "Magic", "NanoPcapBE", "NanoPcapLE", "NanoRecord", "Pcap", "PcapBE", "PcapLE",
           "Record", "read_stream"]
