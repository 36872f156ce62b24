"""Custom ``process:`` routines and opaque types given to ``load``, against Kaitai's compiler and runtime.

Kaitai's generated Python imports a custom routine by its name (``from my_custom_fx import MyCustomFx``,
``import nested.deeply``) and calls it with the arguments the .ksy writes; here the same classes are put
where that code imports them from and given to ``load(processes=)``, so what is compared is how each
side passes constants, booleans, byte arrays and values read from the struct (``my_custom_fx(key, ...)``)
and what it does with the result. Then round trips, edits, the errors, and opaque types.
"""

from __future__ import annotations

import pathlib
import random
import sys

import pytest

import kaitai_truth
from binmodel import Struct, u8
from binmodel.errors import BuildError, ParseError
from binmodel.kaitai import KaitaiError, UnsupportedError, load
from binmodel.kaitai.suite import PROCESSES, AddKey, Underscored

FORMATS = kaitai_truth.SUITE / "formats"


def _suite_present() -> None:
    if not FORMATS.is_dir():
        pytest.skip("Kaitai's test suite is not at %s" % kaitai_truth.SUITE)


@pytest.fixture
def helpers_importable(tmp_path: pathlib.Path):
    """The routines as modules Kaitai's generated code imports (the suite's harness has its own there)."""
    (tmp_path / "my_custom_fx.py").write_text("from binmodel.kaitai.suite import AddKey as MyCustomFx\n")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "__init__.py").write_text("")
    (tmp_path / "nested" / "deeply.py").write_text("from binmodel.kaitai.suite import Underscored as CustomFx\n")
    sys.path.insert(0, str(tmp_path))
    yield
    sys.path.remove(str(tmp_path))
    for name in ("my_custom_fx", "nested", "nested.deeply"):
        sys.modules.pop(name, None)


def test_routines_get_the_arguments_kaitai_gives_them(helpers_importable):
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    model = load(FORMATS / "process_custom.ksy", processes=PROCESSES)
    rng = random.Random(15)
    inputs = [kaitai_truth.source_file("process_rotate.bin") + bytes(16)]
    inputs += [bytes(rng.randrange(256) for _ in range(16)) for _ in range(20)]
    for data in inputs:
        theirs = kaitai_truth.kaitai_parse("process_custom", data)
        ours = model.parse(data, allow_trailing=True)
        assert (ours.buf1, ours.buf2, ours.key, ours.buf3) == (theirs.buf1, theirs.buf2, theirs.key, theirs.buf3)
        assert model.build(ours) == data[:16]
        assert model.parse(model.build(ours)) == ours


def test_an_edited_value_is_encoded_with_the_arguments_read_from_the_struct():
    _suite_present()
    model = load(FORMATS / "process_custom.ksy", processes=PROCESSES)
    value = model.parse(bytes(range(16)))
    value.buf3, value.key = b"hello", 200
    raw = model.build(value)
    assert raw[10] == 200 and raw[11:16] == AddKey(200, False).encode(b"hello")
    assert model.parse(raw).buf3 == b"hello"


def test_a_routine_without_encode_builds_only_what_it_read():
    class DecodeOnly:
        def decode(self, data: bytes) -> bytes:
            return data[::-1]

    text = "meta: {id: rev}\nseq:\n  - id: a\n    size: 3\n    process: reverse\n  - id: b\n    type: u1\n"
    model = load(text, processes={"reverse": DecodeOnly})
    value = model.parse(b"abc\x01")
    assert value.a == b"cba" and model.build(value) == b"abc\x01"
    value.a = b"xyz"
    with pytest.raises(BuildError) as err:
        model.build(value)
    assert err.value.path == "a" and "has no encode()" in str(err.value)


def test_a_failing_routine_is_a_parse_error_naming_the_field():
    text = "meta: {id: under}\nseq:\n  - id: x\n    type: u1\n  - id: a\n    size: 2\n    process: under(x)\n"
    model = load(text, processes={"under": Underscored})
    assert model.parse(b"\x07ab").a == b"_ab_"
    bad = load(text, processes={"under": lambda x: AddKey(x, True, b"") if x < 5 else 1 / 0})
    assert bad.parse(b"\x01ab").a == b"bc"
    with pytest.raises(ParseError) as err:
        bad.parse(b"\x07ab")
    assert err.value.path == "a" and err.value.offset == 1 and "ZeroDivisionError" in str(err.value)


def test_what_was_not_given_is_refused_naming_the_file_and_path():
    with pytest.raises(UnsupportedError, match=r"seq\[0\]\.process: not supported yet .*processes=\{'my_fx'"):
        load("meta: {id: z}\nseq:\n  - id: a\n    size: 2\n    process: my_fx(1)\n")
    opaque = "meta: {id: z, ks-opaque-types: true}\nseq:\n  - id: a\n    type: thing\n"
    with pytest.raises(UnsupportedError, match=r"seq\[0\]\.type: not supported yet \(opaque type thing\)"):
        load(opaque)
    with pytest.raises(KaitaiError, match="unknown type thing"):
        load(opaque.replace(", ks-opaque-types: true", ""), opaque_types={"thing": Struct})
    with pytest.raises(KaitaiError, match="a binmodel model"):
        load(opaque, opaque_types={"thing": int})


def test_an_opaque_type_is_any_model():
    class Thing(Struct):
        one: int = u8()
        two: int = u8()

    text = "meta: {id: z, ks-opaque-types: true}\nseq:\n  - id: a\n    type: thing\n  - id: b\n    size: 2\n" \
           "    type: thing\n  - id: c\n    type: u1\n"
    model = load(text, opaque_types={"thing": Thing})
    value = model.parse(b"\x01\x02\x03\x04\x05")
    assert value.a == Thing(one=1, two=2) and value.b == Thing(one=3, two=4) and value.c == 5
    assert model.build(value) == b"\x01\x02\x03\x04\x05"
    with pytest.raises(ParseError):  # the region is 2 bytes: a model that reads fewer does not use it up
        load(text.replace("size: 2", "size: 3"), opaque_types={"thing": Thing}).parse(b"\x01\x02\x03\x04\x05\x06")


def test_opaque_suite_types_match_kaitai():
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    hello = load(FORMATS / "hello_world.ksy")
    model = load(FORMATS / "opaque_external_type.ksy", opaque_types={"hello_world": hello})
    kaitai_truth.kaitai_module("hello_world")  # (its generated code imports it)
    for data in (b"f", b"\x00\xff", kaitai_truth.source_file("term_strz.bin")):
        theirs = kaitai_truth.kaitai_parse("opaque_external_type", data)
        ours = model.parse(data, allow_trailing=True)
        assert ours.hw.one == theirs.hw.one
