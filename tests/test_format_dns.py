"""DNS messages made and read by dnspython: fields, names through compression pointers, rebuild, edits, bad input."""

import ipaddress

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats.dns import MX, SOA, Label, Message, Name, ResourceRecord, RRClass, RRType

dns_message = pytest.importorskip("dns.message")
pytest.importorskip("dns.rrset")
import dns.flags  # noqa: E402
import dns.name  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402


def response_wire():
    query = dns_message.make_query("www.example.com", "A", id=0xBEEF)
    r = dns_message.make_response(query)
    r.flags |= dns.flags.AA
    r.answer.append(dns.rrset.from_text("www.example.com.", 300, "IN", "CNAME", "web.example.com."))
    r.answer.append(dns.rrset.from_text("web.example.com.", 300, "IN", "A", "192.0.2.1", "192.0.2.2"))
    r.answer.append(dns.rrset.from_text("web.example.com.", 300, "IN", "AAAA", "2001:db8::1"))
    r.answer.append(dns.rrset.from_text("example.com.", 3600, "IN", "MX", "10 mail.example.com.",
                                        "20 mx2.example.net."))
    r.answer.append(dns.rrset.from_text("example.com.", 60, "IN", "TXT", '"v=spf1 -all" "second string"', '""'))
    r.authority.append(dns.rrset.from_text("example.com.", 900, "IN", "SOA",
                                           "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"))
    r.authority.append(dns.rrset.from_text("example.com.", 900, "IN", "NS", "ns1.example.com."))
    r.additional.append(dns.rrset.from_text("ns1.example.com.", 900, "IN", "A", "192.0.2.53"))
    r.additional.append(dns.rrset.from_text("1.2.0.192.in-addr.arpa.", 900, "IN", "PTR", "web.example.com."))
    r.additional.append(dns.rrset.from_text("example.com.", 900, "IN", "HINFO", '"cpu" "os"'))
    return r.to_wire()


WIRES = {
    "query": lambda: dns_message.make_query("www.example.com", "AAAA", id=1).to_wire(),
    "query with edns": lambda: dns_message.make_query("example.org", "MX", use_edns=0, want_dnssec=True).to_wire(),
    "response": response_wire,
    "nxdomain": lambda: dns_message.make_response(dns_message.make_query("nope.invalid", "A")).to_wire(),
}


def records(msg):
    """dnspython's records, one (rrset, rdata) per resource record, in wire order."""
    out = []
    for section in (msg.answer, msg.authority, msg.additional):
        for rrset in section:
            out.extend((rrset, rd) for rd in rrset)
    return out


def check_rdata(ours, wire, rd):
    if rd.rdtype == dns.rdatatype.A or rd.rdtype == dns.rdatatype.AAAA:
        assert ours.rdata == ipaddress.ip_address(rd.address)  # an ipaddress object, not its bytes
    elif rd.rdtype in (dns.rdatatype.CNAME, dns.rdatatype.NS, dns.rdatatype.PTR):
        assert isinstance(ours.rdata, Name)
        assert Message.parse(wire).name_text(ours.rdata, wire) == rd.target.to_text()
    elif rd.rdtype == dns.rdatatype.MX:
        assert isinstance(ours.rdata, MX) and ours.rdata.preference == rd.preference
        assert Message.parse(wire).name_text(ours.rdata.exchange, wire) == rd.exchange.to_text()
    elif rd.rdtype == dns.rdatatype.TXT:
        assert ours.rdata == list(rd.strings)
    elif rd.rdtype == dns.rdatatype.SOA:
        soa = ours.rdata
        assert isinstance(soa, SOA)
        msg = Message.parse(wire)
        assert (msg.name_text(soa.mname, wire), msg.name_text(soa.rname, wire)) == (rd.mname.to_text(),
                                                                                   rd.rname.to_text())
        assert (soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum) == (rd.serial, rd.refresh, rd.retry,
                                                                                 rd.expire, rd.minimum)
    else:
        assert ours.rdata == rd.to_wire()


@pytest.mark.parametrize("kind", sorted(WIRES))
def test_message_matches_dnspython_and_rebuilds(kind):
    wire = WIRES[kind]()
    ours = Message.parse(wire)
    theirs = dns_message.from_wire(wire)
    flags = theirs.flags
    assert ours.id == theirs.id
    assert (ours.qr, ours.aa, ours.tc, ours.rd, ours.ra) == tuple(
        int(bool(flags & f)) for f in (dns.flags.QR, dns.flags.AA, dns.flags.TC, dns.flags.RD, dns.flags.RA))
    assert ours.z == (flags >> 4) & 7  # Z of RFC 1035 holds AD and CD (RFC 4035) in dnspython
    assert (ours.opcode, ours.rcode) == (theirs.opcode(), theirs.rcode() & 0xF)
    assert [ours.name_text(q.qname, wire) for q in ours.questions] == [q.name.to_text() for q in theirs.question]
    assert [(q.qtype, q.qclass) for q in ours.questions] == [(q.rdtype, q.rdclass) for q in theirs.question]
    ours_rrs = ours.answers + ours.authorities + [rr for rr in ours.additionals if rr.type != RRType.OPT]
    assert (ours.ancount, ours.nscount) == (len(ours.answers), len(ours.authorities))
    theirs_rrs = records(theirs)
    assert len(ours_rrs) == len(theirs_rrs)
    for rr, (rrset, rd) in zip(ours_rrs, theirs_rrs):
        assert ours.name_text(rr.name, wire) == rrset.name.to_text()
        assert (rr.type, rr.class_, rr.ttl) == (rrset.rdtype, rrset.rdclass, rrset.ttl)
        check_rdata(rr, wire, rd)
    opt = [rr for rr in ours.additionals if rr.type == RRType.OPT]
    if theirs.edns >= 0:
        assert len(opt) == 1 and opt[0].class_ == theirs.payload and opt[0].ttl == theirs.ednsflags
    assert Message.build(ours) == wire
    assert ours.name_text(ours.questions[0].qname) == theirs.question[0].name.to_text()  # wire rebuilt
    # every name of the message, dotted and with pointers followed, as dnspython reads it
    names = ours.names()
    expected = {"questions[%d].qname" % i: q.name.to_text() for i, q in enumerate(theirs.question)}
    sections = [("answers", ours.answers), ("authorities", ours.authorities), ("additionals", ours.additionals)]
    at = ["%s[%d]" % (section, i) for section, rrs in sections for i, rr in enumerate(rrs) if rr.type != RRType.OPT]
    for path, (rrset, rd) in zip(at, theirs_rrs):
        expected[path + ".name"] = rrset.name.to_text()
        for attr, suffix in (("target", ".rdata"), ("exchange", ".rdata.exchange"), ("mname", ".rdata.mname"),
                             ("rname", ".rdata.rname")):
            if hasattr(rd, attr):
                expected[path + suffix] = getattr(rd, attr).to_text()
    opt_names = {"additionals[%d].name" % i for i, rr in enumerate(ours.additionals) if rr.type == RRType.OPT}
    assert {k: v for k, v in names.items() if k not in opt_names} == expected


