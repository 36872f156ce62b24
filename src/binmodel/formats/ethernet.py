"""Ethernet II frames (IEEE 802.3 clause 3.2, with a Type), IEEE 802.1Q VLAN tags and ARP (RFC 826).

A frame is destination, source, EtherType and payload; the payload is IPv4,
IPv6, ARP or a VLAN tag (802.1Q section 9.6: PCP, DEI, VID, then the inner
EtherType and payload), anything else stays bytes. Bytes after the payload
(the padding up to the 60-byte minimum, or a frame check sequence if the
capture kept it) are kept in ``trailer``, so a frame is rebuilt exactly.
"""

from __future__ import annotations

import enum
import ipaddress
from typing import Any, Union

from ..expr import this
from ..fields import Bits, Bytes, Enum, Hex, Lazy, Switch, u8, u16
from ..model import Struct
from ..values import MAC
from ..values import IPv4 as IPv4Address
from .ip import IPv4, IPv6


class EtherType(enum.IntEnum):
    IPV4 = 0x0800
    ARP = 0x0806
    VLAN = 0x8100
    IPV6 = 0x86DD
    QINQ = 0x88A8


class ArpOperation(enum.IntEnum):
    REQUEST = 1
    REPLY = 2


# hardware addresses of 6 bytes are MAC addresses, protocol addresses of 4 IPv4 ones; others stay bytes
_hardware = Switch(this.hln, {6: MAC()}, default=Bytes(this.hln))
_protocol = Switch(this.pln, {4: IPv4Address()}, default=Bytes(this.pln))


def _length(name: str, converted: int) -> Any:
    """hln or pln on build: the bytes' length, or the size of the address a converted value is (not
    len_of: the length chooses how the address is written, so its bytes cannot say it)."""
    def length(this: Any) -> int:
        value = getattr(this, name)
        return len(value) if isinstance(value, (bytes, bytearray)) else converted
    length.__name__ = "length_of_%s" % name
    return length


class ARP(Struct, endian="big"):
    """An ARP packet (RFC 826, "Packet format"); hln and pln are computed from sha and spa. Addresses
    of 6 and 4 bytes (Ethernet and IPv4, as nearly always) are a MAC address text and an
    ``ipaddress.IPv4Address``; others keep their bytes."""

    hrd: int = u16(default=1)
    pro: EtherType = Enum(Hex(u16), EtherType, default=EtherType.IPV4)
    hln: int = u8(derive=_length("sha", 6))
    pln: int = u8(derive=_length("spa", 4))
    op: ArpOperation = Enum(u16, ArpOperation)
    sha: Union[str, bytes] = _hardware
    spa: Union[ipaddress.IPv4Address, bytes] = _protocol
    tha: Union[str, bytes] = _hardware
    tpa: Union[ipaddress.IPv4Address, bytes] = _protocol


def _payload(on: Any) -> Any:
    return Switch(on, {
        EtherType.IPV4: IPv4,
        EtherType.IPV6: IPv6,
        EtherType.ARP: ARP,
        EtherType.VLAN: Lazy(lambda: VLANTag),
        EtherType.QINQ: Lazy(lambda: VLANTag),
    }, default=Bytes(greedy=True))


Payload = Union[IPv4, IPv6, ARP, "VLANTag", bytes]


class VLANTag(Struct, endian="big"):
    """An 802.1Q tag after the 0x8100 (or 802.1ad 0x88A8) EtherType, then the inner type and payload."""

    pcp: int = Bits(3, default=0)
    dei: int = Bits(1, default=0)
    vid: int = Bits(12)
    type: EtherType = Enum(Hex(u16), EtherType)
    payload: Payload = _payload(this.type)


class Ethernet(Struct, endian="big"):
    """An Ethernet II frame, without preamble (and without FCS unless the capture kept it: then it is in trailer)."""

    dst: str = MAC()
    src: str = MAC()
    type: EtherType = Enum(Hex(u16), EtherType)
    payload: Payload = _payload(this.type)
    trailer: bytes = Bytes(greedy=True, default=b"")


__all__ = ["ARP", "ArpOperation", "EtherType", "Ethernet", "VLANTag"]
