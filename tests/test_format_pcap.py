"""pcap files with Ethernet, 802.1Q, ARP, IPv4, IPv6, UDP, TCP and DNS, written and read back by dpkt."""

import calendar
import datetime
import io
import ipaddress
import struct

import pytest

from binmodel import BuildError, ParseError
from binmodel.cli import main
from binmodel.dump import dump_lines
from binmodel.formats import Pcap
from binmodel.formats.dns import ResourceRecord, RRClass, RRType
from binmodel.formats.ethernet import ARP, Ethernet, VLANTag
from binmodel.formats.ip import IPv4, IPv6
from binmodel.formats.transport import TCP, UDP, OptionKind, TCPOption
from binmodel.malformed import Malformed

dpkt = pytest.importorskip("dpkt")
from dpkt.utils import inet_to_str, mac_to_str  # noqa: E402

dns_message = pytest.importorskip("dns.message")
pytest.importorskip("dns.rrset")
import dns.rrset  # noqa: E402

MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
V4_A, V4_B = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 7])
V6_A, V6_B = bytes.fromhex("20010db8" + "00" * 11 + "01"), bytes.fromhex("20010db8" + "00" * 11 + "02")
TCP_OPTS = (b"\x02\x04\x05\xb4"  # MSS 1460
            b"\x01"  # NOP
            b"\x03\x03\x07"  # window scale 7
            b"\x04\x02"  # SACK permitted
            b"\x08\x0a\x00\x01\x02\x03\x00\x00\x00\x00"  # timestamps
            b"\x01\x01\x05\x0a\x00\x00\x00\x10\x00\x00\x00\x20"  # NOP NOP SACK one block
            b"\x00\x00")  # EOL and padding to 4 bytes


def dns_query():
    return dns_message.make_query("www.example.com", "AAAA", id=4242).to_wire()


def dns_response():
    query = dns_message.make_query("www.example.com", "A", id=4243)
    response = dns_message.make_response(query)
    response.answer.append(dns.rrset.from_text("www.example.com.", 60, "IN", "CNAME", "web.example.com."))
    response.answer.append(dns.rrset.from_text("web.example.com.", 60, "IN", "A", "192.0.2.80"))
    return response.to_wire()


def ipv4(proto, payload, **kw):
    ip = dpkt.ip.IP(src=V4_A, dst=V4_B, p=proto, data=payload, id=77, ttl=61, **kw)
    ip.hl = 5 + len(ip.opts) // 4
    ip.len = ip.__hdr_len__ + len(ip.opts) + len(payload)
    return ip


def ethernet(ethertype, payload):
    return bytes(dpkt.ethernet.Ethernet(src=MAC_A, dst=MAC_B, type=ethertype, data=payload))


def udp(sport, dport, data):
    u = dpkt.udp.UDP(sport=sport, dport=dport, data=data)
    u.ulen = len(u)
    return u


def tcp(data, opts=TCP_OPTS, flags=dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK):
    t = dpkt.tcp.TCP(sport=443, dport=50000, seq=0x01020304, ack=0xA0B0C0D0, flags=flags, win=29200,
                     opts=opts, data=data)
    t.off = 5 + len(opts) // 4
    return t


def ipv6(nxt, payload):
    ip = dpkt.ip6.IP6(src=V6_A, dst=V6_B, nxt=nxt, hlim=33, fc=0x2E, flow=0x12345, data=payload)
    ip.plen = len(payload)
    return ip


