"""UDP and TCP, as specified by RFC 768 "User Datagram Protocol" and RFC 9293 "Transmission Control Protocol".

RFC 768 (the whole header), RFC 9293 section 3.1 (header format) and 3.2
(options: End of Option List, No-Operation, Maximum Segment Size), RFC 7323
sections 2.2 and 3.2 (Window Scale, Timestamps), RFC 2018 sections 2 and 3
(SACK-Permitted, SACK). Other options keep kind, length and data.

Lengths (UDP length, TCP data offset, option lengths) and both checksums are
computed on build. The checksums cover a pseudo-header taken from the
enclosing IPv4 (RFC 768, RFC 9293 3.1) or IPv6 packet (RFC 8200 section 8.1),
so a segment is built inside its IP packet. A UDP datagram to or from port 53
carries a DNS message (:mod:`binmodel.formats.dns`), or bytes when it is not a valid one.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from typing import Any, List, Optional, Union

from ..expr import len_of, this
from ..fields import Array, Bits, Bytes, Enum, Fallback, Field, Flags, Hex, If, Sized, Switch, u8, u16, u32
from ..model import Struct
from .dns import Message

DNS_PORT = 53


def internet_checksum(data: bytes) -> int:
    """RFC 1071: the ones'-complement of the ones'-complement sum of the 16-bit words of ``data``."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _packed(address: Any) -> bytes:
    """An address's bytes: an ``ipaddress`` address (how the IP models read them), its text, or bytes."""
    if isinstance(address, (bytes, bytearray)):
        return bytes(address)
    return ipaddress.ip_address(address).packed


def pseudo_header_checksum(ip: Any, protocol: int, segment: bytes) -> int:
    """The checksum of ``segment`` (its checksum field zero) with the pseudo-header of ``ip``.

    ``ip`` is the enclosing IPv4 or IPv6 header (anything with ``version``, ``src``, ``dst``).
    """
    addresses = _packed(ip.src) + _packed(ip.dst)
    if ip.version == 4:
        pseudo = addresses + struct.pack("!BBH", 0, protocol, len(segment))
    else:
        pseudo = addresses + struct.pack("!I3xB", len(segment), protocol)
    return internet_checksum(pseudo + segment)


def _segment(this: Any, names: List[str]) -> bytes:
    """The bytes of the named fields, with two zero bytes where ``checksum`` goes."""
    return b"".join(b"\0\0" if n == "checksum" else this._bytes(n) for n in names)


def udp_checksum(this: Any) -> int:
    """RFC 768: over the pseudo-header and the datagram; a computed 0 is sent as 0xFFFF."""
    value = pseudo_header_checksum(this._parent, 17, _segment(this, UDP_PARTS))
    return value or 0xFFFF


def tcp_checksum(this: Any) -> int:
    """RFC 9293 3.1: over the pseudo-header, the header and the data."""
    return pseudo_header_checksum(this._parent, 6, _segment(this, TCP_PARTS))


_carries_dns = (this.src_port == DNS_PORT) | (this.dst_port == DNS_PORT)


class UDP(Struct, endian="big"):
    """A UDP datagram (RFC 768)."""

    src_port: int = u16()
    dst_port: int = u16()
    length: int = u16(derive=len_of("data") + 8)
    checksum: int = Hex(u16, derive=udp_checksum)
    data: Union[Message, bytes] = Sized(this.length - 8, Switch(_carries_dns, {True: Fallback(Message)},
                                                                 default=Bytes(greedy=True)))


UDP_PARTS = ["src_port", "dst_port", "length", "checksum", "data"]


class TCPFlags(enum.IntFlag):
    """The control bits (RFC 9293 3.1; CWR and ECE from RFC 3168)."""

    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10
    URG = 0x20
    ECE = 0x40
    CWR = 0x80


class OptionKind(enum.IntEnum):
    EOL = 0
    NOP = 1
    MSS = 2
    WINDOW_SCALE = 3
    SACK_PERMITTED = 4
    SACK = 5
    TIMESTAMPS = 8


class SackBlock(Struct, endian="big"):
    """One block of a SACK option (RFC 2018 3)."""

    left_edge: int = u32()
    right_edge: int = u32()


class Timestamps(Struct, endian="big"):
    """The Timestamps option's data (RFC 7323 3.2)."""

    ts_val: int = u32()
    ts_ecr: int = u32()


def _option_length(this: Any) -> Optional[int]:
    return None if this.kind in (OptionKind.EOL, OptionKind.NOP) else len(this._bytes("data")) + 2


OptionData = Union[int, Timestamps, List[SackBlock], bytes, None]


class TCPOption(Struct, endian="big"):
    """A TCP option (RFC 9293 3.2): one octet of kind, or kind, length (computed on build) and data."""

    kind: OptionKind = Enum(u8, OptionKind)
    length: Optional[int] = Field(If(this.kind > OptionKind.NOP, u8), derive=_option_length)
    data: OptionData = If(this.kind > OptionKind.NOP, Sized(this.length - 2, Switch(this.kind, {
        OptionKind.MSS: u16,
        OptionKind.WINDOW_SCALE: u8,
        OptionKind.SACK: Array(SackBlock, greedy=True),
        OptionKind.TIMESTAMPS: Timestamps,
    }, default=Bytes(greedy=True))), default=None)


class TCP(Struct, endian="big"):
    """A TCP segment (RFC 9293 3.1); the options fill the header up to the data offset."""

    src_port: int = u16()
    dst_port: int = u16()
    seq: int = u32()
    ack: int = u32()
    data_offset: int = Bits(4, derive=len_of("options") // 4 + 5)
    reserved: int = Bits(4, default=0)
    flags: TCPFlags = Flags(u8, TCPFlags)
    window: int = u16()
    checksum: int = Hex(u16, derive=tcp_checksum)
    urgent_pointer: int = u16(default=0)
    options: List[TCPOption] = Sized(this.data_offset * 4 - 20, Array(TCPOption, greedy=True))
    data: bytes = Bytes(greedy=True)


TCP_PARTS = ["src_port", "dst_port", "seq", "ack", "data_offset", "flags", "window", "checksum", "urgent_pointer",
             "options", "data"]

__all__ = ["OptionKind", "SackBlock", "TCP", "TCPFlags", "TCPOption", "Timestamps", "UDP", "internet_checksum",
           "pseudo_header_checksum"]
