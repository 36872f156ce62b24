"""Read a compiler's assembler to find where each argument byte is at a call, and where a result is left.

The C code under test takes every argument from an extern global ``a<k>``
(``r = f(a0, a1, ...)``, and ``RET g(void) { return a<k>; }``); compiled with
``-O2``, the caller loads the globals and moves their bytes into registers
and the outgoing stack area. A small symbolic interpreter runs the caller's
instructions up to the call (the callee's up to its return) with every
register and memory byte labelled by where it came from: ``("g", k, j)`` is
byte j of global ``a<k>``, ``("p", base, off, j)`` byte j of an address,
``("c", v)`` a known constant byte. Unknown instructions raise, so the
tracker never guesses.
"""

import re
import shutil
import subprocess

NO_PIC = ["-fno-pic", "-fno-asynchronous-unwind-tables", "-fno-stack-protector"]
COMPILERS = {
    "x86_64-linux": [["clang", "--target=x86_64-linux-gnu", "-mllvm", "-no-x86-call-frame-opt"], ["gcc", "-m64"]],
    "i386-linux": [["clang", "--target=i386-linux-gnu", "-mllvm", "-no-x86-call-frame-opt"], ["gcc", "-m32"]],
    "aarch64-linux": [["clang", "--target=aarch64-linux-gnu"]],
    "arm-linux-gnueabihf": [["clang", "--target=arm-linux-gnueabihf", "-march=armv7-a", "-mfloat-abi=hard",
                             "-mfpu=vfpv3-d16"]],
    "x86_64-windows": [["clang", "--target=x86_64-pc-windows-msvc", "-mllvm", "-no-x86-call-frame-opt"]],
}


def compilers(target):
    return [c for c in COMPILERS[target] if shutil.which(c[0])]


