"""MessagePack, as specified by "MessagePack specification" (github.com/msgpack/msgpack/blob/master/spec.md):
the type system, the formats (one type byte, then what it says) and the extension types.

Every value starts with one type byte. Some carry their value or their length in their low bits:
positive fixint (``0x00``-``0x7f``: the value), fixmap (``0x80``-``0x8f``: up to 15 key/value pairs),
fixarray (``0x90``-``0x9f``: up to 15 items), fixstr (``0xa0``-``0xbf``: up to 31 bytes of UTF-8) and
negative fixint (``0xe0``-``0xff``: -32 to -1). The others name one format: nil ``0xc0``, false/true
``0xc2``/``0xc3``, bin 8/16/32 (``0xc4``-``0xc6``), ext 8/16/32 (``0xc7``-``0xc9``), float 32/64 (``0xca``,
``0xcb``), uint 8-64 (``0xcc``-``0xcf``), int 8-64 (``0xd0``-``0xd3``), fixext 1-16 (``0xd4``-``0xd8``),
str 8/16/32 (``0xd9``-``0xdb``), array 16/32 (``0xdc``, ``0xdd``) and map 16/32 (``0xde``, ``0xdf``). ``0xc1``
is never used. All numbers are big-endian.

``Value`` reads one value: ``t`` is the type byte and ``value`` what follows, chosen by a ``Switch`` whose
keys are byte ranges and exact bytes (a value carried in the type byte is a ``Computed`` case). A map is
a list of ``Pair``; an ext is an ``Ext`` (its type and data). A fixstr keeps every byte, NULs included.
``to_python`` turns a ``Value`` into the Python objects ``msgpack.unpackb`` gives; ``from_python`` is the
encoder: it picks the shortest format, as msgpack's own packer does (the lengths of bin, str, ext, array
and map are derived on build; a fix format's length is in its type byte, which ``from_python`` sets).
"""

from __future__ import annotations

from typing import Any, Union

from ..expr import len_of, this
from ..fields import (
    Args,
    Array,
    Bytes,
    Computed,
    Lazy,
    String,
    Switch,
    f32,
    f64,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
)
from ..model import Struct


class FixExt(Struct, endian="big", params=("size",)):
    """fixext 1/2/4/8/16: the application type (negative types are reserved: -1 is the timestamp) and
    ``size`` bytes of data, the size given by the type byte."""

    type: int = i8()
    data: bytes = Bytes(this.size)


class Ext8(Struct, endian="big"):
    """ext 8: the data's length, the type, the data."""

    size: int = u8(derive=len_of("data"))
    type: int = i8()
    data: bytes = Bytes(this.size)


class Ext16(Struct, endian="big"):
    """ext 16."""

    size: int = u16(derive=len_of("data"))
    type: int = i8()
    data: bytes = Bytes(this.size)


class Ext32(Struct, endian="big"):
    """ext 32."""

    size: int = u32(derive=len_of("data"))
    type: int = i8()
    data: bytes = Bytes(this.size)


Ext = Union[FixExt, Ext8, Ext16, Ext32]


class Pair(Struct):
    """One key/value pair of a map."""

    key: Value = Lazy(lambda: Value)  # a model that contains itself names itself through Lazy
    value: Value = Lazy(lambda: Value)


class Value(Struct, endian="big"):
    """One MessagePack value: the type byte and what it says follows."""

    t: int = u8()
    value: Any = Switch(this.t, {
        range(0x00, 0x80): Computed(this.t),                  # positive fixint
        range(0x80, 0x90): Array(Pair, count=this.t & 0x0F),   # fixmap
        range(0x90, 0xA0): Array(Lazy(lambda: Value), count=this.t & 0x0F),  # fixarray
        range(0xA0, 0xC0): String(this.t & 0x1F, strip=False),  # fixstr, NULs kept
        0xC0: Computed(None),                                 # nil
        (0xC2, 0xC3): Computed(this.t == 0xC3),               # false, true
        0xC4: Bytes(prefix=u8), 0xC5: Bytes(prefix=u16), 0xC6: Bytes(prefix=u32),  # bin 8/16/32
        0xC7: Ext8, 0xC8: Ext16, 0xC9: Ext32,                                   # ext 8/16/32
        0xCA: f32, 0xCB: f64,
        0xCC: u8, 0xCD: u16, 0xCE: u32, 0xCF: u64,
        0xD0: i8, 0xD1: i16, 0xD2: i32, 0xD3: i64,
        0xD4: Args(FixExt, size=1), 0xD5: Args(FixExt, size=2), 0xD6: Args(FixExt, size=4),  # fixext
        0xD7: Args(FixExt, size=8), 0xD8: Args(FixExt, size=16),
        0xD9: String(prefix=u8), 0xDA: String(prefix=u16), 0xDB: String(prefix=u32),  # str 8/16/32
        0xDC: Array(Lazy(lambda: Value), prefix=u16), 0xDD: Array(Lazy(lambda: Value), prefix=u32),
        0xDE: Array(Pair, prefix=u16), 0xDF: Array(Pair, prefix=u32),  # map 16/32
        range(0xE0, 0x100): Computed(this.t - 0x100),         # negative fixint
    })



