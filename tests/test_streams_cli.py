"""``binmodel dump - --format pcap --items N`` reads standard input as it arrives: from a writer that never
closes its end, it prints the first records and exits. Truth: the dump of a file holding just those
records, written by dpkt."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import pytest

from test_streams import capture

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))


def test_dump_of_a_pipe_that_stays_open_prints_the_first_records_and_exits(tmp_path):
    dpkt = pytest.importorskip("dpkt")
    data = capture(6, seed=9)
    source = tmp_path / "capture.pcap"
    source.write_bytes(data)
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        data = open(sys.argv[1], "rb").read()
        out = sys.stdout.buffer
        out.write(data[:24]); out.flush()  # the file header, then the records slowly
        for i in range(24, len(data), 50):
            out.write(data[i:i + 50]); out.flush(); time.sleep(0.01)
        time.sleep(600)  # a live capture: the pipe is never closed
        """), str(source)], stdout=subprocess.PIPE)
    try:
        shown = subprocess.run([sys.executable, "-m", "binmodel", "dump", "-", "--format", "pcap", "--items", "3",
                                "--color", "never"], stdin=writer.stdout, capture_output=True, timeout=120, env=ENV)
    finally:
        writer.kill()
        writer.wait()
        if writer.stdout is not None:
            writer.stdout.close()
    assert shown.returncode == 0, shown.stderr
    first = io.BytesIO()
    out = dpkt.pcap.Writer(first, snaplen=1500)
    for ts, packet in list(dpkt.pcap.Reader(io.BytesIO(data)))[:3]:
        out.writepkt(packet, ts=ts)
    path = tmp_path / "first3.pcap"
    path.write_bytes(first.getvalue())
    whole = subprocess.run([sys.executable, "-m", "binmodel", "dump", str(path), "--format", "pcap", "--items", "3",
                            "--color", "never"], capture_output=True, timeout=120, env=ENV)
    assert whole.returncode == 0, whole.stderr
    assert shown.stdout == whole.stdout
    assert b"body.records[2]" in shown.stdout and b"body.records[3]" not in shown.stdout


def test_a_format_the_cli_does_not_stream_reads_standard_input_whole(tmp_path):
    import tarfile

    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.USTAR_FORMAT) as out:
        for name in ("a", "b", "c"):
            info = tarfile.TarInfo(name)
            info.size = 3
            out.addfile(info, io.BytesIO(name.encode() * 3))
    path = tmp_path / "x.tar"
    path.write_bytes(archive.getvalue())
    args = [sys.executable, "-m", "binmodel", "dump", "--format", "tar", "--items", "1", "--color", "never"]
    piped = subprocess.run(args + ["-"], input=archive.getvalue(), capture_output=True, timeout=120, env=ENV)
    whole = subprocess.run(args + [str(path)], capture_output=True, timeout=120, env=ENV)
    assert piped.returncode == whole.returncode == 0, piped.stderr
    assert piped.stdout == whole.stdout
