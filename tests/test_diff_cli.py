"""``binmodel diff`` and the command line's options, on the bundled PNG edited with struct and zlib."""

import io
import pathlib
import struct
import sys
import zlib

import pytest

import binmodel
from binmodel.cli import main
from binmodel.diff import diff
from binmodel.formats import PNG

SAMPLE = pathlib.Path(binmodel.__file__).parent / "samples" / "idle_16.png"
DATA = SAMPLE.read_bytes()


def chunk_offsets(data):
    """Independent walk: {type: offset of the chunk's length field}."""
    out, i = {}, 8
    while i < len(data):
        (n,) = struct.unpack_from(">I", data, i)
        out.setdefault(data[i + 4:i + 8], (len(out), i, n))
        i += 12 + n
    return out


def edited_time(year):
    """The sample with tIME's year changed and its CRC fixed, by hand."""
    index, at, n = chunk_offsets(DATA)[b"tIME"]
    data = bytearray(DATA)
    struct.pack_into(">H", data, at + 8, year)
    struct.pack_into(">I", data, at + 8 + n, zlib.crc32(bytes(data[at + 4:at + 8 + n])))
    return index, bytes(data)


def test_diff_names_exactly_the_edited_fields():
    index, other = edited_time(1999)
    diffs = diff(PNG, DATA, other)
    assert [d.path for d in diffs] == ["chunks[%d].data.year" % index, "chunks[%d].crc" % index]
    assert (diffs[0].a.value, diffs[0].b.value) == (2020, 1999)
    assert diffs[0].kind == "changed"
    assert diff(PNG, DATA, DATA) == []


def test_cli_diff_output_and_status(tmp_path, capsys):
    index, other = edited_time(1999)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(DATA)
    b.write_bytes(other)
    assert main(["diff", str(a), str(b), "-f", "png", "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert "chunks[%d].data.year  2020 (0x7e4)  |  1999 (0x7cf)" % index in out
    assert "07 e4" in out and "07 cf" in out and "^^" in out
    assert out.rstrip().endswith("2 fields differ, 0 only on one side")
    assert main(["diff", str(a), str(a), "-f", "png"]) == 0
    assert "no differences" in capsys.readouterr().out


def test_cli_diff_with_a_file_that_does_not_parse(tmp_path, capsys, monkeypatch):
    b = tmp_path / "b.png"
    b.write_bytes(DATA[:93])  # cut between chunks 2 and 3: the chunks end before IEND
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DATA)))
    assert main(["diff", "-", str(b), "-f", "png", "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert "b does not parse: chunks at offset 93" in out
    assert "chunks[11].crc  only in a" in out
    b.write_bytes(DATA[:100])  # cut inside chunk 3: it is kept as Malformed (on_error="keep"), and differs
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DATA)))
    assert main(["diff", "-", str(b), "-f", "png", "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert "chunks[3]  only in b: Malformed(b'\\x00\\x00\\x01\\xc5PLT', 'chunks[3].type at offs" in out
    assert "chunks[11].crc  only in a" in out


def test_cli_dump_window_items_depth_and_stdin(capsys, monkeypatch):
    assert main(["dump", str(SAMPLE), "-f", "png", "--offset", "0x21", "--length", "16", "--no-legend"]) == 0
    out = capsys.readouterr().out
    assert "chunks[1].length = 4" in out and "chunks[2].length" not in out and "legend" not in out
    assert main(["dump", str(SAMPLE), "-f", "png", "--items", "1", "--depth", "2"]) == 0
    out = capsys.readouterr().out
    assert "chunks[0]: Chunk (25 bytes, folded)" in out and "11 more items of chunks" in out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DATA[:33])))  # IHDR, then no IEND
    assert main(["dump", "-", "-f", "png", "--color", "never"]) == 1
    assert "error: chunks at offset 33" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["dump", "x", "--width", "0"], ["dump", "x", "--offset", "-1"],
                                  ["dump", "x", "--items", "many"]])
