"""The TZif model (RFC 8536) on the machine's /usr/share/zoneinfo, checked against zoneinfo.ZoneInfo."""

import datetime
import pathlib
import struct

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import TZif
from binmodel.values import OutOfRange

zoneinfo = pytest.importorskip("zoneinfo")

ROOT = pathlib.Path("/usr/share/zoneinfo")
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Sao_Paulo"]
pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason="no /usr/share/zoneinfo on this machine")


def zone_file(name):
    path = ROOT / name
    if not path.is_file():
        pytest.skip("%s is not installed" % name)
    return path


def utc(seconds):
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def wire_times(block):
    """The transition times as the file has them: big-endian seconds after the counts (RFC 8536 3.2)."""
    code = "q" if type(block).__name__ == "DataBlockV2" else "i"  # 64-bit times after the first block
    return list(struct.unpack_from(">%d%s" % (block.timecnt, code), type(block).build(block), 44))


def check_against_zoneinfo(tz, info):
    block = tz.v2 if tz.v2 is not None else tz.v1
    names = block.designations.split(b"\0")
    for when, index, wire in zip(block.transition_times, block.transition_types, wire_times(block)):
        if isinstance(when, OutOfRange):  # the big-bang sentinel: no datetime holds it, the wire value is kept
            assert when.wire == wire and not -2**37 < wire < 2**37
            continue
        assert when == utc(wire)  # the UTC datetime of the seconds in the file
        ltt = block.local_time_types[index]
        instant = when
        assert instant.astimezone(info).utcoffset() == datetime.timedelta(seconds=ltt.utoff)
        name = block.designations[ltt.desigidx:].split(b"\0")[0].decode("ascii")
        assert instant.astimezone(info).tzname() == name and name.encode() in names


@pytest.mark.parametrize("name", ZONES)
def test_zone_matches_zoneinfo_and_rebuilds(name):
    path = zone_file(name)
    raw = path.read_bytes()
    tz = TZif.parse(raw)
    assert tz.v1.version in (0, ord("2"), ord("3"), ord("4"))
    check_against_zoneinfo(tz, zoneinfo.ZoneInfo.from_file(open(path, "rb"), key=name))
    if tz.footer is not None:  # zoneinfo reads the footer's TZ string for times after the last transition
        assert raw.rstrip(b"\n").rsplit(b"\n", 1)[1].decode() == tz.footer.tz_string
        later = zoneinfo.ZoneInfo.from_file(open(path, "rb"), key=name)
        assert datetime.datetime(2400, 1, 1, tzinfo=later).utcoffset() is not None
    assert TZif.build(tz) == raw


def test_leap_second_zone_rebuilds():
    path = zone_file("right/UTC")
    raw = path.read_bytes()
    tz = TZif.parse(raw)
    assert tz.v2.leapcnt == len(tz.v2.leap_seconds) > 20
    corrections = [leap.correction for leap in tz.v2.leap_seconds]
    assert corrections == sorted(corrections) and corrections[-1] >= 27  # TAI - UTC was 37 s from 2017
    assert [leap.occurrence for leap in tz.v1.leap_seconds] == [leap.occurrence for leap in tz.v2.leap_seconds]
    assert TZif.build(tz) == raw


def test_dropping_the_last_transition_recomputes_counts():
    path = zone_file("Europe/Paris")
    tz = TZif.parse(path.read_bytes())
    block = tz.v2
    kept = len(block.transition_times) - 1
    block.transition_times.pop()
    block.transition_types.pop()
    out = TZif.build(tz)
    again = TZif.parse(out)
    assert again.v2.timecnt == kept
    info = zoneinfo.ZoneInfo.from_file(__import__("io").BytesIO(out), key="edited")
    check_against_zoneinfo(again, info)
    assert out != path.read_bytes()


def test_truncated_and_corrupted_files_raise_parse_error():
    raw = zone_file("America/New_York").read_bytes()
    for cut in (0, 3, 20, 44, 100, len(raw) // 2, len(raw) - 1):
        with pytest.raises(ParseError):
            TZif.parse(raw[:cut])
    bad = bytearray(raw)
    bad[0:4] = b"TZiF"
    with pytest.raises(ParseError):
        TZif.parse(bytes(bad))
    bad = bytearray(raw)
    bad[32:36] = (0xFFFFFF).to_bytes(4, "big")  # timecnt far beyond the data
    with pytest.raises(ParseError) as err:
        TZif.parse(bytes(bad))
    assert err.value.path.startswith("v1.transition_times")


def test_cli_dump_tzif(capsys):
    path = zone_file("Europe/Paris")
    assert main(["dump", str(path), "--format", "tzif", "--color", "never"]) == 0
    out = capsys.readouterr().out
    tz_string = path.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[1].decode()  # the footer's line, as the file has it
    assert "footer.tz_string = %r" % tz_string in out
