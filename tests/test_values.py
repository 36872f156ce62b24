"""Converted values (``Mapped``, ``Hex``, ``binmodel.values``) against independent truth: the ``ipaddress``,
``socket``, ``uuid``, ``time``, ``zipfile`` modules and numpy's datetime64; round trips of any bytes."""

import calendar
import datetime
import io
import ipaddress
import socket
import struct
import time
import uuid
import zipfile
from fractions import Fraction
from typing import Any, List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    Array,
    BuildError,
    Bytes,
    Const,
    DefinitionError,
    Hex,
    If,
    Mapped,
    ParseError,
    Struct,
    Switch,
    count_of,
    dump,
    i64be,
    i64le,
    this,
    u8,
    u16be,
    u32be,
    u32le,
    u64be,
    u64le,
    wire_value,
)
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse
from binmodel.values import (
    MAC,
    UUID,
    DosDateTime,
    FileTime,
    Fixed,
    IPv4,
    IPv6,
    NTPTime,
    OutOfRange,
    SecondsAndFraction,
    Time,
    UnixTime,
)

UTC = datetime.timezone.utc


def both(model, data):
    """The value both engines give (they must agree)."""
    a, b = interpreted_parse(model._bm_node, data), compiled_parse(model._bm_node, data)
    assert repr(a) == repr(b)
    return b


# --- the mechanism -------------------------------------------------------------------------------

class Reading(Struct, endian="big"):
    sensor: int = u8()
    celsius: float = Mapped(u16be, lambda tenths: tenths / 10, lambda c: round(c * 10), label="Celsius")
    name: str = Mapped(Bytes(this.sensor), lambda raw: raw.decode("ascii"), lambda text: text.encode("ascii"))


def test_mapped_parses_and_builds_both_ways_with_the_wire_value_reachable():
    data = bytes([2]) + (215).to_bytes(2, "big") + b"ab"
    r = both(Reading, data)
    assert (r.celsius, r.name) == (21.5, "ab")
    assert Reading.build(r) == data
    assert wire_value(r, "celsius") == 215 and wire_value(r, "name") == b"ab" and wire_value(r, "sensor") == 2
    r.celsius = 30.0
    assert Reading.build(r)[1:3] == (300).to_bytes(2, "big")


def test_mapped_errors_name_the_field_offset_and_values():
    class Strict(Struct, endian="big"):
        pad: int = u8()
        level: int = Mapped(u8, lambda w: [0, 1, 2][w], lambda v: v, label="Level")

    with pytest.raises(ParseError) as info:
        Strict.parse(b"\0\x07")
    assert (info.value.path, info.value.offset, info.value.expected, info.value.found) == ("level", 1, "Level", 7)
    with pytest.raises(BuildError) as info:
        Reading.build(Reading(sensor=2, celsius="warm", name="ab"))
    assert info.value.path == "celsius" and info.value.found == "warm"
    with pytest.raises(BuildError) as info:  # a wire value of the wrong size: the base type refuses it
        Reading.build(Reading(sensor=3, celsius=1.0, name="ab"))
    assert info.value.path == "name"
    with pytest.raises(DefinitionError):
        Mapped(u8, None, str)


def test_hex_is_a_display_choice_the_value_stays_an_int():
    class Magic(Struct, endian="little"):
        magic: int = Hex(u32le)
        sig: int = Const(0x04034B50, Hex(u32le))

    data = struct.pack("<II", 0xA1B2C3D4, 0x04034B50)
    m = both(Magic, data)
    assert type(m.magic) is int and m.magic == 0xA1B2C3D4
    assert repr(m) == "Magic(magic=0xa1b2c3d4, sig=0x04034b50)"
    out = io.StringIO()
    dump(Magic, data, file=out, color="never", legend=False)
    assert "magic = 0xa1b2c3d4" in out.getvalue() and "sig = 0x04034b50" in out.getvalue()
    assert Magic.build(m) == data


# --- addresses and identifiers -------------------------------------------------------------------

