"""Signatures, prototype strings, bad input and the views of ``Signature.explain``.

Where each byte goes is checked against compilers in ``test_calls_compilers.py``; here: the parser against
the signature it must equal (and against clang, which must accept what ``c_text()`` writes), the
library's own errors for bad input, and the views showing the bytes ``build()`` makes.
"""

import random
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binmodel import Array
from binmodel.cabi import (
    C_TYPES,
    TARGETS,
    CStruct,
    CUnion,
    Ptr,
    Signature,
    c_char,
    c_double,
    c_float,
    c_int,
    c_long,
    c_uint,
    parse_prototype,
)
from binmodel.cli import main
from binmodel.errors import DefinitionError


class Point(CStruct, abi="x86_64-linux"):
    x: float = c_double()
    y: float = c_double()


class Pair(CStruct, abi="x86_64-linux"):
    a: int = c_int()
    b: float = c_float()


class Box(CStruct, abi="x86_64-linux"):
    lo: float = c_double()
    mid: float = c_double()
    hi: float = c_double()


class Flex(CStruct, abi="x86_64-linux"):
    n: int = c_int()
    items: list = Array(c_int, greedy=True)


def test_parse_prototype_equals_signature():
    sig = parse_prototype("unsigned long long f(struct point p, double, const char *name, unsigned, "
                          "long int l, signed char c, void *v, int a[], ...)", {"point": Point})
    assert sig.name == "f" and sig.variadic
    assert sig.returns is C_TYPES["c_ulonglong"]
    names = [n for n, _ in sig.args]
    assert names == ["p", "arg1", "name", "arg3", "l", "c", "v", "a"]
    types = [t for _, t in sig.args]
    assert types[0] is Point and types[1] is c_double and types[3] is c_uint and types[4] is c_long
    assert types[5] is C_TYPES["c_schar"]
    assert isinstance(types[2], Ptr) and types[2].to is c_char and types[2].const
    assert isinstance(types[6], Ptr) and types[6].to is None
    assert isinstance(types[7], Ptr) and types[7].to is c_int  # an array parameter is a pointer
    assert parse_prototype("void g(void)").args == [] and parse_prototype("void g(void)").returns is None


SCALAR_NAMES = sorted(n for n in C_TYPES)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SCALAR_NAMES + ["Point", "ptr"]), max_size=8), st.booleans(),
       st.sampled_from(SCALAR_NAMES + ["void"]))