def compile_asm(cmd, source):
    full = cmd + NO_PIC + ["-std=gnu11", "-ffreestanding", "-O2", "-S", "-w", "-o", "-", "-x", "c", "-"]
    result = subprocess.run(full, input=source, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError("%s failed:\n%s\n%s" % (" ".join(full), result.stderr[-3000:], source))
    return result.stdout


def functions(asm):
    """{function name: its instruction lines}, in one pass over the assembler."""
    out, current = {}, None
    for raw in asm.splitlines():
        stripped = re.split(r"\s(?:#|//|@)\s|^\s*(?:#|//|@)", raw)[0].strip()
        label = re.match(r"^([A-Za-z_.$][\w.$]*):", stripped)
        if label:
            if stripped.startswith((".L", "$")):
                continue  # local labels inside a function
            current = out.setdefault(label.group(1), [])
            continue
        if current is None or not stripped:
            continue
        if stripped.startswith("."):
            if stripped.startswith((".Lfunc_end", ".size", ".seh_endproc")) or stripped == ".fnend":
                current = None
            continue
        current.append(stripped)
    return out


def function_body(asm, name):
    """The instruction lines of function ``name``."""
    return functions(asm)[name]


class Machine:
    """Registers (family name -> list of byte labels) and memory ((base, offset) -> byte label)."""

    def __init__(self, target):
        self.target = target
        self.regs = {}
        self.mem = {}
        self.sp_name = {"x86_64-linux": "rsp", "x86_64-windows": "rsp", "i386-linux": "esp",
                        "aarch64-linux": "sp", "arm-linux-gnueabihf": "sp"}[target]
        self.word = 4 if target in ("i386-linux", "arm-linux-gnueabihf") else 8
        self.x87 = []  # the x87 stack, top first: lists of byte labels with a format
        self.popped = 0  # bytes a ret $n pops
        self.flags = None  # the byte a comparison with zero looked at (a _Bool normalised to 0 or 1)
        self.tail = False  # the call was a tail call (a jump with the caller's own entry stack)

    def set_addr(self, reg, base, off, width=None):
        width = width or self.word
        self.regs[reg] = [("p", base, off, j) for j in range(width)]

    def addr(self, reg):
        cells = self.regs.get(reg)
        if not cells or cells[0] is None or cells[0][0] != "p":
            raise ValueError("register %s does not hold a known address: %r" % (reg, cells and cells[:2]))
        base, off = cells[0][1], cells[0][2]
        return base, off

    def load(self, base, off, n):
        if base.startswith("g:"):
            mt = re.match(r"^(?:s\d+_)?a(\d+)$", base[2:])
            if mt:
                return [("g", int(mt.group(1)), off + i) for i in range(n)]
            return [None] * n
        return [self.mem.get((base, off + i)) for i in range(n)]

    def store(self, base, off, cells):
        for i, c in enumerate(cells):
            self.mem[(base, off + i)] = c

    def pointer_at(self, cells):
        """(base, off) when ``cells`` are the bytes of one address."""
        if not cells or cells[0] is None or cells[0][0] != "p":
            return None
        base, off = cells[0][1], cells[0][2]
        if all(c is not None and c[0] == "p" and c[1] == base and c[2] == off and c[3] == j
               for j, c in enumerate(cells)):
            return base, off
        return None


def shift_cells(cells, bits, size):
    """``cells`` shifted left by ``bits`` (right when negative), as a register of ``size`` bytes."""
    if bits % 8:
        raise ValueError("a shift by %d bits splits bytes" % bits)
    n = bits // 8
    cells = list(cells[:size]) + [("c", 0)] * (size - len(cells))
    if n >= 0:
        return ([("c", 0)] * n + cells)[:size]
    return (cells[-n:] + [("c", 0)] * (-n))[:size]


def mask_cells(cells, width):
    if width % 8:
        raise ValueError("a mask of %d bits splits bytes" % width)
    return [c if i < width // 8 else ("c", 0) for i, c in enumerate(cells)]


def insert_bits(dst, src, lsb, width):
    if lsb % 8 or width % 8:
        raise ValueError("a bit-field insert at bit %d, %d bits, splits bytes" % (lsb, width))
    out = list(dst)
    for i in range(width // 8):
        out[lsb // 8 + i] = src[i]
    return out


def or_cells(a, b):
    out = []
    for x, y in zip(a, b):
        if x == ("c", 0):
            out.append(y)
        elif y == ("c", 0):
            out.append(x)
        elif x is not None and y is not None and x[0] == "c" and y[0] == "c":
            out.append(("c", x[1] | y[1]))
        else:
            out.append(None)
    return out


def _const_cells(value, n):
    return [("c", b) for b in (value % (1 << (8 * n))).to_bytes(n, "little")]


# --- x86 (AT&T syntax) ---------------------------------------------------------------------------

_X86_GP = {}
for fam, names in {"rax": ("al", "ax", "eax", "rax"), "rbx": ("bl", "bx", "ebx", "rbx"),
                   "rcx": ("cl", "cx", "ecx", "rcx"), "rdx": ("dl", "dx", "edx", "rdx"),
                   "rsi": ("sil", "si", "esi", "rsi"), "rdi": ("dil", "di", "edi", "rdi"),
                   "rbp": ("bpl", "bp", "ebp", "rbp"), "rsp": ("spl", "sp", "esp", "rsp")}.items():
    for size, n in zip((1, 2, 4, 8), names):
        _X86_GP[n] = (fam, size)
for i in range(8, 16):
    for size, suffix in zip((1, 2, 4, 8), ("b", "w", "d", "")):
        _X86_GP["r%d%s" % (i, suffix)] = ("r%d" % i, size)
_X86_GP["ah"] = ("rax", -1)


def x86_reg(name, target):
    """(family, size) of an x86 register name (i386 families are the e-registers, called by their r-name)."""
    if name.startswith("xmm"):
        return name, 16
    return _X86_GP[name]


def _split_operands(text):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


class X86:
    def __init__(self, machine):
        self.m = machine
        self.wide = 8 if machine.word == 8 else 4

    def mem_operand(self, op):
        """(base, off) of an AT&T memory operand."""
        mt = re.match(r"^([^()]*)\((%[a-z0-9]+)?(?:,(%[a-z0-9]+))?(?:,(\d+))?\)$", op)
        if mt:
            disp, base, index = mt.group(1), mt.group(2), mt.group(3)
            if index:
                raise ValueError("indexed addressing %s" % op)
            sym, off = _x86_disp(disp)
            if base in ("%rip", None):
                return "g:" + sym, off
            if sym:
                raise ValueError("symbol relative to a register: %s" % op)
            fam, _ = x86_reg(base[1:], self.m.target)
            b, o = self.m.addr(fam)
            return b, o + off
        sym, off = _x86_disp(op)  # absolute (i386 without PIC)
        return "g:" + sym, off

    def reg_cells(self, name):
        fam, size = x86_reg(name, self.m.target)
        width = 16 if fam.startswith("xmm") else self.wide
        return fam, size, self.m.regs.setdefault(fam, [None] * width)

    def read(self, op, n):
        if op.startswith("$"):
            return _const_cells(int(op[1:], 0), n)
        if op.startswith("%"):
            fam, size, cells = self.reg_cells(op[1:])
            return list(cells[:n])
        base, off = self.mem_operand(op)
        return self.m.load(base, off, n)

    def write(self, op, cells, zero_upper):
        if op.startswith("%"):
            fam, size, old = self.reg_cells(op[1:])
            width = len(old)
            if zero_upper is None:  # 8/16-bit writes keep the rest
                new = list(cells) + old[len(cells):]
            elif zero_upper == "ext":
                new = list(cells) + [("ext",)] * (width - len(cells))
            else:
                new = list(cells) + [("c", 0)] * (width - len(cells))
            self.m.regs[fam] = new[:width]
            return
        base, off = self.mem_operand(op)
        self.m.store(base, off, cells)

    def step(self, ins):
        parts = ins.split(None, 1)
        op = parts[0]
        args = _split_operands(parts[1]) if len(parts) > 1 else []
        m = self.m
        sizes = {"b": 1, "w": 2, "l": 4, "q": 8}
        if op in ("nop", "endbr64", "endbr32") or op.startswith(("nop", "cfi")):
            return None
        if op in ("callq", "calll", "call"):
            if args[0].startswith("."):  # i386 PIC: call .L0$pb pushes eip
                return None
            return ("call", args[0].split("@")[0])
        if op in ("retq", "retl", "ret"):
            m.popped = int(args[0][1:], 0) if args else 0
            return ("ret", None)
        if op in ("jmp", "jmpq", "jmpl"):
            return ("tail", args[0].split("@")[0])
        if op in ("pushq", "pushl", "push"):
            n = self.wide
            cells = self.read(args[0], n)
            b, o = m.addr(m.sp_name if m.word == 8 else "rsp")
            m.set_addr("rsp", b, o - n, self.wide)
            m.store(b, o - n, cells)
            return None
        if op in ("popq", "popl", "pop"):
            b, o = m.addr("rsp")
            self.write(args[0], m.load(b, o, self.wide), 0)
            m.set_addr("rsp", b, o + self.wide, self.wide)
            return None
        if op in ("subq", "addq", "subl", "addl", "andq", "andl") and args[1] in ("%rsp", "%esp"):
            b, o = m.addr("rsp")
            v = int(args[0][1:], 0)
            if op.startswith("and"):
                raise ValueError("stack realignment")
            m.set_addr("rsp", b, o - v if op.startswith("sub") else o + v, self.wide)
            return None
        if op in ("leaq", "leal"):
            base, off = self.mem_operand(args[0])
            fam, size, _ = self.reg_cells(args[1][1:])
            m.set_addr(fam, base, off, self.wide)
            return None
        if op in ("xorl", "xorq", "xorps", "xorpd", "pxor") and args[0] == args[1]:
            fam, size, cells = self.reg_cells(args[1][1:])
            m.regs[fam] = [("c", 0)] * len(cells)
            return None
        mt = re.match(r"^(shl|shr|sal|or|and)([bwlq])$", op)
        if mt and args[-1].startswith("%"):
            kind, n = mt.group(1), sizes[mt.group(2)]
            fam, size, cells = self.reg_cells(args[-1][1:])
            cur = list(cells[:n])
            if kind in ("shl", "sal", "shr"):
                bits = int(args[0][1:], 0) if len(args) == 2 else 1
                out = shift_cells(cur, bits if kind != "shr" else -bits, n)
            elif kind == "or":
                out = or_cells(cur, self.read(args[0], n))
            else:
                if not args[0].startswith("$"):
                    raise ValueError("the tracker does not know %r" % ins)
                mask = int(args[0][1:], 0) % (1 << (8 * n))
                if mask & (mask + 1):
                    raise ValueError("the tracker does not know %r" % ins)
                out = mask_cells(cur, mask.bit_length())
            self.write(args[-1], out, 0 if n >= 4 else None)
            return None
        if op == "movabsq":
            self.write(args[1], self.read(args[0], 8), 0)
            return None
        mt = re.match(r"^mov([bwlq])$", op)
        if mt:
            n = sizes[mt.group(1)]
            self.write(args[1], self.read(args[0], n), 0 if n >= 4 else None)
            return None
        mt = re.match(r"^mov([sz])([bw])([wlq])$", op) or re.match(r"^mov(s)(l)(q)$", op)
        if mt:
            n = sizes[mt.group(2)]
            self.write(args[1], self.read(args[0], n), "ext" if mt.group(1) == "s" else 0)
            return None
        if op in ("movss", "movsd", "movd", "movq"):
            n = 4 if op in ("movss", "movd") else 8
            src, dst = args
            if dst.startswith("%xmm") and src.startswith("%xmm") and op in ("movss", "movsd"):
                fam, _, old = self.reg_cells(dst[1:])
                m.regs[fam] = self.read(src, n) + old[n:]
            else:
                self.write(dst, self.read(src, n), 0)
            return None
        if op in ("movaps", "movups", "movapd", "movupd", "movdqa", "movdqu"):
            self.write(args[1], self.read(args[0], 16), 0)
            return None
        if op in ("cvtss2sd", "cvtsd2ss"):
            src = self.read(args[0], 4 if op == "cvtss2sd" else 8)
            k = src[0][1] if src[0] and src[0][0] == "g" else None
            n = 8 if op == "cvtss2sd" else 4
            fam, _, old = self.reg_cells(args[1][1:])
            m.regs[fam] = [("cvt", k, j) for j in range(n)] + old[n:]
            return None
        if op in ("unpcklpd", "movlhps") and args[0].startswith("%xmm"):
            fam, _, old = self.reg_cells(args[1][1:])
            m.regs[fam] = old[:8] + self.read(args[0], 8)
            return None
        if op in ("shufps", "unpcklps", "insertps", "pshufd", "shufpd"):
            raise ValueError("vector shuffle %s" % ins)
        mt = re.match(r"^fld([slt])$", op)
        if mt:
            n = {"s": 4, "l": 8, "t": 10}[mt.group(1)]
            m.x87.insert(0, (n, self.read(args[0], n)))
            return None
        mt = re.match(r"^fstp?([slt])$", op)
        if mt:
            n = {"s": 4, "l": 8, "t": 10}[mt.group(1)]
            size, cells = m.x87[0]
            if size != n:  # a conversion: the bytes are the value of that global in another format
                k = cells[0][1] if cells[0] and cells[0][0] == "g" else None
                cells = [("cvt", k, j) for j in range(n)]
            self.write(args[0], cells[:n], 0)
            if op.startswith("fstp"):
                m.x87.pop(0)
            return None
        if op == "fxch":
            i = int(re.match(r"%st\((\d)\)", args[0]).group(1)) if args else 1
            m.x87[0], m.x87[i] = m.x87[i], m.x87[0]
            return None
        if op in ("fstp",) and args and args[0].startswith("%st"):
            m.x87.pop(0)
            return None
        raise ValueError("the tracker does not know %r" % ins)


def _x86_disp(text):
    """(symbol, offset) of a displacement such as ``a4+16``, ``-8`` or ``a3``."""
    text = text.strip()
    if not text:
        return "", 0
    mt = re.match(r"^([A-Za-z_.$][\w.$@]*)?([+-]\d+)?$", text)
    if mt and (mt.group(1) or mt.group(2)):
        return (mt.group(1) or "").split("@")[0], int(mt.group(2) or 0)
    return "", int(text, 0)


# --- AArch64 -------------------------------------------------------------------------------------

def a64_reg(name):
    """(family, size) of an AArch64 register name."""
    if name in ("sp", "wsp"):
        return "sp", 8
    if name in ("xzr", "wzr"):
        return "zr", 8 if name == "xzr" else 4
    kind, num = name[0], name[1:]
    if kind in "xw" and num.isdigit():
        return "x" + num, 8 if kind == "x" else 4
    if kind in "bhsdq" and num.isdigit():
        return "v" + num, {"b": 1, "h": 2, "s": 4, "d": 8, "q": 16}[kind]
    raise ValueError("register %s" % name)


class A64:
    def __init__(self, machine):
        self.m = machine

    def cells(self, name):
        fam, size = a64_reg(name)
        if fam == "zr":
            return fam, size, [("c", 0)] * 8
        width = 16 if fam.startswith("v") else 8
        return fam, size, self.m.regs.setdefault(fam, [None] * width)

    def read_reg(self, name):
        fam, size, cells = self.cells(name)
        return list(cells[:size])

    def write_reg(self, name, data):
        fam, size, old = self.cells(name)
        if fam == "zr":
            return
        data = list(data[:size])
        self.m.regs[fam] = data + [("c", 0)] * (len(old) - len(data))

    def address(self, text):
        """(base, off, writeback) for ``[x8]``, ``[x8, #16]``, ``[x8, :lo12:sym]``, ``[sp, #-16]!``."""
        mt = re.match(r"^\[(\w+)(?:,\s*(#?-?[\w:]+|:lo12:[\w.]+))?\](!)?$", text.strip())
        if not mt:
            raise ValueError("address %s" % text)
        fam, _ = a64_reg(mt.group(1))
        base, off = self.m.addr(fam)
        extra = mt.group(2)
        if extra and extra.startswith(":lo12:"):
            extra = None
        add = int(extra.lstrip("#"), 0) if extra else 0
        return fam, base, off + add, (off + add) if mt.group(3) else None

    def step(self, ins):
        mt = re.match(r"^(\S+)\s*(.*)$", ins)
        op, rest = mt.group(1), mt.group(2)
        m = self.m
        # operands: split on commas outside brackets
        args = [a.strip() for a in re.split(r",\s*(?![^\[]*\])", rest)] if rest else []
        if op in ("bl", "b"):
            return ("call" if op == "bl" else "tail", args[0])
        if op == "ret":
            return ("ret", None)
        if op == "cmp" and args[1] == "#0":  # cmp w8, #0; cset w4, ne: a _Bool made 0 or 1
            m.flags = self.read_reg(args[0])[0]
            return None
        if op == "cset" and args[1] == "ne":
            self.write_reg(args[0], [m.flags])
            return None
        if op == "adrp":
            fam, _ = a64_reg(args[0])
            m.set_addr(fam, "g:" + args[1].split(":")[-1], 0, 8)
            return None
        if op in ("add", "sub") and len(args) == 3:
            dst, src = args[0], args[1]
            fam_d, _ = a64_reg(dst)
            fam_s, _ = a64_reg(src)
            if args[2].startswith(":lo12:"):
                base, off = m.addr(fam_s)
                m.set_addr(fam_d, base, off, 8)
                return None
            if args[2].startswith("#"):
                v = int(args[2][1:].split(",")[0], 0)
                base, off = m.addr(fam_s)
                m.set_addr(fam_d, base, off + v if op == "add" else off - v, 8)
                return None
            raise ValueError("the tracker does not know %r" % ins)
        if op == "mov" or op == "fmov":
            dst, src = args
            if src.startswith("#"):
                fam, size = a64_reg(dst)
                if op == "fmov":
                    raise ValueError("fmov immediate %s" % ins)
                self.write_reg(dst, _const_cells(int(src[1:], 0), size))
                return None
            fam_s, _ = a64_reg(src)
            if fam_s == "sp":
                base, off = m.addr("sp")
                m.set_addr(a64_reg(dst)[0], base, off, 8)
                return None
            self.write_reg(dst, self.read_reg(src))
            return None
        if op == "fcvt":
            src = self.read_reg(args[1])
            k = src[0][1] if src[0] and src[0][0] == "g" else None
            _, size = a64_reg(args[0])
            self.write_reg(args[0], [("cvt", k, j) for j in range(size)])
            return None
        mt = re.match(r"^(ldr|ldur|str|stur|ldp|stp|ldnp|stnp)(b|h|sb|sh|sw)?$", op)
        if mt:
            kind, width = mt.group(1), mt.group(2)
            pair = kind in ("ldp", "stp", "ldnp", "stnp")
            regs = args[:2] if pair else args[:1]
            addr = args[2] if pair else args[1]
            post = args[3] if pair and len(args) > 3 else (args[2] if not pair and len(args) > 2 else None)
            fam, base, off, wb = self.address(addr)
            size = {"b": 1, "h": 2, "sb": 1, "sh": 2, "sw": 4}.get(width or "", a64_reg(regs[0])[1])
            for i, r in enumerate(regs):
                if kind.startswith("ld"):
                    data = m.load(base, off + i * size, size)
                    if width and width.startswith("s"):
                        data = data + [("ext",)] * (8 - size)
                        fam_r, _ = a64_reg(r)
                        m.regs[fam_r] = data[:8]
                    else:
                        fam_r, rsize = a64_reg(r)
                        if width:
                            m.regs[fam_r] = data + [("c", 0)] * (8 - size)
                        else:
                            self.write_reg(r, data)
                else:
                    data = self.read_reg(r)[:size]
                    m.store(base, off + i * size, data)
            if wb is not None:
                m.set_addr(fam, base, wb, 8)
            if post is not None:
                m.set_addr(fam, base, off + int(post.lstrip("#"), 0), 8)
            return None
        if op in ("bfi", "ubfx", "lsl", "lsr", "orr", "and", "bfxil"):
            fam, size = a64_reg(args[0])
            if op == "bfi":  # bfi dst, src, #lsb, #width
                lsb, width = int(args[2][1:]), int(args[3][1:])
                self.write_reg(args[0], insert_bits(self.read_reg(args[0]), self.read_reg(args[1]), lsb, width))
            elif op == "bfxil":  # bfxil dst, src, #lsb, #width: src bits lsb.. into dst's low bits
                lsb, width = int(args[2][1:]), int(args[3][1:])
                src = shift_cells(self.read_reg(args[1]), -lsb, size)
                self.write_reg(args[0], insert_bits(self.read_reg(args[0]), src, 0, width))
            elif op == "ubfx":
                lsb, width = int(args[2][1:]), int(args[3][1:])
                self.write_reg(args[0], mask_cells(shift_cells(self.read_reg(args[1]), -lsb, size), width))
            elif op in ("lsl", "lsr"):
                n = int(args[2][1:])
                self.write_reg(args[0], shift_cells(self.read_reg(args[1]), n if op == "lsl" else -n, size))
            elif op == "and":
                mask = int(args[2][1:], 0)
                if mask & (mask + 1):
                    raise ValueError("the tracker does not know %r" % ins)
                self.write_reg(args[0], mask_cells(self.read_reg(args[1]), mask.bit_length()))
            else:  # orr dst, a, b[, lsl #n]
                b = self.read_reg(args[2])
                if len(args) > 3:
                    mt2 = re.match(r"^lsl\s*#(\d+)$", args[3])
                    if not mt2:
                        raise ValueError("the tracker does not know %r" % ins)
                    b = shift_cells(b, int(mt2.group(1)), size)
                self.write_reg(args[0], or_cells(self.read_reg(args[1]), b))
            return None
        raise ValueError("the tracker does not know %r" % ins)


# --- 32-bit ARM ----------------------------------------------------------------------------------

def arm_reg(name):
    """(family, size) of a 32-bit ARM register; d<n> is (s<2n>, 8)."""
    alias = {"sp": "sp", "lr": "r14", "pc": "r15", "fp": "r11", "ip": "r12", "r13": "sp"}
    name = alias.get(name, name)
    if name == "sp":
        return "sp", 4
    if re.match(r"^r\d+$", name):
        return name, 4
    if re.match(r"^s\d+$", name):
        return name, 4
    if re.match(r"^d\d+$", name):
        return "s%d" % (2 * int(name[1:])), 8
    raise ValueError("register %s" % name)


class ARM:
    def __init__(self, machine):
        self.m = machine

    def read_reg(self, name):
        fam, size = arm_reg(name)
        if fam.startswith("s") and size == 8:
            n = int(fam[1:])
            return self.m.regs.get("s%d" % n, [None] * 4) + self.m.regs.get("s%d" % (n + 1), [None] * 4)
        return list(self.m.regs.get(fam, [None] * 4))

    def write_reg(self, name, data):
        fam, size = arm_reg(name)
        data = list(data) + [("c", 0)] * (size - len(data))
        if size == 8:
            n = int(fam[1:])
            self.m.regs["s%d" % n], self.m.regs["s%d" % (n + 1)] = data[:4], data[4:8]
        else:
            self.m.regs[fam] = data[:4]

    def address(self, text):
        mt = re.match(r"^\[(\w+)(?:,\s*#(-?\d+))?\](!)?$", text.strip())
        if not mt:
            raise ValueError("address %s" % text)
        fam, _ = arm_reg(mt.group(1))
        base, off = self.m.addr(fam)
        off += int(mt.group(2) or 0)
        return fam, base, off, bool(mt.group(3))

    def reglist(self, text):
        names = []
        for part in text.strip("{} ").split(","):
            part = part.strip()
            if "-" in part:
                a, b = part.split("-")
                names += ["%s%d" % (a[0], i) for i in range(int(a[1:]), int(b[1:]) + 1)]
            elif part:
                names.append(part)
        return names

    def step(self, ins):
        mt = re.match(r"^(\S+)\s*(.*)$", ins)
        op, rest = mt.group(1), mt.group(2)
        m = self.m
        args = [a.strip() for a in re.split(r",\s*(?![^\[{]*[\]}])", rest)] if rest else []
        if op in ("bl", "b", "blx"):
            return ("call" if op != "b" else "tail", args[0])
        if op == "bx" and args == ["lr"]:
            return ("ret", None)
        if op == "pop" and "pc" in rest:
            return ("ret", None)
        if op in ("push", "pop", "vpush", "vpop"):
            names = self.reglist(rest)
            base, off = m.addr("sp")
            sizes = [arm_reg(r)[1] for r in names]
            if op.endswith("push"):
                off -= sum(sizes)
                at = off
                for r, n in zip(names, sizes):
                    m.store(base, at, self.read_reg(r))
                    at += n
            else:
                at = off
                for r, n in zip(names, sizes):
                    self.write_reg(r, m.load(base, at, n))
                    at += n
                off = at
            m.set_addr("sp", base, off, 4)
            return None
        if op in ("movw", "movt"):
            fam, _ = arm_reg(args[0])
            sym = args[1].split(":")[-1]
            if op == "movw":
                m.set_addr(fam, "g:" + sym, 0, 4)
            return None
        if op in ("add", "sub") and len(args) == 3 and args[2].startswith("#"):
            fam_d, _ = arm_reg(args[0])
            base, off = m.addr(arm_reg(args[1])[0])
            v = int(args[2][1:], 0)
            m.set_addr(fam_d, base, off + v if op == "add" else off - v, 4)
            return None
        if op == "mov" or op == "vmov" and len(args) == 2 and not args[1].startswith("#"):
            dst, src = args
            if src.startswith("#"):
                self.write_reg(dst, _const_cells(int(src[1:], 0), 4))
                return None
            if arm_reg(src)[0] == "sp" or (self.m.regs.get(arm_reg(src)[0]) or [None])[0] and \
                    self.m.pointer_at(self.read_reg(src)):
                fam_s = arm_reg(src)[0]
                base, off = m.addr(fam_s)
                m.set_addr(arm_reg(dst)[0], base, off, 4)
                return None
            self.write_reg(dst, self.read_reg(src))
            return None
        if op in ("vmov", "vmov.f64", "vmov.f32") and len(args) == 3:
            if args[0].startswith("d"):  # vmov d0, r0, r1
                self.write_reg(args[0], self.read_reg(args[1]) + self.read_reg(args[2]))
            else:  # vmov r0, r1, d0
                data = self.read_reg(args[2])
                self.write_reg(args[0], data[:4])
                self.write_reg(args[1], data[4:])
            return None
        if op in ("vmov.f64", "vmov.f32") and len(args) == 2 and not args[1].startswith("#"):
            self.write_reg(args[0], self.read_reg(args[1]))
            return None
        if op.startswith("vcvt."):
            src = self.read_reg(args[1])
            k = src[0][1] if src[0] and src[0][0] == "g" else None
            _, size = arm_reg(args[0])
            self.write_reg(args[0], [("cvt", k, j) for j in range(size)])
            return None
        if op == "bfc" and args[0] == "sp":  # stack realignment: sp is now a new, aligned base
            m.set_addr("sp", "sp-realigned-%d" % (1 << int(args[2][1:])), 0, 4)
            return None
        if op in ("orr", "lsl", "lsr", "and", "bfi", "ubfx", "uxtb", "uxth", "pkhbt"):
            if op == "orr":
                b = self.read_reg(args[2])
                if len(args) > 3:
                    mt2 = re.match(r"^lsl\s*#(\d+)$", args[3])
                    if not mt2:
                        raise ValueError("the tracker does not know %r" % ins)
                    b = shift_cells(b, int(mt2.group(1)), 4)
                self.write_reg(args[0], or_cells(self.read_reg(args[1]), b))
            elif op == "pkhbt":  # pkhbt rd, rn, rm, lsl #16: low half of rn, rm's low half shifted up
                mt2 = re.match(r"^lsl\s*#(\d+)$", args[3]) if len(args) > 3 else None
                b = shift_cells(self.read_reg(args[2]), int(mt2.group(1)) if mt2 else 0, 4)
                a = self.read_reg(args[1])
                self.write_reg(args[0], a[:2] + b[2:])
            elif op in ("lsl", "lsr"):
                n = int(args[2][1:])
                self.write_reg(args[0], shift_cells(self.read_reg(args[1]), n if op == "lsl" else -n, 4))
            elif op in ("uxtb", "uxth"):
                self.write_reg(args[0], mask_cells(self.read_reg(args[1]), 8 if op == "uxtb" else 16))
            elif op == "and":
                mask = int(args[2][1:], 0)
                if mask & (mask + 1):
                    raise ValueError("the tracker does not know %r" % ins)
                self.write_reg(args[0], mask_cells(self.read_reg(args[1]), mask.bit_length()))
            elif op == "bfi":
                lsb, width = int(args[2][1:]), int(args[3][1:])
                self.write_reg(args[0], insert_bits(self.read_reg(args[0]), self.read_reg(args[1]), lsb, width))
            else:
                lsb, width = int(args[2][1:]), int(args[3][1:])
                self.write_reg(args[0], mask_cells(shift_cells(self.read_reg(args[1]), -lsb, 4), width))
            return None
        mt = re.match(r"^(ldr|str|vldr|vstr)(b|h|sb|sh|d)?$", op)
        if mt:
            kind, width = mt.group(1), mt.group(2)
            if width == "d":  # ldrd r0, r1, [r2]
                regs, addr = args[:2], args[2]
                size = 4
            else:
                regs, addr = args[:1], args[1]
                size = {"b": 1, "h": 2, "sb": 1, "sh": 2}.get(width or "", arm_reg(regs[0])[1])
            if not addr.startswith("["):
                raise ValueError("literal-pool load %r (compile without PIC)" % ins)
            fam, base, off, wb = self.address(addr)
            for i, r in enumerate(regs):
                if kind in ("ldr", "vldr"):
                    data = m.load(base, off + i * size, size)
                    if width in ("sb", "sh"):
                        data = data + [("ext",)] * (4 - size)
                    self.write_reg(r, data)
                else:
                    m.store(base, off + i * size, self.read_reg(r)[:size])
            if wb:
                m.set_addr(fam, base, off, 4)
            if len(args) > len(regs) + 1:  # post-index
                m.set_addr(fam, base, off + int(args[-1].lstrip("#"), 0), 4)
            return None
        mt = re.match(r"^(v?ldm|v?stm)(ia|ib|db|da)?$", op)
        if mt:
            wb = args[0].endswith("!")
            fam, _ = arm_reg(args[0].rstrip("!"))
            base, off = m.addr(fam)
            names = self.reglist(args[1])
            total = sum(arm_reg(r)[1] for r in names)
            at = {"ib": off + 4, "db": off - total, "da": off - total + 4}.get(mt.group(2) or "ia", off)
            op = mt.group(1).lstrip("v")
            for r in names:
                _, size = arm_reg(r)
                if op == "ldm":
                    self.write_reg(r, m.load(base, at, size))
                else:
                    m.store(base, at, self.read_reg(r)[:size])
                at += size
            if wb:
                m.set_addr(fam, base, off - total if mt.group(2) in ("db", "da") else off + total, 4)
            return None
        raise ValueError("the tracker does not know %r" % ins)


ISAS = {"x86_64-linux": X86, "x86_64-windows": X86, "i386-linux": X86, "aarch64-linux": A64,
        "arm-linux-gnueabihf": ARM}


def run(target, lines, entry, stop):
    """Run ``lines`` from state ``entry(machine)`` up to a call of ``stop`` (or the return when stop is None)."""
    m = Machine(target)
    isa = ISAS[target](m)
    sp = "rsp" if target.startswith(("x86", "i386")) else "sp"
    m.set_addr(sp, "sp", 0, m.word)
    entry(m)
    for ins in lines:
        event = isa.step(ins)
        if event is None:
            continue
        kind, name = event
        if kind == "ret" and stop is None:
            return m
        if kind in ("call", "tail") and name == stop:
            m.tail = kind == "tail"
            return m
        if kind == "call":
            raise ValueError("unexpected call to %s" % name)
    raise ValueError("no %s found" % ("return" if stop is None else "call of " + stop))
