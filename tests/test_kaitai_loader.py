"""binmodel.kaitai.loader: .ksy descriptions as models, checked value by value against Kaitai's generated code.

Every format of Kaitai's test suite that the importer supports is parsed by binmodel and by the Python
Kaitai's compiler generates (``kaitai_truth``); every field and value instance must agree. Formats Kaitai
refuses (``formats_err/``) must be refused; unsupported features must be one error naming the file and
the YAML path.
"""

from __future__ import annotations

import enum
import math
import pathlib
import subprocess
import sys
from typing import Any, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kaitai_truth
from binmodel.errors import BuildError, ParseError

yaml = pytest.importorskip("yaml", reason="could not import 'yaml': pip install -e '.[kaitai]'")

from binmodel.kaitai.ksy import KaitaiError, UnsupportedError, attr_name  # noqa: E402
from binmodel.kaitai.loader import load, scope_of  # noqa: E402

SUITE = kaitai_truth.SUITE
FORMATS = SUITE / "formats"

SAMPLE = """
meta:
  id: sample
  endian: be
  encoding: ASCII
doc: A sample of what the importer reads.
seq:
  - id: magic
    contents: [0xca, 0xfe, "!"]
  - id: kind
    type: u1
    enum: kind
  - id: len_name
    type: u2
  - id: name
    type: str
    size: len_name
  - id: tail_le
    type: s4le
  - id: count
    type: u1
  - id: points
    type: point
    repeat: expr
    repeat-expr: count
  - id: extra
    type: u1
    if: kind == kind::big
  - id: body
    type:
      switch-on: kind
      cases:
        kind::small: u1
        kind::big: point
  - id: words
    type: strz
    repeat: until
    repeat-until: _ == "end"
  - id: class
    type: u1
types:
  point:
    seq:
      - id: x
        type: u1
      - id: y
        type: u1
    instances:
      sum:
        value: x + y
instances:
  name_length:
    value: name.length
  twice:
    value: half * 2
  half:
    value: len_name / 2
enums:
  kind:
    1: small
    2:
      id: big
      doc: The big kind.
"""

SAMPLE_DATA = (b"\xca\xfe!" + b"\x02" + b"\x00\x03abc" + b"\xff\xff\xff\xff" + b"\x02" + b"\x01\x02\x03\x04"
               + b"\x07" + b"\x05\x06" + b"hi\x00end\x00" + b"\x09")


def test_a_format_becomes_models() -> None:
    Sample = load(SAMPLE)
    obj = Sample.parse(SAMPLE_DATA)
    assert obj.kind is Sample.Kind.big and obj.kind.ks_name == "big" and Sample.Kind.big.__doc__ == "The big kind."
    assert isinstance(Sample.Kind.big, enum.IntEnum)
    assert (obj.name, obj.tail_le, obj.extra, obj.words) == ("abc", -1, 7, ["hi", "end"])
    assert [(p.x, p.y, p.sum) for p in obj.points] == [(1, 2, 3), (3, 4, 7)]
    assert isinstance(obj.points[0], Sample.Point) and (obj.body.x, obj.body.y) == (5, 6)
    assert (obj.name_length, obj.half, obj.twice) == (3, 1, 2)
    assert getattr(obj, attr_name("class")) == 9 and attr_name("class") == "class_"
    assert Sample.__doc__ == "A sample of what the importer reads."
    assert Sample.build(obj) == SAMPLE_DATA
    assert scope_of(Sample).name == "sample"


def test_a_sized_type_keeps_the_bytes_it_leaves_unread() -> None:
    Model = load("meta:\n  id: m\nseq:\n  - id: body\n    type: pair\n    size: 4\n  - id: tail\n    type: u1\n"
                 "  - id: rest\n    type: pair\n    size-eos: true\n"
                 "types:\n  pair:\n    seq:\n      - id: a\n        type: u1\n      - id: b\n        type: u1\n")
    data = b"\x01\x02\xaa\xbb\x09\x03\x04\xcc"
    obj = Model.parse(data)
    assert (obj.body.a, obj.body.b, obj.body._unread, obj.tail, obj.rest.b, obj.rest._unread) == \
        (1, 2, b"\xaa\xbb", 9, 4, b"\xcc")
    assert isinstance(obj.body, Model.Pair) and Model.build(obj) == data


