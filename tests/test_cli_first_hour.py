"""The command line as a new user meets it: ``--version``, ``formats``, and a model of one's own named
as ``module:Model`` from the current directory or as ``path/to/file.py:Model``.

The commands run in a child process started the way the ``binmodel`` script starts: the current directory is
*not* on ``sys.path`` by itself (``python -I``), so a test passes only if the CLI finds the model on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import binmodel
from binmodel.cli import format_summary, main
from binmodel.formats import FORMATS

TLV = textwrap.dedent('''
    from binmodel import Struct, u8, u16, Bytes, Array, this, len_of

    class Item(Struct, endian="big"):
        type: int = u8()
        length: int = u16(derive=len_of("value"))
        value: bytes = Bytes(this.length)

    class Message(Struct, endian="big"):
        count: int = u8()
        items: list = Array(Item, count=this.count)
''')
MSG = bytes([2, 1, 0, 2]) + b"hi" + bytes([7, 0, 1]) + b"!"
SCRIPT = "import sys; from binmodel.cli import main; sys.exit(main(sys.argv[1:]))"
SRC = os.path.dirname(os.path.dirname(binmodel.__file__))


def binmodel_cli(*argv: str, cwd: str) -> subprocess.CompletedProcess:
    """``binmodel ARGV...`` run in ``cwd``, with ``sys.path`` as the installed script has it (no cwd)."""
    code = "import sys; sys.path.append(%r); %s" % (SRC, SCRIPT)  # -I ignores PYTHONPATH: binmodel's own folder
    return subprocess.run([sys.executable, "-I", "-c", code, *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "tlv.py").write_text(TLV)
    (tmp_path / "msg.bin").write_bytes(MSG)
    return tmp_path


def test_isolated_child_does_not_see_the_current_directory(folder):
    done = subprocess.run([sys.executable, "-I", "-c", "import tlv"], cwd=str(folder), capture_output=True)
    assert done.returncode == 1 and b"No module named 'tlv'" in done.stderr  # the premise of the tests below


def test_dump_module_from_the_current_directory(folder):
    done = binmodel_cli("dump", "--model", "tlv:Message", "msg.bin", "--color", "never", cwd=str(folder))
    assert done.returncode == 0, done.stderr
    assert "items[0].value = b'hi'" in done.stdout and "items[1].type = 7" in done.stdout


@pytest.mark.parametrize("spec", ["./tlv.py:Message", "tlv.py:Message", "{folder}/tlv.py:Message"])
def test_dump_file_path(folder, spec):
    done = binmodel_cli("dump", "--model", spec.format(folder=folder), "msg.bin", "--color", "never",
                        cwd=str(folder))
    assert done.returncode == 0, done.stderr
    assert "items[1].value = b'!'" in done.stdout


def test_file_path_from_another_folder_and_its_own_imports(folder, tmp_path_factory):
    (folder / "tlv_items.py").write_text(TLV)
    (folder / "tlv2.py").write_text("from tlv_items import Message\n")  # imports a module beside it
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    done = binmodel_cli("dump", "-m", str(folder / "tlv2.py") + ":Message", str(folder / "msg.bin"),
                        "--color", "never", cwd=str(elsewhere))
    assert done.returncode == 0, done.stderr
    assert "items[0].value = b'hi'" in done.stdout


def test_layout_module_from_the_current_directory(folder):
    done = binmodel_cli("layout", "tlv:Item", cwd=str(folder))
    assert done.returncode == 0, done.stderr
    assert [line.split()[2] for line in done.stdout.splitlines()[3:]] == ["type", "length", "value"]


def test_missing_file_and_missing_model_are_one_line(folder):
    done = binmodel_cli("layout", "./nope.py:Message", cwd=str(folder))
    assert done.returncode == 2 and done.stderr == "binmodel: cannot import ./nope.py: no such file\n"
    done = binmodel_cli("layout", "./tlv.py:Nope", cwd=str(folder))
    assert done.returncode == 2 and done.stderr == "binmodel: ./tlv.py has no Nope\n"


def test_a_file_named_like_a_loaded_module_does_not_replace_it(folder, capsys):
    (folder / "json.py").write_text(TLV)
    import json

    assert main(["layout", str(folder / "json.py") + ":Item"]) == 0
    assert sys.modules["json"] is json
    assert "length" in capsys.readouterr().out


def test_help_documents_both_forms(capsys):
    with pytest.raises(SystemExit):
        main(["dump", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "module:Model" in out and "path/to/file.py:Model" in out and "current directory" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == "binmodel %s\n" % binmodel.__version__


def test_formats_lines_are_whole_sentences(capsys):
    assert main(["formats"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(FORMATS)
    for line in lines:
        assert line.endswith("."), line
        assert "``" not in line and line.count("(") == line.count(")"), line
    gif = next(line for line in lines if line.startswith("gif "))
    assert gif.endswith("then blocks up to the trailer (27).")


def test_format_summary_of_a_model_without_docstring():
    class Bare:
        __doc__ = None
        __name__ = "Bare"

    assert format_summary(Bare) == "The Bare model."