def test_names_keep_compression_pointers():
    wire = response_wire()
    msg = Message.parse(wire)
    answer = msg.answers[0]
    assert [label.kind for label in answer.name.labels] == [3]
    assert answer.name.labels[0].offset == 12  # dnspython points back at the question name
    assert msg.name_text(Name(labels=[Label.pointer_to(12)]), wire) == "www.example.com."


def test_edit_recomputes_counts_and_lengths():
    wire = response_wire()
    msg = Message.parse(wire)
    msg.answers[1].rdata = ipaddress.ip_address("203.0.113.77").packed
    msg.answers[6].rdata = [b"a longer text than before", b"and one more"]
    msg.answers.append(ResourceRecord(name=Name.from_text("new.example.com"), type=RRType.AAAA, class_=RRClass.IN,
                                      ttl=5, rdata=ipaddress.ip_address("2001:db8::99").packed))
    msg.answers.append(ResourceRecord(name=Name(labels=[Label.text_label(b"alias"), Label.pointer_to(12)]),
                                      type=RRType.CNAME, class_=RRClass.IN, ttl=5, rdata=Name.from_text("x.y")))
    del msg.additionals[-1]
    out = Message.build(msg)
    theirs = dns_message.from_wire(out)
    answers = {(rrset.name.to_text(), rrset.rdtype): rrset for rrset in theirs.answer}
    other = str(ipaddress.ip_address(msg.answers[2].rdata))
    assert sorted(r.address for r in answers["web.example.com.", dns.rdatatype.A]) == sorted(["203.0.113.77", other])
    assert (b"a longer text than before", b"and one more") in [r.strings for r in answers["example.com.",
                                                                                          dns.rdatatype.TXT]]
    assert [r.address for r in answers["new.example.com.", dns.rdatatype.AAAA]] == ["2001:db8::99"]
    assert [r.target.to_text() for r in answers["alias.www.example.com.", dns.rdatatype.CNAME]] == ["x.y."]
    assert len(theirs.additional) == 2
    again = Message.parse(out)
    assert (again.ancount, again.arcount) == (len(msg.answers), len(msg.additionals))


def test_pointer_loops_and_bad_pointers_raise_parse_error():
    wire = bytearray(response_wire())
    msg = Message.parse(bytes(wire))
    # the first answer's name is a pointer at offset 12; make the question name end in a pointer to itself
    loop = bytearray(wire)
    end = 12 + len(Name.build(msg.questions[0].qname)) - 1  # the question name's root label
    q_tail = bytes(loop[end + 1:])
    loop[end:end + 1] = bytes([0xC0, 12])  # ...com -> back to www
    looped = bytes(loop[:end + 2]) + q_tail
    with pytest.raises(ParseError, match="loop"):
        Message.parse(looped).name_text(Message.parse(looped).questions[0].qname)
    with pytest.raises(ParseError, match="past the end"):
        msg.name_text(Name(labels=[Label.pointer_to(len(wire) + 5)]), bytes(wire))
    reserved = bytearray(wire)
    reserved[12] = 0x43  # label type 01: reserved (RFC 1035 4.1.4)
    with pytest.raises(ParseError):
        Message.parse(bytes(reserved))


def test_truncated_messages_raise_parse_error():
    wire = response_wire()
    for cut in range(len(wire)):
        with pytest.raises(ParseError):
            Message.parse(wire[:cut])
    bad = bytearray(wire)
    bad[7] = 200  # ANCOUNT far larger than the records present
    with pytest.raises(ParseError):
        Message.parse(bytes(bad))


def test_cli_dump_dns(capsys, tmp_path):
    path = tmp_path / "response.bin"
    path.write_bytes(response_wire())
    assert main(["dump", str(path), "--format", "dns", "--color", "never"]) == 0
    out = capsys.readouterr().out
    msg = Message.parse(path.read_bytes())
    for i, rr in enumerate(msg.answers):
        if rr.type == RRType.MX:
            assert "answers[%d].rdata.preference = %d" % (i, rr.rdata.preference) in out
    assert "questions[0].qname.labels[0].data = b'www'" in out
