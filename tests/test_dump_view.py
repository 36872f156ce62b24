"""The terminal dump: snapshots (plain and ANSI) of several model shapes, and what every dump must hold.

Snapshots live in tests/snapshots; after an intended change to the output,
regenerate them with ``BINMODEL_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_dump_view.py``
and read the diff before committing. The other tests check properties against
the input bytes themselves, so they hold whatever the snapshots say.
"""

import datetime
import io
import ipaddress
import os
import pathlib
import re
import struct

import pytest

import binmodel
from binmodel import Array, Bits, Bytes, Hex, Padding, Pointer, Struct, i64, this, u8, u16, u32
from binmodel.dump import auto_width, dump, dump_lines, render
from binmodel.formats import PNG
from binmodel.formats.dns import Message
from binmodel.formats.ethernet import Ethernet
from binmodel.formats.ip import IPv4 as IPv4Packet
from binmodel.formats.transport import UDP
from binmodel.values import MAC, DosDateTime, IPv4, UnixTime

SNAPSHOTS = pathlib.Path(__file__).parent / "snapshots"
PNG_DATA = (pathlib.Path(binmodel.__file__).parent / "samples" / "idle_16.png").read_bytes()


class Header(Struct, endian="little"):
    magic: int = u32()
    version: int = u16()
    flags: int = u16()
    length: int = u32()


class Point(Struct, endian="big"):
    x: int = u16()
    y: int = u16()


class Box(Struct, endian="big"):
    name: bytes = Bytes(4)
    corner: Point
    size: Point


class Record(Struct, endian="big"):
    tag: int = u8()
    _pad: None = Padding(1)
    value: int = u16()


class Table(Struct, endian="big"):
    count: int = u8()
    records: list = Array(Record, count=this.count)
    tail: bytes = Bytes(2)


class IPv4Start(Struct, endian="big"):
    version: int = Bits(4)
    ihl: int = Bits(4)
    dscp: int = Bits(6)
    ecn: int = Bits(2)
    total_length: int = u16()


class Stamped(Struct, endian="little"):
    """Values as people write them (binmodel.values, Hex): the snapshot shows their text."""

    magic: int = Hex(u32)
    when: datetime.datetime = UnixTime(u32)
    precise: datetime.datetime = UnixTime(i64, "ns")
    modified: datetime.datetime = DosDateTime()
    host: ipaddress.IPv4Address = IPv4()
    mac: str = MAC()


def dns_frame():
    """An Ethernet frame holding a DNS response (its answer's name a compression pointer), built by the models."""
    header = struct.pack("!6H", 0x1234, 0x8180, 1, 1, 0, 0)
    question = b"\x03www\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 7])
    return Ethernet(dst="02:00:00:00:00:02", src="02:00:00:00:00:01", type=0x0800, payload=IPv4Packet(
        protocol=17, src="192.0.2.53", dst="198.51.100.7", identification=7,
        payload=UDP(src_port=53, dst_port=33000, data=Message.parse(header + question + answer)))).to_bytes()


CASES = {
    "flat": (Header, struct.pack("<IHHI", 0xCAFEBABE, 3, 0x8001, 1234)),
    "nested": (Box, b"box1" + struct.pack(">HHHH", 1, 2, 300, 400)),
    "arrays": (Table, bytes([3]) + b"".join(struct.pack(">BxH", t, v) for t, v in [(1, 10), (2, 20), (3, 30)]) + b"ok"),
    "bits": (IPv4Start, bytes([0x45, 0xB8]) + struct.pack(">H", 60)),
    "failing": (PNG, PNG_DATA[:93]),  # cut after chunk 2: the chunks end before IEND
    "kept": (PNG, PNG_DATA[:100]),  # cut inside chunk 3: kept as Malformed (on_error="keep")
    "values": (Stamped, struct.pack("<IIqI", 0xA1B2C3D4, 1700000000, 1700000000123456789, 0x50222023)
               + bytes([192, 0, 2, 8]) + bytes.fromhex("00005e005301")),
    "dns_frame": (Ethernet, dns_frame()),
}


