"""The ZIP model (APPNOTE 6.3) against zipfile, on archives made here by zipfile (and zip(1) if present)."""

import io
import shutil
import struct
import subprocess
import zipfile
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import ZIP
from binmodel.formats.gzip import deflate
from binmodel.formats.zip import CompressionMethod, Signature, content, zip64_of


def plain():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("deflated.txt", "hello, world\n" * 100, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("stored.bin", (2020, 5, 17, 12, 30, 4)), bytes(range(256)))
        z.writestr("dir/", "")
        info = zipfile.ZipInfo("dir/ünïcode.txt")
        info.comment = b"an entry comment"
        z.writestr(info, "utf-8 name", compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("empty", "")
        z.writestr("bz2.txt", "bzip2 " * 50, compress_type=zipfile.ZIP_BZIP2)
        z.comment = b"the archive comment"
    return buf.getvalue()


def forced_zip64():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        with z.open("big.txt", "w", force_zip64=True) as f:
            f.write(b"a ZIP64 local header " * 20)
        z.writestr("small", "x")
    return buf.getvalue()


def zip64_records(monkeypatch_limits):
    """ZIP64 end records and central ZIP64 fields, from zipfile with its limits lowered while it writes."""
    buf = io.BytesIO()
    with monkeypatch_limits():
        with zipfile.ZipFile(buf, "w") as z:
            for i in range(5):
                z.writestr("file%d.txt" % i, "content number %d " % i * 3, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


class Unseekable(io.RawIOBase):
    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def streamed():
    """An unseekable output: zipfile writes data descriptors (bit 3) after each entry's data."""
    out = Unseekable()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("one.txt", "streamed " * 30)
        with z.open("two.txt", "w", force_zip64=True) as f:
            f.write(b"with 8-byte sizes in the descriptor")
    return bytes(out.data)


class _Limits:
    def __init__(self, mp):
        self.mp = mp

    def __call__(self):
        return self

    def __enter__(self):
        self.mp.setattr(zipfile, "ZIP64_LIMIT", 40)
        self.mp.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 3)

    def __exit__(self, *exc):
        self.mp.undo()


@pytest.fixture(scope="module")
def samples():
    mp = pytest.MonkeyPatch()
    made = {"plain": plain(), "forced_zip64": forced_zip64(), "zip64_records": zip64_records(_Limits(mp)),
            "streamed": streamed()}
    assert zipfile.ZIP64_LIMIT == (1 << 31) - 1
    return made


def check_against_zipfile(raw):
    parsed = ZIP.parse(raw)
    z = zipfile.ZipFile(io.BytesIO(raw))
    assert z.testzip() is None
    infos = z.infolist()
    central = [r.body for r in parsed.records if r.signature == Signature.CENTRAL_DIRECTORY_HEADER]
    local = [r.body for r in parsed.records if r.signature == Signature.LOCAL_FILE_HEADER]
    assert len(central) == len(local) == len(infos)
    for c, lf, info in zip(central, local, infos):
        assert c.file_name == lf.file_name == info.filename
        assert c.crc32 == info.CRC and (c.flags, c.compression_method) == (info.flag_bits, info.compress_type)
        z64 = zip64_of(c.extra_field)
        sizes = (c.compressed_size, c.uncompressed_size, c.relative_offset_of_local_header)
        if z64 is not None:
            sizes = tuple(v if v != 0xFFFFFFFF else w for v, w in zip(
                sizes, (z64.compressed_size, z64.original_size, z64.relative_header_offset)))
        assert sizes == (info.compress_size, info.file_size, info.header_offset)
        assert (c.version_made_by >> 8, c.version_made_by & 0xFF) == (info.create_system, info.create_version)
        assert (c.version_needed_to_extract, c.external_file_attributes, c.internal_file_attributes) == (
            info.extract_version, info.external_attr, info.internal_attr)
        assert c.file_comment.encode("utf-8" if c.flags & 0x800 else "cp437") == info.comment
        assert c.last_modified.timetuple()[:6] == info.date_time  # zipfile's reading of the DOS time and date
        assert lf.last_modified == c.last_modified
        assert lf.file_data == raw[info.header_offset + 30 + len(info.orig_filename.encode("utf-8"))
                                   + len(_local_extra(raw, info.header_offset)):][:len(lf.file_data)]
        if content(lf) is not None:
            assert content(lf) == z.read(info)
            assert zlib.crc32(content(lf)) == info.CRC
    end = parsed.records[-1].body
    assert end.comment.encode("cp437") == z.comment  # text in the original encoding, its bytes exactly
    assert ZIP.build(parsed) == raw
    return parsed


def _local_extra(raw, offset):
    n, m = struct.unpack_from("<HH", raw, offset + 26)
    return raw[offset + 30 + n:offset + 30 + n + m]


@pytest.mark.parametrize("key", ["plain", "forced_zip64", "zip64_records", "streamed"])
def test_zip_matches_zipfile_and_rebuilds(samples, key):
    parsed = check_against_zipfile(samples[key])
    kinds = [r.signature for r in parsed.records]
    if key == "zip64_records":
        assert Signature.ZIP64_END_OF_CENTRAL_DIRECTORY in kinds
        record = parsed.records[kinds.index(Signature.ZIP64_END_OF_CENTRAL_DIRECTORY)].body
        assert record.total_entries == 5
        assert any(zip64_of(r.body.extra_field) for r in parsed.records if r.signature == Signature.CENTRAL_DIRECTORY_HEADER)
    if key == "forced_zip64":
        z64 = zip64_of(parsed.records[0].body.extra_field)
        assert (z64.original_size, z64.compressed_size) == (420, 420)
    if key == "streamed":
        dd = parsed.records[0].body.data_descriptor
        assert dd.signature == Signature.DATA_DESCRIPTOR and dd.uncompressed_size == len("streamed " * 30)


def test_plain_entry_kinds(samples):
    parsed = ZIP.parse(samples["plain"])
    local = {r.body.file_name: r.body for r in parsed.records if r.signature == Signature.LOCAL_FILE_HEADER}
    assert local["stored.bin"].compression_method == CompressionMethod.STORED
    assert local["bz2.txt"].compression_method == CompressionMethod.BZIP2
    assert local["dir/ünïcode.txt"].flags & 0x800
    assert local["dir/"].file_data == b""


@pytest.mark.parametrize("key", ["plain", "streamed"])
def test_edit_renames_and_replaces_content(samples, key):
    parsed = ZIP.parse(samples[key])
    first = parsed.records[0].body
    first.file_name = "renamed/first.txt"
    first.file_data = deflate(b"replaced content, a different length")
    if key == "plain":
        stored = parsed.records[1].body
        stored.file_data = b"new stored bytes"
        parsed.records[-1].body.comment = "changed comment"
    out = ZIP.build(parsed)
    z = zipfile.ZipFile(io.BytesIO(out))
    assert z.testzip() is None
    assert z.read("renamed/first.txt") == b"replaced content, a different length"
    if key == "plain":
        assert z.read("stored.bin") == b"new stored bytes"
        assert z.read("dir/ünïcode.txt") == b"utf-8 name" and z.comment == b"changed comment"
        assert z.getinfo("dir/ünïcode.txt").comment == b"an entry comment"
    else:
        assert z.read("two.txt") == b"with 8-byte sizes in the descriptor"
    assert ZIP.build(ZIP.parse(out)) == out


def test_made_by_zip_command(tmp_path):
    if shutil.which("zip") is None:
        pytest.skip("no zip command")
    (tmp_path / "a.txt").write_bytes(b"Info-ZIP " * 100)
    (tmp_path / "b").mkdir()
    subprocess.run(["zip", "-q", "-r", "-z", str(tmp_path / "out.zip"), "a.txt", "b"], cwd=tmp_path, check=True,
                   input=b"zip comment\n.\n")
    check_against_zipfile((tmp_path / "out.zip").read_bytes())


@pytest.mark.parametrize("cut", [3, 20, 40, 100, -30, -1])
def test_truncated_zip_is_a_parse_error(samples, cut):
    with pytest.raises(ParseError):
        ZIP.parse(samples["plain"][:cut])


def test_corrupt_zip_is_a_parse_error(samples):
    bad = bytearray(samples["plain"])
    bad[0] = ord("Q")  # no such record signature
    with pytest.raises(ParseError) as err:
        ZIP.parse(bytes(bad))
    assert err.value.path == "records[0].body"
    bad = bytearray(samples["plain"])
    bad[26] = 0xF0  # the first file name length, now past the end
    with pytest.raises(ParseError):
        ZIP.parse(bytes(bad))


def test_cli_dump_zip(tmp_path, capsys, samples):
    path = tmp_path / "x.zip"
    path.write_bytes(samples["plain"])
    assert main(["dump", str(path), "--format", "zip", "--color", "never"]) == 0
    assert "records[0].body.file_name = 'deflated.txt'" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["forced_zip64", "zip64_records"])