class Addresses(Struct):
    v4: ipaddress.IPv4Address = IPv4()
    v6: ipaddress.IPv6Address = IPv6()
    mac: str = MAC()
    id: uuid.UUID = UUID()
    guid: uuid.UUID = UUID(mixed=True)


@given(st.binary(min_size=58, max_size=58))
def test_addresses_read_as_the_standard_library_writes_them(raw):
    a = both(Addresses, raw)
    assert str(a.v4) == socket.inet_ntop(socket.AF_INET, raw[:4])
    assert a.v6 == ipaddress.IPv6Address(socket.inet_ntop(socket.AF_INET6, raw[4:20]))
    assert a.mac == raw[20:26].hex(":")
    h = raw[26:42].hex()
    assert str(a.id) == "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:])) and a.id == uuid.UUID(h)
    d1, d2, d3 = struct.unpack("<IHH", raw[42:50])  # the GUID layout: three little-endian groups, then bytes
    assert str(a.guid) == "%08x-%04x-%04x-%s-%s" % (d1, d2, d3, raw[50:52].hex(), raw[52:58].hex())
    assert Addresses.build(a) == raw


def test_a_known_guid_and_text_addresses_build():
    word = b"\x06\x09\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"  # Word.Document's CLSID
    a = Addresses(v4="192.0.2.8", v6="2001:db8::1", mac="AA-BB-CC-DD-EE-FF",
                  id=uuid.UUID(int=1), guid=uuid.UUID("00020906-0000-0000-c000-000000000046"))
    raw = Addresses.build(a)
    assert raw[:4] == socket.inet_aton("192.0.2.8") and raw[4:20] == socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    assert raw[20:26] == bytes.fromhex("aabbccddeeff") and raw[42:] == word
    with pytest.raises(BuildError) as info:
        Addresses.build(Addresses(v4="192.0.2.8", v6="::", mac="aa:bb", id=uuid.UUID(int=0), guid=uuid.UUID(int=0)))
    assert info.value.path == "mac"


# --- times ---------------------------------------------------------------------------------------

class Times(Struct, endian="little"):
    unix: datetime.datetime = UnixTime(u32le)
    signed: datetime.datetime = UnixTime(i64be, "s")
    ms: datetime.datetime = UnixTime(u64le, "ms")
    us: datetime.datetime = UnixTime(i64le, "us")
    ns: datetime.datetime = UnixTime(i64le, "ns")
    pcap: datetime.datetime = SecondsAndFraction(u32le, 10 ** 6)
    ntp: datetime.datetime = NTPTime()
    dos: datetime.datetime = DosDateTime()
    filetime: datetime.datetime = FileTime()


@given(st.binary(min_size=Times.sizeof(), max_size=Times.sizeof()))
def test_every_wire_value_round_trips_in_range_or_not(raw):
    t = both(Times, raw)
    assert Times.build(t) == raw
    for name in ("unix", "signed", "ms", "us", "ns", "pcap", "ntp", "dos", "filetime"):
        value = getattr(t, name)
        assert isinstance(value, (datetime.datetime, OutOfRange))


@given(st.integers(0, 2 ** 32 - 1), st.integers(-2 ** 40, 2 ** 40))
def test_unix_seconds_agree_with_time_gmtime(n, signed):
    raw = struct.pack("<I", n) + struct.pack(">q", signed) + bytes(Times.sizeof() - 12)
    t = both(Times, raw)
    assert t.unix.timetuple()[:6] == time.gmtime(n)[:6] and t.unix.tzinfo == UTC
    assert calendar.timegm(t.unix.timetuple()) == n
    value = t.signed
    if isinstance(value, OutOfRange):  # before year 1 or after 9999: kept, and datetime refuses it too
        with pytest.raises((OverflowError, ValueError)):
            datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(seconds=signed)
        assert value.wire == signed
    else:
        assert calendar.timegm(value.timetuple()) == signed


