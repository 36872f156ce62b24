"""binmodel: declarative models of binary data, with explicit size, endianness and layout."""

from .errors import BuildError, DefinitionError, Error, ParseError, SizeofError
from .expr import count_of, crc32_of, len_of, this
from .fields import (
    Align, Array, Bits, Bool, Bytes, Const, CString, Enum, Field, Flags, Float, If, Int, Lazy,
    Padding, Pointer, SLEB128, Sized, String, Switch, ULEB128, ZigZag,
    f16, f16be, f16le, f32, f32be, f32le, f64, f64be, f64le,
    i8, i16, i16be, i16le, i24, i24be, i24le, i32, i32be, i32le, i64, i64be, i64le,
    u8, u16, u16be, u16le, u24, u24be, u24le, u32, u32be, u32le, u64, u64be, u64le,
)
from .interp import Span, Trace
from .model import Struct

__version__ = "0.1.0"

__all__ = [
    "Error", "DefinitionError", "ParseError", "BuildError", "SizeofError",
    "this", "len_of", "count_of", "crc32_of",
    "Struct", "Span", "Trace",
    "Align", "Array", "Bits", "Bool", "Bytes", "Const", "CString", "Enum", "Field", "Flags", "Float",
    "If", "Int", "Lazy", "Padding", "Pointer", "SLEB128", "Sized", "String", "Switch", "ULEB128", "ZigZag",
    "f16", "f16be", "f16le", "f32", "f32be", "f32le", "f64", "f64be", "f64le",
    "i8", "i16", "i16be", "i16le", "i24", "i24be", "i24le", "i32", "i32be", "i32le", "i64", "i64be", "i64le",
    "u8", "u16", "u16be", "u16le", "u24", "u24be", "u24le", "u32", "u32be", "u32le", "u64", "u64be", "u64le",
]
