"""The calling conventions of the five targets, one function each, written after the ABI documents.

Sections cited:

* SysV x86-64: System V Application Binary Interface, AMD64 Architecture Processor Supplement
  (psABI) 1.0, section 3.2 "Function Calling Sequence" (3.2.2 stack frame, 3.2.3 parameter passing).
* i386: System V ABI, Intel386 Architecture Processor Supplement 1.1, section 2.2 "Function Calling
  Sequence" (2.2.2 stack frame, 2.2.3 parameter passing and returning values).
* AArch64: Procedure Call Standard for the Arm 64-bit Architecture (AAPCS64), section 6 "The Base
  Procedure Call Standard" (6.4.2 stack, 6.8.2 parameter passing rules A-C, 6.9 result return,
  5.9.5 homogeneous aggregates).
* 32-bit ARM: Procedure Call Standard for the Arm Architecture (AAPCS), sections 6.2.1 stack, 6.5
  parameter passing (stages A-C), 6.6 result return (base), 7.1 "VFP and Advanced SIMD register
  arguments" (the hard-float variant), 7.1.1 variadic functions use the base standard.
* Windows x64: Microsoft "x64 calling convention" (learn.microsoft.com/cpp/build/x64-calling-convention):
  "Parameter passing", "Varargs", "Return values", "Stack allocation" (shadow space).

Every rule is checked against clang (and gcc on x86) by ``tests/test_calls_compilers.py``.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .calls import Call, Passed, Signature, Slot
from .ctypeinfo import Leaf, TypeInfo
from .targets import Target

Named = Tuple[str, TypeInfo]


def _roundup(n: int, to: int) -> int:
    return -(-n // to) * to


def _words(size: int, word: int) -> List[Tuple[int, int]]:
    """(offset, size) of each register-sized piece of a value."""
    return [(o, min(word, size - o)) for o in range(0, max(size, 1), word)]


def _regname(names: Sequence[str], size: int) -> str:
    """The register of a family (``("dil", "di", "edi", "rdi")``) as wide as ``size`` bytes."""
    for i, width in enumerate((1, 2, 4, 8)[:len(names)]):
        if size <= width:
            return names[i]
    return names[-1]


# --- System V x86-64 ---------------------------------------------------------------------------

_X64_INT = [("dil", "di", "edi", "rdi"), ("sil", "si", "esi", "rsi"), ("dl", "dx", "edx", "rdx"),
            ("cl", "cx", "ecx", "rcx"), ("r8b", "r8w", "r8d", "r8"), ("r9b", "r9w", "r9d", "r9")]
_X64_RET = [("al", "ax", "eax", "rax"), ("dl", "dx", "edx", "rdx")]


def _merge(a: str, b: str) -> str:
    """psABI 3.2.3, the merge of two classes in one eightbyte (rule 4 (a)-(f))."""
    if a == b:
        return a
    if a == "NO_CLASS":
        return b
    if b == "NO_CLASS":
        return a
    if "MEMORY" in (a, b):
        return "MEMORY"
    if "INTEGER" in (a, b):
        return "INTEGER"
    if {a, b} & {"X87", "X87UP", "COMPLEX_X87"}:
        return "MEMORY"
    return "SSE"


def sysv_classes(ti: TypeInfo) -> List[str]:
    """The class of each eightbyte of a value (psABI 3.2.3 "Classification")."""
    if not ti.aggregate:
        kind = ti.leaves[0].kind
        if kind == "x87":
            return ["X87", "X87UP"]
        return ["SSE"] if kind == "float" else ["INTEGER"]
    if ti.size > 16:  # rule 1: larger than two eightbytes (no __m256 here)
        return ["MEMORY"] * ((ti.size + 7) // 8)
    classes = ["NO_CLASS"] * ((ti.size + 7) // 8)
    for leaf in ti.leaves:
        if leaf.offset % leaf.align:  # rule 2: unaligned fields
            return ["MEMORY"] * len(classes)
        if leaf.kind == "x87":
            classes[leaf.offset // 8] = _merge(classes[leaf.offset // 8], "X87")
            classes[leaf.offset // 8 + 1] = _merge(classes[leaf.offset // 8 + 1], "X87UP")
            continue
        for eb in range(leaf.offset // 8, (leaf.offset + leaf.size - 1) // 8 + 1):
            classes[eb] = _merge(classes[eb], "SSE" if leaf.kind == "float" else "INTEGER")
    # rule 5, post merger cleanup
    if "MEMORY" in classes or any(c == "X87UP" and (i == 0 or classes[i - 1] != "X87")
                                  for i, c in enumerate(classes)):
        return ["MEMORY"] * len(classes)
    return classes


def sysv_x86_64(sig: Signature, target: Target, fixed: List[Named], extra: List[Named],
                ret: Optional[TypeInfo]) -> Call:
    ints, sses, stack = 0, 0, 0
    out: List[Passed] = []
    hidden = None
    ret_passed = None
    if ret is not None:
        classes = sysv_classes(ret)
        if classes[0] == "MEMORY":
            hidden = Slot(0, 8, reg="rdi")
            ints = 1
            ret_passed = Passed("return", ret.text, ret.size, "memory", (), "MEMORY",
                                "psABI 3.2.3 Returning of values, MEMORY: the caller passes the address of "
                                "the space in rdi as if it were the first argument; the callee returns it in rax",
                                ret)
        elif classes[0] == "X87":
            ret_passed = Passed("return", ret.text, ret.size, "registers", (Slot(0, 10, reg="st0"),),
                                "X87, X87UP", "psABI 3.2.3 Returning of values, X87: in %st0", ret)
        else:
            slots, ri, rs = [], 0, 0
            for i, c in enumerate(classes):
                off, size = i * 8, min(8, ret.size - i * 8)
                if c == "INTEGER":
                    slots.append(Slot(off, size, reg=_regname(_X64_RET[ri], size)))
                    ri += 1
                elif c == "SSE":
                    slots.append(Slot(off, size, reg="xmm%d" % rs))
                    rs += 1
            ret_passed = Passed("return", ret.text, ret.size, "registers", tuple(slots), ", ".join(classes),
                                "psABI 3.2.3 Returning of values: INTEGER eightbytes in rax then rdx, SSE "
                                "eightbytes in xmm0 then xmm1", ret)
    for variadic, (name, ti) in [(False, a) for a in fixed] + [(True, a) for a in extra]:
        classes = sysv_classes(ti)
        need_int, need_sse = classes.count("INTEGER"), classes.count("SSE")
        in_memory = classes[0] in ("MEMORY", "X87")
        if not in_memory and ints + need_int <= 6 and sses + need_sse <= 8:
            slots = []
            for i, c in enumerate(classes):
                off, size = i * 8, min(8, ti.size - i * 8)
                if c == "INTEGER":
                    slots.append(Slot(off, size, reg=_regname(_X64_INT[ints], size)))
                    ints += 1
                elif c == "SSE":
                    slots.append(Slot(off, size, reg="xmm%d" % sses))
                    sses += 1
            rule = "psABI 3.2.3 Passing: INTEGER eightbytes take the next of rdi, rsi, rdx, rcx, r8, r9; SSE " \
                   "eightbytes the next of xmm0-xmm7"
            out.append(Passed(name, ti.text, ti.size, "registers", tuple(slots), ", ".join(classes), rule, ti,
                              variadic))
            continue
        align = max(8, ti.align)
        stack = _roundup(stack, align)
        if in_memory:
            why = "class %s: passed in memory" % classes[0]
        else:
            why = "not enough registers left for all its eightbytes, so all of it goes on the stack"
        out.append(Passed(name, ti.text, ti.size, "stack", (Slot(0, ti.size, stack=stack),), ", ".join(classes),
                          "psABI 3.2.3 Passing: %s, in 8-byte units at the next %d-aligned offset, first argument "
                          "lowest" % (why, align), ti, variadic))
        stack += _roundup(ti.size, 8)
    notes = []
    vector_count = None
    if sig.variadic:
        vector_count = sses
        notes.append("psABI 3.2.3 Passing, variable-argument lists: %%al holds the number of vector registers "
                     "used (%d)" % sses)
    return Call(target.name, "System V AMD64 psABI", sig, tuple(out), ret_passed, hidden, _roundup(stack, 16), 0,
                vector_count, "caller (psABI 3.2.2: arguments stay in the caller's frame)", 16, tuple(notes))


# --- i386 cdecl (System V i386) -------------------------------------------------------------------

def sysv_i386(sig: Signature, target: Target, fixed: List[Named], extra: List[Named],
              ret: Optional[TypeInfo]) -> Call:
    stack = 0
    hidden = None
    ret_passed = None
    cleanup = "caller (i386 psABI 2.2.3: cdecl, the caller pops the arguments)"
    if ret is not None:
        if ret.aggregate:
            hidden = Slot(0, 4, stack=0)
            stack = 4
            cleanup = ("caller pops the arguments; the callee pops the hidden pointer (ret $4), i386 psABI 2.2.3 "
                       "Returning values, structures and unions")
            ret_passed = Passed("return", ret.text, ret.size, "memory", (), "struct/union",
                                "i386 psABI 2.2.3 Returning values: every struct and union is returned in memory; the "
                                "caller passes its address as a hidden first argument and the callee returns it in eax",
                                ret)
        elif ret.leaves[0].kind != "int":
            ret_passed = Passed("return", ret.text, ret.size, "registers", (Slot(0, ret.size, reg="st0"),),
                                "floating point", "i386 psABI 2.2.3 Returning values: floating point in %st0", ret)
        elif ret.size == 8:
            ret_passed = Passed("return", ret.text, 8, "registers", (Slot(0, 4, reg="eax"), Slot(4, 4, reg="edx")),
                                "integer", "i386 psABI 2.2.3 Returning values: 64-bit integers in edx:eax", ret)
        else:
            ret_passed = Passed("return", ret.text, ret.size, "registers",
                                (Slot(0, ret.size, reg=_regname(("al", "ax", "eax"), ret.size)),), "integer",
                                "i386 psABI 2.2.3 Returning values: integers and pointers in eax", ret)
    out = []
    for variadic, (name, ti) in [(False, a) for a in fixed] + [(True, a) for a in extra]:
        out.append(Passed(name, ti.text, ti.size, "stack", (Slot(0, ti.size, stack=stack),),
                          "struct/union" if ti.aggregate else "scalar",
                          "i386 psABI 2.2.3 Parameter passing: every argument on the stack in order, each in a "
                          "multiple of 4 bytes", ti, variadic))
        stack += _roundup(ti.size, 4)
    return Call(target.name, "System V i386 (cdecl)", sig, tuple(out), ret_passed, hidden, _roundup(stack, 16), 0,
                None, cleanup, 16, ())


# --- AAPCS64 -------------------------------------------------------------------------------------

def homogeneous(ti: TypeInfo, kinds: Tuple[str, ...], max_members: int = 4) -> Optional[Leaf]:
    """The base leaf when ``ti`` is a homogeneous floating-point aggregate (AAPCS64 5.9.5, AAPCS 4.3.5)."""
    if not ti.aggregate:
        return None
    leaves = sorted({(lf.offset, lf.size, lf.kind): lf for lf in ti.leaves}.values(), key=lambda lf: lf.offset)
    if not leaves or len(leaves) > max_members:
        return None
    first = leaves[0]
    if first.kind not in kinds or any((lf.kind, lf.size) != (first.kind, first.size) for lf in leaves):
        return None
    if [lf.offset for lf in leaves] != [i * first.size for i in range(len(leaves))] or \
            ti.size != len(leaves) * first.size:
        return None
    return first


def _fp_name(prefix_by_size: Dict[int, str], size: int, n: int) -> str:
    return "%s%d" % (prefix_by_size[size], n)


_A64_FP = {2: "h", 4: "s", 8: "d", 16: "q"}


def aapcs64(sig: Signature, target: Target, fixed: List[Named], extra: List[Named],
            ret: Optional[TypeInfo]) -> Call:
    ngrn, nsrn, nsaa = 0, 0, 0
    out = []
    hidden = None
    ret_passed = None
    if ret is not None:
        ret_passed, hidden = _a64_return(ret)
    for variadic, (name, ti) in [(False, a) for a in fixed] + [(True, a) for a in extra]:
        hfa = homogeneous(ti, ("float", "quad"))
        if hfa is not None or (not ti.aggregate and ti.leaves[0].kind != "int"):
            base = hfa or ti.leaves[0]
            count = ti.size // base.size
            if nsrn + count <= 8:  # C.2: HFA/HVA, C.1: a floating-point scalar
                slots = tuple(Slot(i * base.size, base.size, reg=_fp_name(_A64_FP, base.size, nsrn + i))
                              for i in range(count))
                nsrn += count
                out.append(Passed(name, ti.text, ti.size, "registers", slots,
                                  "HFA of %d %s" % (count, _fp_c(base)) if hfa else "floating point",
                                  "AAPCS64 6.8.2 C.1/C.2: floating-point values and HFAs take the next SIMD/FP "
                                  "registers v0-v7, one member each", ti, variadic))
                continue
            nsrn = 8  # C.3
            align = max(8, ti.natural_align)
            nsaa = _roundup(nsaa, align)
            out.append(Passed(name, ti.text, ti.size, "stack", (Slot(0, ti.size, stack=nsaa),),
                              "HFA of %d %s" % (count, _fp_c(base)) if hfa else "floating point",
                              "AAPCS64 6.8.2 C.3-C.5: no SIMD/FP registers left, copied to the stack (NSAA "
                              "aligned to max(8, alignment), size rounded up to 8)", ti, variadic))
            nsaa += _roundup(ti.size, 8)
            continue
        if ti.aggregate and ti.size > 16:  # B.4: a copy in memory, passed by its address
            ptr = TypeInfo("pointer", 8, 8, False, False, (Leaf(0, 8, "int", 8),), False)
            where, ngrn, nsaa = _a64_core(ptr, ngrn, nsaa)
            out.append(Passed(name, ti.text, ti.size, "reference", where, "composite > 16 bytes",
                              "AAPCS64 6.8.2 B.4: a composite larger than 16 bytes is copied to memory by the "
                              "caller and replaced by a pointer to the copy", ti, variadic))
            continue
        where, ngrn, nsaa = _a64_core(ti, ngrn, nsaa)
        on_stack = where[0].stack is not None
        out.append(Passed(name, ti.text, ti.size, "stack" if on_stack else "registers", where,
                          "composite" if ti.aggregate else "integer",
                          ("AAPCS64 6.8.2 C.13-C.16: no core registers left for all of it, so NGRN=8 and it goes "
                           "on the stack at NSAA, in 8-byte units" if on_stack else
                           "AAPCS64 6.8.2 C.9-C.12: integers and composites up to 16 bytes take the next core "
                           "registers x0-x7 (even-numbered first when 16-aligned)"), ti, variadic))
    return Call(target.name, "AAPCS64", sig, tuple(out), ret_passed, hidden, _roundup(nsaa, 16), 0, None,
                "caller (AAPCS64 6.4.2: the callee leaves SP as it found it)", 16,
                ("AAPCS64 (Linux): variadic arguments are passed exactly like named ones",) if sig.variadic else ())


def _fp_c(leaf: Leaf) -> str:
    return {4: "float", 8: "double", 16: "long double", 2: "_Float16"}[leaf.size]


def _a64_core(ti: TypeInfo, ngrn: int, nsaa: int) -> Tuple[Tuple[Slot, ...], int, int]:
    dwords = (ti.size + 7) // 8
    if ti.natural_align == 16:  # C.10 / C.12: 16-aligned values start at an even-numbered register
        ngrn = _roundup(ngrn, 2)
    if ngrn + dwords <= 8:
        slots = tuple(Slot(off, size, reg=("w%d" if size <= 4 and not ti.aggregate else "x%d") % (ngrn + i))
                      for i, (off, size) in enumerate(_words(ti.size, 8)))
        return slots, ngrn + dwords, nsaa
    nsaa = _roundup(nsaa, max(8, ti.natural_align))
    return (Slot(0, ti.size, stack=nsaa),), 8, nsaa + _roundup(ti.size, 8)


def _a64_return(ret: TypeInfo) -> Tuple[Passed, Optional[Slot]]:
    hfa = homogeneous(ret, ("float", "quad"))
    if hfa is not None or (not ret.aggregate and ret.leaves[0].kind != "int"):
        base = hfa or ret.leaves[0]
        slots = tuple(Slot(i * base.size, base.size, reg=_fp_name(_A64_FP, base.size, i))
                      for i in range(ret.size // base.size))
        return Passed("return", ret.text, ret.size, "registers", slots,
                      "HFA of %d %s" % (len(slots), _fp_c(base)) if hfa else "floating point",
                      "AAPCS64 6.9: returned where it would be passed as the first argument: v0-v3", ret), None
    if ret.aggregate and ret.size > 16:
        return Passed("return", ret.text, ret.size, "memory", (), "composite > 16 bytes",
                      "AAPCS64 6.9: the caller passes the address of the result memory in x8 (the indirect "
                      "result location register)", ret), Slot(0, 8, reg="x8")
    slots, _, _ = _a64_core(ret, 0, 0)
    return Passed("return", ret.text, ret.size, "registers", slots, "composite" if ret.aggregate else "integer",
                  "AAPCS64 6.9: returned where it would be passed as the first argument: x0, x1", ret), None


# --- AAPCS (32-bit ARM), hard-float variant --------------------------------------------------------

def aapcs_vfp(sig: Signature, target: Target, fixed: List[Named], extra: List[Named],
              ret: Optional[TypeInfo]) -> Call:
    vfp = not sig.variadic  # AAPCS 7.1.1: a variadic function uses the base standard for every argument
    ncrn, nsaa = 0, 0
    free = [True] * 16  # s0-s15
    vfp_closed = False
    out = []
    hidden = None
    ret_passed = None
    if ret is not None:
        ret_passed, hidden = _arm_return(ret, vfp)
        if hidden is not None:
            ncrn = 1
    for variadic, (name, ti) in [(False, a) for a in fixed] + [(True, a) for a in extra]:
        base = _cprc(ti) if vfp else None
        if base is not None:
            count = ti.size // base.size
            units = base.size // 4
            start = None if vfp_closed else _vfp_find(free, count * units, units)
            if start is not None:  # C.1.cp: the lowest free registers that hold it (back-filling singles)
                for i in range(count * units):
                    free[start + i] = False
                slots = tuple(Slot(i * base.size, base.size,
                                   reg=("s%d" % (start + i) if units == 1 else "d%d" % (start // 2 + i)))
                              for i in range(count))
                out.append(Passed(name, ti.text, ti.size, "registers", slots,
                                  "CPRC: HFA of %d %s" % (count, _fp_c(base)) if ti.aggregate else
                                  "CPRC: %s" % _fp_c(base),
                                  "AAPCS 7.1.2 C.1.cp: a VFP co-processor register candidate takes the lowest free "
                                  "s/d registers (s0-s15, d0-d7), filling gaps left by earlier doubles", ti, variadic))
                continue
            vfp_closed = True  # C.2.cp: the VFP registers are now unavailable for the rest of the call
            nsaa = _roundup(nsaa, max(4, ti.natural_align))
            out.append(Passed(name, ti.text, ti.size, "stack", (Slot(0, ti.size, stack=nsaa),),
                              "CPRC" if not ti.aggregate else "CPRC: HFA of %d %s" % (count, _fp_c(base)),
                              "AAPCS 7.1.2 C.2.cp: no VFP registers left: on the stack at NSAA, and no later "
                              "CPRC uses VFP registers", ti, variadic))
            nsaa += _roundup(ti.size, 4)
            continue
        words = (ti.size + 3) // 4
        if ti.natural_align == 8:  # C.3: double-word aligned values start at an even register
            ncrn = _roundup(ncrn, 2)
        kind = "composite" if ti.aggregate else ("integer" if ti.leaves[0].kind == "int" else "floating point "
                                                 "(base standard: core registers)")
        if ncrn + words <= 4:  # C.4
            slots = tuple(Slot(off, size, reg="r%d" % (ncrn + i)) for i, (off, size) in enumerate(_words(ti.size, 4)))
            ncrn += words
            out.append(Passed(name, ti.text, ti.size, "registers", slots, kind,
                              "AAPCS 6.5 C.3/C.4: the next core registers r0-r3 (8-aligned values from an "
                              "even register)", ti, variadic))
            continue
        if ncrn < 4 and nsaa == 0:  # C.5: split between the last core registers and the stack
            reg_bytes = (4 - ncrn) * 4
            slots = tuple(Slot(off, size, reg="r%d" % (ncrn + i))
                          for i, (off, size) in enumerate(_words(reg_bytes, 4)))
            slots += (Slot(reg_bytes, ti.size - reg_bytes, stack=0),)
            ncrn = 4
            nsaa = _roundup(ti.size - reg_bytes, 4)
            out.append(Passed(name, ti.text, ti.size, "split", slots, kind,
                              "AAPCS 6.5 C.5: split: the first words in the last core registers, the rest on "
                              "the stack", ti, variadic))
            continue
        ncrn = 4  # C.6
        nsaa = _roundup(nsaa, max(4, ti.natural_align))  # C.7
        out.append(Passed(name, ti.text, ti.size, "stack", (Slot(0, ti.size, stack=nsaa),), kind,
                          "AAPCS 6.5 C.6-C.8: no core registers left: on the stack at NSAA (8-aligned values at "
                          "an 8-aligned offset), size rounded up to 4", ti, variadic))
        nsaa += _roundup(ti.size, 4)
    notes = ("AAPCS 7.1.1: variadic, so the base standard applies: no VFP registers, also for the result",) \
        if sig.variadic else ()
    return Call(target.name, "AAPCS, VFP hard-float variant" if vfp else "AAPCS base standard (variadic)", sig,
                tuple(out), ret_passed, hidden, _roundup(nsaa, 8), 0, None,
                "caller (AAPCS 6.2.1: the callee leaves SP as it found it)", 8, notes)


def _cprc(ti: TypeInfo) -> Optional[Leaf]:
    """AAPCS 7.1.2: a float, a double, or a homogeneous aggregate of up to four of them."""
    if not ti.aggregate:
        return ti.leaves[0] if ti.leaves[0].kind == "float" else None
    return homogeneous(ti, ("float",))


def _vfp_find(free: List[bool], n: int, step: int) -> Optional[int]:
    for start in range(0, 16 - n + 1, step):
        if all(free[start:start + n]):
            return start
    return None


def _arm_return(ret: TypeInfo, vfp: bool) -> Tuple[Passed, Optional[Slot]]:
    base = _cprc(ret) if vfp else None
    if base is not None:
        units = base.size // 4
        slots = tuple(Slot(i * base.size, base.size, reg=("s%d" % i if units == 1 else "d%d" % i))
                      for i in range(ret.size // base.size))
        return Passed("return", ret.text, ret.size, "registers", slots, "CPRC",
                      "AAPCS 7.1.3: a CPRC result goes in s0-s3/d0-d3", ret), None
    if ret.aggregate and ret.size > 4:
        return Passed("return", ret.text, ret.size, "memory", (), "composite > 4 bytes",
                      "AAPCS 6.6: a composite larger than 4 bytes is returned in memory whose address the caller "
                      "passes in r0 as an extra first argument", ret), Slot(0, 4, reg="r0")
    slots = tuple(Slot(off, size, reg="r%d" % i) for i, (off, size) in enumerate(_words(ret.size, 4)))
    return Passed("return", ret.text, ret.size, "registers", slots, "composite" if ret.aggregate else "fundamental",
                  "AAPCS 6.6: fundamental types and composites up to 4 bytes in r0 (8-byte values in r0, r1)",
                  ret), None


# --- Windows x64 ---------------------------------------------------------------------------------

_WIN_INT = [("cl", "cx", "ecx", "rcx"), ("dl", "dx", "edx", "rdx"), ("r8b", "r8w", "r8d", "r8"),
            ("r9b", "r9w", "r9d", "r9")]


def win64(sig: Signature, target: Target, fixed: List[Named], extra: List[Named],
          ret: Optional[TypeInfo]) -> Call:
    position = 0
    hidden = None
    ret_passed = None
    if ret is not None:
        if ret.aggregate and ret.size not in (1, 2, 4, 8):
            hidden = Slot(0, 8, reg="rcx")
            position = 1
            ret_passed = Passed("return", ret.text, ret.size, "memory", (), "size %d" % ret.size,
                                "MS x64 Return values: other user-defined types are returned in memory the caller "
                                "allocates; its address is the hidden first argument (rcx) and comes back in rax",
                                ret)
        elif not ret.aggregate and ret.leaves[0].kind == "float":
            ret_passed = Passed("return", ret.text, ret.size, "registers", (Slot(0, ret.size, reg="xmm0"),),
                                "floating point", "MS x64 Return values: floating point in xmm0", ret)
        else:
            ret_passed = Passed("return", ret.text, ret.size, "registers",
                                (Slot(0, ret.size, reg=_regname(("al", "ax", "eax", "rax"), ret.size)),),
                                "size %d" % ret.size, "MS x64 Return values: integers, pointers and structs of 1, "
                                "2, 4 or 8 bytes in rax", ret)
    out = []
    for variadic, (name, ti) in [(False, a) for a in fixed] + [(True, a) for a in extra]:
        by_ref = ti.aggregate and ti.size not in (1, 2, 4, 8)
        is_fp = not ti.aggregate and ti.leaves[0].kind == "float"
        size = 8 if by_ref else ti.size
        if position < 4:
            if is_fp:
                slots: Tuple[Slot, ...] = (Slot(0, size, reg="xmm%d" % position),)
                if sig.variadic:  # Varargs: clang does it for the named arguments of a variadic call too
                    slots += (Slot(0, size, reg=_regname(_WIN_INT[position], 8)),)
            else:
                slots = (Slot(0, size, reg=_regname(_WIN_INT[position], size)),)
        else:
            slots = (Slot(0, size, stack=32 + 8 * (position - 4)),)
        if by_ref:
            how, rule = "reference", ("MS x64 Parameter passing: a struct or union whose size is not 1, 2, 4 or 8 "
                                      "bytes is copied by the caller and passed by its address")
        elif position >= 4:
            how, rule = "stack", ("MS x64 Parameter passing: the fifth and later arguments go on the stack above the "
                                  "32-byte shadow space, 8 bytes each")
        else:
            how, rule = "registers", ("MS x64 Parameter passing: argument %d takes %s (one slot per argument, "
                                      "integer or floating point by type)" %
                                      (position + 1, "xmm%d" % position if is_fp else _WIN_INT[position][3]))
            if sig.variadic and is_fp:
                rule += ("; MS x64 Varargs: in a call to a variadic function a floating-point value is also put in "
                         "the integer register of its slot")
        out.append(Passed(name, ti.text, ti.size, how, slots,
                          ("size %d" % ti.size) if ti.aggregate else ("floating point" if is_fp else "integer"),
                          rule, ti, variadic))
        position += 1
    stack = 32 + 8 * max(0, position - 4)
    return Call(target.name, "Microsoft x64", sig, tuple(out), ret_passed, hidden, _roundup(stack, 16), 32, None,
                "caller (MS x64 Stack allocation: the caller allocates and frees the argument area)", 16,
                ("MS x64 Stack allocation: the caller always reserves 32 bytes of shadow space for rcx, rdx, r8, "
                 "r9, even for fewer arguments",))


CONVENTIONS: Dict[str, Callable[..., Call]] = {
    "x86_64-linux": sysv_x86_64,
    "i386-linux": sysv_i386,
    "aarch64-linux": aapcs64,
    "arm-linux-gnueabihf": aapcs_vfp,
    "x86_64-windows": win64,
}

__all__ = ["CONVENTIONS", "sysv_classes", "homogeneous"]
