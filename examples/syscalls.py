"""System calls from Python with binmodel structs: no C compiler, no C declarations.

Run it: ``python examples/syscalls.py`` (Linux x86-64). Each call goes twice
through the kernel: once through the libc wrapper, once through the raw
``syscall(2)`` entry point with the system call number, and the binmodel
struct is the out-buffer both times.
"""

from __future__ import annotations

import ctypes
import os
from typing import List

from binmodel import Array, CString
from binmodel.cabi import CStruct, c_int, c_long, c_uint, c_ulong

ABI = "x86_64-linux"
SYS_STAT, SYS_UNAME, SYS_CLOCK_GETTIME = 4, 63, 228  # from asm/unistd_64.h

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class Utsname(CStruct, abi=ABI):
    """struct utsname (sys/utsname.h): six NUL-terminated char[65]."""

    sysname: str = CString("utf-8", size=65)
    nodename: str = CString("utf-8", size=65)
    release: str = CString("utf-8", size=65)
    version: str = CString("utf-8", size=65)
    machine: str = CString("utf-8", size=65)
    domainname: str = CString("utf-8", size=65)


class Timespec(CStruct, abi=ABI):
    """struct timespec (time.h)."""

    tv_sec: int = c_long()
    tv_nsec: int = c_long()


class Stat(CStruct, abi=ABI):
    """struct stat as the x86-64 kernel and glibc lay it out (asm/stat.h)."""

    st_dev: int = c_ulong()
    st_ino: int = c_ulong()
    st_nlink: int = c_ulong()
    st_mode: int = c_uint()
    st_uid: int = c_uint()
    st_gid: int = c_uint()
    pad0: int = c_int()
    st_rdev: int = c_ulong()
    st_size: int = c_long()
    st_blksize: int = c_long()
    st_blocks: int = c_long()
    st_atim: Timespec
    st_mtim: Timespec
    st_ctim: Timespec
    reserved: List[int] = Array(c_long, count=3)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


def uname(raw: bool = False) -> Utsname:
    """uname(2), through libc or (``raw``) the syscall entry."""
    buf = Utsname.buffer()
    _check(libc.syscall(SYS_UNAME, buf) if raw else libc.uname(buf), "uname")
    return Utsname.from_buffer(buf)


def clock_gettime(clock: int, raw: bool = False) -> Timespec:
    """clock_gettime(2)."""
    buf = Timespec.buffer()
    _check(libc.syscall(SYS_CLOCK_GETTIME, clock, buf) if raw else libc.clock_gettime(clock, buf), "clock_gettime")
    return Timespec.from_buffer(buf)


def stat(path: str, raw: bool = False) -> Stat:
    """stat(2)."""
    buf = Stat.buffer()
    name = os.fsencode(path)
    _check(libc.syscall(SYS_STAT, name, buf) if raw else libc.stat(name, buf), "stat " + path)
    return Stat.from_buffer(buf)


if __name__ == "__main__":
    import time

    print(uname())
    now = clock_gettime(time.CLOCK_REALTIME, raw=True)
    print("now: %d.%09d" % (now.tv_sec, now.tv_nsec))
    st = stat(__file__)
    print("this file: %d bytes, mode %o, inode %d" % (st.st_size, st.st_mode, st.st_ino))
    print(Stat.layout())
