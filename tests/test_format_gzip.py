"""The gzip model (RFC 1952) against the gzip module and zlib, on files made here (and by gzip(1) if present)."""

import datetime
import gzip
import io
import shutil
import struct
import subprocess
import zlib

import pytest

from binmodel import ParseError, wire_value
from binmodel.cli import main
from binmodel.formats import Gzip
from binmodel.formats.gzip import OS, Member, deflate


def made_by_gzip_module(data, name=None, mtime=0, level=9):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=buf, mtime=mtime, compresslevel=level) as f:
        f.write(data)
    return buf.getvalue()


def hand_made_member(data):
    """FEXTRA, FNAME, FCOMMENT and FHCRC, written with struct and zlib as RFC 1952 2.3 says."""
    extra = b"AP" + struct.pack("<H", 3) + b"xyz" + b"RA" + struct.pack("<H", 0)
    head = struct.pack("<BBBBIBB", 0x1F, 0x8B, 8, 0b11110, 123456, 2, 3)
    head += struct.pack("<H", len(extra)) + extra + "naïve.txt".encode("latin-1") + b"\0" + b"a comment\0"
    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    return head + deflate(data) + struct.pack("<II", zlib.crc32(data), len(data))


SAMPLES = {
    "plain": made_by_gzip_module(b"hello world\n" * 100),
    "named": made_by_gzip_module(b"\x00\x01binary" * 50, name="data.bin", mtime=1700000000),
    "empty": made_by_gzip_module(b""),
    "fast": made_by_gzip_module(bytes(range(256)) * 40, level=1),
    "members": gzip.compress(b"first ", mtime=1) + gzip.compress(b"second", mtime=2) + gzip.compress(b"", mtime=3),
    "hand": hand_made_member(b"all the optional header parts"),
}


def header_fields(raw):
    """An independent walk of one member's header with struct: (flags, mtime, xfl, os, name, comment, end)."""
    flg, mtime, xfl, os_ = raw[3], *struct.unpack_from("<IBB", raw, 4)
    i = 10
    if flg & 4:
        i += 2 + struct.unpack_from("<H", raw, i)[0]
    name = comment = None
    if flg & 8:
        j = raw.index(b"\0", i)
        name, i = raw[i:j].decode("latin-1"), j + 1
    if flg & 16:
        j = raw.index(b"\0", i)
        comment, i = raw[i:j].decode("latin-1"), j + 1
    if flg & 2:
        i += 2
    return flg, mtime, xfl, os_, name, comment, i


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_gzip_fields_match_and_rebuild(key):
    raw = SAMPLES[key]
    parsed = Gzip.parse(raw)
    assert b"".join(zlib.decompress(m.compressed, -15) for m in parsed.members) == gzip.decompress(raw)
    at = 0
    for m in parsed.members:
        flg, mtime, xfl, os_, name, comment, start = header_fields(raw[at:])
        data = zlib.decompress(m.compressed, -15)
        assert m.crc32 == zlib.crc32(data) and m.isize == len(data) % 2 ** 32
        assert (wire_value(m, "mtime"), m.xfl, int(m.os), m.name, m.comment) == (mtime, xfl, os_, name, comment)
        # MTIME as a time: None for 0 ("no time stamp", RFC 1952 2.3.1)
        assert m.mtime == (None if mtime == 0 else datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc))
        assert (m.ftext | m.fhcrc << 1 | m.fextra << 2 | m.fname << 3 | m.fcomment << 4) == flg
        end = at + start + len(m.compressed) + 8
        assert struct.unpack_from("<II", raw, end - 8) == (m.crc32, m.isize)
        at = end
    assert at == len(raw)
    assert Gzip.build(parsed) == raw


