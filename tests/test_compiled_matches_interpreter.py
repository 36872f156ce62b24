"""The compiler and the reference interpreter agree: same values, same errors.

Every model the test suite defines (conftest records them through
``binmodel.model.on_define``; the "suite_wide" marker makes these tests run
after all others), the bundled formats, generated models with valid and
corrupted inputs, and generated C structs are parsed both ways.
"""

import importlib
import pathlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import binmodel
from binmodel import Struct
from binmodel.building import build as interpreted_build
from binmodel.building import compiled_build
from binmodel.building.compiled import BUILDERS
from binmodel.formats import PNG
from binmodel.model import _peek as peek
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse
from binmodel.parsing.compiled import source as parse_source
from strategies import models

pytestmark = pytest.mark.suite_wide

HERE = pathlib.Path(__file__).parent
SAMPLE = (pathlib.Path(binmodel.__file__).parent / "samples" / "idle_16.png").read_bytes()


def outcome(parse, node, data, allow_trailing=False):
    """What a parse gives: ("value", repr, dict) or ("error", type, path, offset, message). Reading a lazy
    pointer's value (repr does) may fail later: ("lazy error", ...) then."""
    try:
        value = parse(node, data, 0, allow_trailing)
    except binmodel.Error as exc:
        return ("error", type(exc).__name__, getattr(exc, "path", None), getattr(exc, "offset", None), str(exc))
    try:
        return ("value", type(value).__name__, repr(value), remembered(value))
    except binmodel.Error as exc:
        return ("lazy error", type(exc).__name__, getattr(exc, "path", None), getattr(exc, "offset", None), str(exc))


def remembered(value, depth=0):
    """What parsed objects keep for build, nested ones included: derived fields' values as parsed and
    union bytes (compiled code must leave exactly what the interpreter leaves)."""
    if depth > 40:
        return None
    if isinstance(value, list):
        return [remembered(v, depth + 1) for v in value]
    node = getattr(type(value), "_bm_node", None)
    if node is None:
        return None
    kept = [("_bm_parsed", getattr(value, "_bm_parsed", None))]
    for f in node.fields():
        if f.derive is not None:
            kept.append((f.name, getattr(value, "_bm_was_" + f.name, None)))
        if f.stored:  # (a lazy value not read yet stays unread: it may lead on without end, cast_to_top.ksy)
            inner = remembered(peek(value, f.name), depth + 1)
            if inner:
                kept.append((f.name + "/", inner))
    return kept


def agree(node, data, allow_trailing=False):
    expected = outcome(interpreted_parse, node, data, allow_trailing)
    got = outcome(compiled_parse, node, data, allow_trailing)
    assert got == expected, (node.name, data[:64])
    return expected[0] == "value"


def all_models():
    from conftest import CREATED_MODELS

    for path in sorted(HERE.glob("test_*.py")):
        if path.stem != pathlib.Path(__file__).stem:
            importlib.import_module(path.stem)
    importlib.import_module("binmodel.formats")
    seen = list({id(cls): cls for cls in CREATED_MODELS}.values())  # (every model, through on_define)
    return sorted(seen, key=lambda c: (c.__module__, c.__qualname__))


def test_every_test_model_on_random_and_mutated_inputs():
    rng = random.Random(1)
    checked = 0
    for model in all_models():
        node = model._bm_node
        for size in (0, 1, 2, 3, 5, 8, 13, 16, 24, 40, 64, 100):
            agree(node, bytes(rng.getrandbits(8) for _ in range(size)), allow_trailing=bool(size % 2))
            agree(node, bytes(size))
            agree(node, b"\xff" * size)
        checked += 1
    assert checked >= 30


def test_png_sample_and_every_truncation_and_bit_flip():
    node = PNG._bm_node
    assert agree(node, SAMPLE)
    for cut in range(0, len(SAMPLE), 7):
        agree(node, SAMPLE[:cut])
    rng = random.Random(2)
    for _ in range(200):
        data = bytearray(SAMPLE)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        agree(node, bytes(data))


@settings(max_examples=300)
@given(data=st.data())
def test_generated_models_valid_and_corrupted(data):
    gen = data.draw(models())
    raw = bytearray(gen.model.build(data.draw(gen.values)))
    node = gen.model._bm_node
    assert agree(node, bytes(raw))
    assert agree(node, bytearray(raw))
    if raw:
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
        agree(node, bytes(raw))
        agree(node, bytes(raw[: data.draw(st.integers(0, len(raw)))]))


def test_generated_c_structs_on_compiler_bytes():
    from binmodel.cabi import TARGETS
    from cabi_compile import available, c_globals
    from cabi_gen import c_source, model_class, random_specs

    target = TARGETS["x86_64-linux"]
    if not available(target.name):
        pytest.skip("no gcc")
    specs = random_specs(random.Random(11), target, count=120, prefix="D")
    found = c_globals(target.name, c_source(specs, target))
    classes = {}
    for spec in specs:
        cls = classes[spec.name] = model_class(spec, classes, target)
        inst = found[spec.name + "_inst"]
        agree(cls._bm_node, inst, allow_trailing=True)
        agree(cls._bm_node, inst[:-1], allow_trailing=True)


def test_compiled_is_used_for_simple_models_and_shows_its_source():
    class Rec(Struct, endian="little"):
        magic: int = binmodel.u32()
        flags: int = binmodel.Bits(3)
        rest: int = binmodel.Bits(5)
        body: bytes = binmodel.Bytes(binmodel.this.magic % 4)

    src = parse_source(Rec._bm_node)
    assert "unpack_from" in src and "_parse_node" not in src  # fully compiled, no fallback

    class Outer(Struct):
        n: int = binmodel.u8()
        items: list = binmodel.Array(Rec, count=binmodel.this.n)

    assert parse_source(Outer._bm_node).count("def parse_") == 2  # the nested parser is shown too
    assert "_check_derived" in parse_source(PNG._bm_node)  # Chunk checks its CRC: the interpreter's check


def build_outcome(build, node, obj):
    try:
        return ("bytes", build(node, obj))
    except binmodel.Error as exc:
        return ("error", type(exc).__name__, getattr(exc, "path", None), str(exc))


BAD_VALUES = [None, "x", True, -1, 1 << 70, 1.5, b"", [1], float("nan")]


@settings(max_examples=300)
@given(data=st.data())
def test_generated_models_build_the_same_bytes_and_errors(data):
    gen = data.draw(models())
    node = gen.model._bm_node
    obj = data.draw(gen.values)
    expected = build_outcome(interpreted_build, node, obj)
    assert build_outcome(compiled_build, node, obj) == expected
    if expected[0] == "error":
        return
    parsed = gen.model.parse(expected[1])
    assert build_outcome(compiled_build, node, parsed) == build_outcome(interpreted_build, node, parsed)
    names = [f.name for f in node.fields() if f.stored]
    if names:
        name = data.draw(st.sampled_from(names))
        setattr(parsed, name, data.draw(st.sampled_from(BAD_VALUES)))
        assert build_outcome(compiled_build, node, parsed) == build_outcome(interpreted_build, node, parsed)


def test_simple_models_are_built_by_generated_code():
    class Item(Struct, endian="big"):
        tag: int = binmodel.u8()
        size: int = binmodel.u8(derive=binmodel.len_of("data"))
        data: bytes = binmodel.Bytes(binmodel.this.size)

    assert BUILDERS.buildable(Item._bm_node)
    assert compiled_build(Item._bm_node, Item(tag=1, data=b"ab")) == b"\x01\x02ab"