def frames():
    """(frame bytes, what it is) made by dpkt; checksums are computed by dpkt when packing."""
    arp = dpkt.arp.ARP(sha=MAC_A, spa=V4_A, tha=b"\0" * 6, tpa=V4_B, op=dpkt.arp.ARP_OP_REQUEST)
    small = ethernet(0x0800, ipv4(17, udp(7, 7, b"x")))
    vlan_inner = bytes(ipv4(17, udp(1000, 2000, b"tagged")))
    vlan = MAC_B + MAC_A + struct.pack("!HHH", 0x8100, (5 << 13) | 100, 0x0800) + vlan_inner
    return [
        (ethernet(0x0800, ipv4(17, udp(33000, 53, dns_query()))), "dns query"),
        (ethernet(0x0800, ipv4(17, udp(53, 33000, dns_response()))), "dns response"),
        (ethernet(0x0800, ipv4(6, tcp(b"GET / HTTP/1.1\r\n\r\n"))), "tcp with options"),
        (ethernet(0x0800, ipv4(6, tcp(b"", opts=b"", flags=dpkt.tcp.TH_RST))), "tcp without options"),
        (ethernet(0x0800, ipv4(17, udp(1, 2, b"with ip options"), opts=b"\x94\x04\x00\x00")), "ip options"),
        (ethernet(0x86DD, ipv6(17, udp(5000, 6000, b"v6 datagram"))), "ipv6 udp"),
        (ethernet(0x86DD, ipv6(6, tcp(b"v6 segment"))), "ipv6 tcp"),
        (ethernet(0x0806, arp) + b"\0" * 18, "arp padded"),
        (small + b"\0" * (60 - len(small)), "udp padded"),
        (vlan, "802.1q"),
    ]


def write_pcap(nano=False, big_endian=False, snaplen=1500, packets=None):
    packets = packets if packets is not None else frames()
    if not big_endian:
        out = io.BytesIO()
        writer = dpkt.pcap.Writer(out, snaplen=snaplen, nano=nano)
        for i, (frame, _) in enumerate(packets):
            writer.writepkt(frame, ts=1700000000 + i + 0.25)
        return out.getvalue()
    # dpkt writes the host's byte order only: a big-endian file by hand, as libpcap on big-endian hosts does
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(">IHHiIII", magic, 2, 4, 0, 0, snaplen, 1)
    for i, (frame, _) in enumerate(packets):
        out += struct.pack(">IIII", 1700000000 + i, 250000000 if nano else 250000, len(frame), len(frame)) + frame
    return out


def check_ip4(ours, theirs):
    assert (ours.version, ours.ihl) == (theirs.v, theirs.hl)
    assert (ours.dscp << 2) | ours.ecn == theirs.tos
    assert (ours.total_length, ours.identification, ours.ttl, ours.protocol) == (theirs.len, theirs.id, theirs.ttl,
                                                                                 theirs.p)
    assert (ours.df, ours.mf, ours.fragment_offset) == (theirs.df, theirs.mf, theirs.offset >> 3)
    assert (ours.header_checksum, ours.options) == (theirs.sum, theirs.opts)
    assert (str(ours.src), str(ours.dst)) == (inet_to_str(theirs.src), inet_to_str(theirs.dst))


def check_ip6(ours, theirs):
    assert (ours.version, ours.traffic_class, ours.flow_label) == (theirs.v, theirs.fc, theirs.flow)
    assert (ours.payload_length, ours.next_header, ours.hop_limit) == (theirs.plen, theirs.nxt, theirs.hlim)
    assert (str(ours.src), str(ours.dst)) == (inet_to_str(theirs.src), inet_to_str(theirs.dst))


