"""Linux system calls: which register holds what, a table of common calls, and a real call on this machine.

>>> from binmodel.cabi import syscall
>>> print(syscall.convention("aarch64-linux"))
aarch64-linux: svc #0; number in x8; arguments in x0, x1, x2, x3, x4, x5; result in x0 (-4095..-1 is -errno)

``syscall.explain(name, *args)`` makes the call through libc's ``syscall(2)``
on the machine it runs on and tells which register got which value; with
``abi=`` another target it only tells. Register conventions are those of the
syscall(2) manual page, "Architecture calling conventions"; numbers are the
kernel's (``asm/unistd_64.h``, ``asm/unistd_32.h``, ``asm-generic/unistd.h``
for AArch64, ``arch/arm/tools/syscall.tbl`` for 32-bit ARM EABI).
"""

from __future__ import annotations

import dataclasses
import errno as _errno
import os
from typing import Any, Dict, List, Optional, Tuple

from ..errors import DefinitionError
from . import types as _t
from .ctypeinfo import Ptr, c_text, is_model
from .targets import get_target, native_name


@dataclasses.dataclass(frozen=True)
class SyscallConvention:
    abi: str
    instruction: str
    number: str
    args: Tuple[str, ...]
    result: str
    notes: str = ""

    def __str__(self) -> str:
        text = "%s: %s; number in %s; arguments in %s; result in %s (-4095..-1 is -errno)" % (
            self.abi, self.instruction, self.number, ", ".join(self.args), self.result)
        return text + ("; " + self.notes if self.notes else "")


CONVENTIONS: Dict[str, SyscallConvention] = {
    "x86_64-linux": SyscallConvention("x86_64-linux", "syscall", "rax", ("rdi", "rsi", "rdx", "r10", "r8", "r9"),
                                      "rax", "rcx and r11 are clobbered (psABI AMD64 A.2.1)"),
    "i386-linux": SyscallConvention("i386-linux", "int $0x80", "eax", ("ebx", "ecx", "edx", "esi", "edi", "ebp"),
                                    "eax"),
    "aarch64-linux": SyscallConvention("aarch64-linux", "svc #0", "x8", ("x0", "x1", "x2", "x3", "x4", "x5"), "x0"),
    "arm-linux-gnueabihf": SyscallConvention("arm-linux-gnueabihf", "svc #0", "r7",
                                             ("r0", "r1", "r2", "r3", "r4", "r5", "r6"), "r0",
                                             "EABI: a 64-bit argument takes an even/odd register pair"),
}


def convention(abi: str = "native") -> SyscallConvention:
    """The system call convention of a Linux target (Windows has no stable system call interface)."""
    target = get_target(abi)
    try:
        return CONVENTIONS[target.name]
    except KeyError:
        raise DefinitionError("%s has no documented system call interface (Windows system call numbers change "
                              "between builds; call the Win32 API instead)" % target.name) from None


# --- the structs the table uses, made for each target on demand ---------------------------------------

_STRUCTS: Dict[Tuple[str, str], Any] = {}


def struct(name: str, abi: str = "native") -> Any:
    """``timespec``, ``timeval`` or ``utsname`` as a ``CStruct`` for ``abi`` (the kernel's layout)."""
    target = get_target(abi)
    key = (name, target.name)
    if key not in _STRUCTS:
        from .. import CString
        from .model import CStruct

        if name in ("timespec", "timeval"):
            second, part = ("tv_sec", "tv_nsec") if name == "timespec" else ("tv_sec", "tv_usec")
            ns: Dict[str, Any] = {"__annotations__": {second: int, part: int}, second: _t.c_long(),
                                  part: _t.c_long(), "__module__": __name__, "__doc__": "struct %s" % name}
        elif name == "utsname":
            names = ("sysname", "nodename", "release", "version", "machine", "domainname")
            ns = {"__annotations__": dict.fromkeys(names, str), "__module__": __name__,
                  "__doc__": "struct utsname: six NUL-terminated char[65]"}
            ns.update({n: CString("utf-8", size=65) for n in names})
        else:
            raise DefinitionError("no struct %r in the system call table (known: timespec, timeval, utsname)" % name)
        meta: Any = type(CStruct)
        _STRUCTS[key] = meta(name, (CStruct,), ns, abi=target.name)
    return _STRUCTS[key]


