"""``binmodel ksy2py``: the source written for each .ksy of Kaitai's test suite compiles, imports, and its
classes parse every input the suite's specifications name to the same values, and build the same bytes,
as the classes ``load`` makes from the same file."""

from __future__ import annotations

import enum
import inspect
import json
import pathlib
import subprocess
import sys
import types
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("yaml")

from binmodel.errors import Error  # noqa: E402
from binmodel.kaitai import UnsupportedError, load  # noqa: E402
from binmodel.kaitai.ksy import read_yaml  # noqa: E402
from binmodel.kaitai.source import ksy_to_source  # noqa: E402

SUITE = pathlib.Path("/work/shared/kaitai-tests")
FORMATS = SUITE / "formats"
SEARCH = [FORMATS / "ks_path", FORMATS]
needs_suite = pytest.mark.skipif(not FORMATS.is_dir(), reason="Kaitai's test suite is not at %s" % SUITE)


def inputs() -> Dict[str, List[str]]:
    """Each format's inputs, as the suite's .kst specifications name them (conformance.run_one's mapping)."""
    out: Dict[str, List[str]] = {}
    for kst in sorted((SUITE / "spec" / "ks").glob("*.kst")):
        spec = read_yaml(kst.read_text(encoding="utf-8"), kst.name)
        if isinstance(spec, dict) and isinstance(spec.get("id"), str) and isinstance(spec.get("data"), str):
            out.setdefault(spec["id"], []).append(spec["data"])
    return out


