"""The PNG model, the parse trace, the dump and the command line, on the bundled real PNG."""

import io
import pathlib
import struct
import zlib

import pytest

import binmodel
from binmodel import ParseError
from binmodel.cli import main
from binmodel.dump import dump
from binmodel.formats import PNG

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
    bad = bytearray(DATA)
    bad[0x1D] ^= 0xFF  # IHDR's CRC
    trace = PNG.parse_trace(bytes(bad))
    assert trace.value is None and isinstance(trace.error, ParseError)
    assert trace.error.path == "chunks[0].crc" and trace.error.offset == 0x1D
    assert trace.spans[-1].path == "chunks[0].crc"


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
    dump(PNG, DATA[:100], file=out, color="always")
    text = out.getvalue()
    assert "\x1b[" in text
    assert "error: chunks[3].type at offset 97 (0x61): expected 4 bytes" in text


def test_cli_dump_layout_and_errors(capsys, tmp_path):
    assert main(["dump", str(SAMPLE), "--format", "png", "--color", "never"]) == 0
    assert "chunks[11].type = b'IEND'" in capsys.readouterr().out
    broken = tmp_path / "broken.png"
    broken.write_bytes(DATA[:50])
    assert main(["dump", str(broken), "-f", "png", "--color", "never"]) == 1
    assert "error:" in capsys.readouterr().out
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