@given(st.binary(max_size=40))
def test_bad_input_is_a_parse_error(data: bytes) -> None:
    Sample = _sample()
    for candidate in (data, SAMPLE_DATA[:len(data)], SAMPLE_DATA[:8] + data):
        try:
            Sample.parse(candidate)
        except ParseError:
            pass


_SAMPLE: List[Any] = []


def _sample() -> Any:
    if not _SAMPLE:
        _SAMPLE.append(load(SAMPLE))
    return _SAMPLE[0]


def _write(tmp_path: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("body, message", [
    ("seq:\n  - id: a\n    type: u1\n  - id: b\n    size: 2\n    process: my_fx(0x55)\n",
     "foo.ksy: seq[1].process: not supported yet (process: my_fx(0x55) (custom processing routines)): give its "
     "codec to load(..., processes={'my_fx': ...})"),
    ("instances:\n  a:\n    type: u1\n",
     "foo.ksy: instances.a.type: not supported yet (parse instances without pos: (read where the cursor is))"),
    ("seq:\n  - id: a\n    type: t\n  - id: b\n    size: a._io.size\ntypes:\n  t:\n    seq:\n      - id: x\n        type: u1\n",
     "foo.ksy: seq[1].size: not supported yet (_io is not supported yet (Kaitai's stream object; binmodel has "
     "_io.pos, _io.size and _io.eof of the region being parsed))"),
    ("seq:\n  - id: k\n    type: u1\n  - id: a\n    type:\n      switch-on: k\n      cases:\n        1: b3\n",
     "foo.ksy: seq[1]: not supported yet (bit fields inside a switch or a sized region)"),
    ("seq:\n  - id: a\n    type: str\n    encoding: ASCII\n    size-eos: true\n    terminator: 0\n",
     "foo.ksy: seq[0].terminator: not supported yet (a terminator inside size-eos)"),
])
def test_unsupported_features_are_one_error_naming_file_and_yaml_path(tmp_path: pathlib.Path, body: str,
                                                                      message: str) -> None:
    path = _write(tmp_path, "foo.ksy", "meta:\n  id: foo\n  endian: le\n" + body)
    with pytest.raises(UnsupportedError) as info:
        load(path)
    assert str(info.value) == message


@pytest.mark.parametrize("body, message", [
    ("seq:\n  - id: a\n    type: u2\n",
     "foo.ksy: seq[0].type: u2 needs a byte order: write u2le/u2be or give meta.endian"),
    ("seq:\n  - id: a\n    type: nope\n", "foo.ksy: seq[0].type: unknown type nope"),
    ("seq:\n  - id: a\n    type: u1\n    sizee: 3\n", "foo.ksy: seq[0].sizee: unknown key 'sizee'"),
    ("seq:\n  - id: a\n    type: u1\nseq:\n  - id: b\n    type: u1\n",
     "foo.ksy: line 6, column 1: invalid YAML: found duplicate key seq"),
    ("seq:\n  - id: a\n    size: 1 +\n", "foo.ksy: seq[0].size: expression '1 +' at position 3: expected an operand, "
     "found the end"),
    ("seq:\n  - id: a\n    type: u1\n  - id: a\n    type: u1\n", "foo.ksy: seq[1].id: duplicate id a"),
    ("seq:\n  - id: a\n    type: str\n    size: 2\n", "foo.ksy: seq[0].type: a str needs an encoding "
     "(encoding: or meta.encoding)"),
    ("seq:\n  - id: a\n    type: u1\n    enum: nope\n", "foo.ksy: seq[0].enum: unknown enum nope"),
    ("seq:\n  - id: a\n    type: u1\n    if: 5\n",
     "foo.ksy: seq[0].if: invalid type: expected a boolean, got an integer"),
    ("seq:\n  - id: a\n    type: u1\ninstances:\n  b:\n    pos: 0\n    io: a._io\n    type: u1\n",
     "foo.ksy: instances.b.io: invalid type: expected a user type, got an integer"),
    ("seq:\n  - id: a\n    type: u1\ninstances:\n  b:\n    pos: 0\n    io: a\n    type: u1\n",
     "foo.ksy: instances.b.io: io: needs a stream, an object's _io (or a ?: of them), not a"),
    ("seq:\n  - id: a\n    size: '\"foo\"'\n", "foo.ksy: seq[0].size: invalid type: expected an integer, got a string"),
    ("seq:\n  - id: a\n    type: u1\ninstances:\n  b:\n    value: not a\n",
     "foo.ksy: instances.b.value: expression 'not a' at position 0: not needs a boolean, not an integer"),
    ("seq:\n  - id: a\n    size: 2\ninstances:\n  b:\n    value: a.to_s\n",
     "foo.ksy: instances.b.value: expression 'a.to_s' at position 2: bytes.to_s takes one argument, the name of an "
     "encoding as a string literal"),
    ("seq:\n  - id: a\n    type: u1\n  - id: b\n    type:\n      switch-on: a\n      cases:\n        '\"x\"': u1\n",
     "foo.ksy: seq[1].type.cases.\"x\": cannot compare an integer (switch-on) and a string (the case)"),
])
def test_what_kaitai_refuses_is_refused(tmp_path: pathlib.Path, body: str, message: str) -> None:
    path = _write(tmp_path, "foo.ksy", "meta:\n  id: foo\n" + body)
    with pytest.raises(KaitaiError) as info:
        load(path)
    assert not isinstance(info.value, UnsupportedError)
    assert str(info.value) == message


def test_yaml_is_read_as_kaitai_reads_it() -> None:
    Model = load("meta:\n  id: m\nseq:\n  - id: a\n    type: u1\nenums:\n  e:\n    0: no\n    1: yes\n    2: on\n")
    assert [m.ks_name for m in scope_of(Model).enums["e"]] == ["no", "yes", "on"]


def test_imports_are_found_beside_the_file_and_in_search_paths(tmp_path: pathlib.Path) -> None:
    (tmp_path / "lib").mkdir()
    _write(tmp_path / "lib", "pair.ksy", "meta:\n  id: pair\nseq:\n  - id: a\n    type: u1\n  - id: b\n    type: u1\n")
    _write(tmp_path, "rel.ksy", "meta:\n  id: rel\n  imports: [lib/pair]\nseq:\n  - id: p\n    type: pair\n")
    _write(tmp_path, "abs.ksy", "meta:\n  id: abs\n  imports: [/pair]\nseq:\n  - id: p\n    type: pair\n")
    assert load(tmp_path / "rel.ksy").parse(b"\x01\x02").p.b == 2
    assert load(tmp_path / "abs.ksy", [tmp_path / "lib"]).parse(b"\x01\x02").p.a == 1
    with pytest.raises(KaitaiError, match=r"abs.ksy: meta.imports\[0\]: cannot find pair.ksy"):
        load(tmp_path / "abs.ksy")


def test_the_core_does_not_import_yaml() -> None:
    code = "import sys, binmodel, binmodel.kaitai, binmodel.kaitai.loader; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- Kaitai's refused formats ----------------------------------------------------------------------------------

# Accepted: Kaitai's compiler only warns about these (encoding names, style of ids)...
KNOWN_ACCEPTED = {
    "encoding_meta_warnings", "style_bad_len_inst_value", "style_bad_len_seq", "style_bad_num_inst_value",
    "style_bad_num_seq", "encoding_str_warnings", "encoding_str_bad", "style_bad_len_inst_pos", "style_bad_num_inst_pos",
    # ... these two hold no error of their own: the params_call_bad_type_*_import files import them
    "params_def_subtype_imported", "params_def_top_imported",
    # ... and refuses these for the type it infers for _parent (a type used by two parents), which the
    # importer does not infer
    "nav_parent_multi", "nav_parent_multi_one_unused", "nav_parent_unused", "nav_parent_unused_import",
}


def test_kaitais_refused_formats_are_refused() -> None:
    errors = SUITE / "formats_err"
    if not errors.is_dir():
        pytest.skip("Kaitai's test suite is not at %s" % SUITE)
    accepted, refused = [], 0
    for path in sorted(errors.glob("*.ksy")):
        try:
            load(path, [errors])
        except KaitaiError as exc:
            assert str(exc).startswith(path.name + ": ") or ".ksy: " in str(exc), str(exc)
            refused += 1
        else:
            accepted.append(path.stem)
    assert set(accepted) <= KNOWN_ACCEPTED, sorted(set(accepted) - KNOWN_ACCEPTED)
    assert refused >= 141  # of 156: the rest are the warnings and helpers above, and the _parent inference


def test_valid_formats_are_never_refused() -> None:
    """Every format of Kaitai's suite loads, or names the feature it needs: the importer's own checks (static
    kinds of expressions, names, keys) refuse nothing that Kaitai's compiler takes."""
    if not FORMATS.is_dir():
        pytest.skip("Kaitai's test suite is not at %s" % SUITE)
    refused = []
    for path in sorted(FORMATS.glob("*.ksy")):
        try:
            load(path, [FORMATS / "ks_path", FORMATS])
        except UnsupportedError:
            pass
        except KaitaiError as exc:
            refused.append(str(exc))
    # imports_abs.ksy imports /common/vlq_base128_le, which the suite does not hold
    assert [r.split(":")[0] for r in refused] == ["imports_abs.ksy"], refused


def test_cut_and_changed_inputs_are_parse_errors() -> None:
    """Every supported format of the suite, on cuts of its input and with bytes changed: a value or a
    ParseError, never another exception (expressions that fail on odd data included)."""
    if not FORMATS.is_dir():
        pytest.skip("Kaitai's test suite is not at %s" % SUITE)
    tried = 0
    for name, data_name in _tests():
        try:
            model = load(FORMATS / (name + ".ksy"), [FORMATS / "ks_path", FORMATS])
        except UnsupportedError:
            continue
        data = (SUITE / "src" / data_name).read_bytes()[:512]
        step = max(1, len(data) // 24)
        variants = [data[:cut] for cut in range(0, len(data), step)]
        variants += [data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:] for i in range(0, len(data), step)]
        for variant in variants:
            try:
                obj = model.parse(variant, allow_trailing=True)
            except ParseError:
                continue
            tried += 1
            try:
                built = model.build(obj)
            except ParseError:  # an instance (a lazy pointer) past the cut: read by build, it fails as Kaitai's would
                continue
            except BuildError as exc:  # a model that reads _io (known only while parsing), or whose parse
                # instance is its own type (built, it reads one inside the other to the depth limit)
                assert "this._io" in str(exc) or "nested deeper than" in str(exc), (name, exc)
                continue
            assert variant.startswith(built), name
    assert tried >= 100


# --- value by value against Kaitai's generated code -------------------------------------------------------------

# Formats of the suite whose test specification is not among those here, with the input Kaitai's tests
# give them (the name of the format says which): compared with Kaitai's generated code like the others
WITHOUT_SPEC = [("default_endian_expr_is_be", "endian_expr.bin"), ("default_endian_expr_is_le", "endian_expr.bin"),
                ("default_endian_expr_inherited", "endian_expr.bin"), ("expr_sizeof_type_1", "fixed_struct.bin")]


def _tests() -> List[Tuple[str, str]]:
    """(format, input) of each test specification of the suite, and of ``WITHOUT_SPEC``."""
    out = []
    for kst in sorted((SUITE / "spec" / "ks").glob("*.kst")):
        spec = yaml.safe_load(kst.read_text())
        if isinstance(spec, dict) and isinstance(spec.get("id"), str) and isinstance(spec.get("data"), str):
            out.append((spec["id"], spec["data"]))
    return out + [t for t in WITHOUT_SPEC if (FORMATS / (t[0] + ".ksy")).is_file()]


def _match(mine: Any, theirs: Any, path: str, out: List[str], depth: int = 0) -> int:
    """Compare one value; mismatches go to ``out``; returns how many values were compared."""
    from kaitaistruct import KaitaiStruct

    if isinstance(theirs, KaitaiStruct):
        if depth > 20:
            return 0
        count = 0
        names = [k for k in vars(theirs) if not k.startswith("_")]
        names += [k for k, v in vars(type(theirs)).items() if isinstance(v, property) and not k.startswith("_")]
        for name in names:
            try:
                value = getattr(theirs, name)
            except Exception:
                continue
            if not hasattr(mine, attr_name(name)):
                out.append("%s.%s: binmodel has no field %s" % (path, name, attr_name(name)))
                continue
            count += _match(getattr(mine, attr_name(name)), value, "%s.%s" % (path, name), out, depth + 1)
        return count
    if isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            out.append("%s: Kaitai %d items, binmodel %r" % (path, len(theirs), mine))
            return 1
        return sum(_match(m, t, "%s[%d]" % (path, i), out, depth) for i, (m, t) in enumerate(zip(mine, theirs)))
    ok: bool
    if isinstance(theirs, enum.Enum):
        ok = isinstance(mine, enum.Enum) and mine.value == theirs.value and getattr(mine, "ks_name", "") == theirs.name
    elif isinstance(theirs, bool):
        ok = mine == theirs and type(mine) in (bool, int)
    elif isinstance(theirs, float):
        ok = isinstance(mine, float) and (mine == theirs or (math.isnan(mine) and math.isnan(theirs)))
    elif isinstance(theirs, (bytes, str)):  # (binmodel's values may be subclasses that keep their stored bytes)
        ok = isinstance(mine, type(theirs)) and mine == theirs
    else:
        ok = type(mine) is type(theirs) and mine == theirs or (isinstance(theirs, int) and not isinstance(mine, enum.Enum)
                                                               and isinstance(mine, int) and mine == theirs)
    if not ok:
        out.append("%s: Kaitai %r, binmodel %r" % (path, theirs, mine))
    return 1


# Formats where the generated code is not the truth, and why
TRUTH_DIFFERS = {
    # the compiler runs in JavaScript: js-yaml reads 18446744073709551615 as a float, 18446744073709552000
    # (the test specification expects 0xffffffffffffffff, as binmodel gives)
    "yaml_ints": "an integer above 2**53 read as a JavaScript number",
    # the generated Python indexes its list of raw bodies by the item's number, but appends to it only
    # for the cases with a size: an IndexError on the second item
    "switch_repeat_expr_invalid": "Kaitai's generated Python fails (IndexError in self._raw_body[i])",
}


def test_supported_formats_agree_with_kaitais_generated_code() -> None:
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    mismatches: List[str] = []
    compared, formats = 0, 0
    for name, data_name in _tests():
        try:
            model = load(FORMATS / (name + ".ksy"), [FORMATS / "ks_path", FORMATS])
        except UnsupportedError:
            continue
        data = kaitai_truth.source_file(data_name)
        try:
            mine = model.parse(data, allow_trailing=True)
        except ParseError:
            continue  # a sized type that leaves bytes unread, an instance Kaitai computes only when read
        if name in TRUTH_DIFFERS:
            continue
        try:
            theirs = kaitai_truth.kaitai_parse(name, data)
        except RuntimeError:  # the compiler as tools/kaitai/compile.js drives it cannot compile it: no truth
            continue
        formats += 1
        compared += _match(mine, theirs, name, mismatches)
    assert not mismatches, "\n".join(mismatches[:30])
    assert formats >= 40 and compared >= 300, (formats, compared)


def test_sizeof_a_type_is_its_fixed_size() -> None:
    text = ("meta: {id: s, endian: le}\nseq:\n  - id: n\n    type: u1\ntypes:\n  fixed:\n    seq:\n"
            "      - id: a\n        type: u2\n      - id: b\n        size: 3\n  var:\n    seq:\n"
            "      - id: a\n        size: _parent.n\ninstances:\n  size:\n    value: sizeof<fixed> + bitsizeof<u4>\n")
    assert load(text).parse(b"\x01").size == 5 + 32
    with pytest.raises(KaitaiError, match=r"instances\.size\.value: sizeof<var>: .*no fixed size"):
        load(text.replace("sizeof<fixed>", "sizeof<var>"))
