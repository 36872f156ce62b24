"""Two-way transforms of a region's bytes (Kaitai's ``process``): ``Xor``, ``Rol``/``Ror``, ``Zlib``, ``Codec``.

``Transformed(Bytes(this.size), Xor(0xFF), Inner)`` reads the stored bytes, decodes them with the
transform and parses ``Inner`` from the decoded bytes; building encodes them back. A transform is
plain data with ``decode(raw, arg)`` and ``encode(data, arg)``: ``arg`` is its key or amount when the
model gives it as a reference (``Xor(this.key)``), evaluated in the struct. ``exact`` says whether
encoding what was decoded always gives the stored bytes back (xor and rotation do; compression need
not, so the stored bytes of an unchanged value are kept). Errors are ``TransformError``: the
interpreter turns them into a ``ParseError`` or ``BuildError`` naming the field.
"""

from __future__ import annotations

import zlib
from typing import Any, Callable, Optional

from .errors import DefinitionError
from .expr import Expr, as_expr

ZLIB_LIMIT = 1 << 26
"""The most bytes ``Zlib()`` decompresses a region into unless ``Zlib(limit=...)`` says otherwise (64 MiB)."""


class TransformError(Exception):
    """A transform cannot decode (or encode) these bytes; ``expected`` and ``found`` say why."""

    def __init__(self, reason: str, expected: Any = None, found: Any = None) -> None:
        super().__init__(reason)
        self.reason, self.expected, self.found = reason, expected, found


class Transform:
    """Base of the transforms: a name for layouts and the reference its argument comes from."""

    exact = True
    keeps_size = False  # each stored byte decodes to one byte (xor, rotations): where the stored bytes end is known
    arg: Optional[Expr] = None  # the key or amount read from the struct, when it is not a constant

    def text(self, arg: Optional[Expr] = None) -> str:
        return type(self).__name__.lower()

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        raise NotImplementedError

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        raise NotImplementedError


def _reference(value: Any) -> bool:
    return isinstance(value, Expr) or (callable(value) and not isinstance(value, (bytes, int)))


