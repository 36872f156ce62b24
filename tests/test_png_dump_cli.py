"""The PNG model, the parse trace, the dump and the command line, on the bundled real PNG."""

import io
import pathlib
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import binmodel
from binmodel import ParseError
from binmodel.cli import main
from binmodel.dump import dump
from binmodel.formats import PNG
from binmodel.formats.png import Chunk
from binmodel.malformed import Malformed

SAMPLE = pathlib.Path(binmodel.__file__).parent / "samples" / "idle_16.png"
DATA = SAMPLE.read_bytes()


def walk_chunks(data):
    """An independent chunk walk with struct: (offset, type, payload, crc) per chunk."""
    out, i = [], 8
    while i < len(data):
        (n,) = struct.unpack_from(">I", data, i)
        out.append((i, data[i + 4:i + 8], data[i + 8:i + 8 + n], struct.unpack_from(">I", data, i + 8 + n)[0]))
        i += 12 + n
    return out


def test_png_parse_matches_independent_walk_and_rebuilds():
    png = PNG.parse(DATA)
    chunks = walk_chunks(DATA)
    assert [c.type for c in png.chunks] == [t for _, t, _, _ in chunks]
    for c, (_, t, payload, crc) in zip(png.chunks, chunks):
        assert c.crc == crc == zlib.crc32(t + payload)
        assert c.length == len(payload)
    ihdr = png.chunks[0].data
    width, height, depth, color = struct.unpack(">IIBB", chunks[0][2][:10])
    assert (ihdr.width, ihdr.height, ihdr.bit_depth, ihdr.color_type) == (width, height, depth, color)
    assert PNG.build(png) == DATA