@given(st.integers(-2 ** 63 + 10 ** 6, 2 ** 63 - 1))  # (numpy's own conversion wraps within 1 ms of its minimum)
def test_nanoseconds_agree_with_numpy_datetime64_and_keep_their_last_digits(ns):
    np = pytest.importorskip("numpy")
    raw = bytes(28) + struct.pack("<q", ns) + bytes(Times.sizeof() - 36)
    t = both(Times, raw)
    truth = np.datetime64(ns, "ns").astype("datetime64[us]").item()  # floor to the microsecond
    if isinstance(truth, datetime.datetime):
        assert t.ns.replace(tzinfo=None) == truth
    assert isinstance(t.ns, Time) == bool(ns % 1000)
    assert wire_value(t, "ns") == ns


def test_an_edited_time_is_written_from_its_microseconds():
    t = Times.parse(bytes(Times.sizeof()))
    t.ns = datetime.datetime(2024, 2, 29, 12, 0, 0, 1, tzinfo=UTC)
    assert struct.unpack_from("<q", Times.build(t), 28)[0] == 1709208000000001000
    with pytest.raises(BuildError) as info:  # a naive datetime has no zone to count from
        t.unix = datetime.datetime(2024, 1, 1)
        Times.build(t)
    assert info.value.path == "unix"


@given(st.integers(0, 2 ** 32 - 1), st.integers(0, 2 ** 32 - 1))
def test_pcap_and_ntp_pairs(seconds, fraction):
    raw = bytes(36) + struct.pack("<II", seconds, fraction) + struct.pack(">II", seconds, fraction) + bytes(12)
    t = both(Times, raw)
    if fraction >= 10 ** 6:
        assert t.pcap == OutOfRange([seconds, fraction], "") and "second or more" in str(t.pcap)
    else:
        assert calendar.timegm(t.pcap.timetuple()) == seconds and t.pcap.microsecond == fraction
    unix = seconds - 2208988800  # NTP counts from 1900: 70 years and 17 leap days before 1970
    assert calendar.timegm(t.ntp.timetuple()) == unix
    assert t.ntp.microsecond == fraction * 10 ** 6 >> 32
    assert Times.build(t) == raw


def test_filetime_counts_from_1601():
    raw = bytes(Times.sizeof() - 8) + struct.pack("<Q", 116444736000000000 + 10 ** 7 * 1700000000 + 1234567)
    t = both(Times, raw)
    assert t.filetime == datetime.datetime.fromtimestamp(1700000000.1234567 // 1e-6 * 1e-6, UTC).replace(
        microsecond=123456) and isinstance(t.filetime, Time)
    assert Times.build(t) == raw


class DosStamp(Struct):
    when: datetime.datetime = DosDateTime()


