"""Terminators and padding, the rules parsing and building share (``TermBytes`` and ``String``).

A value ended by a terminator is read by ``scan``; a fixed-size region's value is ``cut`` from it
(trailing padding removed, then ended at the first terminator: Kaitai's ``pad-right`` and
``terminator``). Building makes the bytes and checks they read back as the value. Two kinds of value
remember what plain bytes or text cannot say, so that an unedited parse builds back exactly:
``Open*`` values met the end of the data before a terminator (``eos_error=False``: none is written
back), ``Kept*`` values carry the region they were cut from (bytes after a terminator, padding that
differs from the pad byte).
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

from .wire import find_terminator, strip_pad


class OpenBytes(bytes):
    """Bytes that ended at the end of the data, not at a terminator: none is written back."""

    open = True


class OpenStr(str):
    """Text that ended at the end of the data, not at a terminator: none is written back."""

    open = True


class KeptBytes(bytes):
    """Bytes cut from a fixed-size region that holds more than they say: ``raw`` is the region."""

    raw: bytes


class KeptStr(str):
    """Text cut from a fixed-size region that holds more than it says: ``raw`` is the region."""

    raw: bytes


def scan(data: Any, pos: int, end: int, term: bytes, unit: int, include: bool,
         consume: bool) -> Optional[Tuple[bytes, int]]:
    """(the value's bytes, where the next field starts) ended by ``term``; None when the end comes first."""
    i = find_terminator(data, pos, end, term, unit)
    if i < 0:
        return None
    stop = i + len(term)
    return bytes(data[pos:stop if include else i]), stop if consume else i


def cut(raw: bytes, pad: Optional[bytes], term: Optional[bytes], include: bool, unit: int) -> bytes:
    """A fixed-size region's value: without trailing ``pad`` code units, then up to the first ``term``.
    When the terminator is kept (``include``) and is also the pad, nothing is stripped: the value ends
    at the first one (as Kaitai Struct's compiler reads ``pad-right`` equal to an included ``terminator``)."""
    if pad is not None and not (include and term is not None and pad * (len(term) // len(pad)) == term):
        raw = strip_pad(raw, pad, unit)
    if term is not None:
        i = find_terminator(raw, 0, len(raw), term, unit)
        if i >= 0:
            raw = raw[:i + len(term) if include else i]
    return raw


def fill(body: bytes, size: int, pad: Optional[bytes], term: Optional[bytes], include: bool,
         unit: int) -> Tuple[Optional[bytes], str]:
    """The ``size`` bytes of a region holding ``body``, or (None, why) when no region reads back as it."""
    if len(body) > size:
        return None, "takes %d bytes, more than the field's %d" % (len(body), size)
    out = body
    if term is not None and not include and len(out) + len(term) <= size:
        out += term
    out += (pad if pad is not None else b"\0") * ((size - len(out)) // len(pad or b"\0"))
    if len(out) != size:
        return None, "cannot fill the field's %d bytes with whole pad units" % size
    if cut(out, pad, term, include, unit) != body:
        if term is not None and find_terminator(body, 0, len(body) - (len(term) if include else 0), term, unit) >= 0:
            return None, "contains the terminator %r, which would end it early" % term
        if pad is None:
            return None, "does not fill the field's %d bytes (padding is kept when read: give every byte)" % size
        return None, "ends with the pad byte %r, which parsing would strip" % pad
    return out, ""


def kept(raw: bytes, body: bytes, size: int, pad: Optional[bytes], term: Optional[bytes], include: bool,
         unit: int) -> bool:
    """Whether a region must be kept with its value: building the value alone would not give it back."""
    return fill(body, size, pad, term, include, unit)[0] != raw


def unterminated(body: bytes, term: bytes, include: bool, unit: int) -> Tuple[Optional[bytes], str]:
    """The bytes before the terminator of an ended value (without it), or (None, why)."""
    if include:
        if not body.endswith(term):
            return None, "include=True: the value must end with the terminator %r" % term
        body = body[:len(body) - len(term)]
    if find_terminator(body, 0, len(body), term, unit) >= 0:
        return None, "contains the terminator %r, which would end it early" % term
    return body, ""
