"""Compile C to assembler for a target and read back the bytes of its global constants.

No target libc, linker or emulator is needed: ``gcc -S`` (``-m32`` for i386)
and ``clang --target=... -S`` emit every initialised global as data directives
(``.long 40``, ``.zero 3``, ``.ascii "..."``), which ``read_globals`` turns back
into bytes. All targets here are little-endian.
"""

import functools
import re
import shutil
import subprocess

COMPILERS = {
    "x86_64-linux": ["gcc", "-m64"],
    "i386-linux": ["gcc", "-m32"],
    "aarch64-linux": ["clang", "--target=aarch64-linux-gnu"],
    "arm-linux-gnueabihf": ["clang", "--target=arm-linux-gnueabihf", "-mfloat-abi=hard"],
    "x86_64-windows": ["clang", "--target=x86_64-pc-windows-msvc"],
}
# directive -> size in bytes ('.word' is 2 bytes for x86 gas, 4 for ARM)
_SIZES = {".byte": 1, ".short": 2, ".hword": 2, ".value": 2, ".2byte": 2, ".long": 4, ".int": 4, ".4byte": 4,
          ".quad": 8, ".xword": 8, ".8byte": 8, ".dword": 8}
_ESCAPES = {"n": 10, "t": 9, "r": 13, "b": 8, "f": 12, "\\": 92, '"': 34, "'": 39, "0": 0}


def available(target):
    return shutil.which(COMPILERS[target][0]) is not None


@functools.cache
def compile_to_asm(target, source):
    cmd = COMPILERS[target] + ["-std=gnu11", "-ffreestanding", "-O0", "-S", "-w", "-o", "-", "-x", "c", "-"]
    result = subprocess.run(cmd, input=source, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), result.stderr[-3000:]))
    return result.stdout


def _ascii(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("latin-1")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in "01234567":
            m = re.match(r"[0-7]{1,3}", text[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        elif nxt == "x":
            m = re.match(r"[0-9a-fA-F]+", text[i + 2:])
            out.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
        else:
            out.append(_ESCAPES[nxt])
            i += 2
    return bytes(out)


def read_globals(asm, target):
    """{symbol: bytes} for every label followed by data directives."""
    word = 4 if target.startswith(("arm", "aarch64")) else 2
    out, current = {}, None
    for raw in asm.splitlines():
        line = raw.strip()
        if not line:
            continue
        label = re.match(r"^([A-Za-z_][\w.$]*):", line)
        if label:
            current = label.group(1)
            out.setdefault(current, bytearray())
            continue
        if current is None or not line.startswith("."):
            continue
        parts = line.split(None, 1)
        directive, arg = parts[0], parts[1] if len(parts) > 1 else ""
        if directive in (".ascii", ".asciz", ".string"):
            text = re.match(r'"((?:[^"\\]|\\.)*)"', arg).group(1)
            out[current] += _ascii(text) + (b"\0" if directive != ".ascii" else b"")
            continue
        arg = re.split(r"\s(?:#|//|@)|^(?:#|//|@)", arg)[0].strip()
        if directive in (".zero", ".space", ".skip"):
            out[current] += bytes(int(arg.split(",")[0], 0))
        elif directive in _SIZES or directive == ".word":
            size = word if directive == ".word" else _SIZES[directive]
            for item in arg.split(","):
                out[current] += (int(item.strip(), 0) % (1 << (8 * size))).to_bytes(size, "little")
        elif directive in (".section", ".data", ".text", ".bss", ".globl", ".type", ".size", ".p2align", ".align",
                           ".ident", ".file", ".addrsig", ".def", ".scl", ".endef", ".set", ".comm"):
            if directive in (".section", ".data", ".text", ".bss"):
                current = None
        else:
            pass
    return {k: bytes(v) for k, v in out.items()}


def c_globals(target, source):
    return read_globals(compile_to_asm(target, source), target)