# name -> ({abi: number}, return type, [(parameter, type)]); "struct x" names a struct() above
_INT, _UINT, _LONG, _SIZE, _SSIZE = _t.c_int, _t.c_uint, _t.c_long, _t.c_size_t, _t.c_ssize_t
_A = ("x86_64-linux", "i386-linux", "aarch64-linux", "arm-linux-gnueabihf")
TABLE: Dict[str, Tuple[Dict[str, int], Any, List[Tuple[str, Any]]]] = {
    "read": (dict(zip(_A, (0, 3, 63, 3))), _SSIZE, [("fd", _INT), ("buf", Ptr()), ("count", _SIZE)]),
    "write": (dict(zip(_A, (1, 4, 64, 4))), _SSIZE, [("fd", _INT), ("buf", Ptr(const=True)), ("count", _SIZE)]),
    "openat": (dict(zip(_A, (257, 295, 56, 322))), _INT, [("dirfd", _INT), ("pathname", Ptr(_t.c_char, const=True)),
                                                         ("flags", _INT), ("mode", _UINT)]),
    "close": (dict(zip(_A, (3, 6, 57, 6))), _INT, [("fd", _INT)]),
    "lseek": (dict(zip(_A, (8, 19, 62, 19))), _LONG, [("fd", _INT), ("offset", _LONG), ("whence", _INT)]),
    "getpid": (dict(zip(_A, (39, 20, 172, 20))), _INT, []),
    "getppid": (dict(zip(_A, (110, 64, 173, 64))), _INT, []),
    "gettid": (dict(zip(_A, (186, 224, 178, 224))), _INT, []),
    # the 32-bit targets' getuid (24) is the old 16-bit call; getuid32 is the one libc uses
    "getuid": (dict(zip(_A, (102, 199, 174, 199))), _UINT, []),
    "geteuid": (dict(zip(_A, (107, 201, 175, 201))), _UINT, []),
    "getgid": (dict(zip(_A, (104, 200, 176, 200))), _UINT, []),
    "kill": (dict(zip(_A, (62, 37, 129, 37))), _INT, [("pid", _INT), ("sig", _INT)]),
    "uname": (dict(zip(_A, (63, 122, 160, 122))), _INT, [("buf", "struct utsname")]),
    "gettimeofday": (dict(zip(_A, (96, 78, 169, 78))), _INT, [("tv", "struct timeval"), ("tz", Ptr())]),
    # 32-bit targets: the call with a 32-bit time_t (clock_gettime64 is 403 on both)
    "clock_gettime": (dict(zip(_A, (228, 265, 113, 263))), _INT, [("clockid", _INT), ("tp", "struct timespec")]),
    "clock_getres": (dict(zip(_A, (229, 266, 114, 264))), _INT, [("clockid", _INT), ("res", "struct timespec")]),
    "nanosleep": (dict(zip(_A, (35, 162, 101, 162))), _INT, [("req", "struct timespec"), ("rem", "struct timespec")]),
    "getcwd": (dict(zip(_A, (79, 183, 17, 183))), _INT, [("buf", Ptr(_t.c_char)), ("size", _SIZE)]),
    "getrandom": (dict(zip(_A, (318, 355, 278, 384))), _SSIZE, [("buf", Ptr()), ("buflen", _SIZE),
                                                               ("flags", _UINT)]),
    "exit_group": (dict(zip(_A, (231, 252, 94, 248))), None, [("status", _INT)]),
}


def lookup(name: str, abi: str = "native") -> Tuple[int, Any, List[Tuple[str, Any]]]:
    """(number, return type, [(parameter, binmodel type)]) of system call ``name`` on ``abi``."""
    conv = convention(abi)
    if name not in TABLE:
        raise DefinitionError("system call %r is not in the table; known: %s" % (name, ", ".join(sorted(TABLE))))
    numbers, ret, params = TABLE[name]
    typed = [(n, Ptr(struct(t.split()[1], conv.abi)) if isinstance(t, str) else t) for n, t in params]
    return numbers[conv.abi], ret, typed


@dataclasses.dataclass
class SyscallResult:
    """One system call: the registers it was given, what came back, and the out-parameters read back."""

    name: str
    abi: str
    number: int
    registers: List[Tuple[str, str, str, Any]]  # (register, parameter, C type, value)
    result: Optional[int] = None  # the kernel's return register: -4095..-1 is -errno
    out: Dict[str, Any] = dataclasses.field(default_factory=dict)
    called: bool = False

    @property
    def errno(self) -> Optional[int]:
        if self.result is not None and -4095 <= self.result <= -1:
            return -self.result
        return None

    def __str__(self) -> str:
        conv = CONVENTIONS[self.abi]
        rows = [("register", "parameter", "C type", "value"), (conv.number, "(number)", "", "%d (%s)" % (
            self.number, self.name))]
        rows += [(r, p, t, _show(v)) for r, p, t, v in self.registers]
        if self.called and self.result is not None:
            err = self.errno
            rows.append((conv.result, "(result)", "long", "%d" % self.result if err is None else
                         "%d: -%s (%s)" % (self.result, _errno.errorcode.get(err, str(err)), os.strerror(err))))
        widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
        lines = ["%s on %s: %s" % (self.name, self.abi, conv.instruction)]
        for i, r in enumerate(rows):
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        for k, v in self.out.items():
            lines.append("%s -> %r" % (k, v))
        return "\n".join(lines)