@given(st.datetimes(datetime.datetime(1980, 1, 1), datetime.datetime(2107, 12, 31, 23, 59, 58)))
def test_dos_times_agree_with_zipfile(when):
    when = when.replace(microsecond=0, second=when.second // 2 * 2)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(zipfile.ZipInfo("f", date_time=when.timetuple()[:6]), b"")
    data = archive.getvalue()
    stamp = both(DosStamp, data[10:14])  # the local header's time, then date
    assert stamp.when.timetuple()[:6] == zipfile.ZipFile(io.BytesIO(data)).infolist()[0].date_time
    assert stamp.when == when and DosStamp.build(stamp) == data[10:14]


def test_a_dos_date_with_month_zero_is_kept_and_shown():
    stamp = both(DosStamp, bytes(4))
    assert isinstance(stamp.when, OutOfRange) and stamp.when.wire == 0
    out = io.StringIO()
    dump(DosStamp, bytes(4), file=out, color="never", legend=False)
    assert "1980-00-00 00:00:00" in out.getvalue()
    assert DosStamp.build(stamp) == bytes(4)
    with pytest.raises(BuildError):
        DosStamp.build(DosStamp(when=datetime.datetime(1979, 12, 31)))


# --- fixed point ---------------------------------------------------------------------------------

class Scaled(Struct, endian="big"):
    uq16_16: float = Fixed(u32be, 16)
    uq8_8: float = Fixed(u16be, 8)


@given(st.integers(0, 2 ** 32 - 1), st.integers(0, 2 ** 16 - 1))
def test_fixed_point_is_the_exact_fraction(wire, small):
    raw = struct.pack(">IH", wire, small)
    s = both(Scaled, raw)
    assert Fraction(s.uq16_16) == Fraction(wire, 1 << 16) and Fraction(s.uq8_8) == Fraction(small, 256)
    assert Scaled.build(s) == raw


def test_fixed_point_rounds_to_the_nearest_step_and_refuses_what_does_not_fit():
    from binmodel import i16be

    class Signed(Struct):
        v: float = Fixed(i16be, 8)

    assert Signed.parse(b"\xff\x80").v == -0.5
    assert Signed.build(Signed(v=1.1)) == (round(1.1 * 256)).to_bytes(2, "big")
    with pytest.raises(BuildError) as info:
        Signed.build(Signed(v=200.0))
    assert info.value.path == "v"
    with pytest.raises(DefinitionError):
        Fixed(u64be, 32)


class Hosts(Struct, endian="big"):
    """Converted values as array items, switch cases and optional fields."""

    n: int = u8(derive=count_of("addrs"))
    addrs: List[ipaddress.IPv4Address] = Array(IPv4(), count=this.n)
    kind: int = u8()
    what: Any = Switch(this.kind, {1: UnixTime(u32be), 2: MAC()}, default=Bytes(2))
    scale: Optional[float] = If(this.kind == 1, Fixed(u16be, 8))


@given(st.lists(st.binary(min_size=4, max_size=4), max_size=5), st.sampled_from([1, 2, 3]), st.binary(min_size=6,
       max_size=6))
def test_converted_values_inside_arrays_switches_and_ifs(addrs, kind, tail):
    what = {1: tail[:4] + tail[4:6], 2: tail[:6], 3: tail[:2]}[kind]
    raw = bytes([len(addrs)]) + b"".join(addrs) + bytes([kind]) + what
    h = both(Hosts, raw)
    assert h.addrs == [ipaddress.IPv4Address(a) for a in addrs]
    if kind == 1:
        assert calendar.timegm(h.what.timetuple()) == int.from_bytes(tail[:4], "big")
        assert h.scale == int.from_bytes(tail[4:6], "big") / 256
    elif kind == 2:
        assert h.what == tail.hex(":")
    assert Hosts.build(h) == raw


def test_notes_show_what_values_point_at_in_dumps_and_the_html_view():
    from binmodel.html import view_data

    class Table(Struct):
        pick: int = u8()
        names: bytes = Bytes(9)

        def __bm_notes__(self):
            return {"pick": self.names.split(b"\0")[self.pick].decode()}

    class Broken(Table):
        def __bm_notes__(self):
            raise LookupError("a damaged table")

    data = b"\x01red\0green"
    out = io.StringIO()
    dump(Table, data, file=out, color="never", legend=False)
    assert "pick = 1 \u2192 green" in out.getvalue()
    view = view_data(Table.parse_trace(data))
    assert view["value"][view["name"].index("pick")] == "1 \u2192 green"
    out = io.StringIO()
    dump(Broken, data, file=out, color="never", legend=False)  # a failing hook says nothing
    assert "pick = 1\n" in out.getvalue()


def test_a_wire_value_that_means_no_time_reads_as_none():
    class Stamp(Struct, endian="little"):
        mtime: Optional[datetime.datetime] = UnixTime(u32le, none=0, default=None)

    assert both(Stamp, bytes(4)).mtime is None and Stamp.build(Stamp()) == bytes(4)
    assert both(Stamp, struct.pack("<I", 1)).mtime == datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
    with pytest.raises(DefinitionError):
        UnixTime(u32le, none="0")
