"""The C side as a new user meets it, every number from the compiler: public alignment, bit offsets and widths
in layout rows, C names kept for members renamed for Python, and flexible array members with the compiler's
bytes both ways.

Sizes, offsets, bit positions and instance bytes come from ``gcc -S`` (x86-64, and -m32 for i386) or clang for
the other targets, read back by ``cabi_compile`` (see tests/test_cabi_compilers.py).
"""

from __future__ import annotations

import io
import os

import pytest

from binmodel import Array, dump, this
from binmodel.cabi import TARGETS, CName, CStruct, c_char, c_int, c_short, c_uint
from cabi_compile import available, c_globals
from cabi_gen import c_source, model_class
from test_cabi_compilers import handpicked

GCC_TARGETS = ["x86_64-linux", "i386-linux"]


def need(target: str) -> None:
    if not available(target):
        if os.environ.get("CI"):
            pytest.fail("CI must have the compiler for %s (see .ci/run)" % target)
        pytest.skip("no compiler for %s on this machine" % target)


def num(found: dict, symbol: str) -> int:
    return int.from_bytes(found[symbol], "little")


@pytest.mark.parametrize("target_name", sorted(TARGETS))
def test_alignment_is_the_compilers_alignof(target_name):
    need(target_name)
    target = TARGETS[target_name]
    specs = handpicked()
    found = c_globals(target_name, c_source(specs, target))
    models: dict = {}
    for spec in specs:
        cls = models[spec.name] = model_class(spec, models, target)
        assert (cls.alignment(), cls.sizeof()) == (num(found, spec.name + "_align"), num(found, spec.name + "_size")), \
            spec.name


@pytest.mark.parametrize("target_name", sorted(TARGETS))
def test_bit_offset_and_width_are_row_attributes(target_name):
    need(target_name)
    target = TARGETS[target_name]
    specs = [spec for spec in handpicked() if any(m.bits for m in spec.members)]
    found = c_globals(target_name, c_source(handpicked(), target))
    models: dict = {}
    for spec in handpicked():
        models[spec.name] = model_class(spec, models, target)
    checked = 0
    for spec in specs:
        rows = {row.path: row for row in models[spec.name].layout().rows}
        for m in spec.members:
            if not m.bits or m.unnamed:
                continue
            ones = num(found, "%s_ones_%s" % (spec.name, m.name))  # an instance with only this field all ones
            lowest, width = (ones & -ones).bit_length() - 1, bin(ones).count("1")
            row = rows[m.name]
            assert (row.offset * 8 + row.bit_offset, row.bit_width) == (lowest, width), (spec.name, m.name)
            checked += 1
        for row in rows.values():
            if "bit" not in str(row.size):
                assert row.bit_offset is None and row.bit_width is None
    assert checked > 20


KEYWORDS_C = """
struct Kw { char in; unsigned from : 3; unsigned as : 5; int class; short list[3]; };
unsigned long Kw_size = sizeof(struct Kw);
unsigned long Kw_in = __builtin_offsetof(struct Kw, in);
unsigned long Kw_class = __builtin_offsetof(struct Kw, class);
unsigned long Kw_list = __builtin_offsetof(struct Kw, list);
struct Kw Kw_from = {.from = 7};
struct Kw Kw_as = {.as = 31};
struct Kw Kw_inst = {1, 5, 17, -2, {1, 2, 3}};
"""