def _show(v: Any) -> str:
    return "0x%x" % v if isinstance(v, int) and v > 0xFFFF else repr(v) if not isinstance(v, str) else v


def explain(name: str, *args: Any, abi: str = "native") -> SyscallResult:
    """Make system call ``name`` with ``args`` on this machine (or, with ``abi=`` another target, only say
    which register each argument goes in).

    Pointer arguments take a ``CStruct`` instance or class (an out-parameter: its bytes after the call are
    parsed into ``result.out[parameter]``), ``bytes``/``bytearray`` (a bytearray is filled back), a ``str``
    (passed NUL-terminated), an int address or ``None`` (NULL).
    """
    conv = convention(abi)
    number, ret, params = lookup(name, conv.abi)
    if len(args) != len(params):
        raise DefinitionError("%s takes %d arguments (%s), not %d" % (name, len(params), ", ".join(
            "%s %s" % (c_text(t), n) for n, t in params), len(args)))
    native = conv.abi == native_name_or_none()
    registers: List[Tuple[str, str, str, Any]] = []
    keep: List[Any] = []
    values: List[int] = []
    readback: List[Tuple[str, Any, Any]] = []
    for (pname, ptype), reg, value in zip(params, conv.args, args):
        raw, shown = _argument(pname, ptype, value, native, keep, readback)
        values.append(raw)
        registers.append((reg, pname, c_text(ptype), shown))
    out = SyscallResult(name, conv.abi, number, registers)
    if not native:
        return out
    if name == "exit_group":
        raise DefinitionError("exit_group would end this process; explain it with abi= another target")
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(v) for v in values])
    err = ctypes.get_errno()
    # libc's syscall() turns the kernel's -errno into -1 and errno; undo that to show the register
    out.result = -err if result == -1 and err else int(result)
    out.called = True
    for pname, model_or_buf, target in readback:
        if is_model(model_or_buf):
            out.out[pname] = model_or_buf.from_buffer(target)
        else:
            model_or_buf[:] = bytes(target)[:len(model_or_buf)]
            out.out[pname] = model_or_buf
    return out


def native_name_or_none() -> Optional[str]:
    try:
        return native_name()
    except DefinitionError:
        return None


def _argument(pname: str, ptype: Any, value: Any, native: bool, keep: List[Any],
              readback: List[Tuple[str, Any, Any]]) -> Tuple[int, Any]:
    """(the register's integer value, what to show) for one argument."""
    if not isinstance(ptype, Ptr):
        if not isinstance(value, int) or isinstance(value, bool):
            raise DefinitionError("%s: %s needs an int, not %r" % (pname, c_text(ptype), value))
        return value, value
    if value is None:
        return 0, "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if not native:
        return 0, "&" + (type(value).__name__ if not isinstance(value, type) else value.__name__)
    import ctypes

    if is_model(value) or (isinstance(value, type) and is_model(value)) or is_model(type(value)):
        model: Any = value if isinstance(value, type) else type(value)
        if ptype.to is not None and is_model(ptype.to) and model.sizeof() < ptype.to.sizeof():
            raise DefinitionError("%s: %s is %d bytes, the kernel writes %s (%d bytes)" % (
                pname, model.__name__, model.sizeof(), c_text(ptype.to), ptype.to.sizeof()))
        buf = model.buffer(None if isinstance(value, type) else value)
        keep.append(buf)
        readback.append((pname, model, buf))
        return ctypes.addressof(buf), "&%s (%d bytes at 0x%x)" % (model.__name__, model.sizeof(),
                                                                  ctypes.addressof(buf))
    if isinstance(value, str):
        value = value.encode() + b"\0"
    if isinstance(value, (bytes, bytearray)):
        buf = ctypes.create_string_buffer(bytes(value), len(value) or 1)
        keep.append(buf)
        if isinstance(value, bytearray):
            readback.append((pname, value, buf))
        return ctypes.addressof(buf), "&buffer (%d bytes at 0x%x)" % (len(value), ctypes.addressof(buf))
    raise DefinitionError("%s: %s needs a CStruct, bytes, bytearray, str, int address or None, not %r"
                          % (pname, c_text(ptype), value))
