"""DNS messages, as specified by RFC 1035 "Domain Names - Implementation and Specification", section 4.

4.1.1 (header), 4.1.2 (question), 4.1.3 (resource record), 4.1.4 (message
compression) and 3.3 / 3.4.1 (RDATA of CNAME, MX, NS, PTR, SOA, TXT, A);
AAAA is RFC 3596 section 2.2. Other record types keep their RDATA as bytes.

Names keep their wire form: a list of labels ending with an empty label or a
compression pointer (4.1.4), so a message is rebuilt byte for byte, pointers
included. :meth:`Message.name_text` follows the pointers to give the full
dotted name. The counts (QDCOUNT...) and RDLENGTH are computed on build.
"""

from __future__ import annotations

import enum
import ipaddress
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from ..errors import ParseError
from ..expr import count_of, len_of, this
from ..fields import Array, Bits, Bytes, Enum, Sized, Switch, u8, u16, u32
from ..model import Struct
from ..values import IPv4, IPv6

MAX_POINTER_HOPS = 64
"""A name that follows more compression pointers than this is a loop (:meth:`Message.name_text`)."""


class RRType(enum.IntEnum):
    """TYPE values (3.2.2; AAAA from RFC 3596, OPT from RFC 6891)."""

    A = 1
    NS = 2
    CNAME = 5
    SOA = 6
    PTR = 12
    HINFO = 13
    MX = 15
    TXT = 16
    AAAA = 28
    SRV = 33
    OPT = 41
    ANY = 255


class RRClass(enum.IntEnum):
    """CLASS values (3.2.4); in an OPT record the field holds a UDP payload size instead."""

    IN = 1
    CS = 2
    CH = 3
    HS = 4
    ANY = 255


class Opcode(enum.IntEnum):
    QUERY = 0
    IQUERY = 1
    STATUS = 2
    NOTIFY = 4
    UPDATE = 5


class Rcode(enum.IntEnum):
    NOERROR = 0
    FORMERR = 1
    SERVFAIL = 2
    NXDOMAIN = 3
    NOTIMP = 4
    REFUSED = 5


class LabelKind(enum.IntEnum):
    """The two top bits of a label's first octet (4.1.4); 1 and 2 are reserved."""

    LABEL = 0
    POINTER = 3


LABEL, POINTER = LabelKind.LABEL, LabelKind.POINTER


class Label(Struct, endian="big"):
    """One label of a name (4.1.2), or a compression pointer (4.1.4).

    The first octet's two top bits give the ``kind``: 0 for a label of
    ``length`` octets, 3 for a pointer whose 14-bit offset is ``length`` (the
    high 6 bits) and the next octet. Kinds 1 and 2 are reserved: a parse error.
    Make labels with :meth:`text_label` and :meth:`pointer_to`.
    """

    kind: LabelKind = Enum(Bits(2), LabelKind)
    length: int = Bits(6)
    data: Union[bytes, int] = Switch(this.kind, {LABEL: Bytes(this.length), POINTER: u8})

    @classmethod
    def text_label(cls, data: bytes) -> Label:
        return cls(kind=LABEL, length=len(data), data=data)

    @classmethod
    def pointer_to(cls, offset: int) -> Label:
        return cls(kind=POINTER, length=offset >> 8, data=offset & 0xFF)

    @property
    def offset(self) -> Optional[int]:
        """A pointer's offset from the start of the message; ``None`` for a label."""
        return (self.length << 8) | self.data if self.kind == POINTER else None  # type: ignore[operator]


def _ends_name(label: Label) -> bool:
    return label.kind == POINTER or label.length == 0


class Name(Struct):
    """A domain name as written (4.1.2, 4.1.4): labels up to the root label or a pointer."""

    labels: List[Label] = Array(Label, until=_ends_name)

    @classmethod
    def from_text(cls, text: str) -> Name:
        """An uncompressed name: ``Name.from_text("www.example.com")``."""
        parts = [p.encode("ascii") for p in text.rstrip(".").split(".") if p]
        return cls(labels=[Label.text_label(p) for p in parts] + [Label.text_label(b"")])


_ESCAPED = b'"().;\\@$'


def _label_text(label: bytes) -> str:
    out = []
    for byte in label:
        if byte in _ESCAPED:
            out.append("\\" + chr(byte))
        elif 0x20 < byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append("\\%03d" % byte)
    return "".join(out)


def name_labels(name: Name, message: bytes) -> List[bytes]:
    """The labels of ``name``, following compression pointers into ``message`` (the message's bytes)."""
    labels: List[bytes] = []
    hops = 0
    for label in name.labels:
        if label.kind == LABEL:
            if label.length:
                labels.append(label.data)  # type: ignore[arg-type]
            continue
        pos = label.offset
        while True:
            assert pos is not None
            if pos >= len(message):
                raise ParseError("compression pointer to offset %d is past the end of the message (%d bytes)"
                                 % (pos, len(message)), "name", pos, expected="< %d" % len(message), found=pos)
            first = message[pos]
            kind = first >> 6
            if kind == POINTER:
                hops += 1
                if hops > MAX_POINTER_HOPS:
                    raise ParseError("more than %d compression pointers: a pointer loop" % MAX_POINTER_HOPS,
                                     "name", pos, expected="<= %d pointers" % MAX_POINTER_HOPS, found="more")
                if pos + 2 > len(message):
                    raise ParseError("compression pointer cut off at the end of the message", "name", pos,
                                     expected=2, found=len(message) - pos)
                pos = ((first & 0x3F) << 8) | message[pos + 1]
                continue
            if kind != LABEL:
                raise ParseError("reserved label type %d" % kind, "name", pos, expected="0 or 3", found=kind)
            if first == 0:
                break
            if pos + 1 + first > len(message):
                raise ParseError("label of %d bytes runs past the end of the message" % first, "name", pos,
                                 expected=first, found=len(message) - pos - 1)
            labels.append(bytes(message[pos + 1:pos + 1 + first]))
            pos += 1 + first
        break
    if sum(len(x) + 1 for x in labels) + 1 > 255:
        raise ParseError("name longer than 255 octets (3.1)", "name", None, expected="<= 255")
    return labels


