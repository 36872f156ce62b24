"""C ABIs: the size and alignment of each C type on each named target, and its layout rules.

Alignments are those a type has as a struct member (on i386, ``long long``
and ``double`` align to 4 inside structs although ``__alignof__`` says 8).
Every number here is checked against gcc and clang by ``tests/test_cabi_compilers.py``.
"""

from __future__ import annotations

import dataclasses
import platform
import struct
import sys
from typing import Dict, Tuple

from ..errors import DefinitionError

# C type name -> (size, alignment)
_ILP32 = {"char": (1, 1), "short": (2, 2), "int": (4, 4), "long": (4, 4), "long long": (8, 8),
          "float": (4, 4), "double": (8, 8), "long double": (8, 8), "_Bool": (1, 1), "pointer": (4, 4)}
_LP64 = dict(_ILP32, long=(8, 8), pointer=(8, 8))


@dataclasses.dataclass(frozen=True)
class Target:
    """One C ABI: type sizes and alignments, char signedness, bit-field rules, byte order."""

    name: str
    types: Dict[str, Tuple[int, int]]
    char_signed: bool
    bitfields: str  # "sysv" (GCC, System V, AAPCS) or "msvc"
    endian: str = "little"
    long_double_format: str = "double"  # "double", "x87" (80 bits in 12/16 bytes) or "quad"
    unnamed_bitfields_align_struct: bool = False  # AAPCS: unnamed and :0 bit-fields count for alignment

    def size_align(self, ctype: str) -> Tuple[int, int]:
        return self.types[ctype]

    @property
    def pointer_size(self) -> int:
        return self.types["pointer"][0]


TARGETS: Dict[str, Target] = {
    "x86_64-linux": Target("x86_64-linux", dict(_LP64, **{"long double": (16, 16)}), True, "sysv",
                           long_double_format="x87"),
    "i386-linux": Target("i386-linux", dict(_ILP32, **{"long long": (8, 4), "double": (8, 4),
                                                       "long double": (12, 4)}), True, "sysv",
                         long_double_format="x87"),
    "aarch64-linux": Target("aarch64-linux", dict(_LP64, **{"long double": (16, 16)}), False, "sysv",
                            long_double_format="quad", unnamed_bitfields_align_struct=True),
    "arm-linux-gnueabihf": Target("arm-linux-gnueabihf", dict(_ILP32), False, "sysv",
                                  unnamed_bitfields_align_struct=True),
    "x86_64-windows": Target("x86_64-windows", dict(_ILP32, pointer=(8, 8)), True, "msvc"),
}
ALIASES = {"x86_64": "x86_64-linux", "amd64-linux": "x86_64-linux", "i686-linux": "i386-linux",
           "arm64-linux": "aarch64-linux", "armhf-linux": "arm-linux-gnueabihf", "win64": "x86_64-windows",
           "x86_64-pc-windows-msvc": "x86_64-windows"}


def native_name() -> str:
    """The target this interpreter runs on, when it is one of the listed ones."""
    machine = platform.machine().lower()
    bits = struct.calcsize("P") * 8
    if sys.platform.startswith("win"):
        if machine in ("amd64", "x86_64") and bits == 64:
            return "x86_64-windows"
    elif sys.platform.startswith("linux"):
        if machine in ("x86_64", "amd64"):
            return "x86_64-linux" if bits == 64 else "i386-linux"
        if machine in ("i386", "i486", "i586", "i686"):
            return "i386-linux"
        if machine in ("aarch64", "arm64"):
            return "aarch64-linux" if bits == 64 else "arm-linux-gnueabihf"
        if machine.startswith("arm"):
            return "arm-linux-gnueabihf"
    raise DefinitionError("abi='native': this machine (%s, %s, %d-bit) is not a supported target; name one of %s"
                          % (sys.platform, machine, bits, ", ".join(TARGETS)))


def get_target(name: str) -> Target:
    """The target called ``name`` (or ``"native"``)."""
    if name == "native":
        name = native_name()
    name = ALIASES.get(name, name)
    try:
        return TARGETS[name]
    except KeyError:
        raise DefinitionError("unknown abi %r; known: native, %s" % (name, ", ".join(TARGETS))) from None
