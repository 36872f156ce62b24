"""The .pyc model (PEP 552) on files py_compile writes in the test run, checked against importlib."""

import importlib.util
import marshal
import py_compile

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import Pyc
from binmodel.formats.pyc import PycFlags

MODES = list(py_compile.PycInvalidationMode)


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("ANSWER = 6 * 7\n\ndef twice(x):\n    return 2 * x\n")
    return path


def compiled(source, mode):
    return py_compile.compile(str(source), cfile=str(source.with_suffix(".%s.pyc" % mode.name)),
                              invalidation_mode=mode, doraise=True)


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_header_matches_importlib_and_rebuilds(source, mode):
    from importlib._bootstrap_external import _classify_pyc

    raw = open(compiled(source, mode), "rb").read()
    pyc = Pyc.parse(raw)
    assert pyc.magic_number.to_bytes(2, "little") + b"\r\n" == importlib.util.MAGIC_NUMBER
    assert pyc.flags == _classify_pyc(raw, "mod", {})
    if mode is py_compile.PycInvalidationMode.TIMESTAMP:
        st = source.stat()
        assert (pyc.mtime, pyc.source_size) == (int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF)
        assert pyc.source_hash is None
    else:
        assert pyc.source_hash == importlib.util.source_hash(source.read_bytes())
        assert pyc.mtime is None and pyc.source_size is None
        assert bool(pyc.flags & PycFlags.CHECK_SOURCE) == (mode is py_compile.PycInvalidationMode.CHECKED_HASH)
    namespace: dict = {}
    exec(marshal.loads(pyc.code), namespace)
    assert namespace["ANSWER"] == 42
    assert Pyc.build(pyc) == raw


def test_edited_timestamp_is_what_importlib_validates(source):
    from importlib._bootstrap_external import _validate_timestamp_pyc

    pyc = Pyc.parse(open(compiled(source, py_compile.PycInvalidationMode.TIMESTAMP), "rb").read())
    pyc.mtime = 1_000_000_000
    out = Pyc.build(pyc)
    _validate_timestamp_pyc(out, 1_000_000_000, pyc.source_size, "mod", {})
    with pytest.raises(ImportError):
        _validate_timestamp_pyc(out, 1_000_000_001, pyc.source_size, "mod", {})
    assert marshal.loads(out[16:]).co_filename == str(source)


def test_truncated_and_corrupted_pyc_raise_parse_error(source):
    raw = open(compiled(source, py_compile.PycInvalidationMode.CHECKED_HASH), "rb").read()
    for cut in (0, 1, 3, 7, 12):
        with pytest.raises(ParseError):
            Pyc.parse(raw[:cut])
    bad = bytearray(raw)
    bad[2] = 0  # the b"\r\n" after the version number
    with pytest.raises(ParseError) as err:
        Pyc.parse(bytes(bad))
    assert err.value.path == "magic_crlf"
    bad = bytearray(raw)
    bad[4] = 0x04  # a reserved flag bit is kept (importlib refuses it), so the hash is not read
    assert Pyc.parse(bytes(bad)).mtime is not None


def test_cli_dump_pyc(source, capsys):
    path = compiled(source, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    assert main(["dump", path, "--format", "pyc", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "source_hash = %r" % importlib.util.source_hash(source.read_bytes()) in out