def test_gzip_module_reads_the_name_it_wrote():
    m = Gzip.parse(SAMPLES["named"]).members[0]
    assert m.name == "data.bin" and m.mtime.timestamp() == 1700000000 and m.os == OS.UNKNOWN
    with gzip.GzipFile(fileobj=io.BytesIO(SAMPLES["named"])) as f:
        f.read()
        assert f.mtime == m.mtime.timestamp()  # the gzip module's reading of MTIME


def test_hand_made_header_parts():
    m = Gzip.parse(SAMPLES["hand"]).members[0]
    assert m.name == "naïve.txt" and m.comment == "a comment" and m.os == OS.UNIX and wire_value(m, "mtime") == 123456
    assert [(s.si1, s.si2, s.data) for s in m.extra.subfields] == [(65, 80, b"xyz"), (82, 65, b"")]
    assert m.crc16 == zlib.crc32(SAMPLES["hand"][:header_fields(SAMPLES["hand"])[-1] - 2]) & 0xFFFF
    assert gzip.decompress(SAMPLES["hand"]) == b"all the optional header parts"


def test_edit_recomputes_crc_isize_flags_and_header_crc():
    parsed = Gzip.parse(SAMPLES["members"] + SAMPLES["hand"])
    parsed.members[1].compressed = deflate(b"a new second member, longer than before")
    parsed.members[3].name = None
    parsed.members[3].comment = "changed"
    parsed.members[3].compressed = deflate(b"edited")
    parsed.members[0].name = "added.txt"
    out = Gzip.build(parsed)
    assert gzip.decompress(out) == b"first a new second member, longer than before" + b"edited"
    with gzip.GzipFile(fileobj=io.BytesIO(out)) as f:  # the first member's header: FNAME now set
        f.read(1)
        assert f.name == "" and f.mtime == 1
    again = Gzip.parse(out)  # check=True: CRC-32, ISIZE and the header CRC-16 verified
    assert again.members[0].name == "added.txt" and again.members[0].fname == 1
    assert again.members[3].fname == 0 and again.members[3].comment == "changed"
    assert header_fields(out[len(Member.build(again.members[0])):])[4] is None


def test_made_by_gzip_command(tmp_path):
    if shutil.which("gzip") is None:
        pytest.skip("no gzip command")
    path = tmp_path / "words.txt"
    path.write_bytes(b"the gzip command line tool\n" * 200)
    subprocess.run(["gzip", "-9", "-k", str(path)], check=True)
    raw = (tmp_path / "words.txt.gz").read_bytes()
    parsed = Gzip.parse(raw)
    assert parsed.members[0].name == "words.txt" and parsed.members[0].os == OS.UNIX
    assert Gzip.build(parsed) == raw


@pytest.mark.parametrize("cut", [1, 5, 10, 20, -9, -4, -1])
def test_truncated_gzip_is_a_parse_error(cut):
    raw = SAMPLES["hand"]
    with pytest.raises(ParseError):
        Gzip.parse(raw[:cut])


@pytest.mark.parametrize("at,what", [(0, "id1"), (2, "cm"), (-8, "crc32"), (-2, "isize"), (30, "crc16")])
def test_corrupt_gzip_is_a_parse_error(at, what):
    bad = bytearray(SAMPLES["hand"])
    bad[at] ^= 0x55
    with pytest.raises(ParseError) as err:
        Gzip.parse(bytes(bad))
    assert what in err.value.path or what == "crc16"


def test_corrupt_deflate_data_is_a_parse_error():
    bad = bytearray(SAMPLES["plain"])
    bad[12] = 0xFF  # the first deflate block's header: a reserved block type
    with pytest.raises(ParseError) as err:
        Gzip.parse(bytes(bad))
    assert err.value.path == "members[0].compressed"


def test_cli_dump_gzip(tmp_path, capsys):
    path = tmp_path / "x.gz"
    path.write_bytes(SAMPLES["named"])
    assert main(["dump", str(path), "--format", "gzip", "--color", "never"]) == 0
    assert "members[0].name = 'data.bin'" in capsys.readouterr().out