def text_of(model, data, color, **kw):
    out = io.StringIO()
    kw.setdefault("columns", None)
    lines = dump_lines(model.parse_trace(data), kw.pop("width", 16), legend=True, **kw)
    out.write(render(lines, color, color_system="256"))
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("color", [False, True], ids=["plain", "ansi"])
def test_snapshot(name, color):
    if color:
        pytest.importorskip("rich")
    model, data = CASES[name]
    got = text_of(model, data, color)
    path = SNAPSHOTS / ("%s.%s" % (name, "ansi" if color else "txt"))
    if os.environ.get("BINMODEL_UPDATE_SNAPSHOTS"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")
    assert ("\x1b[" in got) == color


LINE = re.compile(r"^([0-9a-f]{8})  ((?:[0-9a-f]{2} ?)+?)\s{2,}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_hex_row_is_the_input_at_its_offset(name):
    model, data = CASES[name]
    rows = 0
    for line in text_of(model, data, False).splitlines():
        m = LINE.match(line)
        if m:
            offset, shown = int(m.group(1), 16), bytes.fromhex(m.group(2))
            assert data[offset:offset + len(shown)] == shown, line
            rows += 1
    assert rows >= 3


@pytest.mark.parametrize("name", sorted(CASES))
def test_structure_frames_open_and_close_in_the_same_column(name):
    model, data = CASES[name]
    lines = text_of(model, data, False).splitlines()
    guide_col = 10 + 16 * 3 - 1 + 2
    opened = []
    for line in lines:
        guides = line[guide_col:]
        closing = []
        for i, ch in enumerate(guides[::2]):
            if ch == "┌":
                opened.append(i)
            elif ch == "└":
                closing.append(i)
            elif ch not in "│":
                break
        for i in reversed(closing):  # innermost first
            assert opened and opened[-1] == i, line
            opened.pop()
    assert opened == [] or name == "failing"


def test_every_leaf_named_by_full_path_with_its_value():
    trace = Table.parse_trace(CASES["arrays"][1])
    text = text_of(Table, CASES["arrays"][1], False)
    for span in trace.spans:
        if span.kind == "field":
            assert "%s = %s" % (span.path, span.value) in text
    assert "records[2].value = 30 (0x1e)" in text
    assert "records[1]._pad: 1 byte of padding" in text


def test_same_field_same_colour_in_every_element_and_siblings_distinct():
    from binmodel.dump import Palette

    palette = Palette()
    assert palette.color("records[0].tag") == palette.color("records[7].tag")
    assert palette.color("records[0].tag") != palette.color("records[0].value")
    assert palette.color("chunks[1].data.x") != palette.color("chunks[1].data.y")


def test_depth_folds_structures_into_one_labelled_block():
    text = text_of(PNG, PNG_DATA, False, depth=2)
    assert "chunks[0]: Chunk (25 bytes, folded)" in text
    assert "chunks[0].length" not in text
    assert "not covered" not in text  # folded bytes are covered


def test_items_limits_arrays_without_calling_their_bytes_uncovered():
    text = text_of(PNG, PNG_DATA, False, items=2)
    assert "chunks[1].crc" in text and "chunks[2]" not in text
    assert "... 10 more items of chunks (items=2 shown)" in text
    assert "not covered" not in text


def test_offset_and_length_window():
    text = text_of(PNG, PNG_DATA, False, offset=0x21, length=16)
    assert "chunks[1].length = 4" in text and "chunks[1].crc" in text
    assert "chunks[0].length" not in text and "chunks[2].length" not in text


def test_uncovered_bytes_are_marked_in_the_middle_and_at_the_end():
    class Jump(Struct):
        first: int = u8()
        far: int = Pointer(4, u8)

    trace = Jump.parse_trace(b"\x01\x02\x03\x04\x05\x06", allow_trailing=True)
    text = render(dump_lines(trace, legend=False), False)
    assert "00000001  02 03 04" in text and "3 bytes not covered by any field" in text
    assert "00000005  06" in text and "1 byte not covered by any field" in text


def test_narrow_terminal_gets_fewer_bytes_per_row_and_cut_labels():
    assert auto_width(None) == 16 and auto_width(200) == 16 and auto_width(80) == 8 and auto_width(50) == 4
    out = io.StringIO()
    dump(PNG, PNG_DATA, file=out, color="never", columns=70)
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 70 for line in lines)
    assert any(line.endswith("…") for line in lines)
    assert re.match(r"^00000008  00 00 00 0d  ", "\n".join(lines[3:4])) or "00 00 00 0d" in out.getvalue()


def test_no_color_env_and_never(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    pytest.importorskip("rich")
    out = Tty()
    dump(Header, CASES["flat"][1], file=out)
    assert "\x1b[" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    out = Tty()
    dump(Header, CASES["flat"][1], file=out)
    assert "\x1b[" not in out.getvalue()


def test_failure_shows_everything_before_it_then_the_error():
    text = text_of(PNG, PNG_DATA + b"PLT", False)
    before, _, after = text.partition("error: ")
    assert "chunks[2].crc = 2629456188" in before and "chunks[11].type = b'IEND'" in before
    assert after.startswith("at offset %d (0x%x): 3 bytes left over" % (len(PNG_DATA), len(PNG_DATA)))
    assert "50 4c 54" in after  # the three bytes that were there


def test_a_kept_item_shows_its_bytes_and_error_and_the_dump_goes_on():
    text = text_of(PNG, PNG_DATA[:100], False)
    assert "error: " not in text and "chunks[2].crc = 2629456188" in text
    kept = [line for line in text.splitlines() if "malformed" in line]
    assert len(kept) == 1 and kept[0].startswith("0000005d  00 00 01 c5 50 4c 54 ")
    assert "chunks[3]: 7 bytes, malformed: chunks[3].type: expected 4 bytes for Bytes[4], found 3 (at 0x61)" in kept[0]


def test_pointer_gaps_are_the_bytes_no_field_covers_in_offset_order():
    class Jump(Struct, endian="big"):
        where: int = u8()
        target: int = Pointer(this.where, u16)
        a: int = u8()
        b: int = u8()

    data = bytes([10, 1, 2]) + b"\x00" * 5 + b"xx" + struct.pack(">H", 0x1234)
    text = render(dump_lines(Jump.parse_trace(data), legend=False), False)
    # a and b (bytes 1-2) are fields, read after the pointer: only bytes 3..9 are uncovered
    assert "00000003  00 00 00 00 00 78 78" in text and "7 bytes not covered by any field" in text
    assert text.count("not covered") == 1


def test_typed_array_is_one_field_with_its_bytes():
    class Samples(Struct, endian="little"):
        n: int = u8()
        values: object = Array(u16, count=this.n, typed=True)

    data = bytes([3]) + struct.pack("<3H", 256, 770, 1284)
    text = render(dump_lines(Samples.parse_trace(data), legend=False), False)
    assert "00000001  %s  " % data[1:].hex(" ") in text
    assert "values = [256, 770, 1284]" in text and "not covered" not in text


def test_offset_inside_a_large_field_shows_the_bytes_there():
    blob = bytes(range(256)) * 64

    class Blob(Struct):
        head: int = u8()
        body: bytes = Bytes(len(blob))

    data = b"\x07" + blob
    text = render(dump_lines(Blob.parse_trace(data), legend=False, offset=0x1234, length=40), False)
    row = re.compile(r"^([0-9a-f]{8})  ((?:[0-9a-f]{2} ?)+)")
    rows = [line for line in text.splitlines() if row.match(line)]
    assert [int(row.match(r).group(1), 16) for r in rows] == [0x1231, 0x1241, 0x1251]
    for r in rows:
        m = row.match(r)
        assert data[int(m.group(1), 16):][:16] == bytes.fromhex(m.group(2))
    assert "body = " in rows[0] and "(from 0x1231; starts at 0x1)" in rows[0]
    assert "head" not in text


def test_items_count_from_the_first_element_in_the_window():
    data = bytes([200]) + b"".join(struct.pack(">BxH", i % 256, i) for i in range(200)) + b"ok"
    start = 1 + 4 * 150  # records[150]
    text = render(dump_lines(Table.parse_trace(data), legend=False, offset=start, length=4 * 50, items=3), False)
    assert "records[150].value = 150" in text and "records[152].value = 152" in text
    assert "records[153]" not in text and "records[149]" not in text
    assert "... 47 more items of records (items=3 shown)" in text


def test_items_on_a_failed_parse_counts_the_elements_read():
    text = text_of(PNG, PNG_DATA[:93], False, items=1)  # cut after chunk 2: no IEND
    assert "... 2 more items of chunks (items=1 shown)" in text
    assert "error: chunks at offset 93 (0x5d): end of data before the until= condition held (3 items)" in text


def test_value_text_of_a_large_field_is_short_without_the_whole_repr():
    from binmodel import Span
    from binmodel.dump import value_text

    big = Span("data", 0, 50_000_000, bytes(50_000_000), "Bytes", "field", 1)
    text = value_text(big)
    assert len(text) <= 60 and text.startswith("b'\\x00")


def test_siblings_stay_distinct_in_a_256_colour_terminal():
    """Colours are xterm cube points, so rounding to 256 colours cannot merge neighbouring fields."""
    from binmodel.dump import Palette

    cube = {0, 95, 135, 175, 215, 255}
    palette = Palette()
    for parent in ["", "header.", "chunks[0].", "chunks[0].data.", "a.b[3].c."]:
        colours = [palette.color("%sf%d" % (parent, i)) for i in range(16)]
        for c in colours:
            assert {int(c[i:i + 2], 16) for i in (1, 3, 5)} <= cube, c
        for i in range(len(colours) - 5):
            assert len(set(colours[i:i + 6])) == 6, (parent, colours)
    # and in the ANSI snapshot of a flat struct, each of the four fields has its own 256-colour code
    codes = re.findall(r"\x1b\[38;5;(\d+)m[0-9a-f]{2}", text_of(*CASES["flat"], True) if _has_rich() else "")
    assert not _has_rich() or len(set(codes)) == 4


def _has_rich():
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_window_stops_the_parse_at_its_end():
    from binmodel.parsing import parse_trace

    trace = parse_trace(PNG._bm_node, PNG_DATA, stop=0x31)
    assert trace.stopped and trace.error is None and trace.value is None
    assert max(s.offset for s in trace.spans) < 0x31
    assert [s.path for s in trace.spans if s.path.startswith("chunks[1].")][-1] == "chunks[1].crc"
    out = io.StringIO()
    dump(PNG, PNG_DATA + b"\xff" * 5, file=out, color="never", offset=0x21, length=16, legend=False)
    text = out.getvalue()  # the trailing garbage lies past the window: not parsed, not reported
    assert "chunks[1].crc = 201089285" in text and "goes on past the window" in text
    assert "error" not in text and "└ └" not in text
