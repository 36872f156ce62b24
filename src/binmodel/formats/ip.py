"""IPv4 and IPv6 headers, as specified by RFC 791 "Internet Protocol" and RFC 8200 "Internet Protocol, Version 6".

RFC 791 section 3.1 (the IPv4 header; DSCP and ECN replace the Type of
Service octet per RFC 2474 section 3 and RFC 3168 section 5), RFC 8200
section 3 (the IPv6 fixed header). IPv4 options and IPv6 extension headers
are kept as bytes; an IPv6 packet whose Next Header is not TCP or UDP keeps
its payload as bytes, as does an IPv4 fragment other than a whole datagram.

Total Length, IHL, Payload Length and the IPv4 Header Checksum (RFC 1071
ones'-complement sum) are computed on build.
"""

from __future__ import annotations

import enum
import ipaddress
from typing import Any, Union

from .. import values
from ..expr import len_of, this, where
from ..fields import Bits, Bytes, Enum, Hex, Sized, Switch, u8, u16
from ..model import Struct
from .transport import TCP, UDP, internet_checksum


class IPProtocol(enum.IntEnum):
    """Assigned Internet Protocol Numbers (IANA); the IPv4 Protocol and IPv6 Next Header values."""

    HOPOPT = 0
    ICMP = 1
    IGMP = 2
    TCP = 6
    UDP = 17
    IPV6 = 41
    IPV6_ROUTE = 43
    IPV6_FRAG = 44
    ESP = 50
    AH = 51
    ICMPV6 = 58
    IPV6_NONXT = 59
    IPV6_OPTS = 60
    SCTP = 132


_HEADER_PARTS = ("version", "total_length", "identification", "reserved", "ttl", "protocol")


def ipv4_header_checksum(this: Any) -> int:
    """RFC 791 3.1: the checksum of the header with the checksum field zero."""
    head = b"".join(this._bytes(n) for n in _HEADER_PARTS)
    return internet_checksum(head + b"\0\0" + this._bytes("src") + this._bytes("dst") + this._bytes("options"))


# The protocol of a whole datagram; None for a fragment (its payload stays bytes).
_upper_layer = where((this.fragment_offset == 0) & (this.mf == 0), this.protocol, None)


class IPv4(Struct, endian="big"):
    """An IPv4 packet (RFC 791 3.1). Bytes past Total Length belong to the link layer (Ethernet padding)."""

    version: int = Bits(4, default=4)
    ihl: int = Bits(4, derive=len_of("options") // 4 + 5)
    dscp: int = Bits(6, default=0)
    ecn: int = Bits(2, default=0)
    total_length: int = u16(derive=len_of("options", "payload") + 20)
    identification: int = u16(default=0)
    reserved: int = Bits(1, default=0)
    df: int = Bits(1, default=0)
    mf: int = Bits(1, default=0)
    fragment_offset: int = Bits(13, default=0)
    ttl: int = u8(default=64)
    protocol: IPProtocol = Enum(u8, IPProtocol)
    header_checksum: int = Hex(u16, derive=ipv4_header_checksum)
    src: ipaddress.IPv4Address = values.IPv4()
    dst: ipaddress.IPv4Address = values.IPv4()
    options: bytes = Bytes(this.ihl * 4 - 20, default=b"")
    payload: Union[TCP, UDP, bytes] = Sized(this.total_length - this.ihl * 4, Switch(_upper_layer, {
        IPProtocol.TCP: TCP,
        IPProtocol.UDP: UDP,
    }, default=Bytes(greedy=True)))


class IPv6(Struct, endian="big"):
    """An IPv6 packet (RFC 8200 3): the fixed header, then Payload Length bytes."""

    version: int = Bits(4, default=6)
    traffic_class: int = Bits(8, default=0)
    flow_label: int = Bits(20, default=0)
    payload_length: int = u16(derive=len_of("payload"))
    next_header: IPProtocol = Enum(u8, IPProtocol)
    hop_limit: int = u8(default=64)
    src: ipaddress.IPv6Address = values.IPv6()
    dst: ipaddress.IPv6Address = values.IPv6()
    payload: Union[TCP, UDP, bytes] = Sized(this.payload_length, Switch(this.next_header, {
        IPProtocol.TCP: TCP,
        IPProtocol.UDP: UDP,
    }, default=Bytes(greedy=True)))


__all__ = ["IPProtocol", "IPv4", "IPv6", "ipv4_header_checksum"]