def name_text(name: Name, message: bytes) -> str:
    """The absolute dotted name (``"www.example.com."``, the root is ``"."``), pointers followed."""
    labels = name_labels(name, message)
    return ".".join(_label_text(x) for x in labels) + "." if labels else "."


class MX(Struct, endian="big"):
    """MX RDATA (3.3.9)."""

    preference: int = u16()
    exchange: Name


class SOA(Struct, endian="big"):
    """SOA RDATA (3.3.13)."""

    mname: Name
    rname: Name
    serial: int = u32()
    refresh: int = u32()
    retry: int = u32()
    expire: int = u32()
    minimum: int = u32()


RData = Union[bytes, ipaddress.IPv4Address, ipaddress.IPv6Address, Name, MX, SOA, List[bytes]]


class Question(Struct, endian="big"):
    """A question entry (4.1.2)."""

    qname: Name
    qtype: RRType = Enum(u16, RRType)
    qclass: RRClass = Enum(u16, RRClass)


class ResourceRecord(Struct, endian="big"):
    """A resource record (4.1.3); RDLENGTH is computed on build."""

    name: Name
    type: RRType = Enum(u16, RRType)
    class_: RRClass = Enum(u16, RRClass)
    ttl: int = u32()
    rdlength: int = u16(derive=len_of("rdata"))
    rdata: RData = Sized(this.rdlength, Switch(this.type, {
        RRType.A: IPv4(),
        RRType.AAAA: IPv6(),
        RRType.CNAME: Name,
        RRType.NS: Name,
        RRType.PTR: Name,
        RRType.MX: MX,
        RRType.TXT: Array(Bytes(prefix=u8), greedy=True),
        RRType.SOA: SOA,
    }, default=Bytes(greedy=True)))


class Message(Struct, endian="big"):
    """A DNS message (4.1): the header (4.1.1) and four sections; the counts are computed on build."""

    id: int = u16()
    qr: int = Bits(1)
    opcode: int = Bits(4)
    aa: int = Bits(1)
    tc: int = Bits(1)
    rd: int = Bits(1)
    ra: int = Bits(1)
    z: int = Bits(3)
    rcode: int = Bits(4)
    qdcount: int = u16(derive=count_of("questions"))
    ancount: int = u16(derive=count_of("answers"))
    nscount: int = u16(derive=count_of("authorities"))
    arcount: int = u16(derive=count_of("additionals"))
    questions: List[Question] = Array(Question, count=this.qdcount)
    answers: List[ResourceRecord] = Array(ResourceRecord, count=this.ancount)
    authorities: List[ResourceRecord] = Array(ResourceRecord, count=this.nscount)
    additionals: List[ResourceRecord] = Array(ResourceRecord, count=this.arcount)

    def name_text(self, name: Name, wire: Any = None) -> str:
        """The full dotted form of ``name`` (one of this message's), compression pointers followed.

        Pointers are offsets into the message as written: ``wire`` is its bytes
        (built again from the fields if not given). A pointer loop or a pointer
        outside the message is a :class:`~binmodel.ParseError`.
        """
        return name_text(name, self.to_bytes() if wire is None else wire)

    def names(self, wire: Any = None) -> Dict[str, str]:
        """Every name of the message in its full dotted form, by path (``"answers[1].name"``), compression
        pointers followed; a name whose pointers lead nowhere is left out."""
        wire = self.to_bytes() if wire is None else wire
        out: Dict[str, str] = {}
        for path, name in _names(self):
            try:
                out[path] = name_text(name, wire)
            except ParseError:
                continue
        return out

    __bm_notes__ = names  # dumps and the HTML view show each name beside its labels


def _names(message: Message) -> Iterator[Tuple[str, Name]]:
    """(path, name) of every name in the message: questions, owners, and names inside RDATA."""
    for i, q in enumerate(message.questions):
        yield "questions[%d].qname" % i, q.qname
    for section in ("answers", "authorities", "additionals"):
        for i, rr in enumerate(getattr(message, section)):
            at = "%s[%d]" % (section, i)
            yield at + ".name", rr.name
            data = rr.rdata
            if isinstance(data, Name):
                yield at + ".rdata", data
            elif isinstance(data, MX):
                yield at + ".rdata.exchange", data.exchange
            elif isinstance(data, SOA):
                yield at + ".rdata.mname", data.mname
                yield at + ".rdata.rname", data.rname


__all__ = ["Label", "LabelKind", "Message", "MX", "Name", "Question", "RRClass", "RRType", "ResourceRecord", "SOA",
           "name_labels", "name_text", "Opcode", "Rcode"]