class Xor(Transform):
    """Each byte xor-ed with ``key``: one byte (an int 0..255), a byte string repeated from the region's
    start, or a reference to a field holding either (``Xor(this.key)``)."""

    keeps_size = True

    def __init__(self, key: Any) -> None:
        if _reference(key):
            self.key: Any = None
            self.arg = as_expr(key)
        else:
            self.key = _xor_key(key, DefinitionError)

    def text(self, arg: Optional[Expr] = None) -> str:
        if self.arg is not None:
            return "xor(%s)" % self.arg.text()
        return "xor(%s)" % ("0x%02x" % self.key[0] if len(self.key) == 1 else "0x" + self.key.hex())

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        key = self.key if self.arg is None else _xor_key(arg, TransformError)
        if len(key) == 1:
            return raw.translate(_XOR_TABLES[key[0]])
        n = len(raw)
        stream = (key * (n // len(key) + 1))[:n]
        return (int.from_bytes(raw, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        return self.decode(data, arg)  # xor is its own inverse


def _xor_key(key: Any, error: Callable[..., Exception]) -> bytes:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 255:
        return bytes([key])
    if isinstance(key, (bytes, bytearray)) and key:
        return bytes(key)
    raise error("an xor key is a byte (0..255) or non-empty bytes, not %r" % (key,))


_XOR_TABLES = [bytes(b ^ k for b in range(256)) for k in range(256)]


class Rotate(Transform):
    """Each byte's bits rotated ``left`` (or right) by ``bits`` (0..7, or a reference to a field)."""

    keeps_size = True

    def __init__(self, bits: Any, left: bool = True) -> None:
        self.left = left
        if _reference(bits):
            self.bits: Optional[int] = None
            self.arg = as_expr(bits)
        else:
            self.bits = _amount(bits, DefinitionError)

    def text(self, arg: Optional[Expr] = None) -> str:
        return "%s(%s)" % ("rol" if self.left else "ror", self.arg.text() if self.arg is not None else self.bits)

    def _table(self, arg: Any, left: bool) -> bytes:
        n = _amount(self.bits if self.arg is None else arg, TransformError)
        return _ROL_TABLES[n if left else (8 - n) % 8]

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        return raw.translate(self._table(arg, self.left))

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        return data.translate(self._table(arg, not self.left))


def _amount(bits: Any, error: Callable[..., Exception]) -> int:
    if isinstance(bits, int) and not isinstance(bits, bool) and bits >= 0:
        return bits % 8
    raise error("a rotation is a number of bits >= 0, not %r" % (bits,))


_ROL_TABLES = [bytes(((b << n) | (b >> (8 - n))) & 0xFF for b in range(256)) for n in range(8)]


def Rol(bits: Any) -> Rotate:
    """Each byte rotated left by ``bits`` on parse (Kaitai ``rol(n)``), right on build."""
    return Rotate(bits, left=True)


def Ror(bits: Any) -> Rotate:
    """Each byte rotated right by ``bits`` on parse (Kaitai ``ror(n)``), left on build."""
    return Rotate(bits, left=False)


class Zlib(Transform):
    """A zlib stream (RFC 1950), decompressed into at most ``limit`` bytes; ``level`` is used on build.

    Recompression need not give the stored bytes, so an unchanged value is written back as it was read.
    """

    exact = False

    def __init__(self, limit: int = ZLIB_LIMIT, level: int = -1) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise DefinitionError("Zlib limit must be a non-negative int")
        if level not in range(-1, 10):
            raise DefinitionError("Zlib level must be -1..9")
        self.limit, self.level = limit, level

    def text(self, arg: Optional[Expr] = None) -> str:
        return "zlib"

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        d = zlib.decompressobj()
        try:
            out = d.decompress(raw, self.limit + 1)  # never more than the limit (plus one to notice)
        except zlib.error as exc:
            raise TransformError("not a zlib stream: %s" % exc, expected="zlib data", found=raw[:8]) from None
        if len(out) > self.limit:
            raise TransformError("decompresses to more than the limit of %d bytes (Zlib(limit=...))" % self.limit,
                                 expected="<= %d bytes" % self.limit, found="more")
        if not d.eof:
            raise TransformError("the zlib stream is cut short", expected="the end of the stream",
                                 found="end of the region")
        if d.unused_data:
            raise TransformError("%d bytes follow the end of the zlib stream" % len(d.unused_data),
                                 expected="the end of the region", found=d.unused_data[:8])
        return out

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        return zlib.compress(data, self.level)


class Codec(Transform):
    """A user's transform: any object with ``decode(bytes) -> bytes`` and ``encode(bytes) -> bytes``.

    Its errors (any exception) become a ``ParseError``/``BuildError`` naming the field. Unless
    ``exact=True``, an unchanged value is written back as the stored bytes it was decoded from.
    """

    def __init__(self, codec: Any, exact: bool = False, name: Optional[str] = None) -> None:
        if not (callable(getattr(codec, "decode", None)) and callable(getattr(codec, "encode", None))):
            raise DefinitionError("Codec() needs an object with decode(bytes) and encode(bytes), not %r" % (codec,))
        self.codec, self.exact = codec, bool(exact)
        self.label = name or getattr(codec, "__name__", None) or type(codec).__name__

    def text(self, arg: Optional[Expr] = None) -> str:
        return str(self.label)

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        return bytes_from(self.codec.decode, raw, "decode")

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        return bytes_from(self.codec.encode, data, "encode")


def bytes_from(fn: Callable[[bytes], Any], data: bytes, what: str) -> bytes:
    try:
        out = fn(data)
    except Exception as exc:
        raise TransformError("%s failed: %s: %s" % (what, type(exc).__name__, exc), found=data[:8]) from None
    if not isinstance(out, (bytes, bytearray, memoryview)):
        raise TransformError("%s gave %s, not bytes" % (what, type(out).__name__), expected="bytes",
                             found=type(out).__name__)
    return bytes(out)


def as_transform(value: Any) -> Transform:
    """A transform for ``Transformed``: one of ours, or a user codec object."""
    if isinstance(value, Transform):
        return value
    return Codec(value)