@pytest.mark.parametrize("target_name", GCC_TARGETS)
def test_members_named_like_python_keywords_keep_their_c_names(target_name):
    need(target_name)
    found = c_globals(target_name, KEYWORDS_C)

    class Kw(CStruct, abi=target_name):
        in_: int = c_char()  # a keyword with "_" after it: C's "in"
        from_: int = c_uint(bits=3)
        as_: int = c_uint(bits=5, c_name="as")
        klass: int = c_int(c_name="class")  # any Python name, with c_name=
        list_of: list = CName("list", Array(c_short, count=3))

    rows = {row.path: row for row in Kw.layout().rows}
    c = {name: rows[py] for py, name in [("in_", "in"), ("from_", "from"), ("as_", "as"), ("klass", "class"),
                                          ("list_of", "list")]}
    assert {name: row.c_name for name, row in c.items()} == {name: name for name in c}
    assert Kw.sizeof() == num(found, "Kw_size")
    for name in ("in", "class", "list"):
        assert c[name].offset == num(found, "Kw_" + name)
    for name in ("from", "as"):
        ones = num(found, "Kw_" + name)
        assert c[name].offset * 8 + c[name].bit_offset == (ones & -ones).bit_length() - 1
    value = Kw(in_=1, from_=5, as_=17, klass=-2, list_of=[1, 2, 3])
    assert Kw.build(value) == found["Kw_inst"] and Kw.parse(found["Kw_inst"]) == value
    assert [Kw.c_name(n) for n in ("in_", "klass", "list_of")] == ["in", "class", "list"]
    assert "C name in" in rows["in_"].notes and "C name class" in str(Kw.layout())
    out = io.StringIO()
    dump(Kw, found["Kw_inst"], file=out, color="never")
    text = out.getvalue()
    assert "in_ (C: in) = 1" in text and "klass (C: class) = -2" in text and "from_ (C: from) = 5" in text


FLEX_C = """
struct S { int n; short s; char data[]; };
struct S s0 = {3, 4};
struct S s3 = {3, 4, {1, 2, 3}};
unsigned long S_size = sizeof(struct S);
unsigned long S_data = __builtin_offsetof(struct S, data);
struct P { long length; char kind; int data[]; };
struct P p2 = {2, 1, {7, 8}};
struct Q { int n; int data[]; };
struct Q q1 = {1, {9}};
"""


@pytest.mark.parametrize("target_name", GCC_TARGETS)
def test_flexible_array_member_bytes_are_the_compilers_both_ways(target_name):
    need(target_name)
    found = c_globals(target_name, FLEX_C)

    class S(CStruct, abi=target_name):
        n: int = c_int()
        s: int = c_short()
        data: list = Array(c_char, greedy=True)

    class Counted(CStruct, abi=target_name):
        n: int = c_int()
        s: int = c_short()
        data: list = Array(c_char, count=this.n)

    from binmodel.cabi import c_long

    class P(CStruct, abi=target_name):
        length: int = c_long()
        kind: int = c_char()
        data: list = Array(c_int, greedy=True)

    class Q(CStruct, abi=target_name):
        n: int = c_int()
        data: list = Array(c_int, greedy=True)

    assert S.sizeof() == num(found, "S_size")
    assert found["s0"].hex() == "0300000004000000"  # the bytes
    assert S.build(S(n=3, s=4, data=[])) == found["s0"]
    assert S.parse(found["s0"]) == S(n=3, s=4, data=[])  # no phantom items from the tail padding
    assert S.build(S(n=3, s=4, data=[1, 2, 3])) == found["s3"]
    assert S.parse(found["s3"]).data == [1, 2, 3]
    assert Counted.build(Counted(n=3, s=4, data=[1, 2, 3])) == found["s3"]
    assert Counted.parse(found["s3"]).data == [1, 2, 3]
    assert P.build(P(length=2, kind=1, data=[7, 8])) == found["p2"] and P.parse(found["p2"]).data == [7, 8]
    assert Q.build(Q(n=1, data=[9])) == found["q1"] and Q.parse(found["q1"]).data == [9]  # no tail padding
    out = io.StringIO()
    trace = dump(S, found["s0"], file=out, color="never")
    assert trace.error is None and "data[" not in out.getvalue() and "(tail padding)" in out.getvalue()
    assert "uncovered" not in out.getvalue().split("\n")[-3:][0]


def test_a_flexible_struct_shorter_than_sizeof_is_a_parse_error():
    from binmodel import ParseError

    class S(CStruct, abi="x86_64-linux"):
        n: int = c_int()
        s: int = c_short()
        data: list = Array(c_char, greedy=True)

    with pytest.raises(ParseError, match="sizeof = 8"):
        S.parse(bytes(7))