def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def test_a_chunk_whose_contents_do_not_parse_is_kept_and_the_rest_parses():
    walk = walk_chunks(DATA)
    at, kind, payload, _ = walk[2]  # cHRM: 32 bytes of chromaticities; 31 here, with a CRC that matches
    bad = DATA[:at] + chunk(kind, payload[:31]) + DATA[at + 12 + len(payload):]
    png = PNG.parse(bad)
    data = png.chunks[2].data
    assert isinstance(data, Malformed) and data == payload[:31]
    assert data.error.path == "chunks[2].data.blue_y" and data.error.offset == at + 8 + 28  # the last u32
    assert [(c.type, c.crc) for c in png.chunks] == [(t, crc) for _, t, _, crc in walk_chunks(bad)]
    assert png.chunks[3].data == walk[3][2] and png.chunks[0].data.width == 16
    assert PNG.build(png) == bad
    assert [e.path for e in PNG.parse_trace(bad).errors] == ["chunks[2].data.blue_y"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_one_corrupted_chunk_leaves_every_other_chunk_as_the_walk_reads_it(draw):
    walk = walk_chunks(DATA)
    i = draw.draw(st.integers(0, len(walk) - 2), label="chunk")  # any chunk but IEND
    at, _, payload, _ = walk[i]
    where = draw.draw(st.integers(at + 4, at + 12 + len(payload) - 1), label="offset")  # its type, data or CRC
    bad = bytearray(DATA)
    bad[where] ^= draw.draw(st.integers(1, 255), label="xor")
    bad = bytes(bad)
    png = PNG.parse(bad)
    assert PNG.build(png) == bad
    assert len(png.chunks) == len(walk)
    for j, (c, (_, t, body, crc)) in enumerate(zip(png.chunks, walk_chunks(bad))):
        assert (c.type, c.length, c.crc) == (t, len(body), crc)
        if j != i:
            assert PNG.parse(DATA).chunks[j] == c
    errors = PNG.parse_trace(bad).errors  # (a CRC-32 catches every one-byte change)
    assert errors and all(e.path.startswith("chunks[%d]." % i) for e in errors)

def test_png_edit_recomputes_length_and_crc():
    png = PNG.parse(DATA)
    text = next(c for c in png.chunks if c.type == b"tEXt")
    text.data.text = "edited by binmodel"
    out = PNG.build(png)
    edited = next(c for c in walk_chunks(out) if c[2].startswith(b"date:create"))
    assert edited[2] == b"date:create\0edited by binmodel"
    assert edited[3] == zlib.crc32(b"tEXt" + edited[2])


def test_trace_spans_match_the_walk():
    trace = PNG.parse_trace(DATA)
    assert trace.ok
    spans = {s.path: s for s in trace.spans}
    for i, (offset, _, payload, _) in enumerate(walk_chunks(DATA)):
        assert spans["chunks[%d]" % i].offset == offset
        assert spans["chunks[%d]" % i].size == 12 + len(payload)
        assert spans["chunks[%d].crc" % i].offset == offset + 8 + len(payload)
    assert spans["chunks[0].data.width"].depth == 4


def test_trace_keeps_spans_up_to_a_failure():
    trace = PNG.parse_trace(DATA[:0x31])  # cut after chunk 1: the chunks end before IEND
    assert trace.value is None and isinstance(trace.error, ParseError)
    assert trace.error.path == "chunks" and trace.error.offset == 0x31
    assert trace.spans[-1].path == "chunks[1].crc"


def test_a_chunk_with_a_bad_crc_is_kept_and_the_rest_parses():
    bad = bytearray(DATA)
    bad[0x1D] ^= 0xFF  # IHDR's CRC
    with pytest.raises(ParseError, match=r"^crc at offset 21 \(0x15\): crc is %d, but" % int.from_bytes(bad[0x1D:0x21], "big")):
        Chunk.parse(bytes(bad[8:0x21]))  # (a chunk alone still checks its CRC)
    trace = PNG.parse_trace(bytes(bad))
    assert trace.error is None and [(e.path, e.offset) for e in trace.errors] == [("chunks[0].crc", 0x1D)]
    assert trace.value.chunks[0].crc == int.from_bytes(bad[0x1D:0x21], "big")  # the value as read
    assert [c.type for c in trace.value.chunks] == [t for _, t, _, _ in walk_chunks(DATA)]
    assert PNG.build(trace.value) == bytes(bad)


def test_dump_plain_names_every_field_with_offsets():
    out = io.StringIO()
    dump(PNG, DATA, file=out, color="never")
    text = out.getvalue()
    assert "\x1b[" not in text
    for i, (offset, t, _, crc) in enumerate(walk_chunks(DATA)):
        assert "%08x  " % (offset + 4) + " ".join("%02x" % b for b in t) in text
        assert "chunks[%d].type = %r" % (i, t) in text
        assert "chunks[%d].crc = %d (0x%x)" % (i, crc, crc) in text


def test_dump_colour_and_failure_marking():
    pytest.importorskip("rich")
    out = io.StringIO()
    dump(PNG, DATA[:93], file=out, color="always")  # cut after chunk 2: the chunks end before IEND
    text = out.getvalue()
    assert "\x1b[" in text
    assert "error: chunks at offset 93 (0x5d): end of data before the until= condition held" in text


def test_cli_dump_layout_and_errors(capsys, tmp_path):
    assert main(["dump", str(SAMPLE), "--format", "png", "--color", "never"]) == 0
    assert "chunks[11].type = b'IEND'" in capsys.readouterr().out
    broken = tmp_path / "broken.png"
    broken.write_bytes(DATA[:49])  # cut after chunk 1: the chunks end before IEND
    assert main(["dump", str(broken), "-f", "png", "--color", "never"]) == 1
    assert "error: chunks at offset 49" in capsys.readouterr().out
    broken.write_bytes(DATA[:50])  # cut inside chunk 2: kept as Malformed, still exit status 1
    assert main(["dump", str(broken), "-f", "png", "--color", "never"]) == 1
    assert "chunks[2]: 1 byte, malformed: chunks[2].length" in capsys.readouterr().out
    assert main(["layout", "--format", "png", "--markdown"]) == 0
    assert "| 0 | 8 | `signature` |" in capsys.readouterr().out
    assert main(["layout", "binmodel.formats.png:IHDR"]) == 0
    assert "color_type" in capsys.readouterr().out
    assert main(["dump", str(tmp_path / "missing"), "-f", "png"]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["layout", "no.such.module:Model"]) == 2
    assert main(["layout", "os:path"]) == 2
    assert main(["dump", str(SAMPLE), "-f", "nosuch"]) == 2
    with pytest.raises(SystemExit):
        main(["--help"])
