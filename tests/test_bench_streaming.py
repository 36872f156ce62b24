"""The streaming benchmark (bench/streaming.py) at a small size: it completes, both sides decode the same
first records and the same count (``run`` checks both before and while timing), and the report has a row
per side. No timing is asserted."""

import importlib.util
import pathlib
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parent.parent / "bench" / "streaming.py"


@pytest.fixture(scope="module")
def bench():
    pytest.importorskip("dpkt")
    spec = importlib.util.spec_from_file_location("binmodel_bench_streaming", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_the_streaming_benchmark_cross_checks_and_reports(bench, tmp_path):
    memory = importlib.util.find_spec("_tracemalloc") is not None
    result = bench.run(megabytes=1, repeats=1, memory=memory, directory=str(tmp_path))
    assert result["records"] > bench.CHECKED and result["size"] > 0.5e6
    assert set(result["seconds"]) == {"binmodel pcap.read_stream", "dpkt pcap.Reader + Ethernet",
                                      "binmodel Pcap.parse (whole file)"}
    text = bench.report(result)
    assert "| dpkt pcap.Reader + Ethernet |" in text and "1.00x" in text
    if memory:
        assert 0 < result["peak"] < 4e6
    assert list(tmp_path.iterdir()) == []  # the capture is removed


def test_a_side_that_decodes_differently_is_refused(bench, tmp_path, monkeypatch):
    real = bench.binmodel_stream

    def wrong(path):
        for row in real(path):
            yield row[:-1] + (row[-1] + 1,)
    monkeypatch.setattr(bench, "binmodel_stream", wrong)
    with pytest.raises(AssertionError, match="decodes the first records differently"):
        bench.run(megabytes=0.2, repeats=1, directory=str(tmp_path))
