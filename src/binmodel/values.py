"""Values as people write them: addresses, times, identifiers and fixed-point numbers, both ways.

Each type here is a ``Mapped`` field (see ``fields.Mapped``): the wire value is read by an ordinary
type and converted, and converted back on build. Every conversion loses nothing, so ``build(parse(x))
== x`` always: a time finer than a microsecond is a ``Time`` (a ``datetime`` that keeps its wire value),
and a wire value with no ``datetime`` (a DOS date with month 0, a year after 9999) is an ``OutOfRange``
that keeps it too. ``wire_value(obj, name)`` gives any converted field's wire value. Standard library only.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import ipaddress
import itertools
import uuid as _uuid
from typing import Any, Callable, Optional, Tuple

from . import schema as s
from .errors import DefinitionError
from .fields import MISSING, Array, Bytes, Mapped, to_node, u32le, u64le

UTC = _dt.timezone.utc
UNIX_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
NTP_EPOCH = _dt.datetime(1900, 1, 1, tzinfo=UTC)
FILETIME_EPOCH = _dt.datetime(1601, 1, 1, tzinfo=UTC)
_US = 10 ** 6


def wire_value(obj: Any, name: str) -> Any:
    """The wire value of field ``name`` of model instance ``obj``: what a converted field writes (the
    integer behind a ``datetime``, the bytes behind an address); any other field's value as it is."""
    fields = {f.name: f for f in type(obj)._bm_node.fields()}
    if name not in fields:
        raise AttributeError("%s has no field %r" % (type(obj).__name__, name))
    node, value = fields[name].type, getattr(obj, name)
    while isinstance(node, s.Valid):
        node = node.type
    return node.encode(value) if isinstance(node, s.Mapped) else value


class OutOfRange:
    """A wire value that names no ``datetime`` (a DOS date with month 0, a year after 9999): kept as it
    is, so it is shown and written back unchanged."""

    __slots__ = ("wire", "why")

    def __init__(self, wire: Any, why: str) -> None:
        self.wire, self.why = wire, why

    def __eq__(self, other: object) -> bool:
        return type(other) is OutOfRange and other.wire == self.wire  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(repr(self.wire))

    def __repr__(self) -> str:
        return "OutOfRange(%r, %r)" % (self.wire, self.why)

    def __str__(self) -> str:
        return "%r (%s)" % (self.wire, self.why)

    def __bm_json__(self) -> Any:
        """Its JSON form (``to_dict(json=True)``): the wire value, which builds back to the same bytes."""
        return self.wire


class Time(_dt.datetime):
    """A ``datetime`` read from a wire value finer than a microsecond (nanoseconds, NTP fractions,
    FILETIME ticks), or written as text (a tar header's octal digits): it keeps that value in ``wire``,
    so it is written back exactly, and its text (``str``) has every digit the wire value has
    (``2023-11-14 22:13:20.123456789+00:00``), which builds back to the same ticks. A changed time is
    a new object without them (``datetime`` is immutable) and is written from its microseconds."""

    wire: Any = None
    _text: Optional[str] = None

    def __str__(self) -> str:
        return self._text if self._text is not None else super().__str__()


def _kept(dt: _dt.datetime, wire: Any, text: Optional[str]) -> Time:
    t = Time(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond, dt.tzinfo)
    t.wire, t._text = wire, text
    return t


def show_time(value: Any) -> str:
    """``2020-01-02 03:04:06+00:00``; an ``OutOfRange`` as its wire value and why."""
    return str(value)


