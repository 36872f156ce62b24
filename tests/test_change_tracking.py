"""Derived values that came from parse stand while what they depend on is unchanged (issue 17).

Real files carry inconsistent lengths and checksums (checksum offloading leaves them to the network
card). ``build(parse(x)) == x`` must hold for them too, and an edit must change only the values that
depend on it. The truth: the input bytes themselves, dpkt's capture writer, and RFC 1071's checksum
written out here.
"""

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binmodel import Array, BuildError, Bytes, ParseError, Struct, check, count_of, len_of, this, u8, u16be
from binmodel.building import compiled_build
from binmodel.building.interpreter import build as interpreted_build

dpkt = pytest.importorskip("dpkt")
from binmodel.formats import Pcap  # noqa: E402
from test_format_pcap import frames, write_pcap  # noqa: E402


class Chunk(Struct, endian="big"):
    length: int = u8(derive=len_of("data"))
    data: bytes = Bytes(this.length)
    crc: int = u16be(derive=lambda this: zlib.crc32(this.data) & 0xFFFF)


class File(Struct, endian="big"):
    size: int = u16be(derive=len_of("chunks") + 3)  # a total a writer may get wrong
    count: int = u8(derive=count_of("chunks"))
    chunks: list = Array(Chunk, count=this.count)
    total: int = u8(derive=lambda this: sum(len(c.data) for c in this.chunks) & 0xFF)


def both(obj):
    """The bytes from the generated builder and from the interpreter, which must agree."""
    node = type(obj)._bm_node
    made, reference = compiled_build(node, obj), interpreted_build(node, obj)
    assert made == reference
    return made


def file_bytes(chunks, size=None, total=None):
    body = b"".join(bytes([len(d)]) + d + struct.pack(">H", zlib.crc32(d) & 0xFFFF) for d in chunks)
    size = len(body) + 3 if size is None else size
    total = sum(len(d) for d in chunks) & 0xFF if total is None else total
    return struct.pack(">HB", size, len(chunks)) + body + bytes([total])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_anything_that_parses_builds_back_to_itself(data):
    try:
        obj = File.parse(data)
    except ParseError:
        return
    assert both(obj) == data
    assert File.build(File.parse(data)) == data


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=6), min_size=2, max_size=5), st.data())
def test_an_edit_changes_only_what_depends_on_it(chunks, draw):
    wrong = draw.draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    raw = bytearray(file_bytes(chunks, size=0xBEEF))  # the total size is wrong from the start
    at = 3
    for d, bad in zip(chunks, wrong):  # and some chunk checksums
        if bad:
            raw[at + 1 + len(d)] ^= 0xFF
        at += 3 + len(d)
    raw = bytes(raw)
    edited = draw.draw(st.integers(0, len(chunks) - 1))
    new_data = draw.draw(st.binary(max_size=6).filter(lambda b: b != chunks[edited]))
    before, obj = File.parse(raw), File.parse(raw)
    obj.chunks[edited].data = new_data
    after = File.parse(both(obj))
    for i, (old, new) in enumerate(zip(before.chunks, after.chunks)):
        if i != edited:
            assert new == old  # a stale checksum of an untouched chunk stays
    assert after.chunks[edited].length == len(new_data)
    assert after.chunks[edited].crc == zlib.crc32(new_data) & 0xFFFF
    assert after.count == len(chunks)
    assert after.total == sum(len(c.data) for c in after.chunks) & 0xFF
    if len(new_data) == len(chunks[edited]):
        assert after.size == 0xBEEF  # the chunks take as many bytes as before: the wrong size stands
    else:
        assert after.size == len(b"".join(Chunk.build(c) for c in after.chunks)) + 3


def test_refresh_recomputes_every_derived_value():
    raw = file_bytes([b"ab", b"cde"], size=1, total=9)
    obj = File.parse(raw)
    assert File.build(obj) == raw
    fixed = File.build(obj, refresh=True)
    assert fixed == file_bytes([b"ab", b"cde"]) == interpreted_build(File._bm_node, obj, refresh=True)
    assert obj.to_bytes(refresh=True) == fixed


