"""binmodel.dask over a corpus of 20 captures written by dpkt: a LocalCluster of two worker processes on
loopback parses them, Dask writes Parquet, pyarrow's dataset API and DuckDB read it back; counts and sums against
dpkt's own reading, and the rows equal to the single-process conversion. Bounded in time; shuts down."""

import io
import platform

import pytest

if platform.python_implementation() != "CPython":
    pytest.skip("pyarrow has no wheel for PyPy", allow_module_level=True)
pa = pytest.importorskip("pyarrow", reason="binmodel.dask needs pyarrow (pip install 'binmodel[dask]')")
pytest.importorskip("dask.dataframe", reason="binmodel.dask needs dask[dataframe]")
distributed = pytest.importorskip("distributed", reason="the pipeline test runs on dask.distributed")
dpkt = pytest.importorskip("dpkt")

from binmodel import arrow  # noqa: E402
from binmodel.dask import read_files, write_parquet  # noqa: E402
from binmodel.formats import Pcap  # noqa: E402
from test_format_fuzz import _frame  # noqa: E402


def _corpus(tmp_path, files=20):
    frames = _frame()
    for i in range(files):
        out = io.BytesIO()
        writer = dpkt.pcap.Writer(out)
        for j in range(i % 4 + 1):
            writer.writepkt(frames[j % 2] + b"\0" * i, ts=1700000000 + i * 10 + j)
        (tmp_path / ("c%02d.pcap" % i)).write_bytes(out.getvalue())
    return sorted(tmp_path.glob("c*.pcap"))


def test_a_local_cluster_converts_a_corpus_to_parquet(tmp_path):
    import pyarrow.dataset as ds

    paths = _corpus(tmp_path)
    truth = [(ts, buf) for p in paths for ts, buf in dpkt.pcap.Reader(io.BytesIO(p.read_bytes()))]
    single = pa.concat_tables([arrow.to_table(Pcap, p.read_bytes(), record_path="records") for p in paths])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        frame = read_files(str(tmp_path / "c*.pcap"), Pcap, record_path="records")
        assert frame.npartitions == len(paths)
        first = [len(buf) for p in paths[:2] for _, buf in dpkt.pcap.Reader(io.BytesIO(p.read_bytes()))]
        assert frame.partitions[:2].incl_len.sum().compute() == sum(first)  # (parsed and summed in the workers)
        written = write_parquet(str(tmp_path / "c*.pcap"), Pcap, str(tmp_path / "out"), record_path="records")
        assert written == len(truth)
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == len(paths)
    table = ds.dataset(str(tmp_path / "out"), format="parquet").to_table()
    assert table.schema.field("data").type == single.schema.field("data").type
    assert table.num_rows == len(truth)
    assert pa.compute.sum(table.column("incl_len")).as_py() == sum(len(buf) for _, buf in truth)
    assert table.column("ts").cast(pa.int64()).to_pylist() == [round(ts * 10 ** 6) for ts, _ in truth]
    assert table.select(single.column_names).to_pylist() == single.to_pylist()
    duckdb = pytest.importorskip("duckdb", reason="the dataset is queried with DuckDB (pip install duckdb)")
    query = "select count(*), sum(incl_len), min(ts), max(ts) from read_parquet(?)"
    count, total, first_ts, last_ts = duckdb.connect().execute(query, [str(tmp_path / "out" / "*.parquet")]).fetchone()
    assert (count, total) == (len(truth), sum(len(buf) for _, buf in truth))
    assert (first_ts.timestamp(), last_ts.timestamp()) == (min(ts for ts, _ in truth), max(ts for ts, _ in truth))


def test_a_computation_over_some_columns_parses_into_those_only(tmp_path, monkeypatch):
    import dask

    from binmodel import dask as bd

    paths = _corpus(tmp_path, files=3)
    asked = []
    table = bd.ReadFile.table

    def spy(self, path, columns=None):
        asked.append(columns)
        return table(self, path, columns)

    frame = read_files([str(p) for p in paths], Pcap)
    monkeypatch.setattr(bd.ReadFile, "table", spy)
    with dask.config.set(scheduler="synchronous"):
        lengths = frame.incl_len.compute().tolist()
    expected = [len(buf) for p in paths for _, buf in dpkt.pcap.Reader(io.BytesIO(p.read_bytes()))]
    assert lengths == expected and asked == [["incl_len"]] * len(paths)
