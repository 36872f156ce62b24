"""Generated code as a supported artifact: the code chosen never depends on a field's name, tracebacks and
pdb show generated lines, every field has its comment, and ``debug.source`` reads a public hook."""

import ast
import linecache
import pathlib
import traceback

import pytest

import binmodel
from binmodel import Array, Bytes, Struct, count_of, debug, len_of, this, u8, u16, u32
from binmodel.codegen import source_of
from binmodel.parsing.compiled import REGISTRY

GENERATED_NAMES = ["end", "pos", "data", "state", "start", "parent", "o", "offset", "ctx", "values", "x",
                   "allow_trailing", "obj", "v0", "S1", "Fail", "new"]
"""Names generated code uses for its own locals and helpers (before the reserved prefix)."""


def _rebuild_fixed(n):
    return type(Struct)("Fixed", (Struct,), {"__annotations__": {"a": int, n: int, "c": int},
                                             "a": u32(), n: u16(), "c": u8()}, endian="little")


def _rebuild_sized(n):
    return type(Struct)("Sized", (Struct,), {"__annotations__": {n: int, "payload": bytes, "trailer": int},
                                             n: u8(), "payload": Bytes(getattr(this, n)), "trailer": u16()},
                        endian="big")


def _rebuild_checked(n):
    return type(Struct)("Checked", (Struct,), {"__annotations__": {n: int, "body": bytes},
                                               n: u16(derive=len_of("body"), check=True),
                                               "body": Bytes(getattr(this, n))}, endian="big")


def _point():
    return type(Struct)("Point", (Struct,), {"__annotations__": {"x": int, "y": int}, "x": u16(), "y": u16()},
                        endian="little")


def _rebuild_counted(n):
    point = _point()
    return type(Struct)("Counted", (Struct,), {"__annotations__": {n: int, "points": list},
                                               n: u8(derive=count_of("points")),
                                               "points": Array(point, count=getattr(this, n))}, endian="little")


def _rebuild_parent(n):
    child = type(Struct)("Child", (Struct,), {"__annotations__": {"data": bytes},
                                              "data": Bytes(getattr(this._parent, n))}, endian="big")
    return type(Struct)("Parent", (Struct,), {"__annotations__": {n: int, "child": object}, n: u8(),
                                              "child": binmodel.Field(child)}, endian="big")


def _rebuild_framed(n):
    tlv = type(Struct)("Tlv", (Struct,), {"__annotations__": {"tag": int, "size": int, "value": bytes},
                                          "tag": u8(), "size": u8(derive=len_of("value")),
                                          "value": Bytes(this.size)}, endian="big")
    return type(Struct)("Framed", (Struct,), {"__annotations__": {"kind": int, n: int, "items": list, "crc": int},
                                              "kind": u8(), n: u16(derive=count_of("items")),
                                              "items": Array(tlv, count=getattr(this, n)), "crc": u32()},
                        endian="big")


def shapes(name: str):
    """Models in which a field called ``name`` plays each role generated code treats specially: in a fixed
    run (the buffer-free entry), as a length (bytes sized by it), as a derived and checked length (a
    context with positions), as an item count (iter_unpack), as what a nested struct reads from its
    parent, and as the count of an item list joined once on build."""
    return [make(name) for make in (_rebuild_fixed, _rebuild_sized, _rebuild_checked, _rebuild_counted,
                                    _rebuild_parent, _rebuild_framed)]


@pytest.mark.parametrize("name", GENERATED_NAMES)
def test_a_field_named_like_a_generated_name_gets_the_same_code(name):
    """A field called ``end`` (or ``pos``, ``data``, ``state``...) changes nothing but its own name in the
    generated parser and builder: the forms chosen are read from the schema and from recorded facts,
    and every generated name carries the reserved prefix."""
    for baseline, renamed in zip(shapes("zz"), shapes(name)):
        expected = debug.source(baseline).replace("zz", name)
        assert debug.source(renamed) == expected, renamed.__name__


def test_renamed_models_still_parse_and_build():
    for model in shapes("end"):
        if model.__name__ == "Fixed":
            raw = bytes(range(7))
        elif model.__name__ == "Sized":
            raw = b"\x02ab\x00\x01"
        elif model.__name__ == "Checked":
            raw = b"\x00\x03abc"
        elif model.__name__ == "Counted":
            raw = b"\x01\x01\x00\x02\x00"
        elif model.__name__ == "Parent":
            raw = b"\x02xy"
        else:
            raw = b"\x07\x00\x01\x05\x02hi\x00\x00\x00\x09"
        assert model.build(model.parse(raw)) == raw, model.__name__


def test_a_traceback_inside_generated_code_shows_its_line():
    class Record(Struct, endian="little"):
        size: int = u32()
        body: bytes = Bytes(this.size)

    parse = REGISTRY.parser(Record._bm_node)
    with pytest.raises(TypeError) as caught:  # (no bytes at all: unpack_from fails inside generated code)
        parse(None, 0, 10, None, None)
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert frame.filename.startswith("<binmodel: Record.parse #")
    assert "unpack_from" in frame.line
    assert frame.line == linecache.getline(frame.filename, frame.lineno).strip()
    assert frame.line in "".join(traceback.format_exception(caught.type, caught.value, caught.tb))


def test_every_field_has_a_comment_in_its_parser_and_builder():
    class Header(Struct, endian="big"):
        magic: int = u32()
        version: int = u8()
        size: int = u16(derive=len_of("name"))
        name: bytes = Bytes(this.size)

    source = debug.source(Header)
    parser, builder = source.split("def entry_Header")[0], source.split("def build_Header")[1]
    comments = [line.strip() for line in parser.splitlines() if line.strip().startswith("#")]
    assert comments == ["# magic, version, size: u32be, u8, u16be", "# name: Bytes"]
    assert [line.strip() for line in builder.splitlines() if line.strip().startswith("#")][:4] == [
        "# magic: u32be", "# version: u8", "# size: u16be", "# name: Bytes"]


def test_debug_source_reads_the_registered_sources():
    class Pair(Struct, endian="big"):
        a: int = u8()
        b: int = u16()

    text = debug.source(Pair)
    assert text.startswith(source_of(Pair._bm_node, "parse"))
    assert text.endswith(source_of(Pair._bm_node, "build"))


def test_the_code_generators_use_no_regular_expressions():
    """Forms are decided from the schema and from what the emitters recorded, never by matching text."""
    root = pathlib.Path(binmodel.__file__).parent
    modules = sorted(root.glob("parsing/*.py")) + sorted(root.glob("building/*.py")) + [
        root / "codegen.py", root / "fixed.py"]
    for path in modules:
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert "re" not in imported, path
