"""``Signature.explain`` against real compilers: every argument byte where the compiler puts it.

For each target a corpus of signatures (integers of every width, float, double, long double, pointers,
small/large/float/mixed structs, unions, arrays and bit-fields in structs, packed and 16-aligned structs,
every kind of return, variadic calls) is written as C: ``r = f(a0, a1, ...)`` with each argument an extern
global, and ``RET g(void) { return a999; }``. ``calls_asm`` runs the compiler's ``-O2`` assembler
symbolically and reports which global byte sits in which register and stack byte at the call (and where
the callee leaves its result). binmodel's explanation must name exactly those places for every member
byte of every argument and result, the AL count of x86-64 variadic calls, the stack alignment at the call
and the bytes a callee pops (i386 struct returns).

ABI sections exercised: psABI AMD64 3.2.3 (classification, passing, returning, variadic %al); i386 psABI
2.2.3; AAPCS64 6.8.2 (C.1-C.16, B.4), 6.9 and 5.9.5 (HFA); AAPCS 6.5 (C.3-C.8), 6.6 and 7.1 (VFP CPRCs,
back-filling, 7.1.1 variadic base standard); MS x64 "Parameter passing", "Varargs", "Return values".

The suite checks 60 random signatures a target besides the hand-picked ones; BINMODEL_CALL_CORPUS=1000
checks more (about a minute).
"""

import random

import pytest

from binmodel.cabi import C_TYPES, TARGETS, Ptr, Signature, c_char, c_double, c_float, c_int, c_short, get_target
from binmodel.cabi.ctypeinfo import c_text, type_info
from cabi_gen import MemberSpec as M
from cabi_gen import StructSpec, c_source, model_class
from calls_asm import a64_reg, arm_reg, compile_asm, compilers, functions, run, x86_reg

RET = 999
RANDOM_SIGNATURES = int(__import__("os").environ.get("BINMODEL_CALL_CORPUS", "60"))


def struct_specs():
    """The shapes the ABIs treat differently."""
    return [
        StructSpec("I2", [M("a", "c_int"), M("b", "c_int")]),
        StructSpec("CS", [M("c", "c_char"), M("s", "c_short")]),
        StructSpec("C3", [M("c", "c_char", count=3)]),
        StructSpec("LL2", [M("a", "c_longlong"), M("b", "c_longlong")]),
        StructSpec("I6", [M("a", "c_int", count=6)]),
        StructSpec("F2", [M("a", "c_float"), M("b", "c_float")]),
        StructSpec("F3", [M("a", "c_float"), M("b", "c_float"), M("c", "c_float")]),
        StructSpec("F5", [M("a", "c_float", count=5)]),
        StructSpec("D2", [M("x", "c_double"), M("y", "c_double")]),
        StructSpec("D3", [M("x", "c_double", count=3)]),
        StructSpec("D4", [M("x", "c_double"), M("y", "c_double"), M("z", "c_double"), M("w", "c_double")]),
        StructSpec("DI", [M("d", "c_double"), M("i", "c_int")]),
        StructSpec("IF", [M("i", "c_int"), M("f", "c_float")]),
        StructSpec("FID", [M("f", "c_float"), M("i", "c_int"), M("d", "c_double")]),
        StructSpec("CD", [M("c", "c_char"), M("d", "c_double")]),
        StructSpec("S3", [M("s", "c_short", count=3)]),
        StructSpec("FA2", [M("a", "c_float", count=2)]),
        StructSpec("DA2", [M("x", "c_double", count=2)]),
        StructSpec("FA3I", [M("a", "c_float", count=3), M("i", "c_int")]),
        StructSpec("P5", [M("c", "c_char"), M("i", "c_int")], packed=True),
        StructSpec("BF", [M("a", "c_int", bits=3), M("b", "c_uint", bits=9), M("c", "c_char")]),
        StructSpec("BF40", [M("a", "c_ulonglong", bits=40), M("c", "c_char")]),
        StructSpec("NF", [M("f", "F2"), M("z", "c_float")]),
        StructSpec("UIF", [M("i", "c_int"), M("f", "c_float")], union=True),
        StructSpec("UDL", [M("d", "c_double"), M("l", "c_longlong")], union=True),
        StructSpec("UFF", [M("f", "c_float"), M("g", "c_float", count=2)], union=True),
        StructSpec("UBig", [M("b", "c_char", count=20), M("i", "c_int")], union=True),
        StructSpec("A16", [M("a", "c_int")], aligned=16),
        StructSpec("LD", [M("x", "c_longdouble")]),
        StructSpec("LDI", [M("x", "c_longdouble"), M("i", "c_int")]),
        StructSpec("One", [M("c", "c_char")]),
        StructSpec("Big", [M("a", "c_longlong"), M("b", "c_int"), M("c", "c_char", count=9), M("d", "c_double")]),
    ]


