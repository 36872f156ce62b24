"""How values look on the wire: the one table of ``struct`` codes and byte orders, and the value types
and text rules that parsing and building share (so both directions agree by construction).

>>> INT_CODES[(2, False)], ORDER_PREFIX["little"]
('H', '<')
>>> find_terminator(b"ab\\0\\0cd", 0, 6, b"\\0\\0", unit=2)
2
"""

from __future__ import annotations

import operator
import sys
from typing import Any, List, Optional

from . import schema as s

INT_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h",
             (4, False): "I", (4, True): "i", (8, False): "Q", (8, True): "q"}
"""``struct`` format codes of integers by (size in bytes, signed)."""

FLOAT_CODES = {16: "e", 32: "f", 64: "d"}
"""``struct`` format codes of floats by width in bits."""

ORDER_PREFIX = {"big": ">", "little": "<", "native": "="}
"""``struct`` byte-order prefixes (standard sizes, no alignment: ``=`` is native order, not native layout)."""


def byteorder(endian: Optional[str]) -> Any:
    """``"big"`` or ``"little"`` for ``int.from_bytes``: native (or unset) is this machine's."""
    return sys.byteorder if endian in (None, "native") else endian


def prefix(endian: Optional[str]) -> str:
    """The ``struct`` prefix of a byte order; a number whose order is unset (one byte wide) reads as big."""
    return ORDER_PREFIX[endian or "big"]


def int_code(node: s.Int) -> Optional[str]:
    """The ``struct`` code of an integer node, or None for widths ``struct`` has no code for (3, 5, 6, 7 bytes)."""
    return INT_CODES.get((node.size, node.signed))


code_unit = s.code_unit


def as_int(value: Any) -> Optional[int]:
    """``value`` as a plain int when Python treats it as an integer (``operator.index``: int, bool,
    IntEnum, numpy integers), as ``struct`` does; None otherwise (floats, strings, None)."""
    if type(value) is int:
        return value
    try:
        return operator.index(value)
    except TypeError:
        return None


class NaN(float):
    """A NaN read from data, keeping its exact bits (payload, signalling bit) so it is written back unchanged."""

    __slots__ = ("bits", "width")
    bits: int
    width: int

    def __new__(cls, bits: int, width: int = 64) -> NaN:
        obj = super().__new__(cls, "nan")
        obj.bits, obj.width = bits, width
        return obj

    def __repr__(self) -> str:
        return "nan"


class Numeral(int):
    """A number read as text (``TextInt``), keeping the exact bytes it was read from.

    It is an ``int`` in every other way; an unchanged value is written back as those bytes.
    """

    raw: bytes

    def __new__(cls, value: int, raw: bytes) -> Numeral:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj

    __repr__ = int.__repr__
    __str__ = int.__repr__


DIGITS = "0123456789abcdef"


def text_int_value(node: s.TextInt, raw: bytes) -> Optional[int]:
    """The number in a ``TextInt`` field's bytes, or None when they are not digits of its base."""
    text = raw.split(b"\0", 1)[0]
    if raw[len(text):].strip(b"\0 "):  # only NULs and spaces may follow the first NUL
        return None
    text = text.strip(b" ")
    if not text:
        return 0
    digits = DIGITS[:node.base]
    if not all(chr(c) in digits for c in text.lower()):
        return None
    return int(text, node.base)


def digits(n: int, base: int) -> List[int]:
    """The digits of ``n >= 0`` in ``base``, most significant first."""
    out = [n % base]
    while n >= base:
        n //= base
        out.append(n % base)
    return out[::-1]


def find_terminator(data: Any, start: int, end: int, terminator: bytes, unit: int = 1) -> int:
    """Index of the first ``terminator`` starting a whole number of code units after ``start``, or -1."""
    i = start
    while True:
        i = data.find(terminator, i, end)
        if i < 0 or (i - start) % unit == 0:
            return i
        i += 1


def strip_pad(raw: bytes, pad: bytes, unit: int) -> bytes:
    """``raw`` without its trailing whole code units of ``pad`` (a fixed-size string's padding). In a region
    of a size that is not whole code units (Kaitai's ``size: 9`` of UTF-16 with ``pad-right``), the bytes
    after the last whole unit are stripped first when they are pad bytes (else they stay, and the text
    cannot be decoded)."""
    tail = len(raw) % unit
    if tail and raw[len(raw) - tail:] == pad * tail:
        raw = raw[:len(raw) - tail]
    block = pad * unit
    end = len(raw) - len(raw) % unit
    while end >= unit and raw[end - unit:end] == block:
        end -= unit
    return raw[:end] + raw[len(raw) - len(raw) % unit:] if len(raw) % unit else raw[:end]


PARSED_PREFIX = "_bm_was_"
"""Slot prefix of a derived field's value as parsed (see ``Struct._bm_from_values``)."""