def check_transport(ours, theirs):
    assert (ours.src_port, ours.dst_port, ours.checksum) == (theirs.sport, theirs.dport, theirs.sum)
    if isinstance(ours, UDP):
        assert ours.length == theirs.ulen
        data = ours.data if isinstance(ours.data, bytes) else ours.data.to_bytes()
        assert data == theirs.data
        if 53 in (ours.src_port, ours.dst_port):
            assert dns_message.from_wire(theirs.data).id == ours.data.id
        return
    assert (ours.seq, ours.ack, ours.data_offset, ours.flags, ours.window, ours.urgent_pointer) == (
        theirs.seq, theirs.ack, theirs.off, theirs.flags, theirs.win, theirs.urp)
    assert ours.data == theirs.data
    assert [o.kind for o in ours.options] == [k for k, _ in dpkt.tcp.parse_opts(theirs.opts)]
    for o, (_, value) in zip(ours.options, dpkt.tcp.parse_opts(theirs.opts)):
        if o.kind == OptionKind.MSS:
            assert o.data == struct.unpack(">H", value)[0]
        elif o.kind == OptionKind.WINDOW_SCALE:
            assert o.data == value[0]
        elif o.kind == OptionKind.TIMESTAMPS:
            assert (o.data.ts_val, o.data.ts_ecr) == struct.unpack(">II", value)
        elif o.kind == OptionKind.SACK:
            assert [(b.left_edge, b.right_edge) for b in o.data] == list(zip(*[iter(struct.unpack(
                ">%dI" % (len(value) // 4), value))] * 2))
        elif o.kind > OptionKind.NOP:
            assert o.data == value


def check_frame(ours, raw):
    eth = dpkt.ethernet.Ethernet(raw)
    assert isinstance(ours, Ethernet)
    assert (ours.dst, ours.src) == (mac_to_str(eth.dst), mac_to_str(eth.src))  # aa:bb:cc:dd:ee:ff, as dpkt writes it
    payload = ours.payload
    header = 18 if isinstance(payload, VLANTag) else 14
    if isinstance(payload, VLANTag):
        tag = eth.vlan_tags[0]
        assert (ours.type, payload.pcp, payload.dei, payload.vid, payload.type) == (0x8100, tag.pri, tag.cfi, tag.id,
                                                                                    tag.type)
        payload = payload.payload
    else:
        assert ours.type == eth.type
    if isinstance(payload, IPv4):
        check_ip4(payload, eth.data)
        check_transport(payload.payload, eth.data.data)
        end = eth.data.len
    elif isinstance(payload, IPv6):
        check_ip6(payload, eth.data)
        check_transport(payload.payload, eth.data.data)
        end = 40 + eth.data.plen
    else:
        assert isinstance(payload, ARP)
        a = eth.data
        assert (payload.hrd, payload.pro, payload.hln, payload.pln, payload.op) == (a.hrd, a.pro, a.hln, a.pln, a.op)
        assert (payload.sha, payload.tha) == (mac_to_str(a.sha), mac_to_str(a.tha))
        assert (str(payload.spa), str(payload.tpa)) == (inet_to_str(a.spa), inet_to_str(a.tpa))
        end = 8 + 2 * (a.hln + a.pln)  # dpkt keeps the padding as the ARP payload
    # what follows the network packet (by its own length) is the Ethernet padding, kept
    assert ours.trailer == raw[header + end:]


@pytest.mark.parametrize("nano", [False, True])
@pytest.mark.parametrize("big_endian", [False, True])
def test_pcap_matches_dpkt_and_rebuilds(nano, big_endian):
    data = write_pcap(nano=nano, big_endian=big_endian)
    pcap = Pcap.parse(data)
    reader = dpkt.pcap.Reader(io.BytesIO(data))
    assert pcap.nanoseconds == nano
    fh = dpkt.pcap.FileHdr(data[:24])  # big-endian, and little-endian if the magic reads swapped, as dpkt does
    if fh.magic not in (dpkt.pcap.TCPDUMP_MAGIC, dpkt.pcap.TCPDUMP_MAGIC_NANO):
        fh = dpkt.pcap.LEFileHdr(data[:24])
    assert (pcap.header.version_major, pcap.header.version_minor, pcap.header.sigfigs) == (fh.v_major, fh.v_minor,
                                                                                          fh.sigfigs)
    assert (pcap.header.snaplen, pcap.header.network, pcap.header.thiszone) == (reader.snaplen, reader.datalink(),
                                                                                fh.thiszone)
    packets = list(reader)
    assert len(pcap.records) == len(packets) == len(frames())
    for i, (record, (ts, raw)) in enumerate(zip(pcap.records, packets)):
        assert record.ts.timestamp() == pytest.approx(ts) and record.ts.tzinfo == datetime.timezone.utc
        assert calendar.timegm(record.ts.timetuple()) == int(ts) == 1700000000 + i
        assert record.ts.microsecond == 250000  # what write_pcap wrote: 0.25 s
        assert record.incl_len == record.orig_len == len(raw)
        check_frame(record.data, raw)
        assert Ethernet.build(record.data) == raw
    assert Pcap.build(pcap) == data


def test_each_layer_parses_alone_from_dpkt_bytes():
    query = dns_query()
    ip = bytes(ipv4(17, udp(33000, 53, query)))
    parsed = IPv4.parse(ip)
    assert parsed.payload.data.to_bytes() == query
    assert IPv4.build(parsed) == ip
    arp = bytes(dpkt.arp.ARP(sha=MAC_A, spa=V4_A, tha=MAC_B, tpa=V4_B, op=2))
    assert ARP.build(ARP.parse(arp)) == arp
    assert ARP.build(ARP(op=2, sha=mac_to_str(MAC_A), spa=inet_to_str(V4_A), tha=mac_to_str(MAC_B),
                         tpa=ipaddress.IPv4Address(V4_B))) == arp  # from the addresses as people write them
    v6 = bytes(ipv6(6, tcp(b"data")))
    assert IPv6.build(IPv6.parse(v6)) == v6


def test_snaplen_cut_packets_stay_bytes():
    packets = [(f, w) for f, w in frames()]
    data = bytearray(write_pcap(packets=packets[:1], snaplen=40))
    # dpkt's Writer does not cut: cut the record as a capture with snaplen 40 would (incl_len 40, orig_len kept)
    (incl,) = struct.unpack_from("<I", data, 24 + 8)
    cut = bytes(data[:24 + 8]) + struct.pack("<II", 40, incl) + bytes(data[24 + 16:24 + 16 + 40])
    pcap = Pcap.parse(cut)
    assert pcap.records[0].data == bytes(data[24 + 16:24 + 16 + 40])
    ts, raw = next(iter(dpkt.pcap.Reader(io.BytesIO(cut))))
    assert raw == pcap.records[0].data and Pcap.build(pcap) == cut


def dpkt_checksums_ok(frame):
    """dpkt's verdict: zero the checksums, let dpkt compute them again, compare with what was written."""
    eth = dpkt.ethernet.Ethernet(frame)
    ip = eth.data
    written = (ip.sum, ip.data.sum)
    ip.sum = 0
    ip.data.sum = 0
    again = dpkt.ethernet.Ethernet(bytes(eth)).data
    return written == (again.sum, again.data.sum) and dpkt.in_cksum(bytes(ip)[:ip.hl * 4]) == 0


def test_edit_recomputes_lengths_and_checksums():
    pcap = Pcap.parse(write_pcap())
    answer = pcap.records[1].data.payload.payload.data  # the DNS response
    answer.answers[1].rdata = bytes([203, 0, 113, 9])
    answer.answers[0].ttl = 7
    txt = dns.rrset.from_text("web.example.com.", 5, "IN", "TXT", '"edited by binmodel"')
    answer.additionals.append(ResourceRecord(name=answer.answers[1].name, type=RRType.TXT, class_=RRClass.IN,
                                             ttl=5, rdata=list(txt[0].strings)))
    segment = pcap.records[2].data.payload.payload
    segment.data = b"POST /longer/path HTTP/1.1\r\n\r\n"
    v6 = pcap.records[5].data.payload.payload
    v6.data = b"a much longer IPv6 datagram body"
    for i in (1, 2, 5):
        pcap.records[i].orig_len = len(Ethernet.build(pcap.records[i].data))
    out = Pcap.build(pcap)
    packets = [raw for _, raw in dpkt.pcap.Reader(io.BytesIO(out))]
    msg = dns_message.from_wire(dpkt.ethernet.Ethernet(packets[1]).data.data.data)
    assert [str(r) for r in msg.answer[1]] == ["203.0.113.9"] and msg.answer[0].ttl == 7
    assert [r.strings for r in msg.additional[0]] == [(b"edited by binmodel",)]
    assert dpkt.ethernet.Ethernet(packets[2]).data.data.data == segment.data
    assert dpkt.ethernet.Ethernet(packets[5]).data.data.data == v6.data
    for i in (1, 2):
        assert dpkt_checksums_ok(packets[i])
    six = dpkt.ethernet.Ethernet(packets[5]).data
    written = six.data.sum
    six.data.sum = 0  # dpkt computes the IPv6 pseudo-header checksum when packing
    assert dpkt.ip6.IP6(bytes(six)).data.sum == written
    assert Pcap.parse(out).records[1].data.payload.total_length == len(dpkt.ethernet.Ethernet(packets[1]).data)


def test_frame_built_from_scratch_is_read_by_dpkt():
    frame = Ethernet(dst=MAC_B, src=MAC_A, type=0x0800, payload=IPv4(
        protocol=6, src=V4_A, dst=V4_B, payload=TCP(src_port=1, dst_port=2, seq=3, ack=0, flags=2, window=1024, data=b"hi", options=[
            TCPOption(kind=OptionKind.MSS, data=1400), TCPOption(kind=OptionKind.NOP),
            TCPOption(kind=OptionKind.WINDOW_SCALE, data=9), TCPOption(kind=OptionKind.NOP), TCPOption(kind=OptionKind.NOP),
            TCPOption(kind=OptionKind.SACK_PERMITTED, data=b"")])))
    raw = Ethernet.build(frame)
    assert dpkt_checksums_ok(raw)
    seg = dpkt.ethernet.Ethernet(raw).data.data
    assert (seg.sport, seg.dport, seg.seq, seg.flags, seg.data, seg.off) == (1, 2, 3, 2, b"hi", 8)
    assert dpkt.tcp.parse_opts(seg.opts) == [(2, b"\x05\x78"), (1, b""), (3, b"\x09"), (1, b""), (1, b""),
                                              (4, b"")]


def test_truncated_and_corrupted_records_are_kept_as_malformed():
    """Records are framed (Array(..., on_error="keep")): a bad one is kept with its error, the rest is read."""
    data = write_pcap()
    ends, pos = {24}, 24  # a file cut right after a record is a shorter valid file
    for _, raw in dpkt.pcap.Reader(io.BytesIO(data)):
        pos += 16 + len(raw)
        ends.add(pos)
    for cut in range(0, len(data), 3):
        if cut < 24:  # the file header is not a record: nothing to keep
            with pytest.raises(ParseError):
                Pcap.parse(data[:cut])
        elif cut not in ends:
            capture = Pcap.parse(data[:cut])
            last = capture.body.records[-1]
            assert isinstance(last, Malformed) or isinstance(last.data, Malformed)
            assert Pcap.build(capture) == data[:cut]
    bad = bytearray(data)
    bad[24 + 16 + 14] = 0x43  # first frame: IPv4 IHL 3 (< 5)
    capture = Pcap.parse(bytes(bad))
    first = capture.body.records[0]
    assert isinstance(first.data, Malformed) and first.data.error.path.startswith("body.records[0].data.payload")
    assert first.data == bytes(bad[24 + 16:24 + 16 + first.incl_len])
    good = Pcap.parse(data).body.records
    assert capture.body.records[1:] == good[1:]
    assert Pcap.build(capture) == bytes(bad)
    assert [e.path.split(".data")[0] for e in Pcap.parse_trace(bytes(bad)).errors] == ["body.records[0]"]
    bad = bytearray(data)
    bad[:4] = b"\0\0\0\0"
    with pytest.raises(ParseError):
        Pcap.parse(bytes(bad))


def test_a_udp_length_that_disagrees_with_its_ip_packet_fails_only_that_packet():
    """A real writer's capture: UDP Length 8 while the IPv4 packet carries payload bytes after the header."""
    packets = frames()
    odd = bytearray(packets[4][0])  # udp(1, 2, b"with ip options") inside IPv4 with options
    ihl = (odd[14] & 15) * 4
    struct.pack_into("!H", odd, 14 + ihl + 4, 8)  # UDP Length: the header alone
    packets[4] = (bytes(odd), "udp length 8")
    data = write_pcap(packets=packets)
    capture = Pcap.parse(data)
    records = capture.body.records
    assert len(records) == len(packets)
    for i, (record, (ts, frame)) in enumerate(zip(records, dpkt.pcap.Reader(io.BytesIO(data)))):
        assert (record.ts.timestamp(), record.incl_len) == (pytest.approx(ts), len(frame))
        if i != 4:  # every other packet reads as it does alone, and as dpkt reads it
            assert record.data == Pcap.parse(write_pcap(packets=[packets[i]])).body.records[0].data
            eth = dpkt.ethernet.Ethernet(frame)
            if frame[12:14] == b"\x08\x00":  # (untagged IPv4)
                check_ip4(record.data.payload, eth.data)
    ip = records[4].data.payload
    assert isinstance(ip.payload, Malformed)
    message = str(ip.payload.error)
    assert ip.payload.error.path == "body.records[4].data.payload.payload"
    assert "the UDP read in it takes 8 (its length = 8)" in message and "total_length" in message
    assert Pcap.build(capture) == data
    text = "\n".join("".join(s for s, _ in line) for line in dump_lines(Pcap.parse_trace(data), max_rows=1))
    assert "body.records[4].data.payload.payload: 23 bytes, malformed: the region is 23 bytes" in text
    assert "body.records[9]" in text  # the dump goes on with the records after it


def test_cli_dump_pcap(capsys, tmp_path):
    path = tmp_path / "small.pcap"
    path.write_bytes(write_pcap(packets=frames()[:3]))
    assert main(["dump", str(path), "--format", "pcap", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "body.records[2].data.payload.payload.options[0].data = 1460" in out
    assert "body.records[0].data.payload.payload.data.questions[0].qtype" in out
    path.write_bytes(path.read_bytes()[:100])
    assert main(["dump", str(path), "--format", "pcap", "--color", "never"]) == 1


def test_options_must_fill_whole_words():
    segment = TCP(src_port=1, dst_port=2, seq=0, ack=0, flags=2, window=1, data=b"",
                  options=[TCPOption(kind=OptionKind.WINDOW_SCALE, data=1)])
    with pytest.raises(BuildError, match="data_offset"):
        IPv4.build(IPv4(protocol=6, src=V4_A, dst=V4_B, payload=segment))


def test_cli_dump_ethernet_frame(capsys, tmp_path):
    path = tmp_path / "frame.bin"
    path.write_bytes(frames()[7][0])  # ARP with padding
    assert main(["dump", str(path), "--format", "ethernet", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "payload.op = REQUEST (1)" in out and "trailer = " in out


def test_port_53_payload_that_is_not_dns_stays_bytes():
    odd = b"\xc0\xff not a DNS message"
    frame = ethernet(dpkt.ethernet.ETH_TYPE_IP, ipv4(dpkt.ip.IP_PROTO_UDP, udp(5000, 53, odd)))
    data = write_pcap(packets=[(frame, None)] + frames()[:2])
    pcap = Pcap.parse(data)  # the odd packet does not fail the capture
    datagram = pcap.records[0].data.payload.payload
    assert isinstance(datagram, UDP) and datagram.data == odd
    assert dpkt.ethernet.Ethernet(frame).data.data.data == odd
    assert Pcap.build(pcap) == data


@pytest.mark.parametrize("hln,pln", [(6, 4), (8, 4), (6, 16), (0, 0), (2, 3)])
def test_arp_addresses_are_mac_and_ipv4_where_the_lengths_say_so_and_bytes_otherwise(hln, pln):
    """The packet laid out with struct (RFC 826); dpkt reads the 6/4 ones (it knows no other lengths)."""
    sha, spa, tha, tpa = bytes(range(1, hln + 1)), bytes(range(50, 50 + pln)), bytes(hln), bytes(range(9, 9 + pln))
    raw = struct.pack(">HHBBH", 1, 0x0800, hln, pln, 1) + sha + spa + tha + tpa
    ours = ARP.parse(raw)
    assert (ours.hln, ours.pln) == (hln, pln)
    if hln == 6:
        assert (ours.sha, ours.tha) == (mac_to_str(sha), mac_to_str(tha))
    else:
        assert (ours.sha, ours.tha) == (sha, tha)
    if hln == 6 and pln == 4:
        theirs = dpkt.arp.ARP(raw)
        assert (ours.sha, ours.tha) == (mac_to_str(theirs.sha), mac_to_str(theirs.tha))
        assert (str(ours.spa), str(ours.tpa)) == (inet_to_str(theirs.spa), inet_to_str(theirs.tpa))
    if pln == 4:
        assert isinstance(ours.spa, ipaddress.IPv4Address) and ours.tpa.packed == tpa
    else:
        assert (ours.spa, ours.tpa) == (spa, tpa)
    assert ARP.build(ours) == raw
    ours.sha = "02:00:00:00:00:01" if hln == 6 else b"\x02" * hln
    assert ARP.build(ours)[8:8 + hln] == (bytes.fromhex("020000000001") if hln == 6 else b"\x02" * hln)