def test_cli_rejects_bad_numbers(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("binmodel dump: argument --") and err.count("\n") == 1  # one line, no usage block


@pytest.mark.parametrize("command", ["dump", "diff", "html", "layout", "formats"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "usage: binmodel %s" % command in capsys.readouterr().out


def test_cli_one_line_errors(capsys, tmp_path):
    assert main(["diff", str(SAMPLE), str(tmp_path / "nope"), "-f", "png"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("binmodel: cannot read") and err.count("\n") == 1
    assert main(["diff", str(SAMPLE), str(SAMPLE), "-m", "no.such:Model"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_nan_fields_and_typed_arrays():
    from binmodel import Array, Struct, f64, this, u8, u16

    class Samples(Struct, endian="little"):
        n: int = u8()
        values: object = Array(u16, count=this.n, typed=True)
        level: float = f64()
        floats: object = Array(f64, count=2, typed=True)

    nan = struct.pack("<Q", 0x7FF8000000000001)  # a NaN with a payload
    a = bytes([3]) + struct.pack("<3H", 1, 2, 3) + nan + nan + struct.pack("<d", 1.5)
    assert diff(Samples, a, a) == []  # a file does not differ from itself, NaNs and all
    b = bytearray(a)
    b[3] ^= 0xFF  # values[1]
    b[7] ^= 0x01  # level: another NaN payload
    found = {d.path: d for d in diff(Samples, a, bytes(b))}
    assert sorted(found) == ["level", "values"]
    assert found["values"].b.value.tolist() == list(struct.unpack("<3H", bytes(b[1:7])))


@pytest.mark.parametrize("spec", [":PNG", "binmodel.formats.png:", "broken_model_module:Model"])
def test_cli_bad_model_paths_are_one_line(spec, capsys, tmp_path, monkeypatch):
    (tmp_path / "broken_model_module.py").write_text("raise RuntimeError('boom at import')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["dump", str(SAMPLE), "-m", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("binmodel: ") and err.count("\n") == 1


def test_cli_usage_errors_are_one_line(capsys):
    for argv in (["dump", str(SAMPLE), "-f", "png", "--bogus"], []):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--help" in err


def test_cli_offset_past_the_end(capsys):
    assert main(["dump", str(SAMPLE), "-f", "png", "--offset", str(len(DATA))]) == 2
    assert capsys.readouterr().err == "binmodel: --offset %d is past the end of %s (%d bytes)\n" % (
        len(DATA), SAMPLE, len(DATA))


def test_cli_without_rich(monkeypatch, capsys):
    """Core, ``dump --color never`` and even ``--color always`` work when rich cannot be imported."""
    import builtins

    real_import = builtins.__import__

    def no_rich(name, *args, **kwargs):
        if name == "rich" or name.startswith("rich."):
            raise ImportError("No module named 'rich'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rich)
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    assert main(["dump", str(SAMPLE), "-f", "png", "--color", "never", "--items", "1"]) == 0
    captured = capsys.readouterr()
    assert "chunks[0].length = 13 (0xd)" in captured.out and "\x1b[" not in captured.out and captured.err == ""
    assert main(["dump", str(SAMPLE), "-f", "png", "--color", "always", "--items", "1"]) == 0
    captured = capsys.readouterr()
    assert "chunks[0].length = 13 (0xd)" in captured.out and "\x1b[" not in captured.out
    assert captured.err.startswith("binmodel: colour needs rich") and captured.err.count("\n") == 1
    assert main(["diff", str(SAMPLE), str(SAMPLE), "-f", "png", "--color", "never"]) == 0


def test_core_and_cli_modules_import_without_rich():
    import subprocess

    code = ("import sys; sys.modules['rich'] = None\n"  # 'import rich' now raises ImportError
            "import binmodel, binmodel.cli, binmodel.dump, binmodel.diff, binmodel.html, binmodel.formats\n"
            "print(binmodel.dump.__name__)")
    src = str(pathlib.Path(binmodel.__file__).parent.parent)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": src})
    assert done.returncode == 0, done.stderr