def test_edit_zip64_archives_recomputes_the_zip64_values(samples, key):
    """The central ZIP64 field (sizes, local header offset) and the end records follow an edit."""
    raw = samples[key]
    parsed = ZIP.parse(raw)
    records = parsed.records
    first = records[0].body
    first.file_name = "renamed.txt"
    new = b"replaced content, of another length " * 3
    first.file_data = deflate(new) if first.compression_method == CompressionMethod.DEFLATED else new
    local = [i for i, r in enumerate(records) if r.signature == Signature.LOCAL_FILE_HEADER]
    central = [i for i, r in enumerate(records) if r.signature == Signature.CENTRAL_DIRECTORY_HEADER]
    del records[central[-1]], records[local[-1]]  # drop the last entry
    out = ZIP.build(parsed)
    z = zipfile.ZipFile(io.BytesIO(out))
    assert z.testzip() is None
    before = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    assert z.namelist() == ["renamed.txt"] + before[1:-1]
    assert z.read("renamed.txt") == new
    for name in before[1:-1]:
        assert z.read(name) == zipfile.ZipFile(io.BytesIO(raw)).read(name)
    end = struct.unpack_from("<4s4H2LH", out, out.rindex(b"PK\x05\x06"))
    assert end[4] in (len(z.infolist()), 0xFFFF)
    check_against_zipfile(out)


