"""``to_dict(json=True)``, ``from_dict`` and ``binmodel dump --json``: JSON text (addresses and times as text,
bytes as hex) that reads back to the same bytes, for gallery files written by other tools."""

import io
import json
import pathlib
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel.cli import main
from binmodel.formats import ELF, ZIP, Pcap
from test_values import Addresses, Times


def through_json(model, data):
    """``data`` parsed, written as JSON text, read back with ``from_dict`` and built."""
    text = json.dumps(model.parse(data).to_dict(json=True))
    return model.build(model.from_dict(json.loads(text))), json.loads(text)


@given(st.binary(min_size=Times.sizeof(), max_size=Times.sizeof()))
def test_any_times_survive_json_exactly(raw):
    built, plain = through_json(Times, raw)
    assert built == raw  # nanoseconds, NTP fractions and out-of-range values included
    assert all(isinstance(v, (str, int, list)) for v in plain.values())


@given(st.binary(min_size=58, max_size=58))
def test_addresses_are_text_in_json(raw):
    built, plain = through_json(Addresses, raw)
    assert built == raw
    assert plain["mac"] == raw[20:26].hex(":") and plain["id"] == str(Addresses.parse(raw).id)


def test_a_pcap_from_dpkt_through_json():
    pytest.importorskip("dpkt")
    import dpkt
    from dpkt.utils import inet_to_str, mac_to_str

    from test_format_pcap import write_pcap

    for nano in (False, True):
        data = write_pcap(nano=nano)
        built, plain = through_json(Pcap, data)
        assert built == data
        first = plain["body"]["records"][0]
        frame = dpkt.ethernet.Ethernet(next(iter(dpkt.pcap.Reader(io.BytesIO(data))))[1])
        assert first["data"]["src"] == mac_to_str(frame.src)
        assert first["data"]["payload"]["dst"] == inet_to_str(frame.data.dst)
        assert first["ts"] == "2023-11-14 22:13:20.250000+00:00"


def test_a_zip_from_zipfile_through_json():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("a.txt", date_time=(2020, 1, 2, 3, 4, 6)), b"hello")
        z.writestr(zipfile.ZipInfo("b.txt", date_time=(1980, 1, 1, 0, 0, 0)), b"")
    built, plain = through_json(ZIP, buf.getvalue())
    assert built == buf.getvalue()
    assert plain["records"][0]["body"]["last_modified"] == "2020-01-02 03:04:06"
    assert plain["records"][0]["body"]["file_data"] == b"hello".hex()


def test_an_elf_executable_through_json():
    path = pathlib.Path("/bin/ls")
    if not path.is_file():
        pytest.skip("no /bin/ls")
    data = path.read_bytes()
    built, _ = through_json(ELF, data)
    assert built == data


def test_cli_dump_json(capsys, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("a.txt", date_time=(2020, 1, 2, 3, 4, 6)), b"hello")
    path = tmp_path / "a.zip"
    path.write_bytes(buf.getvalue())
    assert main(["dump", str(path), "--format", "zip", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert ZIP.build(ZIP.from_dict(plain)) == buf.getvalue()
    assert main(["dump", str(path), "--format", "elf", "--json"]) == 1
    assert "ei_mag" in capsys.readouterr().err


def test_a_pcap_with_a_malformed_record_through_json():
    pytest.importorskip("dpkt")
    from test_format_pcap import write_pcap

    data = bytearray(write_pcap())
    data[24 + 16 + 14] = 0x43  # the first frame's IPv4 IHL is 3: kept as Malformed bytes with its error
    built, plain = through_json(Pcap, bytes(data))
    assert built == bytes(data)
    bad = plain["body"]["records"][0]["data"]  # the frame's region holds what did not parse
    assert set(bad) == {"malformed", "error"} and "body.records[0].data.payload" in bad["error"]