def test_check_lists_the_values_that_disagree_with_their_data():
    obj = File.parse(file_bytes([b"ab", b"cde"], size=1, total=9))
    assert [(d.path, d.stored, d.computed) for d in check(obj)] == [("size", 1, 14), ("total", 9, 5)]
    assert check(File.parse(file_bytes([b"ab"]))) == []
    obj.chunks[0].data = b"xyz"  # an edit: the chunk's own length and crc no longer match it
    paths = [d.path for d in check(obj)]
    assert "chunks[0].length" in paths and "chunks[0].crc" in paths


def test_a_value_set_by_hand_must_still_agree():
    obj = File.parse(file_bytes([b"ab"]))
    obj.chunks[0].length = 7
    with pytest.raises(BuildError, match="length is 7"):
        File.build(obj)


def test_objects_made_by_hand_get_computed_values():
    assert File.build(File(chunks=[Chunk(data=b"ab")])) == file_bytes([b"ab"])


# --- captures with checksums left to the network card ------------------------------------------

def internet_checksum(data):
    """RFC 1071: the ones' complement of the ones' complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def offloaded_capture():
    """A dpkt capture whose IPv4 frames (not 802.1Q-tagged) carry wrong IPv4 and UDP/TCP checksums,
    and where each checksum field is, in the file."""
    raw = bytearray(write_pcap())
    at, spots = 24, []
    while at < len(raw):
        incl = struct.unpack_from("<I", raw, at + 8)[0]
        frame = at + 16
        if raw[frame + 12:frame + 14] == b"\x08\x00":
            ip = frame + 14
            spots.append(ip + 10)
            proto, body = raw[ip + 9], ip + (raw[ip] & 15) * 4
            spots.append(body + (6 if proto == 17 else 16))
        at = frame + incl
    for spot in spots:
        raw[spot] ^= 0x5A  # what a sending host's capture shows: a value the card was to replace
    return bytes(raw), spots


def test_a_capture_with_offloaded_checksums_builds_back_byte_for_byte():
    raw, spots = offloaded_capture()
    assert len(spots) >= 10
    capture = Pcap.parse(raw)
    assert both(capture) == raw
    assert len(check(capture)) == len(spots)


def test_editing_one_packet_fixes_only_what_depends_on_the_edit():
    raw, _ = offloaded_capture()
    capture = Pcap.parse(raw)
    kinds = [kind for _, kind in frames()]
    k = kinds.index("tcp with options")
    ip = capture.body.records[k].data.payload
    ip.ttl = 5
    out = both(capture)
    again, before = Pcap.parse(out), Pcap.parse(raw)
    for i, (new, old) in enumerate(zip(again.body.records, before.body.records)):
        if i != k:
            assert new == old
    new_ip, old_ip = again.body.records[k].data.payload, before.body.records[k].data.payload
    at = out.index(struct.pack("!BB", 5, 6), 24) - 8  # the edited header: TTL 5, protocol TCP
    assert internet_checksum(out[at:at + new_ip.ihl * 4]) == 0  # the TTL changed: its checksum is right now
    assert new_ip.ttl == 5 and new_ip.header_checksum != old_ip.header_checksum
    # the TCP checksum does not cover the TTL: it stays as the file had it (still wrong)
    assert new_ip.payload.checksum == old_ip.payload.checksum
    theirs = [dpkt.ethernet.Ethernet(frame) for _, frame in dpkt.pcap.Reader(io.BytesIO(out))]
    assert theirs[k].data.ttl == 5 and theirs[k].data.sum == new_ip.header_checksum  # dpkt reads the edit
    assert (new_ip.payload.options, new_ip.payload.data) == (old_ip.payload.options, old_ip.payload.data)


def test_refresh_gives_a_capture_with_every_checksum_right():
    raw, _ = offloaded_capture()
    fixed = Pcap.build(Pcap.parse(raw), refresh=True)
    assert fixed == write_pcap()