@given(st.binary(max_size=300))
def test_any_archive_comment_reads_as_text_and_builds_back_exactly(comment):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", b"x")
        z.comment = comment
    data = buf.getvalue()
    parsed = ZIP.parse(data)
    end = parsed.records[-1].body
    assert isinstance(end.comment, str) and end.comment.encode("cp437") == comment
    assert ZIP.build(parsed) == data


@given(st.text("abcxyz", min_size=1, max_size=8), st.integers(1, 3))
def test_a_name_or_comment_with_nul_bytes_keeps_them_in_its_text(stem, nuls):
    """A length-prefixed name's NULs are characters: the text has them and the archive builds back. (zipfile
    cuts a name at a NUL when it makes a ZipInfo, so the archive is written with "~" there, then patched.)"""
    marked = "%s%s" % (stem, "~" * nuls)
    info = zipfile.ZipInfo(marked)
    info.comment = marked.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(info, b"x")
    data = buf.getvalue().replace(marked.encode(), stem.encode() + b"\0" * nuls)
    parsed = ZIP.parse(data)
    assert parsed.records[0].body.file_name == stem + "\0" * nuls
    assert parsed.records[1].body.file_name == stem + "\0" * nuls
    assert parsed.records[1].body.file_comment == stem + "\0" * nuls
    assert ZIP.build(parsed) == data