def test_c_text_parses_back(names, variadic, ret):
    """Property: a signature written as C and parsed again is the same signature."""
    def t(n):
        return Point if n == "Point" else Ptr(c_char, const=True) if n == "ptr" else C_TYPES[n]
    sig = Signature(returns=None if ret == "void" else C_TYPES[ret], args=[("p%d" % i, t(n)) for i, n in
                                                                          enumerate(names)],
                    variadic=variadic and bool(names))
    again = parse_prototype(sig.c_text(), {"Point": Point})
    assert again.c_text() == sig.c_text()
    assert again.explain("x86_64-linux").table() == sig.explain("x86_64-linux").table()


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
def test_c_text_is_c():
    rng = random.Random(3)
    lines = ["#include <stdint.h>", "#include <stddef.h>", "#include <stdbool.h>", "typedef long ssize_t;",
             "struct Point { double x, y; };"]
    for i in range(40):
        args = [("a%d" % k, rng.choice([C_TYPES[n] for n in SCALAR_NAMES] + [Point, Ptr(Point)]))
                for k in range(rng.randint(0, 6))]
        sig = Signature(returns=rng.choice([None, c_int, Point]), args=args, variadic=bool(args) and
                        rng.random() < 0.3, name="f%d" % i)
        lines.append(sig.c_text() + ";")
    result = subprocess.run(["clang", "--target=x86_64-linux-gnu", "-fsyntax-only", "-Werror", "-x", "c", "-"],
                            input="\n".join(lines), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("prototype, message", [
    ("int f(struct nope)", "unknown struct nope"),
    ("int f(widget w)", "unknown type name 'widget'"),
    ("int f(int (*cb)(int))", "cannot read"),
    ("f(int)", "expected 'type name"),
    ("int f(void x)", "type void"),
    ("int f(..., int)", "'...' must follow"),
    ("int f(long short)", "unknown type"),
])
def test_bad_prototypes(prototype, message):
    with pytest.raises(DefinitionError, match=message):
        parse_prototype(prototype)


def test_bad_signatures():
    with pytest.raises(DefinitionError, match="not a C type"):
        Signature(returns=c_int, args=[("x", int)])
    with pytest.raises(DefinitionError, match="bit-field"):
        Signature(args=[("x", _bitfield())]).explain("x86_64-linux")
    with pytest.raises(DefinitionError, match="laid out for x86_64-linux"):
        Signature(args=[("p", Point)]).explain("aarch64-linux")
    with pytest.raises(DefinitionError, match="flexible array member"):
        Signature(args=[("p", Flex)]).explain("x86_64-linux")
    with pytest.raises(DefinitionError, match="not variadic"):
        Signature(args=[("p", Point)]).explain("x86_64-linux", varargs=[c_int])
    class Empty(CStruct, abi="x86_64-linux"):
        pass
    with pytest.raises(DefinitionError, match="empty"):
        Signature(args=[("e", Empty)]).explain("x86_64-linux")
    with pytest.raises(DefinitionError, match="unknown abi"):
        Signature().explain("sparc-solaris")


def _bitfield():
    from binmodel.cabi.types import _CScalar

    return _CScalar(c_int(bits=3).node)


def test_views_show_the_built_bytes():
    sig = Signature(returns=Box, args=[("s", Pair), ("scale", c_double), ("name", Ptr(c_char, const=True))])
    call = sig.explain("x86_64-linux")
    pair = Pair(a=0x11223344, b=1.5)
    picture = call.picture({"s": pair, "scale": 2.0})
    assert "rsi    = s " + Pair.build(pair).hex(" ") in picture  # a and b share one INTEGER eightbyte
    assert "00 00 00 00 00 00 00 40" in picture  # 2.0 as a double, in xmm0
    assert "rdi    = &result" in picture
    table = call.table()
    assert "(hidden)" in table and "MEMORY" in table
    assert "xmm0" in table and "rdx" in table
    assert str(call) == table


def test_dump_shows_the_bytes_where_they_land():
    call = Signature(returns=c_int, args=[("p", Pair)] + [("i%d" % k, c_int) for k in range(6)] +
                     [("late", c_double)]).explain("x86_64-linux")
    text = call.dump({"p": Pair(a=0x01020304, b=0.0), "i5": 0x0A0B0C0D, "late": 1.0})
    regs, stack = text.split("stack at the call")
    assert "04 03 02 01 00 00 00 00" in regs and "rdi_p" in regs
    assert "0d 0c 0b 0a" in stack and "sp_0_i5" in stack          # the sixth int: no register left
    assert "00 00 00 00 00 00 f0 3f" in regs and "xmm0_late" in regs
    page = call.html({"late": 1.0})
    assert page.startswith("<!DOCTYPE html>") and "xmm0_late" in page


def test_i386_callee_pops_the_hidden_pointer():
    class P32(CStruct, abi="i386-linux"):
        x: int = c_int()
    call = Signature(returns=P32, args=[("x", c_int)]).explain("i386-linux")
    assert call.hidden.stack == 0 and call.args[0].slots[0].stack == 4 and "ret $4" in call.cleanup
    call = Signature(returns=c_int, args=[("x", c_int)]).explain("i386-linux")
    assert call.hidden is None and call.args[0].slots[0].stack == 0 and "ret $4" not in call.cleanup


def test_promoted_varargs_are_named():
    call = Signature(returns=c_int, args=[("fmt", Ptr(c_char))], variadic=True).explain(
        "aarch64-linux", varargs=[c_float, c_char])
    assert call.args[1].ctype == "double (float promoted)" and call.args[2].ctype == "int (char promoted)"


def test_every_target_explains_a_union_and_a_long_double():
    for abi in TARGETS:
        class U(CUnion, abi=abi):
            i: int = c_int()
            f: float = c_float()
        call = Signature(returns=C_TYPES["c_longdouble"], args=[("u", U)]).explain(abi)
        assert call.ret is not None and call.args[0].size == 4


def test_cli_call(tmp_path, capsys):
    (tmp_path / "point.py").write_text("from binmodel.cabi import CStruct, c_double\n"
                                       "class Point(CStruct, abi='aarch64-linux'):\n"
                                       "    x: float = c_double()\n    y: float = c_double()\n")
    rc = main(["call", "int f(struct point, double, const char *)", "--abi", "aarch64-linux",
               "--struct", str(tmp_path / "point.py") + ":Point", "--picture"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "HFA of 2 double" in out and "d0 [0:8], d1 [8:16]" in out and "x0" in out
    assert "registers at the call" in out
    page = tmp_path / "call.html"
    rc = main(["call", "int f(int, long long, double)", "--abi", "i386-linux", "--dump", "--html", str(page)])
    out = capsys.readouterr().out
    assert rc == 0 and "sp_4_arg1" in out and "stack at the call (offsets from sp)" in out
    assert "int f(int arg0, long long arg1, double arg2) on i386-linux" in page.read_text()
    rc = main(["call", "int printf(const char *, ...)", "--abi", "x86_64-linux", "--varargs", "double, int"])
    out = capsys.readouterr().out
    assert rc == 0 and "al = 1" in out
    rc = main(["call", "int f(struct nope)", "--abi", "x86_64-linux"])
    assert rc == 1 and "unknown struct nope" in capsys.readouterr().err
