"""``Signature.bind`` against a C library gcc compiles here: the bytes C receives are the ones we built.

Each generated C function copies every argument it receives (by value, or the bytes a pointer points to)
into a global capture buffer, writes a pattern through every struct pointer (an out-parameter) and returns
a global the test filled first. Python then compares the captured bytes with ``Model.build`` of what it
passed, the filled-back models with the pattern, and the result with the global. Signatures ctypes cannot
express are refused with ``DefinitionError`` (unions and bit-fields by value: the ctypes documentation).
"""

import ctypes
import random
import shutil
import struct
import subprocess

import pytest

from binmodel.cabi import C_TYPES, Ptr, Signature, c_char, c_int, native_name
from binmodel.cabi.ctypeinfo import c_text, type_info
from binmodel.cabi.targets import get_target
from binmodel.errors import DefinitionError
from cabi_gen import c_source, model_class
from test_calls_compilers import SCALARS, member_bytes, struct_specs

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

CAP = 512


def _native():
    try:
        return native_name()
    except DefinitionError:
        return None


def scalar_value(t, info, rng):
    kind = info.leaves[0].kind
    if kind == "float" and not info.aggregate:
        v = rng.uniform(-1e6, 1e6)
        return struct.unpack("<f", struct.pack("<f", v))[0] if info.size == 4 else v
    if kind in ("x87", "quad"):
        return float(rng.randint(-1000, 1000)) + 0.5
    if info.scalar == "_Bool":
        return rng.random() < 0.5
    bits = info.size * 8
    return rng.randint(-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if info.signed else rng.randint(0, (1 << bits) - 1)


def scalar_bytes(info, value):
    kind = info.leaves[0].kind
    if kind == "float":
        return struct.pack("<f" if info.size == 4 else "<d", value)
    if kind == "x87":
        return bytes(ctypes.c_longdouble(value))[:10]
    if info.scalar == "_Bool":
        return bytes([int(value)])
    return int(value).to_bytes(info.size, "little", signed=bool(info.signed))


def c_decl(t):
    return t.c_name if isinstance(t, Ptr) else c_text(t)


@pytest.mark.skipif(_native() != "x86_64-linux", reason="bind() is checked on x86-64 Linux, the machine CI runs")
def test_bind_matches_c(tmp_path):
    target = get_target("native")
    specs = struct_specs()
    models = {}
    for spec in specs:
        models[spec.name] = model_class(spec, models, target)
    rng = random.Random(5)
    pool = [C_TYPES[n] for n in SCALARS] + list(models.values())
    pointers = [Ptr(m) for m in models.values()] + [Ptr(c_char)]
    sigs = [Signature(returns=t, args=[("x", t)], name="f%d" % i) for i, t in enumerate(pool)]
    for i in range(60):
        args = [("a%d" % k, rng.choice(pool + pointers)) for k in range(rng.randint(0, 9))]
        sigs.append(Signature(returns=rng.choice([None] + pool), args=args, name="f%d" % (len(pool) + i)))
    src = [c_source(specs, target), "#include <string.h>", "unsigned char capture[%d];" % CAP]
    for sig in sigs:
        params = ", ".join("%s %s" % (c_decl(t), n) for n, t in sig.args) or "void"
        ret = "void" if sig.returns is None else c_decl(sig.returns)
        body, at = [], 0
        for k, (n, t) in enumerate(sig.args):
            if isinstance(t, Ptr):
                size = 8 if t.to is c_char else t.to.sizeof()
                body.append("memcpy(capture + %d, %s, %d);" % (at, n, size))
                if t.to is not c_char:
                    body.append("memcpy(%s, %s_out%d, %d);" % (n, sig.name, k, size))
                    src.append("unsigned char %s_out%d[%d];" % (sig.name, k, size))
            else:
                size = type_info(t, target, n).size
                body.append("memcpy(capture + %d, &%s, sizeof %s);" % (at, n, n))
            at += size
        if sig.returns is not None:
            src.append("%s %s_ret;" % (ret, sig.name))
            body.append("return %s_ret;" % sig.name)
        src.append("%s %s(%s) { %s }" % (ret, sig.name, params, " ".join(body)))
    (tmp_path / "lib.c").write_text("\n".join(src) + "\n")
    lib_path = str(tmp_path / "lib.so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-w", "-o", lib_path, str(tmp_path / "lib.c")], check=True)
    lib = ctypes.CDLL(lib_path)
    called = refused = 0
    problems = []
    for sig in sigs:
        try:
            fn = sig.bind(lib, sig.name)
        except DefinitionError as e:
            refused += 1
            assert "by value" in str(e) or "ctypes" in str(e), str(e)
            continue
        args, expected, outs = [], [], []
        for k, (n, t) in enumerate(sig.args):
            info = type_info(t, target, n)
            if isinstance(t, Ptr):
                if t.to is c_char:
                    data = bytes(rng.randrange(256) for _ in range(8))
                    args.append(data)
                    expected.append((data, range(8)))
                else:
                    model = t.to
                    value = model.parse(model.build(model.parse(bytes(rng.randrange(256)
                                                                      for _ in range(model.sizeof())))))
                    pattern = model.build(model.parse(bytes(rng.randrange(256) for _ in range(model.sizeof()))))
                    ctypes.memmove(ctypes.addressof(ctypes.c_char.in_dll(lib, "%s_out%d" % (sig.name, k))),
                                   pattern, len(pattern))
                    args.append(value)
                    keep = member_bytes(type_info(model, target, n))
                    expected.append((model.build(value), keep))
                    outs.append((value, model, pattern, keep))
            elif info.aggregate:
                value = t.parse(t.build(t.parse(bytes(rng.randrange(256) for _ in range(info.size)))))
                args.append(value)
                expected.append((t.build(value), member_bytes(info)))
            else:
                value = scalar_value(t, info, rng)
                args.append(value)
                expected.append((scalar_bytes(info, value), range(len(scalar_bytes(info, value)))))
        ret_expected = None
        if sig.returns is not None:
            rinfo = type_info(sig.returns, target, "return")
            if rinfo.aggregate:
                raw = sig.returns.build(sig.returns.parse(bytes(rng.randrange(256) for _ in range(rinfo.size))))
                ret_expected = sig.returns.parse(raw)
            else:
                ret_expected = scalar_value(sig.returns, rinfo, rng)
                raw = scalar_bytes(rinfo, ret_expected)
            ctypes.memmove(ctypes.addressof(ctypes.c_char.in_dll(lib, "%s_ret" % sig.name)), raw, len(raw))
        result = fn(*args)
        captured = ctypes.string_at(ctypes.addressof(ctypes.c_char.in_dll(lib, "capture")), CAP)
        at = 0
        for (n, t), (data, keep) in zip(sig.args, expected):
            size = len(data) if not isinstance(t, Ptr) and not type_info(t, target, n).aggregate else \
                (8 if isinstance(t, Ptr) and t.to is c_char else len(data))
            if not isinstance(t, Ptr) and not type_info(t, target, n).aggregate:
                size = type_info(t, target, n).size
            got = captured[at:at + size]
            if any(got[j] != data[j] for j in keep):
                problems.append("%s: %s: C received %s, we passed %s" % (sig.c_text(), n, got.hex(), data.hex()))
            at += size
        for value, model, pattern, keep in outs:
            if any(model.build(value)[j] != pattern[j] for j in keep):
                problems.append("%s: out-parameter not filled back: %r" % (sig.c_text(), value))
        if sig.returns is not None and result != ret_expected:
            problems.append("%s: returned %r, C returned %r" % (sig.c_text(), result, ret_expected))
        called += 1
    assert not problems, "\n".join(problems[:20])
    print("bind corpus: %d called, %d refused" % (called, refused))
    assert called >= 40 and refused >= 3, (called, refused)


def test_bind_refuses_what_ctypes_gets_wrong():
    if _native() is None:
        pytest.skip("not one of the five targets")
    target = get_target("native")
    models = {}
    for spec in struct_specs():
        models[spec.name] = model_class(spec, models, target)
    lib = ctypes.CDLL(None)
    for name in ("UIF", "BF", "P5"):
        with pytest.raises(DefinitionError, match="by value"):
            Signature(returns=c_int, args=[("s", models[name])]).bind(lib, "abs")
    with pytest.raises(DefinitionError, match="variadic"):
        Signature(returns=c_int, args=[("f", Ptr(c_char))], variadic=True).bind(lib, "printf")
    with pytest.raises(DefinitionError, match="abs"):
        Signature(returns=c_int, args=[("x", c_int)]).bind(lib, "abs")("not a number")
    # by pointer every layout works
    Signature(returns=c_int, args=[("s", Ptr(models["BF"]))]).bind(lib, "abs")
