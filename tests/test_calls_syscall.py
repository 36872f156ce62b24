"""``binmodel.cabi.syscall``: numbers against the kernel headers, real calls against the stdlib.

The register conventions come from the syscall(2) manual page ("Architecture calling conventions");
the numbers are checked against ``asm/unistd_64.h``, ``asm/unistd_32.h`` and ``asm-generic/unistd.h``
(AArch64 uses the generic table) where those headers are installed. 32-bit ARM EABI numbers come from
the kernel's ``arch/arm/tools/syscall.tbl`` (no header for it here).
"""

import errno
import os
import re
import sys
import threading
import time

import pytest

from binmodel.cabi import CStruct, c_int, native_name, syscall
from binmodel.errors import DefinitionError

HEADERS = {
    "x86_64-linux": "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
    "i386-linux": "/usr/include/x86_64-linux-gnu/asm/unistd_32.h",
    "aarch64-linux": "/usr/include/asm-generic/unistd.h",
}
# our table names the call libc uses; the header may spell it differently on 32-bit targets
SPELLING = {("i386-linux", "getuid"): "getuid32", ("i386-linux", "geteuid"): "geteuid32",
            ("i386-linux", "getgid"): "getgid32"}


def _native():
    try:
        return native_name()
    except DefinitionError:
        return None


native_linux = pytest.mark.skipif(not sys.platform.startswith("linux") or _native() not in syscall.CONVENTIONS,
                                  reason="real system calls need Linux on one of the four targets")


@pytest.mark.parametrize("abi", sorted(HEADERS))
def test_numbers_match_kernel_headers(abi):
    path = HEADERS[abi]
    if not os.path.exists(path):
        pytest.skip("%s is not installed" % path)
    text = open(path).read()
    defined = {m.group(1): int(m.group(2)) for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)", text)}
    if abi == "aarch64-linux":  # the generic table defines lseek as __NR3264_lseek
        defined["lseek"] = int(re.search(r"#define __NR3264_lseek\s+(\d+)", text).group(1))
    checked = 0
    for name, (numbers, _, _) in syscall.TABLE.items():
        want = defined.get(SPELLING.get((abi, name), name))
        assert want is not None, "%s: no __NR_%s in %s" % (abi, name, path)
        assert numbers[abi] == want, "%s %s: table %d, header %d" % (abi, name, numbers[abi], want)
        checked += 1
    assert checked == len(syscall.TABLE)


def test_conventions_and_errors():
    assert syscall.convention("x86_64-linux").args[3] == "r10"  # not rcx: the syscall instruction clobbers it
    assert syscall.convention("i386-linux").number == "eax"
    assert syscall.convention("arm-linux-gnueabihf").number == "r7"
    with pytest.raises(DefinitionError, match="Windows"):
        syscall.convention("x86_64-windows")
    with pytest.raises(DefinitionError, match="not in the table"):
        syscall.lookup("no_such_call")
    with pytest.raises(DefinitionError, match="takes 2 arguments"):
        syscall.explain("clock_gettime", 1, abi="aarch64-linux")
    with pytest.raises(DefinitionError, match="needs an int"):
        syscall.explain("close", "3", abi="aarch64-linux")


def test_explain_other_target_does_not_call():
    ts = syscall.struct("timespec", "arm-linux-gnueabihf")
    assert ts.sizeof() == 8  # 32-bit long on ARM
    r = syscall.explain("clock_gettime", 1, ts, abi="arm-linux-gnueabihf")
    assert not r.called and r.number == 263
    assert [reg for reg, _, _, _ in r.registers] == ["r0", "r1"]
    assert "r7" in str(r) and "svc #0" in str(r)


@native_linux
def test_clock_gettime_against_time_module():
    ts = syscall.struct("timespec")
    before = time.clock_gettime(time.CLOCK_MONOTONIC)
    r = syscall.explain("clock_gettime", time.CLOCK_MONOTONIC, ts)
    after = time.clock_gettime(time.CLOCK_MONOTONIC)
    got = r.out["tp"].tv_sec + r.out["tp"].tv_nsec / 1e9
    assert r.result == 0 and r.errno is None
    assert before <= got + 1e-6 and got <= after + 1e-6
    inst = ts(tv_sec=0, tv_nsec=0)  # an instance works as the out-buffer too
    r = syscall.explain("clock_gettime", time.CLOCK_REALTIME, inst)
    assert abs(r.out["tp"].tv_sec - time.time()) < 5


@native_linux
def test_ids_against_os():
    assert syscall.explain("getpid").result == os.getpid()
    assert syscall.explain("getppid").result == os.getppid()
    assert syscall.explain("gettid").result == threading.get_native_id()
    assert syscall.explain("getuid").result == os.getuid()
    assert syscall.explain("getgid").result == os.getgid()
    assert syscall.explain("uname", syscall.struct("utsname")).out["buf"].release == os.uname().release


@native_linux
def test_write_read_through_a_pipe_and_error_convention():
    r_fd, w_fd = os.pipe()
    try:
        r = syscall.explain("write", w_fd, b"binmodel", 8)
        assert r.result == 8
        assert os.read(r_fd, 8) == b"binmodel"
        os.write(w_fd, b"xyz")
        buf = bytearray(3)
        assert syscall.explain("read", r_fd, buf, 3).result == 3 and buf == bytearray(b"xyz")
    finally:
        os.close(r_fd)
        os.close(w_fd)
    r = syscall.explain("close", -1)
    assert r.result == -errno.EBADF and r.errno == errno.EBADF and "EBADF" in str(r)
    with pytest.raises(DefinitionError, match="exit_group"):
        syscall.explain("exit_group", 0)


@native_linux
def test_pointer_needs_a_big_enough_struct():
    class Small(CStruct, abi="native"):
        a: int = c_int()
    with pytest.raises(DefinitionError, match="the kernel writes"):
        syscall.explain("clock_gettime", 1, Small)
