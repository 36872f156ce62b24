"""The tar model (POSIX ustar, GNU tar) against tarfile, on archives made here by tarfile (and tar(1) if present)."""

import datetime
import io
import shutil
import subprocess
import tarfile

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import Tar
from binmodel.formats.tar import TypeFlag
from binmodel.values import wire_value


def make(fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        def add(name, data=None, **attrs):
            info = tarfile.TarInfo(name)
            for k, v in attrs.items():
                setattr(info, k, v)
            if data is not None:
                info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data is not None else None)

        add("hello.txt", b"hello, world\n", mtime=1700000000, mode=0o640, uid=1000, gid=100, uname="me", gname="us")
        add("empty", b"")
        add("block", b"x" * 512)
        add("dir", type=tarfile.DIRTYPE, mode=0o755)
        add("dir/link", type=tarfile.SYMTYPE, linkname="../hello.txt")
        add("hard", type=tarfile.LNKTYPE, linkname="hello.txt")
        add("deep/" * 25 + "file.bin", bytes(range(256)) * 3)  # 133 bytes: ustar prefix, GNU 'L', pax 'x'
        if fmt != tarfile.USTAR_FORMAT:
            add("x" * 120, b"a long name without slashes")
    return buf.getvalue()


FORMATS = {"ustar": tarfile.USTAR_FORMAT, "gnu": tarfile.GNU_FORMAT, "pax": tarfile.PAX_FORMAT}
SAMPLES = {k: make(v) for k, v in FORMATS.items()}


def headers(raw):
    """Every header block with tarfile's own parser: (offset, TarInfo of that block alone)."""
    out, at = [], 0
    while at < len(raw) and raw[at:at + 512].strip(b"\0"):
        info = tarfile.TarInfo.frombuf(raw[at:at + 512], "utf-8", "surrogateescape")
        out.append((at, info))
        size = info.size if info.type not in (tarfile.LNKTYPE, tarfile.SYMTYPE, tarfile.DIRTYPE) else 0
        at += 512 + -(-size // 512) * 512
    return out


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_tar_headers_match_tarfile_and_rebuild(fmt):
    raw = SAMPLES[fmt]
    parsed = Tar.parse(raw)
    walk = headers(raw)
    members = parsed.members[:-1]
    assert len(members) == len(walk)
    for m, (_, info) in zip(members, walk):
        assert m.path.rstrip("/") == info.name.rstrip("/")  # tarfile drops a directory's trailing slash
        assert (m.mode, m.uid, m.gid, m.size, m.chksum) == (info.mode, info.uid, info.gid, info.size, info.chksum)
        assert m.mtime == datetime.datetime.fromtimestamp(info.mtime, datetime.timezone.utc)
        assert wire_value(m, "mtime") == info.mtime
        assert bytes([m.typeflag]) == info.type
        assert (m.linkname, m.uname, m.gname, m.devmajor, m.devminor) == (
            info.linkname, info.uname, info.gname, info.devmajor, info.devminor)
        assert m.magic in (b"ustar\0", b"ustar ")
    assert Tar.build(parsed) == raw
    assert len(raw) % 10240 == 0


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_tar_contents_match_tarfile(fmt):
    raw = SAMPLES[fmt]
    parsed = Tar.parse(raw)
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        regular = [(i.name, t.extractfile(i).read()) for i in t.getmembers() if i.isreg()]
    ours = [m for m in parsed.members[:-1] if m.typeflag in (TypeFlag.REGTYPE, TypeFlag.AREGTYPE)]
    assert [m.data for m in ours] == [d for _, d in regular]
    extension = [m for m in parsed.members if m.typeflag in (TypeFlag.GNU_LONGNAME, TypeFlag.XHDTYPE)]
    if fmt == "gnu":
        assert [m.data.rstrip(b"\0").decode() for m in extension] == ["deep/" * 25 + "file.bin", "x" * 120]
    if fmt == "pax":
        assert all(b" path=" in m.data for m in extension)
    if fmt == "ustar":
        long = next(m for m in parsed.members if m.prefix)
        assert long.path == "deep/" * 25 + "file.bin" and len(long.name) <= 100 and long.prefix.startswith("deep/")


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_edit_recomputes_size_and_checksum(fmt):
    parsed = Tar.parse(SAMPLES[fmt])
    hello = next(m for m in parsed.members if m.name == "hello.txt")
    hello.data = b"a new and much longer content, " * 40
    hello.name = "renamed.txt"
    out = Tar.build(parsed)
    with tarfile.open(fileobj=io.BytesIO(out)) as t:
        info = t.getmember("renamed.txt")
        assert info.size == len(hello.data) and t.extractfile(info).read() == hello.data
        assert info.mtime == 1700000000 and info.uname == "me"  # (the time, unedited, as it was)
        assert t.extractfile("block").read() == b"x" * 512
        assert t.getmember("dir/link").linkname == "../hello.txt"
    again = Tar.parse(out)  # the checksum is checked on parse
    assert next(m for m in again.members if m.name == "renamed.txt").size == len(hello.data)


@pytest.mark.parametrize("digits", [b"14524770400\0", b" 14524770400", b"014524770400", b"14524770400 "])
def test_mtime_is_a_utc_datetime_and_keeps_its_digits(digits):
    raw = bytearray(SAMPLES["ustar"])
    raw[136:148] = digits
    raw[148:156] = b"%06o\0 " % (sum(raw[:148]) + sum(raw[156:512]) + 8 * 32)  # the header's checksum
    raw = bytes(raw)
    assert tarfile.TarInfo.frombuf(raw[:512], "utf-8", "surrogateescape").mtime == 1700000000
    hello = Tar.parse(raw).members[0]
    assert hello.mtime == datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
    assert str(hello.mtime) == "2023-11-14 22:13:20+00:00"
    assert Tar.build(Tar.parse(raw)) == raw  # the digits as written, not as binmodel would write them
    parsed = Tar.parse(raw)
    parsed.members[0].mtime = datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.timezone.utc)
    out = Tar.build(parsed)
    with tarfile.open(fileobj=io.BytesIO(out)) as t:  # tarfile checks the recomputed checksum
        assert t.getmember("hello.txt").mtime == 1709208000
    assert out[136:148] == b"%011o\0" % 1709208000 and out[512:] == raw[512:]


