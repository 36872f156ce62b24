"""Ethernet II frames (IEEE 802.3 clause 3.2, with a Type), IEEE 802.1Q VLAN tags and ARP (RFC 826).

A frame is destination, source, EtherType and payload; the payload is IPv4,
IPv6, ARP or a VLAN tag (802.1Q section 9.6: PCP, DEI, VID, then the inner
EtherType and payload), anything else stays bytes. Bytes after the payload
(the padding up to the 60-byte minimum, or a frame check sequence if the
capture kept it) are kept in ``trailer``, so a frame is rebuilt exactly.
"""

from __future__ import annotations

import enum
from typing import Any, Union

from ..expr import len_of, this
from ..fields import Bits, Bytes, Enum, Hex, Lazy, Switch, u8, u16
from ..model import Struct
from ..values import MAC
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


class ARP(Struct, endian="big"):
    """An ARP packet (RFC 826, "Packet format"); hln and pln are computed from sha and spa."""

    hrd: int = u16(default=1)
    pro: EtherType = Enum(Hex(u16), EtherType, default=EtherType.IPV4)
    hln: int = u8(derive=len_of("sha"))
    pln: int = u8(derive=len_of("spa"))
    op: ArpOperation = Enum(u16, ArpOperation)
    sha: bytes = Bytes(this.hln)
    spa: bytes = Bytes(this.pln)
    tha: bytes = Bytes(this.hln)
    tpa: bytes = Bytes(this.pln)


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
