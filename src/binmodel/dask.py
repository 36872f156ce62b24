"""A corpus of files as one Dask DataFrame: one partition a file, each parsed in a worker into an Arrow table
(``binmodel.arrow``) and handed to pandas with Arrow-backed columns, so nested records keep their types
through ``to_parquet``. Needs dask[dataframe] and pyarrow (``pip install 'binmodel[dask]'``); the same code
runs on a ``dask.distributed`` cluster of one machine or many (docs/arrow.md).
"""

from __future__ import annotations

import glob as _glob
from typing import Any, Dict, Iterable, List, Optional, Union, cast


class ReadFile:
    """What a worker runs for one partition: the file's records as a pandas DataFrame (picklable: the model is
    sent by reference, so it must be importable where the workers run, as the bundled formats are)."""

    def __init__(self, model: Any, record_path: Optional[str], options: Dict[str, str]) -> None:
        self.model, self.record_path, self.options = model, record_path, options

    def table(self, path: str) -> Any:
        from . import arrow

        with open(path, "rb") as f:
            data = f.read()
        return arrow.to_table(self.model, data, record_path=self.record_path, **cast(Dict[str, Any], self.options))

    def __call__(self, path: str) -> Any:
        import pandas as pd  # type: ignore[import-untyped,import-not-found,unused-ignore]

        return self.table(path).to_pandas(types_mapper=pd.ArrowDtype)


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
    import pandas as pd  # type: ignore[import-untyped,import-not-found,unused-ignore]

    files = files_of(paths)
    read = ReadFile(model, record_path, dict(options))
    meta = read.table(files[0]).schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    return dd.from_map(read, files, meta=meta, label="binmodel-read", enforce_metadata=False)


__all__ = ["ReadFile", "files_of", "read_files"]
