"""Fixed-size records to Arrow without an object a record: ``binmodel.bulk``'s numpy view of the bytes, one
column a field (``arrow.to_table`` tries it first). Only models whose every field is a plain number, fixed
bytes or a nested such model, with nothing to check (constants, ``derive``/``check``, strict enums,
constraints), go this way; anything else returns None and takes the column builders' path."""

from __future__ import annotations

from typing import Any, List, Optional

from . import schema as s


def _plain(node: s.Node, options: Any) -> bool:
    """Whether numpy's value of ``node`` is the Arrow column's value as it is."""
    if isinstance(node, s.Int):
        return node.size in (1, 2, 4, 8)
    if isinstance(node, s.Float):
        return node.bits in (32, 64)
    if isinstance(node, s.Bool):
        return True
    if isinstance(node, s.Bytes):
        return node.prefix is None and not node.greedy and node.measure is None
    if isinstance(node, s.Enum):
        return options.enums == "int" and not node.strict and _plain(node.base, options)
    if isinstance(node, s.Flags):
        return _plain(node.base, options)
    if isinstance(node, s.Struct):
        return node.union_size is None and node.cls is not None and all(
            isinstance(m, s.Field) and (not m.stored or (m.derive is None and not m.check and
                                                         (_plain(m.type, options))))
            for m in node.members) and set(node.cls._bm_stored) == {f.name for f in node.fields() if f.stored}
    return False


def _column(np: Any, pa: Any, values: Any, node: s.Node, arrow_type: Any) -> Any:
    if isinstance(node, (s.Enum, s.Flags)):
        node = node.base
    if isinstance(node, s.Struct):
        children = [_column(np, pa, values[f.name], f.type, arrow_type.field(f.name).type)
                    for f in node.fields() if f.stored]
        return pa.StructArray.from_arrays(children, fields=list(arrow_type))
    if isinstance(node, s.Bytes):
        flat = np.ascontiguousarray(values).reshape(-1)
        return pa.FixedSizeBinaryArray.from_buffers(arrow_type, len(values), [None, pa.py_buffer(flat)])
    native = values.astype(values.dtype.newbyteorder("="), copy=False)
    return pa.array(native, type=arrow_type)


def fast_table(model: Any, data: Any, options: Any) -> Optional[Any]:
    """The table of the ``model`` records in ``data`` through numpy, or None where that path does not apply
    (no numpy, a model with checks or forms it has no column for, data not a whole number of records)."""
    node = model._bm_node
    if not _plain(node, options):
        return None
    try:
        import numpy as np

        from .bulk import dtype
        from .errors import Error
        layout = dtype(model)
    except (ImportError, Error):
        return None
    if len(data) % layout.itemsize:
        return None  # (the stream path gives the exact error for the cut record)
    from .arrow import _pa, schema

    pa = _pa()
    table_schema = schema(model, **{"enums": options.enums, "addresses": options.addresses,
                                    "mapped": options.mapped})
    values = np.frombuffer(data, dtype=layout)
    columns: List[Any] = [_column(np, pa, values[f.name], f.type, table_schema.field(f.name).type)
                          for f in node.fields() if f.stored]
    return pa.Table.from_arrays(columns, schema=table_schema)