def generated(path: Any, search: Any = ()) -> Tuple[str, types.ModuleType]:
    """The source for ``path`` and the module it makes, run fresh (as ``import`` of a written file would)."""
    source = ksy_to_source(path, search)
    code = compile(source, str(path) + ".py", "exec")
    module = types.ModuleType("ksy2py_generated")
    sys.modules[module.__name__] = module  # as import does: annotations resolve in the module
    try:
        exec(code, module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return source, module


def root_class(module: types.ModuleType, loaded: Any) -> Any:
    """The generated class of the root type: the first class whose name the loaded root's name ends."""
    return getattr(module, loaded.__qualname__.split(".")[-1])


def plain(value: Any) -> Any:
    """A value with enum members as (name, value), so two enum classes of the same members compare."""
    if isinstance(value, enum.Enum):
        return (value.name, value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    return type(value).__name__  # an object with no value of its own (the view a parameter holds)


def outcome(model: Any, data: bytes) -> Tuple[str, Any, Any]:
    """What parsing ``data`` gives (values, then the bytes built back), or the error class of each step."""
    try:
        parsed = model.parse(data, allow_trailing=True)
        values = plain(parsed.to_dict())
    except (Error, RecursionError) as exc:
        return ("parse error", type(exc).__name__, None)
    try:
        built: Any = model.build(parsed)
    except (Error, RecursionError) as exc:
        built = type(exc).__name__
    return ("parsed", values, built)


@needs_suite
def test_every_loadable_format_converts_and_agrees_with_the_loader() -> None:
    by_format = inputs()
    converted, compared, refused, unloadable = 0, 0, [], 0
    for ksy in sorted(FORMATS.glob("*.ksy")):
        try:
            loaded = load(ksy, SEARCH)
        except Error:
            unloadable += 1
            continue
        try:
            source, module = generated(ksy, SEARCH)
        except UnsupportedError as exc:  # refused with the file and the YAML path
            assert str(exc).startswith(ksy.name + ": ") and "cannot be written as source" in str(exc), exc
            refused.append(str(exc))
            continue
        converted += 1
        model = root_class(module, loaded)
        assert model.__name__ in source
        for data_name in by_format.get(ksy.stem, ()):
            data = (SUITE / "src" / data_name).read_bytes()
            assert outcome(model, data) == outcome(loaded, data), (ksy.name, data_name)
            compared += 1
    print("\nksy2py: %d formats converted, %d refused, %d not loadable; %d inputs compared"
          % (converted, len(refused), unloadable, compared))
    for line in refused:
        print("  refused:", line)
    assert converted >= 290 and compared >= 140


KSY = """\
meta:
  id: chunk
  endian: be
seq:
  - id: n
    type: u1
    doc: How many items follow.
  - id: items
    type: item
    repeat: expr
    repeat-expr: n
types:
  item:
    seq:
      - id: len
        type: u2
      - id: body
        size: len
"""


def test_the_source_is_what_a_person_writes(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "chunk.ksy"
    path.write_text(KSY)
    source, module = generated(path)
    assert "    len: Any = u16be()\n    body: Any = Bytes(this.len)\n" in source
    assert "    # How many items follow.\n    n: Any = u8()\n" in source
    assert "items: Any = Array(Item, count=this.n)" in source
    data = b"\x02\x00\x01A\x00\x02BC"
    obj = module.Chunk.parse(data)
    assert [i.body for i in obj.items] == [b"A", b"BC"] and module.Chunk.build(obj) == data


def test_an_expression_with_no_binmodel_form_is_a_named_function(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "t.ksy"
    path.write_text("meta: {id: t}\nseq:\n  - id: a\n    type: u1\ninstances:\n  s:\n    value: a.to_s\n")
    source, module = generated(path)
    assert "def t_s(view):" in source and "no binmodel expression form" in source
    assert "s: Any = Computed(Call(t_s))" in source
    assert module.T.parse(b"\x2a").s == "42"


def test_cli_writes_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "chunk.ksy"
    path.write_text(KSY)
    out = tmp_path / "chunk.py"
    subprocess.run([sys.executable, "-m", "binmodel", "ksy2py", str(path), "-o", str(out)], check=True)
    assert out.read_text() == ksy_to_source(path)
    printed = subprocess.run([sys.executable, "-m", "binmodel", "ksy2py", str(path)], check=True,
                             capture_output=True, text=True).stdout
    assert printed == out.read_text()


def test_what_cannot_be_written_is_refused_with_the_file_and_yaml_path(tmp_path: pathlib.Path) -> None:
    from binmodel import Mapped, u8
    from binmodel.kaitai import source
    from binmodel.kaitai.loader import scope_of

    path = tmp_path / "m.ksy"
    path.write_text("meta: {id: m}\nseq:\n  - id: a\n    type: u1\n  - id: b\n    type: u1\n")
    root = load(path)
    scope = scope_of(root)
    fields, options = scope.recipe
    by_hand = Mapped(u8, lambda v: v + 1, lambda v: v - 1)  # a Python function: no source to write
    scope.recipe = (fields[:1] + (("b", by_hand, ("seq", 1)),), options)
    with pytest.raises(UnsupportedError) as caught:
        source._Writer(root).source(path.name)
    assert str(caught.value).startswith("m.ksy: seq[1]: cannot be written as source (a Mapped field)")


def test_subscripts_and_literal_left_shifts_print_as_binmodel_expressions() -> None:
    from binmodel import this
    from binmodel.expr import Lit
    from binmodel.kaitai import source

    writer = source._Writer(load("meta: {id: z}\nseq: []\n"))
    for e in (this.a[this.b + 1], Lit(1) << this.n, (this.a & 3) == (this.b | 4), -(this.a - (this.b - 1))):
        text = writer.expr(e)
        assert eval(text, {"this": this, "Lit": Lit}).text() == e.text(), text


def test_cli_reports_what_the_loader_refuses_with_the_file_and_yaml_path(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "fx.ksy"
    path.write_text("meta: {id: fx}\nseq:\n  - id: a\n    size: 2\n    process: my_fx(1)\n")
    run = subprocess.run([sys.executable, "-m", "binmodel", "ksy2py", str(path)], capture_output=True, text=True)
    assert run.returncode != 0 and run.stdout == ""
    assert run.stderr.startswith("binmodel: fx.ksy: seq[0].process: not supported yet"), run.stderr


@settings(max_examples=60, deadline=None)
@given(doc=st.text(), field_doc=st.text(), text=st.text())
def test_any_doc_or_string_in_the_ksy_stays_text_in_the_source(doc: str, field_doc: str, text: str) -> None:
    """``doc:`` text becomes docstrings and comments, string values literals: whatever they hold (quotes,
    backslashes, line breaks, NULs), the source compiles and the values are the .ksy's."""
    import yaml

    ksy = yaml.safe_dump({"meta": {"id": "d"}, "doc": doc,
                          "seq": [{"id": "a", "type": "u1", "doc": field_doc}],
                          "instances": {"s": {"value": json.dumps(text)}}})
    try:
        loaded = load(ksy)
    except Error:
        return  # text Kaitai's expression language cannot hold (the loader refuses it)
    code = compile(ksy_to_source(ksy), "d.py", "exec")
    module: Dict[str, Any] = {"__name__": "d"}
    exec(code, module)
    assert module["D"].parse(b"\x01").s == loaded.parse(b"\x01").s
    written = "\n".join(line.rstrip() for line in loaded.__doc__.splitlines())  # (line breaks as lines)
    assert inspect.cleandoc(module["D"].__doc__ or "") == inspect.cleandoc(written)
