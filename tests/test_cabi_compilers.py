"""binmodel's C layouts against real compilers, for every target.

For each target, one C file declares generated and hand-picked structs; the
compiler's assembler output gives sizeof, _Alignof, offsetof, the bit
positions of bit-fields (an instance with one field all ones) and the bytes of
an initialised instance. binmodel must agree on all of them.
"""

import os
import random

import pytest

from binmodel.cabi import TARGETS
from cabi_compile import available, c_globals
from cabi_gen import MemberSpec, StructSpec, c_source, instance_values, model_class, model_value, random_specs

M = MemberSpec


def handpicked():
    """The shapes the issue names: mixed scalars, nesting, arrays, unions, packing, alignment, bit-fields."""
    return [
        StructSpec("Mixed", [M("a", "c_char"), M("b", "c_double"), M("c", "c_short"), M("d", "c_longlong"),
                             M("e", "c_float"), M("f", "c_void_p"), M("g", "c_size_t"), M("h", "c_bool")]),
        StructSpec("Nested", [M("x", "c_char"), M("inner", "Mixed"), M("tail", "c_char")]),
        StructSpec("Arrays", [M("a", "c_char", count=3), M("b", "c_int", count=2), M("c", "c_double", count=1)]),
        StructSpec("U", [M("i", "c_int"), M("d", "c_double"), M("c", "c_char", count=13)], union=True),
        StructSpec("WithUnion", [M("tag", "c_char"), M("u", "U"), M("end", "c_short")]),
        StructSpec("Packed", [M("a", "c_char"), M("b", "c_int"), M("c", "c_longlong")], packed=True),
        StructSpec("Pack2", [M("a", "c_char"), M("b", "c_int"), M("c", "c_double")], pack=2),
        StructSpec("AlignedMember", [M("a", "c_char"), M("b", "c_int", aligned=16), M("c", "c_char")]),
        StructSpec("AlignedStruct", [M("a", "c_char")], aligned=32),
        StructSpec("Flex", [M("n", "c_int"), M("c", "c_char"), M("items", "c_longlong", count=-1)]),
        # bit-fields: straddling, :0, signedness, mixed declared types, _Bool, packed, long long after int
        StructSpec("BfStraddle", [M("a", "c_int", bits=20), M("b", "c_int", bits=20), M("c", "c_char", bits=7)]),
        StructSpec("BfZero", [M("a", "c_int", bits=3), M("z", "c_int", bits=0, unnamed=True),
                              M("b", "c_int", bits=3), M("z2", "c_longlong", bits=0, unnamed=True),
                              M("c", "c_char", bits=2)]),
        StructSpec("BfSigned", [M("a", "c_int", bits=5), M("b", "c_uint", bits=5), M("c", "c_short", bits=9)]),
        StructSpec("BfMixed", [M("a", "c_char", bits=3), M("b", "c_short", bits=9), M("c", "c_int", bits=17),
                               M("d", "c_char", bits=8)]),
        StructSpec("BfBool", [M("a", "c_bool", bits=1), M("b", "c_bool", bits=1), M("c", "c_int", bits=4)]),
        StructSpec("BfPacked", [M("a", "c_char"), M("b", "c_int", bits=30), M("c", "c_int", bits=30)], packed=True),
        StructSpec("BfPack1", [M("a", "c_char"), M("b", "c_int", bits=30), M("c", "c_short", bits=15)], pack=1),
        StructSpec("BfLongLong", [M("a", "c_int", bits=20), M("b", "c_longlong", bits=40), M("c", "c_int", bits=4)]),
        StructSpec("BfUnion", [M("a", "c_int", bits=3), M("b", "c_longlong", bits=33), M("c", "c_char")],
                   union=True),
        StructSpec("BfUnnamed", [M("a", "c_char"), M("gap", "c_int", bits=5, unnamed=True), M("b", "c_int", bits=3)]),
        StructSpec("BfThenMember", [M("a", "c_int", bits=4), M("b", "c_char"), M("c", "c_short", bits=3)]),
        StructSpec("BfPackedZero", [M("z", "c_short", bits=0, unnamed=True), M("a", "c_char"),
                                    M("b", "c_int", bits=3)], packed=True),
        StructSpec("PackAligned", [M("a", "c_char"), M("b", "c_short", aligned=8), M("c", "AlignedStruct")], pack=2),
        StructSpec("BfOnlyUnnamed", [M("a", "c_char"), M("z", "c_longlong", bits=0, unnamed=True),
                                     M("b", "c_char")]),
    ]


TARGET_NAMES = sorted(TARGETS)
SEEDS = 5  # 600 generated structs a target, besides the hand-picked ones


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_layouts_and_bytes_match_the_compiler(target_name):
    if not available(target_name):
        if os.environ.get("CI"):
            pytest.fail("CI must have the compiler for %s (see .ci/run)" % target_name)
        pytest.skip("no compiler for %s on this machine" % target_name)
    target = TARGETS[target_name]
    specs = handpicked()
    for seed in range(SEEDS):
        specs += random_specs(random.Random(seed), target, count=120, prefix="S%d_" % seed)
    found = c_globals(target_name, c_source(specs, target))
    models, problems = {}, []

    def num(symbol):
        return int.from_bytes(found[symbol], "little")

    for spec in specs:
        try:
            cls = model_class(spec, models, target)
        except Exception as exc:  # report, keep checking the others
            problems.append("%s: definition failed: %s" % (spec.name, exc))
            continue
        models[spec.name] = cls
        info = cls._bm_c
        where = {p.decl.name: p.bit for p in info.layout.placements}
        if (info.size, info.align) != (num(spec.name + "_size"), num(spec.name + "_align")):
            problems.append("%s: size/align %s/%s, compiler %s/%s" % (spec.name, info.size, info.align,
                                                                      num(spec.name + "_size"),
                                                                      num(spec.name + "_align")))
        for m in spec.members:
            if m.unnamed:
                continue
            if m.bits is None:
                got = num("%s_off_%s" % (spec.name, m.name))
                if where[m.name] != got * 8:
                    problems.append("%s.%s: offset %s, compiler %d" % (spec.name, m.name, where[m.name] / 8, got))
            else:
                ones = int.from_bytes(found["%s_ones_%s" % (spec.name, m.name)], "little")
                lo = (ones & -ones).bit_length() - 1
                if (lo, bin(ones).count("1")) != (where[m.name], m.bits if m.type != "c_bool" else 1):
                    problems.append("%s.%s: bits at %d, compiler %d (width %d)" % (spec.name, m.name,
                                                                                     where[m.name], lo, m.bits))
        expected = found[spec.name + "_inst"]
        try:
            built = cls.build(model_value(cls, instance_values(spec, specs, target), models))
        except Exception as exc:
            problems.append("%s: build failed: %s" % (spec.name, exc))
            continue
        # a flexible array member with no items: the compiler's bytes are sizeof, tail padding included
        if built != expected:
            problems.append("%s: built %s, compiler %s" % (spec.name, built.hex(), expected.hex()))
        elif cls.parse(built, allow_trailing=True).to_bytes() != built:
            problems.append("%s: parse/build round trip differs" % spec.name)
    assert not problems, "\n".join(problems[:40]) + "\n(%d problems)" % len(problems)