# --- helpers beyond the model ---
# (parsing and building do not need them; tools/line_count.py counts them apart)


class ExtType:
    """An extension value for ``from_python`` and from ``to_python`` (``msgpack.ExtType`` compares equal)."""

    def __init__(self, code: int, data: bytes) -> None:
        self.code, self.data = code, data

    def __eq__(self, other: Any) -> bool:
        return (getattr(other, "code", None), getattr(other, "data", None)) == (self.code, self.data)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "ExtType(code=%d, data=%r)" % (self.code, self.data)


def to_python(v: Value) -> Any:
    """The value as Python objects, as ``msgpack.unpackb(data, strict_map_key=False)`` gives them (an ext,
    the timestamp too, as ``ExtType``)."""
    if isinstance(v.value, list):
        if 0x80 <= v.t <= 0x8F or v.t in (0xDE, 0xDF):
            return {to_python(pair.key): to_python(pair.value) for pair in v.value}
        return [to_python(item) for item in v.value]
    if isinstance(v.value, (FixExt, Ext8, Ext16, Ext32)):
        return ExtType(v.value.type, v.value.data)
    return v.value


_FIXEXT = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}


def _sized(n: int, fix: int, fix_limit: int, wide: int, short: bool = True) -> int:
    """The type byte for ``n`` items/bytes: the fix format below ``fix_limit``, else the 8/16/32-bit one
    (``wide`` is the 8-bit format's byte, or the 16-bit one's when there is no 8-bit form)."""
    if n < fix_limit:
        return fix | n
    steps = (0xFF, 0xFFFF, 0xFFFFFFFF) if short else (0xFFFF, 0xFFFFFFFF)
    return wide + next(i for i, top in enumerate(steps) if n <= top)


def from_python(obj: Any) -> Value:
    """A ``Value`` for ``obj`` in the shortest format, as ``msgpack.packb(obj)`` writes it (floats as float 64,
    bytes as bin, text as str)."""
    if obj is None or isinstance(obj, bool):
        return Value(t={None: 0xC0, False: 0xC2, True: 0xC3}[obj], value=obj)
    if isinstance(obj, int):
        if -32 <= obj < 0x80:
            return Value(t=obj & 0xFF, value=obj)
        limits = (0xFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF) if obj > 0 else (0x80, 0x8000, 0x80000000, 1 << 63)
        step = next(i for i, top in enumerate(limits) if abs(obj) <= top)
        return Value(t=(0xCC if obj > 0 else 0xD0) + step, value=obj)
    if isinstance(obj, float):
        return Value(t=0xCB, value=obj)
    if isinstance(obj, str):
        return Value(t=_sized(len(obj.encode("utf-8")), 0xA0, 32, 0xD9), value=obj)
    if isinstance(obj, bytes):
        return Value(t=_sized(len(obj), 0xC4, 0, 0xC4), value=obj)
    if hasattr(obj, "code") and hasattr(obj, "data"):  # before tuple: msgpack.ExtType is a namedtuple
        code, data = obj.code, bytes(obj.data)
        if len(data) in _FIXEXT:
            return Value(t=_FIXEXT[len(data)], value=FixExt(type=code, data=data))
        t = _sized(len(data), 0xC7, 0, 0xC7)
        return Value(t=t, value={0xC7: Ext8, 0xC8: Ext16, 0xC9: Ext32}[t](type=code, data=data))
    if isinstance(obj, (list, tuple)):
        return Value(t=_sized(len(obj), 0x90, 16, 0xDC, short=False), value=[from_python(x) for x in obj])
    if isinstance(obj, dict):
        pairs = [Pair(key=from_python(k), value=from_python(x)) for k, x in obj.items()]
        return Value(t=_sized(len(obj), 0x80, 16, 0xDE, short=False), value=pairs)
    raise TypeError("MessagePack has no type for %r" % (obj,))
