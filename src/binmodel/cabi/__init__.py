"""C structs for named ABIs: exact C layouts, explicit padding, and calling C through ctypes.

>>> from binmodel.cabi import CStruct, c_char, c_int, c_double
>>> class Sample(CStruct, abi="i386-linux"):
...     tag: int = c_char()
...     value: float = c_double()
>>> Sample.sizeof(), Sample.alignment()
(12, 4)
"""

from .calls import Call, Passed, Signature, Slot, parse_prototype
from .ctypeinfo import Ptr
from .model import CInfo, CStruct, CUnion
from .targets import TARGETS, Target, get_target, native_name
from .types import (
    C_TYPES,
    Aligned,
    AlignedNode,
    CEnum,
    CName,
    CNamed,
    CType,
    c_bool,
    c_char,
    c_double,
    c_float,
    c_int,
    c_long,
    c_longdouble,
    c_longlong,
    c_schar,
    c_short,
    c_size_t,
    c_ssize_t,
    c_uchar,
    c_uint,
    c_ulong,
    c_ulonglong,
    c_ushort,
    c_void_p,
    int8_t,
    int16_t,
    int32_t,
    int64_t,
    uint8_t,
    uint16_t,
    uint32_t,
    uint64_t,
)

__all__ = [
    "CStruct", "CUnion", "CInfo", "CEnum", "CName", "CNamed", "Aligned", "AlignedNode", "CType", "C_TYPES", "TARGETS", "Target", "get_target",
    "native_name", "Signature", "Ptr", "Call", "Passed", "Slot", "parse_prototype",
    "c_bool", "c_char", "c_double", "c_float", "c_int", "c_long", "c_longdouble", "c_longlong", "c_schar",
    "c_short", "c_size_t", "c_ssize_t", "c_uchar", "c_uint", "c_ulong", "c_ulonglong", "c_ushort", "c_void_p",
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
]