def test_made_by_tar_command(tmp_path):
    if shutil.which("tar") is None:
        pytest.skip("no tar command")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_bytes(b"from GNU tar\n")
    for fmt in ("gnu", "ustar"):
        out = tmp_path / ("%s.tar" % fmt)
        subprocess.run(["tar", "--format=%s" % fmt, "-C", str(tmp_path), "-cf", str(out), "d"], check=True)
        raw = out.read_bytes()
        parsed = Tar.parse(raw)
        with tarfile.open(out) as t:
            assert [m.path.rstrip("/") for m in parsed.members[:-1]] == [i.name for i in t.getmembers()]
        assert Tar.build(parsed) == raw  # GNU tar leaves devmajor/devminor empty: kept as read


@pytest.mark.parametrize("cut", [100, 511, 600, 1030])
def test_truncated_tar_is_a_parse_error(cut):
    with pytest.raises(ParseError):
        Tar.parse(SAMPLES["ustar"][:cut])


def test_corrupt_tar_is_a_parse_error():
    bad = bytearray(SAMPLES["ustar"])
    bad[0] ^= 1  # the name: the checksum no longer matches
    with pytest.raises(ParseError) as err:
        Tar.parse(bytes(bad))
    assert err.value.path == "members[0].chksum"
    bad = bytearray(SAMPLES["ustar"])
    bad[124] = ord("9")  # not an octal digit in size
    with pytest.raises(ParseError) as err:
        Tar.parse(bytes(bad))
    assert err.value.path == "members[0].size"


def test_cli_dump_tar(tmp_path, capsys):
    path = tmp_path / "x.tar"
    path.write_bytes(SAMPLES["ustar"])
    assert main(["dump", str(path), "--format", "tar", "--color", "never"]) == 0
    assert "members[0].name = 'hello.txt'" in capsys.readouterr().out