SCALARS = ["c_char", "c_uchar", "c_short", "c_ushort", "c_int", "c_uint", "c_long", "c_ulong", "c_longlong",
           "c_ulonglong", "c_bool", "c_float", "c_double", "c_longdouble", "int8_t", "uint16_t", "int64_t",
           "c_size_t"]


def corpus(target, models, rng):
    """(Signature, varargs) pairs: hand-picked register-exhaustion cases, then random ones."""
    structs = list(models.values())
    scalars = [C_TYPES[n] for n in SCALARS] + [Ptr(c_char, const=True), Ptr()]
    pool = scalars + structs
    out = []
    # every scalar and struct as the only argument and as the result
    for t in pool:
        out.append((Signature(returns=t, args=[("x", t)]), ()))
    # registers run out: many ints, many doubles, floats around doubles (ARM back-filling), structs after
    out.append((Signature(args=[("i%d" % i, c_int) for i in range(9)]), ()))
    out.append((Signature(args=[("d%d" % i, c_double) for i in range(10)] + [("last", c_float)]), ()))
    out.append((Signature(args=[("a", c_float), ("b", c_double), ("c", c_float), ("d", c_double), ("e", c_float)]),
                ()))
    out.append((Signature(args=[("d%d" % i, c_double) for i in range(7)] + [("s", models["D2"]),
                                                                          ("f", c_float)]), ()))
    out.append((Signature(args=[("i%d" % i, c_int) for i in range(5)] + [("s", models["I2"]), ("t", models["I2"])]),
                ()))
    out.append((Signature(args=[("i", c_int), ("ll", C_TYPES["c_longlong"]), ("s", models["LL2"])]), ()))
    out.append((Signature(args=[("i%d" % i, c_int) for i in range(3)] + [("s", models["I6"]), ("j", c_int)]), ()))
    out.append((Signature(args=[("i%d" % i, c_int) for i in range(3)] + [("s", models["D2"])]), ()))
    # variadic calls, with promotions
    out.append((Signature(returns=c_int, args=[("fmt", Ptr(c_char, const=True))], variadic=True),
                [c_double, c_int, c_float, c_char, c_short, models["D2"]]))
    out.append((Signature(returns=c_double, args=[("n", c_int), ("x", c_double)], variadic=True),
                [c_double, c_double, c_double]))
    out.append((Signature(returns=models["F2"], args=[("x", c_float)], variadic=True), [c_float, models["F3"]]))
    for _ in range(RANDOM_SIGNATURES):
        args = [("a%d" % i, rng.choice(pool)) for i in range(rng.randint(0, 9))]
        ret = rng.choice([None] * 3 + pool)
        if rng.random() < 0.2 and args:
            extra = [rng.choice(pool) for _ in range(rng.randint(0, 5))]
            out.append((Signature(returns=ret, args=args, variadic=True), extra))
        else:
            out.append((Signature(returns=ret, args=args), ()))
    return out


def c_decl(t):
    return c_text(t) if not isinstance(t, Ptr) else t.c_name


def program(target, specs, signatures):
    lines = [c_source(specs, target)]
    for i, (sig, extra) in enumerate(signatures):
        types = [t for _, t in sig.args] + list(extra)
        ret = "void" if sig.returns is None else c_decl(sig.returns)
        params = ", ".join(c_decl(t) for _, t in sig.args)
        if sig.variadic:
            params = (params + ", " if params else "") + "..."
        for k, t in enumerate(types):
            lines.append("extern %s s%d_a%d;" % (c_decl(t), i, k))
        lines.append("%s f%d(%s);" % (ret, i, params or "void"))
        call = "f%d(%s)" % (i, ", ".join("s%d_a%d" % (i, k) for k in range(len(types))))
        if sig.returns is None:
            lines.append("void caller%d(void) { %s; }" % (i, call))
        else:
            lines.append("extern %s s%d_a%d;" % (ret, i, RET))
            lines.append("extern %s s%d_r;" % (ret, i))
            lines.append("void caller%d(void) { s%d_r = %s; }" % (i, i, call))
            # a variadic g returns as a variadic f does (AAPCS 7.1.1 uses the base standard for both)
            lines.append("%s g%d(%s) { return s%d_a%d; }" % (ret, i, "int n, ..." if sig.variadic else "void",
                                                             i, RET))
    return "\n".join(lines) + "\n"


