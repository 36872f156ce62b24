"""binmodel: declarative models of binary data, with explicit size, endianness and layout."""

from .background import detach
from .checking import Disagreement, check
from .decoder import Decoder
from .dump import dump
from .endian import Endian
from .errors import BuildError, DefinitionError, Error, ParseError, SizeofError
from .expr import count_of, crc32_of, len_of, not_, placed, this, where
from .fields import (
    SLEB128,
    ULEB128,
    VLQ,
    Align,
    Args,
    Array,
    Bits,
    Bool,
    Bytes,
    Computed,
    Const,
    CString,
    Enum,
    Fallback,
    Field,
    Flags,
    Float,
    Hex,
    If,
    Int,
    Lazy,
    Mapped,
    Padding,
    Peek,
    Pointer,
    Reparent,
    Sized,
    String,
    Switch,
    TextInt,
    Transformed,
    UnlessEnd,
    ZigZag,
    f16,
    f16be,
    f16le,
    f32,
    f32be,
    f32le,
    f64,
    f64be,
    f64le,
    i8,
    i16,
    i16be,
    i16le,
    i24,
    i24be,
    i24le,
    i32,
    i32be,
    i32le,
    i64,
    i64be,
    i64le,
    u8,
    u16,
    u16be,
    u16le,
    u24,
    u24be,
    u24le,
    u32,
    u32be,
    u32le,
    u64,
    u64be,
    u64le,
)
from .model import Struct
from .parsing.context import Span, Trace
from .streams import StreamError
from .transforms import Codec, Rol, Ror, TransformError, Xor, Zlib
from .valid import AnyOf, Range
from .values import wire_value

__version__ = "0.1.0"

__all__ = [
    "Error", "DefinitionError", "ParseError", "BuildError", "SizeofError", "StreamError", "Decoder",
    "this", "len_of", "count_of", "crc32_of", "placed", "where",
    "not_", "Range", "AnyOf", "Endian",
    "Struct", "Span", "Trace", "dump", "check", "Disagreement", "detach",
    "Align", "Args", "Array", "Bits", "Bool", "Bytes", "Computed", "Const", "CString", "Enum", "Fallback", "Field", "Flags", "Float",
    "If", "Int", "Lazy", "Padding", "Peek", "Pointer", "Reparent", "SLEB128", "Sized", "String", "Switch", "TextInt", "ULEB128",
    "UnlessEnd", "VLQ", "ZigZag",
    "f16", "f16be", "f16le", "f32", "f32be", "f32le", "f64", "f64be", "f64le",
    "i8", "i16", "i16be", "i16le", "i24", "i24be", "i24le", "i32", "i32be", "i32le", "i64", "i64be", "i64le",
    "u8", "u16", "u16be", "u16le", "u24", "u24be", "u24le", "u32", "u32be", "u32le", "u64", "u64be", "u64le",
    "Transformed", "Xor", "Rol", "Ror", "Zlib", "Codec", "TransformError",
    "Mapped", "Hex", "wire_value",
]
