"""Every format against random corruption of a real file: byte changes and truncations give a value or a
ParseError, never another exception and never a hang, and a value builds back to the very bytes it came
from (issue 17: nothing is lost). Seeded, so a failure repeats; tools/roundtrip_fuzz.py is the longer job."""

import io
import random
import struct
import sys
import zlib
from pathlib import Path

import pytest

from binmodel import Error
from binmodel.formats import FORMATS

MUTATIONS = 200


def _wav():
    import wave
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes(range(7)))
    return out.getvalue()


def _gzip():
    import gzip
    return gzip.compress(b"some text " * 20, mtime=1) + gzip.compress(b"", mtime=2)


def _zip():
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello " * 20, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("b.bin", bytes(range(40)))
        with z.open("c.txt", "w", force_zip64=True) as f:
            f.write(b"zip64")
    return buf.getvalue()


def _tar():
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        info = tarfile.TarInfo("file.txt")
        info.size = 5
        t.addfile(info, io.BytesIO(b"hello"))
    return buf.getvalue()


def _pyc(tmp_path):
    import py_compile
    src = tmp_path / "m.py"
    src.write_text("x = 1\n")
    return Path(py_compile.compile(str(src), cfile=str(tmp_path / "m.pyc"), doraise=True)).read_bytes()


def _sqlite(tmp_path):
    import sqlite3
    path = tmp_path / "db.sqlite"
    con = sqlite3.connect(str(path))
    con.execute("PRAGMA page_size = 512")
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    return path.read_bytes()


def _tzif():
    path = Path("/usr/share/zoneinfo/Europe/Paris")
    if not path.is_file():
        pytest.skip("no zoneinfo files")
    return path.read_bytes()


def _elf():
    path = Path("/bin/true")
    if not path.is_file() or path.read_bytes()[:4] != b"\x7fELF":
        pytest.skip("no ELF /bin/true")
    return path.read_bytes()


def _png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(range(i, i + 4)) for i in range(3))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\0fuzz") + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _pillow(fmt):
    Image = pytest.importorskip("PIL.Image")
    im = Image.new("P", (9, 5), 1)
    im.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0])
    im.putpixel((3, 2), 2)
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


def _dns():
    dns_message = pytest.importorskip("dns.message")
    q = dns_message.make_query("www.example.com", "A")
    r = dns_message.make_response(q)
    import dns.rrset
    r.answer.append(dns.rrset.from_text("www.example.com.", 300, "IN", "A", "192.0.2.1"))
    r.answer.append(dns.rrset.from_text("www.example.com.", 300, "IN", "MX", "10 mail.example.com."))
    return r.to_wire()


def _frame():
    dpkt = pytest.importorskip("dpkt")
    udp = dpkt.udp.UDP(sport=40000, dport=9999, data=b"payload")
    udp.ulen = len(bytes(udp))
    ip = dpkt.ip.IP(src=b"\x0a\0\0\1", dst=b"\x0a\0\0\2", p=dpkt.ip.IP_PROTO_UDP, data=udp)
    ip.len = len(bytes(ip))
    tcp = dpkt.tcp.TCP(sport=1, dport=2, flags=dpkt.tcp.TH_SYN, opts=b"\x02\x04\x05\xb4\x01\x01\x04\x02",
                       data=b"x")
    tcp.off = 5 + 2
    ip2 = dpkt.ip.IP(src=b"\x0a\0\0\1", dst=b"\x0a\0\0\2", p=dpkt.ip.IP_PROTO_TCP, data=tcp)
    ip2.len = len(bytes(ip2))
    eth = [dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=p)
           for p in (ip, ip2)]
    return [bytes(e) for e in eth]


def _pcap():
    dpkt = pytest.importorskip("dpkt")
    out = io.BytesIO()
    writer = dpkt.pcap.Writer(out)
    for i, frame in enumerate(_frame()):
        writer.writepkt(frame, ts=1700000000 + i)
    return out.getvalue()


def _midi():
    mido = pytest.importorskip("mido")
    mid = mido.MidiFile(type=0)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=500000))
    for i in range(6):
        track.append(mido.Message("note_on", note=60 + i, velocity=80, time=10))
        track.append(mido.Message("note_on", note=60 + i, velocity=0, time=10))
    mid.tracks.append(track)
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def _ico():
    """Pillow's icons, one with PNG images and one with DIBs, joined into one by the model."""
    Image = pytest.importorskip("PIL.Image")
    from binmodel.formats import ICO
    im = Image.new("RGBA", (32, 32), (200, 10, 30, 128))
    entries = []
    for bitmap_format, size in (("png", 16), ("bmp", 32)):
        out = io.BytesIO()
        im.save(out, "ICO", sizes=[(size, size)], bitmap_format=bitmap_format)
        entries += ICO.parse(out.getvalue()).entries
    return ICO.build(ICO(entries=entries))


def _msgpack():
    msgpack = pytest.importorskip("msgpack")
    return msgpack.packb({"name": "fuzz\x00", "n": [1, -3, 300, -70000, 1 << 40, 1.5, None, True], b"k": b"\x00\x01",
                          "ext": msgpack.ExtType(3, b"abc"), "fix": msgpack.ExtType(4, b"abcd"), "s": "x" * 40})


def _javaclass(tmp_path):
    import shutil
    import subprocess
    if not shutil.which("javac"):
        pytest.skip("javac not found: apt-get install -y default-jdk-headless")
    source = Path(__file__).resolve().parent / "java" / "Worked.java"
    subprocess.run(["javac", "-g", "-d", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    return (tmp_path / "Worked.class").read_bytes()


def _sfnt():
    pytest.importorskip("fontTools")
    from test_format_sfnt import font_bytes
    return font_bytes()


SAMPLES = {
    "bmp": lambda tmp: _pillow("BMP"), "dns": lambda tmp: _dns(), "elf": lambda tmp: _elf(),
    "ethernet": lambda tmp: _frame()[1], "gif": lambda tmp: _pillow("GIF"), "gzip": lambda tmp: _gzip(),
    "ico": lambda tmp: _ico(), "javaclass": _javaclass, "midi": lambda tmp: _midi(),
    "msgpack": lambda tmp: _msgpack(), "pcap": lambda tmp: _pcap(), "png": lambda tmp: _png(), "pyc": _pyc,
    "sfnt": lambda tmp: _sfnt(), "sqlite": _sqlite, "tar": lambda tmp: _tar(), "tzif": lambda tmp: _tzif(),
    "wav": lambda tmp: _wav(), "zip": lambda tmp: _zip(),
}


def test_every_format_has_a_sample():
    assert sorted(SAMPLES) == sorted(FORMATS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_random_corruption_gives_a_value_or_a_binmodel_error(name, tmp_path):
    model = FORMATS[name]
    data = SAMPLES[name](tmp_path)
    assert model.build(model.parse(data)) == data
    rng = random.Random("%s-%d" % (name, sys.hexversion >> 16))
    head = min(len(data), 2048)  # most structure is near the start of a big file (ELF)
    for i in range(MUTATIONS):
        if i % 3 == 0:
            bad = data[:rng.randrange(len(data))]
        else:
            changed = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(head if rng.random() < 0.8 else len(changed))
                changed[at] = rng.randrange(256)
            bad = bytes(changed)
        try:
            value = model.parse(bad)
        except Error:
            continue
        # nothing is lost: what parses builds back to itself, inconsistent or not
        assert model.build(value) == bad, "mutation %d of %s did not build back to itself" % (i, name)