class _Clock:
    """Ticks of ``per_second`` a second since ``epoch``, both ways."""

    def __init__(self, epoch: _dt.datetime, per_second: int) -> None:
        self.epoch, self.per_second = epoch, per_second

    def time(self, ticks: int, wire: Any) -> Any:
        us, rest = divmod(ticks * _US, self.per_second)
        try:
            dt = self.epoch + _dt.timedelta(microseconds=us)
        except OverflowError:
            return OutOfRange(wire, "%s ticks of 1/%d s from %s: outside years 1-9999"
                              % (ticks, self.per_second, self.epoch.date()))
        return _kept(dt, wire, self.text(ticks)) if rest else dt

    def text(self, ticks: int) -> str:
        """The time of ``ticks`` with as many decimals as tell every tick apart."""
        seconds, rest = divmod(ticks, self.per_second)
        digits = len(str(self.per_second - 1))
        whole = str(self.epoch + _dt.timedelta(seconds=seconds))
        return "%s.%0*d%s" % (whole[:19], digits, rest * 10 ** digits // self.per_second, whole[19:])

    def ticks(self, value: Any) -> int:
        if isinstance(value, str):  # the text str() gives, any number of decimals
            return self.ticks_of_text(value)
        if not isinstance(value, _dt.datetime):
            raise TypeError("expected a datetime, its text or the wire value, found %s" % type(value).__name__)
        if (value.tzinfo is None) != (self.epoch.tzinfo is None):
            raise ValueError("%s datetime for a field counted from %s" % (
                "a naive" if value.tzinfo is None else "an aware", self.epoch))
        delta = value - self.epoch
        us = (delta.days * 86400 + delta.seconds) * _US + delta.microseconds
        ticks, rest = divmod(us * self.per_second, _US)
        if rest and self.per_second < _US:
            raise ValueError("%s is not a whole tick of 1/%d s" % (value, self.per_second))
        return ticks + (1 if rest else 0)  # (finer ticks: the first one at or after the microsecond)

    def ticks_of_text(self, text: str) -> int:
        head, dot, tail = text.partition(".")
        digits = "".join(itertools.takewhile(str.isdigit, tail)) if dot else ""
        whole = _dt.datetime.fromisoformat(head + tail[len(digits):])
        ticks = self.ticks(whole)
        if digits:  # the first tick at or after the fraction written (exact for the text ``text`` gives)
            ticks += -(-int(digits) * self.per_second // 10 ** len(digits))
        return ticks


def _kept_wire(value: Any, decode: Callable[[Any], Any]) -> Any:
    """The wire value an unchanged parsed value keeps (``Time``, ``OutOfRange``), else None."""
    if isinstance(value, OutOfRange):
        return value.wire
    wire = getattr(value, "wire", None) if isinstance(value, Time) else None
    if wire is not None and decode(wire) == value:
        return wire
    return None


def _timestamp(base: Any, clock: _Clock, label: str, default: Any, none: Optional[int] = None) -> Any:
    def decode(wire: int) -> Any:
        if wire == none:
            return None
        t = clock.time(wire, wire)
        if getattr(wire, "raw", None) is not None and type(t) is _dt.datetime:  # (a TextInt's digits: kept)
            return _kept(t, wire, None)
        return t

    def encode(value: Any) -> int:
        if value is None and none is not None:
            return none
        kept = _kept_wire(value, decode)
        if kept is not None:
            return kept  # type: ignore[no-any-return]
        if isinstance(value, int) and not isinstance(value, bool):  # the wire value itself
            return value
        return clock.ticks(value)

    setattr(decode, "clock", clock)  # noqa: B010  (what binmodel.arrow reads: ticks a second and the epoch)
    return Mapped(base, decode, encode, label=label, show=show_time, default=default)


_UNITS = {"s": 1, "ms": 10 ** 3, "us": 10 ** 6, "ns": 10 ** 9}


def UnixTime(base: Any, unit: str = "s", *, none: Optional[int] = None, default: Any = MISSING) -> _dt.datetime:
    """A Unix time (UTC) counted in ``unit`` ("s", "ms", "us", "ns") in the integer ``base``:
    ``UnixTime(u32le)``, ``UnixTime(i64be, "ns")``, or a number written as text, ``UnixTime(TextInt(12,
    base=8))`` (tar), whose digits an unchanged time writes back as they were. ``none``: the wire value
    that means "no time" (gzip's MTIME 0), read as ``None`` and written for it."""
    if unit not in _UNITS:
        raise DefinitionError("UnixTime unit is one of %s, not %r" % (", ".join(_UNITS), unit))
    _integer(base, "UnixTime", text=True)
    if none is not None and (isinstance(none, bool) or not isinstance(none, int)):
        raise DefinitionError("UnixTime none= is the wire value that means no time, an int, not %r" % (none,))
    return _timestamp(base, _Clock(UNIX_EPOCH, _UNITS[unit]), "UnixTime[%s]" % unit,  # type: ignore[no-any-return]
                      default, none)


def FileTime(base: Any = u64le, *, default: Any = MISSING) -> _dt.datetime:
    """A Windows FILETIME (UTC): 100-nanosecond ticks since 1601-01-01, a ``u64le`` by default."""
    _integer(base, "FileTime")
    return _timestamp(base, _Clock(FILETIME_EPOCH, 10 ** 7), "FileTime", default)  # type: ignore[no-any-return]


def SecondsAndFraction(item: Any, per_second: int, *, epoch: _dt.datetime = UNIX_EPOCH,
                       default: Any = MISSING) -> _dt.datetime:
    """A time as two integers of type ``item``, whole seconds since ``epoch`` then a fraction counted in
    ``1/per_second``: pcap's ``ts_sec, ts_usec`` is ``SecondsAndFraction(u32, 10**6)``. A fraction of a
    whole second or more names no time: it is an ``OutOfRange``, kept as it is."""
    _integer(item, "SecondsAndFraction")
    if isinstance(per_second, bool) or not isinstance(per_second, int) or per_second < 1:
        raise DefinitionError("SecondsAndFraction per_second is a positive int, not %r" % (per_second,))
    clock = _Clock(epoch, per_second)
    scale = _US // per_second if _US % per_second == 0 else None  # microseconds a tick

    def decode(wire: Any) -> Any:
        seconds, fraction = wire
        if fraction >= per_second:
            return OutOfRange(list(wire), "a fraction of %d/%d s is a second or more" % (fraction, per_second))
        if scale is not None:  # whole microseconds (pcap): one timedelta, no ticks
            try:
                return epoch + _dt.timedelta(0, seconds, fraction * scale)
            except OverflowError:
                pass  # (the OutOfRange below says why)
        return clock.time(seconds * per_second + fraction, list(wire))

    def encode(value: Any) -> Any:
        kept = _kept_wire(value, decode)
        if kept is not None:
            return list(kept)
        if isinstance(value, (list, tuple)):  # the wire value itself: [seconds, fraction]
            return list(value)
        return list(divmod(clock.ticks(value), per_second))

    setattr(decode, "clock", clock)  # noqa: B010
    return Mapped(Array(item, 2), decode, encode, label="SecondsAndFraction",  # type: ignore[no-any-return]
                  show=show_time, default=default)


def NTPTime(base: Any = None, *, default: Any = MISSING) -> _dt.datetime:
    """An NTP timestamp (UTC): 32-bit seconds since 1900 and a 32-bit binary fraction, big-endian."""
    from .fields import u32be

    return SecondsAndFraction(base if base is not None else u32be, 1 << 32, epoch=NTP_EPOCH, default=default)


def _dos_fields(wire: int) -> Tuple[int, int, int, int, int, int]:
    time, date = wire & 0xFFFF, wire >> 16
    return (1980 + (date >> 9), (date >> 5) & 15, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2)


def _dos_problem(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    """Why DOS fields name no time ("" when they do): the message is the same on every Python."""
    if not 1 <= month <= 12:
        return "month must be in 1..12"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return "day must be in 1..%d" % days
    if hour > 23 or minute > 59 or second > 59:
        return "hour, minute and second must be below 24, 60 and 60"
    return ""


def DosDateTime(base: Any = u32le, *, tz: Optional[_dt.tzinfo] = None, default: Any = MISSING) -> _dt.datetime:
    """An MS-DOS time then date (two ``u16le``, read as one ``u32le``: time in the low half), as ZIP and
    FAT write them: local wall time in 2-second steps, so a naive ``datetime`` unless ``tz`` is given.
    A date that names no day (month 0, as "no date" is often written) is an ``OutOfRange``."""
    _integer(base, "DosDateTime")

    def decode(wire: int) -> Any:
        fields = _dos_fields(wire)
        why = _dos_problem(*fields)
        if why:
            return OutOfRange(wire, "%04d-%02d-%02d %02d:%02d:%02d: %s" % (fields + (why,)))
        return _dt.datetime(*fields, tzinfo=tz)

    def encode(value: Any) -> int:
        if isinstance(value, OutOfRange):
            return value.wire  # type: ignore[no-any-return]
        if isinstance(value, int) and not isinstance(value, bool):  # the wire value itself
            return value
        if isinstance(value, str):
            value = _dt.datetime.fromisoformat(value)
        if not isinstance(value, _dt.datetime):
            raise TypeError("expected a datetime, found %s" % type(value).__name__)
        if not 1980 <= value.year <= 2107 or value.second % 2 or value.microsecond:
            raise ValueError("%s is not a DOS time (years 1980-2107, even seconds)" % value)
        if (value.tzinfo is None) != (tz is None):
            raise ValueError("expected %s datetime" % ("a naive" if tz is None else "an aware"))
        date = (value.year - 1980) << 9 | value.month << 5 | value.day
        return date << 16 | value.hour << 11 | value.minute << 5 | value.second // 2

    setattr(decode, "tz", tz)  # noqa: B010  (binmodel.arrow: a timestamp with this zone, or none)
    return Mapped(base, decode, encode, label="DosDateTime", show=show_time,  # type: ignore[no-any-return]
                  default=default)


def _integer(base: Any, what: str, text: bool = False) -> Any:
    node = to_node(base, "%s base" % what)
    if not (isinstance(node, s.Int) or text and isinstance(node, s.TextInt)):
        raise DefinitionError("%s needs an integer type (u32le, i64be%s, ...), not %s"
                              % (what, ", TextInt" if text else "", node.name))
    return node


# --- addresses and identifiers -----------------------------------------------------------------

def _ip(kind: Any, size: int) -> Tuple[Callable[[Any], Any], Callable[[Any], bytes]]:
    def decode(wire: bytes) -> Any:
        return kind(bytes(wire))

    def encode(value: Any) -> bytes:
        if isinstance(value, (bytes, bytearray)) and len(value) == size:
            return bytes(value)
        if not isinstance(value, (kind, str)):
            raise TypeError("expected an %s, its text or its %d bytes, found %s" % (kind.__name__, size,
                                                                                   type(value).__name__))
        return kind(value).packed  # type: ignore[no-any-return]

    return decode, encode


def IPv4(*, default: Any = MISSING) -> ipaddress.IPv4Address:
    """An IPv4 address in 4 bytes, as an ``ipaddress.IPv4Address`` (its text, "192.0.2.8", or its 4 bytes
    build too)."""
    decode, encode = _ip(ipaddress.IPv4Address, 4)
    return Mapped(Bytes(4), decode, encode, label="IPv4", show=str, default=default)  # type: ignore[no-any-return]


def IPv6(*, default: Any = MISSING) -> ipaddress.IPv6Address:
    """An IPv6 address in 16 bytes, as an ``ipaddress.IPv6Address``."""
    decode, encode = _ip(ipaddress.IPv6Address, 16)
    return Mapped(Bytes(16), decode, encode, label="IPv6", show=str, default=default)  # type: ignore[no-any-return]


def mac_text(wire: bytes) -> str:
    """``aa:bb:cc:dd:ee:ff``: six bytes as people write a MAC address."""
    return bytes(wire).hex(":")


def mac_bytes(value: Any) -> bytes:
    """The six bytes of a MAC address written ``aa:bb:cc:dd:ee:ff`` (or with ``-``), or given as six bytes."""
    if isinstance(value, (bytes, bytearray)) and len(value) == 6:
        return bytes(value)
    if not isinstance(value, str):
        raise TypeError("expected a MAC address like 'aa:bb:cc:dd:ee:ff', found %s" % type(value).__name__)
    parts = value.replace("-", ":").split(":")
    if len(parts) != 6 or not all(len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts):
        raise ValueError("%r is not a MAC address like 'aa:bb:cc:dd:ee:ff'" % value)
    return bytes(int(p, 16) for p in parts)


def MAC(*, default: Any = MISSING) -> str:
    """A MAC (Ethernet) address in 6 bytes, as the text ``aa:bb:cc:dd:ee:ff``."""
    return Mapped(Bytes(6), mac_text, mac_bytes, label="MAC", show=str, default=default)  # type: ignore[no-any-return]


def UUID(*, mixed: bool = False, default: Any = MISSING) -> _uuid.UUID:
    """A UUID in 16 bytes, as a ``uuid.UUID``; ``mixed=True``: Microsoft's GUID layout, whose first three
    groups are little-endian (``uuid.UUID(bytes_le=...)``)."""
    if mixed:
        return Mapped(Bytes(16), lambda w: _uuid.UUID(bytes_le=bytes(w)), lambda v: _uuid.UUID(str(v)).bytes_le,  # type: ignore[no-any-return]
                      label="GUID", show=str, default=default)
    return Mapped(Bytes(16), lambda w: _uuid.UUID(bytes=bytes(w)), lambda v: _uuid.UUID(str(v)).bytes,  # type: ignore[no-any-return]
                  label="UUID", show=str, default=default)


# --- fixed-point numbers -----------------------------------------------------------------------

def Fixed(base: Any, fraction_bits: int, *, default: Any = MISSING) -> float:
    """A fixed-point number Qm.n: the integer ``base`` (signed or not) counts ``1/2**fraction_bits``;
    ``Fixed(i32be, 16)`` is Q15.16. The value is a ``float``, exact for bases up to 53 bits; a value
    built is rounded to the nearest step (half to even) and must fit ``base``."""
    node = _integer(base, "Fixed")
    if isinstance(fraction_bits, bool) or not isinstance(fraction_bits, int) or not 0 <= fraction_bits <= node.bits:
        raise DefinitionError("Fixed fraction_bits is an int from 0 to %d, not %r" % (node.bits, fraction_bits))
    if node.bits > 53:
        raise DefinitionError("Fixed on %s: a float holds 53 bits exactly; use Mapped with fractions.Fraction"
                              % node.name)
    scale = 1 << fraction_bits

    def decode(wire: int) -> float:
        return wire / scale

    def encode(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError("expected a number, found %s" % type(value).__name__)
        return round(value * scale)

    label = "Q%d.%d" % (node.bits - fraction_bits - (1 if node.signed else 0), fraction_bits)
    if not node.signed:
        label = "UQ%d.%d" % (node.bits - fraction_bits, fraction_bits)
    return Mapped(base, decode, encode, label=label, show=repr, default=default)  # type: ignore[no-any-return]