def reg_bytes(target, name, size):
    """[(family, byte)] the explanation's register ``name`` means for ``size`` bytes."""
    if target.startswith(("x86", "i386")):
        fam, _ = x86_reg(name, target)
        return [(fam, j) for j in range(size)]
    if target == "aarch64-linux":
        fam, _ = a64_reg(name)
        return [(fam, j) for j in range(size)]
    fam, width = arm_reg(name)
    n = int(fam[1:]) if fam.startswith("s") else None
    if n is not None:
        return [("s%d" % (n + j // 4), j % 4) for j in range(size)]
    return [(fam, j) for j in range(size)]


def member_bytes(info, limit=None):
    """Offsets of the bytes that hold data (not padding); an x87 long double has 10."""
    out = set()
    for leaf in info.leaves:
        n = 10 if leaf.kind == "x87" else leaf.size
        out.update(range(leaf.offset, leaf.offset + n))
    return sorted(b for b in out if limit is None or b < limit)


def _expected(k, j, promoted):
    return ("cvt", k, j) if promoted == "float" else ("g", k, j)


def check_caller(target, m, call, sig, extra, problems, where):
    sp_base, sp_at_call = m.addr("rsp" if target.startswith(("x86", "i386")) else "sp")
    word = 4 if target in ("i386-linux", "arm-linux-gnueabihf") else 8
    entry_misalign = word if target.startswith(("x86", "i386")) else 0
    if m.tail:  # a jump to f: SP is exactly what the caller received
        entry_misalign = sp_at_call
    if sp_base != "sp":  # realigned by the caller (and \band), to at least what it needed
        entry_misalign = sp_at_call
    if (sp_at_call - entry_misalign) % call.stack_align:
        problems.append("%s: SP at the call is at %d from entry, not %d-aligned" % (where, sp_at_call,
                                                                                   call.stack_align))
    originals = [t for _, t in sig.args] + list(extra)
    for k, p in enumerate(call.args):
        orig = originals[k]
        promoted = None
        orig_info = type_info(orig, get_target(target), "x")
        if p.variadic and getattr(orig, "node", None) is not None and orig.node.ctype == "float":
            promoted = "float"
        limit = orig_info.size if p.variadic and not promoted else None
        want = member_bytes(p.info, limit) if not promoted else list(range(p.size))
        if p.how == "reference":
            slot = p.slots[0]
            cells = _slot_cells(m, target, slot, (sp_base, sp_at_call), word)
            ptr = m.pointer_at(cells)
            if ptr is None:
                problems.append("%s: %s: %s should hold the address of a copy, holds %r" % (where, p.name, slot.where,
                                                                                           cells[:2]))
                continue
            for j in want:
                got = m.mem.get((ptr[0], ptr[1] + j))
                if got != ("g", k, j):
                    problems.append("%s: %s byte %d: the copy holds %r" % (where, p.name, j, got))
                    break
            continue
        for slot in p.slots:
            cells = _slot_cells(m, target, slot, (sp_base, sp_at_call), slot.size)
            for j in range(slot.size):
                if slot.offset + j not in want:
                    continue
                exp = _expected(k, slot.offset + j, promoted)
                if cells[j] != exp:
                    problems.append("%s: %s byte %d: explained in %s, where the compiler has %r" %
                                    (where, p.name, slot.offset + j, slot.where, cells[j]))
                    break
    # the other way round: no argument register holds bytes of an argument passed in registers unless the
    # explanation puts them there (arguments copied to the stack or by reference leave scratch copies)
    explained = set()
    in_registers = {k for k, p in enumerate(call.args) if p.how == "registers"}
    for p in call.args:
        for slot in p.slots:
            if slot.reg is not None and slot.reg != "st0":
                explained.update(reg_bytes(target, slot.reg, slot.size))
    for fam in ARG_REGISTERS.get(target, ()):
        for j, cell in enumerate(m.regs.get(fam) or []):
            if cell is not None and cell[0] in ("g", "cvt") and cell[1] in in_registers and (fam, j) not in explained:
                problems.append("%s: %s byte %d holds byte %d of argument %d, which the explanation does not "
                                "put there" % (where, fam, j, cell[2], cell[1]))
                break
    if call.hidden is not None:
        cells = _slot_cells(m, target, call.hidden, (sp_base, sp_at_call), word)
        if m.pointer_at(cells) is None:
            problems.append("%s: hidden result pointer explained in %s, which holds %r" % (where, call.hidden.where,
                                                                                          cells[:2]))
    if call.vector_count is not None:
        al = m.regs.get("rax", [None])[0]
        if al != ("c", call.vector_count):
            problems.append("%s: al explained as %d, the compiler sets %r" % (where, call.vector_count, al))


# The registers the reverse check looks at. Only Windows: there a value in two registers (a floating-point
# argument of a variadic call, in xmm and the integer register) is the rule to catch; elsewhere compilers
# leave scratch copies in argument registers (ARM loads a double in d1 before moving it to r2:r3, gcc builds
# a 3-byte struct in rdx before moving it to rdi), which the check cannot tell from a misplaced argument.
ARG_REGISTERS = {"x86_64-windows": ["rcx", "rdx", "r8", "r9"] + ["xmm%d" % i for i in range(4)]}


def _slot_cells(m, target, slot, sp_at_call, size):
    if slot.reg == "st0":
        return m.x87[0][1] if m.x87 else [None] * size
    if slot.reg is not None:
        out = []
        for fam, j in reg_bytes(target, slot.reg, size):
            out.append((m.regs.get(fam) or [None] * 16)[j])
        return out
    base, at = sp_at_call
    return [m.mem.get((base, at + slot.stack + j)) for j in range(size)]


def callee_entry(target, call):
    word = 4 if target in ("i386-linux", "arm-linux-gnueabihf") else 8

    def entry(m):
        if target.startswith(("x86", "i386")):
            m.set_addr("rsp", "sp", -word, word)  # the return address below the caller's SP
        if call.hidden is not None:
            if call.hidden.reg is not None:
                fam = reg_bytes(target, call.hidden.reg, 1)[0][0]
                m.set_addr(fam, "in:hidden", 0, word)
            else:
                m.store("sp", call.hidden.stack, [("p", "in:hidden", 0, j) for j in range(word)])
    return entry


def check_callee(target, m, call, problems, where):
    ret = call.ret
    want = member_bytes(ret.info)
    if ret.how == "memory":
        for j in want:
            got = m.mem.get(("in:hidden", j))
            if got != ("g", RET, j):
                problems.append("%s: result byte %d: the memory the hidden pointer names holds %r" % (where, j, got))
                break
        if target.startswith(("x86", "i386")):
            if m.pointer_at(m.regs.get("rax", [None] * 8)[:word(target)]) != ("in:hidden", 0):
                problems.append("%s: the callee does not return the hidden pointer in eax/rax" % where)
        pops = 4 if target == "i386-linux" else 0
        if m.popped != pops:
            problems.append("%s: the callee pops %d bytes, explained %d" % (where, m.popped, pops))
        return
    for slot in ret.slots:
        cells = _slot_cells(m, target, slot, ("sp", 0), slot.size)
        for j in range(min(slot.size, len(cells))):
            if slot.offset + j not in want:
                continue
            if cells[j] != ("g", RET, slot.offset + j):
                problems.append("%s: result byte %d explained in %s, the compiler leaves %r there" %
                                (where, slot.offset + j, slot.where, cells[j]))
                break


def word(target):
    return 4 if target in ("i386-linux", "arm-linux-gnueabihf") else 8


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_explain_matches_compiler(target):
    found = compilers(target)
    if not found:
        pytest.skip("no C compiler for %s (clang/gcc not installed)" % target)
    specs = struct_specs()
    tgt = TARGETS[target]
    models = {}
    for spec in specs:
        models[spec.name] = model_class(spec, models, tgt)
    signatures = corpus(target, models, random.Random(19))
    source = program(tgt, specs, signatures)
    checked = 0
    for cmd in found:
        asm = compile_asm(cmd, source)
        bodies = functions(asm)
        problems = []
        for i, (sig, extra) in enumerate(signatures):
            call = sig.explain(abi=target, varargs=extra)
            where = "%s %s #%d %s%s" % (cmd[0], target, i, sig.c_text(), " + %s" % [c_text(t) for t in extra]
                                        if extra else "")
            m = run(target, bodies["caller%d" % i], lambda m: None, "f%d" % i)
            check_caller(target, m, call, sig, extra, problems, where)
            if sig.returns is not None:
                callee = Signature(returns=sig.returns, args=[("n", c_int)] if sig.variadic else [],
                                   variadic=sig.variadic).explain(abi=target)
                m = run(target, bodies["g%d" % i], callee_entry(target, callee), None)
                check_callee(target, m, callee, problems, where + " (return)")
            checked += 1
        assert not problems, "\n".join(problems[:40])
    assert checked >= len(signatures)
