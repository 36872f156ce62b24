"""A corpus of files for Dask: ``write_parquet`` parses each file in a worker and writes its records as one
Parquet file of a dataset, Arrow to Parquet with no pandas in between; ``read_files`` is the corpus as one Dask
DataFrame, one partition a file, its columns pandas' Arrow-backed types of ``binmodel.arrow``'s. Needs
dask[dataframe] and pyarrow (``pip install 'binmodel[dask]'``); the same code runs on a ``dask.distributed``
cluster of one machine or many (docs/arrow.md).

Dask sends a partition's column types with every task, and a deep struct's (a packet's headers) is costly
to send: a DataFrame computation that reads only some columns asks only for those (column projection), so
``frame.incl_len.sum()`` neither parses into nor sends the others' types.
"""

from __future__ import annotations

import glob as _glob
import os
from typing import Any, Dict, Iterable, List, Optional, Union, cast


class ReadFile:
    """What a worker runs for one partition: the file's records as a pandas DataFrame with Arrow-backed
    columns (``columns``: only those, as Dask asks when a computation reads only some). Picklable: the model
    is sent by reference, so it must be importable where the workers run, as the bundled formats are."""

    def __init__(self, model: Any, record_path: Optional[str], options: Dict[str, str]) -> None:
        self.model, self.record_path, self.options = model, record_path, options

    def table(self, path: str, columns: Optional[List[str]] = None) -> Any:
        from . import arrow

        with open(path, "rb") as f:
            data = f.read()
        table = arrow.to_table(self.model, data, record_path=self.record_path, **cast(Dict[str, Any], self.options))
        return table if columns is None else table.select(list(columns))

    @staticmethod
    def frame(table: Any) -> Any:
        import pandas as pd  # type: ignore[import-untyped,import-not-found,unused-ignore]

        return table.to_pandas(types_mapper=pd.ArrowDtype)

    def __call__(self, path: str, columns: Optional[List[str]] = None) -> Any:
        return self.frame(self.table(path, columns))


def files_of(paths: Union[str, Iterable[str]]) -> List[str]:
    """The files a glob pattern names, in sorted order (or the paths given, as they are)."""
    found = sorted(_glob.glob(paths)) if isinstance(paths, str) else [str(p) for p in paths]
    if not found:
        raise FileNotFoundError("no file matches %r" % (paths,))
    return found


def read_files(paths: Union[str, Iterable[str]], model: Any, record_path: Optional[str] = "records",
               **options: str) -> Any:
    """A Dask DataFrame of the records (at ``record_path`` in each file read as ``model``; None: each file is
    ``model`` records back to back) of every file ``paths`` names (a glob pattern or a list), one partition a
    file, parsed where Dask runs its tasks. The columns are ``binmodel.arrow``'s, with the same ``options``;
    the first file is read here once to know them, and every file must give the same ones."""
    import dask.dataframe as dd  # type: ignore[import-untyped,import-not-found,unused-ignore]

    files = files_of(paths)
    read = ReadFile(model, record_path, dict(options))
    meta = read.frame(read.table(files[0]).schema.empty_table())
    return dd.from_map(read, files, meta=meta, label="binmodel-read", enforce_metadata=False)


class _WriteFile:
    """One task of ``write_parquet``: a file's records to ``out/part-NNNNN.parquet``; gives their count."""

    def __init__(self, model: Any, record_path: Optional[str], options: Dict[str, str], out: str) -> None:
        self.read, self.out = ReadFile(model, record_path, options), out

    def __call__(self, index: int, path: str) -> int:
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]

        table = self.read.table(path)
        pq.write_table(table, os.path.join(self.out, "part-%05d.parquet" % index))
        return int(table.num_rows)


def write_parquet(paths: Union[str, Iterable[str]], model: Any, out: str, record_path: Optional[str] = "records",
                  **options: str) -> int:
    """The records of every file ``paths`` names written as a Parquet dataset in the directory ``out``: one file a
    partition (``part-00000.parquet``, in the order of the files), each parsed and written by a Dask task
    (on the current ``dask.distributed`` client's cluster, or Dask's default scheduler without one), with
    ``binmodel.arrow``'s schema. Gives the number of records written."""
    import dask

    files = files_of(paths)
    os.makedirs(out, exist_ok=True)
    write = dask.delayed(_WriteFile(model, record_path, dict(options), out), pure=False)
    counts = dask.compute(*[write(i, path) for i, path in enumerate(files)])
    return sum(counts)


__all__ = ["ReadFile", "files_of", "read_files", "write_parquet"]
